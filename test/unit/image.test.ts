// resolveImage against real directories and tarballs made here. Pure
// filesystem logic, no namespaces; runs as root (ownership checks need it).

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

// Count extractions while keeping the real implementation.
const extractCalls = vi.hoisted(() => ({ n: 0 }));
vi.mock('../../src/image/tarball.js', async (importOriginal) => {
  const orig = await importOriginal<typeof import('../../src/image/tarball.js')>();
  return {
    ...orig,
    extractTarball: async (...args: Parameters<typeof orig.extractTarball>) => {
      extractCalls.n++;
      return orig.extractTarball(...args);
    },
  };
});

import { resolveImage } from '../../src/image/resolve.js';
import { InvalidInputError } from '../../src/util/errors.js';

const FIELD = 'spec.containers[0].image';
const isRoot = process.getuid?.() === 0;

let work: string;
let cache: string;
let srcTree: string;
let plainTar: string;

// ---- a minimal raw tar writer, for entries that no sane tool would produce ----

interface RawEntry {
  name: string;
  type?: '0' | '1' | '2' | '5';
  mode?: number;
  linkname?: string;
  body?: string;
}

function octal(buf: Buffer, off: number, len: number, value: number): void {
  buf.write(value.toString(8).padStart(len - 1, '0') + '\0', off, len, 'latin1');
}

function rawTar(entries: RawEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const body = Buffer.from(e.body ?? '');
    const h = Buffer.alloc(512);
    h.write(e.name, 0, 100, 'utf8');
    octal(h, 100, 8, e.mode ?? 0o644);
    octal(h, 108, 8, 0);
    octal(h, 116, 8, 0);
    octal(h, 124, 12, body.length);
    octal(h, 136, 12, 1_700_000_000);
    h.write(e.type ?? '0', 156, 1, 'latin1');
    h.write(e.linkname ?? '', 157, 100, 'utf8');
    h.write('ustar\0', 257, 6, 'latin1');
    h.write('00', 263, 2, 'latin1');
    h.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
    blocks.push(h, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

function cacheEntries(): string[] {
  return fs.existsSync(cache) ? fs.readdirSync(cache).filter((n) => n !== 'index') : [];
}

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'podrun-image-test-'));
  srcTree = path.join(work, 'tree');
  for (const d of ['bin', 'etc', 'tmp', 'home/u', 'usr/bin']) fs.mkdirSync(path.join(srcTree, d), { recursive: true });
  fs.writeFileSync(path.join(srcTree, 'bin/hello'), '#!/bin/sh\necho hello\n', { mode: 0o755 });
  fs.writeFileSync(path.join(srcTree, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  fs.chmodSync(path.join(srcTree, 'tmp'), 0o1777);
  fs.writeFileSync(path.join(srcTree, 'home/u/suid'), 'x');
  fs.symlinkSync('/bin/hello', path.join(srcTree, 'usr/bin/hello'));
  fs.linkSync(path.join(srcTree, 'bin/hello'), path.join(srcTree, 'bin/hello2'));
  if (isRoot) {
    fs.chownSync(path.join(srcTree, 'home/u'), 1000, 1000);
    fs.chownSync(path.join(srcTree, 'home/u/suid'), 1000, 1000);
  }
  // After chown, which clears set-id bits.
  fs.chmodSync(path.join(srcTree, 'home/u/suid'), 0o6755);
  plainTar = path.join(work, 'rootfs.tar');
  execFileSync('tar', ['--numeric-owner', '-C', srcTree, '-cf', plainTar, '.']);
});

afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

beforeEach(() => {
  cache = fs.mkdtempSync(path.join(work, 'cache-'));
  extractCalls.n = 0;
});

function expectRootfs(root: string): void {
  expect(fs.readFileSync(path.join(root, 'bin/hello'), 'utf8')).toContain('echo hello');
  expect(fs.statSync(path.join(root, 'bin/hello')).mode & 0o7777).toBe(0o755);
  expect(fs.statSync(path.join(root, 'tmp')).mode & 0o7777).toBe(0o1777);
  // Absolute symlink targets are kept as they are (resolved in the container's root).
  expect(fs.readlinkSync(path.join(root, 'usr/bin/hello'))).toBe('/bin/hello');
  expect(fs.statSync(path.join(root, 'bin/hello2')).ino).toBe(fs.statSync(path.join(root, 'bin/hello')).ino);
  const suid = fs.statSync(path.join(root, 'home/u/suid'));
  expect(suid.mode & 0o7777).toBe(0o6755);
  if (isRoot) {
    expect([suid.uid, suid.gid]).toEqual([1000, 1000]);
    expect(fs.statSync(path.join(root, 'home/u')).uid).toBe(1000);
  }
}

