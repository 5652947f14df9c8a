// The HTTP server of the box: the REST API under /api/v1 (its OpenAPI document and docs page)
// and the admin GUI (a built SPA, webui/dist); phones fetch their files under /provisioning. Unknown API routes and bad
// bodies get the standard error shape.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Express, type Request, type Response } from 'express';
import { z } from 'zod';
import type { HealthReporter } from '../health/health.ts';
import type { Logger } from '../lib/log.ts';
import type { AuthService, Principal } from '../services/auth-service.ts';
import { errorBody, errorHandler } from './errors.ts';
import { buildApi, type ApiDeps } from './v1.ts';
import { PHONE_IMPORT_MAX_BYTES, PHONE_IMPORT_TYPES } from './provisioning.ts';
import { checkAccess } from './registry.ts';
import { DOCS_PAGE, openApiDocument } from './openapi.ts';
import { authenticate, sourceOf } from './session.ts';

export interface HttpDeps {
  health: HealthReporter;
  logger: Logger;
  api: Omit<ApiDeps, 'health'> & { auth: AuthService };
  version: string;
  /** The built GUI (index.html, assets/); absent or missing: / says how to build it. */
  webuiDir?: string;
  /** Phones fetching their files (src/provisioning/http.ts), mounted at /provisioning. */
  provisioning?: express.RequestHandler;
}

/** Headers of every GUI response: the SPA loads only its own files and cannot be framed. */
const GUI_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>PBX</title></head><body>
<h1>PBX appliance</h1>
<p>The web GUI is not built. Run <code>make webui</code> in the checkout, then reload this page.</p>
<p>The REST API works without it: <a href="/api/v1/docs">API documentation</a>.</p>
</body></html>
`;

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The SPA: its files as they are (hashed /assets/* cached for a year, index.html never), and
 * index.html for every other GET that is no API call and names no file (client-side routes such
 * as /extensions/201/edit). Looked up per request: `make webui` may run while the daemon does.
 */
function guiRouter(dir: string | undefined): express.Router {
  const gui = express.Router();
  // Paths the GUI never owns: the API, and provisioning (phones asking for files must get a
  // 404, never the GUI's index.html with a 200).
  const isApi = (path: string) => /^\/(api|provisioning)(\/|$)/.test(path);
  gui.use((req, res, next) => {
    if (isApi(req.path)) return next();
    for (const [k, v] of Object.entries(GUI_HEADERS)) res.setHeader(k, v);
    next();
  });
  if (dir) {
    gui.use('/assets', express.static(join(dir, 'assets'), { index: false, redirect: false, fallthrough: true, immutable: true, maxAge: '365d' }));
    gui.use(
      express.static(dir, {
        index: false,
        redirect: false,
        setHeaders: (res, path) => {
          if (path.endsWith('index.html')) res.setHeader('Cache-Control', 'no-cache');
        },
      }),
    );
  }
  gui.use((req: Request, res: Response, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || isApi(req.path)) return next();
    const last = req.path.split('/').pop() ?? '';
    if (last.includes('.')) return next();
    if (!dir || !isFile(join(dir, 'index.html'))) {
      res.setHeader('Cache-Control', 'no-store');
      res.status(200).type('html').send(NOT_BUILT_PAGE);
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    // Relative to root: only 'index.html' is checked for dot segments, not where the GUI lives.
    res.sendFile('index.html', { root: dir, cacheControl: false }, (err) => {
      if (err && !res.headersSent) next(err);
    });
  });
  return gui;
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
  // A phone import is a raw CSV or XLSX body (up to 5 MB), read only for callers who may import.
  const importGate: express.RequestHandler = (req, _res, next) => {
    if (req.method !== 'POST') return next();
    try {
      checkAccess({ section: 'provisioning', level: 'write' }, (req as Request & { principal?: Principal }).principal);
      next();
    } catch (err) {
      next(err);
    }
  };
  api.use('/phones/import', importGate);
  api.use('/phones/import', express.raw({ type: PHONE_IMPORT_TYPES, limit: PHONE_IMPORT_MAX_BYTES }));
  // The same for the shared phonebook's import (callers with write on the phonebook).
  const phonebookImportGate: express.RequestHandler = (req, _res, next) => {
    if (req.method !== 'POST') return next();
    try {
      checkAccess({ section: 'phonebook', level: 'write' }, (req as Request & { principal?: Principal }).principal);
      next();
    } catch (err) {
      next(err);
    }
  };
  api.use('/phonebook/import', phonebookImportGate);
  api.use('/phonebook/import', express.raw({ type: PHONE_IMPORT_TYPES, limit: PHONE_IMPORT_MAX_BYTES }));
  api.use(express.json({ limit: '1mb' }));
  registry.mount(api, (req: Request) => {
    const p = (req as Request & { principal?: Principal }).principal;
    return { name: p?.name ?? 'anonymous', source: `api ${sourceOf(req)}` };
  });
  app.use('/api/v1', api);
  if (deps.provisioning) app.use('/provisioning', deps.provisioning);
  app.use(guiRouter(deps.webuiDir));
  app.use((_req, res) => {
    res.status(404).json(errorBody('not_found', 'no such route'));
  });
  app.use(errorHandler(deps.logger));
  return app;
}
