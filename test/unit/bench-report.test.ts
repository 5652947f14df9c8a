// docs/performance.md and its charts from a run's results (scripts/bench/report.ts), rendered
// from a hand-made fixture of a full run on 2 cores: each goal's verdict follows the figures
// (change one in a copy and the verdict flips), absent parts and figures say "not measured"
// with their error, the SVGs are well-formed with one mark per level and size, and the three
// files land where the runner asks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { xmlProblem } from '../../src/lib/xml.ts';
import { PART_NAMES, resultProblems, type BenchResults, type Figure } from '../../scripts/bench/lib/results.ts';
import { judgeGoals, renderApplySvg, renderCapacitySvg, renderPerformanceMarkdown, withSupplements, writePerformanceDoc, type Verdict } from '../../scripts/bench/report.ts';
import sample from '../fixtures/bench/results-sample.json' with { type: 'json' };

// A JSON import types its strings as string and its numbers as number, so the check is on the
// shape: every required field of BenchResults present with the right kind of value.
type Widen<T> = T extends string ? string : T extends number ? number : T extends boolean ? boolean : T extends readonly (infer U)[] ? Widen<U>[] : T extends object ? { [K in keyof T]: Widen<T[K]> } : T;
const shaped: Widen<BenchResults> = sample;
const fixture = (): BenchResults => structuredClone(shaped) as BenchResults;

const verdicts = (r: BenchResults): Record<string, Verdict> => Object.fromEntries(judgeGoals(r).map((g) => [g.goal, g.verdict]));
const goal = (r: BenchResults, name: string) => {
  const g = judgeGoals(r).find((x) => x.goal === name);
  assert.ok(g, `goal "${name}"`);
  return g;
};
const CAPACITY = 'Call capacity: simultaneous calls with intact audio';
const CPS = 'Call capacity: sustained call setup rate';
const CPU = 'Supervisor CPU per call';
const APPLY = 'One added extension live, at 10,000 extensions';
const API_LIST = 'API p99 at 10,000 extensions: list extensions';
const API_GET = 'API p99 at 10,000 extensions: get one extension';
const API_CREATE = 'API p99 at 10,000 extensions: create an extension';
const HTTP = 'Provisioning over HTTP: 500 phones at once';
const TFTP = 'Provisioning over TFTP: 500 phones at once';
const RSS_IDLE = 'Supervisor RSS, idle';
const RSS_LOAD = 'Supervisor RSS under the call load';

test('the fixture is a complete, valid full run', () => {
  const r = fixture();
  assert.equal(r.kind, 'full');
  assert.equal(r.schema, 1);
  // The fixture is a run from before the data-service parts (privacy, directory, cdr) existed.
  assert.deepEqual(resultProblems(r, PART_NAMES.filter((p) => !['privacy', 'directory', 'cdr'].includes(p))), []);
});

test('the goals table judges the fixture from its figures', () => {
  const r = fixture();
  assert.deepEqual(verdicts(r), {
    [CAPACITY]: 'not met', // 300 vs 400 calls
    [CPS]: 'not met', // 20 vs 40 calls/s
    [CPU]: 'met', // 5.97 cpu-ms over 45 s against 35,200 cpu-ms / (300 calls × 30 s): 3.4 %
    [APPLY]: 'not met', // 2,290 ms
    [API_LIST]: 'met',
    [API_GET]: 'met',
    [API_CREATE]: 'not met', // creates wait for their apply
    [HTTP]: 'met',
    [TFTP]: 'met',
    [RSS_IDLE]: 'met',
    [RSS_LOAD]: 'met',
  });
  assert.match(goal(r, CAPACITY).measured, /75\.0 %: PBX 300, bare Asterisk 400 calls/);
  assert.match(goal(r, CPU).measured, /5\.97 cpu-ms per call at the 300-call level: 3\.4 %/);
  assert.match(goal(r, APPLY).measured, /slowest of 5: 2,290 ms \(p50 1,796 ms\); 0 of 20 calls dropped/);

  const md = renderPerformanceMarkdown(r, 'images', '../bench/results/x.json');
  assert.match(md, /\| Goal \| Target \| Measured \| Verdict \|/);
  assert.match(md, /7 met, 4 not met, 0 not measured/);
  assert.match(md, /\| Call capacity: simultaneous calls with intact audio \| ≥ 95 % of bare Asterisk \| 75\.0 %[^|]*\| \*\*not met\*\* \|/);
  assert.match(md, /\| API p99 at 10,000 extensions: list extensions \| < 50 ms \| 31\.4 ms \| met \|/);
  assert.match(md, /\| Supervisor RSS, idle \| < 150 MB \(143\.1 MiB\) \| 96\.4 MiB \| met \|/);
});

