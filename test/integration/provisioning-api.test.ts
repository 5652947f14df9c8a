// The provisioning REST API over the real daemon (no Asterisk: PBX_ASTERISK=none): phones with
// MACs in any notation, CSV/XLSX import all or nothing with errors by line and column, the
// export round trip, the file preview, settings, and NOTIFY answering a clear error when there
// is no Asterisk to send it. Every answer is checked against the OpenAPI document.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import ExcelJS from 'exceljs';
import { startApiDaemon, adminSession, type ApiClient, type ApiDaemon } from '../lib/api.ts';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const HEADER = 'mac,vendor,model,description,lines,keys,language,timezone,adminPassword,httpUser,httpPassword,template';

let d: ApiDaemon;
let api: ApiClient;

before(async () => {
  d = await startApiDaemon();
  // The admin's session: its role has every section, provisioning included.
  api = await adminSession(d.base, d.dataDir, d.contract);
});
after(async () => {
  await d?.stop();
});

/** Device passwords the strength rules take (never containing the user name). */
const dev = (u: string) => ({ username: u, password: `Kq7-vWz2pLm-${[...u].map((c) => 'abcdefghij'[Number(c)]).join('')}` });
const mac = (n: number) => `00:15:65:${[(n >> 16) & 255, (n >> 8) & 255, n & 255].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
const csv = (body: string) => api.request('POST', '/phones/import', body, { 'content-type': 'text/csv' });
const phoneCount = async () => (await api.get('/phones?limit=1')).body.total as number;

test('extensions for the phones, created in bulk', async () => {
  const items = Array.from({ length: 510 }, (_, i) => ({ number: String(3000 + i), name: `User ${3000 + i}`, devices: [dev(String(3000 + i))] }));
  const r = await api.post('/extensions/bulk', { items });
  assert.equal(r.status, 201, r.text);
});

test('a phone created with a MAC in colon notation is stored canonical with a generated admin password', async () => {
  let r = await api.post('/phones', { mac: '00:15:65:AA:BB:CC', vendor: 'yealink', model: 'T46S', lines: [{ account: '3500' }], keys: [{ type: 'blf', extension: '3501' }] });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.item.mac, '001565aabbcc');
  assert.equal(typeof r.body.item.adminPassword, 'string');
  assert.ok(r.body.item.adminPassword.length >= 12, 'generated');
  r = await api.get('/phones/00-15-65-aa-bb-cc');
  assert.equal(r.status, 200, 'found in another notation');
  assert.equal(r.body.mac, '001565aabbcc');
  r = await api.post('/phones', { mac: '001565aabbcc', vendor: 'yealink', model: 'T46S', lines: [{ account: '3502' }] });
  assert.equal(r.status, 409);
});

test('a 500-row CSV import creates 500 phones in one revision', async () => {
  const rows = Array.from({ length: 500 }, (_, i) => `${mac(i + 1)},yealink,T46S,Desk ${i},${3000 + i},blf:${3000 + ((i + 1) % 500)}|dnd,,,,,,`);
  const before = await phoneCount();
  const revision = (await api.get('/config/status')).body?.revision;
  const r = await csv([HEADER, ...rows].join('\r\n') + '\r\n');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.created, 500);
  assert.equal(r.body.updated, 0);
  assert.equal(await phoneCount(), before + 500);
  if (typeof revision === 'number') assert.equal(r.body.revision, revision + 1, 'one revision');
  const p = (await api.get(`/phones/${mac(7)}`)).body;
  assert.deepEqual(p.lines, [{ account: '3006' }]);
  assert.deepEqual(p.keys, [{ type: 'blf', extension: '3007' }, { type: 'dnd' }]);
  assert.ok(p.adminPassword.length >= 12, 'admin passwords generated for imported phones');
});

test('a CSV with bad rows is refused whole: 400 naming every bad line and column, nothing changed', async () => {
  const count = await phoneCount();
  const auditBefore = (await api.get('/audit?limit=1')).body.items?.[0]?.id;
  // Line 3: not a MAC; line 5: an unknown key type.
  let r = await csv(
    [HEADER, `${mac(1001)},snom,D715,,3501,,,,,,,`, `00:15:65:zz,snom,D715,,3502,,,,,,,`, `${mac(1003)},snom,D715,,3503,,,,,,,`, `${mac(1004)},snom,D715,,3504,fax:1,,,,,,`].join('\n'),
  );
  assert.equal(r.status, 400, r.text);
  assert.equal(r.body.error.code, 'validation_failed');
  assert.deepEqual(
    r.body.error.fields.map((f: any) => [f.path, f.line]),
    [
      ['line[3].mac', 3],
      ['line[5].keys', 5],
    ],
  );
  assert.match(r.body.error.message, /nothing was imported/);

  // Rows the model refuses (a device no extension has, a device already on another phone) are named the same way.
  r = await csv([HEADER, `${mac(1001)},snom,D715,,3501,,,,,,,`, `${mac(1002)},snom,D715,,9999,,,,,,,`, `${mac(1003)},snom,D715,,3500,,,,,,,`].join('\n'));
  assert.equal(r.status, 400, r.text);
  assert.deepEqual(
    r.body.error.fields.map((f: any) => f.path),
    ['line[3].lines', 'line[4].lines'],
  );
  assert.match(r.body.error.fields[0].message, /^line 1: no extension has a device 9999/);

  // A header the box does not know is an error on line 1.
  r = await csv(`mac,vendor,model,lines,colour\n${mac(1001)},snom,D715,3501,red\n`);
  assert.equal(r.status, 400);
  assert.deepEqual(r.body.error.fields.map((f: any) => f.path), ['line[1].colour']);

  assert.equal(await phoneCount(), count, 'nothing was created');
  assert.equal((await api.get('/audit?limit=1')).body.items?.[0]?.id, auditBefore, 'nothing was written');
});

test('import refuses other media types and bodies over 5 MB', async () => {
  let r = await api.request('POST', '/phones/import', JSON.stringify({ items: [] }), { 'content-type': 'application/json' });
  assert.equal(r.status, 415, r.text);
  r = await api.request('POST', '/phones/import', Buffer.alloc(5 * 1024 * 1024 + 10, 0x41), { 'content-type': 'text/csv' });
  assert.equal(r.status, 413, r.text);
});

test('XLSX round trip: export, import the same file → nothing created or changed', async () => {
  const count = await phoneCount();
  const out = await api.download('/phones/export?format=xlsx');
  assert.equal(out.status, 200);
  assert.equal(out.headers.get('content-type'), XLSX);
  assert.match(out.headers.get('content-disposition') ?? '', /attachment; filename="phones.xlsx"/);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(out.data as never);
  assert.equal(wb.worksheets[0]!.rowCount, count + 1, 'a header and one row per phone');
  assert.equal(wb.worksheets[0]!.getCell('A1').value, 'mac');

  const r = await api.request('POST', '/phones/import', out.data, { 'content-type': XLSX });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.created, 0);
  assert.equal(r.body.updated, 0);
  assert.equal(r.body.unchanged, count);

  // The CSV export is the same data (passwords included for a writer) and imports back too.
  const text = await api.download('/phones/export');
  assert.equal(text.status, 200);
  assert.match(text.headers.get('content-type') ?? '', /^text\/csv/);
  const lines = text.data.toString('utf8').replace(/^\uFEFF/, '').trimEnd().split('\r\n');
  assert.equal(lines[0], HEADER);
  assert.equal(lines.length, count + 1);
  assert.ok(lines.some((l) => l.startsWith('00:15:65:aa:bb:cc,yealink,T46S,,3500,blf:3501,')));
  const again = await csv(text.data.toString('utf8'));
  assert.equal(again.status, 200, again.text);
  assert.equal(again.body.created, 0);
});

test('an import replaces the phones it names and keeps their admin passwords when left empty', async () => {
  const before = (await api.get('/phones/001565aabbcc')).body;
  const r = await csv(`${HEADER}\n00:15:65:aa:bb:cc,yealink,T54W,Reception,3500=Front desk,,it,,,,,\n${mac(2001)},fanvil,X4U,,3505,,,,,,,\n`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual([r.body.created, r.body.updated], [1, 1]);
  const after = (await api.get('/phones/001565aabbcc')).body;
  assert.equal(after.model, 'T54W');
  assert.deepEqual(after.lines, [{ account: '3500', label: 'Front desk' }]);
  assert.deepEqual(after.keys, [], 'the file says no keys');
  assert.equal(after.adminPassword, before.adminPassword);
});

test('file preview: 404 for a phone that does not exist, the files of one that does', async () => {
  let r = await api.get('/phones/00:15:65:ff:ff:fe/files');
  assert.equal(r.status, 404);
  r = await api.get('/phones/not-a-mac/files');
  assert.equal(r.status, 400);

  r = await api.get('/phones/00:15:65:aa:bb:cc/files');
  if (r.status === 503) return; // the daemon has no provisioning wired (main.ts)
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.mac, '001565aabbcc');
  assert.ok(Array.isArray(r.body.files));
  for (const f of r.body.files) {
    assert.equal(typeof f.file, 'string');
    assert.ok(f.url.startsWith(`http://127.0.0.1:${d.daemon.httpPort}/provisioning/`), f.url);
  }
  r = await api.get('/phones/001565aabbcc/files?address=192.0.2.10');
  for (const f of r.body.files) assert.ok(f.url.startsWith(`http://192.0.2.10:${d.daemon.httpPort}/provisioning/`), f.url);
  if (r.body.files.length === 0) return; // the vendor's profile has no files yet
  const first = r.body.files[0];
  const file = await api.get(`/phones/00:15:65:aa:bb:cc/files/${first.file}`);
  assert.equal(file.status, 200, file.text);
  assert.ok(file.text.includes('3500'), 'the line account is in the file');
  assert.ok(file.text.includes(dev('3500').password), 'with its SIP password, as the phone gets it');
  assert.ok((file.headers.get('content-type') ?? '') !== '');
  assert.equal((await api.get(`/phones/001565aabbcc/files/no-such-file`)).status, 404);
});

