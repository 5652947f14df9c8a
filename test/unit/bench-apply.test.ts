// The apply benchmark's pure pieces (scripts/bench/lib/apply-calls.ts, apply-box.ts): the
// callers' injection file, what the callers' log says happened to each call (a dropped call
// must count), the INFO that ends a call, the channel-count view of lost calls, the dialplan
// check of "live"; and the SIPp scenarios they pair with.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { XMLValidator } from 'fast-xml-parser';
import {
  CALLER_SCENARIO,
  CALL_ID_FORMAT,
  CARRIER_SCENARIO,
  answeredNumbers,
  callIdOf,
  callOutcome,
  callerCsv,
  callsMissing,
  hangupInfo,
  spread,
} from '../../scripts/bench/lib/apply-calls.ts';
import { dialplanHas } from '../../scripts/bench/lib/apply-box.ts';

test('the injection file gives each call its device and the whole authentication keyword', () => {
  assert.equal(
    callerCsv([
      { username: '10000', password: 'Kq7v-a-Tz9w' },
      { username: '10005', password: 'Kq7v-b-Tz9w' },
    ]),
    'SEQUENTIAL\n10000;[authentication username=10000 password=Kq7v-a-Tz9w]\n10005;[authentication username=10005 password=Kq7v-b-Tz9w]\n',
  );
  // A separator, a bracket or a space would cut the field or the keyword.
  for (const password of ['a;b', 'a]b', 'a b', 'a\nb']) assert.throws(() => callerCsv([{ username: '1', password }]));
});

test('callers are spread over the whole number range', () => {
  assert.deepEqual(spread(10, 2), [0, 5]);
  assert.deepEqual(spread(10_000, 4), [0, 2500, 5000, 7500]);
  assert.deepEqual(spread(3, 3), [0, 1, 2]);
  assert.equal(new Set(spread(100, 20)).size, 20);
  assert.throws(() => spread(2, 3));
});

test('calls that all ended cleanly: none dropped', () => {
  const o = callOutcome(['ANSWERED 1', 'ANSWERED 2', 'INFO_RECEIVED 1', 'INFO_RECEIVED 2', 'HUNG_UP 2', 'HUNG_UP 1']);
  assert.deepEqual(o, { answered: 2, hungUp: 2, droppedByBox: 0, lost: 0, holdExpired: 0, dropped: 0, droppedCalls: [] });
});

test('a call the box hung up, and one it no longer knew, are dropped', () => {
  const o = callOutcome(['ANSWERED 1', 'ANSWERED 2', 'ANSWERED 3', 'DROPPED 2', 'INFO_RECEIVED 1', 'INFO_RECEIVED 3', 'HUNG_UP 1', 'LOST 3']);
  assert.equal(o.answered, 3);
  assert.equal(o.hungUp, 1);
  assert.equal(o.droppedByBox, 1);
  assert.equal(o.lost, 1);
  assert.equal(o.dropped, 2);
  assert.deepEqual(o.droppedCalls, [2, 3]);
});

test('an answered call with no end at all (SIPp aborted it, or was killed) is dropped too', () => {
  const o = callOutcome(['ANSWERED 1', 'ANSWERED 2', 'HUNG_UP 1']);
  assert.equal(o.dropped, 1);
  assert.deepEqual(o.droppedCalls, [2]);
});

test('calls never answered are not calls in progress; the safety hold running out is told apart', () => {
  const o = callOutcome(['ANSWERED 2', 'HOLD_EXPIRED 2', 'HUNG_UP 2', 'garbage', '', 'HUNG_UP 7']);
  assert.equal(o.answered, 1);
  assert.equal(o.hungUp, 1);
  assert.equal(o.holdExpired, 1);
  assert.equal(o.dropped, 0);
  assert.deepEqual(answeredNumbers(['ANSWERED 2', 'ANSWERED 10', 'HUNG_UP 2', ' ANSWERED 3 ']), [2, 10, 3]);
});

test('the hang-up INFO is addressed to the call by the Call-ID SIPp gives it', () => {
  assert.equal(CALL_ID_FORMAT.replace('%u', '7'), callIdOf(7));
  const info = hangupInfo({ callNumber: 7, to: { ip: '127.0.0.1', port: 5070 }, from: { ip: '127.0.0.1', port: 40000 }, attempt: 1 });
  const lines = info.split('\r\n');
  assert.equal(lines[0], 'INFO sip:caller@127.0.0.1:5070 SIP/2.0');
  assert.ok(lines.includes('Call-ID: apply-7@bench'));
  assert.ok(lines.includes('CSeq: 2 INFO'));
  assert.ok(lines.some((l) => /^Via: SIP\/2\.0\/UDP 127\.0\.0\.1:40000;branch=z9hG4bK-/.test(l)));
  assert.ok(info.endsWith('Content-Length: 0\r\n\r\n'), 'headers end with an empty line');
});

test('the channel counts show lost calls two channels at a time', () => {
  assert.equal(callsMissing(40, [40, 40, 40]), 0);
  assert.equal(callsMissing(40, [40, 38, 40]), 1);
  assert.equal(callsMissing(40, [39]), 1);
  assert.equal(callsMissing(40, [36, 44]), 2);
  assert.equal(callsMissing(40, []), 0);
});

test('the scenarios are well-formed and log every event the outcome reads', () => {
  for (const file of [CALLER_SCENARIO, CARRIER_SCENARIO]) {
    const xml = readFileSync(file, 'utf8');
    assert.equal(XMLValidator.validate(xml), true, file);
  }
  const caller = readFileSync(CALLER_SCENARIO, 'utf8');
  for (const e of ['ANSWERED', 'INFO_RECEIVED', 'HUNG_UP', 'DROPPED', 'LOST', 'HOLD_EXPIRED']) assert.ok(caller.includes(`<log message="${e} [call_number]"/>`), e);
  // The INFO and the box's BYE must reach the call wherever it stands.
  assert.match(caller, /<recv request="INFO" optional="global"/);
  assert.match(caller, /<recv request="BYE" optional="global" next="dropped">/);
});

test('the dialplan holds a number when `dialplan show <n>@pbx-internal` lists it (Asterisk 22 output)', () => {
  const present = [
    "[ Context 'pbx-internal' created by 'pbx_config' ]",
    "  '10007' =>        hint: PJSIP/10007                             [extensions.conf:48]",
    '                    1. Gosub(pbx-lib-ext,s,1(10007,PJSIP/10007,0,,,,,0,,pbx-class-everything,busy)) [extensions.conf:46]',
    '                    2. Hangup()                                   [extensions.conf:47]',
    '',
    '-= 1 extension (3 priorities) in 1 context. =-',
  ];
  assert.equal(dialplanHas(present, '10007'), true);
  assert.equal(dialplanHas(present, '1000'), false);
  assert.equal(dialplanHas(["There is no existence of 10017@pbx-internal extension", "Command 'dialplan show 10017@pbx-internal' failed."], '10017'), false);
  assert.equal(dialplanHas([], '10017'), false);
});