test('a changed figure flips its verdict, and only its own', () => {
  const flip = (name: string, change: (r: BenchResults) => void, expected: Verdict) => {
    const r = fixture();
    const before = verdicts(r);
    change(r);
    const after = verdicts(r);
    assert.equal(after[name], expected, name);
    assert.notEqual(before[name], expected, `${name} was already ${expected}`);
    for (const k of Object.keys(before)) if (k !== name) assert.equal(after[k], before[k], `${k} unchanged by a change to ${name}`);
    return r;
  };
  const setMs = (f: Figure, v: number) => Object.assign(f, { value: v, unit: 'ms' });

  // 300 of 310 is 96.8 %.
  const cap = flip(CAPACITY, (r) => (r.parts.capacity!.bare.maxIntactCalls.value = 310), 'met');
  assert.match(renderPerformanceMarkdown(cap, 'images', 'x.json'), /\| Call capacity: simultaneous calls with intact audio \| [^|]+ \| 96\.8 %[^|]*\| met \|/);
  flip(CPS, (r) => (r.parts.capacity!.pbx.sustainedCps.value = 40), 'met');
  // Ten times the supervisor's CPU at the 300-call level: 34 % of Asterisk's.
  flip(CPU, (r) => (r.parts.capacity!.pbx.levels.find((l) => l.calls === 300)!.supervisorCpu!.value = 17_900), 'not met');
  flip(APPLY, (r) => setMs(r.parts.apply!.sizes.find((s) => s.extensions === 10_000)!.live.max, 940), 'met');
  flip(API_LIST, (r) => setMs(r.parts.api!.list.p99, 50), 'not met');
  flip(API_GET, (r) => (r.parts.api!.get.errors.value = 3), 'not met');
  flip(API_CREATE, (r) => setMs(r.parts.api!.create.p99, 49.9), 'met');
  flip(HTTP, (r) => (r.parts.provisioning!.http.filesPerSecond.value = 499.9), 'not met');
  flip(TFTP, (r) => (r.parts.provisioning!.tftp.latency.errors.value = 1), 'not met');
  // 150 MB is decimal: 143.1 MiB already misses it.
  flip(RSS_IDLE, (r) => (r.parts.footprint!.idleRss.value = 150e6), 'not met');
  flip(RSS_LOAD, (r) => (r.parts.footprint!.loadRss!.value = 144 * 2 ** 20), 'not met');

  // A live time under 1 s with a dropped call is still a miss.
  const dropped = fixture();
  setMs(dropped.parts.apply!.sizes.find((s) => s.extensions === 10_000)!.live.max, 940);
  dropped.parts.apply!.sizes.find((s) => s.extensions === 10_000)!.callsDropped.value = 1;
  assert.equal(verdicts(dropped)[APPLY], 'not met');
  assert.match(goal(dropped, APPLY).measured, /1 of 20 calls dropped/);

  // A figure next to its threshold never reads as the threshold.
  const near = fixture();
  near.parts.provisioning!.http.filesPerSecond.value = 499.96;
  near.parts.api!.list.p99.value = 49.96;
  near.parts.capacity!.pbx.maxIntactCalls.value = 379;
  near.parts.capacity!.bare.maxIntactCalls.value = 399; // 94.987 %
  assert.equal(goal(near, HTTP).measured, '499.96 files/s');
  assert.equal(goal(near, HTTP).verdict, 'not met');
  assert.equal(goal(near, API_LIST).measured, '49.96 ms');
  assert.equal(goal(near, API_LIST).verdict, 'met');
  assert.match(goal(near, CAPACITY).measured, /^94\.99 %/);
  assert.equal(goal(near, CAPACITY).verdict, 'not met');

  // Seconds are read as seconds.
  const seconds = fixture();
  Object.assign(seconds.parts.api!.list.p99, { value: 0.0314, unit: 's' });
  assert.equal(verdicts(seconds)[API_LIST], 'met');
  assert.match(goal(seconds, API_LIST).measured, /^31\.4 ms/);
});

