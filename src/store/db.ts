// The configuration database. The only importer of better-sqlite3.
// WAL for concurrent readers, synchronous=FULL because this is the box's configuration (a power
// cut must not lose a committed change), foreign keys on so references hold at the lowest level.
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations.ts';

export type Db = Database.Database;

export function openDatabase(file: string): Db {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

/** Runs every migration newer than the database, each in its own transaction. */
export function migrate(db: Db): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
  const current = (db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null }).v ?? 0;
  const latest = MIGRATIONS.length;
  if (current > latest) {
    throw new Error(`database schema version ${current} is newer than this software (${latest}); refusing to start`);
  }
  for (let v = current + 1; v <= latest; v++) {
    const sql = MIGRATIONS[v - 1]!;
    db.transaction(() => {
      db.exec(sql);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(v, new Date().toISOString());
    })();
  }
}

export function checkDatabase(db: Db): { ok: boolean; error?: string } {
  try {
    const row = db.prepare('PRAGMA quick_check').get() as { quick_check: string };
    return row.quick_check === 'ok' ? { ok: true } : { ok: false, error: row.quick_check };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}
