// Shared contacts as spreadsheet rows (src/domain/contacts.ts): the export reads back as it was,
// ids are made from names, and every bad row is named by line and column.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CONTACT_COLUMNS, contactIdFromName, contactsToRows, rowsToContacts } from '../../src/domain/contacts.ts';
import { contactSchema } from '../../src/domain/model.ts';

test('rows round-trip', () => {
  const contacts = [
    contactSchema.parse({ id: 'rossi', name: 'Mario Rossi', company: 'ACME', email: 'm@acme.it', numbers: [{ type: 'work', number: '+390212345678' }, { type: 'work', number: '021111111' }, { type: 'mobile', number: '3331234567' }] }),
    contactSchema.parse({ id: 'verdi', name: 'Giuseppe Verdi', numbers: [{ type: 'fax', number: '0298765432' }] }),
  ];
  const rows = contactsToRows(contacts);
  assert.deepEqual(rows[0], ['rossi', 'Mario Rossi', 'ACME', '+390212345678|021111111', '3331234567', '', '', '', 'm@acme.it']);
  const back = rowsToContacts([...CONTACT_COLUMNS], rows);
  assert.deepEqual(back.errors, []);
  assert.deepEqual(back.items, contacts);
});

test('ids from names, unique beside the ones taken', () => {
  assert.equal(contactIdFromName('Nicolò D’Àngelo'), 'nicolo-d-angelo');
  const r = rowsToContacts(['Name', 'Mobile'], [['Mario Rossi', '333 123 4567'], ['Mario Rossi', '(02) 1234-5678'], ['', ''], ['Mario Rossì', '3330000000']], { taken: new Set(['mario-rossi']) });
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.items.map((c) => c.id), ['mario-rossi-2', 'mario-rossi-3', 'mario-rossi-4']);
  assert.deepEqual(r.items[0]!.numbers, [{ type: 'mobile', number: '3331234567' }]);
  assert.deepEqual(r.lines, [2, 3, 5]);
});

test('every bad row and column is named', () => {
  const r = rowsToContacts(['id', 'name', 'work', 'email'], [
    ['ok', 'Fine Person', '021234567', ''],
    ['', '', '021234567', ''],
    ['Bad Id', 'Someone', 'abc', 'not-an-email'],
    ['ok', 'Twice', '0200000', ''],
    ['', 'No Number', '', ''],
  ]);
  const by = r.errors.map((e) => `${e.line}:${e.field}`);
  assert.deepEqual(by, ['3:name', '4:id', '4:work', '4:email', '5:id', '6:work']);
  assert.deepEqual(rowsToContacts(['name', 'phone'], []).errors.map((e) => e.message), ['unknown column "phone" (columns: id, name, company, work, mobile, home, fax, other, email)', 'a number column is missing (work, mobile, home, fax, other)']);
});
