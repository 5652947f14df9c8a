// manager.conf from the model's AMI users: where AMI listens, each user's ACL and classes, and
// that a change of users reaches Asterisk by a manager reload (never a restart).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/domain/rules.ts';
import { renderAll, type RenderContext } from '../../src/render/index.ts';
import { aclNetwork } from '../../src/render/system-conf.ts';
import { planReload } from '../../src/apply/reload-plan.ts';
import type { PbxConfigInput } from '../../src/domain/model.ts';

const ctx: RenderContext = {
  instanceDir: '/srv/pbx',
  moduleDir: '/usr/lib/asterisk/modules',
  sipBindAddress: '0.0.0.0',
  amiPort: 5038,
  amiUser: 'pbx-supervisor',
  amiSecret: 'test-ami-secret',
  ariPort: 8088,
  ariUser: 'pbx-supervisor',
  ariPassword: 'test-ari-password',
  deviceQualifySeconds: 60,
};
const crm = { username: 'crm', secret: 'Lead-Kq7v-Tz9w', permit: ['192.168.1.0/24'] };
const render = (input: PbxConfigInput) => renderAll(parseConfig(input), ctx);
const manager = (input: PbxConfigInput) => render(input).files['manager.conf']!;

/** The sections of an ini file as name → lines. */
function sections(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let cur: string[] | undefined;
  for (const line of text.split('\n')) {
    const h = /^\[(.+)\]$/.exec(line);
    if (h) out.set(h[1]!, (cur = []));
    else if (cur && line && !line.startsWith(';')) cur.push(line);
  }
  return out;
}

test('without AMI users, AMI listens on loopback only', () => {
  assert.ok(sections(manager({})).get('general')!.includes('bindaddr=127.0.0.1'));
  assert.deepEqual([...sections(manager({})).keys()], ['general', 'pbx-supervisor']);
});

test('with AMI users it listens on every address, unless the system setting says where', () => {
  assert.ok(sections(manager({ amiUsers: [crm] })).get('general')!.includes('bindaddr=0.0.0.0'));
  const pinned = manager({ system: { amiBindAddress: '192.168.1.10' }, amiUsers: [crm] });
  assert.ok(sections(pinned).get('general')!.includes('bindaddr=192.168.1.10'));
  assert.ok(sections(manager({ system: { amiBindAddress: '127.0.0.1' }, amiUsers: [crm] })).get('general')!.includes('bindaddr=127.0.0.1'));
});

test('the supervisor user stays loopback-only whatever the bind address', () => {
  const sup = sections(manager({ amiUsers: [crm] })).get('pbx-supervisor')!;
  assert.deepEqual(sup.filter((l) => /^(deny|permit)=/.test(l)), ['deny=0.0.0.0/0.0.0.0', 'permit=127.0.0.1/255.255.255.255']);
});

test('each AMI user is a section: deny all, one permit per network, classes, no connect logging', () => {
  const s = sections(manager({ amiUsers: [{ ...crm, permit: ['192.168.1.0/24', '10.0.0.7'], read: ['call', 'cdr'], write: ['originate'] }] }));
  assert.deepEqual(s.get('crm'), [
    'secret=Lead-Kq7v-Tz9w',
    'deny=0.0.0.0/0.0.0.0',
    'permit=192.168.1.0/255.255.255.0',
    'permit=10.0.0.7/255.255.255.255',
    'read=call,cdr',
    'write=originate',
    'writetimeout=5000',
    'displayconnects=no',
  ]);
});

test('an empty write list is written as an empty write= (a missing line would keep old classes on reload)', () => {
  const s = sections(manager({ amiUsers: [crm] }));
  assert.ok(s.get('crm')!.includes('write='));
  assert.ok(s.get('crm')!.includes('read=call,cdr'), 'default read classes');
});

test('CIDR networks become address/netmask', () => {
  assert.equal(aclNetwork('10.0.0.0/8'), '10.0.0.0/255.0.0.0');
  assert.equal(aclNetwork('172.16.0.0/12'), '172.16.0.0/255.240.0.0');
  assert.equal(aclNetwork('192.168.1.128/25'), '192.168.1.128/255.255.255.128');
  assert.equal(aclNetwork('0.0.0.0/0'), '0.0.0.0/0.0.0.0');
  assert.equal(aclNetwork('192.0.2.1'), '192.0.2.1/255.255.255.255');
});

test('AMI users are objects apply verifies', () => {
  const expected = render({ amiUsers: [crm] }).expected;
  assert.ok(expected.some((e) => e.kind === 'ami user' && e.id === 'crm' && e.owner === 'AMI user crm'));
});

test('adding, changing or removing an AMI user reloads manager only, and needs no restart', () => {
  const before = render({}).files;
  for (const after of [render({ amiUsers: [crm] }).files, render({ system: { amiBindAddress: '127.0.0.1' }, amiUsers: [crm] }).files]) {
    const plan = planReload(before, after);
    assert.deepEqual(plan.changedFiles, ['manager.conf']);
    assert.deepEqual(plan.modules, ['manager']);
    assert.deepEqual(plan.restartRequired, []);
  }
});

test('reserved AMI user names are refused', () => {
  for (const username of ['general', 'pbx-supervisor', 'pbx-crm']) {
    assert.throws(() => parseConfig({ amiUsers: [{ ...crm, username }] }), /invalid/, username);
  }
});
