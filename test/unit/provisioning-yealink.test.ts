// The Yealink profile: how it recognises phones and names, the codes its view computes, and
// the files rendered for the golden model's T46S, parsed back and checked value by value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PbxConfig } from '../../src/domain/model.ts';
import { renderCommonFile } from '../../src/provisioning/render.ts';
import { timezoneInfo } from '../../src/provisioning/timezone.ts';
import { yealink, yealinkCommonFile, yealinkOffset, yealinkTime } from '../../src/provisioning/vendors/yealink.ts';
import { parseXml } from '../../src/lib/xml.ts';
import { parseYealinkCfg, yealink as yealinkClient } from '../lib/phones/yealink.ts';
import { GOLDEN_SERVER, goldenConfig, goldenPhone, goldenView, renderGolden } from '../lib/provisioning-golden.ts';

const T46S_MAC = '001565aabb01';

const phoneOf = (config: PbxConfig, mac = T46S_MAC) => goldenPhone(config, 'yealink', mac);
const render = (config: PbxConfig, file: string, mac = T46S_MAC) => renderGolden(config, 'yealink', file, mac).body;
const cfg = (config: PbxConfig, mac = T46S_MAC) => parseYealinkCfg(render(config, 'device', mac));
const viewOf = (config: PbxConfig, mac = T46S_MAC) => goldenView(config, 'yealink', mac);

test('identify: every User-Agent of the reference, MAC normalised', () => {
  assert.deepEqual(yealink.identify('Yealink SIP-T46G 28.72.0.1 00:15:65:4a:a9:37'), { model: 'T46G', mac: '0015654aa937' });
  assert.deepEqual(yealink.identify('Yealink SIP-T48G 35.72.0.6 00:15:65:5c:60:82'), { model: 'T48G', mac: '0015655c6082' });
  assert.deepEqual(yealink.identify('Yealink SIP-T33G 124.85.257.55 80:5e:c0:bd:ea:ef'), { model: 'T33G', mac: '805ec0bdeaef' });
  assert.deepEqual(yealink.identify('Yealink SIP VP-T49G 51.80.0.10 00:15:65:9b:5a:44'), { model: 'T49G', mac: '0015659b5a44' });
  assert.deepEqual(yealink.identify('Yealink W52P 25.80.0.15 00:15:65:b8:60:05'), { model: 'W52P', mac: '001565b86005' });
  assert.deepEqual(yealink.identify('Yealink-T46G 28.71.0.81 28.1.0.128.0.0.0'), { model: 'T46G' }, 'old builds: no MAC');
  assert.deepEqual(yealink.identify('yealink SIP-T46S 66.86.0.15 00:15:65:AA:BB:01'), { model: 'T46S', mac: '001565aabb01' });
  assert.deepEqual(yealink.identify('Yealink something new'), {}, "Yealink's, nothing known");
  assert.equal(yealink.identify('Fanvil X4 2.10.2.6887 0c383e07e16c'), undefined);
  assert.equal(yealink.identify('snom715/10.1.54.13'), undefined);
  assert.equal(yealink.identify(''), undefined);
});

test('match: boot, settings and phonebook files by lowercase MAC; model common files by code', () => {
  assert.deepEqual(yealink.match('001565aabbcc.boot'), { kind: 'phone', file: 'boot', mac: '001565aabbcc' });
  assert.deepEqual(yealink.match('001565aabbcc.cfg'), { kind: 'phone', file: 'device', mac: '001565aabbcc' });
  assert.deepEqual(yealink.match('001565aabbcc-phonebook.xml'), { kind: 'phone', file: 'phonebook', mac: '001565aabbcc' });
  assert.deepEqual(yealink.match('y000000000066.cfg'), { kind: 'common', file: 'common', model: 'T46S' });
  assert.deepEqual(yealink.match('y000000000095.cfg'), { kind: 'common', file: 'common', model: 'T53' }, 'T53 and T53W share it');
  assert.deepEqual(yealink.match('y000000000124.cfg'), { kind: 'common', file: 'common', model: 'T33G' });
  assert.deepEqual(yealink.match('y000000000999.cfg'), { kind: 'common', file: 'common' }, 'a model not built in still gets the common file');
  // Yealink writes the MAC in lowercase; the all-zero names are no phone's and the common boot file is not served.
  for (const name of ['001565AABBCC.cfg', '000000000000.cfg', '000000000000.boot', 'y000000000000.cfg', 'y000000000000.boot', '011565aabbcc.cfg', 'ffffffffffff.boot']) {
    assert.equal(yealink.match(name), undefined, name);
  }
  // Other vendors' names.
  for (const name of ['snomD715.htm', 'cfgc074adaabb03.xml', '0004f2aabb04-directory.xml', 'spa504G.cfg', 'F0V00X200000.cfg', '001565aabbcc.xml']) {
    assert.equal(yealink.match(name), undefined, name);
  }
  assert.equal(yealinkCommonFile('t46s'), 'y000000000066.cfg');
  assert.equal(yealinkCommonFile('T99X'), undefined);
});

