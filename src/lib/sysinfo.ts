// Host statistics for the dashboard: the only importer of systeminformation. Called every ~2 s
// while someone watches, so it stays cheap: the os module and a read of /proc/meminfo each
// time; the spawning calls (df for the mount list, the temperature probe, which may run
// `sensors`) at most once a minute, their answers cached in between.
import { statfs } from 'node:fs/promises';
import os from 'node:os';
import * as si from 'systeminformation';

export interface HostStatus {
  hostname: string;
  uptimeSeconds: number;
  load: [number, number, number];
  cpuCores: number;
  /** Busy share of all cores since the previous call (0-100). */
  cpuPercent: number;
  memory: { totalBytes: number; usedBytes: number; availableBytes: number };
  /** The filesystem holding the data directory. */
  disk: { mount: string; totalBytes: number; usedBytes: number; availableBytes: number } | null;
  temperatureC: number | null;
}

export interface NetworkInterfaceInfo {
  name: string;
  address: string;
  family: 'IPv4' | 'IPv6';
  cidr: string;
  mac: string;
}

const SLOW_REFRESH_MS = 60_000;

type CpuSample = { idle: number; total: number };
function cpuSample(): CpuSample {
  let idle = 0;
  let total = 0;
  for (const c of os.cpus()) {
    const t = c.times;
    idle += t.idle;
    total += t.user + t.nice + t.sys + t.idle + t.irq;
  }
  return { idle, total };
}
let lastCpu: (CpuSample & { at: number; percent: number }) | undefined;

async function cpuPercent(): Promise<number> {
  // The first call has no previous sample: take two a moment apart instead of the since-boot average.
  if (!lastCpu) {
    lastCpu = { ...cpuSample(), at: Date.now(), percent: 0 };
    await new Promise((r) => setTimeout(r, 100));
  } else if (Date.now() - lastCpu.at < 1000) {
    // Callers close together (a poll and a request) share the last figure: a few ms of ticks would be noise.
    return lastCpu.percent;
  }
  const now = cpuSample();
  const dTotal = now.total - lastCpu.total;
  const dIdle = now.idle - lastCpu.idle;
  const percent = dTotal > 0 ? Math.round(Math.min(100, Math.max(0, (1 - dIdle / dTotal) * 100)) * 10) / 10 : lastCpu.percent;
  lastCpu = { ...now, at: Date.now(), percent };
  return percent;
}

/** A value refreshed at most once per SLOW_REFRESH_MS; callers get the last one meanwhile. */
function slowly<T>(fetch: () => Promise<T>, fallback: T): () => Promise<T> {
  let value = fallback;
  let at = 0;
  let pending: Promise<T> | undefined;
  return async () => {
    if (Date.now() - at < SLOW_REFRESH_MS) return value;
    pending ??= fetch()
      .catch(() => fallback)
      .then((v) => {
        value = v;
        at = Date.now();
        pending = undefined;
        return v;
      });
    return pending;
  };
}

const mounts = slowly(async () => (await si.fsSize()).map((f) => f.mount).filter((m) => typeof m === 'string' && m.startsWith('/')), [] as string[]);

const temperature = slowly(async () => {
  const t = await si.cpuTemperature();
  const v = t.main ?? t.max;
  return typeof v === 'number' && Number.isFinite(v) && v !== -1 ? v : null;
}, null as number | null);

/** The mount whose path is the longest prefix of `dir` (at a path-segment boundary). */
export function mountOf(dir: string, mountPoints: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const m of mountPoints) {
    const inside = m === '/' || dir === m || dir.startsWith(m.endsWith('/') ? m : `${m}/`);
    if (inside && (!best || m.length > best.length)) best = m;
  }
  return best;
}

async function disk(dataDir: string): Promise<HostStatus['disk']> {
  try {
    // statfs answers for the filesystem that holds dataDir, whatever the mount list says.
    const [s, list] = await Promise.all([statfs(dataDir), mounts()]);
    const totalBytes = s.blocks * s.bsize;
    return {
      mount: mountOf(dataDir, list) ?? '/',
      totalBytes,
      usedBytes: (s.blocks - s.bfree) * s.bsize,
      availableBytes: s.bavail * s.bsize,
    };
  } catch {
    return null;
  }
}

async function memory(): Promise<HostStatus['memory']> {
  try {
    const m = await si.mem();
    const availableBytes = m.available || m.free;
    return { totalBytes: m.total, usedBytes: Math.max(0, m.total - availableBytes), availableBytes };
  } catch {
    const totalBytes = os.totalmem();
    const availableBytes = os.freemem();
    return { totalBytes, usedBytes: totalBytes - availableBytes, availableBytes };
  }
}

export async function hostStatus(dataDir: string): Promise<HostStatus> {
  const [cpu, mem, d, temp] = await Promise.all([cpuPercent(), memory(), disk(dataDir), temperature()]);
  const [l1 = 0, l5 = 0, l15 = 0] = os.loadavg();
  return {
    hostname: os.hostname(),
    uptimeSeconds: Math.floor(os.uptime()),
    load: [l1, l5, l15],
    cpuCores: os.availableParallelism(),
    cpuPercent: cpu,
    memory: mem,
    disk: d,
    temperatureC: temp,
  };
}

/** Addresses of the box's real interfaces (no loopback), IPv4 first. */
export function networkInterfaces(): { hostname: string; interfaces: NetworkInterfaceInfo[] } {
  const out: NetworkInterfaceInfo[] = [];
  for (const [name, addrs] of Object.entries(os.networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (a.internal) continue;
      out.push({ name, address: a.address, family: a.family === 'IPv6' ? 'IPv6' : 'IPv4', cidr: a.cidr ?? `${a.address}/${a.family === 'IPv6' ? 128 : 32}`, mac: a.mac });
    }
  }
  out.sort((a, b) => (a.family === b.family ? 0 : a.family === 'IPv4' ? -1 : 1));
  return { hostname: os.hostname(), interfaces: out };
}
