// The privacy service on a real SQLite file and a real directory: key set, unlock per session,
// encrypted storage with ranges, field cipher, key change re-wrapping files and epochs, and a
// job interrupted by a restart resuming once the old key is unlocked again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { openDatabase, type Db } from '../../src/store/db.ts';
import { RecordingStore } from '../../src/store/recording-store.ts';
import { PrivacyStore } from '../../src/store/privacy-store.ts';
import { LocalRecordingStorage } from '../../src/recordings/storage.ts';
import { EncryptedRecordingStorage } from '../../src/crypto/encrypted-storage.ts';
import { PrivacyService } from '../../src/crypto/privacy-service.ts';
import { PgpPrivateKey, readHead } from '../../src/crypto/pgp.ts';
import { LockedError } from '../../src/domain/errors.ts';

const logger = { info: () => undefined, warn: () => undefined };

function setup(dir = mkdtempSync(join(tmpdir(), 'privacy-unit-')), opts: { now?: () => number; alive?: Set<string> } = {}) {
  const db: Db = openDatabase(join(dir, 'pbx.sqlite'));
  const recs = new RecordingStore(db);
  const storage: EncryptedRecordingStorage = new EncryptedRecordingStorage(new LocalRecordingStorage({ root: () => undefined, defaultRoot: join(dir, 'recordings') }), {
    current: () => privacy.current(),
    sessionKeys: (s) => privacy.sessionKeys(s),
  });
  const alive = opts.alive ?? new Set(['s1', 's2']);
  const privacy: PrivacyService = new PrivacyService({ store: new PrivacyStore(db), storage, sessionAlive: (h) => alive.has(h), logger, tickMs: 3_600_000, ...(opts.now ? { now: opts.now } : {}) });
  return { dir, db, recs, storage, privacy, alive };
}

let n = 0;
async function record(t: ReturnType<typeof setup>, bytes: Buffer): Promise<string> {
  const id = `1700000000.${++n}-1`;
  const src = join(t.dir, `${id}.wav`);
  writeFileSync(src, bytes);
  const start = { id, uniqueId: id, linkedId: id, caller: '201', callee: '+390212345678', direction: 'out' as const, startedAt: new Date().toISOString(), policy: 'ext/201', mode: 'always' as const };
  t.recs.started(start);
  const stored = await t.storage.store(id, src, start);
  t.recs.stored(id, { durationMs: 1000, size: stored.size, storageKey: stored.key }, start);
  assert.equal(existsSync(src), false, 'the staging file is gone');
  return id;
}
const audio = (len: number, seed: number) => Buffer.from(Array.from({ length: len }, (_, i) => (i * seed + 11) & 0xff));
const open = async (t: ReturnType<typeof setup>, id: string, session?: string, range?: { start: number; end: number }) =>
  buffer(await t.storage.open(t.recs.get(id)!.storageKey!, range, session));

test('passphrase key: recordings before the key are encrypted by the job, new ones as stored; reading needs an unlocked session', async () => {
  const t = setup();
  await t.privacy.start();
  const before = audio(50_000, 3);
  const early = await record(t, before);
  assert.match(t.recs.get(early)!.storageKey!, /\.wav$/);
  t.privacy.requireUnlocked(undefined); // no key: nothing to unlock

  await t.privacy.setKey({ mode: 'passphrase', passphrase: 'a long passphrase 1' }, 'privacy', 's1');
  await t.privacy.settle();
  const key = t.recs.get(early)!.storageKey!;
  assert.match(key, /\.wav\.gpg$/);
  assert.equal(existsSync(key.slice(0, -4)), false, 'the clear file is removed');
  assert.equal(t.privacy.status('s1').reencryption?.state, 'done');

  const data = audio(120_000, 5);
  const id = await record(t, data);
  const file = readFileSync(t.recs.get(id)!.storageKey!);
  assert.notEqual(file.subarray(0, 4).toString(), 'RIFF');
  assert.equal(t.recs.get(id)!.size, data.length, 'the index keeps the plaintext size');

  await assert.rejects(open(t, id, 's1'), LockedError);
  assert.throws(() => t.privacy.requireUnlocked('s1'), LockedError);
  await assert.rejects(t.privacy.unlock('s1', { passphrase: 'not the passphrase' }), /does not unlock/);
  await t.privacy.unlock('s1', { passphrase: 'a long passphrase 1' });
  assert.equal(t.privacy.isUnlocked('s1'), true);
  assert.equal(t.privacy.isUnlocked('s2'), false, 'unlocking is per session');
  assert.deepEqual(await open(t, id, 's1'), data);
  assert.deepEqual(await open(t, early, 's1'), before);
  assert.deepEqual(await open(t, id, 's1', { start: 70_000, end: 70_099 }), data.subarray(70_000, 70_100));
  assert.deepEqual(await open(t, id, 's1', { start: 0, end: 43 }), data.subarray(0, 44));

  // The locked private key downloaded for gpg unlocks with the passphrase.
  const priv = await PgpPrivateKey.unlock(t.privacy.lockedPrivateKey().armored, 'a long passphrase 1');
  assert.equal(priv.fingerprint, t.privacy.status('s1').key!.fingerprint);

  t.privacy.lock('s1');
  await assert.rejects(open(t, id, 's1'), LockedError);
  await t.privacy.stop();
  t.db.close();
});

