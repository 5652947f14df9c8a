import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/domain/rules.ts';
import { ValidationError, formatPath } from '../../src/domain/errors.ts';

const base = () => ({
  extensions: [
    { number: '201', name: 'Alice', class: 'national', devices: [{ username: '201', password: 'Alice-desk-7Kq' }] },
    { number: '202', name: 'Bob', devices: [{ username: '202', password: 'Bob-desk-7Kqz' }] },
  ],
  trunks: [{ name: 'carrier1', type: 'ip', host: '127.0.0.2' }],
  outbound: { rules: [{ name: 'mobile', patterns: ['3XXXXXXXXX'], trunks: ['carrier1'] }], classes: [{ name: 'national', rules: ['mobile'] }] },
});

function errorsOf(input: unknown): string[] {
  try {
    parseConfig(input);
  } catch (err) {
    assert.ok(err instanceof ValidationError, `expected ValidationError, got ${String(err)}`);
    return err.fields.map((f) => `${formatPath(f.path)}: ${f.message}`);
  }
  assert.fail('expected the configuration to be refused');
}

test('a valid configuration parses, with defaults filled in', () => {
  const c = parseConfig(base());
  assert.equal(c.system.sipPort, 5060);
  assert.deepEqual(c.outbound.emergency, ['112']);
  assert.equal(c.extensions[0]!.dnd, false);
});

test('a name with a newline and a section header is refused (no injection into Asterisk files)', () => {
  const c = base();
  c.extensions[0]!.name = 'Alice\n[evil]\nexten => _X.,1,System(rm -rf /)';
  const errs = errorsOf(c);
  assert.ok(errs.some((e) => e.startsWith('extensions[0].name: must be one line')), errs.join('\n'));
});

test('quotes, semicolons and brackets in names are refused', () => {
  for (const name of ['Al"ice', 'Alice;comment', 'Alice [x]', 'A\\lice', 'Alice <1>']) {
    const c = base();
    c.extensions[0]!.name = name;
    assert.ok(errorsOf(c).some((e) => e.startsWith('extensions[0].name')), name);
  }
});

test('a password with a comment character or a newline is refused', () => {
  for (const password of ['abc;defgh', 'abc#defgh', 'abcdefgh\n[x]', 'short', 'abc[defgh', 'abc]defgh']) {
    const c = base();
    c.extensions[0]!.devices[0]!.password = password;
    assert.ok(errorsOf(c).some((e) => e.startsWith('extensions[0].devices[0].password')), password);
  }
});

test('one number plan: an extension cannot take an emergency number', () => {
  const c = base();
  c.extensions[1]!.number = '112';
  assert.deepEqual(errorsOf(c), ['extensions[1].number: number 112 is already used by emergency number 112']);
});

test('duplicate extension numbers and device usernames are refused', () => {
  const c = base();
  c.extensions[1]!.number = '201';
  c.extensions[1]!.devices[0]!.username = '201';
  const errs = errorsOf(c);
  assert.ok(errs.includes('extensions[1].number: number 201 is already used by extension 201'), errs.join('\n'));
  assert.ok(errs.includes('extensions[1].devices[0].username: device username "201" is already used'), errs.join('\n'));
});

test('references must exist: class, forward target, rule trunk, class rule, inbound destination', () => {
  const c = base() as ReturnType<typeof base> & { inboundRoutes: unknown[] };
  c.extensions[0]!.class = 'nosuch';
  (c.extensions[1] as Record<string, unknown>).forward = { busy: { extension: '299' } };
  c.outbound.rules[0]!.trunks = ['nosuch'];
  c.outbound.classes.push({ name: 'other', rules: ['gone'] });
  c.inboundRoutes = [{ did: '0612345678', destination: { extension: '250' } }];
  const errs = errorsOf(c);
  for (const expected of [
    'extensions[0].class: calling class "nosuch" does not exist',
    'extensions[1].forward.busy.extension: extension 299 does not exist',
    'outbound.rules[0].trunks[0]: trunk "nosuch" does not exist',
    'outbound.classes[1].rules[0]: outbound rule "gone" does not exist',
    'inboundRoutes[0].destination.extension: extension 250 does not exist',
  ]) {
    assert.ok(errs.includes(expected), `missing "${expected}" in\n${errs.join('\n')}`);
  }
});

