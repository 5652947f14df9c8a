// AMI adapter: the only importer of asterisk-manager. Keeps one logged-in connection, reconnects
// with backoff, times out actions (the package holds them forever while disconnected) and emits
// typed events. Consumers re-subscribe on 'fullyBooted', which follows every (re)login.
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { Backoff } from '../lib/backoff.ts';
import type { Logger } from '../lib/log.ts';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const AsteriskManager = require('asterisk-manager') as (
  port?: number,
  host?: string,
  user?: string,
  secret?: string,
  events?: boolean,
) => RawManager;

interface RawManager {
  options: { port?: number; host: string; username: string; password: string; events: boolean };
  connect(port: number, host: string, cb: (err: unknown) => void): void;
  login(cb: (err: unknown) => void): void;
  action(fields: Record<string, string>, cb: (err: RawMessage | undefined, res: RawMessage) => void): string;
  disconnect(): void;
  isConnected(): boolean;
  on(event: string, fn: (...args: never[]) => void): void;
  removeAllListeners(): void;
}
type RawMessage = Record<string, string | string[] | Record<string, string>>;

export interface AmiEvent {
  event: string;
  [field: string]: unknown;
}

export interface AmiOptions {
  host: string;
  port: number;
  username: string;
  secret: string;
  logger: Logger;
}

export class AmiError extends Error {}

export class AmiClient extends EventEmitter {
  private readonly opts: AmiOptions;
  private manager: RawManager | undefined;
  private loggedIn = false;
  private bootPending: AmiEvent | undefined;
  private stopped = true;
  private timer: NodeJS.Timeout | undefined;
  private readonly backoff = new Backoff(250, 10_000);

  constructor(opts: AmiOptions) {
    super();
    this.opts = opts;
  }

  get connected(): boolean {
    return this.loggedIn && !!this.manager?.isConnected();
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.drop();
  }

  private drop(): void {
    const m = this.manager;
    this.manager = undefined;
    const was = this.loggedIn;
    this.loggedIn = false;
    this.bootPending = undefined;
    if (m) {
      m.removeAllListeners();
      m.on('error', () => {});
      m.disconnect();
    }
    if (was) this.emit('disconnected');
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.timer) return;
    const ms = this.backoff.next();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.connect();
    }, ms);
  }

  private connect(): void {
    if (this.stopped) return;
    this.drop();
    const { host, port, username, secret } = this.opts;
    const m = AsteriskManager(undefined, host, username, secret, true);
    m.options.port = port;
    this.manager = m;
    m.on('error', () => this.scheduleReconnect());
    m.on('close', () => {
      if (this.manager !== m) return;
      this.drop();
      this.scheduleReconnect();
    });
    m.on('managerevent', (e: RawMessage) => this.onEvent(e));
    m.connect(port, host, (err) => {
      if (err || this.manager !== m) return;
      m.login((loginErr) => {
        if (this.manager !== m) return;
        if (loginErr) {
          this.opts.logger.warn({ err: String((loginErr as RawMessage).message ?? loginErr) }, 'AMI login refused');
          this.drop();
          this.scheduleReconnect();
          return;
        }
        this.loggedIn = true;
        this.backoff.reset();
        this.emit('connected');
        const boot = this.bootPending;
        this.bootPending = undefined;
        if (boot) this.emit('fullyBooted', boot);
      });
    });
  }

  private onEvent(raw: RawMessage): void {
    const e = raw as unknown as AmiEvent;
    if (typeof e.event !== 'string') return;
    // Asterisk sends FullyBooted after every login once it has finished booting. It can
    // arrive before the login callback has run: hold it until we are logged in.
    if (e.event === 'FullyBooted') {
      if (this.loggedIn) this.emit('fullyBooted', e);
      else this.bootPending = e;
    }
    this.emit('event', e);
  }

  /** Runs one action; rejects with AmiError on an Error response, on timeout or without a connection. */
  action(fields: Record<string, string>, timeoutMs = 10_000): Promise<RawMessage> {
    const m = this.manager;
    if (!m || !this.connected) return Promise.reject(new AmiError('AMI is not connected'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new AmiError(`AMI action ${fields.action} timed out`)), timeoutMs);
      m.action(fields, (err, res) => {
        clearTimeout(timer);
        if (err) reject(new AmiError(String(err.message ?? 'AMI error')));
        else resolve(res);
      });
    });
  }

  /** Runs a CLI command and returns its output text. */
  async command(cli: string, timeoutMs = 15_000): Promise<string> {
    const res = await this.action({ action: 'Command', command: cli }, timeoutMs);
    const out = res.output ?? res.content ?? '';
    return Array.isArray(out) ? out.join('\n') : String(out);
  }

  /**
   * Runs an action that answers with a list of events (Response: Success, EventList: start,
   * then events carrying our ActionID, then `completeEvent`) and resolves with the events in
   * between. Rejects like action() on an Error response, a timeout or without a connection.
   */
  async actionList(fields: Record<string, string>, completeEvent: string, timeoutMs = 10_000): Promise<AmiEvent[]> {
    const actionid = `pbx-list-${randomUUID()}`;
    const events: AmiEvent[] = [];
    let listener: ((e: AmiEvent) => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    // Listening before the action is sent: the events may follow its response at once.
    const complete = new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => reject(new AmiError(`AMI action ${fields.action} did not complete its list in time`)), timeoutMs);
      listener = (e) => {
        if (e.actionid !== actionid) return;
        if (e.event === completeEvent) resolve();
        else events.push(e);
      };
      this.on('event', listener);
    });
    // Handled here too: a timeout while the action itself is still pending must not go unhandled.
    complete.catch(() => undefined);
    try {
      await this.action({ ...fields, actionid }, timeoutMs);
      await complete;
      return events;
    } finally {
      clearTimeout(timer);
      if (listener) this.off('event', listener);
    }
  }
}
