// Test harness: a real PBX instance (the daemon's own startDaemon, so real supervisor, real
// Asterisk 22 in the rootfs) with its own data directory and ports, several side by side.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { startDaemon, type Daemon } from '../../src/main.ts';
import type { PbxConfigInput } from '../../src/domain/model.ts';

const ROOT = resolve(import.meta.dirname, '../..');

export function rootfs(): string {
  const r = process.env.PBX_ROOTFS;
  if (!r) throw new Error('PBX_ROOTFS is not set: run the integration tests through make test');
  return r;
}

function tcpPortFree(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = createServer();
    s.once('error', () => res(false));
    s.listen(port, '127.0.0.1', () => s.close(() => res(true)));
  });
}
function udpPortFree(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = createSocket('udp4');
    s.once('error', () => res(false));
    s.bind(port, '127.0.0.1', () => s.close(() => res(true)));
  });
}

/** Whether something (a SIPp carrier) listens on this UDP address already. */
export function udpListening(ip: string, port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = createSocket('udp4');
    s.once('error', () => res(true));
    s.bind(port, ip, () => s.close(() => res(false)));
  });
}

/** A block of ports, free now on loopback for TCP and UDP. */
export async function freePortBlock(size: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 2000) * 10;
    let ok = true;
    for (let p = base; p < base + size && ok; p++) ok = (await tcpPortFree(p)) && (await udpPortFree(p));
    if (ok) return base;
  }
  throw new Error('no free port block');
}

export interface PbxInstance {
  daemon: Daemon;
  dataDir: string;
  sipPort: number;
  amiPort: number;
  rtpStart: number;
  /** The LDAP phonebook's port (known before start: provisioning writes it into the phones). */
  ldapPort: number;
  /** Replaces the whole configuration through the service layer and waits for the apply. */
  apply(config: PbxConfigInput): Promise<void>;
  pbxctl(args: string[], input?: string): Promise<{ code: number | null; stdout: string; stderr: string }>;
  health(): Promise<{ status: string; parts: Record<string, Record<string, unknown>> }>;
  /** Stops the supervisor (and Asterisk) and starts it again on the same data directory. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** The system settings a test instance needs (its own SIP port and RTP range). */
function withPorts(config: PbxConfigInput, sipPort: number, rtpStart: number): PbxConfigInput {
  return { ...config, system: { ...(config.system ?? {}), sipPort, rtpStart, rtpEnd: rtpStart + 199 } };
}

export interface StartOptions {
  keepData?: boolean;
  /** Use this SIP port instead of a free one. */
  sipPort?: number;
  /** Wait until health is ok (default); otherwise only until AMI is up. */
  waitHealthy?: boolean;
  /** Extra daemon settings (PBX_* variables), e.g. a short webhook retry. */
  env?: Record<string, string>;
}

export async function startPbx(config: PbxConfigInput, options: StartOptions = {}): Promise<PbxInstance> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pbx-test-'));
  const base = await freePortBlock(4);
  const sipPort = options.sipPort ?? base;
  const amiPort = base + 1;
  const ariPort = base + 2;
  const ldapPort = base + 3;
  const rtpStart = 30000 + (base % 2000) * 10;
  // The SNMP agent (off unless a test enables it) gets its own free UDP port, not one of the block's.
  let snmpPort = await freePortBlock(1);
  while (snmpPort === base) snmpPort = await freePortBlock(1);
  const initial = join(dataDir, 'initial.yaml');
  writeFileSync(initial, stringify(withPorts(config, sipPort, rtpStart)));
  const env: NodeJS.ProcessEnv = {
    PBX_DATA_DIR: dataDir,
    PBX_ROOTFS: rootfs(),
    PBX_ASTERISK: 'chroot',
    PBX_HTTP_HOST: '127.0.0.1',
    PBX_HTTP_PORT: '0',
    PBX_HTTPS_PORT: '0',
    PBX_TFTP_PORT: '0',
    PBX_TFTP_HOST: '127.0.0.1',
    PBX_SNMP_PORT: String(snmpPort),
    PBX_LDAP_PORT: String(ldapPort),
    PBX_LDAP_HOST: '127.0.0.1',
    PBX_AMI_PORT: String(amiPort),
    PBX_ARI_PORT: String(ariPort),
    PBX_SIP_BIND: '127.0.0.1',
    PBX_INITIAL_CONFIG: initial,
    PBX_LOG_LEVEL: process.env.PBX_TEST_LOG_LEVEL ?? 'silent',
    // Test phones (SIPp) answer what a scenario expects; qualify OPTIONS would interleave.
    PBX_DEVICE_QUALIFY: '0',
    ...options.env,
  };
  let daemon = await startDaemon(env);
  const instance: PbxInstance = {
    get daemon() {
      return daemon;
    },
    dataDir,
    sipPort,
    amiPort,
    rtpStart,
    ldapPort,
    async apply(next) {
      const r = await daemon.service.replace(withPorts(next, sipPort, rtpStart), { name: 'test', source: 'test' });
      if (r.apply && !r.apply.ok) throw new Error(`apply failed: ${JSON.stringify(r.apply.error)}`);
    },
    pbxctl(args, input) {
      return new Promise((res, rej) => {
        const child = spawn(process.execPath, [join(ROOT, 'src/cli/pbxctl.ts'), '--socket', daemon.config.controlSocket, ...args], {
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d));
        child.stderr.on('data', (d: Buffer) => (stderr += d));
        child.on('error', rej);
        child.on('close', (code) => res({ code, stdout, stderr }));
        child.stdin.end(input ?? '');
      });
    },
    async health() {
      // The detailed report (the HTTP one shows anonymous callers only ok/not ok per part).
      const r = await fetch(`http://127.0.0.1:${daemon.httpPort}/api/v1/health`);
      if (r.status !== 200 && r.status !== 503) throw new Error(`health answered ${r.status}`);
      return JSON.parse(JSON.stringify(daemon.health.report())) as { status: string; parts: Record<string, Record<string, unknown>> };
    },
    async restart() {
      await daemon.stop();
      daemon = await startDaemon(env);
      await waitFor(async () => (await instance.health()).parts.ami?.ok === true, 30_000, 'AMI after the restart');
    },
    async stop() {
      await daemon.stop();
      if (!options.keepData && !process.env.PBX_TEST_KEEP) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  try {
    if (options.waitHealthy === false) await waitFor(async () => (await instance.health()).parts.ami?.ok === true, 30_000, 'AMI');
    else await waitFor(async () => (await instance.health()).status === 'ok', 30_000, 'the PBX to become healthy');
  } catch (err) {
    await instance.stop();
    throw err;
  }
  return instance;
}

export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
}
