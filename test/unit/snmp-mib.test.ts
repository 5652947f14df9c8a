// The agent's OID table (src/snmp/mib.ts) against the MIB file it ships, and the values it
// computes from a snapshot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { NOTIFICATIONS, PBX_MIB, PBX_PRODUCT, SCALARS, TABLES, diskUsedPercent, scalarValues, tableRows, traps, type PbxSnapshot } from '../../src/snmp/mib.ts';

const MIB_FILE = resolve(import.meta.dirname, '../../rootfs/usr/share/snmp/mibs/PBX-APPLIANCE-MIB.txt');

/** Every named node of the MIB file with its numeric OID. */
function mibOids(): Map<string, string> {
  const text = readFileSync(MIB_FILE, 'utf8').replace(/--.*$/gm, '');
  const parents = new Map<string, { parent: string; arcs: string }>();
  const re = /^(\w+)[ \t]+(?:OBJECT-TYPE|OBJECT IDENTIFIER|MODULE-IDENTITY|NOTIFICATION-TYPE|OBJECT-IDENTITY|OBJECT-GROUP|NOTIFICATION-GROUP|MODULE-COMPLIANCE)\b[\s\S]*?::=\s*\{\s*(\w+)((?:\s+\d+)+)\s*\}/gm;
  for (const m of text.matchAll(re)) parents.set(m[1]!, { parent: m[2]!, arcs: m[3]!.trim().split(/\s+/).join('.') });
  const out = new Map<string, string>([['enterprises', '1.3.6.1.4.1']]);
  const resolveName = (name: string): string => {
    const known = out.get(name);
    if (known) return known;
    const p = parents.get(name);
    if (!p) throw new Error(`${name} is not defined in the MIB file`);
    const oid = `${resolveName(p.parent)}.${p.arcs}`;
    out.set(name, oid);
    return oid;
  };
  for (const name of parents.keys()) resolveName(name);
  return out;
}

const snapshot = (over: Partial<PbxSnapshot> = {}): PbxSnapshot => ({
  system: { descr: 'PBX appliance 1.2.3', name: 'pbx1', location: 'Rack 4', contact: 'noc@example.com' },
  uptimeTicks: 12345,
  asterisk: { state: 'running', running: true, version: '22.5.0' },
  calls: { active: 2, sinceStart: 17 },
  devices: { configured: 5, registered: 3 },
  trunks: [
    { name: 'carrier1', type: 'ip', state: 'reachable' },
    { name: 'voip', type: 'register', state: 'rejected' },
  ],
  queues: [{ name: 'support', waiting: 2, longestWaitSeconds: 41, members: 3 }],
  sipAuthFailures: 4,
  firmware: { slotA: '', slotB: '', active: '' },
  haRole: 'unknown',
  host: { disk: { totalBytes: 8 * 2 ** 30, usedBytes: 6 * 2 ** 30, availableBytes: 2 * 2 ** 30 }, cpuPercent: 37.6, load1: 1.234 },
  ...over,
});

test('every PBX object, table column and notification has the OID the MIB file gives it', () => {
  const oids = mibOids();
  assert.equal(oids.get('pbxApplianceMIB'), PBX_MIB);
  assert.equal(oids.get('pbxApplianceProduct'), PBX_PRODUCT);
  for (const d of SCALARS.filter((d) => d.name.startsWith('pbx'))) assert.equal(oids.get(d.name), d.oid, d.name);
  for (const t of TABLES) {
    assert.equal(oids.get(t.name), t.oid, t.name);
    for (const c of t.columns) assert.equal(oids.get(c.name), `${t.oid}.${c.number}`, c.name);
  }
  for (const [name, oid] of Object.entries(NOTIFICATIONS)) assert.equal(oids.get(name), oid, name);
  // And nothing the MIB file defines under pbxObjects is missing from the agent.
  const served = new Set([...SCALARS.map((d) => d.name), ...TABLES.flatMap((t) => t.columns.map((c) => c.name))]);
  const leaves = [...oids].filter(([n, oid]) => oid.startsWith(`${PBX_MIB}.1.`) && /^pbx[A-Z]/.test(n) && !/Table$|Entry$/.test(n));
  const groups = new Set(['pbxAsterisk', 'pbxCalls', 'pbxDevices', 'pbxTrunks', 'pbxQueues', 'pbxSecurity', 'pbxFirmware', 'pbxHa', 'pbxHost']);
  for (const [name] of leaves) if (!groups.has(name)) assert.ok(served.has(name), `${name} is in the MIB file but not served`);
});

