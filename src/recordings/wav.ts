// The length of a WAV recording from its header, without decoding it. Pure: the caller reads
// the first bytes of the file (WAV_HEADER_BYTES is plenty) and passes the file's size.
//
// A file MixMonitor did not finish (Asterisk stopped mid-call) has the sizes of its header
// still at their placeholder values; the audio is then what the file holds after the header,
// so the length comes from the file size. A data size larger than the file is cut the same way.

export const WAV_HEADER_BYTES = 4096;

export class WavError extends Error {}

export interface WavInfo {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** Bytes of audio per second (fmt byte rate). */
  byteRate: number;
  /** Where the audio starts in the file. */
  dataOffset: number;
  /** Bytes of audio (as held by the file). */
  dataBytes: number;
  durationMs: number;
}

const ascii = (b: Uint8Array, at: number) => String.fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!);

export function wavInfo(header: Uint8Array, fileSize: number): WavInfo {
  if (header.length < 12 || ascii(header, 0) !== 'RIFF' || ascii(header, 8) !== 'WAVE') throw new WavError('not a WAV file');
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  let fmt: { sampleRate: number; channels: number; bitsPerSample: number; byteRate: number } | undefined;
  let at = 12;
  while (at + 8 <= header.length) {
    const id = ascii(header, at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > header.length) throw new WavError('truncated fmt chunk');
      fmt = {
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        byteRate: view.getUint32(body + 8, true),
        bitsPerSample: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      if (!fmt) throw new WavError('data before fmt');
      if (fmt.byteRate === 0) throw new WavError('byte rate 0');
      const held = Math.max(0, fileSize - body);
      // 0 and 0xffffffff: sizes never written (an unfinished file).
      const declared = size === 0 || size === 0xffffffff ? held : size;
      const dataBytes = Math.min(declared, held);
      return { ...fmt, dataOffset: body, dataBytes, durationMs: Math.round((dataBytes * 1000) / fmt.byteRate) };
    }
    // Chunks are padded to an even size.
    at = body + size + (size % 2);
  }
  throw new WavError('no data chunk in the header');
}
