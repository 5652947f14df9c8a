// Queue events and switch changes from AMI events. The sequences below are those Asterisk 22's
// app_queue sends (observed on the sid rootfs; trimmed to the fields that matter, and with the
// VarSet shape asterisk-manager gives: "Variable: X" becomes { X: '' }).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { PbxEventTracker, QueueEventTranslator, queueOfSection, type AmiEventLike } from '../../src/calls/queue-events.ts';
import { currentSwitchState, liveEventSchema, switchDeviceState, type LiveEvent } from '../../src/domain/queues-switches.ts';

const T0 = Date.parse('2030-01-01T10:00:00.000Z');
const CALLER = { channel: 'PJSIP/trunk-carrier-00000001', uniqueid: '1795331276.1', linkedid: '1795331276.0', calleridnum: '3331112222', calleridname: 'Caller One' };
const MEMBER = { interface: 'Local/201@pbx-agent/n', membername: '201', stateinterface: 'hint:201@pbx-internal' };

function run(events: (AmiEventLike & { t?: number })[], opts: ConstructorParameters<typeof QueueEventTranslator>[0] = {}) {
  let n = 0;
  const tr = new QueueEventTranslator({ newId: () => `e${++n}`, ...opts });
  const out: LiveEvent[] = [];
  for (const e of events) {
    const { t = 0, ...rest } = e;
    out.push(...tr.handle(rest as AmiEventLike, new Date(T0 + t * 1000)));
  }
  for (const e of out) liveEventSchema.parse(e);
  return { tr, out };
}
const varset = (name: string, value: string, extra: Record<string, string> = CALLER) => ({ event: 'VarSet', ...extra, variable: { [name]: '' }, value });
const join = (t = 0, queue = 'pbx-queue-sales') => ({ event: 'QueueCallerJoin', ...CALLER, queue, position: '1', count: '1', t });
const leave = (t: number, queue = 'pbx-queue-sales') => ({ event: 'QueueCallerLeave', ...CALLER, queue, position: '1', count: '0', t });
const kinds = (out: LiveEvent[]) => out.map((e) => (e.type === 'queue.caller.left' ? `${e.type}:${e.reason}` : e.type));

test('queue sections are pbx-queue-<name>; others are not ours', () => {
  assert.equal(queueOfSection('pbx-queue-sales'), 'sales');
  assert.equal(queueOfSection('sales'), undefined);
  assert.equal(queueOfSection('pbx-queue-'), undefined);
  assert.equal(queueOfSection(undefined), undefined);
});

test('an answered caller: joined, left (answered), agent connected, agent completed', () => {
  const { out, tr } = run([
    { event: 'Newexten', ...CALLER, application: 'Queue', appdata: 'pbx-queue-sales,,,,' },
    join(0),
    { event: 'AgentCalled', ...CALLER, destuniqueid: '1795331276.2', queue: 'pbx-queue-sales', ...MEMBER, t: 7 },
    leave(7),
    varset('QUEUEPOSITION', '1'),
    { event: 'AgentConnect', ...CALLER, destuniqueid: '1795331276.2', queue: 'pbx-queue-sales', ...MEMBER, holdtime: '7', ringtime: '2', t: 7 },
    { event: 'AgentComplete', ...CALLER, queue: 'pbx-queue-sales', ...MEMBER, holdtime: '7', talktime: '42', reason: 'agent', t: 49 },
    { event: 'Hangup', ...CALLER, t: 49 },
  ]);
  assert.deepEqual(kinds(out), ['queue.caller.joined', 'queue.caller.left:answered', 'queue.agent.connected', 'queue.agent.completed']);
  assert.deepEqual(out[0], {
    id: 'e1',
    type: 'queue.caller.joined',
    at: '2030-01-01T10:00:00.000Z',
    queue: 'sales',
    callId: '1795331276.0',
    uniqueId: '1795331276.1',
    callerNumber: '3331112222',
    callerName: 'Caller One',
    position: 1,
    count: 1,
  });
  const left = out[1]!;
  assert.ok(left.type === 'queue.caller.left');
  assert.equal(left.waitSeconds, 7);
  assert.equal(left.count, 0);
  assert.equal(left.at, '2030-01-01T10:00:07.000Z');
  const connected = out[2]!;
  assert.ok(connected.type === 'queue.agent.connected');
  assert.equal(connected.extension, '201');
  assert.equal(connected.ringSeconds, 2);
  const done = out[3]!;
  assert.ok(done.type === 'queue.agent.completed');
  assert.equal(done.talkSeconds, 42);
  assert.equal(done.endedBy, 'agent');
  assert.equal(tr.pending, 0);
  assert.equal(tr.waitingCallers, 0);
});

