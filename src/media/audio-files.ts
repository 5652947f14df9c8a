// Uploaded audio as the media stores keep it (prompt-store.ts, moh-store.ts, voicemail-store.ts):
// checking and converting an upload, and the files on disk that Asterisk reads. Uploads are
// converted with sox, run without a shell on files in a private temp directory; the stores
// build file names only from validated names, never from user text.
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UnavailableError, ValidationError } from '../domain/errors.ts';
import type { WriteOptions } from '../lib/atomic-write.ts';

const RATE = 8000;
const BYTES_PER_SECOND = RATE * 2;
/** sox gets this long at most per conversion; a 20 MB MP3 decodes in a few seconds. */
const SOX_TIMEOUT_MS = 120_000;

type AudioKind = 'wav' | 'mp3';

/** What the bytes are, by their magic numbers: a RIFF/WAVE file, an MP3 (ID3 tag or MPEG frame sync), or neither. */
export function sniffAudio(data: Uint8Array): AudioKind | undefined {
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WAVE') return 'wav';
  if (b.length >= 10 && b.toString('latin1', 0, 3) === 'ID3') return 'mp3';
  // MPEG audio frame header: 11 sync bits, a version other than "reserved" (01), a layer other than "reserved" (00).
  if (b.length >= 4 && b[0] === 0xff && (b[1]! & 0xe0) === 0xe0 && ((b[1]! >> 3) & 3) !== 1 && ((b[1]! >> 1) & 3) !== 0) return 'mp3';
  return undefined;
}

/**
 * Why a RIFF/WAVE file is broken, or undefined when its chunks fit in the bytes there are.
 * sox reads a truncated WAV with only a warning; a recording cut short in the upload must be
 * refused instead. Streamed WAVs that did not know their length (sizes 0 or 0xFFFFFFFF in the
 * data chunk) are accepted as long as the data runs to the end.
 */
export function wavProblem(data: Uint8Array): string | undefined {
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (sniffAudio(b) !== 'wav') return 'not a RIFF/WAVE file';
  let off = 12;
  let fmt = false;
  while (off + 8 <= b.length) {
    const id = b.toString('latin1', off, off + 4);
    const size = b.readUInt32LE(off + 4);
    if (id === 'fmt ') fmt = true;
    if (id === 'data') {
      if (!fmt) return 'the data chunk comes before the format chunk';
      if (size === 0 || size === 0xffffffff) return b.length > off + 8 ? undefined : 'no audio data';
      if (off + 8 + size > b.length) return `the file is truncated: the audio data should be ${size} bytes, ${b.length - off - 8} are there`;
      return undefined;
    }
    if (off + 8 + size > b.length) return `the file is truncated inside its "${id.replace(/[^\x20-\x7e]/g, '?')}" chunk`;
    off += 8 + size + (size & 1);
  }
  return fmt ? 'the file has no audio data chunk' : 'the file has no format chunk';
}

/** Duration of a stored prompt from its header: data bytes / (8000 Hz × 2 bytes). */
export function storedWavSeconds(header: Uint8Array, fileBytes: number): number {
  const b = Buffer.from(header.buffer, header.byteOffset, header.byteLength);
  let off = 12;
  while (off + 8 <= b.length) {
    const id = b.toString('latin1', off, off + 4);
    const size = b.readUInt32LE(off + 4);
    if (id === 'data') return round(Math.min(size, Math.max(fileBytes - off - 8, 0)) / BYTES_PER_SECOND);
    off += 8 + size + (size & 1);
  }
  return round(Math.max(fileBytes - 44, 0) / BYTES_PER_SECOND);
}

const round = (s: number) => Math.round(s * 1000) / 1000;

const refused = (message: string) => new ValidationError(message, [{ path: ['audio'], message }]);

function run(cmd: string, args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: SOX_TIMEOUT_MS, maxBuffer: 1024 * 1024, windowsHide: true }, (err, _stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new UnavailableError(`${cmd} is not installed: the box cannot convert audio`));
        return;
      }
      if (err && (err as { killed?: boolean }).killed) {
        reject(refused('the audio took too long to convert'));
        return;
      }
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stderr: String(stderr) });
    });
  });
}

/** What Asterisk plays without transcoding for the phones' codecs (format_wav, format_pcm). */
export type StoredAudioFormat = 'wav' | 'ulaw' | 'alaw';
/** sox output options per stored format, all 8 kHz mono: 16-bit PCM WAV, raw G.711 µ-law and A-law. */
const SOX_OUTPUT: Record<StoredAudioFormat, string[]> = {
  wav: ['-b', '16', '-e', 'signed-integer', '-t', 'wav'],
  ulaw: ['-e', 'u-law', '-t', 'ul'],
  alaw: ['-e', 'a-law', '-t', 'al'],
};

export interface AudioConversion {
  /** Largest upload accepted, in bytes. */
  maxBytes: number;
  /** Longest recording accepted, in seconds. */
  maxSeconds: number;
  /** The sox binary. */
  sox: string;
  /** Where the private temp directory of the conversion goes. */
  tmpDir: string;
}

