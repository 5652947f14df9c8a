/**
 * RTP in libpcap files for SIPp's `<exec play_pcap_audio>` (see test/lib/dtmf.ts for what SIPp
 * does with such a file: it keeps the RTP headers and payloads, rewrites the UDP ports and
 * checksum, and paces the packets by their pcap timestamps). One writer for the DTMF events
 * (dtmf.ts), the tone (rtp-audio.ts) and both in one call (call-audio.ts).
 */

/** One RTP packet and when it leaves, relative to the first one. */
export interface RtpPacket {
  /** Send time, ms from the first packet (pcap timestamps; fractions are rounded to µs). */
  atMs: number;
  payloadType: number;
  marker: boolean;
  seq: number;
  /** RTP timestamp (8 kHz clock for G.711 and telephone-event). */
  timestamp: number;
  ssrc: number;
  payload: Uint8Array;
}

/** Internet checksum (RFC 1071) of `buf` plus `initial` (a partial sum). */
function checksum(buf: Uint8Array, initial = 0): number {
  let sum = initial;
  for (let i = 0; i + 1 < buf.length; i += 2) sum += ((buf[i] ?? 0) << 8) | (buf[i + 1] ?? 0);
  if (buf.length % 2) sum += (buf[buf.length - 1] ?? 0) << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

// Placeholder addresses and ports: SIPp replaces the ports and sends from/to
// its own addresses; these only make the file readable in Wireshark.
const SRC_MAC = [0x02, 0x00, 0x00, 0x00, 0x00, 0x01];
const DST_MAC = [0x02, 0x00, 0x00, 0x00, 0x00, 0x02];
const SRC_IP = [192, 0, 2, 1]; // TEST-NET-1
const DST_IP = [192, 0, 2, 2];
const SRC_PORT = 6000;
const DST_PORT = 6000;

const ETH_LEN = 14;
const IP_LEN = 20;
const UDP_LEN = 8;
const RTP_LEN = 12;

/** An Ethernet/IPv4/UDP frame carrying one RTP packet; `ipId` is the IP identification field. */
export function rtpFrame(p: RtpPacket, ipId: number): Buffer {
  const b = Buffer.alloc(ETH_LEN + IP_LEN + UDP_LEN + RTP_LEN + p.payload.length);
  // Ethernet II
  b.set(DST_MAC, 0);
  b.set(SRC_MAC, 6);
  b.writeUInt16BE(0x0800, 12);
  // IPv4, no options
  const ip = ETH_LEN;
  b[ip] = 0x45;
  b.writeUInt16BE(IP_LEN + UDP_LEN + RTP_LEN + p.payload.length, ip + 2);
  b.writeUInt16BE(ipId & 0xffff, ip + 4);
  b.writeUInt16BE(0x4000, ip + 6); // DF
  b[ip + 8] = 64; // TTL
  b[ip + 9] = 17; // UDP
  b.set(SRC_IP, ip + 12);
  b.set(DST_IP, ip + 16);
  b.writeUInt16BE(checksum(b.subarray(ip, ip + IP_LEN)), ip + 10);
  // UDP
  const udp = ip + IP_LEN;
  const udpLen = UDP_LEN + RTP_LEN + p.payload.length;
  b.writeUInt16BE(SRC_PORT, udp);
  b.writeUInt16BE(DST_PORT, udp + 2);
  b.writeUInt16BE(udpLen, udp + 4);
  // RTP (RFC 3550): V=2, no padding/extension/CSRC
  const rtp = udp + UDP_LEN;
  b[rtp] = 0x80;
  b[rtp + 1] = (p.marker ? 0x80 : 0) | p.payloadType;
  b.writeUInt16BE(p.seq & 0xffff, rtp + 2);
  b.writeUInt32BE(p.timestamp >>> 0, rtp + 4);
  b.writeUInt32BE(p.ssrc >>> 0, rtp + 8);
  b.set(p.payload, rtp + RTP_LEN);
  // UDP checksum over the pseudo-header (SIPp recomputes it for the real ports and addresses).
  const pseudo = Buffer.alloc(12);
  pseudo.set(SRC_IP, 0);
  pseudo.set(DST_IP, 4);
  pseudo[9] = 17;
  pseudo.writeUInt16BE(udpLen, 10);
  const partial = ~checksum(pseudo) & 0xffff;
  b.writeUInt16BE(checksum(b.subarray(udp, udp + udpLen), partial) || 0xffff, udp + 6);
  return b;
}

/**
 * A libpcap file (microsecond timestamps, Ethernet link type) of the packets in the order
 * given, the n-th (from 0) with IP identification n + 1. Deterministic: the same packets give
 * the same bytes.
 */
export function rtpPcap(packets: readonly RtpPacket[]): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0); // magic: little-endian, microseconds
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeInt32LE(0, 8); // thiszone
  header.writeUInt32LE(0, 12); // sigfigs
  header.writeUInt32LE(65535, 16); // snaplen
  header.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
  const parts: Buffer[] = [header];
  packets.forEach((p, i) => {
    const data = rtpFrame(p, i + 1);
    const rec = Buffer.alloc(16);
    const us = Math.round(p.atMs * 1000);
    rec.writeUInt32LE(Math.floor(us / 1_000_000), 0);
    rec.writeUInt32LE(us % 1_000_000, 4);
    rec.writeUInt32LE(data.length, 8); // captured
    rec.writeUInt32LE(data.length, 12); // on the wire (SIPp refuses truncated packets)
    parts.push(rec, data);
  });
  return Buffer.concat(parts);
}
