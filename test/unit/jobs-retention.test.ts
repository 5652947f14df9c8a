// Retention against a real SQLite database (the daemon's migrations) and real files in a temp
// directory: CDR rows, recordings (file and row together) and voicemail messages past their
// period go; a call on legal hold keeps its CDR rows and its recordings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import { openDatabase } from '../../src/store/db.ts';
import { CdrStore, type CdrInsert } from '../../src/store/cdr-store.ts';
import { RecordingStore } from '../../src/store/recording-store.ts';
import { RecordingService } from '../../src/recordings/recording-service.ts';
import { LocalRecordingStorage } from '../../src/recordings/storage.ts';
import { VoicemailStore } from '../../src/media/voicemail-store.ts';
import { ApplianceStateStore } from '../../src/store/appliance-state.ts';
import { RetentionJob, cutoff, withBoxWideRetention, RETENTION_BATCH } from '../../src/jobs/retention.ts';

const NOW = new Date('2026-06-15T12:00:00Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000).toISOString();

function cdr(linkedId: string, start: string, seq = 1): CdrInsert {
  return {
    uniqueId: `${linkedId}.${seq}`, linkedId, sequence: seq, start, end: start, duration: 10, billsec: 8,
    callerNumber: '201', callerName: 'Anna', calledNumber: '+39021234xxx', calledName: '', did: '', extensions: ['201'],
    trunk: 'carrier', direction: 'out', disposition: 'ANSWERED', route: '', accountCode: '', channel: 'PJSIP/201-1', dstChannel: '', lastApp: 'Dial',
  };
}

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'pbx-retention-'));
  const db = openDatabase(join(dir, 'pbx.sqlite'));
  const cdrs = new CdrStore(db);
  const recStore = new RecordingStore(db);
  const storage = new LocalRecordingStorage({ root: () => undefined, defaultRoot: join(dir, 'recordings') });
  const logger = { info: () => undefined, warn: () => undefined };
  const recordings = new RecordingService({ store: recStore, storage, stagingDir: join(dir, 'staging'), events: new EventEmitter(), logger });
  const voicemail = new VoicemailStore({ dir: join(dir, 'voicemail'), isMailbox: () => true });
  const state = new ApplianceStateStore(db);
  return { dir, db, cdrs, recStore, storage, recordings, voicemail, state };
}

async function addRecording(t: ReturnType<typeof setup>, id: string, linkedId: string, startedAt: string): Promise<string> {
  const src = join(t.dir, `${id}.wav`);
  writeFileSync(src, Buffer.alloc(1000));
  const meta = { startedAt, linkedId, caller: '201', callee: '+39021234xxx', direction: 'out' as const };
  const start = { id, uniqueId: linkedId, linkedId, caller: '201', callee: '+39021234xxx', direction: 'out' as const, startedAt, policy: 'all', mode: 'always' as const };
  const { key, size } = await t.storage.store(id, src, meta);
  t.recStore.stored(id, { durationMs: 1000, size, storageKey: key }, start);
  return key;
}

function addVoicemail(t: ReturnType<typeof setup>, box: string, index: number, at: string): void {
  const dir = join(t.dir, 'voicemail', box, 'INBOX');
  mkdirSync(dir, { recursive: true });
  const n = String(index).padStart(4, '0');
  writeFileSync(join(dir, `msg${n}.txt`), `[message]\ncallerid="Bob" <0212345678>\norigtime=${Math.floor(Date.parse(at) / 1000)}\nduration=3\n`);
  writeFileSync(join(dir, `msg${n}.wav`), Buffer.alloc(100));
}

test('retention deletes what is past its period and keeps calls on legal hold', async () => {
  const t = setup();
  try {
    t.cdrs.transaction(() => {
      t.cdrs.insertCdr(cdr('old-1', daysAgo(40)));
      t.cdrs.insertCdr(cdr('old-1', daysAgo(40), 2));
      t.cdrs.insertCdr(cdr('old-held', daysAgo(100)));
      t.cdrs.insertCdr(cdr('new-1', daysAgo(5)));
    });
    t.cdrs.setLegalHold('old-held', true, 'privacy-admin', 'court order 12/2026');
    const oldKey = await addRecording(t, 'old-1-1', 'old-1', daysAgo(40));
    const heldKey = await addRecording(t, 'old-held-1', 'old-held', daysAgo(100));
    const newKey = await addRecording(t, 'new-1-1', 'new-1', daysAgo(5));
    addVoicemail(t, '201', 0, daysAgo(20));
    addVoicemail(t, '201', 1, daysAgo(2));
    addVoicemail(t, '202', 0, daysAgo(20)); // box 202 keeps 10 days of its own

    const runs: unknown[] = [];
    const settings = { cdrDays: 30, recordingDays: 30, voicemailDays: 15 };
    const job = new RetentionJob({
      settings: () => settings,
      timezone: () => 'Europe/Rome',
      cdr: t.cdrs,
      recordings: t.recordings,
      voicemail: t.voicemail,
      mailboxes: () => [{ number: '201', retentionDays: 0 }, { number: '202', retentionDays: 10 }],
      state: t.state,
      now: () => NOW,
      onRun: (r) => runs.push(r),
    });
    const run = await job.run();
    assert.equal(run.cdrDeleted, 2);
    assert.equal(run.recordingsDeleted, 1);
    assert.equal(run.voicemailDeleted, 2);
    assert.equal(run.heldSkipped, 2, 'the held call: one CDR row and one recording');
    assert.deepEqual(run.errors, []);
    assert.equal(run.trigger, 'manual');
    assert.equal(runs.length, 1);

    const left = [...t.cdrs.iterate({ sort: 'start', order: 'asc', limit: 50, offset: 0 })].map((r) => r.linkedId);
    assert.deepEqual(left, ['old-held', 'new-1']);
    assert.equal(existsSync(oldKey), false, 'the file goes with the row');
    assert.equal(t.recStore.get('old-1-1'), undefined);
    assert.ok(existsSync(heldKey) && t.recStore.get('old-held-1'));
    assert.ok(existsSync(newKey) && t.recStore.get('new-1-1'));
    assert.deepEqual(t.voicemail.messages('201').map((m) => m.index), [0], 'the recent one, renumbered');
    assert.deepEqual(t.voicemail.messages('202'), []);

    // The summary survives a restart; a released hold lets the next run take the call.
    const again = new RetentionJob({ settings: () => settings, timezone: () => 'UTC', mailboxes: () => [], state: t.state });
    assert.deepEqual(again.status().lastRun, run);
    assert.equal(again.status().nextRun, null);
    t.cdrs.setLegalHold('old-held', false, 'privacy-admin');
    const second = await job.run('schedule');
    assert.equal(second.cdrDeleted, 1);
    assert.equal(second.recordingsDeleted, 1);
    assert.equal(second.heldSkipped, 0);
    assert.equal(existsSync(heldKey), false);
  } finally {
    t.db.close();
    rmSync(t.dir, { recursive: true, force: true });
  }
});

