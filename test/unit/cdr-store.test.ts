// Masking, query building and the ingester's durability on a real SQLite file: offsets are
// committed with the rows (a second ingester on the same files adds nothing), a partial line
// waits, a truncated or replaced file is read from its start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { maskNumber, clearFieldProtector, cdrQuerySchema, queueCallQuerySchema, CDR_LINE_FIELDS, type FieldProtector } from '../../src/domain/cdr.ts';
import { openDatabase } from '../../src/store/db.ts';
import { CdrStore, cdrFilter, decodeCursor, encodeCursor } from '../../src/store/cdr-store.ts';
import { CdrIngester, CDR_FILE, QUEUE_LOG_FILE } from '../../src/cdr/ingester.ts';
import { CdrService } from '../../src/cdr/cdr-service.ts';
import { parseCsv } from '../../src/lib/csv.ts';
import { ValidationError } from '../../src/domain/errors.ts';

const line = (f: Partial<Record<(typeof CDR_LINE_FIELDS)[number], string>>) => ['v1', ...CDR_LINE_FIELDS.map((k) => encodeURIComponent(f[k] ?? ''))].join(',') + '\n';
const internal = new Set(['201', '202', '203']);

test('maskNumber: external numbers lose their last 3 digits, extensions and short codes never', () => {
  assert.equal(maskNumber('+390212345678'), '+390212345xxx');
  assert.equal(maskNumber('3471112233'), '3471112xxx');
  assert.equal(maskNumber('201'), '201');
  assert.equal(maskNumber('1234'), '1234');
  assert.equal(maskNumber('12345', new Set(['12345'])), '12345');
  assert.equal(maskNumber(''), '');
});

test('query building: filters, masked number search, cursor round trip', () => {
  const q = cdrQuerySchema.parse({ from: '2026-01-01T00:00:00+01:00', number: '3471112233', extension: '201', direction: 'in', trunk: 'carrier1', queue: 'support' });
  const { where, args } = cdrFilter(q, internal);
  assert.equal(where.length, 6);
  assert.equal(args[0], '2025-12-31T23:00:00.000Z');
  assert.deepEqual(args.slice(1, 4), ['3471112xxx', '3471112xxx', '3471112233']);
  assert.ok(args.includes('ext:201') && args.includes('queue:support'));
  const c = encodeCursor('start', '2026-01-01T00:00:00.000Z', 42);
  assert.deepEqual(decodeCursor(c, 'start'), { value: '2026-01-01T00:00:00.000Z', id: 42 });
  assert.throws(() => decodeCursor(c, 'duration'), ValidationError);
  assert.throws(() => decodeCursor('garbage', 'start'), ValidationError);
});

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'cdr-unit-'));
  const db = openDatabase(join(dir, 'pbx.sqlite'));
  const store = new CdrStore(db, { internal: () => internal });
  const ingester = (protector: FieldProtector = clearFieldProtector) =>
    new CdrIngester({ store, logDir: dir, protector: () => protector, internal: () => internal, hasOverflow: (q) => q === 'support' });
  return { dir, db, store, ingester, done: () => (db.close(), rmSync(dir, { recursive: true, force: true })) };
}

test('ingestion: masked columns, protected whole values, offsets committed with the rows', () => {
  const s = setup();
  try {
    const file = join(s.dir, CDR_FILE);
    writeFileSync(file, line({ uniqueid: '1.1', linkedid: '1.1', sequence: '1', start: '1700000000', answer: '1700000001', end: '1700000011', duration: '11', billsec: '10', clid: '"Mario" <3471112233>', channel: 'PJSIP/trunk-carrier1-00000001', dstchannel: 'PJSIP/202-00000002', disposition: 'ANSWERED', pbx_did: '0612345678', pbx_exts: '202', pbx_route: 'in/0612345678>queue/support>agent/202', pbx_called: '0612345678' }));
    // A line Asterisk is still writing: not consumed yet.
    appendFileSync(file, line({ uniqueid: '1.5', start: '1700000100', end: '1700000101', clid: '"Anna" <201>', channel: 'PJSIP/201-00000009', dstchannel: 'PJSIP/202-0000000a', pbx_exts: '201&202', pbx_called: '202' }).slice(0, 30));
    assert.equal(s.ingester().poll(), 1);
    const [row] = s.store.query(cdrQuerySchema.parse({})).items;
    assert.equal(row!.callerNumber, '3471112xxx');
    assert.equal(row!.callerName, '');
    assert.equal(row!.direction, 'in');
    assert.deepEqual(JSON.parse(row!.protected!.clear!), { callerNumber: '3471112233', callerName: 'Mario' });
    // The rest of the partial line arrives; a second ingester (a restart) adds only it.
    appendFileSync(file, line({ uniqueid: '1.5', start: '1700000100', end: '1700000101', clid: '"Anna" <201>', channel: 'PJSIP/201-00000009', dstchannel: 'PJSIP/202-0000000a', pbx_exts: '201&202', pbx_called: '202' }).slice(30));
    assert.equal(s.ingester().poll(), 1);
    assert.equal(s.ingester().poll(), 0);
    assert.equal(s.store.query(cdrQuerySchema.parse({})).total, 2);
    const internalCall = s.store.query(cdrQuerySchema.parse({ extension: '201' })).items[0]!;
    assert.equal(internalCall.callerName, 'Anna');
    assert.equal(internalCall.protected, undefined);
    assert.equal(s.store.query(cdrQuerySchema.parse({ queue: 'support' })).total, 1);
    assert.equal(s.store.query(cdrQuerySchema.parse({ number: '3471112233' })).total, 1);
    assert.equal(s.store.query(cdrQuerySchema.parse({ number: '0612345678' })).total, 1, 'the DID');
    // Truncated (or replaced by a new file): read from its start; records already stored are not doubled.
    writeFileSync(file, line({ uniqueid: '1.9', start: '1700000200', end: '1700000201', clid: '<202>', pbx_exts: '202' }));
    assert.equal(s.ingester().poll(), 1);
    renameSync(file, file + '.old');
    writeFileSync(file, line({ uniqueid: '1.9', start: '1700000200', end: '1700000201', clid: '<202>', pbx_exts: '202' }) + line({ uniqueid: '2.0', start: '1700000300', end: '1700000301', clid: '<203>' }));
    s.ingester().poll();
    assert.equal(s.store.query(cdrQuerySchema.parse({})).total, 4);
  } finally {
    s.done();
  }
});

