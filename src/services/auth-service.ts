// Users, roles, sessions, API tokens and login throttling. Passwords are hashed with scrypt;
// session ids and token secrets are random and stored hashed. Every change and every login
// (success or failure) leaves an audit row, written in the same transaction as the change.
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import {
  BUILTIN_ROLES,
  SECTIONS,
  allows,
  intersect,
  levelOf,
  roleSchema,
  tokenScopesSchema,
  userSchema,
  type Permissions,
  type Role,
  type User,
} from '../domain/auth.ts';
import { generateSecret, passwordProblems } from '../domain/password.ts';
import {
  ConflictError,
  ForbiddenError,
  LockedOutError,
  NotFoundError,
  UnauthorizedError,
  ValidationError,
} from '../domain/errors.ts';
import type { AuthStore, StoredToken, StoredUser } from '../store/auth-store.ts';
import type { Actor } from './config-service.ts';

/** Who is calling: a logged-in user (browser session) or an API token. */
export interface Principal {
  kind: 'user' | 'token';
  /** user name, or "token:<name>" */
  name: string;
  permissions: Permissions;
  mustChangePassword: boolean;
  /** The user's own extension (users only; tokens act for no extension). */
  extension?: string;
  /** For sessions: the CSRF token the client must echo on writes. */
  csrf?: string;
  sessionHash?: string;
  tokenId?: string;
}

export interface Audit {
  record(actor: Actor, action: string, target: { type: string; key: string }, summary: string, details?: unknown[]): void;
  transaction<T>(fn: () => T): T;
}

export interface AuthOptions {
  sessionIdleMs?: number;
  /** Consecutive failures of one user name before it is locked. */
  userFailures?: number;
  /** Failures from one address (any user name) before it is locked. */
  addressFailures?: number;
  lockoutMs?: number;
  now?: () => number;
}

export interface Lockout {
  kind: 'user' | 'address';
  key: string;
  failures: number;
  lockedUntil?: string;
}

const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