test('an extension cannot forward to itself', () => {
  const c = base();
  (c.extensions[0] as Record<string, unknown>).forward = { always: { extension: '201' } };
  assert.deepEqual(errorsOf(c), ['extensions[0].forward.always.extension: an extension cannot forward to itself']);
});

test('dial patterns are checked', () => {
  for (const bad of ['3XX;X', '_3XX', '3X\nX', '[a-z]', '3..', '']) {
    const c = base();
    c.outbound.rules[0]!.patterns = [bad];
    assert.ok(errorsOf(c).some((e) => e.startsWith('outbound.rules[0].patterns[0]')), JSON.stringify(bad));
  }
  const ok = base();
  ok.outbound.rules[0]!.patterns = ['00.', '3XXXXXXXXX', '[2-7]XXX!', '+39X.'];
  assert.doesNotThrow(() => parseConfig(ok));
});

test('a register trunk needs credentials; trunk names are identifiers', () => {
  const c = base();
  (c.trunks as Record<string, unknown>[]).push({ name: 'Bad Name', type: 'register', host: 'sip.example.com' });
  const errs = errorsOf(c);
  assert.ok(errs.some((e) => e.startsWith('trunks[1].name')), errs.join('\n'));
  assert.ok(errs.some((e) => e.startsWith('trunks[1].username: a register trunk needs')), errs.join('\n'));
});

test('unknown fields are refused, not ignored', () => {
  const c = base() as Record<string, unknown>;
  (c.extensions as Record<string, unknown>[])[0]!.colour = 'red';
  assert.ok(errorsOf(c).some((e) => e.includes('colour')));
});

test('device usernames may not use the reserved trunk- prefix', () => {
  const c = base();
  c.extensions[0]!.devices[0]!.username = 'trunk-carrier1';
  assert.ok(errorsOf(c).some((e) => e.startsWith('extensions[0].devices[0].username')));
});

test('phones: MAC normalised; lines are existing devices on one phone each; keys name what exists; Gigaset without HTTP credentials', () => {
  const phone = (over: Record<string, unknown>) => ({ vendor: 'yealink', model: 'T46S', adminPassword: 'Adm-Qx7-kRw2zL', lines: [{ account: '201' }], ...over });
  const ok = parseConfig({ ...base(), phones: [phone({ mac: '00-15-65-AA-BB-CC', keys: [{ type: 'blf', extension: '202' }] })] });
  assert.equal(ok.phones[0]!.mac, '001565aabbcc');

  const errors = errorsOf({
    ...base(),
    switches: [{ name: 'night', states: [{ name: 'day', destination: { hangup: true } }, { name: 'night', destination: { hangup: true } }] }],
    phones: [
      phone({ mac: '001565000001', lines: [{ account: 'nobody' }] }),
      phone({ mac: '001565000002', keys: [{ type: 'blf', extension: '299' }, { type: 'park', slot: '701' }, { type: 'switch', switch: 'night' }, { type: 'line', line: 2 }] }),
      phone({ mac: '001565000003' }),
      phone({ mac: '7c2f80000004', vendor: 'gigaset', model: 'N870', lines: [{ account: '202' }], httpAuth: { username: 'base4', password: 'Hp4-kRt7Wq2x' } }),
    ],
  });
  assert.deepEqual(errors.sort(), [
    'phones[0].lines[0].account: no extension has a device nobody',
    'phones[1].keys[0].extension: extension 299 does not exist',
    'phones[1].keys[1].slot: call parking is off',
    'phones[1].keys[2].switch: switch night has no code to watch and dial',
    'phones[1].keys[3].line: the phone has 1 line(s)',
    'phones[2].lines[0].account: device 201 is already on phone 001565000002',
    'phones[3].httpAuth: Gigaset bases cannot be given HTTP credentials through provisioning; leave HTTP authentication off',
  ].sort());
  assert.ok(errorsOf({ ...base(), phones: [phone({ mac: '01:00:5e:00:00:01' })] }).some((e) => e.startsWith('phones[0].mac:')), 'a multicast MAC is no phone');
});
