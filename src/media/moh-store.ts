// The files of the music classes, on disk where Asterisk plays them from:
//   <dir>/<class>/<file>.ulaw, .alaw, .wav   8 kHz mono: raw G.711 µ-law and A-law, 16-bit PCM
// (<dir> is the instance directory's moh/, which musiconhold.conf names for each class). One
// upload becomes the three formats, so a call in either G.711 codec plays its file without
// transcoding (Asterisk opens the cheapest format of the name); the WAV serves the others and
// listening. Uploads are checked and converted by audio-files.ts's convertUpload; file names
// are built only from a validated class and file name. After a change res_musiconhold is
// reloaded (the `reload` hook), so the music plays without an apply. Asterisk does not load a
// class whose folder is empty, and a reload of an unchanged musiconhold.conf only rescans the
// classes it loaded: the file's time is touched first (`configFile`), so the reload reads it
// again and a class that just got its first file is loaded.
import { createReadStream, existsSync, readdirSync, renameSync, rmSync, statSync, utimesSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { identifier } from '../domain/model.ts';
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors.ts';
import { fsyncDir, writeFileAtomic } from '../lib/atomic-write.ts';
import { KeyedQueue, audioFileOptions, convertUpload, ensureAudioDir, readStoredWav, type AudioOwner, type StoredAudioFormat } from './audio-files.ts';

/** Largest upload accepted (the API refuses larger bodies before reading them). */
export const MOH_AUDIO_MAX_BYTES = 20 * 1024 * 1024;
/** Longest file accepted, in seconds. */
export const MOH_AUDIO_MAX_SECONDS = 30 * 60;
/** Files a class may hold. */
export const MOH_MAX_FILES = 100;
/** The stored formats; the WAV last, so a file listed (by its WAV) has all of them. */
const FORMATS: readonly StoredAudioFormat[] = ['ulaw', 'alaw', 'wav'];

export interface MohFile {
  name: string;
  durationSeconds: number;
  /** Size of the stored WAV (what GET returns). */
  bytes: number;
}

export interface MohStoreOptions {
  /** The moh directory (one subdirectory per class). */
  dir: string;
  /** The asterisk user (chroot: its ids inside the rootfs): files are root:<its group>, 0640. Absent: world-readable. */
  owner?: AudioOwner;
  tmpDir?: string;
  sox?: string;
  /** Makes Asterisk read the classes' files again (AMI: reload res_musiconhold.so). */
  reload?: () => Promise<void>;
  /** musiconhold.conf as the host sees it (Asterisk's config directory): touched before each reload. */
  configFile?: string;
  /** A failed reload: the files are stored and play from Asterisk's next start or reload. */
  onReloadError?: (err: unknown) => void;
}

const refusedName = (what: string, message: string) => new ValidationError(`not a ${what} name: ${message}`, [{ path: [what === 'music class' ? 'name' : 'file'], message }]);

/** A class name: what the model accepts (the built-in `default` plays Debian's files and takes no uploads). */
function checkClass(name: string): string {
  if (!identifier.safeParse(name).success) throw refusedName('music class', 'lowercase letters, digits, - and _, starting with a letter');
  if (name === 'default') throw refusedName('music class', 'default is the built-in class and takes no uploads');
  return name;
}

/** A file name as given (an .mp3 or .wav ending is dropped): it becomes the stored files' name. */
export function mohFileName(name: string): string {
  const base = name.replace(/\.(mp3|wav)$/i, '');
  if (!identifier.safeParse(base).success) throw refusedName('file', 'lowercase letters, digits, - and _, starting with a letter, at most 32 (an .mp3 or .wav ending is dropped)');
  return base;
}

export class MohStore {
  private readonly dir: string;
  private readonly owner: AudioOwner | undefined;
  private readonly tmpDir: string;
  private readonly sox: string;
  private readonly reloadHook: (() => Promise<void>) | undefined;
  private readonly configFile: string | undefined;
  private readonly onReloadError: (err: unknown) => void;
  /** Changes of one class run one after the other (file count, staging names). */
  private readonly queue = new KeyedQueue();
  readonly maxBytes = MOH_AUDIO_MAX_BYTES;

  constructor(options: MohStoreOptions) {
    this.dir = options.dir;
    this.owner = options.owner;
    this.tmpDir = options.tmpDir ?? tmpdir();
    this.sox = options.sox ?? 'sox';
    this.reloadHook = options.reload;
    this.configFile = options.configFile;
    this.onReloadError = options.onReloadError ?? (() => undefined);
  }

  /** The folder of a class on the host. */
  classDir(cls: string): string {
    return join(this.dir, checkClass(cls));
  }

  private async reload(): Promise<void> {
    if (!this.reloadHook) return;
    try {
      if (this.configFile && existsSync(this.configFile)) {
        const now = new Date();
        utimesSync(this.configFile, now, now);
      }
      await this.reloadHook();
    } catch (err) {
      this.onReloadError(err);
    }
  }

  /**
   * Converts an uploaded WAV or MP3 into the class's formats, replacing a file of that name.
   * Refuses (ValidationError on `audio`) what is not audio, broken, too large or too long, and
   * (ConflictError) a new file in a full class; then nothing is stored.
   */
  async store(cls: string, file: string, data: Uint8Array): Promise<MohFile> {
    const dir = this.classDir(cls);
    const name = mohFileName(file);
    if (!this.has(cls, name) && this.names(cls).length >= MOH_MAX_FILES) throw new ConflictError(`music class ${cls} holds ${MOH_MAX_FILES} files already`);
    const { seconds, files } = await convertUpload(data, FORMATS, { maxBytes: MOH_AUDIO_MAX_BYTES, maxSeconds: MOH_AUDIO_MAX_SECONDS, sox: this.sox, tmpDir: this.tmpDir });
    await this.queue.run(cls, async () => {
      if (!this.has(cls, name) && this.names(cls).length >= MOH_MAX_FILES) throw new ConflictError(`music class ${cls} holds ${MOH_MAX_FILES} files already`);
      ensureAudioDir(this.dir, this.owner);
      ensureAudioDir(dir, this.owner);
      for (const f of FORMATS) {
        // Staged under a dot name, which Asterisk's scan of the folder skips, then renamed.
        const staged = join(dir, `.${name}.${f}`);
        writeFileAtomic(staged, files[f], audioFileOptions(this.owner));
        renameSync(staged, join(dir, `${name}.${f}`));
      }
      fsyncDir(dir);
    });
    await this.reload();
    return { name, durationSeconds: seconds, bytes: files.wav.length };
  }

  private has(cls: string, name: string): boolean {
    return existsSync(join(this.classDir(cls), `${name}.wav`));
  }

  /** Stored file names of a class, sorted. */
  private names(cls: string): string[] {
    const dir = this.classDir(cls);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .map((f) => /^([a-z][a-z0-9_-]*)\.wav$/.exec(f)?.[1])
      .filter((n): n is string => n !== undefined)
      .sort();
  }

  /** The files of a class, by name (empty for a class without uploads). */
  list(cls: string): MohFile[] {
    return this.names(cls)
      .map((n) => this.info(cls, n))
      .filter((i): i is MohFile => i !== undefined);
  }

  private info(cls: string, name: string): MohFile | undefined {
    const stored = readStoredWav(join(this.classDir(cls), `${name}.wav`));
    return stored && { name, ...stored };
  }

  /** The stored WAV to stream back (for listening); NotFoundError when there is none. */
  open(cls: string, file: string): { stream: Readable; bytes: number } {
    const name = mohFileName(file);
    const info = this.info(cls, name);
    if (!info) throw new NotFoundError(`music class ${cls} has no file ${name}`);
    return { stream: createReadStream(join(this.classDir(cls), `${name}.wav`)), bytes: info.bytes };
  }

  /** Removes a file (every format); NotFoundError when there is none. */
  async remove(cls: string, file: string): Promise<void> {
    const dir = this.classDir(cls);
    const name = mohFileName(file);
    await this.queue.run(cls, async () => {
      if (!this.info(cls, name)) throw new NotFoundError(`music class ${cls} has no file ${name}`);
      // The WAV first: a file half removed is no longer listed.
      for (const f of [...FORMATS].reverse()) rmSync(join(dir, `${name}.${f}`), { force: true });
      fsyncDir(dir);
    });
    await this.reload();
  }

  /** Removes the folder of a class (the class was deleted). */
  async removeClass(cls: string): Promise<void> {
    const dir = this.classDir(cls);
    await this.queue.run(cls, async () => {
      rmSync(dir, { recursive: true, force: true });
    });
  }

  /**
   * Makes the folders match the model's classes: creates a missing one (Asterisk logs an error
   * for a class whose folder does not exist), removes those of classes not in `keep` (deleted
   * while the daemon was down, or by a whole-configuration replace) and staged files a crash
   * left behind. Returns what it removed.
   */
  sync(keep: ReadonlySet<string>): string[] {
    const removed: string[] = [];
    ensureAudioDir(this.dir, this.owner);
    for (const cls of keep) if (cls !== 'default' && identifier.safeParse(cls).success) ensureAudioDir(join(this.dir, cls), this.owner);
    for (const entry of readdirSync(this.dir)) {
      const path = join(this.dir, entry);
      if (!statSync(path).isDirectory()) continue;
      if (!keep.has(entry)) {
        rmSync(path, { recursive: true, force: true });
        removed.push(`${entry}/`);
        continue;
      }
      for (const f of readdirSync(path)) {
        if (f.startsWith('.')) {
          rmSync(join(path, f), { force: true });
          removed.push(`${entry}/${f}`);
        }
      }
    }
    return removed;
  }
}