test('a timeout: app_queue sends QueueCallerAbandon too, QUEUESTATUS after the leave says timeout', () => {
  const { out } = run([
    join(0),
    { event: 'QueueCallerAbandon', ...CALLER, queue: 'pbx-queue-sales', position: '1', originalposition: '1', holdtime: '4', t: 4 },
    leave(4),
    varset('QUEUEPOSITION', '1'),
    varset('QUEUESTATUS', 'TIMEOUT'),
    { event: 'Newexten', ...CALLER, application: 'Goto', appdata: 'pbx-lib-dest,s,1', t: 4 },
  ]);
  assert.deepEqual(kinds(out), ['queue.caller.joined', 'queue.caller.left:timeout']);
  assert.equal((out[1] as { waitSeconds: number }).waitSeconds, 4);
});

test('the caller hangs up while waiting: abandoned', () => {
  const { out } = run([
    join(0),
    { event: 'HangupRequest', ...CALLER, t: 12 },
    { event: 'QueueCallerAbandon', ...CALLER, queue: 'pbx-queue-sales', position: '1', originalposition: '1', holdtime: '12', t: 12 },
    leave(12),
    varset('QUEUEPOSITION', '1'),
    { event: 'SoftHangupRequest', ...CALLER, t: 12 },
    { event: 'Hangup', ...CALLER, t: 12 },
  ]);
  assert.deepEqual(kinds(out), ['queue.caller.joined', 'queue.caller.left:abandoned']);
  assert.equal((out[1] as { waitSeconds: number }).waitSeconds, 12);
});

test('a caller refused at the door (full, no agents) leaves a queue it never joined', () => {
  const { out } = run([
    { event: 'Newexten', ...CALLER, application: 'Queue', appdata: 'pbx-queue-hotline,,,,30' },
    varset('QUEUEWAIT', ''),
    varset('QUEUESTATUS', 'FULL'),
    { event: 'Newexten', ...CALLER, application: 'Hangup', appdata: '' },
  ]);
  assert.deepEqual(kinds(out), ['queue.caller.left:full']);
  const left = out[0]!;
  assert.ok(left.type === 'queue.caller.left');
  assert.equal(left.queue, 'hotline');
  assert.equal(left.waitSeconds, 0);
  assert.equal(left.count, undefined);

  assert.deepEqual(kinds(run([{ event: 'Newexten', ...CALLER, application: 'Queue', appdata: 'pbx-queue-x,,,,' }, varset('QUEUESTATUS', 'JOINEMPTY')]).out), ['queue.caller.left:empty']);
  // QUEUESTATUS of a channel that never tried one of our queues means nothing here.
  assert.deepEqual(run([varset('QUEUESTATUS', 'FULL')]).out, []);
  assert.deepEqual(run([{ event: 'Newexten', ...CALLER, application: 'Queue', appdata: 'other-queue' }, varset('QUEUESTATUS', 'FULL')]).out, []);
});

test('a leave waits for its reason, then goes out with what is known', () => {
  const { tr, out } = run([join(0), leave(5)]);
  assert.deepEqual(kinds(out), ['queue.caller.joined']);
  assert.equal(tr.pending, 1);
  assert.deepEqual(tr.flush(new Date(T0 + 6000), 2000), []);
  const late = tr.flush(new Date(T0 + 7000), 2000);
  assert.deepEqual(kinds(late), ['queue.caller.left:other']);
  assert.equal((late[0] as { waitSeconds: number }).waitSeconds, 5);
  assert.equal(late[0]!.at, '2030-01-01T10:00:05.000Z', 'dated when the caller left, not when the reason was given up on');
  assert.equal(tr.pending, 0);
});

