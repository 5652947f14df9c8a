// Switches and queues at run time through the REST API, pbxctl and the event stream, against a
// real Asterisk 22: a switch's state in AstDB and its BLF device state, a queue's members and
// waiting callers as app_queue reports them, supervisor actions on dynamic members (QueueAdd,
// QueuePause, QueueRemove) and the events Asterisk sends back, the feature codes singleton.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { adminSession, Contract, type ApiClient } from '../lib/api.ts';
import { startPbx, waitFor, type PbxInstance } from '../lib/pbx.ts';
import { runSipp, stopAllSipp } from '../lib/sipp.ts';
import { openEventStream } from '../lib/events.ts';
import { FEATURES_CONTEXT } from '../../src/render/call-handling.ts';
import { liveEventSchema } from '../../src/domain/queues-switches.ts';
import { featureCodesSchema } from '../../src/domain/model.ts';

const PW = (u: string) => `Sq7-${[...u].map((c) => 'kmnpqrstvw'[Number(c)] ?? c).join('')}-Xz4w`;
const dev = (u: string) => ({ username: u, password: PW(u) });
const ALL_WRITE = Object.fromEntries(
  ['extensions', 'trunks', 'routing', 'groups', 'ivr', 'phonebook', 'switches', 'cdr', 'calls', 'crm', 'system', 'users', 'audit'].map((s) => [s, 'write']),
);

let pbx: PbxInstance;
let base: string;
let session: ApiClient;
let api: ApiClient;
let token: string;

/** The event stream at `path` (under /api/v1); subscribed once its first bytes are out. */
const openEvents = (path: string, bearer: string) => openEventStream(`${base}/api/v1${path}`, bearer, { settleMs: 200 });

before(async () => {
  pbx = await startPbx({
    extensions: [
      { number: '201', name: 'Alice', devices: [dev('201')] },
      { number: '202', name: 'Bob', devices: [dev('202')] },
      { number: '203', name: 'Carol', devices: [dev('203')] },
    ],
    switches: [
      {
        name: 'night',
        code: '*31',
        states: [
          { name: 'day', destination: { extension: '201' } },
          { name: 'night', destination: { hangup: true } },
          { name: 'holiday', destination: { hangup: true } },
        ],
      },
    ],
    queues: [
      {
        name: 'sales',
        number: '600',
        members: [{ extension: '201' }],
        dynamicMembers: [{ extension: '202', penalty: 3 }],
        joinEmpty: true,
        announceFrequency: 0,
      },
    ],
  });
  base = `http://127.0.0.1:${pbx.daemon.httpPort}`;
  const doc = (await (await fetch(`${base}/api/v1/openapi.json`)).json()) as ConstructorParameters<typeof Contract>[0];
  session = await adminSession(base, pbx.dataDir, new Contract(doc));
  const r = await session.post('/tokens', { name: 'queues', scopes: ALL_WRITE });
  assert.equal(r.status, 201, r.text);
  token = r.body.token;
  api = session.with({ token });
});

after(async () => {
  await stopAllSipp();
  await pbx?.stop();
});

const deviceState = () => pbx.daemon.control.deviceState('Custom:pbx-switch-night');
const storedState = async () => /Value:\s*(\S+)/.exec(await pbx.daemon.control.command('database get pbx-switch night'))?.[1];

