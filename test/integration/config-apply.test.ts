// Configuration changes against a real Asterisk 22: pbxctl all-or-nothing, a config Asterisk
// rejects, the supervisor restarting a dead Asterisk. (Calls during applies: calls.test.ts.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { createSocket } from 'node:dgram';
import { freePortBlock, startPbx, waitFor, type PbxInstance } from '../lib/pbx.ts';

const acme = parse(readFileSync(join(import.meta.dirname, '../fixtures/acme.yaml'), 'utf8'));
let pbx: PbxInstance;

before(async () => {
  pbx = await startPbx(acme);
});
after(async () => {
  await pbx?.stop();
});

test('health reports database, Asterisk, AMI, ARI and config as ok', async () => {
  const h = await pbx.health();
  assert.equal(h.status, 'ok');
  for (const part of ['database', 'asterisk', 'ami', 'ari', 'config']) assert.equal(h.parts[part]?.ok, true, part);
  assert.equal(h.parts.asterisk?.state, 'running');
});

test('the HTTP server answers bad requests with 4xx in the standard error shape, never 500', async () => {
  const base = `http://127.0.0.1:${pbx.daemon.httpPort}`;
  const cases: [string, RequestInit, number][] = [
    ['/api/v1/nosuch', {}, 404],
    ['/api/v1/health', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"broken": ' }, 400],
    ['/api/v1/health', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ x: 'y'.repeat(2_000_000) }) }, 413],
  ];
  for (const [path, init, status] of cases) {
    const r = await fetch(base + path, init);
    assert.equal(r.status, status, `${init.method ?? 'GET'} ${path}`);
    const body = (await r.json()) as { error: { code: string; message: string } };
    assert.equal(typeof body.error.code, 'string');
  }
  assert.equal((await pbx.health()).status, 'ok', 'the daemon is still fine');
});

test('Asterisk holds every object the model renders', async () => {
  const endpoints = await pbx.daemon.control.command('pjsip list endpoints');
  for (const e of ['201', '201-soft', '202', 'trunk-carrier1', 'trunk-carrier2']) assert.match(endpoints, new RegExp(`Endpoint:\\s+${e}[/ ]`));
  const dialplan = await pbx.daemon.control.command('dialplan show 201@pbx-internal');
  assert.match(dialplan, /pbx-lib-ext/);
});

test('pbxctl apply of an invalid file names each error with its line and changes nothing', async () => {
  const before = await pbx.pbxctl(['export']);
  const revision = pbx.daemon.service.revision();
  const bad = [
    'system: { name: Acme }',
    'extensions:',
    '  - number: "201"',
    '    name: "Evil\\n[evil]"',
    '    devices: [ { username: "201", password: "short" } ]',
    '  - number: "20x"',
    '    name: Bob',
  ].join('\n');
  const r = await pbx.pbxctl(['apply', '-f', '-'], bad);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /<stdin>:4: extensions\[0\]\.name: must be one line/);
  assert.match(r.stderr, /<stdin>:5: extensions\[0\]\.devices\[0\]\.password: at least 8 characters/);
  assert.match(r.stderr, /<stdin>:6: extensions\[1\]\.number: 2 to 8 digits/);
  assert.equal(pbx.daemon.service.revision(), revision);
  assert.equal((await pbx.pbxctl(['export'])).stdout, before.stdout);
});

test('pbxctl apply of an empty file is refused instead of deleting everything', async () => {
  const revision = pbx.daemon.service.revision();
  const r = await pbx.pbxctl(['apply', '-f', '-'], '');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /the file is empty/);
  assert.equal(pbx.daemon.service.revision(), revision);
});

test('pbxctl apply of a file with a dangling reference is refused whole', async () => {
  const exported = parse((await pbx.pbxctl(['export'])).stdout);
  exported.extensions.push({ number: '250', name: 'New', devices: [{ username: '250', password: 'New-phone-7Kq' }] });
  exported.extensions[0].class = 'nosuch';
  const r = await pbx.pbxctl(['apply', '-f', '-'], JSON.stringify(exported));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /extensions\[0\]\.class: calling class "nosuch" does not exist/);
  const endpoints = await pbx.daemon.control.command('pjsip list endpoints');
  assert.doesNotMatch(endpoints, /Endpoint:\s+250/, 'nothing of the refused file reached Asterisk');
});

