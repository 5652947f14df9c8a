// 2. Apply at scale: how long one added extension takes to be running in Asterisk at 100, 1,000
// and 10,000 extensions, and a bulk import of 1,000; with calls in progress all along, none of
// which may drop.
//
// Per size: a supervisor with the realistic model (trunk "carrier" → a SIPp carrier on
// loopback), started, then left to go quiet (its start-up checks). K devices spread over the
// number range call out through the LCR to the carrier and stay up. Then R times, one after
// the other: POST /api/v1/extensions through the admin token client (as a CRM or the GUI
// does), timing the answer (the API answers after the apply), while ARI is polled from the
// moment of sending for the new device's endpoint (GET /ari/endpoints/PJSIP/<username>), and
// an AMI connection of the benchmark's own for the number in the dialplan (`dialplan show
// <n>@pbx-internal`; ARI cannot tell): "live" is when Asterisk itself runs both, never the
// daemon's word; the endpoint alone is recorded too. After each change, ARI's
// channel count. At the end the benchmark tells each call to hang up (an INFO on its Call-ID)
// and reads what happened to it: a call the box hung up, or no longer knew when ours came
// (BYE refused/unanswered), is dropped; so is any shortfall in the channel counts.
// A change that gets no answer, or is not live, within the cap is counted as an error (its
// sample is the cap) and ends that size: the box is stuck, more changes would only queue. A
// size also stops when one more change would take it past its time budget (slow applies).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freeUdpPort } from '../../../test/lib/sipp.ts';
import { placeCalls, spread, startCarrier, callsMissing, type CallOutcome, type CallsInProgress, type Carrier } from '../lib/apply-calls.ts';
import { amiProbeOf, channelCount, settle, timeUntilLive, type AmiProbe } from '../lib/apply-box.ts';
import type { BenchContext } from '../lib/context.ts';
import { CALLED_NUMBER, devicePassword, extensionItem, extensionNumber, realisticConfig } from '../lib/model.ts';
import { fig, type ApplyResult, type ApplySize, type Figure } from '../lib/results.ts';
import { summarize } from '../lib/stats.ts';
import { startSupervisor, type Supervisor } from '../lib/supervisor.ts';

const FULL = {
  sizes: [100, 1000, 10_000],
  /** Single changes per size. */
  repeats: 5,
  /** Calls in progress during the changes. */
  calls: 20,
  /** The size the bulk import goes to, and how many it imports (BULK_MAX is 1000). */
  bulkAt: 1000,
  bulkItems: 1000,
  /** Calls placed per second. */
  callRate: 10,
  /** A change not answered, or not live, within this long counts as failed (and ends its size). */
  capMs: 90_000,
  /** The changes of one size stop once another one would take them past this (slow applies). */
  changesBudgetMs: 120_000,
  /** Longest wait for the supervisor to go quiet after its start. */
  settleCapMs: 45_000,
  /** Poll period of ARI and AMI: the resolution of "live". */
  pollMs: 20,
  /** The calls' own safety hold; the benchmark ends them long before. */
  holdMs: 15 * 60_000,
};
const SMOKE: typeof FULL = { ...FULL, sizes: [10, 50], repeats: 2, calls: 2, bulkAt: 50, bulkItems: 20, capMs: 20_000, changesBudgetMs: 30_000, settleCapMs: 10_000, holdMs: 3 * 60_000 };

/** The carrier's address: the trunk identifies it by IP, so not 127.0.0.1 where the callers are. */
const CARRIER_IP = '127.0.0.7';
const RTP: [number, number] = [48000, 49999];

interface Change {
  answerMs: number;
  liveMs: number;
  /** The endpoints alone (ARI); the cap when they were not. */
  endpointMs: number;
  /** Answered 2xx with an apply that did not fail, within the cap. */
  answered: boolean;
  live: boolean;
  detail: string;
}

