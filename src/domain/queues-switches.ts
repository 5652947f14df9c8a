// Switches and queues at run time: the conventions the dialplan and the supervisor share, the
// shapes of GET/PUT /switches/:key/state and GET /queues/:key/status, and the live events
// (queue.*, switch.changed) of the API event stream. One schema each: it validates what the
// tracker emits in tests and documents the payload in the OpenAPI document.
//
// Runtime conventions (pbx-lib.conf and queues.conf follow them too):
//   - a switch's current state is the AstDB entry pbx-switch/<name> (a state's name); absent or
//     not one of its states: the first state;
//   - Custom:pbx-switch-<name> is NOT_INUSE in the first state, INUSE otherwise (BLF keys watch it);
//   - a change publishes UserEvent PbxSwitch with Switch, State and By headers;
//   - queue <name> is the queues.conf section pbx-queue-<name>; a member's interface is
//     Local/<extension>@pbx-agent/n, its member name the extension, its state interface
//     hint:<extension>@pbx-internal.
import { z } from 'zod';
import { extensionNumber, identifier, type Switch } from './model.ts';

export const SWITCH_DB_FAMILY = 'pbx-switch';
export const SWITCH_USER_EVENT = 'PbxSwitch';
export const QUEUE_SECTION_PREFIX = 'pbx-queue-';

export const switchDevice = (name: string) => `Custom:pbx-switch-${name}`;
export const queueSection = (name: string) => `${QUEUE_SECTION_PREFIX}${name}`;
export const agentInterface = (extension: string) => `Local/${extension}@pbx-agent/n`;
export const agentStateInterface = (extension: string) => `hint:${extension}@pbx-internal`;

/** The state a switch is in, given what AstDB holds: an unknown or missing value means the first state. */
export function currentSwitchState(sw: Pick<Switch, 'states'>, stored: string | undefined): string {
  const first = sw.states[0]!.name;
  return stored !== undefined && sw.states.some((s) => s.name === stored) ? stored : first;
}

/** The custom device state that shows a switch's state on BLF keys: off in the first (normal) state. */
export function switchDeviceState(sw: Pick<Switch, 'states'>, state: string): 'NOT_INUSE' | 'INUSE' {
  return sw.states[0]!.name === state ? 'NOT_INUSE' : 'INUSE';
}

// ---- REST shapes --------------------------------------------------------------------------------

export const switchStatusSchema = z
  .object({
    switch: identifier,
    state: identifier.describe('The current state (the first one when none was ever set)'),
    states: z.array(identifier).describe('Every state, the normal one first'),
  })
  .strict();

export const switchStateRequestSchema = z.object({ state: z.string().min(1).max(64).describe('Name of one of the switch\'s states') }).strict();

export const queueCallerSchema = z
  .object({
    position: z.number().int().min(1),
    callerNumber: z.string(),
    callerName: z.string().optional(),
    waitSeconds: z.number().int().min(0),
  })
  .strict();

export const queueMemberStatusSchema = z
  .object({
    extension: extensionNumber,
    /** The extension's name. */
    name: z.string().optional(),
    /** Logs in and out with the agent codes (or the API); static members are always in the queue. */
    dynamic: z.boolean(),
    loggedIn: z.boolean().describe('In the queue in Asterisk now (static members: once the queue runs)'),
    paused: z.boolean(),
    inCall: z.boolean().describe('On a call (from this queue or any other)'),
    callsTaken: z.number().int().min(0).describe('Queue calls answered since the member joined or Asterisk started'),
    lastCallAt: z.string().nullable().describe('End of the last queue call answered (ISO 8601), null if none'),
  })
  .strict();

export const queueStatusSchema = z
  .object({
    queue: identifier,
    callers: z.array(queueCallerSchema).describe('Callers waiting, in order'),
    members: z.array(queueMemberStatusSchema).describe('Static members, then dynamic ones, as the model lists them'),
  })
  .strict();

export const QUEUE_MEMBER_ACTIONS = ['login', 'logout', 'pause', 'unpause'] as const;

// ---- live events --------------------------------------------------------------------------------

