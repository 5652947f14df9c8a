// What the admin GUI needs of the server besides the object routes: the SPA served with its
// security headers and client-side routes, the status dashboard (REST and `status` events),
// the network summary, the first-boot setup state, bulk creation, batches of passwords,
// collection metadata and reference hints in the schemas. The first part runs without
// Asterisk (fast); the last test uses a real Asterisk 22 and SIPp phones.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiDaemon, adminSession, sessionOf, ADMIN_PASSWORD, Contract, type ApiClient, type ApiDaemon } from '../lib/api.ts';
import { startPbx, waitFor, type PbxInstance } from '../lib/pbx.ts';
import { runSipp, startSipp, stopAllSipp } from '../lib/sipp.ts';
import { openEventStream as openEvents } from '../lib/events.ts';

const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
const ALL_WRITE = Object.fromEntries(
  ['extensions', 'trunks', 'routing', 'groups', 'ivr', 'phonebook', 'switches', 'cdr', 'calls', 'crm', 'system', 'users', 'audit'].map((s) => [s, 'write']),
);

/** An admin token: the client using it and the raw token (for fetch on the event stream). */
async function adminTokenRaw(base: string, dataDir: string, contract: ApiDaemon['contract']): Promise<{ api: ApiClient; token: string; session: ApiClient }> {
  const session = await adminSession(base, dataDir, contract);
  const r = await session.post('/tokens', { name: 'gui-test', scopes: ALL_WRITE });
  assert.equal(r.status, 201, r.text);
  return { api: session.with({ token: r.body.token }), token: r.body.token, session };
}

const PW = (u: string) => `Sip-${[...u].map((c) => 'kmnpqrstvw'[Number(c)] ?? c).join('')}-9x`;

