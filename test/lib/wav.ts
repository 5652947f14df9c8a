// WAV files for the tests of stored audio: 8 kHz mono 16-bit PCM, as the box stores it.

/**
 * A PCM WAV of `seconds` with every byte of the audio data `fill` (0: silence); `declared`
 * overrides the data size written in the header (a truncated or streamed file).
 */
export function pcmWav(seconds: number, opts: { declared?: number; fill?: number } = {}): Buffer {
  const data = Math.round(seconds * 16000);
  const declared = opts.declared ?? data;
  const b = Buffer.alloc(44 + data, opts.fill ?? 0);
  b.write('RIFF', 0, 'latin1');
  b.writeUInt32LE(Math.min(36 + declared, 0xffffffff), 4);
  b.write('WAVE', 8, 'latin1');
  b.write('fmt ', 12, 'latin1');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(8000, 24);
  b.writeUInt32LE(16000, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36, 'latin1');
  b.writeUInt32LE(declared, 40);
  return b;
}
