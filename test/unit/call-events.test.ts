// The call-event tracker over AMI event sequences recorded from real Asterisk 22
// (test/fixtures/ami/*.json, made by capture.ts there), plus partial and malformed input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CallEventTracker, endpointOfChannel, type AmiEventLike, type EndpointClass } from '../../src/calls/call-events.ts';
import { callEventSchema, type CallEvent } from '../../src/domain/calls.ts';

interface Fixture {
  name: string;
  devices: Record<string, string>;
  trunks: string[];
  names: Record<string, string>;
  events: AmiEventLike[];
}
const fixture = (name: string): Fixture => JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/ami', `${name}.json`), 'utf8')) as Fixture;

/** A phonebook entry for the inbound caller, whose carrier sent the number as the name. */
const PHONEBOOK: Record<string, string> = { '3471112233': 'Mario Rossi' };

function tracker(f: Pick<Fixture, 'devices' | 'names'>, extra: Partial<ConstructorParameters<typeof CallEventTracker>[0]> = {}) {
  const source = new EventEmitter();
  let tick = Date.parse('2030-01-01T10:00:00.000Z');
  const errors: unknown[] = [];
  const t = new CallEventTracker({
    source,
    lookupName: (n) => f.names[n] ?? PHONEBOOK[n],
    classify: (ep): EndpointClass | undefined =>
      ep.startsWith('trunk-') ? { kind: 'trunk', trunk: ep.slice('trunk-'.length) } : f.devices[ep] ? { kind: 'device', extension: f.devices[ep] } : undefined,
    now: () => new Date((tick += 1000)),
    onError: (err) => errors.push(err),
    ...extra,
  });
  const events: CallEvent[] = [];
  t.on('call', (e: CallEvent) => events.push(e));
  const feed = (list: unknown[]) => {
    for (const e of list) source.emit('event', e);
  };
  return { t, events, feed, errors };
}

function replay(name: string) {
  const f = fixture(name);
  const r = tracker(f);
  r.feed(f.events);
  for (const e of r.events) callEventSchema.parse(e);
  assert.deepEqual(r.errors, [], 'nothing unexpected was swallowed');
  assert.equal(r.t.activeCalls, 0, 'the call is forgotten after its hangup');
  return r;
}

const summary = (events: CallEvent[]) => events.map((e) => `${e.type}${e.extension ? ` ${e.extension}` : ''}`);

test('channel names give their PJSIP endpoint', () => {
  assert.equal(endpointOfChannel('PJSIP/201b-0000000a'), '201b');
  assert.equal(endpointOfChannel('PJSIP/trunk-carrier1-00000005'), 'trunk-carrier1');
  assert.equal(endpointOfChannel('Local/203@pbx-internal-00000001;1'), undefined);
  assert.equal(endpointOfChannel('PJSIP/201'), undefined);
});

test('internal call: ringing → answered → hangup with numbers, names and one call id', () => {
  const { events } = replay('internal');
  assert.deepEqual(summary(events), ['call.ringing 202', 'call.answered 202', 'call.hangup 202']);
  const [ringing, answered, hangup] = events as [CallEvent, CallEvent, CallEvent];
  for (const e of events) {
    assert.equal(e.direction, 'internal');
    assert.deepEqual(e.caller, { number: '208', name: 'Hugo' });
    assert.deepEqual(e.called, { number: '202', name: 'Bob' });
    assert.equal(e.callId, ringing.callId);
    assert.equal(e.did, undefined);
    assert.equal(e.trunk, undefined);
    assert.deepEqual(e.extensions, ['208', '202']);
    assert.equal(e.startedAt, ringing.startedAt);
  }
  assert.equal(new Set(events.map((e) => e.id)).size, 3, 'every event has its own id');
  assert.equal(ringing.answeredAt, undefined);
  assert.ok(answered.answeredAt && answered.answeredAt > ringing.startedAt);
  assert.equal(hangup.answeredAt, answered.answeredAt);
  assert.ok(hangup.endedAt && hangup.endedAt > hangup.answeredAt!);
  assert.deepEqual(hangup.cause, { code: 16, text: 'Normal Clearing' });
  assert.equal(hangup.uniqueId, hangup.callId, 'hangup is about the call (its origin channel)');
  assert.notEqual(ringing.uniqueId, ringing.callId, 'ringing is about the callee leg');
});

