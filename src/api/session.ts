// Authentication of API requests: a browser session cookie (HttpOnly, SameSite=Strict, with a
// CSRF token echoed in a header on every write) or an API token (Authorization: Bearer).
import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { AuthService, Principal } from '../services/auth-service.ts';
import { ForbiddenError } from '../domain/errors.ts';

export const SESSION_COOKIE = 'pbx_session';
export const CSRF_COOKIE = 'pbx_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export function cookies(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    const k = part.slice(0, i).trim();
    try {
      out[k] = decodeURIComponent(part.slice(i + 1).trim());
    } catch {
      /* a malformed cookie is ignored, not an error */
    }
  }
  return out;
}

export function sourceOf(req: Request): string {
  return req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? 'unknown';
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

function sameSecret(given: string | string[] | undefined, expected: string | undefined): boolean {
  if (typeof given !== 'string' || !expected) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function authenticate(auth: AuthService) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    let principal: Principal | undefined;
    const header = req.headers.authorization;
    if (header?.startsWith('Bearer ')) {
      principal = auth.fromToken(header.slice(7).trim());
    } else {
      const sid = cookies(req)[SESSION_COOKIE];
      if (sid) {
        principal = auth.fromSession(sid);
        // A cookie rides along with any cross-site request; a write must prove it came from
        // our own page, which alone can read the CSRF cookie and copy it into the header.
        if (principal && !SAFE.has(req.method) && !sameSecret(req.headers[CSRF_HEADER], principal.csrf)) {
          next(new ForbiddenError(`missing or wrong ${CSRF_HEADER} header (browser sessions must echo the ${CSRF_COOKIE} cookie)`));
          return;
        }
      }
    }
    (req as Request & { principal?: Principal }).principal = principal;
    next();
  };
}

export function setSessionCookies(req: Request, res: Response, session: { sessionId: string; csrf: string; expiresAt: string }): void {
  const secure = req.protocol === 'https' ? '; Secure' : '';
  const maxAge = Math.max(0, Math.floor((Date.parse(session.expiresAt) - Date.now()) / 1000));
  res.append('Set-Cookie', `${SESSION_COOKIE}=${session.sessionId}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure}`);
  res.append('Set-Cookie', `${CSRF_COOKIE}=${session.csrf}; Path=/; SameSite=Strict; Max-Age=${maxAge}${secure}`);
}

export function clearSessionCookies(res: Response): void {
  res.append('Set-Cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
  res.append('Set-Cookie', `${CSRF_COOKIE}=; Path=/; SameSite=Strict; Max-Age=0`);
}