function scrypt(password: string, salt: Buffer, len: number): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(password, salt, len, SCRYPT, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, 32);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [alg, , , , salt, key] = stored.split('$');
  if (alg !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = await scrypt(password, Buffer.from(salt, 'base64'), expected.length);
  return timingSafeEqual(actual, expected);
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
/** Verified against when the user name is unknown, so timing does not tell which names exist. */
const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

export interface PublicUser extends User {
  mustChangePassword: boolean;
}
export interface PublicToken {
  id: string;
  name: string;
  scopes: Permissions;
  createdBy: string;
  createdAt: string;
  lastUsedAt?: string;
  revokedAt?: string;
}

const publicUser = (u: StoredUser): PublicUser => {
  const { passwordHash: _h, ...rest } = u;
  return rest;
};
const publicToken = (t: StoredToken): PublicToken => {
  const { secretHash: _s, ...rest } = t;
  return rest;
};

function passwordError(password: string, username: string): ValidationError | undefined {
  const problems = passwordProblems(password, { kind: 'admin', username });
  return problems.length ? new ValidationError('the password is too weak', problems.map((message) => ({ path: ['password'], message }))) : undefined;
}

const RANK = { none: 0, read: 1, write: 2 } as const;

/**
 * Nobody hands out more than they hold: a role, a user's role, or a user whose role exceeds the
 * caller's is out of reach. `by` undefined is root on the box (pbxctl), which holds everything.
 */
function assertWithin(by: Principal | undefined, perms: Permissions, what: string): void {
  if (!by) return;
  for (const s of SECTIONS) {
    const want = levelOf(perms, s);
    if (RANK[want] > RANK[levelOf(by.permissions, s)]) throw new ForbiddenError(`${what} has ${want} on ${s}, which you do not have`);
  }
}

export class AuthService {
  private readonly store: AuthStore;
  private readonly audit: Audit;
  private readonly o: Required<AuthOptions>;
  private readonly failures = new Map<string, { count: number; first: number; lockedUntil?: number; refusedLogged?: boolean }>();
  /** Password checks under way per key: counted as failures until they end, so parallel guesses cannot outrun the lockout. */
  private readonly inFlight = new Map<string, number>();

  constructor(store: AuthStore, audit: Audit, options: AuthOptions = {}) {
    this.store = store;
    this.audit = audit;
    this.o = {
      sessionIdleMs: options.sessionIdleMs ?? 8 * 3600_000,
      userFailures: options.userFailures ?? 5,
      addressFailures: options.addressFailures ?? 20,
      lockoutMs: options.lockoutMs ?? 15 * 60_000,
      now: options.now ?? Date.now,
    };
  }

  private iso(ms = this.o.now()): string {
    return new Date(ms).toISOString();
  }

  /**
   * First start: the built-in roles, and an `admin` user whose password must be changed at
   * first login. Returns that one-time password (the caller shows it where only the installer
   * sees it), or undefined when users exist.
   */
  async bootstrap(initialPassword?: string): Promise<string | undefined> {
    this.audit.transaction(() => {
      for (const role of BUILTIN_ROLES) this.store.putRole(role);
    });
    if (this.store.users().length > 0) return undefined;
    const password = initialPassword ?? generateSecret('admin');
    const hash = await hashPassword(password);
    this.audit.transaction(() => {
      this.store.putUser({ username: 'admin', role: 'admin', language: 'en', passwordHash: hash, mustChangePassword: true });
      this.audit.record({ name: 'system', source: 'first start' }, 'user.create', { type: 'user', key: 'admin' }, 'built-in admin created (password must be changed)');
    });
    return password;
  }

  // ---- login throttling -----------------------------------------------------------------

  private lockedFor(key: string, limit: number): number {
    const f = this.failures.get(key);
    const now = this.o.now();
    if (f?.lockedUntil && f.lockedUntil > now) return Math.ceil((f.lockedUntil - now) / 1000);
    const recent = f && now - f.first <= this.o.lockoutMs && !f.lockedUntil ? f.count : 0;
    if (recent + (this.inFlight.get(key) ?? 0) >= limit) return Math.ceil(this.o.lockoutMs / 1000);
    return 0;
  }

  private reserve(keys: string[]): () => void {
    for (const k of keys) this.inFlight.set(k, (this.inFlight.get(k) ?? 0) + 1);
    return () => {
      for (const k of keys) {
        const n = (this.inFlight.get(k) ?? 1) - 1;
        if (n <= 0) this.inFlight.delete(k);
        else this.inFlight.set(k, n);
      }
    };
  }

  private fail(key: string, limit: number): boolean {
    const now = this.o.now();
    let f = this.failures.get(key);
    if (!f || now - f.first > this.o.lockoutMs || (f.lockedUntil !== undefined && f.lockedUntil <= now)) f = { count: 0, first: now };
    f.count++;
    const locked = f.count >= limit;
    if (locked) {
      f.lockedUntil = now + this.o.lockoutMs;
      f.refusedLogged = false;
    }
    this.failures.set(key, f);
    // Keep the table bounded against a flood of random user names.
    if (this.failures.size > 10_000) {
      for (const [k, v] of this.failures) if (!v.lockedUntil || v.lockedUntil < now) this.failures.delete(k);
    }
    return locked;
  }

  lockouts(): Lockout[] {
    const now = this.o.now();
    const out: Lockout[] = [];
    for (const [k, f] of this.failures) {
      const [kind, key] = [k.slice(0, k.indexOf(':')) as 'user' | 'address', k.slice(k.indexOf(':') + 1)];
      if (f.lockedUntil && f.lockedUntil > now) out.push({ kind, key, failures: f.count, lockedUntil: this.iso(f.lockedUntil) });
      else if (now - f.first <= this.o.lockoutMs) out.push({ kind, key, failures: f.count });
    }
    return out;
  }

  clearLockout(kind: 'user' | 'address', key: string, actor: Actor): void {
    if (!this.failures.delete(`${kind}:${key}`)) throw new NotFoundError(`no failed logins recorded for ${kind} ${key}`);
    this.audit.record(actor, 'auth.unlock', { type: kind === 'user' ? 'user' : 'address', key }, `login lockout of ${kind} ${key} cleared`);
  }

  // ---- sessions and tokens ----------------------------------------------------------------

  async login(username: string, password: string, source: string): Promise<{ sessionId: string; csrf: string; expiresAt: string; user: PublicUser }> {
    const actor: Actor = { name: username.slice(0, 64), source };
    const userKey = `user:${username.toLowerCase().slice(0, 64)}`;
    const addrKey = `address:${source}`;
    const wait = Math.max(this.lockedFor(userKey, this.o.userFailures), this.lockedFor(addrKey, this.o.addressFailures));
    if (wait > 0) {
      // One audit row per key and lockout: refused attempts cost nothing, they must not fill the disk.
      const f = this.failures.get(userKey) ?? this.failures.get(addrKey);
      if (f && !f.refusedLogged) {
        f.refusedLogged = true;
        this.audit.record(actor, 'auth.login_refused', { type: 'user', key: actor.name }, `login refused: locked out for ${wait} s more (further refusals not logged)`);
      }
      throw new LockedOutError(`too many failed logins; try again in ${Math.ceil(wait / 60)} minute(s)`, wait);
    }
    const user = this.store.user(username);
    const release = this.reserve([userKey, addrKey]);
    let ok: boolean;
    try {
      ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    } finally {
      release();
    }
    if (!user || !ok) {
      const userLocked = this.fail(userKey, this.o.userFailures);
      const addrLocked = this.fail(addrKey, this.o.addressFailures);
      this.audit.record(actor, 'auth.login_failed', { type: 'user', key: actor.name }, user ? 'wrong password' : 'unknown user');
      if (userLocked || addrLocked) {
        this.audit.record(actor, 'auth.lockout', { type: userLocked ? 'user' : 'address', key: userLocked ? actor.name : source }, `locked out for ${this.o.lockoutMs / 60000} minutes after repeated failures`);
      }
      throw new UnauthorizedError('wrong user name or password');
    }
    this.failures.delete(userKey);
    const sessionId = randomBytes(32).toString('base64url');
    const csrf = randomBytes(24).toString('base64url');
    const expiresAt = this.iso(this.o.now() + this.o.sessionIdleMs);
    this.audit.transaction(() => {
      this.store.deleteExpiredSessions(this.iso());
      this.store.putSession({ idHash: sha256(sessionId), username: user.username, csrf, source, createdAt: this.iso(), expiresAt });
      this.audit.record({ name: user.username, source }, 'auth.login', { type: 'user', key: user.username }, 'logged in');
    });
    return { sessionId, csrf, expiresAt, user: publicUser(user) };
  }

  logout(principal: Principal, source: string): void {
    if (!principal.sessionHash) return;
    this.audit.transaction(() => {
      this.store.deleteSession(principal.sessionHash!);
      this.audit.record({ name: principal.name, source }, 'auth.logout', { type: 'user', key: principal.name }, 'logged out');
    });
  }

  private permissionsOf(role: string): Permissions {
    return this.store.role(role)?.permissions ?? {};
  }

  fromSession(sessionId: string): Principal | undefined {
    return this.sessionPrincipal(sha256(sessionId), true);
  }

  /**
   * The principal as it stands now (for long-lived requests such as the event stream): undefined
   * once the session ended or expired, the user or token was removed or revoked; otherwise with
   * today's permissions (a role may have changed since the request began).
   */
  current(p: Principal): Principal | undefined {
    if (p.sessionHash) return this.sessionPrincipal(p.sessionHash, false);
    if (p.tokenId) {
      const t = this.store.token(p.tokenId);
      if (!t || t.revokedAt) return undefined;
      const creator = this.store.user(t.createdBy);
      return { ...p, permissions: intersect(t.scopes, creator ? this.permissionsOf(creator.role) : {}) };
    }
    return undefined;
  }

  private sessionPrincipal(idHash: string, touch: boolean): Principal | undefined {
    const s = this.store.session(idHash);
    const now = this.o.now();
    if (!s || Date.parse(s.expiresAt) < now) return undefined;
    const user = this.store.user(s.username);
    if (!user) return undefined;
    // Sliding expiry, written at most once a minute.
    if (touch && Date.parse(s.expiresAt) - now < this.o.sessionIdleMs - 60_000) this.store.touchSession(idHash, this.iso(now + this.o.sessionIdleMs));
    return {
      kind: 'user',
      name: user.username,
      permissions: this.permissionsOf(user.role),
      mustChangePassword: user.mustChangePassword,
      ...(user.extension ? { extension: user.extension } : {}),
      csrf: s.csrf,
      sessionHash: idHash,
    };
  }

  fromToken(raw: string): Principal | undefined {
    const m = /^pbx_([0-9a-f]{16})\.([A-Za-z0-9_-]{20,})$/.exec(raw);
    if (!m) return undefined;
    const t = this.store.token(m[1]!);
    if (!t || t.revokedAt) return undefined;
    const a = Buffer.from(t.secretHash, 'hex');
    const b = Buffer.from(sha256(m[2]!), 'hex');
    if (a.length !== b.length || !timingSafeEqual(a, b)) return undefined;
    const now = this.o.now();
    if (!t.lastUsedAt || now - Date.parse(t.lastUsedAt) > 60_000) this.store.tokenUsed(t.id, this.iso(now));
    // A token never does more than its creator can do today.
    const creator = this.store.user(t.createdBy);
    const ceiling = creator ? this.permissionsOf(creator.role) : {};
    return { kind: 'token', name: `token:${t.name}`, permissions: intersect(t.scopes, ceiling), mustChangePassword: false, tokenId: t.id };
  }

  createToken(input: unknown, principal: Principal, source: string): { token: string; info: PublicToken } {
    const parsed = tokenInputSchema.safeParse(input);
    if (!parsed.success) throw zodError(parsed.error);
    const { name, scopes } = parsed.data;
    for (const s of SECTIONS) {
      const want = levelOf(scopes, s);
      if (want !== 'none' && !allows(principal.permissions, s, want))
        throw new ValidationError('a token cannot have more rights than its creator', [{ path: ['scopes', s], message: `you do not have ${want} on ${s}` }]);
    }
    if (principal.kind !== 'user') throw new ForbiddenError('tokens are created by a logged-in user');
    const id = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const t: StoredToken = { id, name, secretHash: sha256(secret), scopes, createdBy: principal.name, createdAt: this.iso() };
    this.audit.transaction(() => {
      this.store.putToken(t);
      this.audit.record({ name: principal.name, source }, 'token.create', { type: 'token', key: id }, `API token "${name}" created`, [{ object: 'token', key: id, change: 'added', after: { name, scopes } }]);
    });
    return { token: `pbx_${id}.${secret}`, info: publicToken(t) };
  }

  tokens(): PublicToken[] {
    return this.store.tokens().map(publicToken);
  }

  revokeToken(id: string, actor: Actor): void {
    const t = this.store.token(id);
    if (!t) throw new NotFoundError(`token ${id} does not exist`);
    if (t.revokedAt) throw new ConflictError(`token ${id} is already revoked`);
    this.audit.transaction(() => {
      this.store.revokeToken(id, this.iso());
      this.audit.record(actor, 'token.revoke', { type: 'token', key: id }, `API token "${t.name}" revoked`);
    });
  }

  // ---- users --------------------------------------------------------------------------------

  users(): PublicUser[] {
    return this.store.users().map(publicUser);
  }

  user(username: string): PublicUser {
    const u = this.store.user(username);
    if (!u) throw new NotFoundError(`user ${username} does not exist`);
    return publicUser(u);
  }

  async createUser(input: unknown, actor: Actor, by?: Principal): Promise<PublicUser> {
    const parsed = userCreateSchema.safeParse(input);
    if (!parsed.success) throw zodError(parsed.error);
    const { password, ...user } = parsed.data;
    if (!this.store.role(user.role)) throw new ValidationError('unknown role', [{ path: ['role'], message: `role "${user.role}" does not exist` }]);
    assertWithin(by, this.permissionsOf(user.role), `role ${user.role}`);
    const weak = passwordError(password, user.username);
    if (weak) throw weak;
    if (this.store.user(user.username)) throw new ConflictError(`user ${user.username} already exists`, [{ path: ['username'], message: 'already exists' }]);
    const hash = await hashPassword(password);
    // A password set by someone else is a temporary one: the user picks their own at first login.
    const stored: StoredUser = { ...user, passwordHash: hash, mustChangePassword: true };
    this.audit.transaction(() => {
      if (this.store.user(user.username)) throw new ConflictError(`user ${user.username} already exists`);
      this.store.putUser(stored);
      this.audit.record(actor, 'user.create', { type: 'user', key: user.username }, `user ${user.username} created`, [{ object: 'user', key: user.username, change: 'added', after: user }]);
    });
    return publicUser(stored);
  }

  async updateUser(username: string, input: unknown, actor: Actor, partial: boolean, by?: Principal): Promise<PublicUser> {
    const current = this.store.user(username);
    if (!current) throw new NotFoundError(`user ${username} does not exist`);
    assertWithin(by, this.permissionsOf(current.role), `user ${username}`);
    const { passwordHash: _h, mustChangePassword: _m, ...plain } = current;
    const merged = partial ? { ...plain, ...(input as object) } : { username, ...(input as object) };
    const parsed = userUpdateSchema.safeParse(merged);
    if (!parsed.success) throw zodError(parsed.error);
    const { password, ...user } = parsed.data;
    if (user.username !== username) throw new ValidationError('the user name cannot be changed', [{ path: ['username'], message: 'must stay ' + username }]);
    if (!this.store.role(user.role)) throw new ValidationError('unknown role', [{ path: ['role'], message: `role "${user.role}" does not exist` }]);
    assertWithin(by, this.permissionsOf(user.role), `role ${user.role}`);
    let hash = current.passwordHash;
    let mustChange = current.mustChangePassword;
    if (password !== undefined) {
      const weak = passwordError(password, username);
      if (weak) throw weak;
      hash = await hashPassword(password);
      mustChange = true;
    }
    const next: StoredUser = { ...user, passwordHash: hash, mustChangePassword: mustChange };
    this.audit.transaction(() => {
      this.ensureAnAdminRemains(username, user.role);
      this.store.putUser(next);
      if (password !== undefined) this.store.deleteSessionsOf(username);
      this.audit.record(actor, 'user.update', { type: 'user', key: username }, `user ${username} changed${password !== undefined ? ' (password reset)' : ''}`, [
        { object: 'user', key: username, change: 'changed', before: plain, after: user },
      ]);
    });
    return publicUser(next);
  }

  deleteUser(username: string, actor: Actor, by?: Principal): void {
    const current = this.store.user(username);
    if (!current) throw new NotFoundError(`user ${username} does not exist`);
    assertWithin(by, this.permissionsOf(current.role), `user ${username}`);
    const self = by?.kind === 'token' ? this.store.token(by.tokenId ?? '')?.createdBy : (by?.name ?? actor.name);
    if (username === self) throw new ConflictError('you cannot delete your own user');
    this.audit.transaction(() => {
      this.ensureAnAdminRemains(username, undefined);
      this.store.deleteUser(username);
      // Their tokens go with them (a user created later under the same name must not inherit them).
      for (const t of this.store.tokens()) if (t.createdBy === username && !t.revokedAt) this.store.revokeToken(t.id, this.iso());
      this.audit.record(actor, 'user.delete', { type: 'user', key: username }, `user ${username} deleted`, [{ object: 'user', key: username, change: 'removed', before: publicUser(current) }]);
    });
  }

  /** The box must keep someone who can manage users. */
  private ensureAnAdminRemains(changing: string, newRole: string | undefined): void {
    const canManage = (role: string) => allows(this.permissionsOf(role), 'users', 'write');
    const others = this.store.users().filter((u) => u.username !== changing && canManage(u.role));
    if (others.length === 0 && !(newRole && canManage(newRole)))
      throw new ConflictError('this is the last user who can manage users; give another user that right first');
  }

  /**
   * Root on the box (pbxctl) creates a user with any role — the only way to create the first
   * privacy admin, since nobody in the GUI holds rights they could hand out. One-time password.
   */
  async addUserOneTime(username: string, role: string, actor: Actor): Promise<string> {
    const password = generateSecret('admin');
    await this.createUser({ username, role, password }, actor);
    return password;
  }

  /**
   * Recovery by root on the box (pbxctl): a new one-time password, changed at next login; the
   * user's sessions end and a lockout on the name is lifted.
   */
  async resetPassword(username: string, actor: Actor): Promise<string> {
    const user = this.store.user(username);
    if (!user) throw new NotFoundError(`user ${username} does not exist`);
    const password = generateSecret('admin');
    const hash = await hashPassword(password);
    this.audit.transaction(() => {
      this.store.putUser({ ...user, passwordHash: hash, mustChangePassword: true });
      this.store.deleteSessionsOf(username);
      this.audit.record(actor, 'user.password_reset', { type: 'user', key: username }, `one-time password set for ${username}`);
    });
    this.failures.delete(`user:${username}`);
    return password;
  }

  async changePassword(principal: Principal, current: string, next: string, source: string): Promise<void> {
    if (principal.kind !== 'user') throw new ForbiddenError('only a logged-in user changes their password');
    const user = this.store.user(principal.name);
    if (!user) throw new UnauthorizedError();
    if (!(await verifyPassword(current, user.passwordHash)))
      throw new ValidationError('the current password is wrong', [{ path: ['currentPassword'], message: 'wrong password' }]);
    if (current === next) throw new ValidationError('the new password must differ from the current one', [{ path: ['newPassword'], message: 'same as the current password' }]);
    const problems = passwordProblems(next, { kind: 'admin', username: user.username });
    if (problems.length) throw new ValidationError('the password is too weak', problems.map((message) => ({ path: ['newPassword'], message })));
    const hash = await hashPassword(next);
    this.audit.transaction(() => {
      this.store.putUser({ ...user, passwordHash: hash, mustChangePassword: false });
      // Other sessions of this user end: a changed password locks out whoever had the old one.
      this.store.deleteSessionsOf(user.username, principal.sessionHash);
      this.audit.record({ name: user.username, source }, 'auth.password_change', { type: 'user', key: user.username }, 'password changed');
    });
  }

  // ---- roles ------------------------------------------------------------------------------

  roles(): (Role & { builtIn: boolean })[] {
    const builtin = new Set(BUILTIN_ROLES.map((r) => r.name));
    return this.store.roles().map((r) => ({ ...r, builtIn: builtin.has(r.name) }));
  }

  role(name: string): Role & { builtIn: boolean } {
    const r = this.store.role(name);
    if (!r) throw new NotFoundError(`role ${name} does not exist`);
    return { ...r, builtIn: BUILTIN_ROLES.some((b) => b.name === name) };
  }

  putRole(name: string | undefined, input: unknown, actor: Actor, mode: 'create' | 'replace' | 'patch', by?: Principal): Role {
    const current = name ? this.store.role(name) : undefined;
    if (name && !current) throw new NotFoundError(`role ${name} does not exist`);
    if (current) assertWithin(by, current.permissions, `role ${current.name}`);
    if (current && BUILTIN_ROLES.some((b) => b.name === current.name)) throw new ConflictError(`role ${current.name} is built in and cannot be changed`);
    const merged = mode === 'patch' ? { ...current, ...(input as object) } : mode === 'replace' ? { name, ...(input as object) } : input;
    const parsed = roleSchema.safeParse(merged);
    if (!parsed.success) throw zodError(parsed.error);
    const role = parsed.data;
    assertWithin(by, role.permissions, 'the role');
    if (name && role.name !== name) throw new ValidationError('the role name cannot be changed', [{ path: ['name'], message: `must stay ${name}` }]);
    if (!name && this.store.role(role.name)) throw new ConflictError(`role ${role.name} already exists`, [{ path: ['name'], message: 'already exists' }]);
    this.audit.transaction(() => {
      this.store.putRole(role);
      if (name) for (const u of this.store.usersWithRole(name)) this.ensureAnAdminRemains(u, role.name);
      this.audit.record(actor, name ? 'role.update' : 'role.create', { type: 'role', key: role.name }, `role ${role.name} ${name ? 'changed' : 'created'}`, [
        { object: 'role', key: role.name, change: name ? 'changed' : 'added', ...(current ? { before: current } : {}), after: role },
      ]);
    });
    return role;
  }

  deleteRole(name: string, actor: Actor, by?: Principal): void {
    const current = this.store.role(name);
    if (!current) throw new NotFoundError(`role ${name} does not exist`);
    assertWithin(by, current.permissions, `role ${name}`);
    if (BUILTIN_ROLES.some((b) => b.name === name)) throw new ConflictError(`role ${name} is built in and cannot be deleted`);
    const users = this.store.usersWithRole(name);
    if (users.length) throw new ConflictError(`role ${name} is still used`, users.map((u) => ({ path: ['users'], message: `user ${u}` })));
    this.audit.transaction(() => {
      this.store.deleteRole(name);
      this.audit.record(actor, 'role.delete', { type: 'role', key: name }, `role ${name} deleted`, [{ object: 'role', key: name, change: 'removed', before: current }]);
    });
  }

  /** Replaces the custom roles (a restore); call inside the restore's transaction. Returns audit details. */
  replaceCustomRoles(roles: Role[]): unknown[] {
    const details: unknown[] = [];
    const keep = new Set(roles.map((r) => r.name));
    for (const r of this.customRoles()) {
      if (keep.has(r.name)) continue;
      const users = this.store.usersWithRole(r.name);
      if (users.length) throw new ConflictError(`role ${r.name} is not in the backup but users ${users.join(', ')} have it; give them another role first`);
      this.store.deleteRole(r.name);
      details.push({ object: 'role', key: r.name, change: 'removed', before: r });
    }
    for (const r of roles) {
      const before = this.store.role(r.name);
      if (JSON.stringify(before) === JSON.stringify(r)) continue;
      this.store.putRole(r);
      details.push({ object: 'role', key: r.name, change: before ? 'changed' : 'added', ...(before ? { before } : {}), after: r });
    }
    return details;
  }

  /** Custom roles, for the configuration backup. */
  customRoles(): Role[] {
    return this.store.roles().filter((r) => !BUILTIN_ROLES.some((b) => b.name === r.name));
  }
}

const password = z.string().min(1, 'required').max(256, 'at most 256 characters');
const userCreateSchema = userSchema.extend({ password });
const userUpdateSchema = userSchema.extend({ password: password.optional() });
/** PATCH: every field optional and no defaults (a default would overwrite the stored value). */
const userPatchSchema = z
  .object({ username: userSchema.shape.username, role: userSchema.shape.role, fullName: userSchema.shape.fullName, language: z.enum(['en', 'it']), password })
  .partial()
  .strict();
const tokenInputSchema = z.object({ name: z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9 ._-]+$/, 'letters, digits, space . _ -'), scopes: tokenScopesSchema }).strict();
export const authSchemas = { userCreateSchema, userUpdateSchema, userPatchSchema, tokenInputSchema };

export function zodError(error: z.ZodError, message = 'the request is invalid'): ValidationError {
  return new ValidationError(
    message,
    error.issues.map((i) => ({ path: i.path.filter((p): p is string | number => typeof p !== 'symbol'), message: i.message })),
  );
}
