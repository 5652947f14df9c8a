// The two files Asterisk writes for us, line by line:
//
// pbx-cdr.log (cdr_custom, mapping rendered by src/render/cdr-conf.ts from CDR_LINE_FIELDS): one CDR record per
// line, "v1" then every field URIENCODEd (RFC 3986), comma-separated. Encoding every text field
// means nothing a caller controls (a caller name with commas, quotes or line ends) can split or
// shift a record: a line either parses whole or is rejected.
//
// queue_log (app_queue): epoch|callid|queue|agent|EVENT|data1|data2|... (Asterisk's documented
// format). Only the queues of the model (pbx-queue-<name>) are read.
import type { CdrDirection, CdrRecord, QueueOutcome } from '../domain/cdr.ts';
import { CDR_LINE_FIELDS, CDR_LINE_VERSION } from '../domain/cdr.ts';

export { CDR_LINE_FIELDS, CDR_LINE_VERSION };

export type CdrLine = Record<(typeof CDR_LINE_FIELDS)[number], string>;

/** A parsed CDR record, numbers and names still whole. */
export type ParsedCdr = CdrRecord;

export class CdrParseError extends Error {}

/** An epoch with a fraction ("1700000000.123456") as ISO 8601; 0 or empty: undefined. */
function epochIso(v: string): string | undefined {
  const n = Number(v);
  if (!v || !Number.isFinite(n) || n <= 0) return undefined;
  return new Date(Math.round(n * 1000)).toISOString();
}

/** "Name" <number>, Name <number>, or <number>. */
export function parseClid(clid: string): { name: string; number: string } {
  const m = /^\s*(?:"((?:[^"\\]|\\.)*)"|([^<]*?))\s*<([^>]*)>\s*$/.exec(clid);
  if (!m) return { name: '', number: clid.trim() };
  return { name: (m[1] ?? m[2] ?? '').replace(/\\(.)/g, '$1').trim(), number: m[3]!.trim() };
}

/** The trunk of a channel name PJSIP/trunk-<name>-<id>, or ''. */
export function trunkOf(channel: string): string {
  const m = /^PJSIP\/trunk-([A-Za-z0-9_-]+)-[0-9a-f]{8}$/.exec(channel);
  return m ? m[1]! : '';
}

