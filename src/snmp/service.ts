// The SNMP part as main.ts wires it: the agent (./agent.ts), the snapshot it serves built from
// the status service and Asterisk, the counters, and the trap monitor fed by the supervisor,
// AMI and a slow poll of trunks and disk (only while traps have somewhere to go).
import { hostname } from 'node:os';
import type { SnmpSettings } from '../domain/model.ts';
import type { SystemStatus } from '../services/status-service.ts';
import { SnmpAgent, type SnmpAgentStatus, type SnmpLogger } from './agent.ts';
import type { PbxSnapshot } from './mib.ts';
import { PbxCounters, TrapMonitor } from './monitor.ts';

/** AMI as src/asterisk/ami.ts delivers it (field names lowercased). */
export interface SnmpAmiSource {
  on(event: 'event', fn: (e: { event?: unknown; [field: string]: unknown }) => void): unknown;
  on(event: 'fullyBooted' | 'disconnected', fn: () => void): unknown;
}

/** The Asterisk supervisor's process events ('exited' before its state is updated). */
export interface SnmpProcessSource {
  on(event: 'started' | 'exited', fn: () => void): unknown;
  readonly status: { state: string };
}

export interface SnmpQueueView {
  name: string;
  waiting: number;
  longestWaitSeconds: number;
  members: number;
}

export interface SnmpServiceOptions {
  /** UDP port (PBX_SNMP_PORT). */
  port: number;
  productVersion: string;
  settings(): SnmpSettings;
  /** The dashboard's status (StatusService.snapshot). */
  status(): Promise<SystemStatus>;
  /** The configuration's queues with what Asterisk says of them; [] while Asterisk is down. */
  queues(): Promise<SnmpQueueView[]>;
  /** Asterisk's version (AMI CoreSettings), asked after each boot. */
  asteriskVersion(): Promise<string>;
  ami: SnmpAmiSource;
  supervisor?: SnmpProcessSource;
  /** Firmware slots, once the firmware issue lands; empty strings until then. */
  firmware?(): { slotA: string; slotB: string; active: string };
  /** HA role, once HA lands; 'unknown' until then. */
  haRole?(): string;
  logger: SnmpLogger;
  /** How often trunks and disk are looked at for traps (default 15 s). */
  watchIntervalMs?: number;
}

/** A manager times out after a second or so: a slow Asterisk answer counts as no queues. */
const QUEUES_TIMEOUT_MS = 3000;

function within<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.catch(() => fallback),
    new Promise<T>((resolve) => {
      timer = setTimeout(() => resolve(fallback), ms);
      timer.unref();
    }),
  ]).finally(() => clearTimeout(timer));
}

/** AMI events after which a trunk's state may have changed. */
const TRUNK_EVENTS = new Set(['registry', 'contactstatus']);

export class SnmpService {
  private readonly opts: SnmpServiceOptions;
  readonly agent: SnmpAgent;
  private readonly counters = new PbxCounters();
  private readonly monitor: TrapMonitor;
  private version = '';
  private stopped = false;
  private watch: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;
  private watching: Promise<void> | undefined;

  constructor(opts: SnmpServiceOptions) {
    this.opts = opts;
    this.agent = new SnmpAgent({ port: opts.port, snapshot: () => this.snapshot(), logger: opts.logger });
    this.monitor = new TrapMonitor((trap) => {
      if (!this.stopped) this.agent.sendTrap(trap);
    });
    opts.ami.on('event', (e) => {
      this.counters.onAmiEvent(e);
      if (TRUNK_EVENTS.has(String(e.event ?? '').toLowerCase())) this.checkSoon();
    });
    opts.ami.on('fullyBooted', () => {
      opts
        .asteriskVersion()
        .then((v) => (this.version = v))
        .catch(() => undefined);
    });
    const sup = opts.supervisor;
    if (sup) {
      // 'exited' is emitted before the supervisor records its new state (failed or stopped).
      sup.on('exited', () => queueMicrotask(() => this.monitor.asteriskExited(sup.status.state)));
      sup.on('started', () => this.monitor.asteriskStarted(sup.status.state));
    }
  }

  /** Applies the current settings (start, stop, rebind, users); idempotent, call after every change. */
  async configure(): Promise<void> {
    if (this.stopped) return;
    const s = this.opts.settings();
    await this.agent.configure(s);
    const watch = s.enabled && s.trapReceivers.length > 0;
    if (watch && !this.watch) {
      this.watch = setInterval(() => void this.check(), this.opts.watchIntervalMs ?? 15_000);
      this.watch.unref();
      void this.check();
    } else if (!watch && this.watch) {
      clearInterval(this.watch);
      this.watch = undefined;
    }
  }

  status(): SnmpAgentStatus {
    return this.agent.status();
  }

  /** HA's hook: the box's role changed (nothing calls it until HA exists). */
  haSwitchover(role: string): void {
    this.monitor.haSwitchover(role);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.watch);
    clearTimeout(this.soon);
    this.watch = undefined;
    await this.agent.stop();
  }

  /** Everything the agent serves, now. */
  async snapshot(): Promise<PbxSnapshot> {
    const s = this.opts.settings();
    const [status, queues] = await Promise.all([this.opts.status(), within(this.opts.queues(), QUEUES_TIMEOUT_MS, [])]);
    const running = status.asterisk.state === 'running';
    return {
      system: {
        descr: `PBX appliance ${this.opts.productVersion}${this.version ? ` (Asterisk ${this.version})` : ''}`,
        name: s.sysName ?? hostname(),
        location: s.sysLocation ?? '',
        contact: s.sysContact ?? '',
      },
      uptimeTicks: Math.floor(process.uptime() * 100),
      asterisk: { state: status.asterisk.state, running, version: running ? this.version : '' },
      calls: { active: status.calls.active, sinceStart: this.counters.calls },
      devices: { configured: status.devices.total, registered: status.devices.registered },
      trunks: status.trunks.map((t) => ({ name: t.name, type: t.type, state: t.state })),
      queues,
      sipAuthFailures: this.counters.sipAuthFailures,
      firmware: this.opts.firmware?.() ?? { slotA: '', slotB: '', active: '' },
      haRole: this.opts.haRole?.() ?? 'unknown',
      host: {
        disk: status.host.disk,
        cpuPercent: status.host.cpuPercent,
        load1: status.host.load[0],
      },
    };
  }

  private checkSoon(): void {
    if (!this.watch || this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      void this.check();
    }, 1000);
    this.soon.unref();
  }

  /** Trunks and disk for the trap monitor; one look at a time. */
  private check(): Promise<void> {
    this.watching ??= this.opts
      .status()
      .then((st) => {
        if (!this.watch) return;
        this.monitor.observe({ trunks: st.trunks, host: { disk: st.host.disk, cpuPercent: st.host.cpuPercent, load1: st.host.load[0] } }, this.opts.settings().diskFullPercent);
      })
      .catch((err: unknown) => this.opts.logger.warn({ err: (err as Error).message }, 'snmp: trunk and disk check failed'))
      .finally(() => {
        this.watching = undefined;
      });
    return this.watching;
  }
}
