// REST API over the real daemon (no Asterisk: PBX_ASTERISK=none keeps it fast; the call tests
// use real Asterisk). Every answer is also checked against the OpenAPI document (test/lib/api.ts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync, gunzipSync } from 'node:zlib';
import { startApiDaemon, adminSession, adminToken, type ApiClient, type ApiDaemon } from '../lib/api.ts';

let d: ApiDaemon;
let api: ApiClient;

before(async () => {
  d = await startApiDaemon();
  api = await adminToken(await adminSession(d.base, d.dataDir, d.contract));
});
after(async () => {
  await d?.stop();
});

const dev = (u: string) => ({ username: u, password: `Kq7-vWz2pLm-${[...u].map((c) => 'abcdefghij'[Number(c)]).join('')}` });

test('extensions: create, get, list with search/filter/sort/paging, replace, patch, delete', async () => {
  for (const [n, name] of [['201', 'Alice Rossi'], ['202', 'Bob Bianchi'], ['203', 'Carla Verdi']] as const) {
    const r = await api.post('/extensions', { number: n, name, devices: [dev(n)] });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.item.number, n);
    assert.equal(typeof r.body.revision, 'number');
  }
  assert.equal((await api.get('/extensions/202')).body.name, 'Bob Bianchi');

  let r = await api.get('/extensions?q=bianchi');
  assert.deepEqual(r.body.items.map((e: any) => e.number), ['202']);
  r = await api.get('/extensions?sort=-number&limit=2');
  assert.deepEqual(r.body.items.map((e: any) => e.number), ['203', '202']);
  assert.equal(r.body.total, 3);
  r = await api.get('/extensions?sort=number&limit=2&offset=2');
  assert.deepEqual(r.body.items.map((e: any) => e.number), ['203']);

  r = await api.patch('/extensions/203', { dnd: true, email: 'carla@example.com' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.item.dnd, true);
  assert.equal(r.body.item.name, 'Carla Verdi', 'a patch keeps the fields it does not name');
  r = await api.get('/extensions?dnd=true');
  assert.deepEqual(r.body.items.map((e: any) => e.number), ['203']);
  r = await api.patch('/extensions/203', { email: null });
  assert.equal(r.body.item.email, undefined, 'null removes a field (merge patch)');

  r = await api.put('/extensions/203', { name: 'Carla V.' });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body.item.devices, [], 'PUT replaces the whole object');
  r = await api.put('/extensions/203', { number: '204', name: 'Renamed' });
  assert.equal(r.status, 400);
  assert.equal(r.body.error.fields[0].path, 'number');

  r = await api.delete('/extensions/203');
  assert.equal(r.status, 200, r.text);
  assert.equal((await api.get('/extensions/203')).status, 404);
});

test('bad input: field errors in one shape, never a 500', async () => {
  let r = await api.post('/extensions', { number: '2x', name: '', devices: 'no', extra: 1 });
  assert.equal(r.status, 400);
  assert.equal(r.body.error.code, 'validation_failed');
  const paths = r.body.error.fields.map((f: any) => f.path);
  assert.ok(paths.includes('number') && paths.includes('name') && paths.includes('devices'), JSON.stringify(paths));
  assert.ok(r.body.error.fields.some((f: any) => /Unrecognized key.*extra/.test(f.message)), 'unknown fields are refused');

  r = await api.request('POST', '/extensions', '{"number": "205",', { 'content-type': 'application/json' });
  assert.equal(r.status, 400);
  assert.equal(r.body.error.code, 'bad_request');

  r = await api.post('/extensions', { number: '205', name: 'x'.repeat(2_000_000) });
  assert.equal(r.status, 413);
  assert.equal(r.body.error.code, 'payload_too_large');

  // A newline in a name could inject lines into Asterisk's files: refused at the API.
  r = await api.post('/extensions', { number: '205', name: 'Eve\n[evil]\nexten => _X.,1,System(rm -rf /)' });
  assert.equal(r.status, 400);
  r = await api.get('/extensions?limit=5000');
  assert.equal(r.status, 400);
  r = await api.get('/extensions?sort=password');
  assert.equal(r.status, 400);
  assert.equal((await api.get('/no-such-thing')).status, 404);
  assert.equal((await api.get('/trunks/nope')).status, 404);
  assert.equal((await api.delete('/webhooks/nope')).status, 404);
});

