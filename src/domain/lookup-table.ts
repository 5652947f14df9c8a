// A lookup's table as CSV rows `key,route` (one per line, an optional header line `key,route`):
// checked row by row so every error names its line in the file, all or nothing. The rows come
// from a CSV parser (src/lib/csv.ts) with the line each record starts on.
import { lookupSchema, type Lookup } from './model.ts';
import { ValidationError, type FieldError } from './errors.ts';

export type LookupTableRow = { key: string; route: string };

/** Rows a table may have (the model's limit). */
export const LOOKUP_TABLE_MAX_ROWS = 100_000;
/** Errors reported at most; the message says how many there were. */
const MAX_REPORTED = 100;

// The model's own schemas of a row's fields, so the CSV check and the model cannot disagree.
const tableSource = lookupSchema.shape.source.options[1];
const rowShape = tableSource.shape.table.element.shape;

/**
 * The table of a lookup from CSV records. `routes` are the lookup's route names. Throws a
 * ValidationError whose fields each name a line: `line 7: route "x" is not one of this lookup's routes`.
 */
export function lookupTableFromCsv(
  records: readonly { line: number; fields: readonly string[] }[],
  routes: readonly string[],
): { rows: LookupTableRow[]; lines: number[] } {
  const known = new Set(routes);
  const errors: FieldError[] = [];
  const rows: LookupTableRow[] = [];
  /** The line of each row, for errors the model finds later (rows[i] came from lines[i]). */
  const lines: number[] = [];
  const firstLine = new Map<string, number>();
  const fail = (line: number, message: string) => errors.push({ path: ['table'], line, message: `line ${line}: ${message}` });
  records.forEach((rec, i) => {
    const cells = rec.fields.map((f) => f.trim());
    if (i === 0 && cells.length === 2 && cells[0]!.toLowerCase() === 'key' && cells[1]!.toLowerCase() === 'route') return;
    if (cells.length !== 2) {
      fail(rec.line, `expected 2 fields (key,route), found ${cells.length}`);
      return;
    }
    const [key, route] = cells as [string, string];
    const k = rowShape.key.safeParse(key);
    if (!k.success) fail(rec.line, `key "${clip(key)}": ${k.error.issues[0]?.message ?? 'invalid'}`);
    const r = rowShape.route.safeParse(route);
    if (!r.success) fail(rec.line, `route "${clip(route)}": ${r.error.issues[0]?.message ?? 'invalid'}`);
    else if (!known.has(route)) fail(rec.line, `route "${route}" is not one of this lookup's routes (${routes.join(', ')})`);
    if (k.success) {
      const earlier = firstLine.get(key);
      if (earlier !== undefined) fail(rec.line, `key "${key}" is also on line ${earlier}`);
      else firstLine.set(key, rec.line);
    }
    rows.push({ key, route });
    lines.push(rec.line);
  });
  if (rows.length === 0 && errors.length === 0) errors.push({ path: ['table'], message: 'the table has no rows: one line key,route per code' });
  if (rows.length > LOOKUP_TABLE_MAX_ROWS) errors.push({ path: ['table'], message: `at most ${LOOKUP_TABLE_MAX_ROWS} rows, the file has ${rows.length}` });
  if (errors.length) {
    const shown = errors.slice(0, MAX_REPORTED);
    const more = errors.length - shown.length;
    throw new ValidationError(
      `the table has ${errors.length} error${errors.length === 1 ? '' : 's'}; nothing was changed${more ? ` (the first ${MAX_REPORTED} are listed)` : ''}`,
      shown,
    );
  }
  return { rows, lines };
}

/** The CSV rows (with the header) of a lookup's table; undefined when it asks a web service instead. */
export function lookupTableRows(lookup: Lookup): string[][] | undefined {
  if (!('table' in lookup.source)) return undefined;
  return [['key', 'route'], ...lookup.source.table.map((r) => [r.key, r.route])];
}

const clip = (s: string) => (s.length > 40 ? `${s.slice(0, 40)}…` : s);
