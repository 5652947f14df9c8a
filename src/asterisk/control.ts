// What the rest of the supervisor asks of a running Asterisk, over AMI: parse a file, reload a
// module, list what it holds, who is registered, which calls are up. Structurally it is the
// ConfigTarget of src/apply (wired in main.ts; this layer does not import apply).
import { existsSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { AmiClient, AmiEvent } from './ami.ts';

export interface Registration {
  endpoint: string;
  uri: string;
  status: string;
}

export interface OutboundRegistration {
  name: string;
  serverUri: string;
  status: string;
}

export class AsteriskControl {
  private readonly ami: AmiClient;
  private readonly logFile: string;
  private booted = false;

  constructor(ami: AmiClient, opts: { instanceDir: string }) {
    this.ami = ami;
    this.logFile = join(opts.instanceDir, 'log', 'messages.log');
    ami.on('fullyBooted', () => {
      this.booted = true;
    });
    ami.on('disconnected', () => {
      this.booted = false;
    });
  }

  get ready(): boolean {
    return this.booted && this.ami.connected;
  }

  async checkSyntax(generation: number, file: string): Promise<string | undefined> {
    // Relative to astetcdir (config/): AMI parses only files inside it. Relative #include
    // lines resolve against the running generation; the library file is checked on its own,
    // so both halves are parsed.
    const path = `gen-${String(generation).padStart(6, '0')}/${file}`;
    try {
      await this.ami.action({ action: 'GetConfig', filename: path });
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  }

  async reload(module: string): Promise<void> {
    const res = await this.ami.action({ action: 'Reload', module }, 30_000);
    const msg = String(res.message ?? '');
    if (/error|fail/i.test(msg)) throw new Error(`reload of ${module}: ${msg}`);
  }

  async loadedObjects(): Promise<Set<string>> {
    const out = new Set<string>();
    const lists: [string, string, RegExp][] = [
      ['pjsip list endpoints', 'pjsip endpoint', /^\s*Endpoint:\s+(\S+)/],
      ['pjsip list aors', 'pjsip aor', /^\s*Aor:\s+(\S+)/],
      ['pjsip list auths', 'pjsip auth', /^\s*(?:I\/O)?Auth:\s+(\S+)/],
      ['pjsip list identifies', 'pjsip identify', /^\s*Identify:\s+(\S+)/],
      ['pjsip list registrations', 'pjsip registration', /^\s*(\S+)\/\S+\s+\S+/],
      ['pjsip list transports', 'pjsip transport', /^\s*Transport:\s+(\S+)/],
    ];
    for (const [cmd, kind, re] of lists) {
      const text = await this.ami.command(cmd);
      for (const line of text.split('\n')) {
        const m = re.exec(line);
        if (m?.[1] && !/^<|^=+$/.test(m[1])) out.add(`${kind}:${m[1].replace(/\/.*$/, '')}`);
      }
    }
    const dialplan = await this.ami.command('dialplan show');
    for (const m of dialplan.matchAll(/\[ Context '([^']+)'/g)) out.add(`dialplan context:${m[1]}`);
    const queues = await this.ami.command('queue show');
    for (const m of queues.matchAll(/^(\S+) has \d+ calls? /gm)) out.add(`queue:${m[1]}`);
    // "username" header, a dashed line, one user per line, a dashed line, the count.
    const managers = (await this.ami.command('manager show users')).split(/^-+\s*$/m)[1] ?? '';
    for (const line of managers.split('\n')) if (line.trim()) out.add(`ami user:${line.trim()}`);
    return out;
  }

  logMark(): number {
    return existsSync(this.logFile) ? statSync(this.logFile).size : 0;
  }

  errorsSince(mark: number): string[] {
    if (!existsSync(this.logFile)) return [];
    const size = statSync(this.logFile).size;
    if (size <= mark) return [];
    const fd = openSync(this.logFile, 'r');
    try {
      const buf = Buffer.alloc(Math.min(size - mark, 256 * 1024));
      readSync(fd, buf, 0, buf.length, mark);
      return buf
        .toString('utf8')
        .split('\n')
        .filter((l) => /\b(ERROR|WARNING)\[/.test(l))
        .map((l) => l.replace(/^\[[^\]]*\]\s*/, ''))
        .slice(0, 20);
    } finally {
      closeSync(fd);
    }
  }

  async registrations(): Promise<Registration[]> {
    const text = await this.ami.command('pjsip show contacts');
    const out: Registration[] = [];
    for (const line of text.split('\n')) {
      const m = /^\s*Contact:\s+(\S+?)\/(\S+)\s+\S+\s+(\S+)/.exec(line);
      if (m?.[1] && m[2] && m[3] && !m[1].startsWith('<')) out.push({ endpoint: m[1], uri: m[2], status: m[3] });
    }
    return out;
  }

  /**
   * Outbound registrations (register trunks) and their state: Registered, Unregistered,
   * Rejected or Stopped. `name` is the registration object's name.
   */
  async outboundRegistrations(): Promise<OutboundRegistration[]> {
    const text = await this.ami.command('pjsip list registrations');
    const out: OutboundRegistration[] = [];
    // " trunk-x/sip:host:port   trunk-x   Registered   (exp. 591s)"; the auth column may be empty.
    for (const line of text.split('\n')) {
      const m = /^\s*([^\s/<]+)\/(\S+)\s+(?:\S+\s+)?(Registered|Unregistered|Rejected|Stopped)\b/.exec(line);
      if (m?.[1] && m[2] && m[3]) out.push({ name: m[1], serverUri: m[2], status: m[3] });
    }
    return out;
  }

  /** Any CLI command (status views, tests). */
  command(cli: string): Promise<string> {
    return this.ami.command(cli);
  }

  async activeCalls(): Promise<number> {
    const text = await this.ami.command('core show channels count');
    const m = /(\d+) active call/.exec(text);
    return m ? Number(m[1]) : 0;
  }

  // ---- AstDB, custom device states, user events (switches) ------------------------------------

  /** The AstDB value at family/key, undefined when there is none. */
  async dbGet(family: string, key: string): Promise<string | undefined> {
    try {
      const events = await this.ami.actionList({ action: 'DBGet', family, key }, 'DBGetComplete');
      const found = events.find((e) => e.event === 'DBGetResponse');
      return found ? String(found.val ?? '') : undefined;
    } catch (err) {
      if (/not found/i.test((err as Error).message)) return undefined;
      throw err;
    }
  }

  async dbPut(family: string, key: string, value: string): Promise<void> {
    await this.ami.action({ action: 'DBPut', family, key, val: value });
  }

  /** Removes a family and everything under it; a family that is not there is fine. */
  async dbDelTree(family: string): Promise<void> {
    try {
      await this.ami.action({ action: 'DBDelTree', family });
    } catch (err) {
      if (!/not found|not deleted/i.test((err as Error).message)) throw err;
    }
  }

  /** Sets a custom device state (Custom:<name>); Asterisk keeps it across restarts. */
  async setDeviceState(device: string, state: 'NOT_INUSE' | 'INUSE' | 'BUSY' | 'UNAVAILABLE' | 'RINGING' | 'ONHOLD'): Promise<void> {
    if (!/^Custom:[A-Za-z0-9_-]+$/.test(device)) throw new Error(`not a custom device: ${device}`);
    // Setvar without a channel writes the function globally: no CLI command (and no command
    // permission) needed.
    await this.ami.action({ action: 'Setvar', variable: `DEVICE_STATE(${device})`, value: state });
  }

  /** The state Asterisk holds for a device (DEVICE_STATE()): NOT_INUSE, INUSE, UNKNOWN, ... */
  async deviceState(device: string): Promise<string> {
    const res = await this.ami.action({ action: 'Getvar', variable: `DEVICE_STATE(${device})` });
    return String(res.value ?? '');
  }

  /** Publishes UserEvent(<name>) with the headers, to every AMI client that reads user events. */
  async userEvent(name: string, headers: Record<string, string>): Promise<void> {
    for (const [k, v] of Object.entries(headers)) {
      // A header name or value with a line break would start another header or message.
      if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(k) || /[\r\n]/.test(v)) throw new Error(`invalid user event header ${k}`);
    }
    await this.ami.action({ ...headers, action: 'UserEvent', userevent: name });
  }

  // ---- queues (app_queue) -----------------------------------------------------------------------

  /**
   * Every queue Asterisk runs (or the one named), with its members and waiting callers.
   * Without app_queue loaded (no queue configured) there are none.
   */
  async queueStatus(queue?: string): Promise<AsteriskQueueStatus[]> {
    let events: AmiEvent[];
    try {
      events = await this.ami.actionList({ action: 'QueueStatus', ...(queue ? { queue } : {}) }, 'QueueStatusComplete');
    } catch (err) {
      if (/invalid\/unknown command/i.test((err as Error).message)) return [];
      throw err;
    }
    const out = new Map<string, AsteriskQueueStatus>();
    const of = (name: string) => {
      let q = out.get(name);
      if (!q) out.set(name, (q = { queue: name, calls: 0, members: [], entries: [] }));
      return q;
    };
    for (const e of events) {
      const name = text(e.queue);
      if (!name) continue;
      if (e.event === 'QueueParams') of(name).calls = num(e.calls);
      else if (e.event === 'QueueMember') of(name).members.push(queueMemberOf(e));
      else if (e.event === 'QueueEntry')
        of(name).entries.push({
          queue: name,
          position: num(e.position),
          channel: text(e.channel),
          uniqueId: text(e.uniqueid),
          callerNumber: text(e.calleridnum),
          callerName: text(e.calleridname),
          waitSeconds: num(e.wait),
        });
    }
    for (const q of out.values()) q.entries.sort((a, b) => a.position - b.position);
    return [...out.values()];
  }

  /** QueueAdd: 'already' when the interface is in the queue; 'noqueue' when Asterisk has no such queue. */
  async queueAdd(m: { queue: string; interface: string; memberName: string; stateInterface: string; penalty: number; paused?: boolean }): Promise<'added' | 'already' | 'noqueue'> {
    try {
      await this.ami.action({
        action: 'QueueAdd',
        queue: m.queue,
        interface: m.interface,
        membername: m.memberName,
        stateinterface: m.stateInterface,
        penalty: String(m.penalty),
        paused: m.paused ? 'true' : 'false',
      });
      return 'added';
    } catch (err) {
      const msg = (err as Error).message;
      if (/already there/i.test(msg)) return 'already';
      if (/no such queue/i.test(msg)) return 'noqueue';
      throw err;
    }
  }

  /** QueueRemove: 'absent' when the interface is not in the queue (or the queue does not exist); 'static' for a member from queues.conf. */
  async queueRemove(queue: string, iface: string): Promise<'removed' | 'absent' | 'static'> {
    try {
      await this.ami.action({ action: 'QueueRemove', queue, interface: iface });
      return 'removed';
    } catch (err) {
      const msg = (err as Error).message;
      if (/not dynamic/i.test(msg)) return 'static';
      if (/not there|no such queue/i.test(msg)) return 'absent';
      throw err;
    }
  }

  /** QueuePause in one queue: 'absent' when the interface is not in it. */
  async queuePause(queue: string, iface: string, paused: boolean, reason?: string): Promise<'done' | 'absent'> {
    try {
      await this.ami.action({ action: 'QueuePause', queue, interface: iface, paused: paused ? 'true' : 'false', ...(reason ? { reason } : {}) });
      return 'done';
    } catch (err) {
      if (/not found/i.test((err as Error).message)) return 'absent';
      throw err;
    }
  }

  // ---- conferences (app_confbridge) -------------------------------------------------------------

  /**
   * The participants of a running ConfBridge conference. A conference exists only while someone
   * is in it: none when it is not running (or app_confbridge is not loaded).
   */
  async confbridgeList(conference: string): Promise<ConfbridgeParticipant[]> {
    amiValues(conference);
    let events: AmiEvent[];
    try {
      events = await this.ami.actionList({ action: 'ConfbridgeList', conference }, 'ConfbridgeListComplete');
    } catch (err) {
      if (CONFBRIDGE_ABSENT.test((err as Error).message)) return [];
      throw err;
    }
    return events
      .filter((e) => e.event === 'ConfbridgeList' && text(e.conference) === conference && text(e.channel) !== '')
      .map((e) => ({
        conference,
        channel: text(e.channel),
        uniqueId: text(e.uniqueid),
        callerNumber: text(e.calleridnum),
        callerName: text(e.calleridname),
        admin: yes(e.admin),
        marked: yes(e.markeduser),
        muted: yes(e.muted),
        answeredSeconds: num(e.answeredtime),
      }));
  }

  /** Every running conference (Page() runs its own, named with numbers). */
  async confbridgeRooms(): Promise<ConfbridgeRoom[]> {
    let events: AmiEvent[];
    try {
      events = await this.ami.actionList({ action: 'ConfbridgeListRooms' }, 'ConfbridgeListRoomsComplete');
    } catch (err) {
      if (CONFBRIDGE_ABSENT.test((err as Error).message)) return [];
      throw err;
    }
    return events
      .filter((e) => e.event === 'ConfbridgeListRooms' && text(e.conference) !== '')
      .map((e) => ({ conference: text(e.conference), parties: num(e.parties), marked: num(e.marked), locked: yes(e.locked), muted: yes(e.muted) }));
  }

  /**
   * ConfbridgeMute/ConfbridgeUnmute of one channel: 'absent' when the conference or the channel
   * is not there. Asterisk takes a channel name prefix (and the words all, participants): the
   * caller passes a full name it has just listed.
   */
  async confbridgeMute(conference: string, channel: string, muted: boolean): Promise<'done' | 'absent'> {
    return this.confbridgeAction({ action: muted ? 'ConfbridgeMute' : 'ConfbridgeUnmute', conference, channel });
  }

  /** ConfbridgeKick of one channel (hung up after the kicked prompt): 'absent' as confbridgeMute. */
  async confbridgeKick(conference: string, channel: string): Promise<'done' | 'absent'> {
    return this.confbridgeAction({ action: 'ConfbridgeKick', conference, channel });
  }

  /** ConfbridgeLock/ConfbridgeUnlock: 'absent' when the conference is not running. */
  async confbridgeLock(conference: string, locked: boolean): Promise<'done' | 'absent'> {
    return this.confbridgeAction({ action: locked ? 'ConfbridgeLock' : 'ConfbridgeUnlock', conference });
  }

  private async confbridgeAction(fields: Record<string, string>): Promise<'done' | 'absent'> {
    amiValues(...Object.values(fields));
    try {
      await this.ami.action(fields);
      return 'done';
    } catch (err) {
      if (CONFBRIDGE_ABSENT.test((err as Error).message)) return 'absent';
      throw err;
    }
  }

  /**
   * Hangs up one channel by its full name (AMI Hangup; a name between slashes would be taken as
   * a regular expression: the caller passes a listed name). 'absent' when it is gone already.
   */
  async hangupChannel(channel: string, cause = 16): Promise<'done' | 'absent'> {
    amiValues(channel);
    if (channel.startsWith('/')) throw new Error('a channel name, not a pattern');
    try {
      await this.ami.action({ action: 'Hangup', channel, cause: String(cause) });
      return 'done';
    } catch (err) {
      if (/no such channel/i.test((err as Error).message)) return 'absent';
      throw err;
    }
  }

  /** A channel variable (Getvar); undefined when the channel is gone or the variable unset. */
  async channelVariable(channel: string, variable: string): Promise<string | undefined> {
    amiValues(channel, variable);
    try {
      const res = await this.ami.action({ action: 'Getvar', channel, variable });
      const value = String(res.value ?? '');
      return value === '' ? undefined : value;
    } catch (err) {
      if (/no such channel|not found/i.test((err as Error).message)) return undefined;
      throw err;
    }
  }
}

/** app_confbridge's answers when the conference or channel is not there (or the module is not loaded). */
const CONFBRIDGE_ABSENT = /no active conferences|no conference by that name|conference not found|no channel by that name|invalid\/unknown command/i;

/** A value with a line break would end its AMI header and start another one. */
function amiValues(...values: string[]): void {
  for (const v of values) if (/[\r\n]/.test(v)) throw new Error('an AMI value may not contain a line break');
}

const yes = (v: unknown): boolean => /^(yes|true|1)$/i.test(text(v));

/** A participant of a ConfBridge conference (ConfbridgeList). */
export interface ConfbridgeParticipant {
  conference: string;
  channel: string;
  uniqueId: string;
  callerNumber: string;
  callerName: string;
  /** Joined with an admin user profile (a moderator). */
  admin: boolean;
  marked: boolean;
  muted: boolean;
  /** Seconds since the channel was answered. */
  answeredSeconds: number;
}

/** A running ConfBridge conference (ConfbridgeListRooms). */
export interface ConfbridgeRoom {
  conference: string;
  parties: number;
  marked: number;
  locked: boolean;
  muted: boolean;
}

/** A queue as Asterisk runs it (QueueStatus): section name, waiting calls, members, callers. */
export interface AsteriskQueueStatus {
  queue: string;
  calls: number;
  members: AsteriskQueueMember[];
  entries: AsteriskQueueEntry[];
}

export interface AsteriskQueueMember {
  queue: string;
  /** Member name (the PBX puts the extension number there). */
  name: string;
  interface: string;
  stateInterface: string;
  membership: 'static' | 'dynamic' | 'realtime' | string;
  penalty: number;
  callsTaken: number;
  /** Seconds since the epoch; 0: never. */
  lastCall: number;
  inCall: boolean;
  /** Asterisk device state number (1 not in use, 2 in use, 3 busy, 5 unavailable, 6 ringing, ...). */
  status: number;
  paused: boolean;
  pausedReason: string;
}

export interface AsteriskQueueEntry {
  queue: string;
  position: number;
  channel: string;
  uniqueId: string;
  callerNumber: string;
  callerName: string;
  waitSeconds: number;
}

/** AMI's "<unknown>" and absent values are empty. */
function text(v: unknown): string {
  const s = typeof v === 'string' ? v : '';
  return s === '<unknown>' ? '' : s;
}

function num(v: unknown): number {
  const n = Number.parseInt(text(v), 10);
  return Number.isFinite(n) ? n : 0;
}

/** QueueMember (QueueStatus) names its fields name/location; QueueMember* events membername/interface. */
function queueMemberOf(e: AmiEvent): AsteriskQueueMember {
  return {
    queue: text(e.queue),
    name: text(e.name) || text(e.membername),
    interface: text(e.location) || text(e.interface),
    stateInterface: text(e.stateinterface),
    membership: text(e.membership),
    penalty: num(e.penalty),
    callsTaken: num(e.callstaken),
    lastCall: num(e.lastcall),
    inCall: text(e.incall) === '1',
    status: num(e.status),
    paused: text(e.paused) === '1',
    pausedReason: text(e.pausedreason),
  };
}
