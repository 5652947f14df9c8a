// Conference rooms, paging and intercom on a real Asterisk 22 configured by the supervisor.
// SIPp phones call a room and key in its PIN (RFC 4733); the REST API lists who is in it
// (ConfbridgeList), mutes, removes and locks (ConfBridge AMI actions). Paged and intercom phones
// are SIPp phones: the auto-answer headers are read from the INVITE they received.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { adminSession, Contract, type ApiClient } from '../lib/api.ts';
import { startPbx, waitFor, type PbxInstance } from '../lib/pbx.ts';
import { describeSippResult, runSipp, startSipp, stopAllSipp, type SippProcess, type SippResult } from '../lib/sipp.ts';
import type { PbxConfigInput } from '../../src/domain/model.ts';

// Digits spelled as letters: a device password must not contain its username.
const PW = (u: string) => `Cf7-${[...u].map((c) => 'kmnpqrstvw'[Number(c)] ?? c).join('')}-Xz4w`;
const ext = (number: string) => ({ number, name: `Phone ${number}`, devices: [{ username: number, password: PW(number) }] });

// Eight digits: unlikely to turn up by chance in Asterisk's log (epochs, ports), where the test
// looks for them.
const USER_PIN = '73916428';
const ADMIN_PIN = '80295731';
const BOARD_PIN = '61830472';
const OWNER = '201';

let pbx: PbxInstance;
let api: ApiClient;

function config(): PbxConfigInput {
  return {
    system: { name: 'Conference test', language: 'en', timezone: 'UTC' },
    extensions: ['201', '202', '203', '204', '205', '206', '207', '208', '209', '210', '211', '212', '220'].map(ext),
    conferences: [
      { name: 'team', number: '800', pin: USER_PIN, adminPin: ADMIN_PIN, owner: OWNER, maxMembers: 10, musicWhenAlone: true },
      { name: 'board', number: '801', adminPin: BOARD_PIN },
      { name: 'open', number: '802' },
    ],
    pagingGroups: [{ name: 'floor', number: '850', members: ['210', '211'] }],
  };
}

before(async () => {
  pbx = await startPbx(config());
  const base = `http://127.0.0.1:${pbx.daemon.httpPort}`;
  const doc = (await (await fetch(`${base}/api/v1/openapi.json`)).json()) as ConstructorParameters<typeof Contract>[0];
  api = await adminSession(base, pbx.dataDir, new Contract(doc));
});

after(async () => {
  await stopAllSipp();
  await pbx?.stop();
});

const remote = () => `127.0.0.1:${pbx.sipPort}`;
const logFile = () => join(pbx.dataDir, 'asterisk', 'log', 'messages.log');
const logMark = () => (existsSync(logFile()) ? statSync(logFile()).size : 0);
const logSince = (mark: number) => (existsSync(logFile()) ? readFileSync(logFile()).subarray(mark).toString('utf8') : '');

interface Participant {
  channel: string;
  callerNumber: string;
  callerName?: string;
  moderator: boolean;
  muted: boolean;
  joinedAt: string | null;
}

async function participants(room: string): Promise<Participant[]> {
  const r = await api.get(`/conferences/${room}/participants`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.conference, room);
  return r.body.items as Participant[];
}

async function waitParticipant(room: string, number: string, what: string): Promise<Participant> {
  let found: Participant | undefined;
  await waitFor(async () => !!(found = (await participants(room)).find((p) => p.callerNumber === number)), 30_000, what);
  return found!;
}

/** A phone calls `number` and keys in `dtmf` once answered; it stays `holdMs` unless the PBX hangs up first. */
function join_(from: string, number: string, dtmf: string | undefined, holdMs = 120_000): Promise<SippProcess> {
  return startSipp({
    scenario: dtmf === undefined ? 'uac-call.xml' : 'uac-dtmf.xml',
    remote: remote(),
    service: number,
    user: from,
    password: PW(from),
    holdMs,
    timeoutMs: holdMs + 30_000,
    ...(dtmf === undefined ? {} : { dtmf, dtmfDelayMs: 1000 }),
  });
}

