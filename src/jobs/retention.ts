// Retention of call data: every day at 03:15 (the box's time zone) and on demand, each kind is
// deleted once older than its period (cdr settings: retention.cdrDays, recordingDays,
// voicemailDays; 0 keeps it forever). A call on legal hold (by its linked id, the CDR store's
// holds) keeps its CDR rows and its recordings whatever their age. Voicemail messages carry no
// linked id, so a hold does not reach them; the box-wide voicemailDays works alongside each
// mailbox's own retentionDays (the shorter one wins) on the hourly voicemail expiry too.
//
// Deletion goes in bounded batches, yielding between them, so a purge of a million rows never
// holds the event loop (calls, the API) for long.
import type { CdrSettings } from '../domain/model.ts';
import { cdrQuerySchema, type CdrQuery } from '../domain/cdr.ts';
import { schedule as cronSchedule, type CronHandle } from './cron.ts';

export const RETENTION_CRON = '15 3 * * *';
/** Rows per CDR delete: small enough that one transaction takes milliseconds. */
export const RETENTION_BATCH = 2000;

type Retention = CdrSettings['retention'];

/**
 * What the job needs of the CDR store (src/store/cdr-store.ts, a CdrRepository). `limit` bounds
 * one delete; a store that ignores it deletes everything in one go (correct, only not batched).
 */
export interface CdrRetentionStore {
  /** Deletes rows that started before `iso` (at most `limit`), skipping calls on legal hold; how many went. */
  deleteOlderThan(iso: string, limit?: number): number;
  /** Linked ids of the calls on legal hold. */
  holds(): Set<string>;
  query(q: CdrQuery): { total: number };
}

export interface RecordingRetention {
  removeOlderThan(before: string, keep: (linkedId: string) => boolean): Promise<{ deleted: number; kept: number; failed?: number }>;
}

export interface VoicemailRetention {
  expire(boxes: readonly { number: string; retentionDays: number }[], now?: number): Promise<{ mailbox: string; deleted: number }[]>;
}

/** Key/value state that survives a restart (the last run). */
export interface JobState {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
}

export interface RetentionRun {
  at: string;
  finishedAt: string;
  trigger: 'schedule' | 'manual';
  /** The periods in force (days; 0 kept everything of that kind). */
  retention: Retention;
  cdrDeleted: number;
  recordingsDeleted: number;
  voicemailDeleted: number;
  /** CDR rows and recordings past their period kept because their call is on legal hold. */
  heldSkipped: number;
  /** What failed (the rest of the run went on). */
  errors: string[];
}

export interface RetentionDeps {
  settings(): Retention;
  timezone(): string;
  cdr?: CdrRetentionStore | undefined;
  recordings?: RecordingRetention | undefined;
  voicemail?: VoicemailRetention | undefined;
  /** The mailboxes of the model with their own retention (days; 0 none). */
  mailboxes(): readonly { number: string; retentionDays: number }[];
  state?: JobState | undefined;
  now?(): Date;
  onRun?(run: RetentionRun): void;
  onError?(err: unknown): void;
}

const STATE_KEY = 'jobs.retention.lastRun';
const DAY_MS = 86_400_000;

/** Each mailbox's retention with the box-wide period applied: the shorter of the two that are set. */
export function withBoxWideRetention<T extends { retentionDays: number }>(boxes: readonly T[], voicemailDays: number): T[] {
  if (voicemailDays <= 0) return [...boxes];
  return boxes.map((b) => ({ ...b, retentionDays: b.retentionDays > 0 ? Math.min(b.retentionDays, voicemailDays) : voicemailDays }));
}

/** The instant before which data of a kind kept `days` goes; undefined for 0 (kept forever). */
export function cutoff(now: Date, days: number): string | undefined {
  return days > 0 ? new Date(now.getTime() - days * DAY_MS).toISOString() : undefined;
}

const tick = () => new Promise<void>((r) => setImmediate(r));

