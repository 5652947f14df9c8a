// Runs the test suite with node:test: unit and golden tests (pure code, in parallel), then the
// integration tests (real Asterisk in the rootfs, SIPp), one file at a time since each starts
// its own PBX instances, then the GUI end to end in Chromium. Usage: node scripts/run-tests.ts [unit|integration|e2e]...
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
function find(dir: string): string[] {
  let out: string[] = [];
  if (!existsSync(dir)) return out;
  for (const n of readdirSync(dir).sort()) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out = out.concat(find(p));
    else if (n.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const wanted = process.argv.slice(2);
const suites: [string, string[], string[]][] = [
  ['unit', [...find(join(root, 'test/unit')), ...find(join(root, 'test/golden'))], []],
  ['integration', find(join(root, 'test/integration')), ['--test-concurrency=1', '--test-timeout=300000']],
  // The GUI in Chromium against real stacks (needs webui/dist and /usr/bin/chromium).
  ['e2e', find(join(root, 'test/e2e')), ['--test-concurrency=1', '--test-timeout=300000']],
];
let failed = false;
for (const [name, files, flags] of suites) {
  if (wanted.length && !wanted.includes(name)) continue;
  if (files.length === 0) continue;
  process.stdout.write(`\n=== ${name} tests (${files.length} files)\n`);
  const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...flags, ...files], { stdio: 'inherit', cwd: root });
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
