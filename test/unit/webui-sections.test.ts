// The GUI may not import the daemon's code (it talks only to the API), so its permission
// matrix carries its own copy of the sections. This keeps the copy honest: a section added to
// the domain without the GUI (or the other way round) fails here, not in front of a customer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SECTIONS } from '../../src/domain/auth.ts';

test('the GUI permission matrix lists exactly the domain sections, in order', () => {
  const src = readFileSync(join(import.meta.dirname, '../../webui/src/components/PermissionMatrix.tsx'), 'utf8');
  const m = /export const SECTIONS = \[([^\]]*)\] as const;/.exec(src);
  assert.ok(m, 'SECTIONS array found in PermissionMatrix.tsx');
  const gui = [...m[1]!.matchAll(/'([a-z-]+)'/g)].map((x) => x[1]);
  assert.deepEqual(gui, [...SECTIONS]);
});

test('every section has a name and help text in every GUI language', () => {
  for (const lang of ['en', 'it']) {
    const dict = JSON.parse(readFileSync(join(import.meta.dirname, `../../webui/src/locales/${lang}.admin.json`), 'utf8'));
    for (const s of SECTIONS) {
      assert.equal(typeof dict.admin.section[s]?.name, 'string', `${lang}: admin.section.${s}.name`);
      assert.equal(typeof dict.admin.section[s]?.help, 'string', `${lang}: admin.section.${s}.help`);
    }
  }
});
