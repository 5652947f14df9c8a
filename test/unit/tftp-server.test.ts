// The TFTP server (src/provisioning/tftp-server.ts) answered by the real resolver
// (ProvisioningService with a fake vendor profile, on a real SQLite log), fetched by real clients:
// Debian's tftp-hpa `tftp` (plain RFC 1350: it sends no options) and curl's TFTP (it asks for
// tsize, blksize and timeout). A few packets the clients never send (a write request, a stray
// transfer ID, a lost ACK) come from a socket of the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { udpInbox } from '../lib/udp-inbox.ts';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openDatabase } from '../../src/store/db.ts';
import { ProvisioningLog } from '../../src/store/provisioning-log.ts';
import { ProvisioningService, type FileRequest, type FileResponse } from '../../src/provisioning/service.ts';
import { TftpServer, localAddressFor, parseRequest } from '../../src/provisioning/tftp-server.ts';
import type { FileMatch, VendorProfile } from '../../src/provisioning/vendor.ts';
import { parseConfig } from '../../src/domain/rules.ts';
import { normalizeMac } from '../../src/domain/phones.ts';

const run = promisify(execFile);

/** Bodies of several blocks: 512 exactly twice (a last empty block), and 5000 bytes. */
const LINES_1024 = Array.from({ length: 64 }, (_, i) => `line ${String(i).padStart(2, '0')} = ${'x'.repeat(5)}`).join('\n') + '\n';
const LINES_5000 = `${'# filler line of text for several blocks\n'.repeat(121)}end = ${'y'.repeat(32)}\n`;

const profile: VendorProfile = {
  vendor: 'yealink',
  models: [],
  files: [{ id: 'device', format: 'text', contentType: 'text/plain', name: (m) => `${m.lower}.cfg`, description: 'Lines' }],
  commonFiles: [
    { id: 'exact', format: 'text', contentType: 'text/plain', example: 'exact.cfg', description: '1024 bytes' },
    { id: 'big', format: 'text', contentType: 'text/plain', example: 'big.cfg', description: '5000 bytes' },
  ],
  templates: {
    device: 'account = {{line1.account}}\npassword = {{line1.password}}\nurl = {{server.provisioningUrl}}\n',
    exact: LINES_1024,
    big: LINES_5000,
  },
  identify: () => undefined,
  match: (name): FileMatch | undefined => {
    const m = /^\/?([0-9a-f]{12})\.cfg$/.exec(name);
    if (m && normalizeMac(m[1]!)) return { kind: 'phone', file: 'device', mac: m[1]! };
    if (name === 'exact.cfg') return { kind: 'common', file: 'exact' };
    if (name === 'big.cfg') return { kind: 'common', file: 'big' };
    return undefined;
  },
  view: () => ({}),
  commonView: () => ({}),
};

const config = parseConfig({
  extensions: [
    { number: '201', name: 'Alice', devices: [{ username: 'alice', password: 'Kq7-vLm2Xw9z' }] },
    { number: '202', name: 'Bruno', devices: [{ username: 'bruno', password: 'Hj5-wQs6Ld2x' }] },
  ],
  phones: [
    { mac: '001565aabb01', vendor: 'yealink', model: 'T46S', adminPassword: 'Ad7-mQw3Zx9k', lines: [{ account: 'alice' }] },
    { mac: '001565aabb02', vendor: 'yealink', model: 'T46S', adminPassword: 'Ad7-mQw3Zx8k', httpAuth: { username: 'p2', password: 'Hp4-kRt7Wq2x' }, lines: [{ account: 'bruno' }] },
  ],
});

