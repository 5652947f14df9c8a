// Kernel UDP counters of one network namespace: the protocol-wide `Udp:` line of /proc/net/snmp
// and the per-socket table of /proc/net/udp (its `drops` column counts datagrams a socket lost
// because its receive buffer was full). Both are per namespace, so a party in a namespace of
// its own has counters of its own. The parsers are pure; the reader takes the /proc/<pid>/net
// directory of a process in the namespace.
import { readdirSync, readlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/** The `Udp:` counters of /proc/net/snmp (cumulative since the namespace was created). */
export interface UdpCounters {
  /** Datagrams delivered to a socket and read by the application (counted at read time). */
  InDatagrams: number;
  /** Datagrams to a port nothing listens on. */
  NoPorts: number;
  /** Datagrams lost on the way in (includes RcvbufErrors). */
  InErrors: number;
  OutDatagrams: number;
  /** Datagrams dropped because the receiving socket's buffer was full. */
  RcvbufErrors: number;
  SndbufErrors: number;
}

/** One socket of /proc/net/udp. */
export interface UdpSocket {
  localIp: string;
  localPort: number;
  remoteIp: string;
  remotePort: number;
  /** Bytes waiting in the receive buffer (kernel memory, not payload). */
  rxQueue: number;
  /** Datagrams dropped by this socket since it was created. */
  drops: number;
  inode: number;
}

/** The `Udp:` header/value line pair of /proc/net/snmp. */
export function parseSnmpUdp(text: string): UdpCounters {
  const lines = text.split('\n').filter((l) => l.startsWith('Udp:'));
  if (lines.length < 2) throw new Error('no Udp: lines in /proc/net/snmp');
  const names = lines[0]!.trim().split(/\s+/).slice(1);
  const values = lines[1]!.trim().split(/\s+/).slice(1).map(Number);
  const get = (name: keyof UdpCounters): number => {
    const i = names.indexOf(name);
    if (i < 0 || !Number.isFinite(values[i])) throw new Error(`no Udp ${name} in /proc/net/snmp`);
    return values[i]!;
  };
  return {
    InDatagrams: get('InDatagrams'),
    NoPorts: get('NoPorts'),
    InErrors: get('InErrors'),
    OutDatagrams: get('OutDatagrams'),
    RcvbufErrors: get('RcvbufErrors'),
    SndbufErrors: get('SndbufErrors'),
  };
}

/**
 * 0100007F:13C4 -> { ip: '127.0.0.1', port: 5060 }. The address is in the kernel's byte order
 * (little-endian here), 8 hex digits for IPv4, 32 for IPv6 (four 32-bit words, each so).
 */
export function parseHexEndpoint(s: string): { ip: string; port: number } {
  const [addr = '', port = ''] = s.split(':');
  const word = (hex: string) => [6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16));
  if (addr.length === 8) return { ip: word(addr).join('.'), port: parseInt(port, 16) };
  if (addr.length !== 32) throw new Error(`not a /proc/net/udp address: ${s}`);
  const bytes = [0, 8, 16, 24].flatMap((i) => word(addr.slice(i, i + 8)));
  const groups = Array.from({ length: 8 }, (_, g) => ((bytes[2 * g]! << 8) | bytes[2 * g + 1]!).toString(16));
  const ip = groups.every((g) => g === '0')
    ? '::'
    : groups.slice(0, 5).every((g) => g === '0') && groups[5] === 'ffff'
      ? `::ffff:${bytes.slice(12).join('.')}`
      : groups.join(':');
  return { ip, port: parseInt(port, 16) };
}

/** The sockets of /proc/net/udp or /proc/net/udp6 (same columns). */
export function parseProcNetUdp(text: string): UdpSocket[] {
  const out: UdpSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 13) continue;
    // sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops
    const local = parseHexEndpoint(f[1]!);
    const remote = parseHexEndpoint(f[2]!);
    const rx = (f[4] ?? '').split(':')[1] ?? '0';
    out.push({
      localIp: local.ip,
      localPort: local.port,
      remoteIp: remote.ip,
      remotePort: remote.port,
      rxQueue: parseInt(rx, 16),
      drops: Number(f[12]),
      inode: Number(f[9]),
    });
  }
  return out;
}

/** Drops per socket that exists in both samples (a socket created or closed in between is left out). */
export function dropsDelta(before: readonly UdpSocket[], after: readonly UdpSocket[], ports: ReadonlySet<number>): number {
  const start = new Map(before.filter((s) => ports.has(s.localPort)).map((s) => [s.inode, s.drops]));
  let sum = 0;
  for (const s of after) {
    const d0 = start.get(s.inode);
    if (d0 !== undefined && ports.has(s.localPort)) sum += s.drops - d0;
  }
  return sum;
}

/** Per-interface packet counters of /proc/net/dev. */
export interface InterfaceCounters {
  rxPackets: number;
  rxDropped: number;
  txPackets: number;
  /** Packets it could not pass on: for a veth end, packets its peer never received (backlog full). */
  txDropped: number;
}

/** /proc/net/dev: two header lines, then `name: rx(bytes packets errs drop fifo frame compressed multicast) tx(bytes packets errs drop ...)`. */
export function parseNetDev(text: string): Map<string, InterfaceCounters> {
  const out = new Map<string, InterfaceCounters>();
  for (const line of text.split('\n').slice(2)) {
    const i = line.indexOf(':');
    if (i < 0) continue;
    const f = line.slice(i + 1).trim().split(/\s+/).map(Number);
    if (f.length < 16) continue;
    out.set(line.slice(0, i).trim(), { rxPackets: f[1]!, rxDropped: f[3]!, txPackets: f[9]!, txDropped: f[11]! });
  }
  return out;
}

export interface NamespaceSample {
  udp: UdpCounters;
  /** IPv4 and IPv6 sockets. */
  sockets: UdpSocket[];
  interfaces: Map<string, InterfaceCounters>;
}

/**
 * The counters of the network namespace `procNet` belongs to: `/proc/<pid>/net` of any process
 * inside it (read from the host, no process spawned, so the reads are close together in time),
 * or `/proc/self/net` for the host's.
 */
export async function sampleNamespace(procNet: string): Promise<NamespaceSample> {
  // udp6 too: a socket bound to :: (Asterisk's RTP sockets) takes IPv4 datagrams and is listed there only.
  const [snmp, udp, udp6, dev] = await Promise.all(['snmp', 'udp', 'udp6', 'dev'].map((f) => readFile(`${procNet}/${f}`, 'utf8').catch(() => '')));
  return { udp: parseSnmpUdp(snmp!), sockets: [...parseProcNetUdp(udp!), ...parseProcNetUdp(udp6!)], interfaces: parseNetDev(dev!) };
}

/** Inodes of the sockets process `pid` holds open (its /proc/<pid>/fd links socket:[inode]). */
export function socketInodes(pid: number): Set<number> {
  const out = new Set<number>();
  let fds: string[] = [];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return out;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) out.add(Number(m[1]));
    } catch {
      // closed meanwhile
    }
  }
  return out;
}
