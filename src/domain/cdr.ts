// Call detail records as the store, the API and the exports see them. One CdrRow per CDR record
// Asterisk writes (one per pair of parties of a call: a call through a queue gives several,
// all with the call's linked id); one QueueCallRow per caller's stay in a queue (queue_log).
//
// Privacy invariant: external numbers and names live whole only in the protected column (see
// FieldProtector); the columns the store indexes and the API lists hold the masked form.
import { z } from 'zod';

export const CDR_DIRECTIONS = ['in', 'out', 'internal'] as const;
export type CdrDirection = (typeof CDR_DIRECTIONS)[number];
/** Asterisk's CDR dispositions (CDR(disposition)). */
export const CDR_DISPOSITIONS = ['ANSWERED', 'NO ANSWER', 'BUSY', 'FAILED', 'CONGESTION'] as const;
export const QUEUE_OUTCOMES = ['answered', 'abandoned', 'overflowed', 'timedOut', 'exited'] as const;
export type QueueOutcome = (typeof QUEUE_OUTCOMES)[number];

/** The cdr_custom output file, inside Asterisk's log directory (src/render/cdr-conf.ts writes the mapping). */
export const CDR_FILE = 'pbx-cdr.log';
export const CDR_LINE_VERSION = 'v1';
/**
 * Fields of one cdr_custom line after the version, in order: CDR(<name>) for Asterisk's own
 * fields, CDR(pbx_*) for the variables the dialplan libraries set (pbx-lib-cdr in pbx-lib.conf).
 */
export const CDR_LINE_FIELDS = [
  'uniqueid', 'linkedid', 'sequence', 'start', 'answer', 'end', 'duration', 'billsec', 'clid', 'src', 'dst', 'dcontext', 'channel',
  'dstchannel', 'lastapp', 'disposition', 'accountcode', 'pbx_route', 'pbx_did', 'pbx_trunk', 'pbx_exts', 'pbx_cause', 'pbx_dir', 'pbx_called',
] as const;

/** Digits after which a number counts as external (extensions of the box are shorter). */
export const INTERNAL_MAX_DIGITS = 4;

/**
 * The form the admin sees: an external number (more than INTERNAL_MAX_DIGITS digits and not an
 * extension in `internal`) keeps all but its last 3 digits, which become xxx
 * (+390212345678 → +390212345xxx). Extensions, short codes and empty values are unchanged.
 */
export function maskNumber(n: string, internal?: ReadonlySet<string>): string {
  if (!isExternalNumber(n, internal)) return n;
  let left = 3;
  let out = '';
  for (let i = n.length - 1; i >= 0; i--) {
    const c = n[i]!;
    if (left > 0 && /[0-9]/.test(c)) {
      out = 'x' + out;
      left--;
    } else out = c + out;
  }
  return out;
}

export function isExternalNumber(n: string, internal?: ReadonlySet<string>): boolean {
  if (internal?.has(n)) return false;
  return n.replace(/[^0-9]/g, '').length > INTERNAL_MAX_DIGITS;
}

/** One CDR record as Asterisk wrote it, numbers and names still whole (src/cdr/parser.ts makes it). */
export interface CdrRecord {
  uniqueId: string;
  linkedId: string;
  sequence: number;
  start: string;
  answer?: string;
  end: string;
  duration: number;
  billsec: number;
  callerNumber: string;
  callerName: string;
  calledNumber: string;
  calledName: string;
  did: string;
  /** Extensions that took part (caller first). */
  extensions: string[];
  trunk: string;
  direction: CdrDirection;
  disposition: string;
  hangupCause?: number;
  route: string;
  accountCode: string;
  channel: string;
  dstChannel: string;
  lastApp: string;
}

/** What the privacy part stores for the protected fields: exactly one of the two is set. */
export interface ProtectedFields {
  sealed?: string;
  clear?: string;
}

/**
 * Field protection (implemented by src/crypto/field-cipher.ts; passed in from main.ts). `protect`
 * is synchronous so ingestion stays one transaction; `reveal` needs an unlocked privacy session.
 */
