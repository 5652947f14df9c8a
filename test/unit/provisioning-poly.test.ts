// The Poly profile: recognising the phones and their file names, the codes its templates
// place, and the rendered files of the golden Poly phone read back as XML.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/domain/rules.ts';
import type { PbxConfig } from '../../src/domain/model.ts';
import { poly } from '../../src/provisioning/vendors/poly.ts';
import { renderCommonFile } from '../../src/provisioning/render.ts';
import { parseXml, xmlProblem } from '../../src/lib/xml.ts';
import { poly as client } from '../lib/phones/poly.ts';
import { GOLDEN_SERVER, goldenConfig, goldenInput, goldenView, renderGolden } from '../lib/provisioning-golden.ts';

const golden = goldenConfig();
const MAC = '0004f2aabb04';
const render = (config: PbxConfig, file: string) => renderGolden(config, 'poly', file);

/** Every attribute of the file (Poly parameters are attributes of any element). */
function attributes(body: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) n.forEach(walk);
    else if (n && typeof n === 'object')
      for (const [k, v] of Object.entries(n)) {
        if (k.startsWith('@_')) {
          assert.equal(out.has(k.slice(2)), false, `${k.slice(2)} is set once`);
          out.set(k.slice(2), v as string);
        } else walk(v);
      }
  };
  walk(parseXml(body));
  return out;
}
const items = (body: string) => {
  const i = (parseXml(body) as any).directory.item_list?.item ?? [];
  return (Array.isArray(i) ? i : [i]) as Record<string, string>[];
};

test('identify: the reference user agents (model only: no MAC), nothing of other vendors', () => {
  assert.deepEqual(poly.identify('FileTransport PolycomVVX-VVX_400-UA/4.1.4.7430 Type/Application'), { model: 'VVX400' });
  assert.deepEqual(poly.identify('FileTransport PolycomSoundPointIP-SPIP_335-UA/4.2.1.0275'), { model: 'SPIP335' });
  assert.deepEqual(poly.identify('FileTransport PolycomSoundStationIP-SSIP_6000-UA/5.0.3.1667 Type/Updater'), { model: 'SSIP6000' });
  assert.equal(poly.identify('Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 2010.12-00004-g9ba52f5 000413922D24 SXM:0 UXM:0)'), undefined);
  assert.equal(poly.identify('Gigaset N870 IP PRO/83.V2.11.0+build.a546b91;7C2F80E0D605'), undefined);
  assert.deepEqual(poly.identify(client.userAgent(MAC)), { model: client.model });
});

test('match: master, user, directory files in either case; the all-zero master is common', () => {
  assert.deepEqual(poly.match('0004f2aabb04.cfg'), { kind: 'phone', file: 'master', mac: MAC });
  assert.deepEqual(poly.match('0004F2AABB04.cfg'), { kind: 'phone', file: 'master', mac: MAC });
  assert.deepEqual(poly.match('0004f2aabb04-user.cfg'), { kind: 'phone', file: 'config', mac: MAC });
  assert.deepEqual(poly.match('0004F2AABB04-user.cfg'), { kind: 'phone', file: 'config', mac: MAC });
  assert.deepEqual(poly.match('0004f2aabb04-directory.xml'), { kind: 'phone', file: 'directory', mac: MAC });
  assert.deepEqual(poly.match('000000000000.cfg'), { kind: 'common', file: 'default-master' });
  for (const name of ['000000000000-user.cfg', '000000000000-directory.xml', '0004f2aabb04-phone.cfg', '0004f2aabb04-web.cfg', '0004f2aabb04-license.cfg', '0004f2aabb04-app.log', '0004f2aabb04-boot.log', 'sip.ld', 'ffffffffffff.cfg', '010000000000.cfg', 'y000000000000.boot', 'snomD715.htm', '0004f2aabb04.xml', 'polycom/0004f2aabb04.cfg'])
    assert.equal(poly.match(name), undefined, name);
  for (const f of poly.files) {
    const m = poly.match(f.name({ lower: MAC, upper: MAC.toUpperCase(), colons: '', colonsUpper: '' }, 'VVX450'));
    assert.ok(m && m.kind === 'phone' && m.file === f.id && m.mac === MAC, `${f.id} matches its own name`);
  }
});

