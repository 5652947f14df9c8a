// User feature codes and forking to a mobile, dialled from SIPp phones against a real Asterisk
// 22 configured by the supervisor: each code changes the state the API shows (and the model for
// DND and forward, audited with the phone as actor), the DND BLF hint follows, and the calls
// that come after behave accordingly (forwarded, refused by the phone lock, called back).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { adminSession, Contract, type ApiClient } from '../lib/api.ts';
import { startPbx, udpListening, waitFor, type PbxInstance } from '../lib/pbx.ts';
import { runSipp, startSipp, stopAllSipp, type SippOptions, type SippProcess, type SippResult } from '../lib/sipp.ts';
import { openEventStream } from '../lib/events.ts';
import { extensionStateEventSchema, extensionStateSchema } from '../../src/domain/user-state.ts';
import type { PbxConfigInput } from '../../src/domain/model.ts';

const PW = (u: string) => `Fc9-${[...u].map((c) => 'kmnpqrstvw'[Number(c)] ?? c).join('')}-Qy7z`;
const dev = (u: string) => ({ username: u, password: PW(u) });
const PIN = '5920';

let pbx: PbxInstance;
let api: ApiClient;
let base: string;
let carrierPort: number;

function config(): PbxConfigInput {
  return {
    system: { name: 'Feature codes test', language: 'en' },
    extensions: [
      { number: '201', name: 'Alice', class: 'national', pin: PIN, devices: [dev('201')] },
      { number: '202', name: 'Bob', class: 'national', busyLevel: 1, devices: [dev('202')] },
      { number: '203', name: 'Carla', class: 'national', devices: [dev('203')] },
      { number: '204', name: 'Dario', class: 'national', devices: [dev('204')], mobile: { number: '3331112222', delay: 0, confirm: false } },
      { number: '205', name: 'Elena', devices: [dev('205')] },
      { number: '206', name: 'Fabio', class: 'national', devices: [dev('206')], mobile: { number: '3334445555', delay: 1, confirm: true } },
    ],
    trunks: [{ name: 'carrier1', type: 'ip', host: '127.0.0.2', port: carrierPort, qualify: false, callerId: '0612345678' }],
    outbound: {
      rules: [
        { name: 'mobile', patterns: ['3XXXXXXXXX'], trunks: ['carrier1'] },
        { name: 'landline', patterns: ['0[1-9]X.'], trunks: ['carrier1'] },
      ],
      classes: [{ name: 'national', rules: ['mobile', 'landline'] }],
      emergency: ['112'],
    },
    queues: [{ name: 'support', number: '610', members: [{ extension: '205' }], joinEmpty: true, announceFrequency: 0 }],
  };
}

const remote = () => `127.0.0.1:${pbx.sipPort}`;

async function phone(username: string, scenario = 'phone-uas.xml', extra: Partial<SippOptions> = {}): Promise<SippProcess> {
  const p = await startSipp({ scenario, remote: remote(), user: username, password: PW(username), timeoutMs: 60_000, ...extra });
  await p.waitForRegistration(10_000);
  return p;
}

/** A call from a device that is answered (a feature code answers, plays its prompt and hangs up). */
function call(from: string, to: string, holdMs = 4000): Promise<SippResult> {
  return runSipp({ scenario: 'uac-call.xml', remote: remote(), service: to, user: from, password: PW(from), holdMs, timeoutMs: 40_000 });
}

/** Dials a feature code: it must answer (and hang up itself or be hung up by us). */
async function dial(from: string, code: string, holdMs = 4000): Promise<void> {
  const r = await call(from, code, holdMs);
  assert.equal(r.answered, true, `${from} dialling ${code}: ${r.finalStatus} ${r.logs}`);
}

async function refused(from: string, to: string): Promise<number | undefined> {
  const r = await runSipp({ scenario: 'uac-call-expect-fail.xml', remote: remote(), service: to, user: from, password: PW(from), timeoutMs: 40_000 });
  return r.finalStatus;
}