test('every common file example matches its own id, every phone file name matches back to it', () => {
  for (const c of yealink.commonFiles) assert.deepEqual(yealink.match(c.example), { kind: 'common', file: c.id, model: 'T46S' });
  const mac = { lower: T46S_MAC, upper: T46S_MAC.toUpperCase(), colons: '00:15:65:aa:bb:01', colonsUpper: '00:15:65:AA:BB:01' };
  for (const f of yealink.files) assert.deepEqual(yealink.match(f.name(mac, 'T46S')), { kind: 'phone', file: f.id, mac: T46S_MAC });
});

test('view: key types, transport, language, MWI, provisioning settings', () => {
  const config = goldenConfig();
  const v = viewOf(config);
  const keys = v.keys as { type: string; keyType: string }[];
  assert.deepEqual(
    keys.map((k) => [k.type, k.keyType]),
    [['line', '15'], ['blf', '16'], ['park', '16'], ['switch', '16'], ['dnd', '16'], ['speedDial', '13']],
  );
  assert.equal(v.transportType, '0');
  assert.equal(v.languageName, 'English', "Alice's extension speaks English");
  assert.equal((v.lines as { subscribeMwi: string }[])[0]!.subscribeMwi, '1');
  assert.equal(v.repeatEnable, '1');
  assert.equal(v.repeatMinutes, '1440');
  assert.equal(v.firmware, '%NULL%');
  assert.equal(v.provisioningUser, '%NULL%');

  config.provisioning.transport = 'tcp';
  config.provisioning.resyncMinutes = 0;
  const p = phoneOf(config);
  p.language = 'it';
  p.httpAuth = { username: 'yl01', password: 'Pw8-xTq3Lm5z' };
  const w = viewOf(config);
  assert.equal(w.transportType, '1');
  assert.equal(w.languageName, 'Italian');
  assert.equal(w.repeatEnable, '0');
  assert.equal(w.repeatMinutes, '%NULL%');
  assert.equal(w.provisioningUser, 'yl01');
  assert.equal(w.provisioningPassword, 'Pw8-xTq3Lm5z');
  assert.equal(w.phonebookUrl, 'http://yl01:Pw8-xTq3Lm5z@192.0.2.10:8080/provisioning/001565aabb01-phonebook.xml');
});

test('time zone: offsets, Yealink zone names with automatic DST, explicit rules otherwise', () => {
  assert.equal(yealinkOffset(0), '0');
  assert.equal(yealinkOffset(3600), '+1');
  assert.equal(yealinkOffset(-5 * 3600), '-5');
  assert.equal(yealinkOffset(5.5 * 3600), '+5:30');
  assert.equal(yealinkOffset(-3.5 * 3600), '-3:30');
  assert.deepEqual(yealinkTime(timezoneInfo('Europe/Rome')), { offset: '+1', name: 'Italy(Rome)', summerTime: '2' });
  assert.deepEqual(yealinkTime(timezoneInfo('Europe/London')), { offset: '0', name: 'United Kingdom(London)', summerTime: '2' });
  assert.deepEqual(yealinkTime(timezoneInfo('America/New_York')), {
    offset: '-5',
    summerTime: '1',
    rule: { start: '3/2/7/2', end: '11/1/7/2', offsetMinutes: 60 },
  });
  assert.deepEqual(yealinkTime(timezoneInfo('Asia/Kolkata')), { offset: '+5:30', summerTime: '0' });
  assert.deepEqual(yealinkTime(timezoneInfo('UTC')), { offset: '0', summerTime: '0' });
});

