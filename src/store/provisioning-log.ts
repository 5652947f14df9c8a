// Provisioning at run time (migration 6): the log of file requests from phones, and the phones
// that asked without being configured ("discovered"). Runtime data, not model.
//
// Writes are cheap because hundreds of phones ask at once after a power cut: record() and seen()
// only queue the row; the queue is written by prepared statements in one transaction a moment
// later (FLUSH_DELAY_MS, or at once when it is long), so a burst costs a few commits, not one per
// turn of the event loop. The database runs with synchronous=FULL, so one
// commit per request would be one fsync per request. Every read flushes first, so a reader always
// sees what was recorded before it. What is still queued when the process dies is lost; only
// the log loses it, never the model.
//
// Bounded: the request log keeps the newest `maxRows` rows. Rows are only appended and trimmed
// from the oldest end, so AUTOINCREMENT ids are contiguous and the trim is one range delete, run
// once per `trimEvery` rows rather than per insert. Discovered phones are bounded too (a scanner
// can invent any number of MACs): the least recently seen go first.
import type { Db } from './db.ts';
import { normalizeMac, type Vendor } from '../domain/phones.ts';
import type { DiscoveredPhone, ProvisioningRequest, ProvisioningRequestQuery, ProvisioningResult } from '../domain/provisioning.ts';

export const PROVISIONING_LOG_MAX_ROWS = 50_000;
export const DISCOVERED_PHONES_MAX_ROWS = 5_000;

export interface ProvisioningLogEntry {
  /** ISO 8601; absent: now. */
  at?: string;
  protocol: 'http' | 'https' | 'tftp';
  source: string;
  mac?: string;
  vendor?: Vendor;
  model?: string;
  userAgent?: string;
  file: string;
  result: ProvisioningResult;
  status: number;
  bytes: number;
  detail?: string;
}

/** A request from a MAC that is not configured. */
export interface PhoneSighting {
  mac: string;
  vendor?: Vendor;
  model?: string;
  userAgent?: string;
  source: string;
  file: string;
  /** ISO 8601; absent: now. */
  at?: string;
}

export type ProvisioningLogQuery = Partial<Omit<ProvisioningRequestQuery, 'limit'>> & { limit?: number };

type RawRequest = {
  id: number;
  at: string;
  protocol: string;
  source: string;
  mac: string | null;
  vendor: string | null;
  model: string | null;
  user_agent: string | null;
  file: string;
  result: string;
  status: number;
  bytes: number;
  detail: string | null;
};

type RawDiscovered = {
  mac: string;
  vendor: string | null;
  model: string | null;
  user_agent: string | null;
  source: string;
  first_seen: string;
  last_seen: string;
  requests: number;
  last_file: string;
};

/** Longest text a row keeps per column: whatever a client sends, a row stays small. */
const MAX_TEXT = { source: 64, mac: 32, model: 64, userAgent: 256, file: 256, detail: 512 } as const;
const clamp = (s: string | undefined, max: number): string | null => (s === undefined ? null : s.length > max ? `${s.slice(0, max - 1)}…` : s);

/** Queued beyond this many, the queue is written at once instead of on the next turn. */
const MAX_QUEUED = 500;
const FLUSH_DELAY_MS = 200;

type Op = { kind: 'request'; entry: ProvisioningLogEntry; at: string } | { kind: 'seen'; sighting: PhoneSighting; at: string };

export class ProvisioningLog {
  private readonly db: Db;
  private readonly maxRows: number;
  private readonly trimEvery: number;
  private readonly maxDiscovered: number;
  private readonly now: () => Date;
  private readonly onError: (err: unknown) => void;
  private readonly insertRequest;
  private readonly upsertSeen;
  private readonly trimRequests;
  private readonly trimDiscovered;
  private readonly writeQueue: (ops: Op[]) => void;
  private queue: Op[] = [];
  private scheduled: NodeJS.Timeout | undefined;
  /** Rows written since the last trim; starts full so the first write after start trims. */
  private sinceTrim: number;

