// Call recording through a real Asterisk 22: SIPp phones talk (a tone played from a pcap, the
// callee echoes it back) and key the in-call code; MixMonitor records, the supervisor stores the
// file and indexes it; the privacy admin lists, downloads and deletes through the API, the admin
// is refused. Durations are the length of the audio in the files (soxi), not timings of ours.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, existsSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPbx, udpListening, waitFor, type PbxInstance } from '../lib/pbx.ts';
import { runSipp, startSipp, stopAllSipp, type SippProcess, type SippResult } from '../lib/sipp.ts';
import { writeCallPcap, type KeyPress } from '../lib/call-audio.ts';
import { ApiClient, Contract, adminSession, sessionOf } from '../lib/api.ts';
import type { PbxConfigInput } from '../../src/domain/model.ts';
import type { Recording } from '../../src/domain/recordings.ts';

const PW = (u: string) => `Sip-${[...u].map((c) => 'kmnpqrstvw'[Number(c)] ?? c).join('')}-9x`;
const dev = (u: string) => ({ username: u, password: PW(u) });

let pbx: PbxInstance;
let carrierPort: number;
let pcapDir: string;
let admin: ApiClient;
let dpo: ApiClient;
let dpoCookie: string;

function config(): PbxConfigInput {
  return {
    system: { name: 'Recording test', language: 'en' },
    extensions: [
      { number: '201', name: 'Alice', devices: [dev('201')], recording: { mode: 'always', calls: 'all', announce: false } },
      { number: '202', name: 'Bob', devices: [dev('202')] },
      { number: '203', name: 'Carla', devices: [dev('203')], recording: { mode: 'onDemand', calls: 'all', announce: true } },
      { number: '204', name: 'Dario', devices: [dev('204')], recording: { mode: 'always', calls: 'external', announce: false } },
      { number: '205', name: 'Elena', class: 'national', devices: [dev('205')] },
      { number: '206', name: 'Fabio', devices: [dev('206')] },
    ],
    ringGroups: [{ name: 'sales', number: '600', strategy: 'all', members: [{ extension: '206' }], ringTime: 30, recording: { mode: 'always', calls: 'all', announce: true } }],
    queues: [{ name: 'support', number: '610', strategy: 'ringall', memberRingTime: 10, members: [{ extension: '206' }], announceFrequency: 0, recording: { mode: 'always', calls: 'internal', announce: false } }],
    trunks: [{ name: 'carrier1', type: 'ip', host: '127.0.0.2', port: carrierPort, qualify: false }],
    inboundRoutes: [{ did: '0612345678', destination: { extension: '204' } }],
    outbound: {
      rules: [{ name: 'mobile', patterns: ['3XXXXXXXXX'], trunks: ['carrier1'], recording: { mode: 'always', calls: 'external', announce: false } }],
      classes: [{ name: 'national', rules: ['mobile'] }],
    },
  };
}

const remote = () => `127.0.0.1:${pbx.sipPort}`;

async function phone(username: string): Promise<SippProcess> {
  const p = await startSipp({ scenario: 'phone-uas.xml', remote: remote(), user: username, password: PW(username), timeoutMs: 60_000 });
  await p.waitForRegistration(10_000);
  return p;
}

/**
 * A call that talks: the caller plays `seconds` of tone (and keys `keys`) from the answer on,
 * then hangs up after `holdMs` more. The callee's phone echoes the audio back.
 * `from` undefined: a carrier on 127.0.0.2 calling the DID `to`.
 */
async function talk(from: string | undefined, to: string, seconds: number, keys: KeyPress[] = [], holdMs = 300): Promise<SippResult> {
  const pcap = await writeCallPcap(pcapDir, `call-${from ?? 'trunk'}-${to}-${Date.now()}`, seconds, keys);
  return runSipp({
    scenario: 'uac-dtmf.xml',
    remote: remote(),
    service: to,
    ...(from ? { user: from, password: PW(from) } : { localIp: '127.0.0.2', caller: '0398765432' }),
    // The wrapper's own pcap is replaced by the call's (tone and keys); its timing with it.
    dtmf: '1',
    keys: { dtmf_pcap: pcap },
    vars: { dtmf_delay_ms: 300, dtmf_ms: Math.round(seconds * 1000) },
    holdMs,
    // Caller and callee both echoing would bounce the audio between them for ever.
    rtpEcho: false,
    timeoutMs: 60_000,
  });
}

