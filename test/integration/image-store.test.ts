// The image store on the real filesystem, through `podrun image`: layers applied exactly
// (owners, modes, times, xattrs with security.capability, hard links, symlinks, devices)
// and OCI whiteouts stored as overlayfs' (char 0:0, trusted.overlay.opaque); layer sharing
// measured on disk; concurrent imports of images sharing a layer; rm and GC; a dead
// importer's temp directory reclaimed; every hostile archive refused, nothing written
// outside the store's temp area, and the store still usable after each.
import { execa } from 'execa';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lgetxattr } from '../../native-bindings/libc.js';
import { sha256, tarOf, writeLayout } from '../image-archives.js';
import { BUSYBOX_TAR, canRun, newRoot, ok, podrun, PODRUN, removeRoot, standInHost, until } from './helpers.js';

// cap_net_raw (bit 13), effective: VFS_CAP_REVISION_2 with the effective flag, 20 bytes.
const CAP_NET_RAW = Buffer.from([1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

describe.skipIf(!canRun)('image store', () => {
  const root = canRun ? newRoot('image-store') : '';
  const work = canRun ? mkdtempSync(join(tmpdir(), 'podrun-test-image-store-work-')) : '';
  const store = join(root, 'images');
  let n = 0;
  const layout = (spec: Parameters<typeof writeLayout>[1]) => {
    const dir = join(work, `layout-${n++}`);
    return { dir, id: writeLayout(dir, spec) };
  };
  const layerDir = (tar: Buffer) => join(store, 'layers', sha256(tar).slice(7), 'diff');
  const base = canRun ? readFileSync(BUSYBOX_TAR) : Buffer.alloc(0);

  afterAll(async () => {
    rmSync(work, { recursive: true, force: true });
    await removeRoot(root);
  });

  it('applies a layer exactly and stores OCI whiteouts as overlayfs whiteouts', async () => {
    const lower = tarOf([
      { path: 'etc/', type: 'dir' },
      { path: 'etc/gone', content: 'old' },
      { path: 'opq/', type: 'dir', mode: 0o750, uid: 7, gid: 8 },
      { path: 'opq/old', content: 'old' },
      { path: 'bin/', type: 'dir' },
      { path: 'bin/ping', content: 'ELF', mode: 0o4755, uid: 1000, gid: 100, mtime: 1600000000, xattrs: { 'security.capability': CAP_NET_RAW, 'user.note': 'kept' } },
      { path: 'bin/ping2', type: 'link', linkpath: 'bin/ping' },
      { path: 'bin/sh2', type: 'symlink', linkpath: '/bin/busybox', uid: 5, gid: 6 },
      { path: 'dev/', type: 'dir' },
      { path: 'dev/mynull', type: 'char', devmajor: 1, devminor: 3, mode: 0o666 },
      { path: 'dev/disk', type: 'block', devmajor: 7, devminor: 0, mode: 0o600 },
      { path: 'run/', type: 'dir' },
      { path: 'run/fifo', type: 'fifo', mode: 0o620 },
    ]);
    const upper = tarOf([
      { path: 'etc/.wh.gone', content: '' },
      { path: 'opq/.wh..wh..opq', content: '' },
      { path: 'opq/new', content: 'new' },
    ]);
    const { dir, id } = layout({ layers: [lower, upper], gzip: true });
    expect((await ok(root, ['image', 'import', '--name', 'exact:1', dir])).trim()).toBe(id);

    const l = layerDir(lower);
    const ping = statSync(join(l, 'bin/ping'));
    expect([ping.mode & 0o7777, ping.uid, ping.gid, ping.mtimeMs / 1000, ping.nlink]).toEqual([0o4755, 1000, 100, 1600000000, 2]);
    expect(statSync(join(l, 'bin/ping2')).ino).toBe(ping.ino);
    expect(lgetxattr(join(l, 'bin/ping'), 'security.capability')).toEqual(CAP_NET_RAW);
    expect(lgetxattr(join(l, 'bin/ping'), 'user.note')?.toString()).toBe('kept');
    const sh2 = lstatSync(join(l, 'bin/sh2'));
    expect([sh2.isSymbolicLink(), sh2.uid, sh2.gid]).toEqual([true, 5, 6]);
    const dev = statSync(join(l, 'dev/mynull'));
    expect([dev.isCharacterDevice(), dev.rdev, dev.mode & 0o777]).toEqual([true, (1 << 8) | 3, 0o666]);
    expect(statSync(join(l, 'dev/disk')).isBlockDevice()).toBe(true);
    expect(statSync(join(l, 'run/fifo')).isFIFO()).toBe(true);
    const opq = statSync(join(l, 'opq'));
    expect([opq.mode & 0o777, opq.uid, opq.gid]).toEqual([0o750, 7, 8]);

    const u = layerDir(upper);
    const wh = statSync(join(u, 'etc/gone'));
    expect([wh.isCharacterDevice(), wh.rdev]).toEqual([true, 0]);
    expect(existsSync(join(u, 'etc/.wh.gone'))).toBe(false);
    expect(lgetxattr(join(u, 'opq'), 'trusted.overlay.opaque')?.toString()).toBe('y');
    expect(existsSync(join(u, 'opq/.wh..wh..opq'))).toBe(false);

    const inspect = JSON.parse(await ok(root, ['image', 'inspect', 'exact:1']));
    expect(inspect).toMatchObject({ id, names: ['docker.io/library/exact:1'], config: {} });
    expect(inspect.layers.map((x: { diffId: string }) => x.diffId)).toEqual([sha256(lower), sha256(upper)]);
  });

  it('a later entry of the same path replaces the earlier one (file over file, file over directory, directory over file)', async () => {
    const tar = tarOf([
      { path: 'a', content: 'first' },
      { path: 'a', content: 'second' },
      { path: 'd/', type: 'dir' },
      { path: 'd/x', content: 'x' },
      { path: 'd', content: 'now a file' },
      { path: 'd/', type: 'dir' },
      { path: 'd/y', content: 'y' },
    ]);
    const { dir, id } = layout({ layers: [tar], gzip: true });
    expect((await ok(root, ['image', 'import', dir])).trim()).toBe(id);
    const l = layerDir(tar);
    expect(readFileSync(join(l, 'a'), 'utf8')).toBe('second');
    expect(readdirSync(join(l, 'd'))).toEqual(['y']);
  });

  it('stores a layer shared by two images once, and rm frees what no remaining image uses', async () => {
    const a = tarOf([{ path: 'a.txt', content: 'a'.repeat(10_000) }]);
    const b = tarOf([{ path: 'b.txt', content: 'b'.repeat(10_000) }]);
    const one = layout({ layers: [base, a] });
    const two = layout({ layers: [base, b] });
    await ok(root, ['image', 'import', '--name', 'share:a', one.dir]);
    const duBefore = du(join(store, 'layers'));
    await ok(root, ['image', 'import', '--name', 'share:b', two.dir]);
    const duAfter = du(join(store, 'layers'));
    const baseUnpacked = du(layerDir(base));
    // The second image added its own small layer, not a second copy of the ~2 MB base.
    expect(baseUnpacked).toBeGreaterThan(1_000_000);
    expect(duAfter - duBefore).toBeLessThan(100_000);
    const baseLinks = readdirSync(join(store, 'layers')).filter((h) => h === sha256(base).slice(7));
    expect(baseLinks).toHaveLength(1);

    expect(await ok(root, ['image', 'rm', 'share:a'])).toContain(`Deleted: ${one.id}`);
    expect(existsSync(layerDir(a))).toBe(false);
    expect(existsSync(layerDir(base))).toBe(true);
    expect(existsSync(join(store, 'blobs', 'sha256', sha256(a).slice(7)))).toBe(false);
    await ok(root, ['image', 'rm', two.id]);
    expect(existsSync(layerDir(base))).toBe(false);
    expect(existsSync(join(store, 'blobs', 'sha256', sha256(base).slice(7)))).toBe(false);
    const r = await podrun(root, ['image', 'rm', 'share:b']);
    expect([r.exitCode, r.stderr.trim()]).toEqual([1, 'podrun: image "share:b" not found']);
  });

  it('rm NAME removes that name, the image with its last; rm ID every name; a name moves to a newer import', async () => {
    const one = layout({ layers: [tarOf([{ path: 'v', content: '1' }])] });
    const two = layout({ layers: [tarOf([{ path: 'v', content: '2' }])] });
    await ok(root, ['image', 'import', '--name', 'names:a', '--name', 'names:b', '--name', 'other/names:c', one.dir]);
    await ok(root, ['image', 'import', '--name', 'names:b', two.dir]);
    const names = async () => Object.fromEntries(JSON.parse(await ok(root, ['images', '-o', 'json'])).images.map((i: { id: string; names: string[] }) => [i.id, i.names]));
    expect((await names())[one.id]).toEqual(['docker.io/library/names:a', 'docker.io/other/names:c']);
    expect((await names())[two.id]).toEqual(['docker.io/library/names:b']);
    // execa strips the last newline.
    expect(await ok(root, ['image', 'rm', 'names:a'])).toBe('Untagged: docker.io/library/names:a');
    expect((await names())[one.id]).toEqual(['docker.io/other/names:c']);
    expect(await ok(root, ['image', 'rm', one.id.slice(7, 19)])).toBe(`Untagged: docker.io/other/names:c\nDeleted: ${one.id}`);
    expect(await ok(root, ['image', 'rm', 'names:b'])).toBe(`Untagged: docker.io/library/names:b\nDeleted: ${two.id}`);
    expect((await names())[one.id]).toBeUndefined();
  });

  it('imports images that share a layer from parallel processes, the layer once', async () => {
    const layouts = [0, 1, 2, 3].map((i) => layout({ layers: [base, tarOf([{ path: `own${i}`, content: String(i) }])] }));
    const runs = await Promise.all(layouts.map((l, i) => podrun(root, ['image', 'import', '--name', `par:${i}`, l.dir])));
    expect(runs.map((r) => [r.exitCode, r.stderr])).toEqual(layouts.map(() => [0, '']));
    expect(runs.map((r) => r.stdout.trim())).toEqual(layouts.map((l) => l.id));
    const list = JSON.parse(await ok(root, ['images', '-o', 'json'])).images as { names: string[] }[];
    expect(list.flatMap((i) => i.names).filter((x) => x.includes('/par:')).sort()).toEqual([0, 1, 2, 3].map((i) => `docker.io/library/par:${i}`));
    expect(readdirSync(join(store, 'layers')).filter((h) => h === sha256(base).slice(7))).toHaveLength(1);
    expect(readdirSync(join(store, 'tmp'))).toEqual([]);
    for (const i of [0, 1, 2, 3]) await ok(root, ['image', 'rm', `par:${i}`]);
  });

  it('imports zstd layers, and picks linux/amd64 from a multi-platform index', async () => {
    const dir = join(work, 'multi');
    const arm = writeLayout(dir, { layers: [tarOf([{ path: 'arch', content: 'arm64' }])], config: { architecture: 'arm64' } });
    const armEntry = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')).manifests[0];
    const amd = writeLayout(dir, { layers: [tarOf([{ path: 'arch', content: 'amd64' }])], gzip: 'zstd' });
    const amdEntry = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')).manifests[0];
    writeFileSync(join(dir, 'index.json'), JSON.stringify({
      schemaVersion: 2,
      manifests: [
        { ...armEntry, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
        { ...amdEntry, platform: { os: 'linux', architecture: 'amd64' } },
      ],
    }));
    expect((await ok(root, ['image', 'import', '--name', 'multi:1', dir])).trim()).toBe(amd);
    expect(arm).not.toBe(amd);
    const inspect = JSON.parse(await ok(root, ['image', 'inspect', 'multi:1']));
    expect(inspect.layers[0].mediaType).toBe('application/vnd.oci.image.layer.v1.tar+zstd');
    expect(readFileSync(join(store, 'layers', inspect.layers[0].diffId.slice(7), 'diff', 'arch'), 'utf8')).toBe('amd64');
    await ok(root, ['image', 'rm', 'multi:1']);
  });

  it("reclaims a dead importer's temp directory, never a live one's", async () => {
    const dead = execa('sleep', ['60']);
    const stat = (pid: number) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19];
    const deadName = `pull.${dead.pid}.${stat(dead.pid!)}.abc`;
    dead.kill('SIGKILL');
    await dead.catch(() => undefined);
    const liveName = `pull.${process.pid}.${stat(process.pid)}.def`;
    mkdirSync(join(store, 'tmp', deadName, 'blobs'), { recursive: true });
    mkdirSync(join(store, 'tmp', liveName));
    // A layer the dead importer had moved in for an image it never listed.
    const orphan = join(store, 'layers', 'e'.repeat(64));
    mkdirSync(join(orphan, 'diff'), { recursive: true });
    writeFileSync(join(orphan, 'meta.json'), '{"size":0}\n');
    await ok(root, ['images']);
    expect(readdirSync(join(store, 'tmp')).sort()).toEqual([liveName]);
    // Collected once no live temp directory can be counting on it.
    expect(existsSync(orphan)).toBe(true);
    rmSync(join(store, 'tmp', liveName), { recursive: true });
    await ok(root, ['images']);
    expect(existsSync(orphan)).toBe(false);
    expect(existsSync(join(store, 'gc-pending'))).toBe(false);
  });

  it('leaves only a temp directory after kill -9 of an import midway; the next command reclaims it', async () => {
    const big = layout({ layers: [tarOf(Array.from({ length: 40 }, (_, i) => ({ path: `f${i}`, content: randomBytes(1024 * 1024) })))], gzip: true });
    const child = execa('nsenter', [`--net=/run/netns/${standInHost()}`, '--', PODRUN, '--root', root, 'image', 'import', '--name', 'killed:1', big.dir], { reject: false });
    await until('the import to be under way', () => readdirSync(join(store, 'tmp')).length > 0, 15_000, 5);
    child.kill('SIGKILL');
    await child;
    expect(JSON.parse(await ok(root, ['images', '-o', 'json'])).images.map((i: { id: string }) => i.id)).not.toContain(big.id);
    expect(readdirSync(join(store, 'tmp'))).toEqual([]);
    for (const l of readdirSync(join(store, 'layers'))) expect(existsSync(join(store, 'layers', l, 'meta.json'))).toBe(true);
    expect((await ok(root, ['image', 'import', '--name', 'killed:1', big.dir])).trim()).toBe(big.id);
    await ok(root, ['image', 'rm', 'killed:1']);
  });

  it('defers GC while an import runs: an image removed meanwhile frees only what the new one does not use', async () => {
    const a = tarOf([{ path: 'a-only', content: 'a' }]);
    const first = layout({ layers: [base, a] });
    await ok(root, ['image', 'import', '--name', 'gc:a', first.dir]);
    const big = tarOf(Array.from({ length: 30 }, (_, i) => ({ path: `g${i}`, content: randomBytes(1024 * 1024) })));
    const second = layout({ layers: [base, big], gzip: true });
    const importing = podrun(root, ['image', 'import', '--name', 'gc:b', second.dir]);
    await until('the second import to be under way', () => readdirSync(join(store, 'tmp')).length > 0, 15_000, 5);
    expect(await ok(root, ['image', 'rm', 'gc:a'])).toContain(`Deleted: ${first.id}`);
    const r = await importing;
    expect([r.exitCode, r.stdout.trim()]).toEqual([0, second.id]);
    expect(existsSync(layerDir(base))).toBe(true);
    expect(existsSync(layerDir(big))).toBe(true);
    expect(existsSync(layerDir(a))).toBe(false);
    expect(existsSync(join(store, 'gc-pending'))).toBe(false);
    await ok(root, ['image', 'rm', 'gc:b']);
  });

  describe('hostile input', () => {
    // Made when the hostile tests run (a filtered run must not leave it behind).
    let outside = '';
    beforeAll(() => void (outside = mkdtempSync(join(tmpdir(), 'podrun-test-image-outside-'))));
    afterAll(() => rmSync(outside, { recursive: true, force: true }));
    const good = () => layout({ layers: [tarOf([{ path: 'ok', content: 'fine' }])] });

    const cases: [string, () => { dir: string }, RegExp, Record<string, string>?][] = [
      ['a .. path', () => layout({ layers: [tarOf([{ path: '../../evil', content: 'x' }])] }), /archive entry "\.\.\/\.\.\/evil" escapes the root filesystem/],
      ['an absolute path', () => layout({ layers: [tarOf([{ path: `${outside}/evil`, content: 'x' }])] }), /has an absolute path/],
      ['a file through a symlink out', () => layout({ layers: [tarOf([{ path: 'out', type: 'symlink', linkpath: outside }, { path: 'out/evil', content: 'x' }])] }), /"out\/evil" passes through the symbolic link "out"/],
      ['a relative symlink out, then a file', () => layout({ layers: [tarOf([{ path: 'up', type: 'symlink', linkpath: '../../../../../../..' }, { path: `up${outside}/evil`, content: 'x' }])] }), /passes through the symbolic link "up"/],
      ['a hard link out of the tree', () => layout({ layers: [tarOf([{ path: 'h', type: 'link', linkpath: '../../../../etc/passwd' }])] }), /hard link to "\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd", outside the root filesystem/],
      ['a hard link through a symlink', () => layout({ layers: [tarOf([{ path: 's', type: 'symlink', linkpath: '/etc' }, { path: 'h', type: 'link', linkpath: 's/passwd' }])] }), /hard link through the symbolic link "s"/],
      ['a file in place of the root directory', () => layout({ layers: [tarOf([{ path: './', content: 'x' }])] }), /archive entry "\.\/" replaces the root directory with a non-directory/],
      ['a whiteout through a symlink', () => layout({ layers: [tarOf([{ path: 's', type: 'symlink', linkpath: outside }, { path: 's/.wh.victim', content: '' }])] }), /passes through the symbolic link "s"/],
      ['a truncated layer', () => layout({ layers: [tarOf([{ path: 'a', content: 'x'.repeat(5000) }]).subarray(0, 2000)] }), /layer sha256:[0-9a-f]{64}: the tar stream is truncated in or after the entry "a"/],
      ['a corrupt gzip stream', () => {
        // Corrupt deflate data under a matching digest: the stream itself is refused.
        const gz = gzipSync(tarOf([{ path: 'a', content: randomBytes(50_000) }]));
        gz.fill(0x55, 40, 200);
        const dir = join(work, `layout-${n++}`);
        writeLayout(dir, { layers: [gz], tamper: { diffIds: [`sha256:${'1'.repeat(64)}`] } });
        return { dir };
      }, /layer sha256:[0-9a-f]{64}: (invalid|incorrect|unknown)/],
      // A valid 20 MiB layer of zeros (20 kB gzip), refused under a 4 MiB bound.
      ['a decompression bomb', () => layout({ layers: [tarOf([{ path: 'zeros', content: Buffer.alloc(20 * 1024 * 1024) }])], gzip: true }), /expands past 4194304 bytes .*decompression bomb/, { PODRUN_IMAGE_MAX_LAYER_SIZE: '4Mi' }],
      ['a layer that does not match its digest', () => layout({ layers: [tarOf([{ path: 'a', content: 'x' }])], tamper: { blob: (_d, b) => (b.length > 1000 && b.length < 3000 ? Buffer.concat([b.subarray(0, 600), Buffer.from('X'), b.subarray(601)]) : b) } }), /layer sha256:[0-9a-f]{64}: content does not match its digest/],
      ['a layer that does not match its diff_id', () => layout({ layers: [tarOf([{ path: 'a', content: 'x' }])], tamper: { diffIds: [`sha256:${'0'.repeat(64)}`] } }), /its uncompressed content hashes to sha256:[0-9a-f]{64}, but the image config says sha256:0{64}/],
      ['a manifest that is not JSON', () => layout({ layers: [], tamper: { manifest: Buffer.from('{"schemaVersion": 2,') } }), /manifest sha256:[0-9a-f]{64}: not valid JSON/],
      ['a config that is not JSON', () => layout({ layers: [], tamper: { configBytes: Buffer.from('not json') } }), /config sha256:[0-9a-f]{64}: not valid JSON/],
    ];
    it.each(cases)('refuses %s, names it, writes nothing outside, and the store stays usable', async (_what, make, message, env) => {
      const { dir } = make();
      const r = await podrun(root, ['image', 'import', dir], env ? { env: { ...env, PODRUN_SUPERVISOR_IDLE_MS: '3000' } } : {});
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(readdirSync(outside)).toEqual([]);
      expect(readdirSync(join(store, 'tmp'))).toEqual([]);
      const g = good();
      expect((await ok(root, ['image', 'import', '--name', 'good:1', g.dir])).trim()).toBe(g.id);
    });

    it('left no layer of a refused archive in the store', () => {
      const layers = readdirSync(join(store, 'layers'));
      for (const l of layers) expect(existsSync(join(store, 'layers', l, 'meta.json'))).toBe(true);
    });
  });
});

function du(path: string): number {
  return Number(execFileSync('du', ['-sb', path], { encoding: 'utf8' }).split('\t')[0]);
}
