// Call parking, pickup, in-call transfer codes and music on hold on a real Asterisk 22 with
// SIPp phones. Parking is driven the way desk phones do it: the called phone sends a REFER to
// the park number (phone-uas-refer.xml); another phone dials the slot. Music files go through
// the REST API (real sox conversion) and are then heard by a caller waiting in a queue.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, openSync, readSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startPbx, waitFor, type PbxInstance } from '../lib/pbx.ts';
import { runSipp, startSipp, stopAllSipp, describeSippResult, type SippOptions, type SippProcess, type SippResult } from '../lib/sipp.ts';
import { adminSession, Contract, type ApiClient } from '../lib/api.ts';
import type { PbxConfigInput } from '../../src/domain/model.ts';

const run = promisify(execFile);
const PW = (u: string) => `Sip-${[...u].map((c) => 'kmnpqrstvw'[Number(c)] ?? c).join('')}-9x`;
const dev = (u: string) => ({ username: u, password: PW(u) });

let pbx: PbxInstance;
let api: ApiClient;
let work: string;

const config: PbxConfigInput = {
  system: { name: 'Park pickup music', language: 'en' },
  extensions: [
    { number: '201', name: 'Alice', devices: [dev('201')] },
    { number: '202', name: 'Bob', devices: [dev('202')], pickupGroup: 1 },
    { number: '203', name: 'Carla', devices: [dev('203')], pickupGroup: 1 },
    { number: '204', name: 'Dario', devices: [dev('204')], pickupGroup: 2 },
    { number: '205', name: 'Elena', devices: [dev('205')] },
  ],
  mohClasses: [{ name: 'jazz', description: 'uploaded in the test' }],
  queues: [{ name: 'sales', number: '600', members: [{ extension: '205' }], joinEmpty: true, musicClass: 'jazz', announceFrequency: 0 }],
  services: { parking: { enabled: true, number: '700', firstSlot: '701', slots: 5, timeout: 10, musicClass: 'jazz' } },
};

const remote = () => `127.0.0.1:${pbx.sipPort}`;
const logFile = () => join(pbx.dataDir, 'asterisk', 'log', 'messages.log');
const logMark = () => (existsSync(logFile()) ? statSync(logFile()).size : 0);
function logSince(mark: number): string {
  const size = statSync(logFile()).size;
  const buf = Buffer.alloc(size - mark);
  const fd = openSync(logFile(), 'r');
  try {
    readSync(fd, buf, 0, buf.length, mark);
  } finally {
    closeSync(fd);
  }
  return buf.toString('utf8');
}
const cli = (cmd: string) => pbx.daemon.control.command(cmd);

async function phone(username: string, scenario = 'phone-uas.xml', extra: Partial<SippOptions> = {}): Promise<SippProcess> {
  const p = await startSipp({ scenario, remote: remote(), user: username, password: PW(username), timeoutMs: 60_000, ...extra });
  await p.waitForRegistration(10_000);
  return p;
}

/** A phone that answers its first call and transfers it to `to` with a REFER. */
function referringPhone(username: string, to: string, vars: { stay?: boolean; holdMs?: number } = {}): Promise<SippProcess> {
  return phone(username, 'phone-main.xml', {
    oocScenario: 'phone-uas-refer.xml',
    service: username,
    holdMs: vars.holdMs ?? 0,
    keys: { refer_to: to },
    vars: { refer_after_ms: 1000, stay: vars.stay ? 1 : 0 },
  });
}

function call(from: string, to: string, holdMs: number, timeoutMs = 60_000): Promise<SippResult> {
  return runSipp({ scenario: 'uac-call.xml', remote: remote(), service: to, user: from, password: PW(from), holdMs, timeoutMs });
}

