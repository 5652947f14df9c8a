// Real calls through a real Asterisk 22 configured by the supervisor: SIPp phones register
// with digest auth and call; SIPp carriers on 127.0.0.2/127.0.0.3 stand for SIP trunks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPbx, type PbxInstance, udpListening } from '../lib/pbx.ts';
import { runSipp, startSipp, stopAllSipp, type SippOptions, type SippProcess, type SippResult } from '../lib/sipp.ts';
import { waitFor } from '../lib/pbx.ts';
import type { PbxConfigInput } from '../../src/domain/model.ts';

// Digits spelled as letters: a device password must not contain its username.
const PW = (u: string) => `Sip-${[...u].map((c) => 'kmnpqrstvw'[Number(c)] ?? c).join('')}-9x`;
const dev = (u: string) => ({ username: u, password: PW(u) });

let pbx: PbxInstance;
let carrier1Port: number;
let carrier2Port: number;

function config(extra: PbxConfigInput['extensions'] = []): PbxConfigInput {
  return {
    system: { name: 'Calls test', language: 'en' },
    extensions: [
      { number: '201', name: 'Alice', class: 'national', busyLevel: 1, devices: [dev('201'), dev('201b')] },
      { number: '202', name: 'Bob', class: 'international', devices: [dev('202')] },
      { number: '203', name: 'Carla', devices: [dev('203')], forward: { always: { extension: '202' } } },
      { number: '204', name: 'Dario', busyLevel: 1, devices: [dev('204')], forward: { busy: { extension: '202' } } },
      { number: '205', name: 'Elena', devices: [dev('205')], forward: { noAnswer: { extension: '202', after: 5 } } },
      { number: '206', name: 'Fabio', dnd: true, devices: [dev('206')] },
      { number: '207', name: 'Gina', devices: [dev('207')], forward: { unreachable: { extension: '202' } } },
      { number: '208', name: 'Hugo', devices: [dev('208')] },
      ...(extra ?? []),
    ],
    trunks: [
      { name: 'carrier1', type: 'ip', host: '127.0.0.2', port: carrier1Port, qualify: false, callerId: '0612345678' },
      { name: 'carrier2', type: 'ip', host: '127.0.0.3', port: carrier2Port, qualify: false },
    ],
    inboundRoutes: [{ did: '0612345678', destination: { extension: '202' } }],
    outbound: {
      rules: [
        { name: 'mobile', patterns: ['3XXXXXXXXX'], trunks: ['carrier1', 'carrier2'] },
        { name: 'landline', patterns: ['0[1-9]X.'], trunks: ['carrier1'] },
        { name: 'international', patterns: ['00Z.'], strip: 2, prepend: '+', trunks: ['carrier1'] },
      ],
      classes: [
        { name: 'national', rules: ['mobile', 'landline'] },
        { name: 'international', rules: ['mobile', 'international'] },
      ],
      emergency: ['112'],
    },
  };
}

const remote = () => `127.0.0.1:${pbx.sipPort}`;

/** A registered phone waiting for one call (answers, or as the scenario says). */
async function phone(username: string, scenario = 'phone-uas.xml', extra: Partial<SippOptions> = {}): Promise<SippProcess> {
  const p = await startSipp({ scenario, remote: remote(), user: username, password: PW(username), timeoutMs: 40_000, ...extra });
  await p.waitForRegistration(10_000);
  return p;
}

/** A call from a device that must be answered; resolves with the SIPp result. */
function call(from: string, to: string, holdMs = 500): Promise<SippResult> {
  return runSipp({ scenario: 'uac-call.xml', remote: remote(), service: to, user: from, password: PW(from), holdMs, timeoutMs: 40_000 });
}

/** A call from a device that must fail; resolves with the final status seen. */
async function refused(from: string, to: string): Promise<number | undefined> {
  const r = await runSipp({ scenario: 'uac-call-expect-fail.xml', remote: remote(), service: to, user: from, password: PW(from), timeoutMs: 40_000 });
  return r.finalStatus;
}

/** True once something is bound to ip:port (UDP): the UAS is listening. */

/** A carrier (SIP trunk peer) listening on ip:port. */
async function carrier(ip: string, port: number, extra: Partial<SippOptions> = {}): Promise<SippProcess> {
  const c = await startSipp({ scenario: 'carrier-uas.xml', localIp: ip, localPort: port, timeoutMs: 30_000, ...extra });
  await waitFor(() => udpListening(ip, port), 5000, `the carrier on ${ip}:${port}`);
  return c;
}

before(async () => {
  carrier1Port = 25000 + Math.floor(Math.random() * 1000) * 2;
  carrier2Port = carrier1Port + 1;
  pbx = await startPbx(config());
});
after(async () => {
  await stopAllSipp();
  await pbx?.stop();
});

