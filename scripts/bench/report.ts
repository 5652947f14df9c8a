// docs/performance.md and its two charts from one run's results. Everything here is pure
// rendering (unit-tested with a hand-made fixture) except writePerformanceDoc, which writes the
// files. A goal's verdict is computed from the figures: a miss shows as "not met", a figure
// that is absent or not a number as "not measured"; nothing is judged from wording.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import type {
  ApplySize,
  BenchResults,
  CapacityLevel,
  CapacityResult,
  CapacityTarget,
  CpsStep,
  Figure,
  LatencySummary,
  PartName,
  ProvisioningProtocolResult,
  RtpStreams,
} from './lib/results.ts';
import { PART_NAMES } from './lib/results.ts';

export const CAPACITY_SVG = 'performance-capacity.svg';
export const APPLY_SVG = 'performance-apply.svg';

/** The issue's thresholds, and the two this report had to choose (named as such in the doc). */
const GOAL = {
  capacityRatio: 0.95,
  /** "Negligible" supervisor CPU: at most this share of the CPU Asterisk spends on the same call. */
  supervisorCpuShare: 0.05,
  applyLiveMs: 1000,
  applyAtExtensions: 10_000,
  apiP99Ms: 50,
  apiAtExtensions: 10_000,
  provisioningFilesPerSecond: 500,
  provisioningPhones: 500,
  /** 150 MB as the issue writes it: decimal megabytes, the stricter reading. */
  rssBytes: 150e6,
  intactDeliveredPercent: 99,
  intactFailedPercent: 1,
} as const;

const DASH = '—';
const MIB = 2 ** 20;

// ---- figures and formatting ----------------------------------------------------------------

/** A figure's value when it is a finite number (JSON turns NaN into null). */
function num(f: Figure | undefined): number | undefined {
  const v = f?.value;
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** A time or CPU-time figure in milliseconds (undefined for any other unit). */
function ms(f: Figure | undefined): number | undefined {
  const v = num(f);
  if (v === undefined) return undefined;
  if (f!.unit === 'ms' || f!.unit === 'cpu-ms') return v;
  if (f!.unit === 's') return v * 1000;
  return undefined;
}

function bytes(f: Figure | undefined): number | undefined {
  return f?.unit === 'bytes' ? num(f) : undefined;
}

/** Fixed digits with thousands separators (locale-independent, so the doc is reproducible). */
export function group(v: number, digits = 0): string {
  const [int, frac] = Math.abs(v).toFixed(digits).split('.');
  const sign = v < 0 && Number(Math.abs(v).toFixed(digits)) !== 0 ? '-' : '';
  return sign + int!.replace(/\B(?=(\d{3})+(?!\d))/g, ',') + (frac ? `.${frac}` : '');
}

/** Milliseconds: two decimals under 10 ms, one under 100 ms, whole above. */
export function fmtMs(v: number | undefined): string {
  if (v === undefined) return DASH;
  const a = Math.abs(v);
  return group(v, a < 10 ? 2 : a < 100 ? 1 : 0);
}

export function fmtMiB(b: number | undefined): string {
  return b === undefined ? DASH : group(b / MIB, 1);
}

/** Digits fmtMs would use. */
const msDigits = (v: number) => (Math.abs(v) < 10 ? 2 : Math.abs(v) < 100 ? 1 : 0);

/**
 * A value judged against a threshold, with `digits` decimals or more where fewer would read as
 * the threshold itself (49.96 ms against 50 ms is "49.96", not "50.0").
 */
export function against(v: number, limit: number, digits: number): string {
  let d = digits;
  while (d < 4 && v !== limit && group(v, d) === group(limit, d)) d++;
  return group(v, d);
}

const fmtInt = (v: number | undefined) => (v === undefined ? DASH : group(v));
const fmtPct = (v: number | undefined, digits = 1) => (v === undefined ? DASH : group(v, digits));
const fmtRate = (v: number | undefined) => (v === undefined ? DASH : group(v, v < 100 ? 1 : 0));
const fmtSec = (v: number | undefined) => (v === undefined ? DASH : group(v, v < 10 ? 2 : 1));

/** Safe in a table cell: one line, no column separator. */
function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');
}

/** An error message as inline code (one line, backtick-safe). */
function code(text: string): string {
  const t = text.replace(/\s*\n\s*/g, ' ').trim();
  return t.includes('`') ? `\`\` ${t} \`\`` : `\`${t}\``;
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
  return [line(header), `|${header.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n');
}

const bold = (text: string, when: boolean) => (when ? `**${text}**` : text);

/** Why a part has no result: its error, or that it did not run. */
function absence(r: BenchResults, part: PartName): string {
  const e = r.errors.find((x) => x.part === part);
  return e ? `not measured: the part failed (${e.message.split('\n')[0]})` : 'not measured: the part did not run';
}

function absenceMd(r: BenchResults, part: PartName): string {
  const e = r.errors.find((x) => x.part === part);
  return e ? `**Not measured**: the ${part} part failed: ${code(e.message)}` : `**Not measured**: the ${part} part did not run.`;
}

/** Every note recorded with a figure of a part, once each, with the name of the first figure that had it. */
function figureNotes(value: unknown, key = ''): { key: string; note: string }[] {
  const out: { key: string; note: string }[] = [];
  const walk = (v: unknown, k: string) => {
    if (v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) return v.forEach((x) => walk(x, k));
    const o = v as Record<string, unknown>;
    if ('value' in o && 'unit' in o) {
      if (typeof o.note === 'string' && o.note && !out.some((n) => n.note === o.note)) out.push({ key: k, note: o.note });
      return;
    }
    for (const [kk, vv] of Object.entries(o)) walk(vv, kk);
  };
  walk(value, key);
  return out;
}

function notesMd(value: unknown): string {
  // One line per figure name: per-level notes (the window, a percentage) repeat with other
  // values for every level; the first stands for them and the JSON holds each.
  const byKey = new Map<string, { note: string; varies: boolean }>();
  for (const n of figureNotes(value)) {
    const note = n.note.replace(/\s*\n\s*/g, ' ');
    const seen = byKey.get(n.key);
    if (!seen) byKey.set(n.key, { note, varies: false });
    else if (seen.note !== note) seen.varies = true;
  }
  const lines = [...byKey].map(([key, n]) => `- \`${key}\`: ${n.note}${n.varies ? ' (first of several; each in the JSON)' : ''}`);
  return lines.length ? `Recorded with the figures:\n\n${lines.join('\n')}` : '';
}

// ---- capacity helpers ----------------------------------------------------------------------

const STREAMS: { key: keyof Omit<RtpStreams, 'expectedPerStream' | 'deliveredPercent'>; label: string }[] = [
  { key: 'callerToBox', label: 'caller→box' },
  { key: 'boxToCallee', label: 'box→callee' },
  { key: 'calleeToBox', label: 'callee→box' },
  { key: 'boxToCaller', label: 'box→caller' },
];

function streamPercent(rtp: RtpStreams, key: (typeof STREAMS)[number]['key']): number | undefined {
  const expected = num(rtp.expectedPerStream);
  const got = num(rtp[key]);
  return expected && got !== undefined ? (got / expected) * 100 : undefined;
}

/** Asterisk's CPU over the window as a share of one core (100 % = one core busy). */
function cpuCorePercent(l: CapacityLevel): number | undefined {
  const cpu = ms(l.asteriskCpu);
  const window = num(l.windowSeconds);
  return cpu !== undefined && window ? (cpu / (window * 1000)) * 100 : undefined;
}

const byCalls = (a: { calls: number }, b: { calls: number }) => a.calls - b.calls;

/** The highest level tried was intact: the target's capacity may be higher than measured. */
function capped(t: CapacityTarget): boolean {
  const top = [...t.levels].sort(byCalls).at(-1);
  return !!top?.intact;
}

