// Ring groups and queues on a real Asterisk 22 configured by the supervisor: SIPp phones register
// and answer (or ring on), a SIPp phone calls the group's or queue's number, a SIPp carrier on
// 127.0.0.2 stands for an external member's mobile. Which phone rang, and in what order, comes
// from each SIPp's message trace (the order of INVITE, CANCEL and 200 OK), never from timings.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startPbx, waitFor, udpListening, type PbxInstance } from '../lib/pbx.ts';
import { freeUdpPort, runSipp, startSipp, stopAllSipp, describeSippResult, type SippMessage, type SippOptions, type SippProcess, type SippResult } from '../lib/sipp.ts';
import type { PbxConfigInput } from '../../src/domain/model.ts';

// Digits spelled as letters: a device password must not contain its username.
const PW = (u: string) => `Sip-${[...u].map((c) => 'kmnpqrstvw'[Number(c)] ?? c).join('')}-9x`;
const dev = (u: string) => ({ username: u, password: PW(u) });
const ext = (number: string, extra: Record<string, unknown> = {}) => ({ number, name: `Ext ${number}`, devices: [dev(number)], ...extra });

const CALLER = '299';
const Q_CALLER = '298';
const SECOND_Q_CALLER = '296';
const MOBILE = '3331234567';

let pbx: PbxInstance;
let carrierPort: number;