const recordings = () => pbx.daemon.recordings.list({ limit: 1000, offset: 0 }).items;
/** Waits for the stored recording of a call `caller` → `callee` not in `seen`. */
async function storedRecording(caller: string, callee: string, seen: Set<string>): Promise<Recording> {
  let found: Recording | undefined;
  await waitFor(
    () => {
      found = recordings().find((r) => r.caller === caller && r.callee === callee && r.state === 'stored' && !seen.has(r.id));
      return found !== undefined;
    },
    30_000,
    `the stored recording of ${caller} → ${callee}`,
  );
  seen.add(found!.id);
  return found!;
}

/** The stored file of a recording: <dataDir>/recordings/<yyyy>/<mm>/<dd>/<id>.wav. */
function storedFile(id: string): string {
  const root = join(pbx.dataDir, 'recordings');
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name === `${id}.wav` ? [join(dir, e.name)] : []));
  const [file] = walk(root);
  assert.ok(file, `the file of recording ${id} is in the storage`);
  return file;
}

const soxSeconds = (file: string) => Number(execFileSync('soxi', ['-D', file], { encoding: 'utf8' }).trim());

const seen = new Set<string>();

before(async () => {
  pcapDir = mkdtempSync(join(tmpdir(), 'rec-pcap-'));
  carrierPort = 25000 + Math.floor(Math.random() * 1000) * 2;
  pbx = await startPbx(config());
  const base = `http://127.0.0.1:${pbx.daemon.httpPort}`;
  const contract = new Contract((await (await fetch(`${base}/api/v1/openapi.json`)).json()) as ConstructorParameters<typeof Contract>[0]);
  admin = await adminSession(base, pbx.dataDir, contract);
  const made = await pbx.pbxctl(['add-user', 'dpo', 'privacy-admin']);
  const once = /one-time password: (\S+)/.exec(made.stdout)?.[1];
  assert.ok(once, made.stdout + made.stderr);
  const anon = new ApiClient(base, {}, contract);
  const first = anon.with(sessionOf(await anon.post('/auth/login', { username: 'dpo', password: once })));
  assert.equal((await first.post('/auth/password', { currentPassword: once, newPassword: 'Priv-Officer-4kT-Rzw-77' })).status, 204);
  const session = sessionOf(await anon.post('/auth/login', { username: 'dpo', password: 'Priv-Officer-4kT-Rzw-77' }));
  dpoCookie = session.cookie;
  dpo = anon.with(session);
});
after(async () => {
  await stopAllSipp();
  await pbx?.stop();
  if (pcapDir) rmSync(pcapDir, { recursive: true, force: true });
});

test('policy always: a call between two extensions is recorded, stored and indexed', async () => {
  const callee = await phone('202');
  const r = await talk('201', '202', 4);
  assert.equal(r.ok, true, r.logs);
  assert.equal((await callee.done).ok, true);
  const rec = await storedRecording('201', '202', seen);
  assert.equal(rec.direction, 'internal');
  assert.equal(rec.mode, 'always');
  assert.equal(rec.policy, 'caller/201', 'the caller extension\'s policy made it');
  assert.match(rec.uniqueId, /^[0-9.]+$/);
  assert.match(rec.linkedId, /^[0-9.]+$/);
  assert.ok(rec.id.startsWith(`${rec.uniqueId}-`), rec.id);
  const file = storedFile(rec.id);
  const seconds = soxSeconds(file);
  // The audio the caller played (4 s): the bridge carried it, MixMonitor kept it.
  assert.ok(seconds > 3.2 && seconds < 5.2, `recorded ${seconds} s of a 4 s conversation`);
  assert.equal(rec.size, statSync(file).size);
  assert.ok(Math.abs(rec.durationMs! / 1000 - seconds) < 0.1, `indexed ${rec.durationMs} ms, soxi says ${seconds} s`);
  assert.equal(statSync(file).mode & 0o777, 0o600, 'only the supervisor reads stored recordings');
  // Nothing is left behind in the staging area.
  const staging = join(pbx.dataDir, 'asterisk', 'spool', 'pbx-recordings');
  assert.deepEqual([...readdirSync(join(staging, 'live')), ...readdirSync(join(staging, 'done'))], []);
});

