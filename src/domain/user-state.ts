// The runtime state of a user's extension that phones change with feature codes (DND, forward
// always, phone lock, call back) and the conventions the dialplan (pbx-lib-user.conf) and the
// supervisor (services/user-state-service.ts) share; the shapes of GET /extensions/:n/state and
// of the event stream's extension.state. Pure: no I/O.
//
// Runtime conventions:
//   - AstDB pbx-dnd/<ext> = 1 while in do-not-disturb (absent: off); pbx-cf/<ext> = the encoded
//     forward-always destination (absent: none). Both mirror the model (the supervisor writes them
//     after every apply); a feature code changes them at once and the supervisor stores the change.
//   - AstDB pbx-lock/<ext> = 1 while the phone is locked: runtime only, never in the model.
//   - AstDB pbx-callback/<caller> = the extension the caller wants to be called back by.
//   - AstDB pbx-lastcaller/<ext> (call return) and pbx-lastbusy/<ext> (call back), from pbx-lib-ext.
//   - Custom:pbx-dnd-<ext> is INUSE while <ext> is in do-not-disturb (its BLF hint).
//   - A feature code publishes UserEvent PbxUserState: Extension, Change (Dnd | Forward | Lock |
//     Callback), the header Change names with the new value (empty: cleared), By, Device.
import { z } from 'zod';
import { destinationSchema, extensionNumber, type Destination, type PbxConfig } from './model.ts';

export const USER_STATE_EVENT = 'PbxUserState';
export const DND_DB_FAMILY = 'pbx-dnd';
export const FORWARD_DB_FAMILY = 'pbx-cf';
export const LOCK_DB_FAMILY = 'pbx-lock';
export const CALLBACK_DB_FAMILY = 'pbx-callback';
export const LAST_CALLER_DB_FAMILY = 'pbx-lastcaller';
export const LAST_BUSY_DB_FAMILY = 'pbx-lastbusy';
/** The families of one extension's runtime state, cleared when the extension goes. */
export const EXTENSION_DB_FAMILIES = [DND_DB_FAMILY, FORWARD_DB_FAMILY, LOCK_DB_FAMILY, CALLBACK_DB_FAMILY, LAST_CALLER_DB_FAMILY, LAST_BUSY_DB_FAMILY] as const;

export const dndDevice = (extension: string) => `Custom:pbx-dnd-${extension}`;

/** A change a phone made, as the dialplan reports it (UserEvent PbxUserState). */
export type UserStateChange = { extension: string; by: string; device: string } & (
  | { change: 'dnd'; on: boolean }
  | { change: 'forward'; target: string }
  | { change: 'lock'; locked: boolean }
  | { change: 'callback'; target: string }
);

const str = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');

/**
 * The change a PbxUserState event reports, or undefined for any other event or a malformed one.
 * Field names come lowercased (the AMI adapter); a cleared value may arrive empty or absent.
 */
export function parseUserStateEvent(e: { event: string; [field: string]: unknown }): UserStateChange | undefined {
  if (e.event !== 'UserEvent' || str(e.userevent) !== USER_STATE_EVENT) return undefined;
  const extension = str(e.extension);
  if (!/^[0-9]{2,8}$/.test(extension)) return undefined;
  const base = { extension, by: str(e.by) || extension, device: str(e.device) };
  switch (str(e.change).toLowerCase()) {
    case 'dnd': {
      const v = str(e.dnd);
      return v === '1' || v === '0' ? { ...base, change: 'dnd', on: v === '1' } : undefined;
    }
    case 'lock': {
      const v = str(e.lock);
      return v === '1' || v === '0' ? { ...base, change: 'lock', locked: v === '1' } : undefined;
    }
    case 'forward': {
      const v = str(e.forward);
      return v === '' || /^(ext|num)\/[0-9]{1,30}$/.test(v) ? { ...base, change: 'forward', target: v } : undefined;
    }
    case 'callback': {
      const v = str(e.callback);
      return v === '' || /^[0-9]{2,8}$/.test(v) ? { ...base, change: 'callback', target: v } : undefined;
    }
    default:
      return undefined;
  }
}

