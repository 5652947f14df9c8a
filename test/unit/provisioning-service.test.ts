// The provisioning resolver (src/provisioning/service.ts) with fake vendor profiles of its own on
// a real SQLite database (the request log and discovered phones, src/store/provisioning-log.ts),
// its HTTP router on a real server fetched with a real client, and the real vendor profiles
// (whatever of them exist) serving the golden model's phones exactly as previewed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { openDatabase } from '../../src/store/db.ts';
import { ProvisioningLog } from '../../src/store/provisioning-log.ts';
import { ProvisioningService, type FileRequest } from '../../src/provisioning/service.ts';
import { provisioningRouter, basicAuth } from '../../src/provisioning/http.ts';
import { PROFILES } from '../../src/provisioning/vendors/index.ts';
import { phoneFileList } from '../../src/provisioning/render.ts';
import type { FileMatch, VendorProfile } from '../../src/provisioning/vendor.ts';
import { parseConfig } from '../../src/domain/rules.ts';
import type { PbxConfig } from '../../src/domain/model.ts';
import { NotFoundError } from '../../src/domain/errors.ts';
import { normalizeMac, type Vendor } from '../../src/domain/phones.ts';
import { goldenConfig } from '../lib/provisioning-golden.ts';

const calls = { match: 0 };

/** A vendor whose phones ask for <mac>.cfg (and <pb>/<MAC>.xml), and y000000000000.boot as a common file. */
function fakeProfile(vendor: Vendor, ua: RegExp, pb: string): VendorProfile {
  return {
    vendor,
    models: [{ name: 'F1', keys: 4, accounts: 2 }],
    files: [
      { id: 'device', format: 'text', contentType: 'text/plain', name: (m) => `${m.lower}.cfg`, description: 'Lines and keys' },
      { id: 'phonebook', format: 'xml', contentType: 'application/xml', name: (m) => `${pb}/${m.upper}.xml`, description: 'Phonebook', directory: true },
    ],
    commonFiles: [{ id: 'boot', format: 'text', contentType: 'text/plain', example: 'y000000000000.boot', description: 'Boot' }],
    templates: {
      device: '# {{vendorName}} {{model}}\naccount = {{line1.account}}\npassword = {{line1.password}}\nserver = {{server.address}}\nurl = {{server.provisioningUrl}}\nldap = {{server.ldapPort}}\n',
      phonebook: '<list>{{#directory}}<e n="{{name}}" t="{{number}}"/>{{/directory}}</list>\n',
      boot: '# {{vendorName}} boot {{model}}\ninclude = {{server.provisioningUrl}}\n',
    },
    identify: (s) => {
      const m = ua.exec(s);
      return m ? { model: m[1]!, ...(m[2] ? { mac: normalizeMac(m[2])! } : {}) } : undefined;
    },
    match: (name): FileMatch | undefined => {
      calls.match++;
      let m = /^([0-9a-f]{12})\.cfg$/.exec(name);
      if (m && normalizeMac(m[1]!)) return { kind: 'phone', file: 'device', mac: normalizeMac(m[1]!)! };
      m = new RegExp(`^${pb}/([0-9A-F]{12})\\.xml$`).exec(name);
      if (m && normalizeMac(m[1]!)) return { kind: 'phone', file: 'phonebook', mac: normalizeMac(m[1]!)! };
      if (name === 'y000000000000.boot') return { kind: 'common', file: 'boot' };
      return undefined;
    },
    view: (ctx) => {
      if (ctx.model === 'BOOM') throw new Error('profile bug');
      return { vendorName: vendor };
    },
    commonView: () => ({ vendorName: vendor }),
  };
}

const yealinkish = fakeProfile('yealink', /^FakeYea (\w+) ([0-9a-f]{12})$/, 'pb');
const fanvilish = fakeProfile('fanvil', /^FakeFan (\w+)(?: ([0-9a-f]{12}))?$/, 'fpb');
const FAKES: Partial<Record<Vendor, VendorProfile>> = { yealink: yealinkish, fanvil: fanvilish };