test('pbxctl diff shows the change and apply makes it live', async () => {
  const exported = parse((await pbx.pbxctl(['export'])).stdout);
  exported.extensions.push({ number: '260', name: 'Dora', devices: [{ username: '260', password: 'Dora-phone-7Kq' }] });
  const text = JSON.stringify(exported);
  const d = await pbx.pbxctl(['diff', '-f', '-'], text);
  assert.equal(d.code, 0, d.stderr);
  assert.match(d.stdout, /^\+ extension 260$/m);
  const a = await pbx.pbxctl(['apply', '-f', '-'], text);
  assert.equal(a.code, 0, a.stderr);
  assert.match(a.stdout, /applied revision \d+/);
  assert.match(await pbx.daemon.control.command('pjsip list endpoints'), /Endpoint:\s+260\//);
  const audit = pbx.daemon.service.auditLog(1)[0]!;
  assert.equal(audit.source, 'pbxctl');
  assert.deepEqual(audit.changes.map((c) => `${c.change} ${c.key}`), ['added 260']);
  assert.ok(!JSON.stringify(audit).includes('Dora-phone-7Kq'), 'the audit log holds no password');
});

test('a configuration Asterisk rejects leaves the running one untouched and names the object', async () => {
  const gen = pbx.daemon.applier.status.generation!;
  const files: Record<string, string> = {};
  const cfgDir = join(pbx.dataDir, 'asterisk/config/current');
  for (const f of ['pjsip.conf', 'extensions.conf', 'pbx-lib.conf', 'asterisk.conf', 'modules.conf', 'logger.conf', 'manager.conf', 'http.conf', 'ari.conf', 'rtp.conf']) {
    files[f] = readFileSync(join(cfgDir, f), 'utf8');
  }
  // An endpoint with an option Asterisk does not know: it refuses the object.
  const broken = { ...files, 'pjsip.conf': files['pjsip.conf'] + '\n[999]\ntype=endpoint\nno_such_option=yes\n' };
  const r = await pbx.daemon.applier.applyFiles(broken, [{ kind: 'pjsip endpoint', id: '999', owner: 'extension 999' }]);
  assert.equal(r.ok, false);
  assert.deepEqual(r.error?.objects, ['extension 999']);
  assert.ok(r.error?.details.some((d) => /no_such_option|999/.test(d)), JSON.stringify(r.error));
  assert.equal(pbx.daemon.applier.status.generation, gen, 'still on the last good generation');
  const endpoints = await pbx.daemon.control.command('pjsip list endpoints');
  assert.match(endpoints, /Endpoint:\s+201\//, 'the running endpoints are still there');

  // A file Asterisk cannot parse at all is refused before the switch.
  const unparsable = { ...files, 'extensions.conf': files['extensions.conf'] + '\n[broken\nexten => 1,1,NoOp()\n' };
  const r2 = await pbx.daemon.applier.applyFiles(unparsable, []);
  assert.equal(r2.ok, false);
  assert.match(r2.error!.message, /cannot parse extensions\.conf/);
  assert.equal(pbx.daemon.applier.status.generation, gen);
  assert.match(await pbx.daemon.control.command('dialplan show 201@pbx-internal'), /pbx-lib-ext/);

  // Status shows the failure until the next good apply clears it.
  assert.equal((await pbx.health()).parts.config?.state, 'failed');
  const ok = await pbx.daemon.applier.request();
  assert.equal(ok.ok, true);
  assert.equal((await pbx.health()).parts.config?.state, 'applied');
});

test('a configuration Asterisk refuses does not become live through a supervisor restart', async () => {
  const exported = parse((await pbx.pbxctl(['export'])).stdout);
  // Looks like an IPv4 address (so its identify is required, not a DNS warning) but is none:
  // Asterisk cannot take the identify and refuses the configuration.
  exported.trunks.push({ name: 'typo', type: 'ip', host: '999.10.10.10' });
  const r = await pbx.pbxctl(['apply', '-f', '-'], JSON.stringify(exported));
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /did not take pjsip identify trunk-typo/);
  assert.match(r.stderr, /object: trunk typo/);
  assert.match(r.stderr, /the running configuration is unchanged/);
  const running = pbx.daemon.applier.status.generation;

  await pbx.restart();
  await waitFor(async () => (await pbx.health()).parts.config?.state === 'failed', 20_000, 'the refused change to be reported again');
  assert.equal(pbx.daemon.applier.status.generation, running, 'Asterisk runs the last good generation');
  assert.doesNotMatch(await pbx.daemon.control.command('pjsip list endpoints'), /trunk-typo/);

  // Fixing the model applies normally.
  exported.trunks.pop();
  const fixed = await pbx.pbxctl(['apply', '-f', '-'], JSON.stringify(exported));
  assert.equal(fixed.code, 0, fixed.stderr);
  assert.equal((await pbx.health()).status, 'ok');
});

test('when Asterisk dies, the supervisor restarts it and the control plane reconnects', async () => {
  const pid = (await pbx.health()).parts.asterisk?.pid as number;
  assert.ok(pid > 0);
  process.kill(pid, 'SIGKILL');
  await waitFor(async () => (await pbx.health()).parts.asterisk?.state !== 'running', 10_000, 'the death to be noticed');
  await waitFor(async () => {
    const h = await pbx.health();
    return h.status === 'ok' && (h.parts.asterisk?.restarts as number) >= 1 && h.parts.asterisk?.pid !== pid;
  }, 30_000, 'Asterisk to be restarted and AMI/ARI to reconnect');
  const h = await pbx.health();
  assert.equal((h.parts.asterisk?.lastExit as { signal: string }).signal, 'SIGKILL');
  assert.match(await pbx.daemon.control.command('pjsip list endpoints'), /Endpoint:\s+260\//, 'restarted on the latest configuration');
});

test('a SIP port taken by another program at start is reported, not hidden', async () => {
  const port = await freePortBlock(1);
  const squatter = createSocket('udp4');
  await new Promise<void>((r) => squatter.bind(port, '127.0.0.1', () => r()));
  let other: PbxInstance | undefined;
  try {
    other = await startPbx(acme, { sipPort: port, waitHealthy: false });
    await waitFor(async () => (await other!.health()).parts.config?.state === 'failed', 20_000, 'the gap to be reported');
    const h = await other.health();
    assert.equal(h.status, 'unhealthy');
    const error = h.parts.config?.lastError as { message: string; details: string[] };
    assert.match(error.message, /Asterisk started without pjsip transport transport-udp/);
    assert.ok(error.details.some((d) => /Address already in use/.test(d)), JSON.stringify(error));
  } finally {
    squatter.close();
    await other?.stop();
  }
});

test('a carrier host name that does not resolve is a warning, not a refused apply that freezes every later change', async () => {
  const actor = { name: 'test', source: 'test' };
  const trunks = pbx.daemon.resources.collection('trunks');
  // .invalid never resolves (RFC 6761): Asterisk drops the trunk's identify at load.
  const t = await pbx.daemon.resources.create(trunks, { name: 'nodns', type: 'register', host: 'sip.carrier.invalid', username: '0612345678', password: 'Carrier-Secret-99x' }, actor);
  assert.equal(t.apply?.ok, true, JSON.stringify(t.apply));
  assert.ok(t.apply?.warnings?.some((w: string) => w.includes('sip.carrier.invalid') && w.includes('trunk nodns')), JSON.stringify(t.apply));
  assert.ok(pbx.daemon.applier.status.warnings?.length, 'the apply status carries the warning');
  const endpoints = await pbx.daemon.control.command('pjsip list endpoints');
  assert.match(endpoints, /trunk-nodns/, 'the rest of the trunk is live');

  // A later, unrelated change still applies.
  const ext = await pbx.daemon.resources.create(pbx.daemon.resources.collection('extensions'), { number: '299', name: 'After DNS', devices: [{ username: '299', password: 'Sip-After-Dns-77q' }] }, actor);
  assert.equal(ext.apply?.ok, true, JSON.stringify(ext.apply));
  assert.match(await pbx.daemon.control.command('pjsip list endpoints'), /Endpoint:\s+299\//);
  await pbx.daemon.resources.remove(pbx.daemon.resources.collection('extensions'), '299', actor);
  await pbx.daemon.resources.remove(trunks, 'nodns', actor);
  assert.equal(pbx.daemon.applier.status.warnings?.length ?? 0, 0, 'the warning goes with the trunk');
});
