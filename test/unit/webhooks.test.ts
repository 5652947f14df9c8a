// Webhook signing, matching, the dispatcher's retry policy (with an injected fetch) and the
// delivery log over SQLite. The real HTTP path is in test/integration/call-events.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  WebhookDispatcher,
  signWebhook,
  verifyWebhookSignature,
  webhookMatches,
  type WebhookDeliveryRecord,
} from '../../src/calls/webhooks.ts';
import { WebhookDeliveryStore } from '../../src/store/webhook-deliveries.ts';
import { openDatabase } from '../../src/store/db.ts';
import type { CallEvent } from '../../src/domain/calls.ts';
import { webhookSchema, type Webhook } from '../../src/domain/model.ts';

const SECRET = 'k7Qz-93hf-PLx2-vv0A';
const event = (over: Partial<CallEvent> = {}): CallEvent => ({
  id: 'e1',
  type: 'call.ringing',
  at: '2030-01-01T10:00:00.000Z',
  callId: '1.0',
  uniqueId: '1.1',
  direction: 'internal',
  caller: { number: '208', name: 'Hugo' },
  called: { number: '202', name: 'Bob' },
  extension: '202',
  startedAt: '2030-01-01T10:00:00.000Z',
  extensions: ['208', '202'],
  ...over,
});
const hook = (over: Partial<Webhook> = {}): Webhook =>
  webhookSchema.parse({ name: 'crm', url: 'http://127.0.0.1:9/hook', events: ['call.ringing', 'call.hangup'], secret: SECRET, ...over });
const silent = { warn: () => {}, debug: () => {} };

test('signature: HMAC-SHA256 over "<timestamp>.<body>", verified in constant time with a freshness window', () => {
  const body = '{"event":{}}';
  const sig = signWebhook(SECRET, 1_900_000_000, body);
  assert.equal(sig, `sha256=${createHmac('sha256', SECRET).update(`1900000000.${body}`).digest('hex')}`);
  const opts = { nowSeconds: 1_900_000_010 };
  assert.equal(verifyWebhookSignature(SECRET, '1900000000', body, sig, opts), true);
  assert.equal(verifyWebhookSignature(SECRET, '1900000000', Buffer.from(body), sig, opts), true);
  assert.equal(verifyWebhookSignature('another-secret-123', '1900000000', body, sig, opts), false);
  assert.equal(verifyWebhookSignature(SECRET, '1900000001', body, sig, opts), false, 'timestamp is signed');
  assert.equal(verifyWebhookSignature(SECRET, '1900000000', body + ' ', sig, opts), false, 'body is signed');
  assert.equal(verifyWebhookSignature(SECRET, '1900000000', body, sig.slice(0, -1), opts), false);
  assert.equal(verifyWebhookSignature(SECRET, '1900000000', body, undefined, opts), false);
  assert.equal(verifyWebhookSignature(SECRET, 'soon', body, sig, opts), false);
  assert.equal(verifyWebhookSignature(SECRET, '1900000000', body, sig, { nowSeconds: 1_900_000_000 + 301 }), false, 'too old: a replay');
  assert.equal(verifyWebhookSignature(SECRET, '1900000000', body, sig, { nowSeconds: 1_900_000_000 + 1000, toleranceSeconds: 3600 }), true);
});

test('matching: enabled, event type chosen, extension filter on any extension of the call', () => {
  assert.equal(webhookMatches(hook(), event()), true);
  assert.equal(webhookMatches(hook({ enabled: false }), event()), false);
  assert.equal(webhookMatches(hook(), event({ type: 'call.answered' })), false);
  assert.equal(webhookMatches(hook({ extensions: ['202'] }), event()), true);
  assert.equal(webhookMatches(hook({ extensions: ['208'] }), event()), true, 'the calling extension is involved too');
  assert.equal(webhookMatches(hook({ extensions: ['201'] }), event()), false);
  assert.equal(webhookMatches(hook({ extensions: ['202'] }), event({ extensions: undefined })), true);
});