test('conflicts: used numbers and names are 409; deleting a referenced object lists who uses it', async () => {
  let r = await api.post('/extensions', { number: '201', name: 'Again' });
  assert.equal(r.status, 409);
  r = await api.post('/extensions', { number: '112', name: 'Emergency clash' });
  assert.equal(r.status, 409);
  assert.match(r.body.error.message, /emergency number 112/);
  r = await api.post('/extensions', { number: '206', name: 'Same device', devices: [dev('201')] });
  assert.equal(r.status, 409, 'a device username used by another extension is a conflict');
  assert.equal(r.body.error.fields[0].path, 'devices[0].username');

  assert.equal((await api.post('/trunks', { name: 'carrier', type: 'ip', host: '192.0.2.10' })).status, 201);
  assert.equal((await api.post('/outbound-rules', { name: 'national', patterns: ['0XXXXXXXX.'], trunks: ['carrier'] })).status, 201);
  assert.equal((await api.post('/calling-classes', { name: 'staff', rules: ['national'] })).status, 201);
  assert.equal((await api.post('/inbound-routes', { did: '0212345678', destination: { extension: '201' } })).status, 201);

  r = await api.delete('/trunks/carrier');
  assert.equal(r.status, 409);
  assert.deepEqual(r.body.error.fields.map((f: any) => f.message), ['used by outbound rule national']);
  r = await api.delete('/extensions/201');
  assert.equal(r.status, 409);
  assert.match(r.body.error.message, /inbound route 0212345678/);
  r = await api.post('/outbound-rules', { name: 'bad', patterns: ['00X.'], trunks: ['missing'] });
  assert.equal(r.status, 400);
  assert.equal(r.body.error.fields[0].path, 'trunks[0]');
  assert.match(r.body.error.fields[0].message, /does not exist/);
});

test('ordered collections: position on create and move', async () => {
  assert.equal((await api.post('/trunks?position=0', { name: 'backup', type: 'ip', host: '192.0.2.11' })).status, 201);
  assert.deepEqual((await api.get('/trunks')).body.items.map((t: any) => t.name), ['backup', 'carrier']);
  const r = await api.post('/trunks/backup/move', { position: 1 });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body.order, ['carrier', 'backup']);
});

