// The privacy officer's key and the sessions that unlocked it.
//
// Modes: 'passphrase' — the box generates a v4 key pair and keeps the public key and the private
// key locked with the passphrase (S2K; useless without it, downloadable for `gpg --import`);
// 'publicKey' — the officer uploads a public key and the box never holds the private part.
// Either way nothing on disk decrypts without the officer's secret.
//
// Unlocking (the passphrase, or the armored private key with its passphrase) keeps the unlocked
// key in memory for that session only: dropped on lock, when the session ends (logout, expiry,
// checked on every use and every minute) and after `idleMs` without use. API tokens have no
// session and never unlock.
//
// A key change (or revocation) needs the session unlocked with the current key; the background
// job then re-wraps every file's session key and every epoch data key to the new key, recording
// its cursor in SQLite. Until it finishes, the old key stays recorded ('retiring') and files not
// yet done open with it; after a crash the job waits for a session unlocked with the old key and
// resumes there. Recordings and CDR rows stored before any key was set are encrypted by the same
// job (no private key needed). One job at a time: a change while one runs is a conflict.
import { ConflictError, LockedError, NotFoundError, ValidationError } from '../domain/errors.ts';
import type { PrivacyJobRow, PrivacyKeyRow, PrivacyStore } from '../store/privacy-store.ts';
import { EncryptedRecordingStorage } from './encrypted-storage.ts';
import { FieldCipher, rewrapEpoch, type SealableRows } from './field-cipher.ts';
import { PgpKeyError, PgpPrivateKey, PgpPublicKey, generateKeyPair } from './pgp.ts';

export type PrivacyKeyInput =
  | { mode: 'passphrase'; passphrase: string; revoke?: boolean }
  | { mode: 'publicKey'; publicKey: string; revoke?: boolean };

export interface UnlockInput {
  passphrase?: string;
  privateKey?: string;
}

export interface PrivacyStatus {
  key?: {
    fingerprint: string;
    mode: 'passphrase' | 'publicKey';
    createdAt: string;
    createdBy: string;
    userIds: string[];
    algorithm: string;
  };
  /** This session has the current key unlocked. */
  unlocked: boolean;
  /** Fingerprints of the keys this session unlocked (the current one and/or the one being replaced). */
  unlockedKeys: string[];
  idleLockMinutes: number;
  reencryption?: {
    state: 'running' | 'waiting' | 'done';
    reason: 'set' | 'change' | 'revoke';
    total: number;
    done: number;
    failed: number;
    startedAt: string;
    finishedAt?: string;
    /** While waiting: the fingerprint of the key a session must unlock for the job to go on. */
    needsKey?: string;
    error?: string;
  };
}

export interface PrivacyLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface PrivacyServiceOptions {
  store: PrivacyStore;
  storage: EncryptedRecordingStorage;
  /** Whether the login session still exists (not logged out, not expired). */
  sessionAlive: (sessionHash: string) => boolean;
  logger: PrivacyLogger;
  /** CDR tables with rows written clear before a key was set (set later with setSealables()). */
  sealables?: SealableRows[];
  /** Audit entries of the background job (start is audited by the route; the end here). */
  audit?: (action: string, summary: string) => void;
  idleMs?: number;
  now?: () => number;
  /** Of the maintenance timer (sessions, epochs, sealing, job retries). Default 60 s. */
  tickMs?: number;
}

interface Unlocked {
  keys: Map<number, PgpPrivateKey>;
  lastUsed: number;
}

const BATCH = 50;

export class PrivacyService {
  readonly cipher: FieldCipher;
  private readonly o: PrivacyServiceOptions;
  private cur: { row: PrivacyKeyRow; key: PgpPublicKey } | undefined;
  private readonly sessions = new Map<string, Unlocked>();
  /** The old key the running job re-wraps from (from the session that changed the key, or one that unlocked it after a restart). */
  private jobOld: PgpPrivateKey | undefined;
  private waitingFor: string | undefined;
  private jobRun: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private sealables: SealableRows[];

  constructor(o: PrivacyServiceOptions) {
    this.o = o;
    this.sealables = o.sealables ?? [];
    this.cipher = new FieldCipher({
      keys: { current: () => this.current(), sessionKeys: (s) => this.sessionKeys(s), isUnlocked: (s) => this.isUnlocked(s) },
      store: o.store,
      ...(o.now ? { now: o.now } : {}),
    });
  }

  private now(): number {
    return this.o.now?.() ?? Date.now();
  }

  private get idleMs(): number {
    return this.o.idleMs ?? 30 * 60_000;
  }

