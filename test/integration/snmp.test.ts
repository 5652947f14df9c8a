// The SNMP agent of a running PBX, asked by Debian's net-snmp tools (snmpget, snmpwalk) and
// heard by snmptrapd: enabled through PUT /api/v1/snmp, v2c with a source ACL, v3 authPriv
// (SHA-256/AES), values compared with the API's own status during a real SIPp call, and traps
// when Asterisk dies and comes back. The commands are the ones docs/snmp.md gives.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startPbx, freePortBlock, waitFor, type PbxInstance } from '../lib/pbx.ts';
import { adminSession, adminToken, type ApiClient } from '../lib/api.ts';
import { runSipp, startSipp, stopAllSipp } from '../lib/sipp.ts';

const ROOT = resolve(import.meta.dirname, '../..');
// The repo's MIB, and the IETF SNMPv2 modules it imports (Debian ships the tools without them;
// net-snmp, the npm package, carries copies).
const MIBDIRS = `${ROOT}/rootfs/usr/share/snmp/mibs:${ROOT}/node_modules/net-snmp/lib/mibs`;
const MIB_ARGS = ['-M', MIBDIRS, '-m', 'SNMPv2-MIB:PBX-APPLIANCE-MIB'];
const PW = (u: string) => `Sip-${[...u].map((c) => 'kmnpqrstvw'[Number(c)] ?? c).join('')}-9x`;
const V3 = { name: 'monitor', authKey: 'Auth-Key-0123', privKey: 'Priv-Key-4567' };

let pbx: PbxInstance;
let api: ApiClient;
let agent: string;
let trapPort: number;
let tmp: string;
let trapd: ChildProcess | undefined;
let trapLog = '';

function run(cmd: string, args: string[], timeoutMs = 15_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(cmd, args, { timeout: timeoutMs, env: { ...process.env, SNMPCONFPATH: tmp } }, (err, stdout, stderr) =>
      res({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}
const v2c = (tool: string, community: string, ...args: string[]) => run(tool, ['-v2c', '-c', community, '-t', '2', '-r', '1', ...MIB_ARGS, agent, ...args]);
const v3 = (tool: string, authKey: string, ...args: string[]) =>
  run(tool, ['-v3', '-l', 'authPriv', '-u', V3.name, '-a', 'SHA-256', '-A', authKey, '-x', 'AES', '-X', V3.privKey, '-t', '2', '-r', '1', ...MIB_ARGS, agent, ...args]);
/** The value of one object, as snmpget -Oqv prints it (enumerations by name). */
async function value(name: string): Promise<string> {
  const r = await v2c('snmpget', 'public', '-Oqv', name);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}
/** A number object's value without its UNITS ("1 calls" → 1). */
async function num(name: string): Promise<number> {
  return Number((await value(name)).split(' ')[0]);
}

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'pbx-snmp-'));
  const registrarPort = 27000 + Math.floor(Math.random() * 1000) * 2;
  await startSipp({ scenario: 'mock-registrar.xml', localIp: '127.0.0.7', localPort: registrarPort, timeoutMs: 180_000, keys: { auth_user: '0612345678', auth_pass: 'Carrier-pw1' } });
  pbx = await startPbx({
    system: { name: 'SNMP test' },
    extensions: [
      { number: '201', name: 'Alice', devices: [{ username: '201', password: PW('201') }] },
      { number: '202', name: 'Bob', devices: [{ username: '202', password: PW('202') }] },
    ],
    trunks: [
      { name: 'carrier', type: 'register', host: '127.0.0.7', port: registrarPort, username: '0612345678', password: 'Carrier-pw1', qualify: false },
      { name: 'lan', type: 'ip', host: '127.0.0.2', port: registrarPort + 1, qualify: false },
    ],
    queues: [{ name: 'support', number: '600', members: [{ extension: '201' }] }],
  });
  agent = `udp:127.0.0.1:${pbx.daemon.config.snmpPort}`;
  trapPort = await freePortBlock(1);
  const base = `http://127.0.0.1:${pbx.daemon.httpPort}`;
  api = await adminToken(await adminSession(base, pbx.dataDir));
});

