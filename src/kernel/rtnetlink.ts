// Links, addresses and default routes through rtnetlink, in the calling thread's current
// network namespace (callers switch with withNamespaces). Each operation opens its own
// NETLINK_ROUTE socket (a socket stays in the namespace it was made in), sends one request
// at a time and reads its ack before the next. A refusal is a SyscallError with the
// request (RTM_NEWLINK...), the kernel's errno and the interface name; the expected ones
// (a link that exists already, or does not exist) are return values.
import { closeRouteSocket, openRouteSocket, receiveDatagram, sendRequest } from '../../native-bindings/netlink.js';
import { errnoName } from '../util/errno.js';
import { InvalidInputError, SyscallError } from '../util/errors.js';
import { formatIp, parseIp } from './ip-address.js';
import {
  decodeAddress,
  decodeLink,
  decodeMessages,
  encodeRequest,
  IFA,
  type Message,
  NLMSG_DONE,
  NLMSG_ERROR,
  type Request,
  RTM,
  statusErrno,
} from './netlink-message.js';
import { requests } from './rtnetlink-requests.js';

/** IFNAMSIZ is 16 with the NUL. */
const IFNAME_MAX_BYTES = 15;

/** Refuses what the kernel's dev_valid_name refuses, before any request is sent. */
function checkIfname(name: string): void {
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes === 0 || bytes > IFNAME_MAX_BYTES) {
    throw new InvalidInputError('ifname', `interface name "${name}" is ${bytes} bytes; Linux allows 1 to ${IFNAME_MAX_BYTES}`);
  }
  if (name === '.' || name === '..' || /[/:\s]/.test(name)) {
    throw new InvalidInputError('ifname', `interface name "${name}" may not be "." or "..", nor contain "/", ":" or whitespace`);
  }
}

const CALL_NAME: Record<number, string> = {
  [RTM.NEWLINK]: 'RTM_NEWLINK',
  [RTM.DELLINK]: 'RTM_DELLINK',
  [RTM.GETLINK]: 'RTM_GETLINK',
  [RTM.NEWADDR]: 'RTM_NEWADDR',
  [RTM.GETADDR]: 'RTM_GETADDR',
  [RTM.NEWROUTE]: 'RTM_NEWROUTE',
};

let lastSeq = 0;

interface Outcome {
  /** 0, or the errno the kernel refused the request with. */
  errno: number;
  /** The replies before the ack (or before NLMSG_DONE, for a dump). */
  replies: Message[];
}

/** One operation's socket. */
class RouteSocket {
  private readonly fd = openRouteSocket();

  /**
   * Sends `req` and reads up to its ack (or the end of its dump). An errno not named in
   * `tolerated` (EEXIST...) is thrown, naming `ifname`.
   */
  ask(req: Request, ifname: string, opts: { detail?: string; tolerated?: string[] } = {}): Outcome {
    const seq = (lastSeq = (lastSeq + 1) >>> 0);
    sendRequest(this.fd, encodeRequest(req, seq), ifname);
    const replies: Message[] = [];
    for (;;) {
      for (const msg of decodeMessages(receiveDatagram(this.fd, ifname))) {
        if (msg.seq !== seq) continue;
        if (msg.type !== NLMSG_ERROR && msg.type !== NLMSG_DONE) {
          replies.push(msg);
          continue;
        }
        const errno = statusErrno(msg);
        if (errno !== 0 && !opts.tolerated?.includes(errnoName(errno))) {
          throw new SyscallError(CALL_NAME[req.type], errno, ifname, opts.detail);
        }
        return { errno, replies };
      }
    }
  }

  /** The link's index; no such link is RTM_GETLINK's ENODEV. */
  linkIndex(ifname: string): number {
    return decodeLink(this.ask(requests.getLink(ifname), ifname).replies[0].payload).index;
  }

  linkExists(ifname: string): boolean {
    return this.ask(requests.getLink(ifname), ifname, { tolerated: ['ENODEV'] }).errno === 0;
  }

  close(): void {
    closeRouteSocket(this.fd);
  }
}

function withSocket<T>(fn: (nl: RouteSocket) => T): T {
  const nl = new RouteSocket();
  try {
    return fn(nl);
  } finally {
    nl.close();
  }
}

