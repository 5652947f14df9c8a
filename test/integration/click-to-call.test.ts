// Click-to-call, active calls, hang up and transfer (src/calls/call-control.ts) against a real
// Asterisk 22: SIPp phones register as the extension's devices, a SIPp carrier on 127.0.0.2
// stands for an IP trunk. The daemon's own CallControl is driven directly (the REST routes sit
// on top of it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startPbx, waitFor, type PbxInstance, udpListening } from '../lib/pbx.ts';
import { describeSippResult, startSipp, stopAllSipp, type SippOptions, type SippProcess } from '../lib/sipp.ts';
import { CallControl } from '../../src/calls/call-control.ts';
import { AriClient } from '../../src/asterisk/ari.ts';
import { AmiClient } from '../../src/asterisk/ami.ts';
import { createLogger } from '../../src/lib/log.ts';
import { dialContext, dialDecision } from '../../src/domain/dialing.ts';
import { ConflictError, NotFoundError, NotPermittedError, PbxError, ValidationError } from '../../src/domain/errors.ts';
import type { PbxConfigInput } from '../../src/domain/model.ts';

const passwords = new Map<string, string>();
const PW = (u: string) => {
  if (!passwords.has(u)) passwords.set(u, `Kq.${randomBytes(6).toString('hex')}.Zv`);
  return passwords.get(u)!;
};
const dev = (u: string) => ({ username: u, password: PW(u) });

let pbx: PbxInstance;
let carrierPort: number;

function config(): PbxConfigInput {
  return {
    system: { name: 'Click-to-call test', language: 'en' },
    extensions: [
      { number: '201', name: 'Alice', class: 'world', devices: [dev('201'), dev('201b')] },
      { number: '203', name: 'Carla', devices: [dev('203')] },
      { number: '204', name: 'Dario', class: 'national', devices: [dev('204')] },
      { number: '209', name: 'Nobody Home', class: 'world', devices: [dev('209')] },
    ],
    // No trunk caller id: the carrier sees the extension's own caller id.
    trunks: [{ name: 'carrier1', type: 'ip', host: '127.0.0.2', port: carrierPort, qualify: false }],
    outbound: {
      rules: [
        { name: 'mobile', patterns: ['3XXXXXXXXX'], trunks: ['carrier1'] },
        { name: 'international', patterns: ['00Z.'], strip: 2, prepend: '+', trunks: ['carrier1'] },
        { name: 'landline', patterns: ['0[1-9]X.'], trunks: ['carrier1'] },
      ],
      classes: [
        { name: 'world', rules: ['mobile', 'international'] },
        { name: 'national', rules: ['mobile', 'landline'] },
      ],
      emergency: ['112'],
    },
  };
}

const remote = () => `127.0.0.1:${pbx.sipPort}`;
const calls = () => pbx.daemon.calls;

async function phone(username: string, scenario = 'phone-uas.xml', extra: Partial<SippOptions> = {}): Promise<SippProcess> {
  const p = await startSipp({ scenario, remote: remote(), user: username, password: PW(username), timeoutMs: 60_000, ...extra });
  await p.waitForRegistration(10_000);
  return p;
}


async function carrier(extra: Partial<SippOptions> = {}): Promise<SippProcess> {
  const c = await startSipp({ scenario: 'carrier-uas.xml', localIp: '127.0.0.2', localPort: carrierPort, timeoutMs: 60_000, ...extra });
  await waitFor(() => udpListening('127.0.0.2', carrierPort), 5000, 'the carrier to listen');
  return c;
}

async function rejects<T extends Error>(p: Promise<unknown>, type: new (...args: never[]) => T, match?: RegExp): Promise<T> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof type, `expected ${type.name}, got ${String(err)}`);
    if (match) assert.match(err.message, match);
    return err;
  }
  assert.fail(`expected ${type.name}`);
}

const callIds = async () => (await calls().list()).map((c) => c.callId);

before(async () => {
  carrierPort = 27000 + Math.floor(Math.random() * 1000) * 2;
  pbx = await startPbx(config());
  // CallControl needs ARI's websocket as well as AMI.
  await waitFor(async () => (await pbx.health()).parts.ari?.ok === true, 30_000, 'ARI');
});
after(async () => {
  await stopAllSipp();
  await pbx?.stop();
});

