// The Cisco profile (SPA5xx and 3PCC in one): recognising the phones and their file names, the
// SPA/3PCC differences, the codes its templates place, and the rendered files of the golden
// Cisco phone (an SPA504G) and of the same phone as a CP-8841-3PCC read back as XML.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PbxConfig } from '../../src/domain/model.ts';
import { cisco, ciscoDstRule, ciscoIs3pcc } from '../../src/provisioning/vendors/cisco.ts';
import { renderCommonFile } from '../../src/provisioning/render.ts';
import { timezoneInfo } from '../../src/provisioning/timezone.ts';
import { parseXml, xmlProblem } from '../../src/lib/xml.ts';
import { cisco as client, flatProfile } from '../lib/phones/cisco.ts';
import { GOLDEN_SERVER, goldenConfig, goldenVariant, goldenView, renderGolden } from '../lib/provisioning-golden.ts';

const golden = goldenConfig();
const MAC = '0002fdaabb06';
const variant = (change: Parameters<typeof goldenVariant>[1]) => goldenVariant('cisco', change);
const render = (config: PbxConfig, file: string) => renderGolden(config, 'cisco', file);
const viewOf = (config: PbxConfig) => goldenView(config, 'cisco');

test('identify: every user agent of the reference, and nothing of other vendors', () => {
  assert.deepEqual(cisco.identify('Cisco/SPA508G-7.4.4 (0002FDFF2103)(CBT141400UK)'), { model: 'SPA508G', mac: '0002fdff2103' });
  assert.deepEqual(cisco.identify('Cisco/SPA525G-7.4.7 (CBT141900G7)'), { model: 'SPA525G' }, 'no MAC in this one');
  assert.deepEqual(cisco.identify('Linksys/SPA-942-6.1.5(a) (88019FA42805)'), { model: 'SPA942' }, 'the parentheses hold the serial number');
  assert.deepEqual(cisco.identify('Cisco-CP-7832-3PCC/11.0.1 (00562b043615)'), { model: 'CP-7832-3PCC', mac: '00562b043615' });
  assert.deepEqual(cisco.identify(client.userAgent(MAC)), { model: 'SPA504G', mac: MAC });
  assert.equal(cisco.identify('Grandstream Model HW GXP1628 SW 1.0.4.138 DevId c074ad2bd859'), undefined);
  assert.equal(cisco.identify('Yealink SIP-T46S 66.86.0.15 00:15:65:aa:bb:01'), undefined);
});

test('match: $MA.xml and the directory are the phone\'s, spa<PSN>.cfg and <PSN>-3PCC.xml are bootstrap files', () => {
  assert.deepEqual(cisco.match(`${MAC}.xml`), { kind: 'phone', file: 'device', mac: MAC });
  assert.deepEqual(cisco.match('0002FDAABB06.xml'), { kind: 'phone', file: 'device', mac: MAC });
  assert.deepEqual(cisco.match(`cisco/${MAC}/directory.xml`), { kind: 'phone', file: 'directory', mac: MAC });
  // The PSN comes in the case the phone reports it.
  assert.deepEqual(cisco.match('spa504G.cfg'), { kind: 'common', file: 'bootstrap-spa', model: 'SPA504G' });
  assert.deepEqual(cisco.match('spa504g.cfg'), { kind: 'common', file: 'bootstrap-spa', model: 'SPA504G' });
  assert.deepEqual(cisco.match('SPA525G2.cfg'), { kind: 'common', file: 'bootstrap-spa', model: 'SPA525G2' });
  assert.deepEqual(cisco.match('spa301.cfg'), { kind: 'common', file: 'bootstrap-spa', model: 'SPA301' });
  assert.deepEqual(cisco.match('7841-3PCC.xml'), { kind: 'common', file: 'bootstrap-3pcc', model: 'CP-7841-3PCC' });
  assert.deepEqual(cisco.match('6841-3pcc.xml'), { kind: 'common', file: 'bootstrap-3pcc', model: 'CP-6841-3PCC' });
  assert.deepEqual(cisco.match('CP-8841-3PCC.xml'), { kind: 'common', file: 'bootstrap-3pcc', model: 'CP-8841-3PCC' });
  // Not a phone's.
  assert.equal(cisco.match('000000000000.xml'), undefined);
  assert.equal(cisco.match('cisco/000000000000/directory.xml'), undefined);
  assert.equal(cisco.match(`spa${MAC}.cfg`), undefined, 'a scanner probe, not a bootstrap');
  // Other vendors' names.
  for (const name of ['y000000000000.boot', '001565aabb01.cfg', `cfg${MAC}.xml`, '000413AABB02-tbook.xml', 'snomD715.htm', '000000000000.cfg', 'SEP0002FDAABB06.cnf.xml'])
    assert.equal(cisco.match(name), undefined, name);
  for (const c of cisco.commonFiles) assert.equal(cisco.match(c.example)?.kind, 'common');
});