test('provisioning settings: GET, PATCH, bad values refused', async () => {
  let r = await api.get('/provisioning/settings');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.transport, 'udp');
  r = await api.patch('/provisioning/settings', { resyncMinutes: 60, address: 'pbx.example.com' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.item.resyncMinutes, 60);
  assert.equal((await api.get('/provisioning/settings')).body.address, 'pbx.example.com');
  r = await api.patch('/provisioning/settings', { transport: 'sctp' });
  assert.equal(r.status, 400);
  assert.equal(r.body.error.fields[0].path, 'transport');
  r = await api.patch('/provisioning/settings', { address: null });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.item.address, undefined);
});

test('installer info, vendors, request log and discovered phones', async () => {
  let r = await api.get('/provisioning/info');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.address, '127.0.0.1');
  assert.equal(r.body.httpUrl, `http://127.0.0.1:${d.daemon.httpPort}/provisioning/`);
  r = await api.get('/provisioning/vendors');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body.items.map((v: any) => v.vendor), ['yealink', 'snom', 'grandstream', 'poly', 'gigaset', 'cisco', 'fanvil']);
  r = await api.get('/provisioning/requests?limit=10');
  assert.equal(r.status, 200, r.text);
  assert.ok(Array.isArray(r.body.items));
  r = await api.get('/provisioning/discovered');
  assert.equal(r.status, 200, r.text);
  assert.equal((await api.delete('/provisioning/discovered/00:15:65:12:34:56')).status, 404);
});