test('a switch: read, set through the API (AstDB, BLF state, hint, switch.changed, audit), refused input', async () => {
  const stream = await openEvents('/events?types=switch.changed', token);
  try {
    const first = await api.get('/switches/night/state');
    assert.equal(first.status, 200, first.text);
    assert.deepEqual(first.body, { switch: 'night', state: 'day', states: ['day', 'night', 'holiday'] });

    const set = await api.put('/switches/night/state', { state: 'night' });
    assert.equal(set.status, 200, set.text);
    assert.deepEqual(set.body, { switch: 'night', state: 'night', states: ['day', 'night', 'holiday'] });
    assert.equal((await api.get('/switches/night/state')).body.state, 'night');
    assert.equal(await storedState(), 'night', 'AstDB pbx-switch/night holds the state');
    assert.equal(await deviceState(), 'INUSE', 'the BLF device state is on outside the first state');
    // Phones watch the switch's code: its hint follows the custom device state.
    await waitFor(async () => /\*31@\S+\s*:\s*Custom:pbx-switch-night\s+State:InUse/.test(await pbx.daemon.control.command(`core show hint *31`)), 10_000, 'the hint of *31 in use');

    const ev = await stream.next((e) => e.event === 'switch.changed', 10_000, 'switch.changed');
    liveEventSchema.parse(ev.data);
    assert.equal(ev.data.switch, 'night');
    assert.equal(ev.data.state, 'night');
    assert.equal(ev.data.by, 'token:queues');

    const audit = await session.get('/audit?action=switches.state');
    assert.equal(audit.status, 200);
    assert.equal(audit.body.items.length, 1);
    assert.equal(audit.body.items[0].actor, 'token:queues');
    assert.equal(audit.body.items[0].objectKey, 'night');
    assert.match(audit.body.items[0].summary, /day → night/);
    assert.equal(audit.body.items[0].revertible, false);

    // The same state again: re-asserted, not audited or published.
    assert.equal((await api.put('/switches/night/state', { state: 'night' })).status, 200);
    assert.equal((await session.get('/audit?action=switches.state')).body.items.length, 1);

    assert.equal((await api.put('/switches/night/state', { state: 'holiday' })).body.state, 'holiday');
    assert.equal(await deviceState(), 'INUSE');
    assert.equal((await api.put('/switches/night/state', { state: 'day' })).body.state, 'day');
    assert.equal(await deviceState(), 'NOT_INUSE', 'back in the first state: BLF off');
    await stream.next((e) => e.event === 'switch.changed' && e.data.state === 'day', 10_000, 'switch.changed to day');
    assert.deepEqual(
      stream.events.filter((e) => e.event === 'switch.changed').map((e) => e.data.state),
      ['night', 'holiday', 'day'],
    );

    const unknownState = await api.put('/switches/night/state', { state: 'weekend' });
    assert.equal(unknownState.status, 400);
    assert.equal(unknownState.body.error.fields[0].path, 'state');
    assert.match(unknownState.body.error.fields[0].message, /day, night, holiday/);
    assert.equal((await api.put('/switches/night/state', {})).status, 400);
    assert.equal((await api.put('/switches/night/state', { state: 'night', extra: 1 })).status, 400);
    assert.equal((await api.get('/switches/nope/state')).status, 404);
    assert.equal((await api.put('/switches/nope/state', { state: 'day' })).status, 404);
    assert.equal(await storedState(), 'day', 'refused requests changed nothing');
  } finally {
    await stream.close();
  }
});

test('pbxctl switch NAME [STATE] reads and sets the state over the control socket', async () => {
  const read = await pbx.pbxctl(['switch', 'night']);
  assert.equal(read.code, 0, read.stderr);
  assert.equal(read.stdout, 'day\n');

  const set = await pbx.pbxctl(['switch', 'night', 'holiday']);
  assert.equal(set.code, 0, set.stderr);
  assert.equal(set.stdout, 'holiday\n');
  assert.equal((await api.get('/switches/night/state')).body.state, 'holiday');
  assert.equal(await deviceState(), 'INUSE');
  const audit = await session.get('/audit?action=switches.state&limit=1');
  assert.equal(audit.body.items[0].actor, 'root');
  assert.equal(audit.body.items[0].source, 'pbxctl');

  const bad = await pbx.pbxctl(['switch', 'night', 'weekend']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /no state weekend/);
  const unknown = await pbx.pbxctl(['switch', 'nope']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /switch nope does not exist/);
  assert.equal((await pbx.pbxctl(['switch'])).code, 2);

  assert.equal((await pbx.pbxctl(['switch', 'night', 'day'])).stdout, 'day\n');
});