const MODEL = {
  system: { name: 'Test Srl' },
  extensions: [
    { number: '201', name: 'Alice', devices: [{ username: 'alice', password: 'Kq7-vLm2Xw9z' }] },
    { number: '202', name: 'Bruno', devices: [{ username: 'bruno', password: 'Hj5-wQs6Ld2x' }] },
    { number: '203', name: 'Carla', devices: [{ username: 'carla', password: 'Mv8-tGp3Ke7q' }] },
    { number: '204', name: 'Dario', devices: [{ username: 'dario', password: 'Wn2-bFh9Jr4s' }] },
  ],
  phones: [
    { mac: '00:15:65:aa:bb:01', vendor: 'yealink', model: 'F1', adminPassword: 'Ad7-mQw3Zx9k', lines: [{ account: 'alice' }] },
    { mac: '00:15:65:aa:bb:02', vendor: 'fanvil', model: 'F1', adminPassword: 'Ad7-mQw3Zx8k', lines: [{ account: 'bruno' }] },
    {
      mac: '00:15:65:aa:bb:03',
      vendor: 'yealink',
      model: 'F1',
      adminPassword: 'Ad7-mQw3Zx7k',
      httpAuth: { username: 'ph03', password: 'Hp4-kRt7Wq2x' },
      lines: [{ account: 'carla' }],
    },
    { mac: '00:15:65:aa:bb:04', vendor: 'yealink', model: 'BOOM', adminPassword: 'Ad7-mQw3Zx6k', lines: [{ account: 'dario' }] },
  ],
};

