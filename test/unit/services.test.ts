// The service layer over a real SQLite database: validation before writing, one transaction
// with the audit entry, an apply requested only after a committed change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/store/db.ts';
import { ConfigStore } from '../../src/store/config-store.ts';
import { ConfigService } from '../../src/services/config-service.ts';
import { ValidationError } from '../../src/domain/errors.ts';

function setup(renderCheck?: (c: unknown) => void) {
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'pbx-unit-')), 'pbx.sqlite'));
  const store = new ConfigStore(db);
  const requests: number[] = [];
  const apply = { fail: false, applied: 0 };
  const service = new ConfigService(
    store,
    {
      request: async () => {
        requests.push(store.revision());
        if (apply.fail) return { ok: false, changed: false };
        apply.applied = store.revision();
        return { ok: true, changed: true };
      },
      inSync: (revision) => revision === apply.applied,
    },
    renderCheck,
  );
  return { db, store, service, requests, apply };
}
const actor = { name: 'tester', source: 'unit' };
const config = {
  extensions: [{ number: '201', name: 'Alice', class: 'c', devices: [{ username: '201', password: 'Alice-desk-7Kq' }, { username: '201b', password: 'Alice-mob-7Kq' }] }],
  trunks: [{ name: 't1', type: 'ip', host: '192.0.2.1' }, { name: 't2', type: 'ip', host: '192.0.2.2' }],
  outbound: { rules: [{ name: 'r', patterns: ['0X.'], trunks: ['t2', 't1'] }], classes: [{ name: 'c', rules: ['r'] }] },
};

test('a replace stores the model, one audit entry, and requests one apply after commit', async () => {
  const { service, requests, db } = setup();
  const r = await service.replace(config, actor);
  assert.equal(r.revision, 1);
  assert.deepEqual(requests, [1]);
  const back = service.get();
  assert.deepEqual(back.outbound.rules[0]!.trunks, ['t2', 't1'], 'trunk order (failover order) survives');
  assert.deepEqual(back.extensions[0]!.devices.map((d) => d.username), ['201', '201b']);
  const audit = service.auditLog();
  assert.equal(audit.length, 1);
  assert.equal(audit[0]!.actor, 'tester');
  assert.equal(audit[0]!.revision, 1);
  assert.equal((db.prepare('PRAGMA foreign_keys').get() as { foreign_keys: number }).foreign_keys, 1);
  assert.equal((db.prepare('PRAGMA synchronous').get() as { synchronous: number }).synchronous, 2, 'FULL');
});

test('the same configuration again changes nothing: no revision, no audit, no apply', async () => {
  const { service, requests } = setup();
  await service.replace(config, actor);
  const r = await service.replace(config, actor);
  assert.equal(r.changes.length, 0);
  assert.equal(service.revision(), 1);
  assert.equal(service.auditLog().length, 1);
  assert.deepEqual(requests, [1]);
});

test('after a failed apply, applying the same configuration again retries the apply', async () => {
  const { service, requests, apply } = setup();
  apply.fail = true;
  await service.replace(config, actor);
  apply.fail = false;
  const r = await service.replace(config, actor);
  assert.equal(r.changes.length, 0, 'nothing new is stored');
  assert.equal(r.apply?.ok, true, 'but the apply is retried');
  assert.deepEqual(requests, [1, 1]);
  assert.equal(service.auditLog().length, 1);
});

test('reordering trunks is a change (emergency calls try trunks in this order)', async () => {
  const { service } = setup();
  await service.replace(config, actor);
  const swapped = { ...config, trunks: [...config.trunks].reverse() };
  assert.deepEqual(service.diff(swapped).map((c) => c.object), ['trunk order']);
});

test('an invalid configuration writes nothing and applies nothing', async () => {
  const { service, requests } = setup();
  await service.replace(config, actor);
  const before = service.get();
  await assert.rejects(service.replace({ ...config, extensions: [{ number: 'x', name: 'A' }] }, actor), ValidationError);
  assert.deepEqual(service.get(), before);
  assert.deepEqual(requests, [1]);
});

test('a configuration the renderer refuses is a validation error and writes nothing', async () => {
  const { service, requests } = setup(() => {
    throw Object.assign(new Error('value contains a newline'), { owner: 'extension 201' });
  });
  await assert.rejects(service.replace(config, actor), (e: unknown) => e instanceof ValidationError && /extension 201/.test(e.fields[0]!.message));
  assert.equal(service.revision(), 0);
  assert.deepEqual(requests, []);
});

test('the database refuses a reference the domain rules would also refuse (defence in depth)', () => {
  const { db } = setup();
  assert.throws(() => db.prepare("INSERT INTO devices (username, extension, position, data) VALUES ('x', 'nosuch', 0, '{}')").run(), /FOREIGN KEY/);
});
