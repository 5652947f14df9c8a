// CDR jobs on the real daemon (startPbx: real Asterisk 22, real SQLite) with a real SMTP server
// on loopback (smtp-server; mail parsed with mailparser): a report sent now arrives with a CSV or
// an XLSX attachment (read back with exceljs) holding masked numbers only; retention deletes old
// CDR rows and recordings (file and row) but not those of a call on legal hold.
//
// CDR rows and recordings are written through the daemon's own stores (a second connection to
// its database) with dates in the past: waiting for real calls to grow old is not possible.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import ExcelJS from 'exceljs';
import { adminSession, ADMIN_PASSWORD, ApiClient, Contract, sessionOf } from '../lib/api.ts';
import { startPbx, waitFor, type PbxInstance } from '../lib/pbx.ts';
import type { PbxConfigInput } from '../../src/domain/model.ts';
import { openDatabase, type Db } from '../../src/store/db.ts';
import { CdrStore, type CdrInsert } from '../../src/store/cdr-store.ts';
import { RecordingStore } from '../../src/store/recording-store.ts';
import { LocalRecordingStorage } from '../../src/recordings/storage.ts';
import { reportPeriod } from '../../src/jobs/reports.ts';
import { parseCsv } from '../../src/lib/csv.ts';

const ZONE = 'Europe/Rome';
const WHOLE = '+390212345678';
const MASKED = '+390212345xxx';

let pbx: PbxInstance;
let api: ApiClient;
let smtp: SMTPServer;
let smtpPort: number;
let db: Db;
let work: string;
const mails: ParsedMail[] = [];

function config(): PbxConfigInput {
  return {
    system: { name: 'Jobs PBX', timezone: ZONE },
    extensions: [{ number: '201', name: 'Anna' }],
    mail: { host: '127.0.0.1', port: smtpPort, security: 'none', from: 'pbx@example.com', fromName: 'Jobs PBX' },
    cdr: {
      retention: { cdrDays: 30, recordingDays: 30, voicemailDays: 0 },
      reports: [
        { name: 'daily-in', schedule: 'daily', format: 'csv', recipients: ['boss@example.com'], direction: 'in' },
        { name: 'monthly-all', schedule: 'monthly', format: 'xlsx', recipients: ['boss@example.com', 'audit@example.com'] },
      ],
    },
  };
}

function row(linkedId: string, start: string, direction: 'in' | 'out', seq = 1): CdrInsert {
  const inbound = direction === 'in';
  return {
    uniqueId: `${linkedId}.${seq}`, linkedId, sequence: seq, start, end: new Date(Date.parse(start) + 60_000).toISOString(), duration: 60, billsec: 55,
    callerNumber: inbound ? MASKED : '201', callerName: inbound ? '' : 'Anna', calledNumber: inbound ? '201' : MASKED, calledName: '',
    did: '', extensions: ['201'], trunk: 'carrier', direction, disposition: 'ANSWERED', route: '', accountCode: '',
    channel: 'PJSIP/trunk-carrier-00000001', dstChannel: 'PJSIP/201-00000002', lastApp: 'Dial',
    // The whole number lives only in the protected column: a report must never show it.
    protected: { clear: JSON.stringify(inbound ? { callerNumber: WHOLE, callerName: 'Mario Rossi' } : { calledNumber: WHOLE }) },
  };
}

async function mailTo(subject: RegExp, timeoutMs = 30_000): Promise<ParsedMail> {
  let found: ParsedMail | undefined;
  await waitFor(() => (found = mails.find((m) => subject.test(m.subject ?? ''))) !== undefined, timeoutMs, `a mail ${subject}`);
  return found!;
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'pbx-cdr-jobs-'));
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        simpleParser(Buffer.concat(chunks))
          .then((parsed) => {
            mails.push(parsed);
            callback();
          })
          .catch((err: Error) => callback(err));
      });
    },
  });
  await new Promise<void>((res) => smtp.listen(0, '127.0.0.1', () => res()));
  smtpPort = (smtp.server.address() as { port: number }).port;
  pbx = await startPbx(config());
  const base = `http://127.0.0.1:${pbx.daemon.httpPort}`;
  const doc = (await (await fetch(`${base}/api/v1/openapi.json`)).json()) as ConstructorParameters<typeof Contract>[0];
  api = await adminSession(base, pbx.dataDir, new Contract(doc));
  db = openDatabase(join(pbx.dataDir, 'pbx.sqlite'));
});

after(async () => {
  db?.close();
  await pbx?.stop();
  await new Promise<void>((res) => (smtp ? smtp.close(() => res()) : res()));
  if (work) rmSync(work, { recursive: true, force: true });
});