test('SPA or 3PCC by model name', () => {
  for (const m of ['CP-7841-3PCC', 'CP-8841-3PCC', 'cp-6841-3pcc', '8851-3PCC', 'CP-9999']) assert.ok(ciscoIs3pcc(m), m);
  for (const m of ['SPA504G', 'SPA525G2', 'SPA301', 'SPA942']) assert.ok(!ciscoIs3pcc(m), m);
});

test('daylight saving rules as Cisco writes them (month/day/weekday/time, Sunday 7, -1 the last)', () => {
  assert.equal(ciscoDstRule(timezoneInfo('Europe/Rome')), 'start=3/-1/7/2:0:0;end=10/-1/7/3:0:0;save=1:0:0');
  assert.equal(ciscoDstRule(timezoneInfo('America/New_York')), 'start=3/8/7/2:0:0;end=11/1/7/2:0:0;save=1:0:0');
  assert.equal(ciscoDstRule(timezoneInfo('Asia/Tokyo')), '');
});

test('view: key functions, transport, language, time, provisioning and directory values', () => {
  const v = viewOf(golden);
  assert.equal(v.isSpa, true);
  assert.equal(v.transport, 'UDP');
  assert.equal(v.languageSelection, 'Italian');
  assert.equal(v.locale, 'it-IT');
  assert.equal(v.timeZone, 'GMT+01:00');
  assert.equal(v.dstEnable, 'Yes');
  assert.equal(v.resyncPeriodic, '86400');
  assert.equal(v.profileRule, 'http://192.0.2.10:8080/provisioning/$MA.xml');
  assert.equal(v.upgradeRule, '');
  assert.deepEqual(
    v.keys.map((k: any) => [k.extension, k.extendedFunction]),
    [
      ['1', ''],
      ['Disabled', 'fnc=sd+blf+cp;sub=201@$PROXY;nme=Alice Rossi'],
      ['Disabled', 'fnc=sd;ext=0612345678@$PROXY;nme=Rossi'],
    ],
  );

  const other = viewOf(
    variant((input, phone) => {
      input.provisioning = { transport: 'tcp', resyncMinutes: 0, ldap: false, xmlPhonebook: false };
      phone.language = 'en';
      phone.timezone = 'Asia/Tokyo';
      phone.httpAuth = { username: 'cs06', password: 'Hp4-kRt7Wq2x' };
      phone.keys = [{ type: 'park', slot: '701' }, { type: 'switch', switch: 'night' }, { type: 'dnd' }, { type: 'line', line: 1 }, { type: 'blf', extension: '202', label: 'Bruno=desk' }, { type: 'line', line: 1 }];
      input.phoneTemplates = [{ name: 'cs-fw', vendor: 'cisco', firmwareUrl: 'http://fw.example.com/spa50x-30x-7-6-2e.bin' }];
    }),
  );
  assert.equal(other.transport, 'TCP');
  assert.equal(other.languageSelection, 'English');
  assert.equal(other.locale, 'en-US');
  assert.equal(other.timeZone, 'GMT+09:00');
  assert.equal(other.dstEnable, 'No');
  assert.equal(other.dstRule, '');
  assert.equal(other.resyncPeriodic, '0', 'periodic resync off');
  assert.equal(other.profileRule, '[--uid cs06 --pwd Hp4-kRt7Wq2x]http://192.0.2.10:8080/provisioning/$MA.xml');
  assert.equal(other.upgradeRule, 'http://fw.example.com/spa50x-30x-7-6-2e.bin');
  assert.equal(other.ldapEnable, 'No');
  assert.equal(other.ldapAuthMethod, 'None');
  assert.equal(other.ldapServer, '');
  assert.equal(other.directoryUrl, '', 'XML phonebook off');
  assert.equal(other.xmlUser, '');
  // Park slot, switch code and DND code are watched without pickup; the SPA504G has 4 line keys, the rest go to the expansion module.
  assert.deepEqual(
    other.keys.map((k: any) => [k.onPhone, k.onUnit, k.onPhone ? k.extension : k.unitTag, k.extendedFunction]),
    [
      [true, false, 'Disabled', 'fnc=sd+blf;sub=701@$PROXY;nme=Park 701'],
      [true, false, 'Disabled', 'fnc=sd+blf;sub=*61@$PROXY;nme=Night service'],
      [true, false, 'Disabled', 'fnc=sd+blf;sub=*76206@$PROXY;nme=DND'],
      [true, false, '1', ''],
      [false, true, 'Unit_1_Key_1', 'fnc=sd+blf+cp;sub=202@$PROXY;nme=Bruno,desk'],
      [false, false, 'Unit_1_Key_2', ''],
    ],
  );
});

