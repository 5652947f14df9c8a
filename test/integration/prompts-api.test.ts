// Prompt audio and lookup tables over the real daemon (no Asterisk needed: PBX_ASTERISK=none):
// real uploads converted by the real sox, the stored files checked with soxi, every JSON answer
// checked against the OpenAPI document (test/lib/api.ts). The docs/api.md examples of this part
// run here too, as written.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { startApiDaemon, adminSession, adminToken, type ApiClient, type ApiDaemon } from '../lib/api.ts';
import { PromptStore } from '../../src/media/prompt-store.ts';

const run = promisify(execFile);
const soxi = async (flag: string, file: string) => (await run('soxi', [flag, file])).stdout.trim();
/** sox on this host decodes and encodes MP3 (libsox-fmt-mp3). */
const hasMp3 = async () => / mp3 /.test(` ${(await run('sox', ['--help'])).stdout.replace(/\n/g, ' ')} `);

let d: ApiDaemon;
let api: ApiClient;
let reader: ApiClient;
let work: string;
let mp3 = false;
const files: Record<string, Buffer> = {};
const sounds = () => join(d.dataDir, 'asterisk', 'sounds');
const stored = (name: string, lang: string) => join(sounds(), lang, `${name}.wav`);

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'pbx-prompts-test-'));
  mp3 = await hasMp3();
  // A 1 s 440 Hz tone as a CD-quality stereo WAV (and MP3), far from what Asterisk plays.
  await run('sox', ['-n', '-r', '44100', '-c', '2', join(work, 'tone.wav'), 'synth', '1', 'sine', '440']);
  files.wav = readFileSync(join(work, 'tone.wav'));
  if (mp3) {
    await run('sox', ['-n', '-r', '44100', '-c', '2', join(work, 'tone.mp3'), 'synth', '1', 'sine', '440']);
    files.mp3 = readFileSync(join(work, 'tone.mp3'));
  }
  d = await startApiDaemon();
  const session = await adminSession(d.base, d.dataDir, d.contract);
  api = await adminToken(session);
  const ro = await session.post('/tokens', { name: 'ivr-reader', scopes: { ivr: 'read' } });
  assert.equal(ro.status, 201, ro.text);
  reader = session.with({ token: ro.body.token });
  for (const name of ['main-menu', 'other']) assert.equal((await api.post('/prompts', { name, description: `prompt ${name}` })).status, 201);
});
after(async () => {
  await d?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const upload = (c: ApiClient, name: string, lang: string, body: Buffer, type = 'audio/wav') => c.request('PUT', `/prompts/${name}/audio/${lang}`, body, { 'content-type': type });

test('a 44.1 kHz stereo WAV is stored as 8 kHz mono 16-bit PCM, listed, downloaded', async () => {
  const r = await upload(api, 'main-menu', 'en', files.wav!);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.prompt, 'main-menu');
  assert.equal(r.body.language, 'en');
  assert.ok(Math.abs(r.body.durationSeconds - 1) < 0.05, `duration ${r.body.durationSeconds}`);
  const file = stored('main-menu', 'en');
  assert.equal(r.body.bytes, statSync(file).size);
  assert.equal(await soxi('-r', file), '8000');
  assert.equal(await soxi('-c', file), '1');
  assert.equal(await soxi('-b', file), '16');
  assert.equal(await soxi('-e', file), 'Signed Integer PCM');
  // Asterisk's format_wav wants the plain PCM format tag (1), not WAVE_FORMAT_EXTENSIBLE.
  const head = readFileSync(file).subarray(0, 44);
  assert.equal(head.readUInt16LE(20), 1);
  assert.equal(statSync(file).mode & 0o777, 0o644, 'readable by Asterisk (no rootfs owner here)');

  const list = await api.get('/prompts/main-menu/audio');
  assert.equal(list.status, 200, list.text);
  assert.deepEqual(list.body.languages.map((l: { language: string }) => l.language), ['en']);
  assert.equal(list.body.languages[0].bytes, r.body.bytes);

  const dl = await api.download('/prompts/main-menu/audio/en');
  assert.equal(dl.status, 200);
  assert.match(dl.headers.get('content-type') ?? '', /^audio\/wav/);
  assert.deepEqual(dl.data, readFileSync(file));
  const ro = await reader.download('/prompts/main-menu/audio/en');
  assert.equal(ro.status, 200, 'a reader of the ivr section may listen');

  const audit = await api.get('/audit?action=prompts.audio.upload&objectKey=main-menu');
  assert.equal(audit.body.items.length, 1);
  assert.match(audit.body.items[0].summary, /recording in en uploaded/);
});

test('an MP3 is converted too; languages are listed in the model order', async (t) => {
  if (!mp3) return t.skip('sox on this host has no MP3 support (libsox-fmt-mp3)');
  const r = await upload(api, 'main-menu', 'it', files.mp3!, 'audio/mpeg');
  assert.equal(r.status, 200, r.text);
  const file = stored('main-menu', 'it');
  assert.equal(await soxi('-r', file), '8000');
  assert.equal(await soxi('-c', file), '1');
  assert.equal(await soxi('-b', file), '16');
  const list = await api.get('/prompts/main-menu/audio');
  assert.deepEqual(list.body.languages.map((l: { language: string }) => l.language), ['en', 'it']);
  for (const l of list.body.languages) assert.ok(Math.abs(l.durationSeconds - 1) < 0.1, JSON.stringify(l));
});

test('not audio, truncated, too long, wrong media type: refused, nothing stored or changed', async () => {
  const before = readFileSync(stored('main-menu', 'en'));
  const text = Buffer.from('this is not a recording\n'.repeat(100));
  const truncated = files.wav!.subarray(0, 1000);
  const cases: [string, Buffer, string, RegExp][] = [
    ['text', text, 'audio/wav', /not an audio file/],
    ['truncated', truncated, 'audio/wav', /truncated/],
    ['RIFF header only', files.wav!.subarray(0, 44), 'application/octet-stream', /truncated|no audio/],
    ['MP3 magic, garbage after', Buffer.concat([Buffer.from([0xff, 0xfb, 0x90, 0x64]), text]), 'audio/mpeg', /not audio the box can read/],
  ];
  for (const [what, body, type, message] of cases) {
    for (const name of ['main-menu', 'other']) {
      const r = await upload(api, name, 'en', body, type);
      assert.equal(r.status, 400, `${what}: ${r.text}`);
      assert.equal(r.body.error.code, 'validation_failed');
      assert.equal(r.body.error.fields[0].path, 'audio');
      assert.match(r.body.error.message, message, what);
    }
  }
  // Eleven minutes: under 20 MB at 8 kHz, over the 10 minutes.
  await run('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', join(work, 'long.wav'), 'synth', '660', 'sine', '440']);
  let r = await upload(api, 'other', 'en', readFileSync(join(work, 'long.wav')));
  assert.equal(r.status, 400, r.text);
  assert.match(r.body.error.message, /longer than 10 minutes/);

  r = await upload(api, 'other', 'en', files.wav!, 'text/html');
  assert.equal(r.status, 415, r.text);
  assert.equal(r.body.error.code, 'unsupported_media_type');
  r = await api.request('PUT', '/prompts/other/audio/en', { audio: 'json' });
  assert.equal(r.status, 415, r.text);

  assert.deepEqual(readFileSync(stored('main-menu', 'en')), before, 'the stored recording is unchanged');
  assert.deepEqual((await api.get('/prompts/other/audio')).body.languages, []);
  assert.deepEqual(readdirSync(join(sounds(), 'en')).sort(), ['main-menu.wav'], 'no other file, no .new left behind');
});

