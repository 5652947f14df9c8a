// /api/v1/cdr: call detail records and queue calls, their streamed exports, the caller's own
// calls (/me/calls) and legal holds. External numbers are masked (last 3 digits xxx, external
// names empty) for everyone without the `privacy` permission — in listings and exports alike;
// the privacy admin sees them whole (an unlocked session when the fields are sealed), and every
// listing and export they make is written to the audit log (by filter and count, never numbers).
import type { Writable } from 'node:stream';
import { z } from 'zod';
import { allows } from '../domain/auth.ts';
import {
  EXPORT_FORMATS, cdrQuerySchema, cdrViewSchema, legalHoldSchema, queueCallQuerySchema, queueCallViewSchema,
  type CdrQuery, type CdrView, type ExportFormat, type LegalHold, type QueueCallQuery, type QueueCallView,
} from '../domain/cdr.ts';
import { NotFoundError, UnavailableError } from '../domain/errors.ts';
import type { ConfigService } from '../services/config-service.ts';
import type { Principal } from '../services/auth-service.ts';
import { RouteRegistry, errorSchema } from './registry.ts';

export interface CdrViewer {
  mode: 'masked' | 'privacy' | 'own';
  sessionHash?: string;
}

/** The CDR as the API sees it (src/cdr/cdr-service.ts's CdrService, passed in from main.ts). */
export interface CdrApi {
  list(q: CdrQuery, viewer: CdrViewer): Promise<{ items: CdrView[]; total: number; next?: string }>;
  queueCalls(q: QueueCallQuery, viewer: CdrViewer): Promise<{ items: QueueCallView[]; total: number }>;
  contentType(format: ExportFormat): string;
  /** Writes the whole export to `out` and ends it; returns the rows written. */
  exportCdr(q: CdrQuery, viewer: CdrViewer, format: ExportFormat, out: Writable): Promise<number>;
  exportQueueCalls(q: QueueCallQuery, viewer: CdrViewer, format: ExportFormat, out: Writable): Promise<number>;
  holds(): LegalHold[];
  /** NotFoundError for an unknown call (hold) or a call not on hold (release). */
  setHold(linkedId: string, hold: boolean, by: string, reason?: string): void;
}

const TAG = 'cdr';
const formatQuery = z.object({ format: z.enum(EXPORT_FORMATS).default('csv') });
const cdrExportQuery = cdrQuerySchema.omit({ limit: true, offset: true }).extend(formatQuery.shape).strict();
const queueExportQuery = queueCallQuerySchema.omit({ limit: true, offset: true }).extend(formatQuery.shape).strict();
const myCallsQuery = cdrQuerySchema.omit({ extension: true }).strict();
const cdrListSchema = z.object({ items: z.array(cdrViewSchema), total: z.number().int(), next: z.string().optional() }).strict();
const queueListSchema = z.object({ items: z.array(queueCallViewSchema), total: z.number().int() }).strict();
const holdParams = z.object({ linkedId: z.string().regex(/^[0-9A-Za-z.-]{1,80}$/, 'a linked id') }).strict();
const holdBody = z.object({ reason: z.string().max(500).optional() }).strict();

/** A privacy viewer sees whole values; everyone else the masked ones. */
export function viewerOf(principal: Principal | undefined): CdrViewer {
  if (principal && allows(principal.permissions, 'privacy', 'read')) {
    return { mode: 'privacy', ...(principal.sessionHash ? { sessionHash: principal.sessionHash } : {}) };
  }
  return { mode: 'masked' };
}

/** The filters of a query, for the audit log (no numbers: the audit log is the admin's to read). */
function describe(q: Record<string, unknown>): string {
  const parts = Object.entries(q)
    .filter(([k, v]) => v !== undefined && !['limit', 'offset', 'cursor', 'sort', 'order', 'format'].includes(k))
    .map(([k, v]) => (k === 'number' ? 'number=…' : `${k}=${String(v)}`));
  return parts.length ? parts.join(' ') : 'no filter';
}

