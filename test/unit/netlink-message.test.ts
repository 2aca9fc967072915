// rtnetlink messages as bytes: the requests podrun sends against what `ip` sends for the
// same change (captured with `strace -e write=3 ip ...` in a throwaway netns; seq
// 0x6b1133c2), and the kernel's own replies (captured with `strace -e read=3`) decoded.
import { describe, expect, it } from 'vitest';
import { parseIp } from '../../src/kernel/ip-address.js';
import {
  attr,
  decodeAddress,
  decodeAttrs,
  decodeLink,
  decodeMessages,
  encodeAttrs,
  encodeRequest,
  IFA,
  NLMSG_DONE,
  NLMSG_ERROR,
  RTM,
  statusErrno,
} from '../../src/kernel/netlink-message.js';
import { requests } from '../../src/kernel/rtnetlink-requests.js';

const SEQ = 0x6b1133c2;
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const ZERO_IFINFOMSG = '00000000 00000000 00000000 00000000';

describe('requests, byte for byte', () => {
  it('a bridge is what `ip link add br0 type bridge` sends', () => {
    expect(encodeRequest(requests.addBridge('br0'), SEQ)).toEqual(
      hex(`38000000 10000506 c233116b 00000000 ${ZERO_IFINFOMSG}
           08000300 62723000 10001200 0a000100 62726964 67650000`),
    );
  });

  it('a veth pair with its peer in another netns is what `ip link add vh0 type veth peer name eth0 netns X` sends', () => {
    // ip opened the netns as fd 4: IFLA_NET_NS_FD 4 inside VETH_INFO_PEER, after the peer's ifinfomsg.
    expect(encodeRequest(requests.addVethPair('vh0', 'eth0', 4), SEQ)).toEqual(
      hex(`60000000 10000506 c233116b 00000000 ${ZERO_IFINFOMSG}
           08000300 76683000 38001200 08000100 76657468 2c000200 28000100 ${ZERO_IFINFOMSG}
           08001c00 04000000 09000300 65746830 00000000`),
    );
  });

  it('addresses are what `ip addr add` sends, IPv6 with IFA_F_NODAD in ifa_flags', () => {
    expect(encodeRequest(requests.addAddress(2, parseIp('10.1.0.1'), 24, false), SEQ)).toEqual(
      hex(`28000000 14000506 c233116b 00000000 02180000 02000000 08000200 0a010001 08000100 0a010001`),
    );
    expect(encodeRequest(requests.addAddress(2, parseIp('fd10::1'), 64, true), SEQ)).toEqual(
      hex(`40000000 14000506 c233116b 00000000 0a400200 02000000
           14000200 fd100000 00000000 00000000 00000001 14000100 fd100000 00000000 00000000 00000001`),
    );
  });

  it('an IPv4 default route is what `ip route add default via 10.1.0.2 dev br0` sends', () => {
    expect(encodeRequest(requests.addDefaultRoute(parseIp('10.1.0.2'), 2), SEQ)).toEqual(
      hex(`2c000000 18000506 c233116b 00000000 02000000 fe030001 00000000 08000500 0a010002 08000400 02000000`),
    );
  });

  it('an IPv6 default route is ip\'s without the RTA_DST ::/0 it adds (dst_len 0 says "default" already)', () => {
    expect(encodeRequest(requests.addDefaultRoute(parseIp('fd10::2'), 2), SEQ)).toEqual(
      hex(`38000000 18000506 c233116b 00000000 0a000000 fe030001 00000000
           14000500 fd100000 00000000 00000000 00000002 08000400 02000000`),
    );
  });

  // ip looks the link up and sends its index (3); podrun sends index 0 and IFLA_IFNAME,
  // which the kernel looks up itself: one round trip less. The rest is ip's.
  it('master, up and delete name their link instead of its index', () => {
    const vh0 = '08000300 76683000';
    expect(encodeRequest(requests.setMaster('vh0', 2), SEQ)).toEqual(
      hex(`30000000 10000500 c233116b 00000000 ${ZERO_IFINFOMSG} ${vh0} 08000a00 02000000`),
    );
    // ifi_flags IFF_UP with ifi_change IFF_UP: only that flag changes.
    expect(encodeRequest(requests.setUp('vh0'), SEQ)).toEqual(
      hex(`28000000 10000500 c233116b 00000000 00000000 00000000 01000000 01000000 ${vh0}`),
    );
    expect(encodeRequest(requests.deleteLink('vh0'), SEQ)).toEqual(
      hex(`28000000 11000500 c233116b 00000000 ${ZERO_IFINFOMSG} ${vh0}`),
    );
  });

  it('a link look-up asks for an ack; the address dump asks for NLM_F_DUMP and no ack', () => {
    expect(encodeRequest(requests.getLink('lo'), 1)).toEqual(
      hex(`28000000 12000500 01000000 00000000 ${ZERO_IFINFOMSG} 07000300 6c6f0000`),
    );
    expect(encodeRequest(requests.dumpAddresses(), 1)).toEqual(hex(`18000000 16000103 01000000 00000000 00000000 00000000`));
  });
});