function capacityRatio(c: CapacityResult): number | undefined {
  const pbx = num(c.pbx.maxIntactCalls);
  const bare = num(c.bare.maxIntactCalls);
  return pbx !== undefined && bare ? pbx / bare : undefined;
}

function cpsRatio(c: CapacityResult): number | undefined {
  const pbx = num(c.pbx.sustainedCps);
  const bare = num(c.bare.sustainedCps);
  return pbx !== undefined && bare ? pbx / bare : undefined;
}

/**
 * The supervisor's CPU against Asterisk's at one level (the highest intact one with both
 * figures, else the highest with both): the supervisor's CPU per call over the hold time (an
 * over-estimate: its CPU covers setup and teardown too, the level lasts longer than the hold)
 * divided by Asterisk's CPU per call-second over the window.
 */
export function supervisorCpuShare(c: CapacityResult): { calls: number; perCallMs: number; share: number } | undefined {
  const usable = c.pbx.levels.filter((l) => l.calls > 0 && ms(l.supervisorCpu) !== undefined && ms(l.asteriskCpu) && num(l.windowSeconds)).sort(byCalls);
  const level = usable.filter((l) => l.intact).at(-1) ?? usable.at(-1);
  if (!level || !(c.setup.holdSeconds > 0)) return undefined;
  const perCallMs = ms(level.supervisorCpu)! / level.calls;
  const asteriskPerCallSecond = ms(level.asteriskCpu)! / (level.calls * num(level.windowSeconds)!);
  return { calls: level.calls, perCallMs, share: perCallMs / c.setup.holdSeconds / asteriskPerCallSecond };
}

// ---- goals ---------------------------------------------------------------------------------

export type Verdict = 'met' | 'not met' | 'not measured';

export interface GoalRow {
  goal: string;
  target: string;
  measured: string;
  verdict: Verdict;
}

const judged = (ok: boolean): Verdict => (ok ? 'met' : 'not met');
const notMeasured = (goal: string, target: string, measured: string): GoalRow => ({ goal, target, measured, verdict: 'not measured' });

/** The issue's goals against this run's figures. */
export function judgeGoals(r: BenchResults): GoalRow[] {
  const rows: GoalRow[] = [];
  const { capacity, apply, api, provisioning, footprint } = r.parts;
  const pct = (x: number) => `${against(x * 100, GOAL.capacityRatio * 100, 1)} %`;

  // Call capacity, both of its figures.
  {
    const goal = 'Call capacity: simultaneous calls with intact audio';
    const target = `≥ ${GOAL.capacityRatio * 100} % of bare Asterisk`;
    if (!capacity) rows.push(notMeasured(goal, target, absence(r, 'capacity')));
    else {
      const ratio = capacityRatio(capacity);
      const pbx = num(capacity.pbx.maxIntactCalls);
      const bare = num(capacity.bare.maxIntactCalls);
      if (ratio === undefined) rows.push(notMeasured(goal, target, `PBX ${fmtInt(pbx)}, bare Asterisk ${fmtInt(bare)} calls: no ratio (bare Asterisk had no intact level)`));
      else {
        const caveat = capped(capacity.bare) && !capped(capacity.pbx) ? ' (bare Asterisk was intact at the highest level tried: its capacity may be higher)' : capped(capacity.pbx) ? ' (the PBX was intact at the highest level tried)' : '';
        rows.push({ goal, target, measured: `${pct(ratio)}: PBX ${fmtInt(pbx)}, bare Asterisk ${fmtInt(bare)} calls${caveat}`, verdict: judged(ratio >= GOAL.capacityRatio) });
      }
    }
  }
  {
    const goal = 'Call capacity: sustained call setup rate';
    const target = `≥ ${GOAL.capacityRatio * 100} % of bare Asterisk`;
    if (!capacity) rows.push(notMeasured(goal, target, absence(r, 'capacity')));
    else {
      const ratio = cpsRatio(capacity);
      const pbx = num(capacity.pbx.sustainedCps);
      const bare = num(capacity.bare.sustainedCps);
      if (ratio === undefined) rows.push(notMeasured(goal, target, `PBX ${fmtRate(pbx)}, bare Asterisk ${fmtRate(bare)} calls/s: no ratio`));
      else rows.push({ goal, target, measured: `${pct(ratio)}: PBX ${fmtRate(pbx)}, bare Asterisk ${fmtRate(bare)} calls/s`, verdict: judged(ratio >= GOAL.capacityRatio) });
    }
  }
  // Supervisor CPU per call.
  {
    const goal = 'Supervisor CPU per call';
    const target = `negligible: taken here as ≤ ${GOAL.supervisorCpuShare * 100} % of the CPU Asterisk spends on the same call`;
    const s = capacity ? supervisorCpuShare(capacity) : undefined;
    if (!capacity) rows.push(notMeasured(goal, target, absence(r, 'capacity')));
    else if (!s) rows.push(notMeasured(goal, target, 'no capacity level with both the supervisor’s and Asterisk’s CPU'));
    else rows.push({ goal, target, measured: `${fmtMs(s.perCallMs)} cpu-ms per call at the ${group(s.calls)}-call level: ${against(s.share * 100, GOAL.supervisorCpuShare * 100, 1)} % of Asterisk’s`, verdict: judged(s.share <= GOAL.supervisorCpuShare) });
  }
  // One change at 10,000 extensions.
  {
    const goal = `One added extension live, at ${group(GOAL.applyAtExtensions)} extensions`;
    const target = `< ${group(GOAL.applyLiveMs / 1000)} s (slowest change), 0 dropped calls`;
    const size = apply?.sizes.filter((s) => s.extensions >= GOAL.applyAtExtensions).sort((a, b) => a.extensions - b.extensions)[0];
    if (!apply) rows.push(notMeasured(goal, target, absence(r, 'apply')));
    else if (!size) rows.push(notMeasured(goal, target, `not run at ${group(GOAL.applyAtExtensions)} extensions (largest size: ${fmtInt(Math.max(0, ...apply.sizes.map((s) => s.extensions)))})`));
    else {
      const worst = ms(size.live.max);
      const dropped = num(size.callsDropped);
      const errors = num(size.live.errors) ?? 0;
      const inProgress = num(size.callsInProgress);
      if (worst === undefined || dropped === undefined) rows.push(notMeasured(goal, target, `live ${fmtMs(worst)} ms, dropped calls ${fmtInt(dropped)}`));
      else {
        const measured = `slowest of ${fmtInt(num(size.live.requests))}: ${against(worst, GOAL.applyLiveMs, msDigits(worst))} ms (p50 ${fmtMs(ms(size.live.p50))} ms); ${fmtInt(dropped)} of ${fmtInt(inProgress)} calls dropped${errors ? `; ${group(errors)} changes never went live` : ''}`;
        rows.push({ goal, target, measured, verdict: judged(worst < GOAL.applyLiveMs && dropped === 0 && errors === 0) });
      }
    }
  }
  // API p99, per request kind.
  for (const kind of ['list', 'get', 'create'] as const) {
    const goal = `API p99 at ${group(GOAL.apiAtExtensions)} extensions: ${API_LABEL[kind]}`;
    const target = `< ${GOAL.apiP99Ms} ms`;
    if (!api) rows.push(notMeasured(goal, target, absence(r, 'api')));
    else if (api.extensions < GOAL.apiAtExtensions) rows.push(notMeasured(goal, target, `not run at ${group(GOAL.apiAtExtensions)} extensions (${group(api.extensions)})`));
    else rows.push(latencyGoal(goal, target, api[kind], GOAL.apiP99Ms, kind === 'create' ? ' (waits for the apply)' : ''));
  }
  // Provisioning, per protocol.
  for (const proto of ['http', 'tftp'] as const) {
    const goal = `Provisioning over ${proto.toUpperCase()}: ${group(GOAL.provisioningPhones)} phones at once`;
    const target = `≥ ${GOAL.provisioningFilesPerSecond} files/s`;
    const p: ProvisioningProtocolResult | undefined = provisioning?.[proto];
    if (!provisioning || !p) rows.push(notMeasured(goal, target, absence(r, 'provisioning')));
    else if (p.phones < GOAL.provisioningPhones) rows.push(notMeasured(goal, target, `not run with ${group(GOAL.provisioningPhones)} phones (${group(p.phones)})`));
    else {
      const rate = num(p.filesPerSecond);
      const errors = num(p.latency.errors) ?? 0;
      if (rate === undefined) rows.push(notMeasured(goal, target, 'no files/s figure'));
      else rows.push({ goal, target, measured: `${against(rate, GOAL.provisioningFilesPerSecond, rate < 100 ? 1 : 0)} files/s${errors ? `, ${group(errors)} failed files` : ''}`, verdict: judged(rate >= GOAL.provisioningFilesPerSecond && errors === 0) });
    }
  }
  // Memory.
  const rssTarget = `< ${GOAL.rssBytes / 1e6} MB (${fmtMiB(GOAL.rssBytes)} MiB)`;
  for (const [goal, f, why] of [
    ['Supervisor RSS, idle', footprint?.idleRss, footprint ? 'no idle RSS figure' : absence(r, 'footprint')],
    ['Supervisor RSS under the call load', footprint?.loadRss, footprint ? (capacity ? 'no RSS recorded under the call load' : absence(r, 'capacity')) : absence(r, 'footprint')],
  ] as const) {
    const b = bytes(f);
    if (b === undefined) rows.push(notMeasured(goal, rssTarget, why));
    else rows.push({ goal, target: rssTarget, measured: `${against(b / MIB, GOAL.rssBytes / MIB, 1)} MiB`, verdict: judged(b < GOAL.rssBytes) });
  }
  return rows;
}