test('a daily report sent now: yesterday’s inbound calls as CSV, numbers masked; audited', async () => {
  const cdrs = new CdrStore(db);
  const yesterday = reportPeriod('daily', new Date(), ZONE);
  const noon = (p: { from: string }) => new Date(Date.parse(p.from) + 12 * 3_600_000).toISOString();
  cdrs.transaction(() => {
    cdrs.insertCdr(row('rep-in-1', noon(yesterday), 'in'));
    cdrs.insertCdr(row('rep-in-2', new Date(Date.parse(yesterday.from) + 60_000).toISOString(), 'in'));
    cdrs.insertCdr(row('rep-out-1', noon(yesterday), 'out')); // filtered out: the report takes inbound calls
    cdrs.insertCdr(row('rep-in-old', new Date(Date.parse(yesterday.from) - 60_000).toISOString(), 'in')); // the day before
  });

  const sent = await api.post('/cdr/reports/daily-in/send');
  assert.equal(sent.status, 200, sent.text);
  assert.equal(sent.body.rows, 2);
  assert.equal(sent.body.from, yesterday.from);
  assert.equal(sent.body.to, yesterday.to);
  assert.deepEqual(sent.body.accepted, ['boss@example.com']);

  const mail = await mailTo(/^CDR report daily-in: /);
  assert.match(mail.subject!, new RegExp(`${yesterday.label} \\(Jobs PBX\\)`));
  assert.equal(mail.attachments.length, 1);
  const att = mail.attachments[0]!;
  assert.equal(att.filename, `cdr-daily-in-${yesterday.label}.csv`);
  assert.match(att.contentType, /^text\/csv/);
  const text = att.content.toString('utf8');
  const parsed = parseCsv(text);
  assert.deepEqual(parsed.errors, []);
  assert.equal(parsed.records.length, 3, 'a header and two calls');
  const header = parsed.records[0]!.fields;
  const caller = header.findIndex((h) => /caller ?number/i.test(h));
  assert.ok(caller >= 0, `a caller number column in ${header.join(',')}`);
  assert.deepEqual(parsed.records.slice(1).map((r) => r.fields[caller]), [MASKED, MASKED]);
  assert.ok(!text.includes(WHOLE) && !text.includes('Mario Rossi'), 'no whole number or external name in the report');

  const audit = await api.get('/audit?action=cdr.report.send');
  assert.equal(audit.status, 200);
  assert.ok(audit.body.items.some((e: { summary: string }) => /daily-in/.test(e.summary)));
});

test('a report for a chosen period as XLSX to two recipients (exceljs reads it back, masked)', async () => {
  const cdrs = new CdrStore(db);
  cdrs.transaction(() => {
    cdrs.insertCdr(row('x-1', '2025-01-10T10:00:00.000Z', 'in'));
    cdrs.insertCdr(row('x-2', '2025-01-20T10:00:00.000Z', 'out'));
    cdrs.insertCdr(row('x-3', '2025-02-01T10:00:00.000Z', 'out')); // after `to`
  });
  const sent = await api.post('/cdr/reports/monthly-all/send?from=2025-01-01T00:00:00%2B01:00&to=2025-02-01T00:00:00%2B01:00');
  assert.equal(sent.status, 200, sent.text);
  assert.equal(sent.body.rows, 2);
  assert.deepEqual([...sent.body.accepted].sort(), ['audit@example.com', 'boss@example.com']);

  const mail = await mailTo(/^CDR report monthly-all: /);
  const att = mail.attachments[0]!;
  assert.match(att.filename!, /^cdr-monthly-all-2025-01-01_2025-01-31\.xlsx$/);
  assert.equal(att.contentType, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(att.content as unknown as Parameters<typeof wb.xlsx.load>[0]);
  const ws = wb.worksheets[0]!;
  const values: string[][] = [];
  ws.eachRow((r) => values.push((r.values as unknown[]).slice(1).map((v) => String(v ?? ''))));
  assert.equal(values.length, 3, 'a header and two calls');
  const flat = values.flat().join('\n');
  assert.ok(flat.includes(MASKED));
  assert.ok(!flat.includes(WHOLE) && !flat.includes('Mario Rossi'));
});

test('sending: 404 for an unknown report, 400 for half a period or without a mail relay', async () => {
  assert.equal((await api.post('/cdr/reports/nope/send')).status, 404);
  assert.equal((await api.post('/cdr/reports/daily-in/send?from=2025-01-01T00:00:00Z')).status, 400);
  assert.equal((await api.post('/cdr/reports/daily-in/send?from=2025-02-01T00:00:00Z&to=2025-01-01T00:00:00Z')).status, 400);
  const relay = (await api.get('/mail')).body;
  const off = await api.put('/mail', { from: 'pbx@example.com' });
  assert.equal(off.status, 200, off.text);
  try {
    const r = await api.post('/cdr/reports/daily-in/send');
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /no mail relay/);
  } finally {
    assert.equal((await api.put('/mail', relay)).status, 200);
  }
});

