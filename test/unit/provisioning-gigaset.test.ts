// The Gigaset profile (Nx70 DECT bases): recognising the bases and their file names, the codes
// its templates place, and the rendered files of the golden base read back as XML.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/domain/rules.ts';
import type { PbxConfig } from '../../src/domain/model.ts';
import { gigaset } from '../../src/provisioning/vendors/gigaset.ts';
import { parseXml } from '../../src/lib/xml.ts';
import { gigaset as client } from '../lib/phones/gigaset.ts';
import { goldenConfig, goldenInput, goldenView, renderGolden } from '../lib/provisioning-golden.ts';

const golden = goldenConfig();
const MAC = '7c2f80aabb05';
const render = (config: PbxConfig, file: string) => renderGolden(config, 'gigaset', file);

/** <param name value/> of the file, those inside <oper> too; no value is empty (Gigaset's warning). */
function params(body: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) n.forEach(walk);
    else if (n && typeof n === 'object') {
      const o = n as Record<string, unknown>;
      if ('@_name' in o && '@_value' in o && o['@_name'] !== 'add_hs') {
        assert.notEqual(o['@_value'], '', `${o['@_name']} has a value`);
        out.set(o['@_name'] as string, o['@_value'] as string);
      }
      for (const [k, v] of Object.entries(o)) if (!k.startsWith('@_')) walk(v);
    }
  };
  walk(parseXml(body));
  return out;
}
const opers = (body: string) => {
  const o = (parseXml(body) as any).provisioning.nvm.oper;
  return (Array.isArray(o) ? o : [o]) as Record<string, any>[];
};

test('identify: the reference user agent, handset requests, nothing of other vendors', () => {
  assert.deepEqual(gigaset.identify('Gigaset N870 IP PRO/83.V2.11.0+build.a546b91;7C2F80E0D605'), { model: 'N870', mac: '7c2f80e0d605' });
  assert.deepEqual(gigaset.identify('"Gigaset N670 IP PRO/83.V2.48.0+build.1234567;7C2F80E0D605;Handset=2"'), { model: 'N670', mac: '7c2f80e0d605' });
  assert.deepEqual(gigaset.identify('Gigaset N870 IP PRO/83.V2.11.0+build.a546b91;'), { model: 'N870' });
  assert.equal(gigaset.identify('Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 2010.12-00004-g9ba52f5 000413922D24 SXM:0 UXM:0)'), undefined);
  assert.equal(gigaset.identify('FileTransport PolycomVVX-VVX_400-UA/4.1.4.7430 Type/Application'), undefined);
  assert.deepEqual(gigaset.identify(client.userAgent(MAC)), { model: 'N870', mac: MAC });
});

test('match: <MAC>.xml in any case (the sources disagree), the directory; nothing else', () => {
  assert.deepEqual(gigaset.match('7c2f80aabb05.xml'), { kind: 'phone', file: 'config', mac: MAC });
  assert.deepEqual(gigaset.match('7C2F80AABB05.xml'), { kind: 'phone', file: 'config', mac: MAC });
  assert.deepEqual(gigaset.match('7c2f80aabb05-directory.xml'), { kind: 'phone', file: 'directory', mac: MAC });
  assert.deepEqual(gigaset.match('7c2f80aabb05-directory.xml?set_first=Ro&first=1&count=10'), { kind: 'phone', file: 'directory', mac: MAC });
  for (const name of ['provisioning.xml', '000000000000.xml', 'ffffffffffff.xml', '7c2f80aabb05.cfg', 'GigasetP82x.htm', 'GigasetP82x-7c2f80aabb05.htm', 'snomD715.htm', 'cfg7c2f80aabb05.xml', 'nvm/update.xml'])
    assert.equal(gigaset.match(name), undefined, name);
  for (const f of gigaset.files) {
    const m = gigaset.match(f.name({ lower: MAC, upper: MAC.toUpperCase(), colons: '', colonsUpper: '' }, 'N870'));
    assert.ok(m && m.kind === 'phone' && m.file === f.id && m.mac === MAC, `${f.id} matches its own name`);
  }
});

