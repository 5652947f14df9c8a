// Calls in progress while the box applies changes (the apply benchmark): K devices call out
// through the LCR to a SIPp carrier and stay up until the benchmark is done, then hang up
// themselves. A call the box ended meanwhile (its BYE), or no longer knew at the end (our BYE
// refused or unanswered), is dropped: only a clean end proves the call outlived every apply.
// Scenarios: scripts/bench/sipp/apply-caller.xml, apply-carrier.xml (flows in their headers).
import { createSocket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startSipp, type SippProcess } from '../../../test/lib/sipp.ts';
import { udpListening, waitFor } from '../../../test/lib/pbx.ts';
import { sleep } from './context.ts';

const SIPP_DIR = resolve(import.meta.dirname, '../sipp');
export const CALLER_SCENARIO = join(SIPP_DIR, 'apply-caller.xml');
export const CARRIER_SCENARIO = join(SIPP_DIR, 'apply-carrier.xml');

/** SIPp's Call-ID for call n of the callers (-cid_str): the benchmark addresses its INFO with it. */
export const CALL_ID_FORMAT = 'apply-%u@bench';
export const callIdOf = (callNumber: number): string => `apply-${callNumber}@bench`;

export interface Credentials {
  username: string;
  password: string;
}

/**
 * SIPp -inf file: one caller per line, taken in order, so call n comes from device n. Field 1
 * is the whole [authentication] keyword: SIPp 3.6 expands keywords inside injected fields but
 * not fields inside a keyword's parameters.
 */
export function callerCsv(callers: readonly Credentials[]): string {
  for (const c of callers) if (/[;\n\s\]]/.test(c.username + c.password)) throw new Error(`a ; ] space or line break in the credentials of ${c.username}`);
  return `SEQUENTIAL\n${callers.map((c) => `${c.username};[authentication username=${c.username} password=${c.password}]`).join('\n')}\n`;
}

/** k indices spread evenly over 0..n-1 (calls from devices across the whole number range). */
export function spread(n: number, k: number): number[] {
  if (k > n) throw new Error(`${k} callers need at least ${k} extensions, not ${n}`);
  return Array.from({ length: k }, (_, j) => Math.floor((j * n) / k));
}

export interface CallOutcome {
  /** Calls that were answered: the calls in progress. */
  answered: number;
  /** Answered calls that ended cleanly: our BYE, answered 200. */
  hungUp: number;
  /** Answered calls the box hung up (its BYE) before we did. */
  droppedByBox: number;
  /** Answered calls whose BYE the box refused (481) or left unanswered: it had lost them. */
  lost: number;
  /** Calls whose safety hold ran out before the benchmark's INFO (the benchmark outlasted the hold). */
  holdExpired: number;
  /** Answered calls that did not end cleanly, whatever the reason. */
  dropped: number;
  /** Their call numbers. */
  droppedCalls: number[];
}

/** What the callers' <log> lines ("ANSWERED 3", "HUNG_UP 3", ...) say happened to each call. */
export function callOutcome(lines: readonly string[]): CallOutcome {
  const byEvent = new Map<string, Set<number>>();
  for (const line of lines) {
    const m = /^([A-Z_]+)\s+(\d+)$/.exec(line.trim());
    if (!m) continue;
    const set = byEvent.get(m[1]!) ?? new Set<number>();
    set.add(Number(m[2]));
    byEvent.set(m[1]!, set);
  }
  const of = (e: string) => byEvent.get(e) ?? new Set<number>();
  const answered = of('ANSWERED');
  const hungUp = [...of('HUNG_UP')].filter((n) => answered.has(n));
  const droppedCalls = [...answered].filter((n) => !of('HUNG_UP').has(n)).sort((a, b) => a - b);
  return {
    answered: answered.size,
    hungUp: hungUp.length,
    droppedByBox: [...of('DROPPED')].filter((n) => answered.has(n)).length,
    lost: [...of('LOST')].filter((n) => answered.has(n)).length,
    holdExpired: of('HOLD_EXPIRED').size,
    dropped: droppedCalls.length,
    droppedCalls,
  };
}

/** Call numbers that logged ANSWERED. */
export function answeredNumbers(lines: readonly string[]): number[] {
  return lines.flatMap((l) => {
    const m = /^ANSWERED\s+(\d+)$/.exec(l.trim());
    return m ? [Number(m[1])] : [];
  });
}

/** Call `n` has an end in the log (clean or not). */
function hasEnded(lines: readonly string[], n: number): boolean {
  return ['HUNG_UP', 'DROPPED', 'LOST'].some((e) => lines.includes(`${e} ${n}`));
}

