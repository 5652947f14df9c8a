// The spreadsheet adapter: strings in, strings out; what looks like a formula stays text; what
// is not an .xlsx, too large or too long is refused before anything is read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import { XLSX_MAX_BYTES, XlsxError, looksLikeXlsx, readXlsxRows, writeXlsx } from '../../src/lib/xlsx.ts';

test('write then read: the same strings, row 1 the header', async () => {
  const rows = [
    ['00:15:65:aa:bb:01', 'yealink', '=1+1', '+390612345678', '001565000001', 'Città | è'],
    ['', 'snom', '', '', '', ''],
  ];
  const buf = await writeXlsx(['a', 'b', 'c', 'd', 'e', 'f'], rows, 'Phones');
  assert.ok(looksLikeXlsx(buf));
  assert.deepEqual(await readXlsxRows(buf), [['a', 'b', 'c', 'd', 'e', 'f'], ...rows.map((r) => (r[0] === '' ? ['', 'snom'] : r))]);

  // Every cell we write is a string cell: no formula, no number.
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buf as never);
  const ws = wb.worksheets[0]!;
  assert.equal(ws.name, 'Phones');
  ws.eachRow((row) =>
    row.eachCell((cell) => {
      assert.equal(typeof cell.value, 'string', `${cell.address}`);
      assert.equal(cell.formula, undefined);
    }),
  );
});

test('reading: numbers, formulas (their result), rich text and blank rows as text', async () => {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('x');
  ws.getCell('A1').value = 'mac';
  ws.getCell('B1').value = 'n';
  ws.getCell('A2').value = 201;
  ws.getCell('B2').value = { formula: 'A2+1', result: 202 };
  ws.getCell('A4').value = { richText: [{ text: 'Ro' }, { text: 'ssi' }] };
  wb.addWorksheet('second').getCell('A1').value = 'ignored';
  const rows = await readXlsxRows(Buffer.from(await wb.xlsx.writeBuffer()));
  assert.deepEqual(rows, [['mac', 'n'], ['201', '202'], [], ['Rossi']]);
});

test('refused: not an xlsx, too large, too many rows, a zip bomb', async () => {
  await assert.rejects(readXlsxRows(Buffer.from('mac,vendor\n')), XlsxError);
  await assert.rejects(readXlsxRows(Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(100)])), XlsxError);
  await assert.rejects(readXlsxRows(Buffer.alloc(XLSX_MAX_BYTES + 1, 0x50)), /larger than 5 MB/);

  const long = await writeXlsx(['h'], Array.from({ length: 30 }, (_, i) => [String(i)]), 's');
  assert.equal((await readXlsxRows(long, { maxRows: 31 })).length, 31);
  await assert.rejects(readXlsxRows(long, { maxRows: 30 }), /more than 30 rows/);

  // One entry that declares 100 MB once inflated: refused from the directory alone.
  const data = deflateRawSync(Buffer.alloc(1024));
  const name = Buffer.from('xl/worksheets/sheet1.xml');
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(100 * 1024 * 1024, 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(100 * 1024 * 1024, 24);
  central.writeUInt16LE(name.length, 28);
  const cdOffset = local.length + name.length + data.length;
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(1, 8);
  eocd.writeUInt16LE(1, 10);
  eocd.writeUInt32LE(central.length + name.length, 12);
  eocd.writeUInt32LE(cdOffset, 16);
  const bomb = Buffer.concat([local, name, data, central, name, eocd]);
  await assert.rejects(readXlsxRows(bomb), /too large once unpacked/);
});
