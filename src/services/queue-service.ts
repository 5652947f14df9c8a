// Queues at run time: who waits, which members are logged in, paused or on a call, and the
// member actions of a supervisor (log a dynamic member in or out, pause, unpause). Members come
// from the model; Asterisk says what each is doing. Member actions are audited (they are not
// configuration: nothing to revert) and show on the event stream as queue.member.changed, from
// Asterisk's own events, exactly like the agent feature codes dialled from a phone.
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors.ts';
import { asteriskGate, type AsteriskGate } from './asterisk-runtime.ts';
import type { Queue } from '../domain/model.ts';
import {
  agentInterface,
  agentStateInterface,
  queueSection,
  type QueueMemberAction,
  type QueueMemberStatus,
  type QueueStatus,
} from '../domain/queues-switches.ts';
import type { Actor, ConfigService } from './config-service.ts';

/** A queue as Asterisk runs it (AsteriskControl.queueStatus). */
export interface RuntimeQueue {
  queue: string;
  members: {
    name: string;
    interface: string;
    membership: string;
    callsTaken: number;
    /** Seconds since the epoch; 0: never. */
    lastCall: number;
    inCall: boolean;
    /** Asterisk device state number. */
    status: number;
    paused: boolean;
  }[];
  entries: { position: number; callerNumber: string; callerName: string; waitSeconds: number }[];
}

/** What queues need of Asterisk (AsteriskControl, wired in main.ts). */
export interface QueueRuntime {
  readonly ready: boolean;
  queueStatus(queue?: string): Promise<RuntimeQueue[]>;
  queueAdd(m: { queue: string; interface: string; memberName: string; stateInterface: string; penalty: number }): Promise<'added' | 'already' | 'noqueue'>;
  queueRemove(queue: string, iface: string): Promise<'removed' | 'absent' | 'static'>;
  queuePause(queue: string, iface: string, paused: boolean, reason?: string): Promise<'done' | 'absent'>;
}

/** Device states in which the member's phone is on a call: in use, busy, ringing while in use, on hold. */
const IN_CALL_STATES = new Set([2, 3, 7, 8]);

const PAST: Record<QueueMemberAction, string> = { login: 'logged in', logout: 'logged out', pause: 'paused', unpause: 'unpaused' };

export class QueueService {
  private readonly config: ConfigService;
  private readonly runtime: QueueRuntime;
  private readonly asterisk: AsteriskGate;

  constructor(deps: { config: ConfigService; runtime: QueueRuntime }) {
    this.config = deps.config;
    this.runtime = deps.runtime;
    this.asterisk = asteriskGate(deps.runtime, 'queues run there');
  }

  private find(name: string): Queue {
    const q = this.config.get().queues.find((x) => x.name === name);
    if (!q) throw new NotFoundError(`queue ${name} does not exist`);
    return q;
  }

  /** Waiting callers and every member of the model with what Asterisk says of it. */
  async status(name: string): Promise<QueueStatus> {
    const q = this.find(name);
    this.asterisk.require();
    return this.merge(q, await this.running(q));
  }

  private async running(q: Queue): Promise<RuntimeQueue | undefined> {
    const section = queueSection(q.name);
    const all = await this.asterisk.call('report the queue status', () => this.runtime.queueStatus(section));
    // Not there: the queue's configuration is not applied yet (or app_queue is not loaded).
    return all.find((x) => x.queue === section);
  }