test('the system group is SNMPv2-MIB system (1.3.6.1.2.1.1.x)', () => {
  const names = SCALARS.filter((d) => d.oid.startsWith('1.3.6.1.2.1.1.')).map((d) => `${d.name}=${d.oid.split('.').pop()}`);
  assert.deepEqual(names, ['sysDescr=1', 'sysObjectID=2', 'sysUpTime=3', 'sysContact=4', 'sysName=5', 'sysLocation=6', 'sysServices=7']);
});

test('scalar values follow the snapshot, in the MIB units', () => {
  const v = scalarValues(snapshot());
  assert.equal(v.sysName, 'pbx1');
  assert.equal(v.sysObjectID, PBX_PRODUCT);
  assert.equal(v.sysUpTime, 12345);
  assert.equal(v.pbxAsteriskRunning, 1);
  assert.equal(v.pbxAsteriskVersion, '22.5.0');
  assert.equal(v.pbxActiveCalls, 2);
  assert.equal(v.pbxCallsSinceStart, 17);
  assert.equal(v.pbxDevicesConfigured, 5);
  assert.equal(v.pbxDevicesRegistered, 3);
  assert.equal(v.pbxTrunkCount, 2);
  assert.equal(v.pbxQueueCount, 1);
  assert.equal(v.pbxSipAuthFailures, 4);
  assert.equal(v.pbxHaRole, 'unknown');
  assert.equal(v.pbxFirmwareSlotAVersion, '');
  assert.equal(v.pbxDiskTotalMBytes, 8192);
  assert.equal(v.pbxDiskFreeMBytes, 2048);
  assert.equal(v.pbxDiskUsedPercent, 75);
  assert.equal(v.pbxCpuLoadPercent, 38);
  assert.equal(v.pbxLoadAverage1, 123);
  for (const d of SCALARS) assert.notEqual(v[d.name], undefined, `${d.name} has a value`);
});

test('Asterisk stopped, no disk, counters past 2^32: false(2), zeros, wrapped', () => {
  const v = scalarValues(snapshot({ asterisk: { state: 'failed', running: false, version: '' }, host: { disk: null, cpuPercent: 0, load1: 0 }, calls: { active: -1, sinceStart: 2 ** 32 + 5 } }));
  assert.equal(v.pbxAsteriskRunning, 2);
  assert.equal(v.pbxAsteriskState, 'failed');
  assert.equal(v.pbxDiskUsedPercent, 0);
  assert.equal(v.pbxDiskTotalMBytes, 0);
  assert.equal(v.pbxActiveCalls, 0);
  assert.equal(v.pbxCallsSinceStart, 5);
});

test('table rows: index first, in the configuration order, enumerations as in the MIB', () => {
  const rows = tableRows(snapshot());
  assert.deepEqual(rows.pbxTrunkEntry, [
    [1, 'carrier1', 2, 4],
    [2, 'voip', 1, 3],
  ]);
  assert.deepEqual(rows.pbxQueueEntry, [[1, 'support', 2, 41, 3]]);
});

test('disk use is counted as df does (reserved blocks excluded), rounded up', () => {
  assert.equal(diskUsedPercent({ totalBytes: 100, usedBytes: 89, availableBytes: 1 }), 99);
  assert.equal(diskUsedPercent({ totalBytes: 100, usedBytes: 50, availableBytes: 50 }), 50);
  assert.equal(diskUsedPercent(null), undefined);
});

test('traps carry the OBJECTS of their NOTIFICATION-TYPE as the agent serves them', () => {
  const t = traps.trunk(false, 2, 'voip', 'rejected');
  assert.equal(t.oid, NOTIFICATIONS.pbxTrunkDown);
  assert.deepEqual(t.varbinds, [
    { oid: `${PBX_MIB}.1.4.2.1.2.2`, type: 'OctetString', value: 'voip' },
    { oid: `${PBX_MIB}.1.4.2.1.4.2`, type: 'Integer', value: 3 },
  ]);
  assert.deepEqual(traps.asteriskDown('failed').varbinds, [{ oid: `${PBX_MIB}.1.1.3.0`, type: 'OctetString', value: 'failed' }]);
  assert.equal(traps.diskNearlyFull(93, 2 ** 30).varbinds[1]!.value, 1024);
  assert.equal(traps.haSwitchover('primary').oid, NOTIFICATIONS.pbxHaSwitchover);
});