function latencyGoal(goal: string, target: string, l: LatencySummary, limitMs: number, suffix: string): GoalRow {
  const p99 = ms(l.p99);
  const errors = num(l.errors) ?? 0;
  if (p99 === undefined) return notMeasured(goal, target, 'no p99 figure');
  const measured = `${against(p99, limitMs, msDigits(p99))} ms${suffix}${errors ? `; ${group(errors)} requests failed, ${fmtInt(num(l.requests))} answered` : ''}`;
  return { goal, target, measured, verdict: judged(p99 < limitMs && errors === 0) };
}

const API_LABEL = { list: 'list extensions', get: 'get one extension', create: 'create an extension' } as const;

// ---- markdown ------------------------------------------------------------------------------

/** The whole of docs/performance.md. imageRelPath and resultsRelPath are relative to the doc ('' = beside it). */
export function renderPerformanceMarkdown(r: BenchResults, imageRelPath: string, resultsRelPath: string): string {
  const img = (name: string) => (imageRelPath ? `${imageRelPath.replace(/\/$/, '')}/${name}` : name);
  const out: string[] = [];
  out.push(`<!-- Generated by scripts/bench/report.ts from ${resultsRelPath}: change the renderer or rerun make bench, not this file. -->`);
  out.push('# Performance');
  if (r.kind === 'smoke') out.push('> **Smoke run: tiny sizes, figures meaningless.** This page was rendered by `make bench-smoke` to check that the harness works; the published figures come from `make bench`.');
  out.push(
    [
      'What the appliance does under load, measured on one machine in one run, always side by side with a reference where one exists:',
      'how many simultaneous calls it relays with intact audio, and how many call setups per second it sustains, against **bare Asterisk** (the same binary with a minimal configuration that only bridges);',
      'how long a configuration change takes to reach Asterisk as the configuration grows, with calls in progress;',
      'the REST API’s latency with 10,000 extensions in the database; how fast phones get their provisioning files; and the supervisor’s own memory, CPU and start time.',
      'Each part below says how it was measured; every figure of the run, with its unit, is in the raw results:',
      `[${resultsRelPath.split('/').at(-1)}](${resultsRelPath}).`,
      'Reproduce with `make bench` as root (about 30 minutes on 2 cores); `make bench-smoke` runs every part at tiny sizes as part of `make test`.',
    ].join(' '),
  );
  const minutes = ms(r.duration);
  out.push(`Run started ${r.startedAt.replace('T', ' ').replace(/(\.\d+)?Z$/, ' UTC')}, lasted ${minutes === undefined ? DASH : group(minutes / 60_000, 1)} min.`);
  for (const x of r.supplements ?? [])
    out.push(`The ${x.parts.join(', ')} part${x.parts.length > 1 ? 's come' : ' comes'} from a separate run on the same machine, started ${x.startedAt.replace('T', ' ').replace(/(\.\d+)?Z$/, ' UTC')} (commit ${x.commit}): [${x.file.split('/').at(-1)}](${x.file}).`);

  if (r.errors.length) {
    out.push('## Parts that failed');
    out.push(r.errors.map((e) => `- **${e.part}**: ${code(e.message)}`).join('\n'));
  }

  out.push('## Machine and versions');
  out.push(
    table(
      ['Machine and software', 'Value'],
      [
        ['CPU', r.machine.cpuModel],
        ['Cores (count)', String(r.machine.cores)],
        ['Memory (GiB)', group(r.machine.memoryBytes / 2 ** 30, 1)],
        ['Kernel', r.machine.kernel],
        ['OS', r.machine.os],
        ['Product', `${r.versions.product} (commit ${r.versions.commit})`],
        ['Node.js', r.versions.node],
        ['Asterisk', r.versions.asterisk],
        ['SIPp', r.versions.sipp],
      ],
    ),
  );
  out.push('The load generators (SIPp, autocannon, the provisioning clients) run on the same machine as the appliance: they take CPU from it, and from bare Asterisk equally.');

  out.push('## Goals and what was measured');
  const goals = judgeGoals(r);
  const count = (v: Verdict) => goals.filter((g) => g.verdict === v).length;
  out.push(`The issue’s goals, judged from this run’s figures: ${count('met')} met, ${count('not met')} not met, ${count('not measured')} not measured.`);
  out.push(table(['Goal', 'Target', 'Measured', 'Verdict'], goals.map((g) => [g.goal, g.target, g.measured, g.verdict === 'not met' ? '**not met**' : g.verdict])));

  out.push(...capacityMd(r, img(CAPACITY_SVG)));
  out.push(...applyMd(r, img(APPLY_SVG)));
  out.push(...apiMd(r));
  out.push(...provisioningMd(r));
  out.push(...footprintMd(r));
  out.push(...cdrMd(r));
  out.push(...privacyMd(r));
  out.push(...directoryMd(r));

  out.push('## Caveats');
  out.push(
    [
      '- **One machine.** The appliance, bare Asterisk and every load generator share the same cores; a dedicated box with the load coming over the network would do better. Both targets pay the same price, which is why the capacity goal is a ratio.',
      '- **Noisy neighbours.** Other processes on the machine, or other guests on a virtual machine’s host, take their share; one run is one sample, and run-to-run variation is not measured here. Compare ratios rather than absolute figures across machines.',
      '- **Discrete levels.** Capacity is the highest level tried that was intact; the true limit lies between it and the next level tried, so the ratio carries that resolution.',
      '- **One kind of call.** G.711 µ-law both sides, no transcoding, no recording, no conferencing, media always relayed (direct media off); other call mixes cost more per call.',
      '- **Loopback networking.** Calls cross virtual Ethernet pairs between network namespaces, API and provisioning clients use loopback: no NIC, no real network loss or latency.',
      '- **What "live" means.** A change is live when Asterisk reports the new endpoint over ARI; the polling interval adds to the figure.',
    ].join('\n'),
  );

  out.push('## Reproduce');
  out.push(
    [
      '```sh',
      'make bench        # every part at full size, as root: bench/results/<time>.json, this page and its charts',
      'make bench-smoke  # every part at tiny sizes (part of make test): build/bench-smoke/',
      'node scripts/bench/run.ts --parts capacity   # one part (PBX_ROOTFS set): its JSON only, the page is not touched',
      '```',
    ].join('\n'),
  );
  out.push(`Raw results of this run: [${resultsRelPath}](${resultsRelPath}).`);
  return `${out.join('\n\n')}\n`;
}

