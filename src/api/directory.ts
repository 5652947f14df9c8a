// /api/v1 routes of the phonebook beyond the collection itself (/phonebook, v1.ts): the shared
// contacts as CSV/XLSX (export, all-or-nothing import in one change) and each user's personal
// contacts (/me/contacts, never published over LDAP). The LDAP server is src/directory/; its
// settings are the /directory singleton (v1.ts).
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { CONTACT_COLUMNS, PERSONAL_CONTACTS_MAX, contactFieldColumn, contactsToRows, personalContactInputSchema, personalContactSchema, rowsToContacts, type PersonalContact, type PersonalContactInput } from '../domain/contacts.ts';
import { ConflictError, NotFoundError, PbxError, UnavailableError, ValidationError, type FieldError } from '../domain/errors.ts';
import { csvCellValue, csvSafeCell } from '../domain/phone-rows.ts';
import type { Contact, PbxConfig } from '../domain/model.ts';
import { formatCsv } from '../lib/csv.ts';
import { XLSX_CONTENT_TYPE, writeXlsx } from '../lib/xlsx.ts';
import type { Principal } from '../services/auth-service.ts';
import type { ConfigService } from '../services/config-service.ts';
import { importRefused, readTable } from './provisioning.ts';
import { RouteRegistry, errorSchema } from './registry.ts';

/** The users' personal contacts (src/store/contact-store.ts, wired in main.ts), by extension. */
export interface PersonalContactsApi {
  list(extension: string): PersonalContact[];
  count(extension: string): number;
  create(extension: string, input: PersonalContactInput): PersonalContact;
  update(extension: string, id: number, input: PersonalContactInput): PersonalContact | undefined;
  remove(extension: string, id: number): boolean;
}

const TAG = 'phonebook';
const applyResultSchema = z.object({ ok: z.boolean(), changed: z.boolean() }).loose();
const importResultSchema = z
  .object({
    created: z.number().int(),
    updated: z.number().int(),
    unchanged: z.number().int().describe('Rows that named a contact exactly as it was'),
    deleted: z.number().int().describe('Contacts not in the file (mode=replace only)'),
    dryRun: z.boolean(),
    revision: z.number().int(),
    apply: applyResultSchema.optional(),
  })
  .strict();
const idParam = z.object({ id: z.coerce.number().int().min(1) }).strict();

/** Row errors as API field errors: path line[n].<column>, sorted by line. */
function lineErrors(errors: readonly { line: number; field: string; message: string }[]): FieldError[] {
  return [...errors].sort((a, b) => a.line - b.line).map((e) => ({ path: ['line', e.line, e.field], line: e.line, message: e.message }));
}

function ownExtension(principal: Principal | undefined): string {
  if (!principal?.extension) throw new ConflictError('personal contacts belong to an extension, and this user has none (an admin links users to their extension)');
  return principal.extension;
}