async function setup(opts: { timeoutMs?: number; retries?: number; host?: string; service?: { resolve(r: FileRequest): FileResponse } } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'tftp-unit-'));
  const db = openDatabase(join(dir, 'pbx.sqlite'));
  const log = new ProvisioningLog(db);
  const service = new ProvisioningService({ config: () => config, log, profiles: { yealink: profile }, ldapPort: 1389, httpPort: () => 8080 });
  const errors: Error[] = [];
  const server = new TftpServer({ service: opts.service ?? service, onError: (e) => errors.push(e), ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}), ...(opts.retries !== undefined ? { retries: opts.retries } : {}) });
  await server.start(0, opts.host ?? '127.0.0.1');
  const port = server.port();
  /** tftp-hpa: get `name` into a file; its output and the file (if any). */
  const get = async (name: string, mode = 'octet') => {
    const out = join(dir, `out-${Math.random().toString(36).slice(2)}`);
    const r = await run('tftp', ['127.0.0.1', String(port), '-m', mode, '-c', 'get', name, out], { timeout: 30_000 }).catch((e: { stdout: string; stderr: string; code: number }) => e);
    return { output: `${r.stdout}${r.stderr}`, file: existsSync(out) ? readFileSync(out) : undefined };
  };
  return {
    dir,
    port,
    service,
    server,
    errors,
    get,
    cleanup: async () => {
      await server.stop();
      log.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A socket of the test and the packets it receives, in order; sends byte arrays and latin1 text. */
async function rawClient() {
  const u = await udpInbox();
  const send = (port: number, ...parts: (number[] | string)[]) =>
    u.send(port, Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p)))));
  return { ...u, send };
}
const rrq = (name: string, ...options: string[]) => [name, 'octet', ...options].map((s) => `${s}\0`).join('');

test('tftp-hpa gets a phone file, the same bytes the resolver gives, with the HTTP URL in it; the request is logged', async () => {
  const s = await setup();
  try {
    const r = await s.get('001565aabb01.cfg');
    assert.ok(r.file, r.output);
    const expected = s.service.preview('001565aabb01', 'device', { address: '127.0.0.1', scheme: 'http', httpPort: 8080 }).file!.body;
    assert.equal(r.file.toString('utf8'), expected);
    assert.match(expected, /^url = http:\/\/127\.0\.0\.1:8080\/provisioning\/$/m);
    assert.match(expected, /^password = Kq7-vLm2Xw9z$/m);
    // A leading slash, as Cisco phones send it.
    assert.equal((await s.get('/001565aabb01.cfg')).file?.toString('utf8'), expected);

    const rows = s.service.requests().items;
    assert.equal(rows.length, 2);
    assert.deepEqual(
      rows.map((x) => [x.protocol, x.source, x.mac, x.result, x.status, x.bytes]),
      [
        ['tftp', '127.0.0.1', '001565aabb01', 'served', 200, Buffer.byteLength(expected)],
        ['tftp', '127.0.0.1', '001565aabb01', 'served', 200, Buffer.byteLength(expected)],
      ],
    );
  } finally {
    await s.cleanup();
  }
});

test('on all addresses (0.0.0.0), a loopback client is answered from and told 127.0.0.1', async () => {
  const s = await setup({ host: '0.0.0.0' });
  try {
    const r = await s.get('001565aabb01.cfg');
    assert.match(r.file?.toString('utf8') ?? r.output, /^url = http:\/\/127\.0\.0\.1:8080\/provisioning\/$/m);
  } finally {
    await s.cleanup();
  }
});

test('files of several blocks (a last empty block too), octet and netascii', async () => {
  const s = await setup();
  try {
    assert.equal(Buffer.byteLength(LINES_1024), 1024);
    assert.equal(Buffer.byteLength(LINES_5000), 5000);
    for (const mode of ['octet', 'netascii']) {
      const exact = await s.get('exact.cfg', mode);
      assert.equal(exact.file?.toString('utf8'), LINES_1024, exact.output);
      const big = await s.get('big.cfg', mode);
      assert.equal(big.file?.toString('utf8'), LINES_5000, big.output);
    }
  } finally {
    await s.cleanup();
  }
});

