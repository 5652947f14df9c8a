// Call detail records (migration 7): CDR rows, queue calls, ingestion offsets and legal holds.
// Runtime data, not model. Rows arrive from the ingester (src/cdr/ingester.ts) in batches, each
// batch committed together with the file offset it reached (see `ingest`).
//
// Paging: the default order (start, id) has an index, so keyset paging (`cursor`) costs the same
// on page 1 and page 10,000; `offset` is kept for small tables and GUIs that jump to a page.
import type { Db } from './db.ts';
import type {
  CdrDirection, CdrQuery, CdrRecord, CdrRepository, CdrRow, LegalHold, ProtectedFields, QueueCallQuery, QueueCallRow, QueueOutcome,
} from '../domain/cdr.ts';
import { maskNumber } from '../domain/cdr.ts';
import { ValidationError } from '../domain/errors.ts';

/** A row as stored: the masked columns and the protected whole values. */
export interface StoredCdr extends CdrRow {
  protected?: ProtectedFields;
}
export interface StoredQueueCall extends QueueCallRow {
  protected?: ProtectedFields;
}

/** A CDR record ready to store (masked columns filled in, protected fields sealed or clear). */
export interface CdrInsert extends CdrRecord {
  recordingId?: string;
  protected?: ProtectedFields;
}

/** One step of a queue stay, from queue_log (src/cdr/parser.ts). */
export type QueueEvent =
  | { kind: 'enter'; at: string; callId: string; queue: string; callerNumber: string; callerName: string; position: number; protected?: ProtectedFields }
  | { kind: 'connect'; at: string; callId: string; queue: string; agent: string; waitTime: number }
  | { kind: 'end'; at: string; callId: string; queue: string; outcome: QueueOutcome; exitCause: string; waitTime?: number; talkTime?: number; agent?: string };

export interface IngestOffset {
  fileId: string;
  offset: number;
}

type RawCdr = {
  id: number; uniqueid: string; linkedid: string; sequence: number; start: string; answer: string | null; end_at: string;
  duration: number; billsec: number; caller: string; caller_name: string; called: string; called_name: string; did: string;
  extensions: string; trunk: string; direction: string; disposition: string; hangup_cause: number | null; route: string;
  recording_id: string | null; account_code: string; channel: string; dst_channel: string; last_app: string;
  sealed: string | null; clear: string | null;
};
type RawQueue = {
  id: number; call_id: string; linkedid: string | null; queue: string; entered_at: string; ended_at: string | null; caller: string;
  caller_name: string; wait_time: number; agent: string; talk_time: number; outcome: string | null; exit_cause: string;
  position: number; sealed: string | null; clear: string | null;
};

function prot(r: { sealed: string | null; clear: string | null }): { protected?: ProtectedFields } {
  if (r.sealed !== null) return { protected: { sealed: r.sealed } };
  if (r.clear !== null) return { protected: { clear: r.clear } };
  return {};
}

function toCdr(r: RawCdr): StoredCdr {
  return {
    id: r.id,
    uniqueId: r.uniqueid,
    linkedId: r.linkedid,
    sequence: r.sequence,
    start: r.start,
    ...(r.answer !== null ? { answer: r.answer } : {}),
    end: r.end_at,
    duration: r.duration,
    billsec: r.billsec,
    callerNumber: r.caller,
    callerName: r.caller_name,
    calledNumber: r.called,
    calledName: r.called_name,
    did: r.did,
    extensions: r.extensions,
    trunk: r.trunk,
    direction: r.direction as CdrDirection,
    disposition: r.disposition,
    ...(r.hangup_cause !== null ? { hangupCause: r.hangup_cause } : {}),
    route: r.route,
    ...(r.recording_id !== null ? { recordingId: r.recording_id } : {}),
    accountCode: r.account_code,
    channel: r.channel,
    dstChannel: r.dst_channel,
    lastApp: r.last_app,
    ...prot(r),
  };
}

