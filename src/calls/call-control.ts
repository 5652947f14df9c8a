// Call control for CRMs: click-to-call, the list of active calls, hang up and blind transfer by
// call id. The REST routes of /api/v1/calls sit on top of this class; docs/click-to-call.md
// describes the behaviour.
//
// Click-to-call originates, through ARI, Local/<extension>@pbx-lib-c2c-ring (pbx-lib.conf): its
// ;2 half rings every registered device of the extension at once (the phones show the number
// to call); when one answers, the ;1 half takes the extension's own caller id and continues at
// <number> in the extension's class context, exactly where its phones' calls run, so class,
// number manipulation, trunk failover and channel limits apply as if the user had dialled.
//
// The call id is the uniqueid given to the originated ;1 channel. Every channel the call leads
// to inherits it as its linkedid (bridges keep the oldest linkedid), so the call id is the
// linkedid: list, hang up and transfer find a call's channels by it, for click-to-call calls
// and any other call alike, and it equals the callId of call events.
import { randomUUID } from 'node:crypto';
import type { PbxConfig } from '../domain/model.ts';
import { dialContext, dialDecision } from '../domain/dialing.ts';
import {
  clickToCallRequestSchema,
  transferRequestSchema,
  type ActiveCall,
  type ActiveCallChannel,
  type ClickToCallRequest,
  type ClickToCallResponse,
  type TransferRequest,
} from '../domain/call-control.ts';
import { ConflictError, NotFoundError, NotPermittedError, UnavailableError, ValidationError, type FieldError } from '../domain/errors.ts';
import type { Logger } from '../lib/log.ts';

/** What CallControl needs of ARI (AriClient). */
export interface CallOriginator {
  readonly connected: boolean;
  originate(req: {
    endpoint: string;
    context: string;
    extension: string;
    priority?: number;
    callerId?: string;
    variables?: Record<string, string>;
    timeoutSeconds?: number;
    channelId?: string;
    otherChannelId?: string;
  }): Promise<string>;
  /** False when the channel is already gone. */
  hangup(channelId: string): Promise<boolean>;
  listChannels(): Promise<{ id: string; creationtime: string }[]>;
}

export interface AmiEventLike {
  event: string;
  [field: string]: unknown;
}

/** What CallControl needs of AMI (AmiClient): actions, and the events that answer list actions. */
export interface CallManagerActions {
  readonly connected: boolean;
  action(fields: Record<string, string>, timeoutMs?: number): Promise<Record<string, unknown>>;
  on(event: 'event', listener: (e: AmiEventLike) => void): unknown;
  off(event: 'event', listener: (e: AmiEventLike) => void): unknown;
}

export interface CallControlDeps {
  ari: CallOriginator;
  ami: CallManagerActions;
  /** Contacts registered in Asterisk (AsteriskControl.registrations). */
  registrations(): Promise<{ endpoint: string; uri: string; status: string }[]>;
  /** The current model. */
  config(): PbxConfig;
  logger: Logger;
  /** How long the extension's phones ring before click-to-call gives up (default 30). */
  ringSeconds?: number;
}

/** One channel as CoreShowChannels reports it. */
interface ShownChannel {
  channel: string;
  uniqueId: string;
  linkedId: string;
  state: string;
  callerNumber: string;
  callerName: string;
  connectedNumber: string;
  connectedName: string;
  bridgeId: string;
  durationSeconds: number;
}

interface ClickToCallRecord {
  extension: string;
  number: string;
  at: number;
}

const RING_CONTEXT = 'pbx-lib-c2c-ring';
const DIAL_CONTEXT = 'pbx-lib-c2c-dial';
/** Records of click-to-call calls are dropped when the call is gone, or after this at the latest. */
const RECORD_TTL_MS = 24 * 3600_000;
/** A contact whose qualify failed cannot ring. */
const UNREACHABLE_CONTACT = /^(Unavail|Unreachable)$/i;

function zodFields(issues: readonly { path: readonly PropertyKey[]; message: string }[]): FieldError[] {
  return issues.map((i) => ({ path: i.path.filter((p): p is string | number => typeof p !== 'symbol'), message: i.message }));
}

