// The runtime state of users' extensions that phones change with feature codes: do-not-disturb
// and forward-always (model values mirrored in AstDB), the phone lock and call-back requests
// (runtime only). See src/domain/user-state.ts for the conventions.
//
// Direction of truth: the model holds dnd and forward.always. After every apply and when
// Asterisk starts, sync() writes them to AstDB (pbx-dnd, pbx-cf) and the DND BLF device states.
// A feature code changes AstDB at once (calls follow without waiting) and publishes UserEvent
// PbxUserState; this service stores the change in the model (audited, the phone as actor), and
// the apply that follows writes back the same value. A change the model refuses (a forward to a
// number the class may not dial) is put back in AstDB from the model.
//
// Call back (CCSS by our own means: Asterisk's generic CC agent does not survive the Gosub-based
// dialling): a request pbx-callback/<caller> = <target> is watched while it exists; once target
// and caller are both idle the caller's phones ring and, answered, dial the target (click-to-call),
// and the request is cleared. Requests expire (default 30 minutes).
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { NotFoundError, ValidationError } from '../domain/errors.ts';
import { asteriskGate, type AsteriskGate } from './asterisk-runtime.ts';
import type { Destination, Extension } from '../domain/model.ts';
import { dialDecision } from '../domain/dialing.ts';
import {
  CALLBACK_DB_FAMILY,
  DND_DB_FAMILY,
  EXTENSION_DB_FAMILIES,
  FORWARD_DB_FAMILY,
  LAST_CALLER_DB_FAMILY,
  LOCK_DB_FAMILY,
  callbackDecision,
  decodeDestination,
  dndDevice,
  parseUserStateEvent,
  type ExtensionState,
  type ExtensionStateEvent,
  type UserStateChange,
} from '../domain/user-state.ts';
import type { Actor, ConfigService } from './config-service.ts';

/** What the service needs of Asterisk (AsteriskControl, wired in main.ts). */
export interface UserStateRuntime {
  /** AMI logged in and Asterisk fully booted. */
  readonly ready: boolean;
  dbGet(family: string, key: string): Promise<string | undefined>;
  dbPut(family: string, key: string, value: string): Promise<void>;
  /** Removes a family and everything under it (family/key removes that one key). */
  dbDelTree(family: string): Promise<void>;
  setDeviceState(device: string, state: 'NOT_INUSE' | 'INUSE'): Promise<void>;
  registrations(): Promise<{ endpoint: string; status: string }[]>;
}

/** AMI events as the adapter delivers them (field names lowercased). */
export interface UserStateEventSource {
  on(event: 'event', fn: (e: { event: string; [field: string]: unknown }) => void): unknown;
  off?(event: 'event', fn: (e: { event: string; [field: string]: unknown }) => void): unknown;
}

export interface UserStateServiceDeps {
  config: ConfigService;
  runtime: UserStateRuntime;
  /** AMI events: UserEvent PbxUserState from the feature codes. */
  events: UserStateEventSource;
  /** AMI ExtensionState of exten@context: -1 no hint, 0 idle, 1 in use, 2 busy, 4 unavailable, 8 ringing, 16 on hold. */
  extensionState(exten: string, context: string): Promise<number>;
  /** Encodes a destination as the dialplan takes it (render/call-handling.ts encodeDestination). */
  encode(d: Destination | undefined): string;
  /** Rings the caller's phones and, answered, dials the target (CallControl.clickToCall). */
  callBack(caller: string, target: string): Promise<unknown>;
  /** Problems of the background work (never thrown). */
  onError?: (err: unknown, what: string) => void;
  /** Noteworthy things done in the background (a call back placed, a forward refused). */
  onInfo?: (what: string, fields: Record<string, unknown>) => void;
  /** How long a call-back request lives (default 30 minutes). */
  callbackExpiryMs?: number;
  /** How often pending call-back requests look at the two extensions (default 2 s). */
  callbackPollMs?: number;
  now?: () => number;
}

/** The context of the extension hints (BLF and queue state interfaces use it too). */
const HINT_CONTEXT = 'pbx-internal';
/** A contact whose qualify failed cannot ring (as click-to-call counts them). */
const UNREACHABLE_CONTACT = /^(Unavail|Unreachable)$/i;