/**
 * Checks an uploaded WAV or MP3 and converts it to 8 kHz mono in each of `formats`. Refuses
 * (ValidationError on `audio`) what is empty, too large, not audio, broken, empty of sound or
 * too long. sox runs without a shell on files in a private temp directory, removed afterwards.
 */
export async function convertUpload<F extends StoredAudioFormat>(
  data: Uint8Array,
  formats: readonly F[],
  opts: AudioConversion,
): Promise<{ seconds: number; files: Record<F, Buffer> }> {
  if (data.byteLength === 0) throw refused('the file is empty');
  if (data.byteLength > opts.maxBytes) throw refused(`the file is larger than ${opts.maxBytes / 1024 / 1024} MB`);
  const kind = sniffAudio(data);
  if (!kind) throw refused('not an audio file: send a WAV or MP3 recording');
  if (kind === 'wav') {
    const problem = wavProblem(data);
    if (problem) throw refused(`not a valid WAV file: ${problem}`);
  }
  const work = mkdtempSync(join(opts.tmpDir, 'pbx-audio-'));
  try {
    const input = join(work, `input.${kind}`);
    const output = join(work, 'output.wav');
    writeFileSync(input, data, { mode: 0o600 });
    // Longer input than the limit is cut a little past it, so an overlong upload is seen
    // (and refused) without decoding all of it.
    const args = [
      '-V2', '-t', kind, '--no-glob', input,
      '-r', String(RATE), '-c', '1', ...SOX_OUTPUT.wav, '--no-glob', output,
      'trim', '0', String(opts.maxSeconds + 0.5),
    ];
    const { code, stderr } = await run(opts.sox, args);
    const reason = stderr
      .split('\n')
      .map((l) => l.split(work).join('').replace(/^sox (FAIL|WARN) /, '').trim())
      .filter(Boolean);
    if (code !== 0) throw refused(`not audio the box can read (WAV or MP3)${reason.length ? `: ${reason.at(-1)}` : ''}`);
    // A file cut short in the upload decodes with only this warning: refused, not half-played.
    if (/premature EOF/i.test(stderr)) throw refused('the file is truncated (it ends before its audio does)');
    const wav = readFileSync(output);
    const seconds = storedWavSeconds(wav.subarray(0, 4096), wav.length);
    if (seconds <= 0) throw refused('the recording is empty');
    if (seconds > opts.maxSeconds) {
      throw refused(`the recording is longer than ${opts.maxSeconds % 60 === 0 ? `${opts.maxSeconds / 60} minutes` : `${opts.maxSeconds} seconds`}`);
    }
    const files = {} as Record<F, Buffer>;
    for (const f of formats) {
      if (f === 'wav') {
        files[f] = wav;
        continue;
      }
      const out = join(work, `output.${f}`);
      const r = await run(opts.sox, ['-V2', '-t', 'wav', '--no-glob', output, '-r', String(RATE), '-c', '1', ...SOX_OUTPUT[f], '--no-glob', out]);
      // Our own WAV failing to convert is the box's fault, not the upload's.
      if (r.code !== 0) throw new UnavailableError(`the box could not convert audio to ${f}: ${r.stderr.split(work).join('').trim()}`);
      files[f] = readFileSync(out);
    }
    return { seconds, files };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The asterisk user (chroot: its ids inside the rootfs), when known. */
export interface AudioOwner {
  uid: number;
  gid: number;
}

/**
 * Creates a folder of stored audio (and its parents) that Asterisk, as the asterisk user, can
 * list: root:<its group> 0750, or 0755 without a known owner.
 */
export function ensureAudioDir(path: string, owner: AudioOwner | undefined): void {
  if (!existsSync(path)) mkdirSync(path, { recursive: true });
  chmodSync(path, owner ? 0o750 : 0o755);
  if (owner) chownSync(path, 0, owner.gid);
}

/**
 * How a stored audio file is written (writeFileAtomic): readable by Asterisk, root:<its group>
 * 0640, or 0644 without a known owner. `asteriskOwns`: the asterisk user owns it instead of root
 * (a file Asterisk itself replaces, such as a greeting re-recorded from the phone).
 */
export function audioFileOptions(owner: AudioOwner | undefined, asteriskOwns = false): WriteOptions {
  return owner ? { mode: 0o640, uid: asteriskOwns ? owner.uid : 0, gid: owner.gid } : { mode: 0o644 };
}

/** Duration (from the header) and size of a stored WAV; undefined when there is no such file. */
export function readStoredWav(file: string): { durationSeconds: number; bytes: number } | undefined {
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) return undefined;
    size = st.size;
  } catch {
    return undefined;
  }
  const header = Buffer.alloc(Math.min(size, 4096));
  const fd = openSync(file, 'r');
  try {
    readSync(fd, header, 0, header.length, 0);
  } finally {
    closeSync(fd);
  }
  return { durationSeconds: storedWavSeconds(header, size), bytes: size };
}

/**
 * Runs the changes of one key (a file, a folder) one after the other, those of different keys
 * side by side: changes of a key share its staging names and counts. A failed change does not
 * stop the ones queued after it.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}
