// Layer compression, told from the first bytes (a media type can lie, magic cannot):
// none, gzip (Node's zlib) or zstd. Node 20 has no zstd, and the npm choices are a WASM
// build that is not streaming, a pure-JS decoder several times slower than gzip, or a
// native addon to compile; the `zstd` program (Debian's package, the reference
// implementation) streams at native speed, so layers are piped through `zstd -dc`.
import { spawn } from 'node:child_process';
import { PassThrough, type Readable } from 'node:stream';
import { createGunzip, type ZlibOptions } from 'node:zlib';

export type Compression = 'none' | 'gzip' | 'zstd';

export function sniffCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}

/** The decompressed bytes of `input`; errors (a corrupt or truncated stream) end it with an error. */
export function decompress(input: Readable, c: Compression): Readable {
  if (c === 'none') return input;
  if (c === 'gzip') {
    // Up to 4 MiB of output buffered (the default is 16 KiB, less than one 256 KiB chunk):
    // inflating goes on while the layer writer's synchronous calls hold the main thread,
    // instead of pausing after every chunk (2-3% of a 100 MB import).
    const gunzip = createGunzip({ chunkSize: 1 << 18, readableHighWaterMark: 1 << 22 } as ZlibOptions);
    input.on('error', (e) => gunzip.destroy(e));
    return input.pipe(gunzip);
  }
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  const child = spawn('zstd', ['-d', '-c', '-q'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  child.on('error', (e) => out.destroy(new Error(`cannot run zstd (install the zstd package): ${e.message}`)));
  input.on('error', (e) => {
    child.kill('SIGKILL');
    out.destroy(e);
  });
  // The consumer stopped early (a refused entry): zstd must not linger.
  out.on('close', () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  child.stdin.on('error', () => undefined); // EPIPE after zstd died: its exit status tells
  input.pipe(child.stdin);
  child.stdout.pipe(out, { end: false });
  child.on('close', (code) => {
    if (code === 0) out.end();
    else out.destroy(new Error(`zstd: ${stderr.trim().split('\n').pop() || `exit status ${code}`}`));
  });
  return out;
}