test('click-to-call rings every registered phone of the extension, then the carrier gets the number as the rule makes it', async () => {
  const desk = await phone('201');
  const mobile = await phone('201b', 'phone-uas-noanswer.xml');
  const c1 = await carrier();

  const placed = await calls().clickToCall({ extension: '201', number: '00441234567' });
  assert.equal(placed.kind, 'external');
  assert.equal(placed.rule, 'international');
  assert.deepEqual([...placed.ringing].sort(), ['201', '201b']);
  assert.ok((await callIds()).includes(placed.callId), 'the call is listed while the phones ring');

  await c1.waitForLog('ANSWERED', 20_000);
  // The carrier logs ANSWERED as it sends its 200; the box's channel turns Up when that arrives.
  let listed = (await calls().list()).find((c) => c.callId === placed.callId);
  await waitFor(
    async () => {
      listed = (await calls().list()).find((c) => c.callId === placed.callId);
      return listed?.channels.some((ch) => ch.trunk === 'carrier1' && ch.state === 'Up') === true;
    },
    10_000,
    'the trunk leg to be up',
  ).catch(() => undefined);
  assert.ok(listed, 'the connected call is listed under the id click-to-call returned');
  assert.deepEqual(listed.clickToCall, { extension: '201', number: '00441234567' });
  assert.ok(listed.channels.some((ch) => ch.extension === '201' && ch.device === '201' && ch.state === 'Up'), JSON.stringify(listed));
  assert.ok(listed.channels.some((ch) => ch.trunk === 'carrier1' && ch.state === 'Up'), JSON.stringify(listed));
  // The trunk leg stands for the number as dialled (pbx-lib-callee), and the phone is connected to it.
  assert.equal(listed.channels.find((ch) => ch.trunk === 'carrier1')?.callerNumber, '00441234567', JSON.stringify(listed));
  assert.equal(listed.channels.find((ch) => ch.device === '201')?.connectedNumber, '00441234567', JSON.stringify(listed));

  await calls().hangup(placed.callId);
  const [atCarrier, atDesk, atMobile] = await Promise.all([c1.done, desk.done, mobile.done]);
  assert.equal(atDesk.fromUser, '00441234567', "the extension's phone shows the number it is about to call");
  assert.equal(atDesk.byeFrom, 'remote', describeSippResult(atDesk));
  assert.equal(atMobile.cancelled, true, 'the second phone rang and was cancelled when the first answered');
  assert.equal(atCarrier.requestUriUser, '+441234567', 'strip 2, prepend +');
  assert.equal(atCarrier.fromUser, '201', "the called party sees the extension's own caller id");
  assert.equal(atCarrier.fromName, 'Alice');
  assert.equal(atCarrier.byeFrom, 'remote', describeSippResult(atCarrier));
  await waitFor(async () => !(await callIds()).includes(placed.callId), 10_000, 'the call to end');
  await rejects(calls().hangup(placed.callId), NotFoundError);
});

test('click-to-call to another extension: each phone shows the other party, a CRM name when given', async () => {
  const desk = await phone('201');
  const callee = await phone('203', 'phone-uas.xml', { holdMs: 500 });
  const placed = await calls().clickToCall({ extension: '201', number: '203', displayName: 'ACME support' });
  assert.equal(placed.kind, 'internal');
  const [atCallee, atDesk] = await Promise.all([callee.done, desk.done]);
  assert.equal(atDesk.fromUser, '203');
  assert.equal(atDesk.fromName, 'ACME support');
  assert.equal(atCallee.fromUser, '201', 'the called extension sees the calling extension');
  assert.equal(atCallee.fromName, 'Alice');
  assert.equal(atCallee.byeFrom, 'local');
  assert.equal(atDesk.byeFrom, 'remote', 'the hang-up reached the clicking extension');
});

test('click-to-call refusals: unknown extension 404, no registered device 409, a number the class forbids 403 (nothing reaches the carrier)', async () => {
  await rejects(calls().clickToCall({ extension: '299', number: '3331234567' }), NotFoundError, /299/);
  await rejects(calls().clickToCall({ extension: '209', number: '3331234567' }), ConflictError, /no registered device/);
  await rejects(calls().clickToCall({ extension: '201', number: '33x' }), ValidationError);

  const c1 = await carrier();
  const desk = await phone('204');
  const refused = await rejects(calls().clickToCall({ extension: '204', number: '00441234567' }), NotPermittedError, /national/);
  assert.equal(refused.code, 'not_permitted');
  // No class at all: internal and emergency numbers only.
  await phone('203', 'phone-uas.xml');
  await rejects(calls().clickToCall({ extension: '203', number: '3331234567' }), NotPermittedError, /no calling class/);
  assert.equal((await c1.stop()).inviteReceived, false, 'no INVITE reached the carrier');
  assert.equal((await desk.stop()).inviteReceived, false, 'the phone of a refused click-to-call did not ring');
  await stopAllSipp();
});

