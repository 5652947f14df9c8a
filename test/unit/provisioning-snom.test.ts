// The Snom profile: recognising the phones and their file names, the codes its templates
// place, and the rendered files of the golden Snom phone read back as XML.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/domain/rules.ts';
import type { PbxConfig } from '../../src/domain/model.ts';
import { snom } from '../../src/provisioning/vendors/snom.ts';
import { renderCommonFile } from '../../src/provisioning/render.ts';
import { parseXml, xmlProblem } from '../../src/lib/xml.ts';
import { snom as client } from '../lib/phones/snom.ts';
import { GOLDEN_SERVER, goldenConfig, goldenInput, goldenView, renderGolden } from '../lib/provisioning-golden.ts';

const golden = goldenConfig();
const MAC = '000413aabb02';
const render = (config: PbxConfig, file: string) => renderGolden(config, 'snom', file);

/** The phone settings as name → value, an idx-ed setting as name[idx]. */
function phoneSettings(body: string): Map<string, string> {
  const ps = (parseXml(body).settings as any)['phone-settings'] as Record<string, unknown>;
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(ps))
    for (const x of Array.isArray(v) ? v : [v]) {
      if (k.startsWith('@_')) continue;
      if (typeof x === 'string') out.set(k, x);
      else out.set((x as any)['@_idx'] ? `${k}[${(x as any)['@_idx']}]` : k, (x as any)['#text'] ?? '');
    }
  return out;
}
const fkeys = (body: string) => {
  const f = (parseXml(body).settings as any).functionKeys.fkey;
  return (Array.isArray(f) ? f : [f]) as Record<string, string>[];
};

test('identify: every user agent of the reference, and nothing of other vendors', () => {
  assert.deepEqual(snom.identify('Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 2010.12-00004-g9ba52f5 000413922D24 SXM:0 UXM:0)'), { model: 'D785', mac: '000413922d24' });
  assert.deepEqual(snom.identify('Mozilla/4.0 (compatible; snom710-SIP 8.7.5.35 1.1.5-IFX-05.01.12 000413741767)'), { model: '710', mac: '000413741767' });
  assert.deepEqual(snom.identify('Mozilla/4.0 (compatible; snom320-SIP 8.4.18 1.1.3-s)'), { model: '320' });
  assert.equal(snom.identify('Yealink SIP-T46S 66.86.0.15 00:15:65:aa:bb:01'), undefined);
  assert.equal(snom.identify('FileTransport PolycomVVX-VVX_400-UA/4.1.4.7430 Type/Application'), undefined);
  assert.deepEqual(snom.identify(client.userAgent(MAC)), { model: 'D785', mac: MAC });
});

test('match: general and per-phone containers, settings, phonebook, ?mac=', () => {
  assert.deepEqual(snom.match('snomD715.htm'), { kind: 'common', file: 'general', model: 'D715' });
  assert.deepEqual(snom.match('snom710.htm'), { kind: 'common', file: 'general', model: '710' });
  assert.deepEqual(snom.match('snomD715-000413AABB02.htm'), { kind: 'phone', file: 'container', mac: MAC, model: 'D715' });
  assert.deepEqual(snom.match('000413AABB02.xml'), { kind: 'phone', file: 'settings', mac: MAC });
  assert.deepEqual(snom.match('000413aabb02.xml'), { kind: 'phone', file: 'settings', mac: MAC }, 'setting_server …/{mac}.xml');
  assert.deepEqual(snom.match('000413AABB02-tbook.xml'), { kind: 'phone', file: 'phonebook', mac: MAC });
  assert.deepEqual(snom.match('snom.htm?mac=000413AABB02'), { kind: 'phone', file: 'settings', mac: MAC });
  assert.deepEqual(snom.match('?foo=1&mac=00:04:13:aa:bb:02'), { kind: 'phone', file: 'settings', mac: MAC });
  for (const name of ['000000000000.xml', 'snomD715-000000000000.htm', 'FFFFFFFFFFFF.xml', '010000000000.xml', '000413AABB02.cfg', 'y000000000000.boot', '0004f2aabb04-user.cfg', 'cfg000413aabb02.xml', 'GigasetP82x.htm', 'x/000413AABB02.xml', '000413AABB02.xml/x'])
    assert.equal(snom.match(name), undefined, name);
  for (const f of snom.files) {
    const m = snom.match(f.name({ lower: MAC, upper: MAC.toUpperCase(), colons: '', colonsUpper: '' }, 'D715'));
    assert.ok(m && m.kind === 'phone' && m.file === f.id && m.mac === MAC, `${f.id} matches its own name`);
  }
});