function capacityMd(r: BenchResults, chart: string): string[] {
  const out = ['## Call capacity'];
  const c = r.parts.capacity;
  if (!c) return [...out, absenceMd(r, 'capacity')];
  const s = c.setup;
  out.push(
    [
      `SIPp callers place calls through the box to a SIPp "carrier" on the called side: G.711 µ-law (${s.codec}), ${s.packetMs} ms packets, RTP both ways (the callers stream a looped µ-law recording, the called side echoes what it receives), each call held ${s.holdSeconds} s, set up at ${s.setupRate} calls/s.`,
      `The callers authenticate as the box's extensions in turn and dial a national number that the last of the ${s.lcrRules} LCR rules sends out of the carrier trunk.`,
      `Callers and called side each sit in a network namespace of their own, joined to the box (or bare Asterisk, in the host namespace) by veth pairs, so the kernel's counters count each party's packets on its own: what the callers sent (their namespace's UDP OutDatagrams, less what their veth end dropped, less what the box's caller-facing sockets dropped), what reached the called side (its InDatagrams plus its echo sockets' drops), what it echoed (its OutDatagrams, less veth and box-socket drops), and what reached the callers (the drops of their media socket, which SIPp never reads: once it has filled, every packet that arrives is counted as a drop, and the window only starts then).`,
      'The box\'s own sockets are found through its file descriptors and their drops read from `/proc/net/udp6` (Asterisk\'s RTP sockets are dual-stack); where packets were lost is recorded per level.',
      `The counters are read at the start and the end of a ${s.windowSeconds} s window during which every call of the level is up (no setup or teardown inside it).`,
      `A level is **intact** when under ${GOAL.intactFailedPercent} % of its calls failed, every call was up at both ends of the window, and each of the four streams of a relayed call (caller→box, box→callee, callee→box, box→caller) delivered at least ${GOAL.intactDeliveredPercent} % of the expected packets (50 per second per call).`,
      'Levels grow geometrically until one is not intact, then one or two steps bisect between the last intact and the first failed level.',
      'The sustained setup rate: short calls with RTP at rising setup rates, the highest with under 1 % failed calls.',
    ].join(' '),
  );
  out.push(
    [
      `**Box under test**: the appliance with ${group(s.extensions)} extensions, ${s.trunks} trunks, ${s.lcrRules} LCR rules, the supervisor connected to AMI and ARI and processing every event. ${s.description}`,
      '**Bare Asterisk**: the same rootfs and Asterisk binary with a minimal hand-written configuration that just bridges: one authenticated endpoint for the callers, `Dial(PJSIP/${EXTEN}@carrier)`, direct media off, µ-law only, the same RTP port range; no supervisor.',
      'Both are measured in the same run under the same load.',
    ].join(' '),
  );
  const ratio = capacityRatio(c);
  const cRatio = cpsRatio(c);
  const maxLabel = (t: CapacityTarget) => fmtInt(num(t.maxIntactCalls)) + (capped(t) ? ' (highest level tried)' : '');
  out.push(
    table(
      ['', 'PBX', 'Bare Asterisk', 'PBX / bare (%)'],
      [
        ['Highest intact level (simultaneous calls)', maxLabel(c.pbx), maxLabel(c.bare), fmtPct(ratio === undefined ? undefined : ratio * 100)],
        ['Sustained setup rate (calls/s)', fmtRate(num(c.pbx.sustainedCps)), fmtRate(num(c.bare.sustainedCps)), fmtPct(cRatio === undefined ? undefined : cRatio * 100)],
      ],
    ),
  );
  out.push(`![Simultaneous calls with intact audio: PBX and bare Asterisk](${chart})`);

  out.push('### Levels');
  const levels = [...new Set([...c.pbx.levels, ...c.bare.levels].map((l) => l.calls))].sort((a, b) => a - b);
  if (levels.length === 0) out.push('No level was measured.');
  else {
    const side = (l: CapacityLevel | undefined): string[] => {
      if (!l) return ['not run', DASH, DASH, DASH, DASH];
      const failed = num(l.failedPercent);
      const streams = STREAMS.map((x) => {
        const p = streamPercent(l.rtp, x.key);
        return bold(fmtPct(p, 2), p !== undefined && p < GOAL.intactDeliveredPercent);
      }).join(' / ');
      return [
        `${bold(fmtPct(failed, 2), failed !== undefined && failed >= GOAL.intactFailedPercent)} (${fmtInt(num(l.failed))} of ${fmtInt(num(l.attempted))})`,
        streams,
        `${fmtInt(num(l.concurrentAtStart))} / ${fmtInt(num(l.concurrentAtEnd))}`,
        l.intact ? 'yes' : '**no**',
        fmtPct(cpuCorePercent(l), 0),
      ];
    };
    const per = (t: string) => [`${t}: failed calls (%)`, `${t}: delivered (% of expected) caller→box / box→callee / callee→box / box→caller`, `${t}: calls up at window start / end (calls)`, `${t}: intact`, `${t}: Asterisk CPU (% of one core)`];
    out.push(
      table(
        ['Calls (simultaneous)', ...per('PBX'), ...per('Bare')],
        levels.map((n) => [group(n), ...side(c.pbx.levels.find((l) => l.calls === n)), ...side(c.bare.levels.find((l) => l.calls === n))]),
      ),
    );
    out.push(`Asterisk's CPU is over the measuring window; 100 % is one core busy, the machine has ${r.machine.cores}. Values under the intact thresholds are in bold.`);
    const sup = c.pbx.levels.filter((l) => l.supervisorCpu || l.supervisorRss).sort(byCalls);
    if (sup.length) {
      out.push('The supervisor during each level (first INVITE to last BYE):');
      out.push(
        table(
          ['Calls (simultaneous)', 'Supervisor CPU (cpu-s)', 'Supervisor CPU per call (cpu-ms)', 'Supervisor highest RSS (MiB)'],
          sup.map((l) => {
            const cpu = ms(l.supervisorCpu);
            return [group(l.calls), fmtSec(cpu === undefined ? undefined : cpu / 1000), fmtMs(cpu === undefined ? undefined : cpu / l.calls), fmtMiB(bytes(l.supervisorRss))];
          }),
        ),
      );
    }
  }

  out.push('### Call setup rate');
  const rates = [...new Set([...c.pbx.cpsSteps, ...c.bare.cpsSteps].map((x) => x.rate))].sort((a, b) => a - b);
  if (rates.length === 0) out.push('No setup rate was measured.');
  else {
    const side = (x: CpsStep | undefined) =>
      x ? [fmtInt(num(x.attempted)), bold(fmtPct(num(x.failedPercent), 2), !x.ok), x.ok ? 'yes' : '**no**'] : ['not run', DASH, DASH];
    out.push(
      table(
        ['Setup rate (calls/s)', 'PBX: attempted (calls)', 'PBX: failed (%)', 'PBX: under 1 % failed', 'Bare: attempted (calls)', 'Bare: failed (%)', 'Bare: under 1 % failed'],
        rates.map((rate) => [group(rate), ...side(c.pbx.cpsSteps.find((x) => x.rate === rate)), ...side(c.bare.cpsSteps.find((x) => x.rate === rate))]),
      ),
    );
  }
  const notes = notesMd(c);
  if (notes) out.push(notes);
  return out;
}