/** Creates a bridge; false if a link of that name exists already. */
export function linkAddBridge(name: string): boolean {
  checkIfname(name);
  return withSocket((nl) => nl.ask(requests.addBridge(name), name, { tolerated: ['EEXIST'] }).errno === 0);
}

/** Creates a veth pair whose peer is made directly inside the network namespace behind `peerNetnsFd`. */
export function linkAddVethPair(hostIf: string, peerIf: string, peerNetnsFd: number): void {
  checkIfname(hostIf);
  checkIfname(peerIf);
  withSocket((nl) => nl.ask(requests.addVethPair(hostIf, peerIf, peerNetnsFd), hostIf, { detail: `veth peer ${peerIf}` }));
}

/** Enslaves `ifname` to the bridge `master`. */
export function linkSetMaster(ifname: string, master: string): void {
  checkIfname(ifname);
  checkIfname(master);
  withSocket((nl) => nl.ask(requests.setMaster(ifname, nl.linkIndex(master)), ifname, { detail: `master ${master}` }));
}

export function linkSetUp(ifname: string): void {
  checkIfname(ifname);
  withSocket((nl) => nl.ask(requests.setUp(ifname), ifname));
}

/** Deletes a link (a veth takes its peer along); false if there is no such link. */
export function linkDelete(ifname: string): boolean {
  checkIfname(ifname);
  return withSocket((nl) => nl.ask(requests.deleteLink(ifname), ifname, { tolerated: ['ENODEV'] }).errno === 0);
}

export function linkExists(ifname: string): boolean {
  checkIfname(ifname);
  return withSocket((nl) => nl.linkExists(ifname));
}

/**
 * Adds an address (the family from its text) to a link; `noDad` makes an IPv6 address
 * usable at once instead of tentative. The same address with the same prefix already
 * there is fine; the kernel's EEXIST for another prefix is not.
 */
export function addrAdd(ifname: string, address: string, prefixLen: number, opts: { noDad?: boolean } = {}): void {
  checkIfname(ifname);
  const ip = parseIp(address);
  const maxPrefix = ip.family === 4 ? 32 : 128;
  if (!Number.isInteger(prefixLen) || prefixLen < 0 || prefixLen > maxPrefix) {
    throw new InvalidInputError('prefixLen', `${prefixLen} is not a prefix length of an IPv${ip.family} address (0 to ${maxPrefix})`);
  }
  const text = `${formatIp(ip.bytes)}/${prefixLen}`;
  withSocket((nl) => {
    const index = nl.linkIndex(ifname);
    const out = nl.ask(requests.addAddress(index, ip, prefixLen, opts.noDad ?? false), ifname, { detail: text, tolerated: ['EEXIST'] });
    if (out.errno !== 0 && !addressesOf(nl, index, ifname).some((a) => `${a.address}/${a.prefixLen}` === text)) {
      throw new SyscallError('RTM_NEWADDR', out.errno, ifname, text);
    }
  });
}

/**
 * Adds the default route of the gateway's family through `ifname` (main table). One there
 * already (the kernel's EEXIST) is left as it is.
 */
export function routeAddDefault(gateway: string, ifname: string): void {
  checkIfname(ifname);
  const ip = parseIp(gateway, 'gateway');
  withSocket((nl) => {
    const req = requests.addDefaultRoute(ip, nl.linkIndex(ifname));
    nl.ask(req, ifname, { detail: `default via ${gateway}`, tolerated: ['EEXIST'] });
  });
}

/** Every address of the link, IPv4 first (the kernel's order), link-local ones included. */
export function linkAddresses(ifname: string): { address: string; prefixLen: number }[] {
  checkIfname(ifname);
  return withSocket((nl) => addressesOf(nl, nl.linkIndex(ifname), ifname));
}

function addressesOf(nl: RouteSocket, index: number, ifname: string): { address: string; prefixLen: number }[] {
  // The dump has every link's addresses; IPv4 ones carry IFA_LOCAL, IPv6 ones only IFA_ADDRESS.
  return nl
    .ask(requests.dumpAddresses(), ifname)
    .replies.filter((m) => m.type === RTM.NEWADDR)
    .map((m) => decodeAddress(m.payload))
    .filter((a) => a.index === index)
    .map((a) => ({ address: formatIp((a.attrs.get(IFA.LOCAL) ?? a.attrs.get(IFA.ADDRESS)) as Buffer), prefixLen: a.prefixLen }));
}
