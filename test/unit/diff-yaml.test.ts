import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffConfigs } from '../../src/domain/diff.ts';
import { parseConfig } from '../../src/domain/rules.ts';
import { parseYaml, toYaml } from '../../src/lib/yaml.ts';

const cfg = (password: string, name = 'Alice') =>
  parseConfig({ extensions: [{ number: '201', name, devices: [{ username: '201', password }] }] });

test('diff names added, removed and changed objects by identity', () => {
  const a = cfg('Alice-desk-7Kq');
  const b = parseConfig({ extensions: [{ number: '202', name: 'Bob' }] });
  assert.deepEqual(
    diffConfigs(a, b).map((c) => `${c.change} ${c.object} ${c.key}`),
    ['removed extension 201', 'added extension 202'],
  );
  assert.deepEqual(diffConfigs(a, cfg('Alice-desk-7Kq')), []);
});

test('diff never carries a password, yet shows that one changed', () => {
  const changes = diffConfigs(cfg('Alice-desk-7Kq'), cfg('Alice-desk-8Kq'));
  assert.equal(changes.length, 1);
  const text = JSON.stringify(changes);
  assert.ok(!text.includes('Alice-desk'), text);
  assert.ok(text.includes('"secrets":"changed"'), text);
});

test('YAML errors and field paths map to source lines', () => {
  const text = 'system:\n  name: Acme\nextensions:\n  - number: "201"\n    name: Alice\n  - number: "x"\n';
  const doc = parseYaml(text);
  assert.deepEqual(doc.errors, []);
  assert.equal(doc.lineOf(['extensions', 1, 'number']), 6);
  assert.equal(doc.lineOf(['extensions', 0, 'name']), 5);
  assert.equal(doc.lineOf(['system', 'nosuch']), 2);
  const broken = parseYaml('system:\n  name: [unclosed\n');
  assert.ok(broken.errors.length > 0);
  assert.ok(broken.errors[0]!.line >= 2);
});

test('export → import round-trips the configuration', () => {
  const a = cfg('Alice-desk-7Kq');
  assert.deepEqual(parseConfig(parseYaml(toYaml(a)).value), a);
});
