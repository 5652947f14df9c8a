// Rendering of call parking (res_parking.conf and the class contexts that reach it), the
// in-call codes (features.conf), pickup (pjsip groups, pbx-features codes) and music on hold
// (musiconhold.conf, the classes queues and parking name).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/domain/rules.ts';
import { renderAll } from '../../src/render/index.ts';
import { featuresConfSections, renderFeaturesConf } from '../../src/render/features-conf.ts';
import { renderMusicOnHoldConf } from '../../src/render/musiconhold-conf.ts';
import { PARK_CONTEXT, parkingSlots, renderResParkingConf } from '../../src/render/res-parking-conf.ts';
import { planReload } from '../../src/apply/reload-plan.ts';
import { MODULES } from '../../src/render/system-conf.ts';
import { mohFileName } from '../../src/media/moh-store.ts';
import { ValidationError } from '../../src/domain/errors.ts';
import { TEST_RENDER_CONTEXT, testDevice } from '../lib/render-context.ts';

const CTX = { ...TEST_RENDER_CONTEXT, deviceQualifySeconds: 0 };
const dev = testDevice;
const base = (extra: Record<string, unknown> = {}) =>
  parseConfig({
    extensions: [
      { number: '201', name: 'Alice', devices: [dev('alice')], pickupGroup: 3 },
      { number: '202', name: 'Bob', devices: [dev('bob')] },
    ],
    outbound: { classes: [{ name: 'local', rules: [] }] },
    mohClasses: [{ name: 'jazz', random: true }, { name: 'calm' }],
    queues: [
      { name: 'sales', members: [{ extension: '201' }], musicClass: 'jazz' },
      { name: 'plain', members: [{ extension: '202' }] },
    ],
    ...extra,
  });

/** The lines of one [section] of an ini-style file. */
function section(text: string, name: string): string[] {
  const m = new RegExp(`^\\[${name}\\]\\n((?:[^\\[\\n][^\\n]*\\n?)*)`, 'm').exec(text);
  assert.ok(m, `no [${name}] in\n${text}`);
  return m[1]!.split('\n').filter((l) => l && !l.startsWith(';'));
}

test('parking on: the lot has the park number, the slots with BLF hints, the timeout and the music class', () => {
  const config = base({ services: { parking: { enabled: true, number: '800', firstSlot: '801', slots: 5, timeout: 45, musicClass: 'calm' } } });
  const { text, expected } = renderResParkingConf(config);
  const lot = section(text, 'default');
  for (const line of ['context=pbx-park', 'parkext=800', 'parkext_exclusive=yes', 'parkpos=801-805', 'parkinghints=yes', 'parkingtime=45', 'comebacktoorigin=yes', 'parkedmusicclass=calm', 'findslot=first']) {
    assert.ok(lot.includes(line), `${line} in\n${lot.join('\n')}`);
  }
  assert.deepEqual(parkingSlots(config), ['801', '802', '803', '804', '805']);
  assert.deepEqual(expected, [{ kind: 'dialplan context', id: PARK_CONTEXT, owner: 'call parking' }]);
  assert.deepEqual(section(text, 'general'), ['parkeddynamic=no']);
});

test('parking off: the lot is rendered without a park number, so res_parking registers no extension', () => {
  const config = base();
  const { text, expected } = renderResParkingConf(config);
  const lot = section(text, 'default');
  assert.equal(lot.some((l) => l.startsWith('parkext=')), false, lot.join('\n'));
  assert.ok(lot.includes('parkedmusicclass=default'));
  assert.deepEqual(expected, []);
  const dialplan = renderAll(config, CTX).files['extensions.conf']!;
  assert.equal(dialplan.includes(`include => ${PARK_CONTEXT}`), false);
});

test('class contexts include the parking context after the features and before the outbound rules', () => {
  const config = base({ services: { parking: { enabled: true } } });
  const files = renderAll(config, CTX).files;
  for (const ctx of ['pbx-class-local', 'pbx-noclass']) {
    const includes = section(files['extensions.conf']!, ctx).map((l) => l.replace('include => ', ''));
    assert.deepEqual(includes.slice(0, 4), ['pbx-internal', 'pbx-features', PARK_CONTEXT, 'pbx-emergency'], ctx);
    assert.equal(includes.at(-1), 'pbx-lib-refuse');
  }
  assert.equal(section(files['extensions.conf']!, 'pbx-all-routes').includes(`include => ${PARK_CONTEXT}`), false, 'calls from outside sent out again cannot park');
  assert.ok(files['res_parking.conf']);
  assert.ok(renderAll(config, CTX).expected.some((e) => e.kind === 'dialplan context' && e.id === PARK_CONTEXT));
});