test('an extension with two devices rings once and is answered once', () => {
  const { events } = replay('two-devices');
  assert.deepEqual(summary(events), ['call.ringing 201', 'call.answered 201', 'call.hangup 201']);
  assert.deepEqual(events[0]!.called, { number: '201', name: 'Alice' });
});

test('inbound call: direction, trunk, DID, caller name from the lookup (the carrier sent a number as name)', () => {
  const { events } = replay('inbound');
  assert.deepEqual(summary(events), ['call.ringing 202', 'call.answered 202', 'call.hangup 202']);
  for (const e of events) {
    assert.equal(e.direction, 'inbound');
    assert.equal(e.trunk, 'carrier1');
    assert.equal(e.did, '0612345678');
    assert.deepEqual(e.caller, { number: '3471112233', name: 'Mario Rossi' });
    assert.deepEqual(e.called, { number: '0612345678' });
    assert.deepEqual(e.extensions, ['202']);
  }
  assert.deepEqual(events[2]!.cause, { code: 16, text: 'Normal Clearing' });
});

test('inbound call: an unknown caller keeps the number only', () => {
  const f = fixture('inbound');
  const r = tracker(f, { lookupName: () => undefined });
  r.feed(f.events);
  assert.deepEqual(r.events[0]!.caller, { number: '3471112233' });
});

test('outbound call: the calling extension, the number as dialled (not the trunk caller id), the trunk', () => {
  const { events } = replay('outbound');
  assert.deepEqual(summary(events), ['call.ringing 201', 'call.answered 201', 'call.hangup 201']);
  for (const e of events) {
    assert.equal(e.direction, 'outbound');
    assert.equal(e.trunk, 'carrier1');
    assert.equal(e.did, undefined);
    assert.deepEqual(e.caller, { number: '201', name: 'Alice' }, 'the trunk caller id set in the dialplan is not the caller');
    assert.deepEqual(e.called, { number: '3331234567' });
  }
});

test('unanswered call: ringing then hangup with the cause, no answeredAt', () => {
  const { events } = replay('unanswered');
  assert.deepEqual(summary(events), ['call.ringing 202', 'call.hangup 202']);
  const hangup = events[1]!;
  assert.equal(hangup.answeredAt, undefined);
  assert.equal(hangup.cause?.code, 127, "Asterisk's cause for a caller's CANCEL");
});

test('busy callee (486 without ringing): only the hangup, naming the extension tried, cause 17', () => {
  const { events } = replay('busy');
  assert.deepEqual(summary(events), ['call.hangup 202']);
  assert.deepEqual(events[0]!.cause, { code: 17, text: 'User busy' });
  assert.deepEqual(events[0]!.extensions, ['208', '202']);
});

test('blind transfer: transferred (by 202, to 203), then 203 rings and answers, one hangup', () => {
  const { events } = replay('blind-transfer');
  assert.deepEqual(summary(events), ['call.ringing 202', 'call.answered 202', 'call.transferred 202', 'call.ringing 203', 'call.answered 203', 'call.hangup 203']);
  const transferred = events[2]!;
  assert.equal(transferred.transferredTo, '203');
  assert.equal(new Set(events.map((e) => e.callId)).size, 1, 'the transferred call keeps its id');
  assert.deepEqual(events[5]!.extensions, ['208', '202', '203']);
  assert.equal(events[4]!.answeredAt, events[1]!.answeredAt, 'answeredAt is the first answer');
});

test('recent(limit) returns the last events, oldest first, within a fixed buffer', () => {
  const f = fixture('internal');
  const r = tracker(f, { recentSize: 4 });
  r.feed(f.events);
  const second = fixture('inbound');
  const r2 = tracker({ devices: { ...f.devices, ...second.devices }, names: f.names }, { recentSize: 4 });
  r2.feed([...f.events, ...second.events]);
  assert.deepEqual(r2.t.recent(2), r2.events.slice(-2));
  assert.deepEqual(r2.t.recent(), r2.events.slice(-4));
  assert.equal(r2.t.recent(100).length, 4);
  assert.deepEqual(r2.t.recent(0), []);
  assert.deepEqual(r.t.recent(10), r.events);
});