  private merge(q: Queue, running: RuntimeQueue | undefined): QueueStatus {
    const names = new Map(this.config.get().extensions.map((e) => [e.number, e.name] as const));
    const seen = new Set<string>();
    const members: QueueMemberStatus[] = [];
    for (const [list, dynamic] of [[q.members, false], [q.dynamicMembers, true]] as const) {
      for (const m of list) {
        if (seen.has(m.extension)) continue;
        seen.add(m.extension);
        const live = running?.members.find((x) => x.name === m.extension || x.interface === agentInterface(m.extension));
        const name = names.get(m.extension);
        members.push({
          extension: m.extension,
          ...(name ? { name } : {}),
          dynamic,
          loggedIn: !!live,
          paused: live?.paused ?? false,
          inCall: !!live && (live.inCall || IN_CALL_STATES.has(live.status)),
          callsTaken: live?.callsTaken ?? 0,
          lastCallAt: live && live.lastCall > 0 ? new Date(live.lastCall * 1000).toISOString() : null,
        });
      }
    }
    const callers = (running?.entries ?? [])
      .map((e) => ({
        position: e.position,
        callerNumber: e.callerNumber,
        ...(e.callerName ? { callerName: e.callerName } : {}),
        waitSeconds: Math.max(0, e.waitSeconds),
      }))
      .sort((a, b) => a.position - b.position);
    return { queue: q.name, callers, members };
  }

  /**
   * A supervisor's action on a member; answers the queue's status after it. login/logout: only
   * for the queue's dynamic members (400 otherwise), logged in with their penalty; pause and
   * unpause: any member in the queue (404 for an extension that is not a member). Doing what
   * is already so changes nothing and is not audited.
   */
  async memberAction(name: string, extension: string, action: QueueMemberAction, actor: Actor): Promise<QueueStatus> {
    const q = this.find(name);
    const dynamic = q.dynamicMembers.find((m) => m.extension === extension);
    const isStatic = q.members.some((m) => m.extension === extension);
    if ((action === 'login' || action === 'logout') && !dynamic) {
      throw new ValidationError(`extension ${extension} is not a dynamic member of queue ${name}`, [
        { path: ['extension'], message: isStatic ? 'a static member: always in the queue' : 'not a dynamic member of this queue' },
      ]);
    }
    if (!dynamic && !isStatic) throw new NotFoundError(`extension ${extension} is not a member of queue ${name}`);
    this.asterisk.require();

    const section = queueSection(q.name);
    const iface = agentInterface(extension);
    const before = this.merge(q, await this.running(q)).members.find((m) => m.extension === extension)!;
    const notRunning = () => new ConflictError(`queue ${name} does not run in Asterisk yet (its configuration has not been applied)`);
    let changed = false;
    switch (action) {
      case 'login': {
        if (before.loggedIn) break;
        const r = await this.asterisk.call('add the member', () =>
          this.runtime.queueAdd({ queue: section, interface: iface, memberName: extension, stateInterface: agentStateInterface(extension), penalty: dynamic!.penalty }),
        );
        if (r === 'noqueue') throw notRunning();
        changed = r === 'added';
        break;
      }
      case 'logout': {
        if (!before.loggedIn) break;
        const r = await this.asterisk.call('remove the member', () => this.runtime.queueRemove(section, iface));
        if (r === 'static') throw new ConflictError(`extension ${extension} is in queue ${name} as a static member in Asterisk; apply the configuration first`);
        changed = r === 'removed';
        break;
      }
      case 'pause':
      case 'unpause': {
        const paused = action === 'pause';
        if (before.loggedIn && before.paused === paused) break;
        if (!before.loggedIn) {
          if (dynamic && !isStatic) throw new ConflictError(`extension ${extension} is not logged in to queue ${name}`);
          throw notRunning();
        }
        const r = await this.asterisk.call(`${action} the member`, () => this.runtime.queuePause(section, iface, paused, paused ? `paused by ${actor.name}` : undefined));
        if (r === 'absent') throw new ConflictError(`extension ${extension} is not in queue ${name} in Asterisk`);
        changed = true;
        break;
      }
    }
    const after = await this.status(name);
    if (changed) {
      const now = after.members.find((m) => m.extension === extension)!;
      this.config.record(actor, `queues.member.${action}`, { type: 'queue', key: q.name }, `extension ${extension} ${PAST[action]}`, [
        {
          object: 'queue member',
          key: `${q.name}/${extension}`,
          change: 'changed',
          before: { loggedIn: before.loggedIn, paused: before.paused },
          after: { loggedIn: now.loggedIn, paused: now.paused },
        },
      ]);
    }
    return after;
  }
}
