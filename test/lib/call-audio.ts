/**
 * A phone talking and keying in-call codes: one pcap for SIPp's play_pcap_audio (uac-dtmf.xml's
 * [dtmf_pcap] key) that carries a µ-law tone (payload type 0, a packet per 20 ms) for the whole
 * call and RFC 4733 telephone-events (payload type 101) at chosen moments, in one RTP stream
 * (one SSRC, one sequence; the tone pauses while a key is pressed, as phones do). See
 * test/lib/dtmf.ts for what SIPp does with the file, test/lib/rtp-audio.ts for the tone alone.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DTMF_EVENT_CODES } from './dtmf.ts';
import { linearToUlaw } from './rtp-audio.ts';

export interface KeyPress {
  /** When the key goes down, ms from the first packet. */
  atMs: number;
  /** 0-9 * # A-D */
  key: string;
}

const RATE = 8000;
const PACKET_MS = 20;
const TONE_MS = 160;

function checksum(buf: Uint8Array, initial = 0): number {
  let sum = initial;
  for (let i = 0; i + 1 < buf.length; i += 2) sum += ((buf[i] ?? 0) << 8) | (buf[i + 1] ?? 0);
  if (buf.length % 2) sum += (buf[buf.length - 1] ?? 0) << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function frame(pt: number, marker: boolean, seq: number, timestamp: number, payload: Buffer): Buffer {
  const b = Buffer.alloc(14 + 20 + 8 + 12 + payload.length);
  b.set([0x02, 0, 0, 0, 0, 0x02], 0);
  b.set([0x02, 0, 0, 0, 0, 0x01], 6);
  b.writeUInt16BE(0x0800, 12);
  const ip = 14;
  b[ip] = 0x45;
  b.writeUInt16BE(20 + 8 + 12 + payload.length, ip + 2);
  b.writeUInt16BE(seq & 0xffff, ip + 4);
  b.writeUInt16BE(0x4000, ip + 6);
  b[ip + 8] = 64;
  b[ip + 9] = 17;
  b.set([192, 0, 2, 1], ip + 12);
  b.set([192, 0, 2, 2], ip + 16);
  b.writeUInt16BE(checksum(b.subarray(ip, ip + 20)), ip + 10);
  const udp = ip + 20;
  b.writeUInt16BE(6000, udp);
  b.writeUInt16BE(6000, udp + 2);
  b.writeUInt16BE(8 + 12 + payload.length, udp + 4);
  const rtp = udp + 8;
  b[rtp] = 0x80;
  b[rtp + 1] = (marker ? 0x80 : 0) | pt;
  b.writeUInt16BE(seq & 0xffff, rtp + 2);
  b.writeUInt32BE(timestamp >>> 0, rtp + 4);
  b.writeUInt32BE(0x6a11ca11, rtp + 8);
  payload.copy(b, rtp + 12);
  return b;
}

/** `seconds` of a 440 Hz tone with the keys pressed at their times (160 ms each). */
export function buildCallPcap(seconds: number, keys: KeyPress[] = []): Buffer {
  const packets: { atMs: number; data: Buffer }[] = [];
  let seq = 3000;
  const ts0 = 64000;
  const busy = (t: number) => keys.some((k) => t >= k.atMs && t < k.atMs + TONE_MS + PACKET_MS);
  const total = Math.round((seconds * 1000) / PACKET_MS);
  let afterEvent = true;
  for (let p = 0; p < total; p++) {
    const t = p * PACKET_MS;
    if (busy(t)) {
      afterEvent = true;
      continue;
    }
    const payload = Buffer.alloc(160);
    for (let i = 0; i < 160; i++) payload[i] = linearToUlaw(8000 * Math.sin((2 * Math.PI * 440 * (p * 160 + i)) / RATE));
    packets.push({ atMs: t, data: frame(0, afterEvent, 0, ts0 + t * 8, payload) });
    afterEvent = false;
  }
  for (const k of keys) {
    const code = DTMF_EVENT_CODES[k.key.toUpperCase()];
    if (code === undefined) throw new RangeError(`not a DTMF key: ${k.key}`);
    for (let d = PACKET_MS; d <= TONE_MS; d += PACKET_MS) {
      const payload = Buffer.alloc(4);
      payload[0] = code;
      payload[1] = (d === TONE_MS ? 0x80 : 0) | 10;
      payload.writeUInt16BE(d * 8, 2);
      packets.push({ atMs: k.atMs + d - PACKET_MS, data: frame(101, d === PACKET_MS, 0, ts0 + k.atMs * 8, payload) });
    }
  }
  packets.sort((a, b) => a.atMs - b.atMs);
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(1, 20);
  const parts: Buffer[] = [header];
  for (const p of packets) {
    // Sequence numbers in sending order, across both payload types.
    p.data.writeUInt16BE(seq & 0xffff, 14 + 20 + 8 + 2);
    seq++;
    const rec = Buffer.alloc(16);
    const us = p.atMs * 1000;
    rec.writeUInt32LE(Math.floor(us / 1_000_000), 0);
    rec.writeUInt32LE(us % 1_000_000, 4);
    rec.writeUInt32LE(p.data.length, 8);
    rec.writeUInt32LE(p.data.length, 12);
    parts.push(rec, p.data);
  }
  return Buffer.concat(parts);
}

/** Writes buildCallPcap to `<dir>/<name>.pcap` and returns its absolute path. */
export async function writeCallPcap(dir: string, name: string, seconds: number, keys: KeyPress[] = []): Promise<string> {
  const file = path.resolve(dir, `${name}.pcap`);
  await writeFile(file, buildCallPcap(seconds, keys));
  return file;
}