test('a tracker started mid-call reports nothing for a call it never saw begin, and forgets it', () => {
  const f = fixture('internal');
  const dialEnd = f.events.findIndex((e) => e.event === 'DialEnd');
  const r = tracker(f);
  r.feed(f.events.slice(dialEnd + 1));
  assert.deepEqual(r.events, []);
  assert.equal(r.t.activeCalls, 0);
});

test('a tracker started while the call rings still reports it, with the caller from the connected line', () => {
  const f = fixture('internal');
  const firstDialBegin = f.events.findIndex((e) => e.event === 'DialBegin');
  const r = tracker(f);
  r.feed(f.events.slice(firstDialBegin));
  assert.deepEqual(summary(r.events), ['call.ringing 202', 'call.answered 202', 'call.hangup 202']);
  assert.equal(r.events[0]!.caller.number, '208');
  for (const e of r.events) callEventSchema.parse(e);
});

test('never throws on partial or malformed AMI events', () => {
  const f = fixture('blind-transfer');
  const r = tracker(f);
  const junk: unknown[] = [
    null,
    undefined,
    42,
    'Hangup',
    {},
    { event: 7 },
    { event: 'Hangup' },
    { event: 'Hangup', uniqueid: 'x.1' },
    { event: 'Hangup', uniqueid: { nested: true }, linkedid: ['a'] },
    { event: 'Newchannel', uniqueid: 'y.1', linkedid: 'y.1' },
    { event: 'Newstate', uniqueid: 'y.2', linkedid: 'y.1', channel: 'PJSIP/202-00000001', channelstate: '6' },
    { event: 'DialBegin' },
    { event: 'DialBegin', destuniqueid: 'z.2' },
    { event: 'DialState', dialstatus: 'RINGING', destuniqueid: 'z.3', destchannel: 'PJSIP/trunk-x-00000001' },
    { event: 'DialEnd', dialstatus: 'ANSWER', destuniqueid: 'z.4', destchannel: 42 },
    { event: 'BlindTransfer', result: 'Success' },
    { event: 'BlindTransfer', result: 'Success', transfereeuniqueid: 'nope', transfereelinkedid: 'nope' },
    { event: 'AttendedTransfer', result: 'Success' },
    { event: 'AttendedTransfer', result: 'Success', transfereeuniqueid: 'y.1', transfertargetuniqueid: 'q' },
    { event: 'Hangup', uniqueid: 'y.1', linkedid: 'y.1', cause: 'not a number' },
    { event: 'Hangup', uniqueid: 'y.2', linkedid: 'y.1' },
    { event: 'Shutdown' },
    ...f.events.map((e) => ({ event: e.event })),
  ];
  assert.doesNotThrow(() => r.feed(junk));
  for (const e of r.events) callEventSchema.parse(e);
  // The real sequence still works after the junk.
  const before = r.events.length;
  r.feed(f.events);
  assert.deepEqual(summary(r.events.slice(before)), ['call.ringing 202', 'call.answered 202', 'call.transferred 202', 'call.ringing 203', 'call.answered 203', 'call.hangup 203']);
});

test('classify and lookupName that throw are contained', () => {
  const f = fixture('internal');
  const r = tracker(f, {
    classify: () => {
      throw new Error('config unreadable');
    },
    lookupName: () => {
      throw new Error('phonebook down');
    },
  });
  assert.doesNotThrow(() => r.feed(f.events));
  assert.deepEqual(summary(r.events), ['call.hangup'], 'without endpoints nothing rings, but the call still ends');
  assert.ok(r.errors.length > 0);
});

test('a listener that throws does not break tracking', () => {
  const f = fixture('internal');
  const r = tracker(f);
  r.t.prependListener('call', () => {
    throw new Error('listener bug');
  });
  r.feed(f.events);
  assert.equal(r.t.activeCalls, 0);
});

test('memory is bounded: at most maxCalls calls are tracked', () => {
  const r = tracker({ devices: {}, names: {} }, { maxCalls: 5 });
  for (let i = 0; i < 50; i++) r.feed([{ event: 'Newchannel', uniqueid: `c.${i}`, linkedid: `c.${i}`, channel: `PJSIP/x-${String(i).padStart(8, '0')}`, channelstate: '4', exten: '1' }]);
  assert.equal(r.t.activeCalls, 5);
});

