// Queue events (callers joining and leaving, members logging in, pausing, taking calls) and
// switch changes, from Asterisk's AMI events, for the API event stream.
//
// QueueEventTranslator is pure (no clock, no timers, no I/O): it takes one AMI event and the
// time it arrived and returns the live events it completes. PbxEventTracker feeds it from the
// AMI client and runs the one timer it needs.
//
// What Asterisk 22 sends, as observed (app_queue):
//   answered:   QueueCallerJoin … AgentCalled, QueueCallerLeave, AgentConnect, … AgentComplete
//   timeout:    QueueCallerAbandon, QueueCallerLeave, VarSet QUEUESTATUS=TIMEOUT, Newexten …
//   hung up:    QueueCallerAbandon, QueueCallerLeave, Hangup (no QUEUESTATUS)
//   refused:    Newexten Queue(pbx-queue-x,…), VarSet QUEUESTATUS=FULL|JOINEMPTY|JOINUNAVAIL (no join)
// QueueCallerLeave carries no reason, and QueueCallerAbandon is sent for timeouts too: the
// reason is what follows the leave on the same channel, so a leave waits (briefly) for it.
//
// Invariants: memory is bounded (every map is capped; callers are forgotten at leave and
// hangup) and no AMI event, however partial, makes it throw.
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { QUEUE_SECTION_PREFIX, SWITCH_USER_EVENT, type LiveEvent, type QueueLeaveReason } from '../domain/queues-switches.ts';

/** AMI events as src/asterisk/ami.ts delivers them: field names lowercased, values strings. */
export interface AmiEventLike {
  event: string;
  [field: string]: unknown;
}

export interface AmiEventSource {
  on(event: 'event', fn: (e: AmiEventLike) => void): unknown;
  off?(event: 'event', fn: (e: AmiEventLike) => void): unknown;
}

interface Caller {
  queue: string;
  callId: string;
  uniqueId: string;
  callerNumber: string;
  callerName: string;
  joinedAt: number | undefined;
  abandoned: boolean;
  /** Seconds waited, as QueueCallerAbandon reports it. */
  holdSeconds: number | undefined;
}

interface Leaving {
  caller: Caller;
  count: number | undefined;
  at: number;
}

interface MemberState {
  dynamic: boolean;
  paused: boolean;
  inCall: boolean;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
/** Asterisk writes <unknown> for an absent caller id. */
const clean = (v: unknown): string => {
  const s = str(v).trim();
  return s === '<unknown>' ? '' : s;
};
const int = (v: unknown): number | undefined => {
  const n = Number.parseInt(str(v), 10);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
};

/** pbx-queue-<name> → name; any other queue is not ours. */
export function queueOfSection(section: unknown): string | undefined {
  const s = str(section);
  if (!s.startsWith(QUEUE_SECTION_PREFIX)) return undefined;
  const name = s.slice(QUEUE_SECTION_PREFIX.length);
  return /^[a-z][a-z0-9_-]{0,31}$/.test(name) ? name : undefined;
}

/** VarSet's variable name: asterisk-manager turns "Variable: X" into { X: '' }. */
function varName(e: AmiEventLike): string {
  const v = e.variable;
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object') return Object.keys(v)[0] ?? '';
  return '';
}

/** Device states (QueueMemberStatus Status) in which the member's phone is on a call. */
const IN_CALL_STATES = new Set(['2', '3', '7', '8']);

/** QUEUESTATUS (set when Queue() returns) → reason. */
function reasonOfStatus(status: string): QueueLeaveReason {
  switch (status) {
    case 'TIMEOUT':
      return 'timeout';
    case 'FULL':
      return 'full';
    case 'JOINEMPTY':
    case 'LEAVEEMPTY':
      return 'empty';
    case 'JOINUNAVAIL':
    case 'LEAVEUNAVAIL':
      return 'unavailable';
    default:
      return 'other';
  }
}
const NEVER_JOINED = new Set(['FULL', 'JOINEMPTY', 'JOINUNAVAIL']);

export interface QueueEventTranslatorOptions {
  /** Ids of the events; default random UUIDs. */
  newId?: () => string;
  /** Channels tracked at once per kind (waiting, leaving, trying a queue); the oldest is forgotten beyond it. Default 5000. */
  maxTracked?: number;
}

export class QueueEventTranslator {
  private readonly newId: () => string;
  private readonly max: number;
  /** uniqueid → caller waiting in a queue. */
  private readonly waiting = new Map<string, Caller>();
  /** uniqueid → caller who left, whose reason is not known yet. */
  private readonly leaving = new Map<string, Leaving>();
  /** uniqueid → queue its Queue() application names, until it joins (or is refused). */
  private readonly trying = new Map<string, { queue: string; callId: string; callerNumber: string; callerName: string }>();
  /** queue\0extension → last state announced. */
  private readonly members = new Map<string, MemberState>();

