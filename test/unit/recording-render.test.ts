// Call recording in the rendered files: every policy reaches its routine as the argument
// pbx-lib-rec-prepare reads (documented arg order of pbx-lib.conf), the caller extension's
// policy rides on its devices, the in-call code is in features.conf, MixMonitor is loaded; and
// the Range header of the audio download.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/domain/rules.ts';
import { renderAll } from '../../src/render/index.ts';
import { encodeRecording } from '../../src/render/recording.ts';
import { parseRange } from '../../src/api/recordings.ts';
import { TEST_RENDER_CONTEXT, testDevice } from '../lib/render-context.ts';

const CTX = TEST_RENDER_CONTEXT;
const dev = testDevice;
const always = { mode: 'always', calls: 'external', announce: true } as const;

const files = () =>
  renderAll(
    parseConfig({
      extensions: [
        { number: '201', name: 'Alice', devices: [dev('alice')], recording: { mode: 'onDemand', calls: 'internal', announce: false } },
        { number: '202', name: 'Bob', devices: [dev('bob')] },
      ],
      trunks: [{ name: 'carrier', type: 'ip', host: '192.0.2.1', qualify: false }],
      inboundRoutes: [{ did: '0612345678', destination: { extension: '201' }, recording: always }],
      outbound: { rules: [{ name: 'mobile', patterns: ['3XXXXXXXXX'], trunks: ['carrier'], recording: always }], classes: [{ name: 'c', rules: ['mobile'] }], emergency: ['112'] },
      ringGroups: [{ name: 'sales', number: '600', members: [{ extension: '202' }], recording: { mode: 'always', calls: 'all', announce: false } }],
      queues: [{ name: 'support', number: '610', members: [{ extension: '202' }], recording: { mode: 'onDemand', calls: 'all', announce: true } }],
      featureCodes: { inCallRecord: '*9' },
      services: { recording: { announcement: { builtin: 'beeperr' } } },
    }),
    CTX,
  ).files;

test('policies are encoded mode:calls:announce, never as empty', () => {
  assert.equal(encodeRecording({ mode: 'never', calls: 'all', announce: true }), '');
  assert.equal(encodeRecording({ mode: 'always', calls: 'external', announce: true }), 'always:external:1');
  assert.equal(encodeRecording({ mode: 'onDemand', calls: 'internal', announce: false }), 'onDemand:internal:0');
});

test('each policy reaches its routine as the documented argument', () => {
  const f = files();
  const ext = f['extensions.conf']!;
  assert.match(ext, /^exten => 201,1,Gosub\(pbx-lib-ext,s,1\(201,PJSIP\/alice,0,onDemand:internal:0,/m);
  assert.match(ext, /^exten => 202,1,Gosub\(pbx-lib-ext,s,1\(202,PJSIP\/bob,0,,/m);
  // pbx-lib-inbound ARG4, pbx-lib-outbound ARG6 (none for emergency numbers), pbx-lib-group ARG8, pbx-lib-queue ARG10.
  assert.match(ext, /^exten => 0612345678,1,Gosub\(pbx-lib-inbound,s,1\(ext\/201,0,\$\{FILTER\(0-9\*#\+,\$\{EXTEN\}\)\},always:external:1\)\)$/m);
  assert.match(ext, /^exten => _3XXXXXXXXX,1,Gosub\(pbx-lib-outbound,s,1\([^)]*\)\},\$\{LEN\(\$\{EXTEN\}\)\},0,,carrier:0:,always:external:1\)\)$/m);
  assert.match(ext, /^exten => 112,1,Gosub\(pbx-lib-outbound,s,1\([^)]*\)\},\$\{LEN\(\$\{EXTEN\}\)\},0,,carrier:0:\)\)$/m);
  assert.match(ext, /^exten => s,1,Gosub\(pbx-lib-group,s,1\(sales,all,ext\/202\/20\/1,60,hangup,hangup,0,always:all:0\)\)$/m);
  assert.match(ext, /^exten => s,1,Gosub\(pbx-lib-queue,s,1\(support,0,hangup,hangup,0,,,,,onDemand:all:1\)\)$/m);
  // The globals pbx-lib-recording.conf reads.
  assert.match(ext, /^PBX_REC_DIR=\/srv\/pbx\/spool\/pbx-recordings$/m);
  assert.match(ext, /^PBX_REC_PROMPT=builtin:beeperr$/m);
});

test('the caller extension policy rides on its devices; the in-call code and MixMonitor are configured', () => {
  const f = files();
  const alice = f['pjsip.conf']!.split(/\n(?=\[)/).find((s) => s.startsWith('[alice]') && /type=endpoint/.test(s))!;
  assert.match(alice, /^set_var=PBX_CALLER_REC=onDemand:internal:0$/m);
  const bob = f['pjsip.conf']!.split(/\n(?=\[)/).find((s) => s.startsWith('[bob]') && /type=endpoint/.test(s))!;
  assert.doesNotMatch(bob, /PBX_CALLER_REC/);
  assert.match(f['features.conf']!, /^\[applicationmap\]\npbxrec=\*9,peer,Gosub\(pbx-lib-rec-toggle,s,1\)$/m);
  assert.match(f['modules.conf']!, /^load => app_mixmonitor\.so$/m);
});

test('Range of the audio download: one range of bytes, clamped; others serve the whole file', () => {
  assert.equal(parseRange(undefined, 100), undefined);
  assert.deepEqual(parseRange('bytes=0-43', 100), { start: 0, end: 43 });
  assert.deepEqual(parseRange('bytes=90-', 100), { start: 90, end: 99 });
  assert.deepEqual(parseRange('bytes=50-500', 100), { start: 50, end: 99 });
  assert.deepEqual(parseRange('bytes=-10', 100), { start: 90, end: 99 });
  assert.equal(parseRange('bytes=100-', 100), 'unsatisfiable');
  assert.equal(parseRange('bytes=5-2', 100), 'unsatisfiable');
  assert.equal(parseRange('bytes=-0', 100), 'unsatisfiable');
  assert.equal(parseRange('bytes=0-1,5-6', 100), undefined);
  assert.equal(parseRange('items=0-1', 100), undefined);
});
