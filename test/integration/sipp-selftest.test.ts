/**
 * Self-test of the SIPp scenarios and wrapper, without Asterisk: the
 * scenarios are run against each other (and against the mock-*.xml test
 * doubles, which play the PBX's challenging / re-INVITE-sending part).
 * Every UAS binds 127.0.0.2 or 127.0.0.3 (Linux answers on all of
 * 127.0.0.0/8), UACs and phones 127.0.0.1, all on free ports.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  describeSippResult,
  freeUdpPort,
  parseMessageTrace,
  runSipp,
  startSipp,
  stopAllSipp,
  uriUser,
} from '../lib/sipp.ts';
import type { SippMessage } from '../lib/sipp.ts';

const haveSipp = spawnSync('sipp', ['-v'], { stdio: 'ignore' }).error === undefined;
const CARRIER_IP = '127.0.0.2';
const PBX_IP = '127.0.0.3';

after(stopAllSipp);

/** Starts a UAS on CARRIER_IP/PBX_IP and returns it with its host:port. */
async function uas(scenario: string, ip: string, extra: Parameters<typeof startSipp>[0] = { scenario }) {
  const port = await freeUdpPort(ip);
  const proc = await startSipp({ timeoutMs: 10_000, ...extra, scenario, localIp: ip, localPort: port });
  return { proc, remote: `${ip}:${port}` };
}

function responsesTo(messages: SippMessage[], method: string, direction: 'sent' | 'received'): SippMessage[] {
  return messages.filter((m) => m.direction === direction && m.status !== undefined && m.cseqMethod === method);
}