test('the T46S settings file: account, server, keys, directory, time, administration', () => {
  const body = render(goldenConfig(), 'device');
  assert.ok(body.startsWith('#!version:1.0.0.1\n'), 'the version line comes first');
  const c = parseYealinkCfg(body);
  const expect: Record<string, string> = {
    'account.1.enable': '1',
    'account.1.user_name': 'alice-desk',
    'account.1.auth_name': 'alice-desk',
    'account.1.password': 'Kq7-vLm2Xw9z',
    'account.1.display_name': 'Alice Rossi',
    'account.1.label': '201',
    'account.1.sip_server.1.address': '192.0.2.10',
    'account.1.sip_server.1.port': '5060',
    'account.1.sip_server.1.transport_type': '0',
    'account.1.subscribe_mwi': '1',
    'voice_mail.number.1': '*97',
    'linekey.1.type': '15',
    'linekey.1.line': '1',
    'linekey.2.type': '16',
    'linekey.2.value': '202',
    'linekey.2.label': 'Bruno Bianchi',
    'linekey.2.pickup_value': '**',
    'linekey.3.type': '16',
    'linekey.3.value': '701',
    'linekey.4.type': '16',
    'linekey.4.value': '*61',
    'linekey.4.label': 'Night service',
    'linekey.5.type': '16',
    'linekey.5.value': '*76201',
    'linekey.6.type': '13',
    'linekey.6.value': '+390212345678',
    'linekey.6.label': 'Acme',
    'ldap.enable': '1',
    'ldap.host': '192.0.2.10',
    'ldap.port': '389',
    'ldap.base': 'ou=phonebook,dc=pbx',
    'ldap.user': 'uid=alice-desk,ou=devices,dc=pbx',
    'ldap.password': 'Kq7-vLm2Xw9z',
    'ldap.name_filter': '(|(cn=%)(sn=%)(givenName=%))',
    'features.remote_phonebook.enable': '1',
    'remote_phonebook.data.1.url': 'http://192.0.2.10:8080/provisioning/001565aabb01-phonebook.xml',
    'remote_phonebook.data.1.name': 'Example Srl',
    'local_time.ntp_server1': 'ntp1.example.com',
    'local_time.ntp_server2': 'ntp2.example.com',
    'local_time.time_zone': '+1',
    'local_time.time_zone_name': 'Italy(Rome)',
    'local_time.summer_time': '2',
    'lang.gui': 'English',
    'lang.wui': 'English',
    'static.security.user_name.admin': 'admin',
    'static.security.user_password': 'admin:Ad7-mQw3Zx9k',
    'static.auto_provision.server.url': 'http://192.0.2.10:8080/provisioning/',
    'static.auto_provision.repeat.enable': '1',
    'static.auto_provision.repeat.minutes': '1440',
    'static.firmware.url': '%NULL%',
    'sip.notify_reboot_enable': '0',
  };
  for (const [k, v] of Object.entries(expect)) assert.equal(c.get(k), v, k);
  assert.equal(c.has('linekey.3.pickup_value'), false, 'a park slot is not picked up with the pickup code');
  assert.equal(c.has('account.2.enable'), false);
});

test('the boot file loads the settings file and resets what it no longer sets', () => {
  const body = render(goldenConfig(), 'boot');
  const lines = body.split('\n').filter((l) => l && !l.startsWith('# '));
  assert.deepEqual(lines, ['#!version:1.0.0.1', 'include:config "001565aabb01.cfg"', 'overwrite_mode = 1']);
});