  /** Loads the current key, starts an epoch, resumes a job. */
  async start(): Promise<void> {
    const row = this.o.store.currentKey();
    if (row) this.cur = { row, key: await PgpPublicKey.parse(row.publicKey) };
    await this.cipher.rotate();
    this.kick();
    this.timer = setInterval(() => void this.tick(), this.o.tickMs ?? 60_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    for (const h of [...this.sessions.keys()]) this.lock(h);
    this.jobOld = undefined;
    await this.jobRun;
  }

  setSealables(targets: SealableRows[]): void {
    this.sealables = targets;
    this.kick();
  }

  current(): { id: number; key: PgpPublicKey } | undefined {
    return this.cur ? { id: this.cur.row.id, key: this.cur.key } : undefined;
  }

  // ---- sessions ------------------------------------------------------------------------------

  private session(sessionHash: string | undefined): Unlocked | undefined {
    if (!sessionHash) return undefined;
    const u = this.sessions.get(sessionHash);
    if (!u) return undefined;
    if (this.now() - u.lastUsed > this.idleMs || !this.o.sessionAlive(sessionHash)) {
      this.lock(sessionHash);
      return undefined;
    }
    return u;
  }

  isUnlocked(sessionHash: string | undefined): boolean {
    const u = this.session(sessionHash);
    return !!u && !!this.cur && u.keys.has(this.cur.row.id);
  }

  /** The private keys this session unlocked (use refreshes the idle timer); LockedError when none. */
  sessionKeys(sessionHash: string | undefined): PgpPrivateKey[] {
    const u = this.session(sessionHash);
    if (!u || !u.keys.size) throw new LockedError();
    u.lastUsed = this.now();
    return [...u.keys.values()];
  }

  /** Reading privacy data: nothing to unlock while no key is set; otherwise LockedError unless unlocked. */
  requireUnlocked(sessionHash: string | undefined): void {
    if (!this.cur) return;
    this.sessionKeys(sessionHash);
  }

  async unlock(sessionHash: string | undefined, input: UnlockInput): Promise<{ fingerprint: string; which: 'current' | 'previous' }> {
    if (!sessionHash) throw new ValidationError('only a signed-in session can unlock the privacy key (API tokens cannot)', [{ path: [], message: 'no session' }]);
    if (!this.cur) throw new ConflictError('no privacy key is set');
    const job = this.o.store.runningJob();
    const candidates: PrivacyKeyRow[] = [this.cur.row];
    if (job?.fromKey !== undefined) {
      const prev = this.o.store.key(job.fromKey);
      if (prev) candidates.push(prev);
    }
    let unlocked: { row: PrivacyKeyRow; key: PgpPrivateKey } | undefined;
    if (input.privateKey) {
      let key: PgpPrivateKey;
      try {
        key = await PgpPrivateKey.unlock(input.privateKey, input.passphrase);
      } catch (err) {
        throw new ValidationError((err as Error).message, [{ path: [input.passphrase ? 'passphrase' : 'privateKey'], message: (err as Error).message }]);
      }
      const row = candidates.find((c) => c.fingerprint === key.fingerprint);
      if (!row) throw new ValidationError(`this private key (${key.fingerprint}) is not the privacy key (${this.cur.row.fingerprint})`, [{ path: ['privateKey'], message: 'not the privacy key' }]);
      unlocked = { row, key };
    } else {
      if (!input.passphrase) throw new ValidationError('the passphrase is required', [{ path: ['passphrase'], message: 'required' }]);
      for (const row of candidates) {
        if (!row.lockedPrivateKey) continue;
        const key = await PgpPrivateKey.unlock(row.lockedPrivateKey, input.passphrase).catch(() => undefined);
        if (key) {
          unlocked = { row, key };
          break;
        }
      }
      if (!unlocked) {
        if (!candidates.some((c) => c.lockedPrivateKey))
          throw new ValidationError('the privacy key was uploaded as a public key: unlock with its private key (privateKey) and passphrase', [{ path: ['privateKey'], message: 'required' }]);
        throw new ValidationError('the passphrase does not unlock the privacy key', [{ path: ['passphrase'], message: 'wrong passphrase' }]);
      }
    }
    let u = this.session(sessionHash);
    if (!u) this.sessions.set(sessionHash, (u = { keys: new Map(), lastUsed: this.now() }));
    u.keys.set(unlocked.row.id, unlocked.key);
    u.lastUsed = this.now();
    if (job?.fromKey === unlocked.row.id && !this.jobOld) {
      this.jobOld = unlocked.key;
      this.kick();
    }
    return { fingerprint: unlocked.row.fingerprint, which: unlocked.row.id === this.cur.row.id ? 'current' : 'previous' };
  }

  lock(sessionHash: string | undefined): void {
    if (!sessionHash) return;
    this.sessions.delete(sessionHash);
    this.cipher.forget(sessionHash);
  }

  status(sessionHash: string | undefined): PrivacyStatus {
    const u = this.session(sessionHash);
    const fingerprints = u ? [...u.keys.keys()].map((id) => this.o.store.key(id)?.fingerprint ?? '') : [];
    const job = this.o.store.lastJob();
    const out: PrivacyStatus = { unlocked: this.isUnlocked(sessionHash), unlockedKeys: fingerprints, idleLockMinutes: Math.round(this.idleMs / 60_000) };
    if (this.cur) {
      const r = this.cur.row;
      out.key = { fingerprint: r.fingerprint, mode: r.mode, createdAt: r.createdAt, createdBy: r.createdBy, userIds: this.cur.key.info.userIds, algorithm: this.cur.key.info.algorithm };
    }
    if (job) out.reencryption = this.jobView(job);
    return out;
  }

  private jobView(j: PrivacyJobRow): NonNullable<PrivacyStatus['reencryption']> {
    const waiting = j.state === 'running' && this.waitingFor !== undefined;
    return {
      state: waiting ? 'waiting' : j.state,
      reason: j.reason,
      total: j.total,
      done: j.done,
      failed: j.failed,
      startedAt: j.startedAt,
      ...(j.finishedAt ? { finishedAt: j.finishedAt } : {}),
      ...(waiting ? { needsKey: this.waitingFor } : {}),
      ...(j.error ? { error: j.error } : {}),
    };
  }

  /** Passphrase mode: the private key locked with the officer's passphrase, for `gpg --import`. */
  lockedPrivateKey(): { armored: string; fingerprint: string } {
    const r = this.cur?.row;
    if (!r) throw new NotFoundError('no privacy key is set');
    if (!r.lockedPrivateKey) throw new NotFoundError('the privacy key was uploaded as a public key: the box has no private key');
    return { armored: r.lockedPrivateKey, fingerprint: r.fingerprint };
  }

  // ---- setting and changing the key ------------------------------------------------------------

  async setKey(input: PrivacyKeyInput, by: string, sessionHash: string | undefined): Promise<PrivacyStatus> {
    const prev = this.cur;
    let old: PgpPrivateKey | undefined;
    if (prev) {
      const u = this.session(sessionHash);
      old = u?.keys.get(prev.row.id);
      if (!old) throw new LockedError('changing the privacy key needs this session unlocked with the current key (POST /api/v1/privacy/unlock)');
      const running = this.o.store.runningJob();
      if (running) throw new ConflictError(`a re-encryption is in progress (${running.done} of ${running.total}): change the key when it has finished`);
    }
    let pub: PgpPublicKey;
    let locked: string | undefined;
    try {
      if (input.mode === 'passphrase') {
        const pair = await generateKeyPair(input.passphrase, { name: 'PBX privacy officer' });
        pub = await PgpPublicKey.parse(pair.publicKey);
        locked = pair.lockedPrivateKey;
      } else {
        pub = await PgpPublicKey.parse(input.publicKey);
      }
    } catch (err) {
      if (err instanceof PgpKeyError) throw new ValidationError(err.message, [{ path: [input.mode === 'passphrase' ? 'passphrase' : 'publicKey'], message: err.message }]);
      throw err;
    }
    if (prev && prev.row.fingerprint === pub.info.fingerprint) throw new ConflictError('that is the current privacy key');
    const reason = !prev ? 'set' : input.revoke ? 'revoke' : 'change';
    const total = this.o.store.storedRecordingCount();
    const at = new Date(this.now()).toISOString();
    const { key } = this.o.store.setCurrent(
      { fingerprint: pub.info.fingerprint, mode: input.mode, publicKey: pub.armored, ...(locked ? { lockedPrivateKey: locked } : {}), createdBy: by },
      reason,
      total,
      at,
    );
    this.cur = { row: key, key: pub };
    this.jobOld = old;
    await this.cipher.rotate();
    this.kick();
    return this.status(sessionHash);
  }

  // ---- the background job --------------------------------------------------------------------

  /** Runs (or resumes) the job now unless it is running; resolves when this run ends. */
  kick(): Promise<void> {
    if (this.jobRun) {
      // Asked for while running (a key set, an unlock): run once more after, with what is new.
      this.again = true;
      return this.jobRun;
    }
    this.jobRun = this.runJob()
      .catch((err: unknown) => this.o.logger.warn({ err: (err as Error).message }, 'privacy: the re-encryption stopped; retried in a minute'))
      .finally(() => {
        this.jobRun = undefined;
        if (this.again) {
          this.again = false;
          void this.kick();
        }
      });
    return this.jobRun;
  }

  /** Resolves once the job (if any) has done what it can now (tests). */
  async settle(): Promise<void> {
    while (this.jobRun) await this.jobRun;
  }

  private async tick(): Promise<void> {
    for (const h of [...this.sessions.keys()]) this.session(h);
    await this.cipher.maintain().catch((err: unknown) => this.o.logger.warn({ err: (err as Error).message }, 'privacy: could not start a new epoch'));
    await this.kick();
  }

  private async runJob(): Promise<void> {
    const job = this.o.store.runningJob();
    if (!job) {
      await this.sweepClear();
      return;
    }
    const toRow = this.o.store.key(job.toKey)!;
    const to = this.cur?.row.id === toRow.id ? this.cur.key : await PgpPublicKey.parse(toRow.publicKey);
    const fromRow = job.fromKey !== undefined ? this.o.store.key(job.fromKey) : undefined;
    const oldKeys = (): PgpPrivateKey[] | undefined => {
      if (this.jobOld && fromRow && this.jobOld.fingerprint === fromRow.fingerprint) return [this.jobOld];
      // A session that unlocked the old key since (after a restart).
      for (const u of this.sessions.values()) {
        const k = fromRow ? u.keys.get(fromRow.id) : undefined;
        if (k) return [(this.jobOld = k)];
      }
      return undefined;
    };
    const wait = (): void => {
      this.waitingFor = fromRow?.fingerprint;
      this.o.logger.info({ key: fromRow?.fingerprint }, 'privacy: the re-encryption waits for a session unlocked with the previous key');
    };
    this.waitingFor = undefined;
    // 1. Epoch data keys (few, small): first, so CDR rows open with the new key soonest.
    for (const e of this.o.store.epochsNotFor(toRow.id)) {
      const keys = oldKeys();
      if (!keys) return wait();
      this.o.store.rewrapEpoch(e.id, toRow.id, await rewrapEpoch(e.wrapped, keys, to));
    }
    // 2. Every stored recording, in id order from the persisted cursor.
    let { cursor, done, failed } = job;
    const storage = this.o.storage;
    for (;;) {
      const rows = this.o.store.storedRecordingsAfter(cursor, BATCH);
      if (!rows.length) break;
      for (const r of rows) {
        try {
          if (EncryptedRecordingStorage.isEncrypted(r.storageKey)) {
            const recipients = await storage.recipients(r.storageKey);
            if (!recipients.every((id) => to.info.encryptionKeyIds.includes(id))) {
              const keys = oldKeys();
              if (!keys) {
                this.o.store.progress(job.id, { cursor, done, failed });
                return wait();
              }
              await storage.rewrap(r.storageKey, keys, to);
            }
          } else {
            await this.encryptClear(r, to);
          }
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
            // The file stays as it was (readable with the old key, which stays recorded): retried next run.
            this.o.store.progress(job.id, { cursor, done, failed: failed + 1, error: `recording ${r.id}: ${(err as Error).message}` });
            throw err;
          }
        }
        cursor = r.id;
        done++;
        this.o.store.progress(job.id, { cursor, done, failed });
      }
      await new Promise((res) => setImmediate(res));
    }
    // 3. Files stored clear while the walk ran, and CDR rows written before the key.
    await this.sweepClear();
    this.o.store.finish(job.id, new Date(this.now()).toISOString());
    // The retired key opens nothing any more: sessions that unlocked it hold it no longer.
    if (fromRow) for (const u of this.sessions.values()) u.keys.delete(fromRow.id);
    this.jobOld = undefined;
    this.waitingFor = undefined;
    this.o.logger.info({ done, key: toRow.fingerprint }, 'privacy: re-encryption finished');
    this.o.audit?.('privacy.reencrypted', `re-encryption to key ${toRow.fingerprint} finished (${done} recordings)`);
  }

  private async encryptClear(r: { id: string; storageKey: string }, to: PgpPublicKey): Promise<void> {
    const next = await this.o.storage.encryptClear(r.storageKey, to);
    if (this.o.store.repointRecording(r.id, r.storageKey, next)) await this.o.storage.removeClear(r.storageKey);
    else await this.o.storage.remove(next); // deleted meanwhile
  }

  /** With a key set: clear recordings → encrypted, clear CDR rows → sealed. */
  private async sweepClear(): Promise<void> {
    const cur = this.cur;
    if (!cur) return;
    let after = '';
    for (;;) {
      const rows = this.o.store.clearRecordings(after, BATCH);
      if (!rows.length) break;
      for (const r of rows) {
        after = r.id;
        await this.encryptClear(r, cur.key).catch((err: unknown) => this.o.logger.warn({ id: r.id, err: (err as Error).message }, 'privacy: a recording could not be encrypted yet'));
      }
    }
    await this.cipher.sealClearRows(this.sealables);
  }
}