function setup(opts: { perMinute?: number; now?: () => number; config?: PbxConfig; profiles?: Partial<Record<Vendor, VendorProfile>> } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'prov-unit-'));
  const db = openDatabase(join(dir, 'pbx.sqlite'));
  const log = new ProvisioningLog(db);
  let config = opts.config ?? parseConfig(MODEL);
  const errors: unknown[] = [];
  const service = new ProvisioningService({
    config: () => config,
    log,
    profiles: opts.profiles ?? FAKES,
    ldapPort: 1389,
    httpPort: () => 8080,
    rateLimit: { perMinute: opts.perMinute ?? 100_000 },
    onError: (err) => errors.push(err),
    ...(opts.now ? { now: opts.now } : {}),
  });
  const http = (name: string, extra: Partial<FileRequest> = {}) =>
    service.resolve({ protocol: 'http', name, source: '192.0.2.50', localAddress: '192.0.2.10', localPort: 8080, ...extra });
  return {
    db,
    log,
    service,
    errors,
    http,
    setConfig: (c: PbxConfig) => (config = c),
    cleanup: () => {
      log.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

test('a configured phone gets its file, rendered for the address and port it reached; the request is logged', () => {
  const s = setup();
  try {
    const r = s.http('/provisioning/001565aabb01.cfg', { userAgent: 'FakeYea F1 001565aabb01' });
    assert.equal(r.status, 200);
    assert.equal(r.contentType, 'text/plain');
    assert.match(r.body!, /^# yealink F1$/m);
    assert.match(r.body!, /^account = alice$/m);
    assert.match(r.body!, /^password = Kq7-vLm2Xw9z$/m);
    assert.match(r.body!, /^url = http:\/\/192\.0\.2\.10:8080\/provisioning\/$/m);
    assert.match(r.body!, /^ldap = 1389$/m);

    // The same name is fanvil's too: the configured phone's vendor decides.
    const f = s.http('001565aabb02.cfg');
    assert.equal(f.status, 200);
    assert.match(f.body!, /^# fanvil F1$/m);
    assert.match(f.body!, /^account = bruno$/m);

    // HTTPS keeps the phone on HTTPS; a dual-stack socket's ::ffff: form is the IPv4 address.
    const h = s.http('001565aabb01.cfg', { protocol: 'https', localAddress: '::ffff:192.0.2.11', localPort: 8443 });
    assert.match(h.body!, /^url = https:\/\/192\.0\.2\.11:8443\/provisioning\/$/m);
    // TFTP: the URLs written are the HTTP server's (later fetches can authenticate).
    const t = s.http('001565aabb01.cfg', { protocol: 'tftp', localPort: 6969 });
    assert.match(t.body!, /^url = http:\/\/192\.0\.2\.10:8080\/provisioning\/$/m);
    // Names with a / of the profile's own.
    const pb = s.http('pb/001565AABB01.xml');
    assert.equal(pb.status, 200);
    assert.equal(pb.contentType, 'application/xml');
    assert.match(pb.body!, /<e n="Alice" t="201"\/>/);

    const [last, ...rest] = s.service.requests().items;
    assert.equal(rest.length, 4);
    assert.equal(last!.result, 'served');
    assert.equal(last!.file, 'pb/001565AABB01.xml');
    assert.equal(last!.detail, 'phonebook');
    const first = rest.at(-1)!;
    assert.deepEqual(
      { ...first, id: 0, at: '' },
      {
        id: 0,
        at: '',
        protocol: 'http',
        source: '192.0.2.50',
        mac: '001565aabb01',
        vendor: 'yealink',
        model: 'F1',
        userAgent: 'FakeYea F1 001565aabb01',
        file: '001565aabb01.cfg',
        result: 'served',
        status: 200,
        bytes: Buffer.byteLength(r.body!),
        detail: 'device',
      },
    );
    assert.equal(s.errors.length, 0);
  } finally {
    s.cleanup();
  }
});

test('common files: anyone gets them, the User-Agent picks the vendor when several have the name', () => {
  const s = setup();
  try {
    const plain = s.http('y000000000000.boot');
    assert.equal(plain.status, 200);
    assert.match(plain.body!, /^# yealink boot $/m);
    const fan = s.http('y000000000000.boot', { userAgent: 'FakeFan X4' });
    assert.match(fan.body!, /^# fanvil boot X4$/m);
    assert.match(fan.body!, /^include = http:\/\/192\.0\.2\.10:8080\/provisioning\/$/m);
    const row = s.service.requests({ limit: 1 }).items[0]!;
    assert.equal(row.vendor, 'fanvil');
    assert.equal(row.model, 'X4');
    assert.equal(row.detail, 'common boot');
    // A phone naming an unknown MAC in its User-Agent is listed even when it asks for a common file.
    s.http('y000000000000.boot', { userAgent: 'FakeFan X4 0c383e07e16c' });
    assert.deepEqual(
      s.service.discovered().map((d) => [d.mac, d.vendor, d.model]),
      [['0c383e07e16c', 'fanvil', 'X4']],
    );
  } finally {
    s.cleanup();
  }
});

test('an unknown MAC gets 404 and is discovered; configuring it removes it from the list', () => {
  const s = setup();
  try {
    const r = s.http('0c383e07e16c.cfg', { userAgent: 'FakeYea T46S 0c383e07e16c', source: '192.0.2.77' });
    assert.deepEqual(r, { status: 404 });
    s.http('0c383e07e16c.cfg', { userAgent: 'FakeYea T46S 0c383e07e16c', source: '192.0.2.78' });
    // Two vendors have the name and no User-Agent: the vendor is not guessed.
    s.http('0c383e07e16d.cfg');
    // Only one vendor has this name: it is that vendor's phone.
    s.http('pb/0C383E07E16E.xml');

    const d = s.service.discovered();
    assert.deepEqual(
      d.map((x) => ({ mac: x.mac, vendor: x.vendor, model: x.model, requests: x.requests, source: x.source, lastFile: x.lastFile })).sort((a, b) => a.mac.localeCompare(b.mac)),
      [
        { mac: '0c383e07e16c', vendor: 'yealink', model: 'T46S', requests: 2, source: '192.0.2.78', lastFile: '0c383e07e16c.cfg' },
        { mac: '0c383e07e16d', vendor: undefined, model: undefined, requests: 1, source: '192.0.2.50', lastFile: '0c383e07e16d.cfg' },
        { mac: '0c383e07e16e', vendor: 'yealink', model: undefined, requests: 1, source: '192.0.2.50', lastFile: 'pb/0C383E07E16E.xml' },
      ],
    );
    const row = s.service.requests({ mac: '0C-38-3E-07-E1-6C' }).items;
    assert.equal(row.length, 2);
    assert.equal(row[0]!.result, 'unknown-phone');
    assert.equal(row[0]!.status, 404);
    assert.equal(row[0]!.bytes, 0);

    // Adopted: the installer configures it; it is no longer "discovered" and gets its file.
    const model = structuredClone(MODEL);
    model.phones.push({ mac: '0c383e07e16c', vendor: 'yealink', model: 'T46S', adminPassword: 'Ad7-mQw3Zx5k', lines: [{ account: 'dario' }] });
    model.phones = model.phones.filter((p) => p.mac !== '00:15:65:aa:bb:04');
    s.setConfig(parseConfig(model));
    assert.deepEqual(s.service.discovered().map((x) => x.mac).sort(), ['0c383e07e16d', '0c383e07e16e']);
    assert.equal(s.http('0c383e07e16c.cfg', { userAgent: 'FakeYea T46S 0c383e07e16c' }).status, 200);

    assert.equal(s.service.forgetDiscovered('0c:38:3e:07:e1:6d'), true);
    assert.equal(s.service.forgetDiscovered('0c:38:3e:07:e1:6d'), false);
    assert.deepEqual(s.service.discovered().map((x) => x.mac), ['0c383e07e16e']);
  } finally {
    s.cleanup();
  }
});

test("a User-Agent naming another MAC than the file's gets 403 and nothing; a phone of another vendor's name gets 404", () => {
  const s = setup();
  try {
    const r = s.http('001565aabb01.cfg', { userAgent: 'FakeYea F1 001565aabb02' });
    assert.deepEqual(r, { status: 403 });
    const row = s.service.requests({ limit: 1 }).items[0]!;
    assert.equal(row.result, 'forbidden');
    assert.equal(row.mac, '001565aabb01');
    assert.match(row.detail!, /001565aabb02/);
    // Unknown path MAC with a mismatching User-Agent: refused, not listed.
    assert.equal(s.http('0c383e07e16c.cfg', { userAgent: 'FakeYea F1 001565aabb02' }).status, 403);
    assert.deepEqual(s.service.discovered(), []);

    // 001565aabb02 is a fanvil: its own phonebook name is served, the yealink-only name is not its file.
    assert.equal(s.http('fpb/001565AABB02.xml').status, 200);
    assert.deepEqual(s.http('pb/001565AABB02.xml'), { status: 404 });
    const row2 = s.service.requests({ limit: 1 }).items[0]!;
    assert.equal(row2.result, 'not-found');
    assert.equal(row2.vendor, 'fanvil');
    assert.match(row2.detail!, /configured as fanvil; this is a yealink file name/);
    assert.deepEqual(s.service.discovered(), []);
  } finally {
    s.cleanup();
  }
});

test('httpAuth: 401 without or with wrong credentials, the file with them; never over TFTP; no secret in the log', () => {
  const s = setup();
  try {
    assert.deepEqual(s.http('001565aabb03.cfg'), { status: 401, wwwAuthenticate: true });
    assert.deepEqual(s.http('001565aabb03.cfg', { auth: { username: 'ph03', password: 'wrong-pass' } }), { status: 401, wwwAuthenticate: true });
    assert.equal(s.http('001565aabb03.cfg', { auth: { username: 'ph0', password: 'Hp4-kRt7Wq2x' } }).status, 401);
    const ok = s.http('001565aabb03.cfg', { auth: { username: 'ph03', password: 'Hp4-kRt7Wq2x' } });
    assert.equal(ok.status, 200);
    assert.match(ok.body!, /^account = carla$/m);
    const tftp = s.http('001565aabb03.cfg', { protocol: 'tftp', localPort: 6969 });
    assert.deepEqual(tftp, { status: 403 });

    const rows = s.service.requests({ mac: '001565aabb03' }).items;
    assert.deepEqual(
      rows.map((r) => [r.protocol, r.result, r.status]),
      [
        ['tftp', 'forbidden', 403],
        ['http', 'served', 200],
        ['http', 'unauthorized', 401],
        ['http', 'unauthorized', 401],
        ['http', 'unauthorized', 401],
      ],
    );
    assert.match(rows[0]!.detail!, /TFTP/);
    assert.equal(rows[4]!.detail, 'no credentials sent');
    assert.equal(rows[3]!.detail, 'wrong credentials');
    const text = JSON.stringify(s.service.requests({ limit: 1000 }).items);
    for (const secret of ['Hp4-kRt7Wq2x', 'wrong-pass', 'Mv8-tGp3Ke7q']) assert.ok(!text.includes(secret), secret);
  } finally {
    s.cleanup();
  }
});

test('rate limit per source: 429 once the bucket is empty, refilled with time; a flood is logged sparsely', () => {
  let now = 1_000_000;
  const s = setup({ perMinute: 3, now: () => now });
  try {
    for (let i = 0; i < 3; i++) assert.equal(s.http('y000000000000.boot').status, 200);
    assert.deepEqual(s.http('y000000000000.boot'), { status: 429 });
    // Another source has its own bucket.
    assert.equal(s.http('y000000000000.boot', { source: '192.0.2.51' }).status, 200);
    for (let i = 0; i < 20; i++) assert.equal(s.http('y000000000000.boot').status, 429);
    // 3 a minute: one request every 20 s.
    now += 20_000;
    assert.equal(s.http('y000000000000.boot').status, 200);
    assert.equal(s.http('y000000000000.boot').status, 429);

    const limited = s.service.requests({ result: 'rate-limited' }).items;
    assert.equal(limited.length, 2);
    assert.match(limited[1]!.detail!, /more than 3 requests a minute/);
    assert.match(limited[0]!.detail!, /^more than 3 requests a minute from 192\.0\.2\.50; 20 more refused/);
    assert.equal(limited[0]!.status, 429);
  } finally {
    s.cleanup();
  }
});

test('names with .., NUL, backslashes, control characters, over 200 characters or naming a directory get 404 without any profile asked', () => {
  const s = setup();
  try {
    const bad = ['../001565aabb01.cfg', 'pb/../001565aabb01.cfg', 'a\\001565aabb01.cfg', '001565aabb01.cfg\0', `${'a'.repeat(197)}.cfg`, '', '/', '/provisioning/', 'pb/', 'x\n.cfg'];
    const before = calls.match;
    for (const name of bad) assert.deepEqual(s.http(name), { status: 404 }, JSON.stringify(name));
    assert.equal(calls.match, before);
    const rows = s.service.requests().items;
    assert.equal(rows.length, bad.length);
    assert.ok(rows.every((r) => r.result === 'not-found' && r.status === 404));
    assert.ok(rows.every((r) => !/[\u0000-\u001f]/.test(r.file)));
    // Nothing matched at all: 404 too, with the reason.
    assert.deepEqual(s.http('index.html'), { status: 404 });
    assert.equal(s.service.requests({ limit: 1 }).items[0]!.detail, 'no vendor asks for this name');
  } finally {
    s.cleanup();
  }
});

test('a file that cannot be rendered is a logged 500, and the next request is served', () => {
  const s = setup();
  try {
    assert.deepEqual(s.http('001565aabb04.cfg'), { status: 500 });
    assert.equal(s.errors.length, 1);
    const row = s.service.requests({ limit: 1 }).items[0]!;
    assert.equal(row.result, 'error');
    assert.match(row.detail!, /profile bug/);
    assert.equal(s.http('001565aabb01.cfg').status, 200);
  } finally {
    s.cleanup();
  }
});

test('preview is exactly what resolve serves from that address; unknown phone or file: NotFoundError', () => {
  const s = setup();
  try {
    const server = { address: '192.0.2.10', scheme: 'http' as const, httpPort: 8080 };
    const p = s.service.preview('00-15-65-AA-BB-01', undefined, server);
    assert.deepEqual(p.files, [
      { file: 'device', name: '001565aabb01.cfg', description: 'Lines and keys', url: 'http://192.0.2.10:8080/provisioning/001565aabb01.cfg' },
      { file: 'phonebook', name: 'pb/001565AABB01.xml', description: 'Phonebook', url: 'http://192.0.2.10:8080/provisioning/pb/001565AABB01.xml' },
    ]);
    assert.equal(p.file, undefined);
    for (const f of p.files) {
      const served = s.http(f.name);
      const shown = s.service.preview('001565aabb01', f.file, server).file!;
      assert.equal(shown.body, served.body);
      assert.equal(shown.contentType, served.contentType);
      assert.equal(shown.name, f.name);
    }
    const https = { address: '::ffff:192.0.2.11', scheme: 'https' as const, httpPort: 8443 };
    assert.equal(
      s.service.preview('001565aabb02', '001565aabb02.cfg', https).file!.body,
      s.http('001565aabb02.cfg', { protocol: 'https', localAddress: '::ffff:192.0.2.11', localPort: 8443 }).body,
    );
    // An httpAuth phone's preview needs no credentials: it is the admin's view.
    assert.match(s.service.preview('001565aabb03', 'device', server).file!.body, /^account = carla$/m);
    assert.throws(() => s.service.preview('0c383e07e16c', undefined, server), NotFoundError);
    assert.throws(() => s.service.preview('not-a-mac', undefined, server), NotFoundError);
    assert.throws(() => s.service.preview('001565aabb01', 'firmware', server), NotFoundError);
  } finally {
    s.cleanup();
  }
});

test('info: the URLs and option 66 for the address reached, or the settings address', () => {
  const s = setup();
  try {
    assert.deepEqual(s.service.info('::ffff:192.0.2.10', { http: 8080, https: 8443, tftp: 6969 }), {
      httpUrl: 'http://192.0.2.10:8080/provisioning/',
      httpsUrl: 'https://192.0.2.10:8443/provisioning/',
      tftp: { address: '192.0.2.10', port: 6969 },
      option66: 'http://192.0.2.10:8080/provisioning/',
      address: '192.0.2.10',
    });
    s.setConfig(parseConfig({ ...MODEL, provisioning: { address: 'pbx.example.com' } }));
    assert.deepEqual(s.service.info('192.0.2.10', { http: 80 }), {
      httpUrl: 'http://pbx.example.com:80/provisioning/',
      option66: 'http://pbx.example.com:80/provisioning/',
      address: 'pbx.example.com',
    });
    // The settings' address is written into the files too.
    assert.match(s.http('001565aabb01.cfg').body!, /^server = pbx\.example\.com$/m);
  } finally {
    s.cleanup();
  }
});

test('request log: filters, newest first, paging with before; bounded in batches', () => {
  let clock = Date.parse('2026-03-04T10:00:00Z');
  const dir = mkdtempSync(join(tmpdir(), 'prov-log-'));
  const db = openDatabase(join(dir, 'pbx.sqlite'));
  try {
    const log = new ProvisioningLog(db, { now: () => new Date((clock += 1000)) });
    for (let i = 0; i < 30; i++) {
      log.record({
        protocol: i % 3 === 0 ? 'tftp' : 'http',
        source: i % 2 ? '192.0.2.1' : '192.0.2.2',
        ...(i % 5 === 0 ? { mac: '001565aabb01' } : {}),
        file: `f${i}`,
        result: i % 4 === 0 ? 'served' : 'not-found',
        status: i % 4 === 0 ? 200 : 404,
        bytes: i,
      });
    }
    const all = log.query({ limit: 1000 });
    assert.equal(all.length, 30);
    assert.deepEqual(all.slice(0, 2).map((r) => r.file), ['f29', 'f28']);
    assert.deepEqual(log.query({ mac: '00:15:65:AA:BB:01' }).map((r) => r.file), ['f25', 'f20', 'f15', 'f10', 'f5', 'f0']);
    assert.deepEqual(log.query({ mac: '001565aabb01', protocol: 'tftp' }).map((r) => r.file), ['f15', 'f0']);
    assert.deepEqual(log.query({ result: 'served', source: '192.0.2.2' }).map((r) => r.file), ['f28', 'f24', 'f20', 'f16', 'f12', 'f8', 'f4', 'f0']);
    // Entry i is at 10:00:(i+1).
    assert.deepEqual(log.query({ from: '2026-03-04T10:00:05Z', to: '2026-03-04T11:00:08+01:00' }).map((r) => r.file), ['f6', 'f5', 'f4']);
    const page1 = log.query({ limit: 7 });
    const page2 = log.query({ limit: 7, before: page1.at(-1)!.id });
    assert.deepEqual([...page1, ...page2].map((r) => r.file), all.slice(0, 14).map((r) => r.file));
    log.close();

    // Bounded: the newest maxRows stay, trimmed once per trimEvery rows (never more than maxRows + trimEvery).
    const small = new ProvisioningLog(db, { maxRows: 10, trimEvery: 5 });
    for (let i = 0; i < 23; i++) {
      small.record({ protocol: 'http', source: 's', file: `g${i}`, result: 'not-found', status: 404, bytes: 0 });
      small.flush();
    }
    // Trimmed after the 1st, 6th, 11th, 16th and 21st write: 12 rows after the 23rd.
    const count = (db.prepare('SELECT COUNT(*) AS n FROM provisioning_requests').get() as { n: number }).n;
    assert.equal(count, 12);
    assert.equal(small.query({ limit: 1 })[0]!.file, 'g22');
    assert.deepEqual(small.query({ limit: 10 }).map((r) => r.file), Array.from({ length: 10 }, (_, i) => `g${22 - i}`));

    // Many at once: one transaction for the whole burst, read back complete.
    const t0 = performance.now();
    for (let i = 0; i < 500; i++) small.record({ protocol: 'tftp', source: `10.0.${i >> 8}.${i & 255}`, file: 'y000000000000.boot', result: 'served', status: 200, bytes: 100 });
    small.flush();
    assert.ok(performance.now() - t0 < 10_000);
    assert.equal(small.query({ limit: 1 })[0]!.source, '10.0.1.243');
    small.close();
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('HTTP router: GET/HEAD only, Basic auth, headers, no listings', async () => {
  const s = setup();
  const app = express();
  app.use('/provisioning', provisioningRouter(s.service));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const r = await fetch(`${base}/provisioning/001565aabb01.cfg`, { headers: { 'user-agent': 'FakeYea F1 001565aabb01' } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'text/plain');
    assert.equal(r.headers.get('cache-control'), 'no-store');
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    const body = await r.text();
    assert.match(body, new RegExp(`^url = http://127\\.0\\.0\\.1:${(server.address() as AddressInfo).port}/provisioning/$`, 'm'));
    assert.equal(Number(r.headers.get('content-length')), Buffer.byteLength(body));

    const head = await fetch(`${base}/provisioning/001565aabb01.cfg`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
    assert.equal(head.headers.get('content-length'), String(Buffer.byteLength(body)));

    const post = await fetch(`${base}/provisioning/001565aabb01.cfg`, { method: 'POST', body: 'x' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');

    const noAuth = await fetch(`${base}/provisioning/001565aabb03.cfg`);
    assert.equal(noAuth.status, 401);
    assert.equal(noAuth.headers.get('www-authenticate'), 'Basic realm="provisioning"');
    assert.doesNotMatch(await noAuth.text(), /carla/);
    const auth = await fetch(`${base}/provisioning/001565aabb03.cfg`, { headers: { authorization: `Basic ${Buffer.from('ph03:Hp4-kRt7Wq2x').toString('base64')}` } });
    assert.equal(auth.status, 200);
    assert.match(await auth.text(), /^account = carla$/m);

    for (const path of ['/provisioning/', '/provisioning', '/provisioning/pb/', '/provisioning/a%2F..%2F001565aabb01.cfg', '/provisioning/%zz']) {
      const res = await fetch(`${base}${path}`);
      assert.equal(res.status, 404, path);
      assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
    }
    const pb = await fetch(`${base}/provisioning/pb%2F001565AABB01.xml`);
    assert.equal(pb.status, 200);

    const rows = s.service.requests({ source: '127.0.0.1', limit: 1000 }).items;
    assert.equal(rows.length, 10);
    assert.ok(rows.every((x) => x.protocol === 'http'));

    assert.deepEqual(basicAuth(`Basic ${Buffer.from('a:b:c').toString('base64')}`), { username: 'a', password: 'b:c' });
    assert.equal(basicAuth('Bearer x'), undefined);
    assert.equal(basicAuth(`Basic ${Buffer.from('nocolon').toString('base64')}`), undefined);
  } finally {
    await new Promise((r) => server.close(r));
    s.cleanup();
  }
});

// The real profiles, as far as they exist: every file of the golden model's phones is served
// over HTTP (with the phone's credentials) exactly as the preview shows it, and over TFTP
// unless the phone needs HTTP authentication; every common file example is served.
test('real vendor profiles: the golden phones get their files as previewed', (t) => {
  const config = goldenConfig();
  const s = setup({ config, profiles: PROFILES });
  try {
    const server = { address: '192.0.2.10', scheme: 'http' as const, httpPort: 8080 };
    let files = 0;
    for (const phone of config.phones) {
      for (const f of phoneFileList(PROFILES[phone.vendor], phone)) {
        const r = s.http(f.name, phone.httpAuth ? { auth: phone.httpAuth } : {});
        assert.equal(r.status, 200, `${phone.vendor} ${f.name}`);
        assert.equal(r.body, s.service.preview(phone.mac, f.file, server).file!.body, `${phone.vendor} ${f.name}`);
        const viaTftp = s.http(f.name, { protocol: 'tftp', localPort: 6969 });
        assert.equal(viaTftp.status, phone.httpAuth ? 403 : 200, `${phone.vendor} ${f.name} over TFTP`);
        if (!phone.httpAuth) assert.equal(viaTftp.body, r.body);
        files++;
      }
    }
    for (const profile of Object.values(PROFILES)) for (const c of profile.commonFiles) assert.equal(s.http(c.example).status, 200, `${profile.vendor} ${c.example}`);
    t.diagnostic(`${files} phone files`);
    assert.equal(s.errors.length, 0);
  } finally {
    s.cleanup();
  }
});
