// The one place errors become HTTP answers: `{ error: { code, message, fields } }`.
// Client errors keep their status; anything unexpected is a logged 500 without internals.
import type { NextFunction, Request, Response } from 'express';
import { PbxError, formatPath } from '../domain/errors.ts';
import type { Logger } from '../lib/log.ts';

const STATUS: Record<string, number> = {
  validation_failed: 400,
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_permitted: 403,
  password_change_required: 403,
  locked: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  locked_out: 429,
  upstream_failed: 502,
  unavailable: 503,
};

export function errorBody(code: string, message: string, fields: { path: string; message: string; line?: number }[] = []) {
  return { error: { code, message, fields } };
}

export function errorHandler(logger: Logger) {
  return (err: unknown, _req: Request, res: Response, _next: NextFunction): void => {
    if (err instanceof PbxError) {
      const retry = (err as { retryAfterSeconds?: number }).retryAfterSeconds;
      if (retry) res.setHeader('Retry-After', String(retry));
      res.status(STATUS[err.code] ?? 400).json(
        errorBody(err.code, err.message, err.fields.map((f) => ({ path: formatPath(f.path), message: f.message, ...(f.line ? { line: f.line } : {}) }))),
      );
      return;
    }
    const e = err as { type?: string; status?: number; message?: string };
    if (e?.type === 'entity.too.large') {
      res.status(413).json(errorBody('payload_too_large', 'the request body is too large'));
      return;
    }
    if (e?.type === 'entity.parse.failed' || (typeof e?.status === 'number' && e.status >= 400 && e.status < 500)) {
      res.status(400).json(errorBody('bad_request', e.message ?? 'bad request'));
      return;
    }
    logger.error({ err: (err as Error)?.stack ?? String(err) }, 'unexpected error in a request');
    res.status(500).json(errorBody('internal', 'internal error'));
  };
}