async function carrier(extra: Partial<SippOptions> = {}): Promise<SippProcess> {
  const c = await startSipp({ scenario: 'carrier-uas.xml', localIp: '127.0.0.2', localPort: carrierPort, timeoutMs: 40_000, ...extra });
  await waitFor(() => udpListening('127.0.0.2', carrierPort), 5000, 'the carrier');
  return c;
}

async function state(ext: string) {
  const r = await api.get(`/extensions/${ext}/state`);
  assert.equal(r.status, 200, r.text);
  return extensionStateSchema.parse(r.body);
}

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> {
  let last: T | undefined;
  await waitFor(async () => ok((last = await read())), timeoutMs, `${what} (last: ${JSON.stringify(last)})`);
  return last!;
}

const hint = (exten: string) => pbx.daemon.control.command(`core show hint ${exten}`);
const log = () => readFileSync(join(pbx.dataDir, 'asterisk', 'log', 'messages.log'), 'utf8');

before(async () => {
  carrierPort = 26000 + Math.floor(Math.random() * 1000) * 2;
  pbx = await startPbx(config());
  base = `http://127.0.0.1:${pbx.daemon.httpPort}`;
  const doc = (await (await fetch(`${base}/api/v1/openapi.json`)).json()) as ConstructorParameters<typeof Contract>[0];
  api = await adminSession(base, pbx.dataDir, new Contract(doc));
});

after(async () => {
  await stopAllSipp();
  await pbx?.stop();
});

test('the forward and DND of the model are in AstDB: an unconditional forward set in the configuration applies to calls', async () => {
  const cfg = config();
  cfg.extensions![2] = { ...cfg.extensions![2]!, forward: { always: { extension: '202' } } };
  await pbx.apply(cfg);
  try {
    const s = await until(() => state('203'), (v) => v.forwardAlways !== null, 'the forward of 203 in AstDB');
    assert.deepEqual(s.forwardAlways, { extension: '202' });
    const callee = await phone('202');
    assert.equal((await call('205', '203', 500)).ok, true);
    assert.equal((await callee.done).requestUriUser, '202', 'the call to 203 rang 202');
  } finally {
    await pbx.apply(config());
  }
  await until(() => state('203'), (v) => v.forwardAlways === null, 'the forward of 203 gone from AstDB');
});

test('DND on, off and toggle from the phone: state, model, audit, BLF hint, calls refused busy', async () => {
  const stream = await openEvents('/events?types=extension.state&extension=201');
  try {
    await dial('201', '*78');
    await until(() => state('201'), (s) => s.dnd, 'DND on in the state');
    await until(async () => (await api.get('/extensions/201')).body.dnd, (v) => v === true, 'DND on in the model');
    const audit = await api.get('/audit?objectType=extension&objectKey=201&action=extensions.dnd');
    assert.equal(audit.status, 200, audit.text);
    assert.equal(audit.body.items[0]?.actor, 'extension 201');
    assert.match(audit.body.items[0]?.source, /phone 201/);
    await waitFor(async () => /Custom:pbx-dnd-201\s+State:InUse/.test(await hint('*76201')), 10_000, 'the DND hint in use');
    const ev = await stream.next((e) => e.data.change === 'dnd' && e.data.state.dnd === true, 10_000, 'extension.state for DND on');
    extensionStateEventSchema.parse(ev.data);
    assert.equal(ev.data.by, '201');
    // Callers get busy while DND is on.
    assert.equal(await refused('203', '201'), 486);

    await dial('201', '*79');
    await until(() => state('201'), (s) => !s.dnd, 'DND off');
    await waitFor(async () => /Custom:pbx-dnd-201\s+State:(Idle|NotInUse)/.test(await hint('*76201')), 10_000, 'the DND hint idle');
    await until(async () => (await api.get('/extensions/201')).body.dnd, (v) => v === false, 'DND off in the model');

    await dial('201', '*76');
    await until(() => state('201'), (s) => s.dnd, 'DND toggled on');
    // The BLF key dials <toggle code><extension>.
    await dial('201', '*76201');
    await until(() => state('201'), (s) => !s.dnd, 'DND toggled off by the BLF key');
    await until(async () => (await api.get('/extensions/201')).body.dnd, (v) => v === false, 'DND off in the model after the toggles');
    // Another extension's key is not the caller's to press.
    assert.equal(await refused('203', '*76201'), 403);
    assert.equal((await state('201')).dnd, false);
  } finally {
    await stream.close();
  }
});