/** One cdr_custom line; CdrParseError when it is not a whole record of this version. */
export function parseCdrLine(line: string): ParsedCdr {
  const parts = line.split(',');
  if (parts[0] !== CDR_LINE_VERSION) throw new CdrParseError(`not a ${CDR_LINE_VERSION} CDR line`);
  if (parts.length !== CDR_LINE_FIELDS.length + 1) throw new CdrParseError(`a CDR line has ${CDR_LINE_FIELDS.length + 1} fields, this one ${parts.length}`);
  const f = {} as CdrLine;
  CDR_LINE_FIELDS.forEach((name, i) => {
    try {
      f[name] = decodeURIComponent(parts[i + 1]!);
    } catch {
      throw new CdrParseError(`field ${name} is not URI-encoded`);
    }
  });
  const start = epochIso(f.start);
  const end = epochIso(f.end) ?? start;
  if (!f.uniqueid || !start || !end) throw new CdrParseError('a CDR line without unique id or start');
  const answer = epochIso(f.answer);
  const clid = parseClid(f.clid);
  const trunk = f.pbx_trunk || trunkOf(f.dstchannel) || trunkOf(f.channel);
  const did = f.pbx_did;
  const direction: CdrDirection =
    f.pbx_dir === 'in' || f.pbx_dir === 'out' || f.pbx_dir === 'internal'
      ? f.pbx_dir
      : did !== '' || trunkOf(f.channel) !== ''
        ? 'in'
        : trunk !== ''
          ? 'out'
          : 'internal';
  const cause = Number(f.pbx_cause);
  const extensions = [...new Set(f.pbx_exts.split('&').filter((e) => /^[0-9*#]{1,16}$/.test(e)))];
  return {
    uniqueId: f.uniqueid,
    linkedId: f.linkedid || f.uniqueid,
    sequence: Number.parseInt(f.sequence, 10) || 0,
    start,
    ...(answer ? { answer } : {}),
    end,
    duration: Math.max(0, Math.round((Number(f.duration) || 0) * 1000) / 1000),
    billsec: answer ? Math.max(0, Math.round((Number(f.billsec) || 0) * 1000) / 1000) : 0,
    callerNumber: clid.number || f.src,
    callerName: clid.name,
    // The number as dialled (pbx-lib-callee, pbx-lib-ext) beats Asterisk's dst, which is "s"
    // inside the library's subroutines.
    calledNumber: f.pbx_called || (f.dst === 's' ? '' : f.dst),
    calledName: '',
    did,
    extensions,
    trunk,
    direction,
    disposition: f.disposition,
    ...(f.pbx_cause !== '' && Number.isInteger(cause) && cause > 0 ? { hangupCause: cause } : {}),
    route: f.pbx_route,
    accountCode: f.accountcode,
    channel: f.channel,
    dstChannel: f.dstchannel,
    lastApp: f.lastapp,
  };
}

/** A queue_log line reduced to what a queue call needs; undefined for lines of no interest. */
export type ParsedQueueEvent =
  | { kind: 'enter'; at: string; callId: string; queue: string; callerNumber: string; position: number }
  | { kind: 'connect'; at: string; callId: string; queue: string; agent: string; waitTime: number }
  | { kind: 'end'; at: string; callId: string; queue: string; event: string; waitTime?: number; talkTime?: number; agent?: string };

export const QUEUE_PREFIX = 'pbx-queue-';

/** The extension of a member: Local/<ext>@pbx-agent/n, PJSIP/<device>, or its member name. */
export function agentOf(member: string): string {
  const local = /^Local\/([0-9*#]+)@/.exec(member);
  if (local) return local[1]!;
  return member === 'NONE' ? '' : member;
}

const int = (v: string | undefined): number => {
  const n = Number.parseInt(v ?? '', 10);
  return Number.isFinite(n) && n >= 0 ? n : 0;
};

export function parseQueueLogLine(line: string): ParsedQueueEvent | undefined {
  const p = line.split('|');
  if (p.length < 5) return undefined;
  const [epoch, callId, queueName, member, event] = p as [string, string, string, string, string];
  if (!queueName.startsWith(QUEUE_PREFIX) || !callId || callId === 'NONE' || callId === 'REALTIME') return undefined;
  const at = epochIso(epoch);
  if (!at) return undefined;
  const queue = queueName.slice(QUEUE_PREFIX.length);
  const data = p.slice(5);
  const base = { at, callId, queue };
  switch (event) {
    case 'ENTERQUEUE':
      // url|callerid|position: the caller id itself may hold a |, so read from both ends.
      return { kind: 'enter', ...base, callerNumber: data.slice(1, -1).join('|'), position: int(data[data.length - 1]) };
    case 'CONNECT':
      return { kind: 'connect', ...base, agent: agentOf(member), waitTime: int(data[0]) };
    case 'COMPLETECALLER':
    case 'COMPLETEAGENT':
      return { kind: 'end', ...base, event, waitTime: int(data[0]), talkTime: int(data[1]), agent: agentOf(member) };
    case 'TRANSFER':
    case 'BLINDTRANSFER':
    case 'ATTENDEDTRANSFER':
      // The last three of every variant: holdtime|calltime|origposition.
      return { kind: 'end', ...base, event, waitTime: int(data[data.length - 3]), talkTime: int(data[data.length - 2]), agent: agentOf(member) };
    case 'ABANDON':
    case 'EXITWITHTIMEOUT':
    case 'EXITEMPTY':
      return { kind: 'end', ...base, event, waitTime: int(data[2]) };
    case 'EXITWITHKEY':
      return { kind: 'end', ...base, event, waitTime: int(data[3]) };
    default:
      return undefined;
  }
}

/**
 * The outcome of a stay by the event that ended it. A caller who left on timeout or because the
 * queue emptied "overflowed" when the queue has a destination for that (the dialplan then sends
 * the call on); without one the call ends there (timed out / exited).
 */
export function queueOutcome(event: string, hasOverflow: boolean): QueueOutcome {
  switch (event) {
    case 'COMPLETECALLER':
    case 'COMPLETEAGENT':
    case 'TRANSFER':
    case 'BLINDTRANSFER':
    case 'ATTENDEDTRANSFER':
      return 'answered';
    case 'ABANDON':
      return 'abandoned';
    case 'EXITWITHTIMEOUT':
      return hasOverflow ? 'overflowed' : 'timedOut';
    case 'EXITEMPTY':
      return hasOverflow ? 'overflowed' : 'exited';
    default:
      return 'exited';
  }
}