describe('attributes', () => {
  it('a length counts header and payload, not the padding; a nest counts its padded children', () => {
    const nested = encodeAttrs([attr.nest(7, [attr.str(1, 'ab'), attr.u32(2, 0x01020304)])]);
    expect(nested).toEqual(hex('14000700 07000100 61620000 08000200 04030201'));
    expect(encodeAttrs([attr.bytes(3, Buffer.from([1]))])).toEqual(hex('05000300 01000000'));
  });

  it('decoding strips NLA_F_NESTED from the type and stops at a truncated attribute', () => {
    const attrs = decodeAttrs(hex('08000080 01020304 0c000500 01'));
    expect([...attrs.keys()]).toEqual([0]);
    expect(attrs.get(0)).toEqual(hex('01020304'));
  });
});

describe("the kernel's replies", () => {
  it('an NLMSG_ERROR ack carries the errno negated (EEXIST for a second `ip link add br0`)', () => {
    const [msg] = decodeMessages(
      hex(`4c000000 02000000 a334116b 22420000 efffffff 38000000 10000506 a334116b 00000000 ${ZERO_IFINFOMSG}
           08000300 62723000 10001200 0a000100 62726964 67650000`),
    );
    expect(msg.type).toBe(NLMSG_ERROR);
    expect(msg.seq).toBe(0x6b1134a3);
    expect(statusErrno(msg)).toBe(17);
  });

  it("an address dump's datagram: IPv4 with IFA_LOCAL, IPv6 with IFA_ADDRESS only, then NLMSG_DONE", () => {
    const datagram = hex(
      '4c00000014002200aa34116bef4200000218800002000000080001000a010001080002000a0100010800030062723000080008008000000014000600ffffffffffffffffa5b10400a5b104004800000014002200aa34116bef4200000a4082000200000014000100fd10000000000000000000000000000114000600ffffffffffffffffa5b10400a5b104000800080082000000',
    );
    const msgs = decodeMessages(datagram);
    expect(msgs.map((m) => m.type)).toEqual([RTM.NEWADDR, RTM.NEWADDR]);
    const [v4, v6] = msgs.map((m) => decodeAddress(m.payload));
    expect({ prefixLen: v4.prefixLen, index: v4.index }).toEqual({ prefixLen: 24, index: 2 });
    expect(v4.attrs.get(IFA.LOCAL)).toEqual(hex('0a010001'));
    expect({ prefixLen: v6.prefixLen, index: v6.index, local: v6.attrs.has(IFA.LOCAL) }).toEqual({ prefixLen: 64, index: 2, local: false });
    expect(v6.attrs.get(IFA.ADDRESS)).toEqual(parseIp('fd10::1').bytes);

    const [done] = decodeMessages(hex('1400000003002200aa34116bef42000000000000'));
    expect(done.type).toBe(NLMSG_DONE);
    expect(statusErrno(done)).toBe(0);
  });

  it("a link reply's index comes from its ifinfomsg", () => {
    const link = decodeLink(hex(`00000100 07000000 49100100 00000000 07000300 6c6f0000`));
    expect(link.index).toBe(7);
    expect(link.attrs.get(3)).toEqual(Buffer.from('lo\0'));
  });

  it('a message longer than the datagram is an error, not a silent truncation', () => {
    expect(() => decodeMessages(hex('30000000 02000000 01000000 00000000 00000000'))).toThrow(/overruns/);
  });
});
