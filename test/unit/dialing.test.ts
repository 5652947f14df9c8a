// dialDecision must decide what the rendered dialplan decides. Besides cases written by hand,
// one test walks the rendered extensions.conf the way Asterisk searches it (a context's own
// extensions, then its includes in order) and compares every answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dialContext, dialDecision, matchesPattern, type DialDecision } from '../../src/domain/dialing.ts';
import { pbxConfigSchema, type PbxConfig } from '../../src/domain/model.ts';
import { classContext, renderExtensionsConf } from '../../src/render/extensions-conf.ts';
import type { RenderContext } from '../../src/render/types.ts';

const dev = (u: string) => ({ username: u, password: 'Xy7-long-pass' });

function config(): PbxConfig {
  return pbxConfigSchema.parse({
    extensions: [
      { number: '201', name: 'Alice', class: 'national', devices: [dev('201')] },
      { number: '202', name: 'Bob', class: 'world', devices: [dev('202')] },
      { number: '203', name: 'Carla', devices: [dev('203')] },
      { number: '413', name: 'Overlap', class: 'national', devices: [dev('413')] },
      { number: '204', name: 'Empty', class: 'nothing', devices: [] },
    ],
    trunks: [{ name: 'carrier1', type: 'ip', host: '127.0.0.2' }],
    outbound: {
      rules: [
        { name: 'mobile', patterns: ['3XXXXXXXXX'], trunks: ['carrier1'] },
        { name: 'landline', patterns: ['0[1-9]X.'], trunks: ['carrier1'] },
        { name: 'tollfree', patterns: ['0800XXXXXX'], trunks: ['carrier1'] },
        { name: 'international', patterns: ['00Z.'], strip: 2, prepend: '+', trunks: ['carrier1'] },
        { name: 'plus', patterns: ['+Z!'], trunks: ['carrier1'] },
        { name: 'service', patterns: ['*NX#', '4[13-5]X'], trunks: ['carrier1'] },
      ],
      classes: [
        // 0800... matches landline and tollfree: the class's order decides.
        { name: 'national', rules: ['mobile', 'landline', 'tollfree', 'service'] },
        { name: 'world', rules: ['international', 'tollfree', 'landline', 'mobile', 'plus'] },
        { name: 'nothing', rules: [] },
      ],
      emergency: ['112', '113'],
    },
  });
}

test('pattern letters: X is 0-9, Z is 1-9, N is 2-9', () => {
  assert.ok(matchesPattern('X', '0'));
  assert.ok(matchesPattern('X', '9'));
  assert.ok(matchesPattern('Z', '1'));
  assert.ok(!matchesPattern('Z', '0'));
  assert.ok(matchesPattern('N', '2'));
  assert.ok(!matchesPattern('N', '1'));
  assert.ok(!matchesPattern('X', '*'));
  assert.ok(!matchesPattern('X', '+'));
});

test('pattern sets and ranges: [1-5], [13-5], [0]', () => {
  assert.ok(matchesPattern('[1-5]', '1'));
  assert.ok(matchesPattern('[1-5]', '5'));
  assert.ok(!matchesPattern('[1-5]', '6'));
  assert.ok(matchesPattern('[13-5]', '1'));
  assert.ok(!matchesPattern('[13-5]', '2'));
  assert.ok(matchesPattern('[13-5]', '4'));
  assert.ok(matchesPattern('4[0]X', '405'));
  assert.ok(!matchesPattern('4[0]X', '415'));
});

test('a final . needs one or more characters, a final ! zero or more', () => {
  assert.ok(matchesPattern('0[1-9]X.', '0612'));
  assert.ok(matchesPattern('0[1-9]X.', '061234567890'));
  assert.ok(!matchesPattern('0[1-9]X.', '061'));
  assert.ok(matchesPattern('+Z!', '+4'));
  assert.ok(matchesPattern('+Z!', '+41234'));
  assert.ok(!matchesPattern('+Z!', '+'));
});

test('without wildcards a pattern is an exact number; lengths must match', () => {
  assert.ok(matchesPattern('112', '112'));
  assert.ok(!matchesPattern('112', '1120'));
  assert.ok(!matchesPattern('3XXXXXXXXX', '333123456'));
  assert.ok(matchesPattern('3XXXXXXXXX', '3331234567'));
  assert.ok(!matchesPattern('3XXXXXXXXX', '33312345678'));
  assert.ok(matchesPattern('*NX#', '*21#'));
  assert.ok(!matchesPattern('*NX#', '*21'));
});

test('extension numbers are internal for everyone, before any overlapping pattern', () => {
  const c = config();
  assert.deepEqual(dialDecision(c, '203', '201'), { kind: 'internal' });
  assert.deepEqual(dialDecision(c, '201', '202'), { kind: 'internal' });
  // 413 also matches the service rule's 4[13-5]X: the extension wins, as pbx-internal is included first.
  assert.ok(matchesPattern('4[13-5]X', '413'));
  assert.deepEqual(dialDecision(c, '201', '413'), { kind: 'internal' });
});

