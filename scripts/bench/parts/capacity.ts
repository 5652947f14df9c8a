// 1. Call capacity: SIPp callers -> the box -> SIPp called side (the carrier), G.711 u-law with
// RTP both ways in 20 ms packets. The highest number of simultaneous calls with under 1 % failed
// calls and every RTP stream intact (>= 99 % of its packets, counted by the kernel), and the
// highest setup rate with under 1 % failed calls; the same load against bare Asterisk (same
// rootfs, a configuration that only bridges) in the same run, and the ratios.
//
// Where each party runs and how the packets are counted: scripts/bench/lib/netns.ts and
// rtpStreams() in scripts/bench/lib/capacity-math.ts. What the SIPp scenarios do: their headers
// in scripts/bench/sipp/capacity-*.xml.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { amiCommand, bridgeTechnologies, callsUp, type AmiAccess } from '../lib/ami-command.ts';
import { startBareAsterisk } from '../lib/bare-asterisk.ts';
import {
  holdSchedule,
  levelIntact,
  maxIntact,
  MAX_FAILED_PERCENT,
  nextLevel,
  PACKETS_PER_SECOND,
  rtpStreams,
  type HoldTiming,
  type LevelPlan,
  type WindowCounters,
} from '../lib/capacity-math.ts';
import { sleep, type BenchContext } from '../lib/context.ts';
import { CALLED_NUMBER, devicePassword, extensionNumber, realisticConfig } from '../lib/model.ts';
import { fig, type CapacityLevel, type CapacityResult, type CapacityTarget, type CpsStep } from '../lib/results.ts';
import { boxPortsFromLog, parseSippStatCsv, type SippStats } from '../lib/sipp-stats.ts';
import { procSample, startSupervisor, type Supervisor } from '../lib/supervisor.ts';
import { sampleNamespace, socketInodes } from '../lib/udp-counters.ts';
import { createBenchNetwork, type BenchNetwork } from '../lib/netns.ts';

const SIPP_DIR = resolve(import.meta.dirname, '../sipp');
const UAC_SCENARIO = join(SIPP_DIR, 'capacity-uac.xml');
const UAS_SCENARIO = join(SIPP_DIR, 'capacity-uas.xml');
/** rtp_stream's audio, written into the callers' working directory (the scenario names it). */
const AUDIO_FILE = 'capacity-ulaw.raw';

interface Sizes {
  extensions: number;
  /** SIPp processes echoing the called side's RTP (two echo sockets and threads each). */
  echoProcesses: number;
  plan: LevelPlan;
  timing: HoldTiming;
  /** Setup rates: up while ok, then `plan.bisectSteps` between the last ok and the first failed rate. */
  cps: { plan: LevelPlan; stepSeconds: number; holdSeconds: number };
  /** Stop trying levels/rates of a target once its part of this is spent (both targets share it). */
  budgetSeconds: number;
}

/** Full run: at most about 14 minutes for both targets on 2 cores (the budget stops the ramps in time). */
const FULL: Sizes = {
  extensions: 1000,
  echoProcesses: 8,
  plan: { ramp: [100, 200, 400, 800], bisectSteps: 2, granularity: 25 },
  timing: { setupRate: 40, teardownRate: 100, settleSeconds: 2, windowSeconds: 30, marginSeconds: 3 },
  cps: { plan: { ramp: [40, 80, 160], bisectSteps: 1, granularity: 10 }, stepSeconds: 15, holdSeconds: 3 },
  budgetSeconds: 14 * 60,
};

const SMOKE: Sizes = {
  extensions: 100,
  echoProcesses: 2,
  plan: { ramp: [3], bisectSteps: 0, granularity: 1 },
  timing: { setupRate: 3, teardownRate: 6, settleSeconds: 1, windowSeconds: 3, marginSeconds: 4 },
  cps: { plan: { ramp: [3], bisectSteps: 0, granularity: 1 }, stepSeconds: 3, holdSeconds: 1 },
  budgetSeconds: 80,
};

