// Webhooks ("automatic actions" on call events): each call event goes to every enabled webhook
// that chose its type and whose extension filter matches, as a signed HTTP POST, retried with
// exponential backoff, every attempt recorded in the delivery log. docs/call-events.md is the
// receiver's side of this contract.
//
// Body: {"event": <CallEvent>} (an envelope, so fields can be added beside the event later).
// Signature: X-PBX-Signature: sha256=<hex HMAC-SHA256(secret, "<X-PBX-Timestamp>.<raw body>")>.
// One delivery (one event to one webhook) keeps its X-PBX-Delivery id and body across retries,
// so receivers can drop duplicates; each attempt is signed afresh with its own timestamp.
// Deliveries are independent: a retried event can arrive after a later one (order by `at`).
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { CallEvent } from '../domain/calls.ts';
import type { CallEventType, Webhook } from '../domain/model.ts';
import type { Logger } from '../lib/log.ts';

/** One attempt of one delivery, as the delivery log stores it. */
export interface WebhookDeliveryRecord {
  /** The delivery id (X-PBX-Delivery), the same for every attempt of it. */
  delivery: string;
  webhook: string;
  event: CallEventType;
  callId: string;
  /** When the attempt started (ISO 8601). */
  at: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** delivered: 2xx; retrying: failed, another attempt is scheduled; failed: given up. */
  outcome: 'delivered' | 'retrying' | 'failed';
  httpStatus?: number;
  error?: string;
  durationMs: number;
}

export interface WebhookDeliveryLog {
  record(d: WebhookDeliveryRecord): void;
}

export interface CallEventSource {
  on(event: 'call', fn: (e: CallEvent) => void): unknown;
}

export interface WebhookDispatcherOptions {
  source: CallEventSource;
  /** The current webhooks (read at every event and every retry: changes apply at once). */
  webhooks: () => Webhook[];
  log: WebhookDeliveryLog;
  logger: Pick<Logger, 'warn' | 'debug'>;
  /** attempts in all (first one included) and the first delay, doubled after each retry. Default 5 and 1000 ms. */
  retry?: { attempts: number; baseMs: number };
  fetch?: typeof fetch;
  /** Per attempt. Default 10 s. */
  timeoutMs?: number;
  /** Deliveries in flight or waiting for a retry; beyond it new ones fail at once (a dead receiver must not eat memory). Default 1000. */
  maxPending?: number;
  now?: () => Date;
}

export const WEBHOOK_DEFAULT_RETRY = { attempts: 5, baseMs: 1000 } as const;
export const WEBHOOK_TIMEOUT_MS = 10_000;

/** The X-PBX-Signature value for a body sent at `timestamp` (unix seconds). */
export function signWebhook(secret: string, timestamp: number | string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * Checks X-PBX-Signature in constant time, and that X-PBX-Timestamp is within
 * `toleranceSeconds` (default 300) of now, so a captured request cannot be replayed later.
 * `body` must be the raw body as received, not re-serialised JSON.
 */
export function verifyWebhookSignature(
  secret: string,
  timestamp: string | number | undefined,
  body: string | Buffer,
  signature: string | undefined,
  options: { toleranceSeconds?: number; nowSeconds?: number } = {},
): boolean {
  if (timestamp === undefined || signature === undefined) return false;
  const ts = Number(timestamp);
  if (!Number.isInteger(ts)) return false;
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - ts) > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signWebhook(secret, ts, Buffer.isBuffer(body) ? body.toString('utf8') : body));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Whether a webhook wants this event: enabled, the type chosen, and the call involves a filtered extension (empty = all). */
export function webhookMatches(hook: Webhook, event: CallEvent): boolean {
  if (!hook.enabled || !hook.events.includes(event.type)) return false;
  if (hook.extensions.length === 0) return true;
  return hook.extensions.some((x) => x === event.extension || (event.extensions?.includes(x) ?? false));
}

interface Pending {
  delivery: string;
  webhook: string;
  event: CallEvent;
  body: string;
  attempt: number;
  timer: NodeJS.Timeout | undefined;
}

function describeError(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return `timed out after ${timeoutMs} ms`;
  if (e?.name === 'AbortError') return 'aborted';
  // undici reports "fetch failed" with the reason (ECONNREFUSED, ENOTFOUND, ...) in cause.
  const detail = e?.cause?.code ?? e?.cause?.message;
  return detail ? `${e?.message ?? 'error'}: ${detail}` : (e?.message ?? String(err));
}

export class WebhookDispatcher {
  private readonly opts: WebhookDispatcherOptions;
  private readonly retry: { attempts: number; baseMs: number };
  private readonly timeoutMs: number;
  private readonly maxPending: number;
  private readonly fetch: typeof fetch;
  private readonly now: () => Date;
  private readonly pending = new Set<Pending>();
  private readonly abort = new AbortController();
  private stopped = false;