test('system settings, emergency numbers, AMI users and webhooks', async () => {
  let r = await api.patch('/system', { name: 'ACME PBX', timezone: 'Europe/Rome' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.item.name, 'ACME PBX');
  assert.equal((await api.get('/system')).body.timezone, 'Europe/Rome');
  r = await api.patch('/system', { rtpStart: 20000, rtpEnd: 10000 });
  assert.equal(r.status, 400);
  r = await api.put('/emergency-numbers', { numbers: ['112', '113', '201'] });
  assert.equal(r.status, 409, 'an emergency number cannot take an extension number');
  r = await api.put('/emergency-numbers', { numbers: ['112', '113'] });
  assert.equal(r.status, 200, r.text);

  r = await api.post('/ami-users', { username: 'crm', secret: 'Zt8-Lq2w-Rv5x', read: ['call'], permit: ['10.0.0.0/8'] });
  assert.equal(r.status, 201, r.text);
  r = await api.post('/ami-users', { username: 'evil', secret: 'Evil-Secret-7fQx', write: ['command'], permit: ['10.0.0.0/8'] });
  assert.equal(r.status, 400, 'dangerous AMI classes are not offered');
  r = await api.post('/webhooks', { name: 'crm', url: 'https://crm.example.com/hook', events: ['call.ringing'], secret: 'a-long-webhook-secret-1' });
  assert.equal(r.status, 201, r.text);
  r = await api.post('/webhooks', { name: 'bad', url: 'file:///etc/passwd', events: ['call.ringing'], secret: 'a-long-webhook-secret-1' });
  assert.equal(r.status, 400);
  r = await api.get('/webhooks/crm/deliveries');
  assert.equal(r.status, 200);
});

test('phonebook: contacts found by name or number', async () => {
  let r = await api.post('/phonebook', { id: 'lucia', name: 'Lucia Bianchi', company: 'ACME', numbers: [{ type: 'mobile', number: '+393471112299' }] });
  assert.equal(r.status, 201, r.text);
  r = await api.post('/phonebook', { id: 'bad', name: 'No Numbers', numbers: [] });
  assert.equal(r.status, 400);
  assert.deepEqual((await api.get('/phonebook?q=3471112299')).body.items.map((c: any) => c.id), ['lucia']);
  assert.deepEqual((await api.get('/phonebook?company=ACME')).body.items.map((c: any) => c.id), ['lucia']);
});

test('the audit log is written with the change, in the same transaction; a refused change leaves no row', async () => {
  const before = (await api.get('/audit?limit=1')).body.items[0].id;
  const refused = await api.post('/extensions', { number: '207', name: 'Bad fwd', forward: { always: { extension: '999' } } });
  assert.equal(refused.status, 400);
  assert.equal((await api.get('/audit?limit=1')).body.items[0].id, before, 'no audit row for a refused change');

  const ok = await api.post('/extensions', { number: '207', name: 'Dora', devices: [dev('207')] });
  assert.equal(ok.status, 201);
  const entry = (await api.get('/audit?limit=1')).body.items[0];
  assert.equal(entry.action, 'extensions.create');
  assert.equal(entry.objectType, 'extension');
  assert.equal(entry.objectKey, '207');
  assert.equal(entry.actor, 'token:test');
  assert.match(entry.source, /^api 127\.0\.0\.1$/);
  assert.equal(entry.revision, ok.body.revision);
  assert.ok(!JSON.stringify(entry).includes('Kq7-vWz2pLm'), 'secrets are masked in the audit log');

  const filtered = await api.get('/audit?objectType=extension&objectKey=207');
  assert.ok(filtered.body.items.length >= 1 && filtered.body.items.every((e: any) => e.objectKey === '207'));
  const csv = await api.get('/audit?format=csv&limit=5');
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get('content-type')!, /text\/csv/);
  assert.match(csv.text.split('\r\n')[0]!, /^id,at,actor,source,action/);
});

test('revert restores an object as it was before a change, as an audited change', async () => {
  await api.patch('/extensions/207', { name: 'Dora Changed', dnd: true });
  const change = (await api.get('/audit?limit=1')).body.items[0];
  let r = await api.post(`/audit/${change.id}/revert`);
  assert.equal(r.status, 200, r.text);
  const ext = (await api.get('/extensions/207')).body;
  assert.equal(ext.name, 'Dora');
  assert.equal(ext.dnd, false);
  assert.equal(ext.devices[0].password, 'Kq7-vWz2pLm-cah', 'secrets come back too');
  const revert = (await api.get('/audit?limit=1')).body.items[0];
  assert.equal(revert.action, 'audit.revert');
  assert.equal(r.body.auditId, revert.id, 'the answer names the revert\'s own audit entry');
  // Time filters accept any offset: the same instant written in +02:00 finds the same entry.
  const local = new Date(Date.parse(revert.at) + 2 * 3600_000).toISOString().replace('Z', '+02:00');
  const around = await api.get(`/audit?from=${encodeURIComponent(local)}&limit=5`);
  assert.ok(around.body.items.some((e: { id: number }) => e.id === revert.id), 'from= with an offset is compared as the same instant');

  // Reverting a creation deletes the object; reverting a deletion brings it back.
  const created = (await api.get('/audit?action=extensions.create&objectKey=207')).body.items[0];
  r = await api.post(`/audit/${created.id}/revert`);
  assert.equal(r.status, 200, r.text);
  assert.equal((await api.get('/extensions/207')).status, 404);
  const deleted = (await api.get('/audit?limit=1')).body.items[0];
  r = await api.post(`/audit/${deleted.id}/revert`);
  assert.equal((await api.get('/extensions/207')).status, 200);

  // A revert that would break a reference is refused like any change.
  const routeCreated = (await api.get('/audit?action=extensions.create&objectKey=201')).body.items[0];
  r = await api.post(`/audit/${routeCreated.id}/revert`);
  assert.equal(r.status, 400, r.text);
  assert.match(r.body.error.fields[0].message, /extension 201 does not exist/);
  assert.equal((await api.post('/audit/999999/revert')).status, 404);
  const login = (await api.get('/audit?action=auth.login')).body.items[0];
  assert.equal((await api.post(`/audit/${login.id}/revert`)).status, 409, 'a login is not a configuration change');
});

