// The LDAP phonebook against the real OpenLDAP client (ldapsearch from ldap-utils): the filters
// each vendor's phones send (as the provisioning templates configure them), binds as a phone's
// SIP account, the phonebook user and anonymous, wrong passwords, the size limit, personal
// contacts never published, and a 10,000-contact directory imported through the API.
// docs/directory.md shows these same commands.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { startPbx, waitFor, type PbxInstance } from '../lib/pbx.ts';
import { adminSession, sessionOf, ApiClient } from '../lib/api.ts';
import { PHONEBOOK_BASE_DN, PHONEBOOK_NAME_FILTER, PHONEBOOK_NUMBER_FILTER, phoneLdapBindDn } from '../../src/domain/phones.ts';
import type { PbxConfigInput } from '../../src/domain/model.ts';

const PHONE_PASSWORD = 'Desk-Secret-Kx9';
const PHONEBOOK_PASSWORD = 'Phonebook-Pass-7';

const config = (): PbxConfigInput => ({
  extensions: [
    { number: '201', name: 'Anna Müller', email: 'anna@example.com', devices: [{ username: '201', password: PHONE_PASSWORD }] },
    { number: '202', name: 'Bruno Rossi', devices: [{ username: '202', password: 'Desk-Secret-Qw7' }] },
    { number: '299', name: 'Fax Machine' },
  ],
  phonebook: [
    { id: 'acme-mario', name: 'Mario Bianchi', company: 'ACME', numbers: [{ type: 'work', number: '0212345678' }, { type: 'mobile', number: '+393331234567' }] },
    { id: 'elodie', name: 'Élodie Durand', numbers: [{ type: 'work', number: '+33142424242' }] },
  ],
  directory: { hiddenExtensions: ['299'], outsidePrefix: '0', bindPassword: PHONEBOOK_PASSWORD },
});

let pbx: PbxInstance;
let api: ApiClient;

before(async () => {
  pbx = await startPbx(config());
  const base = `http://127.0.0.1:${pbx.daemon.httpPort}`;
  api = await adminSession(base, pbx.dataDir);
  await waitFor(async () => (await pbx.health()).parts.directory?.listening === true, 30_000, 'the LDAP server');
});
after(async () => {
  await pbx?.stop();
});

interface Search {
  code: number;
  stdout: string;
  stderr: string;
  /** dn → attribute → values (ldapsearch -LLL output, base64 values decoded). */
  entries: Map<string, Record<string, string[]>>;
}

/** ldapsearch -x as docs/directory.md shows it; `bind`: [dn, password], none: anonymous. */
function ldapsearch(filter: string, options: { bind?: [string, string]; base?: string; sizeLimit?: number; attributes?: string[] } = {}): Promise<Search> {
  const args = ['-LLL', '-x', '-o', 'ldif-wrap=no', '-H', `ldap://127.0.0.1:${pbx.ldapPort}`];
  if (options.bind) args.push('-D', options.bind[0], '-w', options.bind[1]);
  if (options.sizeLimit !== undefined) args.push('-z', String(options.sizeLimit));
  args.push('-b', options.base ?? PHONEBOOK_BASE_DN, filter, ...(options.attributes ?? []));
  return new Promise((resolve) => {
    execFile('ldapsearch', args, { maxBuffer: 64 * 1024 * 1024, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      const entries = new Map<string, Record<string, string[]>>();
      for (const block of stdout.split(/\n\n+/)) {
        let dn = '';
        const attrs: Record<string, string[]> = {};
        for (const line of block.split('\n')) {
          const m = /^([A-Za-z0-9;-]+)(::?) (.*)$/.exec(line);
          if (!m) continue;
          const value = m[2] === '::' ? Buffer.from(m[3]!, 'base64').toString('utf8') : m[3]!;
          if (m[1] === 'dn') dn = value;
          else (attrs[m[1]!] ??= []).push(value);
        }
        if (dn) entries.set(dn, attrs);
      }
      resolve({ code, stdout, stderr, entries });
    });
  });
}

const phone: [string, string] = [phoneLdapBindDn('201'), PHONE_PASSWORD];
const cns = (s: Search) => [...s.entries.values()].map((e) => e.cn?.[0]).filter(Boolean).sort();
/** A vendor's filter with what the user typed (`%` → the typed text and *, as the phones send it). */
const typed = (filter: string, text: string) => filter.replaceAll('%', `${text}*`);

