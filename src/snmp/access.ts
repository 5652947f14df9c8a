// Which datagrams reach the SNMP library at all: v2c with a known community from one of that
// community's source networks, or v3 (whose users the library authenticates). Everything else
// (v1, unknown communities, a known community from elsewhere, garbage) is dropped unanswered,
// as net-snmp's own agent would answer any source. Pure.
import { BlockList, isIPv4, isIPv6 } from 'node:net';

export const SNMP_V1 = 0;
export const SNMP_V2C = 1;
export const SNMP_V3 = 3;

/** One BER TLV's header: tag, where its content starts, its length. */
function tlv(buf: Buffer, at: number): { tag: number; start: number; length: number } | undefined {
  if (at + 2 > buf.length) return undefined;
  const tag = buf[at]!;
  let length = buf[at + 1]!;
  let start = at + 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    if (n === 0 || n > 4 || start + n > buf.length) return undefined;
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + buf[start + i]!;
    start += n;
  }
  if (start + length > buf.length) return undefined;
  return { tag, start, length };
}

/** The version and (v1/v2c) community of an SNMP message, or undefined for anything else. */
export function peekMessage(buf: Buffer): { version: number; community?: string } | undefined {
  const seq = tlv(buf, 0);
  if (!seq || seq.tag !== 0x30) return undefined;
  const ver = tlv(buf, seq.start);
  if (!ver || ver.tag !== 0x02 || ver.length < 1 || ver.length > 4) return undefined;
  let version = 0;
  for (let i = 0; i < ver.length; i++) version = version * 256 + buf[ver.start + i]!;
  if (version === SNMP_V3) return { version };
  const com = tlv(buf, ver.start + ver.length);
  if (!com || com.tag !== 0x04) return undefined;
  return { version, community: buf.subarray(com.start, com.start + com.length).toString('latin1') };
}

/** A v4-mapped v6 address (a dual-stack socket) as the v4 address it is. */
export function plainAddress(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1]! : address;
}

export interface CommunityAcl {
  name: string;
  sources: readonly string[];
}

/** Compiled communities: name → the networks it is answered from. */
export class SourceAcl {
  private readonly lists = new Map<string, BlockList>();

  constructor(communities: readonly CommunityAcl[]) {
    for (const c of communities) {
      const list = this.lists.get(c.name) ?? new BlockList();
      for (const cidr of c.sources) {
        const [net = '', bits] = cidr.split('/');
        const family = isIPv6(net) ? 'ipv6' : 'ipv4';
        if (!isIPv4(net) && !isIPv6(net)) continue;
        const prefix = bits === undefined ? (family === 'ipv6' ? 128 : 32) : Number(bits);
        list.addSubnet(net, prefix, family);
      }
      this.lists.set(c.name, list);
    }
  }

  /** Whether a datagram from `source` goes to the library. */
  accepts(message: Buffer, source: string): boolean {
    const peek = peekMessage(message);
    if (!peek) return false;
    if (peek.version === SNMP_V3) return true;
    if (peek.version !== SNMP_V2C || peek.community === undefined) return false;
    const list = this.lists.get(peek.community);
    if (!list) return false;
    const address = plainAddress(source);
    if (isIPv4(address)) return list.check(address, 'ipv4');
    if (isIPv6(address)) return list.check(address, 'ipv6');
    return false;
  }
}
