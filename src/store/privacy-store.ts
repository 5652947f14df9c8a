// Privacy (migration 8): the privacy officer's keys, the wrapped data keys of the CDR field
// encryption and the background (re-)encryption jobs. Nothing here decrypts anything without
// the officer's secret: public keys, private keys locked with the officer's passphrase (S2K),
// data keys as OpenPGP messages to a public key.
// It also reads (and, for a file the job encrypted, re-points) the recordings index: the job
// walks the stored recordings in id order.
import type { Db } from './db.ts';

export type PrivacyKeyMode = 'passphrase' | 'publicKey';
export type PrivacyKeyState = 'current' | 'retiring' | 'retired';

export interface PrivacyKeyRow {
  id: number;
  fingerprint: string;
  mode: PrivacyKeyMode;
  publicKey: string;
  lockedPrivateKey?: string;
  createdAt: string;
  createdBy: string;
  state: PrivacyKeyState;
  retiredAt?: string;
}

export interface PrivacyJobRow {
  id: number;
  fromKey?: number;
  toKey: number;
  reason: 'set' | 'change' | 'revoke';
  state: 'running' | 'done';
  startedAt: string;
  finishedAt?: string;
  total: number;
  done: number;
  failed: number;
  cursor: string;
  error?: string;
}

export interface EpochRow {
  id: string;
  keyId: number;
  wrapped: string;
  createdAt: string;
}

type RawKey = {
  id: number;
  fingerprint: string;
  mode: PrivacyKeyMode;
  public_key: string;
  locked_private_key: string | null;
  created_at: string;
  created_by: string;
  state: PrivacyKeyState;
  retired_at: string | null;
};
type RawJob = {
  id: number;
  from_key: number | null;
  to_key: number;
  reason: PrivacyJobRow['reason'];
  state: PrivacyJobRow['state'];
  started_at: string;
  finished_at: string | null;
  total: number;
  done: number;
  failed: number;
  cursor: string;
  error: string | null;
};

const keyRow = (r: RawKey): PrivacyKeyRow => ({
  id: r.id,
  fingerprint: r.fingerprint,
  mode: r.mode,
  publicKey: r.public_key,
  ...(r.locked_private_key !== null ? { lockedPrivateKey: r.locked_private_key } : {}),
  createdAt: r.created_at,
  createdBy: r.created_by,
  state: r.state,
  ...(r.retired_at !== null ? { retiredAt: r.retired_at } : {}),
});
const jobRow = (r: RawJob): PrivacyJobRow => ({
  id: r.id,
  ...(r.from_key !== null ? { fromKey: r.from_key } : {}),
  toKey: r.to_key,
  reason: r.reason,
  state: r.state,
  startedAt: r.started_at,
  ...(r.finished_at !== null ? { finishedAt: r.finished_at } : {}),
  total: r.total,
  done: r.done,
  failed: r.failed,
  cursor: r.cursor,
  ...(r.error !== null ? { error: r.error } : {}),
});

export class PrivacyStore {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  currentKey(): PrivacyKeyRow | undefined {
    const r = this.db.prepare(`SELECT * FROM privacy_keys WHERE state = 'current'`).get() as RawKey | undefined;
    return r ? keyRow(r) : undefined;
  }

  key(id: number): PrivacyKeyRow | undefined {
    const r = this.db.prepare('SELECT * FROM privacy_keys WHERE id = ?').get(id) as RawKey | undefined;
    return r ? keyRow(r) : undefined;
  }

  /**
   * Makes `k` the current key in one transaction: the previous current key becomes 'retiring'
   * (kept until the job finishes), and a job re-encrypting to the new key is queued.
   */
  setCurrent(
    k: { fingerprint: string; mode: PrivacyKeyMode; publicKey: string; lockedPrivateKey?: string; createdBy: string },
    reason: PrivacyJobRow['reason'],
    total: number,
    at: string,
  ): { key: PrivacyKeyRow; job: PrivacyJobRow } {
    return this.db.transaction(() => {
      const prev = this.currentKey();
      if (prev) this.db.prepare(`UPDATE privacy_keys SET state = 'retiring' WHERE id = ?`).run(prev.id);
      const id = Number(
        this.db
          .prepare(`INSERT INTO privacy_keys (fingerprint, mode, public_key, locked_private_key, created_at, created_by, state) VALUES (?, ?, ?, ?, ?, ?, 'current')`)
          .run(k.fingerprint, k.mode, k.publicKey, k.lockedPrivateKey ?? null, at, k.createdBy).lastInsertRowid,
      );
      const jobId = Number(
        this.db
          .prepare(`INSERT INTO privacy_jobs (from_key, to_key, reason, state, started_at, total) VALUES (?, ?, ?, 'running', ?, ?)`)
          .run(prev?.id ?? null, id, reason, at, total).lastInsertRowid,
      );
      return { key: this.key(id)!, job: this.job(jobId)! };
    })();
  }

