// When traps are sent (src/snmp/monitor.ts) and what the counters count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PbxCounters, TrapMonitor } from '../../src/snmp/monitor.ts';
import type { PbxSnapshot, Trap } from '../../src/snmp/mib.ts';
import type { TrunkState } from '../../src/services/status-service.ts';

function monitor() {
  const sent: Trap[] = [];
  return { m: new TrapMonitor((t) => sent.push(t)), sent };
}
const GB = 2 ** 30;
const disk = (usedPercent: number) => ({ totalBytes: 100 * GB, usedBytes: usedPercent * GB, availableBytes: (100 - usedPercent) * GB });
const look = (trunks: [string, TrunkState][], used = 10): Pick<PbxSnapshot, 'trunks' | 'host'> => ({
  trunks: trunks.map(([name, state]) => ({ name, type: state === 'reachable' || state === 'unreachable' ? 'ip' : 'register', state })),
  host: { disk: disk(used), cpuPercent: 0, load1: 0 },
});

test('Asterisk: down once per exit, up only after a down; its first start is no trap', () => {
  const { m, sent } = monitor();
  m.asteriskStarted();
  assert.equal(sent.length, 0);
  m.asteriskExited('failed');
  m.asteriskExited('failed');
  m.asteriskStarted('running');
  m.asteriskStarted('running');
  assert.deepEqual(sent.map((t) => t.name), ['pbxAsteriskDown', 'pbxAsteriskUp']);
  assert.equal(sent[0]!.varbinds[0]!.value, 'failed');
});

test('trunks: first state is the baseline; down and up on changes only; unknown is no change', () => {
  const { m, sent } = monitor();
  m.observe(look([['voip', 'registered'], ['ip1', 'unreachable']]), 90);
  assert.equal(sent.length, 0);
  m.observe(look([['voip', 'unknown'], ['ip1', 'unknown']]), 90);
  assert.equal(sent.length, 0, 'unknown says nothing');
  m.observe(look([['voip', 'rejected'], ['ip1', 'reachable']]), 90);
  m.observe(look([['voip', 'unregistered'], ['ip1', 'reachable']]), 90);
  m.observe(look([['voip', 'registered'], ['ip1', 'reachable']]), 90);
  assert.deepEqual(
    sent.map((t) => `${t.name} ${t.varbinds[0]!.value} ${t.varbinds[0]!.oid.split('.').pop()}`),
    ['pbxTrunkDown voip 1', 'pbxTrunkUp ip1 2', 'pbxTrunkUp voip 1'],
  );
});

test('trunks after an Asterisk exit start from a new baseline (a restart is not every trunk failing)', () => {
  const { m, sent } = monitor();
  m.observe(look([['voip', 'registered']]), 90);
  m.asteriskExited('failed');
  m.asteriskStarted();
  m.observe(look([['voip', 'unregistered']]), 90);
  m.observe(look([['voip', 'registered']]), 90);
  assert.deepEqual(sent.map((t) => t.name), ['pbxAsteriskDown', 'pbxAsteriskUp', 'pbxTrunkUp']);
});

test('disk: one trap on crossing the threshold, again only after falling 5 points below it', () => {
  const { m, sent } = monitor();
  for (const used of [80, 90, 95, 90, 86, 89, 91, 84, 90]) m.observe(look([], used), 90);
  assert.deepEqual(sent.map((t) => `${t.name} ${t.varbinds[0]!.value}`), ['pbxDiskNearlyFull 90', 'pbxDiskNearlyFull 90']);
});

test('HA switchover is sent as told', () => {
  const { m, sent } = monitor();
  m.haSwitchover('primary');
  assert.deepEqual(sent.map((t) => [t.name, t.varbinds[0]!.value]), [['pbxHaSwitchover', 'primary']]);
});

test('counters: calls are channels opening a new call; SIP auth failures are PJSIP security events', () => {
  const c = new PbxCounters();
  c.onAmiEvent({ event: 'Newchannel', uniqueid: '1.1', linkedid: '1.1' });
  c.onAmiEvent({ event: 'Newchannel', uniqueid: '1.2', linkedid: '1.1' });
  c.onAmiEvent({ event: 'Newchannel', uniqueid: '2.1', linkedid: '2.1' });
  c.onAmiEvent({ event: 'ChallengeResponseFailed', service: 'PJSIP' });
  c.onAmiEvent({ event: 'InvalidAccountID', service: 'PJSIP' });
  c.onAmiEvent({ event: 'InvalidPassword', service: 'AMI' });
  c.onAmiEvent({ event: 'ChallengeSent', service: 'PJSIP' });
  c.onAmiEvent({ event: 'Hangup', uniqueid: '1.1', linkedid: '1.1' });
  assert.equal(c.calls, 2);
  assert.equal(c.sipAuthFailures, 2);
});