const enc = encodeURIComponent;

test('conference rooms: PINs, moderators, mute, kick, lock, owner', async (t) => {
  const mark = logMark();
  const phones = new Map<string, SippProcess>();

  await t.test('three participants join with the participant PIN and are listed', async () => {
    for (const n of ['202', '203', '204']) phones.set(n, await join_(n, '800', USER_PIN));
    for (const n of ['202', '203', '204']) {
      const p = await waitParticipant('team', n, `${n} in room team`);
      assert.equal(p.moderator, false, `${n} joined as a participant`);
      assert.equal(p.muted, false);
      assert.match(p.channel, new RegExp(`^PJSIP/${n}-`));
      assert.ok(p.joinedAt && Math.abs(Date.parse(p.joinedAt) - Date.now()) < 120_000, `joinedAt ${p.joinedAt}`);
    }
    const s = await api.get('/conferences/team/status');
    assert.equal(s.status, 200, s.text);
    assert.deepEqual(s.body, { conference: 'team', active: true, locked: false, count: 3 });
  });

  await t.test('the moderator PIN makes a moderator', async () => {
    phones.set('205', await join_('205', '800', ADMIN_PIN));
    const p = await waitParticipant('team', '205', '205 in room team');
    assert.equal(p.moderator, true);
    assert.equal((await participants('team')).filter((x) => x.moderator).length, 1);
  });

  await t.test('a wrong PIN is refused three times, then the call ends', async () => {
    // After a wrong entry Authenticate asks again with auth-incorrect; after the third, vm-goodbye.
    const caller = await join_('206', '800', '11111111,,,22222222,,,33333333', 60_000);
    const r = await caller.done;
    assert.equal(r.answered, true, describeSippResult(r));
    assert.equal(r.byeFrom, 'remote', `the PBX hung up\n${describeSippResult(r)}`);
    assert.ok(!(await participants('team')).some((p) => p.callerNumber === '206'), '206 never joined');
    const channel = /<(PJSIP\/206-[0-9a-f]+)> Playing 'auth-incorrect/.exec(logSince(mark))?.[1];
    assert.ok(channel, 'the wrong PIN was refused');
    const lines = logSince(mark).split('\n').filter((l) => l.includes(`<${channel}> Playing '`));
    assert.equal(lines.filter((l) => l.includes("Playing 'auth-incorrect")).length, 2, `asked again twice:\n${lines.join('\n')}`);
    assert.ok(lines.some((l) => l.includes("Playing 'vm-goodbye")), `then goodbye:\n${lines.join('\n')}`);
  });

  await t.test('mute and unmute through the API', async () => {
    const target = (await participants('team')).find((p) => p.callerNumber === '203')!;
    const r = await api.post(`/conferences/team/participants/${enc(target.channel)}/mute`);
    assert.equal(r.status, 200, r.text);
    assert.equal((r.body.items as Participant[]).find((p) => p.channel === target.channel)?.muted, true);
    assert.equal((await participants('team')).find((p) => p.channel === target.channel)?.muted, true);
    const u = await api.post(`/conferences/team/participants/${enc(target.channel)}/unmute`);
    assert.equal(u.status, 200, u.text);
    assert.equal((await participants('team')).find((p) => p.channel === target.channel)?.muted, false);
    const audit = await api.get('/audit?limit=20');
    assert.equal(audit.status, 200, audit.text);
    assert.ok(JSON.stringify(audit.body).includes('conferences.participant.mute'), 'the mute is audited');
  });

  await t.test('kick through the API ends that participant\'s call', async () => {
    const target = (await participants('team')).find((p) => p.callerNumber === '204')!;
    const r = await api.post(`/conferences/team/participants/${enc(target.channel)}/kick`);
    assert.equal(r.status, 200, r.text);
    assert.ok(!(r.body.items as Participant[]).some((p) => p.channel === target.channel));
    const res = await phones.get('204')!.done;
    assert.equal(res.byeFrom, 'remote', describeSippResult(res));
    await waitFor(async () => !(await participants('team')).some((p) => p.callerNumber === '204'), 10_000, '204 gone from the room');
    // Kicking again: the channel is not in the room.
    assert.equal((await api.post(`/conferences/team/participants/${enc(target.channel)}/kick`)).status, 404);
  });

  await t.test('channels that are not a participant\'s are refused before Asterisk sees them', async () => {
    assert.equal((await api.post(`/conferences/team/participants/all/mute`)).status, 400, 'a keyword of ConfbridgeMute');
    assert.equal((await api.post(`/conferences/team/participants/${enc('PJSIP/202\r\nAction: Hangup')}/mute`)).status, 400, 'a header injection');
    // A prefix of a real channel name: Asterisk would take it, the API does not.
    assert.equal((await api.post(`/conferences/team/participants/${enc('PJSIP/20')}/mute`)).status, 404);
    assert.equal((await api.post(`/conferences/nosuch/participants/${enc('PJSIP/202-00000001')}/mute`)).status, 404);
    assert.equal((await participants('team')).some((p) => p.muted), false, 'nobody was muted');
  });

  await t.test('a locked room refuses a new participant', async () => {
    const l = await api.post('/conferences/team/lock');
    assert.equal(l.status, 200, l.text);
    assert.equal(l.body.locked, true);
    const mark2 = logMark();
    const caller = await join_('207', '800', USER_PIN, 60_000);
    const r = await caller.done;
    assert.equal(r.byeFrom, 'remote', `refused\n${describeSippResult(r)}`);
    assert.ok(!(await participants('team')).some((p) => p.callerNumber === '207'), '207 never joined');
    assert.match(logSince(mark2), /PJSIP\/207-[0-9a-f]+> Playing 'conf-locked/, 'the locked prompt');
    const u = await api.post('/conferences/team/unlock');
    assert.equal(u.status, 200, u.text);
    assert.equal(u.body.locked, false);
  });

  await t.test('the owner joins as moderator without a PIN', async () => {
    phones.set(OWNER, await join_(OWNER, '800', undefined));
    const p = await waitParticipant('team', OWNER, 'the owner in room team');
    assert.equal(p.moderator, true);
  });

  await t.test('no PIN in the dialplan or Asterisk\'s log', async () => {
    const log = logSince(mark);
    assert.doesNotMatch(log, /User entered/);
    const ours = log.split('\n').filter((l) => /pbx-lib-conference|Authenticate|accountcode/i.test(l));
    assert.ok(ours.length > 0, 'the routine ran at verbose 3');
    for (const pin of [USER_PIN, ADMIN_PIN]) assert.ok(!ours.some((l) => l.includes(pin)), `PIN ${pin} logged:\n${ours.filter((l) => l.includes(pin)).join('\n')}`);
    const dialplan = await pbx.daemon.control.command('dialplan show pbx-conf-team');
    assert.ok(!dialplan.includes(USER_PIN) && !dialplan.includes(ADMIN_PIN), dialplan);
  });

  await t.test('everybody leaves: the room stops, locking it is refused', async () => {
    for (const p of await participants('team')) assert.equal((await api.post(`/conferences/team/participants/${enc(p.channel)}/kick`)).status, 200);
    const results = await Promise.all([...phones.values()].map((p) => p.done));
    for (const r of results) assert.ok(r.byeFrom, describeSippResult(r));
    await waitFor(async () => (await participants('team')).length === 0, 10_000, 'an empty room');
    const s = await api.get('/conferences/team/status');
    assert.deepEqual(s.body, { conference: 'team', active: false, locked: false, count: 0 });
    assert.equal((await api.post('/conferences/team/lock')).status, 409);
    assert.equal((await api.get('/conferences/nosuch/status')).status, 404);
  });
});

test('a room with only a moderator PIN: an empty entry joins as a participant; a room without PINs asks nothing', async () => {
  const participant = await join_('208', '801', '#', 60_000);
  const p = await waitParticipant('board', '208', '208 in room board');
  assert.equal(p.moderator, false);
  const moderator = await join_('209', '801', BOARD_PIN, 60_000);
  assert.equal((await waitParticipant('board', '209', '209 in room board')).moderator, true);
  const open = await join_('212', '802', undefined, 60_000);
  assert.equal((await waitParticipant('open', '212', '212 in room open')).moderator, false);
  for (const [room, list] of [['board', await participants('board')], ['open', await participants('open')]] as const) {
    for (const x of list) assert.equal((await api.post(`/conferences/${room}/participants/${enc(x.channel)}/kick`)).status, 200);
  }
  for (const r of await Promise.all([participant.done, moderator.done, open.done])) assert.equal(r.byeFrom, 'remote', describeSippResult(r));
});

/** A registered phone that answers and waits for the far end's BYE. */
async function phone(n: string): Promise<SippProcess> {
  const p = await startSipp({ scenario: 'phone-uas.xml', remote: remote(), user: n, password: PW(n), holdMs: 0, timeoutMs: 60_000 });
  await p.waitForRegistration(10_000);
  return p;
}

function assertAutoAnswer(r: SippResult, who: string): void {
  assert.ok(r.invite, `${who} was called\n${describeSippResult(r)}`);
  const alertInfo = r.invite.headers['alert-info'] ?? [];
  const callInfo = r.invite.headers['call-info'] ?? [];
  assert.ok(alertInfo.some((h) => /^<http:\/\/www\.notused>;\s*info=alert-autoanswer;\s*delay=0$/.test(h)), `${who}: Alert-Info ${JSON.stringify(alertInfo)}`);
  assert.ok(alertInfo.some((h) => h === 'Ring Answer'), `${who}: Alert-Info ${JSON.stringify(alertInfo)}`);
  assert.ok(callInfo.some((h) => /;\s*answer-after=0$/.test(h)), `${who}: Call-Info ${JSON.stringify(callInfo)}`);
  assert.equal(r.answered, true, describeSippResult(r));
}

test('paging: the group number calls every member at once with auto-answer headers', async () => {
  const members = await Promise.all(['210', '211'].map(phone));
  const caller = await runSipp({ scenario: 'uac-call.xml', remote: remote(), service: '850', user: '220', password: PW('220'), holdMs: 3000, timeoutMs: 30_000 });
  assert.equal(caller.ok, true, describeSippResult(caller));
  const results = await Promise.all(members.map((p) => p.done));
  results.forEach((r, i) => {
    assertAutoAnswer(r, ['210', '211'][i]!);
    // The page ends with the caller.
    assert.equal(r.byeFrom, 'remote', describeSippResult(r));
  });
});

test('intercom: the code and an extension call it with auto-answer headers, both ways', async () => {
  const target = await phone('212');
  const caller = await runSipp({ scenario: 'uac-call.xml', remote: remote(), service: '*5212', user: '220', password: PW('220'), holdMs: 2000, timeoutMs: 30_000 });
  assert.equal(caller.ok, true, describeSippResult(caller));
  const r = await target.done;
  assertAutoAnswer(r, '212');
  assert.equal(r.byeFrom, 'remote', describeSippResult(r));
  // An extension that does not exist: refused.
  const none = await runSipp({ scenario: 'uac-call-expect-fail.xml', remote: remote(), service: '*5299', user: '220', password: PW('220'), timeoutMs: 30_000 });
  assert.ok(none.finalStatus !== undefined && none.finalStatus >= 400, describeSippResult(none));
});