test('the phones bind with their SIP account and find names typed in lowercase (each vendor\'s filter form)', async () => {
  // Yealink and Grandstream: ldap.name_filter / ldapNameFilter from the templates.
  let r = await ldapsearch(typed(PHONEBOOK_NAME_FILTER, 'mu'), { bind: phone });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(cns(r), ['Anna Müller']);
  // Snom: ldap_search_filter, the same form; accents are optional in what is typed.
  r = await ldapsearch(typed(PHONEBOOK_NAME_FILTER, 'elo'), { bind: phone });
  assert.deepEqual(cns(r), ['Élodie Durand']);
  // Poly: the searchable attributes under the filter prefix (objectClass=*).
  r = await ldapsearch('(&(objectClass=*)(|(sn=bian*)(givenName=bian*)))', { bind: phone, attributes: ['sn', 'givenName', 'telephoneNumber', 'mobile'] });
  assert.equal(r.code, 0, r.stderr);
  const mario = r.entries.get('uid=acme-mario,ou=contacts,ou=phonebook,dc=pbx');
  assert.deepEqual(mario, { sn: ['Bianchi'], givenName: ['Mario'], telephoneNumber: ['00212345678'], mobile: ['+393331234567'] });
  // Cisco: cn:(cn=$VALUE*) and sn:(sn=$VALUE*).
  r = await ldapsearch('(cn=bru*)', { bind: phone });
  assert.deepEqual(cns(r), ['Bruno Rossi']);
  // Hidden extensions are not published.
  r = await ldapsearch(typed(PHONEBOOK_NAME_FILTER, 'fax'), { bind: phone });
  assert.deepEqual(cns(r), []);
});

test('a caller\'s number finds its contact (number filter, any usual form)', async () => {
  for (const number of ['0212345678', '+390212345678', '00393331234567', '3331234567']) {
    const r = await ldapsearch(PHONEBOOK_NUMBER_FILTER.replaceAll('%', number), { bind: phone, attributes: ['cn'] });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(cns(r), ['Mario Bianchi'], number);
  }
  const r = await ldapsearch(PHONEBOOK_NUMBER_FILTER.replaceAll('%', '201'), { bind: phone, attributes: ['cn'] });
  assert.deepEqual(cns(r), ['Anna Müller'], 'extensions by their number');
});

test('wrong credentials are refused (49); anonymous searches only when enabled', async () => {
  assert.equal((await ldapsearch('(cn=*)', { bind: [phoneLdapBindDn('201'), 'Wrong-Password-1'] })).code, 49);
  assert.equal((await ldapsearch('(cn=*)', { bind: [phoneLdapBindDn('nobody'), PHONE_PASSWORD] })).code, 49);
  assert.equal((await ldapsearch('(cn=*)', { bind: ['cn=admin,dc=pbx', PHONE_PASSWORD] })).code, 49);
  assert.equal((await ldapsearch('(cn=*)', { bind: ['cn=phonebook,ou=users,dc=pbx', 'Wrong-Password-1'] })).code, 49);
  const anonymous = await ldapsearch('(cn=*)');
  assert.equal(anonymous.code, 50, 'insufficientAccessRights');
  assert.equal(anonymous.entries.size, 0);

  const r = await api.patch('/directory', { anonymous: true });
  assert.equal(r.status, 200, r.text);
  await waitFor(async () => (await ldapsearch('(cn=anna*)')).code === 0, 30_000, 'anonymous searches allowed');
  assert.deepEqual(cns(await ldapsearch('(cn=anna*)')), ['Anna Müller']);
  assert.equal((await api.patch('/directory', { anonymous: false })).status, 200);
  await waitFor(async () => (await ldapsearch('(cn=anna*)')).code === 50, 30_000, 'anonymous searches refused again');
});

test('the phonebook user binds with its password', async () => {
  const r = await ldapsearch(typed(PHONEBOOK_NAME_FILTER, 'rossi'), { bind: ['cn=phonebook,ou=users,dc=pbx', PHONEBOOK_PASSWORD] });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(cns(r), ['Bruno Rossi']);
});

test('the size limit: the entries up to it, then sizeLimitExceeded (4)', async () => {
  const r = await ldapsearch('(objectClass=inetOrgPerson)', { bind: phone, sizeLimit: 2, attributes: ['cn'] });
  assert.equal(r.code, 4, r.stderr);
  assert.equal(r.entries.size, 2);
  const all = await ldapsearch('(objectClass=inetOrgPerson)', { bind: phone, attributes: ['cn'] });
  assert.equal(all.code, 0);
  assert.deepEqual(cns(all), ['Anna Müller', 'Bruno Rossi', 'Mario Bianchi', 'Élodie Durand']);
});