  constructor(opts: QueueEventTranslatorOptions = {}) {
    this.newId = opts.newId ?? randomUUID;
    this.max = opts.maxTracked ?? 5000;
  }

  /** Leaves still waiting for their reason. */
  get pending(): number {
    return this.leaving.size;
  }

  /** Callers waiting in queues (for tests). */
  get waitingCallers(): number {
    return this.waiting.size;
  }

  handle(e: AmiEventLike, at: Date): LiveEvent[] {
    if (!e || typeof e !== 'object' || typeof e.event !== 'string') return [];
    const out: LiveEvent[] = [];
    const uid = str(e.uniqueid);
    switch (e.event) {
      case 'QueueCallerJoin': {
        const queue = queueOfSection(e.queue);
        if (!queue || !uid) return out;
        this.resolve(uid, undefined, at, out);
        this.trying.delete(uid);
        const caller: Caller = {
          queue,
          callId: str(e.linkedid) || uid,
          uniqueId: uid,
          callerNumber: clean(e.calleridnum),
          callerName: clean(e.calleridname),
          joinedAt: at.getTime(),
          abandoned: false,
          holdSeconds: undefined,
        };
        this.put(this.waiting, uid, caller);
        out.push({
          id: this.newId(),
          type: 'queue.caller.joined',
          at: at.toISOString(),
          queue,
          ...this.party(caller),
          position: int(e.position) || 1,
          count: int(e.count) ?? 1,
        });
        return out;
      }
      case 'QueueCallerAbandon': {
        const w = this.waiting.get(uid);
        if (w) {
          w.abandoned = true;
          w.holdSeconds = int(e.holdtime);
        }
        return out;
      }
      case 'QueueCallerLeave': {
        const queue = queueOfSection(e.queue);
        if (!queue || !uid) return out;
        const known = this.waiting.get(uid);
        this.waiting.delete(uid);
        const caller: Caller = known ?? {
          queue,
          callId: str(e.linkedid) || uid,
          uniqueId: uid,
          callerNumber: clean(e.calleridnum),
          callerName: clean(e.calleridname),
          joinedAt: undefined,
          abandoned: false,
          holdSeconds: undefined,
        };
        this.put(this.leaving, uid, { caller, count: int(e.count), at: at.getTime() });
        return out;
      }
      case 'AgentConnect': {
        const queue = queueOfSection(e.queue);
        if (!queue || !uid) return out;
        const wait = int(e.holdtime) ?? 0;
        this.resolve(uid, 'answered', at, out, wait);
        out.push({
          id: this.newId(),
          type: 'queue.agent.connected',
          at: at.toISOString(),
          queue,
          callId: str(e.linkedid) || uid,
          uniqueId: uid,
          callerNumber: clean(e.calleridnum),
          ...(clean(e.calleridname) ? { callerName: clean(e.calleridname) } : {}),
          extension: this.memberExtension(e),
          waitSeconds: wait,
          ringSeconds: int(e.ringtime) ?? 0,
        });
        return out;
      }
      case 'AgentComplete': {
        const queue = queueOfSection(e.queue);
        if (!queue || !uid) return out;
        const reason = str(e.reason);
        out.push({
          id: this.newId(),
          type: 'queue.agent.completed',
          at: at.toISOString(),
          queue,
          callId: str(e.linkedid) || uid,
          uniqueId: uid,
          callerNumber: clean(e.calleridnum),
          ...(clean(e.calleridname) ? { callerName: clean(e.calleridname) } : {}),
          extension: this.memberExtension(e),
          talkSeconds: int(e.talktime) ?? 0,
          endedBy: reason === 'caller' || reason === 'agent' || reason === 'transfer' ? reason : 'other',
        });
        return out;
      }
      case 'VarSet': {
        if (varName(e) !== 'QUEUESTATUS' || !uid) return out;
        const status = str(e.value);
        if (this.leaving.has(uid)) {
          this.resolve(uid, reasonOfStatus(status), at, out);
          return out;
        }
        const t = this.trying.get(uid);
        if (t && NEVER_JOINED.has(status) && !this.waiting.has(uid)) {
          this.trying.delete(uid);
          out.push({
            id: this.newId(),
            type: 'queue.caller.left',
            at: at.toISOString(),
            queue: t.queue,
            callId: t.callId,
            uniqueId: uid,
            callerNumber: t.callerNumber,
            ...(t.callerName ? { callerName: t.callerName } : {}),
            reason: reasonOfStatus(status),
            waitSeconds: 0,
          });
        }
        return out;
      }
      case 'Newexten': {
        if (!uid) return out;
        // The dialplan went on without QUEUESTATUS: the leave's reason is what is known now.
        this.resolve(uid, undefined, at, out);
        if (str(e.application) === 'Queue') {
          const queue = queueOfSection(str(e.appdata).split(',')[0]);
          if (queue) {
            this.put(this.trying, uid, {
              queue,
              callId: str(e.linkedid) || uid,
              callerNumber: clean(e.calleridnum),
              callerName: clean(e.calleridname),
            });
          } else this.trying.delete(uid);
        }
        return out;
      }
      case 'Hangup': {
        if (!uid) return out;
        this.resolve(uid, undefined, at, out);
        this.trying.delete(uid);
        // A leave never came (events lost): the caller is gone all the same.
        const w = this.waiting.get(uid);
        if (w) {
          this.waiting.delete(uid);
          this.emitLeft(w, 'abandoned', undefined, at, out);
        }
        return out;
      }
      case 'QueueMemberAdded':
        this.member(e, 'login', at, out);
        return out;
      case 'QueueMemberRemoved':
        this.member(e, 'logout', at, out);
        return out;
      case 'QueueMemberPause':
        this.member(e, str(e.paused) === '1' ? 'pause' : 'unpause', at, out);
        return out;
      case 'QueueMemberStatus':
        this.member(e, 'status', at, out);
        return out;
      case 'UserEvent': {
        if (str(e.userevent) !== SWITCH_USER_EVENT) return out;
        const name = str(e.switch);
        const state = str(e.state);
        if (!/^[a-z][a-z0-9_-]{0,31}$/.test(name) || !state) return out;
        out.push({ id: this.newId(), type: 'switch.changed', at: at.toISOString(), switch: name, state, by: str(e.by) });
        return out;
      }
      case 'Shutdown': {
        // Asterisk stops: every queue call ends with it.
        for (const uid of [...this.leaving.keys()]) this.resolve(uid, undefined, at, out);
        for (const w of this.waiting.values()) this.emitLeft(w, 'other', undefined, at, out);
        this.waiting.clear();
        this.trying.clear();
        this.members.clear();
        return out;
      }
      default:
        return out;
    }
  }

