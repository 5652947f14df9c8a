// Object-level writes, referrers and revert over a real SQLite database (no HTTP, no Asterisk).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/store/db.ts';
import { ConfigStore } from '../../src/store/config-store.ts';
import { ConfigService } from '../../src/services/config-service.ts';
import { ResourceService, mergePatch } from '../../src/services/resource-service.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../src/domain/errors.ts';
import { referrersOf, maskItem, COLLECTIONS } from '../../src/domain/collections.ts';
import { extensionSchema } from '../../src/domain/model.ts';
import { intersect, allows } from '../../src/domain/auth.ts';
import { BackupService } from '../../src/services/backup-service.ts';

function setup() {
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'pbx-unit-')), 'pbx.sqlite'));
  const store = new ConfigStore(db);
  const service = new ConfigService(store, { request: async () => ({ ok: true, changed: true }), inSync: () => true });
  return { db, store, service, resources: new ResourceService(service) };
}
const actor = { name: 'tester', source: 'unit' };
const col = (path: string) => COLLECTIONS.find((c) => c.path === path)!;

test('merge patch follows RFC 7386', () => {
  assert.deepEqual(mergePatch({ a: 1, b: { c: 2, d: 3 } }, { b: { c: null, e: 4 }, f: [1] }), { a: 1, b: { d: 3, e: 4 }, f: [1] });
  assert.deepEqual(mergePatch({ a: [1, 2] }, { a: [3] }), { a: [3] }, 'arrays are replaced, not merged');
});

test('a token never exceeds its creator', () => {
  const p = intersect({ extensions: 'write', trunks: 'read' }, { extensions: 'read', trunks: 'write', users: 'write' });
  assert.equal(p.extensions, 'read');
  assert.equal(p.trunks, 'read');
  assert.equal(p.users, 'none');
  assert.ok(allows(p, 'extensions', 'read') && !allows(p, 'extensions', 'write'));
});

test('writes: duplicates and collisions are conflicts, references are checked, errors name the object fields', async () => {
  const { resources, service } = setup();
  const ext = col('extensions');
  await resources.create(ext, { number: '201', name: 'Alice', devices: [{ username: 'alice', password: 'Qz7-Lmw-Rt4-x' }] }, actor);
  await assert.rejects(resources.create(ext, { number: '201', name: 'Again' }, actor), ConflictError);
  await assert.rejects(resources.create(ext, { number: '202', name: 'B', devices: [{ username: 'alice', password: 'Qz7-Lmw-Rt4-y' }] }, actor), (e: ConflictError) => {
    assert.equal(e.fields[0]!.path.join('.'), 'devices.0.username');
    return e instanceof ConflictError;
  });
  await assert.rejects(resources.create(ext, { number: '203', name: 'C', class: 'nope' }, actor), (e: ValidationError) => {
    assert.deepEqual(e.fields[0]!.path, ['class']);
    return e instanceof ValidationError;
  });
  await resources.create(col('trunks'), { name: 'carrier', type: 'ip', host: '192.0.2.1' }, actor);
  await resources.create(col('outbound-rules'), { name: 'nat', patterns: ['0X.'], trunks: ['carrier'] }, actor);
  assert.deepEqual(referrersOf(service.get(), 'trunk', 'carrier'), ['outbound rule nat']);
  await assert.rejects(resources.remove(col('trunks'), 'carrier', actor), /still used by outbound rule nat/);
  await assert.rejects(resources.remove(col('trunks'), 'ghost', actor), NotFoundError);
  assert.equal(service.auditLog().filter((e) => e.action.endsWith('.create')).length, 3, 'refused writes left no audit rows');
});