function applyMd(r: BenchResults, chart: string): string[] {
  const out = ['## Apply at scale'];
  const a = r.parts.apply;
  if (!a) return [...out, absenceMd(r, 'apply')];
  out.push(
    [
      'For each size, a supervisor with that many extensions (each with a device, voicemail on every other one, a calling class over all LCR rules; 10 trunks, 50 LCR rules, ring groups and queues), calls in progress through the LCR to a SIPp carrier, then one extension added through `POST /api/v1/extensions`, several times.',
      '**API answer**: the client’s time for the POST, which answers once the change is committed and applied (configuration rendered, Asterisk reloaded).',
      '**Live**: from just before the POST until Asterisk runs both halves of the new extension: its endpoint (`GET /ari/endpoints/PJSIP/<user>` answers 200) and its dialplan (`dialplan show <number>@pbx-internal` over an AMI connection of the harness); the endpoint alone is recorded too.',
      '**Dropped**: a call in progress counts as clean only when the caller\'s own BYE at the end got its 200; a BYE from the box, a 481 or no answer counts it as dropped; Asterisk\'s channel count after each apply is the second view, and the larger of the two is reported (checked by deleting a channel and killing Asterisk mid-run: both show).',
      'The bulk import is one `POST /api/v1/extensions/bulk`: one revision, one apply.',
    ].join(' '),
  );
  if (a.sizes.length === 0) out.push('No size was measured.');
  else {
    out.push(
      table(
        ['Extensions (count)', 'Changes (count)', 'API answer p50 (ms)', 'API answer max (ms)', 'Live p50 (ms)', 'Live max (ms)', 'Never live (count)', 'Calls in progress (calls)', 'Dropped (calls)'],
        [...a.sizes]
          .sort((x, y) => x.extensions - y.extensions)
          .map((s: ApplySize) => {
            const dropped = num(s.callsDropped);
            return [
              group(s.extensions),
              fmtInt(num(s.apiAnswer.requests)),
              fmtMs(ms(s.apiAnswer.p50)),
              fmtMs(ms(s.apiAnswer.max)),
              fmtMs(ms(s.live.p50)),
              fmtMs(ms(s.live.max)),
              fmtInt(num(s.live.errors)),
              fmtInt(num(s.callsInProgress)),
              bold(fmtInt(dropped), !!dropped),
            ];
          }),
      ),
    );
    out.push(`![Time until one added extension is live, by configuration size](${chart})`);
  }
  const b = a.bulk;
  out.push(
    table(
      ['Bulk import', 'Extensions before (count)', 'Imported (count)', 'API answer (ms)', 'Live (ms)', 'Calls in progress (calls)', 'Dropped (calls)'],
      [['one request', group(b.extensionsBefore), group(b.imported), fmtMs(ms(b.apiAnswer)), fmtMs(ms(b.live)), fmtInt(num(b.callsInProgress)), bold(fmtInt(num(b.callsDropped)), !!num(b.callsDropped))]],
    ),
  );
  const notes = notesMd(a);
  if (notes) out.push(notes);
  return out;
}

function latencyRow(label: string, l: LatencySummary): string[] {
  const errors = num(l.errors);
  return [label, fmtInt(num(l.requests)), bold(fmtInt(errors), !!errors), fmtMs(ms(l.p50)), fmtMs(ms(l.p90)), fmtMs(ms(l.p99)), fmtMs(ms(l.max)), fmtRate(num(l.throughput))];
}

function apiMd(r: BenchResults): string[] {
  const out = ['## API latency'];
  const a = r.parts.api;
  if (!a) return [...out, absenceMd(r, 'api')];
  out.push(
    [
      `autocannon against the supervisor’s REST API (HTTP on loopback, an admin token) with ${group(a.extensions)} extensions in the database, ${a.connections} concurrent connections for ${a.durationSeconds} s per kind of request:`,
      'the extension list as the GUI asks for it (its first page), one extension by number (random existing numbers), and creates (a new number each).',
      '**Creates wait for their apply**: the API answers after Asterisk has taken the change, so a create’s latency is the apply time under concurrent changes, not a database write.',
      'Responses other than 2xx count as errors.',
    ].join(' '),
  );
  out.push(
    table(
      ['Request', 'Requests (count)', 'Errors (count)', 'p50 (ms)', 'p90 (ms)', 'p99 (ms)', 'Max (ms)', 'Throughput (req/s)'],
      [latencyRow('`GET /api/v1/extensions` (list)', a.list), latencyRow('`GET /api/v1/extensions/<number>`', a.get), latencyRow('`POST /api/v1/extensions`', a.create)],
    ),
  );
  const notes = notesMd(a);
  if (notes) out.push(notes);
  return out;
}

function provisioningMd(r: BenchResults): string[] {
  const out = ['## Provisioning'];
  const p = r.parts.provisioning;
  if (!p) return [...out, absenceMd(r, 'provisioning')];
  const bursts = p.http.bursts ?? p.tftp.bursts;
  out.push(
    [
      `${group(p.http.phones)} phones spread over the seven supported vendors, one line each, imported before any clock starts; then all of them ask at the same moment${bursts && bursts > 1 ? `, ${bursts} times per protocol (the figures cover every burst)` : ''}, after an unmeasured warm-up of one phone per vendor.`,
      '**HTTP**: each phone fetches its vendor’s file sequence (the common file, its own files, its directory) in order with its vendor’s User-Agent, over one keep-alive connection of its own: so many phones, so many connections.',
      '**TFTP**: each phone fetches its MAC file with a small RFC 1350 client in the harness (octet mode, 512-byte blocks, retransmission after a 1 s timeout) on its own UDP port, not one `tftp` process per phone, which would measure process creation.',
      'Files per second: the files served right over the bursts’ duration (first request to last answer); latency per file from request to last byte.',
      'A file is served right when it comes with a 200, is not empty, has the content type the vendor’s profile declares, is well-formed when XML and, for the phone’s main file, holds this phone’s account; anything else (an error status, a refused connection, a TFTP error or timeout) counts as an error.',
      'The provisioning server’s per-source rate limit is lifted for the run (`PBX_PROVISIONING_RATE=65535`): one load generator on one address stands for every phone, where on a real network each phone is its own source and never meets the limit.',
    ].join(' '),
  );
  const row = (label: string, x: ProvisioningProtocolResult) => {
    const errors = num(x.latency.errors);
    const seconds = ms(x.seconds);
    const cpu = ms(x.supervisorCpu);
    return [
      label,
      group(x.phones),
      x.bursts === undefined ? DASH : group(x.bursts),
      fmtInt(num(x.files)),
      fmtSec(seconds === undefined ? undefined : seconds / 1000),
      fmtRate(num(x.filesPerSecond)),
      fmtMs(ms(x.latency.p50)),
      fmtMs(ms(x.latency.p90)),
      fmtMs(ms(x.latency.p99)),
      fmtMs(ms(x.latency.max)),
      bold(fmtInt(errors), !!errors),
      cpu !== undefined && seconds ? fmtPct((cpu / seconds) * 100, 0) : DASH,
      fmtInt(num(x.retransmissions)),
      fmtInt(num(x.serverSocketDrops)),
    ];
  };
  out.push(
    table(
      ['Protocol', 'Phones (count)', 'Bursts (count)', 'Files served right (count)', 'Bursts’ duration (s)', 'Files/s', 'p50 (ms)', 'p90 (ms)', 'p99 (ms)', 'Max (ms)', 'Errors (files)', 'Supervisor CPU (% of one core)', 'Retransmissions (packets)', 'Server socket drops (packets)'],
      [row('HTTP', p.http), row('TFTP', p.tftp)],
    ),
  );
  out.push('The supervisor serves the files from one Node.js process: near 100 % of one core it is the limit. Retransmissions and socket drops are TFTP only.');
  const notes = notesMd(p);
  if (notes) out.push(notes);
  return out;
}

