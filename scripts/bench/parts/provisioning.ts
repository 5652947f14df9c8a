// 4. Provisioning: files per second and latency per file when 500 phones ask at once, over HTTP
// and over TFTP.
//
// The box as it runs (supervisor + Asterisk) with 500 extensions and 500 phones, one line each,
// spread over the seven vendors; the phones are imported through the API (CSV) before any clock
// starts. Then, per protocol, `bursts` times: every phone starts at the same moment.
// - HTTP: each phone fetches its vendor's file sequence (test/lib/phones/<vendor>.ts: common
//   file, its own files, its directory) in order, with its vendor's User-Agent, over one
//   keep-alive connection of its own (node:http, an Agent with maxSockets 1 per phone): a phone
//   opens a connection and asks for its files one after another; 500 phones are 500 connections.
// - TFTP: each phone fetches its main MAC file with scripts/bench/lib/tftp-client.ts (RRQ octet,
//   512-byte blocks as phones ask, 1 s timeout, 5 retransmissions), each on its own UDP port.
// Latency per file: request sent to the last byte (TFTP: to the last DATA). Files per second:
// the files served right over the bursts' duration (first request to last answer of a burst).
// A file is served right when it came with 200, is not empty, has the content type the vendor
// profile declares, is well-formed when XML, and — for the main file — parses (with the test
// phone's own parser) to this phone's account, password and the box's address; anything else
// (404/403/401/429, a connection error, a TFTP error packet or timeout) is an error, counted.
// A warm-up round of one phone per vendor runs first, unmeasured.
//
// One load generator stands for all 500 phones, from 127.0.0.1, while the box limits each
// source address to 600 requests a minute (then 429): PBX_PROVISIONING_RATE=65535 (the highest
// value the daemon takes) lifts that so the limit of one source does not stand in for the
// capacity of the box. Real phones each have their own address and never meet it.
import { Agent, request } from 'node:http';
import { readFileSync } from 'node:fs';
import type { Vendor } from '../../../src/domain/phones.ts';
import { xmlProblem } from '../../../src/lib/xml.ts';
import { PROFILES } from '../../../src/provisioning/vendors/index.ts';
import { PHONE_CLIENTS, vendorMac, type PhoneClientSpec } from '../../../test/lib/phones/index.ts';
import { sleep, type BenchContext } from '../lib/context.ts';
import { devicePassword, extensionNumber, realisticConfig } from '../lib/model.ts';
import { fig, type ProvisioningProtocolResult, type ProvisioningResult } from '../lib/results.ts';
import { summarize } from '../lib/stats.ts';
import { startSupervisor, type Supervisor } from '../lib/supervisor.ts';
import { tftpGet, TftpError } from '../lib/tftp-client.ts';

/** Sizes: the full run, and the smoke run of `make test`. */
export const PROVISIONING_SIZES = {
  full: { phones: 500, bursts: 3, pauseMs: 2000 },
  smoke: { phones: 10, bursts: 1, pauseMs: 200 },
} as const;
/** As phones do (and the box's own TFTP server): 1 s, 5 retransmissions. */
const TFTP_TIMEOUT_MS = 1000;
const TFTP_RETRIES = 5;
/** Provisioning's RTP range (the box needs one; no calls are made). */
const RTP: [number, number] = [51000, 51999];

export interface BenchPhone {
  spec: PhoneClientSpec;
  mac: string;
  /** Its one line: the device of extension `account` (user name = number). */
  account: string;
}

/** `n` phones spread round robin over the seven vendors, phone i on extension i. */
export function phonePlan(n: number): BenchPhone[] {
  return Array.from({ length: n }, (_, i) => {
    const spec = PHONE_CLIENTS[i % PHONE_CLIENTS.length]!;
    return { spec, mac: vendorMac(spec.vendor, i + 1), account: extensionNumber(i) };
  });
}

/** The CSV the phones import takes (docs/provisioning.md): one row a phone, one line each. */
export function phonesCsv(phones: readonly BenchPhone[]): string {
  return ['mac,vendor,model,lines', ...phones.map((p) => `${p.mac},${p.spec.vendor},${p.spec.model},${p.account}`)].join('\r\n') + '\r\n';
}

/** The content type the vendor's profile declares for a name it serves, or undefined. */
export function expectedContentType(vendor: Vendor, name: string): string | undefined {
  const profile = PROFILES[vendor];
  const m = profile.match(name);
  if (!m) return undefined;
  return m.kind === 'phone' ? profile.files.find((f) => f.id === m.file)?.contentType : profile.commonFiles.find((f) => f.id === m.file)?.contentType;
}

