// Contacts: the shared phonebook as spreadsheet rows (GET /phonebook/export, POST
// /phonebook/import) and the users' personal contacts (/me/contacts, never published over
// LDAP). Pure: rows in, contact inputs and errors (by file line and column) out.
//
// Columns (the header names them, in any order; name and at least one number are required):
//   id        the contact's stable id; empty: made from the name (mario-rossi, mario-rossi-2)
//   name, company, email
//   work, mobile, home, fax, other   numbers of that type; several in one cell separated by |
import { z } from 'zod';
import { contactSchema, type Contact } from './model.ts';

export const CONTACT_COLUMNS = ['id', 'name', 'company', 'work', 'mobile', 'home', 'fax', 'other', 'email'] as const;
export type ContactColumn = (typeof CONTACT_COLUMNS)[number];
const NUMBER_COLUMNS = ['work', 'mobile', 'home', 'fax', 'other'] as const;

export interface ContactRowError {
  /** 1-based line (row) of the file; the header is line 1. */
  line: number;
  field: string;
  message: string;
}

/** One row per contact in CONTACT_COLUMNS order (no header). */
export function contactsToRows(contacts: readonly Contact[]): string[][] {
  return contacts.map((c) => {
    const row: Record<ContactColumn, string> = { id: c.id, name: c.name, company: c.company ?? '', email: c.email ?? '', work: '', mobile: '', home: '', fax: '', other: '' };
    for (const t of NUMBER_COLUMNS) row[t] = c.numbers.filter((n) => n.type === t).map((n) => n.number).join('|');
    return CONTACT_COLUMNS.map((col) => row[col]);
  });
}

/** A contact id from a name: lowercase ASCII, digits and dashes (Mario Rossì → mario-rossi). */
export function contactIdFromName(name: string): string {
  const slug = name
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 56);
  return /^[a-z0-9]/.test(slug) ? slug : `contact${slug ? `-${slug}` : ''}`;
}

/** Where a model error about a contact's field belongs in the file. */
export function contactFieldColumn(path: readonly (string | number)[], message: string, item?: { numbers?: { type?: string }[] }): { field: string; message: string } {
  const [head, index] = path;
  if (head === 'numbers' && typeof index === 'number') return { field: item?.numbers?.[index]?.type ?? 'work', message };
  if (head === 'numbers') return { field: 'work', message: message === 'at least one number' ? 'at least one number (work, mobile, home, fax or other)' : message };
  if (typeof head === 'string' && head !== '') return { field: head, message };
  return { field: 'name', message };
}

/**
 * Contact inputs from a header and rows (cells as read). `lines[i]`: the file line of rows[i]
 * (default i + 2). Rows with no value are skipped. `taken`: ids already used by contacts the
 * file does not name (a generated id avoids them). Every row is checked, so every bad row is named.
 */
