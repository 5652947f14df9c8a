// Phones as spreadsheet rows: the compact lines/keys syntax, errors by line and column, the
// CSV formula guard, and a round trip phones → rows → phones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/domain/rules.ts';
import { phoneKeySchema, phoneSchema } from '../../src/domain/model.ts';
import {
  PHONE_COLUMNS,
  csvCellValue,
  csvSafeCell,
  formatKeys,
  parseKeys,
  parseLines,
  phoneFieldColumn,
  phonesToRows,
  rowsToPhones,
} from '../../src/domain/phone-rows.ts';

const header = [...PHONE_COLUMNS];
const row = (v: Partial<Record<(typeof PHONE_COLUMNS)[number], string>>) => PHONE_COLUMNS.map((c) => v[c] ?? '');

test('lines: accounts separated by |, a label after =', () => {
  assert.deepEqual(parseLines('201 | 202=Reception desk'), { lines: [{ account: '201' }, { account: '202', label: 'Reception desk' }] });
  assert.deepEqual(parseLines('201=A\\|B'), { lines: [{ account: '201', label: 'A|B' }] });
  assert.ok('error' in parseLines('=Label'));
});

test('keys: every kind, @line, =label, escapes', () => {
  const r = parseKeys('blf:202|park:701@2|switch:night=Night mode|dnd|speed:+390612345678=Rossi|line:2=Second|blf:203@1=A\\|B=C');
  assert.deepEqual(r, {
    keys: [
      { type: 'blf', extension: '202' },
      { type: 'park', slot: '701', line: 2 },
      { type: 'switch', switch: 'night', label: 'Night mode' },
      { type: 'dnd' },
      { type: 'speedDial', number: '+390612345678', label: 'Rossi' },
      { type: 'line', line: 2, label: 'Second' },
      { type: 'blf', extension: '203', label: 'A|B=C', line: 1 },
    ],
  });
  for (const bad of ['blf', 'fax:1', 'dnd:1', 'line:x', 'line:1@2', 'blf:202@x'])
    assert.ok('error' in parseKeys(bad), bad);
  assert.match((parseKeys('blf:201|fax:1') as { error: string }).error, /^key 2 \(fax:1\): unknown key type "fax"/);
  // Formatting is the inverse of parsing.
  const keys = (r as { keys: unknown[] }).keys.map((k) => phoneKeySchema.parse(k));
  assert.deepEqual(parseKeys(formatKeys(keys)), r);
});

test('rows to phones: cells trimmed, vendor and language in any case, empty admin password left out', () => {
  const out = rowsToPhones(header, [
    row({ mac: ' 00:15:65:AA:BB:01 ', vendor: 'Yealink', model: 'T46S', lines: '201', keys: 'blf:202', language: 'IT', description: ' Front desk ' }),
    row({}),
    row({ mac: '001565aabb02', vendor: 'snom', model: 'D715', lines: '202', adminPassword: 'Adm1n-Pass-sn02', httpUser: 'prov', httpPassword: 'Http-Pass-9xQ' }),
  ]);
  assert.deepEqual(out.errors, []);
  assert.deepEqual(out.lines, [2, 4], 'the blank row is skipped, lines still count it');
  assert.deepEqual(out.items, [
    { mac: '00:15:65:AA:BB:01', vendor: 'yealink', model: 'T46S', description: 'Front desk', lines: [{ account: '201' }], keys: [{ type: 'blf', extension: '202' }], language: 'it' },
    { mac: '001565aabb02', vendor: 'snom', model: 'D715', lines: [{ account: '202' }], adminPassword: 'Adm1n-Pass-sn02', httpAuth: { username: 'prov', password: 'Http-Pass-9xQ' } },
  ]);
});

test('every bad row is named by line and column', () => {
  const out = rowsToPhones(
    header,
    [
      row({ mac: '001565aabb01', vendor: 'yealink', model: 'T46S', lines: '201' }),
      row({ mac: 'zz', vendor: 'yealink', model: 'T46S', lines: '202' }),
      row({ mac: '001565aabb03', vendor: 'nokia', model: 'T46S', lines: '203', keys: 'blf:2x' }),
      row({ mac: '001565aabb04', vendor: 'yealink', model: '', lines: '204', httpUser: 'prov' }),
      row({ mac: '001565aabb05', vendor: 'yealink', model: 'T46S', lines: '205', keys: 'speed:123' }),
    ],
    [2, 3, 5, 6, 7],
  );
  assert.deepEqual(out.items.length, 1);
  const got = out.errors.map((e) => `${e.line}:${e.field}`);
  assert.deepEqual(got, ['3:mac', '5:vendor', '5:keys', '6:model', '6:httpPassword', '7:keys']);
  assert.match(out.errors.find((e) => e.line === 5 && e.field === 'keys')!.message, /^key 1 extension: /);
  assert.match(out.errors.find((e) => e.line === 7)!.message, /^key 1 label: /);
});