test('forward set and clear from the phone: state, model, calls follow; a number the class may not dial is refused', async () => {
  await dial('201', '*72203');
  const s = await until(() => state('201'), (v) => v.forwardAlways !== null, 'forward in the state');
  assert.deepEqual(s.forwardAlways, { extension: '203' });
  await until(async () => (await api.get('/extensions/201')).body.forward?.always, (v) => v?.extension === '203', 'forward in the model');
  const callee = await phone('203');
  assert.equal((await call('205', '201', 500)).ok, true);
  assert.equal((await callee.done).requestUriUser, '203', 'the call to 201 rang 203');

  await dial('201', '*73');
  await until(() => state('201'), (v) => v.forwardAlways === null, 'forward cleared');
  await until(async () => (await api.get('/extensions/201')).body.forward?.always, (v) => v === undefined, 'forward cleared in the model');

  // An outside number the class allows is stored as external.
  await dial('201', '*723331234567');
  await until(async () => (await api.get('/extensions/201')).body.forward?.always, (v) => v?.external === '3331234567', 'external forward in the model');
  await dial('201', '*73');
  await until(async () => (await api.get('/extensions/201')).body.forward?.always, (v) => v === undefined, 'external forward cleared');

  // 0044... is international: class national may not dial it, so the supervisor puts the model's value back.
  await dial('201', '*720044123456');
  await until(() => state('201'), (v) => v.forwardAlways === null, 'the refused forward taken back from AstDB');
  assert.equal((await api.get('/extensions/201')).body.forward?.always, undefined);
});

test('phone lock: a national call is refused, the emergency number still goes out; unlock with the PIN restores', async () => {
  // Unlocked, the national number reaches the trunk.
  let c = await carrier();
  assert.equal((await call('201', '0612340000', 500)).ok, true);
  assert.equal((await c.done).requestUriUser, '0612340000');

  await dial('201', '*70');
  await until(() => state('201'), (s) => s.locked, 'locked');
  const audit = await api.get('/audit?objectKey=201&action=extensions.lock');
  assert.equal(audit.body.items[0]?.actor, 'extension 201');

  c = await carrier();
  assert.equal(await refused('201', '0612340000'), 403);
  // Internal numbers still work while locked.
  const callee = await phone('203');
  assert.equal((await call('201', '203', 500)).ok, true);
  await callee.done;
  // The emergency number always passes.
  assert.equal((await call('201', '112', 500)).ok, true);
  const got = await c.done;
  assert.equal(got.requestUriUser, '112', 'the emergency call reached the trunk (and nothing before it)');

  // A forward to an outside number is not taken while locked.
  await dial('201', '*723331234567');
  assert.equal((await state('201')).forwardAlways, null);
  // The lock is about what the phone dials itself: calling 203, forwarded out with 203's own
  // class, still goes out.
  const fwd = await api.patch('/extensions/203', { forward: { always: { external: '3330001111' } } });
  assert.equal(fwd.status, 200, fwd.text);
  try {
    c = await carrier();
    assert.equal((await call('201', '203', 500)).ok, true);
    assert.equal((await c.done).requestUriUser, '3330001111');
  } finally {
    assert.equal((await api.patch('/extensions/203', { forward: { always: null } })).status, 200);
  }

  // Unlock: the PIN, then #.
  const r = await runSipp({ scenario: 'uac-dtmf.xml', remote: remote(), service: '*71', user: '201', password: PW('201'), dtmf: `${PIN}#`, holdMs: 3000, timeoutMs: 40_000 });
  assert.equal(r.answered, true, r.logs);
  await until(() => state('201'), (s) => !s.locked, 'unlocked with the PIN');
  assert.doesNotMatch(log(), new RegExp(`\\b${PIN}\\b`), 'the PIN is not in the Asterisk log');
  c = await carrier();
  assert.equal((await call('201', '0612340001', 500)).ok, true);
  assert.equal((await c.done).requestUriUser, '0612340001');
});