export function rowsToContacts(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  options: { lines?: readonly number[]; taken?: ReadonlySet<string> } = {},
): { items: Contact[]; lines: number[]; errors: ContactRowError[] } {
  const errors: ContactRowError[] = [];
  const byName = new Map<string, ContactColumn>(CONTACT_COLUMNS.map((c) => [c, c]));
  const columns: (ContactColumn | undefined)[] = [];
  const seen = new Set<ContactColumn>();
  header.forEach((raw, i) => {
    const name = raw.trim().replace(/^\uFEFF/, '');
    const col = byName.get(name.toLowerCase());
    if (!col) {
      if (name !== '') errors.push({ line: 1, field: name, message: `unknown column "${name}" (columns: ${CONTACT_COLUMNS.join(', ')})` });
      else errors.push({ line: 1, field: `column ${i + 1}`, message: 'a column without a name' });
    } else if (seen.has(col)) errors.push({ line: 1, field: col, message: `column ${col} appears twice` });
    if (col) seen.add(col);
    columns.push(col);
  });
  if (!seen.has('name')) errors.push({ line: 1, field: 'name', message: 'the column name is missing' });
  if (!NUMBER_COLUMNS.some((c) => seen.has(c))) errors.push({ line: 1, field: 'work', message: `a number column is missing (${NUMBER_COLUMNS.join(', ')})` });
  if (errors.length) return { items: [], lines: [], errors };

  const items: Contact[] = [];
  const itemLines: number[] = [];
  const given = new Map<string, number>();
  const pending: { item: Record<string, unknown>; line: number }[] = [];
  rows.forEach((cells, r) => {
    const line = options.lines?.[r] ?? r + 2;
    const trimmed = cells.map((c) => c.trim());
    if (trimmed.every((c) => c === '')) return;
    const own: ContactRowError[] = [];
    for (let i = columns.length; i < trimmed.length; i++) if (trimmed[i] !== '') own.push({ line, field: `column ${i + 1}`, message: 'a value in a column without a header' });
    const v = Object.fromEntries(CONTACT_COLUMNS.map((c) => [c, ''])) as Record<ContactColumn, string>;
    columns.forEach((c, i) => {
      if (c) v[c] = trimmed[i] ?? '';
    });
    const item: Record<string, unknown> = {};
    if (v.id) {
      item.id = v.id;
      const first = given.get(v.id);
      if (first !== undefined) own.push({ line, field: 'id', message: `the id ${v.id} is used on line ${first} too` });
      else given.set(v.id, line);
    }
    if (v.name) item.name = v.name;
    else own.push({ line, field: 'name', message: 'required' });
    if (v.company) item.company = v.company;
    if (v.email) item.email = v.email;
    const numbers: { type: string; number: string }[] = [];
    for (const t of NUMBER_COLUMNS)
      for (const n of v[t].split('|').map((x) => x.trim()).filter(Boolean)) numbers.push({ type: t, number: n.replace(/[\s()./-]/g, '') });
    item.numbers = numbers;
    // The schema's word on the rest (one message per column); the id is checked once known.
    const parsed = contactSchema.safeParse({ id: 'x', ...item });
    if (!parsed.success) {
      const named = new Set(own.map((e) => e.field));
      for (const issue of parsed.error.issues) {
        const { field, message } = contactFieldColumn(
          issue.path.filter((p): p is string | number => typeof p !== 'symbol'),
          issue.message,
          item as { numbers?: { type?: string }[] },
        );
        if (named.has(field)) continue;
        named.add(field);
        own.push({ line, field, message });
      }
    }
    if (own.length) errors.push(...own);
    else pending.push({ item, line });
  });
  // Ids made from names avoid the file's own ids and the contacts kept beside it.
  const used = new Set<string>([...given.keys(), ...(options.taken ?? [])]);
  for (const { item, line } of pending) {
    if (!item.id) {
      const base = contactIdFromName(String(item.name));
      let id = base;
      for (let n = 2; used.has(id); n++) id = `${base.slice(0, 60)}-${n}`;
      item.id = id;
    }
    used.add(String(item.id));
    const parsed = contactSchema.safeParse(item);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) errors.push({ line, ...contactFieldColumn(issue.path.filter((p): p is string | number => typeof p !== 'symbol'), issue.message, item as { numbers?: { type?: string }[] }) });
      continue;
    }
    items.push(parsed.data);
    itemLines.push(line);
  }
  errors.sort((a, b) => a.line - b.line);
  return { items, lines: itemLines, errors };
}

/** A personal contact as the user writes it: the shared contact's fields without the id. */
export const personalContactInputSchema = contactSchema.omit({ id: true });
export type PersonalContactInput = z.infer<typeof personalContactInputSchema>;
export const personalContactSchema = personalContactInputSchema.extend({
  id: z.number().int().describe('Assigned by the box'),
  updatedAt: z.string(),
});
export type PersonalContact = z.infer<typeof personalContactSchema>;
/** Personal contacts one user may keep. */
export const PERSONAL_CONTACTS_MAX = 1000;
