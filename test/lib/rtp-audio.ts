/**
 * Audio for SIPp test phones: a pcap of G.711 µ-law RTP (payload type 0, 20 ms packets) carrying
 * a sine tone, for `<exec play_pcap_audio>` (uac-dtmf.xml's `[dtmf_pcap]` key; see
 * test/lib/dtmf.ts for what SIPp does with such a file: it keeps RTP headers and payloads and
 * paces the packets by their timestamps). Something a recorder keeps: a tone, not silence.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { rtpPcap, type RtpPacket } from './pcap.ts';

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

/** A libpcap file of `seconds` of a µ-law sine tone, one RTP packet per 20 ms. */
export function buildTonePcap(seconds: number, opts: ToneOptions = {}): Buffer {
  const frequency = opts.frequency ?? 440;
  const amplitude = opts.amplitude ?? 8000;
  const ssrc = opts.ssrc ?? 0x7a1e5eed;
  const packets: RtpPacket[] = [];
  for (let p = 0; p < Math.round((seconds * RATE) / PACKET_SAMPLES); p++) {
    const payload = Buffer.alloc(PACKET_SAMPLES);
    for (let i = 0; i < PACKET_SAMPLES; i++) {
      const n = p * PACKET_SAMPLES + i;
      payload[i] = linearToUlaw(amplitude * Math.sin((2 * Math.PI * frequency * n) / RATE));
    }
    packets.push({ atMs: p * 20, payloadType: 0, marker: p === 0, seq: 2000 + p, timestamp: 48000 + p * PACKET_SAMPLES, ssrc, payload });
  }
  return rtpPcap(packets);
}

/** Writes buildTonePcap to `<dir>/tone-<seconds>s.pcap` and returns its absolute path. */
export async function writeTonePcap(dir: string, seconds: number, opts: ToneOptions = {}): Promise<string> {
  const file = path.resolve(dir, `tone-${seconds}s.pcap`);
  await writeFile(file, buildTonePcap(seconds, opts));
  return file;
}
