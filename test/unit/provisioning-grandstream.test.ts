// The Grandstream profile: recognising the phones and their file names, the schema each model
// gets, the codes its templates place, and the rendered files of the golden Grandstream phone
// (a GXP2170, config v2) and of the same phone as a GXP1628 (config v1) read back as XML.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PbxConfig } from '../../src/domain/model.ts';
import { grandstream, grandstreamTimezone, grandstreamUsesV2 } from '../../src/provisioning/vendors/grandstream.ts';
import { renderCommonFile } from '../../src/provisioning/render.ts';
import { timezoneInfo } from '../../src/provisioning/timezone.ts';
import { parseXml, xmlProblem } from '../../src/lib/xml.ts';
import { grandstream as client, grandstreamSettings } from '../lib/phones/grandstream.ts';
import { GOLDEN_SERVER, goldenConfig, goldenVariant, goldenView, renderGolden } from '../lib/provisioning-golden.ts';

const golden = goldenConfig();
const MAC = 'c074adaabb03';
/** The golden model with the Grandstream phone (and anything else) changed. */
const variant = (change: Parameters<typeof goldenVariant>[1]) => goldenVariant('grandstream', change);
const render = (config: PbxConfig, file: string) => renderGolden(config, 'grandstream', file);
const viewOf = (config: PbxConfig) => goldenView(config, 'grandstream');

test('identify: every user agent of the reference, and nothing of other vendors', () => {
  assert.deepEqual(grandstream.identify('Grandstream Model HW GXP1628 SW 1.0.4.138 DevId c074ad2bd859'), { model: 'GXP1628', mac: 'c074ad2bd859' });
  assert.deepEqual(grandstream.identify('Grandstream Model HW GRP2614 SW 1.0.5.15 DevId c074ad0b63ee'), { model: 'GRP2614', mac: 'c074ad0b63ee' });
  assert.deepEqual(grandstream.identify('Grandstream Model HW GXV3350  V1.3A SW 1.0.1.8 DevId c074ad150b88'), { model: 'GXV3350', mac: 'c074ad150b88' });
  assert.deepEqual(grandstream.identify('Grandstream GXP2000 (gxp2000e.bin:1.2.5.3/boot55e.bin:1.1.6.9) DevId 000b822726c8'), { model: 'GXP2000', mac: '000b822726c8' });
  assert.deepEqual(grandstream.identify(client.userAgent(MAC)), { model: 'GXP2170', mac: MAC });
  assert.equal(grandstream.identify('Yealink SIP-T46S 66.86.0.15 00:15:65:aa:bb:01'), undefined);
  assert.equal(grandstream.identify('Cisco/SPA508G-7.4.4 (0002FDFF2103)(CBT141400UK)'), undefined);
});

test('match: cfg<mac>.xml and the phonebook are the phone\'s, cfg<model>.xml and cfg.xml common, the binary cfg<mac> nothing', () => {
  assert.deepEqual(grandstream.match(`cfg${MAC}.xml`), { kind: 'phone', file: 'device', mac: MAC });
  assert.deepEqual(grandstream.match('cfgC074ADAABB03.xml'), { kind: 'phone', file: 'device', mac: MAC });
  assert.deepEqual(grandstream.match(`gs/${MAC}/phonebook.xml`), { kind: 'phone', file: 'phonebook', mac: MAC });
  assert.deepEqual(grandstream.match(`gs/${MAC}//phonebook.xml`), { kind: 'phone', file: 'phonebook', mac: MAC }, 'path ending in / plus /phonebook.xml');
  assert.deepEqual(grandstream.match('cfggrp2614.xml'), { kind: 'common', file: 'common', model: 'GRP2614' });
  assert.deepEqual(grandstream.match('cfggxp2170.xml'), { kind: 'common', file: 'common', model: 'GXP2170' });
  assert.deepEqual(grandstream.match('cfggxv3350.xml'), { kind: 'common', file: 'common', model: 'GXV3350' });
  assert.deepEqual(grandstream.match('cfg.xml'), { kind: 'common', file: 'common' });
  // The binary config is not served: 404 makes the phone ask for the XML.
  assert.equal(grandstream.match(`cfg${MAC}`), undefined);
  assert.equal(grandstream.match(`cfg${MAC}.bin`), undefined);
  // Not a phone and not a model.
  assert.equal(grandstream.match('cfg000000000000.xml'), undefined);
  assert.equal(grandstream.match('cfgffffffffffff.xml'), undefined);
  assert.equal(grandstream.match('gs/000000000000/phonebook.xml'), undefined);
  // Other vendors' names.
  for (const name of ['y000000000000.boot', '001565aabb01.cfg', '0002fdaabb06.xml', 'spa504G.cfg', 'snomD715.htm', '000000000000.cfg', 'phonebook.xml'])
    assert.equal(grandstream.match(name), undefined, name);
  for (const c of grandstream.commonFiles) assert.equal(grandstream.match(c.example)?.kind, 'common');
});

