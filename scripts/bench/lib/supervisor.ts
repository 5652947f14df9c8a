// The supervisor under test, as its own process (node src/main.ts with the box's Node flags), so its memory and CPU are
// its own and not the harness's. Its own data directory and ports; an admin API token.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import type { PbxConfigInput } from '../../../src/domain/model.ts';
import { SUPERVISOR_NODE_FLAGS } from '../../../src/daemon-config.ts';
import { ApiClient, adminSession, adminToken } from '../../../test/lib/api.ts';
import { freePortBlock, waitFor } from '../../../test/lib/pbx.ts';
import type { BenchContext } from './context.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const CLK_TCK = 100;
const PAGE = 4096;

export interface ProcSample {
  rssBytes: number;
  /** user + system CPU time of the process (all its threads), ms. */
  cpuMs: number;
}

/** RSS and CPU time of one process, from /proc (undefined when it is gone). */
export function procSample(pid: number): ProcSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(f[11]);
    const stime = Number(f[12]);
    const rssPages = Number(f[21]);
    return { rssBytes: rssPages * PAGE, cpuMs: ((utime + stime) * 1000) / CLK_TCK };
  } catch {
    return undefined;
  }
}

function isAsterisk(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'asterisk';
  } catch {
    return false;
  }
}

/** Direct children of `pid` whose command name is `comm`. */
export function childrenNamed(pid: number, comm: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid && name === comm) out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

export interface SupervisorOptions {
  /** Names its directory under the run's work directory. */
  name: string;
  config: PbxConfigInput;
  /** Run Asterisk (default) or the management plane alone (PBX_ASTERISK=none). */
  asterisk?: boolean;
  /** SIP (and so RTP) bind address. Default 127.0.0.1. */
  sipBind?: string;
  /** RTP port range. Default 40000-44999. */
  rtp?: [number, number];
  /** Extra PBX_* settings. */
  env?: Record<string, string>;
  /**
   * The ports of an earlier start on the same data directory (a restart): Asterisk starts on
   * the last applied generation, which names the AMI/ARI ports it was rendered with.
   */
  ports?: SupervisorPorts;
}

export interface SupervisorPorts {
  sip: number;
  ami: number;
  ari: number;
  http: number;
  https: number;
  tftp: number;
}

export interface Supervisor {
  pid: number;
  dataDir: string;
  /** http://127.0.0.1:<port> */
  base: string;
  /** An admin API token client (no contract checks: the harness measures, the tests check). */
  api: ApiClient;
  sipPort: number;
  amiPort: number;
  ariPort: number;
  httpsPort: number;
  tftpPort: number;
  rtp: [number, number];
  ports: SupervisorPorts;
  /** ARI credentials (from the data directory's secrets), for polling what Asterisk runs. */
  ari: { url: string; username: string; password: string };
  /** Start of the process until GET /api/v1/health answered ok. */
  startToReadyMs: number;
  /** The supervisor process alone. */
  sample(): ProcSample | undefined;
  /** Asterisk's pid (the supervisor's child), when it runs. */
  asteriskPid(): number | undefined;
  stop(): Promise<void>;
}

export async function startSupervisor(ctx: BenchContext, o: SupervisorOptions): Promise<Supervisor> {
  const dir = join(ctx.workDir, o.name);
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  let ports = o.ports;
  if (!ports) {
    const base = await freePortBlock(6);
    ports = { sip: base, ami: base + 1, ari: base + 2, http: base + 3, https: base + 4, tftp: base + 5 };
  }
  const { sip: sipPort, ami: amiPort, ari: ariPort, http: httpPort, https: httpsPort, tftp: tftpPort } = ports;
  const rtp = o.rtp ?? [40000, 44999];
  const initial = join(dir, 'initial.yaml');
  writeFileSync(initial, stringify({ ...o.config, system: { ...(o.config.system ?? {}), sipPort, rtpStart: rtp[0], rtpEnd: rtp[1] } }));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    PBX_DATA_DIR: dataDir,
    PBX_ASTERISK: o.asterisk === false ? 'none' : 'chroot',
    ...(o.asterisk === false ? {} : { PBX_ROOTFS: ctx.rootfs }),
    PBX_HTTP_HOST: '127.0.0.1',
    PBX_HTTP_PORT: String(httpPort),
    PBX_HTTPS_PORT: String(httpsPort),
    PBX_TFTP_PORT: String(tftpPort),
    PBX_TFTP_HOST: '127.0.0.1',
    PBX_AMI_PORT: String(amiPort),
    PBX_ARI_PORT: String(ariPort),
    PBX_LDAP_PORT: '0',
    PBX_SIP_BIND: o.sipBind ?? '127.0.0.1',
    PBX_INITIAL_CONFIG: initial,
    PBX_LOG_LEVEL: 'warn',
    PBX_DEVICE_QUALIFY: '0',
    ...o.env,
  };
  const log = createWriteStream(join(dir, 'supervisor.log'), { flags: 'a' });
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, [...SUPERVISOR_NODE_FLAGS, join(ROOT, 'src/main.ts')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  let exited = false;
  child.once('exit', () => (exited = true));
  const url = `http://127.0.0.1:${httpPort}`;
  const stop = async () => {
    // A supervisor too busy to act on SIGTERM is killed, and its Asterisk (which outlives its
    // parent: it changes uid) must not be left holding the ports: it is ended here too.
    const asterisk = childrenNamed(child.pid!, 'asterisk')[0];
    if (!exited) {
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await gone;
      clearTimeout(t);
    }
    if (asterisk !== undefined && isAsterisk(asterisk)) {
      process.kill(asterisk, 'SIGTERM');
      for (let i = 0; i < 100 && isAsterisk(asterisk); i++) await new Promise((r) => setTimeout(r, 100));
      if (isAsterisk(asterisk)) process.kill(asterisk, 'SIGKILL');
    }
    log.end();
  };;
  try {
    // 10,000 extensions take a while to seed, render and load.
    await waitFor(
      async () => {
        if (exited) throw new Error(`the supervisor exited; see ${join(dir, 'supervisor.log')}`);
        const r = await fetch(`${url}/api/v1/health`);
        return r.status === 200 && ((await r.json()) as { status: string }).status === 'ok';
      },
      300_000,
      `supervisor ${o.name} to be ready`,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  const startToReadyMs = performance.now() - started;
  // A token made at the first start is kept for restarts on the same data directory.
  const tokenFile = join(dir, 'api-token');
  let api: ApiClient;
  if (existsSync(tokenFile)) api = new ApiClient(url, { token: readFileSync(tokenFile, 'utf8').trim() });
  else {
    api = await adminToken(await adminSession(url, dataDir), 'bench');
    writeFileSync(tokenFile, api.token!, { mode: 0o600 });
  }
  const secrets = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')) as { ariPassword: string };
  const pid = child.pid!;
  return {
    pid,
    dataDir,
    base: url,
    api,
    sipPort,
    amiPort,
    ariPort,
    httpsPort,
    tftpPort,
    rtp,
    ports,
    ari: { url: `http://127.0.0.1:${ariPort}`, username: 'pbx-supervisor', password: secrets.ariPassword },
    startToReadyMs,
    sample: () => procSample(pid),
    asteriskPid: () => childrenNamed(pid, 'asterisk')[0],
    stop,
  };
}
