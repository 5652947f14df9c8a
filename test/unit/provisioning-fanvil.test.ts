// The Fanvil profile: how it recognises phones and names, the codes its view computes, and
// the sysConf file rendered for the golden model's X4U, parsed back and checked value by value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PbxConfig } from '../../src/domain/model.ts';
import { renderCommonFile } from '../../src/provisioning/render.ts';
import { timezoneInfo } from '../../src/provisioning/timezone.ts';
import { fanvil, fanvilKeyPages, fanvilServer, fanvilTime } from '../../src/provisioning/vendors/fanvil.ts';
import { parseXml } from '../../src/lib/xml.ts';
import { fanvil as fanvilClient } from '../lib/phones/fanvil.ts';
import { GOLDEN_SERVER, goldenConfig, goldenContext, goldenPhone, renderGolden } from '../lib/provisioning-golden.ts';

const X4U_MAC = '0c383eaabb07';

type Node = Record<string, unknown>;
const list = (x: unknown): Node[] => (x === undefined ? [] : Array.isArray(x) ? (x as Node[]) : [x as Node]);
const phoneOf = (config: PbxConfig) => goldenPhone(config, 'fanvil', X4U_MAC);
const render = (config: PbxConfig, file: string) => renderGolden(config, 'fanvil', file, X4U_MAC).body;
const sysConf = (config: PbxConfig) => (parseXml(render(config, 'device')) as { sysConf: Node }).sysConf;
const ctxOf = (config: PbxConfig) => goldenContext(config, 'fanvil', X4U_MAC);

test('identify: every User-Agent of the reference, MAC normalised', () => {
  assert.deepEqual(fanvil.identify('Fanvil X4 2.10.2.6887 0c383e07e16c'), { model: 'X4', mac: '0c383e07e16c' });
  assert.deepEqual(fanvil.identify('Fanvil X6U Pro 0.0.10 0c383e2cd782'), { model: 'X6U-Pro', mac: '0c383e2cd782' });
  assert.deepEqual(fanvil.identify('Fanvil V67 2.6.6.187 0c383e2b29e6'), { model: 'V67', mac: '0c383e2b29e6' });
  assert.deepEqual(fanvil.identify('Fanvil X210-V2 2.12.16.17 0c383e557eb1'), { model: 'X210-V2', mac: '0c383e557eb1' });
  assert.deepEqual(fanvil.identify('Fanvil Z9 unknown'), {}, "Fanvil's, nothing known");
  assert.equal(fanvil.identify('Yealink SIP-T46G 28.72.0.1 00:15:65:4a:a9:37'), undefined);
  assert.equal(fanvil.identify('Grandstream GXP2170 1.0.11.3 c0:74:ad:aa:bb:03'), undefined);
});

test('match: <mac>.cfg and the phonebook by lowercase MAC; the common files the reference names', () => {
  assert.deepEqual(fanvil.match('0c383eaabbcc.cfg'), { kind: 'phone', file: 'device', mac: '0c383eaabbcc' });
  assert.deepEqual(fanvil.match('0c383eaabbcc-phonebook.xml'), { kind: 'phone', file: 'phonebook', mac: '0c383eaabbcc' });
  assert.deepEqual(fanvil.match('F0V00X200000.cfg'), { kind: 'common', file: 'common', model: 'X210' });
  assert.deepEqual(fanvil.match('f0X2hw1.100.cfg'), { kind: 'common', file: 'common', model: 'X2' });
  for (const name of ['0C383EAABBCC.cfg', '000000000000.cfg', 'f0v00x200000.cfg', 'fanvil_x210_v2_hwv2_0.txt', '0c383eaabbcc.xml']) {
    assert.equal(fanvil.match(name), undefined, name);
  }
  for (const name of ['001565aabbcc.boot', 'y000000000066.cfg', 'snomD715.htm', 'cfg0c383eaabbcc.xml', 'spa504G.cfg']) {
    assert.equal(fanvil.match(name), undefined, name);
  }
  for (const c of fanvil.commonFiles) assert.equal(fanvil.match(c.example)?.file, c.id);
  const mac = { lower: X4U_MAC, upper: X4U_MAC.toUpperCase(), colons: '0c:38:3e:aa:bb:07', colonsUpper: '0C:38:3E:AA:BB:07' };
  for (const f of fanvil.files) assert.deepEqual(fanvil.match(f.name(mac, 'X4U')), { kind: 'phone', file: f.id, mac: X4U_MAC });
});

