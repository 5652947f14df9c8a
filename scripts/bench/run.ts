// Benchmarks: `make bench` (full, about 30 min on 2 cores) and `make bench-smoke` (every part at
// tiny sizes, part of `make test`: it checks figures are produced, never what they are).
//
//   node scripts/bench/run.ts [--smoke] [--parts footprint,capacity,apply,api,provisioning,privacy] [--keep]
//
// A full run writes bench/results/<time>.json and regenerates docs/performance.md with its
// charts; a smoke run writes the same under build/bench-smoke/. A run with --parts writes the
// JSON only (the docs always come from a run of every part). Needs root and PBX_ROOTFS.
// `node scripts/bench/report.ts bench/results/<time>.json` renders the docs again from a stored run.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { BenchContext } from './lib/context.ts';
import { machine, versions } from './lib/machine.ts';
import { fig, PART_NAMES, resultProblems, type BenchResults, type PartName } from './lib/results.ts';
import { footprint, loadFootprint } from './parts/footprint.ts';
import { capacity } from './parts/capacity.ts';
import { applyAtScale } from './parts/apply.ts';
import { apiLatency } from './parts/api.ts';
import { provisioning } from './parts/provisioning.ts';
import { directory } from './parts/directory.ts';
import { privacy } from './parts/privacy.ts';
import { cdrAtScale } from './parts/cdr.ts';
import { writePerformanceDoc } from './report.ts';

const ROOT = resolve(import.meta.dirname, '../..');

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    parts: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const smoke = values.smoke!;
const parts = (values.parts ? values.parts.split(',') : [...PART_NAMES]) as PartName[];
for (const p of parts) if (!PART_NAMES.includes(p)) throw new Error(`unknown part "${p}" (parts: ${PART_NAMES.join(', ')})`);
const rootfs = process.env.PBX_ROOTFS;
if (!rootfs) throw new Error('PBX_ROOTFS is not set: run through make bench / make bench-smoke');
if (process.getuid?.() !== 0) throw new Error('the benchmarks need root (Asterisk in a chroot, network namespaces)');

const started = new Date();
const workDir = mkdtempSync(join(tmpdir(), 'pbx-bench-'));
const log = (m: string) => process.stdout.write(`[bench ${((Date.now() - started.getTime()) / 1000).toFixed(0).padStart(4)} s] ${m}\n`);
const results: BenchResults = {
  schema: 1,
  kind: smoke ? 'smoke' : 'full',
  startedAt: started.toISOString(),
  finishedAt: '',
  duration: fig(0, 's'),
  machine: machine(),
  versions: versions(rootfs),
  parts: {},
  errors: [],
};
const ctx: BenchContext = { smoke, rootfs, workDir, log, results: results.parts };

const runners: Record<PartName, () => Promise<void>> = {
  footprint: async () => void (results.parts.footprint = await footprint(ctx)),
  capacity: async () => void (results.parts.capacity = await capacity(ctx)),
  apply: async () => void (results.parts.apply = await applyAtScale(ctx)),
  api: async () => void (results.parts.api = await apiLatency(ctx)),
  provisioning: async () => void (results.parts.provisioning = await provisioning(ctx)),
  directory: async () => void (results.parts.directory = await directory(ctx)),
  privacy: async () => void (results.parts.privacy = await privacy(ctx)),
  cdr: async () => void (results.parts.cdr = await cdrAtScale(ctx)),
};
for (const part of PART_NAMES) {
  if (!parts.includes(part)) continue;
  log(`${part}: start`);
  try {
    await runners[part]();
    log(`${part}: done`);
  } catch (err) {
    const message = (err as Error).stack ?? String(err);
    results.errors.push({ part, message: (err as Error).message });
    log(`${part}: FAILED\n${message}`);
  }
}
if (results.parts.footprint && results.parts.capacity) Object.assign(results.parts.footprint, loadFootprint(results.parts.capacity));

const finished = new Date();
results.finishedAt = finished.toISOString();
results.duration = fig(Math.round((finished.getTime() - started.getTime()) / 1000), 's');
const outDir = smoke ? join(ROOT, 'build/bench-smoke') : join(ROOT, 'bench/results');
mkdirSync(outDir, { recursive: true });
const file = join(outDir, `${results.startedAt.replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
log(`results: ${file}`);
if (parts.length === PART_NAMES.length) {
  const written = writePerformanceDoc(results, smoke ? outDir : join(ROOT, 'docs'), smoke ? outDir : join(ROOT, 'docs/images'), file);
  log(`report: ${written.join(', ')}`);
}

const problems = resultProblems(results, parts);
if (problems.length === 0 && !values.keep) rmSync(workDir, { recursive: true, force: true });
else log(`work directory kept: ${workDir}`);
if (problems.length) {
  log(`problems:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
log(`done in ${results.duration.value} s`);