test('transfer: the carrier leg of a connected click-to-call goes to another extension, checked against the class', async () => {
  const desk = await phone('201');
  const target = await phone('203');
  const c1 = await carrier();

  const placed = await calls().clickToCall({ extension: '201', number: '3331234567' });
  assert.equal(placed.rule, 'mobile');
  await c1.waitForLog('ANSWERED', 20_000);
  await waitFor(
    async () => {
      const ch = (await calls().list()).find((c) => c.callId === placed.callId)?.channels ?? [];
      return ch.some((x) => x.extension === '201' && x.state === 'Up') && ch.some((x) => x.trunk === 'carrier1' && x.state === 'Up');
    },
    10_000,
    'both legs to be up',
  );

  await rejects(calls().transfer(placed.callId, { to: '0612345678' }), NotPermittedError, /world/);
  await rejects(calls().transfer('no-such-call', { to: '203' }), NotFoundError);

  assert.deepEqual(await calls().transfer(placed.callId, { to: '203' }), { callId: placed.callId, to: '203' });
  await target.waitForLog('ANSWERED', 20_000);
  const atDesk = await desk.done;
  assert.equal(atDesk.byeFrom, 'remote', 'the transferring phone is hung up');

  const listed = (await calls().list()).find((c) => c.callId === placed.callId);
  assert.ok(listed?.channels.some((ch) => ch.extension === '203'), `the call keeps its id after the transfer: ${JSON.stringify(listed)}`);
  assert.ok(!listed?.channels.some((ch) => ch.extension === '201'), JSON.stringify(listed));

  await calls().hangup(placed.callId);
  const [atTarget, atCarrier] = await Promise.all([target.done, c1.done]);
  assert.equal(atTarget.fromUser, '3331234567', 'the transfer target sees the external party');
  assert.equal(atTarget.byeFrom, 'remote');
  assert.equal(atCarrier.byeFrom, 'remote', 'the carrier leg stayed up until the hang-up');
  assert.equal(atCarrier.events.filter((e) => e === 'INVITE_RECEIVED').length, 1, 'one call at the carrier throughout');
});

test("dialDecision agrees with Asterisk's own search of the loaded dialplan", async () => {
  const model = pbx.daemon.service.get();
  const numbers = ['201', '203', '112', '3331234567', '333123456', '00441234567', '0044', '0612345678', '999', '+44'];
  for (const ext of model.extensions) {
    for (const n of numbers) {
      const shown = await pbx.daemon.control.command(`dialplan show ${n}@${dialContext(ext)}`);
      const first = /\[ Included context '([^']+)'/.exec(shown)?.[1];
      const asterisk =
        first === 'pbx-internal' ? 'internal' : first === 'pbx-emergency' ? 'emergency' : first?.startsWith('pbx-rule-') ? 'external' : 'refused';
      const ours = dialDecision(model, ext.number, n);
      assert.equal(ours.kind, asterisk, `${ext.number} dialling ${n}: Asterisk picks ${first}`);
      if (ours.kind === 'external') assert.equal(`pbx-rule-${ours.rule}`, first);
    }
  }
});

test('without a connection to Asterisk, call control answers unavailable', async () => {
  // Real clients that were never started: what the daemon holds while Asterisk is down.
  const logger = createLogger({ level: 'silent' });
  const offline = new CallControl({
    ari: new AriClient({ url: 'http://127.0.0.1:9', username: 'x', password: 'y', app: 'x', logger }),
    ami: new AmiClient({ host: '127.0.0.1', port: 9, username: 'x', secret: 'y', logger }),
    registrations: async () => [],
    config: () => pbx.daemon.service.get(),
    logger,
  });
  const err = await rejects(offline.list(), PbxError);
  assert.equal(err.code, 'unavailable');
  assert.equal((await rejects(offline.clickToCall({ extension: '201', number: '3331234567' }), PbxError)).code, 'unavailable');
});
