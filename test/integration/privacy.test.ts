// Encryption at rest against a real Asterisk 22, SIPp phones and GnuPG: the privacy admin sets a
// passphrase key, a recorded call is stored as OpenPGP (not WAV), standard gpg decrypts it with
// the downloaded locked private key into the same bytes the API serves after unlock; the admin
// is refused, a locked privacy admin gets 403 'locked'; a key change to a public key made with
// `gpg --quick-gen-key` re-encrypts in the background, after which only the new key opens the files.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPbx, waitFor, type PbxInstance } from '../lib/pbx.ts';
import { runSipp, startSipp, stopAllSipp } from '../lib/sipp.ts';
import { writeCallPcap } from '../lib/call-audio.ts';
import { ApiClient, Contract, adminSession, sessionOf } from '../lib/api.ts';
import type { PbxConfigInput } from '../../src/domain/model.ts';
import type { Recording } from '../../src/domain/recordings.ts';

const PW = (u: string) => `Sip-${[...u].map((c) => 'kmnpqrstvw'[Number(c)] ?? c).join('')}-9x`;
const dev = (u: string) => ({ username: u, password: PW(u) });
const PASSPHRASE = 'Correct-Horse-Privacy-2024';

let pbx: PbxInstance;
let work: string;
let admin: ApiClient;
let dpo: ApiClient;
const seen = new Set<string>();

function config(): PbxConfigInput {
  return {
    system: { name: 'Privacy test', language: 'en' },
    extensions: [
      { number: '201', name: 'Alice', devices: [dev('201')], recording: { mode: 'always', calls: 'all', announce: false } },
      { number: '202', name: 'Bob', devices: [dev('202')] },
    ],
  };
}

/** A 3 s call 201 → 202 that talks; resolves with its stored recording. */
async function recordCall(): Promise<Recording> {
  const callee = await startSipp({ scenario: 'phone-uas.xml', remote: `127.0.0.1:${pbx.sipPort}`, user: '202', password: PW('202'), timeoutMs: 60_000 });
  await callee.waitForRegistration(10_000);
  const pcap = await writeCallPcap(work, `call-${Date.now()}`, 3, []);
  const r = await runSipp({
    scenario: 'uac-dtmf.xml',
    remote: `127.0.0.1:${pbx.sipPort}`,
    service: '202',
    user: '201',
    password: PW('201'),
    dtmf: '1',
    keys: { dtmf_pcap: pcap },
    vars: { dtmf_delay_ms: 300, dtmf_ms: 3000 },
    holdMs: 300,
    rtpEcho: false,
    timeoutMs: 60_000,
  });
  assert.equal(r.ok, true, r.logs);
  await callee.done;
  let found: Recording | undefined;
  await waitFor(
    () => {
      found = pbx.daemon.recordings.list({ limit: 1000, offset: 0 }).items.find((x) => x.state === 'stored' && !seen.has(x.id));
      return found !== undefined;
    },
    30_000,
    'the stored recording',
  );
  seen.add(found!.id);
  return found!;
}

/** The stored file of a recording (clear <id>.wav or encrypted <id>.wav.gpg). */
function storedFile(id: string): string {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name === `${id}.wav` || e.name === `${id}.wav.gpg` ? [join(dir, e.name)] : []));
  const files = walk(join(pbx.dataDir, 'recordings'));
  assert.equal(files.length, 1, `one file of recording ${id}: ${files.join(', ')}`);
  return files[0]!;
}

/** A fresh GnuPG home (what the privacy officer has off the box). */
function gnupgHome(name: string): string {
  const home = join(work, name);
  execFileSync('mkdir', ['-p', home]);
  chmodSync(home, 0o700);
  return home;
}
const gpg = (home: string, args: string[], input?: Buffer | string) =>
  execFileSync('gpg', ['--homedir', home, '--batch', ...args], { ...(input !== undefined ? { input } : {}), maxBuffer: 64 * 1024 * 1024, stdio: ['pipe', 'pipe', 'pipe'] });