export interface FieldProtector {
  protect(fields: Record<string, string>): ProtectedFields;
  reveal(sessionHash: string | undefined, stored: ProtectedFields[]): Promise<Record<string, string>[]>;
  isUnlocked(sessionHash: string | undefined): boolean;
}

/** A protector with no key: fields are kept as clear JSON (sealed later by the privacy part's job). */
export const clearFieldProtector: FieldProtector = {
  protect: (fields) => ({ clear: JSON.stringify(fields) }),
  reveal: async (_session, stored) =>
    stored.map((s) => {
      if (s.clear === undefined) throw new Error('sealed fields need the privacy key');
      return JSON.parse(s.clear) as Record<string, string>;
    }),
  isUnlocked: () => true,
};

/** The protected fields of a CDR row (only those that differ from their masked column). */
export interface CdrSecrets {
  callerNumber?: string;
  callerName?: string;
  calledNumber?: string;
  calledName?: string;
}

export const cdrRowSchema = z
  .object({
    id: z.number().int(),
    uniqueId: z.string(),
    linkedId: z.string(),
    /** CDR(sequence): orders the records of one channel. */
    sequence: z.number().int(),
    /** ISO 8601 (UTC). */
    start: z.string(),
    answer: z.string().optional(),
    end: z.string(),
    /** Seconds from start to end. */
    duration: z.number(),
    /** Seconds from answer to end (0 when unanswered). */
    billsec: z.number(),
    callerNumber: z.string(),
    callerName: z.string(),
    calledNumber: z.string(),
    calledName: z.string(),
    /** The number the call came in on (calls from trunks). */
    did: z.string(),
    /** Extensions of the box that took part, & between them (caller first). */
    extensions: z.string(),
    trunk: z.string(),
    direction: z.enum(CDR_DIRECTIONS),
    disposition: z.string(),
    /** Q.850 cause of the hangup, when the dialplan saw one. */
    hangupCause: z.number().int().optional(),
    /** The steps the call took: in/<did>>ivr/<name>>ivr/<name>:<digit>>group/<name>>queue/<name>>ext/<n>... */
    route: z.string(),
    recordingId: z.string().optional(),
    accountCode: z.string(),
    channel: z.string(),
    dstChannel: z.string(),
    lastApp: z.string(),
  })
  .strict();
export type CdrRow = z.infer<typeof cdrRowSchema>;
/** A row as one principal may see it: `masked` when external numbers are shown masked. */
export const cdrViewSchema = cdrRowSchema.extend({ masked: z.boolean(), locked: z.boolean().optional(), onHold: z.boolean().optional() }).strict();
export type CdrView = z.infer<typeof cdrViewSchema>;

export const queueCallRowSchema = z
  .object({
    id: z.number().int(),
    /** The caller's channel unique id (queue_log's call id). */
    callId: z.string(),
    linkedId: z.string().optional(),
    queue: z.string(),
    /** When the caller entered the queue (ISO 8601). */
    enteredAt: z.string(),
    endedAt: z.string(),
    callerNumber: z.string(),
    callerName: z.string(),
    /** Seconds waited before an agent answered or the caller left. */
    waitTime: z.number().int(),
    /** The agent who answered (their extension). */
    agent: z.string(),
    /** Seconds talked with the agent. */
    talkTime: z.number().int(),
    outcome: z.enum(QUEUE_OUTCOMES),
    /** The queue_log event that ended the stay (COMPLETECALLER, ABANDON, EXITWITHTIMEOUT, ...). */
    exitCause: z.string(),
    /** Position at entry. */
    position: z.number().int(),
  })
  .strict();
export type QueueCallRow = z.infer<typeof queueCallRowSchema>;
export const queueCallViewSchema = queueCallRowSchema.extend({ masked: z.boolean(), locked: z.boolean().optional() }).strict();
export type QueueCallView = z.infer<typeof queueCallViewSchema>;

