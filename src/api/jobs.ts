// /api/v1/cdr/retention and /api/v1/cdr/reports: the retention job (last run, next run, run
// now) and scheduled CDR reports sent now (src/jobs/, passed in from main.ts). Section cdr; what
// changes or sends anything is audited.
import { z } from 'zod';
import { UnavailableError } from '../domain/errors.ts';
import { identifier } from '../domain/model.ts';
import type { ConfigService } from '../services/config-service.ts';
import { RouteRegistry, errorSchema } from './registry.ts';

const retentionPeriodsSchema = z.object({ cdrDays: z.number().int(), recordingDays: z.number().int(), voicemailDays: z.number().int() }).strict();

export const retentionRunSchema = z
  .object({
    at: z.string(),
    finishedAt: z.string(),
    trigger: z.enum(['schedule', 'manual']),
    retention: retentionPeriodsSchema.describe('The periods in force (days; 0 keeps that kind)'),
    cdrDeleted: z.number().int(),
    recordingsDeleted: z.number().int(),
    voicemailDeleted: z.number().int(),
    heldSkipped: z.number().int().describe('CDR rows and recordings past their period kept by a legal hold'),
    errors: z.array(z.string()),
  })
  .strict();
export type RetentionRunView = z.infer<typeof retentionRunSchema>;

const retentionStatusSchema = z
  .object({
    retention: retentionPeriodsSchema,
    lastRun: retentionRunSchema.nullable(),
    nextRun: z.string().nullable().describe('Next scheduled run (daily at 03:15, the box’s time zone)'),
    running: z.boolean(),
  })
  .strict();

const reportSentSchema = z
  .object({
    report: z.string(),
    from: z.string(),
    to: z.string().describe('Excluded'),
    label: z.string(),
    rows: z.number().int(),
    recipients: z.array(z.string()),
    accepted: z.array(z.string()),
    response: z.string(),
  })
  .strict();
export type ReportSentView = z.infer<typeof reportSentSchema>;

/** The jobs as the API sees them (src/jobs/retention.ts RetentionJob, src/jobs/reports.ts CdrReports). */
export interface JobsApi {
  retention: {
    status(): { lastRun: RetentionRunView | null; nextRun: string | null; running: boolean };
    run(trigger?: 'manual'): Promise<RetentionRunView>;
  };
  reports: {
    /** NotFoundError for an unknown report, ValidationError without a relay or for a bad period, UpstreamError when the relay refuses. */
    send(name: string, range?: { from: string; to: string }): Promise<ReportSentView>;
  };
  /** The retention periods in force. */
  periods(): { cdrDays: number; recordingDays: number; voicemailDays: number };
}

const TAG = 'cdr';
const time = z.iso.datetime({ offset: true });

export function addJobRoutes(r: RouteRegistry, deps: { config: ConfigService; jobs?: JobsApi | undefined }): void {
  const { config } = deps;
  const jobs = () => {
    if (!deps.jobs) throw new UnavailableError('the CDR jobs are not available');
    return deps.jobs;
  };

  r.add({
    method: 'get',
    path: '/cdr/retention',
    tag: TAG,
    summary: 'Retention of call data: the periods, the last run (what it deleted, what a legal hold kept) and the next one (daily at 03:15)',
    access: { section: 'cdr', level: 'read' },
    responses: { 200: retentionStatusSchema, 401: errorSchema, 403: errorSchema, 503: errorSchema },
    handler: () => ({ body: { retention: jobs().periods(), ...jobs().retention.status() } }),
  });

  r.add({
    method: 'post',
    path: '/cdr/retention/run',
    tag: TAG,
    summary: 'Runs retention now: deletes CDR rows, recordings and voicemail messages past their period, except calls on legal hold. Answers the run’s summary; audited',
    access: { section: 'cdr', level: 'write' },
    responses: { 200: retentionRunSchema, 401: errorSchema, 403: errorSchema, 503: errorSchema },
    handler: async ({ actor }) => {
      const run = await jobs().retention.run('manual');
      config.record(
        actor,
        'cdr.retention.run',
        { type: 'cdr', key: 'retention' },
        `ran retention: ${run.cdrDeleted} CDR rows, ${run.recordingsDeleted} recordings, ${run.voicemailDeleted} voicemail messages deleted; ${run.heldSkipped} kept by legal hold`,
      );
      return { body: run };
    },
  });

  r.add({
    method: 'post',
    path: '/cdr/reports/:name/send',
    tag: TAG,
    summary:
      'Sends a CDR report now (enabled or not) to its recipients: for its last period (daily: yesterday; weekly: last Monday–Sunday; monthly: last month, in the box’s time zone), or from–to (ISO 8601, to excluded, at most 400 days). ' +
      'Numbers are masked as the admin sees them. 400 without a mail relay; 502 when the relay refuses; audited',
    access: { section: 'cdr', level: 'write' },
    params: z.object({ name: identifier }).strict(),
    query: z
      .object({ from: time.optional(), to: time.optional() })
      .strict()
      .refine((q) => (q.from === undefined) === (q.to === undefined), { message: 'from and to go together', path: ['to'] }),
    responses: { 200: reportSentSchema, 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 502: errorSchema, 503: errorSchema },
    handler: async ({ params, query, actor }) => {
      const range = query.from !== undefined && query.to !== undefined ? { from: query.from, to: query.to } : undefined;
      const sent = await jobs().reports.send(params.name, range);
      config.record(
        actor,
        'cdr.report.send',
        { type: 'cdr report', key: params.name },
        `sent CDR report ${params.name} (${sent.label}, ${sent.rows} calls) to ${sent.recipients.join(', ')}`,
      );
      return { body: sent };
    },
  });
}
