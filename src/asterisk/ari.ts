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

/** ARI's answer to a REST request that failed; status 0 when Asterisk could not be reached. */
export class AriError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
    this.name = 'AriError';
  }
}

export interface AriOriginate {
  /** Dial string of the channel to create, e.g. PJSIP/201 or Local/201@ctx. */
  endpoint: string;
  /** Where the channel continues once answered. */
  context: string;
  extension: string;
  priority?: number;
  /** Caller id of the new channel ("Name" <number> or a number); the called device shows it. */
  callerId?: string;
  /** Channel variables (and functions such as CALLERID(name)) set on the new channel. */
  variables?: Record<string, string>;
  /** Seconds to wait for an answer before giving up (ARI's default: 30). */
  timeoutSeconds?: number;
  /** Uniqueid to give the channel (and therefore the linkedid of every channel it leads to). */
  channelId?: string;
  /** Uniqueid of the ;2 half when the endpoint is a Local channel. */
  otherChannelId?: string;
}

export interface AriChannel {
  /** Asterisk's uniqueid. */
  id: string;
  name: string;
  state: string;
  caller: { name: string; number: string };
  connected: { name: string; number: string };
  dialplan: { context: string; exten: string; priority: number };
  /** ISO 8601. */
  creationtime: string;
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

  // Channel control goes through ARI's REST interface with fetch, not ari-client's Swagger
  // client: it keeps HTTP status codes (404 = no such channel) and takes a timeout.
  private async rest(method: 'GET' | 'POST' | 'DELETE', path: string, query: Record<string, string | number | undefined> = {}, body?: unknown): Promise<unknown> {
    const url = new URL(`${this.opts.url}/ari${path}`);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    const auth = Buffer.from(`${this.opts.username}:${this.opts.password}`).toString('base64');
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { authorization: `Basic ${auth}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (err) {
      throw new AriError(0, `ARI is not reachable: ${(err as Error).message}`);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const message = (json as { message?: unknown } | undefined)?.message;
      throw new AriError(res.status, typeof message === 'string' ? message : `ARI answered ${res.status}`);
    }
    return json;
  }

  /** Creates a channel that continues in the dialplan once answered; resolves with its id. */
  async originate(req: AriOriginate): Promise<string> {
    const channel = (await this.rest(
      'POST',
      '/channels',
      {
        endpoint: req.endpoint,
        context: req.context,
        extension: req.extension,
        priority: req.priority ?? 1,
        callerId: req.callerId,
        timeout: req.timeoutSeconds,
        channelId: req.channelId,
        otherChannelId: req.otherChannelId,
      },
      { variables: req.variables ?? {} },
    )) as { id: string };
    return channel.id;
  }

  /** Hangs up any channel by id; false when there is no such channel (already gone). */
  async hangup(channelId: string, reason = 'normal'): Promise<boolean> {
    try {
      await this.rest('DELETE', `/channels/${encodeURIComponent(channelId)}`, { reason });
      return true;
    } catch (err) {
      if (err instanceof AriError && err.status === 404) return false;
      throw err;
    }
  }

  async listChannels(): Promise<AriChannel[]> {
    return (await this.rest('GET', '/channels')) as AriChannel[];
  }

  /** A channel variable or function (e.g. CHANNEL(linkedid)); undefined when the channel is gone or it is unset. */
  async getChannelVar(channelId: string, variable: string): Promise<string | undefined> {
    try {
      const r = (await this.rest('GET', `/channels/${encodeURIComponent(channelId)}/variable`, { variable })) as { value?: string };
      return r.value;
    } catch (err) {
      if (err instanceof AriError && err.status === 404) return undefined;
      throw err;
    }
  }

  async endpoints(): Promise<AriEndpoint[]> {
    if (!this.client) throw new Error('ARI is not connected');
    const list = await this.client.endpoints.list();
    return list.map((e) => ({ technology: e.technology, resource: e.resource, state: e.state, channels: e.channel_ids.length }));
  }
}