test('a queue: static members listed from the model, dynamic members log in and out, pause, events', async () => {
  const stream = await openEvents('/events?types=queue.member.changed', token);
  try {
    const status = await api.get('/queues/sales/status');
    assert.equal(status.status, 200, status.text);
    assert.deepEqual(status.body.callers, []);
    assert.deepEqual(
      status.body.members.map((m: any) => [m.extension, m.name, m.dynamic, m.loggedIn, m.paused, m.callsTaken, m.lastCallAt]),
      [
        ['201', 'Alice', false, true, false, 0, null],
        ['202', 'Bob', true, false, false, 0, null],
      ],
    );

    const login = await api.post('/queues/sales/members/202/login');
    assert.equal(login.status, 200, login.text);
    const bob = login.body.members.find((m: any) => m.extension === '202');
    assert.equal(bob.loggedIn, true);
    assert.equal(bob.paused, false);
    // In Asterisk: the agent's Local interface, watched through its hint, with its penalty.
    const shown = await pbx.daemon.control.command('queue show pbx-queue-sales');
    assert.match(shown, /202 \(Local\/202@pbx-agent\/n from hint:202@pbx-internal\) with penalty 3\b.*\(dynamic\)/);
    const added = await stream.next((e) => e.data.change === 'login', 10_000, 'queue.member.changed login');
    liveEventSchema.parse(added.data);
    assert.deepEqual(
      { queue: added.data.queue, extension: added.data.extension, dynamic: added.data.dynamic, loggedIn: added.data.loggedIn, paused: added.data.paused },
      { queue: 'sales', extension: '202', dynamic: true, loggedIn: true, paused: false },
    );

    // Logging in again changes nothing.
    assert.equal((await api.post('/queues/sales/members/202/login')).status, 200);

    const paused = await api.post('/queues/sales/members/202/pause');
    assert.equal(paused.status, 200, paused.text);
    assert.equal(paused.body.members.find((m: any) => m.extension === '202').paused, true);
    await stream.next((e) => e.data.change === 'pause' && e.data.extension === '202', 10_000, 'queue.member.changed pause');
    const unpaused = await api.post('/queues/sales/members/202/unpause');
    assert.equal(unpaused.body.members.find((m: any) => m.extension === '202').paused, false);
    await stream.next((e) => e.data.change === 'unpause', 10_000, 'queue.member.changed unpause');

    // A static member can be paused too (not logged out).
    assert.equal((await api.post('/queues/sales/members/201/pause')).body.members[0].paused, true);
    assert.equal((await api.post('/queues/sales/members/201/unpause')).body.members[0].paused, false);

    const logout = await api.post('/queues/sales/members/202/logout');
    assert.equal(logout.status, 200, logout.text);
    assert.equal(logout.body.members.find((m: any) => m.extension === '202').loggedIn, false);
    assert.doesNotMatch(await pbx.daemon.control.command('queue show pbx-queue-sales'), /Local\/202@pbx-agent/);
    const removed = await stream.next((e) => e.data.change === 'logout', 10_000, 'queue.member.changed logout');
    assert.equal(removed.data.loggedIn, false);

    const audit = await session.get('/audit?objectType=queue&objectKey=sales');
    assert.deepEqual(
      audit.body.items.map((e: any) => e.action).reverse(),
      ['queues.member.login', 'queues.member.pause', 'queues.member.unpause', 'queues.member.pause', 'queues.member.unpause', 'queues.member.logout'],
    );
    assert.match(audit.body.items.at(-1).summary, /extension 202 logged in/);
  } finally {
    await stream.close();
  }
});

test('queue member actions refused: static login, non-members, unknown queue, pause while logged out', async () => {
  const staticLogin = await api.post('/queues/sales/members/201/login');
  assert.equal(staticLogin.status, 400);
  assert.equal(staticLogin.body.error.fields[0].path, 'extension');
  assert.equal((await api.post('/queues/sales/members/201/logout')).status, 400);
  assert.equal((await api.post('/queues/sales/members/203/login')).status, 400);
  assert.equal((await api.post('/queues/sales/members/203/pause')).status, 404);
  assert.equal((await api.post('/queues/nope/members/202/login')).status, 404);
  assert.equal((await api.get('/queues/nope/status')).status, 404);
  assert.equal((await api.post('/queues/sales/members/x1/login')).status, 400);
  const pauseOut = await api.post('/queues/sales/members/202/pause');
  assert.equal(pauseOut.status, 409, pauseOut.text);
  assert.equal((await api.post('/queues/sales/members/202/login', { reason: 'x' })).status, 400, 'the actions take no body fields');
});