test('bodies over 20 MB get 413 before they are stored, with or without Content-Length', async () => {
  const big = Buffer.alloc(21 * 1024 * 1024, 1);
  big.write('RIFF', 0, 'latin1');
  let r = await upload(api, 'other', 'en', big);
  assert.equal(r.status, 413, r.text);
  assert.equal(r.body.error.code, 'payload_too_large');
  assert.equal(r.body.error.fields[0].path, 'audio');

  // Chunked: no Content-Length, the limit is found while reading.
  const chunk = Buffer.alloc(1024 * 1024, 7);
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= 25) return controller.close();
      sent++;
      controller.enqueue(new Uint8Array(chunk));
    },
  });
  const auth = (api as unknown as { auth: { token: string } }).auth;
  const res = await fetch(`${d.base}/api/v1/prompts/other/audio/en`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${auth.token}`, 'content-type': 'audio/wav' },
    body: stream,
    duplex: 'half',
  } as RequestInit);
  assert.equal(res.status, 413);
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'payload_too_large');
  assert.deepEqual((await api.get('/prompts/other/audio')).body.languages, []);
});

test('unknown prompt 404, unknown language 400, a read-only token cannot upload or delete', async () => {
  let r = await upload(api, 'nosuch', 'en', files.wav!);
  assert.equal(r.status, 404, r.text);
  assert.equal((await api.get('/prompts/nosuch/audio')).status, 404);
  assert.equal((await api.download('/prompts/nosuch/audio/en')).status, 404);
  assert.equal((await api.download('/prompts/other/audio/en')).status, 404, 'a prompt without audio in that language');
  r = await upload(api, 'main-menu', 'fr', files.wav!);
  assert.equal(r.status, 400, r.text);
  assert.equal(r.body.error.fields[0].path, 'lang');

  r = await upload(reader, 'other', 'en', files.wav!);
  assert.equal(r.status, 403, r.text);
  assert.equal((await reader.delete('/prompts/main-menu/audio/en')).status, 403);
  assert.equal((await reader.get('/prompts/main-menu/audio')).status, 200);
  assert.deepEqual((await api.get('/prompts/other/audio')).body.languages, []);
});

test('delete one language, then the prompt: its recordings go with it', async () => {
  assert.equal((await upload(api, 'other', 'en', files.wav!)).status, 200);
  assert.equal((await upload(api, 'other', 'it', files.wav!)).status, 200);
  let r = await api.delete('/prompts/other/audio/it');
  assert.equal(r.status, 204, r.text);
  assert.equal(existsSync(stored('other', 'it')), false);
  assert.deepEqual((await api.get('/prompts/other/audio')).body.languages.map((l: { language: string }) => l.language), ['en']);
  assert.equal((await api.delete('/prompts/other/audio/it')).status, 404);
  const audit = await api.get('/audit?action=prompts.audio.delete&objectKey=other');
  assert.equal(audit.body.items.length, 1);

  r = await api.delete('/prompts/other');
  assert.equal(r.status, 200, r.text);
  assert.equal(existsSync(stored('other', 'en')), false, 'the recording of a deleted prompt is removed');
  assert.equal(existsSync(stored('main-menu', 'en')), true, 'other prompts keep theirs');
  // A new prompt of the same name starts without audio.
  assert.equal((await api.post('/prompts', { name: 'other' })).status, 201);
  assert.deepEqual((await api.get('/prompts/other/audio')).body.languages, []);
});

test('the store cleans its temp files and sweeps recordings of prompts that are gone', async () => {
  const dir = mkdtempSync(join(work, 'store-'));
  const tmp = mkdtempSync(join(work, 'tmp-'));
  const store = new PromptStore({ dir, tmpDir: tmp });
  await store.store('keep', 'en', files.wav!);
  await store.store('gone', 'it', files.wav!);
  await assert.rejects(store.store('gone', 'en', Buffer.from('text')), /not an audio file/);
  await assert.rejects(store.store('gone', 'en', files.wav!.subarray(0, 2000)), /truncated/);
  assert.deepEqual(readdirSync(tmp), [], 'no temp directory left, also after a refusal');
  writeFileSync(join(dir, 'en', 'keep.wav.new'), 'half written');
  assert.throws(() => store.path('../etc/passwd', 'en'), /not a prompt name/);
  assert.deepEqual(store.sweep(new Set(['keep'])).sort(), ['en/keep.wav.new', 'it/gone.wav']);
  assert.deepEqual(store.list('keep').map((l) => l.language), ['en']);
  assert.deepEqual(store.list('gone'), []);
});

// ---- lookup tables as CSV ------------------------------------------------------------------

const csv = (c: ApiClient, key: string, text: string, type = 'text/csv') => c.request('PUT', `/lookups/${key}/table`, text, { 'content-type': type });

test('lookup table: CSV in (header, quotes, semicolons), CSV out, audited', async () => {
  const lookup = {
    name: 'customers',
    routes: [
      { name: 'sales', destination: { hangup: true } },
      { name: 'support', destination: { hangup: true } },
    ],
    source: { table: [{ key: '1', route: 'sales' }] },
    fallback: { hangup: true },
  };
  assert.equal((await api.post('/lookups', lookup)).status, 201);
  let r = await csv(api, 'customers', 'key,route\r\n1001,sales\n"1002", "support"\n+390212345678,support\n');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.rows, 3);
  const dl = await api.download('/lookups/customers/table');
  assert.equal(dl.status, 200);
  assert.match(dl.headers.get('content-type') ?? '', /^text\/csv/);
  assert.equal(dl.data.toString('utf8'), 'key,route\r\n1001,sales\r\n1002,support\r\n+390212345678,support\r\n');
  assert.deepEqual((await api.get('/lookups/customers')).body.source.table[2], { key: '+390212345678', route: 'support' });
  const audit = await api.get('/audit?action=lookups.update&objectKey=customers');
  assert.equal(audit.body.items.length, 1);

  r = await csv(api, 'customers', 'key;route\n7;sales\n');
  assert.equal(r.status, 200, r.text);
  assert.equal((await api.download('/lookups/customers/table')).data.toString('utf8'), 'key,route\r\n7,sales\r\n');
});

test('lookup table: errors name their lines, nothing changes; 404, 415, 403', async () => {
  const before = (await api.download('/lookups/customers/table')).data.toString('utf8');
  const revision = (await api.get('/config/status')).body.revision;
  let r = await csv(api, 'customers', 'key,route\n1,sales\n2,x\nabc,support\n1,support\n');
  assert.equal(r.status, 400, r.text);
  assert.deepEqual(
    r.body.error.fields.map((f: { line: number }) => f.line),
    [3, 4, 5],
  );
  assert.equal(r.body.error.fields[0].message, `line 3: route "x" is not one of this lookup's routes (sales, support)`);
  assert.match(r.body.error.fields[1].message, /^line 4: key "abc"/);
  assert.match(r.body.error.fields[2].message, /^line 5: key "1" is also on line 2/);
  r = await csv(api, 'customers', 'key,route\n1,"sales\n');
  assert.equal(r.status, 400, r.text);
  assert.equal(r.body.error.fields[0].line, 2);
  r = await csv(api, 'customers', 'key,route\n');
  assert.equal(r.status, 400, r.text);
  assert.equal((await api.download('/lookups/customers/table')).data.toString('utf8'), before, 'unchanged');
  assert.equal((await api.get('/config/status')).body.revision, revision, 'no new revision');

  assert.equal((await csv(api, 'nosuch', '1,sales\n')).status, 404);
  assert.equal((await api.download('/lookups/nosuch/table')).status, 404);
  r = await api.request('PUT', '/lookups/customers/table', { rows: [] });
  assert.equal(r.status, 415, r.text);
  assert.equal((await csv(reader, 'customers', '1,sales\n')).status, 403);
  assert.equal((await reader.download('/lookups/customers/table')).status, 200);
});

