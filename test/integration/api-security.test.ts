// Escalation and abuse attempts found in review, each reproduced as a request that must fail.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { startApiDaemon, adminSession, sessionOf, type ApiClient, type ApiDaemon } from '../lib/api.ts';

let d: ApiDaemon;
let admin: ApiClient;
before(async () => {
  d = await startApiDaemon({ PBX_LOGIN_LOCKOUT: '3/60' });
  admin = await adminSession(d.base, d.dataDir, d.contract);
});
after(async () => {
  await d?.stop();
});

async function userWithRole(name: string, permissions: Record<string, string>): Promise<ApiClient> {
  assert.equal((await admin.post('/roles', { name: `r-${name}`, permissions })).status, 201);
  assert.equal((await admin.post('/users', { username: name, role: `r-${name}`, password: 'Temp-Pass-9xQ-Lmn' })).status, 201);
  const first = d.anon.with(sessionOf(await d.anon.post('/auth/login', { username: name, password: 'Temp-Pass-9xQ-Lmn' })));
  assert.equal((await first.post('/auth/password', { currentPassword: 'Temp-Pass-9xQ-Lmn', newPassword: 'Own-Pass-4kT-Rzw' })).status, 204);
  return d.anon.with(sessionOf(await d.anon.post('/auth/login', { username: name, password: 'Own-Pass-4kT-Rzw' })));
}

test('nobody hands out rights they do not hold', async () => {
  const bob = await userWithRole('bob', { users: 'write' });
  assert.equal((await bob.patch('/roles/r-bob', { permissions: { users: 'write', privacy: 'write' } })).status, 403);
  assert.equal((await bob.post('/roles', { name: 'god', permissions: { system: 'write', users: 'write' } })).status, 403);
  assert.equal((await bob.patch('/users/admin', { password: 'Ab3-Cd5-Ef7-Gh9-Jk2' })).status, 403, 'cannot take over a stronger user');
  assert.equal((await bob.post('/users', { username: 'mallory', role: 'admin', password: 'Ab3-Cd5-Ef7-Gh9-Jk2' })).status, 403);
  assert.equal((await bob.post('/users', { username: 'peer', role: 'r-bob', password: 'Ab3-Cd5-Ef7-Gh9-Jk2' })).status, 201, 'an equal role is fine');

  // The admin itself cannot create privacy rights: the privacy officer is separate.
  assert.equal((await admin.post('/roles', { name: 'snoop', permissions: { privacy: 'write' } })).status, 403);
  assert.equal((await admin.post('/users', { username: 'dpo', role: 'privacy-admin', password: 'Ab3-Cd5-Ef7-Gh9-Jk2' })).status, 403);
  // Root on the box creates the privacy admin.
  const out = await new Promise<{ code: number; stdout: string }>((resolve) =>
    execFile(process.execPath, [join(import.meta.dirname, '../../src/cli/pbxctl.ts'), '--socket', d.daemon.config.controlSocket, 'add-user', 'dpo', 'privacy-admin'], (err, stdout) =>
      resolve({ code: err ? 1 : 0, stdout }),
    ),
  );
  assert.equal(out.code, 0);
  assert.match(out.stdout, /user dpo \(privacy-admin\) created; one-time password: \S+/);
  assert.equal((await admin.patch('/users/dpo', { password: 'Ab3-Cd5-Ef7-Gh9-Jk2' })).status, 403, 'the admin cannot reset the privacy admin');
});

test('a user deleted takes their tokens along; a name reused does not revive them', async () => {
  const tmp = await userWithRole('tmp', { users: 'write', extensions: 'read' });
  const t = await tmp.post('/tokens', { name: 'tmp-token', scopes: { extensions: 'read' } });
  assert.equal(t.status, 201);
  const token = d.anon.with({ token: t.body.token });
  assert.equal((await token.get('/extensions')).status, 200);
  assert.equal((await admin.delete('/users/tmp')).status, 204);
  assert.ok((await admin.get('/tokens')).body.items.find((x: any) => x.id === t.body.info.id).revokedAt);
  assert.equal((await admin.post('/users', { username: 'tmp', role: 'admin', password: 'Ab3-Cd5-Ef7-Gh9-Jk2' })).status, 201);
  assert.equal((await token.get('/extensions')).status, 401);
});

test('restore and revert need write on everything they change', async () => {
  const sys = await userWithRole('sys', { system: 'write', audit: 'read' });
  const backup = await admin.download('/backup');
  assert.equal((await sys.request('POST', '/backup/restore', backup.data, { 'content-type': 'application/gzip' })).status, 403);
  assert.equal((await admin.post('/extensions', { number: '401', name: 'Rita' })).status, 201);
  const entry = (await admin.get('/audit?action=extensions.create&objectKey=401')).body.items[0];
  const r = await sys.post(`/audit/${entry.id}/revert`);
  assert.equal(r.status, 403);
  assert.match(r.body.error.message, /needs write on extensions/);
  assert.equal((await admin.get('/extensions/401')).status, 200);
  // Anonymous large bodies are refused before they are read.
  const anon = await d.anon.request('POST', '/backup/restore', Buffer.alloc(2 * 1024 * 1024, 32), { 'content-type': 'application/json' });
  assert.equal(anon.status, 401);
});

test('the preview never shows secrets', async () => {
  assert.equal((await admin.post('/extensions', { number: '402', name: 'Sam', devices: [{ username: 'sam', password: 'Very-Secret-9Qz-Lmx' }] })).status, 201);
  const p = await admin.get('/config/preview');
  assert.equal(p.status, 200);
  assert.ok(!p.text.includes('Very-Secret-9Qz-Lmx'));
  assert.match(p.text, /password=\*{8}/);
});

test('parallel guesses cannot outrun the lockout', async () => {
  assert.equal((await admin.post('/users', { username: 'target', role: 'admin', password: 'Right-Pass-7Xq-Zz' })).status, 201);
  const attempts = await Promise.all(Array.from({ length: 12 }, (_, i) => d.anon.post('/auth/login', { username: 'target', password: `wrong-${i}` })));
  const checked = attempts.filter((r) => r.status === 401).length;
  assert.ok(checked <= 3, `${checked} passwords were checked; the limit is 3`);
  assert.ok(attempts.some((r) => r.status === 429));
  // Many refused attempts leave one audit row, not one each.
  for (let i = 0; i < 10; i++) await d.anon.post('/auth/login', { username: 'target', password: 'x' });
  const refused = (await admin.get('/audit?action=auth.login_refused&objectKey=target')).body.items;
  assert.equal(refused.length, 1);
});

test('odd inputs are client errors: deep patches, bad dates, defaults that would overwrite', async () => {
  let deep: unknown = 1;
  for (let i = 0; i < 1000; i++) deep = { x: deep };
  assert.equal((await admin.patch('/system', deep)).status, 400);
  assert.equal((await admin.get('/audit?from=yesterday')).status, 400);
  assert.equal((await admin.post('/users', { username: 'luigi', role: 'admin', language: 'it', password: 'Ab3-Cd5-Ef7-Gh9-Jk2' })).status, 201);
  const r = await admin.patch('/users/luigi', { fullName: 'Luigi Verdi' });
  assert.equal(r.body.language, 'it', 'a patch keeps what it does not name');
});
