// Every REST route is declared once here-through: method, path, the permission it needs, its
// input and output schemas, and the handler. The same declaration registers the express
// handler and writes the OpenAPI document, so a route cannot exist undocumented, and the
// permission check cannot be forgotten.
import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import type { Section } from '../domain/auth.ts';
import { allows } from '../domain/auth.ts';
import { ForbiddenError, PasswordChangeRequiredError, UnauthorizedError } from '../domain/errors.ts';
import type { Actor } from '../services/config-service.ts';
import type { Principal } from '../services/auth-service.ts';
import { zodError } from '../services/auth-service.ts';

/**
 * Who may call a route: anyone (`public`), any authenticated caller even before the first
 * password change (`self`), any authenticated caller (`authenticated`), or a level on a section.
 */
export type Access = { public: true } | { self: true } | { authenticated: true } | { section: Section; level: 'read' | 'write' };

export interface RouteContext<P, Q, B> {
  req: Request;
  res: Response;
  principal: Principal | undefined;
  actor: Actor;
  params: P;
  query: Q;
  body: B;
}

export interface RouteResult {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** The handler wrote the response itself (streams, downloads). */
  raw?: true;
}

export interface RouteDef<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** express path under /api/v1, e.g. /extensions/:key */
  path: string;
  summary: string;
  tag: string;
  access: Access;
  params?: P;
  query?: Q;
  body?: B;
  /** Request body schema for the document only (the service parses it, so errors name the object's fields). */
  docBody?: z.ZodType;
  /** Media type of a non-JSON body (backup restore). */
  bodyType?: string;
  /** Responses by status: a zod schema (JSON), or a media type string (downloads, streams). */
  responses: Record<number, z.ZodType | string>;
  handler: (ctx: RouteContext<z.output<P>, z.output<Q>, z.output<B>>) => Promise<RouteResult> | RouteResult;
}

export const errorSchema = z
  .object({
    error: z
      .object({
        code: z.string(),
        message: z.string(),
        fields: z.array(z.object({ path: z.string(), message: z.string(), line: z.number().int().optional() }).strict()),
      })
      .strict(),
  })
  .strict();

export function checkAccess(access: Access, principal: Principal | undefined): void {
  if ('public' in access) return;
  if (!principal) throw new UnauthorizedError();
  if ('self' in access) return;
  if (principal.mustChangePassword) throw new PasswordChangeRequiredError();
  if ('authenticated' in access) return;
  if (!allows(principal.permissions, access.section, access.level))
    throw new ForbiddenError(`this needs ${access.level} permission on ${access.section}`);
}

export class RouteRegistry {
  readonly routes: RouteDef[] = [];

  add<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(def: RouteDef<P, Q, B>): void {
    this.routes.push(def as unknown as RouteDef);
  }

  mount(router: Router, actorOf: (req: Request) => Actor): void {
    for (const def of this.routes) {
      router[def.method](def.path, async (req: Request, res: Response) => {
        const principal = (req as Request & { principal?: Principal }).principal;
        checkAccess(def.access, principal);
        const parse = (schema: z.ZodType | undefined, value: unknown, what: string) => {
          if (!schema) return value;
          const r = schema.safeParse(value ?? {});
          if (!r.success) throw zodError(r.error, `invalid ${what}`);
          return r.data;
        };
        const params = parse(def.params, req.params, 'path parameters');
        const query = parse(def.query, req.query, 'query parameters');
        const body = def.bodyType ? req.body : parse(def.body, req.body, 'request body');
        const out = await def.handler({ req, res, principal, actor: actorOf(req), params, query, body } as RouteContext<never, never, never>);
        if (out.raw) return;
        for (const [k, v] of Object.entries(out.headers ?? {})) res.setHeader(k, v);
        const status = out.status ?? 200;
        if (out.body === undefined) res.status(status).end();
        else res.status(status).json(out.body);
      });
    }
  }
}
