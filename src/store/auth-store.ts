// Repository of users, roles, sessions and API tokens. Only hashes of passwords, session ids
// and token secrets are stored. The service layer opens the transactions.
import type { Db } from './db.ts';
import type { Permissions, Role, User } from '../domain/auth.ts';

export interface StoredUser extends User {
  passwordHash: string;
  mustChangePassword: boolean;
}

export interface StoredSession {
  idHash: string;
  username: string;
  csrf: string;
  source: string;
  createdAt: string;
  expiresAt: string;
}

export interface StoredToken {
  id: string;
  name: string;
  secretHash: string;
  scopes: Permissions;
  createdBy: string;
  createdAt: string;
  lastUsedAt?: string;
  revokedAt?: string;
}

type UserRow = { username: string; role: string; password_hash: string; must_change_password: number; data: string };
type TokenRow = { id: string; name: string; secret_hash: string; scopes: string; created_by: string; created_at: string; last_used_at: string | null; revoked_at: string | null };

const userFromRow = (r: UserRow): StoredUser => ({
  ...(JSON.parse(r.data) as Omit<User, 'username' | 'role'>),
  username: r.username,
  role: r.role,
  passwordHash: r.password_hash,
  mustChangePassword: r.must_change_password === 1,
});

const tokenFromRow = (r: TokenRow): StoredToken => ({
  id: r.id,
  name: r.name,
  secretHash: r.secret_hash,
  scopes: JSON.parse(r.scopes) as Permissions,
  createdBy: r.created_by,
  createdAt: r.created_at,
  ...(r.last_used_at ? { lastUsedAt: r.last_used_at } : {}),
  ...(r.revoked_at ? { revokedAt: r.revoked_at } : {}),
});

export class AuthStore {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  // Roles (custom ones; built-in roles live in the domain and are inserted so users can reference them).
  roles(): Role[] {
    return (this.db.prepare('SELECT data FROM roles ORDER BY name').all() as { data: string }[]).map((r) => JSON.parse(r.data) as Role);
  }
  role(name: string): Role | undefined {
    const r = this.db.prepare('SELECT data FROM roles WHERE name = ?').get(name) as { data: string } | undefined;
    return r ? (JSON.parse(r.data) as Role) : undefined;
  }
  putRole(role: Role): void {
    this.db.prepare('INSERT INTO roles (name, data) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET data = excluded.data').run(role.name, JSON.stringify(role));
  }
  deleteRole(name: string): void {
    this.db.prepare('DELETE FROM roles WHERE name = ?').run(name);
  }
  usersWithRole(name: string): string[] {
    return (this.db.prepare('SELECT username FROM users WHERE role = ? ORDER BY username').all(name) as { username: string }[]).map((r) => r.username);
  }

  users(): StoredUser[] {
    return (this.db.prepare('SELECT * FROM users ORDER BY username').all() as UserRow[]).map(userFromRow);
  }
  user(username: string): StoredUser | undefined {
    const r = this.db.prepare('SELECT * FROM users WHERE username = ?').get(username) as UserRow | undefined;
    return r ? userFromRow(r) : undefined;
  }
  putUser(u: StoredUser): void {
    const { username, role, passwordHash, mustChangePassword, ...data } = u;
    this.db
      .prepare(
        `INSERT INTO users (username, role, password_hash, must_change_password, data) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(username) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash,
           must_change_password = excluded.must_change_password, data = excluded.data`,
      )
      .run(username, role, passwordHash, mustChangePassword ? 1 : 0, JSON.stringify(data));
  }
  deleteUser(username: string): void {
    this.db.prepare('DELETE FROM users WHERE username = ?').run(username);
  }

  putSession(s: StoredSession): void {
    this.db
      .prepare('INSERT INTO sessions (id_hash, username, csrf, source, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(s.idHash, s.username, s.csrf, s.source, s.createdAt, s.expiresAt);
  }
  session(idHash: string): StoredSession | undefined {
    const r = this.db.prepare('SELECT * FROM sessions WHERE id_hash = ?').get(idHash) as
      | { id_hash: string; username: string; csrf: string; source: string; created_at: string; expires_at: string }
      | undefined;
    return r ? { idHash: r.id_hash, username: r.username, csrf: r.csrf, source: r.source, createdAt: r.created_at, expiresAt: r.expires_at } : undefined;
  }
  touchSession(idHash: string, expiresAt: string): void {
    this.db.prepare('UPDATE sessions SET expires_at = ? WHERE id_hash = ?').run(expiresAt, idHash);
  }
  deleteSession(idHash: string): void {
    this.db.prepare('DELETE FROM sessions WHERE id_hash = ?').run(idHash);
  }
  deleteSessionsOf(username: string, except?: string): void {
    this.db.prepare('DELETE FROM sessions WHERE username = ? AND id_hash != ?').run(username, except ?? '');
  }
  deleteExpiredSessions(now: string): void {
    this.db.prepare('DELETE FROM sessions WHERE expires_at < ?').run(now);
  }

  tokens(): StoredToken[] {
    return (this.db.prepare('SELECT * FROM api_tokens ORDER BY created_at, id').all() as TokenRow[]).map(tokenFromRow);
  }
  token(id: string): StoredToken | undefined {
    const r = this.db.prepare('SELECT * FROM api_tokens WHERE id = ?').get(id) as TokenRow | undefined;
    return r ? tokenFromRow(r) : undefined;
  }
  putToken(t: StoredToken): void {
    this.db
      .prepare('INSERT INTO api_tokens (id, name, secret_hash, scopes, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(t.id, t.name, t.secretHash, JSON.stringify(t.scopes), t.createdBy, t.createdAt);
  }
  revokeToken(id: string, at: string): void {
    this.db.prepare('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(at, id);
  }
  tokenUsed(id: string, at: string): void {
    this.db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?').run(at, id);
  }
}
