/**
 * DTMF for SIPp test phones: builds a pcap of RFC 4733 (RFC 2833)
 * telephone-events that SIPp replays into a call with
 * `<exec play_pcap_audio="..."/>` (see test/fixtures/sipp/uac-dtmf.xml).
 *
 * What SIPp does with the file (3.6, prepare_pcap.c / send_packets.c): it
 * keeps each packet's UDP header and payload, ignores the Ethernet and IP
 * headers (it needs them only to find the UDP header), rewrites the UDP
 * ports (source: its media port, destination: the media port of the far
 * end's SDP, each plus the packet's offset from the lowest destination port
 * in the file) and the UDP checksum, and sends from its own -mi address to
 * the far end's media address through a raw socket (so SIPp must run as
 * root). The RTP header and payload go out unchanged: sequence numbers,
 * timestamps, SSRC and payload type are ours, and the payload type must be
 * the one the SDP negotiated for telephone-event (101 in our scenarios).
 * Pacing: the first packet leaves at once, each next one after the gap
 * between their pcap timestamps; so silence before the first digit cannot
 * be expressed in the file (see DtmfTiming.leadMs).
 *
 * Digit strings: 0-9, *, #, A-D (a-d) are events 0-15 (RFC 4733 section
 * 3.2). A comma is a pause of `pauseMs` (default 1 s) on top of the normal
 * gap; several commas add up. Spaces are ignored. Anything else throws.
 *
 * Each digit is one event: packets every `intervalMs` with the same RTP
 * timestamp (the event's start) and a growing duration, the marker bit on
 * the first; the last packet (duration = toneMs) has the end bit. RFC 4733
 * section 2.5.1.4 sends it three times; by default it is sent once here,
 * because SIPp's pcap replay reaches Asterisk 22 so that each repeated end
 * packet arrives as a new key press (a menu key leaked into the next menu:
 * seen in test/integration/ivr.test.ts). `endRepeats` restores the repeats.
 * The next digit starts `gapMs` after the previous tone ended.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { rtpPcap } from './pcap.ts';

export interface DtmfOptions {
  /** Tone length per digit, ms (the final event duration). Default 160. Minimum: one interval. */
  toneMs?: number;
  /** Silence between the end of one tone and the start of the next, ms. Default 240; more than 2 intervals (the end packet repeats fall in it). */
  gapMs?: number;
  /** Times the end packet is sent (RFC 4733 recommends 3). Default 1: see above. */
  endRepeats?: number;
  /** Extra silence per comma in the digit string, ms. Default 1000. */
  pauseMs?: number;
  /** RTP payload type of telephone-event, as negotiated in the SDP. Default 101. */
  payloadType?: number;
  /** Packet interval, ms (RFC 4733 update rate; our SDP says ptime 20). Default 20. */
  intervalMs?: number;
  /** Event volume, 0-63 (-dBm0). Default 10. */
  volume?: number;
  /** RTP SSRC. Default 0x5150d7f1. */
  ssrc?: number;
  /** First RTP sequence number. Default 1000. */
  firstSeq?: number;
  /** RTP timestamp of the first event (8 kHz clock). Default 16000. */
  firstTimestamp?: number;
}

/** Where the time of a digit string goes. */
export interface DtmfTiming {
  /** Leading commas: silence before the first packet, which the pcap cannot hold; wait this long before playing it. */
  leadMs: number;
  /** From the first packet to one interval after the last one: how long SIPp plays the pcap. */
  playMs: number;
  /** leadMs + playMs + the trailing commas' pauses: the whole sequence. */
  totalMs: number;
}

/** One RTP packet of the sequence, as planned (before encoding). */
interface EventPacket {
  /** Send time relative to the first packet, ms. */
  atMs: number;
  seq: number;
  timestamp: number;
  marker: boolean;
  event: number;
  end: boolean;
  /** Duration field, in 8 kHz samples. */
  duration: number;
}

/** RFC 4733 event codes of the DTMF keys. */
export const DTMF_EVENT_CODES: Readonly<Record<string, number>> = {
  '0': 0, '1': 1, '2': 2, '3': 3, '4': 4, '5': 5, '6': 6, '7': 7, '8': 8, '9': 9,
  '*': 10, '#': 11, A: 12, B: 13, C: 14, D: 15,
};

const SAMPLES_PER_MS = 8;
/** telephone-event's RTP clock is 8 kHz; the duration field is 16 bits. */
const MAX_DURATION_MS = 0xffff / SAMPLES_PER_MS;

