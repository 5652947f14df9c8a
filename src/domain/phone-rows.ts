// Phones as spreadsheet rows (CSV and XLSX import/export, GET /phones/export, POST
// /phones/import): one row per phone, one column per field, lines and keys in a compact text
// syntax so a row stays one row. Pure: rows in, phone inputs and errors (by file line and
// column) out; the model's own schema and rules do the rest when the phones are stored.
//
// Columns (the header row names them, in any order; mac, vendor, model and lines are required,
// a column left out is empty on every row):
//   mac            any notation (00:15:65:aa:bb:cc, 001565aabbcc); written with colons
//   vendor         yealink, snom, grandstream, poly, gigaset, cisco, fanvil
//   model          T46S, D715, GXP2170...
//   description
//   lines          the SIP accounts (device user names) of the lines, separated by |; a label
//                  after =:  201|202=Reception
//   keys           the programmable keys in order, separated by |:
//                    blf:202      an extension's state (pressed: calls it or picks it up)
//                    park:701     a park slot
//                    switch:night a switch's state (pressed: dials its code)
//                    dnd          do not disturb of the line's extension
//                    speed:0612345678=Rossi   a speed dial (the label is required)
//                    line:2       a line key
//                  each but line:N may add @N for the line it uses (blf:202@2), and any may
//                  end with =Label (blf:202=Anna); a | or \ inside a label is written \| or \\
//   language       en, it (empty: the first line's extension's)
//   timezone       Europe/Rome (empty: the system's)
//   adminPassword  empty: a new phone gets a generated one, an existing phone keeps its own
//   httpUser, httpPassword   HTTP authentication of the phone's fetches (both or neither)
//   template       a phone template's name
import type { z } from 'zod';
import type { FieldPath } from './errors.ts';
import { phoneSchema, type Phone, type PhoneKey, type PhoneLine } from './model.ts';
import { macForms } from './phones.ts';

export const PHONE_COLUMNS = ['mac', 'vendor', 'model', 'description', 'lines', 'keys', 'language', 'timezone', 'adminPassword', 'httpUser', 'httpPassword', 'template'] as const;
export type PhoneColumn = (typeof PHONE_COLUMNS)[number];
const REQUIRED_COLUMNS: readonly PhoneColumn[] = ['mac', 'vendor', 'model', 'lines'];

export interface PhoneRowError {
  /** 1-based line (row) of the file; the header is line 1. */
  line: number;
  /** The column (mac, lines, keys...). */
  field: string;
  message: string;
}

const KEY_TYPES = ['line', 'blf', 'park', 'switch', 'dnd', 'speed'] as const;

/** A label inside a | list: \ and | escaped. */
function escapeLabel(label: string): string {
  return label.replace(/\\/g, '\\\\').replace(/\|/g, '\\|');
}