interface Written {
  dnd: boolean;
  forward: string;
}

export class UserStateService extends EventEmitter {
  private readonly deps: UserStateServiceDeps;
  /** Background work (syncs, events, call backs) runs one step at a time, in order. */
  private queue: Promise<unknown> = Promise.resolve();
  /** What AstDB holds for each extension as last written from the model; cleared when Asterisk (re)starts. */
  private readonly written = new Map<string, Written>();
  /** Pending call-back requests: caller → target, since when. */
  private readonly callbacks = new Map<string, { target: string; since: number }>();
  private timer: NodeJS.Timeout | undefined;
  private readonly listener: (e: { event: string; [field: string]: unknown }) => void;
  private stopped = false;
  private readonly asterisk: AsteriskGate;

  constructor(deps: UserStateServiceDeps) {
    super();
    this.deps = deps;
    this.asterisk = asteriskGate(deps.runtime, 'the state of extensions lives there');
    this.listener = (e) => {
      const change = parseUserStateEvent(e);
      if (change) void this.enqueue(() => this.onPhoneChange(change), `the change of extension ${change.extension}`);
    };
    deps.events.on('event', this.listener);
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  private enqueue(fn: () => Promise<void>, what: string): Promise<void> {
    const run = this.queue.then(fn).catch((err: unknown) => this.deps.onError?.(err, what));
    this.queue = run;
    return run;
  }

  private extension(number: string): Extension {
    const e = this.deps.config.get().extensions.find((x) => x.number === number);
    if (!e) throw new NotFoundError(`extension ${number} does not exist`);
    return e;
  }

  // ---- model → AstDB -----------------------------------------------------------------------------

  /**
   * Asterisk (re)started: AstDB and device states are written again in full from the model, and
   * call-back requests stored there are watched again.
   */
  start(): Promise<void> {
    return this.enqueue(async () => {
      this.written.clear();
      await this.syncNow();
      await this.loadCallbacks();
    }, 'the start of the user state');
  }

  /** After an apply: brings AstDB in line with the model for what changed since the last sync. */
  sync(): Promise<void> {
    return this.enqueue(() => this.syncNow(), 'the user state sync');
  }

  private async syncNow(): Promise<void> {
    if (!this.deps.runtime.ready) return;
    const config = this.deps.config.get();
    const present = new Set<string>();
    for (const e of config.extensions) {
      present.add(e.number);
      const want: Written = { dnd: e.dnd, forward: this.deps.encode(e.forward.always) };
      const had = this.written.get(e.number);
      if (had && had.dnd === want.dnd && had.forward === want.forward) continue;
      try {
        await this.write(e.number, want);
        this.written.set(e.number, want);
      } catch (err) {
        this.deps.onError?.(err, `user state of extension ${e.number}`);
      }
    }
    for (const number of [...this.written.keys()]) {
      if (present.has(number)) continue;
      // The extension is gone: a new one with its number must not inherit its lock or requests.
      try {
        for (const family of EXTENSION_DB_FAMILIES) await this.deps.runtime.dbDelTree(`${family}/${number}`);
        await this.deps.runtime.setDeviceState(dndDevice(number), 'NOT_INUSE');
        this.written.delete(number);
        this.callbacks.delete(number);
      } catch (err) {
        this.deps.onError?.(err, `user state of removed extension ${number}`);
      }
    }
  }

  private async write(number: string, w: Written): Promise<void> {
    const { runtime } = this.deps;
    if (w.dnd) await runtime.dbPut(DND_DB_FAMILY, number, '1');
    else await runtime.dbDelTree(`${DND_DB_FAMILY}/${number}`);
    if (w.forward) await runtime.dbPut(FORWARD_DB_FAMILY, number, w.forward);
    else await runtime.dbDelTree(`${FORWARD_DB_FAMILY}/${number}`);
    await runtime.setDeviceState(dndDevice(number), w.dnd ? 'INUSE' : 'NOT_INUSE');
  }

  /** Puts one extension's model values back in AstDB (a change from the phone was refused). */
  private async restore(number: string): Promise<void> {
    const e = this.deps.config.get().extensions.find((x) => x.number === number);
    if (!e) return;
    const want: Written = { dnd: e.dnd, forward: this.deps.encode(e.forward.always) };
    await this.write(number, want);
    this.written.set(number, want);
  }

  // ---- phone → model ------------------------------------------------------------------------------

  private async onPhoneChange(c: UserStateChange): Promise<void> {
    const config = this.deps.config.get();
    const ext = config.extensions.find((e) => e.number === c.extension);
    if (!ext) return;
    const actor: Actor = { name: `extension ${c.extension}`, source: `phone ${c.device || c.extension} (feature code)` };
    const target = { type: 'extension', key: c.extension };
    switch (c.change) {
      case 'dnd':
        await this.store(c, actor, 'extensions.dnd', (e) => {
          e.dnd = c.on;
        });
        break;
      case 'forward': {
        let always: Destination | undefined;
        if (c.target) {
          always = decodeDestination(config, c.target);
          const refusal = !always
            ? `${c.target} reaches nothing that takes a call`
            : 'external' in always && dialDecision(config, c.extension, always.external).kind === 'refused'
              ? `its class may not dial ${always.external}`
              : undefined;
          if (refusal) {
            this.deps.onInfo?.('forward from the phone refused', { extension: c.extension, target: c.target, reason: refusal });
            await this.restore(c.extension);
            break;
          }
        }
        await this.store(c, actor, 'extensions.forward', (e) => {
          if (always) e.forward.always = always;
          else delete e.forward.always;
        });
        break;
      }
      case 'lock':
        this.deps.config.record(actor, 'extensions.lock', target, c.locked ? 'phone locked' : 'phone unlocked');
        break;
      case 'callback':
        if (c.target) this.callbacks.set(c.extension, { target: c.target, since: this.now() });
        else this.callbacks.delete(c.extension);
        this.schedule();
        break;
    }
    await this.publish(c.extension, c.change, c.by);
  }

  /** Stores a phone's change in the model; when the model refuses it, AstDB gets the model's value back. */
  private async store(c: UserStateChange, actor: Actor, action: string, edit: (e: Extension) => void): Promise<void> {
    try {
      await this.deps.config.mutate(
        actor,
        { action, type: 'extension', key: c.extension },
        (draft) => {
          const e = draft.extensions.find((x) => x.number === c.extension);
          if (e) edit(e);
        },
        { wait: false },
      );
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      this.deps.onInfo?.('change from the phone refused', { extension: c.extension, change: c.change, reason: err.fields.map((f) => f.message).join('; ') || err.message });
      await this.restore(c.extension);
    }
  }

  private async publish(extension: string, change: ExtensionStateEvent['change'], by: string): Promise<void> {
    if (this.listenerCount('event') === 0) return;
    try {
      const state = await this.read(this.extension(extension), false);
      const event: ExtensionStateEvent = { id: randomUUID(), type: 'extension.state', at: new Date(this.now()).toISOString(), change, by, state };
      this.emit('event', event);
    } catch (err) {
      this.deps.onError?.(err, `the state event of extension ${extension}`);
    }
  }

  // ---- API ------------------------------------------------------------------------------------------

  /** The extension's state as calls see it now (404 unknown extension, 503 without Asterisk). */
  async state(number: string): Promise<ExtensionState> {
    const ext = this.extension(number);
    this.asterisk.require();
    return this.asterisk.call('read the state of the extension', () => this.read(ext, true));
  }

  private async read(ext: Extension, withDevices: boolean): Promise<ExtensionState> {
    const { runtime } = this.deps;
    const get = (family: string) => runtime.dbGet(family, ext.number);
    const dnd = await get(DND_DB_FAMILY);
    const forward = await get(FORWARD_DB_FAMILY);
    const lock = await get(LOCK_DB_FAMILY);
    const callback = await get(CALLBACK_DB_FAMILY);
    const lastCaller = await get(LAST_CALLER_DB_FAMILY);
    const out: ExtensionState = {
      extension: ext.number,
      dnd: dnd === '1',
      forwardAlways: forward ? (decodeDestination(this.deps.config.get(), forward) ?? null) : null,
      locked: lock === '1',
      callback: callback && /^[0-9]{2,8}$/.test(callback) ? callback : null,
      lastCaller: lastCaller || null,
    };
    if (withDevices) {
      const contacts = await runtime.registrations();
      const mine = new Set(ext.devices.map((d) => d.username));
      out.registeredDevices = [...new Set(contacts.filter((c) => mine.has(c.endpoint) && !UNREACHABLE_CONTACT.test(c.status)).map((c) => c.endpoint))];
    }
    return out;
  }

  /**
   * Locks or unlocks the extension's phone, as the lock codes do (an administrator unlocks a
   * phone whose user forgot the PIN); audited. 404 unknown extension, 503 without Asterisk.
   */
  async setLock(number: string, locked: boolean, actor: Actor): Promise<ExtensionState> {
    const ext = this.extension(number);
    this.asterisk.require();
    const { runtime } = this.deps;
    const before = (await this.asterisk.call('read the lock', () => runtime.dbGet(LOCK_DB_FAMILY, number))) === '1';
    await this.asterisk.call('store the lock', () => (locked ? runtime.dbPut(LOCK_DB_FAMILY, number, '1') : runtime.dbDelTree(`${LOCK_DB_FAMILY}/${number}`)));
    if (before !== locked) {
      this.deps.config.record(actor, 'extensions.lock', { type: 'extension', key: number }, locked ? 'phone locked' : 'phone unlocked', [
        { object: 'extension', key: number, change: 'changed', before: { locked: before }, after: { locked } },
      ]);
      await this.publish(number, 'lock', actor.name);
    }
    return this.asterisk.call('read the state of the extension', () => this.read(ext, true));
  }

  // ---- call back --------------------------------------------------------------------------------------

  private async loadCallbacks(): Promise<void> {
    for (const e of this.deps.config.get().extensions) {
      try {
        const target = await this.deps.runtime.dbGet(CALLBACK_DB_FAMILY, e.number);
        if (target && /^[0-9]{2,8}$/.test(target)) {
          if (!this.callbacks.has(e.number)) this.callbacks.set(e.number, { target, since: this.now() });
        } else this.callbacks.delete(e.number);
      } catch (err) {
        this.deps.onError?.(err, `the call-back request of extension ${e.number}`);
      }
    }
    this.schedule();
  }

  /** Pending requests are looked at every poll interval; no timer runs without any. */
  private schedule(): void {
    if (this.stopped || this.timer || this.callbacks.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.enqueue(() => this.checkCallbacks(), 'the call-back requests').then(() => this.schedule());
    }, this.deps.callbackPollMs ?? 2000);
    this.timer.unref();
  }

