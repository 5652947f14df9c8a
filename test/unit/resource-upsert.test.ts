// ResourceService.upsertMany (phone import): all or nothing, existing objects replaced in
// place, new ones appended, generated secrets kept or generated, errors by item.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/store/db.ts';
import { ConfigStore } from '../../src/store/config-store.ts';
import { ConfigService } from '../../src/services/config-service.ts';
import { ResourceService } from '../../src/services/resource-service.ts';
import { ConflictError, ValidationError } from '../../src/domain/errors.ts';

const actor = { name: 'tester', source: 'unit' };
const dev = (u: string) => ({ username: u, password: 'Kq7-vWz2pLm-Tx9' });

async function setup() {
  const store = new ConfigStore(openDatabase(join(mkdtempSync(join(tmpdir(), 'pbx-unit-')), 'pbx.sqlite')));
  const config = new ConfigService(store, { request: async () => ({ ok: true, changed: true }), inSync: () => true });
  await config.replace(
    {
      extensions: ['201', '202', '203', '204'].map((n) => ({ number: n, name: `User ${n}`, devices: [dev(n)] })),
      phones: [
        { mac: '001565000001', vendor: 'yealink', model: 'T46S', lines: [{ account: '201' }], adminPassword: 'Adm1n-Pass-yl01' },
        { mac: '001565000002', vendor: 'yealink', model: 'T46S', lines: [{ account: '202' }], adminPassword: 'Adm1n-Pass-yl02' },
      ],
    },
    actor,
  );
  const resources = new ResourceService(config);
  return { config, resources, phones: resources.collection('phones') };
}

test('existing phones are replaced in place (admin password kept), new ones appended with one generated', async () => {
  const { config, resources, phones } = await setup();
  const before = config.auditLog().length;
  const r = await resources.upsertMany(
    phones,
    [
      { mac: '00:15:65:00:00:02', vendor: 'yealink', model: 'T54W', lines: [{ account: '202' }] },
      { mac: '00:15:65:00:00:03', vendor: 'snom', model: 'D715', lines: [{ account: '203' }] },
      { mac: '001565000001', vendor: 'yealink', model: 'T46S', lines: [{ account: '201' }], adminPassword: 'Adm1n-Pass-yl01' },
    ],
    actor,
  );
  assert.deepEqual({ created: r.created, updated: r.updated, unchanged: r.unchanged }, { created: 1, updated: 1, unchanged: 1 });
  const stored = config.get().phones;
  assert.deepEqual(stored.map((p) => [p.mac, p.model]), [
    ['001565000001', 'T46S'],
    ['001565000002', 'T54W'],
    ['001565000003', 'D715'],
  ]);
  assert.equal(stored[1]!.adminPassword, 'Adm1n-Pass-yl02', 'an existing phone keeps its admin password');
  assert.ok(stored[2]!.adminPassword.length >= 12, 'a new phone gets one generated');
  const entries = config.auditLog().slice(0, config.auditLog().length - before);
  assert.deepEqual(entries.map((e) => [e.action, e.objectKey]).sort(), [
    ['phones.import', '001565000002'],
    ['phones.import', '001565000003'],
  ]);
});

test('all or nothing: every bad item named, nothing stored', async () => {
  const { config, resources, phones } = await setup();
  const revision = config.revision();
  await assert.rejects(
    resources.upsertMany(
      phones,
      [
        { mac: '001565000003', vendor: 'snom', model: 'D715', lines: [{ account: '203' }] },
        { mac: 'nope', vendor: 'snom', model: 'D715', lines: [{ account: '204' }] },
        { mac: '001565000005', vendor: 'snom', model: 'D715', lines: [] },
      ],
      actor,
    ),
    (err: ValidationError) => {
      assert.ok(err instanceof ValidationError);
      assert.deepEqual(err.fields.map((f) => f.path.join('.')), ['items.1.mac', 'items.2.lines']);
      return true;
    },
  );
  // Model-wide rules name the item too: a device that does not exist, one already on another phone.
  await assert.rejects(
    resources.upsertMany(
      phones,
      [
        { mac: '001565000003', vendor: 'snom', model: 'D715', lines: [{ account: '299' }] },
        { mac: '001565000004', vendor: 'snom', model: 'D715', lines: [{ account: '204' }] },
        { mac: '001565000005', vendor: 'snom', model: 'D715', lines: [{ account: '201' }] },
      ],
      actor,
    ),
    (err: ValidationError) => {
      assert.ok(err instanceof ValidationError);
      const paths = err.fields.map((f) => f.path.join('.'));
      assert.ok(paths.includes('items.0.lines.0.account'), paths.join());
      assert.ok(paths.includes('items.2.lines.0.account'), paths.join());
      return true;
    },
  );
  assert.equal(config.revision(), revision);
});

test('two items with one key (in any notation) are a conflict', async () => {
  const { resources, phones } = await setup();
  await assert.rejects(
    resources.upsertMany(
      phones,
      [
        { mac: '001565000003', vendor: 'snom', model: 'D715', lines: [{ account: '203' }] },
        { mac: '00:15:65:00:00:03', vendor: 'snom', model: 'D715', lines: [{ account: '204' }] },
      ],
      actor,
    ),
    (err: ConflictError) => {
      assert.ok(err instanceof ConflictError);
      assert.deepEqual(err.fields.map((f) => [f.path.join('.'), f.message]), [['items.1.mac', '001565000003 is also items[0]']]);
      return true;
    },
  );
});
