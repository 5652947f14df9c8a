// Call events (ringing, answered, transferred, hung up) from Asterisk's AMI events, for the API
// event stream and webhooks. The sequences it reads are recorded from real Asterisk 22 in
// test/fixtures/ami/ (capture.ts there regenerates them).
//
// Model: a call is every channel sharing one linkedid; its origin is the channel whose uniqueid
// is the linkedid. Channels Asterisk creates to call out (Newchannel in state Down: Dial and
// originate destinations) are legs; a leg on a device endpoint is an extension ringing, a leg on
// a trunk endpoint is the call going out. The call ends when its last channel hangs up.
//
// Invariants: memory is bounded (calls are forgotten at hangup, at most `maxCalls` are tracked,
// the recent buffer has a fixed size) and no AMI event, however partial, makes it throw.
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { CallEvent, CallParty } from '../domain/calls.ts';
import type { CallEventType } from '../domain/model.ts';

export type EndpointClass = { kind: 'device'; extension: string } | { kind: 'trunk'; trunk: string };

/** AMI events as src/asterisk/ami.ts delivers them: field names lowercased, values strings. */
export interface AmiEventLike {
  event: string;
  [field: string]: unknown;
}

export interface AmiEventSource {
  on(event: 'event', fn: (e: AmiEventLike) => void): unknown;
}

export interface CallEventTrackerOptions {
  source: AmiEventSource;
  /** Screen-pop: a name for a number (phonebook, extension names), or undefined. */
  lookupName: (number: string) => string | undefined;
  /** What a PJSIP endpoint name is: a device of an extension, a trunk, or unknown. */
  classify: (endpoint: string) => EndpointClass | undefined;
  now?: () => Date;
  /** Called with anything unexpected that was swallowed (a bug, never bad input). */
  onError?: (err: unknown) => void;
  /** Events recent() keeps. Default 200. */
  recentSize?: number;
  /** Calls tracked at once; the oldest is forgotten beyond it (missed hangups after an AMI outage). Default 5000. */
  maxCalls?: number;
}

/** Asterisk channel states (Newstate ChannelState). */
const STATE_DOWN = '0';
const STATE_RINGING = '5';
const STATE_UP = '6';

interface Channel {
  uniqueId: string;
  callId: string;
  endpoint: EndpointClass | undefined;
  /** Created by Asterisk to call out (a Dial or originate destination). */
  outgoing: boolean;
  rang: boolean;
  answered: boolean;
}

