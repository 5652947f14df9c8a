// Phone provisioning end to end on a real box (supervisor + Asterisk 22): for every vendor a
// client that behaves like that phone (its User-Agent, its request sequence, its MAC case)
// fetches its files over HTTP and over TFTP with the real tftp-hpa client; the files parse and
// carry the account, server and keys the model says; the GUI's preview is byte for byte what
// is served; unknown phones get nothing and show up as discovered; a SIPp phone registers with
// exactly the credentials a Yealink was served; check-sync reaches a SIPp phone registered as
// the device.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpsRequest } from 'node:https';
import { startPbx, waitFor, type PbxInstance } from '../lib/pbx.ts';
import { runSipp, startSipp, stopAllSipp, describeSippResult, type SippProcess } from '../lib/sipp.ts';
import { adminSession, adminToken, type ApiClient } from '../lib/api.ts';
import { PHONE_CLIENTS, tftpGet, vendorMac } from '../lib/phones/index.ts';
import { xmlProblem } from '../../src/lib/xml.ts';
import type { PbxConfigInput } from '../../src/domain/model.ts';

// Passwords must not contain the user name: derived from it, letters shifted.
const PW = (u: string) => `Sip-${[...u].map((c) => String.fromCharCode(((c.charCodeAt(0) - 97 + 3) % 26) + 97)).join('').replace(/[^a-z]/g, 'x')}-7Qz`;
const ADMIN = (i: number) => `Adm-${i}-kR7wq`;

// One extension per vendor (301 Yealink, 302 Snom, ...), its device named after the vendor.
const phones = PHONE_CLIENTS.map((spec, i) => ({ spec, mac: vendorMac(spec.vendor, 0x10 + i), account: `dev-${spec.vendor}`, number: String(301 + i) }));
const unknownYealink = vendorMac('yealink', 0xdead);
const authPhone = { mac: vendorMac('yealink', 0x77), account: 'dev-auth', number: '399', user: 'prov77', password: 'Hp4-kRt7Wq2x' };

const config: PbxConfigInput = {
  system: { name: 'Provisioning test', language: 'en', timezone: 'Europe/Rome' },
  extensions: [
    ...phones.map((p) => ({ number: p.number, name: `User ${p.spec.vendor}`, devices: [{ username: p.account, password: PW(p.account) }] })),
    { number: authPhone.number, name: 'Auth phone', devices: [{ username: authPhone.account, password: PW(authPhone.account) }] },
  ],
  phones: [
    ...phones.map((p, i) => ({
      mac: p.mac,
      vendor: p.spec.vendor,
      model: p.spec.model,
      adminPassword: ADMIN(i),
      lines: [{ account: p.account }],
      keys: p.spec.vendor === 'gigaset' ? [] : [{ type: 'line' as const, line: 1 }, { type: 'blf' as const, extension: phones[(i + 1) % phones.length]!.number }],
    })),
    { mac: authPhone.mac, vendor: 'yealink', model: 'T46S', adminPassword: ADMIN(99), lines: [{ account: authPhone.account }], httpAuth: { username: authPhone.user, password: authPhone.password } },
  ],
};

let pbx: PbxInstance;
let api: ApiClient;
let work: string;
const base = () => `http://127.0.0.1:${pbx.daemon.httpPort}/provisioning/`;

async function fetchAsPhone(name: string, ua: string, auth?: { user: string; password: string }): Promise<{ status: number; body: string; type: string }> {
  const headers: Record<string, string> = { 'User-Agent': ua };
  if (auth) headers.Authorization = `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}`;
  const r = await fetch(`${base()}${name}`, { headers });
  return { status: r.status, body: await r.text(), type: r.headers.get('content-type') ?? '' };
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'pbx-prov-test-'));
  pbx = await startPbx(config);
  api = await adminToken(await adminSession(`http://127.0.0.1:${pbx.daemon.httpPort}`, pbx.dataDir));
});

after(async () => {
  await stopAllSipp();
  await pbx?.stop();
  rmSync(work, { recursive: true, force: true });
});