test('two extensions register and call each other: 200 OK, ACK, BYE', async () => {
  const callee = await phone('202');
  const r = await call('208', '202');
  assert.equal(r.ok, true, r.stderr + r.logs);
  const answered = await callee.done;
  assert.equal(answered.ok, true, answered.logs);
  assert.equal(answered.requestUriUser, '202');
  assert.equal(answered.fromUser, '208', 'the caller presents its extension number');
});

test('a device with a wrong password is rejected', async () => {
  const r = await runSipp({ scenario: 'register-rejected.xml', remote: remote(), user: '202', password: 'Wrong-password1', timeoutMs: 15_000 });
  assert.equal(r.ok, true, `registration with a wrong password must be refused: ${r.logs}`);
  const bad = await runSipp({ scenario: 'uac-call-expect-fail.xml', remote: remote(), service: '202', user: '208', password: 'Wrong-password1', timeoutMs: 15_000 });
  assert.ok(bad.finalStatus === 401 || bad.finalStatus === 403 || bad.finalStatus === 407, `call with a wrong password: ${bad.finalStatus}`);
  assert.equal(bad.answered, false);
});

test('single number: both devices of an extension ring; busy level 1 makes a second call busy', async () => {
  const a = await phone('201');
  const b = await phone('201b', 'phone-uas-noanswer.xml');
  const first = call('208', '201', 6000);
  const rangB = await b.done;
  assert.equal(rangB.requestUriUser, '201b', 'the second device rang');
  assert.equal(rangB.ok, true, `the second device was cancelled when the first answered: ${rangB.logs}`);
  // The first call is up on device 201: a second call to 201 gets busy.
  assert.equal(await refused('202', '201'), 486);
  const r = await first;
  assert.equal(r.ok, true, r.logs);
  assert.equal((await a.done).requestUriUser, '201');
});

test('outbound: a rule sends the number to the first trunk, with the trunk caller id', async () => {
  const c1 = await carrier('127.0.0.2', carrier1Port);
  const r = await call('201', '3331234567');
  assert.equal(r.ok, true, r.logs);
  const got = await c1.done;
  assert.equal(got.requestUriUser, '3331234567');
  assert.equal(got.fromUser, '0612345678', 'the trunk presents its caller id');
});

test('outbound: number manipulation strips 00 and prepends +', async () => {
  const c1 = await carrier('127.0.0.2', carrier1Port);
  const r = await call('202', '00441234567');
  assert.equal(r.ok, true, r.logs);
  assert.equal((await c1.done).requestUriUser, '+441234567');
});

test('outbound: when the first trunk answers 503 the call fails over to the second', async () => {
  const failing = await carrier('127.0.0.2', carrier1Port, { scenario: 'carrier-uas-fail.xml', rejectWith: { status: 503 } });
  const second = await carrier('127.0.0.3', carrier2Port);
  const r = await call('201', '3339876543');
  assert.equal(r.ok, true, r.logs);
  assert.equal((await failing.done).requestUriUser, '3339876543');
  assert.equal((await second.done).requestUriUser, '3339876543');
});

test('outbound: an extension whose class lacks international is refused', async () => {
  assert.equal(await refused('201', '00441234567'), 403);
});

test('security: a dialled number with commas cannot shift the routing arguments (toll fraud)', async () => {
  // 0[1-9]X. matches anything after 01; unfiltered, "0144,2,00,carrier1" would become
  // strip=2, prepend=00: an international call from a national class.
  const c1 = await carrier('127.0.0.2', carrier1Port);
  assert.equal(await refused('201', '0144,2,00,carrier1'), 403);
  const r = await c1.stop();
  assert.equal(r.inviteReceived, false, 'nothing reached the carrier');
});

test('security: a call claiming to come from a trunk by its From user, from another address, is not taken', async () => {
  const callee = await phone('202');
  const r = await runSipp({ scenario: 'carrier-uac.xml', remote: remote(), localIp: '127.0.0.1', service: '0612345678', caller: 'trunk-carrier1', timeoutMs: 15_000 });
  assert.equal(r.answered, false);
  assert.ok(r.finalStatus === 401 || r.finalStatus === 403, `finalStatus ${r.finalStatus}`);
  assert.equal((await callee.stop()).inviteReceived, false);
});

test('an emergency number passes any class (here: no class at all)', async () => {
  const c1 = await carrier('127.0.0.2', carrier1Port);
  const r = await call('208', '112');
  assert.equal(r.ok, true, r.logs);
  assert.equal((await c1.done).requestUriUser, '112');
  // ... while a mobile number from the same extension is refused.
  assert.equal(await refused('208', '3331234567'), 403);
});

