// Conference rooms at run time: who is in a room (moderator or participant, muted, since when)
// and what a supervisor does to it: mute, unmute or remove a participant, lock or unlock the
// room. A room runs in Asterisk only while someone is in it (the ConfBridge conference named
// after the room, see pbx-lib-conference.conf); the model says which rooms exist. Actions are
// audited (they are not configuration: nothing to revert).
import { z } from 'zod';
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors.ts';
import { asteriskGate, type AsteriskGate } from './asterisk-runtime.ts';
import type { Conference } from '../domain/model.ts';
import type { Actor, ConfigService } from './config-service.ts';

/** AstDB family of the PINs (also switch-service.ts's PIN_DB_FAMILY). */
const PIN_FAMILY = 'pbx-pin';
/** Channel variable pbx-lib-conference sets when the caller joins (epoch seconds). */
export const CONFERENCE_JOINED_VARIABLE = 'PBX_CONF_JOINED';

/**
 * The AstDB entries pbx-lib-conference checks a PIN against (Authenticate d): the key is the
 * PIN, the value the role it gives. A room with only a moderator PIN also gets the empty key
 * (family pbx-pin, key conf-<room>/, i.e. pbx-pin/conf-<room>/ + ''): an empty entry joins as a
 * participant. No entry at all when the room has no PIN (nobody is asked).
 */
export function conferencePinEntries(c: Pick<Conference, 'name' | 'pin' | 'adminPin'>): { family: string; key: string; value: 'admin' | 'user' }[] {
  const family = `${PIN_FAMILY}/conf-${c.name}`;
  const out: { family: string; key: string; value: 'admin' | 'user' }[] = [];
  if (c.pin !== undefined) out.push({ family, key: c.pin, value: 'user' });
  if (c.adminPin !== undefined) out.push({ family, key: c.adminPin, value: 'admin' });
  if (c.pin === undefined && c.adminPin !== undefined) out.push({ family: PIN_FAMILY, key: `conf-${c.name}/`, value: 'user' });
  return out;
}

/**
 * A channel name as the API takes it (URL-encoded in the path): what Asterisk names channels
 * (PJSIP/201-0000002a, Local/201@ctx-00000001;1), nothing that could end an AMI header.
 */
