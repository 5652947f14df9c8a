// CSV as spreadsheets write it (RFC 4180 and what Excel/LibreOffice do): fields separated by
// a delimiter, quoted fields may hold the delimiter, newlines and doubled quotes; LF, CRLF or
// CR line ends; an optional UTF-8 byte order mark. Every record carries the line it starts on,
// so errors can name it.

export interface CsvRecord {
  /** 1-based line of the text the record starts on. */
  line: number;
  fields: string[];
}

export interface CsvError {
  line: number;
  message: string;
}

export interface CsvResult {
  records: CsvRecord[];
  errors: CsvError[];
}

export interface CsvOptions {
  /** Field separator; default: detected from the first line (see detectDelimiter). */
  delimiter?: string;
  /** Stop after this many records (the rest is not parsed): `truncated` is then true. */
  maxRecords?: number;
}

/**
 * `;` when the first non-empty line has a semicolon outside quotes and no comma (spreadsheets
 * in Italian and other comma-decimal locales save CSV like that), otherwise `,`.
 */
export function detectDelimiter(text: string): ',' | ';' {
  const first = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/).find((l) => l.trim() !== '') ?? '';
  const bare = first.replace(/"(?:[^"]|"")*"/g, '');
  return bare.includes(';') && !bare.includes(',') ? ';' : ',';
}

/** Parses CSV text; blank lines are skipped. Errors name their line; parsing goes on after them. */
export function parseCsv(text: string, options: CsvOptions = {}): CsvResult & { truncated: boolean } {
  const src = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const delim = options.delimiter ?? detectDelimiter(src);
  const max = options.maxRecords ?? Infinity;
  const records: CsvRecord[] = [];
  const errors: CsvError[] = [];
  let i = 0;
  let line = 1;
  const n = src.length;
  /** Moves past a line end at i (CRLF, LF or CR); true if there was one. */
  const eol = (): boolean => {
    if (src[i] === '\r') {
      i += src[i + 1] === '\n' ? 2 : 1;
      line++;
      return true;
    }
    if (src[i] === '\n') {
      i++;
      line++;
      return true;
    }
    return false;
  };
  while (i < n) {
    if (records.length >= max) return { records, errors, truncated: src.slice(i).trim() !== '' };
    const start = line;
    const fields: string[] = [];
    let bad: string | undefined;
    for (;;) {
      let field = '';
      // Spaces before an opening quote (`1, "a"`, as people type it) are not part of the field.
      let j = i;
      while (src[j] === ' ' || src[j] === '\t') j++;
      if (src[j] === '"') i = j;
      if (src[i] === '"') {
        const opened = line;
        i++;
        let closed = false;
        while (i < n) {
          const c = src[i]!;
          if (c === '"') {
            if (src[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (c === '\r' || c === '\n') {
            const before = i;
            eol();
            field += src.slice(before, i);
            continue;
          }
          field += c;
          i++;
        }
        if (!closed) {
          errors.push({ line: opened, message: 'a quoted field is never closed' });
          return { records, errors, truncated: false };
        }
        // Only spaces may follow the closing quote before the delimiter or the line end.
        while (src[i] === ' ' || src[i] === '\t') i++;
        if (i < n && src[i] !== delim && src[i] !== '\r' && src[i] !== '\n') bad ??= 'text after a closing quote (double the quotes inside a quoted field)';
      } else {
        while (i < n && src[i] !== delim && src[i] !== '\r' && src[i] !== '\n') {
          if (src[i] === '"') bad ??= 'a quote inside an unquoted field (quote the whole field and double the quote)';
          field += src[i];
          i++;
        }
      }
      fields.push(field);
      if (bad) {
        // Skip to the end of this line; the next record starts after it.
        while (i < n && src[i] !== '\r' && src[i] !== '\n') i++;
        break;
      }
      if (src[i] === delim) {
        i++;
        continue;
      }
      break;
    }
    eol();
    if (bad) errors.push({ line: start, message: bad });
    else if (!(fields.length === 1 && fields[0]!.trim() === '')) records.push({ line: start, fields });
  }
  return { records, errors, truncated: false };
}

/** One CSV cell: quoted when it holds the delimiter, a quote, a line end, or surrounding spaces. */
export function csvField(value: string, delimiter = ','): string {
  return value.includes(delimiter) || /["\r\n]/.test(value) || value !== value.trim() ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Rows as CSV text, CRLF line ends (RFC 4180), a final line end. */
export function formatCsv(rows: readonly (readonly string[])[], delimiter = ','): string {
  return rows.map((r) => r.map((v) => csvField(v, delimiter)).join(delimiter) + '\r\n').join('');
}
