// The LDAP phonebook's own filter evaluation and tree (src/directory/filter.ts,
// phonebook-tree.ts): case- and accent-insensitive names, numbers on digits, scopes, size limit,
// binds, and the index answering exactly what a full scan answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { foldText, matchForm, matches, numberDigits, parseFilterString } from '../../src/directory/filter.ts';
import { PhonebookTree, phonebookEntries } from '../../src/directory/phonebook-tree.ts';
import { parseLdapjsFilter } from '../../src/directory/ldap-server.ts';
import { pbxConfigSchema, type PbxConfigInput } from '../../src/domain/model.ts';
import { PHONEBOOK_NAME_FILTER, PHONEBOOK_NUMBER_FILTER } from '../../src/domain/phones.ts';

const entry = (attrs: Record<string, string[]>) => matchForm(attrs);
const m = (filter: string, attrs: Record<string, string[]>) => matches(parseFilterString(filter), entry(attrs));

test('names match whatever the case and accents', () => {
  const anna = { cn: ['Anna Müller'], sn: ['Müller'], givenName: ['Anna'] };
  assert.equal(foldText(' Ánna  MÜLLER '), 'anna muller');
  assert.ok(m('(cn=anna*)', anna));
  assert.ok(m('(sn=mul*)', anna));
  assert.ok(m('(SN=MÜL*)', anna), 'attribute names are case-insensitive too');
  assert.ok(m('(cn=anna muller)', anna));
  assert.ok(m('(cn=*ull*)', anna));
  assert.ok(m('(cn=*ller)', anna));
  assert.ok(m('(cn=a*m*r)', anna));
  assert.ok(!m('(cn=mul*)', anna), 'initial means the start of the value');
  assert.ok(!m('(cn=an*na*na)', anna), 'the parts do not overlap');
  assert.ok(m('(|(cn=mul*)(sn=mul*))', anna));
  assert.ok(!m('(&(cn=anna*)(sn=rossi*))', anna));
  assert.ok(m('(!(sn=rossi))', anna));
  assert.ok(m('(givenName=*)', anna));
  assert.ok(!m('(mail=*)', anna));
  assert.ok(m('(objectClass=*)', anna), 'every entry has an object class');
});

test('numbers match on their digits, in any usual form', () => {
  const rossi = { telephoneNumber: ['+39 02 1234 5678'], mobile: ['333-1234567'] };
  assert.equal(numberDigits('0039 (02) 1234-5678'), '390212345678');
  assert.ok(m('(telephoneNumber=+390212345678)', rossi));
  assert.ok(m('(telephoneNumber=00390212345678)', rossi));
  assert.ok(m('(telephoneNumber=0212345678)', rossi), 'the national form is the end of the international one');
  assert.ok(!m('(telephoneNumber=5678)', rossi), 'a short number must equal the whole number');
  assert.ok(m('(telephoneNumber=*1234*)', rossi));
  assert.ok(m('(mobile=333*)', rossi));
  assert.ok(m('(Mobile=3331234567)', rossi));
  assert.ok(!m('(mobile=*abc*)', rossi), 'a number filter without digits matches no number');
  assert.ok(m(PHONEBOOK_NUMBER_FILTER.replaceAll('%', '0212345678'), rossi));
});

test('undefined clauses (extensible matches) are never true, not even negated', () => {
  const e = { cn: ['x'] };
  assert.ok(!m('(cn:caseExactMatch:=x)', e));
  assert.ok(!m('(!(cn:caseExactMatch:=x))', e));
  assert.ok(m('(|(cn:caseExactMatch:=x)(cn=x))', e));
});

test('the filter string parser reads what ldapjs reads', () => {
  for (const f of ['(|(cn=jo*)(sn=jo*))', '(&(objectClass=*)(|(sn=ro*)(givenName=ro*)))', '(telephoneNumber=0212345678)', '(!(uid=201))', '(cn=*ar*io*)', '(cn>=m)', '(cn~=mario)'])
    assert.deepEqual(parseFilterString(f), parseLdapjsFilter(f), f);
  assert.deepEqual(parseFilterString('(cn=a\\2ab)'), { kind: 'eq', attribute: 'cn', value: 'a*b' });
  assert.deepEqual(parseFilterString('(cn=M\\c3\\bcller)'), { kind: 'eq', attribute: 'cn', value: 'Müller' });
  assert.throws(() => parseFilterString('(|(cn=a)'));
});

