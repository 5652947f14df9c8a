// Manual switches (night service, holidays) at run time: read and change the current state.
// The state lives in Asterisk (AstDB pbx-switch/<name>), not in the model, because phones change
// it too (the switch's feature code runs in the dialplan). A change made here does what the
// dialplan does: AstDB, the BLF device state, and UserEvent PbxSwitch, from which the event
// stream's switch.changed comes for both. Changes are audited (not revertible: not configuration).
import { NotFoundError, ValidationError } from '../domain/errors.ts';
import { asteriskGate, type AsteriskGate } from './asterisk-runtime.ts';
import type { Switch } from '../domain/model.ts';
import {
  SWITCH_DB_FAMILY,
  SWITCH_USER_EVENT,
  currentSwitchState,
  switchDevice,
  switchDeviceState,
  switchStateRequestSchema,
  type SwitchStatus,
} from '../domain/queues-switches.ts';
import type { Actor, ConfigService } from './config-service.ts';

/** AstDB family of the PINs the dialplan checks (see syncPins). */
export const PIN_DB_FAMILY = 'pbx-pin';
import { zodError } from './auth-service.ts';
import { conferencePinEntries } from './conference-service.ts';

/** What switches need of Asterisk (AsteriskControl, wired in main.ts). */
export interface SwitchRuntime {
  /** AMI logged in and Asterisk fully booted. */
  readonly ready: boolean;
  dbGet(family: string, key: string): Promise<string | undefined>;
  dbPut(family: string, key: string, value: string): Promise<void>;
  dbDelTree(family: string): Promise<void>;
  setDeviceState(device: string, state: 'NOT_INUSE' | 'INUSE'): Promise<void>;
  userEvent(name: string, headers: Record<string, string>): Promise<void>;
}

export interface SwitchServiceDeps {
  config: ConfigService;
  runtime: SwitchRuntime;
  /** Problems of the background sync (never thrown). */
  onError?: (err: unknown, what: string) => void;
}

export class SwitchService {
  private readonly deps: SwitchServiceDeps;
  /** Changes run one at a time, so the audited "from" state is the one actually replaced. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly asterisk: AsteriskGate;

  constructor(deps: SwitchServiceDeps) {
    this.deps = deps;
    this.asterisk = asteriskGate(deps.runtime, 'the state of switches lives there');
  }

  private find(name: string): Switch {
    const sw = this.deps.config.get().switches.find((s) => s.name === name);
    if (!sw) throw new NotFoundError(`switch ${name} does not exist`);
    return sw;
  }

  private async read(sw: Switch): Promise<string> {
    const stored = await this.asterisk.call('read the switch state', () => this.deps.runtime.dbGet(SWITCH_DB_FAMILY, sw.name));
    return currentSwitchState(sw, stored);
  }

  /** The switch's current state and its states (404 for an unknown switch, 503 without Asterisk). */
  async status(name: string): Promise<SwitchStatus> {
    const sw = this.find(name);
    this.asterisk.require();
    return { switch: sw.name, state: await this.read(sw), states: sw.states.map((s) => s.name) };
  }

  /**
   * Puts the switch in `state` (the body's state, validated here so errors name the field):
   * 404 unknown switch, 400 unknown state, 503 without Asterisk. Setting the current state
   * again re-asserts it in Asterisk but is neither audited nor published.
   */
  setState(name: string, input: unknown, actor: Actor): Promise<SwitchStatus> {
    const run = this.queue.then(() => this.change(name, input, actor));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async change(name: string, input: unknown, actor: Actor): Promise<SwitchStatus> {
    const parsed = switchStateRequestSchema.safeParse(typeof input === 'string' ? { state: input } : input);
    if (!parsed.success) throw zodError(parsed.error, 'invalid switch state');
    const sw = this.find(name);
    const states = sw.states.map((s) => s.name);
    const state = parsed.data.state;
    if (!states.includes(state)) throw new ValidationError(`switch ${name} has no state ${state}`, [{ path: ['state'], message: `one of: ${states.join(', ')}` }]);
    this.asterisk.require();
    const before = await this.read(sw);
    const { runtime } = this.deps;
    await this.asterisk.call('store the switch state', () => runtime.dbPut(SWITCH_DB_FAMILY, sw.name, state));
    await this.asterisk.call('set the switch BLF state', () => runtime.setDeviceState(switchDevice(sw.name), switchDeviceState(sw, state)));
    if (before !== state) {
      this.deps.config.record(actor, 'switches.state', { type: 'switch', key: sw.name }, `state ${before} → ${state}`, [
        { object: 'switch', key: sw.name, change: 'changed', before: { state: before }, after: { state } },
      ]);
      // The state has changed by now: a lost event is reported, not an error of the request.
      await runtime.userEvent(SWITCH_USER_EVENT, { Switch: sw.name, State: state, By: actor.name }).catch((err: unknown) => this.deps.onError?.(err, `switch ${sw.name} event`));
    }
    return { switch: sw.name, state, states };
  }

  /**
   * Brings every switch's BLF device state in line with its stored state: after Asterisk
   * (re)starts and after the model changes (a new switch, states reordered). Never throws.
   */
  /**
   * The PINs of switch codes, DISA and extensions, as AstDB keys pbx-pin/<switch|disa|ext>-<name>/<pin>:
   * Authenticate's d option checks the typed digits against them, so a PIN never appears in
   * the dialplan, in its Gosub arguments or in Asterisk's verbose log. Rewritten after every
   * apply; while it runs a PIN check fails (closed), never opens.
   */
  private async syncPins(): Promise<void> {
    const config = this.deps.config.get();
    try {
      await this.deps.runtime.dbDelTree(PIN_DB_FAMILY);
      for (const sw of config.switches) if (sw.pin !== undefined) await this.deps.runtime.dbPut(`${PIN_DB_FAMILY}/switch-${sw.name}`, sw.pin, '1');
      for (const d of config.disa) await this.deps.runtime.dbPut(`${PIN_DB_FAMILY}/disa-${d.name}`, d.pin, '1');
      // The user PIN: unlocking the phone (pbx-lib-lock in pbx-lib-user.conf).
      for (const e of config.extensions) if (e.pin !== undefined) await this.deps.runtime.dbPut(`${PIN_DB_FAMILY}/ext-${e.number}`, e.pin, '1');
      // Conference rooms: pbx-pin/conf-<room>/<PIN> = admin | user (pbx-lib-conference).
      for (const c of config.conferences) for (const p of conferencePinEntries(c)) await this.deps.runtime.dbPut(p.family, p.key, p.value);
    } catch (err) {
      this.deps.onError?.(err, 'PINs');
    }
  }

  /** After an apply and at Asterisk's start: BLF states of switches and the PINs (syncPins). */
  syncDeviceStates(): Promise<void> {
    // In line with changes: a sync reading the old state must not overwrite a newer BLF state.
    const run = this.queue.then(() => this.sync());
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async sync(): Promise<void> {
    if (!this.deps.runtime.ready) return;
    await this.syncPins();
    for (const sw of this.deps.config.get().switches) {
      try {
        const state = await this.read(sw);
        await this.deps.runtime.setDeviceState(switchDevice(sw.name), switchDeviceState(sw, state));
      } catch (err) {
        this.deps.onError?.(err, `switch ${sw.name}`);
      }
    }
  }
}
