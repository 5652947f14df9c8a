// Built-in templates are text files next to this one (templates/<vendor>/<file id>.mustache),
// read once when a profile module loads: versioned with the code, readable by admins (the API
// serves them) and copied as the start of an override.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export function loadTemplates(vendor: string): Record<string, string> {
  const dir = join(import.meta.dirname, vendor);
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir)) if (name.endsWith('.mustache')) out[name.slice(0, -'.mustache'.length)] = readFileSync(join(dir, name), 'utf8');
  return out;
}
