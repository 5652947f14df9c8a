// Scheduled CDR reports by e-mail: daily at 01:00 for yesterday, weekly on Mondays at 01:00 for
// last Monday–Sunday, monthly on the 1st at 01:00 for last month — days as the box's time zone
// counts them (a day around a DST change has 23 or 25 hours). Each report is written through the
// CDR export writers into a private temp file (never whole in memory), attached, sent, removed.
//
// Invariant: a report holds numbers only as the admin sees them (masked). The export function
// main.ts passes in is the admin's view; nothing here can reveal a number.
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { CdrReport, CdrSettings, MailSettings } from '../domain/model.ts';
import { NotFoundError, UpstreamError, ValidationError } from '../domain/errors.ts';
import { schedule as cronSchedule, type CronHandle } from './cron.ts';

export type ReportSchedule = CdrReport['schedule'];
export type ReportFormat = CdrReport['format'];

/** When each kind of report goes out (the box's time zone). */
export const REPORT_CRON: Record<ReportSchedule, string> = {
  daily: '0 1 * * *',
  weekly: '0 1 * * 1',
  monthly: '0 1 1 * *',
};

/** A period of time: UTC ISO instants, `to` excluded; `label` names it in the box's calendar. */
export interface ReportPeriod {
  from: string;
  to: string;
  label: string;
}

// ---- calendar arithmetic in a time zone (pure) ---------------------------------------------

interface CivilDate {
  year: number;
  month: number; // 1-12
  day: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock time at instant `t` in the zone, as if it were UTC (ms). */
function wallClock(t: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(t))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour! % 24, parts.minute!, parts.second!);
}

/** The zone's offset from UTC at instant `t` (ms; east positive). */
export function zoneOffset(t: number, timeZone: string): number {
  const whole = Math.floor(t / 1000) * 1000;
  return wallClock(whole, timeZone) - whole;
}