interface Call {
  url: string;
  headers: Record<string, string>;
  body: string;
}
function harness(responses: (number | Error)[], options: { attempts?: number; hooks?: Webhook[] } = {}) {
  const source = new EventEmitter();
  const calls: Call[] = [];
  const records: WebhookDeliveryRecord[] = [];
  let hooks = options.hooks ?? [hook()];
  const fakeFetch = (async (url: string, init: RequestInit) => {
    calls.push({ url, headers: init.headers as Record<string, string>, body: init.body as string });
    const r = responses.shift() ?? 200;
    if (r instanceof Error) throw r;
    return new Response(null, { status: r });
  }) as unknown as typeof fetch;
  const d = new WebhookDispatcher({
    source,
    webhooks: () => hooks,
    log: { record: (r) => records.push(r) },
    logger: silent,
    retry: { attempts: options.attempts ?? 3, baseMs: 5 },
    fetch: fakeFetch,
  });
  return { source, calls, records, d, setHooks: (h: Webhook[]) => (hooks = h) };
}
const until = async (cond: () => boolean, what: string) => {
  const end = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

test('a delivery: JSON envelope, event/delivery/timestamp/signature headers, recorded as delivered', async () => {
  const h = harness([204]);
  const e = event();
  h.source.emit('call', e);
  await until(() => h.records.length === 1, 'the record');
  const [c] = h.calls;
  assert.equal(c!.url, 'http://127.0.0.1:9/hook');
  assert.deepEqual(JSON.parse(c!.body), { event: e });
  assert.equal(c!.headers['Content-Type'], 'application/json');
  assert.equal(c!.headers['X-PBX-Event'], 'call.ringing');
  assert.match(c!.headers['X-PBX-Delivery']!, /^[0-9a-f-]{36}$/);
  assert.equal(verifyWebhookSignature(SECRET, c!.headers['X-PBX-Timestamp'], c!.body, c!.headers['X-PBX-Signature']), true);
  assert.ok(!JSON.stringify(c!.headers).includes(SECRET), 'the secret is never sent');
  const r = h.records[0]!;
  assert.deepEqual({ ...r, at: undefined, durationMs: undefined }, {
    delivery: c!.headers['X-PBX-Delivery'], webhook: 'crm', event: 'call.ringing', callId: '1.0', at: undefined, attempt: 1, outcome: 'delivered', httpStatus: 204, durationMs: undefined,
  });
  assert.equal(h.d.pendingCount, 0);
});

test('retries with the same delivery id and body until 2xx; every attempt recorded', async () => {
  const h = harness([500, new TypeError('fetch failed'), 200]);
  h.source.emit('call', event());
  await until(() => h.records.length === 3, 'three attempts');
  assert.deepEqual(h.records.map((r) => [r.attempt, r.outcome, r.httpStatus ?? null]), [[1, 'retrying', 500], [2, 'retrying', null], [3, 'delivered', 200]]);
  assert.equal(h.records[1]!.error, 'fetch failed');
  assert.equal(new Set(h.calls.map((c) => c.headers['X-PBX-Delivery'])).size, 1);
  assert.equal(new Set(h.calls.map((c) => c.body)).size, 1);
  for (const c of h.calls) assert.equal(verifyWebhookSignature(SECRET, c.headers['X-PBX-Timestamp'], c.body, c.headers['X-PBX-Signature']), true);
});

test('gives up after the last attempt (recorded failed); a 3xx is not followed, it is a failure', async () => {
  const h = harness([503, 302, 500], { attempts: 3 });
  h.source.emit('call', event());
  await until(() => h.records.length === 3, 'three attempts');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(h.calls.length, 3, 'no fourth attempt');
  assert.deepEqual(h.records.map((r) => r.outcome), ['retrying', 'retrying', 'failed']);
  assert.equal(h.d.pendingCount, 0);
});

test('only matching webhooks get the event; one delivery per webhook', async () => {
  const h = harness([], { hooks: [hook({ name: 'a' }), hook({ name: 'b', extensions: ['201'] }), hook({ name: 'c', events: ['call.hangup'] }), hook({ name: 'd', extensions: ['202'] })] });
  h.source.emit('call', event());
  await until(() => h.records.length === 2, 'two deliveries');
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(h.records.map((r) => r.webhook).sort(), ['a', 'd']);
});

test('a webhook removed or disabled before its retry stops being retried', async () => {
  const h = harness([500, 200]);
  h.source.emit('call', event());
  await until(() => h.records.length === 1, 'the first attempt');
  h.setHooks([hook({ enabled: false })]);
  await until(() => h.records.length === 2, 'the second record');
  assert.equal(h.calls.length, 1);
  assert.deepEqual([h.records[1]!.outcome, h.records[1]!.error], ['failed', 'webhook removed or disabled']);
});

test('stop() cancels pending retries and records nothing more', async () => {
  const h = harness([500, 200]);
  h.source.emit('call', event());
  await until(() => h.records.length === 1, 'the first attempt');
  h.d.stop();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(h.calls.length, 1);
  assert.equal(h.records.length, 1);
  h.source.emit('call', event());
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(h.calls.length, 1, 'nothing is sent after stop');
});

test('a request that hangs times out and is retried', async () => {
  const source = new EventEmitter();
  const records: WebhookDeliveryRecord[] = [];
  let n = 0;
  const fakeFetch = ((_url: string, init: RequestInit) => {
    n++;
    if (n > 1) return Promise.resolve(new Response(null, { status: 200 }));
    return new Promise((_, reject) => init.signal!.addEventListener('abort', () => reject(init.signal!.reason)));
  }) as unknown as typeof fetch;
  new WebhookDispatcher({ source, webhooks: () => [hook()], log: { record: (r) => records.push(r) }, logger: silent, retry: { attempts: 2, baseMs: 1 }, timeoutMs: 30, fetch: fakeFetch });
  source.emit('call', event());
  await until(() => records.length === 2, 'two attempts');
  assert.deepEqual(records.map((r) => [r.outcome, r.error ?? null]), [['retrying', 'timed out after 30 ms'], ['delivered', null]]);
});

test('delivery store: newest first, filter by webhook, pages with before, bounded', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pbx-deliveries-'));
  const db = openDatabase(join(dir, 'db.sqlite'));
  try {
    const store = new WebhookDeliveryStore(db, { maxRows: 5 });
    for (let i = 1; i <= 8; i++) {
      store.record({
        delivery: `d${i}`, webhook: i % 2 ? 'odd' : 'even', event: 'call.hangup', callId: `c${i}`, at: `2030-01-01T10:00:0${i}.000Z`,
        attempt: 1, outcome: i === 8 ? 'failed' : 'delivered', ...(i === 8 ? { error: 'fetch failed' } : { httpStatus: 200 }), durationMs: i,
      });
    }
    const all = store.list();
    assert.deepEqual(all.map((r) => r.delivery), ['d8', 'd7', 'd6', 'd5', 'd4'], 'only the newest 5 rows are kept');
    assert.deepEqual(all[0], {
      id: all[0]!.id, delivery: 'd8', webhook: 'even', event: 'call.hangup', callId: 'c8', at: '2030-01-01T10:00:08.000Z',
      attempt: 1, outcome: 'failed', httpStatus: null, error: 'fetch failed', durationMs: 8,
    });
    assert.deepEqual(store.list({ webhook: 'odd' }).map((r) => r.delivery), ['d7', 'd5']);
    assert.deepEqual(store.list({ limit: 2 }).map((r) => r.delivery), ['d8', 'd7']);
    assert.deepEqual(store.list({ before: all[1]!.id, limit: 2 }).map((r) => r.delivery), ['d6', 'd5']);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