after(async () => {
  trapd?.kill();
  await stopAllSipp();
  await pbx?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('off by default: nothing answers until enabled through PUT /api/v1/snmp', async () => {
  assert.equal((await api.get('/snmp')).body.enabled, false);
  const off = await v2c('snmpget', 'public', 'SNMPv2-MIB::sysName.0');
  assert.notEqual(off.code, 0);

  const put = await api.put('/snmp', {
    enabled: true,
    bindAddress: '127.0.0.1',
    sysName: 'pbx-snmp-test',
    sysLocation: 'Rack 4, room 12',
    sysContact: 'noc@example.com',
    communities: [
      { name: 'public', sources: ['127.0.0.0/8'] },
      { name: 'faraway', sources: ['192.0.2.0/24'] },
    ],
    v3Users: [V3],
    trapReceivers: [{ host: '127.0.0.1', port: trapPort, community: 'public' }],
    diskFullPercent: 99,
  });
  assert.equal(put.status, 200, put.text);
  assert.doesNotMatch(JSON.stringify((await api.get('/snmp')).body), /Auth-Key|Priv-Key/, 'v3 keys are never answered');
  await waitFor(async () => (await v2c('snmpget', 'public', 'SNMPv2-MIB::sysName.0')).code === 0, 15_000, 'the agent to answer');
});

test('v2c: the system group, and the PBX subtree walked with the repo MIB', async () => {
  const sys = await v2c('snmpget', 'public', 'SNMPv2-MIB::sysName.0', 'SNMPv2-MIB::sysLocation.0', 'SNMPv2-MIB::sysContact.0', 'SNMPv2-MIB::sysUpTime.0', 'SNMPv2-MIB::sysObjectID.0');
  assert.equal(sys.code, 0, sys.stderr);
  assert.match(sys.stdout, /sysName\.0 = STRING: pbx-snmp-test/);
  assert.match(sys.stdout, /sysLocation\.0 = STRING: Rack 4, room 12/);
  assert.match(sys.stdout, /sysContact\.0 = STRING: noc@example\.com/);
  assert.match(sys.stdout, /sysUpTime\.0 = Timeticks: \(\d+\)/);
  assert.match(sys.stdout, /sysObjectID\.0 = OID: PBX-APPLIANCE-MIB::pbxApplianceProduct/);

  const walk = await v2c('snmpwalk', 'public', 'PBX-APPLIANCE-MIB::pbxApplianceMIB');
  assert.equal(walk.code, 0, walk.stderr);
  assert.match(walk.stdout, /PBX-APPLIANCE-MIB::pbxAsteriskRunning\.0 = INTEGER: true\(1\)/);
  assert.match(walk.stdout, /PBX-APPLIANCE-MIB::pbxAsteriskVersion\.0 = STRING: 22\./);
  assert.match(walk.stdout, /PBX-APPLIANCE-MIB::pbxDevicesConfigured\.0 = Gauge32: 2/);
  assert.match(walk.stdout, /PBX-APPLIANCE-MIB::pbxTrunkCount\.0 = Gauge32: 2/);
  assert.match(walk.stdout, /PBX-APPLIANCE-MIB::pbxTrunkName\.1 = STRING: carrier/);
  assert.match(walk.stdout, /PBX-APPLIANCE-MIB::pbxTrunkType\.2 = INTEGER: ip\(2\)/);
  assert.match(walk.stdout, /PBX-APPLIANCE-MIB::pbxQueueName\.1 = STRING: support/);
  assert.match(walk.stdout, /PBX-APPLIANCE-MIB::pbxQueueWaitingCallers\.1 = Gauge32: 0 calls/);
  assert.match(walk.stdout, /PBX-APPLIANCE-MIB::pbxQueueMembersLoggedIn\.1 = Gauge32: 1/);
  assert.match(walk.stdout, /PBX-APPLIANCE-MIB::pbxHaRole\.0 = STRING: unknown/);
  assert.match(walk.stdout, /PBX-APPLIANCE-MIB::pbxDiskUsedPercent\.0 = Gauge32: \d+ percent/);
  assert.match(walk.stdout, /PBX-APPLIANCE-MIB::pbxCpuLoadPercent\.0 = Gauge32: \d+ percent/);
  assert.doesNotMatch(walk.stdout, /No Such|noSuch/);

  // Read-only: a set is refused.
  const set = await v2c('snmpset', 'public', 'SNMPv2-MIB::sysName.0', 's', 'changed');
  assert.notEqual(set.code, 0);
  assert.equal(await value('SNMPv2-MIB::sysName.0'), 'pbx-snmp-test');
});

test('a wrong community, or a right one from outside its sources, gets no answer', async () => {
  const wrong = await v2c('snmpget', 'private', 'SNMPv2-MIB::sysName.0');
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr, /Timeout/);
  const elsewhere = await v2c('snmpget', 'faraway', 'SNMPv2-MIB::sysName.0');
  assert.notEqual(elsewhere.code, 0);
  assert.match(elsewhere.stderr, /Timeout/);
  const v1 = await run('snmpget', ['-v1', '-c', 'public', '-t', '2', '-r', '0', ...MIB_ARGS, agent, 'SNMPv2-MIB::sysName.0']);
  assert.notEqual(v1.code, 0, 'v1 is not served');
});

test('v3 authPriv (SHA-256, AES) answers; a wrong key or a lower security level is refused', async () => {
  const ok = await v3('snmpget', V3.authKey, 'SNMPv2-MIB::sysName.0', 'PBX-APPLIANCE-MIB::pbxTrunkCount.0');
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /sysName\.0 = STRING: pbx-snmp-test/);
  assert.match(ok.stdout, /pbxTrunkCount\.0 = Gauge32: 2/);
  const bad = await v3('snmpget', 'Wrong-Key-0000', 'SNMPv2-MIB::sysName.0');
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /Authentication failure|Timeout/);
  const noPriv = await run('snmpget', ['-v3', '-l', 'authNoPriv', '-u', V3.name, '-a', 'SHA-256', '-A', V3.authKey, '-t', '2', '-r', '0', ...MIB_ARGS, agent, 'SNMPv2-MIB::sysName.0']);
  assert.notEqual(noPriv.code, 0);
  const unknownUser = await run('snmpget', ['-v3', '-l', 'authPriv', '-u', 'nobody', '-a', 'SHA-256', '-A', V3.authKey, '-x', 'AES', '-X', V3.privKey, '-t', '2', '-r', '0', ...MIB_ARGS, agent, 'SNMPv2-MIB::sysName.0']);
  assert.notEqual(unknownUser.code, 0);
});