test('schema per model: config v2 for GXP21xx and GRP26xx, v1 (P-values) for GXP16xx/17xx and unknown models', () => {
  const device = grandstream.files.find((f) => f.id === 'device')!;
  for (const m of ['GXP2130', 'GXP2135', 'GXP2170', 'GRP2612', 'GRP2614', 'grp2616']) {
    assert.ok(grandstreamUsesV2(m), m);
    assert.equal(device.template!(m), 'device-v2');
  }
  for (const m of ['GXP1610', 'GXP1628', 'GXP1630', 'GXP1760', 'GXP1782', 'HT802', 'GXV3350']) {
    assert.ok(!grandstreamUsesV2(m), m);
    assert.equal(device.template!(m), 'device');
  }
  assert.ok(grandstream.templates.device && grandstream.templates['device-v2'] && grandstream.templates.phonebook && grandstream.templates.common);
  assert.equal(device.name({ lower: MAC, upper: MAC.toUpperCase(), colons: '', colonsUpper: '' }, 'GXP2170'), `cfg${MAC}.xml`);
});

test('time zones as Grandstream writes them (offsets west-positive, rules with hh:mm:ss)', () => {
  assert.equal(grandstreamTimezone(timezoneInfo('Europe/Rome')), 'STD-1DST-2,M3.5.0/02:00:00,M10.5.0/03:00:00');
  assert.equal(grandstreamTimezone(timezoneInfo('Europe/London')), 'STD+0DST-1,M3.5.0/01:00:00,M10.5.0/02:00:00');
  assert.equal(grandstreamTimezone(timezoneInfo('America/New_York')), 'STD+5DST+4,M3.2.0/02:00:00,M11.1.0/02:00:00');
  assert.equal(grandstreamTimezone(timezoneInfo('Asia/Kolkata')), 'STD-5:30');
  assert.equal(grandstreamTimezone(timezoneInfo('UTC')), 'STD+0');
});