function footprintMd(r: BenchResults): string[] {
  const out = ['## Footprint'];
  const f = r.parts.footprint;
  if (!f) return [...out, absenceMd(r, 'footprint')];
  out.push(
    [
      `The supervisor alone (its own \`node\` process; Asterisk not counted) with the realistic configuration of ${group(f.extensions)} extensions.`,
      'Start to ready: from process start until `GET /api/v1/health` answers ok (Asterisk up, configuration applied), on the very first start (empty database seeded from the initial configuration) and on a restart.',
      'RSS from `/proc`, idle and the highest seen under the call-capacity load.',
      'CPU per call: the supervisor’s CPU over a capacity level, first INVITE to last BYE, divided by its calls.',
      `It counts as negligible when it is at most ${GOAL.supervisorCpuShare * 100} % of Asterisk’s CPU for the same call: the supervisor’s CPU per call spread over the hold time (an over-estimate, since its CPU also covers setup and teardown) against Asterisk’s CPU per call-second over the measuring window of the same level.`,
    ].join(' '),
  );
  const share = r.parts.capacity ? supervisorCpuShare(r.parts.capacity) : undefined;
  const startS = (x: Figure) => {
    const v = ms(x);
    return fmtSec(v === undefined ? undefined : v / 1000);
  };
  out.push(
    table(
      ['Figure', 'Value'],
      [
        ['First start to ready (s)', startS(f.firstStartToReady)],
        ['Restart to ready (s)', startS(f.startToReady)],
        ['RSS idle (MiB)', fmtMiB(bytes(f.idleRss))],
        ['RSS under the call load, highest (MiB)', f.loadRss ? fmtMiB(bytes(f.loadRss)) : r.parts.capacity ? 'not recorded' : absence(r, 'capacity')],
        ['CPU per call (cpu-ms)', f.cpuPerCall ? fmtMs(ms(f.cpuPerCall)) : r.parts.capacity ? 'not recorded' : absence(r, 'capacity')],
        ['CPU per call relative to Asterisk’s (%)', share ? `${group(share.share * 100, 1)} (at the ${group(share.calls)}-call level)` : 'not measured'],
      ],
    ),
  );
  const notes = notesMd(f);
  if (notes) out.push(notes);
  return out;
}

function cdrMd(r: BenchResults): string[] {
  const out = ['## Call records at scale'];
  const c = r.parts.cdr;
  if (!c) return [...out, absenceMd(r, 'cdr')];
  out.push(
    [
      `The CDR store (SQLite, the box's own schema and indexes) filled with ${group(c.rows)} rows of a realistic mix (directions, trunks, extensions, queues), then queried through the same service the API uses, in-process (no HTTP):`,
      'the first page of the default listing (with the total count), a page deep in the table by keyset cursor and the same page by offset (what the cursor avoids), and a filtered first page.',
      'Exports stream every row as CSV and as JSON into a null sink; the RSS growth while exporting shows they do not hold the rows.',
    ].join(' '),
  );
  out.push(
    table(
      ['Query', 'Requests (count)', 'Errors (count)', 'p50 (ms)', 'p90 (ms)', 'p99 (ms)', 'Max (ms)', 'Throughput (req/s)'],
      [latencyRow('First page', c.firstPage), latencyRow('Deep page by cursor', c.deepCursorPage), latencyRow('Deep page by offset', c.deepOffsetPage), latencyRow('Filtered (extension + direction)', c.filtered)],
    ),
  );
  out.push(
    table(
      ['Figure', 'Value'],
      [
        ['Insert (rows/s)', fmtRate(num(c.insert))],
        ['Database size (MiB)', fmtMiB(bytes(c.databaseSize))],
        ['CSV export (rows/s)', fmtRate(num(c.exportCsv))],
        ['JSON export (rows/s)', fmtRate(num(c.exportJson))],
        ['RSS growth while exporting (MiB)', fmtMiB(bytes(c.exportRssGrowth))],
      ],
    ),
  );
  const notes = notesMd(c);
  if (notes) out.push(notes);
  return out;
}

function privacyMd(r: BenchResults): string[] {
  const out = ['## Encryption of a large recording'];
  const p = r.parts.privacy;
  if (!p) return [...out, absenceMd(r, 'privacy')];
  const size = bytes(p.fileSize);
  out.push(
    [
      `A ${fmtMiB(size)} MiB recording encrypted to the privacy officer's OpenPGP key as the storage does it (streamed, GnuPG-readable packets), decrypted again for an unlocked download, and re-wrapped for a key change (only the session-key packet is rewritten).`,
      'Each operation runs in its own child process so its peak RSS is its own; the baseline is a child that loaded openpgp and did nothing else. A peak close to the baseline means the file was never held in memory.',
    ].join(' '),
  );
  const row = (label: string, o: { seconds: Figure; peakRss: Figure }) => {
    const sec = num(o.seconds);
    return [label, fmtSec(sec), size !== undefined && sec ? group(size / 2 ** 20 / sec, 0) : DASH, fmtMiB(bytes(o.peakRss))];
  };
  out.push(
    table(
      ['Operation', 'Time (s)', 'Throughput (MiB/s)', 'Peak RSS (MiB)'],
      [row('Encrypt', p.encrypt), row('Decrypt', p.decrypt), row('Re-wrap for a new key', p.rewrap), ['Baseline (openpgp loaded)', DASH, DASH, fmtMiB(bytes(p.baselineRss))]],
    ),
  );
  const notes = notesMd(p);
  if (notes) out.push(notes);
  return out;
}

function directoryMd(r: BenchResults): string[] {
  const out = ['## LDAP directory'];
  const d = r.parts.directory;
  if (!d) return [...out, absenceMd(r, 'directory')];
  out.push(
    [
      `The supervisor's LDAP server with ${group(d.contacts)} shared contacts, searched over TCP on loopback by one client bound as a phone, with the filters the phones send:`,
      'a name typed in lowercase (substring on cn/sn/givenName, as Yealink and Snom ask), a caller’s number (the lookup on an incoming call), and a search that hits the size limit.',
    ].join(' '),
  );
  out.push(
    table(
      ['Search', 'Requests (count)', 'Errors (count)', 'p50 (ms)', 'p90 (ms)', 'p99 (ms)', 'Max (ms)', 'Throughput (req/s)'],
      [latencyRow('By name', d.name), latencyRow('By number', d.number), latencyRow('Size-limited (50 entries)', d.sizeLimited)],
    ),
  );
  out.push(`First search after start (builds the tree): ${fmtMs(ms(d.firstSearch))} ms.`);
  const notes = notesMd(d);
  if (notes) out.push(notes);
  return out;
}

// ---- SVG -----------------------------------------------------------------------------------

const COLOR = { pbx: '#1f5fa8', bare: '#d9730d', axis: '#444', grid: '#e3e3e3', text: '#222', goal: '#b3261e' } as const;

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const r1 = (v: number) => Math.round(v * 10) / 10;

function text(x: number, y: number, s: string, attrs = ''): string {
  return `<text x="${r1(x)}" y="${r1(y)}"${attrs ? ` ${attrs}` : ''}>${esc(s)}</text>`;
}

