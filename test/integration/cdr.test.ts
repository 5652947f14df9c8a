// Call detail records from a real Asterisk 22 (cdr_custom's pbx-cdr.log and queue_log, tailed by
// the supervisor) for real SIPp calls: an internal call, an inbound call from a carrier to a DID,
// a queue call an agent answers and one the caller abandons. Then the API as each role sees it:
// the admin gets external numbers masked (listing and every export format), the privacy admin
// whole (and is audited), a user with an extension /me/calls, legal holds.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { adminSession, ApiClient, sessionOf } from '../lib/api.ts';
import { startPbx, waitFor, type PbxInstance } from '../lib/pbx.ts';
import { freeUdpPort, runSipp, startSipp, stopAllSipp, describeSippResult, type SippProcess } from '../lib/sipp.ts';
import { parseCsv } from '../../src/lib/csv.ts';
import type { PbxConfigInput } from '../../src/domain/model.ts';

const PW = (u: string) => `Sip-${[...u].map((c) => 'kmnpqrstvw'[Number(c)] ?? c).join('')}-9x`;
const dev = (u: string) => ({ username: u, password: PW(u) });
const DID = '0612345678';
const OUTSIDE = '3471112233';
const OUTSIDE_MASKED = '3471112xxx';

let pbx: PbxInstance;
let admin: ApiClient;
let privacy: ApiClient;
let staff: ApiClient;
let carrierPort: number;
let base: string;

function config(): PbxConfigInput {
  return {
    system: { name: 'CDR test', language: 'en', timezone: 'UTC' },
    extensions: [
      { number: '201', name: 'Anna', devices: [dev('201')] },
      { number: '202', name: 'Bruno', devices: [dev('202')] },
      { number: '203', name: 'Carla', devices: [dev('203')] },
      { number: '209', name: 'Dino', devices: [dev('209')] },
      { number: '290', name: 'Nobody', devices: [dev('290')] },
    ],
    trunks: [{ name: 'carrier1', type: 'ip', host: '127.0.0.2', port: carrierPort, qualify: false }],
    inboundRoutes: [{ did: DID, destination: { extension: '202' } }],
    queues: [
      { name: 'support', number: '610', strategy: 'ringall', memberRingTime: 10, members: [{ extension: '203' }], announceFrequency: 0 },
      // 290 never registers: a caller waits until they give up.
      { name: 'waiting', number: '611', members: [{ extension: '290' }], maxWait: 60, announceFrequency: 0 },
    ],
  };
}

const remote = () => `127.0.0.1:${pbx.sipPort}`;

async function phone(username: string, holdMs = 500): Promise<SippProcess> {
  const p = await startSipp({ scenario: 'phone-uas.xml', remote: remote(), user: username, password: PW(username), holdMs, timeoutMs: 60_000 });
  await p.waitForRegistration(10_000);
  return p;
}

function call(from: string, to: string, holdMs: number) {
  return runSipp({ scenario: 'uac-call.xml', remote: remote(), service: to, user: from, password: PW(from), callerName: `Caller ${from}`, holdMs, timeoutMs: 60_000 });
}

/** A user of `role` logged in with a password of their own (pbxctl creates the privacy admin). */
async function login(username: string, role: string, extra: Record<string, unknown> = {}): Promise<ApiClient> {
  const anon = new ApiClient(base);
  let temp = 'Temp-Pass-7hQ-Lmx';
  if (role === 'privacy-admin') {
    const out = await new Promise<string>((res, rej) =>
      execFile(process.execPath, [join(import.meta.dirname, '../../src/cli/pbxctl.ts'), '--socket', pbx.daemon.config.controlSocket, 'add-user', username, role], (err, stdout) =>
        err ? rej(err) : res(stdout),
      ),
    );
    temp = /one-time password: (\S+)/.exec(out)![1]!;
  } else {
    const r = await admin.post('/users', { username, role, password: temp, ...extra });
    assert.equal(r.status, 201, r.text);
  }
  const first = anon.with(sessionOf(await anon.post('/auth/login', { username, password: temp })));
  assert.equal((await first.post('/auth/password', { currentPassword: temp, newPassword: 'Own-Pass-4kT-Rzw' })).status, 204);
  return anon.with(sessionOf(await anon.post('/auth/login', { username, password: 'Own-Pass-4kT-Rzw' })));
}

type Row = Record<string, any>;
const rows = async (client: ApiClient, query: string): Promise<Row[]> => {
  const r = await client.get(`/cdr?limit=1000&${query}`);
  assert.equal(r.status, 200, r.text);
  return r.body.items as Row[];
};

before(async () => {
  carrierPort = await freeUdpPort('127.0.0.2');
  pbx = await startPbx(config());
  base = `http://127.0.0.1:${pbx.daemon.httpPort}`;
  admin = await adminSession(base, pbx.dataDir);
  privacy = await login('officer', 'privacy-admin');
  assert.equal((await admin.post('/roles', { name: 'staff', description: 'Own calls only', permissions: {} })).status, 201);
  staff = await login('anna', 'staff', { extension: '201' });
});
after(async () => {
  await stopAllSipp();
  await pbx?.stop();
});