export interface FetchedFile {
  /** HTTP status (TFTP: 200 when the transfer completed). */
  status: number;
  /** HTTP only. */
  contentType?: string;
  body: Buffer;
}

export interface Expected {
  phone: BenchPhone;
  name: string;
  /** The registrar the files must name. */
  server: string;
  sipPort: number;
  /** Check the content type (HTTP); TFTP carries none. */
  checkType: boolean;
}

/** Why a fetched file is not what the phone needed, or undefined when it is. */
export function fileProblem(f: FetchedFile, e: Expected): string | undefined {
  if (f.status !== 200) return `http ${f.status}`;
  if (f.body.length === 0) return 'empty file';
  const type = expectedContentType(e.phone.spec.vendor, e.name);
  if (e.checkType && (type === undefined || f.contentType !== type)) return 'wrong content type';
  const text = f.body.toString('utf8');
  if (/xml/.test(type ?? '') && xmlProblem(text) !== undefined) return 'not well-formed XML';
  if (e.name === e.phone.spec.mainFile(e.phone.mac)) {
    let parsed: ReturnType<PhoneClientSpec['parse']>;
    try {
      parsed = e.phone.spec.parse(text);
    } catch {
      return 'main file does not parse';
    }
    if (parsed.account !== e.phone.account || parsed.password !== devicePassword(e.phone.account)) return "not this phone's account";
    if (parsed.server !== e.server || (parsed.port !== undefined && parsed.port !== String(e.sipPort))) return 'wrong registrar';
  }
  return undefined;
}

/** "3 × http 404, 1 × tftp timeout", most frequent first. */
export function describeErrors(reasons: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([r, n]) => `${n} × ${r}`)
    .join(', ');
}

/**
 * Datagrams dropped on a full receive buffer by the UDP sockets bound to local `port`, from the
 * text of /proc/net/udp (its last column, "drops", counts per socket); undefined when none is.
 */
export function udpSocketDrops(procNetUdp: string, port: number): number | undefined {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  let total: number | undefined;
  for (const line of procNetUdp.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 13 || f[1]?.split(':')[1] !== hexPort) continue;
    total = (total ?? 0) + Number(f[f.length - 1]);
  }
  return total;
}

/**
 * The counters of one protocol line pair of /proc/net/snmp or /proc/net/netstat ("TcpExt:" names,
 * then "TcpExt:" values), by name.
 */
export function procNetCounters(text: string, prefix: string): Record<string, number> {
  const lines = text.split('\n').filter((l) => l.startsWith(`${prefix}:`));
  const out: Record<string, number> = {};
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const names = lines[i]!.trim().split(/\s+/).slice(1);
    const values = lines[i + 1]!.trim().split(/\s+/).slice(1);
    names.forEach((n, k) => (out[n] = Number(values[k])));
  }
  return out;
}

/** Host-wide TCP listen-queue overflows and SYN retransmissions: when they rise during a burst, part of its latency is the kernel's retry timer, not the server's work. */
function tcpTrouble(): Record<string, number> {
  try {
    const c = procNetCounters(readFileSync('/proc/net/netstat', 'utf8'), 'TcpExt');
    return { listenOverflows: c.ListenOverflows ?? NaN, listenDrops: c.ListenDrops ?? NaN, synRetransmissions: c.TCPSynRetrans ?? NaN };
  } catch {
    return {};
  }
}

const tftpServerDrops = (port: number) => {
  try {
    return udpSocketDrops(readFileSync('/proc/net/udp', 'utf8'), port);
  } catch {
    return undefined;
  }
};

interface Sample {
  ms: number;
  problem: string | undefined;
}

interface Burst {
  samples: Sample[];
  seconds: number;
  supervisorCpuMs: number;
  harnessCpuMs: number;
  retransmits: number;
}

function httpGet(agent: Agent, port: number, name: string, userAgent: string): Promise<FetchedFile> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: `/provisioning/${name}`, agent, headers: { 'User-Agent': userAgent } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'] ?? '', body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(60_000, () => req.destroy(new Error('no answer in 60 s')));
    req.on('error', reject);
    req.end();
  });
}