  /** `onError`: a queued write failed (the rows are dropped; the caller is never interrupted by the log). */
  constructor(db: Db, options: { maxRows?: number; trimEvery?: number; maxDiscovered?: number; now?: () => Date; onError?: (err: unknown) => void } = {}) {
    this.db = db;
    this.maxRows = options.maxRows ?? PROVISIONING_LOG_MAX_ROWS;
    this.trimEvery = Math.max(1, options.trimEvery ?? 500);
    this.maxDiscovered = options.maxDiscovered ?? DISCOVERED_PHONES_MAX_ROWS;
    this.now = options.now ?? (() => new Date());
    this.onError = options.onError ?? (() => {});
    this.sinceTrim = this.trimEvery;
    this.insertRequest = db.prepare(
      `INSERT INTO provisioning_requests (at, protocol, source, mac, vendor, model, user_agent, file, result, status, bytes, detail)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    // A later request fills in what an earlier one did not say (the model from a User-Agent).
    this.upsertSeen = db.prepare(
      `INSERT INTO discovered_phones (mac, vendor, model, user_agent, source, first_seen, last_seen, requests, last_file)
       VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)
       ON CONFLICT (mac) DO UPDATE SET
         vendor = COALESCE(excluded.vendor, vendor),
         model = COALESCE(excluded.model, model),
         user_agent = COALESCE(excluded.user_agent, user_agent),
         source = excluded.source,
         last_seen = excluded.last_seen,
         requests = requests + 1,
         last_file = excluded.last_file`,
    );
    this.trimRequests = db.prepare('DELETE FROM provisioning_requests WHERE id <= (SELECT MAX(id) FROM provisioning_requests) - ?');
    this.trimDiscovered = db.prepare(
      'DELETE FROM discovered_phones WHERE last_seen < (SELECT last_seen FROM discovered_phones ORDER BY last_seen DESC LIMIT 1 OFFSET ?)',
    );
    this.writeQueue = db.transaction((ops: Op[]) => {
      let requests = 0;
      for (const op of ops) {
        if (op.kind === 'request') {
          const e = op.entry;
          this.insertRequest.run(
            op.at,
            e.protocol,
            clamp(e.source, MAX_TEXT.source),
            clamp(e.mac, MAX_TEXT.mac),
            e.vendor ?? null,
            clamp(e.model, MAX_TEXT.model),
            clamp(e.userAgent, MAX_TEXT.userAgent),
            clamp(e.file, MAX_TEXT.file),
            e.result,
            e.status,
            e.bytes,
            clamp(e.detail, MAX_TEXT.detail),
          );
          requests++;
        } else {
          const s = op.sighting;
          this.upsertSeen.run(
            s.mac,
            s.vendor ?? null,
            clamp(s.model, MAX_TEXT.model),
            clamp(s.userAgent, MAX_TEXT.userAgent),
            clamp(s.source, MAX_TEXT.source),
            op.at,
            op.at,
            clamp(s.file, MAX_TEXT.file),
          );
        }
      }
      this.sinceTrim += requests;
      if (this.sinceTrim >= this.trimEvery) {
        this.trimRequests.run(this.maxRows);
        this.trimDiscovered.run(this.maxDiscovered - 1);
        this.sinceTrim = 0;
      }
    });
  }

  /** Logs one request (written shortly after; see the top of this file). */
  record(entry: ProvisioningLogEntry): void {
    this.enqueue({ kind: 'request', entry, at: entry.at ?? this.now().toISOString() });
  }

  /** A MAC that is not configured asked for a file: it is listed as discovered. */
  seen(sighting: PhoneSighting): void {
    const mac = normalizeMac(sighting.mac);
    if (mac === undefined) return;
    this.enqueue({ kind: 'seen', sighting: { ...sighting, mac }, at: sighting.at ?? this.now().toISOString() });
  }

  /** Writes what is queued. */
  flush(): void {
    if (this.scheduled) clearTimeout(this.scheduled);
    this.scheduled = undefined;
    if (this.queue.length === 0) return;
    const ops = this.queue;
    this.queue = [];
    this.writeQueue(ops);
  }

  /** Requests newest first; `before` is an id from a previous page (older entries). */
  query(q: ProvisioningLogQuery = {}): ProvisioningRequest[] {
    this.flush();
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.mac !== undefined) {
      where.push('mac = ?');
      args.push(normalizeMac(q.mac) ?? q.mac.trim().toLowerCase());
    }
    if (q.source !== undefined) {
      where.push('source = ?');
      args.push(q.source.trim());
    }
    if (q.result !== undefined) {
      where.push('result = ?');
      args.push(q.result);
    }
    if (q.protocol !== undefined) {
      where.push('protocol = ?');
      args.push(q.protocol);
    }
    // Stored times are UTC ISO strings: compare normalised bounds as text.
    if (q.from !== undefined) {
      where.push('at >= ?');
      args.push(new Date(q.from).toISOString());
    }
    if (q.to !== undefined) {
      where.push('at < ?');
      args.push(new Date(q.to).toISOString());
    }
    if (q.before !== undefined) {
      where.push('id < ?');
      args.push(q.before);
    }
    const limit = Math.min(Math.max(Math.floor(q.limit ?? 100), 1), 1000);
    const sql = `SELECT * FROM provisioning_requests ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, limit) as RawRequest[]).map(toRequest);
  }

  /** Every discovered MAC, most recently seen first (configured ones included: the caller filters). */
  discovered(): DiscoveredPhone[] {
    this.flush();
    return (this.db.prepare('SELECT * FROM discovered_phones ORDER BY last_seen DESC, mac').all() as RawDiscovered[]).map(toDiscovered);
  }

  /** Removes a discovered MAC; false when it was not listed. */
  forgetDiscovered(mac: string): boolean {
    this.flush();
    const m = normalizeMac(mac);
    if (m === undefined) return false;
    return this.db.prepare('DELETE FROM discovered_phones WHERE mac = ?').run(m).changes > 0;
  }

  /** Writes what is queued (at shutdown). */
  close(): void {
    this.flush();
  }

  private enqueue(op: Op): void {
    this.queue.push(op);
    if (this.queue.length >= MAX_QUEUED) this.flush();
    else
      this.scheduled ??= setTimeout(() => {
        this.scheduled = undefined;
        try {
          this.flush();
        } catch (err) {
          this.onError(err);
        }
      }, FLUSH_DELAY_MS);
  }
}

function toRequest(r: RawRequest): ProvisioningRequest {
  return {
    id: r.id,
    at: r.at,
    protocol: r.protocol as ProvisioningRequest['protocol'],
    source: r.source,
    ...(r.mac !== null ? { mac: r.mac } : {}),
    ...(r.vendor !== null ? { vendor: r.vendor as Vendor } : {}),
    ...(r.model !== null ? { model: r.model } : {}),
    ...(r.user_agent !== null ? { userAgent: r.user_agent } : {}),
    file: r.file,
    result: r.result as ProvisioningResult,
    status: r.status,
    bytes: r.bytes,
    ...(r.detail !== null ? { detail: r.detail } : {}),
  };
}

function toDiscovered(r: RawDiscovered): DiscoveredPhone {
  return {
    mac: r.mac,
    ...(r.vendor !== null ? { vendor: r.vendor as Vendor } : {}),
    ...(r.model !== null ? { model: r.model } : {}),
    ...(r.user_agent !== null ? { userAgent: r.user_agent } : {}),
    source: r.source,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    requests: r.requests,
    lastFile: r.last_file,
  };
}
