// The SNMP adapter on its own (no Asterisk): a real UDP agent asked by net-snmp's snmpget with
// wrong keys, users and communities; nothing it logs holds a key or community; a port in use
// is reported, not thrown.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { SnmpAgent } from '../../src/snmp/agent.ts';
import { snmpSchema } from '../../src/domain/model.ts';
import type { PbxSnapshot } from '../../src/snmp/mib.ts';
import { freePortBlock } from '../lib/pbx.ts';

const AUTH = 'Auth-Key-Secret-1';
const PRIV = 'Priv-Key-Secret-2';
const logs: string[] = [];
const log = (level: string) => (obj: object, msg: string) => void logs.push(`${level} ${msg} ${JSON.stringify(obj)}`);
const logger = { info: log('info'), warn: log('warn'), debug: log('debug') };

const snapshot = async (): Promise<PbxSnapshot> => ({
  system: { descr: 'PBX appliance test', name: 'agent-test', location: '', contact: '' },
  uptimeTicks: 100,
  asterisk: { state: 'running', running: true, version: '22.0.0' },
  calls: { active: 0, sinceStart: 0 },
  devices: { configured: 0, registered: 0 },
  trunks: [],
  queues: [],
  sipAuthFailures: 0,
  firmware: { slotA: '', slotB: '', active: '' },
  haRole: 'unknown',
  host: { disk: null, cpuPercent: 0, load1: 0 },
});

function snmpget(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) =>
    execFile('snmpget', ['-t', '1', '-r', '0', '-On', ...args, '1.3.6.1.2.1.1.5.0'], (err, stdout, stderr) => res({ code: err ? 1 : 0, stdout, stderr })),
  );
}

const agents: SnmpAgent[] = [];
after(async () => {
  for (const a of agents) await a.stop();
});

test('refused requests are logged without keys or communities', async () => {
  const port = await freePortBlock(1);
  const agent = new SnmpAgent({ port, snapshot, logger });
  agents.push(agent);
  await agent.configure(
    snmpSchema.parse({
      enabled: true,
      bindAddress: '127.0.0.1',
      communities: [{ name: 'Community-Secret-3', sources: ['127.0.0.1/32'] }],
      v3Users: [{ name: 'monitor', authKey: AUTH, privKey: PRIV }],
    }),
  );
  assert.deepEqual(agent.status(), { enabled: true, listening: true, address: '127.0.0.1', port });
  const target = `udp:127.0.0.1:${port}`;
  const v3 = (u: string, a: string, x: string) => ['-v3', '-l', 'authPriv', '-u', u, '-a', 'SHA-256', '-A', a, '-x', 'AES', '-X', x, target];
  const ok = await snmpget(v3('monitor', AUTH, PRIV));
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /STRING: "?agent-test/);
  assert.notEqual((await snmpget(v3('monitor', 'Wrong-Auth-Key-9', PRIV))).code, 0);
  assert.notEqual((await snmpget(v3('monitor', AUTH, 'Wrong-Priv-Key-9'))).code, 0);
  assert.notEqual((await snmpget(v3('nobody', AUTH, PRIV))).code, 0);
  assert.notEqual((await snmpget(['-v2c', '-c', 'Community-Secret-3x', target])).code, 0);
  assert.equal((await snmpget(['-v2c', '-c', 'Community-Secret-3', target])).code, 0);
  const text = logs.join('\n');
  assert.match(text, /snmp: request refused/, 'refusals are logged (at debug)');
  for (const secret of [AUTH, PRIV, 'Community-Secret-3', 'Wrong-Auth-Key-9', 'Wrong-Priv-Key-9']) assert.ok(!text.includes(secret), `${secret} is not in the log:\n${text}`);
});

test('a port in use is reported in status(); the next configure binds once it is free', async () => {
  const port = await freePortBlock(1);
  const squatter = createSocket('udp4');
  await new Promise<void>((r) => squatter.bind(port, '127.0.0.1', () => r()));
  const agent = new SnmpAgent({ port, snapshot, logger });
  agents.push(agent);
  const settings = snmpSchema.parse({ enabled: true, bindAddress: '127.0.0.1', communities: [{ name: 'public', sources: ['127.0.0.1/32'] }] });
  await agent.configure(settings);
  const s = agent.status();
  assert.equal(s.listening, false);
  assert.match(s.error ?? '', /EADDRINUSE/);
  await new Promise<void>((r) => squatter.close(() => r()));
  // The next configure (main.ts calls it after every apply) binds again.
  await agent.configure(settings);
  assert.equal(agent.status().listening, true);
  assert.equal((await snmpget(['-v2c', '-c', 'public', `udp:127.0.0.1:${port}`])).code, 0);
});