test('view: key codes, transport, language, time zone, HTTP credentials', () => {
  const input = goldenInput();
  input.provisioning = { transport: 'tcp', resyncMinutes: 0 };
  input.system.timezone = 'America/New_York';
  const ph = input.phones.find((p: any) => p.vendor === 'snom');
  ph.language = 'en';
  delete ph.httpAuth;
  ph.keys = [{ type: 'line', line: 1 }, { type: 'blf', extension: '203' }, { type: 'park', slot: '701' }, { type: 'switch', switch: 'night' }, { type: 'dnd' }, { type: 'speedDial', number: '0612345678', label: 'Rossi' }];
  const config = parseConfig(input);
  const v = goldenView(config, 'snom');
  assert.deepEqual(v.keys.map((k: any) => k.fkeyValue), ['line', 'blf 203|**', 'blf 701', 'blf *61', 'blf *76202', 'speed 0612345678']);
  assert.equal(v.languageName, 'English');
  assert.equal(v.timezoneCode, 'USA-5');
  assert.equal(v.toneScheme, 'USA');
  assert.equal(v.httpClientUser, '');

  const s = phoneSettings(render(config, 'settings').body);
  assert.equal(s.get('user_outbound[1]'), '192.0.2.10:5060;transport=tcp');
  assert.equal(s.get('language'), 'English');
  assert.equal(s.get('timezone'), 'USA-5');
  assert.equal(s.get('settings_refresh_timer'), '0', 'resync 0: no periodic fetch');
  assert.equal(s.get('http_client_user'), '');
  // LDAP off: the server is written empty (the phone's directory search is off).
  input.provisioning.ldap = false;
  input.provisioning.xmlPhonebook = false;
  const off = parseConfig(input);
  const s2 = phoneSettings(render(off, 'settings').body);
  assert.equal(s2.get('ldap_server'), '');
  assert.equal(s2.has('ldap_password'), false);
  const container = parseXml(render(off, 'container').body) as any;
  assert.equal(container['setting-files'].file['@_url'], `http://192.0.2.10:8080/provisioning/000413AABB02.xml`, 'no phonebook listed');
  assert.equal((parseXml(render(off, 'phonebook').body) as any).tbook.item, undefined);
});

test('time zones: the country and offset Snom lists, or one with the same offset', () => {
  const tz = (name: string) => {
    const input = goldenInput();
    input.system.timezone = name;
    return goldenView(parseConfig(input), 'snom').timezoneCode;
  };
  assert.equal(tz('Europe/Rome'), 'ITA+1');
  assert.equal(tz('Europe/Berlin'), 'GER+1');
  assert.equal(tz('Europe/London'), 'GBR-0');
  assert.equal(tz('Asia/Kolkata'), 'IND+5.5');
  assert.equal(tz('Europe/Ljubljana'), 'ALB+1', 'no country of its own: the first zone with its offset');
});

