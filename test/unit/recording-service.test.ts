// The supervisor's side of call recording (src/recordings/recording-service.ts) on a real
// database and a real storage directory, fed the AMI events the dialplan sends
// (pbx-lib-recording.conf) and the files MixMonitor leaves: the index row from the start event,
// the file stored at completion, what happens without a start event, an empty recording, a
// storage that is not there, and the in-call code keyed on the other party's phone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { openDatabase } from '../../src/store/db.ts';
import { RecordingStore } from '../../src/store/recording-store.ts';
import { LocalRecordingStorage } from '../../src/recordings/storage.ts';
import { RecordingService } from '../../src/recordings/recording-service.ts';
import { pcmWav } from '../lib/wav.ts';

/** What MixMonitor leaves: a WAV whose audio is not silence. */
const wav = (seconds: number) => pcmWav(seconds, { fill: 1 });

function setup(opts: { configuredRoot?: string } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'rec-unit-'));
  const db = openDatabase(join(dir, 'pbx.sqlite'));
  const events = new EventEmitter();
  const stops: { channel: string; id: string }[] = [];
  const logs: string[] = [];
  const store = new RecordingStore(db);
  const service = new RecordingService({
    store,
    storage: new LocalRecordingStorage({ root: () => opts.configuredRoot, defaultRoot: join(dir, 'recordings') }),
    stagingDir: join(dir, 'staging'),
    events,
    runtime: { stopRecording: async (channel, id) => void stops.push({ channel, id }) },
    logger: { info: (_o, m) => logs.push(m), warn: (_o, m) => logs.push(m) },
    scanIntervalMs: 60_000,
    now: () => new Date('2026-03-04T10:00:00Z'),
  });
  service.start();
  const finish = (id: string, data: Buffer) => writeFileSync(join(dir, 'staging', 'done', `${id}.wav`), data);
  const startEvent = (id: string, extra: Record<string, string> = {}) =>
    events.emit('event', {
      event: 'UserEvent',
      userevent: 'PbxRecording',
      channel: 'PJSIP/202-00000001',
      uniqueid: id.replace(/-\d+$/, ''),
      linkedid: '1700000000.0',
      id,
      mixmonitorid: '0x7f00',
      caller: '201',
      callee: '202',
      direction: 'internal',
      policy: 'caller/201',
      mode: 'always',
      ...extra,
    });
  const cleanup = async () => {
    await service.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { dir, service, store, events, stops, logs, finish, startEvent, cleanup };
}

test('start event, then the finished file: stored by day, 0600, indexed with its length', async () => {
  const t = setup();
  try {
    t.startEvent('1700000000.1-1');
    const row = t.service.get('1700000000.1-1');
    assert.equal(row.state, 'recording');
    assert.equal(row.startedAt, '2026-03-04T10:00:00.000Z');
    await assert.rejects(t.service.open('1700000000.1-1'), /still being recorded/);

    t.finish('1700000000.1-1', wav(2.5));
    await t.service.settle();
    const done = t.service.get('1700000000.1-1');
    assert.equal(done.state, 'stored');
    assert.equal(done.durationMs, 2500);
    assert.deepEqual(
      { caller: done.caller, callee: done.callee, direction: done.direction, policy: done.policy, linkedId: done.linkedId, uniqueId: done.uniqueId },
      { caller: '201', callee: '202', direction: 'internal', policy: 'caller/201', linkedId: '1700000000.0', uniqueId: '1700000000.1' },
    );
    assert.equal('storageKey' in done, false, 'the API view holds no storage key');
    const file = join(t.dir, 'recordings', '2026', '03', '04', '1700000000.1-1.wav');
    assert.ok(existsSync(file));
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(join(t.dir, 'staging', 'done')), []);

    const { stream, size } = await t.service.open('1700000000.1-1', { start: 0, end: 3 });
    assert.equal(size, 44 + 40000);
    assert.equal(await text(stream), 'RIFF');

    await t.service.remove('1700000000.1-1');
    assert.equal(existsSync(file), false);
    assert.throws(() => t.service.get('1700000000.1-1'), /does not exist/);
  } finally {
    await t.cleanup();
  }
});