test('phone lock: a wrong PIN keeps it locked; the admin API locks and unlocks', async () => {
  await dial('201', '*70');
  await until(() => state('201'), (s) => s.locked, 'locked');
  await runSipp({ scenario: 'uac-dtmf.xml', remote: remote(), service: '*71', user: '201', password: PW('201'), dtmf: '1111#', holdMs: 2000, timeoutMs: 40_000 });
  assert.equal((await state('201')).locked, true, 'a wrong PIN does not unlock');
  const unlock = await api.post('/extensions/201/unlock', {});
  assert.equal(unlock.status, 200, unlock.text);
  assert.equal(unlock.body.locked, false);
  const lock = await api.post('/extensions/201/lock', {});
  assert.equal(lock.body.locked, true);
  assert.equal(await refused('201', '0612340000'), 403);
  assert.equal((await api.post('/extensions/201/unlock', {})).body.locked, false);
  const audit = await api.get('/audit?objectKey=201&action=extensions.lock');
  assert.equal(audit.body.items[0]?.actor, 'admin');
  assert.equal((await api.get('/extensions/299/state')).status, 404);
});

test('agent pause: the code pauses the member in its queues, again resumes it', async () => {
  const status = async () => (await api.get('/queues/support/status')).body.members.find((m: { extension: string }) => m.extension === '205');
  await until(status, (m) => m?.loggedIn === true, 'static member 205 in the queue');
  await dial('205', '*47');
  await until(status, (m) => m?.paused === true, '205 paused');
  await dial('205', '*47');
  await until(status, (m) => m?.paused === false, '205 resumed');
  // Not a member of any queue: refused.
  assert.equal(await refused('203', '*47'), 403);
});

