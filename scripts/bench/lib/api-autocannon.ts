// autocannon's result as the benchmark's LatencySummary (the API latency part).
import type autocannon from 'autocannon';
import { fig, type LatencySummary } from './results.ts';

/** The fields of autocannon's result the summary reads. */
export type CannonResult = Pick<autocannon.Result, 'duration' | 'errors' | 'timeouts' | 'non2xx'> & {
  latency: Pick<autocannon.Histogram, 'p50' | 'p90' | 'p99' | 'max'>;
  requests: Pick<autocannon.Histogram, 'total'>;
};

/**
 * p50/p90/p99/max from autocannon's latency histogram (ms, 1 ms resolution; responses of
 * every status, see excludeErrorStats), requests = responses received, throughput = those per
 * second of the run. Errors: non-2xx answers, connection errors and timeouts (autocannon
 * counts timeouts among its errors), and `failedWrites`: 2xx answers whose body says the
 * change was not applied.
 *
 * A request that timed out took longer than `timeoutMs` but is not in the histogram: a
 * percentile the timed-out share reaches (p99 once more than 1% timed out; max once any did)
 * is given as `timeoutMs`, marked as a lower bound, never the faster answers alone.
 */
export function cannonSummary(r: CannonResult, timeoutMs: number, failedWrites = 0): LatencySummary {
  const round = (v: number) => Math.round(v * 100) / 100;
  const responses = r.requests.total;
  const timedOutShare = r.timeouts > 0 ? r.timeouts / (responses + r.timeouts) : 0;
  const at = (q: number, v: number) =>
    timedOutShare > 0 && q > 1 - timedOutShare
      ? fig(timeoutMs, 'ms', `at least: ${(timedOutShare * 100).toFixed(1)}% of the requests got no answer within ${timeoutMs / 1000} s`)
      : fig(round(v), 'ms', timedOutShare > 0 ? `of the answered requests; ${r.timeouts} timed out` : undefined);
  return {
    requests: fig(responses, 'count', 'responses received (any status)'),
    errors: fig(r.non2xx + r.errors + failedWrites, 'count', `non-2xx ${r.non2xx}, connection errors ${r.errors} (of which timeouts ${r.timeouts})${failedWrites ? `, failed applies ${failedWrites}` : ''}`),
    p50: at(0.5, r.latency.p50),
    p90: at(0.9, r.latency.p90),
    p99: at(0.99, r.latency.p99),
    max: at(1, r.latency.max),
    throughput: fig(round(r.duration > 0 ? responses / r.duration : 0), 'req/s'),
  };
}

/** The `apply` of a create's answer body said it failed (or was left pending). */
export function applyFailedIn(body: string): boolean {
  try {
    const apply = (JSON.parse(body) as { apply?: { ok?: boolean } }).apply;
    return apply !== undefined && apply.ok === false;
  } catch {
    return false;
  }
}