test('a file whose start was missed is indexed from its name; an empty one is dropped with its row', async () => {
  const t = setup();
  try {
    t.finish('1700000001.5-2', wav(1));
    t.startEvent('1700000002.1-1');
    t.finish('1700000002.1-1', wav(0));
    await t.service.settle();
    const orphan = t.service.get('1700000001.5-2');
    assert.equal(orphan.uniqueId, '1700000001.5');
    assert.equal(orphan.policy, 'unknown');
    assert.equal(orphan.durationMs, 1000);
    assert.throws(() => t.service.get('1700000002.1-1'), /does not exist/);
    assert.deepEqual(readdirSync(join(t.dir, 'staging', 'done')), []);
  } finally {
    await t.cleanup();
  }
});

test('a configured storage that is not there: the file waits in staging and is stored once it is', async () => {
  const nas = join(tmpdir(), `rec-nas-${process.pid}-${Date.now()}`);
  const t = setup({ configuredRoot: nas });
  try {
    t.startEvent('1700000003.1-1');
    t.finish('1700000003.1-1', wav(1));
    await t.service.settle();
    assert.equal(t.service.get('1700000003.1-1').state, 'recording');
    assert.ok(existsSync(join(t.dir, 'staging', 'done', '1700000003.1-1.wav')), 'kept for the next attempt');
    assert.ok(t.logs.some((l) => /could not be stored yet/.test(l)));
    assert.match(t.service.health().error ?? '', /does not exist/, 'the health report says why');
    mkdirSync(nas);
    await t.service.settle();
    assert.equal(t.service.get('1700000003.1-1').state, 'stored');
    assert.deepEqual(t.service.health(), { ok: true });
    assert.ok(readFileSync(join(nas, '2026', '03', '04', '1700000003.1-1.wav')).subarray(0, 4).equals(Buffer.from('RIFF')));
  } finally {
    await t.cleanup();
    rmSync(nas, { recursive: true, force: true });
  }
});

test('the in-call code keyed on the other phone stops an onDemand recording over AMI, never an always one', async () => {
  const t = setup();
  try {
    t.startEvent('1700000004.1-1', { mode: 'onDemand', linkedid: '1700000004.0', channel: 'PJSIP/202-00000009', mixmonitorid: '0xabc' });
    t.events.emit('event', { event: 'UserEvent', userevent: 'PbxRecordingStop', call: '1700000004.0', channel: 'PJSIP/201-00000008' });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(t.stops, [{ channel: 'PJSIP/202-00000009', id: '0xabc' }]);

    t.startEvent('1700000005.1-1', { mode: 'always', linkedid: '1700000005.0' });
    t.events.emit('event', { event: 'UserEvent', userevent: 'PbxRecordingStop', call: '1700000005.0' });
    await new Promise((r) => setImmediate(r));
    assert.equal(t.stops.length, 1, 'an always recording is not stopped by the code');
  } finally {
    await t.cleanup();
  }
});

test('events that are not ours, or carry text from outside, change nothing harmful', async () => {
  const t = setup();
  try {
    t.startEvent('../../etc/passwd-1');
    t.startEvent('1700000006.1-1', { caller: '"><script>1', direction: 'sideways', policy: 'x; rm -rf', mode: 'always' });
    const list = t.service.list({ limit: 50, offset: 0 });
    assert.equal(list.total, 1);
    const [r] = list.items;
    assert.equal(r!.caller, 'script1');
    assert.equal(r!.direction, 'internal');
    assert.equal(r!.policy, 'unknown');
    t.startEvent('1700000007.1-1', { mode: 'sometimes' });
    assert.equal(t.service.list({ limit: 50, offset: 0 }).total, 1);
  } finally {
    await t.cleanup();
  }
});

test('recordings Asterisk never finished: stored once their channel is gone and nothing writes to them', async () => {
  const t = setup();
  try {
    const live = (id: string, agoMs: number) => {
      const f = join(t.dir, 'staging', 'live', `${id}.wav`);
      writeFileSync(f, wav(1));
      const at = new Date(new Date('2026-03-04T10:00:00Z').getTime() - agoMs);
      utimesSync(f, at, at);
    };
    live('1700000008.1-1', 60_000); // its channel is still up: a call in progress
    live('1700000009.1-1', 1_000); // just written to: its post-command is about to move it
    live('1700000010.1-1', 60_000); // cut off
    const moved = await t.service.recoverInterrupted(new Set(['1700000008.1', '1700000000.0']));
    assert.deepEqual(moved, ['1700000010.1-1']);
    await t.service.settle();
    assert.equal(t.service.get('1700000010.1-1').state, 'stored');
    assert.deepEqual(readdirSync(join(t.dir, 'staging', 'live')).sort(), ['1700000008.1-1.wav', '1700000009.1-1.wav']);
  } finally {
    await t.cleanup();
  }
});