describe('sipp scenarios (self-test, no Asterisk)', { skip: haveSipp ? false : 'sipp not installed', timeout: 60_000 }, () => {
  it('uac-call -> carrier-uas: answered, held, hung up by the caller', async () => {
    const carrier = await uas('carrier-uas.xml', CARRIER_IP);
    const call = await runSipp({
      scenario: 'uac-call.xml', remote: carrier.remote, service: '0044201234567',
      user: '1001', password: 'unused', callerName: 'Alice', holdMs: 500, timeoutMs: 10_000,
    });
    const c = await carrier.proc.done;
    assert.ok(call.ok, describeSippResult(call));
    assert.ok(c.ok, describeSippResult(c));
    assert.equal(call.finalStatus, 200);
    assert.equal(call.byeFrom, 'local');
    assert.ok(call.answered);
    assert.equal(c.inviteReceived, true);
    assert.equal(c.requestUriUser, '0044201234567');
    assert.equal(c.fromUser, '1001');
    assert.equal(c.fromName, 'Alice');
    assert.equal(c.toUser, '0044201234567');
    assert.equal(c.finalStatus, 200);
    assert.equal(c.byeFrom, 'remote');
    assert.ok(call.durationMs >= 500, `held ${call.durationMs} ms`);
  });

  it('carrier-uac -> carrier-uas: inbound call, callee rings then hangs up', async () => {
    const callee = await uas('carrier-uas.xml', CARRIER_IP, { scenario: 'carrier-uas.xml', holdMs: 300, ringMs: 300 });
    const call = await runSipp({
      scenario: 'carrier-uac.xml', remote: callee.remote, localIp: PBX_IP,
      service: '442079460000', caller: '447700900123', holdMs: 5000, timeoutMs: 10_000,
    });
    const c = await callee.proc.done;
    assert.ok(call.ok, describeSippResult(call));
    assert.ok(c.ok, describeSippResult(c));
    assert.equal(call.byeFrom, 'remote');
    assert.equal(c.byeFrom, 'local');
    assert.equal(c.requestUriUser, '442079460000');
    assert.equal(c.fromUser, '447700900123');
    assert.deepEqual(
      c.events.filter((e) => ['INVITE_RECEIVED', 'ANSWERED', 'BYE_SENT', 'CALL_DONE'].includes(e)),
      ['INVITE_RECEIVED', 'ANSWERED', 'BYE_SENT', 'CALL_DONE'],
    );
    assert.ok(call.durationMs < 4000, 'the callee, not the caller, ended the call');
  });

  it('uac-call-expect-fail -> carrier-uas-fail: 503 reported on both sides', async () => {
    const carrier = await uas('carrier-uas-fail.xml', CARRIER_IP);
    const call = await runSipp({
      scenario: 'uac-call-expect-fail.xml', remote: carrier.remote, service: '999', user: '1001',
      expectStatus: 503, timeoutMs: 10_000,
    });
    const c = await carrier.proc.done;
    assert.ok(call.ok, describeSippResult(call));
    assert.ok(c.ok, describeSippResult(c));
    assert.equal(call.finalStatus, 503);
    assert.ok(call.events.includes('REJECTED'));
    assert.equal(c.finalStatus, 503);
    assert.equal(c.requestUriUser, '999');
    // the failure was ACKed
    assert.ok(c.messages.some((m) => m.direction === 'received' && m.method === 'ACK'));
  });

  it('expectStatus mismatch and rejectWith: carrier answers 486, test expected 503', async () => {
    const carrier = await uas('carrier-uas-fail.xml', CARRIER_IP, { scenario: 'carrier-uas-fail.xml', rejectWith: { status: 486 } });
    const call = await runSipp({
      scenario: 'uac-call-expect-fail.xml', remote: carrier.remote, service: '999', expectStatus: 503, timeoutMs: 10_000,
    });
    const c = await carrier.proc.done;
    assert.ok(c.ok, describeSippResult(c));
    assert.equal(call.exitCode, 0);
    assert.equal(call.finalStatus, 486);
    assert.equal(call.ok, false);
  });

  it('uac-call fails (and ACKs) when the call is rejected', async () => {
    const carrier = await uas('carrier-uas-fail.xml', CARRIER_IP);
    const call = await runSipp({ scenario: 'uac-call.xml', remote: carrier.remote, service: '5', timeoutMs: 10_000 });
    const c = await carrier.proc.done;
    assert.equal(call.ok, false);
    assert.equal(call.exitCode, 1, describeSippResult(call));
    assert.equal(call.finalStatus, 503);
    assert.ok(call.events.includes('REJECTED'));
    assert.ok(c.ok, describeSippResult(c));
  });

  it('uac-call against a challenging PBX double: 401, re-INVITE, UPDATEs', async () => {
    const pbx = await uas('mock-pbx-uas.xml', PBX_IP, {
      scenario: 'mock-pbx-uas.xml', keys: { auth_user: '1001', auth_pass: 's3cret' },
    });
    const call = await runSipp({
      scenario: 'uac-call.xml', remote: pbx.remote, service: '200', user: '1001', password: 's3cret',
      holdMs: 1500, timeoutMs: 10_000,
    });
    const p = await pbx.proc.done;
    assert.ok(call.ok, describeSippResult(call));
    assert.ok(p.ok, describeSippResult(p));
    assert.equal(call.finalStatus, 200);
    for (const e of ['CHALLENGED', 'ANSWERED', 'REINVITE_ANSWERED', 'UPDATE_ANSWERED', 'BYE_SENT']) {
      assert.ok(call.events.includes(e), `${e} in ${call.events.join(',')}`);
    }
    const invites = call.messages.filter((m) => m.direction === 'sent' && m.method === 'INVITE');
    assert.equal(invites.length, 2);
    const auth = invites[1]?.headers['authorization']?.[0] ?? '';
    assert.match(auth, /uri="sip:200@127\.0\.0\.3:\d+"/, 'digest uri is the Request-URI');
    assert.ok((invites[1]?.cseqNumber ?? 0) > (invites[0]?.cseqNumber ?? 0), 'CSeq increases after the challenge');
    const updateAnswers = responsesTo(call.messages, 'UPDATE', 'sent');
    assert.equal(updateAnswers.length, 2);
    assert.match(updateAnswers[0]?.body ?? '', /^v=0/m, 'SDP answer to an UPDATE with offer');
    assert.equal(updateAnswers[1]?.body, '', 'no SDP answer to an UPDATE without offer');
    assert.ok(p.events.includes('AUTH_OK'));
  });

  it('wrong password: uac-call fails with 403, uac-call-expect-fail succeeds', async () => {
    for (const scenario of ['uac-call.xml', 'uac-call-expect-fail.xml']) {
      const pbx = await uas('mock-pbx-uas.xml', PBX_IP, {
        scenario: 'mock-pbx-uas.xml', keys: { auth_user: '1001', auth_pass: 's3cret' },
      });
      const call = await runSipp({
        scenario, remote: pbx.remote, service: '200', user: '1001', password: 'wrong', timeoutMs: 10_000,
        ...(scenario === 'uac-call-expect-fail.xml' ? { expectStatus: 403 } : {}),
      });
      await pbx.proc.done;
      assert.equal(call.finalStatus, 403, describeSippResult(call));
      assert.equal(call.ok, scenario === 'uac-call-expect-fail.xml', describeSippResult(call));
    }
  });

  it('register / register-rejected against a registrar double', async () => {
    const reg = await uas('mock-registrar.xml', PBX_IP, {
      scenario: 'mock-registrar.xml', keys: { auth_user: '1001', auth_pass: 's3cret' },
    });
    const good = await runSipp({ scenario: 'register.xml', remote: reg.remote, user: '1001', password: 's3cret', expires: 120, timeoutMs: 5000 });
    const bad = await runSipp({ scenario: 'register.xml', remote: reg.remote, user: '1001', password: 'wrong', timeoutMs: 5000 });
    const rejected = await runSipp({ scenario: 'register-rejected.xml', remote: reg.remote, user: '1001', password: 'wrong', timeoutMs: 5000 });
    const notRejected = await runSipp({ scenario: 'register-rejected.xml', remote: reg.remote, user: '1001', password: 's3cret', timeoutMs: 5000 });
    const r = await reg.proc.stop();
    assert.ok(good.ok, describeSippResult(good));
    assert.equal(good.finalStatus, 200);
    assert.equal(good.registered, true);
    const sent = good.messages.filter((m) => m.direction === 'sent' && m.method === 'REGISTER');
    assert.equal(sent.length, 2);
    assert.equal(sent[1]?.headers['expires']?.[0], '120');
    assert.equal(uriUser(sent[1]?.headers['from']?.[0]), '1001');
    assert.match(sent[1]?.headers['authorization']?.[0] ?? '', /username="1001"/);
    assert.equal(bad.ok, false);
    assert.equal(bad.finalStatus, 403);
    assert.ok(rejected.ok, describeSippResult(rejected));
    assert.equal(rejected.finalStatus, 403);
    assert.equal(notRejected.ok, false);
    assert.equal(notRejected.finalStatus, 200);
    assert.deepEqual(r.events, ['REGISTER_ACCEPTED', 'REGISTER_REFUSED', 'REGISTER_REFUSED', 'REGISTER_ACCEPTED']);
  });

  it('phone-uas: registers, survives a qualify, answers, hangs up on BYE, unregisters', async () => {
    const reg = await uas('mock-registrar.xml', PBX_IP, {
      scenario: 'mock-registrar.xml', keys: { auth_user: '2001', auth_pass: 'pw2001' },
    });
    const phone = await startSipp({
      scenario: 'phone-uas.xml', remote: reg.remote, user: '2001', password: 'pw2001', ringMs: 200, timeoutMs: 15_000,
    });
    await phone.waitForRegistration(5000);
    // What Asterisk does next: qualify the new contact, then call it.
    const phoneAddr = `${phone.localIp}:${phone.localPort}`;
    const qualify = await runSipp({ scenario: 'options-ping.xml', remote: phoneAddr, localIp: PBX_IP, service: '2001', timeoutMs: 5000 });
    assert.ok(qualify.ok, describeSippResult(qualify));
    const call = await runSipp({
      scenario: 'uac-call.xml', remote: phoneAddr, localIp: PBX_IP, service: '2001', caller: '1001',
      holdMs: 400, timeoutMs: 10_000,
    });
    const p = await phone.done;
    const r = await reg.proc.stop();
    assert.ok(call.ok, describeSippResult(call));
    assert.ok(p.ok, describeSippResult(p));
    assert.equal(p.inviteReceived, true);
    assert.equal(p.requestUriUser, '2001');
    assert.equal(p.fromUser, '1001');
    assert.equal(p.toUser, '2001');
    assert.equal(p.finalStatus, 200);
    assert.equal(p.byeFrom, 'remote');
    for (const e of ['REGISTERED', 'OUT_OF_DIALOG_ANSWERED', 'INVITE_RECEIVED', 'ANSWERED', 'BYE_RECEIVED', 'CALL_DONE', 'UNREGISTERED', 'PHONE_DONE']) {
      assert.ok(p.events.includes(e), `${e} in ${p.events.join(',')}`);
    }
    const unreg = p.messages.filter((m) => m.direction === 'sent' && m.method === 'REGISTER').at(-1);
    assert.equal(unreg?.headers['expires']?.[0], '0');
    assert.deepEqual(r.events, ['REGISTER_ACCEPTED', 'REGISTER_ACCEPTED']);
  });

  it('phone-uas answers re-INVITE and UPDATEs (with and without SDP) from the PBX', async () => {
    const reg = await uas('mock-registrar.xml', PBX_IP, {
      scenario: 'mock-registrar.xml', keys: { auth_user: '2004', auth_pass: 'pw' },
    });
    const phone = await startSipp({ scenario: 'phone-uas.xml', remote: reg.remote, user: '2004', password: 'pw', timeoutMs: 10_000 });
    await phone.waitForRegistration(5000);
    const pbx = await runSipp({
      scenario: 'mock-pbx-uac.xml', remote: `${phone.localIp}:${phone.localPort}`, localIp: PBX_IP,
      service: '2004', caller: '1001', timeoutMs: 10_000,
    });
    const p = await phone.done;
    await reg.proc.stop();
    assert.ok(pbx.ok, describeSippResult(pbx));
    assert.ok(p.ok, describeSippResult(p));
    assert.deepEqual(
      p.events.filter((e) => /^(ANSWERED|REINVITE_ANSWERED|UPDATE_ANSWERED|BYE_RECEIVED)$/.test(e)),
      ['ANSWERED', 'REINVITE_ANSWERED', 'UPDATE_ANSWERED', 'UPDATE_ANSWERED', 'BYE_RECEIVED'],
    );
  });

  it('phone-uas-busy: 486 to the caller', async () => {
    const reg = await uas('mock-registrar.xml', PBX_IP, {
      scenario: 'mock-registrar.xml', keys: { auth_user: '2002', auth_pass: 'pw' },
    });
    const phone = await startSipp({ scenario: 'phone-uas-busy.xml', remote: reg.remote, user: '2002', password: 'pw', unregister: false, timeoutMs: 10_000 });
    await phone.waitForRegistration(5000);
    const call = await runSipp({
      scenario: 'uac-call-expect-fail.xml', remote: `${phone.localIp}:${phone.localPort}`, localIp: PBX_IP,
      service: '2002', expectStatus: 486, timeoutMs: 10_000,
    });
    const p = await phone.done;
    await reg.proc.stop();
    assert.ok(call.ok, describeSippResult(call));
    assert.ok(p.ok, describeSippResult(p));
    assert.equal(p.finalStatus, 486);
    assert.ok(p.events.includes('REJECTED'));
    assert.ok(!p.events.includes('UNREGISTERED'));
  });

  it('phone-uas-noanswer + uac-call-cancel: CANCEL, 487, ACK', async () => {
    const reg = await uas('mock-registrar.xml', PBX_IP, {
      scenario: 'mock-registrar.xml', keys: { auth_user: '2003', auth_pass: 'pw' },
    });
    const phone = await startSipp({ scenario: 'phone-uas-noanswer.xml', remote: reg.remote, user: '2003', password: 'pw', timeoutMs: 10_000 });
    await phone.waitForRegistration(5000);
    const call = await runSipp({
      scenario: 'uac-call-cancel.xml', remote: `${phone.localIp}:${phone.localPort}`, localIp: PBX_IP,
      service: '2003', holdMs: 300, timeoutMs: 10_000,
    });
    const p = await phone.done;
    await reg.proc.stop();
    assert.ok(call.ok, describeSippResult(call));
    assert.ok(p.ok, describeSippResult(p));
    assert.equal(call.finalStatus, 487);
    assert.equal(p.finalStatus, 487);
    assert.equal(p.cancelled, true);
    assert.ok(call.events.includes('CANCELLED'));
  });

  it('carrier-uas: a CANCEL while ringing is a clean end', async () => {
    const carrier = await uas('carrier-uas.xml', CARRIER_IP, { scenario: 'carrier-uas.xml', ringMs: 3000 });
    const call = await runSipp({ scenario: 'uac-call-cancel.xml', remote: carrier.remote, service: '123', holdMs: 200, timeoutMs: 10_000 });
    const c = await carrier.proc.done;
    assert.ok(call.ok, describeSippResult(call));
    assert.ok(c.ok, describeSippResult(c));
    assert.equal(c.cancelled, true);
    assert.equal(c.answered, false);
  });

  it('waitForLog rejects when SIPp exits first; stop() ends a UAS', async () => {
    const carrier = await uas('carrier-uas.xml', CARRIER_IP);
    await assert.rejects(carrier.proc.waitForLog('NEVER', 300), /did not log NEVER/);
    const r = await carrier.proc.stop();
    assert.equal(r.stopped, true);
    assert.equal(r.ok, false);
    assert.equal(r.inviteReceived, false);
    const reg = await runSipp({ scenario: 'register.xml', remote: '127.0.0.3:9', user: 'x', timeoutMs: 1000 });
    assert.equal(reg.ok, false);
    assert.equal(reg.timedOut, true, describeSippResult(reg));
  });

  it('parses the message trace', () => {
    const trace = [
      '----------------------------------------------- 2026-01-01 00:00:00.000000',
      'UDP message received [10] bytes :',
      '',
      'INVITE sip:%2B4420@127.0.0.1:5060;user=phone SIP/2.0\r',
      'v: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1\r',
      'f: "Bob \\"B\\"" <sip:+447700@x>;tag=1\r',
      't: <tel:+4420>\r',
      'i: abc\r',
      'CSeq: 7 INVITE\r',
      'Subject: one\r',
      ' two\r',
      '\r',
      'v=0\r',
      '',
      '-----------------------------------------------',
      'Unexpected UDP message received:',
      '',
      'BYE sip:x@y SIP/2.0\r',
      '',
      '----------------------------------------------- 2026-01-01 00:00:00.100000',
      'UDP message sent (10 bytes):',
      '',
      'SIP/2.0 180 Ringing\r',
      'CSeq: 7 INVITE\r',
      'Content-Length: 0\r',
      '\r',
      '',
    ].join('\n');
    const msgs = parseMessageTrace(trace);
    assert.equal(msgs.length, 2);
    const [inv, ringing] = msgs;
    assert.equal(inv?.method, 'INVITE');
    assert.equal(inv?.direction, 'received');
    assert.equal(uriUser(inv?.requestUri), '+4420');
    assert.equal(uriUser(inv?.headers['from']?.[0]), '+447700');
    assert.equal(uriUser(inv?.headers['to']?.[0]), '+4420');
    assert.equal(inv?.callId, 'abc');
    assert.equal(inv?.cseqNumber, 7);
    assert.equal(inv?.headers['subject']?.[0], 'one two');
    assert.equal(inv?.body, 'v=0');
    assert.equal(ringing?.status, 180);
    assert.equal(ringing?.direction, 'sent');
    assert.equal(ringing?.cseqMethod, 'INVITE');
  });
});
