// User feature codes without Asterisk: the PbxUserState events the dialplan sends, the decoding
// of forward targets, the call-back decision, the rendered codes, and the service's bookkeeping
// (what it writes to AstDB, what it stores in the model) over an in-memory AstDB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/domain/rules.ts';
import { callbackDecision, decodeDestination, internalDestination, parseUserStateEvent } from '../../src/domain/user-state.ts';
import { renderUserFeatureCodes } from '../../src/render/user-features.ts';
import { context } from '../../src/render/dialplan.ts';
import { encodeDestination } from '../../src/render/call-handling.ts';
import { openDatabase } from '../../src/store/db.ts';
import { ConfigStore } from '../../src/store/config-store.ts';
import { ConfigService } from '../../src/services/config-service.ts';
import { UserStateService } from '../../src/services/user-state-service.ts';

const dev = (u: string) => ({ username: u, password: `Pw-${u.replace(/\d/g, (d) => 'kmnpqrstvw'[Number(d)]!)}-x9Q` });
const model = {
  extensions: [
    { number: '201', name: 'Alice', class: 'national', devices: [dev('201')] },
    { number: '202', name: 'Bob', devices: [dev('202')] },
    { number: '203', name: 'Carla', devices: [] },
  ],
  trunks: [{ name: 't1', type: 'ip', host: '192.0.2.1' }],
  outbound: { rules: [{ name: 'mobile', patterns: ['3XXXXXXXXX'], trunks: ['t1'] }], classes: [{ name: 'national', rules: ['mobile'] }] },
  ringGroups: [{ name: 'sales', number: '600', members: [{ extension: '202' }] }],
  queues: [{ name: 'support', number: '610', members: [{ extension: '201' }], dynamicMembers: [{ extension: '202' }] }],
  voicemailBoxes: [{ number: '700', name: 'Team', pin: '582931' }],
};

test('PbxUserState events: each change, cleared values empty or absent, anything else ignored', () => {
  const ev = (fields: Record<string, string>) => ({ event: 'UserEvent', userevent: 'PbxUserState', extension: '201', by: '201', device: '201b', ...fields });
  assert.deepEqual(parseUserStateEvent(ev({ change: 'Dnd', dnd: '1' })), { extension: '201', by: '201', device: '201b', change: 'dnd', on: true });
  assert.deepEqual(parseUserStateEvent(ev({ change: 'Forward', forward: 'num/3331234567' })), { extension: '201', by: '201', device: '201b', change: 'forward', target: 'num/3331234567' });
  assert.equal((parseUserStateEvent(ev({ change: 'Forward', forward: '' })) as { target: string }).target, '');
  assert.equal((parseUserStateEvent(ev({ change: 'Forward' })) as { target: string }).target, '');
  assert.equal((parseUserStateEvent(ev({ change: 'Lock', lock: '0' })) as { locked: boolean }).locked, false);
  assert.equal((parseUserStateEvent(ev({ change: 'Callback', callback: '202' })) as { target: string }).target, '202');
  assert.equal(parseUserStateEvent(ev({ change: 'Dnd', dnd: 'yes' })), undefined);
  assert.equal(parseUserStateEvent(ev({ change: 'Forward', forward: 'ivr/main' })), undefined, 'a phone only sets ext/ or num/');
  assert.equal(parseUserStateEvent(ev({ change: 'Other' })), undefined);
  assert.equal(parseUserStateEvent({ ...ev({ change: 'Dnd', dnd: '1' }), extension: '2;1' }), undefined);
  assert.equal(parseUserStateEvent({ event: 'UserEvent', userevent: 'PbxSwitch', switch: 'night' }), undefined);
  assert.equal(parseUserStateEvent({ event: 'Newexten' }), undefined);
});

test('forward targets decode to model destinations: an internal number is what it reaches', () => {
  const config = parseConfig(model);
  assert.deepEqual(decodeDestination(config, 'ext/202'), { extension: '202' });
  assert.deepEqual(decodeDestination(config, 'ext/600'), { ringGroup: 'sales' });
  assert.deepEqual(decodeDestination(config, 'ext/610'), { queue: 'support' });
  assert.deepEqual(decodeDestination(config, 'ext/700'), { voicemail: '700', greeting: 'unavailable' });
  assert.equal(decodeDestination(config, 'ext/999'), undefined);
  assert.deepEqual(decodeDestination(config, 'num/3331234567'), { external: '3331234567' });
  assert.deepEqual(decodeDestination(config, 'group/sales'), { ringGroup: 'sales' });
  assert.deepEqual(decodeDestination(config, 'vm/700/b'), { voicemail: '700', greeting: 'busy' });
  assert.deepEqual(decodeDestination(config, 'hangup'), { hangup: true });
  assert.equal(decodeDestination(config, 'nonsense/x/y'), undefined);
  assert.deepEqual(internalDestination(config, '201'), { extension: '201' });
  // Round trip through the renderer's encoding.
  for (const d of [{ extension: '202' }, { ringGroup: 'sales' }, { external: '3331234567' }, { voicemail: '700', greeting: 'busy' as const }]) {
    assert.deepEqual(decodeDestination(config, encodeDestination(d)), d);
  }
});