/** The calendar date of instant `t` in the zone. */
export function civilDate(t: number, timeZone: string): CivilDate {
  const d = new Date(wallClock(t, timeZone));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** Day arithmetic on calendar dates (no time zone involved: UTC is only the arithmetic). */
function addDays(d: CivilDate, days: number): CivilDate {
  const x = new Date(Date.UTC(d.year, d.month - 1, d.day + days));
  return { year: x.getUTCFullYear(), month: x.getUTCMonth() + 1, day: x.getUTCDate() };
}

/**
 * The instant the day `d` begins in the zone: its midnight; the earlier one when midnight comes
 * twice (clocks put back at midnight); the first instant of the day when there is no midnight
 * (clocks put forward at midnight, e.g. America/Santiago, America/Havana). Assumes at most one
 * offset change within a day either side, true of every zone.
 */
export function startOfDay(d: CivilDate, timeZone: string): number {
  const wall = Date.UTC(d.year, d.month - 1, d.day);
  const offsets = new Set([zoneOffset(wall - 86_400_000, timeZone), zoneOffset(wall, timeZone), zoneOffset(wall + 86_400_000, timeZone)]);
  const candidates = [...offsets].map((o) => wall - o);
  const exact = candidates.filter((t) => wallClock(t, timeZone) === wall);
  if (exact.length) return Math.min(...exact);
  // Midnight skipped: the day begins at the change, the first candidate past the gap.
  return Math.min(...candidates.filter((t) => wallClock(t, timeZone) > wall));
}

const iso = (d: CivilDate) => `${String(d.year).padStart(4, '0')}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;

/**
 * The period a report sent at `now` covers, in the box's time zone: daily → yesterday; weekly →
 * the last complete Monday–Sunday; monthly → the last complete calendar month.
 */
export function reportPeriod(kind: ReportSchedule, now: Date, timeZone: string): ReportPeriod {
  const today = civilDate(now.getTime(), timeZone);
  let first: CivilDate;
  let next: CivilDate;
  if (kind === 'daily') {
    first = addDays(today, -1);
    next = today;
  } else if (kind === 'weekly') {
    // getUTCDay of the civil date: 0 Sunday … 6 Saturday; Monday-based below.
    const dow = (new Date(Date.UTC(today.year, today.month - 1, today.day)).getUTCDay() + 6) % 7;
    next = addDays(today, -dow);
    first = addDays(next, -7);
  } else {
    next = { year: today.year, month: today.month, day: 1 };
    first = today.month === 1 ? { year: today.year - 1, month: 12, day: 1 } : { year: today.year, month: today.month - 1, day: 1 };
  }
  const last = addDays(next, -1);
  const label = kind === 'daily' ? iso(first) : kind === 'monthly' ? iso(first).slice(0, 7) : `${iso(first)} to ${iso(last)}`;
  return { from: new Date(startOfDay(first, timeZone)).toISOString(), to: new Date(startOfDay(next, timeZone)).toISOString(), label };
}

// ---- sending ---------------------------------------------------------------------------------

/** What a report selects: the period and the report's own filters. */
export interface ReportQuery {
  from: string;
  to: string;
  direction?: CdrReport['direction'];
  extension?: string;
  trunk?: string;
  queue?: string;
}

export interface MailAttachment {
  filename: string;
  /** Read by the mailer as it sends (streamed). */
  path: string;
  contentType: string;
}

export interface ReportMail {
  to: string[];
  subject: string;
  text: string;
  attachments: MailAttachment[];
}

export interface CdrReportDeps {
  settings(): CdrSettings;
  mail(): MailSettings;
  timezone(): string;
  boxName(): string;
  /**
   * Writes the calls the query selects to `out` as the admin sees them (numbers masked) in the
   * format; resolves with the number of rows once `out` has everything (it is then ended).
   */
  exportRows(q: ReportQuery, format: ReportFormat, out: Writable): Promise<number>;
  /** Sends through the relay; a MailRelayError-like error (with `reason`) when it does not take it. */
  send(mail: ReportMail): Promise<{ accepted: string[]; response: string }>;
  /** Where report files are written for the time of sending (created 0700). */
  tmpDir: string;
  now?(): Date;
  onSent?(r: ReportSent): void;
  onError?(report: string, err: unknown): void;
}

export interface ReportSent {
  report: string;
  from: string;
  to: string;
  label: string;
  rows: number;
  recipients: string[];
  accepted: string[];
  response: string;
}

const CONTENT_TYPES: Record<ReportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** Longest period a report sent by hand may cover (bounded work for one request). */
export const REPORT_MAX_DAYS = 400;

export class CdrReports {
  private readonly d: CdrReportDeps;
  private handles: CronHandle[] = [];

  constructor(deps: CdrReportDeps) {
    this.d = deps;
  }

  /** (Re)schedules the three kinds in the box's current time zone; call again when it changes. */
  start(): void {
    this.stop();
    const timezone = this.d.timezone();
    for (const kind of Object.keys(REPORT_CRON) as ReportSchedule[]) {
      this.handles.push(
        cronSchedule(REPORT_CRON[kind], () => this.sendDue(kind), {
          timezone,
          name: `cdr-reports-${kind}`,
          onError: (err) => this.d.onError?.(`*${kind}`, err),
        }),
      );
    }
  }

  stop(): void {
    for (const h of this.handles) h.stop();
    this.handles = [];
  }

  /** Sends every enabled report of that schedule for its last period; one failing does not stop the others. */
  async sendDue(kind: ReportSchedule): Promise<void> {
    for (const r of this.d.settings().reports) {
      if (!r.enabled || r.schedule !== kind) continue;
      try {
        this.d.onSent?.(await this.send(r.name));
      } catch (err) {
        this.d.onError?.(r.name, err);
      }
    }
  }

  /**
   * Sends the named report now (enabled or not): for its last period, or `from`–`to`.
   * NotFoundError for an unknown report; ValidationError without a mail relay or for a bad
   * period; UpstreamError when the relay does not take it.
   */
  async send(name: string, range?: { from: string; to: string }): Promise<ReportSent> {
    const report = this.d.settings().reports.find((r) => r.name === name);
    if (!report) throw new NotFoundError(`there is no CDR report ${name}`);
    const mail = this.d.mail();
    if (!mail.host) throw new ValidationError('no mail relay is set: set the relay host in the mail settings first', [{ path: ['mail', 'host'], message: 'no mail relay is set' }]);
    const period = range ? checkedRange(range, this.d.timezone()) : reportPeriod(report.schedule, this.d.now?.() ?? new Date(), this.d.timezone());
    const query: ReportQuery = {
      from: period.from,
      to: period.to,
      ...(report.direction ? { direction: report.direction } : {}),
      ...(report.extension ? { extension: report.extension } : {}),
      ...(report.trunk ? { trunk: report.trunk } : {}),
      ...(report.queue ? { queue: report.queue } : {}),
    };
    await mkdir(this.d.tmpDir, { recursive: true, mode: 0o700 });
    const file = join(this.d.tmpDir, `report-${randomBytes(8).toString('hex')}.${report.format}`);
    try {
      const out = createWriteStream(file, { mode: 0o600 });
      const done = finished(out);
      let rows: number;
      try {
        rows = await this.d.exportRows(query, report.format, out);
      } catch (err) {
        out.destroy();
        await done.catch(() => undefined);
        throw err;
      }
      if (!out.writableEnded) out.end();
      await done;
      const filename = `cdr-${report.name}-${period.label.replace(/ to /, '_')}.${report.format}`;
      const box = this.d.boxName();
      let result: { accepted: string[]; response: string };
      try {
        result = await this.d.send({
          to: report.recipients,
          subject: `CDR report ${report.name}: ${period.label} (${box})`,
          text:
            `The calls of ${box} from ${period.from} to ${period.to} (UTC; ${period.label} in ${this.d.timezone()}): ${rows} ${rows === 1 ? 'call' : 'calls'}, attached as ${report.format.toUpperCase()}.\n\n` +
            `External numbers are masked (the last three digits are xxx), as the administrator sees them.\n`,
          attachments: [{ filename, path: file, contentType: CONTENT_TYPES[report.format] }],
        });
      } catch (err) {
        const reason = (err as { reason?: string }).reason ?? (err as Error).message;
        throw new UpstreamError(`the mail relay ${mail.host}:${mail.port} did not take the report: ${reason}`);
      }
      return { report: report.name, from: period.from, to: period.to, label: period.label, rows, recipients: report.recipients, ...result };
    } finally {
      await rm(file, { force: true });
    }
  }

  /** The next time each schedule fires (undefined when not started). */
  nextRuns(): Partial<Record<ReportSchedule, string>> {
    const out: Partial<Record<ReportSchedule, string>> = {};
    (Object.keys(REPORT_CRON) as ReportSchedule[]).forEach((k, i) => {
      const n = this.handles[i]?.nextRun();
      if (n) out[k] = n.toISOString();
    });
    return out;
  }
}

function checkedRange(range: { from: string; to: string }, timeZone: string): ReportPeriod {
  const from = Date.parse(range.from);
  const to = Date.parse(range.to);
  const fields = [];
  if (!Number.isFinite(from)) fields.push({ path: ['from'], message: 'an ISO 8601 time' });
  if (!Number.isFinite(to)) fields.push({ path: ['to'], message: 'an ISO 8601 time' });
  if (fields.length) throw new ValidationError('from and to must be ISO 8601 times', fields);
  if (to <= from) throw new ValidationError('to must be after from', [{ path: ['to'], message: 'after from' }]);
  if (to - from > REPORT_MAX_DAYS * 86_400_000) throw new ValidationError(`a report covers at most ${REPORT_MAX_DAYS} days`, [{ path: ['to'], message: `at most ${REPORT_MAX_DAYS} days after from` }]);
  const f = new Date(from).toISOString();
  const t = new Date(to).toISOString();
  return { from: f, to: t, label: `${iso(civilDate(from, timeZone))} to ${iso(civilDate(to - 1, timeZone))}` };
}
