// ARI adapter: the only importer of ari-client. Connects with backoff, registers the Stasis
// application, and starts over when the websocket gives up (Asterisk restarted or went away).
// ari-client prints a Swagger deprecation notice with console.*; it is kept out of our JSON logs.
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { Backoff } from '../lib/backoff.ts';
import type { Logger } from '../lib/log.ts';

const require = createRequire(import.meta.url);

interface RawAriClient {
  start(apps: string | string[]): Promise<void>;
  stop(): void;
  on(event: string, fn: (...args: unknown[]) => void): void;
  removeAllListeners(): void;
  endpoints: { list(): Promise<{ technology: string; resource: string; state: string; channel_ids: string[] }[]> };
  asterisk: { getInfo(): Promise<{ system?: { version?: string } }> };
}

export interface AriOptions {
  url: string;
  username: string;
  password: string;
  app: string;
  logger: Logger;
}

export interface AriEndpoint {
  technology: string;
  resource: string;
  state: string;
  channels: number;
}

/** Runs fn with console output swallowed (third-party notices must not pollute the logs). */
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const saved = { log: console.log, warn: console.warn, info: console.info, error: console.error };
  const noop = () => {};
  Object.assign(console, { log: noop, warn: noop, info: noop, error: noop });
  try {
    return await fn();
  } finally {
    Object.assign(console, saved);
  }
}

export class AriClient extends EventEmitter {
  private readonly opts: AriOptions;
  private client: RawAriClient | undefined;
  private stopped = true;
  private connecting = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly backoff = new Backoff(500, 10_000);
  private wsUp = false;

  constructor(opts: AriOptions) {
    super();
    this.opts = opts;
  }

  get connected(): boolean {
    return !!this.client && this.wsUp;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.teardown();
  }

  /** Starts over now (e.g. Asterisk restarted); a no-op while a connection attempt runs. */
  reconnect(): void {
    if (this.stopped || this.connecting) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    void this.connect();
  }

  private teardown(): void {
    const c = this.client;
    this.client = undefined;
    const was = this.wsUp;
    this.wsUp = false;
    if (c) {
      c.removeAllListeners();
      try {
        c.stop();
      } catch {
        /* already closed */
      }
    }
    if (was) this.emit('disconnected');
  }

  private schedule(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.connect();
    }, this.backoff.next());
  }

  private async connect(): Promise<void> {
    if (this.stopped || this.connecting) return;
    this.connecting = true;
    this.teardown();
    try {
      // ari-client throws from a timer (uncatchable) when the Swagger document is missing, so
      // only hand it an ARI that already serves it.
      const auth = Buffer.from(`${this.opts.username}:${this.opts.password}`).toString('base64');
      const probe = await fetch(`${this.opts.url}/ari/api-docs/resources.json`, {
        headers: { authorization: `Basic ${auth}` },
        signal: AbortSignal.timeout(3000),
      });
      await probe.body?.cancel();
      if (!probe.ok) throw new Error(`ARI answered ${probe.status}`);
      const client = await quietly(async () => {
        const ari = require('ari-client') as { connect(url: string, u: string, p: string): Promise<RawAriClient> };
        return ari.connect(this.opts.url, this.opts.username, this.opts.password);
      });
      if (this.stopped) {
        client.stop();
        return;
      }
      this.client = client;
      client.on('WebSocketConnected', () => {
        this.wsUp = true;
        this.emit('connected');
      });
      client.on('WebSocketReconnecting', () => {
        if (this.wsUp) this.emit('disconnected');
        this.wsUp = false;
      });
      client.on('WebSocketMaxRetries', () => {
        this.teardown();
        this.schedule();
      });
      client.on('StasisStart', (event, channel) => this.emit('stasisStart', event, channel));
      await client.start(this.opts.app);
      this.wsUp = true;
      this.backoff.reset();
      this.emit('connected');
    } catch (err) {
      this.opts.logger.debug({ err: (err as Error).message }, 'ARI not reachable yet');
      this.teardown();
      this.schedule();
    } finally {
      this.connecting = false;
    }
  }

  async endpoints(): Promise<AriEndpoint[]> {
    if (!this.client) throw new Error('ARI is not connected');
    const list = await this.client.endpoints.list();
    return list.map((e) => ({ technology: e.technology, resource: e.resource, state: e.state, channels: e.channel_ids.length }));
  }
}
