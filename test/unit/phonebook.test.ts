import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nameLookup } from '../../src/domain/phonebook.ts';
import { pbxConfigSchema } from '../../src/domain/model.ts';

const config = pbxConfigSchema.parse({
  extensions: [{ number: '201', name: 'Alice' }],
  phonebook: [
    { id: 'lucia', name: 'Lucia Bianchi', company: 'ACME', numbers: [{ type: 'mobile', number: '+393471112299' }, { number: '0212345678' }] },
    { id: 'short', name: 'Pizzeria', numbers: [{ number: '4455' }] },
  ],
});

test('names come from extensions first, then the phonebook, in any national or international form', () => {
  const lookup = nameLookup(config);
  assert.equal(lookup('201'), 'Alice');
  assert.equal(lookup('+393471112299'), 'Lucia Bianchi (ACME)');
  assert.equal(lookup('00393471112299'), 'Lucia Bianchi (ACME)');
  assert.equal(lookup('3471112299'), 'Lucia Bianchi (ACME)', 'national form of an international entry');
  assert.equal(lookup('+390212345678'), 'Lucia Bianchi (ACME)', 'international form of a national entry');
  assert.equal(lookup('4455'), 'Pizzeria', 'short numbers match exactly');
  assert.equal(lookup('14455'), undefined, 'but not as a suffix');
  assert.equal(lookup('112299'), 'Lucia Bianchi (ACME)');
  assert.equal(lookup('3471112298'), undefined);
  assert.equal(lookup(''), undefined);
});