test('the unlocked key is dropped after 30 minutes idle and when the session ends', async () => {
  let now = 1_000_000;
  const t = setup(undefined, { now: () => now });
  await t.privacy.start();
  await t.privacy.setKey({ mode: 'passphrase', passphrase: 'a long passphrase 2' }, 'privacy', 's1');
  await t.privacy.unlock('s1', { passphrase: 'a long passphrase 2' });
  await t.privacy.unlock('s2', { passphrase: 'a long passphrase 2' });
  now += 29 * 60_000;
  assert.equal(t.privacy.isUnlocked('s1'), true);
  t.privacy.sessionKeys('s1'); // use
  now += 29 * 60_000;
  assert.equal(t.privacy.isUnlocked('s1'), true);
  assert.equal(t.privacy.isUnlocked('s2'), false, 'idle for 58 minutes');
  t.alive.delete('s1');
  assert.equal(t.privacy.isUnlocked('s1'), false, 'logged out');
  await t.privacy.stop();
  t.db.close();
});

test('field cipher: clear without a key, sealed under a wrapped epoch key with one, revealed only unlocked; the sealer seals old rows', async () => {
  const t = setup();
  await t.privacy.start();
  const c = t.privacy.cipher;
  const clear = c.protect({ callerNumber: '+390212345678', callerName: 'Mario Rossi' });
  assert.ok(clear.clear && !clear.sealed);
  const rows = new Map<number, { clear?: string; sealed?: string }>([[1, clear]]);
  t.privacy.setSealables([
    {
      clearRows: (lim) => [...rows].filter(([, r]) => r.clear !== undefined).slice(0, lim).map(([id, r]) => ({ id, clear: r.clear! })),
      setSealed: (id, sealed) => rows.set(Number(id), { sealed }),
    },
  ]);
  await t.privacy.setKey({ mode: 'passphrase', passphrase: 'a long passphrase 3' }, 'privacy', 's1');
  await t.privacy.settle();
  assert.ok(rows.get(1)!.sealed, 'the job sealed the clear row');
  const sealed = c.protect({ calledNumber: '+41441234567' });
  assert.match(sealed.sealed!, /^[0-9a-z]+:[A-Za-z0-9+/=]+$/);
  assert.doesNotMatch(sealed.sealed!, /41441234567/);
  await assert.rejects(c.reveal('s1', [sealed]), LockedError);
  assert.equal(c.isUnlocked('s1'), false);
  await t.privacy.unlock('s1', { passphrase: 'a long passphrase 3' });
  assert.deepEqual(await c.reveal('s1', [sealed, rows.get(1)!, { clear: '{"a":"b"}' }, { sealed: 'nope:AAAA' }]), [
    { calledNumber: '+41441234567' },
    { callerNumber: '+390212345678', callerName: 'Mario Rossi' },
    { a: 'b' },
    {},
  ]);
  await t.privacy.stop();
  t.db.close();
});