test('view: key codes, transport, language, provisioning and directory values', () => {
  const v = viewOf(golden);
  assert.equal(v.schema, 'v2');
  assert.equal(v.transportCode, '0');
  assert.equal(v.transportWord, 'UDP');
  assert.equal(v.gsLanguage, 'it', 'the system language (the extension has none)');
  assert.equal(v.gsTimezone, 'STD-1DST-2,M3.5.0/02:00:00,M10.5.0/03:00:00');
  assert.equal(v.configProtocolCode, '1');
  assert.equal(v.autoCheckCode, '1');
  assert.equal(v.autoCheckMinutes, '1440');
  assert.equal(v.phonebookModeCode, '1');
  assert.equal(v.phonebookModeWord, 'EnabledUseHTTP');
  assert.equal(v.phonebookPath, `192.0.2.10:8080/provisioning/gs/${MAC}/`, 'without scheme; the phone appends phonebook.xml');
  assert.deepEqual(
    v.gsKeys.map((k: any) => [k.section, k.slot, k.mode, k.account, k.value]),
    [
      ['vpk', 1, 'Line', '0', ''],
      ['vpk', 2, 'BLF', '0', '201'],
      ['vpk', 3, 'SpeedDial', '0', '0612345678'],
    ],
  );
  assert.deepEqual(
    v.mpks.map((k: any) => [k.slot, k.pMode, k.mode, k.pValue, k.value]),
    [
      [1, 'P323', '1', 'P303', '201'],
      [2, 'P324', '0', 'P306', '0612345678'],
    ],
  );
  assert.deepEqual(v.lineKeys.map((k: any) => [k.pMode, k.pAccount, k.pLabel, k.pValue]), [['P1363', 'P1364', 'P1465', 'P1466']]);

  const other = viewOf(
    variant((input, phone) => {
      input.provisioning = { transport: 'tcp', resyncMinutes: 0, ldap: false, xmlPhonebook: false };
      phone.language = 'en';
      phone.httpAuth = { username: 'gs03', password: 'Hp4-kRt7Wq2x' };
      phone.keys = [{ type: 'park', slot: '701' }, { type: 'switch', switch: 'night' }, { type: 'dnd' }, { type: 'blf', extension: '202', line: 1 }];
      input.phoneTemplates = [{ name: 'gs-fw', vendor: 'grandstream', firmwareUrl: 'https://fw.example.com/gs/gxp2170' }];
    }),
  );
  assert.equal(other.transportCode, '1');
  assert.equal(other.transportWord, 'TCP');
  assert.equal(other.gsLanguage, 'en');
  assert.equal(other.autoCheckCode, '0');
  assert.equal(other.autoCheckWord, 'No');
  assert.equal(other.ldapServer, '', 'LDAP off: no server');
  assert.equal(other.ldapLookupCode, '0');
  assert.equal(other.phonebookModeCode, '0');
  assert.equal(other.phonebookModeWord, 'Disabled');
  assert.equal(other.phonebookPath, '');
  assert.equal(other.httpUser, 'gs03');
  assert.equal(other.httpPassword, 'Hp4-kRt7Wq2x');
  assert.deepEqual(other.firmware, { path: 'fw.example.com/gs/gxp2170', protocol: 'HTTPS', protocolCode: '2' });
  // Park slot, switch code and DND code are watched: BLF keys on their numbers.
  assert.deepEqual(
    other.gsKeys.map((k: any) => [k.mode, k.value]),
    [
      ['BLF', '701'],
      ['BLF', '*61'],
      ['BLF', '*76203'],
      ['BLF', '202'],
    ],
  );
  assert.deepEqual(other.mpks.map((k: any) => k.mode), ['1', '1', '1', '1']);
});