test('a caller waits in the queue: listed with its wait, joined and left (abandoned) on the event stream', async () => {
  const stream = await openEvents('/events?types=queue.caller.joined,queue.caller.left', token);
  try {
    // Nobody can take the call (the static member has no phone registered): the caller is
    // answered and waits (music, announcements) until the call is hung up through the API.
    const call = runSipp({ scenario: 'uac-call.xml', remote: `127.0.0.1:${pbx.sipPort}`, service: '600', user: '203', password: PW('203'), holdMs: 45_000, timeoutMs: 60_000 });
    const joined = await stream.next((e) => e.event === 'queue.caller.joined', 15_000, 'queue.caller.joined');
    liveEventSchema.parse(joined.data);
    assert.equal(joined.data.queue, 'sales');
    assert.equal(joined.data.callerNumber, '203');
    assert.equal(joined.data.position, 1);

    let caller: any;
    await waitFor(async () => {
      caller = (await api.get('/queues/sales/status')).body.callers[0];
      return caller?.waitSeconds >= 1;
    }, 10_000, 'the caller listed with its wait');
    assert.equal(caller.position, 1);
    assert.equal(caller.callerNumber, '203');

    const hangup = await api.delete(`/calls/${encodeURIComponent(joined.data.callId)}`);
    assert.equal(hangup.status, 204, hangup.text);
    const r = await call;
    assert.ok(r.ok && r.answered && r.byeFrom === 'remote', `the caller was answered and the PBX hung up: ${JSON.stringify({ ok: r.ok, byeFrom: r.byeFrom })}`);
    const left = await stream.next((e) => e.event === 'queue.caller.left', 15_000, 'queue.caller.left');
    liveEventSchema.parse(left.data);
    assert.equal(left.data.reason, 'abandoned');
    assert.equal(left.data.uniqueId, joined.data.uniqueId);
    assert.equal(left.data.callId, joined.data.callId);
    assert.ok(left.data.waitSeconds >= 1, `waited ${left.data.waitSeconds}s`);
    assert.deepEqual((await api.get('/queues/sales/status')).body.callers, []);
  } finally {
    await stream.close();
  }
});

test('the event stream sends queue events only with groups:read and switch events only with switches:read', async () => {
  const r = await session.post('/tokens', { name: 'switch-watcher', scopes: { switches: 'read' } });
  assert.equal(r.status, 201, r.text);
  const stream = await openEvents('/events', r.body.token);
  try {
    assert.equal((await api.post('/queues/sales/members/202/login')).status, 200);
    assert.equal((await api.put('/switches/night/state', { state: 'night' })).status, 200);
    await stream.next((e) => e.event === 'switch.changed' && e.data.state === 'night', 10_000, 'switch.changed');
    assert.equal((await api.post('/queues/sales/members/202/logout')).status, 200);
    assert.equal((await api.put('/switches/night/state', { state: 'day' })).status, 200);
    await stream.next((e) => e.event === 'switch.changed' && e.data.state === 'day', 10_000, 'switch.changed back');
    assert.deepEqual(stream.events.filter((e) => e.event.startsWith('queue.')), [], 'no queue events without groups:read');
  } finally {
    await stream.close();
  }
  // And without switches:read a caller cannot read the state either.
  const none = await session.post('/tokens', { name: 'no-switches', scopes: { groups: 'read' } });
  assert.equal((await api.with({ token: none.body.token }).get('/switches/night/state')).status, 403);
  assert.equal((await api.with({ token: none.body.token }).put('/switches/night/state', { state: 'day' })).status, 403);
  assert.equal((await api.with({ token: r.body.token }).put('/switches/night/state', { state: 'day' })).status, 403);
  assert.equal((await api.with({ token: r.body.token }).post('/queues/sales/members/202/login')).status, 403);
});

test('feature codes: read and replace through the model (audited), invalid codes refused', async () => {
  const current = await api.get('/feature-codes');
  assert.equal(current.status, 200, current.text);
  assert.deepEqual(current.body, featureCodesSchema.parse({}), 'the documented defaults');
  assert.equal(current.body.agentLogin, '*45');

  const put = await api.put('/feature-codes', { agentLogin: '*65', agentLogout: '*66' });
  assert.equal(put.status, 200, put.text);
  const expected = { ...featureCodesSchema.parse({}), agentLogin: '*65', agentLogout: '*66' };
  assert.deepEqual(put.body.item, expected, 'absent codes get their default');
  assert.equal(put.body.apply?.ok, true, JSON.stringify(put.body.apply));
  assert.deepEqual((await api.get('/feature-codes')).body, expected);
  // Applied: the dialplan knows the new code.
  assert.match(await pbx.daemon.control.command(`dialplan show *65@${FEATURES_CONTEXT}`), /\*65/);
  const audit = await session.get('/audit?action=featureCodes.update');
  assert.equal(audit.body.items.length, 1);

  const bad = await api.put('/feature-codes', { agentLogin: '45' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.fields[0].path, 'agentLogin');
  assert.equal((await api.put('/feature-codes', { agentLogin: '*45', other: '*1' })).status, 400);
});