test('golden SPA504G: lines, server, password, keys, LDAP, time, provisioning', () => {
  const r = render(golden, 'device');
  assert.equal(r.name, `${MAC}.xml`);
  const fp = flatProfile(r.body);
  const expected: Record<string, string> = {
    Admin_Passwd: 'Ad7-mQw3Zx4k',
    Line_Enable_1_: 'Yes',
    Proxy_1_: '192.0.2.10:5060',
    SIP_Transport_1_: 'UDP',
    User_ID_1_: 'fabio',
    Auth_ID_1_: 'fabio',
    Password_1_: 'Tx3-hZm7Pw5v',
    Display_Name_1_: 'Fabio Conti',
    'Auth_Resync-Reboot_1_': 'No',
    Resync_From_SIP: 'Yes',
    Resync_On_Reset: 'Yes',
    Resync_Periodic: '86400',
    Profile_Rule: 'http://192.0.2.10:8080/provisioning/$MA.xml',
    Profile_Rule_B: '',
    Upgrade_Rule: '',
    Primary_NTP_Server: 'ntp1.example.com',
    Secondary_NTP_Server: 'ntp2.example.com',
    Time_Zone: 'GMT+01:00',
    Daylight_Saving_Time_Enable: 'Yes',
    Daylight_Saving_Time_Rule: 'start=3/-1/7/2:0:0;end=10/-1/7/3:0:0;save=1:0:0',
    Language_Selection: 'Italian',
    Voice_Mail_Number: '*97',
    Call_Pickup_Code: '**',
    Extension_1_: '1',
    Short_Name_1_: '206',
    Extension_2_: 'Disabled',
    Short_Name_2_: 'Alice Rossi',
    Extended_Function_2_: 'fnc=sd+blf+cp;sub=201@$PROXY;nme=Alice Rossi',
    Extension_3_: 'Disabled',
    Extended_Function_3_: 'fnc=sd;ext=0612345678@$PROXY;nme=Rossi',
    XML_Directory_Service_Name: 'Example Srl',
    XML_Directory_Service_URL: `http://192.0.2.10:8080/provisioning/cisco/${MAC}/directory.xml`,
    LDAP_Dir_Enable: 'Yes',
    LDAP_Server: '192.0.2.10',
    LDAP_Auth_Method: 'Simple',
    LDAP_Client_DN: 'uid=fabio,ou=devices,dc=pbx',
    LDAP_Password: 'Tx3-hZm7Pw5v',
    LDAP_Search_Base: 'ou=phonebook,dc=pbx',
  };
  for (const [k, v] of Object.entries(expected)) assert.equal(fp.get(k), v, k);
  assert.ok(!fp.has('Admin_Password'), 'SPA names it Admin_Passwd');
  assert.deepEqual(client.parse(r.body), { account: 'fabio', password: 'Tx3-hZm7Pw5v', server: '192.0.2.10', port: '5060' });
  assert.equal(client.mainFile(MAC), r.name);
});