test('Shutdown ends every call in progress with a hangup', () => {
  const f = fixture('internal');
  const dialEnd = f.events.findIndex((e) => e.event === 'DialEnd');
  const r = tracker(f);
  r.feed([...f.events.slice(0, dialEnd + 1), { event: 'Shutdown', shutdown: 'Uncleanly', restart: 'False' }]);
  assert.deepEqual(summary(r.events), ['call.ringing 202', 'call.answered 202', 'call.hangup 202']);
  assert.equal(r.events[2]!.cause?.text, 'Asterisk stopped');
  assert.equal(r.t.activeCalls, 0);
});

/**
 * Attended transfer, built from the internal fixture's fields: 208 → 202 (call A), 202 consults
 * 203 (call B), 202 completes the transfer. Synthetic: the AttendedTransfer fields follow
 * Asterisk 22's documented event (no SIPp phone here sends REFER with Replaces).
 */
test('attended transfer: transferred on the transferee\'s call, the target joins it, one hangup per call', () => {
  const devices = { '202': '202', '203': '203', '208': '208' };
  const r = tracker({ devices, names: { '202': 'Bob', '203': 'Carla', '208': 'Hugo' } });
  const ch = (name: string, uniqueid: string, linkedid: string, extra: Record<string, string> = {}) => ({
    channel: name, uniqueid, linkedid, calleridnum: name.slice(6, 9), calleridname: '', ...extra,
  });
  const a1 = ch('PJSIP/208-00000001', 'a.1', 'a.1');
  const a2 = ch('PJSIP/202-00000002', 'a.2', 'a.1');
  const b1 = ch('PJSIP/202-00000003', 'b.1', 'b.1');
  const b2 = ch('PJSIP/203-00000004', 'b.2', 'b.1');
  const dial = (from: typeof a1, to: typeof a1) => [
    { event: 'Newchannel', ...to, channelstate: '0', exten: 's' },
    { event: 'DialBegin', ...from, destuniqueid: to.uniqueid, destchannel: to.channel, destlinkedid: to.linkedid },
    { event: 'Newstate', ...to, channelstate: '5' },
    { event: 'Newstate', ...to, channelstate: '6' },
    { event: 'DialEnd', ...from, destuniqueid: to.uniqueid, destchannel: to.channel, dialstatus: 'ANSWER' },
  ];
  r.feed([
    { event: 'Newchannel', ...a1, channelstate: '4', exten: '202' },
    ...dial(a1, a2),
    { event: 'Newchannel', ...b1, channelstate: '4', exten: '203' },
    ...dial(b1, b2),
    {
      event: 'AttendedTransfer', result: 'Success',
      origtransfererchannel: a2.channel, origtransfereruniqueid: a2.uniqueid, origtransfererlinkedid: 'a.1',
      secondtransfererchannel: b1.channel, secondtransfereruniqueid: b1.uniqueid, secondtransfererconnectedlinenum: '203',
      transfereechannel: a1.channel, transfereeuniqueid: a1.uniqueid, transfereelinkedid: 'a.1',
      transfertargetchannel: b2.channel, transfertargetuniqueid: b2.uniqueid, transfertargetlinkedid: 'b.1', transfertargetcalleridnum: '203',
      desttype: 'Bridge',
    },
    { event: 'Hangup', ...a2, cause: '16', 'cause-txt': 'Normal Clearing' },
    { event: 'Hangup', ...b1, cause: '16', 'cause-txt': 'Normal Clearing' },
  ]);
  const byCall = (id: string) => summary(r.events.filter((e) => e.callId === id));
  assert.deepEqual(byCall('b.1'), ['call.ringing 203', 'call.answered 203', 'call.hangup 203'], 'the consultation call ends when the transferer leaves it');
  const transferred = r.events.find((e) => e.type === 'call.transferred')!;
  assert.equal(transferred.callId, 'a.1');
  assert.equal(transferred.extension, '202');
  assert.equal(transferred.transferredTo, '203');
  r.feed([
    { event: 'Hangup', ...b2, cause: '16', 'cause-txt': 'Normal Clearing' },
    { event: 'Hangup', ...a1, cause: '16', 'cause-txt': 'Normal Clearing' },
  ]);
  assert.deepEqual(byCall('a.1'), ['call.ringing 202', 'call.answered 202', 'call.transferred 202', 'call.hangup 203']);
  assert.deepEqual(r.events.at(-1)!.extensions, ['208', '202', '203']);
  assert.equal(r.t.activeCalls, 0);
  for (const e of r.events) callEventSchema.parse(e);
});
