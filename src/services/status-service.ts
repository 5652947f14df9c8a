// The box at a glance (GET /api/v1/system/status, the dashboard's `status` events): host
// figures, Asterisk, live calls, registered devices, trunk states, apply state and health,
// composed from sources main.ts passes in. Every Asterisk-side source may fail or be absent
// (Asterisk stopped, PBX_ASTERISK=none): the snapshot then says zero / 'unknown', never throws.
//
// While something listens to 'status' it recomputes every 2 s, and ~300 ms after any event
// that may change what it shows (a call, an apply, a registration); it emits when anything but
// the host figures changed, and at least every 10 s so CPU and memory stay live.
import { EventEmitter } from 'node:events';
import { z } from 'zod';
import type { PbxConfig } from '../domain/model.ts';

export const hostStatusSchema = z
  .object({
    hostname: z.string(),
    uptimeSeconds: z.number(),
    load: z.tuple([z.number(), z.number(), z.number()]),
    cpuCores: z.number().int(),
    cpuPercent: z.number(),
    memory: z.object({ totalBytes: z.number(), usedBytes: z.number(), availableBytes: z.number() }).strict(),
    disk: z.object({ mount: z.string(), totalBytes: z.number(), usedBytes: z.number(), availableBytes: z.number() }).strict().nullable(),
    temperatureC: z.number().nullable(),
  })
  .strict();

export const TRUNK_STATES = ['registered', 'unregistered', 'rejected', 'reachable', 'unreachable', 'unknown'] as const;

export const systemStatusSchema = z
  .object({
    host: hostStatusSchema,
    asterisk: z.object({ state: z.string(), ok: z.boolean() }).strict(),
    calls: z.object({ active: z.number().int() }).strict(),
    devices: z.object({ registered: z.number().int(), total: z.number().int() }).strict(),
    trunks: z.array(z.object({ name: z.string(), type: z.enum(['register', 'ip']), state: z.enum(TRUNK_STATES) }).strict()),
    /** The same object GET /config/status answers. */
    apply: z.object({ revision: z.number().int(), apply: z.object({ state: z.string() }).loose() }).strict(),
    health: z.object({ status: z.enum(['ok', 'unhealthy']), reasons: z.array(z.string()) }).strict(),
  })
  .strict();

export type HostStatusView = z.infer<typeof hostStatusSchema>;
export type SystemStatus = z.infer<typeof systemStatusSchema>;
export type TrunkState = (typeof TRUNK_STATES)[number];

/** What a running Asterisk reports (src/asterisk/control.ts). */
export interface AsteriskLive {
  /** Contacts by AOR (a device's username, a trunk's object name) with their qualify status (Avail, Unavail, NonQual, Unknown). */
  contacts: { endpoint: string; status: string }[];
  /** Outbound registrations (register trunks): Registered, Unregistered, Rejected, Stopped. */
  registrations: { name: string; status: string }[];
}

export interface StatusSources {
  host(): Promise<HostStatusView>;
  model(): PbxConfig;
  revision(): number;
  applyStatus(): { state: string };
  health(): { status: 'ok' | 'unhealthy'; parts: Record<string, { ok: boolean; [detail: string]: unknown }> };
  asterisk(): { state: string; ok: boolean };
  /** Undefined while Asterisk is not running or not reachable. */
  live(): Promise<AsteriskLive | undefined>;
  /** Calls in progress, counted as GET /calls lists them. */
  activeCalls(): Promise<number>;
  /** Name of a trunk's endpoint, AOR and registration in Asterisk. */
  trunkObject(name: string): string;
}

/** Something whose events should refresh the status soon (`when` filters its arguments). */
export interface StatusTrigger {
  source: { on(event: string, fn: (...args: unknown[]) => void): unknown; off(event: string, fn: (...args: unknown[]) => void): unknown };
  event: string;
  when?: (...args: unknown[]) => boolean;
}

export interface StatusServiceOptions {
  triggers?: StatusTrigger[];
  intervalMs?: number;
  debounceMs?: number;
  heartbeatMs?: number;
  /** Longest wait for Asterisk's answers before they count as unknown. */
  asteriskTimeoutMs?: number;
  onError?: (err: unknown) => void;
}

function withTimeout<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.catch(() => fallback),
    new Promise<T>((resolve) => {
      timer = setTimeout(() => resolve(fallback), ms);
      timer.unref();
    }),
  ]).finally(() => clearTimeout(timer));
}

/** One line per unhealthy part of a health report, e.g. "asterisk: stopped". */
export function healthReasons(parts: Record<string, { ok: boolean; [detail: string]: unknown }>): string[] {
  const out: string[] = [];
  for (const [name, part] of Object.entries(parts)) {
    if (part.ok) continue;
    const message = (v: unknown) =>
      typeof v === 'string' ? v : v && typeof v === 'object' && typeof (v as { message?: unknown }).message === 'string' ? (v as { message: string }).message : undefined;
    const details = [typeof part.state === 'string' ? part.state : undefined, message(part.error) ?? message(part.lastError)].filter((d): d is string => !!d);
    if (details.length === 0) details.push(part.connected === false ? 'not connected' : 'not ok');
    out.push(`${name}: ${details.join(': ')}`);
  }
  return out;
}