test('absent parts and figures are "not measured", with the part’s error', () => {
  const r = fixture();
  delete r.parts.api;
  r.errors.push({ part: 'api', message: 'autocannon: connect ECONNREFUSED 127.0.0.1:41003\n    at stack frame' });
  delete r.parts.provisioning;
  delete r.parts.footprint!.loadRss;
  (r.parts.footprint!.idleRss as { value: number | null }).value = null; // NaN, after JSON
  const v = verdicts(r);
  for (const name of [API_LIST, API_GET, API_CREATE, HTTP, TFTP, RSS_IDLE, RSS_LOAD]) assert.equal(v[name], 'not measured', name);
  assert.equal(v[CAPACITY], 'not met');
  assert.match(goal(r, API_LIST).measured, /not measured: the part failed \(autocannon: connect ECONNREFUSED 127\.0\.0\.1:41003\)/);
  assert.match(goal(r, HTTP).measured, /not measured: the part did not run/);

  const md = renderPerformanceMarkdown(r, 'images', 'x.json');
  assert.match(md, /## Parts that failed\n\n- \*\*api\*\*: `autocannon: connect ECONNREFUSED 127\.0\.0\.1:41003 at stack frame`/);
  assert.match(md, /## API latency\n\n\*\*Not measured\*\*: the api part failed: `autocannon/);
  assert.match(md, /## Provisioning\n\n\*\*Not measured\*\*: the provisioning part did not run\./);
  assert.match(md, /1 met, 3 not met, 7 not measured/);
  assert.match(md, /\| RSS idle \(MiB\) \| — \|/);

  // Smaller runs than the goals name are not judged against them.
  const small = fixture();
  small.parts.apply!.sizes = small.parts.apply!.sizes.filter((s) => s.extensions < 10_000);
  small.parts.api!.extensions = 100;
  small.parts.provisioning!.http.phones = 10;
  const sv = verdicts(small);
  assert.equal(sv[APPLY], 'not measured');
  assert.match(goal(small, APPLY).measured, /largest size: 1,000/);
  assert.equal(sv[API_LIST], 'not measured');
  assert.equal(sv[HTTP], 'not measured');

  // No intact level on bare Asterisk: no ratio to judge.
  const none = fixture();
  none.parts.capacity!.bare.maxIntactCalls.value = 0;
  assert.equal(verdicts(none)[CAPACITY], 'not measured');
});

test('the capacity section: both targets level by level, side by side', () => {
  const md = renderPerformanceMarkdown(fixture(), 'images', 'x.json');
  const levels = md.slice(md.indexOf('### Levels'), md.indexOf('Asterisk\'s CPU is over the measuring window'));
  const rows = levels.split('\n').filter((l) => /^\| \d+ \| /.test(l));
  assert.deepEqual(
    rows.map((l) => l.split(' | ')[0]),
    ['| 50', '| 100', '| 200', '| 300', '| 400', '| 600', '| 800'],
  );
  const row = (calls: number) => rows.find((l) => l.startsWith(`| ${calls} | `))!.split(' | ');
  // Calls, then five columns per target.
  assert.deepEqual(row(400).slice(1, 6), ['0.50 (2 of 400)', '**93.73** / **93.54** / **93.62** / **93.42**', '398 / 398', '**no**', '177']);
  assert.deepEqual(row(400).slice(6, 11), ['0.00 (0 of 400)', '99.43 / 99.24 / 99.32 / 99.12', '400 / 400', 'yes', '153 |']);
  assert.deepEqual(row(300).slice(6), ['not run', '—', '—', '—', '— |']);
  assert.match(md, /\| Highest intact level \(simultaneous calls\) \| 300 \| 400 \| 75\.0 \|/);
  assert.match(md, /\| 80 \| 1,600 \| \*\*4\.44\*\* \| \*\*no\*\* \| 1,600 \| 0\.38 \| yes \|/);
  assert.match(md, /!\[[^\]]+\]\(images\/performance-capacity\.svg\)/);
  assert.match(md, /!\[[^\]]+\]\(images\/performance-apply\.svg\)/);
  assert.match(md, /\| 10,000 \| 5 \| 1,742 \| 2,215 \| 1,796 \| 2,290 \| 0 \| 20 \| 0 \|/);
  assert.match(md, /\| `GET \/api\/v1\/extensions\/<number>` \| 58,210 \| 0 \| 2\.80 \| 4\.10 \| 7\.90 \| 26\.3 \| 2,910 \|/);
  assert.match(md, /\| HTTP \| 500 \| 3 \| 3,996 \| 5\.71 \| 700 \| 288 \| 702 \| 1,104 \| 1,231 \| 0 \| 96 \| — \| — \|/);
  assert.match(md, /\| TFTP \| 500 \| 3 \| 1,500 \| 2\.58 \| 581 \| 371 \| 655 \| 1,792 \| 2,008 \| 0 \| 90 \| 37 \| 0 \|/);
  // The notes recorded with the figures say how the streams were counted.
  assert.match(md, /- `boxToCaller`: callers namespace/);
  assert.doesNotMatch(md, /Smoke run/);
});

test('the capacity chart: well-formed, a point per level and target, a bar per target', () => {
  const r = fixture();
  const svg = renderCapacitySvg(r);
  assert.equal(xmlProblem(svg), undefined);
  for (const t of ['pbx', 'bare'] as const) {
    const calls = [...svg.matchAll(new RegExp(`<circle class="point" data-target="${t}" data-calls="(\\d+)"`, 'g'))].map((m) => Number(m[1]));
    assert.deepEqual(calls.sort((a, b) => a - b), r.parts.capacity![t].levels.map((l) => l.calls).sort((a, b) => a - b), t);
  }
  assert.equal([...svg.matchAll(/<rect class="bar"/g)].length, 2);
  assert.match(svg, /PBX \/ bare Asterisk = 75\.0 %/);
  // Not intact: hollow.
  assert.match(svg, /data-target="pbx" data-calls="400"[^>]*fill="#ffffff"/);
  assert.doesNotMatch(svg, /data-target="pbx" data-calls="300"[^>]*fill="#ffffff"/);
});

test('the apply chart: well-formed, a p50 point per size for the answer and for live', () => {
  const r = fixture();
  const svg = renderApplySvg(r);
  assert.equal(xmlProblem(svg), undefined);
  for (const s of ['api', 'live']) {
    const sizes = [...svg.matchAll(new RegExp(`<circle class="point" data-series="${s}" data-extensions="(\\d+)"`, 'g'))].map((m) => Number(m[1]));
    assert.deepEqual(sizes, [100, 1000, 10_000], s);
  }
  assert.match(svg, /goal: live in under 1 s/);
});

test('charts of absent parts, and of a smoke run, say so and stay well-formed', () => {
  const r = fixture();
  r.kind = 'smoke';
  delete r.parts.capacity;
  r.errors.push({ part: 'capacity', message: 'sipp: not found <&>' });
  const cap = renderCapacitySvg(r);
  assert.equal(xmlProblem(cap), undefined);
  assert.match(cap, /not measured: the part failed \(sipp: not found &lt;&amp;&gt;\)/);
  assert.match(cap, /smoke run: tiny sizes, figures meaningless/);
  r.parts.apply!.sizes = [];
  const apply = renderApplySvg(r);
  assert.equal(xmlProblem(apply), undefined);
  assert.match(apply, /not measured/);
  const md = renderPerformanceMarkdown(r, '', 'x.json');
  assert.match(md, /^> \*\*Smoke run: tiny sizes, figures meaningless\.\*\*/m);

  // A one-size smoke run still draws its points.
  const one = fixture();
  one.parts.apply!.sizes = one.parts.apply!.sizes.slice(0, 1);
  const svg = renderApplySvg(one);
  assert.equal(xmlProblem(svg), undefined);
  assert.equal([...svg.matchAll(/<circle class="point"/g)].length, 2);
});

test('writePerformanceDoc writes the page and both charts, linked relative to the page', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
  try {
    const r = fixture();
    const written = writePerformanceDoc(r, join(dir, 'docs'), join(dir, 'docs/images'), join(dir, 'bench/results/2025-06-02T09-14-07-512Z.json'));
    assert.deepEqual(written, [join(dir, 'docs/performance.md'), join(dir, 'docs/images/performance-capacity.svg'), join(dir, 'docs/images/performance-apply.svg')]);
    const md = readFileSync(written[0]!, 'utf8');
    assert.equal(md, renderPerformanceMarkdown(r, 'images', '../bench/results/2025-06-02T09-14-07-512Z.json'));
    assert.match(md, /\[\.\.\/bench\/results\/2025-06-02T09-14-07-512Z\.json\]\(\.\.\/bench\/results\/2025-06-02T09-14-07-512Z\.json\)/);
    assert.equal(readFileSync(written[1]!, 'utf8'), renderCapacitySvg(r));
    assert.equal(readFileSync(written[2]!, 'utf8'), renderApplySvg(r));

    // The smoke layout: page, charts and JSON in one directory.
    const smoke = join(dir, 'build/bench-smoke');
    const [page] = writePerformanceDoc({ ...r, kind: 'smoke' }, smoke, smoke, join(smoke, 'run.json'));
    const smokeMd = readFileSync(page!, 'utf8');
    assert.match(smokeMd, /!\[[^\]]+\]\(performance-capacity\.svg\)/);
    assert.match(smokeMd, /Raw results of this run: \[run\.json\]\(run\.json\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a note repeated per level with other values is listed once, marked as varying', () => {
  const r = fixture();
  const levels = r.parts.capacity!.pbx.levels;
  assert.ok(levels.length >= 2);
  levels.forEach((l, i) => (l.asteriskCpu = { ...l.asteriskCpu, note: `over the window of level ${i}` }));
  const md = renderPerformanceMarkdown(r, 'images', '../bench/results/x.json');
  const lines = md.split('\n').filter((l) => l.startsWith('- `asteriskCpu`:'));
  assert.deepEqual(lines, ['- `asteriskCpu`: over the window of level 0 (first of several; each in the JSON)']);
});

test('a part missing from a run comes from a supplement run, named on the page; a part the run has is never replaced', () => {
  const main = fixture();
  const f = (value: number, unit: Figure['unit']): Figure => ({ value, unit });
  const latency = { requests: f(100, 'count'), errors: f(0, 'count'), p50: f(3.5, 'ms'), p90: f(5, 'ms'), p99: f(9.25, 'ms'), max: f(12, 'ms'), throughput: f(250, 'req/s') };
  const other: BenchResults = {
    ...fixture(),
    startedAt: '2026-11-23T08:00:00.000Z',
    versions: { ...main.versions, commit: 'abc1234' },
    parts: {
      api: { ...main.parts.api!, extensions: 1 },
      directory: { contacts: 10_000, firstSearch: f(12, 'ms'), name: latency, number: latency, sizeLimited: latency },
    },
    errors: [],
  };
  const merged = withSupplements(main, [{ results: other, file: '../bench/results/other.json' }]);
  assert.deepEqual(merged.supplements, [{ parts: ['directory'], startedAt: other.startedAt, commit: 'abc1234', file: '../bench/results/other.json' }]);
  assert.equal(merged.parts.api!.extensions, main.parts.api!.extensions, 'the main run keeps its own api part');
  const md = renderPerformanceMarkdown(merged, 'images', '../bench/results/main.json');
  assert.match(md, /The directory part comes from a separate run on the same machine, started 2026-11-23 08:00:00 UTC \(commit abc1234\): \[other\.json\]\(\.\.\/bench\/results\/other\.json\)/);
  assert.match(md, /## LDAP directory[\s\S]*10,000 shared contacts[\s\S]*\| By name \| 100 \| 0 \| 3\.50 \|/);
  assert.equal(main.supplements, undefined, 'the main run is not changed');
});
