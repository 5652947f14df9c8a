// The call-capacity benchmark's network: the callers and the called side each in a network
// namespace of their own, joined to the host (where the box under test runs) by a veth pair,
// so that each party's kernel UDP counters count its own traffic only.
//
//   host 10.201.1.1/24  <-veth->  10.201.1.2/24  netns pbxb-uac-<pid>  (SIPp callers)
//   host 10.201.2.1/24  <-veth->  10.201.2.2/24  netns pbxb-uas-<pid>  (SIPp called side)
//
// Names carry the harness's pid, so a run's namespaces are its own; remove() deletes them (and
// with them the veth pairs). Namespaces of a run whose process is gone are removed at the next
// start, since they hold the same addresses.
import { execFile, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

const PREFIX = 'pbxb-';

export interface BenchNetwork {
  uacNs: string;
  uasNs: string;
  /** The two veth pairs: host ends, and their peers inside the namespaces. */
  hostUacIf: string;
  hostUasIf: string;
  uacNsIf: string;
  uasNsIf: string;
  /** The box's addresses on each side. */
  hostUacIp: string;
  hostUasIp: string;
  uacIp: string;
  uasIp: string;
  /** Starts a process inside a namespace. */
  spawnIn(ns: string, cmd: string, args: string[], opts?: SpawnOptions): ChildProcess;
  remove(): Promise<void>;
}

async function ip(args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('ip', args);
  return stdout;
}

/** Namespaces pbxb-uac-<pid>/pbxb-uas-<pid> left by a harness process that no longer runs. */
export function staleNamespaces(names: readonly string[], alive: (pid: number) => boolean): string[] {
  return names.filter((n) => {
    const m = /^pbxb-(uac|uas)-(\d+)$/.exec(n);
    return !!m && !alive(Number(m[2]));
  });
}

async function removeStale(): Promise<void> {
  const names = (await ip(['netns', 'list'])).split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '').filter((n) => n.startsWith(PREFIX));
  for (const n of staleNamespaces(names, (pid) => existsSync(`/proc/${pid}`))) await ip(['netns', 'del', n]).catch(() => undefined);
}

export async function createBenchNetwork(tag = process.pid): Promise<BenchNetwork> {
  await removeStale();
  for (const subnet of ['10.201.1.0/24', '10.201.2.0/24']) {
    const taken = (await ip(['-o', 'addr', 'show', 'to', subnet])).trim();
    if (taken) throw new Error(`the benchmark network ${subnet} is already in use on this host: ${taken}`);
  }
  const uacNs = `${PREFIX}uac-${tag}`;
  const uasNs = `${PREFIX}uas-${tag}`;
  // Interface names: at most 15 characters.
  const hostUacIf = `pbu${tag}`;
  const hostUasIf = `pbs${tag}`;
  const net: BenchNetwork = {
    uacNs,
    uasNs,
    hostUacIf,
    hostUasIf,
    uacNsIf: `${hostUacIf}n`,
    uasNsIf: `${hostUasIf}n`,
    hostUacIp: '10.201.1.1',
    hostUasIp: '10.201.2.1',
    uacIp: '10.201.1.2',
    uasIp: '10.201.2.2',
    spawnIn: (ns, cmd, args, opts = {}) => spawn('ip', ['netns', 'exec', ns, cmd, ...args], opts),
    remove: async () => {
      for (const ns of [uacNs, uasNs]) await ip(['netns', 'del', ns]).catch(() => undefined);
      // The host ends go with their peers; this only matters if the namespace was never made.
      for (const dev of [hostUacIf, hostUasIf]) await ip(['link', 'del', dev]).catch(() => undefined);
    },
  };
  try {
    for (const [ns, hostIf, nsIf, hostIp, nsIp] of [
      [uacNs, hostUacIf, net.uacNsIf, net.hostUacIp, net.uacIp],
      [uasNs, hostUasIf, net.uasNsIf, net.hostUasIp, net.uasIp],
    ] as const) {
      await ip(['netns', 'add', ns]);
      await ip(['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf]);
      await ip(['link', 'set', nsIf, 'netns', ns]);
      await ip(['addr', 'add', `${hostIp}/24`, 'dev', hostIf]);
      await ip(['link', 'set', hostIf, 'up']);
      await ip(['-n', ns, 'addr', 'add', `${nsIp}/24`, 'dev', nsIf]);
      await ip(['-n', ns, 'link', 'set', nsIf, 'up']);
      await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
      // Asterisk bound to 0.0.0.0 may put any of the host's addresses in its SDP.
      await ip(['-n', ns, 'route', 'add', 'default', 'via', hostIp]);
    }
  } catch (err) {
    await net.remove();
    throw new Error(`could not create the benchmark network: ${(err as Error).message}`);
  }
  return net;
}
