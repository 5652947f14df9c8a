// Resync/reboot through SIP NOTIFY: the pjsip_notify.conf sections and the notifier that picks
// phones and sends each its vendor's section (with a recording fake of the AMI send).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/domain/rules.ts';
import { NOTIFY_EVENTS, VENDORS, notifySection } from '../../src/domain/phones.ts';
import { NotFoundError, ValidationError } from '../../src/domain/errors.ts';
import { renderPjsipNotifyConf } from '../../src/render/pjsip-notify-conf.ts';
import { planReload } from '../../src/apply/reload-plan.ts';
import { MODULES } from '../../src/render/system-conf.ts';
import { PhoneNotifier } from '../../src/provisioning/notify.ts';
import { notifyRequestSchema } from '../../src/domain/provisioning.ts';

const dev = (u: string) => ({ username: u, password: 'Kq7-vWz2pLm-Tx9' });
const config = parseConfig({
  extensions: [
    { number: '201', name: 'Anna', devices: [dev('201'), dev('201b')] },
    { number: '202', name: 'Bruno', devices: [dev('202')] },
    { number: '203', name: 'Carla', devices: [dev('203')] },
    { number: '204', name: 'Dario', devices: [dev('204')] },
  ],
  phones: [
    { mac: '00:15:65:00:00:01', vendor: 'yealink', model: 'T46S', lines: [{ account: '201' }, { account: '201b' }], adminPassword: 'Adm1n-Pass-yl01' },
    { mac: '000413000002', vendor: 'snom', model: 'D715', lines: [{ account: '202' }], adminPassword: 'Adm1n-Pass-sn02' },
    { mac: '00-0B-82-00-00-03', vendor: 'grandstream', model: 'GXP2170', lines: [{ account: '203' }], adminPassword: 'Adm1n-Pass-gs03' },
    { mac: '001565000004', vendor: 'yealink', model: 't54w', lines: [{ account: '204' }], adminPassword: 'Adm1n-Pass-yl04' },
  ],
});

function notifier(opts: { registered?: Set<string>; failFor?: string } = {}) {
  const sent: [string, string][] = [];
  const n = new PhoneNotifier({
    config: () => config,
    send: async (endpoint, option) => {
      if (endpoint === opts.failFor) throw new Error('Unable to send NOTIFY');
      sent.push([endpoint, option]);
    },
    ...(opts.registered ? { registered: async (e: string) => opts.registered!.has(e) } : {}),
  });
  return { n, sent };
}
const req = (r: unknown) => notifyRequestSchema.parse(r);

test('pjsip_notify.conf: one section per vendor and action, Event with ; escaped', () => {
  const text = renderPjsipNotifyConf();
  for (const v of VENDORS)
    for (const a of ['resync', 'reboot'] as const) {
      const section = text.split(`[${notifySection(v, a)}]\n`)[1];
      assert.ok(section, `${v} ${a}`);
      const line = section.split('\n')[0]!;
      assert.equal(line, `Event=>${NOTIFY_EVENTS[v][a].replace(/;/g, '\\;')}`);
    }
  assert.match(text, /^\[pbx-yealink-resync\]\nEvent=>check-sync\\;reboot=false$/m);
  assert.match(text, /^\[pbx-cisco-reboot\]\nEvent=>reboot_now$/m);
  // Every ; not escaped starts a comment: only whole comment lines may have one.
  for (const l of text.split('\n')) if (!l.startsWith(';')) assert.doesNotMatch(l.replace(/\\;/g, ''), /;/, l);
});

test('pjsip_notify.conf is loaded and reloads res_pjsip_notify.so', () => {
  assert.ok(MODULES.includes('res_pjsip_notify.so'));
  const plan = planReload({ 'pjsip_notify.conf': 'a' }, { 'pjsip_notify.conf': 'b' });
  assert.deepEqual(plan.modules, ['res_pjsip_notify.so']);
});

test('one MAC in any notation: its first line, its vendor’s section', async () => {
  const { n, sent } = notifier();
  assert.deepEqual(await n.notify(req({ mac: '00:15:65:00:00:01' })), [{ mac: '001565000001', account: '201', ok: true }]);
  assert.deepEqual(await n.notify(req({ mac: '00-04-13-00-00-02', action: 'reboot' })), [{ mac: '000413000002', account: '202', ok: true }]);
  assert.deepEqual(sent, [
    ['201', 'pbx-yealink-resync'],
    ['202', 'pbx-snom-reboot'],
  ]);
});

test('an unknown or malformed MAC is an error before anything is sent', async () => {
  const { n, sent } = notifier();
  await assert.rejects(n.notify(req({ mac: '00:15:65:99:99:99' })), NotFoundError);
  await assert.rejects(n.notify(req({ mac: 'not-a-mac' })), ValidationError);
  assert.equal(sent.length, 0);
});

test('a vendor, a vendor and model (any case), all', async () => {
  let { n, sent } = notifier();
  assert.deepEqual((await n.notify(req({ vendor: 'yealink' }))).map((r) => r.mac), ['001565000001', '001565000004']);
  assert.deepEqual((await n.notify(req({ vendor: 'yealink', model: 'T54W' }))).map((r) => r.mac), ['001565000004']);
  assert.deepEqual(await n.notify(req({ vendor: 'fanvil' })), []);
  ({ n, sent } = notifier());
  const all = await n.notify(req({ all: true, action: 'reboot' }));
  assert.equal(all.length, 4);
  assert.ok(all.every((r) => r.ok));
  assert.deepEqual(sent.map(([, o]) => o).sort(), ['pbx-grandstream-reboot', 'pbx-snom-reboot', 'pbx-yealink-reboot', 'pbx-yealink-reboot']);
});

test('unregistered accounts are not sent to; a failing send is that phone’s error only', async () => {
  const { n, sent } = notifier({ registered: new Set(['201', '203', '204']), failFor: '203' });
  const results = await n.notify(req({ all: true }));
  assert.deepEqual(results, [
    { mac: '001565000001', account: '201', ok: true },
    { mac: '000413000002', account: '202', ok: false, error: 'not registered' },
    { mac: '000b82000003', account: '203', ok: false, error: 'Unable to send NOTIFY' },
    { mac: '001565000004', account: '204', ok: true },
  ]);
  assert.deepEqual(sent.map(([e]) => e).sort(), ['201', '204']);
});

test('the request names exactly one target', () => {
  assert.equal(notifyRequestSchema.safeParse({}).success, false);
  assert.equal(notifyRequestSchema.safeParse({ mac: '001565000001', all: true }).success, false);
  assert.equal(notifyRequestSchema.safeParse({ model: 'T46S' }).success, true);
});
