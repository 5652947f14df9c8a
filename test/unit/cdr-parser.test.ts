// The two files Asterisk writes for the CDR: the cdr_custom line (as cdr-conf.ts's template makes
// it) and queue_log lines (Asterisk's documented format), parsed into rows and queue events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CDR_LINE_FIELDS, parseCdrLine, parseClid, parseQueueLogLine, queueOutcome, trunkOf, agentOf, CdrParseError } from '../../src/cdr/parser.ts';
import { cdrLineTemplate } from '../../src/render/cdr-conf.ts';

/** A line as Asterisk's URIENCODE would write it. */
function line(f: Partial<Record<(typeof CDR_LINE_FIELDS)[number], string>>): string {
  return ['v1', ...CDR_LINE_FIELDS.map((k) => encodeURIComponent(f[k] ?? ''))].join(',');
}

test('the rendered template has one URIENCODE field per parsed field, in order', () => {
  const t = cdrLineTemplate();
  const fields = [...t.matchAll(/CDR\(([a-z_]+)/g)].map((m) => m[1]);
  assert.deepEqual(fields, [...CDR_LINE_FIELDS]);
  assert.ok(t.startsWith('v1,'));
  assert.equal(t.split('${URIENCODE(').length - 1, CDR_LINE_FIELDS.length);
});

test('an inbound call: DID, trunk from the channel, direction in, times in UTC, route and cause', () => {
  const p = parseCdrLine(
    line({
      uniqueid: '1700000000.5', linkedid: '1700000000.5', sequence: '7', start: '1700000000.250000', answer: '1700000002.000000', end: '1700000012.500000',
      duration: '12.250', billsec: '10.500', clid: '"Rossi, Mario \\"Il Capo\\"" <3471112233>', src: '3471112233', dst: 's',
      channel: 'PJSIP/trunk-carrier1-0000000a', dstchannel: 'PJSIP/202-0000000b', lastapp: 'Dial', disposition: 'ANSWERED',
      pbx_route: 'in/0612345678>ivr/main>ivr/main:2>queue/support>agent/203', pbx_did: '0612345678', pbx_exts: '203', pbx_cause: '16', pbx_called: '0612345678',
    }),
  );
  assert.equal(p.start, '2023-11-14T22:13:20.250Z');
  assert.equal(p.answer, '2023-11-14T22:13:22.000Z');
  assert.equal(p.end, '2023-11-14T22:13:32.500Z');
  assert.equal(p.duration, 12.25);
  assert.equal(p.billsec, 10.5);
  assert.equal(p.callerNumber, '3471112233');
  assert.equal(p.callerName, 'Rossi, Mario "Il Capo"');
  assert.equal(p.calledNumber, '0612345678');
  assert.equal(p.direction, 'in');
  assert.equal(p.trunk, 'carrier1');
  assert.equal(p.did, '0612345678');
  assert.equal(p.hangupCause, 16);
  assert.equal(p.sequence, 7);
  assert.deepEqual(p.extensions, ['203']);
});

test('caller text cannot break or shift a record: commas, quotes and line ends stay inside their field', () => {
  const nasty = 'Evil,"name"\r\nv1,forged';
  const l = line({ uniqueid: '1.1', start: '1700000000', end: '1700000001', clid: `"${nasty.replace(/"/g, '\\"')}" <201>`, disposition: 'NO ANSWER' });
  assert.ok(!/[\r\n]/.test(l), 'one line');
  const p = parseCdrLine(l);
  assert.equal(p.callerName, nasty);
  assert.equal(p.disposition, 'NO ANSWER');
  assert.equal(p.answer, undefined);
  assert.equal(p.billsec, 0);
});

test('direction: out by the trunk dialled, internal otherwise; the dialplan variable wins', () => {
  const out = parseCdrLine(line({ uniqueid: '1.2', start: '1700000000', end: '1700000001', clid: '"Anna" <201>', dst: 's', channel: 'PJSIP/201-00000001', dstchannel: 'PJSIP/trunk-carrier1-00000002', pbx_called: '3331234567' }));
  assert.equal(out.direction, 'out');
  assert.equal(out.trunk, 'carrier1');
  assert.equal(out.calledNumber, '3331234567');
  const internal = parseCdrLine(line({ uniqueid: '1.3', start: '1700000000', end: '1700000001', clid: '<201>', dst: '202', channel: 'PJSIP/201-00000001', dstchannel: 'PJSIP/202-00000002' }));
  assert.equal(internal.direction, 'internal');
  assert.equal(internal.calledNumber, '202');
  assert.equal(parseCdrLine(line({ uniqueid: '1.4', start: '1700000000', end: '1700000001', pbx_dir: 'out' })).direction, 'out');
});

test('lines that are no whole record are refused', () => {
  assert.throws(() => parseCdrLine('v1,a,b'), CdrParseError);
  assert.throws(() => parseCdrLine('v0,' + 'x,'.repeat(CDR_LINE_FIELDS.length)), CdrParseError);
  assert.throws(() => parseCdrLine(line({ uniqueid: '', start: '1700000000' })), CdrParseError);
  assert.throws(() => parseCdrLine(line({ uniqueid: '1.1', start: '1700000000' }).replace('1.1', '%E0%A4%A')), CdrParseError);
});

test('caller id, trunk and agent names', () => {
  assert.deepEqual(parseClid('"Anna" <201>'), { name: 'Anna', number: '201' });
  assert.deepEqual(parseClid('<201>'), { name: '', number: '201' });
  assert.deepEqual(parseClid('Bob <+39021>'), { name: 'Bob', number: '+39021' });
  assert.deepEqual(parseClid('201'), { name: '', number: '201' });
  assert.equal(trunkOf('PJSIP/trunk-my_carrier-0000001f'), 'my_carrier');
  assert.equal(trunkOf('PJSIP/201-0000001f'), '');
  assert.equal(agentOf('Local/203@pbx-agent/n'), '203');
  assert.equal(agentOf('NONE'), '');
});

test('queue_log: a stay from ENTERQUEUE to its end, only queues of the model', () => {
  assert.deepEqual(parseQueueLogLine('1700000000|1700000000.9|pbx-queue-support|NONE|ENTERQUEUE||3471112233|1'), {
    kind: 'enter', at: '2023-11-14T22:13:20.000Z', callId: '1700000000.9', queue: 'support', callerNumber: '3471112233', position: 1,
  });
  assert.deepEqual(parseQueueLogLine('1700000004|1700000000.9|pbx-queue-support|Local/203@pbx-agent/n|CONNECT|4|1700000003.12|2'), {
    kind: 'connect', at: '2023-11-14T22:13:24.000Z', callId: '1700000000.9', queue: 'support', agent: '203', waitTime: 4,
  });
  assert.deepEqual(parseQueueLogLine('1700000034|1700000000.9|pbx-queue-support|Local/203@pbx-agent/n|COMPLETEAGENT|4|30|1'), {
    kind: 'end', at: '2023-11-14T22:13:54.000Z', callId: '1700000000.9', queue: 'support', event: 'COMPLETEAGENT', waitTime: 4, talkTime: 30, agent: '203',
  });
  assert.equal((parseQueueLogLine('1|2.1|pbx-queue-q|NONE|ABANDON|1|1|7') as { waitTime: number }).waitTime, 7);
  assert.equal((parseQueueLogLine('1|2.1|pbx-queue-q|NONE|EXITWITHKEY|5|1|1|9') as { waitTime: number }).waitTime, 9);
  assert.equal((parseQueueLogLine('1|2.1|pbx-queue-q|Local/203@pbx-agent/n|ATTENDEDTRANSFER|BRIDGE|abc|3|40|1') as { talkTime: number }).talkTime, 40);
  assert.equal(parseQueueLogLine('1|NONE|NONE|NONE|QUEUESTART|'), undefined);
  assert.equal(parseQueueLogLine('1|2.1|pbx-ext-201|NONE|ENTERQUEUE||201|1'), undefined);
  assert.equal(parseQueueLogLine('1|2.1|pbx-queue-q|Local/203@pbx-agent/n|RINGNOANSWER|5000'), undefined);
});

test('queue outcomes: overflowed only when the queue sends callers on', () => {
  assert.equal(queueOutcome('COMPLETECALLER', false), 'answered');
  assert.equal(queueOutcome('ABANDON', true), 'abandoned');
  assert.equal(queueOutcome('EXITWITHTIMEOUT', true), 'overflowed');
  assert.equal(queueOutcome('EXITWITHTIMEOUT', false), 'timedOut');
  assert.equal(queueOutcome('EXITEMPTY', true), 'overflowed');
  assert.equal(queueOutcome('EXITEMPTY', false), 'exited');
  assert.equal(queueOutcome('EXITWITHKEY', true), 'exited');
});