export function addDirectoryRoutes(r: RouteRegistry, deps: { config: ConfigService; contacts?: PersonalContactsApi | undefined }): void {
  const { config } = deps;
  const contacts = () => {
    if (!deps.contacts) throw new UnavailableError('personal contacts are not available');
    return deps.contacts;
  };

  // ---- shared contacts as spreadsheets ----------------------------------------------------
  r.add({
    method: 'get',
    path: '/phonebook/export',
    tag: TAG,
    summary: `The shared phonebook as a spreadsheet, one row per contact: ?format=csv (default; UTF-8) or xlsx. Columns ${CONTACT_COLUMNS.join(', ')}; several numbers of one type separated by |. The file imports back unchanged (POST /phonebook/import); audited`,
    access: { section: 'phonebook', level: 'read' },
    query: z.object({ format: z.enum(['csv', 'xlsx']).default('csv') }).strict(),
    responses: { 200: 'text/csv', 400: errorSchema },
    handler: async ({ res, query, actor }) => {
      const list = config.get().phonebook;
      const rows = contactsToRows(list);
      let data: Buffer;
      if (query.format === 'xlsx') {
        data = await writeXlsx(CONTACT_COLUMNS, rows, 'Phonebook');
        res.setHeader('Content-Type', XLSX_CONTENT_TYPE);
      } else {
        // The byte order mark makes spreadsheets read the file as UTF-8.
        data = Buffer.from('\uFEFF' + formatCsv([[...CONTACT_COLUMNS], ...rows.map((row) => row.map(csvSafeCell))]), 'utf8');
        res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      }
      config.record(actor, 'phonebook.export', { type: 'contact', key: '*' }, `${list.length} contacts exported as ${query.format.toUpperCase()}`);
      res.status(200);
      res.setHeader('Content-Disposition', `attachment; filename="phonebook.${query.format}"`);
      res.setHeader('Content-Length', String(data.length));
      res.end(data);
      return { raw: true };
    },
  });

  r.add({
    method: 'post',
    path: '/phonebook/import',
    tag: TAG,
    summary:
      `Shared contacts from a spreadsheet: the raw body a CSV file (text/csv, UTF-8, , or ; separated) or an .xlsx file (${XLSX_CONTENT_TYPE}), at most 5 MB and 10000 rows; ` +
      `the header names the columns (${CONTACT_COLUMNS.join(', ')}; name and a number required; several numbers of one type separated by |; an empty id is made from the name). ` +
      '?mode=merge (default: a row whose id exists replaces that contact, the others are added) or replace (the file becomes the whole phonebook); ?dryRun=true checks and counts without storing. ' +
      'All or nothing: any bad row refuses the whole file (400, one error per bad row and column: path line[<n>].<column>)',
    access: { section: 'phonebook', level: 'write' },
    bodyType: 'text/csv',
    query: z.object({ mode: z.enum(['merge', 'replace']).default('merge'), dryRun: z.enum(['true', 'false']).default('false') }).strict(),
    responses: { 200: importResultSchema, 400: errorSchema, 413: errorSchema, 415: errorSchema },
    handler: async ({ req, query, actor }) => {
      if (!Buffer.isBuffer(req.body)) throw new PbxError('unsupported_media_type', `send the contacts as CSV (Content-Type text/csv) or as .xlsx (Content-Type ${XLSX_CONTENT_TYPE})`);
      const table = await readTable(req.body, 'contacts');
      if (table.header.length === 0) throw new ValidationError('the file is empty', [{ path: ['file'], message: 'a header row and one row per contact' }]);
      const current = config.get().phonebook;
      const replace = query.mode === 'replace';
      // Generated ids avoid the contacts that stay beside the file's (merge keeps them all).
      const taken = new Set(replace ? [] : current.map((c) => c.id));
      const { items, lines, errors } = rowsToContacts(table.header, table.rows.map((row) => row.map(csvCellValue)), { lines: table.lines, taken });
      if (errors.length) throw importRefused(lineErrors(errors));
      if (items.length === 0) throw new ValidationError('the file has no contacts', [{ path: ['file'], message: 'a header row and one row per contact' }]);

      const lineOf = new Map(items.map((c, i) => [c.id, lines[i]!]));
      const count = { created: 0, updated: 0, unchanged: 0, deleted: 0 };
      const merged = (before: readonly Contact[]): Contact[] => {
        count.created = count.updated = count.unchanged = count.deleted = 0;
        const byId = new Map(before.map((c) => [c.id, c]));
        for (const c of items) {
          const old = byId.get(c.id);
          if (!old) count.created++;
          else if (isDeepStrictEqual(old, c)) count.unchanged++;
          else count.updated++;
        }
        if (replace) {
          const named = new Set(items.map((c) => c.id));
          count.deleted = before.filter((c) => !named.has(c.id)).length;
          return items;
        }
        const fromFile = new Map(items.map((c) => [c.id, c]));
        const out = before.map((c) => fromFile.get(c.id) ?? c);
        for (const c of items) if (!byId.has(c.id)) out.push(c);
        return out;
      };
      // Model-wide errors about a contact ([phonebook, j, ...]) → the line of its row.
      const refused = (err: ValidationError, list: readonly Contact[]) => {
        const fields = err.fields.map((f): FieldError => {
          const j = f.path[0] === 'phonebook' ? f.path[1] : undefined;
          const contact = typeof j === 'number' ? list[j] : undefined;
          const line = contact ? lineOf.get(contact.id) : undefined;
          if (line === undefined || !contact) return f;
          const { field, message } = contactFieldColumn(f.path.slice(2), f.message, contact);
          return { path: ['line', line, field], line, message };
        });
        return importRefused(fields.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)));
      };
      if (query.dryRun === 'true') {
        const list = merged(current);
        try {
          config.diff({ ...config.get(), phonebook: list } satisfies PbxConfig);
        } catch (err) {
          if (err instanceof ValidationError) throw refused(err, list);
          throw err;
        }
        return { body: { ...count, dryRun: true, revision: config.revision() } };
      }
      let list: Contact[] = [];
      try {
        const result = await config.mutate(
          actor,
          { action: 'phonebook.import', type: 'contact', key: `${items.length} contacts${replace ? ' (replace)' : ''}` },
          (draft) => {
            list = merged(draft.phonebook);
            draft.phonebook = list;
          },
        );
        return { body: { ...count, dryRun: false, revision: result.revision, ...(result.apply ? { apply: result.apply } : {}) } };
      } catch (err) {
        if (err instanceof ValidationError) throw refused(err, list);
        throw err;
      }
    },
  });

  // ---- personal contacts ------------------------------------------------------------------
  const meTag = 'me';
  r.add({
    method: 'get',
    path: '/me/contacts',
    tag: meTag,
    summary: "The caller's personal contacts (by the user's extension; 409 for a user without one). Never published over LDAP",
    access: { authenticated: true },
    responses: { 200: z.object({ items: z.array(personalContactSchema) }).strict(), 409: errorSchema, 503: errorSchema },
    handler: ({ principal }) => ({ body: { items: contacts().list(ownExtension(principal)) } }),
  });
  r.add({
    method: 'post',
    path: '/me/contacts',
    tag: meTag,
    summary: `Add a personal contact (at most ${PERSONAL_CONTACTS_MAX} per user)`,
    access: { authenticated: true },
    body: personalContactInputSchema,
    responses: { 201: personalContactSchema, 400: errorSchema, 409: errorSchema, 503: errorSchema },
    handler: ({ principal, body }) => {
      const extension = ownExtension(principal);
      if (contacts().count(extension) >= PERSONAL_CONTACTS_MAX) throw new ConflictError(`at most ${PERSONAL_CONTACTS_MAX} personal contacts`);
      return { status: 201, body: contacts().create(extension, body) };
    },
  });
  r.add({
    method: 'put',
    path: '/me/contacts/:id',
    tag: meTag,
    summary: 'Replace a personal contact',
    access: { authenticated: true },
    params: idParam,
    body: personalContactInputSchema,
    responses: { 200: personalContactSchema, 400: errorSchema, 404: errorSchema, 409: errorSchema, 503: errorSchema },
    handler: ({ principal, params, body }) => {
      const updated = contacts().update(ownExtension(principal), params.id, body);
      if (!updated) throw new NotFoundError(`personal contact ${params.id} does not exist`);
      return { body: updated };
    },
  });
  r.add({
    method: 'delete',
    path: '/me/contacts/:id',
    tag: meTag,
    summary: 'Delete a personal contact',
    access: { authenticated: true },
    params: idParam,
    responses: { 204: 'none', 404: errorSchema, 409: errorSchema, 503: errorSchema },
    handler: ({ principal, params }) => {
      if (!contacts().remove(ownExtension(principal), params.id)) throw new NotFoundError(`personal contact ${params.id} does not exist`);
      return { status: 204 };
    },
  });
}
