// docs/api.md's examples, run as written (bash, curl, jq) against a real PBX: Asterisk 22, a
// SIPp phone that answers, a SIPp carrier. If the documentation drifts from the API, this fails.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startPbx, waitFor, type PbxInstance, udpListening } from '../lib/pbx.ts';
import { startSipp, stopAllSipp, type SippProcess } from '../lib/sipp.ts';

const DOC = readFileSync(resolve(import.meta.dirname, '../../docs/api.md'), 'utf8');
const blocks = new Map([...DOC.matchAll(/```sh doc-test=(\S+)\n([\s\S]*?)```/g)].map((m) => [m[1]!, m[2]!]));

let pbx: PbxInstance;
let carrierPort: number;
let work: string;
const env: Record<string, string> = {};

function bash(name: string): { done: Promise<{ code: number | null; stdout: string; stderr: string }>; stdout: () => string; kill: () => void } {
  const script = blocks.get(name);
  if (!script) throw new Error(`docs/api.md has no block doc-test=${name}`);
  const child = spawn('bash', ['-c', `set -euo pipefail\n${script}`], { cwd: work, env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((res) => child.on('close', (code) => res({ code, stdout, stderr })));
  return { done, stdout: () => stdout, kill: () => child.kill('SIGTERM') };
}

async function run(name: string): Promise<string[]> {
  const r = await bash(name).done;
  assert.equal(r.code, 0, `block ${name} failed: ${r.stderr}${r.stdout}`);
  return r.stdout.trim().split('\n');
}


before(async () => {
  carrierPort = 29000 + Math.floor(Math.random() * 500) * 2;
  pbx = await startPbx({
    trunks: [{ name: 'carrier1', type: 'ip', host: '127.0.0.2', port: carrierPort, qualify: false }],
    outbound: { rules: [{ name: 'landline', patterns: ['0[1-9]X.'], trunks: ['carrier1'] }], classes: [{ name: 'national', rules: ['landline'] }] },
  });
  await waitFor(async () => (await pbx.health()).parts.ari?.ok === true, 30_000, 'ARI');
  work = mkdtempSync(join(tmpdir(), 'pbx-docs-'));
  env.PBX = `http://127.0.0.1:${pbx.daemon.httpPort}`;
  env.ONE_TIME_PASSWORD = readFileSync(join(pbx.dataDir, 'initial-admin-password'), 'utf8').trim();
  env.NEW_PASSWORD = 'Docs-Example-Pass-7Qx';
});
after(async () => {
  await stopAllSipp();
  await pbx?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('docs/api.md: token, extension, events, click-to-call, hang-up, audit log, revert', async () => {
  const token = (await run('token')).at(-1)!;
  assert.match(token, /^pbx_/);
  env.TOKEN = token;

  assert.deepEqual(await run('create-extension'), ['201', 'true']);
  const ext = (await (await fetch(`${env.PBX}/api/v1/extensions/201`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
    devices: { username: string; password: string }[];
  };
  const alice = ext.devices[0]!;

  const phone: SippProcess = await startSipp({ scenario: 'phone-uas.xml', remote: `127.0.0.1:${pbx.sipPort}`, user: alice.username, password: alice.password, timeoutMs: 60_000 });
  await phone.waitForRegistration(10_000);
  const carrier = await startSipp({ scenario: 'carrier-uas.xml', localIp: '127.0.0.2', localPort: carrierPort, timeoutMs: 60_000 });
  await waitFor(() => udpListening('127.0.0.2', carrierPort), 5000, 'the carrier to listen');

  const events = bash('subscribe');
  await waitFor(() => events.stdout().includes('pbx event stream'), 10_000, 'the event stream');

  const [callId] = await run('click-to-call');
  assert.ok(callId && callId !== 'null', 'a call id');
  env.CALL_ID = callId;
  await carrier.waitForLog('ANSWERED', 20_000);
  await waitFor(() => events.stdout().includes('event: call.answered'), 15_000, 'call.answered on the stream');
  await run('hangup');
  await waitFor(() => events.stdout().includes('event: call.hangup'), 15_000, 'call.hangup on the stream');
  events.kill();
  const received = [...events.stdout().matchAll(/event: (\S+)\ndata: (.*)\n/g)].map((m) => ({ type: m[1]!, data: JSON.parse(m[2]!) }));
  assert.ok(received.some((e) => e.type === 'call.ringing' && e.data.extension === '201'), JSON.stringify(received));
  assert.ok(received.every((e) => e.data.callId === callId || e.data.extensions?.includes('201')), 'only calls of extension 201');
  assert.equal(received.find((e) => e.type === 'call.hangup')?.data.callId, callId);

  // A client that connects late asks for the recent events first.
  const ctl = new AbortController();
  const res = await fetch(`${env.PBX}/api/v1/events?extension=201&recent=20`, { headers: { authorization: `Bearer ${token}` }, signal: ctl.signal });
  const reader = res.body!.getReader();
  let replay = '';
  while (!replay.includes('event: call.hangup')) {
    const { value, done } = await reader.read();
    if (done) break;
    replay += Buffer.from(value).toString('utf8');
  }
  ctl.abort();
  assert.match(replay, new RegExp(`"callId":"${callId}"`), 'the replay holds the call');

  const audit = await run('audit');
  assert.ok(audit.some((l) => / token:crm extensions\.create /.test(l)), audit.join('\n'));

  assert.deepEqual(await run('revert'), ['Alice Rossi']);
  const after = (await (await fetch(`${env.PBX}/api/v1/extensions/201`, { headers: { authorization: `Bearer ${token}` } })).json()) as { name: string };
  assert.equal(after.name, 'Alice Rossi');
});