/** The promise's value, or 'timeout' after capMs (the promise is left to settle on its own). */
async function withCap<T>(p: Promise<T>, capMs: number): Promise<T | 'timeout'> {
  p.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const cap = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), capMs)));
  try {
    return await Promise.race([p, cap]);
  } finally {
    clearTimeout(timer);
  }
}

/** POSTs one change and times its answer and the moment Asterisk runs every extension in `live`. */
async function timedChange(sup: Supervisor, ami: AmiProbe, path: string, body: unknown, live: string[], capMs: number, pollMs: number): Promise<Change> {
  const sentAt = performance.now();
  const liveP = timeUntilLive(sup.ari, ami, live, sentAt, capMs, pollMs);
  let answerMs = capMs;
  let answered = false;
  let detail = '';
  try {
    const r = await withCap(sup.api.post(path, body), capMs);
    if (r === 'timeout') detail = `no answer within ${capMs / 1000} s`;
    else {
      answerMs = performance.now() - sentAt;
      const apply = (r.body as { apply?: { ok?: boolean; pending?: boolean; error?: { message?: string } } } | undefined)?.apply;
      answered = r.status === 201 && apply?.ok !== false;
      if (r.status !== 201) detail = `HTTP ${r.status}: ${r.text.slice(0, 200)}`;
      else if (apply?.ok === false) detail = `apply failed: ${apply.pending ? 'pending' : (apply.error?.message ?? 'no reason')}`;
    }
  } catch (err) {
    answerMs = performance.now() - sentAt;
    detail = `request failed: ${(err as Error).message}`;
  }
  const t = await liveP;
  return { answerMs, liveMs: t.liveMs ?? capMs, endpointMs: t.endpointMs ?? capMs, answered, live: t.liveMs !== undefined, detail };
}

const ms = (v: number) => `${v.toFixed(0)} ms`;

function dropNote(o: CallOutcome, channelsAllUp: number, seen: number[]): string {
  return (
    `caller view: ${o.hungUp} of ${o.answered} ended cleanly (hung up by the box: ${o.droppedByBox}, lost: ${o.lost}); ` +
    `channels with every call up ${channelsAllUp}, after each change ${seen.join(', ') || 'none'}; dropped = max of the two views`
  );
}

async function startBox(ctx: BenchContext, name: string, extensions: number, carrier: Carrier): Promise<Supervisor> {
  return await startSupervisor(ctx, { name, config: realisticConfig({ extensions, carrier: { host: carrier.ip, port: carrier.port } }), rtp: RTP });
}

async function callsFrom(sup: Supervisor, dir: string, indices: number[], S: typeof FULL): Promise<CallsInProgress> {
  return await placeCalls({
    box: { ip: '127.0.0.1', port: sup.sipPort },
    number: CALLED_NUMBER,
    callers: indices.map((i) => ({ username: extensionNumber(i), password: devicePassword(extensionNumber(i)) })),
    dir,
    rate: S.callRate,
    holdMs: S.holdMs,
    answerTimeoutMs: 30_000 + (indices.length / S.callRate) * 1000,
  });
}

/** Asterisk's channel count now; undefined (and said) when ARI does not answer: no count is no evidence either way. */
async function channelsNow(ctx: BenchContext, label: string, sup: Supervisor): Promise<number | undefined> {
  try {
    return await channelCount(sup.ari);
  } catch (err) {
    ctx.log(`${label}: no channel count: ${(err as Error).message}`);
    return undefined;
  }
}

/** The number of calls in progress and the channels Asterisk has with all of them up. */
async function callsUp(ctx: BenchContext, label: string, calls: CallsInProgress, sup: Supervisor, wanted: number): Promise<{ inProgress: number; channels: number }> {
  const inProgress = await calls.answered();
  const channels = await channelCount(sup.ari);
  if (inProgress < wanted) ctx.log(`${label}: only ${inProgress} of ${wanted} calls answered`);
  return { inProgress, channels };
}