function toQueue(r: RawQueue): StoredQueueCall {
  return {
    id: r.id,
    callId: r.call_id,
    ...(r.linkedid !== null ? { linkedId: r.linkedid } : {}),
    queue: r.queue,
    enteredAt: r.entered_at,
    endedAt: r.ended_at ?? r.entered_at,
    callerNumber: r.caller,
    callerName: r.caller_name,
    waitTime: r.wait_time,
    agent: r.agent,
    talkTime: r.talk_time,
    outcome: (r.outcome ?? 'exited') as QueueOutcome,
    exitCause: r.exit_cause,
    position: r.position,
    ...prot(r),
  };
}

const SORT_COLUMN = { start: 'start', duration: 'duration', billsec: 'billsec' } as const;

/** Keyset cursor: the sort value and id of the last row of a page (opaque to clients). */
export function encodeCursor(sort: CdrQuery['sort'], value: string | number, id: number): string {
  return Buffer.from(JSON.stringify([sort, value, id])).toString('base64url');
}
export function decodeCursor(cursor: string, sort: CdrQuery['sort']): { value: string | number; id: number } {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 3 && v[0] === sort && (typeof v[1] === 'string' || typeof v[1] === 'number') && Number.isSafeInteger(v[2])) {
      return { value: v[1], id: v[2] as number };
    }
  } catch {
    // falls through to the error below
  }
  throw new ValidationError('invalid cursor', [{ path: ['cursor'], message: 'not a cursor of this listing (sort order changed?)' }]);
}

/** WHERE clause and arguments of a CDR query's filters (no paging). Exported for the unit tests. */
export function cdrFilter(q: Partial<CdrQuery>, internal?: ReadonlySet<string>): { where: string[]; args: (string | number)[] } {
  const where: string[] = [];
  const args: (string | number)[] = [];
  // Stored times are UTC ISO strings: compare normalised bounds as text.
  if (q.from !== undefined) {
    where.push('start >= ?');
    args.push(new Date(q.from).toISOString());
  }
  if (q.to !== undefined) {
    where.push('start < ?');
    args.push(new Date(q.to).toISOString());
  }
  if (q.number !== undefined) {
    // Stored masked: an external number is found by its masked form (so by all numbers that
    // share it; the privacy admin sees which).
    const n = q.number.includes('x') ? q.number : maskNumber(q.number, internal);
    where.push('(caller = ? OR called = ? OR did = ?)');
    args.push(n, n, q.number);
  }
  if (q.extension !== undefined) {
    where.push('id IN (SELECT cdr_id FROM cdr_links WHERE value = ?)');
    args.push(`ext:${q.extension}`);
  }
  if (q.queue !== undefined) {
    where.push('id IN (SELECT cdr_id FROM cdr_links WHERE value = ?)');
    args.push(`queue:${q.queue}`);
  }
  if (q.direction !== undefined) {
    where.push('direction = ?');
    args.push(q.direction);
  }
  if (q.disposition !== undefined) {
    where.push('disposition = ?');
    args.push(q.disposition);
  }
  if (q.trunk !== undefined) {
    where.push("trunk = ? AND trunk <> ''");
    args.push(q.trunk);
  }
  if (q.linkedId !== undefined) {
    where.push('linkedid = ?');
    args.push(q.linkedId);
  }
  return { where, args };
}

function queueFilter(q: Partial<QueueCallQuery>, internal?: ReadonlySet<string>): { where: string[]; args: (string | number)[] } {
  const where = ['outcome IS NOT NULL'];
  const args: (string | number)[] = [];
  if (q.from !== undefined) {
    where.push('entered_at >= ?');
    args.push(new Date(q.from).toISOString());
  }
  if (q.to !== undefined) {
    where.push('entered_at < ?');
    args.push(new Date(q.to).toISOString());
  }
  if (q.queue !== undefined) {
    where.push('queue = ?');
    args.push(q.queue);
  }
  if (q.agent !== undefined) {
    where.push('agent = ?');
    args.push(q.agent);
  }
  if (q.outcome !== undefined) {
    where.push('outcome = ?');
    args.push(q.outcome);
  }
  if (q.number !== undefined) {
    where.push('caller = ?');
    args.push(q.number.includes('x') ? q.number : maskNumber(q.number, internal));
  }
  return { where, args };
}