const numberFilter = z.string().regex(/^[0-9*#+x]{1,32}$/, 'digits, * # +');
const iso = z.iso.datetime({ offset: true });
export const CDR_SORTS = ['start', 'duration', 'billsec'] as const;

export const cdrQuerySchema = z
  .object({
    /** Started at or after (ISO 8601). */
    from: iso.optional(),
    /** Started before (ISO 8601). */
    to: iso.optional(),
    /** Caller or called number, or DID, exactly (an external number matches by its masked form). */
    number: numberFilter.optional(),
    /** An extension that took part. */
    extension: z.string().regex(/^[0-9*#]{1,16}$/).optional(),
    direction: z.enum(CDR_DIRECTIONS).optional(),
    disposition: z.enum(CDR_DISPOSITIONS).optional(),
    trunk: z.string().regex(/^[a-z0-9_-]{1,40}$/i).optional(),
    /** Calls that went through this queue (their route). */
    queue: z.string().regex(/^[a-z0-9_-]{1,40}$/i).optional(),
    linkedId: z.string().regex(/^[0-9A-Za-z.-]{1,80}$/).optional(),
    sort: z.enum(CDR_SORTS).default('start'),
    order: z.enum(['asc', 'desc']).default('desc'),
    limit: z.coerce.number().int().min(1).max(1000).default(50),
    /** Offset paging (slow deep in a large table: prefer the cursor). */
    offset: z.coerce.number().int().min(0).default(0),
    /** Keyset paging: the `next` of the previous page. */
    cursor: z.string().max(200).optional(),
  })
  .strict();
export type CdrQuery = z.infer<typeof cdrQuerySchema>;
export type CdrQueryInput = z.input<typeof cdrQuerySchema>;

export const queueCallQuerySchema = z
  .object({
    from: iso.optional(),
    to: iso.optional(),
    queue: z.string().regex(/^[a-z0-9_-]{1,40}$/i).optional(),
    agent: z.string().regex(/^[0-9*#]{1,16}$/).optional(),
    outcome: z.enum(QUEUE_OUTCOMES).optional(),
    number: numberFilter.optional(),
    order: z.enum(['asc', 'desc']).default('desc'),
    limit: z.coerce.number().int().min(1).max(1000).default(50),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();
export type QueueCallQuery = z.infer<typeof queueCallQuerySchema>;

export const EXPORT_FORMATS = ['csv', 'xlsx', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface CdrRepository {
  query(q: CdrQuery): { items: CdrRow[]; total: number; next?: string };
  iterate(q: CdrQuery): Iterable<CdrRow>;
  queueCalls(q: QueueCallQuery): { items: QueueCallRow[]; total: number };
  iterateQueueCalls(q: QueueCallQuery): Iterable<QueueCallRow>;
  deleteOlderThan(iso: string, limit?: number): number;
  setLegalHold(linkedId: string, hold: boolean, by: string, reason?: string): void;
  isOnHold(linkedId: string): boolean;
  holds(): Set<string>;
}

export const legalHoldSchema = z
  .object({ linkedId: z.string(), by: z.string(), at: z.string(), reason: z.string() })
  .strict();
export type LegalHold = z.infer<typeof legalHoldSchema>;

/** Columns of the exports, in order (the JSON export uses the same names). */
export const CDR_EXPORT_COLUMNS = [
  'start', 'answer', 'end', 'duration', 'billsec', 'direction', 'callerNumber', 'callerName', 'calledNumber', 'calledName', 'did',
  'extensions', 'trunk', 'disposition', 'hangupCause', 'route', 'queue', 'recordingId', 'accountCode', 'uniqueId', 'linkedId',
] as const;
export const QUEUE_EXPORT_COLUMNS = [
  'enteredAt', 'endedAt', 'queue', 'callerNumber', 'callerName', 'waitTime', 'agent', 'talkTime', 'outcome', 'exitCause', 'position', 'callId', 'linkedId',
] as const;

/** The queues a route went through (queue/<name> steps). */
export function routeQueues(route: string): string[] {
  return route.split('>').filter((s) => s.startsWith('queue/')).map((s) => s.slice('queue/'.length));
}
