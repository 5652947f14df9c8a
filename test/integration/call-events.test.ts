// Call events and webhooks end to end: real Asterisk 22, SIPp phones and a SIPp carrier; the
// daemon's tracker turns AMI events into call events and its dispatcher POSTs them, signed, to
// a local node:http receiver configured as webhooks through the service layer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { startPbx, waitFor, type PbxInstance } from '../lib/pbx.ts';
import { runSipp, startSipp, stopAllSipp, type SippProcess } from '../lib/sipp.ts';
import { verifyWebhookSignature } from '../../src/calls/webhooks.ts';
import { callEventSchema, type CallEvent } from '../../src/domain/calls.ts';
import type { PbxConfigInput } from '../../src/domain/model.ts';

/** Device passwords that pass the strength rules (no username inside). */
const PW = (u: string) => `Ev7-${[...u].map((c) => 'kmnpqrstvw'[Number(c)] ?? c).join('')}-Qz4x`;
const dev = (u: string) => ({ username: u, password: PW(u) });
const CRM_SECRET = 'crm-Hq84-mZ2v-Lt7s';
const OTHER_SECRET = 'other-Wd63-pK9x-Nb2f';
const FLAKY_SECRET = 'flaky-Rv51-cJ8q-Ys4m';
const DID = '0612345678';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

let pbx: PbxInstance;
let server: Server;
let hookPort: number;
const received: Received[] = [];
const tracked: CallEvent[] = [];
let flakyFailed = false;

function config(withWebhooks: boolean): PbxConfigInput {
  const base = `http://127.0.0.1:${hookPort}`;
  return {
    system: { name: 'Call events test' },
    extensions: [
      { number: '201', name: 'Alice', devices: [dev('201')] },
      { number: '202', name: 'Bob', devices: [dev('202')] },
      { number: '208', name: 'Hugo', devices: [dev('208')] },
    ],
    trunks: [{ name: 'carrier1', type: 'ip', host: '127.0.0.2', port: 25999, qualify: false }],
    inboundRoutes: [{ did: DID, destination: { extension: '202' } }],
    phonebook: [{ id: 'lucia', name: 'Lucia Bianchi', company: 'ACME', numbers: [{ type: 'mobile', number: '+393471112299' }] }],
    webhooks: withWebhooks
      ? [
          { name: 'crm', url: `${base}/crm?token=abc`, events: ['call.ringing', 'call.answered', 'call.transferred', 'call.hangup'], secret: CRM_SECRET },
          { name: 'other', url: `${base}/other`, events: ['call.ringing', 'call.answered', 'call.hangup'], secret: OTHER_SECRET, extensions: ['201'] },
          { name: 'flaky', url: `${base}/flaky`, events: ['call.hangup'], secret: FLAKY_SECRET },
        ]
      : [],
  };
}

const remote = () => `127.0.0.1:${pbx.sipPort}`;
async function phone(user: string): Promise<SippProcess> {
  const p = await startSipp({ scenario: 'phone-uas.xml', remote: remote(), user, password: PW(user), timeoutMs: 40_000 });
  await p.waitForRegistration(10_000);
  return p;
}
const at = (path: string) => received.filter((r) => r.path === path);
const bodyOf = (r: Received) => JSON.parse(r.body) as { event: CallEvent };
const eventsOf = (callId: string) => tracked.filter((e) => e.callId === callId);

/** The call a caller number placed, once its hangup event is out. */
async function finishedCall(callerNumber: string, after: number): Promise<CallEvent[]> {
  let id: string | undefined;
  await waitFor(() => {
    id = tracked.slice(after).find((e) => e.type === 'call.hangup' && e.caller.number === callerNumber)?.callId;
    return id !== undefined;
  }, 30_000, `the hangup event of the call from ${callerNumber}`);
  return eventsOf(id!);
}

/** Signature check written here with node:crypto alone, as a receiver in any language would. */
function independentlyValid(r: Received, secret: string): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${r.headers['x-pbx-timestamp']}.${r.body}`).digest('hex')}`);
  const given = Buffer.from(String(r.headers['x-pbx-signature'] ?? ''));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0]!;
      // The flaky receiver fails its first request: the dispatcher must retry it.
      const status = path === '/flaky' && !flakyFailed ? ((flakyFailed = true), 500) : 200;
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  hookPort = (server.address() as { port: number }).port;
  pbx = await startPbx(config(false));
  pbx.daemon.callEvents.on('call', (e: CallEvent) => tracked.push(e));
  await pbx.apply(config(true));
});

after(async () => {
  await stopAllSipp();
  await pbx?.stop();
  await new Promise((r) => server?.close(r));
});