/** Weekly bands that do not hold the current time (UTC): today, hours away from now. */
function closedBands(): { days: ('mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun')[]; from: string; to: string }[] {
  const now = new Date();
  const day = (['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const)[now.getUTCDay()]!;
  return now.getUTCHours() < 12 ? [{ days: [day], from: '20:00', to: '23:00' }] : [{ days: [day], from: '01:00', to: '04:00' }];
}
const everyDay = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

function config(): PbxConfigInput {
  return {
    system: { name: 'Groups and queues test', language: 'en', timezone: 'UTC' },
    extensions: [
      ext('201'), ext('202'), ext('203'), ext('204'),
      ext('205', { dnd: true }),
      ext('206', { busyLevel: 1 }),
      ext('207'), ext('208'), ext('209'),
      // The queue tests' own extensions, so they run beside the ring group tests.
      ext('211'), ext('212'), ext('213'), ext('214'), ext('217'), ext('218'), ext('219'),
      // Queue members that never register: callers wait with nobody to ring.
      ext('290'), ext('291'),
      ext(CALLER), ext(Q_CALLER), ext(SECOND_Q_CALLER),
    ],
    trunks: [{ name: 'carrier1', type: 'ip', host: '127.0.0.2', port: carrierPort, qualify: false }],
    outbound: { rules: [{ name: 'mobile', patterns: ['3XXXXXXXXX'], trunks: ['carrier1'] }] },
    timeConditions: [
      { name: 'qclosed', bands: closedBands(), inside: { extension: '219' }, outside: { extension: '218' } },
      { name: 'qopen', bands: [{ days: [...everyDay], from: '00:00', to: '24:00' }], inside: { extension: '219' }, outside: { extension: '218' } },
    ],
    ringGroups: [
      { name: 'all', number: '600', strategy: 'all', members: [{ extension: '201' }, { extension: '202' }], ringTime: 30, noAnswer: { extension: '209' } },
      { name: 'order', number: '601', strategy: 'order', members: [{ extension: '203', ringTime: 5 }, { extension: '204', ringTime: 5 }], ringTime: 60, noAnswer: { extension: '209' } },
      { name: 'rr', number: '602', strategy: 'roundrobin', memberRingTime: 5, members: [{ extension: '201' }, { extension: '202' }, { extension: '203' }] },
      { name: 'even', number: '603', strategy: 'evenly', memberRingTime: 5, members: [{ extension: '201' }, { extension: '202' }, { extension: '203' }] },
      {
        name: 'tiers', number: '604', strategy: 'tiers', memberRingTime: 5, ringTime: 60,
        members: [{ extension: '201', tier: 1 }, { extension: '202', tier: 1 }, { extension: '203', tier: 2 }],
      },
      { name: 'noanswer', number: '605', strategy: 'all', members: [{ extension: '204' }], ringTime: 5, noAnswer: { extension: '209' }, busy: { extension: '208' } },
      { name: 'busy', number: '606', strategy: 'all', members: [{ extension: '205' }, { extension: '206' }], noAnswer: { extension: '209' }, busy: { extension: '208' } },
      { name: 'external', number: '607', strategy: 'all', members: [{ external: MOBILE, ringTime: 40 }], ringTime: 40, noAnswer: { extension: '209' }, confirmExternal: true },
    ],
    queues: [
      { name: 'ringall', number: '610', strategy: 'ringall', memberRingTime: 10, members: [{ extension: '211' }, { extension: '212' }], announceFrequency: 0 },
      { name: 'linear', number: '611', strategy: 'linear', memberRingTime: 5, members: [{ extension: '213' }, { extension: '214' }], announceFrequency: 0 },
      { name: 'rrmem', number: '612', strategy: 'rrmemory', memberRingTime: 5, members: [{ extension: '211' }, { extension: '212' }], announceFrequency: 0 },
      { name: 'wait', number: '613', members: [{ extension: '290' }], maxWait: 6, announceFrequency: 5, timeoutDestination: { extension: '219' } },
      { name: 'full', number: '614', members: [{ extension: '291' }], maxLength: 1, maxWait: 12, announceFrequency: 0, fullDestination: { extension: '218' } },
      { name: 'agents', number: '615', dynamicMembers: [{ extension: '217' }], maxWait: 5, announceFrequency: 0, timeoutDestination: { extension: '219' } },
      { name: 'closed', number: '616', members: [{ extension: '211' }], openHours: 'qclosed', announceFrequency: 0, timeoutDestination: { extension: '219' } },
      // joinEmpty false: nobody available (290 never registers) → callers do not wait.
      { name: 'nojoin', number: '618', members: [{ extension: '290' }], joinEmpty: false, maxWait: 30, announceFrequency: 0, fullDestination: { extension: '218' }, timeoutDestination: { extension: '219' } },
      { name: 'open', number: '617', members: [{ extension: '212' }], openHours: 'qopen', announceFrequency: 0, timeoutDestination: { extension: '219' } },
    ],
  };
}

const remote = () => `127.0.0.1:${pbx.sipPort}`;

/**
 * A registered phone waiting for one call: answers (after ringMs) and hangs up half a second
 * later (callers in a queue are answered when they join it, so the member's phone, not the
 * caller, ends each call), or as the scenario says.
 */
async function phone(username: string, scenario = 'phone-uas.xml', extra: Partial<SippOptions> = {}): Promise<SippProcess> {
  const p = await startSipp({ scenario, remote: remote(), user: username, password: PW(username), holdMs: 500, timeoutMs: 60_000, ...extra });
  await p.waitForRegistration(10_000);
  return p;
}

/**
 * Ends a phone that got no call (or is still waiting) and removes its registration, so that
 * later tests never ring a contact nobody listens on.
 */
async function dismiss(p: SippProcess, username: string): Promise<SippResult> {
  const r = await p.stop();
  await runSipp({ scenario: 'register.xml', remote: remote(), user: username, password: PW(username), localPort: r.localPort, expires: 0, timeoutMs: 10_000 });
  return r;
}

/**
 * Once the call it might have taken is over: the phone's result if it was rung (it finishes its
 * call), else dismiss() it at once instead of waiting for its timeout.
 */
async function outcome(p: SippProcess, username: string): Promise<SippResult> {
  return (await p.events()).includes('INVITE_RECEIVED') ? await p.done : await dismiss(p, username);
}

/** A call from the caller's phone to `to` that must be answered; by default the far end hangs up. */
function call(to: string, holdMs = 30_000, from = CALLER): Promise<SippResult> {
  return runSipp({ scenario: 'uac-call.xml', remote: remote(), service: to, user: from, password: PW(from), holdMs, timeoutMs: 60_000 });
}

/** Queue tests call from their own extension (its channel names the caller in Asterisk's log). */
const qcall = (to: string, holdMs = 30_000) => call(to, holdMs, Q_CALLER);

/**
 * Registers an answering phone for each member, calls `to` and returns the one member that rang
 * (it answers at once, so no other may ring); the others are dismissed.
 */
async function whoAnswers(members: string[], to: string, what: string, from = CALLER): Promise<string> {
  const phones = await Promise.all(members.map((m) => phone(m)));
  const rang = Promise.race(phones.map((p, k) => p.waitForLog('INVITE_RECEIVED', 30_000).then(() => k)));
  rang.catch(() => {}); // awaited below; not unhandled meanwhile
  const r = await call(to, 30_000, from);
  assert.equal(r.ok, true, `${what}: ${describeSippResult(r)}`);
  const k = await rang;
  const results = await Promise.all(phones.map((p, i) => (i === k ? p.done : dismiss(p, members[i]!))));
  assert.equal(results[k]!.answered, true, `${what}: ${describeSippResult(results[k]!)}`);
  const others = members.filter((_, i) => i !== k && results[i]!.inviteReceived);
  assert.deepEqual(others, [], `${what}: only ${members[k]} rang`);
  return members[k]!;
}

/** SIPp writes "YYYY-MM-DD\tHH:MM:SS.uuuuuu" (local time, the same clock for every SIPp here). */
function at(m: SippMessage | undefined, what: string): number {
  assert.ok(m, `no message for ${what}`);
  const t = /(\d{4}-\d{2}-\d{2})\s+(\d{2}:\d{2}:\d{2})(?:\.(\d+))?/.exec(m.time);
  assert.ok(t, `unreadable SIPp timestamp '${m.time}' (${what})`);
  const frac = Number(`0.${t[3] ?? '0'}`) * 1000;
  return Date.parse(`${t[1]}T${t[2]}Z`) + frac;
}
const inviteAt = (r: SippResult, who: string) => at(r.invite, `the INVITE to ${who}\n${describeSippResult(r)}`);
const cancelAt = (r: SippResult, who: string) =>
  at(r.messages.find((m) => m.direction === 'received' && m.method === 'CANCEL'), `the CANCEL to ${who}\n${describeSippResult(r)}`);
const answerAt = (r: SippResult, who: string) =>
  at(r.messages.find((m) => m.direction === 'sent' && m.status === 200 && m.cseqMethod === 'INVITE'), `the 200 OK of ${who}\n${describeSippResult(r)}`);

/** The SIPp carrier that stands for the external member's mobile. */
async function mobile(dtmf: string): Promise<SippProcess> {
  const c = await startSipp({ scenario: 'carrier-uas-dtmf.xml', localIp: '127.0.0.2', localPort: carrierPort, dtmf, dtmfDelayMs: 1000, timeoutMs: 60_000 });
  await waitFor(() => udpListening('127.0.0.2', carrierPort), 5000, 'the carrier');
  return c;
}

/** Asterisk's log (verbose 3) from a mark on. */
const logFile = () => join(pbx.dataDir, 'asterisk', 'log', 'messages.log');
const logMark = () => (existsSync(logFile()) ? statSync(logFile()).size : 0);
const logSince = (mark: number) => readFileSync(logFile()).subarray(mark).toString('utf8');

const queueMembers = async (queue: string) =>
  ((await pbx.daemon.control.queueStatus(`pbx-queue-${queue}`)).find((q) => q.queue === `pbx-queue-${queue}`)?.members ?? []).map((m) => m.interface);

before(async () => {
  carrierPort = await freeUdpPort('127.0.0.2');
  pbx = await startPbx(config());
});
after(async () => {
  await stopAllSipp();
  await pbx?.stop();
});

// The two sections use different extensions and run side by side; the tests within each one
// run in order (each registers the phones it needs and leaves none registered). Subtests
// inherit concurrency, hence the explicit 1 inside.
describe('ring groups and queues', { concurrency: 2 }, () => {
  describe('ring groups', { concurrency: 1 }, () => {
    test('ring group "all": every member rings at once; the first to answer takes the call', async () => {
      const a = await phone('201', 'phone-uas.xml', { ringMs: 1500 });
      const b = await phone('202', 'phone-uas-noanswer.xml');
      const r = await call('600');
      assert.equal(r.ok, true, describeSippResult(r));
      const [ra, rb] = await Promise.all([outcome(a, '201'), outcome(b, '202')]);
      assert.equal(ra.answered, true, describeSippResult(ra));
      assert.ok(rb.inviteReceived, '202 rang too');
      assert.ok(inviteAt(rb, '202') < answerAt(ra, '201'), '202 was rung before 201 answered: both at once');
      assert.ok(rb.cancelled, '202 stopped ringing when 201 answered');
    });

    test('ring group "order": member 1 rings for its ring time, then member 2', async () => {
      const first = await phone('203', 'phone-uas-noanswer.xml');
      const second = await phone('204', 'phone-uas.xml', { ringMs: 1000 });
      const r = await call('601');
      assert.equal(r.ok, true, describeSippResult(r));
      const [r1, r2] = await Promise.all([outcome(first, '203'), outcome(second, '204')]);
      assert.equal(r2.answered, true, describeSippResult(r2));
      assert.ok(inviteAt(r1, '203') < inviteAt(r2, '204'), '203 rang first');
      // Rung together, 203 would be cancelled only when 204 answers.
      assert.ok(cancelAt(r1, '203') < answerAt(r2, '204'), '203 had stopped ringing before 204 answered');
    });

    test('ring group "roundrobin": each call starts after the member who answered the last one', async () => {
      await pbx.daemon.control.command('database deltree pbx-group/rr');
      const rang: string[] = [];
      for (let i = 1; i <= 4; i++) rang.push(await whoAnswers(['201', '202', '203'], '602', `call ${i}`));
      assert.deepEqual(rang, ['201', '202', '203', '201']);
    });

    test('ring group "evenly": the member with the fewest answered calls rings first', async () => {
      await pbx.daemon.control.command('database deltree pbx-group/even');
      await pbx.daemon.control.dbPut('pbx-group', 'even/calls/201', '2');
      await pbx.daemon.control.dbPut('pbx-group', 'even/calls/202', '1');
      await pbx.daemon.control.dbPut('pbx-group', 'even/calls/203', '3');
      // 202 has the fewest; once it took a call, 201 and 202 tie at 2 and the first of them rings.
      const rang: string[] = [];
      for (let i = 1; i <= 2; i++) rang.push(await whoAnswers(['201', '202', '203'], '603', `call ${i}`));
      assert.deepEqual(rang, ['202', '201']);
      assert.equal(await pbx.daemon.control.dbGet('pbx-group', 'even/calls/202'), '2');
      assert.equal(await pbx.daemon.control.dbGet('pbx-group', 'even/calls/201'), '3');
      assert.equal(await pbx.daemon.control.dbGet('pbx-group', 'even/calls/203'), '3');
    });

    test('ring group "tiers": tier 1 rings together, then tier 2', async () => {
      const a = await phone('201', 'phone-uas-noanswer.xml');
      const b = await phone('202', 'phone-uas-noanswer.xml');
      const c = await phone('203', 'phone-uas.xml', { ringMs: 1000 });
      const r = await call('604');
      assert.equal(r.ok, true, describeSippResult(r));
      const [ra, rb, rc] = await Promise.all([outcome(a, '201'), outcome(b, '202'), outcome(c, '203')]);
      assert.equal(rc.answered, true, describeSippResult(rc));
      const tier2 = inviteAt(rc, '203');
      const answered = answerAt(rc, '203');
      for (const [res, who] of [[ra, '201'], [rb, '202']] as const) {
        assert.ok(inviteAt(res, who) < tier2, `${who} (tier 1) rang before 203 (tier 2)`);
        assert.ok(cancelAt(res, who) < answered, `${who} had stopped ringing before 203 answered`);
      }
      // Tier 1 at once: each was rung before the other stopped ringing.
      assert.ok(inviteAt(ra, '201') < cancelAt(rb, '202') && inviteAt(rb, '202') < cancelAt(ra, '201'), 'both tier 1 members rang together');
    });

    test('ring group: nobody answers within the ring time → the no-answer destination', async () => {
      const member = await phone('204', 'phone-uas-noanswer.xml');
      const overflow = await phone('209');
      const busyDest = await phone('208');
      const r = await call('605');
      assert.equal(r.ok, true, describeSippResult(r));
      const rm = await outcome(member, '204');
      assert.ok(rm.inviteReceived && rm.cancelled, `the member rang and was cancelled: ${describeSippResult(rm)}`);
      const ro = await outcome(overflow, '209');
      assert.equal(ro.answered, true, describeSippResult(ro));
      assert.ok(inviteAt(rm, '204') < inviteAt(ro, '209'));
      assert.equal((await dismiss(busyDest, '208')).inviteReceived, false, 'not the busy destination');
    });

    test('ring group: every member in DND or at its busy level → the busy destination', async () => {
      // 206 (busy level 1) is on a call with 207.
      const talking = await phone('207', 'phone-uas.xml', { holdMs: 0 });
      const busyCall = call('207', 10_000, '206');
      await talking.waitForLog('ANSWERED', 15_000);
      const dnd = await phone('205');
      const atLevel = await phone('206');
      const noAnswerDest = await phone('209');
      const busyDest = await phone('208');
      const r = await call('606');
      assert.equal(r.ok, true, describeSippResult(r));
      assert.equal((await outcome(busyDest, '208')).answered, true, 'the busy destination took the call');
      const [r205, r206, r209] = await Promise.all([dismiss(dnd, '205'), dismiss(atLevel, '206'), dismiss(noAnswerDest, '209')]);
      assert.equal(r205.inviteReceived, false, '205 is in DND: not rung');
      assert.equal(r206.inviteReceived, false, '206 is at its busy level: not rung');
      assert.equal(r209.inviteReceived, false, 'not the no-answer destination');
      assert.equal((await busyCall).ok, true);
      await talking.done;
    });

    test('ring group, external member with confirmation: pressing 1 takes the call', async () => {
      const m = await mobile('1');
      const overflow = await phone('209');
      const mark = logMark();
      const r = await call('607', 3000);
      assert.equal(r.ok, true, describeSippResult(r));
      const rm = await m.done;
      assert.equal(rm.requestUriUser, MOBILE, describeSippResult(rm));
      assert.ok(rm.events.includes('DTMF_DONE'), 'the mobile keyed in 1');
      assert.equal(rm.byeFrom, 'remote', 'connected to the caller until the caller hung up');
      // Connected only once the key was read on the mobile's channel (not when the mobile answered).
      const log = logSince(mark);
      const pressed = log.search(/app_read\.c: User entered '1'/);
      const connected = log.search(/pbx-lib-group-external-confirm-[0-9a-f]+;1 answered PJSIP\/299-/);
      assert.ok(pressed >= 0 && connected > pressed, `the caller was connected after the mobile pressed 1 (${pressed}, ${connected})`);
      assert.equal((await dismiss(overflow, '209')).inviteReceived, false, 'not the no-answer destination');
    });

    test('ring group, external member with confirmation: another key drops the member, the call goes on to no-answer', async () => {
      const m = await mobile('2');
      const overflow = await phone('209');
      const r = await call('607');
      assert.equal(r.ok, true, describeSippResult(r));
      const rm = await m.done;
      assert.equal(rm.answered, true, describeSippResult(rm));
      assert.equal(rm.byeFrom, 'remote', 'the PBX hung up on the mobile');
      const ro = await outcome(overflow, '209');
      assert.equal(ro.answered, true, `the no-answer destination took the call: ${describeSippResult(ro)}`);
      assert.ok(answerAt(rm, 'the mobile') < inviteAt(ro, '209'));
    });
  });

  describe('queues', { concurrency: 1 }, () => {
    test('queue "ringall": every free member rings at once', async () => {
      const a = await phone('211', 'phone-uas.xml', { ringMs: 1500 });
      const b = await phone('212', 'phone-uas-noanswer.xml');
      const r = await qcall('610');
      assert.equal(r.ok, true, describeSippResult(r));
      const [ra, rb] = await Promise.all([outcome(a, '211'), outcome(b, '212')]);
      assert.equal(ra.answered, true, describeSippResult(ra));
      assert.ok(inviteAt(rb, '212') < answerAt(ra, '211'), '212 was rung before 211 answered');
    });

    test('queue "linear": members ring one after the other, in their order', async () => {
      const first = await phone('213', 'phone-uas-noanswer.xml');
      const second = await phone('214', 'phone-uas.xml', { ringMs: 1000 });
      const r = await qcall('611');
      assert.equal(r.ok, true, describeSippResult(r));
      const [r1, r2] = await Promise.all([outcome(first, '213'), outcome(second, '214')]);
      assert.equal(r2.answered, true, describeSippResult(r2));
      assert.ok(inviteAt(r1, '213') < inviteAt(r2, '214'), '213 rang first');
      assert.ok(cancelAt(r1, '213') < answerAt(r2, '214'), '213 had stopped ringing before 214 answered');
    });

    test('queue "rrmemory": the next call starts with the member after the last one rung', async () => {
      const first: string[] = [];
      for (let i = 1; i <= 3; i++) first.push(await whoAnswers(['211', '212'], '612', `call ${i}`, Q_CALLER));
      assert.notEqual(first[1], first[0], `the second call went to the other member (${first.join(', ')})`);
      assert.equal(first[2], first[0], `the third call came round again (${first.join(', ')})`);
    });

    test('queue: a caller waiting past maxWait goes to the timeout destination, hearing the position announcement meanwhile', async () => {
      const mark = logMark();
      const overflow = await phone('219');
      const r = await qcall('613');
      assert.equal(r.ok, true, describeSippResult(r));
      assert.equal((await outcome(overflow, '219')).answered, true, 'the timeout destination took the call');
      const log = logSince(mark);
      assert.match(log, new RegExp(`PJSIP/${Q_CALLER}-[0-9a-f]+.*Playing 'queue-youarenext`), 'the caller heard "you are next in line"');
      assert.match(log, /pbx: queue wait ended: TIMEOUT/);
    });

    test('queue: a full queue sends the next caller to the full destination', async () => {
      // The first caller waits (nobody to ring) until maxWait sends it to the timeout destination: hang up.
      const waiting = startSipp({ scenario: 'uac-call.xml', remote: remote(), service: '614', user: Q_CALLER, password: PW(Q_CALLER), holdMs: 60_000, timeoutMs: 60_000 });
      await waitFor(async () => (await pbx.daemon.control.queueStatus('pbx-queue-full'))[0]?.entries.length === 1, 15_000, 'the first caller to wait in the queue');
      const fullDest = await phone('218');
      const r = await call('614', 30_000, SECOND_Q_CALLER);
      assert.equal(r.ok, true, describeSippResult(r));
      assert.equal((await outcome(fullDest, '218')).answered, true, 'the full destination took the second call');
      assert.equal((await pbx.daemon.control.queueStatus('pbx-queue-full'))[0]?.entries.length, 1, 'the first caller still waits');
      const first = await (await waiting).done;
      assert.equal(first.byeFrom, 'remote', `the first caller left at maxWait: ${describeSippResult(first)}`);
    });

    test('queue: with joinEmpty false and no agent available, callers go to the full destination at once', async () => {
      const fullDest = await phone('218');
      const timeoutDest = await phone('219');
      const mark = logMark();
      const r = await qcall('618');
      assert.equal(r.ok, true, describeSippResult(r));
      assert.equal((await outcome(fullDest, '218')).answered, true, 'the full destination took the call');
      assert.equal((await dismiss(timeoutDest, '219')).inviteReceived, false, 'the caller did not wait until maxWait');
      assert.match(logSince(mark), /pbx: queue nojoin ended: JOINEMPTY/);
    });

    test('queue: agents log in and out with the feature codes', async () => {
      const iface = 'Local/217@pbx-agent/n';
      assert.deepEqual(await queueMembers('agents'), [], 'nobody logged in yet');

      const login = await call('*45', 8000, '217');
      assert.equal(login.ok, true, describeSippResult(login));
      assert.equal(login.byeFrom, 'remote', 'the PBX confirmed and hung up');
      assert.deepEqual(await queueMembers('agents'), [iface], 'QueueStatus lists the agent');

      let agent = await phone('217');
      let overflow = await phone('219');
      let r = await qcall('615');
      assert.equal(r.ok, true, describeSippResult(r));
      assert.equal((await outcome(agent, '217')).answered, true, 'the logged-in agent took the queue call');
      assert.equal((await dismiss(overflow, '219')).inviteReceived, false);

      const logout = await call('*46', 8000, '217');
      assert.equal(logout.ok, true, describeSippResult(logout));
      assert.deepEqual(await queueMembers('agents'), [], 'the agent left the queue');

      agent = await phone('217');
      overflow = await phone('219');
      r = await qcall('615');
      assert.equal(r.ok, true, describeSippResult(r));
      assert.equal((await outcome(overflow, '219')).answered, true, 'nobody to take it: the caller timed out to 219');
      assert.equal((await dismiss(agent, '217')).inviteReceived, false, 'the logged-out agent was not rung');
    });

    test('queue with opening hours: outside them callers go to the time condition\'s outside destination', async () => {
      const member = await phone('211');
      const outside = await phone('218');
      const r = await qcall('616');
      assert.equal(r.ok, true, describeSippResult(r));
      assert.equal((await outcome(outside, '218')).answered, true, 'the outside destination took the call');
      assert.equal((await dismiss(member, '211')).inviteReceived, false, 'the closed queue rang nobody');

      // Inside the bands the queue takes the call.
      const open = await phone('212');
      const r2 = await qcall('617');
      assert.equal(r2.ok, true, describeSippResult(r2));
      assert.equal((await outcome(open, '212')).answered, true, 'the open queue rang its member');
    });
  });
});
