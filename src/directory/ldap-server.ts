// The LDAP phonebook server (ldapjs adapter: the only file that imports ldapjs). Read-only:
// simple binds and searches; the tree, the binds' rules and the matching are pure code in
// phonebook-tree.ts and filter.ts. ldapjs' own filter matching is never used (it is
// case-sensitive); its filter objects are converted to LdapFilter here.
//
// Binds: uid=<SIP account>,ou=devices,dc=pbx with the SIP password (what provisioning writes
// into the phones), cn=<bindName>,ou=users,dc=pbx with the phonebook user's password, anonymous
// only when the settings allow it; anything else is invalidCredentials (49). A search without
// an allowed identity is insufficientAccessRights (50). Writes are unwillingToPerform (53).
import type { Socket } from 'node:net';
import ldap from 'ldapjs';
import type { PbxConfig } from '../domain/model.ts';
import type { LdapFilter } from './filter.ts';
import { PhonebookTree, type DirectoryIdentity, type SearchScope } from './phonebook-tree.ts';

export interface DirectoryServerOptions {
  /** The current configuration and its revision (the tree is rebuilt when the revision changes). */
  config: () => PbxConfig;
  revision: () => number;
  port: number;
  host: string;
  logger?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

export interface DirectoryHealth {
  [key: string]: unknown;
  ok: boolean;
  enabled: boolean;
  listening: boolean;
  port?: number;
  entries?: number;
  error?: string;
}

/** The ldapjs filter objects (@ldapjs/filter) as far as they are read here. */
interface LdapjsFilter {
  type: string;
  attribute?: string;
  value?: unknown;
  initial?: string;
  any?: string[];
  final?: string;
  clauses?: LdapjsFilter[];
  filter?: LdapjsFilter;
}

const text = (v: unknown): string => (Buffer.isBuffer(v) ? v.toString('utf8') : typeof v === 'string' ? v : String(v ?? ''));

/** An ldapjs filter as the box's own LdapFilter (unknown kinds evaluate as Undefined). */
export function fromLdapjsFilter(f: LdapjsFilter): LdapFilter {
  const attribute = f.attribute ?? '';
  switch (f.type) {
    case 'AndFilter':
      return { kind: 'and', filters: (f.clauses ?? []).map(fromLdapjsFilter) };
    case 'OrFilter':
      return { kind: 'or', filters: (f.clauses ?? []).map(fromLdapjsFilter) };
    case 'NotFilter': {
      const inner = f.filter ?? f.clauses?.[0];
      return inner ? { kind: 'not', filter: fromLdapjsFilter(inner) } : { kind: 'undefined' };
    }
    case 'PresenceFilter':
      return { kind: 'present', attribute };
    case 'EqualityFilter':
      return { kind: 'eq', attribute, value: text(f.value) };
    case 'ApproximateFilter':
      return { kind: 'approx', attribute, value: text(f.value) };
    case 'GreaterThanEqualsFilter':
      return { kind: 'ge', attribute, value: text(f.value) };
    case 'LessThanEqualsFilter':
      return { kind: 'le', attribute, value: text(f.value) };
    case 'SubstringFilter':
      return {
        kind: 'substr',
        attribute,
        ...(f.initial ? { initial: f.initial } : {}),
        any: (f.any ?? []).filter((a) => a !== ''),
        ...(f.final ? { final: f.final } : {}),
      };
    default:
      return { kind: 'undefined' };
  }
}

/** ldapjs' parser, for tests that want the same objects the server gets. */
export function parseLdapjsFilter(s: string): LdapFilter {
  return fromLdapjsFilter((ldap as unknown as { parseFilter(s: string): LdapjsFilter }).parseFilter(s));
}

const SCOPES: Record<string, SearchScope> = { base: 'base', single: 'one', one: 'one', subtree: 'sub', sub: 'sub' };
/** Connections a single client (or a misbehaving phone fleet) may hold open at once. */
const MAX_CONNECTIONS = 512;

type Conn = { ldap?: { bindDN?: { toString(): string } } } & object;
type Next = (err?: unknown) => void;
/* eslint-disable @typescript-eslint/no-explicit-any -- ldapjs' request and response objects (its @types describe v2) */
type Req = any;
type Res = any;

export class DirectoryServer {
  private readonly opts: DirectoryServerOptions;
  private server: ReturnType<typeof ldap.createServer> | undefined;
  private readonly sockets = new Set<Socket>();
  /** The identity each connection's last successful bind established, with the DN it bound as. */
  private readonly identities = new WeakMap<object, { dn: string; identity: DirectoryIdentity }>();
  private cached: PhonebookTree | undefined;
  private boundPort: number | undefined;
  private lastError: string | undefined;
  private syncing: Promise<void> = Promise.resolve();