test('internal call: ringing → answered → hangup with numbers, names and extension; delivered signed to the webhook', async () => {
  const from = tracked.length;
  const callee = await phone('202');
  const r = await runSipp({ scenario: 'uac-call.xml', remote: remote(), service: '202', user: '208', password: PW('208'), holdMs: 500, timeoutMs: 40_000 });
  assert.equal(r.ok, true, r.logs);
  assert.equal((await callee.done).ok, true);

  const events = await finishedCall('208', from);
  assert.deepEqual(events.map((e) => e.type), ['call.ringing', 'call.answered', 'call.hangup']);
  for (const e of events) {
    callEventSchema.parse(e);
    assert.equal(e.direction, 'internal');
    assert.deepEqual(e.caller, { number: '208', name: 'Hugo' });
    assert.deepEqual(e.called, { number: '202', name: 'Bob' });
    assert.equal(e.extension, '202');
    assert.equal(e.did, undefined);
  }
  assert.deepEqual(events[2]!.cause, { code: 16, text: 'Normal Clearing' });
  assert.ok(events[2]!.answeredAt && events[2]!.endedAt);

  const callId = events[0]!.callId;
  await waitFor(() => at('/crm').filter((x) => bodyOf(x).event.callId === callId).length === 3, 15_000, 'three deliveries to the crm webhook');
  const deliveries = at('/crm').filter((x) => bodyOf(x).event.callId === callId);
  assert.deepEqual(deliveries.map((d) => bodyOf(d).event), events, 'the webhook receives the events as the tracker emitted them');
  for (const d of deliveries) {
    assert.equal(d.headers['content-type'], 'application/json');
    assert.equal(d.headers['x-pbx-event'], bodyOf(d).event.type);
    assert.match(String(d.headers['x-pbx-delivery']), /^[0-9a-f-]{36}$/);
    assert.ok(Math.abs(Number(d.headers['x-pbx-timestamp']) - Date.now() / 1000) < 120);
    assert.equal(verifyWebhookSignature(CRM_SECRET, d.headers['x-pbx-timestamp'] as string, d.body, d.headers['x-pbx-signature'] as string), true);
    assert.equal(independentlyValid(d, CRM_SECRET), true, 'valid by a plain node:crypto check too');
    assert.equal(independentlyValid(d, OTHER_SECRET), false, 'and not under another secret');
  }
  assert.equal(new Set(deliveries.map((d) => d.headers['x-pbx-delivery'])).size, 3);
});

test('screen-pop: a caller the carrier sends without a name is named from the phonebook', async () => {
  const from = tracked.length;
  const callee = await phone('202');
  const r = await runSipp({ scenario: 'carrier-uac.xml', remote: remote(), localIp: '127.0.0.2', service: DID, caller: '3471112299', holdMs: 300, timeoutMs: 30_000 });
  assert.equal(r.ok, true, r.logs);
  await callee.done;
  const events = await finishedCall('3471112299', from);
  assert.ok(events.length >= 2);
  for (const e of events) assert.deepEqual(e.caller, { number: '3471112299', name: 'Lucia Bianchi (ACME)' });
});

test('inbound call through the IP trunk: DID, trunk, direction, caller number and name, answering extension', async () => {
  const from = tracked.length;
  const callee = await phone('202');
  const r = await runSipp({
    scenario: 'carrier-uac.xml', remote: remote(), localIp: '127.0.0.2', service: DID, caller: '3471112233', callerName: 'Mario Rossi', holdMs: 500, timeoutMs: 30_000,
  });
  assert.equal(r.ok, true, r.logs);
  await callee.done;

  const events = await finishedCall('3471112233', from);
  assert.deepEqual(events.map((e) => e.type), ['call.ringing', 'call.answered', 'call.hangup']);
  for (const e of events) {
    callEventSchema.parse(e);
    assert.equal(e.direction, 'inbound');
    assert.equal(e.did, DID);
    assert.equal(e.trunk, 'carrier1');
    assert.deepEqual(e.caller, { number: '3471112233', name: 'Mario Rossi' });
    assert.equal(e.called.number, DID);
    assert.equal(e.extension, '202');
  }
  const callId = events[0]!.callId;
  await waitFor(() => at('/crm').filter((x) => bodyOf(x).event.callId === callId).length === 3, 15_000, 'the inbound call at the crm webhook');
  for (const d of at('/crm').filter((x) => bodyOf(x).event.callId === callId)) assert.equal(independentlyValid(d, CRM_SECRET), true);
});

test('a receiver answering 500 gets the delivery again; the delivery log shows both attempts', async () => {
  await waitFor(() => at('/flaky').some((x) => x.status === 200), 20_000, 'the retried delivery to the flaky webhook');
  const [first, second] = at('/flaky');
  assert.equal(first!.status, 500);
  assert.equal(second!.status, 200);
  assert.equal(second!.headers['x-pbx-delivery'], first!.headers['x-pbx-delivery'], 'a retry is the same delivery');
  assert.equal(second!.body, first!.body);
  for (const d of [first!, second!]) assert.equal(independentlyValid(d, FLAKY_SECRET), true, 'each attempt is signed');

  const delivery = String(first!.headers['x-pbx-delivery']);
  const rows = pbx.daemon.webhookDeliveries.list({ webhook: 'flaky' }).filter((r) => r.delivery === delivery);
  assert.deepEqual(
    rows.map((r) => [r.attempt, r.outcome, r.httpStatus, r.event]),
    [
      [2, 'delivered', 200, 'call.hangup'],
      [1, 'retrying', 500, 'call.hangup'],
    ],
  );
  assert.equal(rows[0]!.callId, bodyOf(first!).event.callId);
});

test('a webhook filtered on another extension receives nothing for these calls, and does receive a call of its extension', async () => {
  await waitFor(() => pbx.daemon.webhooks.pendingCount === 0, 20_000, 'no delivery pending');
  assert.equal(at('/other').length, 0, 'calls between 208, 202 and the carrier do not involve 201');

  const from = tracked.length;
  const callee = await phone('201');
  const r = await runSipp({ scenario: 'uac-call.xml', remote: remote(), service: '201', user: '208', password: PW('208'), holdMs: 500, timeoutMs: 40_000 });
  assert.equal(r.ok, true, r.logs);
  await callee.done;
  const events = await finishedCall('208', from);
  await waitFor(() => at('/other').length === 3, 15_000, 'the 201 call at the filtered webhook');
  assert.deepEqual(at('/other').map((d) => bodyOf(d).event), events);
  for (const d of at('/other')) assert.equal(independentlyValid(d, OTHER_SECRET), true);
  const logged = pbx.daemon.webhookDeliveries.list({ webhook: 'other' });
  assert.deepEqual(logged.map((l) => l.outcome), ['delivered', 'delivered', 'delivered']);
});