function svgDoc(width: number, height: number, title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12" fill="${COLOR.text}">`,
    `<title>${esc(title)}</title>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

function header(r: BenchResults, title: string, subtitle: string): string[] {
  const out = [text(20, 26, title, 'font-size="16" font-weight="bold"'), text(20, 45, subtitle, 'fill="#555"')];
  if (r.kind === 'smoke') out.push(text(20, 63, 'smoke run: tiny sizes, figures meaningless', `fill="${COLOR.goal}" font-weight="bold"`));
  return out;
}

/** A round step giving about `count` intervals over `range`. */
function niceStep(range: number, count: number): number {
  const raw = range / count;
  if (!(raw > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

function placeholder(r: BenchResults, title: string, why: string): string {
  return svgDoc(760, 160, title, [...header(r, title, ''), text(20, 100, why, `fill="${COLOR.goal}"`)]);
}

/** Simultaneous calls with intact audio, PBX and bare Asterisk: the highest intact level of each, and the worst stream per level. */
export function renderCapacitySvg(r: BenchResults): string {
  const title = 'Call capacity: PBX and bare Asterisk';
  const c = r.parts.capacity;
  if (!c) return placeholder(r, title, absence(r, 'capacity'));
  const W = 760;
  const H = 560;
  const body = header(r, title, `G.711 µ-law, 20 ms packets, RTP both ways; intact = under 1 % failed calls and each of the 4 streams ≥ ${GOAL.intactDeliveredPercent} % of expected packets`);
  const targets = [
    { key: 'pbx', label: 'PBX', t: c.pbx, color: COLOR.pbx },
    { key: 'bare', label: 'Bare Asterisk', t: c.bare, color: COLOR.bare },
  ] as const;
  const allCalls = [...c.pbx.levels, ...c.bare.levels].map((l) => l.calls);
  const maxCalls = Math.max(1, ...allCalls, ...targets.map((x) => num(x.t.maxIntactCalls) ?? 0));

  // Panel 1: the highest intact level of each target, as bars.
  const left = 130;
  const right = W - 40;
  const step = niceStep(maxCalls, 6);
  // Room right of the highest level, so its point and label are not on the edge.
  const xMax = Math.ceil((maxCalls * 1.04) / step) * step;
  const bx = (v: number) => left + ((right - left) * v) / xMax;
  body.push(text(20, 92, 'Highest intact level (simultaneous calls)', 'font-weight="bold"'));
  targets.forEach((x, i) => {
    const y = 104 + i * 34;
    const v = num(x.t.maxIntactCalls);
    body.push(text(left - 8, y + 17, x.label, 'text-anchor="end"'));
    if (v === undefined) body.push(text(left + 4, y + 17, 'not measured'));
    else {
      body.push(`<rect class="bar" data-target="${x.key}" x="${left}" y="${y}" width="${r1(Math.max(1, bx(v) - left))}" height="24" fill="${x.color}"><title>${esc(`${x.label}: ${group(v)} calls`)}</title></rect>`);
      body.push(text(bx(v) + 6, y + 17, `${group(v)} calls${capped(x.t) ? ' (highest level tried)' : ''}`));
    }
  });
  const ratio = capacityRatio(c);
  body.push(
    text(left, 188, ratio === undefined ? 'PBX / bare Asterisk: no ratio' : `PBX / bare Asterisk = ${group(ratio * 100, 1)} % (goal ≥ ${GOAL.capacityRatio * 100} %)`, `font-weight="bold" fill="${ratio !== undefined && ratio < GOAL.capacityRatio ? COLOR.goal : COLOR.text}"`),
  );

  // Panel 2: worst stream per level, both targets, with the intact threshold.
  const top = 240;
  const bottom = H - 70;
  const pLeft = 70;
  const pRight = W - 40;
  body.push(text(20, top - 18, 'Worst of the 4 RTP streams per level (% of expected packets)', 'font-weight="bold"'));
  const delivered = [...c.pbx.levels, ...c.bare.levels].map((l) => num(l.rtp.deliveredPercent)).filter((v): v is number => v !== undefined);
  const yMin = Math.max(0, Math.min(90, Math.floor((Math.min(100, ...delivered) - 2) / 10) * 10));
  const yMaxV = Math.max(100, ...delivered);
  const py = (v: number) => bottom - ((bottom - top) * (Math.min(Math.max(v, yMin), yMaxV) - yMin)) / (yMaxV - yMin);
  const px = (v: number) => pLeft + ((pRight - pLeft) * v) / xMax;
  const yStep = niceStep(yMaxV - yMin, 5);
  for (let v = yMin; v <= yMaxV + 1e-9; v += yStep) {
    body.push(`<line x1="${pLeft}" y1="${r1(py(v))}" x2="${pRight}" y2="${r1(py(v))}" stroke="${COLOR.grid}"/>`);
    body.push(text(pLeft - 6, py(v) + 4, group(v), 'text-anchor="end"'));
  }
  for (let v = 0; v <= xMax + 1e-9; v += step) {
    body.push(`<line x1="${r1(px(v))}" y1="${bottom}" x2="${r1(px(v))}" y2="${bottom + 5}" stroke="${COLOR.axis}"/>`);
    body.push(text(px(v), bottom + 18, group(v), 'text-anchor="middle"'));
  }
  body.push(`<line x1="${pLeft}" y1="${bottom}" x2="${pRight}" y2="${bottom}" stroke="${COLOR.axis}"/>`);
  body.push(`<line x1="${pLeft}" y1="${top}" x2="${pLeft}" y2="${bottom}" stroke="${COLOR.axis}"/>`);
  body.push(text((pLeft + pRight) / 2, bottom + 38, 'Simultaneous calls', 'text-anchor="middle"'));
  body.push(text(18, (top + bottom) / 2, 'Delivered (%)', `text-anchor="middle" transform="rotate(-90 18 ${r1((top + bottom) / 2)})"`));
  const thr = py(GOAL.intactDeliveredPercent);
  body.push(`<line x1="${pLeft}" y1="${r1(thr)}" x2="${pRight}" y2="${r1(thr)}" stroke="${COLOR.goal}" stroke-dasharray="6 4"/>`);
  body.push(text(pRight - 4, thr - 5, `${GOAL.intactDeliveredPercent} %: intact threshold`, `text-anchor="end" fill="${COLOR.goal}"`));
  // The box under test drawn last, on top where the lines meet.
  for (const x of [...targets].reverse()) {
    const pts = [...x.t.levels].sort(byCalls).filter((l) => num(l.rtp.deliveredPercent) !== undefined);
    if (pts.length > 1) body.push(`<polyline fill="none" stroke="${x.color}" stroke-width="2" points="${pts.map((l) => `${r1(px(l.calls))},${r1(py(num(l.rtp.deliveredPercent)!))}`).join(' ')}"/>`);
    for (const l of pts) {
      const d = num(l.rtp.deliveredPercent)!;
      const tip = `${x.label}, ${group(l.calls)} calls: worst stream ${group(d, 2)} %, ${fmtPct(num(l.failedPercent), 2)} % failed, ${l.intact ? 'intact' : 'not intact'}`;
      body.push(`<circle class="point" data-target="${x.key}" data-calls="${l.calls}" cx="${r1(px(l.calls))}" cy="${r1(py(d))}" r="5" fill="${l.intact ? x.color : '#ffffff'}" stroke="${x.color}" stroke-width="2"><title>${esc(tip)}</title></circle>`);
    }
  }
  // Legend.
  const ly = H - 16;
  targets.forEach((x, i) => {
    const lx = 70 + i * 150;
    body.push(`<circle cx="${lx}" cy="${ly - 4}" r="5" fill="${x.color}"/>`, text(lx + 10, ly, x.label));
  });
  body.push(`<circle cx="370" cy="${ly - 4}" r="5" fill="#ffffff" stroke="${COLOR.axis}" stroke-width="2"/>`, text(380, ly, 'hollow: not intact (calls failed or dropped, or a stream short)'));
  return svgDoc(W, H, title, body);
}

/** Time until one added extension is live, and the API's answer, by configuration size: p50 with a whisker to the slowest. */
export function renderApplySvg(r: BenchResults): string {
  const title = 'Apply at scale: one added extension, by configuration size';
  const a = r.parts.apply;
  if (!a) return placeholder(r, title, absence(r, 'apply'));
  const sizes = [...a.sizes].filter((s) => s.extensions > 0).sort((x, y) => x.extensions - y.extensions);
  if (sizes.length === 0) return placeholder(r, title, 'not measured: no size was run');
  const W = 760;
  const H = 460;
  const body = header(r, title, 'p50 of the changes at each size (dot), whisker to the slowest; calls in progress during every change');
  const series = [
    { key: 'api', label: 'API answer (commit + apply)', pick: (s: ApplySize) => s.apiAnswer, color: COLOR.pbx, dx: -7 },
    { key: 'live', label: 'Live in Asterisk (ARI shows the endpoint)', pick: (s: ApplySize) => s.live, color: COLOR.bare, dx: 7 },
  ] as const;
  const top = 90;
  const bottom = H - 80;
  const left = 80;
  const right = W - 50;
  const lo = Math.floor(Math.log10(sizes[0]!.extensions));
  let hi = Math.ceil(Math.log10(sizes.at(-1)!.extensions));
  if (hi === lo) hi = lo + 1;
  const px = (n: number) => left + ((right - left) * (Math.log10(n) - lo)) / (hi - lo);
  const values = sizes.flatMap((s) => series.flatMap((x) => [ms(x.pick(s).p50), ms(x.pick(s).max)])).filter((v): v is number => v !== undefined);
  const yTop = Math.max(GOAL.applyLiveMs, ...values) * 1.08;
  const yStep = niceStep(yTop, 6);
  const yMax = Math.ceil(yTop / yStep) * yStep;
  const py = (v: number) => bottom - ((bottom - top) * Math.min(v, yMax)) / yMax;
  for (let v = 0; v <= yMax + 1e-9; v += yStep) {
    body.push(`<line x1="${left}" y1="${r1(py(v))}" x2="${right}" y2="${r1(py(v))}" stroke="${COLOR.grid}"/>`);
    body.push(text(left - 6, py(v) + 4, group(v), 'text-anchor="end"'));
  }
  for (let e = lo; e <= hi; e++) {
    const n = 10 ** e;
    body.push(`<line x1="${r1(px(n))}" y1="${bottom}" x2="${r1(px(n))}" y2="${bottom + 5}" stroke="${COLOR.axis}"/>`);
    body.push(text(px(n), bottom + 18, group(n), 'text-anchor="middle"'));
  }
  body.push(`<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="${COLOR.axis}"/>`);
  body.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="${COLOR.axis}"/>`);
  body.push(text((left + right) / 2, bottom + 38, 'Extensions in the configuration (log scale)', 'text-anchor="middle"'));
  body.push(text(20, (top + bottom) / 2, 'Time (ms)', `text-anchor="middle" transform="rotate(-90 20 ${r1((top + bottom) / 2)})"`));
  const goalY = py(GOAL.applyLiveMs);
  body.push(`<line x1="${left}" y1="${r1(goalY)}" x2="${right}" y2="${r1(goalY)}" stroke="${COLOR.goal}" stroke-dasharray="6 4"/>`);
  body.push(text(left + 6, goalY - 5, `goal: live in under ${group(GOAL.applyLiveMs / 1000)} s at ${group(GOAL.applyAtExtensions)} extensions`, `fill="${COLOR.goal}"`));
  for (const x of series) {
    const pts = sizes.filter((s) => ms(x.pick(s).p50) !== undefined);
    if (pts.length > 1) body.push(`<polyline fill="none" stroke="${x.color}" stroke-width="1.5" stroke-opacity="0.6" points="${pts.map((s) => `${r1(px(s.extensions) + x.dx)},${r1(py(ms(x.pick(s).p50)!))}`).join(' ')}"/>`);
    for (const s of pts) {
      const l = x.pick(s);
      const p50 = ms(l.p50)!;
      const max = ms(l.max);
      const cx = r1(px(s.extensions) + x.dx);
      if (max !== undefined && max > p50) {
        body.push(`<line x1="${cx}" y1="${r1(py(p50))}" x2="${cx}" y2="${r1(py(max))}" stroke="${x.color}" stroke-width="1.5"/>`);
        body.push(`<line x1="${r1(cx - 4)}" y1="${r1(py(max))}" x2="${r1(cx + 4)}" y2="${r1(py(max))}" stroke="${x.color}" stroke-width="1.5"/>`);
      }
      const tip = `${x.label}, ${group(s.extensions)} extensions: p50 ${fmtMs(p50)} ms, max ${fmtMs(max)} ms`;
      body.push(`<circle class="point" data-series="${x.key}" data-extensions="${s.extensions}" cx="${cx}" cy="${r1(py(p50))}" r="5" fill="${x.color}"><title>${esc(tip)}</title></circle>`);
    }
  }
  const ly = H - 16;
  series.forEach((x, i) => {
    const lx = 80 + i * 300;
    body.push(`<circle cx="${lx}" cy="${ly - 4}" r="5" fill="${x.color}"/>`, text(lx + 10, ly, x.label));
  });
  return svgDoc(W, H, title, body);
}