test('on demand: the in-call code starts and stops the recording (shorter than the call)', async () => {
  const callee = await phone('202');
  // 9 s of talk; *1 after 2 s starts, *1 after 5.5 s stops.
  const r = await talk('203', '202', 9, [
    { atMs: 2000, key: '*' },
    { atMs: 2400, key: '1' },
    { atMs: 5500, key: '*' },
    { atMs: 5900, key: '1' },
  ]);
  assert.equal(r.ok, true, r.logs);
  await callee.done;
  const rec = await storedRecording('203', '202', seen);
  assert.equal(rec.mode, 'onDemand');
  assert.equal(rec.policy, 'caller/203');
  const seconds = soxSeconds(storedFile(rec.id));
  assert.ok(seconds > 1.5 && seconds < 6, `recorded ${seconds} s between the codes of a 9 s call`);
});

test('on demand: the other party\'s code stops the recording where it runs; a new press starts another', async () => {
  // The callee keys *1 after 5 s of its own talk: its code runs on the caller's channel, while
  // the recording (started by the caller's code) runs on the callee's: the supervisor stops it.
  const calleePcap = await writeCallPcap(pcapDir, `callee-${Date.now()}`, 7, [
    { atMs: 5000, key: '*' },
    { atMs: 5400, key: '1' },
  ]);
  const callee = await startSipp({
    scenario: 'phone-main.xml',
    oocScenario: 'phone-uas-dtmf.xml',
    remote: remote(),
    service: '202',
    user: '202',
    password: PW('202'),
    keys: { dtmf_pcap: calleePcap },
    vars: { dtmf_delay_ms: 300, dtmf_ms: 7000 },
    // The caller hangs up (a client-mode run would hang up after 1 s of talk by default).
    holdMs: 0,
    rtpEcho: false,
    timeoutMs: 60_000,
  });
  await callee.waitForRegistration(10_000);
  const r = await talk('203', '202', 11, [
    { atMs: 2000, key: '*' },
    { atMs: 2400, key: '1' },
    { atMs: 8000, key: '*' },
    { atMs: 8400, key: '1' },
  ]);
  assert.equal(r.ok, true, r.logs);
  await callee.done;
  const first = await storedRecording('203', '202', seen);
  const second = await storedRecording('203', '202', seen);
  assert.equal(first.linkedId, second.linkedId, 'two recordings of one call');
  assert.deepEqual([first.id.split('-').at(-1), second.id.split('-').at(-1)].sort(), ['1', '2']);
  const [a, b] = [first, second].sort((x, y) => x.id.localeCompare(y.id));
  const s1 = soxSeconds(storedFile(a!.id));
  const s2 = soxSeconds(storedFile(b!.id));
  assert.ok(s1 > 1 && s1 < 5.5, `the first recording ran from the caller's code to the callee's: ${s1} s`);
  assert.ok(s2 > 1 && s2 < 5, `the second from the caller's next code to the end: ${s2} s`);
});

test('policy external: an internal call is not recorded, a call from the trunk is', async () => {
  const callee = await phone('202');
  const internal = await talk('204', '202', 2);
  assert.equal(internal.ok, true, internal.logs);
  await callee.done;
  // A recorded call after it: its file is handled after any file of the first call would be.
  const next = await phone('202');
  assert.equal((await talk('201', '202', 2)).ok, true);
  await next.done;
  await storedRecording('201', '202', seen);
  assert.equal(recordings().filter((x) => x.caller === '204').length, 0, 'the internal call of 204 was not recorded');

  // From outside, on the DID of 204: recorded, direction in.
  const dario = await phone('204');
  const inbound = await talk(undefined, '0612345678', 3);
  assert.equal(inbound.ok, true, inbound.logs);
  await dario.done;
  const rec = await storedRecording('0398765432', '204', seen);
  assert.equal(rec.direction, 'in');
  assert.equal(rec.policy, 'ext/204');
  assert.ok(soxSeconds(storedFile(rec.id)) > 2);
});