export const conferenceChannelSchema = z
  .string()
  .min(3)
  .max(200)
  .regex(/^[A-Za-z][A-Za-z0-9_-]*\/[A-Za-z0-9_.@;:+#*-]+$/, 'a channel name such as PJSIP/201-0000002a');

export const conferenceParticipantSchema = z
  .object({
    channel: z.string().describe('Asterisk channel name (URL-encode it in the participant paths)'),
    callerNumber: z.string(),
    callerName: z.string().optional(),
    moderator: z.boolean().describe('Joined with the moderator PIN or as the owner'),
    muted: z.boolean(),
    joinedAt: z.string().nullable().describe('When the participant joined; null when Asterisk does not know'),
  })
  .strict();

export const conferenceParticipantsSchema = z
  .object({ conference: z.string(), items: z.array(conferenceParticipantSchema) })
  .strict();

export const conferenceStatusSchema = z
  .object({
    conference: z.string(),
    active: z.boolean().describe('Someone is in the room (a room runs only then)'),
    locked: z.boolean().describe('Nobody but moderators may join'),
    count: z.number().int().describe('Participants in the room'),
  })
  .strict();

export type ConferenceParticipant = z.infer<typeof conferenceParticipantSchema>;
export type ConferenceParticipants = z.infer<typeof conferenceParticipantsSchema>;
export type ConferenceStatus = z.infer<typeof conferenceStatusSchema>;
export const CONFERENCE_PARTICIPANT_ACTIONS = ['mute', 'unmute', 'kick'] as const;
export type ConferenceParticipantAction = (typeof CONFERENCE_PARTICIPANT_ACTIONS)[number];

/** A participant as Asterisk reports it (AsteriskControl.confbridgeList). */
export interface RuntimeConferenceParticipant {
  channel: string;
  callerNumber: string;
  callerName: string;
  admin: boolean;
  muted: boolean;
}

/** What conferences need of Asterisk (AsteriskControl, wired in main.ts). */
export interface ConferenceRuntime {
  readonly ready: boolean;
  confbridgeList(conference: string): Promise<RuntimeConferenceParticipant[]>;
  confbridgeRooms(): Promise<{ conference: string; parties: number; locked: boolean }[]>;
  confbridgeMute(conference: string, channel: string, muted: boolean): Promise<'done' | 'absent'>;
  confbridgeKick(conference: string, channel: string): Promise<'done' | 'absent'>;
  confbridgeLock(conference: string, locked: boolean): Promise<'done' | 'absent'>;
  channelVariable(channel: string, variable: string): Promise<string | undefined>;
  hangupChannel(channel: string): Promise<'done' | 'absent'>;
}

/** How long a kicked participant may take to leave before its call is hung up (see participantAction). */
const KICK_SETTLE_MS = 2000;

const PAST: Record<ConferenceParticipantAction | 'lock' | 'unlock', string> = { mute: 'muted', unmute: 'unmuted', kick: 'removed', lock: 'locked', unlock: 'unlocked' };

export class ConferenceService {
  private readonly config: ConfigService;
  private readonly runtime: ConferenceRuntime;
  private readonly asterisk: AsteriskGate;

  constructor(deps: { config: ConfigService; runtime: ConferenceRuntime }) {
    this.config = deps.config;
    this.runtime = deps.runtime;
    this.asterisk = asteriskGate(deps.runtime, 'conferences run there');
  }

  private find(name: string): Conference {
    const c = this.config.get().conferences.find((x) => x.name === name);
    if (!c) throw new NotFoundError(`conference ${name} does not exist`);
    return c;
  }

  /** Who is in the room now, in the order Asterisk lists them (404 unknown room, 503 without Asterisk). */
  async participants(name: string): Promise<ConferenceParticipants> {
    const c = this.find(name);
    this.asterisk.require();
    const live = await this.asterisk.call('list the participants', () => this.runtime.confbridgeList(c.name));
    const items = await Promise.all(
      live.map(async (p): Promise<ConferenceParticipant> => {
        const joined = await this.runtime.channelVariable(p.channel, CONFERENCE_JOINED_VARIABLE).catch(() => undefined);
        const epoch = joined !== undefined && /^[0-9]{1,12}$/.test(joined) ? Number(joined) : undefined;
        return {
          channel: p.channel,
          callerNumber: p.callerNumber,
          ...(p.callerName && p.callerName !== p.callerNumber ? { callerName: p.callerName } : {}),
          moderator: p.admin,
          muted: p.muted,
          joinedAt: epoch !== undefined ? new Date(epoch * 1000).toISOString() : null,
        };
      }),
    );
    return { conference: c.name, items };
  }

  /** Whether the room runs, is locked, and how many are in it. */
  async status(name: string): Promise<ConferenceStatus> {
    const c = this.find(name);
    this.asterisk.require();
    const rooms = await this.asterisk.call('list the conferences', () => this.runtime.confbridgeRooms());
    const room = rooms.find((r) => r.conference === c.name);
    return { conference: c.name, active: !!room && room.parties > 0, locked: room?.locked ?? false, count: room?.parties ?? 0 };
  }

  /**
   * Mutes, unmutes or removes one participant, named by its channel exactly as participants()
   * lists it (400 for something that is not a channel name, 404 when it is not in the room).
   * Answers who is in the room after it. Muting the muted changes nothing and is not audited.
   */
  async participantAction(name: string, channel: unknown, action: ConferenceParticipantAction, actor: Actor): Promise<ConferenceParticipants> {
    const parsed = conferenceChannelSchema.safeParse(channel);
    if (!parsed.success) throw new ValidationError('invalid channel', [{ path: ['channel'], message: parsed.error.issues[0]?.message ?? 'invalid' }]);
    const c = this.find(name);
    this.asterisk.require();
    const live = await this.asterisk.call('list the participants', () => this.runtime.confbridgeList(c.name));
    // Exact match first: Asterisk would take the name as a prefix (or "all") and act on another channel.
    const target = live.find((p) => p.channel === parsed.data);
    if (!target) throw new NotFoundError(`${parsed.data} is not in conference ${name}`);
    const gone = () => new NotFoundError(`${parsed.data} left conference ${name}`);
    let changed = true;
    if (action === 'kick') {
      if ((await this.asterisk.call('remove the participant', () => this.runtime.confbridgeKick(c.name, target.channel))) === 'absent') throw gone();
      // A kick while the participant still hears its join prompts (before it is in the bridge)
      // only marks it, and it would stay until it hangs up: end its call instead.
      if (await this.stillIn(c.name, target.channel)) await this.asterisk.call('hang up the participant', () => this.runtime.hangupChannel(target.channel));
    } else {
      const muted = action === 'mute';
      changed = target.muted !== muted;
      if (changed && (await this.asterisk.call(`${action} the participant`, () => this.runtime.confbridgeMute(c.name, target.channel, muted))) === 'absent') throw gone();
    }
    if (changed) {
      const who = target.callerNumber || target.channel;
      this.config.record(actor, `conferences.participant.${action}`, { type: 'conference', key: c.name }, `participant ${who} ${PAST[action]}`, [
        {
          object: 'conference participant',
          key: `${c.name}/${target.channel}`,
          change: action === 'kick' ? 'removed' : 'changed',
          before: { muted: target.muted },
          ...(action === 'kick' ? {} : { after: { muted: action === 'mute' } }),
        },
      ]);
    }
    const after = await this.participants(name);
    // A removed participant hangs up after the "removed" prompt; it is no longer one meanwhile.
    return action === 'kick' ? { ...after, items: after.items.filter((p) => p.channel !== target.channel) } : after;
  }

  /** Whether the channel is still in the room after KICK_SETTLE_MS. */
  private async stillIn(conference: string, channel: string): Promise<boolean> {
    const deadline = Date.now() + KICK_SETTLE_MS;
    for (;;) {
      await new Promise((r) => setTimeout(r, 250));
      const live = await this.asterisk.call('list the participants', () => this.runtime.confbridgeList(conference));
      if (!live.some((p) => p.channel === channel)) return false;
      if (Date.now() >= deadline) return true;
    }
  }

  /** Locks or unlocks a running room (locking an empty room: 409, a room runs only while someone is in it). */
  async setLocked(name: string, locked: boolean, actor: Actor): Promise<ConferenceStatus> {
    const c = this.find(name);
    this.asterisk.require();
    const before = await this.status(name);
    if (!before.active) {
      if (!locked) return before;
      throw new ConflictError(`conference ${name} is empty: a room can be locked only while someone is in it`);
    }
    if (before.locked !== locked) {
      const r = await this.asterisk.call(locked ? 'lock the room' : 'unlock the room', () => this.runtime.confbridgeLock(c.name, locked));
      if (r === 'absent') throw new ConflictError(`conference ${name} ended meanwhile`);
      const action = locked ? 'lock' : 'unlock';
      this.config.record(actor, `conferences.${action}`, { type: 'conference', key: c.name }, `conference ${c.name} ${PAST[action]}`, [
        { object: 'conference', key: c.name, change: 'changed', before: { locked: before.locked }, after: { locked } },
      ]);
    }
    return await this.status(name);
  }
}
