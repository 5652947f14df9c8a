// The users' personal contacts (table personal_contacts, migration 9): one row per contact, by
// the owner's extension number. Runtime data of the users, not model: never published over
// LDAP and not part of the configuration's export.
import type { Db } from './db.ts';
import type { PersonalContact, PersonalContactInput } from '../domain/contacts.ts';

type Row = { id: number; extension: string; data: string; updated_at: string };

function toContact(r: Row): PersonalContact {
  return { ...(JSON.parse(r.data) as PersonalContactInput), id: r.id, updatedAt: r.updated_at };
}

export class ContactStore {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  list(extension: string): PersonalContact[] {
    const rows = this.db.prepare('SELECT * FROM personal_contacts WHERE extension = ? ORDER BY id').all(extension) as Row[];
    return rows.map(toContact).sort((a, b) => a.name.localeCompare(b.name));
  }

  count(extension: string): number {
    return (this.db.prepare('SELECT count(*) AS n FROM personal_contacts WHERE extension = ?').get(extension) as { n: number }).n;
  }

  get(extension: string, id: number): PersonalContact | undefined {
    const row = this.db.prepare('SELECT * FROM personal_contacts WHERE extension = ? AND id = ?').get(extension, id) as Row | undefined;
    return row ? toContact(row) : undefined;
  }

  create(extension: string, input: PersonalContactInput): PersonalContact {
    const at = new Date().toISOString();
    const r = this.db.prepare('INSERT INTO personal_contacts (extension, data, updated_at) VALUES (?, ?, ?)').run(extension, JSON.stringify(input), at);
    return { ...input, id: Number(r.lastInsertRowid), updatedAt: at };
  }

  /** undefined: no such contact of this extension. */
  update(extension: string, id: number, input: PersonalContactInput): PersonalContact | undefined {
    const at = new Date().toISOString();
    const r = this.db.prepare('UPDATE personal_contacts SET data = ?, updated_at = ? WHERE extension = ? AND id = ?').run(JSON.stringify(input), at, extension, id);
    return r.changes ? { ...input, id, updatedAt: at } : undefined;
  }

  remove(extension: string, id: number): boolean {
    return this.db.prepare('DELETE FROM personal_contacts WHERE extension = ? AND id = ?').run(extension, id).changes > 0;
  }
}