test('an internal call: one answered record, both extensions, no masking', async () => {
  const callee = await phone('202');
  const r = await call('201', '202', 1500);
  assert.equal(r.ok, true, describeSippResult(r));
  await callee.done;
  let row: Row | undefined;
  await waitFor(async () => (row = (await rows(admin, 'extension=201&direction=internal')).find((x) => x.disposition === 'ANSWERED')) !== undefined, 20_000, 'the CDR row');
  assert.equal(row!.callerNumber, '201');
  assert.equal(row!.callerName, 'Anna', "the extension's own caller id");
  assert.equal(row!.calledNumber, '202');
  assert.equal(row!.extensions, '201&202');
  assert.equal(row!.route, 'ext/202');
  assert.equal(row!.masked, false);
  assert.ok(row!.billsec > 0 && row!.billsec <= row!.duration, `billsec ${row!.billsec} of ${row!.duration}`);
  assert.ok(row!.answer >= row!.start && row!.end >= row!.answer);
  assert.equal(row!.hangupCause, 16, 'normal clearing, from the hangup handler');
  assert.equal(row!.linkedId, row!.uniqueId);
});

test('an inbound call from the carrier to a DID: direction in, trunk, DID, the caller masked for the admin', async () => {
  const callee = await phone('202');
  const r = await runSipp({ scenario: 'carrier-uac.xml', remote: remote(), localIp: '127.0.0.2', service: DID, caller: OUTSIDE, holdMs: 1500, timeoutMs: 30_000 });
  assert.equal(r.ok, true, describeSippResult(r));
  await callee.done;
  let row: Row | undefined;
  await waitFor(async () => (row = (await rows(admin, 'direction=in&trunk=carrier1')).find((x) => x.disposition === 'ANSWERED')) !== undefined, 20_000, 'the inbound row');
  assert.equal(row!.did, DID);
  assert.equal(row!.trunk, 'carrier1');
  assert.equal(row!.callerNumber, OUTSIDE_MASKED);
  assert.equal(row!.callerName, '');
  assert.equal(row!.masked, true);
  assert.equal(row!.route, `in/${DID}>ext/202`);
  assert.ok(row!.extensions.split('&').includes('202'));
  // The privacy admin sees the same row whole; the listing is in the audit log.
  const whole = (await rows(privacy, `linkedId=${row!.linkedId}`)).find((x) => x.id === row!.id)!;
  assert.equal(whole.callerNumber, OUTSIDE);
  assert.equal(whole.masked, false);
  const audit = await admin.get('/audit?limit=20');
  assert.ok(JSON.stringify(audit.body).includes('listed call detail records unmasked'), 'audited');
  assert.ok(!JSON.stringify(audit.body).includes(OUTSIDE), 'no number in the audit log');
  // Searching by the whole number finds it (by its masked form).
  assert.ok((await rows(admin, `number=${OUTSIDE}`)).some((x) => x.id === row!.id));
});

test('a queue call answered by the agent, and one the caller abandons', async () => {
  const agent = await phone('203', 2000);
  const r = await call('209', '610', 30_000);
  assert.equal(r.ok, true, describeSippResult(r));
  await agent.done;
  // Nobody answers in "waiting": the caller (answered by the queue) gives up after 3 s.
  const gaveUp = await call('201', '611', 3000);
  assert.equal(gaveUp.ok, true, describeSippResult(gaveUp));

  let calls: Row[] = [];
  await waitFor(async () => {
    calls = (await admin.get('/cdr/queue-calls?order=asc')).body.items;
    return calls.length >= 2;
  }, 20_000, 'two queue calls');
  const answered = calls.find((c) => c.queue === 'support')!;
  assert.equal(answered.outcome, 'answered');
  assert.equal(answered.agent, '203');
  assert.equal(answered.callerNumber, '209');
  assert.ok(['COMPLETEAGENT', 'COMPLETECALLER'].includes(answered.exitCause), answered.exitCause);
  assert.ok(answered.talkTime >= 1, `talk time ${answered.talkTime}`);
  assert.ok(answered.linkedId, 'joined to its CDR');
  const abandoned = calls.find((c) => c.queue === 'waiting')!;
  assert.equal(abandoned.outcome, 'abandoned');
  assert.equal(abandoned.exitCause, 'ABANDON');
  assert.ok(abandoned.waitTime >= 2 && abandoned.waitTime <= 10, `wait ${abandoned.waitTime}`);
  assert.equal((await admin.get('/cdr/queue-calls?outcome=abandoned')).body.total, 1);

  // The CDR rows of the queue call: the route names the queue, the agent's leg too.
  let legs: Row[] = [];
  await waitFor(async () => (legs = await rows(admin, 'queue=support')).some((x) => x.route.includes('agent/203')), 20_000, 'the agent leg');
  assert.ok(legs.every((x) => x.route.startsWith('queue/support')), JSON.stringify(legs.map((x) => x.route)));
  assert.ok(legs.some((x) => x.extensions.split('&').includes('203')));
});