test('inbound: a call to a DID from the carrier reaches its extension', async () => {
  const callee = await phone('202');
  const r = await runSipp({ scenario: 'carrier-uac.xml', remote: remote(), localIp: '127.0.0.2', service: '0612345678', caller: '3471112233', holdMs: 500, timeoutMs: 30_000 });
  assert.equal(r.ok, true, r.logs);
  const got = await callee.done;
  assert.equal(got.requestUriUser, '202');
  assert.equal(got.fromUser, '3471112233', 'the caller number comes through');
});

test('inbound: an unknown DID is not answered', async () => {
  const r = await runSipp({ scenario: 'carrier-uac.xml', remote: remote(), localIp: '127.0.0.2', service: '0699999999', timeoutMs: 15_000 });
  assert.equal(r.answered, false);
  assert.equal(r.finalStatus, 404);
});

test('forward unconditional: a call to 203 rings 202', async () => {
  const callee = await phone('202');
  const r = await call('208', '203');
  assert.equal(r.ok, true, r.logs);
  assert.equal((await callee.done).requestUriUser, '202');
});

test('forward on busy: 204 answers busy, the call goes to 202', async () => {
  const busy = await phone('204', 'phone-uas-busy.xml');
  const callee = await phone('202');
  const r = await call('208', '204');
  assert.equal(r.ok, true, r.logs);
  assert.equal((await busy.done).requestUriUser, '204');
  assert.equal((await callee.done).requestUriUser, '202');
});

test('forward on no answer: 205 rings 5 s, then the call goes to 202', async () => {
  const ringing = await phone('205', 'phone-uas-noanswer.xml');
  const callee = await phone('202');
  const r = await call('208', '205');
  assert.equal(r.ok, true, r.logs);
  assert.equal((await ringing.done).ok, true, 'the unanswered phone saw its call cancelled');
  assert.equal((await callee.done).requestUriUser, '202');
});

test('forward when unreachable: 207 has no registered device, the call goes to 202', async () => {
  const callee = await phone('202');
  const r = await call('208', '207');
  assert.equal(r.ok, true, r.logs);
  assert.equal((await callee.done).requestUriUser, '202');
});

test('DND: callers of 206 get busy and its registered phone does not ring', async () => {
  const silent = await phone('206');
  assert.equal(await refused('208', '206'), 486);
  const r = await silent.stop();
  assert.equal(r.inviteReceived, false, 'the phone in DND was not called');
});

test('a call stays up while an apply adds 100 extensions', async () => {
  const callee = await phone('202');
  const running = call('208', '202', 8000);
  await waitFor(async () => (await pbx.daemon.control.activeCalls()) === 1, 10_000, 'the call to be up');
  const extra = Array.from({ length: 100 }, (_, i) => ({ number: String(3000 + i), name: `Bulk ${i}`, devices: [dev(`bulk${i}`)] }));
  await pbx.apply(config(extra));
  assert.match(await pbx.daemon.control.command('pjsip list endpoints'), /Endpoint:\s+bulk99\//);
  assert.equal(await pbx.daemon.control.activeCalls(), 1, 'the call is still up after the apply');
  const r = await running;
  assert.equal(r.ok, true, `the call ended cleanly with BYE/200: ${r.logs}`);
  assert.equal((await callee.done).ok, true);
  await pbx.apply(config());
});

test('acceptance: credentials applied with pbxctl apply -f, then a SIPp phone registers and calls another', async () => {
  const exported = (await pbx.pbxctl(['export'])).stdout;
  const text = exported.replace(/^trunks:/m, ['  - number: "290"', '    name: Via Pbxctl', '    devices:', '      - username: "290"', '        password: "Pbxctl-phone-7Kq"', 'trunks:'].join('\n'));
  const applied = await pbx.pbxctl(['apply', '-f', '-'], text);
  assert.equal(applied.code, 0, applied.stderr);
  const callee = await phone('202');
  const reg = await runSipp({ scenario: 'register.xml', remote: remote(), user: '290', password: 'Pbxctl-phone-7Kq', timeoutMs: 15_000 });
  assert.equal(reg.ok, true, reg.logs);
  const status = await pbx.pbxctl(['status']);
  assert.match(status.stdout, /^ {2}290 sip:/m, status.stdout);
  const r = await runSipp({ scenario: 'uac-call.xml', remote: remote(), service: '202', user: '290', password: 'Pbxctl-phone-7Kq', holdMs: 500, timeoutMs: 20_000 });
  assert.equal(r.ok, true, r.logs);
  assert.equal((await callee.done).fromUser, '290');
});