/** AMI's "<unknown>" and empty values are absent. */
function amiText(v: unknown): string {
  const s = typeof v === 'string' ? v : '';
  return s === '<unknown>' ? '' : s;
}

function hms(v: unknown): number {
  const m = /^(\d+):(\d\d):(\d\d)$/.exec(amiText(v));
  return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : 0;
}

/** PJSIP/<endpoint>-<sequence> → endpoint. */
function pjsipEndpoint(channel: string): string | undefined {
  const m = /^PJSIP\/(.+)-[0-9a-f]+$/.exec(channel);
  return m?.[1];
}

export class CallControl {
  private readonly deps: CallControlDeps;
  private readonly clickToCalls = new Map<string, ClickToCallRecord>();

  constructor(deps: CallControlDeps) {
    this.deps = deps;
  }

  private requireAsterisk(): void {
    if (!this.deps.ari.connected || !this.deps.ami.connected) throw new UnavailableError('Asterisk is not connected');
  }

  /**
   * Rings every registered device of the extension; once one answers, dials the number with
   * the extension's permissions. Resolves when the phones start ringing, with the call id.
   */
  async clickToCall(input: ClickToCallRequest): Promise<ClickToCallResponse> {
    const parsed = clickToCallRequestSchema.safeParse(input);
    if (!parsed.success) throw new ValidationError('invalid click-to-call request', zodFields(parsed.error.issues));
    const { extension, number, displayName } = parsed.data;
    const config = this.deps.config();
    const ext = config.extensions.find((e) => e.number === extension);
    if (!ext) throw new NotFoundError(`extension ${extension} does not exist`);
    if (number === extension) throw new ValidationError('an extension cannot call itself', [{ path: ['number'], message: 'is the extension itself' }]);
    const decision = dialDecision(config, extension, number);
    if (decision.kind === 'refused') throw new NotPermittedError(decision.reason);
    this.requireAsterisk();

    const contacts = await this.deps.registrations().catch((err: unknown) => {
      throw new UnavailableError(`Asterisk did not list its registrations: ${(err as Error).message}`);
    });
    const registered = new Set(contacts.filter((r) => !UNREACHABLE_CONTACT.test(r.status)).map((r) => r.endpoint));
    const devices = ext.devices.map((d) => d.username).filter((u) => registered.has(u));
    if (!devices.length) throw new ConflictError(`extension ${extension} has no registered device`);

    const shownName = displayName ?? config.extensions.find((e) => e.number === number)?.name;
    const callId = randomUUID();
    const variables: Record<string, string> = {
      PBX_C2C_DEVICES: devices.map((u) => `PJSIP/${u}`).join('&'),
      PBX_C2C_CALLERID: `"${ext.name}" <${ext.number}>`,
      PBX_C2C_CONTEXT: dialContext(ext),
      PBX_CALLER_EXT: ext.number,
      // As its devices carry it: a locked extension's click-to-call dials through its locked class.
      PBX_LOCK_CLASS: dialContext({ class: ext.lockedClass }),
    };
    try {
      await this.deps.ari.originate({
        endpoint: `Local/${ext.number}@${RING_CONTEXT}`,
        context: DIAL_CONTEXT,
        extension: number,
        priority: 1,
        // Caller id of the ringing leg: the phones show whom they are about to call.
        callerId: shownName ? `"${shownName}" <${number}>` : number,
        variables,
        timeoutSeconds: this.deps.ringSeconds ?? 30,
        channelId: callId,
        otherChannelId: `${callId}-2`,
      });
    } catch (err) {
      this.deps.logger.warn({ err: (err as Error).message, extension, number }, 'click-to-call originate failed');
      throw new UnavailableError(`Asterisk did not place the call: ${(err as Error).message}`);
    }
    this.remember(callId, { extension, number, at: Date.now() });
    this.deps.logger.info({ callId, extension, number, devices }, 'click-to-call placed');
    return { callId, extension, number, kind: decision.kind, ...(decision.rule ? { rule: decision.rule } : {}), ringing: devices };
  }

