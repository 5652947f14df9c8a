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
import { rtpPcap, type RtpPacket } from './pcap.ts';

export interface KeyPress {
  /** When the key goes down, ms from the first packet. */
  atMs: number;
  /** 0-9 * # A-D */
  key: string;
}

const RATE = 8000;
const PACKET_MS = 20;
const TONE_MS = 160;
const SSRC = 0x6a11ca11;

/** `seconds` of a 440 Hz tone with the keys pressed at their times (160 ms each). */
export function buildCallPcap(seconds: number, keys: KeyPress[] = []): Buffer {
  const packets: Omit<RtpPacket, 'seq'>[] = [];
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
    packets.push({ atMs: t, payloadType: 0, marker: afterEvent, timestamp: ts0 + t * 8, ssrc: SSRC, payload });
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
      packets.push({ atMs: k.atMs + d - PACKET_MS, payloadType: 101, marker: d === PACKET_MS, timestamp: ts0 + k.atMs * 8, ssrc: SSRC, payload });
    }
  }
  packets.sort((a, b) => a.atMs - b.atMs);
  // Sequence numbers in sending order, across both payload types.
  return rtpPcap(packets.map((p, i) => ({ ...p, seq: 3000 + i })));
}

/** Writes buildCallPcap to `<dir>/<name>.pcap` and returns its absolute path. */
export async function writeCallPcap(dir: string, name: string, seconds: number, keys: KeyPress[] = []): Promise<string> {
  const file = path.resolve(dir, `${name}.pcap`);
  await writeFile(file, buildCallPcap(seconds, keys));
  return file;
}
