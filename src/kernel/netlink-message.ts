// rtnetlink messages as bytes (pure): the nlmsghdr, the fixed headers of links
// (ifinfomsg), addresses (ifaddrmsg) and routes (rtmsg), and (nested) attributes, all in
// host byte order (little-endian here) and padded to 4 bytes, as linux/netlink.h,
// rtnetlink.h, if_link.h, veth.h and if_addr.h lay them out.
import { PodrunError } from '../util/errors.js';

export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;

export const NLM_F = { REQUEST: 0x1, MULTI: 0x2, ACK: 0x4, EXCL: 0x200, CREATE: 0x400, DUMP: 0x300 } as const;

export const RTM = { NEWLINK: 16, DELLINK: 17, GETLINK: 18, NEWADDR: 20, GETADDR: 22, NEWROUTE: 24 } as const;

export const IFLA = { IFNAME: 3, MASTER: 10, LINKINFO: 18, NET_NS_FD: 28 } as const;
export const IFLA_INFO = { KIND: 1, DATA: 2 } as const;
export const VETH_INFO_PEER = 1;
export const IFF_UP = 0x1;

export const IFA = { ADDRESS: 1, LOCAL: 2 } as const;
export const IFA_F_NODAD = 0x02;

export const RTA = { OIF: 4, GATEWAY: 5 } as const;
export const RT_TABLE_MAIN = 254;
export const RTPROT_BOOT = 3;
export const RT_SCOPE_UNIVERSE = 0;
export const RTN_UNICAST = 1;

export const AF_UNSPEC = 0;
export const AF_INET = 2;
export const AF_INET6 = 10;

const NLMSGHDR_LEN = 16;
const RTA_HDR_LEN = 4;
/** NLA_F_NESTED and NLA_F_NET_BYTEORDER ride in the top bits of an attribute's type. */
const NLA_TYPE_MASK = 0x3fff;

const align4 = (n: number): number => (n + 3) & ~3;

/** An attribute: its payload bytes, or nested attributes. */
export interface Attr {
  type: number;
  value: Buffer | Attr[];
}

export const attr = {
  /** A NUL-terminated string (interface names). */
  str: (type: number, s: string): Attr => ({ type, value: Buffer.from(`${s}\0`, 'utf8') }),
  /** A string without the NUL, as ip sends a link kind (the kernel takes either). */
  chars: (type: number, s: string): Attr => ({ type, value: Buffer.from(s, 'utf8') }),
  u32: (type: number, n: number): Attr => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n >>> 0);
    return { type, value: b };
  },
  bytes: (type: number, value: Buffer): Attr => ({ type, value }),
  nest: (type: number, children: Attr[]): Attr => ({ type, value: children }),
};

/** Attributes back to back: each length counts its header and payload but not its padding. */
export function encodeAttrs(attrs: Attr[]): Buffer {
  return Buffer.concat(
    attrs.map(({ type, value }) => {
      const payload = Buffer.isBuffer(value) ? value : encodeAttrs(value);
      const out = Buffer.alloc(align4(RTA_HDR_LEN + payload.length));
      out.writeUInt16LE(RTA_HDR_LEN + payload.length, 0);
      out.writeUInt16LE(type, 2);
      payload.copy(out, RTA_HDR_LEN);
      return out;
    }),
  );
}

/** struct ifinfomsg (16 bytes): family, pad, type, index, flags, change. */
export function ifinfomsg(index = 0, flags = 0, change = 0): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt8(AF_UNSPEC, 0);
  b.writeInt32LE(index, 4);
  b.writeUInt32LE(flags >>> 0, 8);
  b.writeUInt32LE(change >>> 0, 12);
  return b;
}

/** struct ifaddrmsg (8 bytes): family, prefixlen, flags, scope, index. */
export function ifaddrmsg(family: number, prefixLen: number, flags: number, index: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt8(family, 0);
  b.writeUInt8(prefixLen, 1);
  b.writeUInt8(flags, 2);
  b.writeUInt8(RT_SCOPE_UNIVERSE, 3);
  b.writeUInt32LE(index, 4);
  return b;
}

