// Where finished recordings are kept: the one adapter every read and write of a stored
// recording goes through (encryption at rest plugs in here, issue 9). The rest of the supervisor
// knows a stored recording only by the opaque key store() returned, kept in the index.
//
// LocalRecordingStorage: a directory (internal disk, a USB disk or a NAS mount point), laid out
// <root>/<yyyy>/<mm>/<dd>/<id>.wav by the day the recording started (UTC). Files are root's,
// 0600 in 0700 directories: only the supervisor opens them, for the privacy admin. The key is
// the file's absolute path, so recordings stay readable after the configured path changes.
// A configured root that does not exist (a NAS that is not mounted) is an error, never created:
// files would silently fill the disk under the mount point.
import { createReadStream, constants } from 'node:fs';
import { copyFile, mkdir, open, rename, rm, stat, unlink } from 'node:fs/promises';
import { isAbsolute, join, normalize } from 'node:path';
import type { Readable } from 'node:stream';
import type { RecordingDirection } from '../domain/recordings.ts';
import { fsyncDir } from '../lib/atomic-write.ts';

export interface RecordingMeta {
  startedAt: string;
  linkedId: string;
  caller: string;
  callee: string;
  direction: RecordingDirection;
}

/** Inclusive byte range of the audio as stored. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface RecordingStorage {
  /**
   * Takes the finished file at `sourcePath` into storage (the source is gone afterwards) and
   * returns the key to find it by and its size as open() serves it. Atomic: a crash leaves
   * the source in place, or the stored file complete.
   */
  store(id: string, sourcePath: string, meta: RecordingMeta): Promise<{ key: string; size: number }>;
  /**
   * The audio (a part of it with `range`). Errors (a missing file) surface on the stream, or as
   * NotStoredError. `session`: the caller's session (principal.sessionHash), for storages that
   * need the session's unlocked key (encryption at rest); they throw LockedError without it.
   */
  open(key: string, range?: ByteRange, session?: string): Promise<Readable>;
  /** Removes the stored file; a file already gone is not an error. */
  remove(key: string): Promise<void>;
}

export class NotStoredError extends Error {}

export interface LocalStorageOptions {
  /** The configured directory, or undefined for `defaultRoot` (read at each store: the setting may change). */
  root: () => string | undefined;
  /** Used (and created) when no directory is configured: <dataDir>/recordings. */
  defaultRoot: string;
}

export class LocalRecordingStorage implements RecordingStorage {
  private readonly opts: LocalStorageOptions;

  constructor(opts: LocalStorageOptions) {
    this.opts = opts;
  }

  async store(id: string, sourcePath: string, meta: RecordingMeta): Promise<{ key: string; size: number }> {
    const dir = await this.directoryFor(id, meta);
    const target = join(dir, `${id}.wav`);
    try {
      await rename(sourcePath, target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
      // Another file system (USB disk, NAS): copy, flush, then publish under the final name.
      const part = `${target}.part`;
      await copyFile(sourcePath, part, constants.COPYFILE_EXCL).catch(async (e: unknown) => {
        await rm(part, { force: true });
        throw e;
      });
      const fh = await open(part, 'r+');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(part, target);
      await unlink(sourcePath);
    }
    const fh = await open(target, 'r');
    try {
      await fh.chmod(0o600);
      await fh.chown(0, 0).catch(() => undefined);
      await fh.sync();
    } finally {
      await fh.close();
    }
    fsyncDir(dir);
    return { key: target, size: (await stat(target)).size };
  }

  /** The day's directory for a recording (created; a configured root must exist): also where encrypted storage puts its file. */
  async directoryFor(id: string, meta: RecordingMeta): Promise<string> {
    if (!/^[0-9A-Za-z.-]+$/.test(id) || id.startsWith('.')) throw new Error(`not a recording id: ${id}`);
    const configured = this.opts.root();
    const root = configured ?? this.opts.defaultRoot;
    if (configured !== undefined) {
      const s = await stat(configured).catch(() => undefined);
      if (!s?.isDirectory()) throw new Error(`the recording storage ${configured} does not exist or is not a directory (not mounted?)`);
    } else {
      await mkdir(root, { recursive: true, mode: 0o700 });
    }
    const day = new Date(meta.startedAt);
    const when = Number.isNaN(day.getTime()) ? new Date() : day;
    const dir = join(root, String(when.getUTCFullYear()), String(when.getUTCMonth() + 1).padStart(2, '0'), String(when.getUTCDate()).padStart(2, '0'));
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return dir;
  }

  async open(key: string, range?: ByteRange): Promise<Readable> {
    const path = this.checked(key);
    const s = await stat(path).catch(() => undefined);
    if (!s?.isFile()) throw new NotStoredError(`the recording file is missing from the storage`);
    return createReadStream(path, range ? { start: range.start, end: range.end } : {});
  }

  async remove(key: string): Promise<void> {
    await rm(this.checked(key), { force: true });
  }

  /** Keys come from the index, which only store() writes; still, only absolute .wav paths. */
  private checked(key: string): string {
    if (!isAbsolute(key) || normalize(key) !== key || !key.endsWith('.wav')) throw new Error('not a key of this storage');
    return key;
  }
}