/** The box's and bare Asterisk's RTP range (the capacity part's share of the machine). */
const RTP: [number, number] = [40000, 47999];
/** SIP and media ports of the load generators, each in a namespace of its own. */
const UAC_SIP_PORT = 5060;
const UAC_MEDIA_PORT = 30000;
const UAS_SIP_PORT = 5060;
/** Echo process k listens on this + 4k and + 4k + 2 (-mp and -mp + 2). */
const UAS_MEDIA_PORT = 20000;
const BARE_CALLER = { username: 'bench', password: 'Bench-caller-7' };

interface Target {
  kind: 'pbx' | 'bare';
  sipPort: number;
  ami: AmiAccess;
  asteriskPid(): number | undefined;
  supervisor?: Supervisor;
  /** Device credentials of the i-th call's caller. */
  caller(i: number): { username: string; password: string };
}

interface Run {
  ctx: BenchContext;
  sizes: Sizes;
  net: BenchNetwork;
  dir: string;
  /** SIPp processes still running, for the finally. */
  live: Set<Sipp>;
  deadline: number;
}

interface Sipp {
  child: ChildProcess;
  /** Exit code (null when killed). */
  done: Promise<number | null>;
}

/** The called side: the SIPp that answers, and those that only echo. */
interface Callee {
  uas: Sipp;
  echoes: Sipp[];
  echoPorts: number[];
}

/**
 * The load generators run at a higher priority than the box (nice -10): they stand for phones
 * and a carrier, which have CPUs of their own. A generator that falls behind (an echo thread
 * not scheduled in time, its socket buffer overflowing) would count against the box; the
 * losses that remain are reported apart (rtpLosses).
 */
const GENERATOR_NICE = '-10';

function startSipp(run: Run, ns: string, args: string[], cwd: string, name: string): Sipp {
  const child = run.net.spawnIn(ns, 'nice', ['-n', GENERATOR_NICE, 'sipp', ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.pipe(createWriteStream(join(cwd, `${name}.stderr`)));
  const done = new Promise<number | null>((res) => {
    child.once('exit', (code) => {
      run.live.delete(sipp);
      res(code);
    });
    child.once('error', () => {
      run.live.delete(sipp);
      res(null);
    });
  });
  const sipp: Sipp = { child, done };
  run.live.add(sipp);
  return sipp;
}

async function stopSipp(s: Sipp): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return;
  s.child.kill('SIGTERM');
  const t = setTimeout(() => s.child.kill('SIGKILL'), 5000);
  await s.done;
  clearTimeout(t);
}

/** Resolves with SIPp's exit code, or kills it after `ms` and resolves with null. */
async function waitSipp(s: Sipp, ms: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((res) => (timer = setTimeout(() => res('timeout'), ms)));
  const r = await Promise.race([s.done, timeout]);
  clearTimeout(timer);
  if (r !== 'timeout') return r;
  await stopSipp(s);
  return null;
}

/** 1 s of a 440 Hz tone, G.711 u-law: rtp_stream loops it (160 bytes per 20 ms packet). */
export function ulawTone(): Buffer {
  const encode = (sample: number): number => {
    const BIAS = 0x84;
    const CLIP = 32635;
    let s = sample;
    const sign = (s >> 8) & 0x80;
    if (sign) s = -s;
    s = Math.min(s, CLIP) + BIAS;
    let exponent = 7;
    for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; exponent--, mask >>= 1);
    const mantissa = (s >> (exponent + 3)) & 0x0f;
    return ~(sign | (exponent << 4) | mantissa) & 0xff;
  };
  const b = Buffer.alloc(8000);
  for (let i = 0; i < b.length; i++) b[i] = encode(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000)));
  return b;
}

/** SIPp -inf file: one line per call (SEQUENTIAL), username; authentication keyword; hold ms. */
function callersCsv(target: Target, holdsMs: readonly number[]): string {
  const lines = holdsMs.map((hold, i) => {
    const c = target.caller(i);
    return `${c.username};[authentication username=${c.username} password=${c.password}];${hold}`;
  });
  return `SEQUENTIAL\n${lines.join('\n')}\n`;
}