test('resync and reboot without Asterisk: a clear error, never a 500', async () => {
  for (const path of ['/phones/00:15:65:aa:bb:cc/resync', '/phones/001565aabbcc/reboot']) {
    const r = await api.post(path, {});
    assert.ok(r.status === 200 || r.status === 503, `${path}: ${r.status} ${r.text}`);
    if (r.status === 200) {
      assert.deepEqual(r.body.results.map((x: any) => [x.mac, x.account, x.ok]), [['001565aabbcc', '3500', false]]);
      assert.ok(r.body.results[0].error.length > 0);
    } else assert.ok(r.body.error.message.length > 0);
  }
  let r = await api.post('/phones/00:15:65:ff:ff:fe/resync', {});
  assert.equal(r.status, 404);
  r = await api.post('/provisioning/notify', { vendor: 'fanvil', action: 'reboot' });
  assert.ok(r.status === 200 || r.status === 503, r.text);
  if (r.status === 200) assert.ok(r.body.results.every((x: any) => !x.ok && x.error));
  r = await api.post('/provisioning/notify', { mac: '001565aabbcc', all: true });
  assert.equal(r.status, 400);
});

test('a reader of provisioning sees no passwords and cannot import', async () => {
  let r = await api.post('/tokens', { name: 'prov-reader', scopes: { provisioning: 'read' } });
  assert.equal(r.status, 201, r.text);
  const reader = api.with({ token: r.body.token });
  const out = await reader.download('/phones/export');
  assert.equal(out.status, 200);
  const row = out.data.toString('utf8').split('\r\n').find((l) => l.startsWith('00:15:65:aa:bb:cc'))!;
  assert.equal(row.split(',')[8], '', 'no admin password for a reader');
  r = await reader.request('POST', '/phones/import', `${HEADER}\n`, { 'content-type': 'text/csv' });
  assert.equal(r.status, 403);
  r = await reader.get('/phones/001565aabbcc/files/device');
  assert.equal(r.status, 403, 'a file with passwords needs write');
});