test('call back: called once both are idle and the target not in DND; expires when old or without a hint', () => {
  const base = { targetState: 0, callerState: 0, targetDnd: false, ageMs: 1000, maxAgeMs: 60_000 };
  assert.equal(callbackDecision(base), 'call');
  assert.equal(callbackDecision({ ...base, targetState: 1 }), 'wait');
  assert.equal(callbackDecision({ ...base, callerState: 8 }), 'wait');
  assert.equal(callbackDecision({ ...base, callerState: 4 }), 'wait', 'an unregistered caller phone waits');
  assert.equal(callbackDecision({ ...base, targetDnd: true }), 'wait');
  assert.equal(callbackDecision({ ...base, ageMs: 60_000 }), 'expire');
  assert.equal(callbackDecision({ ...base, targetState: -1 }), 'expire');
});

test('rendered codes: DND with a BLF hint per extension, forward prefix, call return in the caller context, pause queues', () => {
  const config = parseConfig({ ...model, featureCodes: { forwardSet: '*21', dndToggle: '*66' } });
  const features = context('pbx-features');
  const extra = renderUserFeatureCodes(config, features);
  const text = features.lines.join('\n');
  assert.match(text, /^exten => \*78,1,Gosub\(pbx-lib-dnd,s,1\(on\)\)$/m);
  assert.match(text, /^exten => \*66201,hint,Custom:pbx-dnd-201$/m);
  assert.match(text, /^exten => \*66201,1,Gosub\(pbx-lib-dnd,s,1\(toggle,201\)\)$/m);
  assert.match(text, /^exten => \*66203,hint,Custom:pbx-dnd-203$/m, 'an extension without devices has its DND key too');
  assert.match(text, /^exten => _\*21X\.,1,Gosub\(pbx-lib-cf,s,1\(set,\$\{FILTER\(0-9,\$\{EXTEN\}\)\},2\)\)$/m);
  assert.match(text, /^exten => \*21,1,Gosub\(pbx-lib-cf,s,1\(set,,0\)\)$/m);
  assert.match(text, /^exten => \*73,1,Gosub\(pbx-lib-cf,s,1\(clear,,0\)\)$/m);
  assert.match(text, /^exten => \*69,1,Gosub\(pbx-lib-call-return,s,1\(\)\)\n same => n,Goto\(\$\{CONTEXT\},\$\{GOSUB_RETVAL\},1\)$/m);
  for (const code of ['*70', '*71', '*47', '*43', '*40', '*41']) assert.ok(text.includes(`exten => ${code},1,Gosub(`), code);
  assert.equal(extra.length, 1);
  assert.deepEqual(extra[0]!.lines, ['exten => 201,1,Return(support)', 'exten => 202,1,Return(support)']);
});

/** An in-memory AstDB and device states. */
function fakeAsterisk() {
  const db = new Map<string, string>();
  const devices = new Map<string, string>();
  const writes: string[] = [];
  return {
    db,
    devices,
    writes,
    ready: true,
    async dbGet(family: string, key: string) {
      return db.get(`${family}/${key}`);
    },
    async dbPut(family: string, key: string, value: string) {
      writes.push(`put ${family}/${key}=${value}`);
      db.set(`${family}/${key}`, value);
    },
    async dbDelTree(family: string) {
      writes.push(`del ${family}`);
      for (const k of [...db.keys()]) if (k === family || k.startsWith(`${family}/`)) db.delete(k);
    },
    async setDeviceState(device: string, state: string) {
      devices.set(device, state);
    },
    async registrations() {
      return [{ endpoint: '201', status: 'NonQual' }];
    },
  };
}

