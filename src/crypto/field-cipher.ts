// Field encryption of CDR rows (the whole external numbers and names; the masked forms stay in
// clear columns for queries). Rows are written from synchronous code, so protect() is sync:
// AES-256-GCM under the current *epoch* data key, held in memory only while encrypting. The
// data key is stored only as an OpenPGP message to the privacy officer's public key (GnuPG can
// open it), so nothing on disk reveals a row without the officer's secret. A new epoch starts at
// each start of the supervisor (the previous data key is gone from memory), daily, and on a key
// change. reveal() unwraps the epochs a session needs with its unlocked private key and caches
// them for that session only (forget() on lock, logout, idle).
//
// Sealed form: "<epochId>:<base64(iv 12 | tag 16 | ciphertext)>", the epoch id bound as AAD.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { LockedError } from '../domain/errors.ts';
import type { FieldProtector, ProtectedFields } from '../domain/cdr.ts';
import { decryptBytes, encryptBytes, type PgpPrivateKey, type PgpPublicKey } from './pgp.ts';
import type { EpochRow } from '../store/privacy-store.ts';

export type { FieldProtector, ProtectedFields };

/** What the cipher needs of the privacy service. */
export interface FieldKeyAccess {
  current(): { id: number; key: PgpPublicKey } | undefined;
  /** The private keys the session unlocked; LockedError when none. */
  sessionKeys(sessionHash: string | undefined): PgpPrivateKey[];
  isUnlocked(sessionHash: string | undefined): boolean;
}

export interface EpochStore {
  addEpoch(e: EpochRow): void;
  epoch(id: string): EpochRow | undefined;
}

/** Rows written in clear before a key was set (the CDR store implements it for each table). */
export interface SealableRows {
  clearRows(limit: number): { id: number | string; clear: string }[];
  setSealed(id: number | string, sealed: string): void;
}

export interface FieldCipherOptions {
  keys: FieldKeyAccess;
  store: EpochStore;
  /** How long an epoch is used for. Default one day. */
  epochMs?: number;
  now?: () => number;
}

const IV = 12;
const TAG = 16;

export class FieldCipher implements FieldProtector {
  private readonly o: FieldCipherOptions;
  private epoch: { id: string; keyId: number; dataKey: Buffer; startedAt: number } | undefined;
  private readonly sessions = new Map<string, Map<string, Buffer | null>>();
  private rotating: Promise<void> = Promise.resolve();

  constructor(o: FieldCipherOptions) {
    this.o = o;
  }

  private now(): number {
    return this.o.now?.() ?? Date.now();
  }

  /** Starts a new epoch for the current key (none when no key is set). Rotations run one after another. */
  rotate(): Promise<void> {
    const next = this.rotating.then(() => this.newEpoch());
    this.rotating = next.catch(() => undefined);
    return next;
  }

  private async newEpoch(): Promise<void> {
    const cur = this.o.keys.current();
    if (!cur) return this.drop();
    const dataKey = randomBytes(32);
    const id = `${this.now().toString(36)}${randomBytes(4).toString('hex')}`;
    const wrapped = await encryptBytes(dataKey, cur.key);
    this.o.store.addEpoch({ id, keyId: cur.id, wrapped, createdAt: new Date(this.now()).toISOString() });
    const old = this.epoch;
    this.epoch = { id, keyId: cur.id, dataKey, startedAt: this.now() };
    old?.dataKey.fill(0);
  }

  /** Rotates when the epoch is older than its period or belongs to a key that is no longer current (call it periodically). */
  async maintain(): Promise<void> {
    const cur = this.o.keys.current();
    if (!cur) return this.drop();
    if (!this.epoch || this.epoch.keyId !== cur.id || this.now() - this.epoch.startedAt >= (this.o.epochMs ?? 86_400_000)) await this.rotate();
  }

  private drop(): void {
    this.epoch?.dataKey.fill(0);
    this.epoch = undefined;
  }

