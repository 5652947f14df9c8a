// Spreadsheets (.xlsx) as rows of strings: the one file that imports exceljs. Reading takes the
// first sheet's values as text (a formula gives its cached result, never its text, and is
// never evaluated); writing puts every value in as a string cell, so nothing we write is ever a
// formula, whatever it starts with. Uploads are bounded before exceljs inflates them.
import type ExcelJS from 'exceljs';

// Loaded at the first spreadsheet, not at start: exceljs costs the idle supervisor about 30 MB.
let loaded: Promise<typeof ExcelJS> | undefined;
const excel = (): Promise<typeof ExcelJS> => (loaded ??= import('exceljs').then((m) => ((m as { default?: typeof ExcelJS }).default ?? m) as typeof ExcelJS));

export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
export const XLSX_MAX_BYTES = 5 * 1024 * 1024;
/** Rows of the sheet, a header row included. */
export const XLSX_MAX_ROWS = 10_001;
/** What the parts of an upload may inflate to, as the archive declares them (a zip bomb stops here). */
const XLSX_MAX_INFLATED = 64 * 1024 * 1024;

export class XlsxError extends Error {}

/** A ZIP archive (an .xlsx is one) by its first bytes. */
export function looksLikeXlsx(buf: Uint8Array): boolean {
  return buf.length >= 4 && buf[0] === 0x50 && buf[1] === 0x4b && buf[2] === 0x03 && buf[3] === 0x04;
}

/** The sum of the sizes the archive's central directory declares for its entries. */
function declaredInflatedSize(buf: Buffer): number {
  // The end-of-central-directory record: 22 bytes plus a comment of at most 65535.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 65535); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new XlsxError('not an .xlsx file (no ZIP directory)');
  const entries = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  let total = 0;
  for (let n = 0; n < entries; n++) {
    if (at + 46 > buf.length || buf.readUInt32LE(at) !== 0x02014b50) throw new XlsxError('not an .xlsx file (a broken ZIP directory)');
    const size = buf.readUInt32LE(at + 24);
    // ZIP64 sizes (0xffffffff) are far beyond any spreadsheet this box takes.
    if (size === 0xffffffff) throw new XlsxError('the spreadsheet is too large');
    total += size;
    at += 46 + buf.readUInt16LE(at + 28) + buf.readUInt16LE(at + 30) + buf.readUInt16LE(at + 32);
  }
  return total;
}

function text(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Date) return v.toISOString();
  if ('richText' in v) return v.richText.map((r) => r.text).join('');
  if ('hyperlink' in v) return typeof v.text === 'string' ? v.text : text(v.text as ExcelJS.CellValue);
  if ('formula' in v || 'sharedFormula' in v) {
    const r = (v as ExcelJS.CellFormulaValue).result;
    return r === undefined || (typeof r === 'object' && !(r instanceof Date)) ? '' : text(r);
  }
  return ''; // an error value (#N/A...)
}

/**
 * The first sheet as rows of strings, row 1 first; a row with nothing in it is an empty array
 * (so index + 1 is the sheet's row number). XlsxError for what is not a spreadsheet or too large.
 */
export async function readXlsxRows(buf: Buffer, options: { maxRows?: number } = {}): Promise<string[][]> {
  const maxRows = options.maxRows ?? XLSX_MAX_ROWS;
  if (buf.length > XLSX_MAX_BYTES) throw new XlsxError(`the spreadsheet is larger than ${XLSX_MAX_BYTES / 1024 / 1024} MB`);
  if (!looksLikeXlsx(buf)) throw new XlsxError('not an .xlsx file');
  if (declaredInflatedSize(buf) > XLSX_MAX_INFLATED) throw new XlsxError('the spreadsheet is too large once unpacked');
  const wb = new (await excel()).Workbook();
  try {
    await wb.xlsx.load(buf as unknown as Parameters<typeof wb.xlsx.load>[0]);
  } catch (err) {
    throw new XlsxError(`not a readable .xlsx file (${(err as Error).message})`);
  }
  const ws = wb.worksheets[0];
  if (!ws) return [];
  if (ws.rowCount > maxRows) throw new XlsxError(`the spreadsheet has more than ${maxRows} rows`);
  const rows: string[][] = [];
  for (let r = 1; r <= ws.rowCount; r++) {
    const row = ws.findRow(r);
    const cells: string[] = [];
    if (row) for (let c = 1; c <= row.cellCount; c++) cells.push(text(row.getCell(c).value));
    while (cells.length && cells[cells.length - 1] === '') cells.pop();
    rows.push(cells);
  }
  return rows;
}

/** A workbook of one sheet: the header row (bold, frozen) and the rows, every cell a string. */
export async function writeXlsx(header: readonly string[], rows: readonly (readonly string[])[], sheetName: string): Promise<Buffer> {
  const wb = new (await excel()).Workbook();
  // Sheet names: at most 31 characters, none of []:*?/\ .
  const ws = wb.addWorksheet(sheetName.replace(/[[\]:*?/\\]/g, ' ').slice(0, 31) || 'Sheet1', { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.addRow([...header]).font = { bold: true };
  for (const row of rows) {
    const r = ws.addRow([]);
    // Set one by one as plain strings: addRow would pass objects through, and exceljs makes a
    // formula only from a { formula } object, never from a string.
    row.forEach((v, i) => {
      r.getCell(i + 1).value = String(v);
    });
  }
  header.forEach((h, i) => {
    const longest = Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length));
    ws.getColumn(i + 1).width = Math.min(Math.max(longest + 2, 8), 60);
  });
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** A spreadsheet written as it goes (exceljs' streaming writer): rows are never all in memory. */
export interface XlsxStreamWriter {
  /** Adds a row; resolves once `out` can take more (backpressure). */
  addRow(row: readonly string[]): Promise<void>;
  finish(): Promise<void>;
}

/** Starts a one-sheet workbook on `out`: the header row (bold), then the rows, every cell a string. */
export async function createXlsxStreamWriter(out: NodeJS.WritableStream & { writableNeedDrain?: boolean }, header: readonly string[], sheetName: string): Promise<XlsxStreamWriter> {
  const mod = await excel();
  const wb = new mod.stream.xlsx.WorkbookWriter({ stream: out as unknown as import('node:stream').Stream, useStyles: true, useSharedStrings: false });
  const ws = wb.addWorksheet(sheetName.replace(/[[\]:*?/\\]/g, ' ').slice(0, 31) || 'Sheet1', { views: [{ state: 'frozen', ySplit: 1 }] });
  const head = ws.addRow([...header]);
  head.font = { bold: true };
  head.commit();
  const drained = () => new Promise<void>((res) => out.once('drain', () => res()));
  return {
    async addRow(row) {
      const r = ws.addRow([]);
      // Strings cell by cell: exceljs makes a formula only from a { formula } object.
      row.forEach((v, i) => {
        r.getCell(i + 1).value = String(v);
      });
      r.commit();
      if (out.writableNeedDrain) await drained();
    },
    async finish() {
      ws.commit();
      await wb.commit();
    },
  };
}
