// The HTTP server of the box (GUI, REST API, provisioning come later on it). For now:
// GET /api/v1/health. Unknown routes and bad bodies get the standard error shape.
import express, { type Express } from 'express';
import type { HealthReporter } from '../health/health.ts';
import type { Logger } from '../lib/log.ts';
import { errorBody, errorHandler } from './errors.ts';

export function createHttpApp(deps: { health: HealthReporter; logger: Logger }): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '1mb' }));
  app.get('/api/v1/health', (_req, res) => {
    const h = deps.health.report();
    res.status(h.status === 'ok' ? 200 : 503).json(h);
  });
  app.use((_req, res) => {
    res.status(404).json(errorBody('not_found', 'no such route'));
  });
  app.use(errorHandler(deps.logger));
  return app;
}
