// The API latency benchmark's mapping of autocannon's result onto the run's LatencySummary
// (scripts/bench/lib/api-autocannon.ts), and how a create whose apply failed is recognised.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyFailedIn, cannonSummary, type CannonResult } from '../../scripts/bench/lib/api-autocannon.ts';
import { invalidFigures } from '../../scripts/bench/lib/results.ts';

const result = (o: Partial<CannonResult> = {}): CannonResult => ({
  duration: 20.05,
  errors: 0,
  timeouts: 0,
  non2xx: 0,
  latency: { p50: 3, p90: 7, p99: 21, max: 48 },
  requests: { total: 12_030 },
  ...o,
});

test('percentiles and max come from the latency histogram, throughput from responses over the run', () => {
  const s = cannonSummary(result(), 10_000);
  assert.equal(s.p50.value, 3);
  assert.equal(s.p90.value, 7);
  assert.equal(s.p99.value, 21);
  assert.equal(s.max.value, 48);
  assert.equal(s.p99.unit, 'ms');
  assert.equal(s.requests.value, 12_030);
  assert.equal(s.throughput.value, 600);
  assert.equal(s.throughput.unit, 'req/s');
  assert.equal(s.errors.value, 0);
  assert.deepEqual(invalidFigures(s), []);
});

test('errors are non-2xx answers, connection errors (timeouts among them) and failed applies', () => {
  const s = cannonSummary(result({ non2xx: 3, errors: 4, timeouts: 2 }), 10_000, 5);
  assert.equal(s.errors.value, 12);
  assert.match(s.errors.note!, /non-2xx 3, connection errors 4 \(of which timeouts 2\), failed applies 5/);
});

test('a run that got no answer at all still gives finite figures', () => {
  const s = cannonSummary(result({ duration: 0, requests: { total: 0 }, latency: { p50: 0, p90: 0, p99: 0, max: 0 }, errors: 10, timeouts: 10 }), 10_000);
  assert.deepEqual(invalidFigures(s), []);
  assert.equal(s.throughput.value, 0);
  assert.equal(s.errors.value, 10);
  // Every request timed out: never "0 ms", every percentile is at least the timeout.
  for (const k of ['p50', 'p90', 'p99', 'max'] as const) {
    assert.equal(s[k].value, 10_000, k);
    assert.match(s[k].note!, /^at least: 100\.0% of the requests got no answer within 10 s/);
  }
});

test('timed-out requests, missing from the histogram, lift the percentiles they reach to the timeout', () => {
  // 2% timed out: p99 and max are at least the timeout; p50/p90 come from the answers.
  const s = cannonSummary(result({ requests: { total: 980 }, errors: 20, timeouts: 20 }), 10_000);
  assert.equal(s.p50.value, 3);
  assert.equal(s.p90.value, 7);
  assert.match(s.p90.note!, /of the answered requests; 20 timed out/);
  assert.equal(s.p99.value, 10_000);
  assert.equal(s.max.value, 10_000);
  // One in 10,000: only the max.
  const one = cannonSummary(result({ requests: { total: 9999 }, errors: 1, timeouts: 1 }), 10_000);
  assert.equal(one.p99.value, 21);
  assert.equal(one.max.value, 10_000);
  // No timeout: no notes on the percentiles.
  assert.equal(cannonSummary(result(), 10_000).p99.note, undefined);
});

test('a create answered 201 whose apply failed is recognised from its body', () => {
  assert.equal(applyFailedIn(JSON.stringify({ item: {}, revision: 3, apply: { ok: false, changed: false, error: { message: 'x' } } })), true);
  assert.equal(applyFailedIn(JSON.stringify({ item: {}, revision: 3, apply: { ok: false, changed: false, pending: true } })), true);
  assert.equal(applyFailedIn(JSON.stringify({ item: {}, revision: 3, apply: { ok: true, changed: true } })), false);
  assert.equal(applyFailedIn(JSON.stringify({ item: {}, revision: 3 })), false);
  assert.equal(applyFailedIn('not json'), false);
});