test('queue calls from queue_log: answered with agent, wait and talk time; abandoned; overflowed', () => {
  const s = setup();
  try {
    writeFileSync(
      join(s.dir, QUEUE_LOG_FILE),
      [
        '1700000000|1700000000.1|pbx-queue-support|NONE|ENTERQUEUE||3471112233|1',
        '1700000004|1700000000.1|pbx-queue-support|Local/203@pbx-agent/n|RINGNOANSWER|4000',
        '1700000006|1700000000.1|pbx-queue-support|Local/203@pbx-agent/n|CONNECT|6|1700000005.3|2',
        '1700000036|1700000000.1|pbx-queue-support|Local/203@pbx-agent/n|COMPLETECALLER|6|30|1',
        '1700000100|1700000100.2|pbx-queue-support|NONE|ENTERQUEUE||201|1',
        '1700000105|1700000100.2|pbx-queue-support|NONE|ABANDON|1|1|5',
        '1700000200|1700000200.3|pbx-queue-support|NONE|ENTERQUEUE||202|1',
        '1700000230|1700000200.3|pbx-queue-support|NONE|EXITWITHTIMEOUT|1|1|30',
        '1700000300|1700000300.4|pbx-queue-sales|NONE|ENTERQUEUE||202|1',
        '',
      ].join('\n'),
    );
    s.ingester().poll();
    const all = s.store.queueCalls(queueCallQuerySchema.parse({ order: 'asc' }));
    assert.equal(all.total, 3, 'the stay still in the queue is not listed');
    const [answered, abandoned, overflowed] = all.items;
    assert.equal(answered!.outcome, 'answered');
    assert.equal(answered!.agent, '203');
    assert.equal(answered!.waitTime, 6);
    assert.equal(answered!.talkTime, 30);
    assert.equal(answered!.exitCause, 'COMPLETECALLER');
    assert.equal(answered!.callerNumber, '3471112xxx');
    assert.equal(abandoned!.outcome, 'abandoned');
    assert.equal(abandoned!.waitTime, 5);
    assert.equal(abandoned!.callerNumber, '201');
    assert.equal(overflowed!.outcome, 'overflowed');
    assert.equal(s.store.queueCalls(queueCallQuerySchema.parse({ agent: '203' })).total, 1);
  } finally {
    s.done();
  }
});