describe('without Asterisk', () => {
  let d: ApiDaemon;
  let api: ApiClient;
  let token: string;
  let parent: string;
  let webui: string;

  before(async () => {
    // Under a dot directory: where the GUI lives must not count as a hidden file.
    parent = mkdtempSync(join(tmpdir(), 'pbx-webui-'));
    webui = join(parent, '.build', 'dist');
    mkdirSync(join(webui, 'assets'), { recursive: true });
    writeFileSync(join(webui, 'index.html'), '<!doctype html><html><head><title>PBX GUI</title><script type="module" src="/assets/app-3f9a1c.js"></script></head><body><div id="root"></div></body></html>\n');
    writeFileSync(join(webui, 'assets', 'app-3f9a1c.js'), 'console.log("gui");\n');
    writeFileSync(join(webui, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>\n');
    d = await startApiDaemon({ PBX_WEBUI_DIR: webui });
    ({ api, token } = await adminTokenRaw(d.base, d.dataDir, d.contract));
  });
  after(async () => {
    await d?.stop();
    if (parent) rmSync(parent, { recursive: true, force: true });
  });

  test('the GUI: files, hashed assets cached for good, index.html for client routes, security headers', async () => {
    const root = await fetch(`${d.base}/`);
    assert.equal(root.status, 200);
    assert.match(await root.text(), /<title>PBX GUI<\/title>/);
    assert.equal(root.headers.get('cache-control'), 'no-cache');
    assert.equal(root.headers.get('content-security-policy'), CSP);
    assert.equal(root.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(root.headers.get('referrer-policy'), 'no-referrer');

    const asset = await fetch(`${d.base}/assets/app-3f9a1c.js`);
    assert.equal(asset.status, 200);
    assert.equal(await asset.text(), 'console.log("gui");\n');
    assert.match(asset.headers.get('content-type') ?? '', /javascript/);
    assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(asset.headers.get('content-security-policy'), CSP);

    const icon = await fetch(`${d.base}/favicon.svg`);
    assert.equal(icon.status, 200);
    assert.match(icon.headers.get('content-type') ?? '', /svg/);

    for (const path of ['/extensions/201/edit', '/dashboard', '/index.html']) {
      const r = await fetch(`${d.base}${path}`);
      assert.equal(r.status, 200, path);
      assert.match(await r.text(), /<title>PBX GUI<\/title>/, path);
      assert.equal(r.headers.get('cache-control'), 'no-cache', path);
      assert.equal(r.headers.get('content-security-policy'), CSP, path);
    }

    // Files that do not exist, API routes that do not exist and provisioning paths (phones) are
    // 404s, never the SPA.
    for (const path of ['/assets/missing-123.js', '/logo.png', '/api/v1/no-such-route', '/api/nope', '/api/v1/extensions/201/nope']) {
      const r = await fetch(`${d.base}${path}`);
      assert.equal(r.status, 404, path);
      assert.match(r.headers.get('content-type') ?? '', /application\/json/, path);
      assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'not_found', path);
    }
    for (const path of ['/provisioning/', '/provisioning/001565aabbcc.cfg', '/provisioning/index.html']) {
      const r = await fetch(`${d.base}${path}`);
      assert.equal(r.status, 404, path);
      assert.doesNotMatch(await r.text(), /<title>PBX GUI<\/title>/, path);
    }
    const post = await fetch(`${d.base}/extensions`, { method: 'POST' });
    assert.equal(post.status, 404);
    // The API keeps its own headers (the docs page its own CSP).
    const docs = await fetch(`${d.base}/api/v1/docs`);
    assert.equal(docs.status, 200);
    assert.notEqual(docs.headers.get('content-security-policy'), CSP);
    assert.equal((await api.get('/health')).status, 200);
  });

  test('without a built GUI, / explains how to build it and links the API docs', async () => {
    const other = await startApiDaemon({ PBX_WEBUI_DIR: join(webui, 'does-not-exist') });
    try {
      for (const path of ['/', '/extensions']) {
        const r = await fetch(`${other.base}${path}`);
        assert.equal(r.status, 200, path);
        const html = await r.text();
        assert.match(html, /make webui/);
        assert.match(html, /href="\/api\/v1\/docs"/);
        assert.equal(r.headers.get('content-security-policy'), CSP);
      }
      assert.equal((await fetch(`${other.base}/api/v1/nope`)).status, 404);
      assert.equal((await fetch(`${other.base}/api/v1/health`)).status, 200);
    } finally {
      await other.stop();
    }
  });

  test('GET /system/status without Asterisk: host figures, zeros and unknowns, apply and health', async () => {
    assert.equal((await api.post('/extensions', { number: '201', name: 'Alice', devices: [{ username: '201', password: PW('201') }, { username: '201b', password: PW('201b') }] })).status, 201);
    assert.equal((await api.post('/trunks', { name: 'carrier', type: 'ip', host: '192.0.2.10' })).status, 201);
    const r = await api.get('/system/status');
    assert.equal(r.status, 200, r.text);
    const s = r.body;
    assert.equal(typeof s.host.hostname, 'string');
    assert.ok(s.host.cpuCores >= 1);
    assert.ok(s.host.memory.totalBytes > 0 && s.host.memory.availableBytes > 0);
    assert.equal(s.host.load.length, 3);
    assert.ok(s.host.disk && s.host.disk.totalBytes > 0 && s.host.disk.mount.startsWith('/'), JSON.stringify(s.host.disk));
    assert.ok(s.host.cpuPercent >= 0 && s.host.cpuPercent <= 100);
    assert.deepEqual(s.asterisk, { state: 'disabled', ok: true });
    assert.deepEqual(s.calls, { active: 0 });
    assert.deepEqual(s.devices, { registered: 0, total: 2 });
    assert.deepEqual(s.trunks, [{ name: 'carrier', type: 'ip', state: 'unknown' }]);
    assert.equal(s.apply.revision, (await api.get('/config/status')).body.revision);
    assert.equal(typeof s.apply.apply.state, 'string');
    assert.deepEqual(s.health, { status: 'ok', reasons: [] });

    // Trunk names and states are the trunks section's: a system reader without it sees none.
    const role = await api.post('/roles', { name: 'status-only', permissions: { system: 'read' } });
    assert.equal(role.status, 201, role.text);
    const narrow = await api.post('/users', { username: 'observer', role: 'status-only', password: 'Watcher-Initial-2026!' });
    assert.equal(narrow.status, 201, narrow.text);
    const reader = d.anon.with(sessionOf(await d.anon.post('/auth/login', { username: 'observer', password: 'Watcher-Initial-2026!' })));
    assert.equal((await reader.post('/auth/password', { currentPassword: 'Watcher-Initial-2026!', newPassword: 'Watcher-Own-Passw0rd-9' })).status, 204);
    const seen = await reader.get('/system/status');
    assert.equal(seen.status, 200, seen.text);
    assert.deepEqual(seen.body.trunks, []);
    assert.equal(seen.body.devices.total, 2);
  });

  test('the event stream sends a status event on connecting (needs system read; ?types= filters)', async () => {
    const stream = await openEvents(`${d.base}/api/v1/events?types=status`, token);
    try {
      const e = await stream.next((x) => x.event === 'status', 10_000, 'the first status event');
      assert.equal(e.data.devices.total, 2);
      assert.equal(e.data.asterisk.state, 'disabled');
      assert.ok(!stream.events.some((x) => x.event === 'apply'), 'types=status leaves out apply events');
    } finally {
      await stream.close();
    }
  });

  test('GET /system/network: interfaces (IPv4 first), ports, provisioning URLs', async () => {
    await api.patch('/system', { externalAddress: 'pbx.example.com' });
    const r = await api.get('/system/network');
    assert.equal(r.status, 200, r.text);
    const n = r.body;
    assert.equal(n.httpPort, d.daemon.httpPort);
    assert.equal(n.sipPort, 5060);
    assert.equal(n.externalAddress, 'pbx.example.com');
    assert.ok(n.interfaces.every((i: any) => !i.address.startsWith('127.') && i.address !== '::1'), 'loopback is left out');
    const families = n.interfaces.map((i: any) => i.family);
    assert.deepEqual(families, [...families].sort((a: string, b: string) => (a === b ? 0 : a === 'IPv4' ? -1 : 1)), 'IPv4 first');
    const v4 = n.interfaces.filter((i: any) => i.family === 'IPv4').map((i: any) => i.address);
    assert.deepEqual(n.provisioningUrls, v4.map((a: string) => `http://${a}:${d.daemon.httpPort}/provisioning/`));
  });

  test('setup state: get, complete (audited, idempotent), reset; a read-only role may read but not complete', async () => {
    let r = await api.get('/setup');
    assert.deepEqual(r.body, { completed: false, completedAt: null, completedBy: null });
    r = await api.post('/setup/complete');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.completed, true);
    assert.equal(r.body.completedBy, 'token:gui-test');
    const at = r.body.completedAt;
    assert.ok(!Number.isNaN(Date.parse(at)));
    r = await api.post('/setup/complete');
    assert.equal(r.body.completedAt, at, 'completing again changes nothing');
    assert.equal((await api.post('/setup/reset', { confirm: true })).status, 400, 'the actions take no input');
    assert.equal((await api.get('/setup')).body.completed, true);
    assert.deepEqual((await api.get('/setup')).body, { completed: true, completedAt: at, completedBy: 'token:gui-test' });
    let audit = await api.get('/audit?action=setup.complete');
    assert.equal(audit.body.items.length, 1);
    assert.equal(audit.body.items[0].actor, 'token:gui-test');
    assert.equal(audit.body.items[0].revertible, false);

    // A role that reads the system section.
    assert.equal((await api.post('/roles', { name: 'viewer', permissions: { system: 'read', extensions: 'read', routing: 'read' } })).status, 201);
    assert.equal((await api.post('/users', { username: 'vera', password: 'Qz8-Temp-Lm4-Wx7', role: 'viewer' })).status, 201);
    const anon = d.anon;
    let login = await anon.post('/auth/login', { username: 'vera', password: 'Qz8-Temp-Lm4-Wx7' });
    const first = anon.with(sessionOf(login));
    assert.equal((await first.post('/auth/password', { currentPassword: 'Qz8-Temp-Lm4-Wx7', newPassword: 'Rk5-Blue-Sky-9Tq' })).status, 204);
    login = await anon.post('/auth/login', { username: 'vera', password: 'Rk5-Blue-Sky-9Tq' });
    const viewer = anon.with(sessionOf(login));
    assert.equal((await viewer.get('/setup')).status, 200);
    assert.equal((await viewer.post('/setup/complete')).status, 403);
    assert.equal((await viewer.post('/setup/reset')).status, 403);
    assert.equal((await viewer.get('/system/status')).status, 200);

    // Collections: only the sections the caller may read.
    const mine = await viewer.get('/collections');
    assert.equal(mine.status, 200, mine.text);
    assert.deepEqual(mine.body.items.map((c: any) => c.path), ['extensions', 'inbound-routes', 'outbound-rules', 'calling-classes', 'time-conditions', 'disa', 'blocked-callers']);
    const ext = mine.body.items[0];
    assert.deepEqual(ext, {
      type: 'extension',
      path: 'extensions',
      keyField: 'number',
      section: 'extensions',
      ordered: false,
      fields: ['number', 'name', 'email', 'class', 'language', 'dnd'],
      search: ['number', 'name', 'email'],
      secrets: ['devices.password', 'pin'],
    });
    const all = await api.get('/collections');
    assert.deepEqual(all.body.items.map((c: any) => c.path), ['extensions', 'trunks', 'inbound-routes', 'outbound-rules', 'calling-classes', 'ami-users', 'webhooks', 'phonebook', 'time-conditions', 'switches', 'ivrs', 'lookups', 'announcements', 'prompts', 'ring-groups', 'queues', 'disa', 'blocked-callers']);
    assert.equal(all.body.items.find((c: any) => c.path === 'trunks').ordered, true);

    r = await api.post('/setup/reset');
    assert.deepEqual(r.body, { completed: false, completedAt: null, completedBy: null });
    audit = await api.get('/audit?action=setup.reset');
    assert.equal(audit.body.items.length, 1);
  });

  test('bulk create: all in one revision, one audit entry per object, each revertible', async () => {
    const revision = (await api.get('/config/status')).body.revision;
    const items = ['301', '302', '303'].map((n) => ({ number: n, name: `User ${n}`, devices: [{ username: n, password: PW(n) }] }));
    const r = await api.post('/extensions/bulk', { items });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.body.items.map((e: any) => e.number), ['301', '302', '303']);
    assert.equal(r.body.items[0].dnd, false, 'stored with the defaults');
    assert.deepEqual(r.body.items[0].forward, {});
    assert.equal(r.body.revision, revision + 1, 'one revision for the whole batch');
    assert.equal((await api.get('/config/status')).body.revision, revision + 1);

    const audit = (await api.get('/audit?action=extensions.create&limit=10')).body.items.filter((e: any) => e.revision === revision + 1);
    assert.deepEqual(audit.map((e: any) => e.objectKey).sort(), ['301', '302', '303']);
    assert.ok(audit.every((e: any) => e.objectType === 'extension' && e.revertible && e.changes.length === 1));
    assert.ok(audit.every((e: any) => e.changes[0].after.devices[0].password !== PW(e.objectKey)), 'secrets are masked in the audit log');

    const e302 = audit.find((e: any) => e.objectKey === '302');
    const rev = await api.post(`/audit/${e302.id}/revert`);
    assert.equal(rev.status, 200, rev.text);
    assert.equal((await api.get('/extensions/302')).status, 404);
    assert.equal((await api.get('/extensions/301')).status, 200, 'reverting one entry leaves the others');
    assert.equal((await api.get('/extensions/303')).status, 200);
  });

  test('bulk create refused whole: duplicate inside the batch or with existing objects (409), invalid items (400)', async () => {
    const revision = (await api.get('/config/status')).body.revision;
    let r = await api.post('/extensions/bulk', { items: [{ number: '401', name: 'A' }, { number: '402', name: 'B' }, { number: '401', name: 'C' }] });
    assert.equal(r.status, 409, r.text);
    assert.equal(r.body.error.code, 'conflict');
    assert.deepEqual(r.body.error.fields.map((f: any) => f.path), ['items[2].number']);
    assert.match(r.body.error.fields[0].message, /items\[0\]/);

    r = await api.post('/extensions/bulk', { items: [{ number: '403', name: 'D' }, { number: '301', name: 'Taken' }, { number: '112', name: 'Emergency' }] });
    assert.equal(r.status, 409, r.text);
    assert.deepEqual(r.body.error.fields.map((f: any) => f.path), ['items[1].number', 'items[2].number']);

    r = await api.post('/extensions/bulk', { items: [{ number: '404', name: 'E' }, { number: '4x', name: '' }] });
    assert.equal(r.status, 400, r.text);
    const paths = r.body.error.fields.map((f: any) => f.path);
    assert.ok(paths.includes('items[1].number') && paths.includes('items[1].name'), JSON.stringify(paths));

    // Errors found on the whole model also name the item.
    r = await api.post('/extensions/bulk', { items: [{ number: '405', name: 'F' }, { number: '406', name: 'G', class: 'no-such-class' }] });
    assert.equal(r.status, 400, r.text);
    assert.deepEqual(r.body.error.fields.map((f: any) => f.path), ['items[1].class']);
    r = await api.post('/extensions/bulk', { items: [{ number: '407', name: 'H' }, { number: '408', name: 'I', devices: [{ username: '301', password: PW('3011') }] }] });
    assert.equal(r.status, 409, r.text);
    assert.deepEqual(r.body.error.fields.map((f: any) => f.path), ['items[1].devices[0].username']);

    for (const body of [{ items: [] }, {}, { items: 'x' }, { items: [{ number: '409', name: 'J' }], extra: 1 }]) {
      r = await api.post('/extensions/bulk', body);
      assert.equal(r.status, 400, JSON.stringify(body));
    }
    assert.equal((await api.get('/config/status')).body.revision, revision, 'nothing was saved');
    for (const n of ['401', '402', '403', '404', '405', '407']) assert.equal((await api.get(`/extensions/${n}`)).status, 404, n);

    // Other collections have the same route.
    r = await api.post('/trunks/bulk', { items: [{ name: 'bulk-a', type: 'ip', host: '192.0.2.21' }, { name: 'bulk-b', type: 'ip', host: '192.0.2.22' }] });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual((await api.get('/trunks')).body.items.map((t: any) => t.name).slice(-2), ['bulk-a', 'bulk-b']);
  });

  test('passwords in batches, and 1000 extensions with devices in one bulk create', async () => {
    let r = await api.get('/passwords/generate?kind=sip');
    assert.deepEqual(Object.keys(r.body), ['password'], 'without count the answer is as before');
    r = await api.get('/passwords/generate?kind=pin&count=5');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.passwords.length, 5);
    assert.equal(r.body.password, r.body.passwords[0]);
    assert.ok(r.body.passwords.every((p: string) => /^[0-9]+$/.test(p)));
    for (const bad of ['0', '1001', 'x']) assert.equal((await api.get(`/passwords/generate?count=${bad}`)).status, 400, bad);

    r = await api.get('/passwords/generate?kind=sip&count=1000');
    const passwords: string[] = r.body.passwords;
    assert.equal(new Set(passwords).size, 1000);
    const revision = (await api.get('/config/status')).body.revision;
    const before = (await api.get('/extensions?limit=1')).body.total;
    const items = passwords.map((password, i) => {
      const n = String(5000 + i);
      return { number: n, name: `Bulk ${n}`, devices: [{ username: `d${n}`, password }] };
    });
    r = await api.post('/extensions/bulk', { items });
    assert.equal(r.status, 201, r.text.slice(0, 500));
    assert.equal(r.body.items.length, 1000);
    assert.equal(r.body.revision, revision + 1);
    const audit = await api.get(`/audit?action=extensions.create&limit=2000`);
    assert.equal(audit.body.items.filter((e: any) => e.revision === revision + 1).length, 1000);
    assert.equal((await api.get('/extensions?limit=1')).body.total, before + 1000);
  });

  test('system settings have NTP servers; the schemas mark references for the GUI (x-ref)', async () => {
    assert.deepEqual((await api.get('/system')).body.ntpServers, ['pool.ntp.org']);
    let r = await api.patch('/system', { ntpServers: ['ntp1.example.com', '192.0.2.123'] });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.item.ntpServers, ['ntp1.example.com', '192.0.2.123']);
    r = await api.patch('/system', { ntpServers: ['bad host!'] });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.fields[0].path, 'ntpServers[0]');

    const doc: any = await (await fetch(`${d.base}/api/v1/openapi.json`)).json();
    const body = (path: string) => doc.paths[path].post.requestBody.content['application/json'].schema;
    const ext = body('/extensions');
    assert.equal(ext.properties.class['x-ref'], 'calling-classes');
    assert.match(ext.properties.class.description, /Calling class/);
    assert.equal(ext.properties.forward.properties.always.anyOf[0].properties.extension['x-ref'], 'extensions');
    assert.equal(body('/outbound-rules').properties.trunks.items['x-ref'], 'trunks');
    assert.equal(body('/calling-classes').properties.rules.items['x-ref'], 'outbound-rules');
    assert.equal(body('/inbound-routes').properties.destination.anyOf[0].properties.extension['x-ref'], 'extensions');
    assert.equal(body('/extensions/bulk').properties.items.items.properties.class['x-ref'], 'calling-classes');
    const got = doc.paths['/extensions/{key}'].get.responses['200'].content['application/json'].schema;
    assert.equal(got.properties.class['x-ref'], 'calling-classes', 'responses carry the hints too');
    assert.ok(doc.paths['/system/status'] && doc.paths['/system/network'] && doc.paths['/setup/complete'] && doc.paths['/collections']);
  });

  test('an event stream ends when its token is revoked or its session logged out', async () => {
    const session = d.anon.with(sessionOf(await d.anon.post('/auth/login', { username: 'admin', password: ADMIN_PASSWORD })));
    const t = await session.post('/tokens', { name: 'stream-revoke', scopes: { system: 'read' } });
    assert.equal(t.status, 201, t.text);
    const stream = await openEvents(`${d.base}/api/v1/events?types=status`, t.body.token);
    await stream.next((e) => e.event === 'status', 10_000, 'the first status event');
    let ended = false;
    void stream.ended.then(() => (ended = true));
    assert.equal((await session.delete(`/tokens/${t.body.info.id}`)).status, 204);
    await waitFor(() => ended, 15_000, 'the server to end the revoked token\'s stream');

    // A browser session: logging out ends its stream too.
    const login = await d.anon.post('/auth/login', { username: 'admin', password: ADMIN_PASSWORD });
    const { cookie, csrf } = sessionOf(login);
    const abort = new AbortController();
    const res = await fetch(`${d.base}/api/v1/events?types=status`, { headers: { cookie }, signal: abort.signal });
    assert.equal(res.status, 200);
    const drained = (async () => {
      for await (const _ of res.body as unknown as AsyncIterable<Uint8Array>);
    })();
    assert.equal((await d.anon.with({ cookie, csrf }).post('/auth/logout')).status, 204);
    let sessionEnded = false;
    void drained.then(() => (sessionEnded = true));
    await waitFor(() => sessionEnded, 15_000, 'the logged-out session\'s stream to end');
    abort.abort();
  });
});