/** Object kinds by the prefix of their encoded destination (render/call-handling.ts encodeDestination). */
const KIND_OF_PREFIX: Record<string, string> = {
  ivr: 'ivr',
  group: 'ringGroup',
  queue: 'queue',
  time: 'timeCondition',
  switch: 'switch',
  lookup: 'lookup',
  ann: 'announcement',
  disa: 'disa',
  conf: 'conference',
};

/** What an internal number reaches, as a destination (undefined: nothing that takes a forward). */
export function internalDestination(config: PbxConfig, number: string): Destination | undefined {
  if (config.extensions.some((e) => e.number === number)) return { extension: number };
  const rg = config.ringGroups.find((g) => g.number === number);
  if (rg) return { ringGroup: rg.name };
  const q = config.queues.find((x) => x.number === number);
  if (q) return { queue: q.name };
  const ivr = config.ivrs.find((x) => x.number === number);
  if (ivr) return { ivr: ivr.name };
  if (config.voicemailBoxes.some((b) => b.number === number)) return { voicemail: number, greeting: 'unavailable' };
  const conf = config.conferences.find((c) => c.number === number);
  if (conf) return { conference: conf.name };
  return undefined;
}

/**
 * An encoded destination (AstDB pbx-cf) as the model's destination. ext/<n> may be any internal
 * number (a phone typing a forward cannot tell an extension from a group): it becomes what that
 * number reaches. Undefined when it names nothing the model knows.
 */
export function decodeDestination(config: PbxConfig, encoded: string): Destination | undefined {
  const [kind = '', name = '', greeting] = encoded.split('/');
  let d: unknown;
  if (kind === 'hangup') d = { hangup: true };
  else if (kind === 'ext') return internalDestination(config, name);
  else if (kind === 'num') d = { external: name };
  else if (kind === 'vm') d = { voicemail: name, greeting: { u: 'unavailable', b: 'busy', s: 'none' }[greeting ?? 'u'] ?? 'unavailable' };
  else if (KIND_OF_PREFIX[kind]) d = { [KIND_OF_PREFIX[kind]]: name };
  const parsed = destinationSchema.safeParse(d);
  return parsed.success ? parsed.data : undefined;
}

/** AMI ExtensionState Status values. */
export const EXTENSION_IDLE = 0;
export const EXTENSION_NO_HINT = -1;

/**
 * What to do with a call-back request now: call once the target is idle (its hint) and not in
 * do-not-disturb and the caller is idle too; expire when it is too old or either extension has
 * no hint (no devices, gone); otherwise wait.
 */
export function callbackDecision(r: { targetState: number; callerState: number; targetDnd: boolean; ageMs: number; maxAgeMs: number }): 'call' | 'wait' | 'expire' {
  if (r.ageMs >= r.maxAgeMs) return 'expire';
  if (r.targetState === EXTENSION_NO_HINT || r.callerState === EXTENSION_NO_HINT) return 'expire';
  return r.targetState === EXTENSION_IDLE && r.callerState === EXTENSION_IDLE && !r.targetDnd ? 'call' : 'wait';
}

// ---- REST and event shapes --------------------------------------------------------------------

export const extensionStateSchema = z
  .object({
    extension: extensionNumber,
    dnd: z.boolean().describe('Do not disturb, as calls see it now'),
    forwardAlways: destinationSchema.nullable().describe('Where every call is forwarded now; null: not forwarded'),
    locked: z.boolean().describe('The phone is locked: its calls go through its locked class (emergency numbers always pass)'),
    callback: extensionNumber.nullable().describe('The extension it waits to be called back by when that one is free; null: none'),
    lastCaller: z.string().nullable().describe('Number of the last call that reached it (call return); null: none'),
    registeredDevices: z.array(z.string()).optional().describe('Its devices registered now'),
  })
  .strict();
export type ExtensionState = z.infer<typeof extensionStateSchema>;

export const EXTENSION_STATE_EVENT_TYPES = ['extension.state'] as const;
export const extensionStateEventSchema = z
  .object({
    id: z.string(),
    type: z.literal('extension.state'),
    at: z.string(),
    /** What changed. */
    change: z.enum(['dnd', 'forward', 'lock', 'callback']),
    /** Who changed it: the extension whose phone dialled the code, the API user, or "system" (a call back placed or expired). */
    by: z.string(),
    state: extensionStateSchema,
  })
  .strict();
export type ExtensionStateEvent = z.infer<typeof extensionStateEventSchema>;
