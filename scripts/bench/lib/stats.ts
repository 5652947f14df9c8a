// Latency summaries from raw samples (ms).
import { fig, type LatencySummary } from './results.ts';

/** The q-quantile (0..1) of sorted values, nearest rank. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** Summary of request latencies (ms) over `seconds`, with `errors` failed requests. */
export function summarize(latenciesMs: readonly number[], seconds: number, errors: number, throughputUnit: 'req/s' | 'files/s' = 'req/s'): LatencySummary {
  const s = [...latenciesMs].sort((a, b) => a - b);
  const round = (v: number) => Math.round(v * 100) / 100;
  return {
    requests: fig(s.length, 'count'),
    errors: fig(errors, 'count'),
    p50: fig(round(quantile(s, 0.5)), 'ms'),
    p90: fig(round(quantile(s, 0.9)), 'ms'),
    p99: fig(round(quantile(s, 0.99)), 'ms'),
    max: fig(round(s.at(-1) ?? NaN), 'ms'),
    throughput: fig(round(seconds > 0 ? s.length / seconds : NaN), throughputUnit),
  };
}
