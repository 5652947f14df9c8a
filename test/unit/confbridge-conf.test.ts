// confbridge.conf and the dialplan of conference rooms, paging groups and intercom: pure
// rendering from the model, and the AstDB PIN entries the supervisor writes for the rooms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/domain/rules.ts';
import { renderAll } from '../../src/render/index.ts';
import { MENU_KEYS, pinDigits, pinMode, renderConfbridgeConf } from '../../src/render/confbridge-conf.ts';
import { conferenceChannelSchema, conferencePinEntries } from '../../src/services/conference-service.ts';
import { TEST_RENDER_CONTEXT, testDevice } from '../lib/render-context.ts';

const CTX = TEST_RENDER_CONTEXT;
const dev = testDevice;

const config = () =>
  parseConfig({
    system: { language: 'it' },
    extensions: [
      { number: '201', name: 'Alice', devices: [dev('alice')] },
      { number: '202', name: 'Bob', devices: [dev('bob'), dev('bob-desk')] },
    ],
    mohClasses: [{ name: 'jazz' }],
    conferences: [
      { name: 'team', number: '800', pin: '4711', adminPin: '5820', owner: '201', maxMembers: 8, musicClass: 'jazz', announceJoinLeave: true, language: 'en' },
      { name: 'open', number: '801', musicWhenAlone: false },
      { name: 'board', number: '802', adminPin: '582046' },
    ],
    pagingGroups: [
      { name: 'all', number: '850', members: ['201', '202'] },
      { name: 'talk', number: '851', members: ['202'], duplex: true },
    ],
  });

/** The key=value lines of one section of an ini text. */
function section(text: string, name: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(`[${name}]`);
  assert.ok(start >= 0, `section [${name}] in\n${text}`);
  const out: string[] = [];
  for (const l of lines.slice(start + 1)) {
    if (l.startsWith('[') || l === '') break;
    out.push(l);
  }
  return out;
}

test('each room gets a bridge profile and a participant and a moderator profile', () => {
  const text = renderConfbridgeConf(config());
  assert.deepEqual(section(text, 'pbx-bridge-team'), ['type=bridge', 'max_members=8', 'language=en']);
  assert.deepEqual(section(text, 'pbx-user-team'), [
    'type=user',
    'admin=no',
    'marked=no',
    'music_on_hold_when_empty=yes',
    'music_on_hold_class=jazz',
    'announce_only_user=yes',
    'announce_join_leave=yes',
    'dtmf_passthrough=no',
  ]);
  const admin = section(text, 'pbx-admin-team');
  assert.ok(admin.includes('admin=yes') && admin.includes('marked=yes'), admin.join('\n'));
  assert.ok(admin.includes('announce_join_leave=yes'));
  // Defaults: 20 members, the system language, the default music class, no name announcements.
  assert.deepEqual(section(text, 'pbx-bridge-open'), ['type=bridge', 'max_members=20', 'language=it']);
  const open = section(text, 'pbx-user-open');
  assert.ok(open.includes('music_on_hold_when_empty=no') && open.includes('music_on_hold_class=default') && open.includes('announce_join_leave=no'), open.join('\n'));
});

test('the menus: participants mute themselves; moderators also lock, remove the last one and leave', () => {
  const text = renderConfbridgeConf(config());
  assert.deepEqual(section(text, 'pbx-menu-participant'), ['type=menu', '1=toggle_mute']);
  assert.deepEqual(section(text, 'pbx-menu-moderator').sort(), ['type=menu', '0=leave_conference', '1=toggle_mute', '2=admin_toggle_conference_lock', '3=admin_kick_last'].sort());
  assert.equal(MENU_KEYS.moderator['2'], 'admin_toggle_conference_lock');
  // Page() builds its profiles on these.
  for (const s of ['default_bridge', 'default_user', 'default_menu']) section(text, s);
});

test('no PIN ever reaches a rendered file', () => {
  const files = renderAll(config(), CTX).files;
  for (const [name, text] of Object.entries(files)) {
    for (const pin of ['4711', '5820', '582046']) assert.ok(!text.includes(pin), `${name} holds PIN ${pin}`);
  }
});