test('a key change re-wraps every file and epoch; interrupted by a restart, it resumes when the old key is unlocked again', async () => {
  const t = setup();
  await t.privacy.start();
  await t.privacy.setKey({ mode: 'passphrase', passphrase: 'old passphrase one' }, 'privacy', 's1');
  await t.privacy.settle();
  const data = [audio(30_000, 7), audio(40_000, 9), audio(10_000, 13)];
  const ids: string[] = [];
  for (const d of data) ids.push(await record(t, d));
  const sealedOld = t.privacy.cipher.protect({ callerNumber: '+390299999999' });
  const encBefore = readFileSync(t.recs.get(ids[1]!)!.storageKey!);

  await assert.rejects(t.privacy.setKey({ mode: 'passphrase', passphrase: 'new passphrase two' }, 'privacy', 's1'), LockedError);
  await t.privacy.unlock('s1', { passphrase: 'old passphrase one' });
  // Simulate a crash after the first file: stop the job by making it wait (no old key in memory after the "restart").
  await t.privacy.setKey({ mode: 'passphrase', passphrase: 'new passphrase two' }, 'privacy', 's1');
  await t.privacy.settle();
  const fpNew = t.privacy.status('s1').key!.fingerprint;
  for (const id of ids) assert.deepEqual(readHead(readFileSync(t.recs.get(id)!.storageKey!)).recipients, t.privacy.current()!.key.info.encryptionKeyIds);
  const encAfter = readFileSync(t.recs.get(ids[1]!)!.storageKey!);
  assert.deepEqual(encAfter.subarray(readHead(encAfter).dataOffset), encBefore.subarray(readHead(encBefore).dataOffset), 'only the PKESK changed');
  t.privacy.lock('s1');
  await t.privacy.unlock('s1', { passphrase: 'new passphrase two' });
  for (let i = 0; i < ids.length; i++) assert.deepEqual(await open(t, ids[i]!, 's1'), data[i]);
  assert.deepEqual(await t.privacy.cipher.reveal('s1', [sealedOld]), [{ callerNumber: '+390299999999' }], 'the old epoch was re-wrapped');
  await assert.rejects(t.privacy.unlock('s2', { passphrase: 'old passphrase one' }), /does not unlock/, 'the retired key is gone');
  assert.equal(t.privacy.status('s1').reencryption?.state, 'done');
  await t.privacy.stop();
  t.db.close();

  // Restart in the middle of a change: the job row says running, the old key is not in memory.
  const t2 = setup(t.dir);
  await t2.privacy.start();
  await t2.privacy.unlock('s1', { passphrase: 'new passphrase two' });
  await t2.privacy.setKey({ mode: 'passphrase', passphrase: 'third passphrase 3' }, 'privacy', 's1');
  // "Crash" at once: stopping drops the old key from memory, so the job halts where it is.
  await t2.privacy.stop();
  assert.equal(new PrivacyStore(t2.db).runningJob()?.reason, 'change');
  t2.db.close();

  const t3 = setup(t.dir);
  await t3.privacy.start();
  await t3.privacy.settle();
  const st = t3.privacy.status('s2');
  assert.equal(st.reencryption?.state, 'waiting');
  assert.equal(st.reencryption?.needsKey, fpNew);
  // Every file is readable now with the new key (done ones) or the old key (the rest): never unreadable.
  await t3.privacy.unlock('s2', { passphrase: 'third passphrase 3' });
  await t3.privacy.unlock('s2', { passphrase: 'new passphrase two' }); // the old key: the job resumes
  await t3.privacy.settle();
  assert.equal(t3.privacy.status('s2').reencryption?.state, 'done');
  assert.notEqual(t3.privacy.status('s2').key!.fingerprint, fpNew);
  t3.privacy.lock('s2');
  await t3.privacy.unlock('s2', { passphrase: 'third passphrase 3' });
  for (let i = 0; i < ids.length; i++) assert.deepEqual(await open(t3, ids[i]!, 's2'), data[i]);
  await t3.privacy.stop();
  t3.db.close();
  rmSync(t.dir, { recursive: true, force: true });
});