test('the phonebook: every entry with all its numbers', () => {
  const xml = parseXml(render(goldenConfig(), 'phonebook')) as { YealinkIPPhoneDirectory: { DirectoryEntry: { Name: string; Telephone: string | string[] }[] } };
  const entries = xml.YealinkIPPhoneDirectory.DirectoryEntry;
  assert.equal(entries.length, 10);
  assert.deepEqual(entries[0], { Name: 'Acme Spa', Telephone: ['+390212345678', '+393331234567'] });
  assert.deepEqual(entries.find((e) => e.Name === 'Bruno Bianchi'), { Name: 'Bruno Bianchi', Telephone: '202' });
  assert.ok(entries.some((e) => e.Name === 'Mario Rossi & Figli'), 'escaped and parsed back');
});

test('directory off, phonebook off, firmware and HTTP authentication set', () => {
  const config = goldenConfig();
  config.provisioning.ldap = false;
  config.provisioning.xmlPhonebook = false;
  config.phoneTemplates.push({ name: 'yl-fw', description: '', vendor: 'yealink', models: ['T46S'], files: [], vars: {}, firmwareUrl: 'http://fw.example.com/T46S-66.86.0.15.rom' } as PbxConfig['phoneTemplates'][number]);
  phoneOf(config).httpAuth = { username: 'yl01', password: 'Pw8-xTq3Lm5z' };
  const c = cfg(config);
  assert.equal(c.get('ldap.enable'), '0');
  assert.equal(c.has('ldap.host'), false);
  assert.equal(c.get('features.remote_phonebook.enable'), '0');
  assert.equal(c.get('remote_phonebook.data.1.url'), '%NULL%');
  assert.equal(c.get('static.firmware.url'), 'http://fw.example.com/T46S-66.86.0.15.rom');
  assert.equal(c.get('static.auto_provision.server.username'), 'yl01');
  assert.equal(c.get('static.auto_provision.server.password'), 'Pw8-xTq3Lm5z');
});

test('a zone without a Yealink name gets explicit DST rules; tcp transport', () => {
  const config = goldenConfig();
  config.provisioning.transport = 'tcp';
  phoneOf(config).timezone = 'America/New_York';
  const c = cfg(config);
  assert.equal(c.get('account.1.sip_server.1.transport_type'), '1');
  assert.equal(c.get('local_time.time_zone'), '-5');
  assert.equal(c.has('local_time.time_zone_name'), false);
  assert.equal(c.get('local_time.summer_time'), '1');
  assert.equal(c.get('local_time.dst_time_type'), '1');
  assert.equal(c.get('local_time.start_time'), '3/2/7/2');
  assert.equal(c.get('local_time.end_time'), '11/1/7/2');
  assert.equal(c.get('local_time.offset_time'), '60');
});

test('the generic model gets the same files; the common file holds no phone data', () => {
  const config = goldenConfig();
  const c = cfg(config, '001565aabb08');
  assert.equal(c.get('account.1.user_name'), 'luca');
  assert.equal(c.get('lang.gui'), 'Italian', 'the system language');
  assert.equal(c.get('linekey.1.type'), '15', 'no keys configured: one line key per line');
  const common = renderCommonFile(config, yealink, 'common', 'y000000000066.cfg', GOLDEN_SERVER, 'T46S')!.body;
  assert.ok(common.startsWith('#!version:1.0.0.1\n'));
  assert.equal(parseYealinkCfg(common).get('static.auto_provision.server.url'), 'http://192.0.2.10:8080/provisioning/');
  for (const secret of ['Kq7-vLm2Xw9z', 'Ad7-mQw3Zx9k', 'alice', 'password']) assert.ok(!common.includes(secret), secret);
});

test('the client description reads the account back from the served file', () => {
  assert.equal(yealinkClient.mainFile('00:15:65:AA:BB:01'), '001565aabb01.cfg');
  const body = render(goldenConfig(), 'device');
  assert.deepEqual(yealinkClient.parse(body), { account: 'alice-desk', password: 'Kq7-vLm2Xw9z', server: '192.0.2.10', port: '5060' });
  assert.deepEqual(yealinkClient.requests('00:15:65:AA:BB:01'), ['001565aabb01.boot', '001565aabb01.cfg']);
  assert.deepEqual(yealink.identify(yealinkClient.userAgent(T46S_MAC)), { model: 'T46S', mac: T46S_MAC });
  for (const name of yealinkClient.requests(T46S_MAC)) assert.equal(yealink.match(name)?.kind, 'phone', name);
});