/** One phone's HTTP boot: its files in order on its own connection. Checks come after the clock. */
async function httpPhone(phone: BenchPhone, port: number): Promise<{ name: string; ms: number; file?: FetchedFile; error?: string }[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const ua = phone.spec.userAgent(phone.mac);
  const out: { name: string; ms: number; file?: FetchedFile; error?: string }[] = [];
  try {
    for (const name of phone.spec.requests(phone.mac)) {
      const t = performance.now();
      try {
        const file = await httpGet(agent, port, name, ua);
        out.push({ name, ms: performance.now() - t, file });
      } catch (err) {
        out.push({ name, ms: performance.now() - t, error: `connection: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
      }
    }
  } finally {
    agent.destroy();
  }
  return out;
}

async function httpBurst(sup: Supervisor, phones: readonly BenchPhone[]): Promise<Burst> {
  const port = Number(new URL(sup.base).port);
  const cpu0 = sup.sample()?.cpuMs ?? NaN;
  const own0 = process.cpuUsage();
  const t0 = performance.now();
  const perPhone = await Promise.all(phones.map((p) => httpPhone(p, port)));
  const seconds = (performance.now() - t0) / 1000;
  const supervisorCpuMs = (sup.sample()?.cpuMs ?? NaN) - cpu0;
  const own = process.cpuUsage(own0);
  const samples = perPhone.flatMap((files, i) =>
    files.map((f) => ({
      ms: f.ms,
      problem: f.error ?? fileProblem(f.file!, { phone: phones[i]!, name: f.name, server: '127.0.0.1', sipPort: sup.sipPort, checkType: true }),
    })),
  );
  return { samples, seconds, supervisorCpuMs, harnessCpuMs: (own.user + own.system) / 1000, retransmits: 0 };
}

async function tftpBurst(sup: Supervisor, phones: readonly BenchPhone[]): Promise<Burst> {
  const cpu0 = sup.sample()?.cpuMs ?? NaN;
  const own0 = process.cpuUsage();
  let retransmits = 0;
  const t0 = performance.now();
  const results = await Promise.all(
    phones.map(async (phone) => {
      const name = phone.spec.mainFile(phone.mac);
      const t = performance.now();
      try {
        const r = await tftpGet({ host: '127.0.0.1', port: sup.tftpPort, name, timeoutMs: TFTP_TIMEOUT_MS, retries: TFTP_RETRIES });
        retransmits += r.retransmits;
        return { phone, name, ms: performance.now() - t, file: { status: 200, body: r.body } satisfies FetchedFile };
      } catch (err) {
        const e = err as TftpError;
        const error = e instanceof TftpError ? (e.kind === 'timeout' ? 'tftp timeout' : e.kind === 'error-packet' ? `tftp error ${e.code}` : 'tftp protocol error') : `tftp: ${String(err)}`;
        return { phone, name, ms: performance.now() - t, error };
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const supervisorCpuMs = (sup.sample()?.cpuMs ?? NaN) - cpu0;
  const own = process.cpuUsage(own0);
  const samples = results.map((r) => ({
    ms: r.ms,
    problem: r.error ?? fileProblem(r.file!, { phone: r.phone, name: r.name, server: '127.0.0.1', sipPort: sup.sipPort, checkType: false }),
  }));
  return { samples, seconds, supervisorCpuMs, harnessCpuMs: (own.user + own.system) / 1000, retransmits };
}

function summary(label: string, phones: number, bursts: Burst[], how: string): ProvisioningProtocolResult {
  const samples = bursts.flatMap((b) => b.samples);
  const ok = samples.filter((s) => s.problem === undefined).map((s) => s.ms);
  const problems = samples.flatMap((s) => (s.problem === undefined ? [] : [s.problem]));
  const seconds = bursts.reduce((a, b) => a + b.seconds, 0);
  const latency = summarize(ok, seconds, problems.length, 'files/s');
  if (problems.length > 0) latency.errors = fig(problems.length, 'count', describeErrors(problems));
  const cpu = bursts.reduce((a, b) => a + b.supervisorCpuMs, 0);
  return {
    phones,
    files: fig(ok.length, 'count', `${label} files served right, over ${bursts.length} burst(s) of ${phones} phones at once`),
    seconds: fig(Math.round(seconds * 1000) / 1000, 's', 'sum of the bursts: first request to last answer'),
    filesPerSecond: fig(Math.round((ok.length / seconds) * 10) / 10, 'files/s', how),
    latency,
    bursts: bursts.length,
    supervisorCpu: fig(Math.round(cpu), 'cpu-ms', 'the supervisor process over the bursts'),
  };
}

function logBurst(ctx: BenchContext, label: string, i: number, n: number, b: Burst, extra?: string): void {
  const ok = b.samples.filter((s) => s.problem === undefined);
  const s = summarize(
    ok.map((x) => x.ms),
    b.seconds,
    0,
  );
  const errs = b.samples.flatMap((x) => (x.problem ? [x.problem] : []));
  ctx.log(
    `provisioning: ${label} burst ${i}/${n}: ${ok.length} files in ${b.seconds.toFixed(2)} s (${(ok.length / b.seconds).toFixed(0)} files/s), ` +
      `p50 ${s.p50.value} ms, p99 ${s.p99.value} ms, ${errs.length} errors${errs.length ? ` (${describeErrors(errs)})` : ''}` +
      `${b.retransmits ? `, ${b.retransmits} retransmissions` : ''}; CPU supervisor ${b.supervisorCpuMs.toFixed(0)} ms, load generator ${b.harnessCpuMs.toFixed(0)} ms${extra ? `; ${extra}` : ''}`,
  );
}

export async function provisioning(ctx: BenchContext): Promise<ProvisioningResult> {
  const size = ctx.smoke ? PROVISIONING_SIZES.smoke : PROVISIONING_SIZES.full;
  const phones = phonePlan(size.phones);
  const sup = await startSupervisor(ctx, {
    name: 'provisioning',
    config: realisticConfig({ extensions: size.phones }),
    rtp: RTP,
    // One load generator stands for every phone from one address: see the header.
    env: { PBX_PROVISIONING_RATE: '65535' },
  });
  try {
    ctx.log(`provisioning: supervisor with ${size.phones} extensions ready in ${(sup.startToReadyMs / 1000).toFixed(1)} s`);
    const t = performance.now();
    const imported = await sup.api.request('POST', '/phones/import', phonesCsv(phones), { 'content-type': 'text/csv' });
    if (imported.status !== 200 || imported.body?.created !== phones.length) throw new Error(`importing ${phones.length} phones: ${imported.status} ${imported.text.slice(0, 500)}`);
    ctx.log(`provisioning: ${phones.length} phones imported (CSV) in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    // Warm-up, unmeasured: one phone per vendor, both protocols.
    const warm = phones.slice(0, PHONE_CLIENTS.length);
    const warmErrors = [...(await httpBurst(sup, warm)).samples, ...(await tftpBurst(sup, warm)).samples].flatMap((s) => (s.problem ? [s.problem] : []));
    if (warmErrors.length) ctx.log(`provisioning: warm-up errors: ${describeErrors(warmErrors)}`);

    const http: Burst[] = [];
    for (let i = 1; i <= size.bursts; i++) {
      await sleep(size.pauseMs);
      const before = tcpTrouble();
      const b = await httpBurst(sup, phones);
      const after = tcpTrouble();
      logBurst(ctx, 'HTTP', i, size.bursts, b, `host TCP meanwhile: ${Object.keys(after).map((k) => `${k} +${after[k]! - (before[k] ?? NaN)}`).join(', ')}`);
      http.push(b);
    }
    const tftp: Burst[] = [];
    let drops = 0;
    for (let i = 1; i <= size.bursts; i++) {
      await sleep(size.pauseMs);
      const before = tftpServerDrops(sup.tftpPort);
      const b = await tftpBurst(sup, phones);
      const after = tftpServerDrops(sup.tftpPort);
      const dropped = before === undefined || after === undefined ? NaN : after - before;
      drops += dropped;
      logBurst(ctx, 'TFTP', i, size.bursts, b, `${dropped} requests dropped by the server's socket`);
      tftp.push(b);
    }

    const tftpResult = summary('TFTP', phones.length, tftp, 'files served right / seconds; each phone its main MAC file, RFC 1350 octet, 512-byte blocks, its own UDP port');
    tftpResult.retransmissions = fig(
      tftp.reduce((a, b) => a + b.retransmits, 0),
      'packets',
      `sent again after ${TFTP_TIMEOUT_MS} ms without an answer (an RRQ or ACK lost), over every burst`,
    );
    tftpResult.serverSocketDrops = fig(drops, 'packets', "datagrams the TFTP server's listening socket dropped on a full receive buffer (/proc/net/udp), over every burst");
    return {
      http: summary('HTTP', phones.length, http, "files served right / seconds; each phone its vendor's file sequence with its User-Agent, on its own keep-alive connection"),
      tftp: tftpResult,
    };
  } finally {
    await sup.stop();
  }
}
