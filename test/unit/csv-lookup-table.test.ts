import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectDelimiter, formatCsv, parseCsv } from '../../src/lib/csv.ts';
import { lookupTableFromCsv, lookupTableRows, LOOKUP_TABLE_MAX_ROWS } from '../../src/domain/lookup-table.ts';
import { ValidationError } from '../../src/domain/errors.ts';
import { lookupSchema } from '../../src/domain/model.ts';

test('CSV: plain, quoted, doubled quotes, delimiters and newlines inside quotes, line numbers', () => {
  const text = 'key,route\r\n123,sales\n"45,6","a ""b"""\n"multi\nline",x\n\n7 , y \r8,z';
  const r = parseCsv(text);
  assert.deepEqual(r.errors, []);
  assert.equal(r.truncated, false);
  assert.deepEqual(r.records, [
    { line: 1, fields: ['key', 'route'] },
    { line: 2, fields: ['123', 'sales'] },
    { line: 3, fields: ['45,6', 'a "b"'] },
    { line: 4, fields: ['multi\nline', 'x'] },
    { line: 7, fields: ['7 ', ' y '] },
    { line: 8, fields: ['8', 'z'] },
  ]);
});

test('CSV: spaces around a quoted field are not part of it', () => {
  assert.deepEqual(parseCsv('1, "a,b" ,2\n').records, [{ line: 1, fields: ['1', 'a,b', '2'] }]);
});

test('CSV: a byte order mark, empty fields and a final line end', () => {
  const r = parseCsv('\uFEFFa,,c\n,\n');
  assert.deepEqual(r.records, [
    { line: 1, fields: ['a', '', 'c'] },
    { line: 2, fields: ['', ''] },
  ]);
});

test('CSV: errors name their line, parsing goes on after them', () => {
  const r = parseCsv('1,a\n2,"b"x\n3,c"d\n4,e\n5,"never closed\n6,f');
  assert.deepEqual(r.records.map((x) => x.line), [1, 4]);
  assert.deepEqual(
    r.errors.map((e) => e.line),
    [2, 3, 5],
  );
  assert.match(r.errors[0]!.message, /after a closing quote/);
  assert.match(r.errors[1]!.message, /quote inside an unquoted field/);
  assert.match(r.errors[2]!.message, /never closed/);
});

test('CSV: semicolons are detected (comma-decimal locales), quotes do not fool it', () => {
  assert.equal(detectDelimiter('key;route\n1;a'), ';');
  assert.equal(detectDelimiter('key,route\n1,a'), ',');
  assert.equal(detectDelimiter('"a;b",c\n'), ',');
  assert.deepEqual(parseCsv('1;"a;b"\n').records, [{ line: 1, fields: ['1', 'a;b'] }]);
});

test('CSV: maxRecords stops early and says so (trailing blank lines do not count)', () => {
  assert.equal(parseCsv('1\n2\n3\n', { maxRecords: 2 }).truncated, true);
  assert.equal(parseCsv('1\n2\n\n\n', { maxRecords: 2 }).truncated, false);
  assert.equal(parseCsv('1\n2\n3\n', { maxRecords: 2 }).records.length, 2);
});

test('CSV: format round-trips through parse', () => {
  const rows = [['key', 'route'], ['+39*1', 'a,b'], ['x"y', ' pad '], ['line\nbreak', '']];
  const text = formatCsv(rows);
  assert.ok(text.endsWith('\r\n'));
  assert.deepEqual(parseCsv(text).records.map((r) => r.fields), rows);
});

const rec = (lines: string[]) => parseCsv(lines.join('\n')).records;

test('lookup table: rows with their lines, the header is optional, cells are trimmed', () => {
  assert.deepEqual(lookupTableFromCsv(rec(['key,route', '123, sales', '+3902*#,support']), ['sales', 'support']), {
    rows: [
      { key: '123', route: 'sales' },
      { key: '+3902*#', route: 'support' },
    ],
    lines: [2, 3],
  });
  assert.deepEqual(lookupTableFromCsv(rec(['1,sales']), ['sales']).rows, [{ key: '1', route: 'sales' }]);
  // "key,route" is a header only on the first line; later it is a bad row.
  assert.throws(() => lookupTableFromCsv(rec(['1,sales', 'key,route']), ['sales']), /2 errors/);
});

test('lookup table: every error names its line, nothing is returned', () => {
  const records = rec(['key,route', '1,sales', '2,x', 'abc,sales', '1,support', '3,sales,extra', '4,Bad Route']);
  let err: ValidationError | undefined;
  try {
    lookupTableFromCsv(records, ['sales', 'support']);
  } catch (e) {
    err = e as ValidationError;
  }
  assert.ok(err instanceof ValidationError);
  assert.deepEqual(
    err.fields.map((f) => f.message),
    [
      `line 3: route "x" is not one of this lookup's routes (sales, support)`,
      'line 4: key "abc": digits, * and #, optionally starting with +',
      'line 5: key "1" is also on line 2',
      'line 6: expected 2 fields (key,route), found 3',
      'line 7: route "Bad Route": lowercase letters, digits, - and _, starting with a letter, at most 32',
    ],
  );
  assert.deepEqual(err.fields.map((f) => f.line), [3, 4, 5, 6, 7]);
  assert.ok(err.fields.every((f) => f.path[0] === 'table'));
});

test('lookup table: empty and too long tables are refused; many errors are capped', () => {
  assert.throws(() => lookupTableFromCsv(rec(['key,route']), ['a']), /1 error/);
  const many = Array.from({ length: LOOKUP_TABLE_MAX_ROWS + 1 }, (_, i) => ({ line: i + 1, fields: [String(i), 'a'] }));
  assert.throws(() => lookupTableFromCsv(many, ['a']), (e: ValidationError) => e.fields.some((f) => /at most 100000 rows/.test(f.message)));
  const bad = Array.from({ length: 500 }, (_, i) => ({ line: i + 1, fields: ['x', 'a'] }));
  assert.throws(() => lookupTableFromCsv(bad, ['a']), (e: ValidationError) => e.fields.length === 100 && /500 errors/.test(e.message));
});

test('lookup table: back to CSV rows, none for a web service', () => {
  const base = { name: 'l', routes: [{ name: 'a', destination: { hangup: true } }], fallback: { hangup: true } };
  const table = lookupSchema.parse({ ...base, source: { table: [{ key: '1', route: 'a' }] } });
  assert.deepEqual(lookupTableRows(table), [['key', 'route'], ['1', 'a']]);
  const web = lookupSchema.parse({ ...base, input: 'callerId', source: { url: 'https://crm.example.com/route?n={caller}' } });
  assert.equal(lookupTableRows(web), undefined);
});