  protect(fields: Record<string, string>): ProtectedFields {
    const json = JSON.stringify(fields);
    const sealed = this.sealJson(json);
    return sealed === undefined ? { clear: json } : { sealed };
  }

  /** The clear JSON of a row sealed under the current epoch, or undefined when no key (or epoch) is ready. */
  sealJson(json: string): string | undefined {
    const e = this.epoch;
    const cur = this.o.keys.current();
    if (!e || !cur || e.keyId !== cur.id) return undefined;
    const iv = randomBytes(IV);
    const c = createCipheriv('aes-256-gcm', e.dataKey, iv);
    c.setAAD(Buffer.from(e.id));
    const ct = Buffer.concat([c.update(json, 'utf8'), c.final()]);
    return `${e.id}:${Buffer.concat([iv, c.getAuthTag(), ct]).toString('base64')}`;
  }

  isUnlocked(sessionHash: string | undefined): boolean {
    return this.o.keys.isUnlocked(sessionHash);
  }

  async reveal(sessionHash: string | undefined, stored: ProtectedFields[]): Promise<Record<string, string>[]> {
    const keys = this.o.keys.sessionKeys(sessionHash);
    if (!sessionHash || !keys.length) throw new LockedError();
    let cache = this.sessions.get(sessionHash);
    if (!cache) this.sessions.set(sessionHash, (cache = new Map()));
    const out: Record<string, string>[] = [];
    for (const s of stored) {
      if (s.clear !== undefined) {
        out.push(JSON.parse(s.clear) as Record<string, string>);
        continue;
      }
      const sealed = s.sealed ?? '';
      const colon = sealed.indexOf(':');
      const epochId = sealed.slice(0, colon);
      if (colon <= 0) {
        out.push({});
        continue;
      }
      let dataKey = cache.get(epochId);
      if (dataKey === undefined) {
        const row = this.o.store.epoch(epochId);
        dataKey = row ? await decryptBytes(row.wrapped, keys).then((b) => Buffer.from(b), () => null) : null;
        cache.set(epochId, dataKey);
      }
      if (!dataKey) {
        out.push({});
        continue;
      }
      try {
        const raw = Buffer.from(sealed.slice(colon + 1), 'base64');
        const d = createDecipheriv('aes-256-gcm', dataKey, raw.subarray(0, IV));
        d.setAAD(Buffer.from(epochId));
        d.setAuthTag(raw.subarray(IV, IV + TAG));
        out.push(JSON.parse(Buffer.concat([d.update(raw.subarray(IV + TAG)), d.final()]).toString('utf8')) as Record<string, string>);
      } catch {
        out.push({});
      }
    }
    return out;
  }

  /** Drops the data keys cached for a session (locked, logged out, idle). */
  forget(sessionHash: string): void {
    const cache = this.sessions.get(sessionHash);
    for (const k of cache?.values() ?? []) k?.fill(0);
    this.sessions.delete(sessionHash);
  }

  /** Seals rows written in clear before a key was set, in batches; returns how many. Nothing when no key is ready. */
  async sealClearRows(targets: SealableRows[], batch = 500): Promise<number> {
    let n = 0;
    for (const t of targets) {
      for (;;) {
        const rows = t.clearRows(batch);
        if (!rows.length) break;
        for (const r of rows) {
          const sealed = this.sealJson(r.clear);
          if (sealed === undefined) return n;
          t.setSealed(r.id, sealed);
          n++;
        }
        await new Promise((res) => setImmediate(res));
        if (rows.length < batch) break;
      }
    }
    return n;
  }
}

/** Re-wraps an epoch's data key from `old` keys to `to` (a key change). */
export async function rewrapEpoch(wrapped: string, old: PgpPrivateKey[], to: PgpPublicKey): Promise<string> {
  const dataKey = await decryptBytes(wrapped, old);
  try {
    return await encryptBytes(dataKey, to);
  } finally {
    dataKey.fill(0);
  }
}
