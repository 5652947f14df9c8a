// Pure rules and rendering of inbound call handling: references, the number plan, loops,
// secrets, and the encodings the dialplan library reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/domain/rules.ts';
import { ValidationError, formatPath } from '../../src/domain/errors.ts';
import { referrersOf } from '../../src/domain/collections.ts';
import { encodeDestination, encodeTimes, lookupUrl, renderCallHandling } from '../../src/render/call-handling.ts';
import { renderDialplan } from '../../src/render/dialplan.ts';
import { timeConditionSchema, lookupSchema } from '../../src/domain/model.ts';

const dev = (u: string) => ({ username: u, password: `Qz7-Lmw-Tx4-${u.length}` });
const base = () => ({
  extensions: [
    { number: '201', name: 'Alice', devices: [dev('alice')] },
    { number: '202', name: 'Bob', devices: [dev('bob')] },
  ],
  outbound: { classes: [{ name: 'local', rules: [] }] },
  timeConditions: [{ name: 'office', bands: [{ days: ['mon'], from: '08:00', to: '12:00' }], inside: { extension: '201' }, outside: { ivr: 'main' } }],
  ivrs: [{ name: 'main', number: '700', greeting: { builtin: 'beep' }, options: [{ key: '1', destination: { ringGroup: 'sales' } }] }],
  ringGroups: [{ name: 'sales', number: '600', members: [{ extension: '201' }, { external: '3331234567' }] }],
});

function errorsOf(input: unknown): string[] {
  try {
    parseConfig(input);
  } catch (err) {
    assert.ok(err instanceof ValidationError, `expected ValidationError, got ${String(err)}`);
    return err.fields.map((f) => `${formatPath(f.path)}: ${f.message}`);
  }
  assert.fail('expected the configuration to be refused');
}

test('a configuration with time conditions, IVRs and groups parses', () => {
  const c = parseConfig(base());
  assert.equal(c.ivrs[0]!.retries, 2);
  assert.equal(c.ringGroups[0]!.strategy, 'all');
});

test('a destination naming an object that does not exist is refused, at its path', () => {
  const c = base();
  c.ivrs[0]!.options.push({ key: '2', destination: { queue: 'nope' } as never });
  assert.ok(errorsOf(c).includes('ivrs[0].options[1].destination.queue: queue nope does not exist'));
});

test('group, queue and IVR numbers share the number plan with extensions', () => {
  const c = base();
  c.ringGroups[0]!.number = '201';
  assert.ok(errorsOf(c).some((e) => e.startsWith('ringGroups[0].number: number 201 is already used by extension 201')));
  const d = base();
  d.ringGroups[0]!.number = '700';
  assert.ok(errorsOf(d).some((e) => e.includes('already used by') && e.includes('700')), errorsOf(d).join('\n'));
});

test('a loop of instant steps (time condition → switch → time condition) is refused; one through an IVR is allowed', () => {
  const c = {
    ...base(),
    switches: [{ name: 'night', states: [{ name: 'day', destination: { timeCondition: 'office' } }, { name: 'night', destination: { hangup: true } }] }],
  };
  c.timeConditions[0]!.inside = { switch: 'night' } as never;
  assert.ok(errorsOf(c).some((e) => e.includes('leads back to itself')), errorsOf(c).join('\n'));
  // The IVR waits for the caller: office → main → (key 9) office is a menu, not a loop.
  const ok = base();
  ok.ivrs[0]!.options.push({ key: '9', destination: { timeCondition: 'office' } as never });
  parseConfig(ok);
});

test('feature codes and switch codes may not overlap', () => {
  const c = { ...base(), switches: [{ name: 'night', code: '*4', states: [{ name: 'a', destination: { hangup: true } }, { name: 'b', destination: { hangup: true } }] }] };
  assert.ok(errorsOf(c).some((e) => e.startsWith('switches[0].code: code *4 is already used by (or overlaps) feature code agentLogin')));
});

test('a DISA PIN must not be short or obvious', () => {
  for (const pin of ['1234', '123456', '000000', '987654']) {
    const c = { ...base(), disa: [{ name: 'out', pin, class: 'local' }] };
    assert.ok(errorsOf(c).some((e) => e.startsWith('disa[0].pin')), pin);
  }
  parseConfig({ ...base(), disa: [{ name: 'out', pin: '583917', class: 'local' }] });
});