function config(extra: Partial<PbxConfigInput> = {}) {
  return pbxConfigSchema.parse({
    extensions: [
      { number: '201', name: 'Anna Müller', email: 'anna@example.com', devices: [{ username: 'anna-desk', password: 'Secret-201-xyz' }] },
      { number: '202', name: 'Bob Smith', devices: [{ username: '202', password: 'Secret-202-xyz' }] },
      { number: '299', name: 'Fax Line' },
    ],
    phonebook: [
      { id: 'rossi', name: 'Mario Rossi', company: 'ACME', numbers: [{ type: 'work', number: '+390212345678' }, { type: 'mobile', number: '3331234567' }] },
      { id: 'verdi', name: 'Giuseppe Verdi', numbers: [{ type: 'home', number: '0298765432' }] },
    ],
    directory: { hiddenExtensions: ['299'], outsidePrefix: '0', bindPassword: 'Phonebook-pw-1', sizeLimit: 3 },
    ...extra,
  });
}

test('entries: extensions (hidden ones left out) and shared contacts with the outside prefix', () => {
  const entries = phonebookEntries(config());
  assert.deepEqual(entries.map((e) => e.dn), [
    'uid=201,ou=extensions,ou=phonebook,dc=pbx',
    'uid=202,ou=extensions,ou=phonebook,dc=pbx',
    'uid=rossi,ou=contacts,ou=phonebook,dc=pbx',
    'uid=verdi,ou=contacts,ou=phonebook,dc=pbx',
  ]);
  const rossi = entries[2]!.attributes;
  assert.deepEqual(rossi.cn, ['Mario Rossi']);
  assert.deepEqual(rossi.sn, ['Rossi']);
  assert.deepEqual(rossi.givenName, ['Mario']);
  assert.deepEqual(rossi.o, ['ACME']);
  assert.deepEqual(rossi.telephoneNumber, ['+390212345678'], 'an international number is dialled as it is');
  assert.deepEqual(rossi.mobile, ['03331234567'], 'the outside prefix is prepended');
  assert.deepEqual(entries[3]!.attributes.telephoneNumber, ['00298765432'], 'a contact with only a home number shows it as its number');
  assert.deepEqual(entries[0]!.attributes.mail, ['anna@example.com']);
  assert.equal(phonebookEntries(config({ directory: { publishExtensions: false } })).length, 2);
});

test('searches: scopes, unknown bases, the size limit, and the numbers as stored', () => {
  const tree = new PhonebookTree(config(), 1);
  const names = (r: ReturnType<PhonebookTree['search']>) => r?.entries.map((e) => e.attributes.cn?.[0] ?? e.dn);
  const name = (typed: string) => parseFilterString(PHONEBOOK_NAME_FILTER.replaceAll('%', `${typed}*`));
  assert.deepEqual(names(tree.search('ou=phonebook,dc=pbx', 'sub', name('mu'), 100)), ['Anna Müller']);
  assert.deepEqual(names(tree.search('ou=phonebook,dc=pbx', 'sub', name('ro'), 100)), ['Mario Rossi']);
  assert.deepEqual(names(tree.search('OU=Phonebook, DC=pbx', 'sub', name('b'), 100)), ['Bob Smith'], 'the base DN is compared case-insensitively');
  assert.deepEqual(names(tree.search('ou=contacts,ou=phonebook,dc=pbx', 'one', parseFilterString('(objectClass=*)'), 100)), ['Giuseppe Verdi', 'Mario Rossi']);
  assert.deepEqual(names(tree.search('uid=rossi,ou=contacts,ou=phonebook,dc=pbx', 'base', parseFilterString('(objectClass=*)'), 100)), ['Mario Rossi']);
  assert.equal(tree.search('ou=nowhere,dc=pbx', 'sub', name('a'), 100), undefined);
  assert.deepEqual(names(tree.search('ou=phonebook,dc=pbx', 'sub', parseFilterString('(telephoneNumber=0298765432)'), 100)), ['Giuseppe Verdi'], 'found by the number as stored, without the prefix');
  assert.deepEqual(names(tree.search('ou=phonebook,dc=pbx', 'sub', parseFilterString('(mobile=03331234567)'), 100)), ['Mario Rossi'], 'and as published');
  const all = tree.search('ou=phonebook,dc=pbx', 'sub', parseFilterString('(cn=*)'), 3)!;
  assert.equal(all.entries.length, 3);
  assert.equal(all.sizeLimitExceeded, true);
  assert.deepEqual(names(all), ['Anna Müller', 'Bob Smith', 'Giuseppe Verdi'], 'sorted by name');
  assert.equal(tree.search('ou=phonebook,dc=pbx', 'sub', parseFilterString('(cn=*)'), 4)!.sizeLimitExceeded, false);
});