export function trunkState(type: 'register' | 'ip', object: string, live: AsteriskLive | undefined): TrunkState {
  if (!live) return 'unknown';
  if (type === 'register') {
    const status = live.registrations.find((r) => r.name === object)?.status;
    if (status === 'Registered') return 'registered';
    if (status === 'Rejected') return 'rejected';
    if (status === 'Unregistered' || status === 'Stopped') return 'unregistered';
    return 'unknown';
  }
  const status = live.contacts.find((c) => c.endpoint === object)?.status;
  if (status === 'Avail') return 'reachable';
  if (status === 'Unavail') return 'unreachable';
  return 'unknown';
}

export class StatusService extends EventEmitter {
  private readonly sources: StatusSources;
  private readonly opts: Required<Omit<StatusServiceOptions, 'onError'>> & Pick<StatusServiceOptions, 'onError'>;
  private started = false;
  private poll: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private computing: Promise<SystemStatus> | undefined;
  private lastKey: string | undefined;
  private lastEmitAt = 0;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(sources: StatusSources, options: StatusServiceOptions = {}) {
    super();
    this.sources = sources;
    this.opts = {
      triggers: options.triggers ?? [],
      intervalMs: options.intervalMs ?? 2000,
      debounceMs: options.debounceMs ?? 300,
      heartbeatMs: options.heartbeatMs ?? 10_000,
      asteriskTimeoutMs: options.asteriskTimeoutMs ?? 5000,
      onError: options.onError,
    };
    // Polling runs only while someone listens: a box nobody watches does no work for this.
    this.on('newListener', (event: string | symbol) => {
      if (event === 'status') queueMicrotask(() => this.updatePolling());
    });
    this.on('removeListener', (event: string | symbol) => {
      if (event === 'status') this.updatePolling();
    });
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const t of this.opts.triggers) {
      const fn = (...args: unknown[]) => {
        if (!t.when || t.when(...args)) this.soon();
      };
      t.source.on(t.event, fn);
      this.unsubscribe.push(() => t.source.off(t.event, fn));
    }
    this.updatePolling();
  }

  stop(): void {
    this.started = false;
    for (const u of this.unsubscribe.splice(0)) u();
    clearTimeout(this.debounce);
    this.debounce = undefined;
    this.updatePolling();
  }

  /** The status now (concurrent callers share one computation). */
  snapshot(): Promise<SystemStatus> {
    this.computing ??= this.compute().finally(() => {
      this.computing = undefined;
    });
    return this.computing;
  }

  private updatePolling(): void {
    const want = this.started && this.listenerCount('status') > 0;
    if (want && !this.poll) {
      this.poll = setInterval(() => void this.tick(), this.opts.intervalMs);
      this.poll.unref();
    } else if (!want && this.poll) {
      clearInterval(this.poll);
      this.poll = undefined;
      this.lastKey = undefined;
    }
  }

  /** A change may have happened: recompute shortly (events come in bursts; one recompute per burst). */
  private soon(): void {
    if (!this.poll || this.debounce) return;
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      void this.tick();
    }, this.opts.debounceMs);
    this.debounce.unref();
  }

  private async tick(): Promise<void> {
    try {
      const s = await this.snapshot();
      if (!this.poll) return;
      const { host: _host, ...rest } = s;
      const key = JSON.stringify(rest);
      const now = Date.now();
      if (key !== this.lastKey || now - this.lastEmitAt >= this.opts.heartbeatMs) {
        this.lastKey = key;
        this.lastEmitAt = now;
        this.emit('status', s);
      }
    } catch (err) {
      this.opts.onError?.(err);
    }
  }

  private async compute(): Promise<SystemStatus> {
    const src = this.sources;
    const t = this.opts.asteriskTimeoutMs;
    const live = await withTimeout(src.live(), t, undefined);
    const [host, active] = await Promise.all([src.host(), live ? withTimeout(src.activeCalls(), t, 0) : Promise.resolve(0)]);
    const model = src.model();
    const registered = new Set((live?.contacts ?? []).filter((c) => c.status !== 'Unavail').map((c) => c.endpoint));
    let total = 0;
    let online = 0;
    for (const e of model.extensions) {
      for (const d of e.devices) {
        total++;
        if (registered.has(d.username)) online++;
      }
    }
    const health = src.health();
    return {
      host,
      asterisk: src.asterisk(),
      calls: { active },
      devices: { registered: online, total },
      trunks: model.trunks.map((tr) => ({ name: tr.name, type: tr.type, state: trunkState(tr.type, src.trunkObject(tr.name), live) })),
      apply: { revision: src.revision(), apply: src.applyStatus() },
      health: { status: health.status, reasons: healthReasons(health.parts) },
    };
  }
}
