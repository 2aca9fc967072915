// The NETLINK_ROUTE socket: open, send one request, receive one datagram. The socket
// belongs to the network namespace of the thread that opened it, whatever the thread
// does next, so callers open one per operation in the namespace they mean.
// Sending and receiving are plain write(2) and read(2) through node:fs (a netlink socket
// takes them as sendmsg to the kernel and recvmsg), so only socket(2) goes through koffi,
// and libc.ts already declares it.
import { readSync, writeSync } from 'node:fs';
import { SyscallError } from '../src/util/errors.js';
import { closeFd, socket, SOCK } from './libc.js';

const AF_NETLINK = 16;
const SOCK_RAW = 3;
const NETLINK_ROUTE = 0;

/** Large enough that no dump datagram is truncated (the kernel sizes them to ≤ 32 KiB). */
const RECEIVE_BUFFER_BYTES = 64 * 1024;

export function openRouteSocket(): number {
  return socket(AF_NETLINK, SOCK_RAW | SOCK.CLOEXEC, NETLINK_ROUTE);
}

export function closeRouteSocket(fd: number): void {
  closeFd(fd);
}

/** libuv reports a failed read/write as a Node error whose errno is the negated errno. */
function syscallError(call: string, err: unknown, path?: string): unknown {
  const errno = (err as NodeJS.ErrnoException).errno;
  return typeof errno === 'number' ? new SyscallError(call, Math.abs(errno), path, 'NETLINK_ROUTE') : err;
}

export function sendRequest(fd: number, message: Buffer, path?: string): void {
  try {
    writeSync(fd, message);
  } catch (err) {
    throw syscallError('sendmsg', err, path);
  }
}

/** The next datagram from the kernel (blocks until one is there). */
export function receiveDatagram(fd: number, path?: string): Buffer {
  const buf = Buffer.allocUnsafe(RECEIVE_BUFFER_BYTES);
  try {
    return buf.subarray(0, readSync(fd, buf, 0, buf.length, null));
  } catch (err) {
    throw syscallError('recvmsg', err, path);
  }
}