test('a missing file is error 1, an unknown MAC is discovered, an httpAuth phone is refused, a write is refused', async () => {
  const s = await setup();
  try {
    const missing = await s.get('nothing-here.cfg');
    assert.match(missing.output, /Error code 1: File not found/);
    assert.ok(!missing.file || missing.file.length === 0);

    const unknown = await s.get('0c383e07e16c.cfg');
    assert.match(unknown.output, /Error code 1: File not found/);
    assert.deepEqual(s.service.discovered().map((d) => [d.mac, d.vendor, d.lastFile]), [['0c383e07e16c', 'yealink', '0c383e07e16c.cfg']]);

    const auth = await s.get('001565aabb02.cfg');
    assert.match(auth.output, /Error code 2: Access violation/);
    assert.doesNotMatch(auth.output, /Hj5-wQs6Ld2x/);
    const row = s.service.requests({ mac: '001565aabb02' }).items[0]!;
    assert.equal(row.result, 'forbidden');
    assert.match(row.detail!, /TFTP cannot carry/);

    const local = join(s.dir, 'upload.cfg');
    writeFileSync(local, 'evil = 1\n');
    const put = await run('tftp', ['127.0.0.1', String(s.port), '-m', 'octet', '-c', 'put', local, 'exact.cfg'], { timeout: 30_000 }).catch((e: { stdout: string; stderr: string }) => e);
    assert.match(`${put.stdout}${put.stderr}`, /Error code 2: Access violation/);
    // Unchanged.
    assert.equal((await s.get('exact.cfg')).file?.toString('utf8'), LINES_1024);
  } finally {
    await s.cleanup();
  }
});

test('curl negotiates tsize, blksize and timeout (RFC 2347-2349) and gets the file', async () => {
  const s = await setup();
  try {
    for (const blksize of ['1428', '8', '65464']) {
      const out = join(s.dir, `curl-${blksize}`);
      await run('curl', ['-sS', '--fail', '--max-time', '30', '--tftp-blksize', blksize, '-o', out, `tftp://127.0.0.1:${s.port}/big.cfg`]);
      assert.equal(readFileSync(out, 'utf8'), LINES_5000, `blksize ${blksize}`);
    }
    const out = join(s.dir, 'curl-phone');
    await run('curl', ['-sS', '--fail', '--max-time', '30', '-o', out, `tftp://127.0.0.1:${s.port}/001565aabb01.cfg`]);
    assert.match(readFileSync(out, 'utf8'), /^account = alice$/m);
    const missing = await run('curl', ['-sS', '--max-time', '30', '-o', join(s.dir, 'none'), `tftp://127.0.0.1:${s.port}/nothing.cfg`]).then(
      () => ({ code: 0 }),
      (e: { code: number }) => e,
    );
    assert.equal(missing.code, 68, 'CURLE_TFTP_NOTFOUND');
  } finally {
    await s.cleanup();
  }
});

