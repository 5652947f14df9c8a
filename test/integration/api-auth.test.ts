// Users, sessions, CSRF, tokens and login lockout over real HTTP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startApiDaemon, adminSession, sessionOf, ADMIN_PASSWORD, type ApiClient, type ApiDaemon } from '../lib/api.ts';

let d: ApiDaemon;
before(async () => {
  d = await startApiDaemon({ PBX_LOGIN_LOCKOUT: '3/60' });
});
after(async () => {
  await d?.stop();
});

test('first login: one-time password from a 0600 file, nothing else works until it is changed', async () => {
  const file = join(d.dataDir, 'initial-admin-password');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const initial = readFileSync(file, 'utf8').trim();
  assert.ok(initial.length >= 16);

  assert.equal((await d.anon.get('/extensions')).status, 401);
  const login = await d.anon.post('/auth/login', { username: 'admin', password: initial });
  assert.equal(login.status, 200, login.text);
  const cookies = login.headers.getSetCookie();
  const session = cookies.find((c) => c.startsWith('pbx_session='))!;
  assert.match(session, /HttpOnly/);
  assert.match(session, /SameSite=Strict/);
  assert.ok(!cookies.find((c) => c.startsWith('pbx_csrf='))!.includes('HttpOnly'), 'the page must be able to read the CSRF cookie');
  assert.equal(login.body.user.mustChangePassword, true);

  const s = d.anon.with(sessionOf(login));
  const refused = await s.get('/extensions');
  assert.equal(refused.status, 403);
  assert.equal(refused.body.error.code, 'password_change_required');
  assert.equal((await s.get('/auth/me')).status, 200);

  for (const weak of ['admin', 'password123', 'Admin2024!', 'aaaaaaaaaaaaaa', initial]) {
    const r = await s.post('/auth/password', { currentPassword: initial, newPassword: weak });
    assert.equal(r.status, 400, `${weak} refused`);
    assert.ok(r.body.error.fields.length > 0 && r.body.error.fields.every((f: any) => f.message.length > 0), 'with a reason');
  }
  const wrong = await s.post('/auth/password', { currentPassword: 'not-it', newPassword: ADMIN_PASSWORD });
  assert.equal(wrong.status, 400);
  const ok = await s.post('/auth/password', { currentPassword: initial, newPassword: ADMIN_PASSWORD });
  assert.equal(ok.status, 204, ok.text);
  assert.equal((await s.get('/extensions')).status, 200);
  assert.equal((await d.anon.post('/auth/login', { username: 'admin', password: initial })).status, 401, 'the one-time password is gone');
});

test('browser sessions: writes need the CSRF token; logout ends the session', async () => {
  const login = await d.anon.post('/auth/login', { username: 'admin', password: ADMIN_PASSWORD });
  const { cookie, csrf } = sessionOf(login);
  const noCsrf = d.anon.with({ cookie });
  const r = await noCsrf.post('/extensions', { number: '301', name: 'No CSRF' });
  assert.equal(r.status, 403);
  assert.match(r.body.error.message, /x-csrf-token/);
  const bad = await noCsrf.post('/extensions', { number: '301', name: 'Bad CSRF' }, { 'x-csrf-token': 'guess' });
  assert.equal(bad.status, 403);
  assert.equal((await noCsrf.get('/extensions/301')).status, 404, 'nothing was written');
  const s = d.anon.with({ cookie, csrf });
  assert.equal((await s.post('/extensions', { number: '301', name: 'With CSRF' })).status, 201);
  assert.equal((await s.post('/auth/logout')).status, 204);
  assert.equal((await s.get('/extensions')).status, 401);
});

async function admin(): Promise<ApiClient> {
  const login = await d.anon.post('/auth/login', { username: 'admin', password: ADMIN_PASSWORD });
  return d.anon.with(sessionOf(login));
}

test('API tokens: scoped, shown once, bounded by the creator, revocable', async () => {
  const s = await admin();
  const created = await s.post('/tokens', { name: 'crm read-only', scopes: { extensions: 'read' } });
  assert.equal(created.status, 201, created.text);
  const token = created.body.token as string;
  assert.match(token, /^pbx_[0-9a-f]{16}\.[A-Za-z0-9_-]{40,}$/);
  const listed = await s.get('/tokens');
  assert.ok(!listed.text.includes(token.split('.')[1]!), 'the secret is never shown again');

  const t = d.anon.with({ token });
  assert.equal((await t.get('/extensions')).status, 200);
  const w = await t.post('/extensions', { number: '302', name: 'Nope' });
  assert.equal(w.status, 403);
  assert.equal(w.body.error.code, 'forbidden');
  assert.equal((await t.get('/trunks')).status, 403);
  assert.equal((await d.anon.with({ token: token.slice(0, -2) + 'xx' }).get('/extensions')).status, 401);

  const tooMuch = await s.post('/tokens', { name: 'privacy', scopes: { recordings: 'read' } });
  assert.equal(tooMuch.status, 400, 'the admin cannot hand out what it does not have');

  assert.equal((await s.delete(`/tokens/${created.body.info.id}`)).status, 204);
  assert.equal((await t.get('/extensions')).status, 401);
  const audit = (await s.get('/audit?objectType=token')).body.items.map((e: any) => e.action);
  assert.ok(audit.includes('token.create') && audit.includes('token.revoke'));
});