test('personal contacts belong to their user and are never published', async () => {
  let r = await api.post('/roles', { name: 'staff', permissions: { phonebook: 'read' } });
  assert.equal(r.status, 201, r.text);
  r = await api.post('/users', { username: 'anna', role: 'staff', password: 'Desk-Temp-Pass-91', extension: '201' });
  assert.equal(r.status, 201, r.text);
  const anon = new ApiClient(api.base);
  const first = anon.with(sessionOf(await anon.post('/auth/login', { username: 'anna', password: 'Desk-Temp-Pass-91' })));
  assert.equal((await first.post('/auth/password', { currentPassword: 'Desk-Temp-Pass-91', newPassword: 'Blue-Own-Pass-73' })).status, 204);
  const anna = anon.with(sessionOf(await anon.post('/auth/login', { username: 'anna', password: 'Blue-Own-Pass-73' })));

  const created = await anna.post('/me/contacts', { name: 'Zia Carla', numbers: [{ type: 'mobile', number: '3339998887' }] });
  assert.equal(created.status, 201, created.text);
  assert.equal((await anna.get('/me/contacts')).body.items.length, 1);
  const id = created.body.id as number;
  assert.equal((await anna.put(`/me/contacts/${id}`, { name: 'Zia Carla B', numbers: [{ type: 'mobile', number: '3339998887' }] })).status, 200);
  // The admin has no extension: a clear conflict, not someone else's list.
  assert.equal((await api.get('/me/contacts')).status, 409);

  for (const filter of ['(cn=zia*)', PHONEBOOK_NUMBER_FILTER.replaceAll('%', '3339998887')]) {
    const r = await ldapsearch(filter, { bind: phone });
    assert.equal(r.code, 0);
    assert.equal(r.entries.size, 0, `${filter} must not find a personal contact`);
  }
  assert.equal((await anna.delete(`/me/contacts/${id}`)).status, 204);
  assert.equal((await anna.get('/me/contacts')).body.items.length, 0);
});

test('import: bad rows refused with their line and column; 10,000 contacts imported and searched', async () => {
  const bad = await api.post('/phonebook/import', Buffer.from('name,work\nGood Person,021234567\n,021234567\nBad Number,abc\n'), { 'content-type': 'text/csv' });
  assert.equal(bad.status, 400, bad.text);
  assert.deepEqual(
    bad.body.error.fields.map((f: { path: string }) => f.path),
    ['line[3].name', 'line[4].work'],
  );
  assert.equal((await api.get('/phonebook?limit=1')).body.total, 2, 'nothing was imported');

  const lines = ['name,company,work,mobile'];
  for (let i = 0; i < 10_000; i++) lines.push(`Person ${String(i).padStart(5, '0')} Surname${i % 100},Company ${i % 50},+39021${String(i).padStart(6, '0')},333${String(i).padStart(7, '0')}`);
  const csv = Buffer.from(lines.join('\n'));
  const dry = await api.post('/phonebook/import?mode=replace&dryRun=true', csv, { 'content-type': 'text/csv' });
  assert.equal(dry.status, 200, dry.text);
  assert.deepEqual({ created: dry.body.created, deleted: dry.body.deleted, dryRun: dry.body.dryRun }, { created: 10_000, deleted: 2, dryRun: true });
  const done = await api.post('/phonebook/import?mode=replace', csv, { 'content-type': 'text/csv' });
  assert.equal(done.status, 200, done.text);
  assert.equal(done.body.created, 10_000);

  let r = await ldapsearch(typed(PHONEBOOK_NAME_FILTER, 'person 0421'), { bind: phone, attributes: ['cn', 'telephoneNumber'] });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(cns(r), Array.from({ length: 10 }, (_, i) => `Person 0421${i} Surname${(4210 + i) % 100}`));
  r = await ldapsearch(PHONEBOOK_NUMBER_FILTER.replaceAll('%', '021004321'), { bind: phone, attributes: ['cn'] });
  assert.deepEqual(cns(r), ['Person 04321 Surname21']);
  r = await ldapsearch('(sn=surname7)', { bind: phone, attributes: ['cn'] });
  assert.equal(r.code, 0);
  assert.equal(r.entries.size, 100);
  r = await ldapsearch('(cn=*)', { bind: phone, attributes: ['cn'] });
  assert.equal(r.code, 4, 'the default size limit (200) cuts a search of everything');
  assert.equal(r.entries.size, 200);

  const exported = await api.download('/phonebook/export?format=csv');
  assert.equal(exported.status, 200);
  const text = exported.data.toString('utf8');
  assert.match(text, /^\uFEFFid,name,company,work,mobile,home,fax,other,email\r?\n/);
  assert.equal(text.trim().split(/\r?\n/).length, 10_001);
});