test('protocol details: OACK values, blocks of the negotiated size, duplicate ACKs, foreign transfer IDs, retransmission and giving up', async () => {
  const s = await setup({ timeoutMs: 300, retries: 2 });
  const c = await rawClient();
  const other = await rawClient();
  try {
    c.send(s.port, [0, 1], rrq('big.cfg', 'blksize', '1428', 'tsize', '0', 'TimeOut', '5', 'windowsize', '4'));
    const oack = await c.next();
    assert.equal(oack.msg.readUInt16BE(0), 6);
    assert.notEqual(oack.port, s.port, 'a transfer runs from its own port');
    assert.deepEqual(oack.msg.subarray(2).toString('latin1').split('\0').slice(0, -1), ['blksize', '1428', 'timeout', '5', 'tsize', '5000']);
    c.send(oack.port, [0, 4, 0, 0]);
    const sizes: number[] = [];
    for (let block = 1; block <= 4; block++) {
      const d = await c.next();
      assert.equal(d.msg.readUInt16BE(0), 3);
      assert.equal(d.msg.readUInt16BE(2), block);
      sizes.push(d.msg.length - 4);
      if (block === 2) {
        // A packet from another port gets error 5 and changes nothing.
        other.send(oack.port, [0, 4, 0, 2]);
        const e = await other.next();
        assert.equal(e.msg.readUInt16BE(0), 5);
        assert.equal(e.msg.readUInt16BE(2), 5);
        // A duplicate ACK of the previous block is not answered (no Sorcerer's Apprentice).
        c.send(oack.port, [0, 4, 0, 1]);
      }
      c.send(oack.port, [0, 4, 0, block]);
    }
    assert.deepEqual(sizes, [1428, 1428, 1428, 716]);

    // Without options: DATA 1 of 512 bytes at once; not acknowledged, it comes again, then the transfer is given up.
    c.send(s.port, [0, 1], rrq('big.cfg'));
    const first = await c.next();
    assert.equal(first.msg.readUInt16BE(0), 3);
    assert.equal(first.msg.length - 4, 512);
    const again = [await c.next(), await c.next()];
    assert.ok(again.every((p) => p.msg.equals(first.msg) && p.port === first.port));
    const deadline = Date.now() + 20_000;
    while (!s.errors.some((e) => /given up after 2 retransmissions \(block 1\)/.test(e.message)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.match(s.errors.map((e) => e.message).join('\n'), /given up after 2 retransmissions/);
    assert.equal(c.inbox.length, 0);

    // A write request: error 2 from the server port.
    c.send(s.port, [0, 2], rrq('exact.cfg'));
    const w = await c.next();
    assert.deepEqual([w.msg.readUInt16BE(0), w.msg.readUInt16BE(2), w.port], [5, 2, s.port]);
    // Another mode than octet or netascii: error 4.
    c.send(s.port, [0, 1], 'exact.cfg\0mail\0');
    const m = await c.next();
    assert.deepEqual([m.msg.readUInt16BE(0), m.msg.readUInt16BE(2)], [5, 4]);
  } finally {
    c.close();
    other.close();
    await s.cleanup();
  }
});

test('a file needing more than 65535 blocks is refused', async () => {
  const body = 'x'.repeat(65535 * 512);
  const s = await setup({ service: { resolve: () => ({ status: 200, body, contentType: 'text/plain' }) } });
  const c = await rawClient();
  try {
    c.send(s.port, [0, 1], rrq('huge.cfg'));
    const e = await c.next();
    assert.deepEqual([e.msg.readUInt16BE(0), e.msg.readUInt16BE(2)], [5, 0]);
    assert.match(e.msg.subarray(4).toString('latin1'), /too large/);
    // With larger blocks it fits.
    c.send(s.port, [0, 1], rrq('huge.cfg', 'blksize', '1024'));
    const oack = await c.next();
    assert.equal(oack.msg.readUInt16BE(0), 6);
    c.send(oack.port, [0, 5, 0, 0], 'done\0');
  } finally {
    c.close();
    await s.cleanup();
  }
});

test('the address told to the phone is the one of the interface whose network holds it', () => {
  const ifs = {
    lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' }],
    eth0: [
      { address: 'fe80::1', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '52:54:00:00:00:01', internal: false, cidr: 'fe80::1/64', scopeid: 2 },
      { address: '10.1.2.1', netmask: '255.255.255.0', family: 'IPv4', mac: '52:54:00:00:00:01', internal: false, cidr: '10.1.2.1/24' },
    ],
    eth1: [{ address: '192.168.10.1', netmask: '255.255.254.0', family: 'IPv4', mac: '52:54:00:00:00:02', internal: false, cidr: '192.168.10.1/23' }],
  } as const;
  const i = ifs as unknown as Parameters<typeof localAddressFor>[1];
  assert.equal(localAddressFor('10.1.2.77', i), '10.1.2.1');
  assert.equal(localAddressFor('192.168.11.200', i), '192.168.10.1');
  assert.equal(localAddressFor('127.0.0.1', i), '127.0.0.1');
  assert.equal(localAddressFor('203.0.113.9', i), '10.1.2.1');
  assert.equal(localAddressFor('203.0.113.9', { lo: ifs.lo } as unknown as Parameters<typeof localAddressFor>[1]), '127.0.0.1');
  assert.deepEqual(parseRequest(Buffer.from('\0\x01a.cfg\0NetASCII\0BLKSIZE\x001428\0', 'latin1')), { name: 'a.cfg', mode: 'netascii', options: new Map([['blksize', '1428']]) });
  assert.equal(parseRequest(Buffer.from('\0\x01a.cfg\0octet', 'latin1')), undefined);
  assert.equal(parseRequest(Buffer.from('\0\x01a.cfg\0octet\0blksize\0', 'latin1')), undefined);
});