test('exports: CSV, XLSX and JSON hold the same rows as the listing, masked for the admin, whole for the privacy admin', async () => {
  const listed = await rows(admin, 'order=asc&sort=start');
  const q = 'order=asc&sort=start';
  // The commands of docs/cdr-privacy.md ("Exports").
  const csv = await admin.download(`/cdr/export?format=csv&${q}`);
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get('content-disposition') ?? '', /attachment; filename="cdr\.csv"/);
  const records = parseCsv(csv.data.toString('utf8')).records.map((r) => r.fields);
  const header = records[0]!;
  const col = (name: string) => header.indexOf(name);
  assert.deepEqual(records.slice(1).map((f) => f[col('uniqueId')]), listed.map((x) => x.uniqueId));
  assert.ok(records.some((f) => f[col('callerNumber')] === OUTSIDE_MASKED));
  assert.ok(!csv.data.toString('utf8').includes(OUTSIDE), 'no whole number in the admin export');

  const json = await admin.download(`/cdr/export?format=json&${q}`);
  const parsed = JSON.parse(json.data.toString('utf8')) as Row[];
  assert.deepEqual(parsed.map((x) => x.uniqueId), listed.map((x) => x.uniqueId));
  assert.ok(!json.data.toString('utf8').includes(OUTSIDE));

  const xlsx = await admin.download(`/cdr/export?format=xlsx&${q}`);
  assert.equal(xlsx.headers.get('content-type'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(xlsx.data as unknown as ArrayBuffer);
  const ws = wb.worksheets[0]!;
  const sheet: string[][] = [];
  ws.eachRow((r) => sheet.push((r.values as unknown[]).slice(1).map((v) => String(v ?? ''))));
  assert.deepEqual(sheet[0], header);
  assert.deepEqual(sheet.slice(1).map((f) => f[col('uniqueId')]), listed.map((x) => x.uniqueId));
  assert.ok(sheet.some((f) => f[col('callerNumber')] === OUTSIDE_MASKED));

  const whole = await privacy.download(`/cdr/export?format=csv&${q}`);
  assert.ok(whole.data.toString('utf8').includes(OUTSIDE), 'the privacy admin exports whole numbers');
  const queueCsv = await admin.download('/cdr/queue-calls/export?format=csv');
  assert.equal(queueCsv.status, 200);
  assert.equal(parseCsv(queueCsv.data.toString('utf8')).records.length, 1 + (await admin.get('/cdr/queue-calls')).body.total);
});

test('paging: the cursor walks the same rows as offsets', async () => {
  const all = await rows(admin, '');
  const first = await admin.get('/cdr?limit=2');
  assert.equal(first.body.total, all.length);
  assert.ok(first.body.next);
  const second = await admin.get(`/cdr?limit=2&cursor=${first.body.next}`);
  const byOffset = await admin.get('/cdr?limit=2&offset=2');
  assert.deepEqual(second.body.items.map((x: Row) => x.id), byOffset.body.items.map((x: Row) => x.id));
  assert.equal((await admin.get('/cdr?cursor=nonsense')).status, 400);
});

test('/me/calls: the user sees the calls of their own extension, numbers whole; a user without one gets 404', async () => {
  const mine = await staff.get('/me/calls?limit=100');
  assert.equal(mine.status, 200, mine.text);
  assert.ok(mine.body.items.length >= 2);
  assert.ok(mine.body.items.every((x: Row) => x.extensions.split('&').includes('201')));
  assert.equal((await staff.get('/cdr')).status, 403, 'the rest of the CDR is not theirs');
  const none = await admin.get('/me/calls');
  assert.equal(none.status, 404);
  assert.match(none.body.error.message, /no extension/);
});

test('legal hold: the privacy admin puts a call on hold and releases it; the admin may not', async () => {
  const [row] = await rows(admin, 'direction=in');
  const id = row!.linkedId as string;
  assert.equal((await admin.put(`/cdr/holds/${id}`, { reason: 'dispute' })).status, 403);
  assert.equal((await privacy.put(`/cdr/holds/${id}`, { reason: 'dispute 42' })).status, 204);
  const holds = await privacy.get('/cdr/holds');
  assert.deepEqual(holds.body.items.map((h: Row) => [h.linkedId, h.reason, h.by]), [[id, 'dispute 42', 'officer']]);
  assert.equal((await rows(privacy, `linkedId=${id}`))[0]!.onHold, true);
  assert.equal((await privacy.put('/cdr/holds/no.such.call', {})).status, 404);
  assert.equal((await privacy.delete(`/cdr/holds/${id}`)).status, 204);
  assert.equal((await privacy.delete(`/cdr/holds/${id}`)).status, 404);
});
