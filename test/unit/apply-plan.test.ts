import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planReload } from '../../src/apply/reload-plan.ts';

const pjsip = (endpoints: string, bind = '0.0.0.0:5060') =>
  `[transport-udp]\ntype=transport\nprotocol=udp\nbind=${bind}\n\n[${endpoints}]\ntype=endpoint\n`;

test('only the modules of changed files reload, each once, in a fixed order', () => {
  const plan = planReload(
    { 'pjsip.conf': pjsip('201'), 'extensions.conf': 'a', 'pbx-lib.conf': 'x', 'rtp.conf': 'r' },
    { 'pjsip.conf': pjsip('202'), 'extensions.conf': 'b', 'pbx-lib.conf': 'y', 'rtp.conf': 'r' },
  );
  assert.deepEqual(plan.changedFiles, ['extensions.conf', 'pbx-lib.conf', 'pjsip.conf']);
  assert.deepEqual(plan.modules, ['res_pjsip.so', 'pbx_config.so']);
  assert.deepEqual(plan.restartRequired, []);
});

test('nothing changed, nothing reloads', () => {
  const files = { 'pjsip.conf': pjsip('201'), 'extensions.conf': 'a' };
  assert.deepEqual(planReload(files, { ...files }), { changedFiles: [], modules: [], restartRequired: [] });
});

test('a transport change or modules.conf needs a restart, which apply reports but never does', () => {
  const plan = planReload({ 'pjsip.conf': pjsip('201'), 'modules.conf': 'a' }, { 'pjsip.conf': pjsip('201', '0.0.0.0:5070'), 'modules.conf': 'b' });
  assert.deepEqual(plan.modules, ['res_pjsip.so']);
  assert.deepEqual(plan.restartRequired, ['modules.conf', 'pjsip.conf (transports)']);
});