test('values match the running stack: trunk table, registered devices, one active call during a SIPp call', async () => {
  await waitFor(async () => (await api.get('/system/status')).body.trunks.find((t: { name: string }) => t.name === 'carrier')?.state === 'registered', 20_000, 'the register trunk to register');
  const status = (await api.get('/system/status')).body as { trunks: { name: string; state: string }[] };
  const states = await v2c('snmpwalk', 'public', '-Oqv', 'PBX-APPLIANCE-MIB::pbxTrunkState');
  assert.equal(states.code, 0, states.stderr);
  assert.deepEqual(states.stdout.trim().split('\n'), status.trunks.map((t) => t.state));
  assert.deepEqual(status.trunks.map((t) => t.state), ['registered', 'unknown']);

  const phone = await startSipp({ scenario: 'phone-uas.xml', remote: `127.0.0.1:${pbx.sipPort}`, user: '201', password: PW('201'), holdMs: 0, timeoutMs: 60_000 });
  await phone.waitForRegistration(10_000);
  await waitFor(async () => (await num('PBX-APPLIANCE-MIB::pbxDevicesRegistered.0')) === 1, 10_000, 'one registered device over SNMP');
  assert.deepEqual((await api.get('/system/status')).body.devices, { registered: 1, total: 2 });
  const callsBefore = await num('PBX-APPLIANCE-MIB::pbxCallsSinceStart.0');
  assert.equal(await num('PBX-APPLIANCE-MIB::pbxActiveCalls.0'), 0);

  const call = runSipp({ scenario: 'uac-call.xml', remote: `127.0.0.1:${pbx.sipPort}`, service: '201', user: '202', password: PW('202'), holdMs: 5000, timeoutMs: 40_000 });
  await waitFor(async () => (await num('PBX-APPLIANCE-MIB::pbxActiveCalls.0')) === 1, 10_000, 'one active call over SNMP');
  assert.equal((await api.get('/calls')).body.items.length, 1, 'the API lists the same call');
  const result = await call;
  assert.equal(result.ok, true, result.logs);
  await waitFor(async () => (await num('PBX-APPLIANCE-MIB::pbxActiveCalls.0')) === 0, 10_000, 'no active call after the hangup');
  const since = await num('PBX-APPLIANCE-MIB::pbxCallsSinceStart.0');
  assert.ok(since > callsBefore, `calls since start: ${callsBefore} before the call, ${since} after`);
});

test('a device failing SIP authentication counts in pbxSipAuthFailures', async () => {
  const before = await num('PBX-APPLIANCE-MIB::pbxSipAuthFailures.0');
  const r = await runSipp({ scenario: 'register-rejected.xml', remote: `127.0.0.1:${pbx.sipPort}`, user: '202', password: 'Wrong-password1', timeoutMs: 15_000 });
  assert.equal(r.ok, true, r.logs);
  await waitFor(async () => (await num('PBX-APPLIANCE-MIB::pbxSipAuthFailures.0')) > before, 10_000, 'the failure to be counted');
});