function resolved(opts: DtmfOptions) {
  const o = {
    toneMs: opts.toneMs ?? 160,
    gapMs: opts.gapMs ?? 240,
    pauseMs: opts.pauseMs ?? 1000,
    payloadType: opts.payloadType ?? 101,
    intervalMs: opts.intervalMs ?? 20,
    volume: opts.volume ?? 10,
    ssrc: opts.ssrc ?? 0x5150d7f1,
    firstSeq: opts.firstSeq ?? 1000,
    firstTimestamp: opts.firstTimestamp ?? 16000,
    endRepeats: opts.endRepeats ?? 1,
  };
  const int = (name: string, v: number, min: number, max: number) => {
    if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`dtmf: ${name} must be an integer in ${min}..${max}, got ${v}`);
  };
  int('intervalMs', o.intervalMs, 1, 1000);
  int('toneMs', o.toneMs, o.intervalMs, MAX_DURATION_MS);
  int('endRepeats', o.endRepeats, 1, 5);
  // The end packet's repeats go out one interval apart after the tone ends: they must precede the next digit.
  int('gapMs', o.gapMs, (o.endRepeats - 1) * o.intervalMs + 1, 60_000);
  int('pauseMs', o.pauseMs, 0, 600_000);
  int('payloadType', o.payloadType, 96, 127);
  int('volume', o.volume, 0, 63);
  int('ssrc', o.ssrc, 0, 0xffffffff);
  int('firstSeq', o.firstSeq, 0, 0xffff);
  int('firstTimestamp', o.firstTimestamp, 0, 0xffffffff);
  return o;
}

/** The RFC 4733 event code of one key (0-9, *, #, A-D; case-insensitive). */
export function dtmfEventCode(key: string): number {
  const code = DTMF_EVENT_CODES[key.toUpperCase()];
  if (code === undefined) throw new RangeError(`dtmf: '${key}' is not a DTMF key (0-9, *, #, A-D)`);
  return code;
}

/** Keys and pauses of a digit string: a number per key (its event code), 'pause' per comma. */
function tokens(digits: string): (number | 'pause')[] {
  const out: (number | 'pause')[] = [];
  for (const ch of digits) {
    if (ch === ',') out.push('pause');
    else if (!/\s/.test(ch)) out.push(dtmfEventCode(ch));
  }
  if (!out.some((t) => t !== 'pause')) throw new RangeError(`dtmf: no keys in '${digits}'`);
  return out;
}

function plan(digits: string, opts: DtmfOptions): { packets: EventPacket[]; timing: DtmfTiming } {
  const o = resolved(opts);
  const packets: EventPacket[] = [];
  let leadMs = 0;
  let trailMs = 0;
  // Start of the next tone relative to the first packet (only meaningful once a key was seen).
  let nextStart = 0;
  let seq = o.firstSeq;
  for (const t of tokens(digits)) {
    if (t === 'pause') {
      if (packets.length === 0) leadMs += o.pauseMs;
      else trailMs += o.pauseMs;
      continue;
    }
    // A pause since the last key counts fully before this one (it is no longer trailing).
    nextStart += trailMs;
    trailMs = 0;
    const start = nextStart;
    const timestamp = (o.firstTimestamp + start * SAMPLES_PER_MS) >>> 0;
    const updates = Math.ceil(o.toneMs / o.intervalMs);
    for (let k = 0; k < updates; k++) {
      const last = k === updates - 1;
      const durationMs = Math.min((k + 1) * o.intervalMs, o.toneMs);
      for (let r = 0; r < (last ? o.endRepeats : 1); r++) {
        packets.push({
          atMs: start + (k + r) * o.intervalMs,
          seq,
          timestamp,
          marker: k === 0,
          event: t,
          end: last,
          duration: durationMs * SAMPLES_PER_MS,
        });
        seq = (seq + 1) & 0xffff;
      }
    }
    nextStart = start + o.toneMs + o.gapMs;
  }
  const lastAt = packets.at(-1)?.atMs ?? 0;
  const playMs = lastAt + o.intervalMs;
  return { packets, timing: { leadMs, playMs, totalMs: leadMs + playMs + trailMs } };
}

/** How long a digit string takes (see DtmfTiming); throws like buildDtmfPcap on a bad string or option. */
export function dtmfTiming(digits: string, opts: DtmfOptions = {}): DtmfTiming {
  return plan(digits, opts).timing;
}

/**
 * A libpcap file (microsecond timestamps, Ethernet link type) carrying the
 * RFC 4733 events of `digits`, ready for SIPp's play_pcap_audio.
 * Deterministic: the same input gives the same bytes.
 */
export function buildDtmfPcap(digits: string, opts: DtmfOptions = {}): Buffer {
  const o = resolved(opts);
  return rtpPcap(
    plan(digits, opts).packets.map((p) => {
      // telephone-event payload (RFC 4733 section 2.3): event, E|R|volume, duration
      const payload = Buffer.alloc(4);
      payload[0] = p.event;
      payload[1] = (p.end ? 0x80 : 0) | o.volume;
      payload.writeUInt16BE(p.duration, 2);
      return { atMs: p.atMs, payloadType: o.payloadType, marker: p.marker, seq: p.seq, timestamp: p.timestamp, ssrc: o.ssrc, payload };
    }),
  );
}

/**
 * Writes buildDtmfPcap(digits, opts) to `dir` (default: a new directory in
 * os.tmpdir(), which the caller removes) and returns the file's absolute path.
 */
export async function writeDtmfPcap(digits: string, opts: DtmfOptions = {}, dir?: string): Promise<string> {
  const pcap = buildDtmfPcap(digits, opts);
  const target = dir ?? (await mkdtemp(path.join(tmpdir(), 'dtmf-')));
  const file = path.resolve(target, 'dtmf.pcap');
  await writeFile(file, pcap);
  return file;
}