test('a ring group that always records, with the announcement: one recording, the member who answered', async () => {
  const member = await phone('206');
  const r = await talk('205', '600', 3);
  assert.equal(r.ok, true, r.logs);
  await member.done;
  const rec = await storedRecording('205', '206', seen);
  assert.equal(rec.policy, 'group/sales');
  assert.equal(rec.mode, 'always');
  assert.ok(soxSeconds(storedFile(rec.id)) > 2);
  // Dial's A option: both parties heard the announcement (beep) before the bridge.
  const log = readFileSync(join(pbx.dataDir, 'asterisk', 'log', 'messages.log'), 'utf8');
  assert.match(log, /<PJSIP\/205-[0-9a-f]+> Playing 'beep/);
  assert.match(log, /<PJSIP\/206-[0-9a-f]+> Playing 'beep/);
  assert.equal(recordings().filter((x) => x.linkedId === rec.linkedId).length, 1, 'one recording of the call');
});

test('a queue that records internal calls: the agent\'s answer starts it', async () => {
  const agent = await phone('206');
  const r = await talk('205', '610', 4);
  assert.equal(r.ok, true, r.logs);
  await agent.done;
  const rec = await storedRecording('205', '206', seen);
  assert.equal(rec.policy, 'queue/support');
  assert.equal(rec.direction, 'internal');
  assert.ok(soxSeconds(storedFile(rec.id)) > 1.5);
  assert.equal(recordings().filter((x) => x.linkedId === rec.linkedId).length, 1, 'one recording of the call');
});

test('an outbound rule that records external calls: recorded on the trunk, direction out', async () => {
  const carrier = await startSipp({ scenario: 'carrier-uas.xml', localIp: '127.0.0.2', localPort: carrierPort, timeoutMs: 60_000 });
  await waitFor(() => udpListening('127.0.0.2', carrierPort), 5000, 'the carrier');
  const r = await talk('205', '3331234567', 3);
  assert.equal(r.ok, true, r.logs);
  await carrier.done;
  const rec = await storedRecording('205', '3331234567', seen);
  assert.equal(rec.direction, 'out');
  assert.equal(rec.policy, 'out/3331234567');
  assert.ok(soxSeconds(storedFile(rec.id)) > 2);
});

test('recordings API: the admin is refused; the privacy admin lists, downloads and deletes, audited', async () => {
  assert.ok(seen.size >= 3, 'recordings from the tests above');
  assert.equal((await admin.get('/recordings')).status, 403);
  const some = [...seen][0]!;
  assert.equal((await admin.get(`/recordings/${some}`)).status, 403);
  assert.equal((await admin.get(`/recordings/${some}/audio`)).status, 403);
  assert.equal((await admin.delete(`/recordings/${some}`)).status, 403);

  const list = await dpo.get('/recordings?number=202&direction=internal');
  assert.equal(list.status, 200);
  assert.ok(list.body.items.length >= 2);
  assert.ok(list.body.items.every((x: Recording) => x.direction === 'internal' && (x.caller === '202' || x.callee === '202')));
  const inbound = (await dpo.get('/recordings?direction=in')).body.items as Recording[];
  assert.ok(inbound.length >= 1 && inbound.every((x) => x.direction === 'in'));
  const paged = await dpo.get('/recordings?limit=1&offset=1');
  assert.equal(paged.body.items.length, 1);
  assert.ok(paged.body.total >= 3);

  const rec = list.body.items[0] as Recording;
  const one = await dpo.get(`/recordings/${rec.id}`);
  assert.equal(one.status, 200);
  assert.deepEqual(one.body, rec);

  const file = storedFile(rec.id);
  const audio = await dpo.download(`/recordings/${rec.id}/audio`);
  assert.equal(audio.status, 200);
  assert.equal(audio.headers.get('content-type'), 'audio/wav');
  assert.ok(audio.data.equals(readFileSync(file)), 'the download is the stored file');
  const part = await fetch(`${dpo.base}/api/v1/recordings/${rec.id}/audio`, { headers: { cookie: dpoCookie, range: 'bytes=0-43' } });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get('content-range'), `bytes 0-43/${rec.size}`);
  assert.ok(Buffer.from(await part.arrayBuffer()).equals(readFileSync(file).subarray(0, 44)));

  assert.equal((await dpo.delete(`/recordings/${rec.id}`)).status, 204);
  assert.equal(existsSync(file), false, 'the file is gone');
  assert.equal((await dpo.get(`/recordings/${rec.id}`)).status, 404);
  assert.equal((await dpo.get('/recordings/not-a-recording')).status, 400);

  // Every access is in the audit log, with who: readable by the admin, without the parties.
  const audit = (await admin.get('/audit?actor=dpo&limit=100')).body.items as { action: string; objectKey?: string; summary: string }[];
  const actions = new Set(audit.map((a) => a.action));
  for (const a of ['recordings.list', 'recordings.read', 'recordings.download', 'recordings.delete']) assert.ok(actions.has(a), `${a} audited`);
  assert.ok(audit.some((a) => a.action === 'recordings.delete' && a.objectKey === rec.id));
  assert.ok(!audit.some((a) => a.summary.includes('0398765432')), 'audit entries do not name the parties');
});