  constructor(opts: WebhookDispatcherOptions) {
    this.opts = opts;
    this.retry = {
      attempts: Math.max(1, Math.floor(opts.retry?.attempts ?? WEBHOOK_DEFAULT_RETRY.attempts)),
      baseMs: Math.max(0, opts.retry?.baseMs ?? WEBHOOK_DEFAULT_RETRY.baseMs),
    };
    this.timeoutMs = opts.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
    this.maxPending = opts.maxPending ?? 1000;
    this.fetch = opts.fetch ?? fetch;
    this.now = opts.now ?? (() => new Date());
    opts.source.on('call', (event) => this.dispatch(event));
  }

  /** Deliveries in flight or waiting for a retry. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Cancels pending retries and requests in flight; nothing is recorded after this. */
  stop(): void {
    this.stopped = true;
    this.abort.abort();
    for (const p of this.pending) clearTimeout(p.timer);
    this.pending.clear();
  }

  private dispatch(event: CallEvent): void {
    if (this.stopped) return;
    let hooks: Webhook[];
    try {
      hooks = this.opts.webhooks();
    } catch (err) {
      this.opts.logger.warn({ err: (err as Error).message }, 'webhooks: cannot read the configured webhooks');
      return;
    }
    const body = JSON.stringify({ event });
    for (const hook of hooks) {
      if (!webhookMatches(hook, event)) continue;
      const p: Pending = { delivery: randomUUID(), webhook: hook.name, event, body, attempt: 1, timer: undefined };
      if (this.pending.size >= this.maxPending) {
        this.record(p, { outcome: 'failed', error: `dropped: ${this.pending.size} deliveries already pending`, durationMs: 0, at: this.now() });
        this.opts.logger.warn({ webhook: hook.name, event: event.type, pending: this.pending.size }, 'webhook delivery dropped: too many pending');
        continue;
      }
      this.pending.add(p);
      void this.attempt(p);
    }
  }

  private record(p: Pending, r: { outcome: WebhookDeliveryRecord['outcome']; httpStatus?: number; error?: string; durationMs: number; at: Date }): void {
    try {
      this.opts.log.record({
        delivery: p.delivery,
        webhook: p.webhook,
        event: p.event.type,
        callId: p.event.callId,
        at: r.at.toISOString(),
        attempt: p.attempt,
        outcome: r.outcome,
        ...(r.httpStatus !== undefined ? { httpStatus: r.httpStatus } : {}),
        ...(r.error !== undefined ? { error: r.error } : {}),
        durationMs: r.durationMs,
      });
    } catch (err) {
      this.opts.logger.warn({ err: (err as Error).message, webhook: p.webhook }, 'webhook delivery could not be logged');
    }
  }

  private async attempt(p: Pending): Promise<void> {
    p.timer = undefined;
    if (this.stopped) return;
    const at = this.now();
    const hook = this.currentHook(p.webhook);
    if (!hook) {
      this.pending.delete(p);
      this.record(p, { outcome: 'failed', error: 'webhook removed or disabled', durationMs: 0, at });
      return;
    }
    const started = performance.now();
    const timestamp = Math.floor(Date.now() / 1000);
    let httpStatus: number | undefined;
    let error: string | undefined;
    try {
      const res = await this.fetch(hook.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'pbx-appliance-webhooks/1',
          'X-PBX-Event': p.event.type,
          'X-PBX-Delivery': p.delivery,
          'X-PBX-Timestamp': String(timestamp),
          'X-PBX-Signature': signWebhook(hook.secret, timestamp, p.body),
        },
        body: p.body,
        // A redirect is a failure to deliver: following it would send the signed event elsewhere.
        redirect: 'manual',
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.timeoutMs)]),
      });
      httpStatus = res.status;
      await res.body?.cancel().catch(() => {});
    } catch (err) {
      error = describeError(err, this.timeoutMs);
    }
    if (this.stopped) return;
    const durationMs = Math.round(performance.now() - started);
    const ok = httpStatus !== undefined && httpStatus >= 200 && httpStatus < 300;
    const outcome = ok ? 'delivered' : p.attempt >= this.retry.attempts ? 'failed' : 'retrying';
    this.record(p, { outcome, ...(httpStatus !== undefined ? { httpStatus } : {}), ...(error !== undefined ? { error } : {}), durationMs, at });
    const context = { webhook: p.webhook, delivery: p.delivery, event: p.event.type, attempt: p.attempt, httpStatus, error };
    if (outcome === 'retrying') {
      const delay = this.retry.baseMs * 2 ** (p.attempt - 1);
      this.opts.logger.debug({ ...context, retryInMs: delay }, 'webhook delivery failed; retrying');
      p.attempt++;
      p.timer = setTimeout(() => void this.attempt(p), delay);
    } else {
      this.pending.delete(p);
      if (outcome === 'failed') this.opts.logger.warn(context, 'webhook delivery failed; giving up');
    }
  }

  private currentHook(name: string): Webhook | undefined {
    try {
      const hook = this.opts.webhooks().find((w) => w.name === name);
      return hook?.enabled ? hook : undefined;
    } catch {
      return undefined;
    }
  }
}