test('0 keeps a kind forever; a purge asks the store for bounded batches; two runs at once are one', async () => {
  const t = setup();
  try {
    const rows = RETENTION_BATCH * 2 + 17;
    t.cdrs.transaction(() => {
      for (let i = 0; i < rows; i++) t.cdrs.insertCdr(cdr(`c${i}`, daysAgo(400 + (i % 30))));
    });
    for (let i = 0; i < 5; i++) await addRecording(t, `r${i}-1`, `c${i}`, daysAgo(400));
    t.cdrs.setLegalHold('c3', true, 'privacy-admin');
    const limits: (number | undefined)[] = [];
    const counting = {
      deleteOlderThan: (iso: string, limit?: number) => {
        limits.push(limit);
        return t.cdrs.deleteOlderThan(iso);
      },
      holds: () => t.cdrs.holds(),
      query: (q: Parameters<CdrStore['query']>[0]) => t.cdrs.query(q),
    };
    const keepAll = new RetentionJob({
      settings: () => ({ cdrDays: 0, recordingDays: 0, voicemailDays: 0 }),
      timezone: () => 'UTC',
      cdr: counting,
      recordings: t.recordings,
      voicemail: t.voicemail,
      mailboxes: () => [],
      now: () => NOW,
    });
    const none = await keepAll.run();
    assert.deepEqual([none.cdrDeleted, none.recordingsDeleted, none.voicemailDeleted, none.heldSkipped], [0, 0, 0, 0]);
    assert.equal(limits.length, 0);

    const job = new RetentionJob({
      settings: () => ({ cdrDays: 365, recordingDays: 365, voicemailDays: 0 }),
      timezone: () => 'UTC',
      cdr: counting,
      recordings: t.recordings,
      mailboxes: () => [],
      now: () => NOW,
    });
    // Two runs at once are one.
    const [a, b] = await Promise.all([job.run(), job.run()]);
    assert.equal(a, b);
    assert.equal(a.cdrDeleted, rows - 1);
    assert.equal(a.recordingsDeleted, 4);
    assert.equal(a.heldSkipped, 2);
    assert.deepEqual(limits.slice(0, 1), [RETENTION_BATCH]);
    assert.equal(t.cdrs.query({ sort: 'start', order: 'desc', limit: 10, offset: 0 }).total, 1);
    assert.equal(readdirSync(join(t.dir, 'recordings'), { recursive: true }).filter((f) => String(f).endsWith('.wav')).length, 1);
  } finally {
    t.db.close();
    rmSync(t.dir, { recursive: true, force: true });
  }
});

test('the box-wide voicemail period and each box’s own: the shorter one that is set', () => {
  const boxes = [
    { number: '201', retentionDays: 0 },
    { number: '202', retentionDays: 10 },
    { number: '203', retentionDays: 90 },
  ];
  assert.deepEqual(withBoxWideRetention(boxes, 0), boxes);
  assert.deepEqual(
    withBoxWideRetention(boxes, 30).map((b) => b.retentionDays),
    [30, 10, 30],
  );
  assert.equal(cutoff(NOW, 0), undefined);
  assert.equal(cutoff(NOW, 1), '2026-06-14T12:00:00.000Z');
});

test('scheduled at 03:15 in the box’s time zone', () => {
  const job = new RetentionJob({ settings: () => ({ cdrDays: 0, recordingDays: 0, voicemailDays: 0 }), timezone: () => 'Asia/Tokyo', mailboxes: () => [] });
  job.start();
  try {
    const next = new Date(job.status().nextRun!);
    // 03:15 in Tokyo (+09, no DST) is 18:15 UTC.
    assert.deepEqual([next.getUTCHours(), next.getUTCMinutes()], [18, 15]);
  } finally {
    job.stop();
  }
  assert.equal(job.status().nextRun, null);
});