export class RetentionJob {
  private readonly d: RetentionDeps;
  private handle: CronHandle | undefined;
  private running: Promise<RetentionRun> | undefined;
  private last: RetentionRun | undefined;

  constructor(deps: RetentionDeps) {
    this.d = deps;
    const stored = deps.state?.get(STATE_KEY);
    if (stored) {
      try {
        this.last = JSON.parse(stored) as RetentionRun;
      } catch {
        // A damaged record is only the last summary: start without one.
      }
    }
  }

  /** (Re)schedules in the box's current time zone; call again when it changes. */
  start(): void {
    this.stop();
    this.handle = cronSchedule(RETENTION_CRON, () => this.run('schedule'), { timezone: this.d.timezone(), name: 'retention', onError: (err) => this.d.onError?.(err) });
  }

  stop(): void {
    this.handle?.stop();
    this.handle = undefined;
  }

  /** Resolves once no run is going (before the database closes). */
  async idle(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  status(): { lastRun: RetentionRun | null; nextRun: string | null; running: boolean } {
    return { lastRun: this.last ?? null, nextRun: this.handle?.nextRun()?.toISOString() ?? null, running: this.running !== undefined };
  }

  /** Runs now; a run already going is joined, not started twice. */
  run(trigger: RetentionRun['trigger'] = 'manual'): Promise<RetentionRun> {
    this.running ??= this.purge(trigger).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async purge(trigger: RetentionRun['trigger']): Promise<RetentionRun> {
    const now = this.d.now?.() ?? new Date();
    const retention = { ...this.d.settings() };
    const run: RetentionRun = {
      at: now.toISOString(),
      finishedAt: now.toISOString(),
      trigger,
      retention,
      cdrDeleted: 0,
      recordingsDeleted: 0,
      voicemailDeleted: 0,
      heldSkipped: 0,
      errors: [],
    };
    const fail = (what: string, err: unknown) => {
      run.errors.push(`${what}: ${(err as Error).message}`);
      this.d.onError?.(err);
    };

    const cdrBefore = cutoff(now, retention.cdrDays);
    if (cdrBefore && this.d.cdr) {
      try {
        for (;;) {
          const n = this.d.cdr.deleteOlderThan(cdrBefore, RETENTION_BATCH);
          run.cdrDeleted += n;
          if (n < RETENTION_BATCH) break;
          await tick();
        }
        // What is left before the cutoff is what a hold kept.
        run.heldSkipped += this.d.cdr.query(cdrQuerySchema.parse({ to: cdrBefore, limit: 1 })).total;
      } catch (err) {
        fail('CDR', err);
      }
    }

    const recBefore = cutoff(now, retention.recordingDays);
    if (recBefore && this.d.recordings) {
      try {
        // The holds as the run starts: a hold set while it runs applies from the next run on.
        const holds = this.d.cdr?.holds() ?? new Set<string>();
        const r = await this.d.recordings.removeOlderThan(recBefore, (linkedId) => holds.has(linkedId));
        run.recordingsDeleted = r.deleted;
        run.heldSkipped += r.kept;
        if (r.failed) run.errors.push(`recordings: ${r.failed} could not be removed (tried again at the next run)`);
      } catch (err) {
        fail('recordings', err);
      }
    }

    if (retention.voicemailDays > 0 && this.d.voicemail) {
      try {
        const changed = await this.d.voicemail.expire(withBoxWideRetention(this.d.mailboxes(), retention.voicemailDays), now.getTime());
        run.voicemailDeleted = changed.reduce((n, c) => n + c.deleted, 0);
      } catch (err) {
        fail('voicemail', err);
      }
    }

    run.finishedAt = (this.d.now?.() ?? new Date()).toISOString();
    this.last = run;
    try {
      this.d.state?.set(STATE_KEY, JSON.stringify(run));
    } catch (err) {
      this.d.onError?.(err);
    }
    this.d.onRun?.(run);
    return run;
  }
}