async function setup() {
  const store = new ConfigStore(openDatabase(join(mkdtempSync(join(tmpdir(), 'pbx-unit-')), 'pbx.sqlite')));
  const applied = new EventEmitter();
  const config = new ConfigService(store, { request: async () => (applied.emit('applied'), { ok: true, changed: true }), inSync: () => false });
  await config.replace(model, { name: 'test', source: 'unit' });
  const ast = fakeAsterisk();
  const events = new EventEmitter();
  const calledBack: string[] = [];
  const hints = new Map<string, number>([['201', 0], ['202', 1]]);
  const service = new UserStateService({
    config,
    runtime: ast,
    events,
    extensionState: async (exten) => hints.get(exten) ?? -1,
    encode: encodeDestination,
    callBack: async (caller, target) => void calledBack.push(`${caller}->${target}`),
    callbackPollMs: 10,
  });
  const settle = async () => {
    for (let i = 0; i < 5; i++) {
      await service.sync();
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  return { config, ast, events, service, calledBack, hints, settle };
}

const userEvent = (fields: Record<string, string>) => ({ event: 'UserEvent', userevent: 'PbxUserState', extension: '201', by: '201', device: '201', ...fields });

test('service: the model is written to AstDB in full at start, then only what changed', async () => {
  const { config, ast, service } = await setup();
  await service.start();
  assert.equal(ast.devices.get('Custom:pbx-dnd-201'), 'NOT_INUSE');
  await config.mutate({ name: 't', source: 'unit' }, { action: 'x', type: 'extension', key: '202' }, (d) => {
    d.extensions[1]!.dnd = true;
    d.extensions[1]!.forward.always = { ringGroup: 'sales' };
  });
  ast.writes.length = 0;
  await service.sync();
  assert.deepEqual(ast.writes, ['put pbx-dnd/202=1', 'put pbx-cf/202=group/sales'], 'only extension 202 is written');
  assert.equal(ast.devices.get('Custom:pbx-dnd-202'), 'INUSE');
  // An extension removed from the model loses its runtime state (its number may come back).
  ast.db.set('pbx-lock/203', '1');
  await config.mutate({ name: 't', source: 'unit' }, { action: 'x', type: 'extension', key: '203' }, (d) => {
    d.extensions.splice(2, 1);
  });
  await service.sync();
  assert.equal(ast.db.get('pbx-lock/203'), undefined);
  service.stop();
});

test('service: a phone change is stored in the model with the phone as actor; a refused forward is taken back', async () => {
  const { config, ast, events, service, settle } = await setup();
  await service.start();
  ast.db.set('pbx-dnd/201', '1');
  events.emit('event', userEvent({ change: 'Dnd', dnd: '1' }));
  await settle();
  assert.equal(config.get().extensions[0]!.dnd, true);
  const entry = config.auditLog({ action: 'extensions.dnd' })[0]!;
  assert.equal(entry.actor, 'extension 201');
  assert.match(entry.source, /phone 201/);

  // 600 is a ring group: the model stores the group.
  ast.db.set('pbx-cf/201', 'ext/600');
  events.emit('event', userEvent({ change: 'Forward', forward: 'ext/600' }));
  await settle();
  assert.deepEqual(config.get().extensions[0]!.forward.always, { ringGroup: 'sales' });
  assert.equal(ast.db.get('pbx-cf/201'), 'group/sales', 'the sync wrote the model back');

  // 0044... matches no rule of class national: refused, AstDB gets the model's value back.
  ast.db.set('pbx-cf/201', 'num/0044123456');
  events.emit('event', userEvent({ change: 'Forward', forward: 'num/0044123456' }));
  await settle();
  assert.deepEqual(config.get().extensions[0]!.forward.always, { ringGroup: 'sales' });
  assert.equal(ast.db.get('pbx-cf/201'), 'group/sales');

  ast.db.delete('pbx-cf/201');
  events.emit('event', userEvent({ change: 'Forward', forward: '' }));
  await settle();
  assert.equal(config.get().extensions[0]!.forward.always, undefined);
  service.stop();
});

test('service: state, lock through the API (audited), call back once both are idle', async () => {
  const { config, ast, events, service, calledBack, hints } = await setup();
  await service.start();
  ast.db.set('pbx-lastcaller/201', '3331234567');
  const seen: unknown[] = [];
  service.on('event', (e) => seen.push(e));
  const s = await service.setLock('201', true, { name: 'admin', source: 'api' });
  assert.equal(s.locked, true);
  assert.equal(s.lastCaller, '3331234567');
  assert.deepEqual(s.registeredDevices, ['201']);
  assert.equal(config.auditLog({ action: 'extensions.lock' })[0]!.actor, 'admin');
  assert.equal(seen.length, 1);
  await assert.rejects(service.state('299'), /does not exist/);

  ast.db.set('pbx-callback/201', '202');
  events.emit('event', userEvent({ change: 'Callback', callback: '202' }));
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(calledBack, [], '202 is in use: wait');
  hints.set('202', 0);
  const deadline = Date.now() + 2000;
  while (calledBack.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(calledBack, ['201->202']);
  assert.equal(ast.db.get('pbx-callback/201'), undefined, 'the request is cleared');
  service.stop();
});
