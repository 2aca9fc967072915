// TCP connections made from inside a pod's network namespace, for the network probes.
//
// A socket belongs to the network namespace of the thread that created it, for its whole
// life. Node creates a TCP socket's fd lazily at connect time, on a later tick, so
// switching namespaces around net.connect cannot work. Instead the fd is made with
// socket(2) while the main thread is switched into the pod's net namespace (synchronously,
// so no callback ever runs there), then handed to net.Socket({ fd }) (uv_tcp_open) and
// connected from the host as usual: connect(2) uses the socket's own namespace.
import { isIP, isIPv6, Socket } from 'node:net';
import { lookup } from 'node:dns/promises';
import { AF, SOCK, closeFd, socket } from '../../native-bindings/libc.js';
import { withNamespaces } from '../kernel/namespaces.js';
import { errnoText } from '../util/errno.js';
import { PodrunError } from '../util/errors.js';
import { joinHostPort } from './types.js';

/**
 * The target could not be reached (refused, unreachable, timed out, name not found): a
 * probe Failure. Any other error from connectInNetns (missing netns pin, EMFILE...) is
 * internal to podrun: the attempt's result is Unknown.
 */
export class DialError extends PodrunError {
  readonly timeout: boolean;
  constructor(message: string, timeout = false) {
    super(message);
    this.timeout = timeout;
  }
}

/**
 * Connects to host:port from inside the network namespace pinned at `netns`; resolves
 * with the connected socket, which the caller then owns (and must destroy). Names that
 * are not IP literals are resolved with the host's resolver (dns.lookup), as the kubelet
 * does from the node; each address is tried in turn until one connects or time runs out.
 * Rejects with DialError (messages worded like Go's, which the kubelet prints).
 */
export async function connectInNetns(netns: string, host: string, port: number, timeoutMs: number): Promise<Socket> {
  const deadline = Date.now() + timeoutMs;
  const addresses = isIP(host) ? [host] : await resolve(host, timeoutMs);
  let firstError: DialError | undefined;
  for (const address of addresses) {
    try {
      return await dial(netns, address, port, deadline - Date.now());
    } catch (e) {
      if (!(e instanceof DialError)) throw e;
      firstError ??= e;
      if (e.timeout) break;
    }
  }
  throw firstError!;
}

async function resolve(host: string, timeoutMs: number): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DialError(`dial tcp: lookup ${host}: i/o timeout`, true)), timeoutMs);
  });
  try {
    const found = await Promise.race([lookup(host, { all: true }), timeout]);
    return found.map((a) => a.address);
  } catch (e) {
    if (e instanceof DialError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new DialError(`dial tcp: lookup ${host}: ${code === 'ENOTFOUND' ? 'no such host' : (code ?? String(e))}`);
  } finally {
    clearTimeout(timer);
  }
}

/** A socket fd of the pod's namespace; sockets of the host namespace never leave this function. */
function podSocketFd(netns: string, ip: string): number {
  const domain = isIPv6(ip) ? AF.INET6 : AF.INET;
  return withNamespaces({ enter: { net: netns } }, () => socket(domain, SOCK.STREAM | SOCK.NONBLOCK | SOCK.CLOEXEC));
}

function dial(netns: string, ip: string, port: number, timeoutMs: number): Promise<Socket> {
  const where = `dial tcp ${joinHostPort(ip, port)}`;
  if (timeoutMs <= 0) return Promise.reject(new DialError(`${where}: i/o timeout`, true));
  const fd = podSocketFd(netns, ip);
  let sock: Socket;
  try {
    sock = new Socket({ fd });
  } catch (e) {
    closeFd(fd); // not adopted by a handle: nobody else will close it
    throw e;
  }
  return new Promise<Socket>((resolvePromise, reject) => {
    const fail = (err: Error) => {
      clearTimeout(timer);
      sock.destroy(); // closes the fd
      reject(err);
    };
    const onError = (e: NodeJS.ErrnoException) => fail(new DialError(`${where}: connect: ${syscallErrorText(e)}`));
    const timer = setTimeout(() => fail(new DialError(`${where}: i/o timeout`, true)), timeoutMs);
    sock.once('error', onError);
    try {
      sock.connect({ port, host: ip }, () => {
        clearTimeout(timer);
        sock.removeListener('error', onError);
        resolvePromise(sock);
      });
    } catch (e) {
      fail(e as Error); // a bad port: not the target's fault, so not a DialError
    }
  });
}

/** "connection refused" rather than "connect ECONNREFUSED 127.0.0.1:80" (Go prints strerror). */
export function syscallErrorText(e: NodeJS.ErrnoException): string {
  return typeof e.errno === 'number' ? errnoText(e.errno) : e.code || e.message;
}