export function addCdrRoutes(r: RouteRegistry, deps: { config: ConfigService; cdr?: CdrApi | undefined }): void {
  const { config } = deps;
  const cdr = () => {
    if (!deps.cdr) throw new UnavailableError('call detail records are not available');
    return deps.cdr;
  };
  const audit = (actor: Parameters<ConfigService['record']>[0], viewer: CdrViewer, action: string, summary: string) => {
    if (viewer.mode === 'privacy') config.record(actor, action, { type: 'cdr', key: '*' }, summary);
  };
  const download = async (
    res: import('express').Response,
    name: string,
    format: ExportFormat,
    write: (out: Writable) => Promise<number>,
  ): Promise<number> => {
    res.status(200);
    res.setHeader('Content-Type', cdr().contentType(format));
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Content-Disposition', `attachment; filename="${name}.${format}"`);
    try {
      return await write(res);
    } catch (err) {
      // Headers are gone: the client sees a cut-off download, never a half file that looks whole.
      res.destroy(err as Error);
      return 0;
    }
  };

  r.add({
    method: 'get',
    path: '/cdr',
    tag: TAG,
    summary:
      'Call detail records, one per call leg: filters from/to (start, ISO 8601), number (caller, called or DID), extension, direction, disposition, trunk, queue, linkedId; ' +
      'sort start|duration|billsec, order asc|desc; limit with offset, or the cursor `next` of the previous page (keyset: as fast deep in the table as on page 1). ' +
      'External numbers masked (last 3 digits xxx) unless the caller has the privacy permission (audited)',
    access: { section: 'cdr', level: 'read' },
    query: cdrQuerySchema,
    responses: { 200: cdrListSchema, 400: errorSchema, 401: errorSchema, 403: errorSchema, 503: errorSchema },
    handler: async ({ query, principal, actor }) => {
      const viewer = viewerOf(principal);
      const out = await cdr().list(query, viewer);
      audit(actor, viewer, 'cdr.list', `listed call detail records unmasked (${out.items.length} of ${out.total}; ${describe(query)})`);
      return { body: out };
    },
  });

  r.add({
    method: 'get',
    path: '/cdr/export',
    tag: TAG,
    summary: 'All call detail records of the filters (as GET /cdr, no paging) as a download: format=csv|xlsx|json; streamed. Masked as in GET /cdr; audited for the privacy admin',
    access: { section: 'cdr', level: 'read' },
    query: cdrExportQuery,
    responses: { 200: 'text/csv', 400: errorSchema, 401: errorSchema, 403: errorSchema, 503: errorSchema },
    handler: async ({ res, query, principal, actor }) => {
      const viewer = viewerOf(principal);
      const { format, ...filters } = query;
      const q = { ...filters, limit: 1000, offset: 0 } as CdrQuery;
      audit(actor, viewer, 'cdr.export', `exported call detail records unmasked as ${format} (${describe(filters)})`);
      await download(res, 'cdr', format, (out) => cdr().exportCdr(q, viewer, format, out));
      return { raw: true };
    },
  });

  r.add({
    method: 'get',
    path: '/cdr/queue-calls',
    tag: TAG,
    summary:
      'Queue calls (call-center CDR): queue, wait time, the agent who answered, talk time, outcome (answered, abandoned, overflowed, timedOut, exited) and exit cause; ' +
      'filters from/to, queue, agent, outcome, number; limit/offset. Masked as in GET /cdr',
    access: { section: 'cdr', level: 'read' },
    query: queueCallQuerySchema,
    responses: { 200: queueListSchema, 400: errorSchema, 401: errorSchema, 403: errorSchema, 503: errorSchema },
    handler: async ({ query, principal, actor }) => {
      const viewer = viewerOf(principal);
      const out = await cdr().queueCalls(query, viewer);
      audit(actor, viewer, 'cdr.queueCalls', `listed queue calls unmasked (${out.items.length} of ${out.total}; ${describe(query)})`);
      return { body: out };
    },
  });

  r.add({
    method: 'get',
    path: '/cdr/queue-calls/export',
    tag: TAG,
    summary: 'All queue calls of the filters as a download: format=csv|xlsx|json; streamed. Masked as in GET /cdr',
    access: { section: 'cdr', level: 'read' },
    query: queueExportQuery,
    responses: { 200: 'text/csv', 400: errorSchema, 401: errorSchema, 403: errorSchema, 503: errorSchema },
    handler: async ({ res, query, principal, actor }) => {
      const viewer = viewerOf(principal);
      const { format, ...filters } = query;
      const q = { ...filters, limit: 1000, offset: 0 } as QueueCallQuery;
      audit(actor, viewer, 'cdr.export', `exported queue calls unmasked as ${format} (${describe(filters)})`);
      await download(res, 'queue-calls', format, (out) => cdr().exportQueueCalls(q, viewer, format, out));
      return { raw: true };
    },
  });

  r.add({
    method: 'get',
    path: '/me/calls',
    tag: TAG,
    summary:
      "The caller's own calls: the records in which the extension linked to their user took part (filters and paging as GET /cdr). " +
      'Their own calls show numbers whole. 404 when no extension is linked to the user',
    access: { authenticated: true },
    query: myCallsQuery,
    responses: { 200: cdrListSchema, 400: errorSchema, 401: errorSchema, 404: errorSchema, 503: errorSchema },
    handler: async ({ query, principal }) => {
      const extension = principal?.extension;
      if (!extension) throw new NotFoundError('no extension is linked to your user: ask the administrator to set one');
      return { body: await cdr().list({ ...query, extension }, { mode: 'own' }) };
    },
  });

  r.add({
    method: 'get',
    path: '/cdr/holds',
    tag: TAG,
    summary: 'Calls on legal hold (by linked id): retention never deletes their records',
    access: { section: 'privacy', level: 'read' },
    responses: { 200: z.object({ items: z.array(legalHoldSchema) }).strict(), 401: errorSchema, 403: errorSchema, 503: errorSchema },
    handler: () => ({ body: { items: cdr().holds() } }),
  });

  r.add({
    method: 'put',
    path: '/cdr/holds/:linkedId',
    tag: TAG,
    summary: 'Put a call (its linked id) on legal hold, with an optional reason: retention keeps its records. 404 for a call the CDR does not know. Audited',
    access: { section: 'privacy', level: 'write' },
    params: holdParams,
    body: holdBody,
    responses: { 204: 'none', 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 503: errorSchema },
    handler: ({ params, body, actor }) => {
      cdr().setHold(params.linkedId, true, actor.name, body.reason);
      config.record(actor, 'cdr.hold', { type: 'cdr', key: params.linkedId }, `put call ${params.linkedId} on legal hold`);
      return { status: 204 };
    },
  });

  r.add({
    method: 'delete',
    path: '/cdr/holds/:linkedId',
    tag: TAG,
    summary: 'Release a legal hold. 404 when the call is not on hold. Audited',
    access: { section: 'privacy', level: 'write' },
    params: holdParams,
    responses: { 204: 'none', 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 503: errorSchema },
    handler: ({ params, actor }) => {
      cdr().setHold(params.linkedId, false, actor.name);
      config.record(actor, 'cdr.release', { type: 'cdr', key: params.linkedId }, `released the legal hold of call ${params.linkedId}`);
      return { status: 204 };
    },
  });
}