// ---- files ---------------------------------------------------------------------------------

const posix = (p: string) => p.split(sep).join('/');

/** Writes <docDir>/performance.md and the two charts in imageDir; returns the paths written. */
export function writePerformanceDoc(results: BenchResults, docDir: string, imageDir: string, resultsFile: string): string[] {
  mkdirSync(docDir, { recursive: true });
  mkdirSync(imageDir, { recursive: true });
  const doc = join(docDir, 'performance.md');
  const capacitySvg = join(imageDir, CAPACITY_SVG);
  const applySvg = join(imageDir, APPLY_SVG);
  writeFileSync(capacitySvg, renderCapacitySvg(results));
  writeFileSync(applySvg, renderApplySvg(results));
  writeFileSync(doc, renderPerformanceMarkdown(results, posix(relative(docDir, imageDir)), posix(relative(docDir, resultsFile))));
  return [doc, capacitySvg, applySvg];
}

/**
 * A run with the parts it lacks taken from other runs (`extra`, each with its results file as the
 * page should link it). A part the main run has is never replaced: one page, one run per part.
 */
export function withSupplements(main: BenchResults, extra: { results: BenchResults; file: string }[]): BenchResults {
  const merged: BenchResults = { ...main, parts: { ...main.parts }, supplements: [...(main.supplements ?? [])] };
  for (const x of extra) {
    const taken = PART_NAMES.filter((p) => merged.parts[p] === undefined && x.results.parts[p] !== undefined);
    if (taken.length === 0) continue;
    for (const p of taken) (merged.parts as Record<string, unknown>)[p] = x.results.parts[p];
    merged.errors = [...merged.errors.filter((e) => !taken.includes(e.part)), ...x.results.errors.filter((e) => taken.includes(e.part))];
    merged.supplements!.push({ parts: taken, startedAt: x.results.startedAt, commit: x.results.versions.commit, file: x.file });
  }
  return merged;
}

// `node scripts/bench/report.ts bench/results/<time>.json [--with bench/results/<other>.json ...]`:
// the docs again from a stored run (after a change of the renderer), without measuring anything;
// --with fills the parts the run lacks from runs of those parts alone.
if (import.meta.main) {
  const [file, ...rest] = process.argv.slice(2);
  if (!file || rest.length % 2 !== 0 || rest.some((a, i) => i % 2 === 0 && a !== '--with'))
    throw new Error('usage: node scripts/bench/report.ts bench/results/<time>.json [--with bench/results/<other>.json ...]');
  const root = join(import.meta.dirname, '../..');
  const docDir = join(root, 'docs');
  const read = (f: string) => JSON.parse(readFileSync(f, 'utf8')) as BenchResults;
  const extra = rest.filter((_, i) => i % 2 === 1).map((f) => ({ results: read(f), file: posix(relative(docDir, resolve(f))) }));
  const results = withSupplements(read(file), extra);
  for (const written of writePerformanceDoc(results, docDir, join(root, 'docs/images'), resolve(file))) process.stdout.write(`${written}\n`);
}
