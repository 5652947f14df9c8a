// CDR at scale: a fresh store (the daemon's own SQLite settings and migrations) filled with
// 1,000,000 call legs over a year (smoke: 5,000), then the queries the GUI and the API make —
// the first page, a page deep in the table by keyset cursor (and, for comparison, by offset), a
// filtered page (extension + direction) — and the streamed CSV and JSON exports of every row
// into a sink (rows/s, and how much the process grew while exporting: memory stays bounded).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { BenchContext } from '../lib/context.ts';
import { fig, type Figure, type LatencySummary } from '../lib/results.ts';
import { summarize } from '../lib/stats.ts';
import { openDatabase } from '../../../src/store/db.ts';
import { CdrStore, encodeCursor, type CdrInsert } from '../../../src/store/cdr-store.ts';
import { cdrQuerySchema, clearFieldProtector, type CdrQueryInput } from '../../../src/domain/cdr.ts';
import { CdrService } from '../../../src/cdr/cdr-service.ts';

export interface CdrBenchResult {
  rows: number;
  /** Rows stored per second by batches of 10,000 in one transaction each (as the ingester does). */
  insert: Figure;
  databaseSize: Figure;
  firstPage: LatencySummary;
  /** The page after ~90 % of the table, by keyset cursor. */
  deepCursorPage: LatencySummary;
  /** The same page by offset, for comparison (what keyset paging avoids). */
  deepOffsetPage: LatencySummary;
  /** extension + direction filter, first page. */
  filtered: LatencySummary;
  exportCsv: Figure;
  exportJson: Figure;
  /** RSS growth while exporting every row as CSV. */
  exportRssGrowth: Figure;
}

const DIRECTIONS = ['in', 'out', 'internal'] as const;
const DISPOSITIONS = ['ANSWERED', 'ANSWERED', 'ANSWERED', 'NO ANSWER', 'BUSY', 'FAILED'] as const;
const QUEUES = ['support', 'sales', 'billing', 'tech', 'vip'];

/** A deterministic pseudo-random sequence (the same table every run). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function leg(i: number, total: number, r: () => number): CdrInsert {
  const yearMs = 365 * 86_400_000;
  const start = new Date(Date.UTC(2025, 0, 1) + Math.floor((i / total) * yearMs)).toISOString();
  const duration = Math.floor(r() * 600);
  const direction = DIRECTIONS[Math.floor(r() * 3)]!;
  const disposition = DISPOSITIONS[Math.floor(r() * DISPOSITIONS.length)]!;
  const billsec = disposition === 'ANSWERED' ? Math.max(0, duration - Math.floor(r() * 20)) : 0;
  const ext = String(200 + Math.floor(r() * 200));
  const external = `+39${String(Math.floor(r() * 1e9)).padStart(9, '0')}`;
  const masked = external.slice(0, -3) + 'xxx';
  const queue = r() < 0.2 ? QUEUES[Math.floor(r() * QUEUES.length)] : undefined;
  const route = [direction === 'in' ? 'in/0612345678' : '', queue ? `queue/${queue}` : '', `ext/${ext}`].filter(Boolean).join('>');
  return {
    uniqueId: `17${String(i).padStart(10, '0')}.${i % 1000}`, linkedId: `17${String(i - (i % 2)).padStart(10, '0')}.0`, sequence: 1, start,
    answer: billsec ? start : undefined, end: new Date(Date.parse(start) + duration * 1000).toISOString(), duration, billsec,
    callerNumber: direction === 'in' ? masked : ext, callerName: direction === 'in' ? '' : `Ext ${ext}`,
    calledNumber: direction === 'out' ? masked : ext, calledName: '', did: direction === 'in' ? '0612345678' : '',
    extensions: [ext], trunk: direction === 'internal' ? '' : `carrier${1 + Math.floor(r() * 3)}`, direction, disposition, route, accountCode: '',
    channel: `PJSIP/${ext}-${i.toString(16).padStart(8, '0')}`, dstChannel: '', lastApp: 'Dial',
    ...(direction === 'internal' ? {} : { protected: clearFieldProtector.protect({ [direction === 'in' ? 'callerNumber' : 'calledNumber']: external }) }),
  } as CdrInsert;
}

async function timed(n: number, fn: () => unknown | Promise<unknown>): Promise<LatencySummary> {
  const samples: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  return summarize(samples, (performance.now() - t0) / 1000, 0);
}

/** A sink that takes bytes as fast as they come, with a real stream's backpressure. */
const sink = () => new Writable({ highWaterMark: 64 * 1024, write: (_c, _e, cb) => cb() });

