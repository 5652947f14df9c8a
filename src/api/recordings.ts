// /api/v1/recordings: call recordings for the privacy officer. Only a role with the
// `recordings` section reaches them (the built-in privacy-admin; the admin does not have it), and
// every access is written to the audit log with who and when — a listing, a look at one, each
// download or part of one, a deletion. Audit entries name recordings by id only: the audit log
// is readable by the admin, who must not learn the parties from it.
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { RECORDING_ID, recordingListSchema, recordingQuerySchema, recordingSchema, type Recording, type RecordingQuery } from '../domain/recordings.ts';
import { ConflictError, UnavailableError } from '../domain/errors.ts';
import type { ConfigService } from '../services/config-service.ts';
import { RouteRegistry, errorSchema } from './registry.ts';

/** The recordings as the API sees them (src/recordings/recording-service.ts, passed in from main.ts). */
export interface RecordingsApi {
  list(q: RecordingQuery): { items: Recording[]; total: number };
  /** NotFoundError when there is no such recording. */
  get(id: string): Recording;
  /** ConflictError while it is still being recorded; `range`: inclusive bytes, within the size; `session`: the caller's session (encrypted storage decrypts with its unlocked key). */
  open(id: string, range?: { start: number; end: number }, session?: string): Promise<{ stream: Readable; size: number; recording: Recording }>;
  remove(id: string): Promise<void>;
}

const TAG = 'recordings';
const idParams = z.object({ id: z.string().regex(RECORDING_ID, 'a recording id') }).strict();

/** One `bytes=` range of a file of `size` bytes: the range, 'unsatisfiable', or undefined for the whole file. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  // Several ranges or another unit: the whole file, as RFC 9110 allows.
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (!Number.isSafeInteger(start) || start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

/** Encryption at rest (src/crypto/privacy-service.ts): with a privacy key set, every route needs the session unlocked (LockedError, 403 'locked'). */
export interface RecordingsPrivacy {
  requireUnlocked(sessionHash: string | undefined): void;
}

export function addRecordingRoutes(r: RouteRegistry, deps: { config: ConfigService; recordings?: RecordingsApi | undefined; privacy?: RecordingsPrivacy | undefined }): void {
  const { config } = deps;
  const unlocked = (p: { sessionHash?: string } | undefined) => deps.privacy?.requireUnlocked(p?.sessionHash);
  const recordings = () => {
    if (!deps.recordings) throw new UnavailableError('recordings are not available');
    return deps.recordings;
  };
  const target = (key: string) => ({ type: 'recording', key });

  r.add({
    method: 'get',
    path: '/recordings',
    tag: TAG,
    summary:
      'Call recordings, newest first: filters from/to (start time, ISO 8601), number (the caller or callee, exactly), direction (in, out, internal); limit/offset paging. Privacy admin only; audited',
    access: { section: 'recordings', level: 'read' },
    query: recordingQuerySchema,
    responses: { 200: recordingListSchema, 400: errorSchema, 401: errorSchema, 403: errorSchema, 503: errorSchema },
    handler: ({ query, actor, principal }) => {
      unlocked(principal);
      const out = recordings().list(query);
      config.record(actor, 'recordings.list', target('*'), `listed recordings (${out.items.length} of ${out.total})`);
      return { body: out };
    },
  });

  r.add({
    method: 'get',
    path: '/recordings/:id',
    tag: TAG,
    summary: 'One call recording: parties, direction, start, length, size, the policy that made it. Privacy admin only; audited',
    access: { section: 'recordings', level: 'read' },
    params: idParams,
    responses: { 200: recordingSchema, 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 503: errorSchema },
    handler: ({ params, actor, principal }) => {
      unlocked(principal);
      const rec = recordings().get(params.id);
      config.record(actor, 'recordings.read', target(params.id), `read recording ${params.id}`);
      return { body: rec };
    },
  });

  r.add({
    method: 'get',
    path: '/recordings/:id/audio',
    tag: TAG,
    summary:
      'The audio of a call recording (audio/wav, 8 kHz mono 16-bit), for download or listening; a single Range (bytes=) gets 206 with that part. ' +
      'Still being recorded: 409. Privacy admin only; every request audited',
    access: { section: 'recordings', level: 'read' },
    params: idParams,
    responses: { 200: 'audio/wav', 206: 'audio/wav', 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema, 416: errorSchema, 503: errorSchema },
    handler: async ({ req, res, params, actor, principal }) => {
      unlocked(principal);
      const api = recordings();
      const rec = api.get(params.id);
      if (rec.state !== 'stored' || rec.size === undefined) throw new ConflictError(`recording ${params.id} is still being recorded`);
      const size = rec.size;
      const range = parseRange(typeof req.headers.range === 'string' ? req.headers.range : undefined, size);
      if (range === 'unsatisfiable') {
        res.status(416).setHeader('Content-Range', `bytes */${size}`);
        res.json({ error: { code: 'range_not_satisfiable', message: `the recording has ${size} bytes`, fields: [] } });
        return { raw: true };
      }
      const { stream } = await api.open(params.id, range, principal?.sessionHash);
      config.record(
        actor,
        'recordings.download',
        target(params.id),
        range ? `downloaded bytes ${range.start}-${range.end} of recording ${params.id}` : `downloaded recording ${params.id}`,
      );
      res.status(range ? 206 : 200);
      res.setHeader('Content-Type', 'audio/wav');
      res.setHeader('Accept-Ranges', 'bytes');
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('Content-Disposition', `attachment; filename="recording-${params.id}.wav"`);
      res.setHeader('Content-Length', String(range ? range.end - range.start + 1 : size));
      if (range) res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${size}`);
      stream.on('error', () => res.destroy());
      stream.pipe(res);
      return { raw: true };
    },
  });

  r.add({
    method: 'delete',
    path: '/recordings/:id',
    tag: TAG,
    summary: 'Delete a call recording: its file and its index row. Still being recorded: 409. Privacy admin only; audited',
    access: { section: 'recordings', level: 'write' },
    params: idParams,
    responses: { 204: 'none', 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema, 503: errorSchema },
    handler: async ({ params, actor, principal }) => {
      unlocked(principal);
      await recordings().remove(params.id);
      config.record(actor, 'recordings.delete', target(params.id), `deleted recording ${params.id}`);
      return { status: 204 };
    },
  });
}