test('golden GXP2170 (config v2): account, server, password, keys, LDAP, time, phonebook', () => {
  const r = render(golden, 'device');
  assert.equal(r.name, `cfg${MAC}.xml`);
  const doc = parseXml(r.body).gs_provision as any;
  assert.equal(doc.mac, MAC);
  assert.equal(doc.config['@_version'], '2');
  const s = grandstreamSettings(r.body);
  assert.equal(s.get('account.1.enable'), 'Yes');
  assert.equal(s.get('account.1.sip.userid'), 'carla');
  assert.equal(s.get('account.1.sip.subscriber.userid'), 'carla');
  assert.equal(s.get('account.1.sip.subscriber.password'), 'Mv8-tGp3Ke7q');
  assert.equal(s.get('account.1.sip.subscriber.name'), 'Carla Verdi');
  assert.equal(s.get('account.1.sip.server.1.address'), '192.0.2.10:5060');
  assert.equal(s.get('account.1.sip.transport'), 'UDP');
  assert.equal(s.get('account.1.sip.voicemail.number'), '*97');
  assert.equal(s.get('account.1.sip.allowSipReset'), 'Yes');
  assert.equal(s.get('users.admin.password'), 'Ad7-mQw3Zx7k');
  assert.equal(s.get('dateTime.ntp.server.1'), 'ntp1.example.com');
  assert.equal(s.get('dateTime.timezone'), 'STD-1DST-2,M3.5.0/02:00:00,M10.5.0/03:00:00');
  assert.equal(s.get('language.gui'), 'it');
  assert.equal(s.get('provisioning.config.serverPath'), '192.0.2.10:8080/provisioning');
  assert.equal(s.get('phonebook.download.server'), `192.0.2.10:8080/provisioning/gs/${MAC}/`);
  assert.equal(s.get('ldap.server'), '192.0.2.10');
  assert.equal(s.get('ldap.base'), 'ou=phonebook,dc=pbx');
  assert.equal(s.get('ldap.username'), 'uid=carla,ou=devices,dc=pbx');
  assert.equal(s.get('ldap.password'), 'Mv8-tGp3Ke7q');
  assert.equal(s.get('pks.vpk.1.keyMode'), 'Line');
  assert.equal(s.get('pks.vpk.2.keyMode'), 'BLF');
  assert.equal(s.get('pks.vpk.2.value'), '201');
  assert.equal(s.get('pks.vpk.2.description'), 'Alice Rossi');
  assert.equal(s.get('pks.vpk.3.keyMode'), 'SpeedDial');
  assert.equal(s.get('pks.vpk.3.value'), '0612345678');
  assert.deepEqual(client.parse(r.body), { account: 'carla', password: 'Mv8-tGp3Ke7q', server: '192.0.2.10', port: '5060' });
  assert.equal(client.mainFile(MAC), r.name);
});

test('the same phone as a GXP1628 (config v1): P-values of account, keys, LDAP, time, phonebook', () => {
  const config = variant((_input, phone) => {
    phone.model = 'GXP1628';
  });
  const r = render(config, 'device');
  assert.equal((parseXml(r.body).gs_provision as any).config['@_version'], '1');
  const s = grandstreamSettings(r.body);
  const expected: Record<string, string> = {
    P271: '1',
    P270: '203',
    P47: '192.0.2.10:5060',
    P35: 'carla',
    P36: 'carla',
    P34: 'Mv8-tGp3Ke7q',
    P3: 'Carla Verdi',
    P33: '*97',
    P130: '0',
    P26015: '1',
    P4428: '1',
    P2: 'Ad7-mQw3Zx7k',
    P30: 'ntp1.example.com',
    P64: 'customize',
    P246: 'STD-1DST-2,M3.5.0/02:00:00,M10.5.0/03:00:00',
    P1362: 'it',
    P212: '1',
    P237: '192.0.2.10:8080/provisioning',
    P194: '1',
    P193: '1440',
    P330: '1',
    P331: `192.0.2.10:8080/provisioning/gs/${MAC}/`,
    P8020: '192.0.2.10',
    P8021: '389',
    P8022: 'ou=phonebook,dc=pbx',
    P8023: 'uid=carla,ou=devices,dc=pbx',
    P8024: 'Mv8-tGp3Ke7q',
    P8025: '(|(telephoneNumber=%)(mobile=%))',
    P8026: '(|(cn=%)(sn=%)(givenName=%))',
    // Line key 1 shows account 1; MPK 1 is a BLF on 201, MPK 2 a speed dial.
    P1363: '0',
    P1364: '0',
    P323: '1',
    P301: '0',
    P302: 'Alice Rossi',
    P303: '201',
    P324: '0',
    P305: 'Rossi',
    P306: '0612345678',
  };
  for (const [k, v] of Object.entries(expected)) assert.equal(s.get(k), v, k);
  assert.deepEqual(client.parse(r.body), { account: 'carla', password: 'Mv8-tGp3Ke7q', server: '192.0.2.10', port: '5060' }, 'the client reads v1 too');
});