export async function cdrAtScale(ctx: BenchContext): Promise<CdrBenchResult> {
  const total = ctx.smoke ? 5_000 : 1_000_000;
  const dir = join(ctx.workDir, 'cdr');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'pbx.sqlite');
  const db = openDatabase(file);
  try {
    const store = new CdrStore(db);
    const r = rng(9);
    const t0 = performance.now();
    const batch = 10_000;
    for (let i = 0; i < total; i += batch) {
      store.transaction(() => {
        for (let k = i; k < Math.min(total, i + batch); k++) store.insertCdr(leg(k, total, r));
      });
      if (!ctx.smoke && (i / batch) % 10 === 0) ctx.log(`cdr: ${i + batch} rows stored`);
    }
    const insertSeconds = (performance.now() - t0) / 1000;
    db.pragma('wal_checkpoint(TRUNCATE)');
    const size = (db.prepare('SELECT page_count * page_size AS n FROM pragma_page_count(), pragma_page_size()').get() as { n: number }).n;
    ctx.log(`cdr: ${total} rows in ${insertSeconds.toFixed(1)} s, ${(size / 2 ** 20).toFixed(0)} MiB`);

    const q = (input: CdrQueryInput) => cdrQuerySchema.parse(input);
    const reps = ctx.smoke ? 5 : 50;
    const firstPage = await timed(reps, () => store.query(q({ limit: 50 })));
    const deep = db.prepare('SELECT start, id FROM cdr ORDER BY start DESC, id DESC LIMIT 1 OFFSET ?').get(Math.floor(total * 0.9)) as { start: string; id: number };
    const cursor = encodeCursor('start', deep.start, deep.id);
    const deepCursorPage = await timed(reps, () => store.query(q({ limit: 50, cursor })));
    const deepOffsetPage = await timed(ctx.smoke ? 3 : 5, () => store.query(q({ limit: 50, offset: Math.floor(total * 0.9) })));
    const filtered = await timed(reps, () => store.query(q({ limit: 50, extension: '250', direction: 'in' })));

    const svc = new CdrService({ store, protector: () => clearFieldProtector });
    const exportRate = async (format: 'csv' | 'json') => {
      const t = performance.now();
      const n = await svc.exportCdr(q({}), { mode: 'masked' }, format, sink());
      return n / ((performance.now() - t) / 1000);
    };
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const probe = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50);
    const csv = await exportRate('csv');
    clearInterval(probe);
    const json = await exportRate('json');
    ctx.log(`cdr: first page p50 ${firstPage.p50.value} ms, deep cursor p50 ${deepCursorPage.p50.value} ms, deep offset p50 ${deepOffsetPage.p50.value} ms, export CSV ${csv.toFixed(0)} rows/s`);
    return {
      rows: total,
      insert: fig(Math.round(total / insertSeconds), 'rows/s', 'batches of 10,000 rows, one transaction each, synchronous=FULL'),
      databaseSize: fig(size, 'bytes'),
      firstPage,
      deepCursorPage,
      deepOffsetPage,
      filtered,
      exportCsv: fig(Math.round(csv), 'rows/s', 'every row, streamed into a sink'),
      exportJson: fig(Math.round(json), 'rows/s', 'every row, streamed into a sink'),
      exportRssGrowth: fig(Math.max(0, rssPeak - rssBefore), 'bytes', 'peak RSS during the CSV export minus RSS before it'),
    };
  } finally {
    db.close();
  }
}