for (const p of phones) {
  test(`${p.spec.vendor}: a phone-like client gets its files over HTTP, with its account, the box and its keys`, async () => {
    const ua = p.spec.userAgent(p.mac);
    for (const name of p.spec.requests(p.mac)) {
      const r = await fetchAsPhone(name, ua);
      assert.equal(r.status, 200, `${name}: ${r.status} ${r.body.slice(0, 200)}`);
      if (/xml/.test(r.type)) assert.equal(xmlProblem(r.body), undefined, `${name} must be well-formed XML`);
    }
    const main = await fetchAsPhone(p.spec.mainFile(p.mac), ua);
    const parsed = p.spec.parse(main.body);
    assert.equal(parsed.account, p.account);
    assert.equal(parsed.password, PW(p.account));
    assert.equal(parsed.server, '127.0.0.1', 'the registrar is the address the phone reached the box at');
    if (parsed.port !== undefined) assert.equal(parsed.port, String(pbx.sipPort));
    if (p.spec.vendor !== 'gigaset') {
      // The BLF key watches the next vendor's extension.
      const watched = phones[(phones.indexOf(p) + 1) % phones.length]!.number;
      assert.match(main.body + (p.spec.vendor === 'poly' ? '' : ''), new RegExp(`\\b${watched}\\b`), 'the BLF key is in the file');
    }

    // The request log has them, with the User-Agent and the file.
    const log = await api.get(`/provisioning/requests?mac=${p.mac}`);
    assert.equal(log.status, 200);
    assert.ok(log.body.items.some((e: { result: string; userAgent?: string; file: string }) => e.result === 'served' && e.userAgent === ua && e.file === p.spec.mainFile(p.mac)), JSON.stringify(log.body.items.slice(0, 3)));
  });

  test(`${p.spec.vendor}: the same files over TFTP (tftp-hpa), and the preview is exactly what is served`, async () => {
    const name = p.spec.mainFile(p.mac);
    const http = await fetchAsPhone(name, p.spec.userAgent(p.mac));
    const tftp = await tftpGet(pbx.daemon.tftpPort, name, work);
    assert.ok(tftp.ok, tftp.output);
    assert.equal(tftp.body.toString('utf8'), http.body, 'TFTP and HTTP give the same bytes');
    const files = await api.get(`/phones/${p.mac}/files`);
    assert.equal(files.status, 200);
    const file = files.body.files.find((f: { name: string }) => f.name === name);
    assert.ok(file, `${name} among ${JSON.stringify(files.body)}`);
    const preview = await api.get(`/phones/${p.mac}/files/${file.file}?address=127.0.0.1`);
    assert.equal(preview.status, 200);
    assert.equal(preview.text, http.body, 'the preview equals the served file');
  });
}

test('an unknown MAC gets nothing, over HTTP and TFTP, and is listed as discovered', async () => {
  const ua = `Yealink SIP-T48S 66.86.0.15 ${unknownYealink.match(/../g)!.join(':')}`;
  for (const name of [`${unknownYealink}.boot`, `${unknownYealink}.cfg`]) assert.equal((await fetchAsPhone(name, ua)).status, 404);
  const tftp = await tftpGet(pbx.daemon.tftpPort, `${unknownYealink}.cfg`, work);
  assert.equal(tftp.ok, false);
  assert.equal(tftp.body.length, 0);
  const d = await api.get('/provisioning/discovered');
  const seen = d.body.items.find((x: { mac: string }) => x.mac === unknownYealink);
  assert.ok(seen, JSON.stringify(d.body));
  assert.equal(seen.vendor, 'yealink');
  assert.equal(seen.model, 'T48S');
  // Never another phone's data: a known phone's file asked for with another MAC in the User-Agent.
  assert.equal((await fetchAsPhone(`${phones[0]!.mac}.cfg`, ua)).status, 403);
  // No listings.
  assert.equal((await fetch(base())).status, 404);
});