export const QUEUE_EVENT_TYPES = [
  'queue.caller.joined',
  'queue.caller.left',
  'queue.member.changed',
  'queue.agent.connected',
  'queue.agent.completed',
] as const;
export const SWITCH_EVENT_TYPES = ['switch.changed'] as const;

/** Why a caller left a queue. `full`, `empty` and `unavailable` callers never waited (or were sent away). */
export const QUEUE_LEAVE_REASONS = ['answered', 'abandoned', 'timeout', 'full', 'empty', 'unavailable', 'other'] as const;

const base = {
  /** Unique id of this event. */
  id: z.string(),
  /** When it happened (ISO 8601). */
  at: z.string(),
  queue: identifier,
};
const caller = {
  /** The call (Asterisk's linkedid), as in call events. */
  callId: z.string(),
  /** The caller's channel in the queue (Asterisk's uniqueid). */
  uniqueId: z.string(),
  callerNumber: z.string(),
  callerName: z.string().optional(),
};

export const queueCallerJoinedSchema = z
  .object({ ...base, type: z.literal('queue.caller.joined'), ...caller, position: z.number().int().min(1), count: z.number().int().min(0) })
  .strict();
export const queueCallerLeftSchema = z
  .object({
    ...base,
    type: z.literal('queue.caller.left'),
    ...caller,
    reason: z.enum(QUEUE_LEAVE_REASONS),
    /** Callers still waiting after this one left; absent for callers who never joined. */
    count: z.number().int().min(0).optional(),
    waitSeconds: z.number().int().min(0),
  })
  .strict();
export const queueMemberChangedSchema = z
  .object({
    ...base,
    type: z.literal('queue.member.changed'),
    extension: z.string(),
    /** login/logout: a dynamic member joined or left; pause/unpause; status: its phone's state changed. */
    change: z.enum(['login', 'logout', 'pause', 'unpause', 'status']),
    dynamic: z.boolean(),
    loggedIn: z.boolean(),
    paused: z.boolean(),
    inCall: z.boolean(),
    pausedReason: z.string().optional(),
  })
  .strict();
export const queueAgentConnectedSchema = z
  .object({
    ...base,
    type: z.literal('queue.agent.connected'),
    ...caller,
    extension: z.string(),
    waitSeconds: z.number().int().min(0),
    ringSeconds: z.number().int().min(0),
  })
  .strict();
export const queueAgentCompletedSchema = z
  .object({
    ...base,
    type: z.literal('queue.agent.completed'),
    ...caller,
    extension: z.string(),
    talkSeconds: z.number().int().min(0),
    /** Who hung up (transfer: the agent transferred the caller). */
    endedBy: z.enum(['caller', 'agent', 'transfer', 'other']),
  })
  .strict();
export const switchChangedSchema = z
  .object({
    id: z.string(),
    type: z.literal('switch.changed'),
    at: z.string(),
    switch: identifier,
    state: z.string(),
    /** Who changed it: the extension that dialled the code, or the user (API) or "root" (pbxctl). */
    by: z.string(),
  })
  .strict();

export const queueEventSchema = z.discriminatedUnion('type', [
  queueCallerJoinedSchema,
  queueCallerLeftSchema,
  queueMemberChangedSchema,
  queueAgentConnectedSchema,
  queueAgentCompletedSchema,
]);
export const liveEventSchema = z.discriminatedUnion('type', [
  queueCallerJoinedSchema,
  queueCallerLeftSchema,
  queueMemberChangedSchema,
  queueAgentConnectedSchema,
  queueAgentCompletedSchema,
  switchChangedSchema,
]);

export type SwitchStatus = z.infer<typeof switchStatusSchema>;
export type QueueStatus = z.infer<typeof queueStatusSchema>;
export type QueueMemberStatus = z.infer<typeof queueMemberStatusSchema>;
export type QueueMemberAction = (typeof QUEUE_MEMBER_ACTIONS)[number];
export type QueueLeaveReason = (typeof QUEUE_LEAVE_REASONS)[number];
export type QueueEvent = z.infer<typeof queueEventSchema>;
export type SwitchChangedEvent = z.infer<typeof switchChangedSchema>;
/** What the tracker emits: queue events and switch changes. */
export type LiveEvent = z.infer<typeof liveEventSchema>;