  private async checkCallbacks(): Promise<void> {
    if (!this.deps.runtime.ready) return;
    const maxAgeMs = this.deps.callbackExpiryMs ?? 30 * 60_000;
    const { runtime } = this.deps;
    for (const [caller, req] of [...this.callbacks]) {
      const decision = callbackDecision({
        targetState: await this.deps.extensionState(req.target, HINT_CONTEXT),
        callerState: await this.deps.extensionState(caller, HINT_CONTEXT),
        targetDnd: (await runtime.dbGet(DND_DB_FAMILY, req.target)) === '1',
        ageMs: this.now() - req.since,
        maxAgeMs,
      });
      if (decision === 'wait') continue;
      // The request ends either way: a call back rings once (unanswered, the user asks again).
      this.callbacks.delete(caller);
      await runtime.dbDelTree(`${CALLBACK_DB_FAMILY}/${caller}`);
      if (decision === 'call') {
        try {
          await this.deps.callBack(caller, req.target);
          this.deps.onInfo?.('call back placed', { caller, target: req.target });
        } catch (err) {
          this.deps.onError?.(err, `the call back of ${caller} to ${req.target}`);
        }
      } else this.deps.onInfo?.('call-back request expired', { caller, target: req.target });
      await this.publish(caller, 'callback', 'system');
    }
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.deps.events.off?.('event', this.listener);
  }
}