/** Channels Asterisk holds (a call count would miss a lone leg still hanging up). */
async function idle(): Promise<void> {
  await waitFor(async () => /^0 active channels?/m.test(await cli('core show channels count')), 20_000, 'no channels left');
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'pbx-moh-test-'));
  pbx = await startPbx(config);
  const base = `http://127.0.0.1:${pbx.daemon.httpPort}`;
  const doc = (await (await fetch(`${base}/api/v1/openapi.json`)).json()) as ConstructorParameters<typeof Contract>[0];
  const session = await adminSession(base, pbx.dataDir, new Contract(doc));
  const r = await session.post('/tokens', { name: 'services', scopes: { services: 'write', groups: 'write' } });
  assert.equal(r.status, 201, r.text);
  api = session.with({ token: r.body.token });
});
after(async () => {
  await stopAllSipp();
  await pbx?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('music files: an MP3 and a WAV are converted for Asterisk, listed, played back; a non-audio file is refused', async () => {
  await run('sox', ['-n', '-r', '44100', '-c', '2', join(work, 'tone.wav'), 'synth', '2', 'sine', '440']);
  await run('sox', ['-n', '-r', '44100', '-c', '2', join(work, 'tone.mp3'), 'synth', '3', 'sine', '660']);
  const put = (file: string, body: Buffer, type: string) => api.request('PUT', `/moh-classes/jazz/files/${file}`, body, { 'content-type': type });

  const mp3 = await put('intro.mp3', readFileSync(join(work, 'tone.mp3')), 'audio/mpeg');
  assert.equal(mp3.status, 200, mp3.text);
  assert.equal(mp3.body.name, 'intro');
  assert.equal(mp3.body.musicClass, 'jazz');
  assert.ok(Math.abs(mp3.body.durationSeconds - 3) < 0.1, `duration ${mp3.body.durationSeconds}`);
  const wav = await put('loop', readFileSync(join(work, 'tone.wav')), 'audio/wav');
  assert.equal(wav.status, 200, wav.text);

  const dir = join(pbx.dataDir, 'asterisk', 'moh', 'jazz');
  for (const name of ['intro', 'loop']) {
    for (const ext of ['ulaw', 'alaw', 'wav']) assert.ok(existsSync(join(dir, `${name}.${ext}`)), `${name}.${ext} stored`);
    const info = (await run('soxi', [join(dir, `${name}.wav`)])).stdout;
    assert.match(info, /Sample Rate\s*:\s*8000/);
    assert.match(info, /Channels\s*:\s*1/);
    assert.match(info, /16-bit Signed Integer PCM/);
    // Raw G.711: one byte per sample at 8 kHz.
    const seconds = name === 'intro' ? 3 : 2;
    assert.ok(Math.abs(statSync(join(dir, `${name}.ulaw`)).size - 8000 * seconds) < 400, `${name}.ulaw size`);
  }

  const list = await api.get('/moh-classes/jazz/files');
  assert.equal(list.status, 200, list.text);
  assert.deepEqual(list.body.files.map((f: { name: string }) => f.name), ['intro', 'loop']);
  const got = await api.download('/moh-classes/jazz/files/loop');
  assert.equal(got.status, 200);
  assert.equal(got.headers.get('content-type'), 'audio/wav');
  assert.equal(got.data.subarray(0, 4).toString('latin1'), 'RIFF');

  // Played without an apply: Asterisk loaded the class with the uploaded files.
  await waitFor(async () => (await cli('moh show files')).includes('/moh/jazz/intro'), 10_000, 'Asterisk to list the uploaded files');

  const text = await put('notes', Buffer.from('these are my notes, not music\n'.repeat(20)), 'application/octet-stream');
  assert.equal(text.status, 400, text.text);
  assert.match(text.body.error.message, /not an audio file: send a WAV or MP3/);
  assert.equal(existsSync(join(dir, 'notes.wav')), false);
  const badName = await put('..%2Fescape', readFileSync(join(work, 'tone.wav')), 'audio/wav');
  assert.equal(badName.status, 400, badName.text);
  const missing = await api.request('PUT', '/moh-classes/nosuch/files/x', readFileSync(join(work, 'tone.wav')), { 'content-type': 'audio/wav' });
  assert.equal(missing.status, 404, missing.text);

  const del = await api.delete('/moh-classes/jazz/files/loop');
  assert.equal(del.status, 204, del.text);
  assert.equal(existsSync(join(dir, 'loop.ulaw')), false);
  assert.deepEqual((await api.get('/moh-classes/jazz/files')).body.files.map((f: { name: string }) => f.name), ['intro']);
});

test('a caller waiting in a queue with a music class hears that class', async () => {
  const mark = logMark();
  const r = await call('201', '600', 4000);
  assert.equal(r.ok, true, describeSippResult(r));
  await idle();
  const log = logSince(mark);
  assert.match(log, /Started music on hold, class 'jazz', on channel 'PJSIP\/201-/, log.slice(-3000));
});

test('park by REFER to the park number: the slot is announced, its BLF hint shows it, another phone retrieves the call', async () => {
  const mark = logMark();
  const bob = await referringPhone('202', '700');
  const alice = call('201', '202', 60_000);
  await bob.waitForLog(/^TRANSFER_NOTIFY SIP\/2\.0 200/, 20_000);
  await waitFor(async () => /PJSIP\/201-/.test(await cli('parking show default')), 10_000, 'Alice parked in the lot');
  assert.match(await cli('parking show default'), /701/);
  assert.match(await cli('core show hint 701'), /701@pbx-park\s*:\s*park:701@pbx-park\s+State:InUse/);
  const bobDone = await bob.done;
  assert.equal(bobDone.ok, true, describeSippResult(bobDone));
  let log = logSince(mark);
  // The parker hears the slot; the parked caller hears the lot's music class.
  assert.match(log, /Parking 'PJSIP\/201-[^']*' in 'default' at space 701/, log.slice(-4000));
  assert.match(log, /<PJSIP\/202-[^>]*> Playing 'digits\/7\./);
  assert.match(log, /Started music on hold, class 'jazz', on channel 'PJSIP\/201-/);

  const carla = await call('203', '701', 2000);
  assert.equal(carla.ok, true, describeSippResult(carla));
  const a = await alice;
  assert.equal(a.ok, true, describeSippResult(a));
  assert.equal(a.byeFrom, 'remote', 'Alice was connected to Carla, who hung up');
  log = logSince(mark);
  assert.match(log, /ParkedCall\("PJSIP\/203-[^"]*", "default,701"\)/);
  assert.doesNotMatch(await cli('parking show default'), /PJSIP\/201-/);
  assert.match(await cli('core show hint 701'), /State:Idle/);
  await idle();
});

test('a parked call nobody retrieves comes back to the phone that parked it', async () => {
  const mark = logMark();
  const bob = await referringPhone('202', '700', { stay: true, holdMs: 1500 });
  const alice = call('201', '202', 60_000);
  await bob.waitForLog(/^TRANSFER_NOTIFY SIP\/2\.0 200/, 20_000);
  await waitFor(async () => /PJSIP\/201-/.test(await cli('parking show default')), 10_000, 'Alice parked');
  // Parking time 10 s: then the lot rings Bob again; he answers and hangs up after 1.5 s.
  const b = await bob.done;
  assert.equal(b.ok, true, describeSippResult(b));
  const invites = b.messages.filter((m) => m.direction === 'received' && m.method === 'INVITE' && !/;\s*tag=/i.test(m.headers['to']?.[0] ?? ''));
  assert.equal(invites.length, 2, describeSippResult(b));
  const a = await alice;
  assert.equal(a.ok, true, describeSippResult(a));
  assert.equal(a.byeFrom, 'remote');
  const log = logSince(mark);
  assert.match(log, /park-dial/, 'the lot dialled the parker back');
  await idle();
});

test('directed pickup: the code and the extension answer the call ringing there', async () => {
  const mark = logMark();
  const bob = await phone('202', 'phone-uas-noanswer.xml');
  const alice = call('201', '202', 3000);
  await bob.waitForLog('INVITE_RECEIVED', 10_000);
  const dario = await call('204', '**202', 1500);
  assert.equal(dario.ok, true, describeSippResult(dario));
  const b = await bob.done;
  assert.equal(b.cancelled, true, describeSippResult(b));
  const a = await alice;
  assert.equal(a.ok, true, describeSippResult(a));
  assert.match(logSince(mark), /Pickup\("PJSIP\/204-[^"]*", "202@PICKUPMARK"\)/);
  await idle();
});

test('group pickup: a phone of the same pickup group takes the ringing call; another group cannot', async () => {
  const bob = await phone('202', 'phone-uas-noanswer.xml');
  const alice = call('201', '202', 3000);
  await bob.waitForLog('INVITE_RECEIVED', 10_000);
  const other = await runSipp({ scenario: 'uac-call-expect-fail.xml', remote: remote(), service: '*8', user: '204', password: PW('204'), timeoutMs: 20_000 });
  assert.equal(other.finalStatus, 480, describeSippResult(other));
  const carla = await call('203', '*8', 1500);
  assert.equal(carla.ok, true, describeSippResult(carla));
  assert.equal((await bob.done).cancelled, true);
  const a = await alice;
  assert.equal(a.ok, true, describeSippResult(a));
  await idle();
});

test('in-call blind transfer code: the caller keys ## and a number, the called party is transferred there', async () => {
  assert.match(await cli('features show'), /Blind Transfer\s+#\s+##/);
  const mark = logMark();
  const bob = await phone('202', 'phone-uas.xml');
  const carla = await phone('203', 'phone-uas.xml', { holdMs: 1500 });
  const alice = await runSipp({ scenario: 'uac-dtmf.xml', remote: remote(), service: '202', user: '201', password: PW('201'), dtmf: '##203', holdMs: 8000, timeoutMs: 40_000 });
  assert.equal(alice.answered, true, describeSippResult(alice));
  const c = await carla.done;
  assert.equal(c.ok, true, describeSippResult(c));
  assert.equal(c.fromUser !== undefined, true);
  const b = await bob.done;
  assert.equal(b.ok, true, describeSippResult(b));
  assert.match(logSince(mark), /Blind transfer|blind transfer/i);
  await idle();
});
