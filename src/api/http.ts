// The HTTP server of the box: the REST API under /api/v1 (its OpenAPI document and docs page),
// later the GUI and provisioning. Unknown routes and bad bodies get the standard error shape.
import express, { type Express, type Request } from 'express';
import { z } from 'zod';
import type { HealthReporter } from '../health/health.ts';
import type { Logger } from '../lib/log.ts';
import type { AuthService, Principal } from '../services/auth-service.ts';
import { errorBody, errorHandler } from './errors.ts';
import { buildApi, type ApiDeps } from './v1.ts';
import { checkAccess } from './registry.ts';
import { DOCS_PAGE, openApiDocument } from './openapi.ts';
import { authenticate, sourceOf } from './session.ts';

export interface HttpDeps {
  health: HealthReporter;
  logger: Logger;
  api: Omit<ApiDeps, 'health'> & { auth: AuthService };
  version: string;
}

export function createHttpApp(deps: HttpDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  const registry = buildApi({ ...deps.api, health: deps.health });
  registry.add({
    method: 'get',
    path: '/openapi.json',
    tag: 'meta',
    summary: 'This OpenAPI 3.1 document',
    access: { public: true },
    responses: { 200: z.record(z.string(), z.unknown()) },
    handler: () => ({ body: document }),
  });
  registry.add({
    method: 'get',
    path: '/docs',
    tag: 'meta',
    summary: 'Human-readable API documentation (renders this document)',
    access: { public: true },
    responses: { 200: 'text/html' },
    handler: ({ res }) => {
      res.setHeader('Content-Security-Policy', "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'");
      res.type('html').send(DOCS_PAGE);
      return { raw: true };
    },
  });
  const document = openApiDocument(registry, { version: deps.version });

  const api = express.Router();
  api.use((req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  });
  // Authentication needs no body: it runs first, so nobody anonymous gets a large body parsed.
  api.use(authenticate(deps.api.auth));
  // Backups can be larger than any other request (for authorised callers); everything else stays small.
  const restoreGate: express.RequestHandler = (req, _res, next) => {
    const p = (req as Request & { principal?: Principal }).principal;
    try {
      checkAccess({ section: 'system', level: 'write' }, p);
      next();
    } catch (err) {
      next(err);
    }
  };
  api.use('/backup/restore', restoreGate);
  api.use('/backup/restore', express.raw({ type: ['application/gzip', 'application/octet-stream', 'application/x-gzip'], limit: '64mb' }));
  api.use('/backup/restore', express.json({ limit: '64mb' }));
  api.use(express.json({ limit: '1mb' }));
  registry.mount(api, (req: Request) => {
    const p = (req as Request & { principal?: Principal }).principal;
    return { name: p?.name ?? 'anonymous', source: `api ${sourceOf(req)}` };
  });
  app.use('/api/v1', api);
  app.use((_req, res) => {
    res.status(404).json(errorBody('not_found', 'no such route'));
  });
  app.use(errorHandler(deps.logger));
  return app;
}