/** The INFO that tells caller call `callNumber` to hang up (see apply-caller.xml). */
export function hangupInfo(o: { callNumber: number; to: { ip: string; port: number }; from: { ip: string; port: number }; attempt: number }): string {
  const { ip, port } = o.from;
  return [
    `INFO sip:caller@${o.to.ip}:${o.to.port} SIP/2.0`,
    `Via: SIP/2.0/UDP ${ip}:${port};branch=z9hG4bK-apply-${o.callNumber}-${o.attempt}`,
    `From: <sip:bench@${ip}:${port}>;tag=bench${o.callNumber}`,
    `To: <sip:caller@${o.to.ip}:${o.to.port}>`,
    `Call-ID: ${callIdOf(o.callNumber)}`,
    `CSeq: ${o.attempt + 1} INFO`,
    'Max-Forwards: 70',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/**
 * Calls lost according to the channel counts seen after each apply: two channels per call
 * (the caller's and the carrier's), so a shortfall against the count with every call up.
 */
export function callsMissing(channelsWithAllUp: number, seen: readonly number[]): number {
  if (seen.length === 0) return 0;
  return Math.max(0, Math.ceil((channelsWithAllUp - Math.min(...seen)) / 2));
}

export interface Carrier {
  ip: string;
  port: number;
  process: SippProcess;
  stop(): Promise<void>;
}

/** The SIPp carrier answering every call, on ip:port (the model's trunk "carrier"). */
export async function startCarrier(ip: string, port: number, timeoutMs: number): Promise<Carrier> {
  const p = await startSipp({ scenario: CARRIER_SCENARIO, localIp: ip, localPort: port, service: 'carrier', timeoutMs });
  await waitFor(() => udpListening(ip, port), 10_000, `the carrier SIPp on ${ip}:${port}`);
  return { ip, port, process: p, stop: async () => void (await p.stop()) };
}

export interface CallsInProgress {
  readonly process: SippProcess;
  /** Calls answered so far (the ones in progress, once placeCalls returned). */
  answered(): Promise<number>;
  /** Asks every call to hang up and waits for SIPp to finish: what happened to each. */
  end(timeoutMs?: number): Promise<CallOutcome>;
  /** Kills SIPp (cleanup). */
  stop(): Promise<void>;
}

export interface PlaceCallsOptions {
  /** The box's SIP address. */
  box: { ip: string; port: number };
  /** The number dialled (goes out of the carrier by LCR). */
  number: string;
  callers: readonly Credentials[];
  /** Where the callers' CSV goes. */
  dir: string;
  /** Calls placed per second. */
  rate: number;
  /** Safety hold: the calls end by themselves after this long (the benchmark ends them before). */
  holdMs: number;
  /** How long to wait for every call to be answered. */
  answerTimeoutMs: number;
}

/**
 * Places one call per caller through the box and resolves once all are answered (or the
 * answer timeout passed: the caller then knows how many are in progress from answered()).
 */
export async function placeCalls(o: PlaceCallsOptions): Promise<CallsInProgress> {
  const k = o.callers.length;
  const csv = join(o.dir, `callers-${process.pid}-${Date.now()}.csv`);
  writeFileSync(csv, callerCsv(o.callers), { mode: 0o600 });
  const p = await startSipp({
    scenario: CALLER_SCENARIO,
    remote: `${o.box.ip}:${o.box.port}`,
    service: o.number,
    authUri: `${o.number}@${o.box.ip}:${o.box.port}`,
    domain: o.box.ip,
    calls: k,
    rtpEcho: false,
    vars: { hold_ms: o.holdMs },
    timeoutMs: o.holdMs + 60_000,
    extraArgs: ['-inf', csv, '-l', String(k), '-r', String(o.rate), '-cid_str', CALL_ID_FORMAT],
  });
  const outcome = async () => callOutcome(await p.events());
  const answered = async () => (await outcome()).answered;
  const deadline = Date.now() + o.answerTimeoutMs;
  while (Date.now() < deadline && (await answered()) < k) await sleep(100);

  const end = async (timeoutMs = 30_000): Promise<CallOutcome> => {
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const from = { ip: '127.0.0.1', port: sock.address().port };
    try {
      // Only answered calls: an INFO inside a call's INVITE transaction would end it there.
      const answeredCalls = answeredNumbers(await p.events());
      // UDP: an INFO the call did not log (lost on the way) is sent again; one it logged is
      // never repeated (a second one would restart the hang-up of a call that ended).
      for (let attempt = 0; attempt < 5; attempt++) {
        const lines = await p.events();
        const pending = answeredCalls.filter((n) => !hasEnded(lines, n) && !lines.includes(`INFO_RECEIVED ${n}`));
        if (pending.length === 0) break;
        for (const n of pending) sock.send(hangupInfo({ callNumber: n, to: { ip: p.localIp, port: p.localPort }, from, attempt }), p.localPort, p.localIp);
        await sleep(1000);
      }
    } finally {
      sock.close();
    }
    let timer: NodeJS.Timeout | undefined;
    const done = await Promise.race([p.done, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), timeoutMs)))]);
    clearTimeout(timer);
    if (!done) await p.stop();
    return await outcome();
  };
  return {
    process: p,
    answered,
    end,
    stop: async () => void (await p.stop()),
  };
}
