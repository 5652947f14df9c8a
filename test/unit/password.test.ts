import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateSecret, passwordProblems, type SecretKind } from '../../src/domain/password.ts';
import { sipSecret } from '../../src/domain/model.ts';

const LENGTH = /at least \d+ characters/;
const USER = /user name|extension number/;
const COMMON = /common password/;
const SEQUENCE = /sequence/;
const PATTERN = /repeats a short/;
const CLASSES = /mix at least 3/;
const PIN_FORMAT = /4 to 12 digits/;
const COMMON_PIN = /common PIN/;
const CHARSET = /printable ASCII|must not contain ;/;

const weak: [secret: string, kind: SecretKind, username: string | undefined, reason: RegExp][] = [
  ['Sh0rt!pw', 'sip', undefined, LENGTH],
  ['Xy7-kq!9Z', 'sip', undefined, LENGTH],
  ['Sh0rt!pw-Xy', 'admin', undefined, LENGTH],
  ['alice.rossi', 'sip', 'alice.rossi', USER],
  ['ALICE.ROSSI', 'sip', 'alice.rossi', USER],
  ['Secret-201x', 'sip', '201', USER],
  ['Xk9-Alice-Desk', 'admin', 'alice', USER],
  ['9-Crm-user-Kq', 'sip', 'crm-user', USER],
  ['Password123!', 'admin', undefined, COMMON],
  ['P@ssw0rd2024', 'admin', undefined, COMMON],
  ['Asterisk2024!', 'admin', undefined, COMMON],
  ['asterisk123', 'sip', undefined, COMMON],
  ['CHANGEME!!!!', 'admin', undefined, COMMON],
  ['!!voip123456', 'sip', undefined, COMMON],
  ['Freepbx-2025', 'sip', undefined, COMMON],
  ['qwertyuiop', 'sip', undefined, COMMON],
  ['Centralino99', 'sip', undefined, COMMON],
  ['1234567890', 'sip', undefined, COMMON],
  ['9876543210', 'sip', undefined, SEQUENCE],
  ['0987654321', 'sip', undefined, SEQUENCE],
  ['abcdefghijk', 'sip', undefined, SEQUENCE],
  ['Mnopqrs-tuv1', 'admin', undefined, SEQUENCE],
  ['aaaaaaaaaaaa', 'sip', undefined, SEQUENCE],
  ['zzzzzz1234Ab', 'admin', undefined, SEQUENCE],
  ['asdfghjkl;', 'sip', undefined, CHARSET],
  ['Kq7!Kq7!Kq7!', 'admin', undefined, PATTERN],
  ['xk9Lxk9Lxk9L', 'sip', undefined, PATTERN],
  ['horsebatterykq', 'admin', undefined, CLASSES],
  ['HORSE-BATTERY', 'admin', undefined, CLASSES],
  ['has space in it', 'sip', undefined, CHARSET],
  ['Quote"mark-9x', 'sip', undefined, CHARSET],
  ['123', 'pin', undefined, PIN_FORMAT],
  ['1234567890123', 'pin', undefined, PIN_FORMAT],
  ['12a4', 'pin', undefined, PIN_FORMAT],
  ['1234', 'pin', undefined, SEQUENCE],
  ['4321', 'pin', undefined, SEQUENCE],
  ['0000', 'pin', undefined, SEQUENCE],
  ['1111', 'pin', undefined, SEQUENCE],
  ['2580', 'pin', undefined, SEQUENCE],
  ['0852', 'pin', undefined, SEQUENCE],
  ['123456', 'pin', undefined, SEQUENCE],
  ['7890', 'pin', undefined, SEQUENCE],
  ['1212', 'pin', undefined, PATTERN],
  ['837837', 'pin', undefined, PATTERN],
  ['1985', 'pin', undefined, COMMON_PIN],
  ['1004', 'pin', undefined, COMMON_PIN],
  ['2016', 'pin', '2016', USER],
  ['7205', 'pin', '5027', USER],
  ['520146', 'pin', '201', USER],
];

