// The layer tar reader (src/image/layer/tar-reader.ts) on archives built byte by byte:
// every field a layer needs, pax xattrs and long names, and each malformed stream refused.
import { describe, expect, it } from 'vitest';
import { type TarEntry, TarError, TarReader } from '../../src/image/layer/tar-reader.js';
import { tarOf } from '../image-archives.js';

function read(buf: Buffer, chunk = buf.length): { entries: TarEntry[]; data: Map<string, string> } {
  const entries: TarEntry[] = [];
  const data = new Map<string, string>();
  let cur = '';
  const r = new TarReader({
    entry: (e) => {
      entries.push(e);
      cur = e.path;
      data.set(cur, '');
    },
    data: (c) => data.set(cur, data.get(cur) + c.toString()),
    endEntry: () => undefined,
  });
  for (let off = 0; off < buf.length; off += chunk) r.write(buf.subarray(off, off + chunk));
  r.end();
  return { entries, data };
}

describe('TarReader', () => {
  const archive = tarOf([
    { path: 'etc/', type: 'dir', mode: 0o755 },
    { path: 'etc/passwd', content: 'root:x:0:0::/root:/bin/sh\n', mode: 0o644, uid: 0, gid: 42, mtime: 1234567 },
    { path: 'bin/ping', content: 'ELF', mode: 0o4755, xattrs: { 'security.capability': Buffer.from([1, 0, 0, 2]), 'user.note': 'hi' } },
    { path: 'bin/sh', type: 'symlink', linkpath: 'busybox' },
    { path: 'bin/ash', type: 'link', linkpath: 'bin/ping' },
    { path: 'dev/null', type: 'char', devmajor: 1, devminor: 3, mode: 0o666 },
    { path: 'dev/sda', type: 'block', devmajor: 8, devminor: 0 },
    { path: 'run/fifo', type: 'fifo' },
    { path: `deep/${'d'.repeat(150)}/file`, content: 'long' },
  ]);

  it.each([['whole', archive.length], ['in 7-byte chunks', 7], ['in 511-byte chunks', 511]])('reads every field (%s)', (_w, chunk) => {
    const { entries, data } = read(archive, chunk);
    expect(entries.map((e) => [e.path, e.type])).toEqual([
      ['etc/', 'Directory'],
      ['etc/passwd', 'File'],
      ['bin/ping', 'File'],
      ['bin/sh', 'SymbolicLink'],
      ['bin/ash', 'Link'],
      ['dev/null', 'CharacterDevice'],
      ['dev/sda', 'BlockDevice'],
      ['run/fifo', 'FIFO'],
      [`deep/${'d'.repeat(150)}/file`, 'File'],
    ]);
    const passwd = entries[1]!;
    expect([passwd.mode, passwd.uid, passwd.gid, passwd.mtime, passwd.size]).toEqual([0o644, 0, 42, 1234567, 26]);
    expect(data.get('etc/passwd')).toBe('root:x:0:0::/root:/bin/sh\n');
    expect(entries[2]!.mode).toBe(0o4755);
    expect([...entries[2]!.xattrs.keys()]).toEqual(['security.capability', 'user.note']);
    expect([...entries[2]!.xattrs.get('security.capability')!]).toEqual([1, 0, 0, 2]);
    expect(entries[3]!.linkpath).toBe('busybox');
    expect([entries[5]!.devmajor, entries[5]!.devminor]).toEqual([1, 3]);
    expect(data.get(`deep/${'d'.repeat(150)}/file`)).toBe('long');
  });

  it('accepts an archive without the end marker when it ends between entries (umoci writes them)', () => {
    expect(read(tarOf([{ path: 'a', content: 'x' }], { endMarker: false })).entries).toHaveLength(1);
  });

  // The header of "b": after a's header and its 600 bytes in two blocks.
  const B = 512 * 3;
  it.each<[string, (b: Buffer) => Buffer, RegExp]>([
    ['truncated inside an entry', (b) => b.subarray(0, 512 + 100), /truncated in or after the entry "a"/],
    ['truncated inside a header', (b) => b.subarray(0, B + 200), /truncated/],
    ['a corrupt header', (b) => { const c = Buffer.from(b); c.write('garbage', B + 10); return c; }, /bad checksum.*after the entry "a"/],
    ['an unsupported type', (b) => { const c = Buffer.from(b); c[B + 156] = 'S'.charCodeAt(0); return fixSum(c, B); }, /unsupported type "S"/],
  ])('refuses %s', (_w, mangle, message) => {
    const b = tarOf([{ path: 'a', content: 'x'.repeat(600) }, { path: 'b', content: 'y' }]);
    expect(() => read(mangle(b))).toThrow(TarError);
    expect(() => read(mangle(b))).toThrow(message);
  });
});

function fixSum(b: Buffer, off: number): Buffer {
  b.fill(0x20, off + 148, off + 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += b[off + i]!;
  b.write(sum.toString(8).padStart(6, '0') + '\0 ', off + 148, 8, 'latin1');
  return b;
}
