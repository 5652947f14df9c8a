// The HTTPS certificate of the box: self-signed, made by openssl at first start into
// <dataDir>/tls/ and reused afterwards (phones that pinned it keep trusting it). RSA 2048 rather
// than EC: the older phone firmware the box provisions (SPA5xx, early VVX) may not offer ECDSA
// cipher suites. Ten years: nobody renews a provisioning certificate on a PBX. The names are the
// host name and the host's IPv4 addresses, so a client that checks names can be pointed at
// any of them.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface Certificate {
  /** PEM */
  key: string;
  /** PEM */
  cert: string;
}

/** A name openssl's -subj and a DNS SAN accept: letters, digits, dots and dashes. */
function certName(): string {
  const h = hostname().replace(/[^A-Za-z0-9.-]/g, '').replace(/^[.-]+|[.-]+$/g, '');
  return h === '' ? 'pbx' : h.slice(0, 63);
}

function ipv4Addresses(): string[] {
  const out = new Set<string>(['127.0.0.1']);
  for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) if (i.family === 'IPv4') out.add(i.address);
  return [...out];
}

/** The certificate in <dataDir>/tls/ (key.pem 0600, cert.pem), made on first call. */
export async function ensureCertificate(dataDir: string): Promise<Certificate> {
  const dir = join(dataDir, 'tls');
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  if (existsSync(keyFile) && existsSync(certFile)) return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8') };

  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const name = certName();
  const san = [`DNS:${name}`, ...ipv4Addresses().map((a) => `IP:${a}`)].join(',');
  // Written under temporary names and renamed: a crash in between never leaves a key without
  // its certificate (or a half-written file) that the next start would take as made.
  const tmpKey = join(dir, `key.pem.${process.pid}.tmp`);
  const tmpCert = join(dir, `cert.pem.${process.pid}.tmp`);
  try {
    await execFileAsync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '3650', '-keyout', tmpKey, '-out', tmpCert, '-subj', `/CN=${name}`, '-addext', `subjectAltName=${san}`],
      { timeout: 60_000, windowsHide: true, env: { ...process.env, OPENSSL_CONF: '/dev/null' } },
    );
    chmodSync(tmpKey, 0o600);
    renameSync(tmpCert, certFile);
    renameSync(tmpKey, keyFile);
  } finally {
    rmSync(tmpKey, { force: true });
    rmSync(tmpCert, { force: true });
  }
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8') };
}
