// The one way the GUI talks to the box: same-origin fetch to /api/v1 with the session cookie,
// echoing the CSRF cookie on writes. Errors come back in the API's one shape and are thrown as
// ApiError so forms can put each field's message next to the field.

export interface FieldError {
  path: string;
  message: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: FieldError[];
  constructor(status: number, code: string, message: string, fields: FieldError[] = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}

type Query = Record<string, string | number | boolean | undefined | null>;

const listeners = new Set<(status: number, code: string) => void>();
/** Called on 401 (session ended) and 403 password_change_required, so the app can route to login. */
export function onAuthProblem(fn: (status: number, code: string) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function csrf(): string {
  const m = document.cookie.match(/(?:^|;\s*)pbx_csrf=([^;]+)/);
  return m ? decodeURIComponent(m[1]!) : '';
}

export function url(path: string, query?: Query): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
  const s = qs.toString();
  return `/api/v1${path}${s ? `?${s}` : ''}`;
}

export async function request<T = unknown>(method: string, path: string, opts: { query?: Query; body?: unknown; raw?: BodyInit; contentType?: string } = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method !== 'GET') headers['X-CSRF-Token'] = csrf();
  let body: BodyInit | undefined;
  if (opts.raw !== undefined) {
    body = opts.raw;
    if (opts.contentType) headers['Content-Type'] = opts.contentType;
  } else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['Content-Type'] = 'application/json';
  }
  let res: Response;
  try {
    res = await fetch(url(path, opts.query), { method, headers, body, credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'network', 'The box cannot be reached. Check the network connection and try again.');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown = undefined;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = text;
  }
  if (!res.ok) {
    const e = (data as { error?: { code?: string; message?: string; fields?: FieldError[] } } | undefined)?.error;
    const err = new ApiError(res.status, e?.code ?? 'http_' + res.status, e?.message ?? `${res.status} ${res.statusText}`, e?.fields ?? []);
    if (res.status === 401 || err.code === 'password_change_required') for (const l of listeners) l(res.status, err.code);
    throw err;
  }
  return data as T;
}

export const api = {
  get: <T = unknown>(path: string, query?: Query) => request<T>('GET', path, { query }),
  post: <T = unknown>(path: string, body?: unknown, query?: Query) => request<T>('POST', path, { body, query }),
  put: <T = unknown>(path: string, body?: unknown) => request<T>('PUT', path, { body }),
  patch: <T = unknown>(path: string, body?: unknown) => request<T>('PATCH', path, { body }),
  del: <T = unknown>(path: string) => request<T>('DELETE', path),
};

export interface ListResult<T = Record<string, unknown>> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

/** Builds "path: message" lines for errors that have no field on the page to sit next to. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    const extra = err.fields.filter((f) => f.path && f.path !== '(root)').map((f) => `${f.path}: ${f.message}`);
    return [err.message, ...extra].join('\n');
  }
  return (err as Error)?.message ?? String(err);
}