test('view: transport, language, resource list, line keys, polling, DST', () => {
  const input = goldenInput();
  input.provisioning = { transport: 'tcp', resyncMinutes: 0 };
  input.system.timezone = 'America/New_York';
  const ph = input.phones.find((p: any) => p.vendor === 'poly');
  ph.language = 'en';
  ph.httpAuth = { username: 'poly04', password: 'Hp4-kRt7Wq2y' };
  ph.lines = [{ account: 'dario' }, { account: 'alice-dect' }];
  input.phones = input.phones.filter((p: any) => p.vendor !== 'gigaset');
  ph.keys = [{ type: 'line', line: 1 }, { type: 'line', line: 1 }, { type: 'line', line: 2 }, { type: 'blf', extension: '203' }, { type: 'park', slot: '701' }, { type: 'switch', switch: 'night' }, { type: 'dnd', line: 2 }, { type: 'speedDial', number: '0612345678', label: 'Rossi' }];
  const config = parseConfig(input);
  const v = goldenView(config, 'poly');
  assert.equal(v.transportName, 'TCPOnly');
  assert.equal(v.languageName, 'English_United_States');
  assert.deepEqual(v.attendants.map((a: any) => a.address), ['203', '701', '*61', '*76201']);

  const a = attributes(render(config, 'config').body);
  assert.equal(a.get('reg.1.server.1.transport'), 'TCPOnly');
  assert.equal(a.get('reg.1.lineKeys'), '2');
  assert.equal(a.get('reg.2.lineKeys'), '1');
  assert.equal(a.get('reg.2.address'), 'alice-dect');
  assert.equal(a.get('msg.mwi.2.subscribe'), 'alice-dect', 'the mailbox of a line with voicemail');
  assert.equal(a.get('msg.mwi.1.subscribe'), '');
  assert.equal(a.get('attendant.resourceList.4.address'), '*76201');
  assert.equal(a.get('attendant.resourceList.3.label'), 'Night service');
  assert.equal(a.get('lcl.ml.lang'), 'English_United_States');
  assert.equal(a.get('prov.polling.enabled'), '0');
  input.provisioning.resyncMinutes = 15;
  assert.equal(attributes(render(parseConfig(input), 'config').body).get('prov.polling.period'), '3601', 'the shortest period the phone takes');
  input.provisioning.resyncMinutes = 0;
  assert.equal(a.get('device.prov.user'), 'poly04');
  assert.equal(a.get('device.prov.password'), 'Hp4-kRt7Wq2y');
  assert.equal(a.get('tcpIpApp.sntp.gmtOffset'), '-18000');
  // US DST: second Sunday of March, first Sunday of November, at 2:00.
  assert.equal(a.get('tcpIpApp.sntp.daylightSavings.start.month'), '3');
  assert.equal(a.get('tcpIpApp.sntp.daylightSavings.start.date'), '8');
  assert.equal(a.get('tcpIpApp.sntp.daylightSavings.start.dayOfWeek'), '1');
  assert.equal(a.get('tcpIpApp.sntp.daylightSavings.start.dayOfWeek.lastInMonth'), '0');
  assert.equal(a.get('tcpIpApp.sntp.daylightSavings.stop.month'), '11');
  assert.equal(a.get('tcpIpApp.sntp.daylightSavings.stop.date'), '1');
  assert.equal(a.get('tcpIpApp.sntp.daylightSavings.stop.time'), '2');
  // The speed dial is the first directory entry with a speed-dial position; its number is not repeated.
  const dir = items(render(config, 'directory').body);
  assert.deepEqual(dir[0], { ln: 'Rossi', fn: '', ct: '0612345678', sd: '1', bw: '0', bb: '0', ad: '0', ar: '0' });
  assert.equal(dir.filter((i) => i.ct === '0612345678').length, 1);

  // No LDAP, no phonebook, no DST: each written off.
  input.provisioning.ldap = false;
  input.provisioning.xmlPhonebook = false;
  input.system.timezone = 'Asia/Tokyo';
  const off = parseConfig(input);
  const b = attributes(render(off, 'config').body);
  assert.equal(b.get('feature.corporateDirectory.enabled'), '0');
  assert.equal(b.has('dir.corp.password'), false);
  assert.equal(b.get('tcpIpApp.sntp.daylightSavings.enable'), '0');
  assert.equal(b.has('tcpIpApp.sntp.daylightSavings.start.month'), false);
  assert.deepEqual(items(render(off, 'directory').body).map((i) => i.ct), ['0612345678'], 'only the speed dial');
});

