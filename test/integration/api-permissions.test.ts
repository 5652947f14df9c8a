// The permission matrix: every route of the OpenAPI document × every role, over real HTTP.
// What each route needs is written here independently of the route registry (by URL), so a
// route declared with the wrong section fails this test, and so does a check not enforced.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { startApiDaemon, adminSession, sessionOf, type ApiClient, type ApiDaemon } from '../lib/api.ts';

type Need = 'public' | 'self' | 'authenticated' | `${'read' | 'write'}:${string}`;

function need(method: string, path: string): Need {
  const level = method === 'get' ? 'read' : 'write';
  if (['/health', '/auth/login', '/openapi.json', '/docs'].includes(path)) return 'public';
  if (['/auth/logout', '/auth/me', '/auth/password'].includes(path)) return 'self';
  if (path.startsWith('/passwords/') || path.startsWith('/me/') || ['/events', '/collections', '/setup'].includes(path)) return 'authenticated';
  if (path === '/audit/{id}/revert') return 'write:system';
  // Unlocking opens nothing a read-level privacy role may not read; the locked private key is a write-level right (like the backup).
  if (path === '/privacy/unlock' || path === '/privacy/lock') return 'read:privacy';
  if (path === '/privacy/key/private') return 'write:privacy';
  const table: [RegExp, string][] = [
    [/^\/extensions/, 'extensions'],
    [/^\/trunks/, 'trunks'],
    [/^\/(inbound-routes|outbound-rules|calling-classes|emergency-numbers|time-conditions|disa|blocked-callers)/, 'routing'],
    [/^\/(ivrs|lookups|announcements|prompts)/, 'ivr'],
    [/^\/(ring-groups|queues)/, 'groups'],
    [/^\/switches/, 'switches'],
    [/^\/feature-codes/, 'system'],
    [/^\/mail(\/|$)/, 'system'],
    [/^\/(voicemail-boxes|conferences|moh-classes|paging-groups)/, 'services'],
    [/^\/services$/, 'system'],
    [/^\/(ami-users|webhooks)/, 'crm'],
    [/^\/(phonebook|directory)(\/|$)/, 'phonebook'],
    [/^\/snmp(\/|$)/, 'system'],
    [/^\/cdr\/holds/, 'privacy'],
    [/^\/cdr(\/|$)/, 'cdr'],
    [/^\/privacy(\/|$)/, 'privacy'],
    [/^\/(system|config|setup)/, 'system'],
    [/^\/backup/, 'system'],
    [/^\/audit/, 'audit'],
    [/^\/(users|roles|tokens|auth\/lockouts)/, 'users'],
    [/^\/calls/, 'calls'],
    [/^\/recordings/, 'recordings'],
    [/^\/(phones|phone-templates|provisioning)(\/|$)/, 'provisioning'],
  ];
  const hit = table.find(([re]) => re.test(path));
  if (!hit) throw new Error(`the matrix does not know ${method.toUpperCase()} ${path}: add it`);
  // The backup holds every secret: downloading it is a write-level right.
  // So is a phone file's preview: it holds the phone's SIP and admin passwords.
  return `${path === '/backup' || /^\/phones\/\{[^}]+\}\/files\/\{[^}]+\}$/.test(path) ? 'write' : level}:${hit[1]}`;
}

const ROLES: Record<string, Record<string, string>> = {
  admin: {},
  'privacy-admin': {},
  receptionist: { switches: 'write', phonebook: 'write' },
  auditor: { audit: 'read', extensions: 'read', system: 'read' },
};

let d: ApiDaemon;
const clients: Record<string, ApiClient> = {};
const perms: Record<string, Record<string, string>> = {};

