// The one errno table: numbers to names (ENOENT) and back, and each errno's text, from
// Node's own lists, built on first use (only failures need it, and exec's start-up should
// not pay for it).
import { getSystemErrorMap } from 'node:util';
import { nodeRequire } from './node-require.js';

// node:os is loaded on first use too: ~0.2 ms of every `podrun exec`, which needs no errno
// name unless something fails (nothing else on its path loads node:os).
const errnoNumbers = () => (nodeRequire('node:os') as typeof import('node:os')).constants.errno as Record<string, number>;

let names: Map<number, string> | undefined;
let texts: Map<string, string> | undefined;

// Node's texts are libuv's; where libuv words an errno its own way, the C library's
// strerror (lower-cased, as Go and so the kubelet print it) is the text users know.
const STRERROR: Record<string, string> = {
  EADDRNOTAVAIL: 'cannot assign requested address',
  EAFNOSUPPORT: 'address family not supported by protocol',
  EALREADY: 'operation already in progress',
  EBUSY: 'device or resource busy',
  EEXIST: 'file exists',
  EFAULT: 'bad address',
  EHOSTUNREACH: 'no route to host',
  EILSEQ: 'invalid or incomplete multibyte or wide character',
  EIO: 'input/output error',
  EISCONN: 'transport endpoint is already connected',
  EISDIR: 'is a directory',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  ENFILE: 'too many open files in system',
  ENOMEM: 'cannot allocate memory',
  ENOTCONN: 'transport endpoint is not connected',
  ENOTSUP: 'operation not supported',
  ERANGE: 'numerical result out of range',
  ESPIPE: 'illegal seek',
  ETXTBSY: 'text file busy',
  EXDEV: 'invalid cross-device link',
};

export function errnoName(errno: number): string {
  names ??= new Map(Object.entries(errnoNumbers()).map(([name, num]) => [num, name]));
  return names.get(Math.abs(errno)) ?? `errno ${errno}`;
}

export function errnoNumber(name: string): number | undefined {
  return errnoNumbers()[name];
}

/** strerror's text of an errno, by number or name ("connection refused"); the name when unknown. */
export function errnoText(errno: number | string): string {
  const name = typeof errno === 'number' ? errnoName(errno) : errno;
  texts ??= new Map([...getSystemErrorMap().values()].map(([n, text]) => [n, STRERROR[n] ?? text]));
  return texts.get(name) ?? name;
}