async function measureSize(ctx: BenchContext, n: number, S: typeof FULL): Promise<{ size: ApplySize; bulk?: ApplyResult['bulk'] }> {
  const dir = join(ctx.workDir, `apply-${n}`);
  mkdirSync(dir, { recursive: true });
  const label = `apply ${n}`;
  let carrier: Carrier | undefined;
  let sup: Supervisor | undefined;
  let calls: CallsInProgress | undefined;
  let ami: AmiProbe | undefined;
  try {
    carrier = await startCarrier(CARRIER_IP, await freeUdpPort(CARRIER_IP), S.holdMs + 120_000);
    sup = await startBox(ctx, `apply-${n}`, n, carrier);
    const quiet = await settle(sup, { capMs: S.settleCapMs });
    ctx.log(`${label}: ready in ${ms(sup.startToReadyMs)}, quiet ${quiet.settled ? 'after' : 'NOT within'} ${ms(quiet.ms)}, RSS ${((sup.sample()?.rssBytes ?? 0) / 2 ** 20).toFixed(0)} MiB`);
    ami = await amiProbeOf(sup);

    calls = await callsFrom(sup, dir, spread(n, S.calls), S);
    const up = await callsUp(ctx, label, calls, sup, S.calls);
    ctx.log(`${label}: ${up.inProgress} calls in progress, ${up.channels} channels`);

    let next = n;
    const answers: number[] = [];
    const lives: number[] = [];
    const endpoints: number[] = [];
    let answerErrors = 0;
    let liveErrors = 0;
    const seen: number[] = [];
    let stopped = '';
    const t0 = performance.now();
    for (let r = 0; r < S.repeats; r++) {
      const spent = performance.now() - t0;
      if (r > 0 && spent + spent / r > S.changesBudgetMs) {
        stopped = `stopped after change ${r} of ${S.repeats}: another would take this size past its ${S.changesBudgetMs / 1000} s budget`;
        ctx.log(`${label}: ${stopped}`);
        break;
      }
      const item = extensionItem(next++);
      const c = await timedChange(sup, ami, '/extensions', item, [String(item.number)], S.capMs, S.pollMs);
      answers.push(c.answerMs);
      lives.push(c.liveMs);
      endpoints.push(c.endpointMs);
      if (!c.answered) answerErrors++;
      if (!c.live) liveErrors++;
      const channels = await channelsNow(ctx, label, sup);
      if (channels !== undefined) seen.push(channels);
      ctx.log(`${label}: change ${r + 1}/${S.repeats}: answer ${ms(c.answerMs)}${c.answered ? '' : ' (FAILED)'}, live ${c.live ? ms(c.liveMs) : `NOT within ${S.capMs / 1000} s`} (endpoint ${ms(c.endpointMs)}), channels ${channels ?? '?'}${c.detail ? ` — ${c.detail}` : ''}`);
      if (!c.live || c.detail.startsWith('no answer')) {
        stopped = `stopped after change ${r + 1} of ${S.repeats}: the box did not take it within ${S.capMs / 1000} s`;
        ctx.log(`${label}: ${stopped}`);
        break;
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    const outcome = await calls.end();
    calls = undefined;
    const dropped = Math.max(outcome.dropped, callsMissing(up.channels, seen));
    ctx.log(`${label}: calls: ${outcome.hungUp}/${outcome.answered} ended cleanly, ${dropped} dropped`);

    const capNote = `a change not answered (or not live) within ${S.capMs / 1000} s counts here and as a ${S.capMs} ms sample`;
    const apiAnswer = summarize(answers, seconds, answerErrors);
    apiAnswer.errors.note = `non-2xx answers, failed applies and ${capNote}`;
    const live = summarize(lives, seconds, liveErrors);
    live.errors.note = capNote;
    const endpoint = summarize(endpoints, seconds, endpoints.filter((v) => v >= S.capMs).length);
    endpoint.errors.note = capNote;
    if (stopped) apiAnswer.requests.note = live.requests.note = endpoint.requests.note = stopped;
    const size: ApplySize = {
      extensions: n,
      apiAnswer,
      live,
      callsInProgress: fig(up.inProgress, 'calls'),
      callsDropped: fig(dropped, 'calls', dropNote(outcome, up.channels, seen)),
      endpoint,
      startToReady: fig(Math.round(sup.startToReadyMs), 'ms'),
      settle: fig(Math.round(quiet.ms), 'ms', quiet.settled ? 'until its CPU stayed under 10% of a core for 1 s' : `not quiet within ${S.settleCapMs / 1000} s; changes sent anyway`),
    };

    // Even after a stuck size: the bulk's figures then say so too.
    if (n !== S.bulkAt) return { size };
    return { size, bulk: await measureBulk(ctx, sup, ami, dir, n, next, S) };
  } finally {
    ami?.close();
    await calls?.stop().catch(() => undefined);
    if (sup) await sup.stop().catch((err: unknown) => ctx.log(`${label}: stopping the supervisor: ${(err as Error).message}`));
    await carrier?.stop().catch(() => undefined);
  }
}

/** One bulk import of S.bulkItems extensions on the running box, with new calls in progress. */
async function measureBulk(ctx: BenchContext, sup: Supervisor, ami: AmiProbe, dir: string, n: number, next: number, S: typeof FULL): Promise<ApplyResult['bulk']> {
  const label = `apply bulk ${S.bulkItems} at ${next}`;
  const calls = await callsFrom(sup, dir, spread(n, S.calls), S);
  try {
    const up = await callsUp(ctx, label, calls, sup, S.calls);
    const items = Array.from({ length: S.bulkItems }, (_, j) => extensionItem(next + j));
    // One revision, one apply: the first and the last item live means the reload took them all.
    const c = await timedChange(sup, ami, '/extensions/bulk', { items }, [String(items[0]!.number), String(items.at(-1)!.number)], S.capMs, S.pollMs);
    const channels = await channelsNow(ctx, label, sup);
    const seen = channels === undefined ? [] : [channels];
    ctx.log(`${label}: answer ${ms(c.answerMs)}${c.answered ? '' : ' (FAILED)'}, live ${c.live ? ms(c.liveMs) : `NOT within ${S.capMs / 1000} s`} (endpoints ${ms(c.endpointMs)}), channels ${channels ?? '?'}${c.detail ? ` — ${c.detail}` : ''}`);
    const outcome = await calls.end();
    const dropped = Math.max(outcome.dropped, callsMissing(up.channels, seen));
    ctx.log(`${label}: calls: ${outcome.hungUp}/${outcome.answered} ended cleanly, ${dropped} dropped`);
    const capped = (ok: boolean, v: number, what: string): Figure => fig(Math.round(v), 'ms', ok ? undefined : `${what} within ${S.capMs / 1000} s (the figure is that cap)${c.detail ? `: ${c.detail}` : ''}`);
    return {
      extensionsBefore: next,
      imported: S.bulkItems,
      apiAnswer: capped(c.answered, c.answerMs, 'no successful answer'),
      live: capped(c.live, c.liveMs, 'not live'),
      endpoint: capped(c.endpointMs < S.capMs, c.endpointMs, 'endpoints not live'),
      callsInProgress: fig(up.inProgress, 'calls'),
      callsDropped: fig(dropped, 'calls', dropNote(outcome, up.channels, seen)),
    };
  } finally {
    await calls.stop().catch(() => undefined);
  }
}

export async function applyAtScale(ctx: BenchContext): Promise<ApplyResult> {
  const S = ctx.smoke ? SMOKE : FULL;
  const sizes: ApplySize[] = [];
  let bulk: ApplyResult['bulk'] | undefined;
  for (const n of S.sizes) {
    const r = await measureSize(ctx, n, S);
    sizes.push(r.size);
    bulk ??= r.bulk;
  }
  if (!bulk) throw new Error(`the bulk import size ${S.bulkAt} is not among the sizes ${S.sizes.join(', ')}`);
  return { sizes, bulk };
}