test('golden phone: account, server, password, BLF keys, LDAP, time, master file', () => {
  const r = render(golden, 'config');
  assert.equal(r.name, '0004f2aabb04-user.cfg');
  const a = attributes(r.body);
  assert.equal(a.get('reg.1.address'), 'dario');
  assert.equal(a.get('reg.1.auth.userId'), 'dario');
  assert.equal(a.get('reg.1.auth.password'), 'Wn2-bFh9Jr4s');
  assert.equal(a.get('reg.1.displayName'), 'Dario Neri');
  assert.equal(a.get('reg.1.label'), '204');
  assert.equal(a.get('reg.1.server.1.address'), '192.0.2.10');
  assert.equal(a.get('reg.1.server.1.port'), '5060');
  assert.equal(a.get('reg.1.server.1.transport'), 'UDPOnly');
  assert.equal(a.get('msg.mwi.1.callBack'), '*97');
  assert.equal(a.get('attendant.resourceList.1.address'), '201');
  assert.equal(a.get('attendant.resourceList.1.label'), 'Alice Rossi');
  assert.equal(a.get('attendant.resourceList.2.address'), '202');
  assert.equal(a.get('attendant.resourceList.2.type'), 'normal');
  assert.equal(a.get('call.directedCallPickupString'), '**');
  assert.equal(a.get('device.set'), '1');
  assert.equal(a.get('device.auth.localAdminPassword.set'), '1');
  assert.equal(a.get('device.auth.localAdminPassword'), 'Ad7-mQw3Zx6k');
  assert.equal(a.get('device.prov.serverName'), 'http://192.0.2.10:8080/provisioning/');
  assert.equal(a.get('device.prov.serverName.set'), '1');
  assert.equal(a.get('device.prov.serverType'), 'HTTP');
  assert.equal(a.get('prov.polling.period'), '86400');
  assert.equal(a.get('voIpProt.SIP.specialEvent.checkSync.alwaysReboot'), '0');
  assert.equal(a.get('tcpIpApp.sntp.address'), 'ntp1.example.com');
  assert.equal(a.get('tcpIpApp.sntp.gmtOffset'), '3600');
  assert.equal(a.get('tcpIpApp.sntp.daylightSavings.start.dayOfWeek.lastInMonth'), '1');
  assert.equal(a.get('lcl.ml.lang'), 'Italian_Italy');
  assert.equal(a.get('feature.corporateDirectory.enabled'), '1');
  assert.equal(a.get('dir.corp.address'), '192.0.2.10');
  assert.equal(a.get('dir.corp.baseDN'), 'ou=phonebook,dc=pbx');
  assert.equal(a.get('dir.corp.user'), 'uid=dario,ou=devices,dc=pbx');
  assert.equal(a.get('dir.corp.password'), 'Wn2-bFh9Jr4s');
  for (const [k] of a) if (k.startsWith('device.') && !k.endsWith('.set') && k !== 'device.set') assert.equal(a.get(`${k}.set`), '1', `${k} has its .set flag`);
  assert.deepEqual(client.parse(r.body), { account: 'dario', password: 'Wn2-bFh9Jr4s', server: '192.0.2.10', port: '5060' });

  const m = attributes(render(golden, 'master').body);
  assert.equal(m.get('CONFIG_FILES'), '0004f2aabb04-user.cfg');
  assert.equal(m.get('APP_FILE_PATH'), 'sip.ld');

  const dir = items(render(golden, 'directory').body);
  assert.ok(dir.some((i) => i.ln === 'Rossi & Figli' && i.fn === 'Mario' && i.ct === '0612345678' && i.sd === ''));
  assert.equal(new Set(dir.map((i) => i.ct)).size, dir.length, 'unique contact numbers');

  const c = renderCommonFile(golden, poly, 'default-master', '000000000000.cfg', GOLDEN_SERVER)!;
  assert.equal(xmlProblem(c.body), undefined);
  assert.equal(attributes(c.body).get('CONFIG_FILES'), '[PHONE_MAC_ADDRESS]-user.cfg');
});

test('firmware: the template firmware URL is the application path', () => {
  const input = goldenInput();
  input.phoneTemplates = [{ name: 'poly-fw', vendor: 'poly', firmwareUrl: 'http://fw.example.com/vvx/sip.ld' }];
  assert.equal(attributes(render(parseConfig(input), 'master').body).get('APP_FILE_PATH'), 'http://fw.example.com/vvx/sip.ld');
});

test('the phone client spec asks for names the profile answers', () => {
  const names = client.requests(MAC);
  assert.deepEqual(names.map((n) => poly.match(n)?.file), ['master', 'config', 'directory']);
  assert.equal(client.mainFile(MAC), names[1]);
});
