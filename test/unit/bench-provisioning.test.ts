// The provisioning benchmark's pure helpers (scripts/bench/parts/provisioning.ts): the phones it
// plays, the CSV it imports, how it decides a served file is right (checked against the files the
// real resolver renders, for every vendor, and against wrong ones), and the /proc/net/udp reading.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/store/db.ts';
import { ProvisioningLog } from '../../src/store/provisioning-log.ts';
import { ProvisioningService } from '../../src/provisioning/service.ts';
import { parseConfig } from '../../src/domain/rules.ts';
import { PHONE_CLIENTS } from '../lib/phones/index.ts';
import { realisticConfig, devicePassword } from '../../scripts/bench/lib/model.ts';
import { describeErrors, expectedContentType, fileProblem, phonePlan, phonesCsv, procNetCounters, udpSocketDrops } from '../../scripts/bench/parts/provisioning.ts';

test('the phones: round robin over the seven vendors, distinct MACs with the vendor OUI, phone i on extension i', () => {
  const plan = phonePlan(500);
  assert.equal(plan.length, 500);
  assert.equal(new Set(plan.map((p) => p.mac)).size, 500);
  const perVendor = new Map<string, number>();
  for (const p of plan) perVendor.set(p.spec.vendor, (perVendor.get(p.spec.vendor) ?? 0) + 1);
  assert.equal(perVendor.size, PHONE_CLIENTS.length);
  assert.ok([...perVendor.values()].every((n) => n === 71 || n === 72), JSON.stringify([...perVendor]));
  assert.deepEqual([plan[0]!.account, plan[499]!.account], ['10000', '10499']);
  assert.match(plan[1]!.mac, /^000413/, 'snom OUI');

  const csv = phonesCsv(plan.slice(0, 2)).split('\r\n');
  assert.deepEqual(csv, ['mac,vendor,model,lines', `${plan[0]!.mac},yealink,T46S,10000`, `${plan[1]!.mac},snom,D785,10001`, '']);
});

test('every file a vendor phone asks for, as the resolver renders it, passes; wrong ones are named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-prov-'));
  const db = openDatabase(join(dir, 'pbx.sqlite'));
  const log = new ProvisioningLog(db);
  try {
    const phones = phonePlan(PHONE_CLIENTS.length);
    const config = parseConfig({
      ...realisticConfig({ extensions: phones.length, services: false }),
      phones: phones.map((p, i) => ({ mac: p.mac, vendor: p.spec.vendor, model: p.spec.model, adminPassword: `Adm-${i}-kR7wq`, lines: [{ account: p.account }] })),
    });
    const service = new ProvisioningService({ config: () => config, log, ldapPort: 1389, httpPort: () => 8080 });
    const sipPort = config.system.sipPort;
    for (const [i, phone] of phones.entries()) {
      for (const name of phone.spec.requests(phone.mac)) {
        const r = service.resolve({ protocol: 'http', name, userAgent: phone.spec.userAgent(phone.mac), source: '127.0.0.1', localAddress: '127.0.0.1', localPort: 8080 });
        assert.equal(r.status, 200, `${phone.spec.vendor} ${name}`);
        const file = { status: 200, contentType: r.contentType!, body: Buffer.from(r.body!, 'utf8') };
        const expected = { phone, name, server: '127.0.0.1', sipPort, checkType: true };
        assert.equal(expectedContentType(phone.spec.vendor, name), r.contentType);
        assert.equal(fileProblem(file, expected), undefined, `${phone.spec.vendor} ${name}`);
        // TFTP carries no content type.
        assert.equal(fileProblem({ status: 200, body: file.body }, { ...expected, checkType: false }), undefined);
        if (name !== phone.spec.mainFile(phone.mac)) continue;
        // Another phone's main file, or one naming another registrar, is wrong.
        const other = phones[(i + 1) % phones.length]!;
        assert.equal(fileProblem(file, { ...expected, phone: { ...phone, account: other.account } }), "not this phone's account", phone.spec.vendor);
        assert.equal(fileProblem(file, { ...expected, server: '192.0.2.1' }), 'wrong registrar', phone.spec.vendor);
      }
    }
    const yealink = phones[0]!;
    const main = { phone: yealink, name: yealink.spec.mainFile(yealink.mac), server: '127.0.0.1', sipPort, checkType: true };
    assert.equal(fileProblem({ status: 404, contentType: 'text/plain; charset=utf-8', body: Buffer.from('not found\n') }, main), 'http 404');
    assert.equal(fileProblem({ status: 200, contentType: 'text/plain; charset=utf-8', body: Buffer.alloc(0) }, main), 'empty file');
    const body = Buffer.from(`account.1.user_name = ${yealink.account}\naccount.1.password = ${devicePassword(yealink.account)}\naccount.1.sip_server.1.address = 127.0.0.1\n`);
    assert.equal(fileProblem({ status: 200, contentType: 'text/plain; charset=utf-8', body }, main), undefined);
    assert.equal(fileProblem({ status: 200, contentType: 'text/html', body }, main), 'wrong content type');
    const snom = phones[1]!;
    assert.equal(
      fileProblem({ status: 200, contentType: expectedContentType('snom', `${snom.mac.toUpperCase()}-tbook.xml`)!, body: Buffer.from('<tbook><item>') }, { ...main, phone: snom, name: `${snom.mac.toUpperCase()}-tbook.xml` }),
      'not well-formed XML',
    );
  } finally {
    log.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('error breakdown, most frequent first', () => {
  assert.equal(describeErrors([]), '');
  assert.equal(describeErrors(['tftp timeout', 'http 404', 'tftp timeout', 'empty file']), '2 × tftp timeout, 1 × empty file, 1 × http 404');
});

test('drops of the sockets on a port, from /proc/net/udp', () => {
  const text = [
    '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops            ',
    ' 4463: 0100007F:1B39 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 724590 2 000000009b897d05 244        ',
    ' 5463: 00000000:89BF 00000000:0000 07 00000000:00000000 00:00000000 00000000   101        0 726091 2 0000000028e119b6 0        ',
    ' 5464: 0100007F:1B39 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 726092 2 0000000028e119b7 3        ',
    '',
  ].join('\n');
  assert.equal(udpSocketDrops(text, 0x1b39), 247);
  assert.equal(udpSocketDrops(text, 0x89bf), 0);
  assert.equal(udpSocketDrops(text, 6969), 247, '0x1B39 is 6969');
  assert.equal(udpSocketDrops(text, 6970), undefined);
});

test('counters of /proc/net/netstat and /proc/net/snmp by protocol and name', () => {
  const text = [
    'TcpExt: SyncookiesSent ListenOverflows ListenDrops TCPSynRetrans',
    'TcpExt: 0 3 4 17',
    'IpExt: InNoRoutes InOctets',
    'IpExt: 0 123456',
    '',
  ].join('\n');
  assert.deepEqual(procNetCounters(text, 'TcpExt'), { SyncookiesSent: 0, ListenOverflows: 3, ListenDrops: 4, TCPSynRetrans: 17 });
  assert.deepEqual(procNetCounters(text, 'IpExt'), { InNoRoutes: 0, InOctets: 123456 });
  assert.deepEqual(procNetCounters(text, 'Udp'), {});
});