test('config v1: account 2 in the P4xx block, accounts beyond 4 left out', () => {
  const config = variant((input, phone) => {
    phone.model = 'GXP1630';
    const carla = input.extensions.find((e: { number: string }) => e.number === '203');
    carla.devices.push({ username: 'carla-2', password: 'Qz5-mWp8Rt2k' });
    phone.lines = [{ account: 'carla' }, { account: 'carla-2', label: 'Carla 2' }];
    input.provisioning = { transport: 'tcp' };
  });
  const s = grandstreamSettings(render(config, 'device').body);
  assert.equal(s.get('P401'), '1');
  assert.equal(s.get('P402'), '192.0.2.10:5060');
  assert.equal(s.get('P404'), 'carla-2');
  assert.equal(s.get('P405'), 'carla-2');
  assert.equal(s.get('P406'), 'Qz5-mWp8Rt2k');
  assert.equal(s.get('P407'), 'Carla Verdi');
  assert.equal(s.get('P417'), 'Carla 2');
  assert.equal(s.get('P426'), '*97');
  assert.equal(s.get('P448'), '1', 'TCP');
  assert.equal(s.get('P130'), '1', 'TCP');
  assert.equal(s.get('P26115'), '1');

  const v = viewOf(
    variant((input, phone) => {
      const carla = input.extensions.find((e: { number: string }) => e.number === '203');
      const extra = [2, 3, 4, 5].map((n) => ({ username: `carla-${n}`, password: `Qz5-mWp8Rt${n}k` }));
      carla.devices.push(...extra);
      phone.model = 'GXP1782';
      phone.lines = [{ account: 'carla' }, ...extra.map((d) => ({ account: d.username }))];
    }),
  );
  assert.deepEqual(v.v1Lines.map((l: any) => l.p.active), ['P271', 'P401', 'P501', 'P601']);
  assert.deepEqual(v.v1LinesNotWritten, [5]);
  assert.equal(v.lines.length, 5, 'config v2 writes them all');
});

test('phonebook: the company directory as Grandstream AddressBook', () => {
  const r = render(golden, 'phonebook');
  assert.equal(r.name, `gs/${MAC}/phonebook.xml`);
  const book = parseXml(r.body).AddressBook as any;
  const contacts = book.Contact as any[];
  assert.equal(contacts.length, golden.extensions.length + golden.phonebook.length);
  const acme = contacts.find((c) => c.FirstName === 'Acme');
  assert.equal(acme.LastName, 'Spa');
  assert.deepEqual(
    acme.Phone.map((p: any) => [p['@_type'], p.phonenumber, p.accountindex]),
    [
      ['Work', '+390212345678', '1'],
      ['Cell', '+393331234567', '1'],
    ],
  );
  const alice = contacts.find((c) => c.LastName === 'Rossi' && c.FirstName === 'Alice');
  assert.equal(alice.Phone.phonenumber, '201');
  assert.ok(r.body.includes('Rossi &amp; Figli'), 'escaped');
});

test('common file: box settings only, no phone data', () => {
  const m = grandstream.match('cfggxp2170.xml')!;
  const r = renderCommonFile(golden, grandstream, m.file, 'cfggxp2170.xml', GOLDEN_SERVER, m.kind === 'common' ? m.model : undefined)!;
  assert.equal(xmlProblem(r.body), undefined);
  const s = grandstreamSettings(r.body);
  assert.equal(s.get('P237'), '192.0.2.10:8080/provisioning');
  assert.equal(s.get('P212'), '1');
  for (const secret of ['carla', 'Mv8-tGp3Ke7q', 'Ad7-mQw3Zx7k', MAC]) assert.ok(!r.body.includes(secret), secret);
  const https = renderCommonFile(golden, grandstream, 'common', 'cfg.xml', { ...GOLDEN_SERVER, scheme: 'https', httpPort: 8443 })!;
  assert.equal(grandstreamSettings(https.body).get('P212'), '2');
  assert.equal(grandstreamSettings(https.body).get('P237'), '192.0.2.10:8443/provisioning');
});