test('preview shows the rendered files and their diff before apply', async () => {
  const r = await api.get('/config/preview');
  assert.equal(r.status, 200, r.text);
  const pjsip = r.body.files.find((f: any) => f.name === 'pjsip.conf');
  assert.ok(pjsip);
  const status = await api.get('/config/status');
  assert.equal(status.status, 200);
  assert.equal(typeof status.body.apply.state, 'string');
});

test('backup and restore round trip; unknown versions and foreign files are refused', async () => {
  const b = await api.download('/backup');
  assert.equal(b.status, 200);
  assert.match(b.headers.get('content-disposition')!, /pbx-backup-.*\.json\.gz/);
  const doc = JSON.parse(gunzipSync(b.data).toString('utf8'));
  assert.equal(doc.format, 'pbx-appliance-backup');
  assert.equal(doc.schemaVersion, 1);
  const snapshot = (await api.get('/extensions?limit=1000')).body.items;

  // Change things, then restore: everything is back, in one audited change.
  await api.delete('/extensions/207');
  await api.post('/extensions', { number: '299', name: 'Temp' });
  let r = await api.request('POST', '/backup/restore', b.data, { 'content-type': 'application/gzip' });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual((await api.get('/extensions?limit=1000')).body.items, snapshot);
  const entry = (await api.get('/audit?limit=1')).body.items[0];
  assert.equal(entry.action, 'backup.restore');

  const future = gzipSync(JSON.stringify({ ...doc, schemaVersion: 99 }));
  r = await api.request('POST', '/backup/restore', future, { 'content-type': 'application/gzip' });
  assert.equal(r.status, 400);
  assert.match(r.body.error.message, /schema version 99 is unknown/);
  r = await api.request('POST', '/backup/restore', Buffer.from('not an archive'), { 'content-type': 'application/gzip' });
  assert.equal(r.status, 400);
  const broken = { ...doc, config: { ...doc.config, extensions: [{ number: 'bad' }] } };
  r = await api.post('/backup/restore', broken);
  assert.equal(r.status, 400);
  assert.deepEqual((await api.get('/extensions?limit=1000')).body.items, snapshot, 'a refused restore changes nothing');
});

test('every route of the API is in the OpenAPI document, and the docs page is served', async () => {
  const doc = (await d.anon.get('/openapi.json')).body;
  assert.equal(doc.openapi, '3.1.0');
  // The express router's own table, compared with the document.
  const html = await d.anon.get('/docs');
  assert.equal(html.status, 200);
  assert.match(html.text, /PBX appliance API/);
  const documented = new Set<string>();
  for (const [p, ops] of Object.entries<any>(doc.paths)) for (const m of Object.keys(ops)) documented.add(`${m} ${p}`);
  for (const p of ['/extensions', '/extensions/{key}', '/trunks/{key}/move', '/audit/{id}/revert', '/config/preview', '/backup', '/backup/restore', '/calls', '/events', '/tokens', '/roles', '/users'])
    assert.ok([...documented].some((x) => x.endsWith(` ${p}`)), `${p} documented`);
});