test('binds: phones by SIP account and password, the phonebook user, nothing else', () => {
  const tree = new PhonebookTree(config(), 1);
  assert.deepEqual(tree.authenticate('uid=anna-desk,ou=devices,dc=pbx', 'Secret-201-xyz'), { kind: 'device', account: 'anna-desk' });
  assert.deepEqual(tree.authenticate('UID=anna-desk, OU=devices, DC=pbx', 'Secret-201-xyz'), { kind: 'device', account: 'anna-desk' });
  assert.equal(tree.authenticate('uid=anna-desk,ou=devices,dc=pbx', 'Secret-202-xyz'), undefined);
  assert.equal(tree.authenticate('uid=nobody,ou=devices,dc=pbx', 'Secret-201-xyz'), undefined);
  assert.equal(tree.authenticate('uid=anna-desk,ou=devices,dc=pbx', ''), undefined);
  assert.deepEqual(tree.authenticate('cn=phonebook,ou=users,dc=pbx', 'Phonebook-pw-1'), { kind: 'phonebook-user', name: 'phonebook' });
  assert.equal(tree.authenticate('cn=phonebook,ou=users,dc=pbx', 'wrong-password'), undefined);
  assert.equal(new PhonebookTree(config({ directory: {} }), 1).authenticate('cn=phonebook,ou=users,dc=pbx', ''), undefined, 'no password set: no phonebook user');
  assert.equal(tree.authenticate('cn=admin,dc=pbx', 'Secret-201-xyz'), undefined);
});

test('the index answers exactly what a full scan answers (10,000 contacts)', () => {
  const first = ['Anna', 'Ångström', 'Bruno', 'Chiara', 'Élodie', 'Franco', 'Giulia', 'Luca', 'Marta', 'Nicolò'];
  const last = ['Rossi', 'Bianchi', 'Müller', 'Smith', 'Ferrari', 'Esposito', 'Romano', 'Colombo', 'Ricci', 'Marino'];
  const phonebook = Array.from({ length: 10_000 }, (_, i) => ({
    id: `c${i}`,
    name: `${first[i % 10]} ${last[Math.floor(i / 10) % 10]} ${i}`,
    numbers: [{ type: 'work' as const, number: `+3902${String(1_000_000 + i)}` }, { type: 'mobile' as const, number: `333${String(1_000_000 + i)}` }],
  }));
  const tree = new PhonebookTree(pbxConfigSchema.parse({ phonebook, directory: { sizeLimit: 10_000 } }), 1);
  const filters = [
    '(|(cn=anna*)(sn=anna*)(givenName=anna*))',
    '(|(cn=ang*)(sn=ang*))',
    '(&(objectClass=*)(|(sn=mul*)(givenName=nic*)))',
    '(|(telephoneNumber=0210001234)(mobile=0210001234))',
    '(|(telephoneNumber=+39021001234)(mobile=+39021001234))',
    '(mobile=3331001234)',
    '(telephoneNumber=*1001234*)',
    '(cn=*rossi 12*)',
    '(uid=c42)',
    '(givenName=Élodie)',
    '(nosuchattribute=x)',
    '(!(sn=rossi))',
  ];
  for (const text of filters) {
    const f = parseFilterString(text);
    const indexed = tree.search('ou=phonebook,dc=pbx', 'sub', f, 10_010)!.entries.filter((e) => e.dn.startsWith('uid=')).map((e) => e.dn);
    const scanned = [...tree.leaves].filter((e) => matches(f, e.match)).map((e) => e.dn);
    assert.deepEqual(indexed, scanned, text);
  }
  assert.equal(tree.search('ou=phonebook,dc=pbx', 'sub', parseFilterString('(|(cn=anna*)(sn=anna*))'), 10_000)!.entries.length, 1000);
  assert.equal(tree.search('ou=phonebook,dc=pbx', 'sub', parseFilterString('(mobile=3331001234)'), 10_000)!.entries.length, 1);
});