test('echo test answers and echoes', async () => {
  const mark = log().length;
  // A key skips the instructions; then the caller talks to itself until it hangs up.
  const r = await runSipp({ scenario: 'uac-dtmf.xml', remote: remote(), service: '*43', user: '203', password: PW('203'), dtmf: '1', dtmfDelayMs: 1500, holdMs: 3000, timeoutMs: 40_000 });
  assert.equal(r.ok, true, r.logs);
  assert.equal(r.byeFrom, 'local', 'the echo runs until the caller hangs up');
  assert.match(log().slice(mark), /Echo\(/);
});

test('call return dials the last caller', async () => {
  const callee = await phone('201');
  assert.equal((await call('202', '201', 500)).ok, true);
  await callee.done;
  await until(() => state('201'), (s) => s.lastCaller === '202', 'the last caller of 201');
  const back = await phone('202');
  assert.equal((await call('201', '*69', 500)).ok, true);
  const got = await back.done;
  assert.equal(got.requestUriUser, '202');
  assert.equal(got.fromUser, '201');
});

test('call back: 201 finds 202 busy, dials the code; when 202 is free 201 rings, answers, then 202 rings', async () => {
  // 202 (busy level 1) is on a call with 203.
  const busy = await phone('202', 'phone-uas.xml');
  const first = call('203', '202', 9000);
  await waitFor(async () => (await busy.events()).includes('ANSWERED') || (await busy.events()).some((e) => /ANSWER/.test(e)), 15_000, '202 on the first call');
  assert.equal(await refused('201', '202'), 486);
  await dial('201', '*40', 2000);
  await until(() => state('201'), (s) => s.callback === '202', 'the call-back request');

  // Both phones wait for the call back (the second 202 registration takes over the contact).
  const caller = await phone('201', 'phone-uas.xml', { holdMs: 0 });
  const target = await phone('202', 'phone-uas.xml', { holdMs: 2000 });
  assert.equal((await first).ok, true);
  await busy.done;
  const rang = await target.done;
  assert.equal(rang.inviteReceived, true, '202 rang');
  assert.equal(rang.fromUser, '201', '202 sees 201 calling');
  const c = await caller.done;
  assert.equal(c.inviteReceived, true, "201's phone rang first");
  assert.equal(c.fromUser, '202', '201 sees whom it is about to call');
  await until(() => state('201'), (s) => s.callback === null, 'the request cleared');
});

test('call back: cancel clears the request', async () => {
  // 201 found 202 busy in the previous test (pbx-lastbusy/201 = 202).
  await dial('201', '*40', 1500);
  await until(() => state('201'), (s) => s.callback === '202', 'the call-back request');
  await dial('201', '*41', 1500);
  await until(() => state('201'), (s) => s.callback === null, 'cancelled');
});

test('forking: the mobile rings on the trunk with the caller number while the device rings; it answers, the device stops', async () => {
  const c = await carrier({ ringMs: 1000, holdMs: 0 } as Partial<SippOptions>);
  const device = await phone('204', 'phone-uas-noanswer.xml');
  const r = await call('202', '204', 1500);
  assert.equal(r.ok, true, r.logs);
  const mobile = await c.done;
  assert.equal(mobile.requestUriUser, '3331112222');
  assert.equal(mobile.fromUser, '202', "the mobile sees the caller's number, not the trunk's");
  const d = await device.done;
  assert.equal(d.inviteReceived, true, 'the device rang too');
  assert.equal(d.cancelled, true, 'the device stopped ringing when the mobile answered');
});

test('forking: the device answers first, the mobile leg is cancelled', async () => {
  const c = await carrier({ ringMs: 20_000 } as Partial<SippOptions>);
  const device = await phone('204', 'phone-uas.xml', { ringMs: 2500 });
  const r = await call('202', '204', 1000);
  assert.equal(r.ok, true, r.logs);
  assert.equal((await device.done).inviteReceived, true);
  const mobile = await c.done;
  assert.equal(mobile.inviteReceived, true, 'the mobile rang');
  assert.equal(mobile.cancelled, true, 'the mobile leg was cancelled');
});

test('forking with confirmation: the mobile must press 1 to take the call', async () => {
  const c = await startSipp({ scenario: 'carrier-uas-dtmf.xml', localIp: '127.0.0.2', localPort: carrierPort, dtmf: '1', dtmfDelayMs: 2500, timeoutMs: 40_000 });
  await waitFor(() => udpListening('127.0.0.2', carrierPort), 5000, 'the carrier');
  const device = await phone('206', 'phone-uas-noanswer.xml');
  const mark = log().length;
  const r = await call('202', '206', 2000);
  assert.equal(r.ok, true, r.logs);
  const mobile = await c.done;
  assert.equal(mobile.requestUriUser, '3334445555');
  assert.equal(mobile.fromUser, '202');
  assert.equal((await device.done).cancelled, true);
  assert.match(log().slice(mark), /pbx-lib-confirm/);
});

/** The event stream at `path` (under /api/v1) with a new token that may read extensions. */
async function openEvents(path: string) {
  const t = await api.post('/tokens', { name: `events-${Date.now()}`, scopes: { extensions: 'read' } });
  assert.equal(t.status, 201, t.text);
  return openEventStream(`${base}/api/v1${path}`, t.body.token, { settleMs: 200 });
}