  /** Every call in progress (click-to-call or not), one entry per linkedid. */
  async list(): Promise<ActiveCall[]> {
    this.requireAsterisk();
    const [shown, created] = await Promise.all([
      this.showChannels(),
      this.deps.ari.listChannels().then(
        (list) => new Map(list.map((c) => [c.id, c.creationtime])),
        () => new Map<string, string>(),
      ),
    ]);
    const config = this.deps.config();
    const deviceOwner = new Map(config.extensions.flatMap((e) => e.devices.map((d) => [d.username, e.number] as const)));
    const now = Date.now();
    const byCall = new Map<string, ShownChannel[]>();
    for (const c of shown) byCall.set(c.linkedId, [...(byCall.get(c.linkedId) ?? []), c]);
    this.prune(new Set(byCall.keys()));

    const calls: ActiveCall[] = [];
    for (const [callId, channels] of byCall) {
      const startOf = (c: ShownChannel) => {
        const t = Date.parse((created.get(c.uniqueId) ?? '').replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
        return Number.isNaN(t) ? now - c.durationSeconds * 1000 : t;
      };
      const starts = channels.map(startOf);
      const startedAt = Math.min(...starts);
      const record = this.clickToCalls.get(callId);
      calls.push({
        callId,
        startedAt: new Date(startedAt).toISOString(),
        durationSeconds: Math.max(0, Math.floor((now - startedAt) / 1000)),
        ...(record ? { clickToCall: { extension: record.extension, number: record.number } } : {}),
        channels: channels
          .map((c, i) => ({ c, start: starts[i]! }))
          .sort((a, b) => a.start - b.start || a.c.uniqueId.localeCompare(b.c.uniqueId))
          .map(({ c, start }) => this.describeChannel(c, start, deviceOwner)),
      });
    }
    return calls.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  }

  private describeChannel(c: ShownChannel, start: number, deviceOwner: Map<string, string>): ActiveCallChannel {
    const endpoint = pjsipEndpoint(c.channel);
    const out: ActiveCallChannel = {
      uniqueId: c.uniqueId,
      channel: c.channel,
      state: c.state,
      callerNumber: c.callerNumber,
      connectedNumber: c.connectedNumber,
      startedAt: new Date(start).toISOString(),
    };
    if (c.callerName) out.callerName = c.callerName;
    if (c.connectedName) out.connectedName = c.connectedName;
    if (endpoint?.startsWith('trunk-')) out.trunk = endpoint.slice('trunk-'.length);
    else if (endpoint && deviceOwner.has(endpoint)) {
      out.device = endpoint;
      out.extension = deviceOwner.get(endpoint)!;
    }
    return out;
  }

  /** Hangs up every channel of the call. */
  async hangup(callId: string): Promise<void> {
    this.requireAsterisk();
    const channels = (await this.showChannels()).filter((c) => c.linkedId === callId);
    if (!channels.length) throw new NotFoundError(`no call ${callId}`);
    // Every leg, not one: a Local leg or a transfer target would otherwise keep part of it up.
    await Promise.all(channels.map((c) => this.deps.ari.hangup(c.uniqueId)));
    this.clickToCalls.delete(callId);
    this.deps.logger.info({ callId, channels: channels.length }, 'call hung up through the API');
  }

  /**
   * Blind transfer: the party the call's extension talks to goes to `to`, and the extension's
   * leg is hung up, as if its phone had transferred. `to` is dialled in the extension's class
   * context and checked with its class first. The call's extension is the click-to-call
   * extension while one of its devices is in the call, else the extension of the call's oldest
   * device channel; a call without one (trunk to trunk) cannot be transferred.
   */
  async transfer(callId: string, input: TransferRequest): Promise<{ callId: string; to: string }> {
    const parsed = transferRequestSchema.safeParse(input);
    if (!parsed.success) throw new ValidationError('invalid transfer request', zodFields(parsed.error.issues));
    const { to } = parsed.data;
    this.requireAsterisk();
    const channels = (await this.showChannels()).filter((c) => c.linkedId === callId);
    if (!channels.length) throw new NotFoundError(`no call ${callId}`);

    const config = this.deps.config();
    const deviceOwner = new Map(config.extensions.flatMap((e) => e.devices.map((d) => [d.username, e.number] as const)));
    const deviceChannels = channels
      .map((c) => ({ c, extension: deviceOwner.get(pjsipEndpoint(c.channel) ?? '') }))
      .filter((x): x is { c: ShownChannel; extension: string } => x.extension !== undefined && x.c.state === 'Up' && x.c.bridgeId !== '')
      // Oldest first: CoreShowChannels gives no creation time, but a longer duration is older.
      .sort((a, b) => b.c.durationSeconds - a.c.durationSeconds);
    const preferred = this.clickToCalls.get(callId)?.extension;
    const transferer = deviceChannels.find((x) => x.extension === preferred) ?? deviceChannels[0];
    if (!transferer) throw new ConflictError(`call ${callId} has no connected extension to transfer from`);

    const ext = config.extensions.find((e) => e.number === transferer.extension);
    if (!ext) throw new ConflictError(`call ${callId} has no connected extension to transfer from`);
    if (to === ext.number) throw new ValidationError('a call cannot be transferred to the extension transferring it', [{ path: ['to'], message: 'is the transferring extension' }]);
    const decision = dialDecision(config, ext.number, to);
    if (decision.kind === 'refused') throw new NotPermittedError(decision.reason);

    try {
      await this.deps.ami.action({ action: 'BlindTransfer', channel: transferer.c.channel, context: dialContext(ext), exten: to });
    } catch (err) {
      // Asterisk refuses when the leg left its bridge meanwhile (hung up, already transferred).
      throw new ConflictError(`the call could not be transferred: ${(err as Error).message}`);
    }
    this.deps.logger.info({ callId, from: transferer.c.channel, to, context: dialContext(ext) }, 'call transferred through the API');
    return { callId, to };
  }

  /** CoreShowChannels: one event per channel, then CoreShowChannelsComplete, all with our ActionID. */
  private async showChannels(): Promise<ShownChannel[]> {
    const { ami } = this.deps;
    const actionid = `pbx-calls-${randomUUID()}`;
    const events: AmiEventLike[] = [];
    let listener: ((e: AmiEventLike) => void) | undefined;
    const complete = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new UnavailableError('Asterisk did not list its channels in time')), 10_000);
      listener = (e) => {
        if (e.actionid !== actionid) return;
        if (e.event === 'CoreShowChannelsComplete') {
          clearTimeout(timer);
          resolve();
        } else if (e.event === 'CoreShowChannel') events.push(e);
      };
      ami.on('event', listener);
    });
    try {
      await ami.action({ action: 'CoreShowChannels', actionid });
      await complete;
    } catch (err) {
      complete.catch(() => {});
      if (err instanceof UnavailableError) throw err;
      throw new UnavailableError(`Asterisk did not list its channels: ${(err as Error).message}`);
    } finally {
      if (listener) ami.off('event', listener);
    }
    return events.map((e) => ({
      channel: amiText(e.channel),
      uniqueId: amiText(e.uniqueid),
      linkedId: amiText(e.linkedid) || amiText(e.uniqueid),
      state: amiText(e.channelstatedesc),
      callerNumber: amiText(e.calleridnum),
      callerName: amiText(e.calleridname),
      connectedNumber: amiText(e.connectedlinenum),
      connectedName: amiText(e.connectedlinename),
      bridgeId: amiText(e.bridgeid),
      durationSeconds: hms(e.duration),
    }));
  }

  private remember(callId: string, record: ClickToCallRecord): void {
    const cutoff = Date.now() - RECORD_TTL_MS;
    for (const [id, r] of this.clickToCalls) if (r.at < cutoff) this.clickToCalls.delete(id);
    this.clickToCalls.set(callId, record);
  }

  /** Forgets click-to-call records of calls that are over (kept a minute: the call may still be setting up). */
  private prune(live: Set<string>): void {
    const recent = Date.now() - 60_000;
    for (const [id, r] of this.clickToCalls) if (!live.has(id) && r.at < recent) this.clickToCalls.delete(id);
  }
}