test('members: login, pause with reason, unpause, phone state changes that matter, logout', () => {
  const m = { queue: 'pbx-queue-sales', ...MEMBER, membership: 'dynamic', penalty: '2', callstaken: '0', lastcall: '0', incall: '0', status: '1', paused: '0', pausedreason: '' };
  const { out } = run([
    { event: 'QueueMemberAdded', ...m },
    { event: 'QueueMemberPause', ...m, paused: '1', pausedreason: 'lunch' },
    { event: 'QueueMemberPause', ...m, paused: '0' },
    { event: 'QueueMemberStatus', ...m, status: '6' },
    { event: 'QueueMemberStatus', ...m, status: '2' },
    { event: 'QueueMemberStatus', ...m, status: '2', incall: '1' },
    { event: 'QueueMemberStatus', ...m, status: '1' },
    { event: 'QueueMemberRemoved', ...m },
    { event: 'QueueMemberStatus', queue: 'pbx-queue-sales', ...MEMBER, membership: 'static', status: '5', paused: '0', incall: '0' },
  ]);
  const changes = out.map((e) => (e.type === 'queue.member.changed' ? `${e.change}:${e.loggedIn ? 'in' : 'out'}:${e.paused ? 'paused' : 'ready'}:${e.inCall ? 'call' : 'idle'}` : e.type));
  assert.deepEqual(changes, [
    'login:in:ready:idle',
    'pause:in:paused:idle',
    'unpause:in:ready:idle',
    'status:in:ready:call',
    'status:in:ready:idle',
    'logout:out:ready:idle',
    'status:in:ready:idle',
  ]);
  const paused = out[1]!;
  assert.ok(paused.type === 'queue.member.changed');
  assert.equal(paused.pausedReason, 'lunch');
  assert.equal(paused.extension, '201');
  assert.equal(paused.queue, 'sales');
  assert.equal(paused.dynamic, true);
  assert.equal((out[6] as { dynamic: boolean }).dynamic, false);
});

test('switch changes: UserEvent PbxSwitch, from the dialplan or the supervisor', () => {
  const { out } = run([
    { event: 'UserEvent', userevent: 'PbxSwitch', switch: 'night', state: 'closed', by: '201', t: 3 },
    { event: 'UserEvent', userevent: 'Other', switch: 'night', state: 'closed' },
    { event: 'UserEvent', userevent: 'PbxSwitch', switch: 'Bad Name', state: 'x' },
    { event: 'UserEvent', userevent: 'PbxSwitch', switch: 'night' },
  ]);
  assert.deepEqual(out, [{ id: 'e1', type: 'switch.changed', at: '2030-01-01T10:00:03.000Z', switch: 'night', state: 'closed', by: '201' }]);
});

test('other queues, partial and malformed events are ignored without throwing', () => {
  const { out } = run([
    join(0, 'support'),
    leave(1, 'support'),
    { event: 'QueueCallerJoin', queue: 'pbx-queue-sales' },
    { event: 'QueueMemberAdded', queue: 'pbx-queue-sales' },
    { event: 'AgentConnect', queue: 'pbx-queue-sales' },
    { event: 'VarSet', uniqueid: 'x', variable: 'QUEUESTATUS', value: 'TIMEOUT' },
    { event: 'Hangup' },
    {} as AmiEventLike,
    { event: 5 } as unknown as AmiEventLike,
  ]);
  assert.deepEqual(out, []);
  const tr = new QueueEventTranslator();
  assert.deepEqual(tr.handle(null as unknown as AmiEventLike, new Date()), []);
});

test('memory is bounded: callers whose leave never comes are forgotten beyond the cap', () => {
  const events = Array.from({ length: 50 }, (_, i) => ({ ...join(i), uniqueid: `u${i}` }));
  const { tr, out } = run(events, { maxTracked: 10 });
  assert.equal(out.length, 50);
  assert.equal(tr.waitingCallers, 10);
});

test('Asterisk stopping ends every wait', () => {
  const { out, tr } = run([join(0), { event: 'Shutdown', t: 9 }]);
  assert.deepEqual(kinds(out), ['queue.caller.joined', 'queue.caller.left:other']);
  assert.equal(tr.waitingCallers, 0);
});

test('the tracker emits from its AMI source and flushes a leave whose reason never comes', async () => {
  const source = new EventEmitter();
  const tracker = new PbxEventTracker({ source, settleMs: 30 });
  const seen: LiveEvent[] = [];
  tracker.on('event', (e: LiveEvent) => seen.push(e));
  source.emit('event', join(0));
  source.emit('event', leave(0));
  assert.deepEqual(kinds(seen), ['queue.caller.joined']);
  await new Promise((r) => setTimeout(r, 120));
  assert.deepEqual(kinds(seen), ['queue.caller.joined', 'queue.caller.left:other']);
  tracker.stop();
  source.emit('event', { event: 'UserEvent', userevent: 'PbxSwitch', switch: 'night', state: 'closed', by: '201' });
  assert.equal(seen.length, 2, 'nothing after stop()');
});

test('switch state rules: unknown or missing stored state is the first; BLF off only in the first', () => {
  const sw = { states: [{ name: 'day', destination: { hangup: true as const } }, { name: 'night', destination: { hangup: true as const } }] };
  assert.equal(currentSwitchState(sw, undefined), 'day');
  assert.equal(currentSwitchState(sw, 'gone'), 'day');
  assert.equal(currentSwitchState(sw, 'night'), 'night');
  assert.equal(switchDeviceState(sw, 'day'), 'NOT_INUSE');
  assert.equal(switchDeviceState(sw, 'night'), 'INUSE');
});
