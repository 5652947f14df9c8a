// Streamed exports of CDR rows and queue calls: CSV (RFC 4180, CRLF, UTF-8 BOM so spreadsheets
// read accents), XLSX (exceljs' streaming writer, src/lib/xlsx.ts) and JSON (one array, written
// row by row). Rows come from an (async) iterable read in batches by the store; each write waits
// for the response to drain, so memory stays bounded whatever the number of rows.
import type { Writable } from 'node:stream';
import { csvField } from '../lib/csv.ts';
import { createXlsxStreamWriter, XLSX_CONTENT_TYPE } from '../lib/xlsx.ts';
import { CDR_EXPORT_COLUMNS, QUEUE_EXPORT_COLUMNS, routeQueues, type CdrView, type ExportFormat, type QueueCallView } from '../domain/cdr.ts';

export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: XLSX_CONTENT_TYPE,
  json: 'application/json; charset=utf-8',
};

type Cell = string | number | undefined;

/**
 * A cell a spreadsheet could take for a formula (=, @, or + - followed by something other than a
 * digit: a caller name is free text) gets a leading apostrophe. Phone numbers (+39...) stay as they are.
 */
export function safeCell(v: Cell): string {
  const s = v === undefined ? '' : String(v);
  return /^[=@\t\r]/.test(s) || /^[+-][^0-9]/.test(s) ? `'${s}` : s;
}

function write(out: Writable, chunk: string): Promise<void> | undefined {
  if (out.write(chunk)) return undefined;
  return new Promise((res, rej) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      out.off('error', rej);
      res();
    };
    out.once('drain', done);
    // A client that went away: stop waiting (the caller sees out.destroyed).
    out.once('close', done);
    out.once('error', rej);
  });
}

/** Rows of `columns` from `rows` in `format` onto `out`; ends `out`. Returns the rows written. */
export async function writeExport<T>(
  rows: AsyncIterable<T> | Iterable<T>,
  columns: readonly string[],
  cell: (row: T, column: string) => Cell,
  format: ExportFormat,
  out: Writable,
  sheetName: string,
): Promise<number> {
  let n = 0;
  if (format === 'xlsx') {
    const w = await createXlsxStreamWriter(out, columns, sheetName);
    for await (const r of rows) {
      if (out.destroyed) return n;
      await w.addRow(columns.map((c) => safeCell(cell(r, c))));
      n++;
    }
    await w.finish();
    return n;
  }
  if (format === 'csv') {
    await write(out, '\uFEFF' + columns.join(',') + '\r\n');
    for await (const r of rows) {
      if (out.destroyed) return n;
      await write(out, columns.map((c) => csvField(safeCell(cell(r, c)))).join(',') + '\r\n');
      n++;
    }
  } else {
    await write(out, '[');
    for await (const r of rows) {
      if (out.destroyed) return n;
      const obj: Record<string, string | number | null> = {};
      for (const c of columns) {
        const v = cell(r, c);
        obj[c] = v === undefined ? null : v;
      }
      await write(out, (n ? ',\n' : '\n') + JSON.stringify(obj));
      n++;
    }
    await write(out, '\n]\n');
  }
  await new Promise<void>((res) => out.end(() => res()));
  return n;
}

export function cdrCell(r: CdrView, c: string): Cell {
  if (c === 'queue') return routeQueues(r.route).join('&');
  return (r as unknown as Record<string, string | number | undefined>)[c];
}

export function writeCdrExport(rows: AsyncIterable<CdrView> | Iterable<CdrView>, format: ExportFormat, out: Writable): Promise<number> {
  return writeExport(rows, CDR_EXPORT_COLUMNS, cdrCell, format, out, 'CDR');
}

export function writeQueueCallExport(rows: AsyncIterable<QueueCallView> | Iterable<QueueCallView>, format: ExportFormat, out: Writable): Promise<number> {
  return writeExport(rows, QUEUE_EXPORT_COLUMNS, (r, c) => (r as unknown as Record<string, string | number | undefined>)[c], format, out, 'Queue calls');
}