test('revert undoes a change, a deletion and an order change, secrets included', async () => {
  const { resources, service } = setup();
  const ext = col('extensions');
  const trunks = col('trunks');
  await resources.create(ext, { number: '201', name: 'Alice', devices: [{ username: 'alice', password: 'Qz7-Lmw-Rt4-x' }] }, actor);
  await resources.replace(ext, '201', { name: 'Alice', devices: [{ username: 'alice', password: 'New-Pw-99-Lkq' }] }, actor, 'put');
  const change = service.auditLog({ limit: 1 })[0]!;
  assert.ok(!JSON.stringify(change.changes).includes('New-Pw'), 'audit changes are masked');
  await service.revert(change.id, actor);
  assert.equal(service.get().extensions[0]!.devices[0]!.password, 'Qz7-Lmw-Rt4-x');

  await resources.create(trunks, { name: 'a', type: 'ip', host: '192.0.2.1' }, actor);
  await resources.create(trunks, { name: 'b', type: 'ip', host: '192.0.2.2' }, actor);
  await resources.move(trunks, 'b', 0, actor);
  assert.deepEqual(service.get().trunks.map((t) => t.name), ['b', 'a']);
  await service.revert(service.auditLog({ limit: 1 })[0]!.id, actor);
  assert.deepEqual(service.get().trunks.map((t) => t.name), ['a', 'b']);

  await resources.remove(trunks, 'a', actor);
  await service.revert(service.auditLog({ limit: 1 })[0]!.id, actor);
  assert.deepEqual(service.get().trunks.map((t) => t.name), ['a', 'b'], 'a deleted object comes back at its place');
  assert.equal(service.auditLog({ limit: 1 })[0]!.action, 'audit.revert');
});

test('read-only callers get secrets masked', () => {
  const masked = maskItem(col('extensions'), { number: '201', devices: [{ username: 'a', password: 'Secret-1234' }] });
  assert.deepEqual(masked.devices, [{ username: 'a', password: '****************' }]);
  const hook = maskItem(col('webhooks'), { name: 'x', secret: 'abcdefghijklmnopq' });
  assert.equal(hook.secret, '****************');
});

test('backup: refuses foreign and future archives before writing', () => {
  const { service } = setup();
  const backup = new BackupService(service, { customRoles: () => [], replaceCustomRoles: () => [] }, 'test');
  const { data } = backup.create();
  assert.equal(backup.parse(data).schemaVersion, 1);
  assert.throws(() => backup.parse({ format: 'other', schemaVersion: 1 }), /not a pbx-appliance-backup/);
  assert.throws(() => backup.parse({ format: 'pbx-appliance-backup', schemaVersion: 2 }), /version 2 is unknown/);
  assert.throws(() => backup.parse(Buffer.from([0x1f, 0x8b, 1, 2, 3])), /not a readable archive/);
});

test('only new or changed secrets are judged: a weak one already stored does not block other edits', async () => {
  const { resources, service, store } = setup();
  // As a box restored from an older firmware would hold it (written below the rules).
  store.transaction(() => store.replaceAll({ ...service.get(), extensions: [{ ...extensionSchema.parse({ number: '201', name: 'Old' }), devices: [{ username: 'old', password: 'password1', permit: [] }] }] }));
  await resources.create(col('extensions'), { number: '202', name: 'New', devices: [{ username: 'new', password: 'Qz7-Lmw-Rt4-x' }] }, actor);
  await assert.rejects(
    resources.replace(col('extensions'), '201', { name: 'Old', devices: [{ username: 'old', password: 'password2' }] }, actor, 'put'),
    (e: ValidationError) => e instanceof ValidationError && e.fields[0]!.path.join('.') === 'devices.0.password',
  );
});

test('reverting a change does not undo a later reorder it did not make', async () => {
  const { resources, service } = setup();
  const trunks = col('trunks');
  await resources.create(trunks, { name: 'ta', type: 'ip', host: '192.0.2.1' }, actor);
  await resources.create(trunks, { name: 'tb', type: 'ip', host: '192.0.2.2' }, actor);
  await resources.replace(trunks, 'ta', { type: 'ip', host: '192.0.2.9' }, actor, 'patch');
  const change = service.auditLog({ limit: 1 })[0]!;
  await resources.move(trunks, 'tb', 0, actor);
  await service.revert(change.id, actor);
  assert.deepEqual(service.get().trunks.map((t) => t.name), ['tb', 'ta']);
  assert.equal(service.get().trunks[1]!.host, '192.0.2.1');
});
