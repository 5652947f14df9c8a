import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { buildDtmfPcap, dtmfEventCode, dtmfTiming, writeDtmfPcap } from '../lib/dtmf.ts';

interface Parsed {
  magic: number;
  version: string;
  snaplen: number;
  linktype: number;
  packets: Packet[];
}

interface Packet {
  /** Record time, microseconds. */
  us: number;
  etherType: number;
  ipProto: number;
  ipChecksumOk: boolean;
  udpChecksumOk: boolean;
  dport: number;
  udpLen: number;
  rtpVersion: number;
  marker: boolean;
  payloadType: number;
  seq: number;
  timestamp: number;
  ssrc: number;
  event: number;
  end: boolean;
  volume: number;
  duration: number;
}

function onesSum(b: Buffer): number {
  let s = 0;
  for (let i = 0; i < b.length; i += 2) s += (b[i]! << 8) | (b[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** Reads the file the way libpcap and SIPp's prepare_pcap.c do. */
function parsePcap(buf: Buffer): Parsed {
  const out: Parsed = {
    magic: buf.readUInt32LE(0),
    version: `${buf.readUInt16LE(4)}.${buf.readUInt16LE(6)}`,
    snaplen: buf.readUInt32LE(16),
    linktype: buf.readUInt32LE(20),
    packets: [],
  };
  let off = 24;
  while (off < buf.length) {
    const sec = buf.readUInt32LE(off);
    const usec = buf.readUInt32LE(off + 4);
    const incl = buf.readUInt32LE(off + 8);
    const orig = buf.readUInt32LE(off + 12);
    assert.equal(incl, orig, 'no truncated packets (SIPp refuses them)');
    const f = buf.subarray(off + 16, off + 16 + incl);
    assert.equal(f.length, incl, 'record fits in the file');
    off += 16 + incl;
    const ip = f.subarray(14, 34);
    const ihl = (ip[0]! & 0x0f) * 4;
    const udp = f.subarray(14 + ihl);
    const udpLen = udp.readUInt16BE(4);
    const pseudo = Buffer.concat([ip.subarray(12, 20), Buffer.from([0, 17]), Buffer.from([udpLen >> 8, udpLen & 0xff])]);
    const rtp = udp.subarray(8);
    out.packets.push({
      us: sec * 1_000_000 + usec,
      etherType: f.readUInt16BE(12),
      ipProto: ip[9]!,
      ipChecksumOk: onesSum(ip) === 0xffff && ip.readUInt16BE(2) === f.length - 14,
      udpChecksumOk: onesSum(Buffer.concat([pseudo, udp.subarray(0, udpLen)])) === 0xffff,
      dport: udp.readUInt16BE(2),
      udpLen,
      rtpVersion: rtp[0]! >> 6,
      marker: (rtp[1]! & 0x80) !== 0,
      payloadType: rtp[1]! & 0x7f,
      seq: rtp.readUInt16BE(2),
      timestamp: rtp.readUInt32BE(4),
      ssrc: rtp.readUInt32BE(8),
      event: rtp[12]!,
      end: (rtp[13]! & 0x80) !== 0,
      volume: rtp[13]! & 0x3f,
      duration: rtp.readUInt16BE(14),
    });
  }
  return out;
}

/** Packets grouped by RTP timestamp: one group per event. */
function events(packets: Packet[]): Packet[][] {
  const groups: Packet[][] = [];
  for (const p of packets) {
    const g = groups.at(-1);
    if (g && g[0]!.timestamp === p.timestamp) g.push(p);
    else groups.push([p]);
  }
  return groups;
}

describe('buildDtmfPcap', () => {
  it('writes a libpcap file of Ethernet/IPv4/UDP/RTP frames', () => {
    const pcap = parsePcap(buildDtmfPcap('1'));
    assert.equal(pcap.magic, 0xa1b2c3d4, 'little-endian, microsecond timestamps');
    assert.equal(pcap.version, '2.4');
    assert.equal(pcap.linktype, 1, 'LINKTYPE_ETHERNET');
    assert.ok(pcap.snaplen >= 58);
    for (const p of pcap.packets) {
      assert.equal(p.etherType, 0x0800);
      assert.equal(p.ipProto, 17);
      assert.ok(p.ipChecksumOk, 'IPv4 header checksum and total length');
      assert.ok(p.udpChecksumOk, 'UDP checksum');
      assert.equal(p.udpLen, 8 + 12 + 4);
      assert.equal(p.rtpVersion, 2);
    }
    // SIPp maps each packet's destination port relative to the lowest one: one stream, one port.
    assert.equal(new Set(pcap.packets.map((p) => p.dport)).size, 1);
  });

  it('by default the end packet goes out once (SIPp replay would turn repeats into new key presses)', () => {
    const { packets } = parsePcap(buildDtmfPcap('5'));
    assert.deepEqual(packets.map((p) => p.end), [false, false, false, false, false, false, false, true]);
  });

  it('one digit: 160 ms of 20 ms updates, the end packet three times when asked', () => {
    const { packets } = parsePcap(buildDtmfPcap('5', { endRepeats: 3 }));
    assert.equal(packets.length, 7 + 3);
    assert.deepEqual(packets.map((p) => p.duration), [160, 320, 480, 640, 800, 960, 1120, 1280, 1280, 1280]);
    assert.deepEqual(packets.map((p) => p.end), [false, false, false, false, false, false, false, true, true, true]);
    assert.deepEqual(packets.map((p) => p.marker), [true, false, false, false, false, false, false, false, false, false]);
    assert.ok(packets.every((p) => p.event === 5 && p.payloadType === 101 && p.volume === 10));
    assert.equal(new Set(packets.map((p) => p.timestamp)).size, 1, 'one event, one RTP timestamp');
    assert.deepEqual(packets.map((p) => p.us / 1000), [0, 20, 40, 60, 80, 100, 120, 140, 160, 180]);
  });

  it('maps 0-9 * # A-D to events 0-15, in order', () => {
    const { packets } = parsePcap(buildDtmfPcap('0123456789*#ABCD', { endRepeats: 3 }));
    const evs = events(packets);
    assert.deepEqual(evs.map((g) => g[0]!.event), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    for (const g of evs) {
      assert.ok(g.every((p) => p.event === g[0]!.event), 'one event code per timestamp');
      assert.deepEqual(g.map((p) => p.end).slice(-4), [false, true, true, true], 'end bit on the last 3 packets only');
      assert.ok(g.slice(0, -3).every((p) => !p.end));
      assert.equal(g.filter((p) => p.marker).length, 1);
      assert.ok(g[0]!.marker, 'marker on the first packet of an event');
      for (let i = 1; i < g.length; i++) assert.ok(g[i]!.duration >= g[i - 1]!.duration, 'duration never shrinks');
    }
    assert.equal(dtmfEventCode('a'), 12);
    assert.equal(dtmfEventCode('#'), 11);
    assert.equal(dtmfEventCode('*'), 10);
  });

  it('"*61#": sequence numbers consecutive, one SSRC, timestamps one tone + gap apart', () => {
    const { packets } = parsePcap(buildDtmfPcap('*61#'));
    assert.equal(packets.length, 4 * 8, '7 updates + 1 end packet per digit');
    for (let i = 1; i < packets.length; i++) assert.equal(packets[i]!.seq, (packets[i - 1]!.seq + 1) & 0xffff);
    assert.equal(new Set(packets.map((p) => p.ssrc)).size, 1);
    const evs = events(packets);
    assert.deepEqual(evs.map((g) => g[0]!.event), [10, 6, 1, 11]);
    for (let i = 1; i < evs.length; i++) {
      // 160 ms tone + 240 ms gap = 400 ms = 3200 samples at 8 kHz; the pcap clock agrees.
      assert.equal(evs[i]![0]!.timestamp - evs[i - 1]![0]!.timestamp, 3200);
      assert.equal(evs[i]![0]!.us - evs[i - 1]![0]!.us, 400_000);
      assert.ok(evs[i]![0]!.us > evs[i - 1]!.at(-1)!.us, 'the end packet precedes the next digit');
    }
    for (let i = 1; i < packets.length; i++) assert.ok(packets[i]!.us > packets[i - 1]!.us, 'pcap times increase');
  });

  it('end repeats stay within the gap, even the shortest one allowed', () => {
    // 3 end packets 20 ms apart: the last leaves 40 ms after the tone; gapMs 41 is the minimum.
    const { packets } = parsePcap(buildDtmfPcap('*61#', { endRepeats: 3, gapMs: 41 }));
    assert.equal(packets.length, 4 * 10);
    for (let i = 1; i < packets.length; i++) assert.equal(packets[i]!.seq, (packets[i - 1]!.seq + 1) & 0xffff);
    const evs = events(packets);
    assert.deepEqual(evs.map((g) => g[0]!.event), [10, 6, 1, 11]);
    for (let i = 1; i < evs.length; i++) {
      assert.equal(evs[i]![0]!.timestamp - evs[i - 1]![0]!.timestamp, (160 + 41) * 8);
      assert.equal(evs[i - 1]!.at(-1)!.us, evs[i - 1]![0]!.us + 180_000, 'last end repeat: tone end + 2 intervals');
      assert.equal(evs[i]![0]!.us - evs[i - 1]!.at(-1)!.us, 21_000, 'end repeats precede the next digit');
    }
    for (let i = 1; i < packets.length; i++) assert.ok(packets[i]!.us > packets[i - 1]!.us, 'pcap times increase');
  });

  it('a comma adds pauseMs between digits', () => {
    const plain = events(parsePcap(buildDtmfPcap('22')).packets);
    const paused = events(parsePcap(buildDtmfPcap('2,2')).packets);
    const twice = events(parsePcap(buildDtmfPcap('2,,2', { pauseMs: 500 })).packets);
    const gap = (e: Packet[][]) => e[1]![0]!.timestamp - e[0]![0]!.timestamp;
    assert.equal(gap(paused) - gap(plain), 8000, '1 s = 8000 samples');
    assert.equal(gap(twice) - gap(plain), 8000, 'two commas of 500 ms');
    assert.equal(paused[1]![0]!.us - paused[0]![0]!.us, 1_400_000);
  });

  it('leading and trailing commas are timing only (the pcap starts with the first digit)', () => {
    const a = buildDtmfPcap('7');
    assert.deepEqual(buildDtmfPcap(',7,'), a);
    assert.deepEqual(buildDtmfPcap(' 7 '), a, 'spaces ignored');
    // Packets at 0..140 ms, played until one interval after the last.
    assert.deepEqual(dtmfTiming('7'), { leadMs: 0, playMs: 160, totalMs: 160 });
    assert.deepEqual(dtmfTiming(',7,,'), { leadMs: 1000, playMs: 160, totalMs: 3160 });
    // Second digit at 160 + 240 + 1000 = 1400 ms, its end packet at 1540 ms.
    assert.deepEqual(dtmfTiming('7,7'), { leadMs: 0, playMs: 1560, totalMs: 1560 });
    // Two more end packets: the play time grows by two intervals.
    assert.deepEqual(dtmfTiming('7', { endRepeats: 3 }), { leadMs: 0, playMs: 200, totalMs: 200 });
    assert.deepEqual(dtmfTiming('7,7', { endRepeats: 3 }), { leadMs: 0, playMs: 1600, totalMs: 1600 });
  });

  it('options: payload type, tone and gap length, volume, RTP start values', () => {
    const { packets } = parsePcap(buildDtmfPcap('9#', {
      payloadType: 96, toneMs: 100, gapMs: 60, volume: 20, ssrc: 0xdeadbeef, firstSeq: 0xfffe, firstTimestamp: 0xffffff00, endRepeats: 3,
    }));
    assert.ok(packets.every((p) => p.payloadType === 96 && p.volume === 20 && p.ssrc === 0xdeadbeef));
    const evs = events(packets);
    assert.equal(evs.length, 2);
    assert.equal(evs[0]!.length, 4 + 3);
    assert.equal(evs[0]!.at(-1)!.duration, 800);
    assert.equal(packets[0]!.seq, 0xfffe);
    assert.equal(packets[2]!.seq, 0, 'sequence number wraps');
    assert.equal(evs[1]![0]!.timestamp, (0xffffff00 + 160 * 8) >>> 0, 'timestamp wraps');
    // A tone that is not a multiple of the interval ends on its exact duration.
    const odd = parsePcap(buildDtmfPcap('1', { toneMs: 90 })).packets;
    assert.deepEqual(odd.map((p) => p.duration), [160, 320, 480, 640, 720]);
    assert.deepEqual(odd.map((p) => p.end), [false, false, false, false, true]);
  });

  it('is deterministic', () => {
    assert.deepEqual(buildDtmfPcap('201#'), buildDtmfPcap('201#'));
  });

  it('rejects what it cannot send', () => {
    assert.throws(() => buildDtmfPcap('12x'), /'x' is not a DTMF key/);
    assert.throws(() => buildDtmfPcap(''), /no keys/);
    assert.throws(() => buildDtmfPcap(',,'), /no keys/);
    assert.throws(() => buildDtmfPcap('1', { gapMs: 0 }), /gapMs/, 'the end packet would collide with the next digit');
    assert.doesNotThrow(() => buildDtmfPcap('1', { gapMs: 1 }), 'one end packet: any positive gap');
    // gapMs must exceed (endRepeats - 1) * intervalMs: the end repeats fall in the gap.
    assert.throws(() => buildDtmfPcap('1', { endRepeats: 3, gapMs: 40 }), /gapMs/, 'the end repeats would overlap the next digit');
    assert.doesNotThrow(() => buildDtmfPcap('1', { endRepeats: 3, gapMs: 41 }));
    assert.throws(() => buildDtmfPcap('1', { endRepeats: 5, intervalMs: 10, gapMs: 40 }), /gapMs/);
    assert.doesNotThrow(() => buildDtmfPcap('1', { endRepeats: 5, intervalMs: 10, gapMs: 41 }));
    assert.throws(() => buildDtmfPcap('1', { endRepeats: 0 }), /endRepeats/);
    assert.throws(() => buildDtmfPcap('1', { endRepeats: 6 }), /endRepeats/);
    assert.throws(() => dtmfTiming('1', { endRepeats: 1.5 }), /endRepeats/);
    assert.equal(parsePcap(buildDtmfPcap('1', { endRepeats: 5 })).packets.filter((p) => p.end).length, 5);
    assert.throws(() => buildDtmfPcap('1', { toneMs: 10 }), /toneMs/);
    assert.throws(() => buildDtmfPcap('1', { payloadType: 8 }), /payloadType/, 'dynamic payload types only');
    assert.throws(() => dtmfTiming('1', { toneMs: 9000 }), /toneMs/, '16-bit duration');
  });
});

describe('writeDtmfPcap', () => {
  it('writes the pcap and returns its absolute path', async () => {
    const file = await writeDtmfPcap('*61#', { gapMs: 100 });
    try {
      assert.ok(path.isAbsolute(file));
      assert.deepEqual(await readFile(file), buildDtmfPcap('*61#', { gapMs: 100 }));
    } finally {
      await rm(path.dirname(file), { recursive: true, force: true });
    }
  });
});
