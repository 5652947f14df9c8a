/**
 * Audio for SIPp test phones: a pcap of G.711 µ-law RTP (payload type 0, 20 ms packets) carrying
 * a sine tone, for `<exec play_pcap_audio>` (uac-dtmf.xml's `[dtmf_pcap]` key; see
 * test/lib/dtmf.ts for what SIPp does with such a file: it keeps RTP headers and payloads and
 * paces the packets by their timestamps). Something a recorder keeps: a tone, not silence.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface ToneOptions {
  /** Tone frequency in Hz. Default 440. */
  frequency?: number;
  /** Peak amplitude, 0..32767 (16-bit linear). Default 8000. */
  amplitude?: number;
  ssrc?: number;
}

const RATE = 8000;
const PACKET_SAMPLES = 160; // 20 ms

/** G.711 µ-law of one 16-bit linear sample (ITU-T G.711, the classic table-free encoder). */
export function linearToUlaw(sample: number): number {
  const BIAS = 0x84;
  const CLIP = 32635;
  let s = Math.max(-32768, Math.min(32767, Math.round(sample)));
  const sign = s < 0 ? 0x80 : 0;
  if (s < 0) s = -s;
  if (s > CLIP) s = CLIP;
  s += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

function checksum(buf: Uint8Array, initial = 0): number {
  let sum = initial;
  for (let i = 0; i + 1 < buf.length; i += 2) sum += ((buf[i] ?? 0) << 8) | (buf[i + 1] ?? 0);
  if (buf.length % 2) sum += (buf[buf.length - 1] ?? 0) << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function frame(payload: Buffer, seq: number, timestamp: number, marker: boolean, ssrc: number): Buffer {
  const ETH = 14;
  const IP = 20;
  const UDP = 8;
  const RTP = 12;
  const b = Buffer.alloc(ETH + IP + UDP + RTP + payload.length);
  b.set([0x02, 0, 0, 0, 0, 0x02], 0);
  b.set([0x02, 0, 0, 0, 0, 0x01], 6);
  b.writeUInt16BE(0x0800, 12);
  const ip = ETH;
  b[ip] = 0x45;
  b.writeUInt16BE(IP + UDP + RTP + payload.length, ip + 2);
  b.writeUInt16BE(seq & 0xffff, ip + 4);
  b.writeUInt16BE(0x4000, ip + 6);
  b[ip + 8] = 64;
  b[ip + 9] = 17;
  b.set([192, 0, 2, 1], ip + 12);
  b.set([192, 0, 2, 2], ip + 16);
  b.writeUInt16BE(checksum(b.subarray(ip, ip + IP)), ip + 10);
  const udp = ip + IP;
  b.writeUInt16BE(6000, udp);
  b.writeUInt16BE(6000, udp + 2);
  b.writeUInt16BE(UDP + RTP + payload.length, udp + 4);
  // Checksum left 0 (none): SIPp computes it for the real addresses and ports.
  const rtp = udp + UDP;
  b[rtp] = 0x80;
  b[rtp + 1] = (marker ? 0x80 : 0) | 0; // PCMU
  b.writeUInt16BE(seq & 0xffff, rtp + 2);
  b.writeUInt32BE(timestamp >>> 0, rtp + 4);
  b.writeUInt32BE(ssrc >>> 0, rtp + 8);
  payload.copy(b, rtp + RTP);
  return b;
}

/** A libpcap file of `seconds` of a µ-law sine tone, one RTP packet per 20 ms. */
export function buildTonePcap(seconds: number, opts: ToneOptions = {}): Buffer {
  const frequency = opts.frequency ?? 440;
  const amplitude = opts.amplitude ?? 8000;
  const ssrc = opts.ssrc ?? 0x7a1e5eed;
  const packets = Math.round((seconds * RATE) / PACKET_SAMPLES);
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(1, 20);
  const parts: Buffer[] = [header];
  for (let p = 0; p < packets; p++) {
    const payload = Buffer.alloc(PACKET_SAMPLES);
    for (let i = 0; i < PACKET_SAMPLES; i++) {
      const n = p * PACKET_SAMPLES + i;
      payload[i] = linearToUlaw(amplitude * Math.sin((2 * Math.PI * frequency * n) / RATE));
    }
    const data = frame(payload, 2000 + p, 48000 + p * PACKET_SAMPLES, p === 0, ssrc);
    const rec = Buffer.alloc(16);
    const us = p * 20_000;
    rec.writeUInt32LE(Math.floor(us / 1_000_000), 0);
    rec.writeUInt32LE(us % 1_000_000, 4);
    rec.writeUInt32LE(data.length, 8);
    rec.writeUInt32LE(data.length, 12);
    parts.push(rec, data);
  }
  return Buffer.concat(parts);
}

/** Writes buildTonePcap to `<dir>/tone-<seconds>s.pcap` and returns its absolute path. */
export async function writeTonePcap(dir: string, seconds: number, opts: ToneOptions = {}): Promise<string> {
  const file = path.resolve(dir, `tone-${seconds}s.pcap`);
  await writeFile(file, buildTonePcap(seconds, opts));
  return file;
}