describe('with Asterisk', () => {
  let pbx: PbxInstance;
  let api: ApiClient;
  let token: string;
  let registrarPort: number;

  before(async () => {
    registrarPort = 27000 + Math.floor(Math.random() * 1000) * 2;
    await startSipp({ scenario: 'mock-registrar.xml', localIp: '127.0.0.6', localPort: registrarPort, timeoutMs: 120_000, keys: { auth_user: '0612345678', auth_pass: 'Carrier-pw1' } });
    pbx = await startPbx({
      extensions: [
        { number: '201', name: 'Alice', devices: [{ username: '201', password: PW('201') }] },
        { number: '202', name: 'Bob', devices: [{ username: '202', password: PW('202') }] },
      ],
      trunks: [
        { name: 'carrier', type: 'register', host: '127.0.0.6', port: registrarPort, username: '0612345678', password: 'Carrier-pw1', qualify: false },
        { name: 'lan', type: 'ip', host: '127.0.0.2', port: registrarPort + 1, qualify: false },
      ],
    });
    const base = `http://127.0.0.1:${pbx.daemon.httpPort}`;
    const doc = (await (await fetch(`${base}/api/v1/openapi.json`)).json()) as ConstructorParameters<typeof Contract>[0];
    ({ api, token } = await adminTokenRaw(base, pbx.dataDir, new Contract(doc)));
  });
  after(async () => {
    await stopAllSipp();
    await pbx?.stop();
  });

  test('a phone registers: devices 1 of 2 over REST and as a status event; trunk states; a live call counts', async () => {
    const base = `http://127.0.0.1:${pbx.daemon.httpPort}`;
    const stream = await openEvents(`${base}/api/v1/events?types=status`, token);
    try {
      const first = await stream.next((e) => e.event === 'status', 10_000, 'the first status event');
      assert.deepEqual(first.data.devices, { registered: 0, total: 2 });
      assert.deepEqual(first.data.asterisk, { state: 'running', ok: true });
      assert.equal(first.data.health.status, 'ok');

      const phone = await startSipp({ scenario: 'phone-uas.xml', remote: `127.0.0.1:${pbx.sipPort}`, user: '201', password: PW('201'), holdMs: 0, timeoutMs: 60_000 });
      await phone.waitForRegistration(10_000);
      const seen = await stream.next((e) => e.event === 'status' && e.data.devices.registered === 1, 10_000, 'a status event with the phone registered');
      assert.deepEqual(seen.data.devices, { registered: 1, total: 2 });

      let s = (await api.get('/system/status')).body;
      assert.deepEqual(s.devices, { registered: 1, total: 2 });
      await waitFor(async () => (await api.get('/system/status')).body.trunks.find((t: any) => t.name === 'carrier')?.state === 'registered', 20_000, 'the register trunk to show as registered');
      s = (await api.get('/system/status')).body;
      assert.deepEqual(s.trunks, [
        { name: 'carrier', type: 'register', state: 'registered' },
        { name: 'lan', type: 'ip', state: 'unknown' },
      ]);

      // A call from 202's device to the registered phone: active while up, as GET /calls lists it.
      const call = runSipp({ scenario: 'uac-call.xml', remote: `127.0.0.1:${pbx.sipPort}`, service: '201', user: '202', password: PW('202'), holdMs: 4000, timeoutMs: 40_000 });
      const during = await stream.next((e) => e.event === 'status' && e.data.calls.active === 1, 10_000, 'a status event with one active call');
      assert.equal(during.data.calls.active, 1);
      const result = await call;
      assert.equal(result.ok, true, result.logs);
      await stream.next((e) => e.event === 'status' && e.data.calls.active === 0 && stream.events.indexOf(e) > stream.events.indexOf(during), 10_000, 'a status event after the call ended');
      assert.equal((await api.get('/calls')).body.items.length, 0);
      await phone.done;
    } finally {
      await stream.close();
    }
  });
});