test('view: key codes, pages, transport, language, provisioning server', () => {
  const config = goldenConfig();
  const ctx = ctxOf(config);
  const v = fanvil.view(ctx);
  assert.deepEqual(v.sidePages, [
    {
      page: 1,
      keys: [
        { index: 1, type: '2', value: 'SIP1', title: '207' },
        { index: 2, type: '1', value: '201@1/ba**201', title: 'Alice Rossi' },
        { index: 3, type: '1', value: '703@1/ba', title: 'Park 703' },
      ],
    },
  ]);
  assert.deepEqual(v.internalPages, [{ page: 1, keys: [{ index: 1, type: '1', value: '0612345678@1/f', title: 'Rossi' }] }], 'X4U: three side keys, then the function key pages');
  assert.equal(v.funcKeyPageNum, 1);
  assert.equal(v.transport, '0');
  assert.equal(v.languageCode, 'en');
  assert.deepEqual(
    (v.spareLines as { index: number }[]).map((l) => l.index),
    [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
  );
  assert.equal(v.flashMode, '2');
  assert.equal(v.flashInterval, '24');

  config.provisioning.transport = 'tcp';
  config.provisioning.resyncMinutes = 0;
  phoneOf(config).language = 'it';
  const w = fanvil.view(ctxOf(config));
  assert.equal(w.transport, '1');
  assert.equal(w.languageCode, 'it');
  assert.equal(w.flashMode, '1');

  // A model without a known layout: every key on the side, in order.
  const generic = fanvilKeyPages('X9Z', ctx.keys);
  assert.deepEqual(generic.internal, []);
  assert.deepEqual(generic.side[0]!.keys.map((k) => k.index), [1, 2, 3, 4]);
  // Switch and DND keys are BLF keys on their codes, without the pickup code.
  const switchKey = { ...ctx.keys[1]!, index: 1, type: 'switch' as const, isBlf: false, isSwitch: true, value: '*61', pickup: '', pickupCode: '' };
  assert.equal(fanvilKeyPages('X9Z', [switchKey]).side[0]!.keys[0]!.value, '*61@1/ba');

  assert.deepEqual(fanvilServer({ ...ctx.server, scheme: 'https', provisioningUrl: 'https://[2001:db8::1]:8443/provisioning/' }), {
    flashServer: 'https://[2001:db8::1]:8443',
    flashFile: 'provisioning/$mac.cfg',
    flashProtocol: '5',
  });
});

test('time zone: quarter hours, names, DST rule with -1 for the last week', () => {
  assert.deepEqual(fanvilTime(timezoneInfo('Europe/Rome')), {
    quarterHours: 4,
    name: 'UTC+1',
    dst: { minOffset: 60, start: { month: 3, week: -1, weekday: 0, hour: 2 }, end: { month: 10, week: -1, weekday: 0, hour: 3 } },
  });
  assert.deepEqual(fanvilTime(timezoneInfo('America/New_York')).dst!.start, { month: 3, week: 2, weekday: 0, hour: 2 });
  assert.deepEqual(fanvilTime(timezoneInfo('America/Bogota')), { quarterHours: -20, name: 'UTC-05' });
  assert.deepEqual(fanvilTime(timezoneInfo('UTC')), { quarterHours: 0, name: 'UCT' });
  assert.deepEqual(fanvilTime(timezoneInfo('Asia/Kolkata')), { quarterHours: 22 });
});

test('the X4U settings file: account, server, keys, directory, time, administration', () => {
  const c = sysConf(goldenConfig());
  assert.equal(c.Version, '2.0000000000');
  const sip = c.sip as Node;
  assert.equal(sip.NotifyReboot, '1');
  const lines = list(sip.line);
  const line1 = lines.find((l) => l['@_index'] === '1')!;
  assert.deepEqual(
    { ...line1 },
    {
      '@_index': '1',
      PhoneNumber: 'giulia',
      DisplayName: 'Giulia Marino',
      RegisterAddr: '192.0.2.10',
      RegisterPort: '5060',
      RegisterUser: 'giulia',
      RegisterPswd: 'Yb9-sKe4Gv6n',
      RegisterTTL: '3600',
      EnableReg: '1',
      Transport: '0',
      MediaCrypto: '0',
      MWINum: '*97',
      Subscribe: '0',
    },
  );
  assert.equal(lines.length, 12, 'the X4U has 12 lines');
  assert.ok(lines.filter((l) => l['@_index'] !== '1').every((l) => l.EnableReg === '0' && l.RegisterPswd === ''));

  const phone = c.phone as Node;
  assert.equal(phone.MenuPassword, 'Ad7-mQw3Zx3k');
  assert.equal((phone.display as Node).DefaultLanguage, 'en');
  const date = phone.date as Node;
  assert.deepEqual(
    [date.EnableSNTP, date.SNTPServer, date.SecondSNTPServer, date.TimeZone, date.TimeZoneName, date.EnableDST, date.DSTStartMon, date.DSTStartWeek, date.DSTStartWday, date.DSTEndMon, date.DSTEndHour],
    ['1', 'ntp1.example.com', 'ntp2.example.com', '4', 'UTC+1', '2', '3', '-1', '0', '10', '3'],
  );
  const ldap = phone.ldap as Node;
  assert.equal(ldap['@_index'], '1');
  assert.equal(ldap.Server, '192.0.2.10');
  assert.equal(ldap.port, '389');
  assert.equal(ldap.Base, 'ou=phonebook,dc=pbx');
  assert.equal(ldap.Username, 'uid=giulia,ou=devices,dc=pbx');
  assert.equal(ldap.Password, 'Yb9-sKe4Gv6n');
  assert.equal(ldap.NameFilter, '(|(cn=%)(sn=%)(givenName=%))');
  const contact = phone.xmlContact as Node;
  assert.equal(contact.Name, 'Example Srl');
  assert.equal(contact.Addr, 'http://192.0.2.10:8080/provisioning/0c383eaabb07-phonebook.xml');

  const admin = (c.web as Node).account as Node;
  assert.deepEqual({ ...admin }, { '@_index': '1', Name: 'admin', Password: 'Ad7-mQw3Zx3k', Level: '10' });
  const ap = c.ap as Node;
  assert.equal(ap.FlashServerIP, 'http://192.0.2.10:8080');
  assert.equal(ap.FlashFileName, 'provisioning/$mac.cfg');
  assert.equal(ap.FlashProtocol, '4');
  assert.equal((c.AUTOUPDATE_CONFIG_MODULE as Node).Auto_Image_URL, '');

  const dss = c.dsskey as Node;
  const side = list(dss.dssSide);
  assert.equal(side.length, 1);
  assert.deepEqual(
    list(side[0]!.Fkey).map((k) => [k['@_index'], k.Type, k.Value, k.Title]),
    [
      ['1', '2', 'SIP1', '207'],
      ['2', '1', '201@1/ba**201', 'Alice Rossi'],
      ['3', '1', '703@1/ba', 'Park 703'],
    ],
  );
  const internal = list(dss.internal);
  assert.deepEqual(
    list(internal[0]!.Fkey).map((k) => [internal[0]!['@_index'], k['@_index'], k.Type, k.Value, k.Title]),
    [['1', '1', '1', '0612345678@1/f', 'Rossi']],
  );
});

test('the client description reads the account back from the served file', () => {
  const body = render(goldenConfig(), 'device');
  assert.deepEqual(fanvilClient.parse(body), { account: 'giulia', password: 'Yb9-sKe4Gv6n', server: '192.0.2.10', port: '5060' });
  assert.equal(fanvilClient.mainFile('0C:38:3E:AA:BB:07'), '0c383eaabb07.cfg');
  assert.deepEqual(fanvil.identify(fanvilClient.userAgent(X4U_MAC)), { model: 'X4U', mac: X4U_MAC });
});

test('the phonebook: number, mobile and other columns', () => {
  const xml = parseXml(render(goldenConfig(), 'phonebook')) as { PhoneBook: { DirectoryEntry: Node[] } };
  const entries = xml.PhoneBook.DirectoryEntry;
  assert.equal(entries.length, 10);
  assert.deepEqual({ ...entries[0] }, { Name: 'Acme Spa', Telephone: '+390212345678', Mobile: '+393331234567', Other: '', Ring: 'Default', Group: '' });
  assert.equal(entries.find((e) => e.Name === 'Mario Rossi & Figli')!.Telephone, '0612345678');
});

test('directory and phonebook off, firmware, HTTP authentication, tcp, a zone without DST', () => {
  const config = goldenConfig();
  config.provisioning.ldap = false;
  config.provisioning.xmlPhonebook = false;
  config.provisioning.transport = 'tcp';
  config.phoneTemplates.push({ name: 'fv-fw', description: '', vendor: 'fanvil', models: [], files: [], vars: {}, firmwareUrl: 'http://fw.example.com/x4u.z' } as PbxConfig['phoneTemplates'][number]);
  const p = phoneOf(config);
  p.httpAuth = { username: 'fv07', password: 'Pw8-xTq3Lm5z' };
  p.timezone = 'America/Bogota';
  const c = sysConf(config);
  const phone = c.phone as Node;
  assert.equal((phone.ldap as Node).Server, '');
  assert.equal((phone.xmlContact as Node).Addr, '');
  assert.equal((c.AUTOUPDATE_CONFIG_MODULE as Node).Auto_Image_URL, 'http://fw.example.com/x4u.z');
  assert.equal((c.ap as Node).DefaultUsername, 'fv07');
  assert.equal((c.ap as Node).DefaultPassword, 'Pw8-xTq3Lm5z');
  assert.equal(list((c.sip as Node).line)[0]!.Transport, '1');
  const date = phone.date as Node;
  assert.equal(date.TimeZone, '-20');
  assert.equal(date.EnableDST, '0');
  assert.equal(date.DSTStartMon, undefined);
});

test('the common file holds only where the box is', () => {
  const config = goldenConfig();
  const body = renderCommonFile(config, fanvil, 'common', 'F0V00X200000.cfg', GOLDEN_SERVER, 'X210')!.body;
  const c = (parseXml(body) as { sysConf: Node }).sysConf;
  assert.deepEqual({ ...(c.ap as Node) }, { FlashServerIP: 'http://192.0.2.10:8080', FlashFileName: 'provisioning/$mac.cfg', FlashProtocol: '4' });
  for (const secret of ['Yb9-sKe4Gv6n', 'Ad7-mQw3Zx3k', 'giulia', 'Password']) assert.ok(!body.includes(secret), secret);
});