test('the same phone as a CP-8841-3PCC: Admin_Password, 3PCC expansion keys, HTTP credentials', () => {
  const config = variant((_input, phone) => {
    phone.model = 'CP-8841-3PCC';
    phone.httpAuth = { username: 'cs06', password: 'Hp<4&kRt7Wq2x' };
    phone.keys = Array.from({ length: 11 }, (_, i) => ({ type: 'blf', extension: String(201 + (i % 8)) }));
  });
  const r = render(config, 'device');
  const fp = flatProfile(r.body);
  assert.equal(fp.get('Admin_Password'), 'Ad7-mQw3Zx4k');
  assert.ok(!fp.has('Admin_Passwd'));
  assert.ok(!fp.has('Use_Outbound_Proxy_1_'), 'an SPA element');
  assert.equal(fp.get('Profile_Rule'), '[--uid cs06 --pwd Hp<4&kRt7Wq2x]http://192.0.2.10:8080/provisioning/$MA.xml', 'escaped in XML, intact when read');
  assert.equal(fp.get('XML_User_Name'), 'cs06');
  assert.equal(fp.get('XML_Password'), 'Hp<4&kRt7Wq2x');
  assert.equal(fp.get('Extended_Function_10_'), 'fnc=sd+blf+cp;sub=202@$PROXY;nme=Bruno Bianchi');
  assert.equal(fp.get('Unit_1_Key_1_'), 'fnc=sd+blf+cp;sub=203@$PROXY;nme=Carla Verdi', 'key 11 is the first key of the expansion module');
});

test('directory: the company phonebook as CiscoIPPhoneDirectory, one entry per number', () => {
  const r = render(golden, 'directory');
  assert.equal(r.name, `cisco/${MAC}/directory.xml`);
  const dir = parseXml(r.body).CiscoIPPhoneDirectory as any;
  const entries = dir.DirectoryEntry as { Name: string; Telephone: string }[];
  assert.equal(entries.length, golden.extensions.length + golden.phonebook.reduce((n, c) => n + c.numbers.length, 0));
  assert.deepEqual(
    entries.filter((e) => e.Name.startsWith('Acme')),
    [
      { Name: 'Acme Spa', Telephone: '+390212345678' },
      { Name: 'Acme Spa (cellulare)', Telephone: '+393331234567' },
    ],
  );
  assert.ok(entries.some((e) => e.Name === 'Mario Rossi & Figli' && e.Telephone === '0612345678'));
  assert.deepEqual(
    dir.SoftKeyItem.map((s: any) => s.URL),
    ['SoftKey:Dial', 'SoftKey:Exit'],
  );
});

test('bootstrap files: Profile_Rule_B at the box\'s $MA.xml, no phone data', () => {
  for (const name of ['spa504G.cfg', '7841-3PCC.xml']) {
    const m = cisco.match(name)!;
    assert.equal(m.kind, 'common');
    const r = renderCommonFile(golden, cisco, m.file, name, GOLDEN_SERVER, m.kind === 'common' ? m.model : undefined)!;
    assert.equal(xmlProblem(r.body), undefined);
    const fp = flatProfile(r.body);
    assert.equal(fp.get('Profile_Rule_B'), 'http://192.0.2.10:8080/provisioning/$MA.xml', name);
    assert.equal(fp.get('Resync_On_Reset'), 'Yes');
    for (const secret of ['fabio', 'Tx3-hZm7Pw5v', 'Ad7-mQw3Zx4k', MAC]) assert.ok(!r.body.includes(secret), `${name}: ${secret}`);
  }
  const https = renderCommonFile(golden, cisco, 'bootstrap-spa', 'spa504g.cfg', { ...GOLDEN_SERVER, scheme: 'https', httpPort: 8443 }, 'SPA504G')!;
  assert.equal(flatProfile(https.body).get('Profile_Rule_B'), 'https://192.0.2.10:8443/provisioning/$MA.xml');
});