test('holidays: yearly ones may omit the year and wrap; dated ones need the year and an order', () => {
  const ok = timeConditionSchema.safeParse({ name: 't', holidays: [{ from: '12-31', to: '01-01', yearly: true }], inside: { hangup: true }, outside: { hangup: true } });
  assert.ok(ok.success);
  for (const h of [{ from: '12-31' }, { from: '2026-02-30' }, { from: '2026-05-02', to: '2026-05-01' }]) {
    assert.ok(!timeConditionSchema.safeParse({ name: 't', holidays: [h], inside: { hangup: true }, outside: { hangup: true } }).success, JSON.stringify(h));
  }
  assert.ok(!timeConditionSchema.safeParse({ name: 't', bands: [{ days: ['mon'], from: '18:00', to: '08:00' }], inside: { hangup: true }, outside: { hangup: true } }).success);
});

test('the encodings the dialplan library reads', () => {
  assert.deepEqual(
    encodeTimes({
      bands: [{ days: ['fri', 'mon', 'mon'], from: '08:30', to: '24:00' }],
      holidays: [{ from: '2026-12-24', to: '2026-12-26', yearly: false }, { from: '12-31', to: '01-01', yearly: true }, { from: '2026-08-15', yearly: true }],
    }),
    ['15-0830-2400', '20261224-20261226&1231-0101&0815-0815'],
  );
  assert.equal(encodeDestination({ ringGroup: 'sales' }), 'group/sales');
  assert.equal(encodeDestination({ timeCondition: 'office' }), 'time/office');
  assert.equal(encodeDestination({ announcement: 'closed' }), 'ann/closed');
  assert.equal(encodeDestination({ external: '+3906123' }), 'num/+3906123');
});

test('a lookup URL keeps its text and URL-encodes the placeholders; anything a dialplan could misread is refused', () => {
  assert.equal(
    lookupUrl('https://crm.example/r?c={digits}&from={caller}', 'x'),
    'https://crm.example/r?c=${URIENCODE(${PBX_LOOKUP_DIGITS})}&from=${URIENCODE(${PBX_LOOKUP_CALLER})}',
  );
  for (const url of ['https://crm.example/${SHELL(id)}', 'https://crm.example/a,b', 'https://crm.example/a;b', 'https://u:p@crm.example/', 'ftp://crm.example/']) {
    assert.ok(!lookupSchema.safeParse({ name: 'l', input: 'callerId', source: { url }, routes: [{ name: 'a', destination: { hangup: true } }], fallback: { hangup: true } }).success, url);
    if (!url.startsWith('https://u:p') && !url.startsWith('ftp')) assert.throws(() => lookupUrl(url, 'x'));
  }
});

test('deleting an object still used elsewhere is answered with who uses it', () => {
  const c = parseConfig(base());
  assert.deepEqual(referrersOf(c, 'ring group', 'sales'), ['IVR main (key 1)']);
  assert.deepEqual(referrersOf(c, 'IVR', 'main'), ['time condition office (outside)']);
  assert.deepEqual(referrersOf(c, 'extension', '201'), ['time condition office (inside)', 'ring group sales']);
});

test('rendered contexts: one per object, IVR keys as extensions, numbers in pbx-internal', () => {
  const c = parseConfig(base());
  const text = renderDialplan('t', '', renderCallHandling(c));
  assert.match(text, /^\[pbx-time-office\]\nexten => s,1,Gosub\(pbx-lib-time,s,1\(1-0800-1200,,ext\/201,ivr\/main,ivr\/main\)\)/m);
  assert.match(text, /^\[pbx-ivr-main\]$/m);
  // The caller's choice is a step of the route in the CDR, then the destination.
  assert.match(text, /^exten => 1,1,Gosub\(pbx-lib-cdr,s,1\(ivr\/main:1\)\)\n same => n,Gosub\(pbx-lib-dest,s,1\(group\/sales,pbx-all-routes\)\)$/m);
  assert.match(text, /^exten => s,1,Gosub\(pbx-lib-group,s,1\(sales,all,ext\/201\/20\/1&num\/3331234567\/20\/1,60,hangup,hangup,0,\)\)$/m);
});

test('PINs never reach the rendered dialplan (they are AstDB keys the supervisor writes)', async () => {
  const { renderAll } = await import('../../src/render/index.ts');
  const c = parseConfig({
    ...base(),
    disa: [{ name: 'out', pin: '583917', class: 'local' }],
    switches: [{ name: 'night', code: '*61', pin: '4711', states: [{ name: 'day', destination: { hangup: true } }, { name: 'night', destination: { hangup: true } }] }],
  });
  const files = renderAll(c, { instanceDir: '/srv/pbx' } as never).files;
  const all = Object.values(files).join('\n');
  assert.ok(!all.includes('583917') && !all.includes('4711'));
  assert.match(files['extensions.conf']!, /Gosub\(pbx-lib-disa,s,1\(out,6,pbx-class-local,\)\)/);
  assert.match(files['extensions.conf']!, /Gosub\(pbx-lib-switch-toggle,s,1\(night,day&night,4,\)\)/);
});
