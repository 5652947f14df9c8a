// Phone files over HTTP and HTTPS: GET /provisioning/<name>, answered by the one resolver
// (service.ts) that TFTP uses too. Mounted at /provisioning on both servers; the protocol is
// told by the socket (TLS or not). Files only: no directory listings, no other methods, nothing
// cached (a file changes with the model, and holds credentials).
import express, { type Request, type Response } from 'express';
import type { TLSSocket } from 'node:tls';
import type { ProvisioningService } from './service.ts';

export interface ProvisioningRouterOptions {
  /** Force the protocol logged and written into the phone's URLs (default: from the socket). */
  protocol?: 'http' | 'https';
}

const STATUS_TEXT: Record<number, string> = {
  401: 'authentication required',
  403: 'forbidden',
  404: 'not found',
  429: 'too many requests',
  500: 'server error',
};

/** HTTP Basic credentials, or undefined (absent or malformed). */
export function basicAuth(header: string | undefined): { username: string; password: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export function provisioningRouter(service: ProvisioningService, opts: ProvisioningRouterOptions = {}): express.Router {
  const router = express.Router();
  router.use((req: Request, res: Response) => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      res.status(405).type('text/plain').send('method not allowed\n');
      return;
    }
    let name: string;
    try {
      name = decodeURIComponent(req.path);
    } catch {
      // Not valid percent-encoding: no file has such a name. Given as it came so the log shows it.
      name = req.path;
    }
    const socket = req.socket;
    const protocol = opts.protocol ?? ((socket as TLSSocket).encrypted ? 'https' : 'http');
    const auth = basicAuth(req.get('authorization'));
    const userAgent = req.get('user-agent');
    const out = service.resolve({
      protocol,
      name,
      ...(userAgent !== undefined ? { userAgent } : {}),
      source: req.ip ?? socket.remoteAddress ?? '',
      localAddress: socket.localAddress ?? '',
      localPort: socket.localPort ?? 0,
      ...(auth ? { auth } : {}),
    });
    if (out.wwwAuthenticate) res.setHeader('WWW-Authenticate', 'Basic realm="provisioning"');
    if (out.status === 429) res.setHeader('Retry-After', '60');
    const body = out.body ?? `${STATUS_TEXT[out.status] ?? 'error'}\n`;
    const bytes = Buffer.from(body, 'utf8');
    // Sent as is: no ETag or 304 (the log says what the phone got), HEAD gets the headers only.
    res.status(out.status);
    res.setHeader('Content-Type', out.body !== undefined && out.contentType ? out.contentType : 'text/plain; charset=utf-8');
    res.setHeader('Content-Length', String(bytes.length));
    if (req.method === 'HEAD') res.end();
    else res.end(bytes);
  });
  return router;
}
