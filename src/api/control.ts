// The local control API of pbxctl, served on a Unix socket in the data directory (mode 0600):
// only root on the box reaches it, so it needs no password and exposes no network surface.
// Configuration arrives as YAML text; errors name the line of the offending field.
import express, { type Express, type Request } from 'express';
import { UnavailableError, ValidationError, type FieldError } from '../domain/errors.ts';
import type { ConfigService, Actor } from '../services/config-service.ts';
import type { Logger } from '../lib/log.ts';
import { parseYaml, toYaml } from '../lib/yaml.ts';
import { errorHandler } from './errors.ts';

export interface StatusSource {
  (): Promise<Record<string, unknown>>;
}

function parseBody(req: Request): { value: unknown; lineOf: (p: (string | number)[]) => number | undefined } {
  const text = typeof req.body === 'string' ? req.body : '';
  const doc = parseYaml(text);
  if (doc.errors.length) {
    throw new ValidationError(
      'the file is not valid YAML',
      doc.errors.map((e) => ({ path: [], message: e.message, line: e.line })),
    );
  }
  // An empty document would be a valid empty configuration: refuse it, it is far more likely
  // a failed pipeline than an intent to delete everything.
  if (doc.value === null || doc.value === undefined) {
    throw new ValidationError('the file is empty; to remove everything, apply a file that says so (e.g. "extensions: []")', [{ path: [], message: 'empty document' }]);
  }
  return { value: doc.value, lineOf: doc.lineOf };
}

function withLines<T>(fn: () => T, lineOf: (p: (string | number)[]) => number | undefined): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ValidationError) {
      const fields: FieldError[] = err.fields.map((f) => {
        const line = lineOf(f.path);
        return line ? { ...f, line } : f;
      });
      throw new ValidationError(err.message, fields);
    }
    throw err;
  }
}

export interface PasswordReset {
  resetPassword(username: string, actor: Actor): Promise<string>;
  addUserOneTime(username: string, role: string, actor: Actor): Promise<string>;
}

/** Switch states for `pbxctl switch` (src/services/switch-service.ts's SwitchService). */
export interface SwitchControl {
  status(name: string): Promise<unknown>;
  setState(name: string, state: unknown, actor: Actor): Promise<unknown>;
}

export function createControlApp(deps: { config: ConfigService; status: StatusSource; logger: Logger; users?: PasswordReset; switches?: SwitchControl }): Express {
  const app = express();
  app.use(express.text({ type: () => true, limit: '16mb' }));
  const actor: Actor = { name: 'root', source: 'pbxctl' };

  app.get('/v1/config', (_req, res) => {
    res.type('application/yaml').send(toYaml(deps.config.get()));
  });
  app.post('/v1/config/diff', (req, res) => {
    const { value, lineOf } = parseBody(req);
    res.json({ changes: withLines(() => deps.config.diff(value), lineOf) });
  });
  app.post('/v1/config/apply', async (req, res) => {
    const { value, lineOf } = parseBody(req);
    // Validation (with lines) happens before anything is written.
    withLines(() => deps.config.diff(value), lineOf);
    const result = await deps.config.replace(value, actor);
    res.status(result.apply && !result.apply.ok && !result.apply.pending ? 502 : 200).json(result);
  });
  app.post('/v1/users/:name/reset-password', async (req, res) => {
    if (!deps.users) throw new ValidationError('user management is not available', []);
    res.json({ username: req.params.name, password: await deps.users.resetPassword(req.params.name, actor) });
  });
  app.post('/v1/users/:name', async (req, res) => {
    if (!deps.users) throw new ValidationError('user management is not available', []);
    const role = typeof req.query.role === 'string' ? req.query.role : '';
    res.json({ username: req.params.name, password: await deps.users.addUserOneTime(req.params.name, role, actor) });
  });
  app.get('/v1/status', async (_req, res) => {
    res.json(await deps.status());
  });
  app.get('/v1/switches/:name/state', async (req, res) => {
    if (!deps.switches) throw new UnavailableError('switches are not available (Asterisk disabled)');
    res.json(await deps.switches.status(req.params.name));
  });
  // The body is the state's name as plain text.
  app.put('/v1/switches/:name/state', async (req, res) => {
    if (!deps.switches) throw new UnavailableError('switches are not available (Asterisk disabled)');
    const state = typeof req.body === 'string' ? req.body.trim() : '';
    res.json(await deps.switches.setState(req.params.name, { state }, actor));
  });
  app.use(errorHandler(deps.logger));
  return app;
}