test('emergency numbers pass any class, and no class at all', () => {
  const c = config();
  assert.deepEqual(dialDecision(c, '203', '112'), { kind: 'emergency' });
  assert.deepEqual(dialDecision(c, '204', '113'), { kind: 'emergency' });
  assert.deepEqual(dialDecision(c, '201', '112'), { kind: 'emergency' });
});

test("a class reaches its rules' patterns, and names the first rule that matches", () => {
  const c = config();
  assert.deepEqual(dialDecision(c, '201', '3331234567'), { kind: 'external', rule: 'mobile' });
  assert.deepEqual(dialDecision(c, '201', '0612345678'), { kind: 'external', rule: 'landline' });
  assert.deepEqual(dialDecision(c, '201', '0800123456'), { kind: 'external', rule: 'landline' });
  assert.deepEqual(dialDecision(c, '202', '0800123456'), { kind: 'external', rule: 'tollfree' });
  assert.deepEqual(dialDecision(c, '201', '*21#'), { kind: 'external', rule: 'service' });
  assert.deepEqual(dialDecision(c, '202', '00441234567'), { kind: 'external', rule: 'international' });
  assert.deepEqual(dialDecision(c, '202', '+441234567'), { kind: 'external', rule: 'plus' });
});

test('numbers outside the class are refused with a reason', () => {
  const c = config();
  const d = dialDecision(c, '201', '00441234567');
  assert.equal(d.kind, 'refused');
  assert.match((d as { reason: string }).reason, /national.*201.*00441234567/);
  assert.equal(dialDecision(c, '202', '*21#').kind, 'refused');
  assert.equal(dialDecision(c, '204', '3331234567').kind, 'refused', 'a class without rules');
});

test('an extension without a class reaches internal and emergency numbers only', () => {
  const c = config();
  const d = dialDecision(c, '203', '3331234567');
  assert.equal(d.kind, 'refused');
  assert.match((d as { reason: string }).reason, /no calling class/);
});

test('unknown extensions, unknown classes and characters outside 0-9*#+ are refused', () => {
  const c = config();
  assert.equal(dialDecision(c, '299', '202').kind, 'refused');
  const broken = { ...c, extensions: c.extensions.map((e) => (e.number === '201' ? { ...e, class: 'gone' } : e)) };
  assert.match((dialDecision(broken, '201', '3331234567') as { reason: string }).reason, /"gone".*does not exist/);
  // 0[1-9]X. matches anything after 01 in Asterisk; the outbound library refuses such numbers.
  assert.equal(dialDecision(c, '201', '0144,2,00').kind, 'refused');
});

test('dialContext names the context the renderer gives the extension devices', () => {
  assert.equal(dialContext({ class: 'national' }), classContext('national'));
  assert.equal(dialContext({}), classContext(undefined));
});

/** Asterisk's search of a rendered extensions.conf: own extensions first, then includes in order. */
function walkRendered(text: string, context: string, number: string): DialDecision {
  const contexts = new Map<string, { includes: string[]; extens: string[] }>();
  let current: { includes: string[]; extens: string[] } | undefined;
  for (const line of text.split('\n')) {
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) contexts.set(header[1]!, (current = { includes: [], extens: [] }));
    else if (current && line.startsWith('include => ')) current.includes.push(line.slice('include => '.length));
    else if (current && /^exten => [^,]+,1,/.test(line)) current.extens.push(/^exten => ([^,]+),/.exec(line)![1]!);
  }
  const search = (name: string): string | undefined => {
    if (name === 'pbx-lib-refuse') return /^[0-9*#+]+$/.test(number) ? name : undefined;
    const ctx = contexts.get(name);
    assert.ok(ctx, `context ${name} is rendered`);
    if (ctx.extens.some((e) => (e.startsWith('_') ? matchesPattern(e.slice(1), number) : e === number))) return name;
    for (const inc of ctx.includes) {
      const hit = search(inc);
      if (hit) return hit;
    }
    return undefined;
  };
  const hit = search(context);
  if (hit === 'pbx-internal') return { kind: 'internal' };
  if (hit === 'pbx-emergency') return { kind: 'emergency' };
  if (hit?.startsWith('pbx-rule-')) return { kind: 'external', rule: hit.slice('pbx-rule-'.length) };
  return { kind: 'refused', reason: '' };
}

test('every extension x number: dialDecision agrees with a walk of the rendered dialplan', () => {
  const c = config();
  const { text } = renderExtensionsConf(c, { instanceDir: '/srv/pbx' } as RenderContext);
  const numbers = [
    '201', '202', '203', '413', '112', '113', '3331234567', '333123456', '0612345678', '061', '0800123456',
    '00441234567', '0044', '+441234567', '+4', '+', '*21#', '*11#', '413', '423', '453', '999', '1', '0',
  ];
  for (const ext of c.extensions) {
    for (const n of numbers) {
      const got = dialDecision(c, ext.number, n);
      const want = walkRendered(text, dialContext(ext), n);
      assert.equal(got.kind, want.kind, `${ext.number} dialling ${n}`);
      if (got.kind === 'external') assert.equal(got.rule, (want as { rule?: string }).rule, `${ext.number} dialling ${n}`);
    }
  }
});
