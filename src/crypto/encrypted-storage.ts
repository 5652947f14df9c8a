// Recordings encrypted at rest: a RecordingStorage around LocalRecordingStorage. With a privacy
// key set, a finished recording is encrypted as it is stored, straight from the staging file
// into <day directory>/<id>.wav.gpg (an OpenPGP message GnuPG decrypts: see pgp.ts); the clear
// WAV never reaches the storage. Without a key, files are stored clear (<id>.wav) and encrypted
// later by the privacy job. The key in the index is the file's path, so it says which it is.
//
// Invariants: a file is published only complete (written to .part, fsynced, renamed, directory
// fsynced); encryption and decryption stream (memory does not grow with the file); re-wrapping
// for a new key rewrites only the leading session key packets, the encrypted data is copied as
// it is, so a file is always whole and readable with the old key until the rename replaces it
// with one readable with the new key.
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, normalize } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LockedError } from '../domain/errors.ts';
import { fsyncDir } from '../lib/atomic-write.ts';
import { NotStoredError, type ByteRange, type LocalRecordingStorage, type RecordingMeta, type RecordingStorage } from '../recordings/storage.ts';
import { HEAD_BYTES, decryptStream, encryptStream, readHead, rewrapSessionKey, type PgpPrivateKey, type PgpPublicKey } from './pgp.ts';

export interface RecordingKeyAccess {
  /** The key new recordings are encrypted to, or undefined (stored clear). */
  current(): { id: number; key: PgpPublicKey } | undefined;
  /** The private keys a session unlocked; LockedError when none. */
  sessionKeys(session: string | undefined): PgpPrivateKey[];
}

export const ENCRYPTED_SUFFIX = '.wav.gpg';

async function fsyncFile(path: string): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    await fh.chown(0, 0).catch(() => undefined);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Publishes a fully written `part` under `target`. */
async function publish(part: string, target: string): Promise<void> {
  await fsyncFile(part);
  await rename(part, target);
  fsyncDir(dirname(target));
}

async function* slice(src: Readable, start: number, end: number): AsyncGenerator<Buffer> {
  let pos = 0;
  for await (const chunk of src as AsyncIterable<Buffer>) {
    const from = pos;
    pos += chunk.length;
    if (pos <= start) continue;
    const a = Math.max(0, start - from);
    const b = Math.min(chunk.length, end + 1 - from);
    if (b > a) yield chunk.subarray(a, b);
    if (pos > end) return;
  }
}

export class EncryptedRecordingStorage implements RecordingStorage {
  private readonly local: LocalRecordingStorage;
  private readonly keys: RecordingKeyAccess;

  constructor(local: LocalRecordingStorage, keys: RecordingKeyAccess) {
    this.local = local;
    this.keys = keys;
  }

  async store(id: string, sourcePath: string, meta: RecordingMeta): Promise<{ key: string; size: number }> {
    const cur = this.keys.current();
    if (!cur) return this.local.store(id, sourcePath, meta);
    const size = (await stat(sourcePath)).size;
    const target = join(await this.local.directoryFor(id, meta), `${id}${ENCRYPTED_SUFFIX}`);
    await this.encryptFile(sourcePath, target, cur.key, `${id}.wav`);
    await rm(sourcePath, { force: true });
    return { key: target, size };
  }

  async open(key: string, range?: ByteRange, session?: string): Promise<Readable> {
    if (!key.endsWith(ENCRYPTED_SUFFIX)) return this.local.open(key, range);
    const path = this.checked(key);
    const keys = this.keys.sessionKeys(session);
    if (!keys.length) throw new LockedError();
    const s = await stat(path).catch(() => undefined);
    if (!s?.isFile()) throw new NotStoredError('the recording file is missing from the storage');
    const plain = decryptStream(createReadStream(path), keys);
    // OpenPGP data cannot be entered in the middle: decrypt from the start, skip to the range.
    return range ? Readable.from(slice(plain, range.start, range.end), { objectMode: false }) : plain;
  }

  async remove(key: string): Promise<void> {
    if (!key.endsWith(ENCRYPTED_SUFFIX)) return this.local.remove(key);
    await rm(this.checked(key), { force: true });
  }

  // ---- for the privacy job -------------------------------------------------------------------

  /** Whether a stored file is encrypted (its key names a .wav.gpg). */
  static isEncrypted(key: string): boolean {
    return key.endsWith(ENCRYPTED_SUFFIX);
  }

  /** Encrypts a clear stored file next to it; returns the new key. The clear file stays until removeClear(). */
  async encryptClear(key: string, to: PgpPublicKey): Promise<string> {
    if (!isAbsolute(key) || normalize(key) !== key || !key.endsWith('.wav')) throw new Error('not a clear recording key');
    const target = `${key}.gpg`;
    await this.encryptFile(key, target, to, basename(key));
    return target;
  }

  async removeClear(key: string): Promise<void> {
    await this.local.remove(key);
  }

  /** Key ids the file's session key is encrypted to. */
  async recipients(key: string): Promise<string[]> {
    return readHead(await this.head(this.checked(key))).recipients;
  }

  /**
   * Re-encrypts the file's session key from `old` to `to`: a new file of the new PKESK and the
   * original encrypted data, published by rename. False when it is already encrypted to `to`.
   */
  async rewrap(key: string, old: PgpPrivateKey[], to: PgpPublicKey): Promise<boolean> {
    const path = this.checked(key);
    const head = readHead(await this.head(path));
    if (head.recipients.every((r) => to.info.encryptionKeyIds.includes(r))) return false;
    const pkesk = await rewrapSessionKey(head.pkesk, old, to);
    const part = `${path}.part`;
    try {
      const out = createWriteStream(part, { mode: 0o600 });
      await pipeline(
        (async function* () {
          yield Buffer.from(pkesk);
          yield* createReadStream(path, { start: head.dataOffset }) as AsyncIterable<Buffer>;
        })(),
        out,
      );
      await publish(part, path);
    } catch (err) {
      await rm(part, { force: true });
      throw err;
    }
    return true;
  }

  private async head(path: string): Promise<Uint8Array> {
    const fh = await open(path, 'r');
    try {
      const buf = Buffer.alloc(HEAD_BYTES);
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  }

  private async encryptFile(source: string, target: string, to: PgpPublicKey, filename: string): Promise<void> {
    const part = `${target}.part`;
    try {
      await pipeline(encryptStream(createReadStream(source), to, filename), createWriteStream(part, { mode: 0o600 }));
      await publish(part, target);
    } catch (err) {
      await rm(part, { force: true });
      throw err;
    }
  }

  private checked(key: string): string {
    if (!isAbsolute(key) || normalize(key) !== key || !key.endsWith(ENCRYPTED_SUFFIX)) throw new Error('not a key of this storage');
    return key;
  }
}