test('retention deletes old CDR rows and recordings, keeps a call on legal hold; the run is summarised and audited', async () => {
  const cdrs = new CdrStore(db);
  const recStore = new RecordingStore(db);
  const storage = new LocalRecordingStorage({ root: () => undefined, defaultRoot: join(pbx.dataDir, 'recordings') });
  const old = new Date(Date.now() - 60 * 86_400_000).toISOString();
  const recent = new Date(Date.now() - 2 * 86_400_000).toISOString();
  cdrs.transaction(() => {
    cdrs.insertCdr(row('ret-old', old, 'in'));
    cdrs.insertCdr(row('ret-held', old, 'in'));
    cdrs.insertCdr(row('ret-held', old, 'in', 2));
    cdrs.insertCdr(row('ret-new', recent, 'in'));
  });
  cdrs.setLegalHold('ret-held', true, 'privacy-admin', 'dispute 42');
  const keys: Record<string, string> = {};
  for (const [id, linkedId, startedAt] of [['ret-old-1', 'ret-old', old], ['ret-held-1', 'ret-held', old], ['ret-new-1', 'ret-new', recent]] as const) {
    const src = join(work, `${id}.wav`);
    writeFileSync(src, Buffer.alloc(2000));
    const meta = { startedAt, linkedId, caller: MASKED, callee: '201', direction: 'in' as const };
    const { key, size } = await storage.store(id, src, meta);
    recStore.stored(id, { durationMs: 1000, size, storageKey: key }, { id, uniqueId: linkedId, ...meta, policy: 'all', mode: 'always' });
    keys[id] = key;
  }
  const before = await api.get('/cdr/retention');
  assert.equal(before.status, 200);
  assert.deepEqual(before.body.retention, { cdrDays: 30, recordingDays: 30, voicemailDays: 0 });
  assert.ok(before.body.nextRun, 'scheduled');
  // 03:15 in Rome.
  assert.equal(new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, hour: '2-digit', minute: '2-digit' }).format(new Date(before.body.nextRun)), '03:15');

  const run = await api.post('/cdr/retention/run');
  assert.equal(run.status, 200, run.text);
  // Rows older than 30 days include the other tests' 2025 rows and the day-before row is recent.
  assert.ok(run.body.cdrDeleted >= 1);
  assert.equal(run.body.recordingsDeleted, 1);
  assert.equal(run.body.heldSkipped, 3, 'two CDR rows and one recording of the held call');
  assert.deepEqual(run.body.errors, []);
  const byLinked = (id: string) => cdrs.query({ linkedId: id, sort: 'start', order: 'asc', limit: 10, offset: 0 }).total;
  assert.equal(byLinked('ret-old'), 0);
  assert.equal(byLinked('ret-held'), 2);
  assert.equal(byLinked('ret-new'), 1);
  assert.equal(existsSync(keys['ret-old-1']!), false);
  assert.equal(recStore.get('ret-old-1'), undefined);
  assert.ok(existsSync(keys['ret-held-1']!) && recStore.get('ret-held-1'));
  assert.ok(existsSync(keys['ret-new-1']!) && recStore.get('ret-new-1'));

  const after = await api.get('/cdr/retention');
  assert.deepEqual(after.body.lastRun, run.body);
  const audit = await api.get('/audit?action=cdr.retention.run');
  assert.ok(audit.body.items.some((e: { summary: string }) => /kept by legal hold/.test(e.summary)));

  // The last run survives a restart.
  await pbx.restart();
  const base = `http://127.0.0.1:${pbx.daemon.httpPort}`;
  const doc = (await (await fetch(`${base}/api/v1/openapi.json`)).json()) as ConstructorParameters<typeof Contract>[0];
  const again = await adminSessionAfterRestart(base, doc);
  assert.deepEqual((await again.get('/cdr/retention')).body.lastRun, run.body);
});

async function adminSessionAfterRestart(base: string, doc: ConstructorParameters<typeof Contract>[0]): Promise<ApiClient> {
  const anon = new ApiClient(base, {}, new Contract(doc));
  const login = await anon.post('/auth/login', { username: 'admin', password: ADMIN_PASSWORD });
  assert.equal(login.status, 200, login.text);
  return anon.with(sessionOf(login));
}