  /** Leaves that waited `settleMs` for their reason go out with what is known. */
  flush(at: Date, settleMs = 2000): LiveEvent[] {
    const out: LiveEvent[] = [];
    for (const [uid, l] of [...this.leaving]) if (at.getTime() - l.at >= settleMs) this.resolve(uid, undefined, at, out);
    return out;
  }

  private party(c: Caller) {
    return { callId: c.callId, uniqueId: c.uniqueId, callerNumber: c.callerNumber, ...(c.callerName ? { callerName: c.callerName } : {}) };
  }

  /** The member's extension: its member name (the convention), else the extension of its Local interface. */
  private memberExtension(e: AmiEventLike): string {
    const name = str(e.membername) || str(e.name);
    if (name) return name;
    const m = /^Local\/([^@]+)@/.exec(str(e.interface) || str(e.location));
    return m?.[1] ?? '';
  }

  /** Emits the pending leave of `uid`, if any: with `reason`, or what the events so far say. */
  private resolve(uid: string, reason: QueueLeaveReason | undefined, at: Date, out: LiveEvent[], waitSeconds?: number): void {
    const l = this.leaving.get(uid);
    if (!l) return;
    this.leaving.delete(uid);
    this.emitLeft(l.caller, reason ?? (l.caller.abandoned ? 'abandoned' : 'other'), l.count, at, out, waitSeconds, l.at);
  }