test('paging at scale: cursor pages are disjoint and ordered; offset agrees; iterate reads everything', () => {
  const s = setup();
  try {
    s.store.transaction(() => {
      for (let i = 0; i < 2500; i++) {
        s.store.insertCdr({
          uniqueId: `u${i}`, linkedId: `l${i % 1000}`, sequence: 1, start: new Date(1_700_000_000_000 + Math.floor(i / 3) * 1000).toISOString(),
          end: new Date(1_700_000_001_000 + i * 1000).toISOString(), duration: i % 97, billsec: i % 50, callerNumber: '201', callerName: '', calledNumber: '202',
          calledName: '', did: '', extensions: ['201'], trunk: '', direction: 'internal', disposition: 'ANSWERED', route: '', accountCode: '', channel: '', dstChannel: '', lastApp: '',
        });
      }
    });
    for (const sort of ['start', 'duration'] as const) {
      const seen: number[] = [];
      let cursor: string | undefined;
      let prev: { v: number | string; id: number } | undefined;
      for (;;) {
        const page = s.store.query(cdrQuerySchema.parse({ sort, limit: 1000, ...(cursor ? { cursor } : {}) }));
        for (const r of page.items) {
          const v = sort === 'start' ? r.start : r.duration;
          if (prev) assert.ok(v < prev.v || (v === prev.v && r.id < prev.id), `${sort} descending`);
          prev = { v, id: r.id };
          seen.push(r.id);
        }
        if (!page.next) break;
        cursor = page.next;
      }
      assert.equal(new Set(seen).size, 2500, sort);
    }
    const byOffset = s.store.query(cdrQuerySchema.parse({ limit: 10, offset: 1000 })).items.map((r) => r.id);
    const c = s.store.query(cdrQuerySchema.parse({ limit: 1000 })).next!;
    assert.deepEqual(s.store.query(cdrQuerySchema.parse({ limit: 10, cursor: c })).items.map((r) => r.id), byOffset);
    assert.equal([...s.store.iterate(cdrQuerySchema.parse({ order: 'asc' }))].length, 2500);
    // Legal hold: retention keeps the held call's rows.
    s.store.setLegalHold('l5', true, 'privacy', 'dispute');
    // In batches: oldest first, at most the limit each time, until a batch comes back short.
    const batches: number[] = [];
    for (let n = -1; n !== 0 && batches.length < 10; ) batches.push((n = s.store.deleteOlderThan('2100-01-01T00:00:00Z', 1000)));
    assert.deepEqual(batches, [1000, 1000, 497, 0]);
    assert.equal(s.store.query(cdrQuerySchema.parse({})).total, 3);
    assert.deepEqual([...s.store.holds()], ['l5']);
  } finally {
    s.done();
  }
});

test('views and exports: masked for the admin, whole for the privacy viewer, CSV/JSON agree', async () => {
  const s = setup();
  try {
    writeFileSync(join(s.dir, CDR_FILE), line({ uniqueid: '1.1', start: '1700000000', end: '1700000011', clid: '"=HYPERLINK(1)" <+390212345678>', channel: 'PJSIP/trunk-c-00000001', pbx_exts: '202' }));
    s.ingester().poll();
    const svc = new CdrService({ store: s.store, protector: () => clearFieldProtector });
    const q = cdrQuerySchema.parse({});
    const masked = (await svc.list(q, { mode: 'masked' })).items[0]!;
    assert.equal(masked.callerNumber, '+390212345xxx');
    assert.equal(masked.callerName, '');
    assert.equal(masked.masked, true);
    const whole = (await svc.list(q, { mode: 'privacy' })).items[0]!;
    assert.equal(whole.callerNumber, '+390212345678');
    assert.equal(whole.callerName, '=HYPERLINK(1)');
    assert.equal(whole.masked, false);
    // A sealed row without an unlocked session stays masked and says so.
    const locked: FieldProtector = { protect: () => ({ sealed: '1:abc' }), reveal: async () => [], isUnlocked: () => false };
    const svc2 = new CdrService({ store: s.store, protector: () => locked });
    s.store.setSealed(s.store.clearRows(10)[0]!.id, '1:abc');
    const l = (await svc2.list(q, { mode: 'privacy' })).items[0]!;
    assert.equal(l.locked, true);
    assert.equal(l.callerNumber, '+390212345xxx');

    const collect = async (format: 'csv' | 'json', mode: 'masked' | 'privacy') => {
      const out = new PassThrough();
      const chunks: Buffer[] = [];
      out.on('data', (c: Buffer) => chunks.push(c));
      await svc.exportCdr(q, { mode }, format, out);
      return Buffer.concat(chunks).toString('utf8');
    };
    s.store.setSealed(1, 'x'); // back to clear below
    s.db.prepare('UPDATE cdr SET sealed = NULL, clear = ? WHERE id = 1').run(JSON.stringify({ callerNumber: '+390212345678', callerName: '=HYPERLINK(1)' }));
    const csv = parseCsv(await collect('csv', 'privacy')).records.map((r) => r.fields);
    const json = JSON.parse(await collect('json', 'privacy')) as Record<string, unknown>[];
    const header = csv[0]!;
    assert.equal(csv[1]![header.indexOf('callerNumber')], '+390212345678');
    assert.equal(csv[1]![header.indexOf('callerName')], "'=HYPERLINK(1)", 'a formula-like cell is neutralised');
    assert.equal(json[0]!.callerNumber, '+390212345678');
    assert.equal(json[0]!.callerName, '=HYPERLINK(1)');
    assert.equal((JSON.parse(await collect('json', 'masked')) as Record<string, unknown>[])[0]!.callerNumber, '+390212345xxx');
  } finally {
    s.done();
  }
});
