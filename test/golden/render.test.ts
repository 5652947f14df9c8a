// Golden tests of every rendered file. UPDATE_GOLDEN=1 rewrites the expected files; review the
// diff like code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, readdirSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parseConfig } from '../../src/domain/rules.ts';
import { renderAll, type RenderContext } from '../../src/render/index.ts';

const here = import.meta.dirname;
const expectedDir = join(here, 'expected');
export const GOLDEN_CONTEXT: RenderContext = {
  instanceDir: '/srv/pbx',
  moduleDir: '/usr/lib/x86_64-linux-gnu/asterisk/modules',
  sipBindAddress: '0.0.0.0',
  amiPort: 5038,
  amiUser: 'pbx-supervisor',
  amiSecret: 'golden-ami-secret',
  ariPort: 8088,
  ariUser: 'pbx-supervisor',
  ariPassword: 'golden-ari-password',
  deviceQualifySeconds: 60,
};

const config = parseConfig(parse(readFileSync(join(here, 'full.yaml'), 'utf8')));
const rendered = renderAll(config, GOLDEN_CONTEXT);

if (process.env.UPDATE_GOLDEN) {
  mkdirSync(expectedDir, { recursive: true });
  for (const [name, text] of Object.entries(rendered.files)) writeFileSync(join(expectedDir, name), text);
}

test('the renderer produces exactly the expected set of files', () => {
  assert.deepEqual(Object.keys(rendered.files).sort(), readdirSync(expectedDir).sort());
});

for (const name of readdirSync(expectedDir).sort()) {
  test(`golden: ${name}`, () => {
    assert.equal(rendered.files[name], readFileSync(join(expectedDir, name), 'utf8'));
  });
}

test('rendering is deterministic', () => {
  assert.deepEqual(renderAll(config, GOLDEN_CONTEXT), rendered);
});

test('every device, trunk and context is an expected object for apply to verify', () => {
  const ids = new Set(rendered.expected.map((e) => `${e.kind}:${e.id}`));
  for (const id of ['pjsip endpoint:201-soft', 'pjsip auth:201', 'pjsip aor:202', 'pjsip endpoint:trunk-carrier1', 'pjsip identify:trunk-carrier2', 'pjsip registration:trunk-carrier2', 'pjsip transport:transport-udp', 'dialplan context:pbx-class-international', 'dialplan context:pbx-inbound', 'ami user:crm', 'ami user:reports']) {
    assert.ok(ids.has(id), id);
  }
  assert.equal(ids.has('pjsip auth:trunk-carrier1'), false, 'an ip trunk has no auth');
});
