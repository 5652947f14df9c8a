// The webhook delivery log: one row per attempt (table webhook_deliveries, migration 2), newest
// first for the API. Bounded: only the newest MAX_ROWS rows are kept. Rows are only ever
// appended and trimmed from the oldest end, so AUTOINCREMENT ids are contiguous and the trim is
// one indexed range delete.
//
// Implements WebhookDeliveryLog of src/calls/webhooks.ts structurally (the store layer does not
// import calls/); main.ts checks the fit when it wires them.
import type { Db } from './db.ts';
import type { CallEventType } from '../domain/model.ts';

export interface WebhookDeliveryRow {
  id: number;
  delivery: string;
  webhook: string;
  event: CallEventType;
  callId: string | null;
  at: string;
  attempt: number;
  outcome: 'delivered' | 'retrying' | 'failed';
  httpStatus: number | null;
  error: string | null;
  durationMs: number | null;
}

export interface WebhookDeliveryInput {
  delivery: string;
  webhook: string;
  event: CallEventType;
  callId?: string;
  at: string;
  attempt: number;
  outcome: 'delivered' | 'retrying' | 'failed';
  httpStatus?: number;
  error?: string;
  durationMs?: number;
}

export const WEBHOOK_DELIVERIES_MAX_ROWS = 10_000;

type RawRow = {
  id: number;
  delivery: string;
  webhook: string;
  event: string;
  call_id: string | null;
  at: string;
  attempt: number;
  outcome: string;
  http_status: number | null;
  error: string | null;
  duration_ms: number | null;
};

export class WebhookDeliveryStore {
  private readonly db: Db;
  private readonly maxRows: number;

  constructor(db: Db, options: { maxRows?: number } = {}) {
    this.db = db;
    this.maxRows = options.maxRows ?? WEBHOOK_DELIVERIES_MAX_ROWS;
  }

  record(d: WebhookDeliveryInput): void {
    const insert = this.db.prepare(
      `INSERT INTO webhook_deliveries (delivery, webhook, event, call_id, at, attempt, outcome, http_status, error, duration_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const trim = this.db.prepare('DELETE FROM webhook_deliveries WHERE id <= ?');
    this.db.transaction(() => {
      const r = insert.run(
        d.delivery,
        d.webhook,
        d.event,
        d.callId ?? null,
        d.at,
        d.attempt,
        d.outcome,
        d.httpStatus ?? null,
        d.error ?? null,
        d.durationMs ?? null,
      );
      trim.run(Number(r.lastInsertRowid) - this.maxRows);
    })();
  }

  /** Attempts newest first; `before` is an id from a previous page (rows with a smaller id). */
  list(query: { webhook?: string; limit?: number; before?: number } = {}): WebhookDeliveryRow[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (query.webhook !== undefined) {
      where.push('webhook = ?');
      args.push(query.webhook);
    }
    if (query.before !== undefined) {
      where.push('id < ?');
      args.push(query.before);
    }
    const limit = Math.min(Math.max(Math.floor(query.limit ?? 100), 1), 1000);
    const sql = `SELECT * FROM webhook_deliveries ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, limit) as RawRow[]).map((r) => ({
      id: r.id,
      delivery: r.delivery,
      webhook: r.webhook,
      event: r.event as CallEventType,
      callId: r.call_id,
      at: r.at,
      attempt: r.attempt,
      outcome: r.outcome as WebhookDeliveryRow['outcome'],
      httpStatus: r.http_status,
      error: r.error,
      durationMs: r.duration_ms,
    }));
  }
}