  constructor(opts: DirectoryServerOptions) {
    this.opts = opts;
  }

  /** The tree of the current revision (built once per revision). */
  tree(): PhonebookTree {
    const revision = this.opts.revision();
    if (this.cached?.revision !== revision) this.cached = new PhonebookTree(this.opts.config(), revision);
    return this.cached;
  }

  /** The port listened on (undefined while stopped). */
  port(): number | undefined {
    return this.boundPort;
  }

  health(): DirectoryHealth {
    const enabled = this.opts.config().directory.enabled;
    return {
      ok: !enabled || this.boundPort !== undefined,
      enabled,
      listening: this.boundPort !== undefined,
      ...(this.boundPort !== undefined ? { port: this.boundPort, entries: this.cached?.size ?? 0 } : {}),
      ...(enabled && this.lastError ? { error: this.lastError } : {}),
    };
  }

  /** Listens when the settings say enabled, stops when they do not (call after every change). */
  sync(): Promise<void> {
    this.syncing = this.syncing.then(async () => {
      const enabled = this.opts.config().directory.enabled;
      if (enabled && !this.server) await this.listen();
      else if (!enabled && this.server) await this.close();
    });
    return this.syncing;
  }

  /** Stops listening for good (daemon shutdown). */
  stop(): Promise<void> {
    this.syncing = this.syncing.then(() => this.close());
    return this.syncing;
  }

