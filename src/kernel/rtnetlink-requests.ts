// The rtnetlink requests podrun sends, as pure values (encoded by netlink-message.ts):
// what `ip link/addr/route add` sends, except that link changes name their link
// (IFLA_IFNAME with index 0, which the kernel looks up) instead of costing a look-up first.
import type { IpBytes } from './ip-address.js';
import {
  AF_INET,
  AF_INET6,
  AF_UNSPEC,
  attr,
  type Attr,
  encodeAttrs,
  IFA,
  IFA_F_NODAD,
  ifaddrmsg,
  IFF_UP,
  ifinfomsg,
  IFLA,
  IFLA_INFO,
  NLM_F,
  type Request,
  RTA,
  RTM,
  rtmsg,
  VETH_INFO_PEER,
} from './netlink-message.js';

/** A new object: fails with EEXIST rather than touching an existing one. */
const NEW = NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.EXCL;
const CHANGE = NLM_F.REQUEST | NLM_F.ACK;
const AF_OF = { 4: AF_INET, 6: AF_INET6 } as const;

function namedLink(type: number, flags: number, ifname: string, more: Attr[] = [], header = ifinfomsg()): Request {
  return { type, flags, header, attrs: [attr.str(IFLA.IFNAME, ifname), ...more] };
}

export const requests = {
  getLink: (ifname: string): Request => namedLink(RTM.GETLINK, CHANGE, ifname),

  addBridge: (name: string): Request =>
    namedLink(RTM.NEWLINK, NEW, name, [attr.nest(IFLA.LINKINFO, [attr.chars(IFLA_INFO.KIND, 'bridge')])]),

  addVethPair(hostIf: string, peerIf: string, peerNetnsFd: number): Request {
    // VETH_INFO_PEER is an ifinfomsg of the peer's own, followed by the peer's attributes.
    const peer = Buffer.concat([ifinfomsg(), encodeAttrs([attr.u32(IFLA.NET_NS_FD, peerNetnsFd), attr.str(IFLA.IFNAME, peerIf)])]);
    return namedLink(RTM.NEWLINK, NEW, hostIf, [
      attr.nest(IFLA.LINKINFO, [attr.chars(IFLA_INFO.KIND, 'veth'), attr.nest(IFLA_INFO.DATA, [attr.bytes(VETH_INFO_PEER, peer)])]),
    ]);
  },

  setMaster: (ifname: string, masterIndex: number): Request =>
    namedLink(RTM.NEWLINK, CHANGE, ifname, [attr.u32(IFLA.MASTER, masterIndex)]),

  setUp: (ifname: string): Request => namedLink(RTM.NEWLINK, CHANGE, ifname, [], ifinfomsg(0, IFF_UP, IFF_UP)),

  deleteLink: (ifname: string): Request => namedLink(RTM.DELLINK, CHANGE, ifname),

  addAddress: (index: number, ip: IpBytes, prefixLen: number, noDad: boolean): Request => ({
    type: RTM.NEWADDR,
    flags: NEW,
    header: ifaddrmsg(AF_OF[ip.family], prefixLen, noDad ? IFA_F_NODAD : 0, index),
    attrs: [attr.bytes(IFA.LOCAL, ip.bytes), attr.bytes(IFA.ADDRESS, ip.bytes)],
  }),

  addDefaultRoute: (gateway: IpBytes, oifIndex: number): Request => ({
    type: RTM.NEWROUTE,
    flags: NEW,
    header: rtmsg(AF_OF[gateway.family], 0),
    attrs: [attr.bytes(RTA.GATEWAY, gateway.bytes), attr.u32(RTA.OIF, oifIndex)],
  }),

  /** Every link's addresses: without strict checking the kernel ignores a filter. */
  dumpAddresses: (): Request => ({ type: RTM.GETADDR, flags: NLM_F.REQUEST | NLM_F.DUMP, header: ifaddrmsg(AF_UNSPEC, 0, 0, 0) }),
};