test('features.conf: the configured transfer codes, Asterisk\'s own pickup number off', () => {
  const config = base({ featureCodes: { blindTransfer: '#9', attendedTransfer: '*3' } });
  const text = renderFeaturesConf(config);
  const map = section(text, 'featuremap');
  assert.ok(map.includes('blindxfer=#9'), map.join('\n'));
  assert.ok(map.includes('atxfer=*3'));
  assert.ok(map.includes('parkcall='), 'no DTMF parking code');
  const general = section(text, 'general');
  assert.ok(general.includes('pickupexten='), 'chan_pjsip must not answer *8 before the dialplan');
  assert.ok(general.includes('transferdigittimeout=3'));
  assert.deepEqual(featuresConfSections(config).map((s) => s.name).slice(0, 2), ['general', 'featuremap']);
  assert.equal(renderAll(base(), CTX).files['features.conf']!.includes('blindxfer=##'), true, 'default blind transfer code');
  assert.ok(section(renderAll(base(), CTX).files['features.conf']!, 'featuremap').includes('atxfer=*2'));
});

test('pickup and transfer: endpoints carry the pickup group and the transfer context; the pickup codes call pbx-lib-pickup', () => {
  const files = renderAll(base({ featureCodes: { groupPickup: '*3', directedPickup: '*2' } }), CTX).files;
  const alice = files['pjsip.conf']!.split(/\n(?=\[)/).find((s) => s.startsWith('[alice]') && s.includes('type=endpoint'))!;
  assert.match(alice, /^call_group=3$/m);
  assert.match(alice, /^pickup_group=3$/m);
  // In-call transfer codes dial in the phone's class, not in the routine that dialled.
  assert.match(alice, /^set_var=TRANSFER_CONTEXT=pbx-noclass$/m);
  const bob = files['pjsip.conf']!.split(/\n(?=\[)/).find((s) => s.startsWith('[bob]') && s.includes('type=endpoint'))!;
  assert.doesNotMatch(bob, /call_group|pickup_group/);
  const features = section(files['extensions.conf']!, 'pbx-features').join('\n');
  assert.match(features, /^exten => \*3,1,Gosub\(pbx-lib-pickup,s,1\(group,,0\)\)$/m);
  // *2 then the extension: the filtered number is 2<ext>, one digit of code to skip.
  assert.match(features, /^exten => _\*2X\.,1,Gosub\(pbx-lib-pickup,s,1\(ext,\$\{FILTER\(0-9,\$\{EXTEN\}\)\},1\)\)$/m);
  const defaults = section(renderAll(base(), CTX).files['extensions.conf']!, 'pbx-features').join('\n');
  assert.match(defaults, /^exten => _\*\*X\.,1,Gosub\(pbx-lib-pickup,s,1\(ext,\$\{FILTER\(0-9,\$\{EXTEN\}\)\},0\)\)$/m);
  assert.match(defaults, /^exten => \*8,1,Gosub\(pbx-lib-pickup,s,1\(group,,0\)\)$/m);
});

test('musiconhold.conf: the built-in default class and one folder per class of the model', () => {
  const text = renderMusicOnHoldConf(base(), CTX);
  assert.deepEqual(section(text, 'default'), ['mode=files', 'directory=moh', 'sort=alpha']);
  assert.deepEqual(section(text, 'jazz'), ['mode=files', 'directory=/srv/pbx/moh/jazz', 'sort=random']);
  assert.deepEqual(section(text, 'calm'), ['mode=files', 'directory=/srv/pbx/moh/calm', 'sort=alpha']);
  assert.equal(renderAll(base(), CTX).files['musiconhold.conf'], text);
});

test('queues play their music class, the default one when they name none', () => {
  const queues = renderAll(base(), CTX).files['queues.conf']!;
  assert.ok(section(queues, 'pbx-queue-sales').includes('musicclass=jazz'));
  assert.ok(section(queues, 'pbx-queue-plain').includes('musicclass=default'));
});

test('modules and reloads: res_parking and app_directed_pickup are loaded; res_parking.conf reloads res_parking', () => {
  assert.ok(MODULES.includes('res_parking.so'));
  assert.ok(MODULES.includes('app_directed_pickup.so'));
  assert.ok(MODULES.includes('res_musiconhold.so'));
  const before = renderAll(base(), CTX).files;
  const after = renderAll(base({ services: { parking: { enabled: true } } }), CTX).files;
  const plan = planReload(before, after);
  assert.ok(plan.changedFiles.includes('res_parking.conf'));
  assert.ok(plan.modules.includes('res_parking.so'));
  assert.ok(plan.modules.includes('pbx_config.so'), 'the class contexts changed too');
  assert.deepEqual(plan.restartRequired, []);
  const moh = planReload(before, renderAll(base({ mohClasses: [{ name: 'jazz' }] }), CTX).files);
  assert.ok(moh.modules.includes('res_musiconhold.so'));
});

test('music file names: identifiers, an .mp3/.wav ending dropped, anything else refused', () => {
  assert.equal(mohFileName('intro'), 'intro');
  assert.equal(mohFileName('intro.MP3'), 'intro');
  assert.equal(mohFileName('track-2.wav'), 'track-2');
  for (const bad of ['../x', 'Intro', '2nd', 'a b', 'x.ogg', '', 'a'.repeat(33)]) {
    assert.throws(() => mohFileName(bad), ValidationError, bad);
  }
});