test('view: transport code, time zones from Gigaset\'s list, tone scheme, PINs, firmware version', () => {
  const input = goldenInput();
  input.provisioning = { transport: 'tcp' };
  const ph = input.phones.find((p: any) => p.vendor === 'gigaset');
  ph.timezone = 'America/Phoenix';
  ph.vars = { toneScheme: 'Italy' };
  input.phoneTemplates = [{ name: 'nx70', vendor: 'gigaset', firmwareUrl: 'http://fw.example.com/Gigaset-Nx70-V2.65.0-build.8504c90.bin' }];
  const config = parseConfig(input);
  const v = goldenView(config, 'gigaset');
  assert.equal(v.transportCode, '2');
  assert.equal(v.timezoneName, 'America/Denver', 'not in Gigaset\'s list: the listed zone with the same offset');
  assert.equal(v.toneScheme, 'Italy');
  assert.deepEqual(v.lines.map((l: any) => [l.handset, l.dectPin]), [['00001', '0205'], ['00002', '0201']]);
  assert.deepEqual(v.firmware, { url: 'http://fw.example.com/Gigaset-Nx70-V2.65.0-build.8504c90.bin', version: '2.65.0' });
  const body = render(config, 'config').body;
  assert.equal(params(body).get('SipProvider.0.TransportProtocol'), '2');
  const fw = (parseXml(body) as any).provisioning.firmware.file;
  assert.deepEqual([fw['@_version'], fw['@_url']], ['2.65.0', 'http://fw.example.com/Gigaset-Nx70-V2.65.0-build.8504c90.bin']);

  // A firmware URL without a version in its name: no firmware section (the base could not compare).
  input.phoneTemplates[0].firmwareUrl = 'http://fw.example.com/nx70.bin';
  assert.equal((parseXml(render(parseConfig(input), 'config').body) as any).provisioning.firmware, undefined);
  // The XML phonebook off: the directory is off and its other settings are left out.
  input.provisioning.xmlPhonebook = false;
  const p = params(render(parseConfig(input), 'config').body);
  assert.equal(p.get('Netdir.1.Activated'), '0');
  assert.equal(p.has('XMLDir.1.ServerURL'), false);
  const list = (parseXml(render(parseConfig(input), 'directory').body) as any).list;
  assert.equal(list.entry, undefined);
  assert.equal(list['@_total'], '0');
});

test('golden base: provider, one handset and account per line, time, directory', () => {
  const r = render(golden, 'config');
  assert.equal(r.name, '7c2f80aabb05.xml');
  const p = params(r.body);
  assert.equal(p.get('SipProvider.0.RegServerAddress'), '192.0.2.10');
  assert.equal(p.get('SipProvider.0.RegServerPort'), '5060');
  assert.equal(p.get('SipProvider.0.ProxyServerAddress'), '192.0.2.10');
  assert.equal(p.get('SipProvider.0.Domain'), '192.0.2.10');
  assert.equal(p.get('SipProvider.0.TransportProtocol'), '1');
  assert.equal(p.get('SipProvider.0.MWISubscription'), '1', 'alice-dect has a mailbox');
  assert.equal(p.get('SipAccount.00001.UserName'), 'elena');
  assert.equal(p.get('SipAccount.00001.AuthName'), 'elena');
  assert.equal(p.get('SipAccount.00001.AuthPassword'), 'Rc6-yDk5Nq8t');
  assert.equal(p.get('SipAccount.00001.DisplayName'), 'Elena Galli');
  assert.equal(p.get('SipAccount.00001.ProviderId'), '0');
  assert.equal(p.get('SipAccount.00002.UserName'), 'alice-dect');
  assert.equal(p.get('SipAccount.00002.AuthPassword'), 'Pz4-nRt8Yc3w');
  assert.equal(p.get('SipAccount.00002.VoiceMailMailbox'), '*97');
  assert.equal(p.get('SipAccount.00002.VoiceMailActive'), '1');
  assert.equal(p.get('hs.00002.DECT_AC'), '0201');
  assert.deepEqual(opers(r.body).map((o) => [o['@_name'], o['@_value'], o.param['@_name'], o.param['@_value']]), [['add_hs', '00001', 'hs.RegStatus', 'ToReg'], ['add_hs', '00002', 'hs.RegStatus', 'ToReg']]);
  assert.equal(p.get('DmGlobal.0.TimeZone'), 'Europe/London', "the phone's own time zone");
  assert.equal(p.get('DmGlobal.0.NtpServer'), 'ntp1.example.com');
  assert.equal(p.get('Telephony.0.ToneScheme'), 'Retail');
  assert.equal(p.get('WebUIAccounts.1.Password'), 'Ad7-mQw3Zx5k');
  assert.equal(p.get('SystemSettings.global.CheckSyncRebootEnabled'), '1');
  assert.equal(p.get('Provisioning.global.ProvisioningServer'), 'http://192.0.2.10:8080/provisioning/7c2f80aabb05.xml');
  assert.equal(p.get('Netdir.1.Activated'), '1');
  assert.equal(p.get('XMLDir.1.ServerURL'), 'http://192.0.2.10:8080/provisioning/7c2f80aabb05-directory.xml?');
  assert.equal(p.get('XMLDir.1.ProviderName'), 'Example Srl');
  assert.deepEqual(client.parse(r.body), { account: 'elena', password: 'Rc6-yDk5Nq8t', server: '192.0.2.10', port: '5060' });

  const d = render(golden, 'directory');
  const list = (parseXml(d.body) as any).list;
  assert.equal(list['@_response'], 'get_list');
  assert.equal(list['@_type'], 'pr');
  assert.equal(Number(list['@_total']), list.entry.length);
  assert.equal(list['@_last'], list['@_total']);
  assert.ok(list.entry.some((e: any) => e.ln === 'Rossi & Figli' && e.fn === 'Mario' && e.hm === '0612345678'));
  assert.equal(new Set(list.entry.map((e: any) => e['@_id'])).size, list.entry.length, 'unique ids');
});

test('the base client spec asks for names the profile answers', () => {
  const names = client.requests(MAC);
  assert.deepEqual(names.map((n) => gigaset.match(n)?.file), ['config']);
  assert.equal(client.mainFile(MAC), names[0]);
});
