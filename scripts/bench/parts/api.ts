// 3. API latency with 10,000 extensions: the GUI's first page of the extension list, single
// extensions, and creates, under concurrent load from autocannon with an admin token.
//
// One supervisor with Asterisk and the realistic model, left to go quiet after its start (its
// start-up checks of what Asterisk loaded). Then, one after the other, each for the same
// duration and number of connections: GET /api/v1/extensions?offset=0&limit=50 (what the GUI's
// list asks first), GET /api/v1/extensions/<n> for random existing numbers, POST
// /api/v1/extensions with a new number per request. A create answers after its apply (commit,
// render, Asterisk reload, check): its latency is the apply's, and a 201 whose apply failed is
// counted as an error. Creates run last, so their applies do not weigh on the reads.
import autocannon from 'autocannon';
import { applyFailedIn, cannonSummary } from '../lib/api-autocannon.ts';
import { settle } from '../lib/apply-box.ts';
import type { BenchContext } from '../lib/context.ts';
import { extensionItem, extensionNumber, realisticConfig } from '../lib/model.ts';
import { fig, type ApiResult, type LatencySummary } from '../lib/results.ts';
import { startSupervisor } from '../lib/supervisor.ts';

const FULL = {
  extensions: 10_000,
  connections: 10,
  /** Seconds per kind of request. */
  durationSeconds: 20,
  /** autocannon's per-request timeout (s): a slower answer is an error. */
  timeoutSeconds: 10,
  /** Longest wait for the supervisor to go quiet after its start. */
  settleCapMs: 30_000,
};
const SMOKE: typeof FULL = { extensions: 100, connections: 2, durationSeconds: 2, timeoutSeconds: 10, settleCapMs: 10_000 };

/** The GUI's extension list as it first asks for it (webui useServerList: offset, limit 50). */
export const LIST_PATH = '/api/v1/extensions?offset=0&limit=50';
const RTP: [number, number] = [50000, 50999];

async function cannon(url: string, token: string, S: typeof FULL, request: autocannon.Request): Promise<autocannon.Result> {
  return await autocannon({
    url,
    connections: S.connections,
    duration: S.durationSeconds,
    timeout: S.timeoutSeconds,
    headers: { authorization: `Bearer ${token}` },
    requests: [request],
  });
}

export async function apiLatency(ctx: BenchContext): Promise<ApiResult> {
  const S = ctx.smoke ? SMOKE : FULL;
  const n = S.extensions;
  const sup = await startSupervisor(ctx, { name: 'api', config: realisticConfig({ extensions: n }), rtp: RTP });
  try {
    const quiet = await settle(sup, { capMs: S.settleCapMs });
    ctx.log(`api: ${n} extensions, ready in ${(sup.startToReadyMs / 1000).toFixed(1)} s, quiet ${quiet.settled ? 'after' : 'NOT within'} ${(quiet.ms / 1000).toFixed(1)} s`);
    const token = sup.api.token!;
    const auth = { authorization: `Bearer ${token}` };
    const log = (what: string, s: LatencySummary) =>
      ctx.log(`api: ${what}: ${s.requests.value} responses, p50 ${s.p50.value} ms, p99 ${s.p99.value} ms, max ${s.max.value} ms, ${s.throughput.value} req/s, errors ${s.errors.value}`);

    const list = cannonSummary(await cannon(sup.base, token, S, { method: 'GET', path: LIST_PATH }), S.timeoutSeconds * 1000);
    list.requests.note = `GET ${LIST_PATH} (the GUI's first page); ${list.requests.note}`;
    log('list', list);

    const get = cannonSummary(
      await cannon(sup.base, token, S, {
        method: 'GET',
        setupRequest: (req) => ({ ...req, path: `/api/v1/extensions/${extensionNumber(Math.floor(Math.random() * n))}` }),
      }),
      S.timeoutSeconds * 1000,
    );
    get.requests.note = `GET /api/v1/extensions/<random existing number>; ${get.requests.note}`;
    log('get', get);

    // New numbers above the model's: unique across connections (setupRequest runs per request).
    let next = n;
    let failedApplies = 0;
    const created = await cannon(sup.base, token, S, {
      method: 'POST',
      setupRequest: (req) => ({
        ...req,
        path: '/api/v1/extensions',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(extensionItem(next++)),
      }),
      onResponse: (status, body) => {
        if (status === 201 && applyFailedIn(body)) failedApplies++;
      },
    });
    const create = cannonSummary(created, S.timeoutSeconds * 1000, failedApplies);
    create.requests.note = `POST /api/v1/extensions, a new number each; answers after the apply; ${create.requests.note}`;
    log('create', create);

    return {
      extensions: n,
      connections: S.connections,
      durationSeconds: S.durationSeconds,
      list,
      get,
      create,
      startToReady: fig(Math.round(sup.startToReadyMs), 'ms'),
      settle: fig(Math.round(quiet.ms), 'ms', quiet.settled ? 'until its CPU stayed under 10% of a core for 1 s' : `not quiet within ${S.settleCapMs / 1000} s; load started anyway`),
    };
  } finally {
    await sup.stop().catch((err: unknown) => ctx.log(`api: stopping the supervisor: ${(err as Error).message}`));
  }
}
