// The audio of uploaded prompts, on disk where the dialplan plays it from:
//   <dir>/<language>/<prompt name>.wav   8000 Hz, mono, 16-bit signed PCM WAV
// (<dir> is the instance directory's sounds/, which Asterisk sees under the mount point).
// Uploads are converted by audio-files.ts's convertUpload; file names are built only from a
// validated prompt name and language, never from user text.
// A stored file is replaced atomically: Asterisk plays the old recording or the new one.
import { createReadStream, existsSync, readdirSync, rmSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { identifier, language } from '../domain/model.ts';
import { NotFoundError, ValidationError } from '../domain/errors.ts';
import { fsyncDir, writeFileAtomic } from '../lib/atomic-write.ts';
import { KeyedQueue, audioFileOptions, convertUpload, ensureAudioDir, readStoredWav, type AudioOwner } from './audio-files.ts';

export type PromptLanguage = (typeof language.options)[number];
export const PROMPT_LANGUAGES: readonly PromptLanguage[] = language.options;

/** Largest upload accepted (the API refuses larger bodies before reading them). */
export const PROMPT_AUDIO_MAX_BYTES = 20 * 1024 * 1024;
/** Longest recording accepted, in seconds. */
export const PROMPT_AUDIO_MAX_SECONDS = 600;

export interface PromptAudio {
  language: PromptLanguage;
  durationSeconds: number;
  /** Size of the stored WAV file. */
  bytes: number;
}

export interface PromptStoreOptions {
  /** The sounds directory (one subdirectory per language). */
  dir: string;
  /** The asterisk user (chroot: its ids inside the rootfs): files are root:<its group>, 0640. Absent: world-readable. */
  owner?: AudioOwner;
  /** Where the private temp directories of conversions go (default: the OS temp dir). */
  tmpDir?: string;
  /** The sox binary (default: sox on PATH). */
  sox?: string;
}

export class PromptStore {
  private readonly dir: string;
  private readonly owner: AudioOwner | undefined;
  private readonly tmpDir: string;
  private readonly sox: string;
  /** Writes of one file run one after the other (they share its `.new` name). */
  private readonly queue = new KeyedQueue();
  /** Largest upload `store` takes. */
  readonly maxBytes = PROMPT_AUDIO_MAX_BYTES;

  constructor(options: PromptStoreOptions) {
    this.dir = options.dir;
    this.owner = options.owner;
    this.tmpDir = options.tmpDir ?? tmpdir();
    this.sox = options.sox ?? 'sox';
  }

  /** Where the audio of a prompt in a language lives on the host. */
  path(name: string, lang: PromptLanguage): string {
    return join(this.dir, checkLanguage(lang), `${checkName(name)}.wav`);
  }

  /**
   * Converts an uploaded WAV or MP3 and stores it as the prompt's audio in that language,
   * replacing what was there. Refuses (ValidationError on `audio`) what is not audio, is
   * broken, too large or too long; then nothing is stored.
   */
  async store(name: string, lang: PromptLanguage, data: Uint8Array): Promise<PromptAudio> {
    const target = this.path(name, lang);
    const { seconds, files } = await convertUpload(data, ['wav'], {
      maxBytes: PROMPT_AUDIO_MAX_BYTES,
      maxSeconds: PROMPT_AUDIO_MAX_SECONDS,
      sox: this.sox,
      tmpDir: this.tmpDir,
    });
    const converted = files.wav;
    await this.queue.run(target, async () => {
      ensureAudioDir(this.dir, this.owner);
      ensureAudioDir(join(this.dir, lang), this.owner);
      writeFileAtomic(target, converted, audioFileOptions(this.owner));
    });
    return { language: lang, durationSeconds: seconds, bytes: converted.length };
  }

  /** The languages the prompt has audio in, in the order of the model's languages. */
  list(name: string): PromptAudio[] {
    checkName(name);
    const out: PromptAudio[] = [];
    for (const lang of PROMPT_LANGUAGES) {
      const info = this.info(name, lang);
      if (info) out.push(info);
    }
    return out;
  }

  private info(name: string, lang: PromptLanguage): PromptAudio | undefined {
    const stored = readStoredWav(this.path(name, lang));
    return stored && { language: lang, ...stored };
  }

  /** The stored WAV to stream back (for listening); NotFoundError when there is none. */
  open(name: string, lang: PromptLanguage): { stream: Readable; bytes: number } {
    const info = this.info(name, lang);
    if (!info) throw new NotFoundError(`prompt ${name} has no audio in ${lang}`);
    return { stream: createReadStream(this.path(name, lang)), bytes: info.bytes };
  }

  /** Removes the audio of one language; NotFoundError when there is none. */
  async remove(name: string, lang: PromptLanguage): Promise<void> {
    const file = this.path(name, lang);
    await this.queue.run(file, async () => {
      if (!this.info(name, lang)) throw new NotFoundError(`prompt ${name} has no audio in ${lang}`);
      rmSync(file, { force: true });
      fsyncDir(join(this.dir, lang));
    });
  }

  /** Removes the audio of every language (the prompt was deleted); returns the languages removed. */
  async removeAll(name: string): Promise<PromptLanguage[]> {
    const removed: PromptLanguage[] = [];
    for (const lang of PROMPT_LANGUAGES) {
      const file = this.path(name, lang);
      await this.queue.run(file, async () => {
        if (!existsSync(file)) return;
        rmSync(file, { force: true });
        removed.push(lang);
      });
    }
    return removed;
  }

  /**
   * Removes audio whose prompt is not in `keep` (deleted while the daemon was down, or by a
   * whole-configuration replace) and `.new` files a crash left behind. Returns what it removed,
   * as language/file names.
   */
  sweep(keep: ReadonlySet<string>): string[] {
    const removed: string[] = [];
    if (!existsSync(this.dir)) return removed;
    for (const lang of PROMPT_LANGUAGES) {
      const dir = join(this.dir, lang);
      if (!existsSync(dir)) continue;
      for (const file of readdirSync(dir)) {
        const m = /^(.*)\.wav$/.exec(file);
        const stale = file.endsWith('.wav.new') || (m && identifier.safeParse(m[1]).success && !keep.has(m[1]!));
        if (stale) {
          rmSync(join(dir, file), { force: true });
          removed.push(`${lang}/${file}`);
        }
      }
    }
    return removed;
  }

}

function checkName(name: string): string {
  // The name becomes a file name: only what the model accepts as a prompt name.
  if (!identifier.safeParse(name).success) throw new ValidationError('not a prompt name', [{ path: ['name'], message: 'not a prompt name' }]);
  return name;
}

function checkLanguage(lang: string): PromptLanguage {
  if (!(PROMPT_LANGUAGES as readonly string[]).includes(lang))
    throw new ValidationError(`unknown language ${lang}`, [{ path: ['language'], message: `one of ${PROMPT_LANGUAGES.join(', ')}` }]);
  return lang as PromptLanguage;
}