  job(id: number): PrivacyJobRow | undefined {
    const r = this.db.prepare('SELECT * FROM privacy_jobs WHERE id = ?').get(id) as RawJob | undefined;
    return r ? jobRow(r) : undefined;
  }

  runningJob(): PrivacyJobRow | undefined {
    const r = this.db.prepare(`SELECT * FROM privacy_jobs WHERE state = 'running' ORDER BY id DESC LIMIT 1`).get() as RawJob | undefined;
    return r ? jobRow(r) : undefined;
  }

  lastJob(): PrivacyJobRow | undefined {
    const r = this.db.prepare(`SELECT * FROM privacy_jobs ORDER BY id DESC LIMIT 1`).get() as RawJob | undefined;
    return r ? jobRow(r) : undefined;
  }

  progress(jobId: number, p: { cursor: string; done: number; failed: number; error?: string | null }): void {
    this.db.prepare('UPDATE privacy_jobs SET cursor = ?, done = ?, failed = ?, error = ? WHERE id = ?').run(p.cursor, p.done, p.failed, p.error ?? null, jobId);
  }

  /** The job is complete: the key it replaced is retired and its locked private key dropped. */
  finish(jobId: number, at: string): void {
    this.db.transaction(() => {
      const j = this.job(jobId);
      if (!j) return;
      this.db.prepare(`UPDATE privacy_jobs SET state = 'done', finished_at = ?, error = NULL WHERE id = ?`).run(at, jobId);
      if (j.fromKey !== undefined)
        this.db.prepare(`UPDATE privacy_keys SET state = 'retired', retired_at = ?, locked_private_key = NULL WHERE id = ? AND state = 'retiring'`).run(at, j.fromKey);
    })();
  }

  // ---- epochs ----------------------------------------------------------------------------

  addEpoch(e: EpochRow): void {
    this.db.prepare('INSERT INTO privacy_epochs (id, key_id, wrapped, created_at) VALUES (?, ?, ?, ?)').run(e.id, e.keyId, e.wrapped, e.createdAt);
  }

  epoch(id: string): EpochRow | undefined {
    const r = this.db.prepare('SELECT id, key_id AS keyId, wrapped, created_at AS createdAt FROM privacy_epochs WHERE id = ?').get(id) as EpochRow | undefined;
    return r;
  }

  /** Epochs not (yet) wrapped to `keyId`. */
  epochsNotFor(keyId: number): EpochRow[] {
    return this.db.prepare('SELECT id, key_id AS keyId, wrapped, created_at AS createdAt FROM privacy_epochs WHERE key_id <> ? ORDER BY id').all(keyId) as EpochRow[];
  }

  rewrapEpoch(id: string, keyId: number, wrapped: string): void {
    this.db.prepare('UPDATE privacy_epochs SET key_id = ?, wrapped = ? WHERE id = ?').run(keyId, wrapped, id);
  }

  // ---- the recordings index, as the job walks it -------------------------------------------

  storedRecordingCount(): number {
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM recordings WHERE state = 'stored'`).get() as { n: number }).n;
  }

  /** Stored recordings after `cursor` in id order. */
  storedRecordingsAfter(cursor: string, limit: number): { id: string; storageKey: string }[] {
    return this.db
      .prepare(`SELECT id, storage_key AS storageKey FROM recordings WHERE state = 'stored' AND storage_key IS NOT NULL AND id > ? ORDER BY id LIMIT ?`)
      .all(cursor, limit) as { id: string; storageKey: string }[];
  }

  /** Stored recordings after `after` (id order) whose file is not encrypted (stored before a key was set). */
  clearRecordings(after: string, limit: number): { id: string; storageKey: string }[] {
    return this.db
      .prepare(`SELECT id, storage_key AS storageKey FROM recordings WHERE state = 'stored' AND storage_key IS NOT NULL AND storage_key NOT LIKE '%.gpg' AND id > ? ORDER BY id LIMIT ?`)
      .all(after, limit) as { id: string; storageKey: string }[];
  }

  /** Points the index at the encrypted file, only if it still names the clear one (not deleted meanwhile). */
  repointRecording(id: string, from: string, to: string): boolean {
    return this.db.prepare('UPDATE recordings SET storage_key = ? WHERE id = ? AND storage_key = ?').run(to, id, from).changes > 0;
  }
}
