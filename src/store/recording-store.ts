// The index of call recordings (table recordings, migration 5): one row per file, written when
// the recording starts (state 'recording', from the dialplan's UserEvent) and completed when the
// file is stored (state 'stored': duration, size, storage key). Rows of files whose start was
// missed (the supervisor was down) are created at completion from what the file name says.
import type { Db } from './db.ts';
import type { Recording, RecordingDirection, RecordingQuery } from '../domain/recordings.ts';

export interface RecordingStart {
  id: string;
  uniqueId: string;
  linkedId: string;
  caller: string;
  callee: string;
  direction: RecordingDirection;
  startedAt: string;
  policy: string;
  mode: 'always' | 'onDemand';
}

export interface RecordingRow extends Recording {
  /** Where the storage adapter put the file (absent while recording). */
  storageKey?: string;
}

type RawRow = {
  id: string;
  uniqueid: string;
  linkedid: string;
  caller: string;
  callee: string;
  direction: string;
  started_at: string;
  duration_ms: number | null;
  size: number | null;
  storage_key: string | null;
  policy: string;
  mode: string;
  state: string;
};

function toRow(r: RawRow): RecordingRow {
  return {
    id: r.id,
    uniqueId: r.uniqueid,
    linkedId: r.linkedid,
    caller: r.caller,
    callee: r.callee,
    direction: r.direction as RecordingDirection,
    startedAt: r.started_at,
    ...(r.duration_ms !== null ? { durationMs: r.duration_ms } : {}),
    ...(r.size !== null ? { size: r.size } : {}),
    policy: r.policy,
    mode: r.mode as Recording['mode'],
    state: r.state as Recording['state'],
    ...(r.storage_key !== null ? { storageKey: r.storage_key } : {}),
  };
}

export class RecordingStore {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  /** A recording began; a second start event of the same id changes nothing. */
  started(s: RecordingStart): void {
    this.db
      .prepare(
        `INSERT INTO recordings (id, uniqueid, linkedid, caller, callee, direction, started_at, policy, mode, state)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'recording') ON CONFLICT (id) DO NOTHING`,
      )
      .run(s.id, s.uniqueId, s.linkedId, s.caller, s.callee, s.direction, s.startedAt, s.policy, s.mode);
  }

  /** The file is stored: completes the row, or creates it from `fallback` when the start was missed. */
  stored(id: string, file: { durationMs: number; size: number; storageKey: string }, fallback: RecordingStart): void {
    this.db.transaction(() => {
      this.started(fallback);
      this.db
        .prepare(`UPDATE recordings SET duration_ms = ?, size = ?, storage_key = ?, state = 'stored' WHERE id = ?`)
        .run(file.durationMs, file.size, file.storageKey, id);
    })();
  }

  get(id: string): RecordingRow | undefined {
    const r = this.db.prepare('SELECT * FROM recordings WHERE id = ?').get(id) as RawRow | undefined;
    return r ? toRow(r) : undefined;
  }

  /** Newest first. */
  list(q: RecordingQuery): { items: RecordingRow[]; total: number } {
    const where: string[] = [];
    const args: (string | number)[] = [];
    // Stored times are UTC ISO strings: compare normalised bounds as text.
    if (q.from !== undefined) {
      where.push('started_at >= ?');
      args.push(new Date(q.from).toISOString());
    }
    if (q.to !== undefined) {
      where.push('started_at < ?');
      args.push(new Date(q.to).toISOString());
    }
    if (q.number !== undefined) {
      where.push('(caller = ? OR callee = ?)');
      args.push(q.number, q.number);
    }
    if (q.direction !== undefined) {
      where.push('direction = ?');
      args.push(q.direction);
    }
    const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM recordings ${filter}`).get(...args) as { n: number }).n;
    const rows = this.db
      .prepare(`SELECT * FROM recordings ${filter} ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?`)
      .all(...args, q.limit, q.offset) as RawRow[];
    return { items: rows.map(toRow), total };
  }

  remove(id: string): boolean {
    return this.db.prepare('DELETE FROM recordings WHERE id = ?').run(id).changes > 0;
  }

  /**
   * Stored recordings that started before `before` (UTC ISO), oldest first, at most `limit`,
   * after the (startedAt, id) cursor `after`: the retention job pages through them so rows it
   * keeps (legal hold) are not read again.
   */
  storedBefore(before: string, limit: number, after?: { startedAt: string; id: string }): RecordingRow[] {
    const cursor = after ? 'AND (started_at > ? OR (started_at = ? AND id > ?))' : '';
    const args: (string | number)[] = [new Date(before).toISOString(), ...(after ? [after.startedAt, after.startedAt, after.id] : []), limit];
    const rows = this.db
      .prepare(`SELECT * FROM recordings WHERE state = 'stored' AND started_at < ? ${cursor} ORDER BY started_at, id LIMIT ?`)
      .all(...args) as RawRow[];
    return rows.map(toRow);
  }
}