describe('resolveImage', () => {
  it('maps "/" to the host root', async () => {
    await expect(resolveImage('/', FIELD, cache)).resolves.toEqual({ kind: 'host' });
  });

  it('returns the realpath of a directory', async () => {
    const link = path.join(work, 'tree-link');
    fs.rmSync(link, { force: true });
    fs.symlinkSync(srcTree, link);
    const r = await resolveImage(link, FIELD, cache);
    expect(r).toEqual({ kind: 'dir', path: fs.realpathSync(srcTree) });
    expect(cacheEntries()).toEqual([]);
  });

  it('extracts a plain tarball with exact modes, owners and links', async () => {
    const r = await resolveImage(plainTar, FIELD, cache);
    if (r.kind !== 'dir') throw new Error('expected dir');
    expect(r.path.startsWith(fs.realpathSync(cache) + '/')).toBe(true);
    expect(path.basename(r.path)).toBe('rootfs');
    expectRootfs(r.path);
    // No temp dirs left behind.
    expect(fs.readdirSync(path.dirname(r.path))).toEqual(['rootfs']);
  });

  it('detects gzip by its magic bytes, not by the name', async () => {
    const gz = path.join(work, 'rootfs-gz.img');
    fs.writeFileSync(gz, gzipSync(fs.readFileSync(plainTar)));
    const r = await resolveImage(gz, FIELD, cache);
    if (r.kind !== 'dir') throw new Error('expected dir');
    expectRootfs(r.path);
  });

  it('reuses the extraction on a cache hit, also for a copy at another path', async () => {
    const first = await resolveImage(plainTar, FIELD, cache);
    expect(extractCalls.n).toBe(1);
    if (first.kind !== 'dir') throw new Error('expected dir');
    fs.writeFileSync(path.join(first.path, 'marker'), '1');
    const second = await resolveImage(plainTar, FIELD, cache);
    expect(second).toEqual(first);
    expect(fs.existsSync(path.join(first.path, 'marker'))).toBe(true);
    const copy = path.join(work, 'copy.tar');
    fs.copyFileSync(plainTar, copy);
    expect(await resolveImage(copy, FIELD, cache)).toEqual(first);
    expect(extractCalls.n).toBe(1);
  });

  it('names the field and the path when the image is missing', async () => {
    const err = await resolveImage('/no/such', FIELD, cache).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).field).toBe(FIELD);
    expect((err as InvalidInputError).exitCode).toBe(2);
    expect((err as Error).message).toBe(`${FIELD}: "/no/such": no such file or directory`);
  });

  it('rejects relative paths, non-archives and unsupported compression', async () => {
    await expect(resolveImage('busybox', FIELD, cache)).rejects.toThrow(/must be "\/" or an absolute path/);
    const txt = path.join(work, 'notes.tar');
    fs.writeFileSync(txt, 'just some text\n');
    await expect(resolveImage(txt, FIELD, cache)).rejects.toThrow(`${FIELD}: "${txt}": not a directory or a tar archive`);
    const xz = path.join(work, 'rootfs.tar.xz');
    fs.writeFileSync(xz, Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2, 3]));
    await expect(resolveImage(xz, FIELD, cache)).rejects.toThrow(/xz-compressed archives are not supported/);
    const gzText = path.join(work, 'text.gz');
    fs.writeFileSync(gzText, gzipSync(Buffer.from('not a tar at all\n'.repeat(100))));
    await expect(resolveImage(gzText, FIELD, cache)).rejects.toThrow(/not a valid tar archive/);
    expect(cacheEntries()).toEqual([]);
  });

  it('rejects an archive entry with ".." and leaves nothing behind', async () => {
    const bad = path.join(work, 'dotdot.tar');
    fs.writeFileSync(bad, rawTar([{ name: 'ok', body: 'fine' }, { name: '../x', body: 'evil' }]));
    const err = await resolveImage(bad, FIELD, cache).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as Error).message).toBe(`${FIELD}: archive entry "../x" escapes the root filesystem`);
    expect(cacheEntries()).toEqual([]);
    expect(fs.existsSync(path.join(cache, '..', 'x'))).toBe(false);
  });

  it('rejects absolute entries, writes through symlinks and escaping hard links', async () => {
    const outside = path.join(work, 'outside');
    fs.mkdirSync(outside, { recursive: true });
    const cases: [string, RawEntry[], RegExp][] = [
      ['abs.tar', [{ name: '/etc/evil' }], /archive entry "\/etc\/evil" has an absolute path/],
      [
        'through.tar',
        [{ name: 'lnk', type: '2', linkname: outside }, { name: 'lnk/pwned', body: 'evil' }],
        /archive entry "lnk\/pwned" passes through the symbolic link "lnk"/,
      ],
      [
        'hard.tar',
        [{ name: 'h', type: '1', linkname: '../../etc/passwd' }],
        /archive entry "h" is a hard link to "..\/..\/etc\/passwd", outside the root filesystem/,
      ],
      [
        'hardabs.tar',
        [{ name: 'h', type: '1', linkname: '/etc/passwd' }],
        /is a hard link to "\/etc\/passwd", outside the root filesystem/,
      ],
      [
        'swap.tar',
        [{ name: 'd/', type: '5', mode: 0o755 }, { name: 'd/f' }, { name: 'd', type: '2', linkname: outside }],
        /archive entry "d" replaces a directory with a symbolic link/,
      ],
    ];
    for (const [name, entries, re] of cases) {
      const file = path.join(work, name);
      fs.writeFileSync(file, rawTar(entries));
      await expect(resolveImage(file, FIELD, cache), name).rejects.toThrow(re);
    }
    expect(fs.readdirSync(outside)).toEqual([]);
    expect(cacheEntries()).toEqual([]);
  });

  it('keeps symlinks whose targets are absolute or climb out (resolved in the container root)', async () => {
    const file = path.join(work, 'links.tar');
    fs.writeFileSync(
      file,
      rawTar([
        { name: 'lib', type: '2', linkname: 'usr/lib' },
        { name: 'usr/lib/', type: '5', mode: 0o755 },
        { name: 'lib64', type: '2', linkname: '/lib/x86_64' },
        { name: 'up', type: '2', linkname: '../../../..' },
      ]),
    );
    const r = await resolveImage(file, FIELD, cache);
    if (r.kind !== 'dir') throw new Error('expected dir');
    expect(fs.readlinkSync(path.join(r.path, 'lib64'))).toBe('/lib/x86_64');
    expect(fs.readlinkSync(path.join(r.path, 'up'))).toBe('../../../..');
    expect(fs.statSync(r.path).mode & 0o7777).toBe(0o755);
  });

  it('gives concurrent resolvers of one tarball one directory', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => resolveImage(plainTar, FIELD, cache)));
    expect(new Set(results.map((r) => (r.kind === 'dir' ? r.path : '/'))).size).toBe(1);
    expect(extractCalls.n).toBe(1);
  });

  it('is safe when independent module instances (as separate processes would) race', async () => {
    vi.resetModules();
    const a = await import('../../src/image/resolve.js');
    vi.resetModules();
    const b = await import('../../src/image/resolve.js');
    expect(a.resolveImage).not.toBe(b.resolveImage);
    const results = await Promise.all([
      a.resolveImage(plainTar, FIELD, cache),
      b.resolveImage(plainTar, FIELD, cache),
      a.resolveImage(plainTar, FIELD, cache),
      b.resolveImage(plainTar, FIELD, cache),
    ]);
    const paths = new Set(results.map((r) => (r.kind === 'dir' ? r.path : '/')));
    expect(paths.size).toBe(1);
    const [root] = [...paths];
    expectRootfs(root!);
    expect(fs.readdirSync(path.dirname(root!))).toEqual(['rootfs']);
    // Both instances extracted; the loser of the rename adopted the winner's tree.
    expect(extractCalls.n).toBe(2);
  });

  it('removes temp dirs left by a crashed extraction', async () => {
    await resolveImage(plainTar, FIELD, cache);
    const [sha] = cacheEntries();
    const shaDir = path.join(cache, sha!);
    // A pid that cannot be running (above pid_max).
    fs.mkdirSync(path.join(shaDir, '.extract-99999999-abc'));
    fs.rmSync(path.join(shaDir, 'rootfs'), { recursive: true });
    await resolveImage(plainTar, FIELD, cache);
    expect(fs.readdirSync(shaDir)).toEqual(['rootfs']);
  });
});