test('a phone with HTTP authentication: 401 without its credentials, its file with them, refused over TFTP', async () => {
  const ua = `Yealink SIP-T46S 66.86.0.15 ${authPhone.mac.match(/../g)!.join(':')}`;
  const none = await fetchAsPhone(`${authPhone.mac}.cfg`, ua);
  assert.equal(none.status, 401);
  assert.equal(none.body.includes(PW(authPhone.account)), false);
  assert.equal((await fetchAsPhone(`${authPhone.mac}.cfg`, ua, { user: authPhone.user, password: 'Wrong-pass-123' })).status, 401);
  const ok = await fetchAsPhone(`${authPhone.mac}.cfg`, ua, { user: authPhone.user, password: authPhone.password });
  assert.equal(ok.status, 200);
  assert.match(ok.body, new RegExp(`static.auto_provision.server.username = ${authPhone.user}`));
  const tftp = await tftpGet(pbx.daemon.tftpPort, `${authPhone.mac}.cfg`, work);
  assert.equal(tftp.ok, false);
});

test('HTTPS serves the files too (self-signed certificate), with https URLs in them', async () => {
  const p = phones[0]!;
  const body = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = httpsRequest(
      { host: '127.0.0.1', port: pbx.daemon.httpsPort, path: `/provisioning/${p.spec.mainFile(p.mac)}`, headers: { 'User-Agent': p.spec.userAgent(p.mac) }, rejectUnauthorized: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end();
  });
  assert.equal(body.status, 200);
  assert.equal(p.spec.parse(body.text).account, p.account);
  assert.match(body.text, new RegExp(`https://127\\.0\\.0\\.1:${pbx.daemon.httpsPort}/provisioning/`));
});

test('a SIPp phone registers with exactly the credentials the Yealink file gave, and not with others', async () => {
  const p = phones.find((x) => x.spec.vendor === 'yealink')!;
  const served = p.spec.parse((await fetchAsPhone(p.spec.mainFile(p.mac), p.spec.userAgent(p.mac))).body);
  const remote = `${served.server}:${served.port ?? pbx.sipPort}`;
  const ok = await runSipp({ scenario: 'register.xml', remote, service: served.account, user: served.account, password: served.password, timeoutMs: 20_000 });
  assert.ok(ok.ok, describeSippResult(ok));
  const bad = await runSipp({ scenario: 'register-rejected.xml', remote, service: served.account, user: served.account, password: `${served.password}x`, timeoutMs: 20_000 });
  assert.ok(bad.ok, describeSippResult(bad));
});

test('resync and reboot: the check-sync NOTIFY of the vendor reaches the phone registered as the device', async () => {
  const p = phones.find((x) => x.spec.vendor === 'yealink')!;
  const phone: SippProcess = await startSipp({ scenario: 'phone-main.xml', oocScenario: 'phone-check-sync.xml', remote: `127.0.0.1:${pbx.sipPort}`, service: p.account, user: p.account, password: PW(p.account), timeoutMs: 120_000 });
  try {
    await phone.waitForRegistration(15_000);
    const r = await api.post(`/phones/${p.mac}/resync`, {});
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.results[0].ok, true, JSON.stringify(r.body));
    await waitFor(async () => (await phone.events()).includes('EVENT check-sync;reboot=false'), 15_000, 'the resync NOTIFY at the phone');
    const b = await api.post(`/phones/${p.mac}/reboot`, {});
    assert.equal(b.body.results[0].ok, true, JSON.stringify(b.body));
    await waitFor(async () => (await phone.events()).includes('EVENT check-sync;reboot=true'), 15_000, 'the reboot NOTIFY at the phone');
    // A phone whose account is not registered is told so, nothing is sent.
    const other = phones.find((x) => x.spec.vendor === 'snom')!;
    const n = await api.post(`/phones/${other.mac}/resync`, {});
    assert.equal(n.status, 200);
    assert.equal(n.body.results[0].ok, false);
    assert.match(n.body.results[0].error, /not registered/);
    // Every phone of a vendor at once.
    const all = await api.post('/provisioning/notify', { action: 'resync', vendor: 'yealink' });
    assert.equal(all.status, 200);
    assert.deepEqual(all.body.results.map((x: { mac: string; ok: boolean }) => [x.mac, x.ok]).sort(), [[p.mac, true], [authPhone.mac, false]].sort());
  } finally {
    await phone.stop();
  }
});
