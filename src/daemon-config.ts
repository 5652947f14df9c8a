// Daemon settings from the environment, with defaults that make `make run` work from a
// checkout (data under ./data). Everything the box's model does not hold lives here.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Node flags the supervisor runs with (make run, the box's service, the benchmarks). V8's
 * default young generation (tens of MB of semi-space) is sized for throughput servers; a
 * management daemon on a small box allocates little per request, and a 4 MB semi-space takes
 * about 40 MB off its resident memory (docs/performance.md). The Makefile's run target repeats
 * them; a unit test keeps the two equal.
 */
export const SUPERVISOR_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];

export interface DaemonConfig {
  dataDir: string;
  /** chroot: dev/test rootfs; systemd: the appliance; none: no Asterisk (model/API only). */
  asteriskMode: 'chroot' | 'systemd' | 'none';
  rootfs?: string;
  /** Where the instance directory appears inside the rootfs. */
  mountPoint: string;
  httpHost: string;
  httpPort: number;
  /** HTTPS (phone provisioning over TLS; the self-signed certificate in <dataDir>/tls/). */
  httpsPort: number;
  /** TFTP for factory-fresh phones (69 on the box). */
  tftpPort: number;
  tftpHost: string;
  /** The LDAP phonebook the phones search (389 on the box). */
  ldapPort: number;
  /** Address the LDAP phonebook listens on (every address on the box; loopback in tests). */
  ldapHost: string;
  /** The SNMP agent's UDP port when enabled in the model (161 on the box). */
  snmpPort: number;
  /** Provisioning requests a source address may make per minute (PBX_PROVISIONING_RATE; benchmarks raise it). */
  provisioningRate: number;
  controlSocket: string;
  sipBindAddress: string;
  amiPort: number;
  ariPort: number;
  deviceQualifySeconds: number;
  /** First webhook retry delay in ms, doubled after each failed attempt (tests shorten it). */
  webhookRetryMs: number;
  staticDir: string;
  /** The built admin GUI (index.html, assets/); served at / when it exists. */
  webuiDir: string;
  /** YAML loaded into an empty database at first start (factory defaults, test fixtures). */
  initialConfig?: string;
  logLevel: string;
  /** First start only: the admin's one-time password (tests); otherwise a random one. */
  initialAdminPassword?: string;
  /** Login lockout policy override (tests): failures of one user name, lockout length. */
  loginLockout?: { failures: number; seconds: number };
  secrets: { amiSecret: string; ariPassword: string };
}

function int(env: NodeJS.ProcessEnv, name: string, def: number): number {
  const v = env[name];
  if (v === undefined || v === '') return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be an integer 0-65535, got "${v}"`);
  return n;
}

/** Secrets generated on first start and kept in the data directory (0600), never defaults. */
function loadSecrets(dataDir: string): DaemonConfig['secrets'] {
  const file = join(dataDir, 'secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as DaemonConfig['secrets'];
  const secrets = { amiSecret: randomBytes(24).toString('hex'), ariPassword: randomBytes(24).toString('hex') };
  writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 });
  chmodSync(file, 0o600);
  return secrets;
}

export function loadDaemonConfig(env: NodeJS.ProcessEnv = process.env): DaemonConfig {
  const dataDir = resolve(env.PBX_DATA_DIR ?? join(REPO_ROOT, 'data'));
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  mkdirSync(join(dataDir, 'run'), { recursive: true, mode: 0o700 });
  const mode = (env.PBX_ASTERISK ?? (env.PBX_ROOTFS ? 'chroot' : 'none')) as DaemonConfig['asteriskMode'];
  if (!['chroot', 'systemd', 'none'].includes(mode)) throw new Error(`PBX_ASTERISK must be chroot, systemd or none, got "${mode}"`);
  if (mode === 'chroot' && !env.PBX_ROOTFS) throw new Error('PBX_ROOTFS must name the Asterisk rootfs (make rootfs prints it)');
  return {
    dataDir,
    asteriskMode: mode,
    ...(env.PBX_ROOTFS ? { rootfs: resolve(env.PBX_ROOTFS) } : {}),
    mountPoint: env.PBX_MOUNT_POINT ?? '/srv/pbx',
    httpHost: env.PBX_HTTP_HOST ?? '0.0.0.0',
    httpPort: int(env, 'PBX_HTTP_PORT', 8080),
    httpsPort: int(env, 'PBX_HTTPS_PORT', 8443),
    tftpPort: int(env, 'PBX_TFTP_PORT', 6969),
    tftpHost: env.PBX_TFTP_HOST ?? '0.0.0.0',
    ldapPort: int(env, 'PBX_LDAP_PORT', 1389),
    ldapHost: env.PBX_LDAP_HOST ?? '0.0.0.0',
    snmpPort: int(env, 'PBX_SNMP_PORT', 1161),
    provisioningRate: int(env, 'PBX_PROVISIONING_RATE', 600),
    controlSocket: env.PBX_CONTROL_SOCKET ?? join(dataDir, 'run', 'control.sock'),
    sipBindAddress: env.PBX_SIP_BIND ?? '0.0.0.0',
    amiPort: int(env, 'PBX_AMI_PORT', 5038),
    ariPort: int(env, 'PBX_ARI_PORT', 8088),
    deviceQualifySeconds: int(env, 'PBX_DEVICE_QUALIFY', 60),
    webhookRetryMs: int(env, 'PBX_WEBHOOK_RETRY_MS', 1000),
    staticDir: env.PBX_STATIC_DIR ?? join(REPO_ROOT, 'rootfs/usr/share/pbx/asterisk'),
    webuiDir: resolve(env.PBX_WEBUI_DIR ?? join(REPO_ROOT, 'webui/dist')),
    ...(env.PBX_INITIAL_CONFIG ? { initialConfig: resolve(env.PBX_INITIAL_CONFIG) } : {}),
    logLevel: env.PBX_LOG_LEVEL ?? 'info',
    ...(env.PBX_INITIAL_ADMIN_PASSWORD ? { initialAdminPassword: env.PBX_INITIAL_ADMIN_PASSWORD } : {}),
    ...(env.PBX_LOGIN_LOCKOUT ? { loginLockout: parseLockout(env.PBX_LOGIN_LOCKOUT) } : {}),
    secrets: loadSecrets(dataDir),
  };
}

/** "failures/seconds", e.g. "3/60". */
function parseLockout(v: string): { failures: number; seconds: number } {
  const m = /^(\d{1,3})\/(\d{1,6})$/.exec(v);
  if (!m) throw new Error(`PBX_LOGIN_LOCKOUT must look like 5/900 (failures/seconds), got "${v}"`);
  return { failures: Number(m[1]), seconds: Number(m[2]) };
}