interface Call {
  id: string;
  startedAt: Date;
  /** The origin's Newchannel was seen: caller and called number are known. */
  complete: boolean;
  /** Something was emitted for this call. */
  announced: boolean;
  origin: EndpointClass | undefined;
  caller: CallParty;
  calledNumber: string;
  did: string | undefined;
  channels: Map<string, Channel>;
  trunk: string | undefined;
  sawTrunkLeg: boolean;
  answeredAt: Date | undefined;
  answeredExtension: string | undefined;
  answeredTrunk: string | undefined;
  rungExtension: string | undefined;
  triedExtension: string | undefined;
  involved: Set<string>;
  /** Per ringing key (an extension, or 'trunk'): the live legs already announced, so two devices of one extension ring once. */
  ringing: Map<string, Set<string>>;
  originCause: { code: number; text: string } | undefined;
  lastCause: { code: number; text: string } | undefined;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
/** Asterisk writes <unknown> for an absent caller id. */
const clean = (v: unknown): string => {
  const s = str(v)?.trim() ?? '';
  return s === '<unknown>' ? '' : s;
};
const looksLikeNumber = (s: string) => /^\+?[0-9*#]+$/.test(s);

/** PJSIP/<endpoint>-<8 hex digits> → endpoint; anything else (Local/..., Message/...) → undefined. */
export function endpointOfChannel(name: string): string | undefined {
  const m = /^PJSIP\/(.+)-[0-9a-f]{8}$/.exec(name);
  return m ? m[1] : undefined;
}

export class CallEventTracker extends EventEmitter {
  private readonly opts: CallEventTrackerOptions;
  private readonly now: () => Date;
  private readonly calls = new Map<string, Call>();
  /** uniqueid → callId, for channels of tracked calls only. */
  private readonly channelIndex = new Map<string, string>();
  private readonly recentEvents: CallEvent[] = [];
  private readonly recentSize: number;
  private readonly maxCalls: number;

  constructor(opts: CallEventTrackerOptions) {
    super();
    this.opts = opts;
    this.now = opts.now ?? (() => new Date());
    this.recentSize = opts.recentSize ?? 200;
    this.maxCalls = opts.maxCalls ?? 5000;
    opts.source.on('event', (e) => {
      try {
        this.handle(e);
      } catch (err) {
        opts.onError?.(err);
      }
    });
  }

  /** The last `limit` events, oldest first (for a client that connects late). */
  recent(limit = this.recentSize): CallEvent[] {
    if (!(limit > 0)) return [];
    return this.recentEvents.slice(-Math.floor(limit));
  }

  /** Calls in progress (for health and tests). */
  get activeCalls(): number {
    return this.calls.size;
  }

  private handle(e: AmiEventLike): void {
    if (!e || typeof e !== 'object' || typeof e.event !== 'string') return;
    switch (e.event) {
      case 'Newstate': {
        const ch = this.channel(e);
        if (!ch) return;
        const state = str(e.channelstate);
        if (state === STATE_RINGING) this.ringing(ch);
        else if (state === STATE_UP) this.answered(ch);
        return;
      }
      case 'DialBegin': {
        this.channel(e);
        const dest = this.destChannel(e);
        if (!dest) return;
        dest.outgoing = true;
        const call = this.calls.get(dest.callId);
        if (!call) return;
        if (dest.endpoint?.kind === 'device') {
          call.triedExtension = dest.endpoint.extension;
          call.involved.add(dest.endpoint.extension);
        } else if (dest.endpoint?.kind === 'trunk') {
          call.sawTrunkLeg = true;
          call.trunk = dest.endpoint.trunk;
        }
        return;
      }
      case 'DialState': {
        this.channel(e);
        const status = str(e.dialstatus);
        const dest = this.destChannel(e);
        if (dest && (status === 'RINGING' || status === 'PROGRESS')) this.ringing(dest);
        return;
      }
      case 'DialEnd': {
        this.channel(e);
        const dest = this.destChannel(e);
        if (dest && str(e.dialstatus) === 'ANSWER') this.answered(dest);
        return;
      }
      case 'BlindTransfer':
        this.blindTransfer(e);
        return;
      case 'AttendedTransfer':
        this.attendedTransfer(e);
        return;
      case 'Hangup':
        this.hangup(e);
        return;
      case 'Shutdown':
        for (const call of [...this.calls.values()]) this.end(call, { code: 0, text: 'Asterisk stopped' });
        return;
      default:
        // Any other channel event (Newchannel, Newexten, VarSet, ...) makes the channel known.
        this.channel(e);
    }
  }

  /** The channel an event is about, created (with its call) on first sight. */
  private channel(e: AmiEventLike): Channel | undefined {
    const uniqueId = str(e.uniqueid);
    if (!uniqueId) return undefined;
    const known = this.channelIndex.get(uniqueId);
    if (known !== undefined) {
      const call = this.calls.get(known);
      const ch = call?.channels.get(uniqueId);
      if (call && ch) return ch;
      this.channelIndex.delete(uniqueId);
    }
    const linkedId = str(e.linkedid) || uniqueId;
    const name = str(e.channel) ?? '';
    const isNew = e.event === 'Newchannel';
    return this.addChannel(
      { uniqueId, linkedId, name, outgoing: isNew ? str(e.channelstate) === STATE_DOWN : uniqueId !== linkedId },
      isNew ? e : undefined,
      e,
    );
  }

  /** The destination channel of a Dial* event (its fields are prefixed dest). */
  private destChannel(e: AmiEventLike): Channel | undefined {
    const uniqueId = str(e.destuniqueid);
    if (!uniqueId) return undefined;
    const known = this.channelIndex.get(uniqueId);
    const ch = known !== undefined ? this.calls.get(known)?.channels.get(uniqueId) : undefined;
    if (ch) return ch;
    const linkedId = str(e.destlinkedid) || str(e.linkedid) || uniqueId;
    return this.addChannel({ uniqueId, linkedId, name: str(e.destchannel) ?? '', outgoing: true }, undefined, undefined);
  }

  private addChannel(
    c: { uniqueId: string; linkedId: string; name: string; outgoing: boolean },
    newchannel: AmiEventLike | undefined,
    fields: AmiEventLike | undefined,
  ): Channel {
    const call = this.callFor(c.linkedId);
    const ch: Channel = { uniqueId: c.uniqueId, callId: call.id, endpoint: this.classify(c.name), outgoing: c.outgoing, rang: false, answered: false };
    call.channels.set(ch.uniqueId, ch);
    this.channelIndex.set(ch.uniqueId, call.id);
    if (ch.uniqueId === call.id) {
      call.origin = ch.endpoint;
      if (ch.endpoint?.kind === 'device') call.involved.add(ch.endpoint.extension);
      if (ch.endpoint?.kind === 'trunk') call.trunk = ch.endpoint.trunk;
      if (fields) call.caller = this.party(fields.calleridnum, fields.calleridname);
      if (newchannel) {
        call.complete = true;
        // The origin's Newchannel carries the number as dialled (for a trunk: the DID the
        // carrier delivered, which pbx-inbound routes on); later events show dialplan internals.
        const exten = clean(newchannel.exten);
        call.calledNumber = exten === 's' ? '' : exten;
        if (ch.endpoint?.kind === 'trunk' && call.calledNumber) call.did = call.calledNumber;
      }
    } else if (!call.caller.number && fields && ch.outgoing) {
      // Origin never seen (tracker started mid-call): a leg's connected line is the caller.
      call.caller = this.party(fields.connectedlinenum, fields.connectedlinename);
    }
    if (ch.endpoint?.kind === 'trunk' && ch.outgoing) {
      call.sawTrunkLeg = true;
      call.trunk = ch.endpoint.trunk;
    }
    return ch;
  }

  private classify(name: string): EndpointClass | undefined {
    const endpoint = endpointOfChannel(name);
    if (!endpoint) return undefined;
    try {
      return this.opts.classify(endpoint);
    } catch (err) {
      this.opts.onError?.(err);
      return undefined;
    }
  }

  private lookup(number: string): string | undefined {
    if (!number) return undefined;
    try {
      return this.opts.lookupName(number) || undefined;
    } catch (err) {
      this.opts.onError?.(err);
      return undefined;
    }
  }

  private party(numberField: unknown, nameField: unknown): CallParty {
    const number = clean(numberField);
    const name = clean(nameField);
    const useful = name && name !== number && !looksLikeNumber(name) ? name : this.lookup(number);
    return useful ? { number, name: useful } : { number };
  }

  private callFor(id: string): Call {
    const existing = this.calls.get(id);
    if (existing) return existing;
    while (this.calls.size >= this.maxCalls) {
      const oldest = this.calls.values().next().value;
      if (!oldest) break;
      this.forget(oldest);
    }
    const call: Call = {
      id,
      startedAt: this.now(),
      complete: false,
      announced: false,
      origin: undefined,
      caller: { number: '' },
      calledNumber: '',
      did: undefined,
      channels: new Map(),
      trunk: undefined,
      sawTrunkLeg: false,
      answeredAt: undefined,
      answeredExtension: undefined,
      answeredTrunk: undefined,
      rungExtension: undefined,
      triedExtension: undefined,
      involved: new Set(),
      ringing: new Map(),
      originCause: undefined,
      lastCause: undefined,
    };
    this.calls.set(id, call);
    return call;
  }

  private forget(call: Call): void {
    for (const id of call.channels.keys()) this.channelIndex.delete(id);
    this.calls.delete(call.id);
  }

  private callerExtension(call: Call): string | undefined {
    return call.origin?.kind === 'device' ? call.origin.extension : undefined;
  }

  /** What a leg stands for: a device's extension, or (for a trunk) the extension calling out. */
  private legKey(call: Call, ch: Channel): { key: string; extension: string | undefined } | undefined {
    if (ch.endpoint?.kind === 'device') return { key: ch.endpoint.extension, extension: ch.endpoint.extension };
    if (ch.endpoint?.kind === 'trunk') return { key: 'trunk', extension: this.callerExtension(call) };
    return undefined;
  }

  private ringing(ch: Channel): void {
    if (!ch.outgoing || ch.rang || ch.answered) return;
    const call = this.calls.get(ch.callId);
    if (!call) return;
    const leg = this.legKey(call, ch);
    if (!leg) return;
    ch.rang = true;
    if (leg.extension) call.involved.add(leg.extension);
    if (ch.endpoint?.kind === 'device') call.rungExtension = leg.extension;
    const announced = call.ringing.get(leg.key) ?? new Set<string>();
    call.ringing.set(leg.key, announced);
    const first = announced.size === 0;
    announced.add(ch.uniqueId);
    if (first) this.emitEvent(call, 'call.ringing', { uniqueId: ch.uniqueId, extension: leg.extension });
  }

  private answered(ch: Channel): void {
    if (!ch.outgoing || ch.answered) return;
    const call = this.calls.get(ch.callId);
    if (!call) return;
    const leg = this.legKey(call, ch);
    if (!leg) return;
    // A phone may answer without ringing first (no 180): receivers still see ringing → answered.
    if (!ch.rang) this.ringing(ch);
    ch.answered = true;
    call.answeredAt ??= this.now();
    if (ch.endpoint?.kind === 'device') call.answeredExtension = leg.extension;
    if (ch.endpoint?.kind === 'trunk') {
      call.answeredTrunk = ch.endpoint.trunk;
      call.answeredExtension ??= leg.extension;
    }
    this.emitEvent(call, 'call.answered', { uniqueId: ch.uniqueId, extension: leg.extension });
  }

  private known(uniqueId: unknown): { call: Call; ch: Channel } | undefined {
    const id = str(uniqueId);
    const callId = id ? this.channelIndex.get(id) : undefined;
    const call = callId !== undefined ? this.calls.get(callId) : undefined;
    const ch = id ? call?.channels.get(id) : undefined;
    return call && ch ? { call, ch } : undefined;
  }

  private extensionOf(uniqueId: unknown, channelName: unknown): string | undefined {
    const ch = this.known(uniqueId)?.ch;
    const endpoint = ch ? ch.endpoint : this.classify(str(channelName) ?? '');
    return endpoint?.kind === 'device' ? endpoint.extension : undefined;
  }

  private blindTransfer(e: AmiEventLike): void {
    if (str(e.result) !== 'Success') return;
    const transferee = this.known(e.transfereeuniqueid);
    const call = transferee?.call ?? this.calls.get(str(e.transfereelinkedid) ?? str(e.transfererlinkedid) ?? '');
    if (!call) return;
    const extension = this.extensionOf(e.transfereruniqueid, e.transfererchannel);
    const to = clean(e.extension);
    this.emitEvent(call, 'call.transferred', {
      uniqueId: transferee?.ch.uniqueId ?? str(e.transfereeuniqueid) ?? call.id,
      extension,
      ...(to ? { transferredTo: to } : {}),
    });
  }

  /**
   * Attended transfer: the transferer talked to the target in a second call, then joined the
   * transferee (first call) with the target. The target's channel moves into the transferee's
   * call, so that call goes on with the target and ends with one hangup.
   */
  private attendedTransfer(e: AmiEventLike): void {
    if (str(e.result) !== 'Success') return;
    const transferee = this.known(e.transfereeuniqueid);
    const call = transferee?.call ?? this.known(e.origtransfereruniqueid)?.call;
    if (!call) return;
    const target = this.known(e.transfertargetuniqueid);
    const targetExtension = target?.ch.endpoint?.kind === 'device' ? target.ch.endpoint.extension : undefined;
    const to = targetExtension ?? (clean(e.transfertargetcalleridnum) || clean(e.secondtransfererconnectedlinenum));
    if (target && target.call !== call) {
      const from = target.call;
      from.channels.delete(target.ch.uniqueId);
      target.ch.callId = call.id;
      call.channels.set(target.ch.uniqueId, target.ch);
      this.channelIndex.set(target.ch.uniqueId, call.id);
      if (targetExtension) {
        call.involved.add(targetExtension);
        if (target.ch.answered) call.answeredExtension = targetExtension;
      }
      if (from.channels.size === 0) this.end(from);
    }
    this.emitEvent(call, 'call.transferred', {
      uniqueId: transferee?.ch.uniqueId ?? call.id,
      extension: this.extensionOf(e.origtransfereruniqueid, e.origtransfererchannel),
      ...(to ? { transferredTo: to } : {}),
    });
  }

  private hangup(e: AmiEventLike): void {
    const ch = this.channel(e);
    if (!ch) return;
    const call = this.calls.get(ch.callId);
    if (!call) return;
    const code = Number(str(e.cause));
    const cause = Number.isInteger(code) ? { code, text: clean(e['cause-txt']) } : undefined;
    if (cause) {
      call.lastCause = cause;
      if (ch.uniqueId === call.id) call.originCause = cause;
    }
    call.channels.delete(ch.uniqueId);
    this.channelIndex.delete(ch.uniqueId);
    for (const legs of call.ringing.values()) legs.delete(ch.uniqueId);
    if (call.channels.size === 0) this.end(call);
  }

  private end(call: Call, cause?: { code: number; text: string }): void {
    this.forget(call);
    // A call first seen mid-way through (tracker started during it) and never announced is
    // not reported: a receiver would get a hangup for a call it never heard of.
    if (!call.complete && !call.announced) return;
    const extension = call.answeredExtension ?? call.rungExtension ?? call.triedExtension ?? this.callerExtension(call);
    this.emitEvent(call, 'call.hangup', {
      uniqueId: call.id,
      extension,
      endedAt: this.now(),
      cause: cause ?? call.originCause ?? call.lastCause ?? { code: 0, text: 'Unknown' },
    });
  }

  private emitEvent(
    call: Call,
    type: CallEventType,
    extra: { uniqueId: string; extension: string | undefined; transferredTo?: string; endedAt?: Date; cause?: { code: number; text: string } },
  ): void {
    call.announced = true;
    const at = extra.endedAt ?? this.now();
    const direction = call.origin?.kind === 'trunk' ? 'inbound' : call.sawTrunkLeg ? 'outbound' : 'internal';
    const calledNumber = call.calledNumber || call.triedExtension || call.rungExtension || '';
    const calledName = this.lookup(calledNumber);
    const trunk = direction === 'inbound' ? call.trunk : direction === 'outbound' ? (call.answeredTrunk ?? call.trunk) : undefined;
    const event: CallEvent = {
      id: randomUUID(),
      type,
      at: at.toISOString(),
      callId: call.id,
      uniqueId: extra.uniqueId,
      direction,
      caller: { ...call.caller },
      called: calledName ? { number: calledNumber, name: calledName } : { number: calledNumber },
      ...(extra.extension ? { extension: extra.extension } : {}),
      ...(direction === 'inbound' && call.did ? { did: call.did } : {}),
      ...(trunk ? { trunk } : {}),
      startedAt: call.startedAt.toISOString(),
      ...(call.answeredAt ? { answeredAt: call.answeredAt.toISOString() } : {}),
      ...(extra.endedAt ? { endedAt: extra.endedAt.toISOString() } : {}),
      ...(extra.transferredTo ? { transferredTo: extra.transferredTo } : {}),
      ...(extra.cause ? { cause: extra.cause } : {}),
      extensions: [...call.involved],
    };
    this.recentEvents.push(event);
    if (this.recentEvents.length > this.recentSize) this.recentEvents.splice(0, this.recentEvents.length - this.recentSize);
    try {
      this.emit('call', event);
    } catch (err) {
      // A listener's failure is its own; the tracker's state must stay consistent.
      this.opts.onError?.(err);
    }
  }
}
