// The HTTPS certificate (src/provisioning/tls.ts): made by the real openssl on first start,
// reused afterwards, with the key private to the daemon, and accepted by a real TLS client that
// trusts it for 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { connect, createServer, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { ensureCertificate } from '../../src/provisioning/tls.ts';

test('a self-signed certificate for the host is made once, kept in <dataDir>/tls/, and serves TLS', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tls-unit-'));
  try {
    const first = await ensureCertificate(dataDir);
    assert.match(first.key, /^-----BEGIN PRIVATE KEY-----/);
    assert.match(first.cert, /^-----BEGIN CERTIFICATE-----/);
    assert.equal(statSync(join(dataDir, 'tls', 'key.pem')).mode & 0o777, 0o600);
    assert.equal(statSync(join(dataDir, 'tls')).mode & 0o777, 0o700);

    const x509 = new X509Certificate(first.cert);
    assert.ok(x509.checkPrivateKey(createPrivateKey(first.key)));
    assert.equal(createPrivateKey(first.key).asymmetricKeyDetails?.modulusLength, 2048);
    assert.match(x509.subject, /^CN=[A-Za-z0-9.-]+$/);
    assert.match(x509.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
    assert.match(x509.subjectAltName ?? '', /^DNS:/);
    const years = (Date.parse(x509.validTo) - Date.now()) / (365.25 * 24 * 3600 * 1000);
    assert.ok(years > 9.9 && years < 10.1, String(years));

    // Reused: the same key and certificate on the next start.
    const second = await ensureCertificate(dataDir);
    assert.deepEqual(second, first);

    // A client that trusts it connects to 127.0.0.1 with name checking on.
    const server = createServer({ key: first.key, cert: first.cert }, (s) => s.end('hello'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const text = await new Promise<string>((resolve, reject) => {
        const sock: TLSSocket = connect({ host: '127.0.0.1', port, ca: first.cert }, () => {
          if (!sock.authorized) reject(new Error(String(sock.authorizationError)));
        });
        let got = '';
        sock.on('data', (d) => (got += d));
        sock.on('end', () => resolve(got));
        sock.on('error', reject);
      });
      assert.equal(text, 'hello');
    } finally {
      await new Promise((r) => server.close(r));
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