/** struct rtmsg (12 bytes) of a unicast route in the main table, as `ip route add` makes it. */
export function rtmsg(family: number, dstLen: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt8(family, 0);
  b.writeUInt8(dstLen, 1);
  b.writeUInt8(RT_TABLE_MAIN, 4);
  b.writeUInt8(RTPROT_BOOT, 5);
  b.writeUInt8(RT_SCOPE_UNIVERSE, 6);
  b.writeUInt8(RTN_UNICAST, 7);
  return b;
}

export interface Request {
  type: number;
  flags: number;
  /** The fixed header after the nlmsghdr (ifinfomsg, ifaddrmsg, rtmsg). */
  header: Buffer;
  attrs?: Attr[];
}

/** One message: nlmsghdr (len, type, flags, seq, pid 0: the kernel fills in ours) and body. */
export function encodeRequest(req: Request, seq: number): Buffer {
  const body = Buffer.concat([req.header, encodeAttrs(req.attrs ?? [])]);
  const hdr = Buffer.alloc(NLMSGHDR_LEN);
  hdr.writeUInt32LE(NLMSGHDR_LEN + body.length, 0);
  hdr.writeUInt16LE(req.type, 4);
  hdr.writeUInt16LE(req.flags, 6);
  hdr.writeUInt32LE(seq >>> 0, 8);
  return Buffer.concat([hdr, body]);
}

export interface Message {
  type: number;
  flags: number;
  seq: number;
  /** The bytes after the nlmsghdr. */
  payload: Buffer;
}

/** The messages of one datagram from the kernel. */
export function decodeMessages(buf: Buffer): Message[] {
  const out: Message[] = [];
  for (let at = 0; at + NLMSGHDR_LEN <= buf.length; ) {
    const len = buf.readUInt32LE(at);
    if (len < NLMSGHDR_LEN || at + len > buf.length) {
      throw new PodrunError(`netlink: a message of ${len} bytes at offset ${at} overruns the ${buf.length} received`);
    }
    out.push({
      type: buf.readUInt16LE(at + 4),
      flags: buf.readUInt16LE(at + 6),
      seq: buf.readUInt32LE(at + 8),
      payload: buf.subarray(at + NLMSGHDR_LEN, at + len),
    });
    at += align4(len);
  }
  return out;
}

/** Attributes by type (the last of a repeated type wins), nested ones left as bytes. */
export function decodeAttrs(buf: Buffer): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  for (let at = 0; at + RTA_HDR_LEN <= buf.length; ) {
    const len = buf.readUInt16LE(at);
    if (len < RTA_HDR_LEN || at + len > buf.length) break;
    out.set(buf.readUInt16LE(at + 2) & NLA_TYPE_MASK, buf.subarray(at + RTA_HDR_LEN, at + len));
    at += align4(len);
  }
  return out;
}

/**
 * The errno of an NLMSG_ERROR (0: the ack of a success) or of an NLMSG_DONE (a dump that
 * failed part-way): the kernel sends it negated as the first int of the payload.
 */
export function statusErrno(msg: Message): number {
  return msg.payload.length >= 4 ? 0 - msg.payload.readInt32LE(0) : 0;
}

/** A link reply (RTM_NEWLINK): its index and attributes. */
export function decodeLink(payload: Buffer): { index: number; attrs: Map<number, Buffer> } {
  return { index: payload.readInt32LE(4), attrs: decodeAttrs(payload.subarray(16)) };
}

/** An address reply (RTM_NEWADDR): prefix length, link index and attributes. */
export function decodeAddress(payload: Buffer): { prefixLen: number; index: number; attrs: Map<number, Buffer> } {
  return {
    prefixLen: payload.readUInt8(1),
    index: payload.readUInt32LE(4),
    attrs: decodeAttrs(payload.subarray(8)),
  };
}
