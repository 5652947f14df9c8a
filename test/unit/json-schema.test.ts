import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configJsonSchema } from '../../scripts/config-schema.ts';

test('docs/pbx-config.schema.json is the schema generated from the model (run scripts/config-schema.ts)', () => {
  const committed = JSON.parse(readFileSync(join(import.meta.dirname, '../../docs/pbx-config.schema.json'), 'utf8'));
  assert.deepEqual(committed, JSON.parse(JSON.stringify(configJsonSchema())));
});