/** What the store uses of a prepared statement (better-sqlite3's, typed here without importing it). */
interface Statement {
  run(...args: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  get(...args: unknown[]): unknown;
  all(...args: unknown[]): unknown[];
}

/** Rows per statement of iterate(): exports read in batches, never the whole result. */
const BATCH = 1000;

export class CdrStore implements CdrRepository {
  private readonly db: Db;
  /** Extensions of the box (not masked); numbers typed into a filter are masked like the rows. */
  internal: () => ReadonlySet<string>;

  /**
   * Prepared statements by SQL text. Preparing per call leaks native memory until the garbage
   * collector happens to run (a million inserts took gigabytes); the texts are few (fixed
   * statements, and one per combination of filters).
   */
  private readonly statements = new Map<string, Statement>();

  constructor(db: Db, options: { internal?: () => ReadonlySet<string> } = {}) {
    this.db = db;
    this.internal = options.internal ?? (() => new Set());
  }

  private prepare(sql: string): Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql) as unknown as Statement;
      this.statements.set(sql, st);
    }
    return st;
  }

  // ---- ingestion ----------------------------------------------------------------------------

  offset(source: string): IngestOffset | undefined {
    const r = this.prepare('SELECT file_id, offset FROM cdr_ingest WHERE source = ?').get(source) as { file_id: string; offset: number } | undefined;
    return r ? { fileId: r.file_id, offset: r.offset } : undefined;
  }

  /**
   * Stores what one read of a file produced and the offset it reached, in one transaction:
   * a crash before the commit re-reads the same lines, after it never reads them again. A CDR
   * record already stored (same unique id and sequence) is skipped.
   */
  ingest(source: string, at: IngestOffset, batch: { cdrs?: CdrInsert[]; queue?: QueueEvent[] }): void {
    this.db.transaction(() => {
      for (const c of batch.cdrs ?? []) this.insertCdr(c);
      for (const e of batch.queue ?? []) this.queueEvent(e);
      this.prepare('INSERT INTO cdr_ingest (source, file_id, offset) VALUES (?, ?, ?) ON CONFLICT (source) DO UPDATE SET file_id = excluded.file_id, offset = excluded.offset')
        .run(source, at.fileId, at.offset);
    })();
  }

  /**
   * Inserts one row (no transaction of its own; the bench and `ingest` wrap it). A record with
   * no other party after records of the same channel is the moment the channel spent in the
   * dialplan after its bridge ended (Asterisk opens a record for it): no leg of its own, only
   * the hangup cause, which goes to the channel's records that lack one.
   */
  insertCdr(c: CdrInsert): number | undefined {
    if (c.dstChannel === '' && this.prepare('SELECT 1 FROM cdr WHERE uniqueid = ? AND sequence < ? LIMIT 1').get(c.uniqueId, c.sequence)) {
      if (c.hangupCause !== undefined) this.prepare('UPDATE cdr SET hangup_cause = ? WHERE uniqueid = ? AND hangup_cause IS NULL').run(c.hangupCause, c.uniqueId);
      return undefined;
    }
    const recording =
      c.recordingId ??
      (this.prepare('SELECT id FROM recordings WHERE linkedid = ? ORDER BY started_at LIMIT 1').get(c.linkedId) as { id: string } | undefined)?.id;
    const r = this.prepare(
        `INSERT INTO cdr (uniqueid, linkedid, sequence, start, answer, end_at, duration, billsec, caller, caller_name, called, called_name,
           did, extensions, trunk, direction, disposition, hangup_cause, route, recording_id, account_code, channel, dst_channel, last_app, sealed, clear)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (uniqueid, sequence) DO NOTHING`,
      )
      .run(
        c.uniqueId, c.linkedId, c.sequence, c.start, c.answer ?? null, c.end, c.duration, c.billsec, c.callerNumber, c.callerName,
        c.calledNumber, c.calledName, c.did, c.extensions.join('&'), c.trunk, c.direction, c.disposition, c.hangupCause ?? null, c.route,
        recording ?? null, c.accountCode, c.channel, c.dstChannel, c.lastApp, c.protected?.sealed ?? null, c.protected?.clear ?? null,
      );
    if (r.changes === 0) return undefined;
    const id = Number(r.lastInsertRowid);
    const link = this.prepare('INSERT OR IGNORE INTO cdr_links (value, cdr_id) VALUES (?, ?)');
    for (const e of new Set(c.extensions)) if (e) link.run(`ext:${e}`, id);
    for (const s of c.route.split('>')) if (s.startsWith('queue/')) link.run(`queue:${s.slice(6)}`, id);
    // The queue stay of this channel, when queue_log came first.
    this.prepare('UPDATE queue_calls SET linkedid = ? WHERE call_id = ? AND linkedid IS NULL').run(c.linkedId, c.uniqueId);
    return id;
  }

  private queueEvent(e: QueueEvent): void {
    if (e.kind === 'enter') {
      const linked = (this.prepare('SELECT linkedid FROM cdr WHERE uniqueid = ? LIMIT 1').get(e.callId) as { linkedid: string } | undefined)?.linkedid;
      this.prepare(
          `INSERT INTO queue_calls (call_id, linkedid, queue, entered_at, caller, caller_name, position, sealed, clear)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (call_id, queue, entered_at) DO NOTHING`,
        )
        .run(e.callId, linked ?? null, e.queue, e.at, e.callerNumber, e.callerName, e.position, e.protected?.sealed ?? null, e.protected?.clear ?? null);
      return;
    }
    // The open stay of this caller in this queue (its latest entry).
    const open = this.prepare('SELECT id FROM queue_calls WHERE call_id = ? AND queue = ? AND outcome IS NULL ORDER BY entered_at DESC, id DESC LIMIT 1')
      .get(e.callId, e.queue) as { id: number } | undefined;
    if (!open) return; // its ENTERQUEUE was before the file we have (rotated away): nothing to complete
    if (e.kind === 'connect') {
      this.prepare('UPDATE queue_calls SET agent = ?, wait_time = ? WHERE id = ?').run(e.agent, e.waitTime, open.id);
      return;
    }
    this.prepare(
        `UPDATE queue_calls SET outcome = ?, exit_cause = ?, ended_at = ?, wait_time = COALESCE(?, wait_time), talk_time = COALESCE(?, talk_time),
           agent = COALESCE(?, agent) WHERE id = ?`,
      )
      .run(e.outcome, e.exitCause, e.at, e.waitTime ?? null, e.talkTime ?? null, e.agent ?? null, open.id);
  }

  // ---- queries --------------------------------------------------------------------------------

  query(q: CdrQuery): { items: StoredCdr[]; total: number; next?: string } {
    const { where, args } = cdrFilter(q, this.internal());
    const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = (this.prepare(`SELECT COUNT(*) AS n FROM cdr ${filter}`).get(...args) as { n: number }).n;
    const page = this.page(q, where, args, q.limit, q.cursor === undefined ? q.offset : 0);
    const last = page[page.length - 1];
    const next = page.length === q.limit && last ? encodeCursor(q.sort, this.sortValue(q.sort, last), last.id) : undefined;
    return { items: page, total, ...(next ? { next } : {}) };
  }

  private sortValue(sort: CdrQuery['sort'], r: CdrRow): string | number {
    return sort === 'start' ? r.start : sort === 'duration' ? r.duration : r.billsec;
  }

  private page(q: CdrQuery, where: string[], args: (string | number)[], limit: number, offset: number, after?: { value: string | number; id: number }): StoredCdr[] {
    const col = SORT_COLUMN[q.sort];
    const dir = q.order === 'asc' ? 'ASC' : 'DESC';
    const w = [...where];
    const a = [...args];
    const key = after ?? (q.cursor !== undefined ? decodeCursor(q.cursor, q.sort) : undefined);
    if (key) {
      w.push(`(${col}, id) ${q.order === 'asc' ? '>' : '<'} (?, ?)`);
      a.push(key.value, key.id);
    }
    const filter = w.length ? `WHERE ${w.join(' AND ')}` : '';
    const rows = this.prepare(`SELECT * FROM cdr ${filter} ORDER BY ${col} ${dir}, id ${dir} LIMIT ? OFFSET ?`).all(...a, limit, offset) as RawCdr[];
    return rows.map(toCdr);
  }

  /** Every row of the query (limit and offset ignored), read in batches by keyset. */
  *iterate(q: CdrQuery): Generator<StoredCdr> {
    const { where, args } = cdrFilter(q, this.internal());
    let after: { value: string | number; id: number } | undefined = q.cursor !== undefined ? decodeCursor(q.cursor, q.sort) : undefined;
    for (;;) {
      const rows = this.page({ ...q, cursor: undefined }, where, args, BATCH, 0, after);
      yield* rows;
      const last = rows[rows.length - 1];
      if (rows.length < BATCH || !last) return;
      after = { value: this.sortValue(q.sort, last), id: last.id };
    }
  }

  queueCalls(q: QueueCallQuery): { items: StoredQueueCall[]; total: number } {
    const { where, args } = queueFilter(q, this.internal());
    const filter = `WHERE ${where.join(' AND ')}`;
    const total = (this.prepare(`SELECT COUNT(*) AS n FROM queue_calls ${filter}`).get(...args) as { n: number }).n;
    const dir = q.order === 'asc' ? 'ASC' : 'DESC';
    const rows = this.prepare(`SELECT * FROM queue_calls ${filter} ORDER BY entered_at ${dir}, id ${dir} LIMIT ? OFFSET ?`).all(...args, q.limit, q.offset) as RawQueue[];
    return { items: rows.map(toQueue), total };
  }

  *iterateQueueCalls(q: QueueCallQuery): Generator<StoredQueueCall> {
    const { where, args } = queueFilter(q, this.internal());
    const asc = q.order === 'asc';
    let after: { at: string; id: number } | undefined;
    for (;;) {
      const w = [...where];
      const a = [...args];
      if (after) {
        w.push(`(entered_at, id) ${asc ? '>' : '<'} (?, ?)`);
        a.push(after.at, after.id);
      }
      const rows = this.prepare(`SELECT * FROM queue_calls WHERE ${w.join(' AND ')} ORDER BY entered_at ${asc ? 'ASC' : 'DESC'}, id ${asc ? 'ASC' : 'DESC'} LIMIT ?`)
        .all(...a, BATCH) as RawQueue[];
      yield* rows.map(toQueue);
      const last = rows[rows.length - 1];
      if (rows.length < BATCH || !last) return;
      after = { at: last.entered_at, id: last.id };
    }
  }

  // ---- retention, legal hold, sealing -------------------------------------------------------

  /**
   * Deletes rows that started before `iso`, except calls on legal hold; with `limit`, at most that
   * many CDR rows and that many queue calls (oldest first), so a large purge runs in short
   * transactions the retention job repeats until a batch comes back short. Returns the CDR rows deleted.
   */
  deleteOlderThan(iso: string, limit?: number): number {
    const cutoff = new Date(iso).toISOString();
    const max = limit === undefined ? -1 : Math.max(1, Math.floor(limit));
    return this.db.transaction(() => {
      const n = this.prepare(
        'DELETE FROM cdr WHERE id IN (SELECT id FROM cdr WHERE start < ? AND linkedid NOT IN (SELECT linkedid FROM legal_holds) ORDER BY start LIMIT ?)',
      ).run(cutoff, max).changes;
      this.prepare(
        `DELETE FROM queue_calls WHERE id IN (SELECT id FROM queue_calls WHERE entered_at < ? AND outcome IS NOT NULL
           AND (linkedid IS NULL OR linkedid NOT IN (SELECT linkedid FROM legal_holds))
           AND call_id NOT IN (SELECT uniqueid FROM cdr WHERE linkedid IN (SELECT linkedid FROM legal_holds))
           ORDER BY entered_at LIMIT ?)`,
      ).run(cutoff, max);
      return n;
    })();
  }

  setLegalHold(linkedId: string, hold: boolean, by: string, reason = ''): void {
    if (hold) {
      this.prepare('INSERT INTO legal_holds (linkedid, held_by, held_at, reason) VALUES (?, ?, ?, ?) ON CONFLICT (linkedid) DO UPDATE SET held_by = excluded.held_by, held_at = excluded.held_at, reason = excluded.reason')
        .run(linkedId, by, new Date().toISOString(), reason);
    } else this.prepare('DELETE FROM legal_holds WHERE linkedid = ?').run(linkedId);
  }

  isOnHold(linkedId: string): boolean {
    return this.prepare('SELECT 1 FROM legal_holds WHERE linkedid = ?').get(linkedId) !== undefined;
  }

  holds(): Set<string> {
    return new Set((this.prepare('SELECT linkedid FROM legal_holds').all() as { linkedid: string }[]).map((r) => r.linkedid));
  }

  listHolds(): LegalHold[] {
    return (this.prepare('SELECT * FROM legal_holds ORDER BY held_at, linkedid').all() as { linkedid: string; held_by: string; held_at: string; reason: string }[]).map((r) => ({
      linkedId: r.linkedid,
      by: r.held_by,
      at: r.held_at,
      reason: r.reason,
    }));
  }

  /** Whether any CDR row or queue call has this linked id. */
  hasCall(linkedId: string): boolean {
    return this.prepare('SELECT 1 FROM cdr WHERE linkedid = ? LIMIT 1').get(linkedId) !== undefined;
  }

  /** For the privacy part's sealer: rows whose protected fields are still clear. */
  clearRows(limit: number): { id: number; clear: string }[] {
    return this.prepare('SELECT id, clear FROM cdr WHERE clear IS NOT NULL ORDER BY id LIMIT ?').all(limit) as { id: number; clear: string }[];
  }

  setSealed(id: number, sealed: string): void {
    this.prepare('UPDATE cdr SET sealed = ?, clear = NULL WHERE id = ?').run(sealed, id);
  }

  clearQueueRows(limit: number): { id: number; clear: string }[] {
    return this.prepare('SELECT id, clear FROM queue_calls WHERE clear IS NOT NULL ORDER BY id LIMIT ?').all(limit) as { id: number; clear: string }[];
  }

  setQueueSealed(id: number, sealed: string): void {
    this.prepare('UPDATE queue_calls SET sealed = ?, clear = NULL WHERE id = ?').run(sealed, id);
  }

  /** Every protected value (sealed or clear) of both tables, for re-encryption under a new key. */
  *protectedRows(): Generator<{ table: 'cdr' | 'queue_calls'; id: number; sealed: string }> {
    for (const table of ['cdr', 'queue_calls'] as const) {
      let after = 0;
      for (;;) {
        const rows = this.prepare(`SELECT id, sealed FROM ${table} WHERE sealed IS NOT NULL AND id > ? ORDER BY id LIMIT ?`).all(after, BATCH) as { id: number; sealed: string }[];
        for (const r of rows) yield { table, ...r };
        if (rows.length < BATCH) break;
        after = rows[rows.length - 1]!.id;
      }
    }
  }

  /** Runs `fn` in one transaction (batch inserts of the benchmark). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }
}