test('golden phone: settings, keys, LDAP, container and phonebook', () => {
  const r = render(golden, 'settings');
  assert.equal(r.name, '000413AABB02.xml');
  const s = phoneSettings(r.body);
  assert.equal(s.get('user_name[1]'), 'bruno');
  assert.equal(s.get('user_pname[1]'), 'bruno');
  assert.equal(s.get('user_pass[1]'), 'Hj5-wQs6Ld2x');
  assert.equal(s.get('user_realname[1]'), 'Bruno Bianchi');
  assert.equal(s.get('user_host[1]'), '192.0.2.10:5060');
  assert.equal(s.get('user_outbound[1]'), '192.0.2.10:5060;transport=udp');
  assert.equal(s.get('user_mailbox[1]'), '*97');
  assert.equal(s.get('setting_server'), 'http://192.0.2.10:8080/provisioning/');
  assert.equal(s.get('settings_refresh_timer'), '86400');
  assert.equal(s.get('http_client_user'), 'snom02');
  assert.equal(s.get('http_client_pass'), 'Hp4-kRt7Wq2x');
  assert.equal(s.get('admin_mode_password'), 'Ad7-mQw3Zx8k');
  assert.equal(s.get('http_pass'), 'Ad7-mQw3Zx8k');
  assert.equal(s.get('language'), 'Italiano');
  assert.equal(s.get('timezone'), 'ITA+1');
  assert.equal(s.get('ntp_server'), 'ntp1.example.com');
  assert.equal(s.get('challenge_checksync'), 'off');
  assert.equal(s.get('ldap_server'), '192.0.2.10');
  assert.equal(s.get('ldap_port'), '389');
  assert.equal(s.get('ldap_base'), 'ou=phonebook,dc=pbx');
  assert.equal(s.get('ldap_username'), 'uid=bruno,ou=devices,dc=pbx');
  assert.equal(s.get('ldap_password'), 'Hj5-wQs6Ld2x');
  assert.deepEqual(
    fkeys(r.body).map((k) => [k['@_idx'], k['@_context'], k['@_label'], k['#text']]),
    [['0', '1', 'Alice', 'blf 201|**'], ['1', '1', 'Park 702', 'blf 702'], ['2', '1', 'Rossi', 'speed 0612345678']],
  );
  assert.deepEqual(client.parse(r.body), { account: 'bruno', password: 'Hj5-wQs6Ld2x', server: '192.0.2.10', port: '5060' });

  const c = render(golden, 'container');
  assert.equal(c.name, 'snomD715-000413AABB02.htm');
  const files = (parseXml(c.body) as any)['setting-files'].file.map((f: any) => f['@_url']);
  assert.deepEqual(files, ['http://192.0.2.10:8080/provisioning/000413AABB02.xml', 'http://192.0.2.10:8080/provisioning/000413AABB02-tbook.xml']);

  const tb = (parseXml(render(golden, 'phonebook').body) as any).tbook;
  assert.equal(tb['@_complete'], 'true');
  const rossi = tb.item.find((i: any) => i.number === '0612345678');
  assert.equal(rossi.name, 'Mario Rossi & Figli');
  assert.equal(tb.item.find((i: any) => i.number === '201')['@_type'], 'colleagues');
  assert.equal(new Set(tb.item.map((i: any) => i['@_index'])).size, tb.item.length, 'unique indexes');

  const g = renderCommonFile(golden, snom, 'general', 'snomD715.htm', GOLDEN_SERVER, 'D715')!;
  assert.equal(xmlProblem(g.body), undefined);
  assert.doesNotMatch(g.body, /bruno|Hj5|000413/i, 'no phone data in the common file');
});

test('firmware: written only when the template names one', () => {
  const input = goldenInput();
  input.phoneTemplates = [{ name: 'snom-fw', vendor: 'snom', models: ['D715'], firmwareUrl: 'http://fw.example.com/snomD715-10.1.bin' }];
  const s = parseXml(render(parseConfig(input), 'settings').body) as any;
  assert.equal(s.settings['firmware-settings'].firmware['#text'], 'http://fw.example.com/snomD715-10.1.bin');
  assert.equal((parseXml(render(golden, 'settings').body) as any).settings['firmware-settings'], undefined);
});

test('the phone client spec asks for names the profile answers', () => {
  const names = client.requests(MAC);
  assert.deepEqual(names.map((n) => snom.match(n)?.file), ['general', 'container', 'settings', 'phonebook']);
  assert.equal(client.mainFile(MAC), names[2]);
});
