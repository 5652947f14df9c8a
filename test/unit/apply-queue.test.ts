// The apply queue: requests made while an apply runs collapse into one more apply.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Applier, type ConfigTarget } from '../../src/apply/applier.ts';
import { GenerationStore } from '../../src/apply/generations.ts';
import { createLogger } from '../../src/lib/log.ts';

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'pbx-apply-'));
  let revision = 0;
  const reloads: string[] = [];
  const target: ConfigTarget & { ready: boolean } = {
    ready: true,
    checkSyntax: async () => undefined,
    reload: async (m) => {
      reloads.push(m);
      await new Promise((r) => setTimeout(r, 20));
    },
    loadedObjects: async () => new Set(['pjsip endpoint:201']),
    logMark: () => 0,
    errorsSince: () => [],
  };
  const applier = new Applier({
    generations: new GenerationStore(dir),
    target,
    render: () => ({ revision, rendered: { files: { 'pjsip.conf': `; revision ${revision}\n` }, expected: [{ kind: 'pjsip endpoint', id: '201', owner: 'extension 201' }] } }),
    staticFiles: { 'pbx-lib.conf': '; lib\n' },
    logger: createLogger({ level: 'silent' }),
  });
  return { dir, applier, reloads, target, bump: () => ++revision };
}

test('ten requests during an apply cause one more apply, of the latest model', async () => {
  const { dir, applier, reloads, bump } = setup();
  applier.prepareForStart();
  bump();
  const first = applier.request();
  const later = Array.from({ length: 10 }, () => (bump(), applier.request()));
  const results = await Promise.all([first, ...later]);
  assert.ok(results.every((r) => r.ok));
  assert.deepEqual(reloads, ['res_pjsip.so', 'res_pjsip.so'], 'two applies, not eleven');
  assert.equal(results.at(-1)!.revision, 11);
  assert.equal(readFileSync(join(dir, 'pjsip.conf'), 'utf8'), '; revision 11\n');
  assert.match(readlinkSync(join(dir, 'current')), /^gen-\d{6}$/);
});

test('an apply with nothing changed reloads nothing', async () => {
  const { applier, reloads } = setup();
  applier.prepareForStart();
  const r = await applier.request();
  assert.equal(r.changed, false);
  assert.deepEqual(reloads, []);
});

test('with Asterisk unreachable, a change stays pending and nothing is switched; it applies when Asterisk is back', async () => {
  const { dir, applier, reloads, target, bump } = setup();
  applier.prepareForStart();
  const before = readlinkSync(join(dir, 'current'));
  target.ready = false;
  bump();
  const r = await applier.request();
  assert.equal(r.pending, true);
  assert.equal(applier.status.state, 'pending');
  assert.equal(readlinkSync(join(dir, 'current')), before, 'no unverified switch');
  assert.equal(applier.inSync(1), false);
  target.ready = true;
  const later = await applier.request();
  assert.equal(later.ok, true);
  assert.notEqual(readlinkSync(join(dir, 'current')), before);
  assert.deepEqual(reloads, ['res_pjsip.so']);
  assert.equal(applier.inSync(1), true);
});

test('at a restart Asterisk starts on the current generation, not on an unverified model', () => {
  const { dir, applier, bump } = setup();
  applier.prepareForStart();
  const before = readlinkSync(join(dir, 'current'));
  bump();
  applier.prepareForStart();
  assert.equal(readlinkSync(join(dir, 'current')), before);
  assert.equal(readFileSync(join(dir, 'pjsip.conf'), 'utf8'), '; revision 0\n');
});