function uacArgs(run: Run, target: Target, dir: string, o: { calls: number; rate: number; limit: number; timeoutSeconds: number }): string[] {
  const box = `${run.net.hostUacIp}:${target.sipPort}`;
  return [
    box,
    '-sf', UAC_SCENARIO,
    '-inf', join(dir, 'callers.csv'),
    '-s', CALLED_NUMBER,
    '-auth_uri', `${CALLED_NUMBER}@${box}`,
    '-i', run.net.uacIp, '-p', String(UAC_SIP_PORT),
    '-mi', run.net.uacIp, '-mp', String(UAC_MEDIA_PORT),
    '-r', String(o.rate), '-l', String(o.limit), '-m', String(o.calls),
    // A call the box leaves unanswered fails instead of waiting for ever.
    '-recv_timeout', '30000',
    '-aa', '-nostdin',
    '-timeout', `${Math.ceil(o.timeoutSeconds)}s`, '-timeout_error',
    '-trace_stat', '-fd', '1', '-stf', join(dir, 'stat.csv'),
    '-trace_logs', '-log_file', join(dir, 'log.log'),
    '-trace_err', '-error_file', join(dir, 'errors.log'),
  ];
}

function readStats(dir: string): SippStats | undefined {
  try {
    return parseSippStatCsv(readFileSync(join(dir, 'stat.csv'), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Counters of all three namespaces, read together (each from /proc/<pid>/net of a process in it). */
async function sampleWindow(uacPid: number, uasPid: number): Promise<WindowCounters> {
  const t0 = Date.now();
  const [uac, uas, host] = await Promise.all([sampleNamespace(`/proc/${uacPid}/net`), sampleNamespace(`/proc/${uasPid}/net`), sampleNamespace('/proc/self/net')]);
  return { at: (t0 + Date.now()) / 2, uac, uas, host };
}

/** Channels Asterisk holds (any state). */
async function channels(target: Target): Promise<number> {
  return (await amiCommand(target.ami, 'core show channels concise', 30_000)).filter((l) => l.includes('!')).length;
}

/**
 * Every level starts on an empty Asterisk: channels a failed level left behind (a BYE lost on
 * the way) would count as calls up and carry RTP of their own. Waits for them to end, then
 * hangs them up. Returns how many there were.
 */
async function noChannelsLeft(run: Run, target: Target): Promise<number> {
  let left = await channels(target);
  if (left === 0) return 0;
  const first = left;
  const until = Date.now() + 10_000;
  while (left > 0 && Date.now() < until) {
    await sleep(500);
    left = await channels(target);
  }
  if (left > 0) {
    run.ctx.log(`capacity: ${target.kind}: ${left} channels left over; hanging them up`);
    await amiCommand(target.ami, 'channel request hangup all');
    const deadline = Date.now() + 20_000;
    while ((left = await channels(target)) > 0 && Date.now() < deadline) await sleep(500);
    if (left > 0) throw new Error(`${target.kind}: ${left} channels would not hang up`);
  }
  return first;
}

/** Calls up, as Asterisk counts them; 0 when it does not answer (a level that cannot be counted is not intact). */
async function concurrent(target: Target): Promise<number> {
  try {
    return callsUp(await amiCommand(target.ami, 'core show channels concise', 30_000));
  } catch {
    return 0;
  }
}

/**
 * The callers' media socket counts arrivals only once its receive buffer is full (SIPp never
 * reads it; from then on every arrival is a counted drop). Waits for its drops to rise.
 */
async function callersSocketOverflowing(uacPid: number, limitMs: number): Promise<boolean> {
  const drops = async () => (await sampleNamespace(`/proc/${uacPid}/net`)).sockets.find((s) => s.localPort === UAC_MEDIA_PORT)?.drops ?? 0;
  const first = await drops();
  const until = Date.now() + limitMs;
  while (Date.now() < until) {
    await sleep(250);
    if ((await drops()) > first) return true;
  }
  return false;
}

async function runLevel(run: Run, target: Target, callee: Callee, calls: number): Promise<CapacityLevel> {
  const uas = callee.uas;
  const { sizes, ctx } = run;
  const t = sizes.timing;
  const sched = holdSchedule(calls, t);
  const dir = join(run.dir, target.kind, `level-${calls}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, AUDIO_FILE), ulawTone());
  writeFileSync(join(dir, 'callers.csv'), callersCsv(target, sched.holdsMs));
  const lastEndSeconds = (sched.holdsMs.at(-1)! + ((calls - 1) / t.setupRate) * 1000) / 1000;

  await noChannelsLeft(run, target);
  const sup = target.supervisor;
  const supCpu0 = sup?.sample()?.cpuMs;
  let rssMax = sup?.sample()?.rssBytes ?? 0;
  const rssPoll = sup ? setInterval(() => (rssMax = Math.max(rssMax, sup.sample()?.rssBytes ?? 0)), 1000) : undefined;
  try {
    const started = Date.now();
    const uac = startSipp(run, run.net.uacNs, uacArgs(run, target, dir, { calls, rate: t.setupRate, limit: calls, timeoutSeconds: lastEndSeconds + 120 }), dir, 'uac');
    let exited = false;
    void uac.done.then(() => (exited = true));

    // Until every call is up, or the box has had its time.
    let up = 0;
    while (!exited && Date.now() - started < sched.setupLimitMs) {
      await sleep(calls > 200 ? 2000 : 1000);
      up = await concurrent(target);
      if (up >= calls) break;
    }
    const setupSeconds = (Date.now() - started) / 1000;
    await sleep(t.settleSeconds * 1000);
    if (!exited) await callersSocketOverflowing(uac.child.pid!, 10_000);

    let rtp: ReturnType<typeof rtpStreams> | undefined;
    let concurrentAtStart = 0;
    let concurrentAtEnd = 0;
    let cpuMs = NaN;
    let windowSeconds = 0;
    let bridges: Record<string, number> | undefined;
    if (!exited) {
      const aPid = target.asteriskPid();
      const cpu0 = aPid ? procSample(aPid)?.cpuMs : undefined;
      // Asterisk's count of calls up is asked at the same time as the counters are read.
      const [start, up0] = await Promise.all([sampleWindow(uac.child.pid!, uas.child.pid!), concurrent(target)]);
      // No call may end inside the window: the first one ends holdsMs[0] after its answer at
      // the earliest. A setup slower than planned (a loaded box) shortens the window.
      const windowMs = Math.max(1000, Math.min(t.windowSeconds * 1000, started + sched.holdsMs[0]! - 2000 - start.at));
      if (windowMs < t.windowSeconds * 950) ctx.log(`capacity: ${target.kind} ${calls} calls: the setup took long; window shortened to ${(windowMs / 1000).toFixed(1)} s`);
      const boxSocketInodes = aPid ? socketInodes(aPid) : undefined;
      // Not awaited before the window's end: with hundreds of bridges on a busy box it can take long.
      const bridgesAsked = amiCommand(target.ami, 'bridge show all', 30_000).then(bridgeTechnologies, () => undefined);
      await sleep(Math.max(0, windowMs - (Date.now() - start.at)));
      const [end, up1] = await Promise.all([sampleWindow(uac.child.pid!, uas.child.pid!), concurrent(target)]);
      bridges = await bridgesAsked;
      const cpu1 = aPid ? procSample(aPid)?.cpuMs : undefined;
      concurrentAtStart = up0;
      concurrentAtEnd = up1;
      windowSeconds = (end.at - start.at) / 1000;
      if (cpu0 !== undefined && cpu1 !== undefined) cpuMs = cpu1 - cpu0;
      const code = await waitSipp(uac, (lastEndSeconds + 60) * 1000);
      if (code === null) ctx.log(`capacity: ${target.kind} ${calls} calls: SIPp did not end by itself; stopped`);
      const callerLegPorts = boxPortsFromLog(readFileSync(join(dir, 'log.log'), 'utf8'));
      rtp = rtpStreams({
        calls,
        start,
        end,
        uacMediaPort: UAC_MEDIA_PORT,
        uasMediaPorts: callee.echoPorts,
        boxRtp: RTP,
        callerLegPorts,
        ...(boxSocketInodes?.size ? { boxSocketInodes } : {}),
        links: { uacNs: run.net.uacNsIf, uacHost: run.net.hostUacIf, uasNs: run.net.uasNsIf, uasHost: run.net.hostUasIf },
      });
      // For whoever reads the work directory: what the arithmetic stood on.
      const boxRtpSockets = start.host.sockets.filter((x) => x.localPort >= RTP[0] && x.localPort <= RTP[1] && x.localPort % 2 === 0 && (!boxSocketInodes?.size || boxSocketInodes.has(x.inode)));
      writeFileSync(
        join(dir, 'window.json'),
        JSON.stringify(
          {
            seconds: windowSeconds,
            callerLegPorts: callerLegPorts.size,
            boxRtpSockets: boxRtpSockets.length,
            boxRtpSocketsFacingCallers: boxRtpSockets.filter((x) => callerLegPorts.has(x.localPort)).length,
            start: { uac: start.uac.udp, uas: start.uas.udp, callersMediaSocket: start.uac.sockets.find((x) => x.localPort === UAC_MEDIA_PORT) },
            end: { uac: end.uac.udp, uas: end.uas.udp, callersMediaSocket: end.uac.sockets.find((x) => x.localPort === UAC_MEDIA_PORT) },
            ...rtp,
          },
          null,
          2,
        ),
      );
    } else {
      await uac.done;
    }
    const supCpu1 = sup?.sample()?.cpuMs;
    const stats = readStats(dir);
    const attempted = stats?.final.created ?? 0;
    const failed = stats ? stats.final.failed + Math.max(0, calls - stats.final.created) : calls;
    const failedPercent = attempted > 0 ? Math.round((failed / Math.max(attempted, calls)) * 10000) / 100 : 100;
    const streams = rtp?.streams ?? emptyStreams(calls);
    const intact = levelIntact({ calls, failedPercent, deliveredPercent: streams.deliveredPercent.value, concurrentAtStart, concurrentAtEnd });
    const level: CapacityLevel = {
      calls,
      attempted: fig(attempted, 'calls'),
      failed: fig(failed, 'calls', 'SIPp FailedCall, plus calls it never placed'),
      failedPercent: fig(failedPercent, 'percent'),
      concurrentAtStart: fig(concurrentAtStart, 'calls', 'bridged channels in state Up / 2 (core show channels concise)'),
      concurrentAtEnd: fig(concurrentAtEnd, 'calls', 'bridged channels in state Up / 2 (core show channels concise)'),
      windowSeconds: fig(Math.round(windowSeconds * 100) / 100, 's'),
      rtp: streams,
      ...(rtp ? { rtpLosses: rtp.losses } : {}),
      intact,
      asteriskCpu: fig(Number.isFinite(cpuMs) ? Math.round(cpuMs) : 0, 'cpu-ms', `Asterisk's process (all threads) over the ${windowSeconds.toFixed(1)} s window`),
      setupSeconds: fig(Math.round(setupSeconds * 10) / 10, 's'),
      holdSeconds: fig(Math.round(sched.holdsMs[0]! / 100) / 10, 's'),
      ...(bridges ? { bridges } : {}),
    };
    if (sup && supCpu0 !== undefined && supCpu1 !== undefined) {
      level.supervisorCpu = fig(Math.round(supCpu1 - supCpu0), 'cpu-ms', 'the supervisor process over the whole level: first INVITE to last BYE');
      level.supervisorRss = fig(rssMax, 'bytes', 'highest, sampled every second over the level');
    }
    ctx.log(
      `capacity: ${target.kind} ${calls} calls: ${intact ? 'intact' : 'NOT intact'}; failed ${failed}/${attempted}, up ${concurrentAtStart}/${concurrentAtEnd}, ` +
        `RTP worst ${streams.deliveredPercent.value} % (c→b ${streams.callerToBox.note}, b→e ${streams.boxToCallee.note}, e→b ${streams.calleeToBox.note}, b→c ${streams.boxToCaller.note}), ` +
        `Asterisk CPU ${(cpuMs / 1000 / Math.max(windowSeconds, 1e-9)).toFixed(2)} cores, bridges ${JSON.stringify(bridges ?? {})}` +
        (rtp && !intact
          ? `; lost: box sockets ${rtp.losses.boxDroppedFromCallers.value}+${rtp.losses.boxDroppedFromCallee.value}, ` +
            `called side's echo ${rtp.losses.calleeDropped.value}, links ${rtp.losses.linkDropped.value}, callers sent ${rtp.losses.callersSent.note}`
          : ''),
    );
    return level;
  } finally {
    clearInterval(rssPoll);
  }
}

/** A level whose window could not be measured (SIPp ended first): nothing arrived. */
function emptyStreams(calls: number): CapacityLevel['rtp'] {
  const zero = fig(0, 'packets', 'no window: the calls were not up');
  return { expectedPerStream: fig(0, 'packets', `${calls} calls`), callerToBox: zero, boxToCallee: zero, calleeToBox: zero, boxToCaller: zero, deliveredPercent: fig(0, 'percent') };
}

async function runCpsStep(run: Run, target: Target, rate: number): Promise<CpsStep> {
  const { sizes, ctx } = run;
  const c = sizes.cps;
  const calls = Math.round(rate * c.stepSeconds);
  const dir = join(run.dir, target.kind, `cps-${rate}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, AUDIO_FILE), ulawTone());
  writeFileSync(join(dir, 'callers.csv'), callersCsv(target, Array.from({ length: calls }, () => c.holdSeconds * 1000)));
  // Room for every call of a healthy box at once; reaching it means SIPp held the rate back.
  const limit = Math.ceil(rate * (c.holdSeconds + 10)) + 10;
  await noChannelsLeft(run, target);
  const uac = startSipp(run, run.net.uacNs, uacArgs(run, target, dir, { calls, rate, limit, timeoutSeconds: c.stepSeconds + c.holdSeconds + 120 }), dir, 'uac');
  const code = await waitSipp(uac, (c.stepSeconds + c.holdSeconds + 150) * 1000);
  const stats = readStats(dir);
  const attempted = stats?.final.created ?? 0;
  const failed = stats ? stats.final.failed + Math.max(0, calls - stats.final.created) : calls;
  const failedPercent = Math.round((failed / Math.max(attempted, calls)) * 10000) / 100;
  const peak = stats?.peakCurrent ?? 0;
  const ok = code !== null && failedPercent < MAX_FAILED_PERCENT && peak < limit;
  ctx.log(`capacity: ${target.kind} ${rate} calls/s: ${ok ? 'ok' : 'NOT ok'}; failed ${failed}/${attempted}, peak ${peak} calls at once (limit ${limit})`);
  return {
    rate,
    attempted: fig(attempted, 'calls'),
    failed: fig(failed, 'calls', 'SIPp FailedCall, plus calls it never placed'),
    failedPercent: fig(failedPercent, 'percent'),
    ok,
    peakConcurrent: fig(peak, 'calls'),
  };
}

function cpsStepSeconds(sizes: Sizes): number {
  return sizes.cps.stepSeconds + sizes.cps.holdSeconds + 3;
}

function estimateLevelSeconds(sizes: Sizes, calls: number): number {
  const s = holdSchedule(calls, sizes.timing);
  return (s.holdsMs.at(-1)! + ((calls - 1) / sizes.timing.setupRate) * 1000) / 1000 + 5;
}

async function measureTarget(run: Run, target: Target, callee: Callee): Promise<CapacityTarget> {
  const { sizes } = run;
  const levels: CapacityLevel[] = [];
  // The levels get what the rate steps leave of this target's share.
  const cpsReserve = (sizes.cps.plan.ramp.length + sizes.cps.plan.bisectSteps) * cpsStepSeconds(sizes);
  for (let n = nextLevel(sizes.plan, []); n !== undefined; n = nextLevel(sizes.plan, levels)) {
    if (levels.length > 0 && Date.now() + (estimateLevelSeconds(sizes, n) + cpsReserve) * 1000 > run.deadline) {
      run.ctx.log(`capacity: ${target.kind}: no time left for ${n} calls; stopping the ramp`);
      break;
    }
    levels.push(await runLevel(run, target, callee, n));
  }
  const cpsSteps: CpsStep[] = [];
  const tried = () => cpsSteps.map((c) => ({ calls: c.rate, intact: c.ok }));
  for (let rate = nextLevel(sizes.cps.plan, []); rate !== undefined; rate = nextLevel(sizes.cps.plan, tried())) {
    if (cpsSteps.length > 0 && Date.now() + cpsStepSeconds(sizes) * 1000 > run.deadline) {
      run.ctx.log(`capacity: ${target.kind}: no time left for ${rate} calls/s; stopping`);
      break;
    }
    cpsSteps.push(await runCpsStep(run, target, rate));
  }
  const top = maxIntact(levels);
  return {
    levels,
    maxIntactCalls: fig(top, 'calls', top === Math.max(...sizes.plan.ramp) && levels.every((l) => l.intact) ? 'every level tried was intact: the ramp ends here' : undefined),
    cpsSteps,
    sustainedCps: fig(maxIntact(tried()), 'calls/s', `${sizes.cps.holdSeconds} s calls with RTP, ${sizes.cps.stepSeconds} s per rate`),
  };
}

/** The carrier side for one target: SIPp answering, and SIPp echoing the RTP, in their namespace. */
async function startCallee(run: Run, kind: string): Promise<Callee> {
  const dir = join(run.dir, kind);
  mkdirSync(dir, { recursive: true });
  const echoPorts = Array.from({ length: run.sizes.echoProcesses }, (_, k) => [UAS_MEDIA_PORT + 4 * k, UAS_MEDIA_PORT + 4 * k + 2]).flat();
  const csv = join(dir, 'echo-ports.csv');
  writeFileSync(csv, `SEQUENTIAL\n${echoPorts.join('\n')}\n`);
  const start = (k: number) =>
    startSipp(
      run,
      run.net.uasNs,
      [
        '-sf', UAS_SCENARIO,
        '-inf', csv,
        '-i', run.net.uasIp, '-p', String(UAS_SIP_PORT + k),
        '-mi', run.net.uasIp, '-mp', String(UAS_MEDIA_PORT + 4 * k), '-rtp_echo',
        // Server mode: no limit on calls at once from the harness's side.
        '-l', '100000',
        '-aa', '-nostdin',
        '-trace_err', '-error_file', join(dir, `uas-${k}-errors.log`),
      ],
      dir,
      `uas-${k}`,
    );
  const all = Array.from({ length: run.sizes.echoProcesses }, (_, k) => start(k));
  const until = Date.now() + 10_000;
  for (;;) {
    const dead = all.find((s) => s.child.exitCode !== null);
    if (dead) throw new Error(`a SIPp of the called side exited at once; see ${dir}/uas-*.stderr`);
    const sockets = await sampleNamespace(`/proc/${all[0]!.child.pid}/net`).then((n) => n.sockets, () => []);
    if (echoPorts.every((p) => sockets.some((s) => s.localPort === p)) && sockets.some((s) => s.localPort === UAS_SIP_PORT)) break;
    if (Date.now() > until) throw new Error("the called side's SIPp did not open its sockets");
    await sleep(100);
  }
  return { uas: all[0]!, echoes: all.slice(1), echoPorts };
}

async function stopCallee(c: Callee): Promise<void> {
  await Promise.all([c.uas, ...c.echoes].map(stopSipp));
}

function which(cmd: string): Promise<boolean> {
  return new Promise((res) => {
    const c = spawn(cmd, ['-v'], { stdio: 'ignore' });
    c.once('error', () => res(false));
    c.once('exit', () => res(true));
  });
}

export async function capacity(ctx: BenchContext): Promise<CapacityResult> {
  const sizes = ctx.smoke ? SMOKE : FULL;
  if (!(await which('sipp'))) throw new Error('sipp is not installed (Debian package sip-tester)');
  const started = Date.now();
  const dir = join(ctx.workDir, 'capacity');
  mkdirSync(dir, { recursive: true });
  const net = await createBenchNetwork();
  const live = new Set<Sipp>();
  const run: Run = { ctx, sizes, net, dir, live, deadline: started + (sizes.budgetSeconds * 1000) / 2 };
  const carrier = { host: net.uasIp, port: UAS_SIP_PORT };
  let pbxResult: CapacityTarget | undefined;
  let bareResult: CapacityTarget | undefined;
  try {
    // The box under test: a realistic configuration, its supervisor connected to AMI and ARI.
    {
      const callee = await startCallee(run, 'pbx');
      const sup = await startSupervisor(ctx, {
        name: 'capacity-pbx',
        config: realisticConfig({ extensions: sizes.extensions, carrier }),
        sipBind: '0.0.0.0',
        rtp: RTP,
      });
      try {
        const secrets = JSON.parse(readFileSync(join(sup.dataDir, 'secrets.json'), 'utf8')) as { amiSecret: string };
        const target: Target = {
          kind: 'pbx',
          sipPort: sup.sipPort,
          ami: { port: sup.amiPort, username: 'pbx-supervisor', secret: secrets.amiSecret },
          asteriskPid: () => sup.asteriskPid(),
          supervisor: sup,
          caller: (i) => {
            const username = extensionNumber(i % sizes.extensions);
            return { username, password: devicePassword(username) };
          },
        };
        ctx.log(`capacity: pbx up (${sizes.extensions} extensions) in ${(sup.startToReadyMs / 1000).toFixed(1)} s`);
        pbxResult = await measureTarget(run, target, callee);
      } finally {
        await sup.stop();
        await stopCallee(callee);
      }
    }
    // The reference: the same rootfs, only a bridge.
    run.deadline = started + sizes.budgetSeconds * 1000;
    {
      const callee = await startCallee(run, 'bare');
      const bare = await startBareAsterisk(ctx, { name: 'capacity-bare', rtp: RTP, carrier, caller: BARE_CALLER });
      try {
        const target: Target = { kind: 'bare', sipPort: bare.sipPort, ami: bare.ami, asteriskPid: () => bare.pid(), caller: () => BARE_CALLER };
        ctx.log('capacity: bare Asterisk up');
        bareResult = await measureTarget(run, target, callee);
      } finally {
        await bare.stop();
        await stopCallee(callee);
      }
    }
  } finally {
    await Promise.all([...live].map(stopSipp));
    await net.remove();
  }
  if (!pbxResult || !bareResult) throw new Error('capacity: a target produced no result');
  const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 1000) / 1000 : 0);
  const t = sizes.timing;
  return {
    setup: {
      holdSeconds: Math.min(...[...pbxResult.levels, ...bareResult.levels].map((l) => l.holdSeconds?.value ?? Infinity)),
      windowSeconds: t.windowSeconds,
      setupRate: t.setupRate,
      codec: 'PCMU',
      packetMs: 20,
      extensions: sizes.extensions,
      trunks: 10,
      lcrRules: 50,
      description:
        `Box: the supervisor with ${sizes.extensions} extensions (one device each, voicemail on every other one), 10 trunks, 50 LCR rules ` +
        '(the calls match the last), ring groups, queues; Asterisk with its rendered dialplan libraries, the supervisor connected to AMI and ARI. ' +
        "Asterisk's CDR engine is on (its default) with no backend loaded: the CDR store is issue 9. " +
        'Bare Asterisk: the same rootfs, one endpoint all callers authenticate as, Dial(PJSIP/${EXTEN}@carrier) with no options, direct_media=no, u-law only. ' +
        `Callers: SIPp in a network namespace of its own, ${t.setupRate} calls/s with digest authentication, each call streaming a looped u-law file ` +
        `(${PACKETS_PER_SECOND} packets/s); called side: SIPp in another namespace answering and echoing the RTP (${sizes.echoProcesses * 2} echo sockets). ` +
        'The load generators run beside the box on the same cores, at nice -10. ' +
        `Each level's calls are held until a ${t.windowSeconds} s window with all of them up has been measured; ` +
        "the kernel's UDP counters of each namespace (and the box's sockets' drops) count the packets of the four streams.",
    },
    pbx: pbxResult,
    bare: bareResult,
    ratio: fig(ratio(pbxResult.maxIntactCalls.value, bareResult.maxIntactCalls.value), 'ratio', 'box / bare Asterisk, highest intact level'),
    cpsRatio: fig(ratio(pbxResult.sustainedCps.value, bareResult.sustainedCps.value), 'ratio', 'box / bare Asterisk, sustained calls per second'),
  };
}