/** Splits on | not escaped; each part unescaped and trimmed, empty parts dropped. */
function splitList(cell: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < cell.length; i++) {
    const c = cell[i]!;
    if (c === '\\' && i + 1 < cell.length) {
      cur += cell[++i];
    } else if (c === '|') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

function withLabel(head: string, label: string | undefined): string {
  return label === undefined ? head : `${head}=${escapeLabel(label)}`;
}

export function formatLines(lines: readonly PhoneLine[]): string {
  return lines.map((l) => withLabel(l.account, l.label)).join('|');
}

export function formatKeys(keys: readonly PhoneKey[]): string {
  return keys
    .map((k) => {
      const at = 'line' in k && k.type !== 'line' && k.line !== undefined ? `@${k.line}` : '';
      switch (k.type) {
        case 'line':
          return withLabel(`line:${k.line}`, k.label);
        case 'blf':
          return withLabel(`blf:${k.extension}${at}`, k.label);
        case 'park':
          return withLabel(`park:${k.slot}${at}`, k.label);
        case 'switch':
          return withLabel(`switch:${k.switch}${at}`, k.label);
        case 'dnd':
          return withLabel(`dnd${at}`, k.label);
        case 'speedDial':
          return withLabel(`speed:${k.number}${at}`, k.label);
      }
    })
    .join('|');
}

/** `account=Label|...` → line inputs, or the first problem. */
export function parseLines(cell: string): { lines: { account: string; label?: string }[] } | { error: string } {
  const lines: { account: string; label?: string }[] = [];
  for (const [i, part] of splitList(cell).entries()) {
    const eq = part.indexOf('=');
    const account = (eq < 0 ? part : part.slice(0, eq)).trim();
    const label = eq < 0 ? undefined : part.slice(eq + 1).trim();
    if (!account) return { error: `line ${i + 1}: an account is missing before =` };
    lines.push({ account, ...(label ? { label } : {}) });
  }
  return { lines };
}

/** `blf:202@2=Anna|dnd|...` → key inputs, or the first problem. */
export function parseKeys(cell: string): { keys: Record<string, unknown>[] } | { error: string } {
  const keys: Record<string, unknown>[] = [];
  for (const [i, part] of splitList(cell).entries()) {
    const where = `key ${i + 1} (${part})`;
    const eq = part.indexOf('=');
    let head = (eq < 0 ? part : part.slice(0, eq)).trim();
    const label = eq < 0 ? undefined : part.slice(eq + 1).trim();
    let line: number | undefined;
    const at = head.lastIndexOf('@');
    if (at >= 0) {
      const n = head.slice(at + 1).trim();
      if (!/^[0-9]{1,2}$/.test(n)) return { error: `${where}: @ must be followed by a line number` };
      line = Number(n);
      head = head.slice(0, at).trim();
    }
    const colon = head.indexOf(':');
    const type = (colon < 0 ? head : head.slice(0, colon)).trim().toLowerCase();
    const value = colon < 0 ? undefined : head.slice(colon + 1).trim();
    const opt = { ...(label ? { label } : {}), ...(line !== undefined ? { line } : {}) };
    const need = (what: string) => ({ error: `${where}: ${type}:<${what}> needs the ${what}` });
    switch (type === 'speeddial' ? 'speed' : type) {
      case 'line':
        if (!value || !/^[0-9]{1,2}$/.test(value)) return { error: `${where}: line:<n> needs the line number` };
        if (line !== undefined) return { error: `${where}: a line key takes no @` };
        keys.push({ type: 'line', line: Number(value), ...(label ? { label } : {}) });
        break;
      case 'blf':
        if (!value) return need('extension');
        keys.push({ type: 'blf', extension: value, ...opt });
        break;
      case 'park':
        if (!value) return need('slot');
        keys.push({ type: 'park', slot: value, ...opt });
        break;
      case 'switch':
        if (!value) return need('switch');
        keys.push({ type: 'switch', switch: value, ...opt });
        break;
      case 'dnd':
        if (value) return { error: `${where}: dnd takes no value` };
        keys.push({ type: 'dnd', ...opt });
        break;
      case 'speed':
        if (!value) return need('number');
        keys.push({ type: 'speedDial', number: value, ...opt });
        break;
      default:
        return { error: `${where}: unknown key type "${type}" (one of ${KEY_TYPES.join(', ')})` };
    }
  }
  return { keys };
}

/**
 * Where a phone field's error belongs in a row: its column, and the message naming the line
 * or key when it is about one (`lines[1].account` → column lines, "line 2: ...").
 */
export function phoneFieldColumn(path: FieldPath, message: string): { field: string; message: string } {
  const [head, index, sub] = path;
  if (head === 'lines' && typeof index === 'number') return { field: 'lines', message: `line ${index + 1}${sub === 'label' ? ' label' : ''}: ${message}` };
  if (head === 'keys' && typeof index === 'number') return { field: 'keys', message: `key ${index + 1}${typeof sub === 'string' && sub !== 'type' ? ` ${sub}` : ''}: ${message}` };
  if (head === 'httpAuth') return { field: index === 'username' ? 'httpUser' : 'httpPassword', message };
  if (typeof head === 'string' && head !== '') return { field: head, message };
  return { field: 'mac', message };
}

/** Leading characters a spreadsheet would take as the start of a formula (or its text marker). */
const FORMULA_START = /^[=+\-@\t\r']/;

/** A cell for CSV: a value a spreadsheet would run as a formula gets a leading ' (see csvCellValue). */
export function csvSafeCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/** The value of a CSV cell written by csvSafeCell (its leading ' removed again). */
export function csvCellValue(cell: string): string {
  return cell.startsWith("'") && FORMULA_START.test(cell.slice(1)) ? cell.slice(1) : cell;
}

/** One row per phone in PHONE_COLUMNS order (no header). `secrets: false` leaves the passwords empty. */
export function phonesToRows(phones: readonly Phone[], options: { secrets?: boolean } = {}): string[][] {
  const secrets = options.secrets ?? true;
  return phones.map((p) => {
    const row: Record<PhoneColumn, string> = {
      mac: macForms(p.mac).colons,
      vendor: p.vendor,
      model: p.model,
      description: p.description ?? '',
      lines: formatLines(p.lines),
      keys: formatKeys(p.keys),
      language: p.language ?? '',
      timezone: p.timezone ?? '',
      adminPassword: secrets ? p.adminPassword : '',
      httpUser: p.httpAuth?.username ?? '',
      httpPassword: secrets ? (p.httpAuth?.password ?? '') : '',
      template: p.template ?? '',
    };
    return PHONE_COLUMNS.map((c) => row[c]);
  });
}

/** The phone schema as a row is checked: the admin password may be absent (the box generates it). */
const rowSchema = (phoneSchema as unknown as z.ZodObject<z.ZodRawShape>).partial({ adminPassword: true });

/**
 * Phone inputs from a header and rows (cells as read). `lines[i]`: the file line of rows[i]
 * (default i + 2: one row per line after the header). Rows with no value are skipped; the
 * returned `lines` give each item's file line. Every row is checked, so every bad row is named.
 */
export function rowsToPhones(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  lines?: readonly number[],
): { items: unknown[]; lines: number[]; errors: PhoneRowError[] } {
  const errors: PhoneRowError[] = [];
  const items: unknown[] = [];
  const itemLines: number[] = [];
  const byName = new Map<string, PhoneColumn>(PHONE_COLUMNS.map((c) => [c.toLowerCase(), c]));
  const columns: (PhoneColumn | undefined)[] = [];
  const seen = new Set<PhoneColumn>();
  header.forEach((raw, i) => {
    const name = raw.trim().replace(/^\uFEFF/, '');
    const col = byName.get(name.toLowerCase());
    if (!col) {
      if (name !== '') errors.push({ line: 1, field: name, message: `unknown column "${name}" (columns: ${PHONE_COLUMNS.join(', ')})` });
      else errors.push({ line: 1, field: `column ${i + 1}`, message: 'a column without a name' });
    } else if (seen.has(col)) errors.push({ line: 1, field: col, message: `column ${col} appears twice` });
    if (col) seen.add(col);
    columns.push(col);
  });
  for (const c of REQUIRED_COLUMNS) if (!seen.has(c)) errors.push({ line: 1, field: c, message: `the column ${c} is missing` });
  if (errors.length) return { items: [], lines: [], errors };

  rows.forEach((cells, r) => {
    const line = lines?.[r] ?? r + 2;
    const trimmed = cells.map((c) => c.trim());
    if (trimmed.every((c) => c === '')) return;
    const own: PhoneRowError[] = [];
    for (let i = columns.length; i < trimmed.length; i++)
      if (trimmed[i] !== '') own.push({ line, field: `column ${i + 1}`, message: 'a value in a column without a header' });
    const v = {} as Record<PhoneColumn, string>;
    for (const c of PHONE_COLUMNS) v[c] = '';
    columns.forEach((c, i) => {
      if (c) v[c] = trimmed[i] ?? '';
    });
    for (const c of REQUIRED_COLUMNS) if (v[c] === '') own.push({ line, field: c, message: 'required' });

    const item: Record<string, unknown> = {};
    if (v.mac) item.mac = v.mac;
    if (v.vendor) item.vendor = v.vendor.toLowerCase();
    if (v.model) item.model = v.model;
    if (v.description) item.description = v.description;
    if (v.lines) {
      const parsed = parseLines(v.lines);
      if ('error' in parsed) own.push({ line, field: 'lines', message: parsed.error });
      else if (parsed.lines.length === 0) own.push({ line, field: 'lines', message: 'required' });
      else item.lines = parsed.lines;
    }
    if (v.keys) {
      const parsed = parseKeys(v.keys);
      if ('error' in parsed) own.push({ line, field: 'keys', message: parsed.error });
      else item.keys = parsed.keys;
    }
    if (v.language) item.language = v.language.toLowerCase();
    if (v.timezone) item.timezone = v.timezone;
    if (v.adminPassword) item.adminPassword = v.adminPassword;
    if (v.httpUser || v.httpPassword) {
      if (!v.httpUser) own.push({ line, field: 'httpUser', message: 'required with httpPassword' });
      else if (!v.httpPassword) own.push({ line, field: 'httpPassword', message: 'required with httpUser' });
      else item.httpAuth = { username: v.httpUser, password: v.httpPassword };
    }
    if (v.template) item.template = v.template;

    // The schema's word on the fields not already refused above (one message per column).
    const parsed = rowSchema.safeParse(item);
    if (!parsed.success) {
      const named = new Set(own.map((e) => e.field));
      for (const issue of parsed.error.issues) {
        const { field, message } = phoneFieldColumn(
          issue.path.filter((p): p is string | number => typeof p !== 'symbol'),
          issue.message,
        );
        if (named.has(field)) continue;
        named.add(field);
        own.push({ line, field, message });
      }
    }
    if (own.length) errors.push(...own);
    else {
      items.push(item);
      itemLines.push(line);
    }
  });
  return { items, lines: itemLines, errors };
}