before(async () => {
  d = await startApiDaemon();
  const admin = await adminSession(d.base, d.dataDir, d.contract);
  clients.admin = admin;
  for (const [role, permissions] of Object.entries(ROLES)) {
    if (role === 'admin') continue;
    if (Object.keys(permissions).length) assert.equal((await admin.post('/roles', { name: role, permissions })).status, 201);
    let temp = 'Temp-Pass-9xQ-Lmn';
    const user = `u-${role}`;
    if (role === 'privacy-admin') {
      // Only root on the box (pbxctl) creates the privacy admin: the admin cannot hand out privacy.
      const out = await new Promise<string>((resolve, reject) =>
        execFile(process.execPath, [join(import.meta.dirname, '../../src/cli/pbxctl.ts'), '--socket', d.daemon.config.controlSocket, 'add-user', user, role], (err, stdout) =>
          err ? reject(err) : resolve(stdout),
        ),
      );
      temp = /one-time password: (\S+)/.exec(out)![1]!;
    } else assert.equal((await admin.post('/users', { username: user, role, password: temp })).status, 201);
    const first = d.anon.with(sessionOf(await d.anon.post('/auth/login', { username: user, password: temp })));
    assert.equal((await first.post('/auth/password', { currentPassword: temp, newPassword: 'Own-Pass-4kT-Rzw' })).status, 204);
    clients[role] = d.anon.with(sessionOf(await d.anon.post('/auth/login', { username: user, password: 'Own-Pass-4kT-Rzw' })));
  }
  for (const [role, c] of Object.entries(clients)) perms[role] = (await c.get('/auth/me')).body.permissions;
  clients.anonymous = d.anon;
});
after(async () => {
  await d?.stop();
});

function allowed(role: string, n: Need): boolean {
  if (n === 'public') return true;
  if (role === 'anonymous') return false;
  if (n === 'self' || n === 'authenticated') return true;
  const [level, section] = n.split(':') as ['read' | 'write', string];
  const have = perms[role]![section] ?? 'none';
  return level === 'read' ? have !== 'none' : have === 'write';
}

async function call(c: ApiClient, method: string, path: string): Promise<number> {
  const url = path.replace(/\{[^}]+\}/g, 'x1');
  if (path === '/events') {
    // A stream: look at the status, then hang up.
    const ctl = new AbortController();
    const h: Record<string, string> = {};
    const auth = (c as unknown as { auth: { token?: string; cookie?: string } }).auth;
    if (auth.cookie) h.cookie = auth.cookie;
    const res = await fetch(`${c.base}/api/v1${url}`, { headers: h, signal: ctl.signal });
    ctl.abort();
    return res.status;
  }
  if (method === 'get') return (await c.get(url)).status;
  // Bodies that never change anything: the check must come before any parsing or writing.
  return (await c.request(method.toUpperCase(), url, { invalid: true })).status;
}

test('the built-in roles have the documented rights', () => {
  assert.equal(perms.admin!.recordings ?? 'none', 'none', 'the admin cannot open recordings');
  assert.equal(perms.admin!.privacy ?? 'none', 'none', 'the admin sees CDR numbers masked');
  assert.equal(perms['privacy-admin']!.recordings, 'write');
  assert.equal(perms['privacy-admin']!.privacy, 'write');
  assert.equal(perms['privacy-admin']!.extensions ?? 'none', 'none');
});

test('every route × every role: allowed ones pass the check, the others get 401/403', async () => {
  const doc = (await d.anon.get('/openapi.json')).body as { paths: Record<string, Record<string, { description: string }>> };
  const problems: string[] = [];
  let checked = 0;
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      if (path === '/auth/logout') continue; // ends the session the rest of the matrix uses; tested in api-auth
      const n = need(method, path);
      // The document says the same as this table.
      const documented = /Needs \*\*(read|write)\*\* on section \*\*(\w+)\*\*/.exec(op.description);
      const expectedDoc = n.includes(':') ? n : undefined;
      if (expectedDoc && (!documented || `${documented[1]}:${documented[2]}` !== expectedDoc))
        problems.push(`${method} ${path}: documented "${op.description}", expected ${expectedDoc}`);
      for (const [role, c] of Object.entries(clients)) {
        const status = await call(c, method, path);
        checked++;
        const ok = allowed(role, n);
        if (ok && (status === 401 || status === 403)) problems.push(`${role} ${method.toUpperCase()} ${path}: ${status}, should be allowed`);
        if (!ok && status !== (role === 'anonymous' ? 401 : 403)) problems.push(`${role} ${method.toUpperCase()} ${path}: ${status}, should be refused`);
        if (status >= 500 && status !== 503) problems.push(`${role} ${method.toUpperCase()} ${path}: ${status}`);
      }
    }
  }
  assert.deepEqual(problems, []);
  assert.ok(checked > 200, `checked ${checked} route × role pairs`);
});
