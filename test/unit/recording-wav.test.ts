// The length of a recording from its WAV header (src/recordings/wav.ts): finished files,
// files MixMonitor never finished, extra chunks, and what is not a WAV.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wavInfo, WavError } from '../../src/recordings/wav.ts';

/** A PCM WAV header + data as format_wav writes it: 8 kHz mono 16-bit; `declared` overrides the data size. */
function wav(dataBytes: number, opts: { declared?: number; rate?: number; extra?: Buffer } = {}): Buffer {
  const rate = opts.rate ?? 8000;
  const extra = opts.extra ?? Buffer.alloc(0);
  const b = Buffer.alloc(44 + extra.length + dataBytes);
  b.write('RIFF', 0, 'latin1');
  b.writeUInt32LE(36 + extra.length + dataBytes, 4);
  b.write('WAVE', 8, 'latin1');
  b.write('fmt ', 12, 'latin1');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate * 2, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  extra.copy(b, 36);
  const d = 36 + extra.length;
  b.write('data', d, 'latin1');
  b.writeUInt32LE(opts.declared ?? dataBytes, d + 4);
  return b;
}

test('a finished recording: duration from the data size and the byte rate', () => {
  const file = wav(64_000); // 4 s at 16 000 bytes/s
  const info = wavInfo(file.subarray(0, 4096), file.length);
  assert.equal(info.durationMs, 4000);
  assert.equal(info.sampleRate, 8000);
  assert.equal(info.channels, 1);
  assert.equal(info.bitsPerSample, 16);
  assert.equal(info.dataOffset, 44);
  assert.equal(wavInfo(wav(16_000, { rate: 16000 }), 44 + 16_000).durationMs, 500, 'wideband: 32 000 bytes/s');
});

test('an unfinished file (sizes never written) counts what the file holds', () => {
  assert.equal(wavInfo(wav(24_000, { declared: 0 }), 44 + 24_000).durationMs, 1500);
  assert.equal(wavInfo(wav(24_000, { declared: 0xffffffff }), 44 + 24_000).durationMs, 1500);
  // A declared size past the end of the file: only what is there.
  assert.equal(wavInfo(wav(8_000, { declared: 80_000 }), 44 + 8_000).durationMs, 500);
  // An empty recording.
  assert.equal(wavInfo(wav(0), 44).durationMs, 0);
});

test('chunks before the data (LIST, odd sizes padded) are skipped', () => {
  const list = Buffer.alloc(8 + 5 + 1);
  list.write('LIST', 0, 'latin1');
  list.writeUInt32LE(5, 4);
  const file = wav(32_000, { extra: list });
  const info = wavInfo(file, file.length);
  assert.equal(info.dataOffset, 44 + list.length);
  assert.equal(info.durationMs, 2000);
});

test('what is not a WAV, or has no data chunk in its header, is refused', () => {
  assert.throws(() => wavInfo(Buffer.from('this is not audio at all'), 24), WavError);
  assert.throws(() => wavInfo(wav(100).subarray(0, 30), 144), WavError);
  const noData = wav(0).subarray(0, 36);
  assert.throws(() => wavInfo(noData, 36), /no data chunk/);
});