async function reencrypted(): Promise<void> {
  await waitFor(async () => (await dpo.get('/privacy')).body.reencryption?.state === 'done', 60_000, 'the re-encryption to finish');
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'privacy-it-'));
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
  dpo = anon.with(sessionOf(await anon.post('/auth/login', { username: 'dpo', password: 'Priv-Officer-4kT-Rzw-77' })));
});
after(async () => {
  await stopAllSipp();
  await pbx?.stop();
  for (const name of ['gnupg-passphrase', 'gnupg-officer']) {
    try {
      execFileSync('gpgconf', ['--homedir', join(work, name), '--kill', 'gpg-agent'], { stdio: 'ignore' });
    } catch {
      // never started
    }
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

let early: Recording;
let late: Recording;
let lateWav: Buffer;

test('passphrase key: a recorded call is stored as OpenPGP that gpg decrypts to the WAV the API serves after unlock', async () => {
  // Recorded before any key: stored clear, encrypted by the background job once a key is set.
  early = await recordCall();
  assert.equal(readFileSync(storedFile(early.id)).subarray(0, 4).toString(), 'RIFF');
  const earlyWav = readFileSync(storedFile(early.id));

  assert.equal((await admin.put('/privacy/key', { mode: 'passphrase', passphrase: PASSPHRASE })).status, 403, 'the admin cannot set the key');
  assert.equal((await dpo.put('/privacy/key', { mode: 'passphrase', passphrase: 'short' })).status, 400);
  const set = await dpo.put('/privacy/key', { mode: 'passphrase', passphrase: PASSPHRASE });
  assert.equal(set.status, 200, set.text);
  assert.equal(set.body.key.mode, 'passphrase');
  assert.match(set.body.key.fingerprint, /^[0-9a-f]{40}$/);
  await reencrypted();
  assert.match(storedFile(early.id), /\.wav\.gpg$/);

  late = await recordCall();
  const file = storedFile(late.id);
  assert.match(file, /\.wav\.gpg$/);
  const stored = readFileSync(file);
  assert.notEqual(stored.subarray(0, 4).toString(), 'RIFF', 'not a WAV on disk');
  assert.equal(stored[0]! & 0x80, 0x80, 'an OpenPGP packet');

  // The admin never; the privacy admin only unlocked.
  assert.equal((await admin.get('/recordings')).status, 403);
  assert.equal((await admin.get(`/recordings/${late.id}/audio`)).status, 403);
  assert.equal((await admin.get('/privacy')).status, 403);
  for (const path of ['/recordings', `/recordings/${late.id}`, `/recordings/${late.id}/audio`]) {
    const res = await dpo.get(path);
    assert.equal(res.status, 403, path);
    assert.equal(res.body.error.code, 'locked', path);
  }
  assert.equal((await dpo.post('/privacy/unlock', { passphrase: 'Not-The-Passphrase-1' })).status, 400);
  const unlock = await dpo.post('/privacy/unlock', { passphrase: PASSPHRASE });
  assert.equal(unlock.status, 200, unlock.text);
  assert.equal((await dpo.get('/privacy')).body.unlocked, true);
  assert.equal((await dpo.get('/recordings')).status, 200);
  const download = await dpo.download(`/recordings/${late.id}/audio`);
  assert.equal(download.status, 200);
  lateWav = download.data;
  assert.equal(lateWav.subarray(0, 4).toString(), 'RIFF');
  assert.equal(lateWav.length, late.size);
  const part = await dpo.request('GET', `/recordings/${late.id}/audio`, undefined, { range: 'bytes=100-199' });
  assert.equal(part.status, 206);
  assert.equal((await dpo.download(`/recordings/${early.id}/audio`)).data.equals(earlyWav), true, 'the file from before the key, encrypted by the job');

  // Off the box: the locked private key imports into GnuPG and decrypts with the passphrase.
  const key = await dpo.download('/privacy/key/private');
  assert.equal(key.status, 200);
  assert.match(key.data.toString(), /BEGIN PGP PRIVATE KEY BLOCK/);
  const home = gnupgHome('gnupg-passphrase');
  writeFileSync(join(work, 'privacy-private-key.asc'), key.data);
  writeFileSync(join(work, 'recording.wav.gpg'), stored);
  gpg(home, ['--import', join(work, 'privacy-private-key.asc')]);
  const decrypted = gpg(home, ['--pinentry-mode', 'loopback', '--passphrase', PASSPHRASE, '--decrypt', join(work, 'recording.wav.gpg')]);
  assert.ok(decrypted.equals(lateWav), 'gpg gives the bytes the API serves');
  assert.equal(decrypted.subarray(8, 12).toString(), 'WAVE');
  // (gpg-agent caches the unlocked key: forget it first, so the wrong passphrase is really tried)
  execFileSync('gpgconf', ['--homedir', home, '--reload', 'gpg-agent']);
  assert.throws(() => gpg(home, ['--pinentry-mode', 'loopback', '--passphrase', 'wrong', '--decrypt', join(work, 'recording.wav.gpg')]));

  // Locking (and a new session) needs the key again.
  assert.equal((await dpo.post('/privacy/lock')).status, 204);
  assert.equal((await dpo.get(`/recordings/${late.id}/audio`)).body.error.code, 'locked');

  // Every access is audited with who, never with the secret.
  const audit = (await admin.get('/audit?actor=dpo&limit=200')).body.items as { action: string; summary: string }[];
  const actions = new Set(audit.map((a) => a.action));
  for (const a of ['privacy.key.set', 'privacy.unlock', 'privacy.unlock.failed', 'privacy.key.private', 'privacy.lock', 'recordings.list', 'recordings.download'])
    assert.ok(actions.has(a), `${a} audited`);
  assert.ok(!JSON.stringify(audit).includes(PASSPHRASE), 'no passphrase in the audit log');
});

test('public-key mode: a key change to a gpg-made key re-encrypts; then only the new key opens the files', async () => {
  const home = gnupgHome('gnupg-officer');
  gpg(home, ['--passphrase', '', '--quick-gen-key', 'Privacy Officer <dpo@example.com>', 'future-default', 'default', 'never']);
  const publicKey = gpg(home, ['--armor', '--export', 'dpo@example.com']).toString();
  const secretKey = gpg(home, ['--pinentry-mode', 'loopback', '--passphrase', '', '--armor', '--export-secret-keys', 'dpo@example.com']).toString();

  const locked = await dpo.put('/privacy/key', { mode: 'publicKey', publicKey });
  assert.equal(locked.status, 403, 'a change needs the session unlocked with the current key');
  assert.equal(locked.body.error.code, 'locked');
  assert.equal((await dpo.post('/privacy/unlock', { passphrase: PASSPHRASE })).status, 200);
  assert.equal((await dpo.put('/privacy/key', { mode: 'publicKey', publicKey: 'not a key' })).status, 400);
  const priv = await dpo.put('/privacy/key', { mode: 'publicKey', publicKey: secretKey });
  assert.equal(priv.status, 400, 'a private key is refused');
  assert.match(priv.body.error.message, /upload the public key only/);
  const changed = await dpo.put('/privacy/key', { mode: 'publicKey', publicKey });
  assert.equal(changed.status, 200, changed.text);
  assert.equal(changed.body.key.mode, 'publicKey');
  await reencrypted();
  assert.equal((await dpo.get('/privacy')).body.reencryption.done >= 2, true);

  for (const [rec, wav] of [[late, lateWav]] as const) {
    const stored = readFileSync(storedFile(rec.id));
    assert.ok(gpg(home, ['--decrypt'], stored).equals(wav), 'the officer\'s own gpg decrypts the re-encrypted file');
    assert.throws(() => gpg(join(work, 'gnupg-passphrase'), ['--pinentry-mode', 'loopback', '--passphrase', PASSPHRASE, '--decrypt'], stored), 'the old key no longer opens it');
  }
  assert.equal((await dpo.get('/privacy/key/private')).status, 404, 'public-key mode: the box has no private key');
  // The session held the old key only: locked for the new one until unlocked with the private key.
  assert.equal((await dpo.get('/recordings')).body.error.code, 'locked');
  const unlock = await dpo.post('/privacy/unlock', { privateKey: secretKey });
  assert.equal(unlock.status, 200, unlock.text);
  assert.ok((await dpo.download(`/recordings/${late.id}/audio`)).data.equals(lateWav));
  assert.equal((await dpo.download(`/recordings/${early.id}/audio`)).status, 200);
  // A recording made now goes to the new key.
  const next = await recordCall();
  const wav = (await dpo.download(`/recordings/${next.id}/audio`)).data;
  assert.equal(wav.subarray(0, 4).toString(), 'RIFF');
  assert.ok(gpg(home, ['--decrypt'], readFileSync(storedFile(next.id))).equals(wav));
});