/** snmptrapd on the receiver's port, printing what it gets (started once). */
async function startTrapd(): Promise<void> {
  if (trapd) return;
  const conf = join(tmp, 'snmptrapd.conf');
  writeFileSync(conf, 'authCommunity log public\n');
  trapd = spawn('snmptrapd', ['-f', '-Lo', '-C', '-c', conf, ...MIB_ARGS, `udp:127.0.0.1:${trapPort}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  trapd.stdout?.on('data', (d: Buffer) => (trapLog += d.toString()));
  trapd.stderr?.on('data', (d: Buffer) => (trapLog += d.toString()));
  await waitFor(() => /NET-SNMP version/.test(trapLog), 10_000, 'snmptrapd to start');
}

test('traps: pbxTrunkDown when the trunk unregisters, pbxTrunkUp when it registers again', async () => {
  await startTrapd();
  assert.equal((await api.get('/system/status')).body.trunks[0].state, 'registered');
  // Asterisk's own CLI drops and renews the outbound registration (the carrier keeps answering).
  await pbx.daemon.control.command('pjsip send unregister trunk-carrier');
  await waitFor(() => /PBX-APPLIANCE-MIB::pbxTrunkDown/.test(trapLog), 30_000, `the trunk down trap (snmptrapd said: ${trapLog})`);
  assert.match(trapLog, /pbxTrunkDown[^\n]*pbxTrunkName\.1 = STRING: carrier[^\n]*pbxTrunkState\.1 = INTEGER: unregistered\(2\)/);
  await pbx.daemon.control.command('pjsip send register trunk-carrier');
  await waitFor(() => /PBX-APPLIANCE-MIB::pbxTrunkUp/.test(trapLog), 30_000, `the trunk up trap (snmptrapd said: ${trapLog})`);
  assert.match(trapLog, /pbxTrunkUp[^\n]*pbxTrunkName\.1 = STRING: carrier[^\n]*pbxTrunkState\.1 = INTEGER: registered\(1\)/);
});

test('traps: snmptrapd receives pbxAsteriskDown and pbxAsteriskUp when Asterisk dies and is restarted', async () => {
  await startTrapd();
  const pid = (await pbx.health()).parts.asterisk?.pid as number;
  assert.ok(pid > 0);
  process.kill(pid, 'SIGKILL');
  await waitFor(() => /PBX-APPLIANCE-MIB::pbxAsteriskDown/.test(trapLog), 15_000, `the down trap (snmptrapd said: ${trapLog})`);
  await waitFor(() => /PBX-APPLIANCE-MIB::pbxAsteriskUp/.test(trapLog), 30_000, `the up trap (snmptrapd said: ${trapLog})`);
  assert.match(trapLog, /pbxAsteriskDown[\s\S]*pbxAsteriskState\.0 = STRING: failed/);
  assert.match(trapLog, /SNMPv2-MIB::sysUpTime\.0 = Timeticks/);
  await waitFor(async () => (await pbx.health()).status === 'ok', 30_000, 'the PBX to be healthy again');
});

test('a new bind address rebinds the agent', async () => {
  const moved = `udp:127.0.0.2:${pbx.daemon.config.snmpPort}`;
  const r = await api.patch('/snmp', { bindAddress: '127.0.0.2' });
  assert.equal(r.status, 200, r.text);
  await waitFor(async () => (await run('snmpget', ['-v2c', '-c', 'public', '-t', '1', '-r', '0', ...MIB_ARGS, moved, 'SNMPv2-MIB::sysName.0'])).code === 0, 15_000, 'the agent on 127.0.0.2');
  assert.notEqual((await v2c('snmpget', 'public', 'SNMPv2-MIB::sysName.0')).code, 0, 'nothing on 127.0.0.1 any more');
  assert.equal((await api.patch('/snmp', { bindAddress: '127.0.0.1' })).status, 200);
  await waitFor(async () => (await v2c('snmpget', 'public', 'SNMPv2-MIB::sysName.0')).code === 0, 15_000, 'the agent back on 127.0.0.1');
});

test('disabling the agent closes its port', async () => {
  const r = await api.patch('/snmp', { enabled: false });
  assert.equal(r.status, 200, r.text);
  await waitFor(async () => (await v2c('snmpget', 'public', 'SNMPv2-MIB::sysName.0')).code !== 0, 15_000, 'the agent to stop answering');
});
