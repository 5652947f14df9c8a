// Imports flow downward only (ARCHITECTURE.md §2), and each third-party package sits behind
// one adapter file. This test reads the imports of every source file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';

const src = resolve(import.meta.dirname, '../../src');
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}
const layer = (file: string) => relative(src, file).split('/')[0]!.replace(/\.ts$/, '');

const ALLOWED: Record<string, string[]> = {
  domain: [],
  lib: [],
  store: ['domain'],
  render: ['domain'],
  services: ['domain', 'store'],
  apply: ['render', 'lib', 'domain'],
  asterisk: ['lib'],
  health: [],
  api: ['services', 'domain', 'lib', 'health'],
  cli: ['services', 'domain', 'lib', 'daemon-config'],
  calls: ['domain', 'lib', 'services'],
  media: ['domain', 'lib'],
  mail: ['domain', 'lib', 'services'],
  recordings: ['domain', 'lib', 'services', 'store'],
  provisioning: ['domain', 'lib', 'services', 'store'],
  jobs: ['domain', 'lib'],
  crypto: ['domain', 'lib', 'store', 'recordings', 'services'],
  snmp: ['domain', 'lib', 'services'],
  directory: ['domain', 'lib', 'services', 'store'],
  cdr: ['domain', 'lib', 'store'],
};
const ADAPTERS: Record<string, string> = {
  'better-sqlite3': 'store/db.ts',
  'asterisk-manager': 'asterisk/ami.ts',
  'ari-client': 'asterisk/ari.ts',
  pino: 'lib/log.ts',
  yaml: 'lib/yaml.ts',
  diff: 'lib/text-diff.ts',
  systeminformation: 'lib/sysinfo.ts',
  nodemailer: 'mail/mailer.ts',
  mustache: 'provisioning/template-engine.ts',
  'fast-xml-parser': 'lib/xml.ts',
  exceljs: 'lib/xlsx.ts',
  'node-cron': 'jobs/cron.ts',
  openpgp: 'crypto/pgp.ts',
  'net-snmp': 'snmp/agent.ts',
  ldapjs: 'directory/ldap-server.ts',
};

const imports = (file: string) =>
  [...readFileSync(file, 'utf8').matchAll(/(?:from\s+|require\()\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);

test('layers import only the layers below them', () => {
  const violations: string[] = [];
  for (const file of files(src)) {
    const from = layer(file);
    if (from === 'main' || !(from in ALLOWED)) continue;
    for (const spec of imports(file)) {
      if (!spec.startsWith('.')) continue;
      const to = layer(resolve(dirname(file), spec));
      if (to !== from && !ALLOWED[from]!.includes(to)) violations.push(`${relative(src, file)} imports ${spec}`);
    }
  }
  assert.deepEqual(violations, []);
});

test('each third-party package is imported by its one adapter file only', () => {
  const violations: string[] = [];
  for (const file of files(src)) {
    for (const spec of imports(file)) {
      const adapter = ADAPTERS[spec];
      if (adapter && relative(src, file) !== adapter) violations.push(`${relative(src, file)} imports ${spec}`);
    }
  }
  assert.deepEqual(violations, []);
});