test('header: unknown, duplicate and missing columns are errors on line 1; case does not matter', () => {
  let out = rowsToPhones(['MAC', 'Vendor', 'model', 'lines', 'colour', 'mac'], [['001565aabb01', 'yealink', 'T46S', '201']]);
  assert.deepEqual(
    out.errors.map((e) => [e.line, e.field]),
    [
      [1, 'colour'],
      [1, 'mac'],
    ],
  );
  out = rowsToPhones(['mac', 'vendor'], []);
  assert.deepEqual(out.errors.map((e) => e.field), ['model', 'lines']);
  out = rowsToPhones(['mac', 'vendor', 'model', 'lines'], [['001565aabb01', 'yealink', 'T46S', '201', 'extra']]);
  assert.deepEqual(out.errors, [{ line: 2, field: 'column 5', message: 'a value in a column without a header' }]);
});

test('model errors map back to columns', () => {
  assert.deepEqual(phoneFieldColumn(['lines', 1, 'account'], 'no extension has a device 299'), { field: 'lines', message: 'line 2: no extension has a device 299' });
  assert.deepEqual(phoneFieldColumn(['keys', 0, 'extension'], 'extension 299 does not exist'), { field: 'keys', message: 'key 1 extension: extension 299 does not exist' });
  assert.deepEqual(phoneFieldColumn(['httpAuth', 'password'], 'too short'), { field: 'httpPassword', message: 'too short' });
  assert.deepEqual(phoneFieldColumn(['adminPassword'], 'too short'), { field: 'adminPassword', message: 'too short' });
});

test('CSV cells a spreadsheet would run as formulas get a leading quote, removed on import', () => {
  for (const v of ['=1+1', '+39061234', '-x', '@SUM(A1)', "'quoted", 'plain', ''])
    assert.equal(csvCellValue(csvSafeCell(v)), v, v);
  assert.equal(csvSafeCell('=1+1'), "'=1+1");
  assert.equal(csvCellValue("'plain"), "'plain", 'a quote before an ordinary value is the value');
});

test('round trip: phones → rows → phones gives the same phones', () => {
  const dev = (u: string) => ({ username: u, password: 'Kq7-vWz2pLm-Tx9' });
  const config = parseConfig({
    extensions: [
      { number: '201', name: 'Anna', devices: [dev('201'), dev('201b')] },
      { number: '202', name: 'Bruno', devices: [dev('202')] },
    ],
    switches: [{ name: 'night', code: '*281', states: [{ name: 'day', destination: { extension: '201' } }, { name: 'night', destination: { extension: '202' } }] }],
    services: { parking: { enabled: true } },
    phoneTemplates: [{ name: 'lobby', vendor: 'yealink' }],
    phones: [
      {
        mac: '001565aabb01',
        vendor: 'yealink',
        model: 'T46S',
        description: '=Front | desk',
        lines: [{ account: '201', label: 'Anna | main' }, { account: '201b' }],
        keys: [
          { type: 'line', line: 2, label: 'Mobile' },
          { type: 'blf', extension: '202', label: 'Bruno=B|x' },
          { type: 'park', slot: '701', line: 2 },
          { type: 'switch', switch: 'night' },
          { type: 'dnd', label: 'DND=on' },
          { type: 'speedDial', number: '+390612345678', label: 'Rossi' },
        ],
        language: 'it',
        timezone: 'Europe/Rome',
        adminPassword: '-Adm1n-Pass-yl01',
        httpAuth: { username: 'prov', password: 'Http-Pass-9xQ' },
        template: 'lobby',
      },
      { mac: '000413aabb02', vendor: 'snom', model: 'D715', lines: [{ account: '202' }], adminPassword: 'Adm1n-Pass-sn02' },
    ],
  });
  const rows = phonesToRows(config.phones).map((r) => r.map(csvSafeCell));
  assert.equal(rows[0]![0], '00:15:65:aa:bb:01', 'MACs are written with colons (no spreadsheet takes them for numbers)');
  const back = rowsToPhones(header, rows.map((r) => r.map(csvCellValue)));
  assert.deepEqual(back.errors, []);
  assert.deepEqual(back.items.map((i) => phoneSchema.parse(i)), config.phones);

  const masked = phonesToRows(config.phones, { secrets: false });
  assert.equal(masked[0]![PHONE_COLUMNS.indexOf('adminPassword')], '');
  assert.equal(masked[0]![PHONE_COLUMNS.indexOf('httpPassword')], '');
});
