// REST client for tests. Every JSON answer is checked against the OpenAPI document the daemon
// serves (the route, the status and the body's schema must all be in it), so every API test
// is also a contract test of /api/v1/openapi.json.
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { startDaemon, type Daemon } from '../../src/main.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

type OpenApi = { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: unknown }> }> }>> };

class Contract {
  private readonly doc: OpenApi;
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly compiled = new Map<string, ReturnType<Ajv2020['compile']>>();
  readonly seen = new Set<string>();
  private readonly templates: { re: RegExp; path: string }[];
  constructor(doc: OpenApi) {
    this.doc = doc;
    addFormats(this.ajv);
    this.templates = Object.keys(doc.paths)
      .map((p) => ({ path: p, re: new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/]+')}$`) }))
      // literal segments win over parameters (/users/me before /users/{key})
      .sort((a, b) => (a.path.match(/\{/g)?.length ?? 0) - (b.path.match(/\{/g)?.length ?? 0));
  }
  check(method: string, path: string, res: ApiResponse): void {
    const bare = path.replace(/\?.*$/, '').replace(/^\/api\/v1/, '');
    const t = this.templates.find((x) => x.re.test(bare) && this.doc.paths[x.path]![method]);
    if (!t) {
      if (res.status === 404 || res.status === 405) return; // a route that does not exist
      throw new Error(`contract: ${method.toUpperCase()} ${bare} answered ${res.status} but is not in the OpenAPI document`);
    }
    const op = this.doc.paths[t.path]![method]!;
    const declared = op.responses[String(res.status)];
    if (!declared) throw new Error(`contract: ${method.toUpperCase()} ${t.path} answered ${res.status}, not declared (declared: ${Object.keys(op.responses).join(', ')}); body ${res.text.slice(0, 300)}`);
    this.seen.add(`${method} ${t.path} ${res.status}`);
    const schema = declared.content?.['application/json']?.schema;
    if (!schema || !(res.headers.get('content-type') ?? '').includes('application/json')) return;
    const key = `${method} ${t.path} ${res.status}`;
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(schema as object);
      this.compiled.set(key, validate);
    }
    if (!validate(res.body)) throw new Error(`contract: ${method.toUpperCase()} ${t.path} ${res.status} body does not match its schema: ${this.ajv.errorsText(validate.errors)}; body ${res.text.slice(0, 500)}`);
  }
}

export class ApiClient {
  readonly base: string;
  private readonly auth: { token?: string; cookie?: string; csrf?: string };
  private readonly contract: Contract | undefined;
  constructor(base: string, auth: { token?: string; cookie?: string; csrf?: string } = {}, contract?: Contract) {
    this.base = base;
    this.auth = auth;
    this.contract = contract;
  }
  /** The bearer token, when this client uses one. */
  get token(): string | undefined {
    return this.auth.token;
  }
  with(auth: { token?: string; cookie?: string; csrf?: string }): ApiClient {
    return new ApiClient(this.base, auth, this.contract);
  }
  async request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const h: Record<string, string> = { ...headers };
    if (this.auth.token) h.authorization = `Bearer ${this.auth.token}`;
    if (this.auth.cookie) h.cookie = this.auth.cookie;
    if (this.auth.csrf && !['GET', 'HEAD'].includes(method.toUpperCase())) h['x-csrf-token'] ??= this.auth.csrf;
    let payload: string | Uint8Array | undefined;
    if (Buffer.isBuffer(body)) payload = new Uint8Array(body);
    else if (typeof body === 'string') payload = body;
    else if (body !== undefined) {
      payload = JSON.stringify(body);
      h['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${this.base}/api/v1${path}`, { method: method.toUpperCase(), headers: h, ...(payload !== undefined ? { body: payload } : {}) });
    const text = (res.headers.get('content-type') ?? '').includes('gzip') ? '' : await res.text();
    let parsed: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('application/json')) parsed = text ? JSON.parse(text) : undefined;
    const out: ApiResponse<T> = { status: res.status, body: parsed as T, text, headers: res.headers };
    this.contract?.check(method.toLowerCase(), path, out);
    return out;
  }
  get<T = any>(path: string) {
    return this.request<T>('GET', path);
  }
  post<T = any>(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request<T>('POST', path, body ?? {}, headers);
  }
  put<T = any>(path: string, body: unknown) {
    return this.request<T>('PUT', path, body);
  }
  patch<T = any>(path: string, body: unknown) {
    return this.request<T>('PATCH', path, body);
  }
  delete<T = any>(path: string) {
    return this.request<T>('DELETE', path);
  }
  /** Raw fetch for downloads. */
  async download(path: string): Promise<{ status: number; data: Buffer; headers: Headers }> {
    const h: Record<string, string> = {};
    if (this.auth.token) h.authorization = `Bearer ${this.auth.token}`;
    if (this.auth.cookie) h.cookie = this.auth.cookie;
    const res = await fetch(`${this.base}/api/v1${path}`, { headers: h });
    return { status: res.status, data: Buffer.from(await res.arrayBuffer()), headers: res.headers };
  }
}

export const ADMIN_PASSWORD = 'Tr0ub4dor&3-Horse-Battery';

/** Logs in as admin with the one-time password from the data directory and sets a real one. */
export async function adminSession(base: string, dataDir: string, contract?: Contract): Promise<ApiClient> {
  const anon = new ApiClient(base, {}, contract);
  const initial = readFileSync(join(dataDir, 'initial-admin-password'), 'utf8').trim();
  let login = await anon.post('/auth/login', { username: 'admin', password: initial });
  if (login.status !== 200) throw new Error(`admin login failed: ${login.status} ${login.text}`);
  let client = anon.with(sessionOf(login));
  const changed = await client.post('/auth/password', { currentPassword: initial, newPassword: ADMIN_PASSWORD });
  if (changed.status !== 204) throw new Error(`password change failed: ${changed.status} ${changed.text}`);
  login = await anon.post('/auth/login', { username: 'admin', password: ADMIN_PASSWORD });
  return anon.with(sessionOf(login));
}

export function sessionOf(res: ApiResponse): { cookie: string; csrf: string } {
  const cookies = res.headers.getSetCookie().map((c) => c.split(';')[0]!);
  return { cookie: cookies.join('; '), csrf: (res.body as { csrf: string }).csrf };
}

/** An admin API token with every section the admin has. */
export async function adminToken(session: ApiClient, name = 'test'): Promise<ApiClient> {
  const all = Object.fromEntries(
    ['extensions', 'trunks', 'routing', 'groups', 'ivr', 'phonebook', 'switches', 'services', 'provisioning', 'cdr', 'calls', 'crm', 'system', 'users', 'audit'].map((s) => [s, 'write']),
  );
  const r = await session.post('/tokens', { name, scopes: all });
  if (r.status !== 201) throw new Error(`token creation failed: ${r.status} ${r.text}`);
  return session.with({ token: r.body.token });
}

export interface ApiDaemon {
  daemon: Daemon;
  dataDir: string;
  base: string;
  anon: ApiClient;
  contract: Contract;
  stop(): Promise<void>;
}

/** A supervisor without Asterisk (PBX_ASTERISK=none): the management plane alone, fast. */
export async function startApiDaemon(env: Record<string, string> = {}): Promise<ApiDaemon> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pbx-api-'));
  const daemon = await startDaemon({
    PBX_DATA_DIR: dataDir,
    PBX_ASTERISK: 'none',
    PBX_HTTP_HOST: '127.0.0.1',
    PBX_HTTP_PORT: '0',
    PBX_HTTPS_PORT: '0',
    PBX_TFTP_PORT: '0',
    PBX_TFTP_HOST: '127.0.0.1',
    PBX_LDAP_PORT: '0',
    PBX_LDAP_HOST: '127.0.0.1',
    PBX_LOG_LEVEL: process.env.PBX_TEST_LOG_LEVEL ?? 'silent',
    ...env,
  });
  const base = `http://127.0.0.1:${daemon.httpPort}`;
  const doc = (await (await fetch(`${base}/api/v1/openapi.json`)).json()) as OpenApi;
  const contract = new Contract(doc);
  return {
    daemon,
    dataDir,
    base,
    contract,
    anon: new ApiClient(base, {}, contract),
    async stop() {
      await daemon.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export { Contract };