for (const [secret, kind, username, reason] of weak) {
  test(`${kind} ${JSON.stringify(secret)}${username ? ` for ${username}` : ''} is refused: ${reason.source}`, () => {
    const problems = passwordProblems(secret, { kind, ...(username ? { username } : {}) });
    assert.ok(problems.some((p) => reason.test(p)), `got ${JSON.stringify(problems)}`);
  });
}

const strong: [secret: string, kind: SecretKind, username?: string][] = [
  ['Tr0ub4dor&3xq', 'admin', 'admin'],
  ['correct horse battery staple', 'admin'],
  ['Rx7-Alice-desk', 'sip', '201'],
  ['k2P-9vTq_mW4', 'sip', '201-soft'],
  ['Carrier-pw1x', 'sip', '0612345678'],
  ['8410', 'pin', '201'],
  ['739152', 'pin', '201'],
  ['93817265', 'pin'],
];
for (const [secret, kind, username] of strong) {
  test(`${kind} ${JSON.stringify(secret)} is accepted`, () => {
    assert.deepEqual(passwordProblems(secret, { kind, ...(username ? { username } : {}) }), []);
  });
}

test('every generated secret passes its own checks, and SIP ones fit Asterisk files', () => {
  for (let i = 0; i < 300; i++) {
    for (const kind of ['admin', 'sip', 'pin'] as const) {
      const s = generateSecret(kind);
      assert.deepEqual(passwordProblems(s, { kind }), [], `${kind} ${s}`);
      assert.equal(s.length, kind === 'pin' ? 6 : 20);
      if (kind === 'pin') assert.match(s, /^[0-9]{6}$/);
      else assert.equal(sipSecret.safeParse(s).success, true, s);
      if (kind !== 'pin') assert.doesNotMatch(s, /[0O1lI|]/, 'no look-alike characters');
    }
    const pin = generateSecret('pin', { username: '2019' });
    assert.deepEqual(passwordProblems(pin, { kind: 'pin', username: '2019' }), []);
  }
});

test('generated secrets differ', () => {
  const seen = new Set(Array.from({ length: 50 }, () => generateSecret('sip')));
  assert.equal(seen.size, 50);
});

// The model applies them: weak device, AMI and (leniently) register-trunk passwords are refused.
import { parseConfig } from '../../src/domain/rules.ts';
import { ValidationError, formatPath } from '../../src/domain/errors.ts';

function configErrors(input: unknown): string[] {
  try {
    parseConfig(input);
    return [];
  } catch (err) {
    assert.ok(err instanceof ValidationError, String(err));
    return err.fields.map((f) => `${formatPath(f.path)}: ${f.message}`);
  }
}

test('the configuration refuses weak device passwords and AMI secrets, with the reason', () => {
  const errors = configErrors({
    extensions: [{ number: '201', name: 'Alice', devices: [{ username: '201', password: 'Alice-desk-7Kq' }, { username: '201b', password: 'Pw-201b-Kq9x' }, { username: '201c', password: 'asterisk2024' }, { username: '201d', password: 'Xq7-Kz9!' }] }],
    amiUsers: [
      { username: 'crm', secret: 'crm-Kq7v-Tz9w', permit: ['127.0.0.1'] },
      { username: 'billing', secret: 'Lead-Kq7v-Tz9w', permit: ['127.0.0.1'] },
    ],
  });
  assert.deepEqual(errors, [
    'extensions[0].devices[1].password: must not contain the user name',
    'extensions[0].devices[2].password: is a common password (also with digits or symbols added)',
    'extensions[0].devices[3].password: at least 10 characters',
    'amiUsers[0].secret: must not contain the user name',
  ]);
});

test('register-trunk passwords are the carrier\'s: only one equal to the user name is refused', () => {
  const trunk = (password: string) => ({ trunks: [{ name: 'carrier', type: 'register', host: 'sip.example', username: 'Acme0612', password }] });
  assert.deepEqual(configErrors(trunk('acme0612')), ['trunks[0].password: must not be the user name']);
  assert.deepEqual(configErrors(trunk('12345678')), []);
  assert.deepEqual(configErrors(trunk('Acme0612-x')), []);
});