  private emitLeft(c: Caller, reason: QueueLeaveReason, count: number | undefined, at: Date, out: LiveEvent[], waitSeconds?: number, leftAt?: number): void {
    const end = leftAt ?? at.getTime();
    const waited = waitSeconds ?? c.holdSeconds ?? (c.joinedAt !== undefined ? Math.max(0, Math.round((end - c.joinedAt) / 1000)) : 0);
    out.push({
      id: this.newId(),
      type: 'queue.caller.left',
      at: new Date(end).toISOString(),
      queue: c.queue,
      ...this.party(c),
      reason,
      ...(count !== undefined ? { count } : {}),
      waitSeconds: waited,
    });
  }

  private member(e: AmiEventLike, change: 'login' | 'logout' | 'pause' | 'unpause' | 'status', at: Date, out: LiveEvent[]): void {
    const queue = queueOfSection(e.queue);
    const extension = this.memberExtension(e);
    if (!queue || !extension) return;
    const key = `${queue}\u0000${extension}`;
    const state: MemberState = {
      dynamic: str(e.membership) === 'dynamic',
      paused: str(e.paused) === '1',
      inCall: str(e.incall) === '1' || IN_CALL_STATES.has(str(e.status)),
    };
    const before = this.members.get(key);
    if (change === 'logout') this.members.delete(key);
    else this.put(this.members, key, state);
    // Status events come with every change of the phone's state (ringing, idle, ...): only
    // what a wallboard shows counts.
    if (change === 'status' && before && before.inCall === state.inCall && before.paused === state.paused) return;
    const reason = clean(e.pausedreason);
    out.push({
      id: this.newId(),
      type: 'queue.member.changed',
      at: at.toISOString(),
      queue,
      extension,
      change,
      dynamic: state.dynamic,
      loggedIn: change !== 'logout',
      paused: change === 'logout' ? false : state.paused,
      inCall: state.inCall,
      ...(state.paused && reason && change !== 'logout' ? { pausedReason: reason } : {}),
    });
  }

  private put<V>(map: Map<string, V>, key: string, value: V): void {
    map.delete(key);
    map.set(key, value);
    while (map.size > this.max) map.delete(map.keys().next().value!);
  }
}

export interface PbxEventTrackerOptions {
  source: AmiEventSource;
  now?: () => Date;
  /** How long a caller's leave waits for its reason; default 2000 ms. */
  settleMs?: number;
  /** Called with anything unexpected that was swallowed (a bug, never bad input). */
  onError?: (err: unknown) => void;
  translator?: QueueEventTranslatorOptions;
}

/** Emits 'event' with each LiveEvent (queue.*, switch.changed) from the AMI event stream. */
export class PbxEventTracker extends EventEmitter {
  private readonly translator: QueueEventTranslator;
  private readonly now: () => Date;
  private readonly settleMs: number;
  private readonly source: AmiEventSource;
  private readonly listener: (e: AmiEventLike) => void;
  private timer: NodeJS.Timeout | undefined;

  constructor(opts: PbxEventTrackerOptions) {
    super();
    this.translator = new QueueEventTranslator(opts.translator);
    this.now = opts.now ?? (() => new Date());
    this.settleMs = opts.settleMs ?? 2000;
    this.source = opts.source;
    this.listener = (e) => {
      try {
        this.publish(this.translator.handle(e, this.now()));
        this.schedule();
      } catch (err) {
        opts.onError?.(err);
      }
    };
    opts.source.on('event', this.listener);
  }

  private publish(events: LiveEvent[]): void {
    for (const e of events) this.emit('event', e);
  }

  /** While a leave waits for its reason, look again once it has waited long enough. */
  private schedule(): void {
    if (this.timer || this.translator.pending === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.publish(this.translator.flush(this.now(), this.settleMs));
      this.schedule();
    }, this.settleMs);
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.source.off?.('event', this.listener);
  }
}