  private async listen(): Promise<void> {
    const server = ldap.createServer();
    // Without these listeners a malformed message or a reset connection would be thrown.
    server.on('error', (err: Error) => this.opts.logger?.warn({ err: err.message }, 'directory: bad LDAP request'));
    // Refused binds and searches are reported to the client (49, 50...), not logged.
    server.on('clientError', () => undefined);
    const net = (server as unknown as { server: import('node:net').Server }).server;
    net.maxConnections = MAX_CONNECTIONS;
    net.on('connection', (s: Socket) => {
      // Each entry is its own write: without this, Nagle's algorithm holds the later ones until
      // the client's delayed ACK (about 40 ms a search).
      s.setNoDelay(true);
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    server.bind('', (req: Req, res: Res, next: Next) => this.onBind(req, res, next));
    server.search('', (req: Req, res: Res, next: Next) => this.onSearch(req, res, next));
    const refuse = (_req: Req, _res: Res, next: Next) => next(new ldap.UnwillingToPerformError('the phonebook is read-only'));
    server.add('', refuse);
    server.modify('', refuse);
    server.del('', refuse);
    server.modifyDN('', refuse);
    server.compare('', refuse);
    try {
      await new Promise<void>((resolve, reject) => {
        net.once('error', reject);
        server.listen(this.opts.port, this.opts.host, () => {
          net.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      this.lastError = `cannot listen on ${this.opts.host}:${this.opts.port}: ${(err as Error).message}`;
      this.opts.logger?.warn({ err: (err as Error).message, port: this.opts.port }, 'directory: LDAP server not started');
      return;
    }
    net.on('error', (err: Error) => this.opts.logger?.warn({ err: err.message }, 'directory: server error'));
    this.server = server;
    const address = net.address();
    this.boundPort = typeof address === 'object' && address ? address.port : this.opts.port;
    this.lastError = undefined;
    this.opts.logger?.info({ port: this.boundPort }, 'directory: LDAP phonebook listening');
  }

  private async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.boundPort = undefined;
    const net = (server as unknown as { server: import('node:net').Server }).server;
    const closed = new Promise<void>((resolve) => net.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await closed;
  }

  private onBind(req: Req, res: Res, next: Next): void {
    const conn = req.connection as Conn;
    this.identities.delete(conn);
    try {
      if (req.authentication !== undefined && req.authentication !== 'simple') return next(new ldap.AuthMethodNotSupportedError('only simple binds'));
      const dn = String(req.dn ?? '');
      const identity = this.tree().authenticate(dn, text(req.credentials));
      if (!identity) return next(new ldap.InvalidCredentialsError());
      this.identities.set(conn, { dn: req.dn.toString(), identity });
      res.end();
      return next();
    } catch {
      return next(new ldap.InvalidCredentialsError());
    }
  }

  /** The identity of a connection, if its current bind is one of ours (an anonymous bind after it resets it). */
  private identity(conn: Conn): DirectoryIdentity | undefined {
    const id = this.identities.get(conn);
    if (!id) return undefined;
    return conn.ldap?.bindDN?.toString() === id.dn ? id.identity : undefined;
  }

  private onSearch(req: Req, res: Res, next: Next): void {
    try {
      const tree = this.tree();
      const base = String(req.baseObject ?? req.dn ?? '');
      const scope = SCOPES[String(req.scopeName ?? 'sub')] ?? 'sub';
      if (base === '' && scope === 'base') {
        // The root DSE: what a client asks to learn the naming context and version.
        res.send({ dn: '', attributes: { objectClass: ['top'], namingContexts: ['dc=pbx'], supportedLDAPVersion: ['3'] } }, true);
        res.end();
        return next();
      }
      if (!this.identity(req.connection) && !tree.settings.anonymous) return next(new ldap.InsufficientAccessRightsError('bind first (anonymous searches are off)'));
      const asked = Number(req.sizeLimit) || 0;
      const limit = asked > 0 ? Math.min(asked, tree.settings.sizeLimit) : tree.settings.sizeLimit;
      const outcome = tree.search(base, scope, fromLdapjsFilter(req.filter as LdapjsFilter), limit);
      if (!outcome) return next(new ldap.NoSuchObjectError(base));
      const wanted = selection(req.attributes as string[] | undefined);
      // ldapjs' own attribute selection compares lowercased names with the requested ones as
      // written (telephoneNumber never matches): the selection is made here instead.
      res.attributes = [];
      for (const e of outcome.entries) res.send({ dn: e.dn, attributes: wanted ? pick(e.attributes, wanted) : e.attributes }, true);
      res.end(outcome.sizeLimitExceeded ? 4 : 0); // 4: sizeLimitExceeded, with the entries up to the limit
      return next();
    } catch (err) {
      this.opts.logger?.warn({ err: (err as Error).message }, 'directory: search failed');
      return next(new ldap.OperationsError('the search could not be answered'));
    }
  }
}

/** Requested attributes in lowercase; undefined: all user attributes ('*', '+' or none named). */
function selection(attributes: string[] | undefined): Set<string> | undefined {
  const list = (attributes ?? []).map((a) => a.toLowerCase());
  if (list.length === 0 || list.includes('*')) return undefined;
  // '1.1' (no attributes) leaves the set empty; '+' (operational ones) adds none: the box has none.
  return new Set(list.filter((a) => a !== '1.1' && a !== '+'));
}

function pick(attributes: Record<string, string[]>, wanted: Set<string>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(attributes)) if (wanted.has(k.toLowerCase())) out[k] = v;
  return out;
}