test('lookup table: 100 000 rows are taken, one more is refused', async () => {
  const rows = (n: number) => 'key,route\n' + Array.from({ length: n }, (_, i) => `${100000 + i},${i % 2 ? 'sales' : 'support'}`).join('\n') + '\n';
  let r = await csv(api, 'customers', rows(100_000));
  assert.equal(r.status, 200, r.text.slice(0, 500));
  assert.equal(r.body.rows, 100_000);
  r = await csv(api, 'customers', rows(100_001));
  assert.equal(r.status, 400, r.text.slice(0, 500));
  assert.match(JSON.stringify(r.body.error.fields), /at most 100000 rows/);
});

// ---- docs/api.md, as written ------------------------------------------------------------------

const DOC = readFileSync(resolve(import.meta.dirname, '../../docs/api.md'), 'utf8');
const blocks = new Map([...DOC.matchAll(/```sh doc-test=(\S+)\n([\s\S]*?)```/g)].map((m) => [m[1]!, m[2]!]));

function bash(name: string, env: Record<string, string>): Promise<string[]> {
  const script = blocks.get(name);
  if (!script) throw new Error(`docs/api.md has no block doc-test=${name}`);
  return new Promise((res, rej) => {
    const child = spawn('bash', ['-c', `set -euo pipefail\n${script}`], { cwd: work, env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b));
    child.stderr.on('data', (b: Buffer) => (err += b));
    child.on('close', (code) => (code === 0 ? res(out.trim().split('\n').map((l) => l.replace(/\r$/, ''))) : rej(new Error(`block ${name} failed (${code}): ${err}${out}`))));
  });
}

test('docs/api.md: prompt audio and lookup table examples run as written', async (t) => {
  if (!mp3) return t.skip('the example uploads an MP3');
  const env = { PBX: d.base, TOKEN: (api as unknown as { auth: { token: string } }).auth.token };
  writeFileSync(join(work, 'welcome-en.wav'), files.wav!);
  writeFileSync(join(work, 'benvenuto.mp3'), files.mp3!);
  assert.deepEqual(await bash('prompt-audio', env), ['en', 'it', 'en', 'it', '8000']);
  assert.equal(existsSync(stored('welcome', 'it')), false);
  assert.equal(existsSync(stored('welcome', 'en')), true);

  writeFileSync(join(work, 'customers.csv'), 'key,route\n0212345678,sales\n"0287654321",support\n');
  writeFileSync(join(work, 'bad.csv'), 'key,route\n0212345678,sales\n0299999999,marketing\n');
  assert.deepEqual(await bash('lookup-table', env), ['2', 'key,route', '0212345678,sales', '0287654321,support', 'line 3: route "marketing" is not one of this lookup\'s routes (sales, support)']);
});
