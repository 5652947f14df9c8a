// Prints the JSON Schema of the pbxctl YAML format, generated from the model's zod schemas
// (the same ones that validate). docs/pbx-config.schema.json is this output; a unit test
// keeps the committed copy current.
import { z } from 'zod';
import { pbxConfigSchema } from '../src/domain/model.ts';

export function configJsonSchema(): unknown {
  return {
    ...z.toJSONSchema(pbxConfigSchema, { io: 'input', unrepresentable: 'any' }),
    title: 'PBX appliance configuration (pbxctl export/apply)',
  };
}

if (import.meta.main) process.stdout.write(JSON.stringify(configJsonSchema(), null, 2) + '\n');