test('users and roles: a receptionist may only toggle switches and edit the phonebook', async () => {
  const s = await admin();
  let r = await s.post('/roles', { name: 'receptionist', description: 'Front desk', permissions: { switches: 'write', phonebook: 'write' } });
  assert.equal(r.status, 201, r.text);
  r = await s.post('/users', { username: 'reception', role: 'receptionist', password: 'reception' });
  assert.equal(r.status, 400, 'weak or equal to the user name');
  r = await s.post('/users', { username: 'reception', role: 'receptionist', password: 'Desk-Temp-9QwX-p4' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.mustChangePassword, true);
  r = await s.post('/users', { username: 'reception', role: 'receptionist', password: 'Desk-Temp-9QwX-p4' });
  assert.equal(r.status, 409);
  assert.equal((await s.delete('/roles/receptionist')).status, 409, 'a role in use cannot go');
  assert.equal((await s.delete('/roles/admin')).status, 409, 'built-in roles stay');
  assert.equal((await s.delete('/users/admin')).status, 409, 'nobody deletes themselves');

  let login = await d.anon.post('/auth/login', { username: 'reception', password: 'Desk-Temp-9QwX-p4' });
  let u = d.anon.with(sessionOf(login));
  assert.equal((await u.post('/auth/password', { currentPassword: 'Desk-Temp-9QwX-p4', newPassword: 'Front-Desk-Lamp-42x' })).status, 204);
  login = await d.anon.post('/auth/login', { username: 'reception', password: 'Front-Desk-Lamp-42x' });
  u = d.anon.with(sessionOf(login));
  const me = await u.get('/auth/me');
  assert.deepEqual(me.body.permissions, { switches: 'write', phonebook: 'write' });
  assert.equal((await u.get('/extensions')).status, 403);
  assert.equal((await u.get('/users')).status, 403);
  assert.equal((await u.get('/audit')).status, 403);
});

test('login throttling: a user is locked after repeated failures, visibly and in the audit log', async () => {
  const s = await admin();
  assert.equal((await s.post('/users', { username: 'victim', role: 'admin', password: 'Temp-8Rt-zz-Qwop' })).status, 201);
  for (let i = 0; i < 3; i++) assert.equal((await d.anon.post('/auth/login', { username: 'victim', password: `guess-${i}` })).status, 401);
  const locked = await d.anon.post('/auth/login', { username: 'victim', password: 'Temp-8Rt-zz-Qwop' });
  assert.equal(locked.status, 429, 'even the right password waits out the lockout');
  assert.equal(locked.body.error.code, 'locked_out');
  assert.ok(Number(locked.headers.get('retry-after')) > 0);

  const lockouts = (await s.get('/auth/lockouts')).body.items;
  assert.ok(lockouts.some((l: any) => l.kind === 'user' && l.key === 'victim' && l.lockedUntil));
  const actions = (await s.get('/audit?objectKey=victim&limit=20')).body.items.map((e: any) => e.action);
  assert.ok(actions.includes('auth.login_failed') && actions.includes('auth.lockout') && actions.includes('auth.login_refused'), actions.join());

  assert.equal((await s.delete('/auth/lockouts/user/victim')).status, 204);
  assert.equal((await d.anon.post('/auth/login', { username: 'victim', password: 'Temp-8Rt-zz-Qwop' })).status, 200);
});

test('login throttling per source address: many user names from one address lock the address', async () => {
  const s = await admin();
  for (let i = 0; i < 20; i++) await d.anon.post('/auth/login', { username: `nobody${i}`, password: 'x' });
  const r = await d.anon.post('/auth/login', { username: 'admin', password: ADMIN_PASSWORD });
  assert.equal(r.status, 429);
  assert.ok((await s.get('/auth/lockouts')).body.items.some((l: any) => l.kind === 'address' && l.key === '127.0.0.1' && l.lockedUntil));
  assert.equal((await s.delete('/auth/lockouts/address/127.0.0.1')).status, 204);
  assert.equal((await d.anon.post('/auth/login', { username: 'admin', password: ADMIN_PASSWORD })).status, 200);
});

test('health: anonymous callers see ok/not ok only; password helpers', async () => {
  const anon = await d.anon.get('/health');
  assert.equal(anon.status, 200);
  assert.deepEqual(Object.values(anon.body.parts).map((p: any) => Object.keys(p)), Object.values(anon.body.parts).map(() => ['ok']));
  const s = await admin();
  const g = await s.get('/passwords/generate?kind=sip');
  assert.equal(g.status, 200);
  const c = await s.post('/passwords/check', { kind: 'sip', password: g.body.password, username: '201' });
  assert.deepEqual(c.body, { ok: true, problems: [] });
  const weak = await s.post('/passwords/check', { kind: 'pin', password: '1234' });
  assert.equal(weak.body.ok, false);
});

test('root on the box recovers a lost password with pbxctl reset-password', async () => {
  const { execFile } = await import('node:child_process');
  // Asynchronous: the daemon answering pbxctl runs in this very process.
  const run = (...args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [join(import.meta.dirname, '../../src/cli/pbxctl.ts'), '--socket', d.daemon.config.controlSocket, ...args], (err, stdout, stderr) =>
        resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  const r = await run('reset-password', 'admin');
  assert.equal(r.status, 0, r.stderr);
  const password = /one-time password for admin: (\S+)/.exec(r.stdout)?.[1];
  assert.ok(password);
  const login = await d.anon.post('/auth/login', { username: 'admin', password });
  assert.equal(login.status, 200);
  assert.equal(login.body.user.mustChangePassword, true);
  const s = d.anon.with(sessionOf(login));
  assert.equal((await s.post('/auth/password', { currentPassword: password, newPassword: ADMIN_PASSWORD })).status, 204);
  assert.equal((await run('reset-password', 'nobody')).status, 1);
  assert.equal((await run('reset-password')).status, 2);
});
