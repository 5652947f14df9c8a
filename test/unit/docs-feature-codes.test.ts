// docs/user-services.md documents every feature code with its default, so a code added to the
// model without a line in the table fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { featureCodesSchema } from '../../src/domain/model.ts';

test('docs/user-services.md lists every feature code with its default', () => {
  const doc = readFileSync(join(import.meta.dirname, '../../docs/user-services.md'), 'utf8');
  const defaults = featureCodesSchema.parse({});
  for (const [key, code] of Object.entries(defaults)) {
    const row = doc.split('\n').find((l) => l.includes(`| \`${key}\` |`));
    assert.ok(row, `a table row for ${key}`);
    assert.ok(row.includes(`\`${code}\``), `${key}'s row shows its default ${code}: ${row}`);
  }
});