test('a room is a context entered through pbx-lib-object, and its number is in pbx-internal', () => {
  const ext = renderAll(config(), CTX).files['extensions.conf']!;
  assert.match(ext, /^#include pbx-lib-conference\.conf$/m);
  assert.match(ext, /^exten => 800,1,Gosub\(pbx-lib-object,s,1\(conf,team\)\)$/m);
  assert.match(ext, /^\[pbx-conf-team\]\nexten => s,1,Gosub\(pbx-lib-conference,s,1\(team,201,required,4,en\)\)\n same => n,Return\(\)$/m);
  assert.match(ext, /^\[pbx-conf-open\]\nexten => s,1,Gosub\(pbx-lib-conference,s,1\(open,,none,0,\)\)$/m);
  assert.match(ext, /^\[pbx-conf-board\]\nexten => s,1,Gosub\(pbx-lib-conference,s,1\(board,,optional,6,\)\)$/m);
  const expected = renderAll(config(), CTX).expected.map((e) => `${e.kind}:${e.id}`);
  assert.ok(expected.includes('dialplan context:pbx-conf-team'));
});

test('paging groups page their members; the intercom code takes an extension', () => {
  const ext = renderAll(config(), CTX).files['extensions.conf']!;
  assert.match(ext, /^exten => 850,1,Gosub\(pbx-lib-page,s,1\(all,201&202,0\)\)$/m);
  assert.match(ext, /^exten => 851,1,Gosub\(pbx-lib-page,s,1\(talk,202,1\)\)$/m);
  const features = ext.slice(ext.indexOf('[pbx-features]'));
  assert.match(features, /^exten => _\*5X\.,1,Gosub\(pbx-lib-intercom,s,1\(\$\{FILTER\(0-9,\$\{EXTEN\}\)\},1\)\)$/m);
  const custom = parseConfig({ ...config(), featureCodes: { intercom: '*355' } });
  assert.match(renderAll(custom, CTX).files['extensions.conf']!, /^exten => _\*355X\.,1,Gosub\(pbx-lib-intercom,s,1\(\$\{FILTER\(0-9,\$\{EXTEN\}\)\},3\)\)$/m);
});

test('the module and the reload: app_confbridge and app_page are loaded', () => {
  const modules = renderAll(config(), CTX).files['modules.conf']!;
  assert.match(modules, /^load => app_confbridge\.so$/m);
  assert.match(modules, /^load => app_page\.so$/m);
});

test('PIN modes and the digits read', () => {
  assert.equal(pinMode({}), 'none');
  assert.equal(pinMode({ pin: '4711' }), 'required');
  assert.equal(pinMode({ pin: '4711', adminPin: '5820' }), 'required');
  assert.equal(pinMode({ adminPin: '5820' }), 'optional');
  assert.equal(pinDigits({ pin: '4711', adminPin: '5820' }), 4);
  assert.equal(pinDigits({ pin: '4711', adminPin: '582046' }), 0, 'lengths differ: read until #');
  assert.equal(pinDigits({}), 0);
});

test('the AstDB PIN entries: the PIN is the key, the role its value; a moderator-only room lets an empty entry in', () => {
  assert.deepEqual(conferencePinEntries({ name: 'team', pin: '4711', adminPin: '5820' }), [
    { family: 'pbx-pin/conf-team', key: '4711', value: 'user' },
    { family: 'pbx-pin/conf-team', key: '5820', value: 'admin' },
  ]);
  assert.deepEqual(conferencePinEntries({ name: 'board', adminPin: '582046' }), [
    { family: 'pbx-pin/conf-board', key: '582046', value: 'admin' },
    // pbx-pin/conf-board/ + '' : what Authenticate looks up for an empty entry.
    { family: 'pbx-pin', key: 'conf-board/', value: 'user' },
  ]);
  assert.deepEqual(conferencePinEntries({ name: 'open' }), []);
});

test('participant channels: Asterisk channel names only, never a line break or a keyword', () => {
  for (const ok of ['PJSIP/201-0000002a', 'Local/201@pbx-agent-00000001;1', 'PJSIP/bob-desk-00000003']) assert.equal(conferenceChannelSchema.safeParse(ok).success, true, ok);
  for (const bad of ['all', 'participants', 'PJSIP/201\r\nAction: Originate', 'PJSIP/201 x', '', 'PJSIP/', '/x']) assert.equal(conferenceChannelSchema.safeParse(bad).success, false, JSON.stringify(bad));
});
