/**
 * SIPp wrapper for integration tests: runs one SIPp process per simulated
 * phone or carrier, using the scenarios in test/fixtures/sipp/, and reports
 * what happened (exit status, final SIP status, the INVITE that reached a
 * UAS, the scenario's <log> events, the full message trace).
 *
 * Roles (see each XML file's header for its flow and parameters):
 *   UAC scenarios (client mode, need `remote`): uac-call.xml,
 *     uac-call-expect-fail.xml, uac-call-cancel.xml, carrier-uac.xml,
 *     register.xml, register-rejected.xml, options-ping.xml,
 *     uac-dtmf.xml (needs `dtmf`: the wrapper builds the pcap of RFC 4733
 *     events with test/lib/dtmf.ts, in the run's directory).
 *   UAS scenarios (server mode, bind `localIp:localPort`): carrier-uas.xml,
 *     carrier-uas-fail.xml, carrier-uas-dtmf.xml (answers, then keys in
 *     `dtmf` like uac-dtmf.xml). They stop SIPp themselves after one call,
 *     so no -m is passed (an OPTIONS qualify would count as a call).
 *   Phone scenarios: phone-uas.xml, phone-uas-busy.xml,
 *     phone-uas-noanswer.xml. These are out-of-call scenarios: the wrapper
 *     runs phone-main.xml (REGISTER, wait for the call, unregister) with
 *     `-oocsf <scenario>` in the same process, so the PBX's INVITE reaches
 *     the port that registered. Await `waitForRegistration()` before
 *     placing the call. (The INVITE's Request-URI user is then the phone's
 *     contact user, i.e. its username, not the number dialled.)
 *   mock-*.xml are test doubles for sipp-selftest.test.ts only.
 *
 * Every run gets its own temp directory (os.tmpdir()) for SIPp's message
 * trace, <log> file and error file; their contents end up in the result and
 * the directory is deleted, unless keepFiles / SIPP_KEEP_FILES=1.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dtmfTiming, writeDtmfPcap, type DtmfOptions } from './dtmf.ts';

export const SIPP_BIN = process.env['SIPP_BIN'] ?? 'sipp';
export const SIPP_FIXTURES_DIR = path.resolve(import.meta.dirname, '..', 'fixtures', 'sipp');

/** Scenario the wrapper runs as the main scenario for phone-uas*.xml. */
const PHONE_MAIN = 'phone-main.xml';
/** Out-of-call scenarios that need PHONE_MAIN (they register first). */
const PHONE_OOC_SCENARIOS = new Set(['phone-uas.xml', 'phone-uas-busy.xml', 'phone-uas-noanswer.xml']);
/** UAC scenarios whose INVITE may be challenged: the digest uri must be the Request-URI. */
const INVITE_AUTH_SCENARIOS = new Set(['uac-call.xml', 'uac-call-expect-fail.xml', 'uac-call-cancel.xml', 'uac-dtmf.xml']);
/** Globals the scenarios set themselves; never passed with -set. */
const INTERNAL_GLOBALS = new Set(['call_done']);

export type SippRole = 'uac' | 'uas' | 'phone';

export interface SippOptions {
  /** File name in test/fixtures/sipp/ (e.g. 'uac-call.xml') or a path. */
  scenario: string;
  /** host:port SIPp sends to (the PBX, or a UAS). Required for UAC and phone roles. */
  remote?: string;
  /** Local address: -i (and -mi for the SDP). Default 127.0.0.1. Carriers: 127.0.0.2, .3 ... */
  localIp?: string;
  /** Local SIP port: -p. Default: a free UDP port on localIp. */
  localPort?: number;
  /** -s: Request-URI user (number dialled / DID) for UAC calls; the AOR user for register/phone. */
  service?: string;
  /** Device username: -au; also the default `service` of register/phone and the default `caller`. */
  user?: string;
  /** Device password: -ap. */
  password?: string;
  /** From user (-key caller). Default: user, else 'sipp'. */
  caller?: string;
  /** From display name (-key caller_name). Default: caller. */
  callerName?: string;
  /** Host part of From/To URIs (-key domain). Default: host of `remote`, else localIp. */
  domain?: string;
  /** REGISTER Expires (-key expires). Default 300 (Asterisk refuses < 60 with 423). 0 unregisters. */
  expires?: number;
  /** -set hold_ms: talk time. UAC: before its BYE (default 1000). UAS/phone: > 0 makes it hang up (default 0: wait for BYE). */
  holdMs?: number;
  /** -set ring_ms: UAS/phone delay between 180 and 200 (default 0). */
  ringMs?: number;
  /** Phones: unregister (Expires: 0) after the call. Default true. */
  unregister?: boolean;
  /** UAS that rejects (carrier-uas-fail.xml, phone-uas-busy.xml): send this status instead. */
  rejectWith?: { status: number; reason?: string };
  /** Expected finalStatus; `ok` is false if another one is seen. */
  expectStatus?: number;
  /** Extra -key name value pairs. */
  keys?: Record<string, string>;
  /** Extra -set name value pairs; each must be a <Global> of the scenario(s). */
  vars?: Record<string, string | number>;
  /** -m. Default 1 for UAC and phone roles; not passed for UAS (the scenario stops itself). */
  calls?: number;
  /** Global timeout (-timeout, rounded up to seconds, with -timeout_error). Default 30000. */
  timeoutMs?: number;
  /** -auth_uri. Default for uac-call*.xml: <service>@<remote>, i.e. the Request-URI. */
  authUri?: string;
  /** -rtp_echo: echo RTP back (media port chosen by SIPp from 6000 up). Default true. */
  rtpEcho?: boolean;
  /** Run this as the out-of-call scenario (-oocsf) of `scenario` (a custom pairing). */
  oocScenario?: string;
  /** Appended verbatim to the SIPp command line. */
  extraArgs?: string[];
  /** Keep the run's temp directory (deleted once read otherwise). Env: SIPP_KEEP_FILES=1. */
  keepFiles?: boolean;
  /**
   * Digits to key in once answered (uac-dtmf.xml and carrier-uas-dtmf.xml, which require it): 0-9 * # A-D as RFC 4733
   * events on payload type 101; a comma pauses 1 s (DtmfOptions.pauseMs). See test/lib/dtmf.ts.
   * holdMs then counts from the end of the digits; a BYE from the far end ends the call at any time.
   * SIPp plays the pcap through a raw socket: it must run as root.
   */
  dtmf?: string;
  /** uac-dtmf.xml, carrier-uas-dtmf.xml: wait after the ACK before the first digit (-set dtmf_delay_ms). Default 1500. */
  dtmfDelayMs?: number;
  /** Tone, gap and pause lengths etc. of the `dtmf` pcap (defaults: 160 ms tone, 240 ms gap, 1 s per comma). */
  dtmfOptions?: DtmfOptions;
}

export interface SippMessage {
  direction: 'sent' | 'received';
  /** Timestamp as written by SIPp. */
  time: string;
  /** First line, e.g. 'INVITE sip:100@127.0.0.1:5060 SIP/2.0' or 'SIP/2.0 200 OK'. */
  firstLine: string;
  /** Request method, for requests. */
  method?: string;
  /** Request-URI, for requests. */
  requestUri?: string;
  /** Status code, for responses. */
  status?: number;
  /** CSeq method (for responses: the method answered). */
  cseqMethod?: string;
  cseqNumber?: number;
  callId?: string;
  /** Header values by lower-case long name (compact forms expanded), in order. */
  headers: Record<string, string[]>;
  body: string;
}

export interface SippResult {
  /** exitCode 0, not stopped by stop(), and finalStatus === expectStatus when given. */
  ok: boolean;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** stop() ended the process. */
  stopped: boolean;
  /** The -timeout elapsed (SIPp exits 255 with -timeout_error) or the wrapper had to kill it. */
  timedOut: boolean;
  /** See finalStatusOf(). */
  finalStatus?: number;
  /** A new (out-of-dialog) INVITE reached this SIPp. */
  inviteReceived: boolean;
  /** That INVITE. */
  invite?: SippMessage;
  /** User part of its Request-URI: the number dialled, after the PBX's manipulation. */
  requestUriUser?: string;
  /** User part of its From URI: the caller id presented. */
  fromUser?: string;
  /** Display name in its From header, if any. */
  fromName?: string;
  /** User part of its To URI. */
  toUser?: string;
  /** Scenario events (the <log> lines), e.g. ['REGISTERED', 'INVITE_RECEIVED', ...]. */
  events: string[];
  registered: boolean;
  answered: boolean;
  cancelled: boolean;
  /** Who sent the BYE, from the scenario's BYE_SENT / BYE_RECEIVED events. */
  byeFrom?: 'local' | 'remote';
  messages: SippMessage[];
  stdout: string;
  stderr: string;
  /** The <log> file. */
  logs: string;
  /** SIPp's -trace_err file (unexpected messages, warnings). */
  errors: string;
  args: string[];
  /** The run's temp directory (SIPp's cwd and trace files). */
  dir: string;
  /** Whether `dir` was kept (keepFiles / SIPP_KEEP_FILES=1); else it is deleted once read. */
  filesKept: boolean;
  localIp: string;
  localPort: number;
  durationMs: number;
}

export interface SippProcess {
  readonly localIp: string;
  readonly localPort: number;
  readonly args: readonly string[];
  readonly dir: string;
  readonly pid: number | undefined;
  /** Resolves when SIPp exits; never rejects. */
  readonly done: Promise<SippResult>;
  /** Resolves with the first <log> line matching; rejects on timeout or if SIPp exits first. */
  waitForLog(match: RegExp | string, timeoutMs?: number): Promise<string>;
  /** Phones/register: waitForLog(/^(REGISTERED|REGISTER_OK)$/). */
  waitForRegistration(timeoutMs?: number): Promise<void>;
  /** <log> lines so far. */
  events(): Promise<string[]>;
  /** Ends SIPp (SIGTERM, then SIGKILL after 2 s) and returns its result. */
  stop(): Promise<SippResult>;
}

const live = new Set<SippProcessImpl>();

/** Stop every SIPp still running (for after()/afterEach() hooks). */
export async function stopAllSipp(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop()));
}

/** A UDP port that was free on `ip` a moment ago. */
export async function freeUdpPort(ip = '127.0.0.1'): Promise<number> {
  return await new Promise<number>((resolve, reject) => {
    const sock = createSocket('udp4');
    sock.once('error', reject);
    sock.bind(0, ip, () => {
      const { port } = sock.address();
      sock.close(() => resolve(port));
    });
  });
}

export function resolveScenario(scenario: string): string {
  if (path.isAbsolute(scenario) || scenario.includes('/')) return path.resolve(scenario);
  return path.join(SIPP_FIXTURES_DIR, scenario);
}

/** Globals declared by <Global variables="a,b"/> in a scenario text. */
function declaredGlobals(xml: string): Set<string> {
  const out = new Set<string>();
  for (const m of xml.matchAll(/<Global\s+variables\s*=\s*"([^"]*)"/g)) {
    for (const v of (m[1] ?? '').split(',')) if (v.trim()) out.add(v.trim());
  }
  return out;
}

/** 'uac' if the scenario starts by sending, else 'uas' (comments and CDATA ignored). */
function detectRole(xml: string): 'uac' | 'uas' {
  const stripped = xml.replace(/<!--[\s\S]*?-->/g, '').replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '');
  const m = /<(send|recv)\b/.exec(stripped);
  return m?.[1] === 'send' ? 'uac' : 'uas';
}

function splitHostPort(hp: string): { host: string; port: number } {
  const i = hp.lastIndexOf(':');
  if (i <= 0) throw new Error(`sipp: remote must be host:port, got '${hp}'`);
  return { host: hp.slice(0, i), port: Number(hp.slice(i + 1)) };
}

/**
 * Replaces the scenario's one rejecting status line (e.g. 'SIP/2.0 503
 * Service Unavailable'): the only >= 300 status it sends other than the
 * 487 that answers a CANCEL.
 */
function rewriteRejectStatus(xml: string, file: string, status: number, reason: string): string {
  const re = /^(\s*)SIP\/2\.0 ([3-6]\d\d) [^\r\n]*$/gm;
  const hits = [...xml.matchAll(re)].filter((m) => m[2] !== '487');
  if (hits.length !== 1) {
    throw new Error(`sipp: rejectWith needs exactly one rejecting status line (not 487) in ${file}, found ${hits.length}`);
  }
  return xml.replace(re, (all, indent: string, code: string) => (code === '487' ? all : `${indent}SIP/2.0 ${status} ${reason}`));
}

const REASONS: Record<number, string> = {
  400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 408: 'Request Timeout',
  480: 'Temporarily Unavailable', 484: 'Address Incomplete', 486: 'Busy Here',
  487: 'Request Terminated', 488: 'Not Acceptable Here', 500: 'Server Internal Error',
  502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Server Time-out',
  600: 'Busy Everywhere', 603: 'Decline', 604: 'Does Not Exist Anywhere',
};

const COMPACT: Record<string, string> = {
  f: 'from', t: 'to', i: 'call-id', m: 'contact', v: 'via', l: 'content-length',
  c: 'content-type', k: 'supported', s: 'subject', e: 'content-encoding',
};

/** Parses SIPp's -trace_msg file. */
export function parseMessageTrace(text: string): SippMessage[] {
  const out: SippMessage[] = [];
  // Blocks start with a line of dashes, followed by a timestamp for sent/
  // received messages; other blocks ("Unexpected UDP message received:")
  // repeat a message already traced and are skipped.
  const blocks = text.split(/^-{20,}[ \t]*(.*)$/m);
  // split() with a capture group: [pre, time1, block1, time2, block2, ...]
  for (let i = 1; i + 1 < blocks.length; i += 2) {
    const time = (blocks[i] ?? '').trim();
    const block = blocks[i + 1] ?? '';
    const head = /^\s*\S+ message (sent|received)[^\n]*\n/.exec(block);
    if (!head) continue;
    const direction = head[1] === 'sent' ? 'sent' : 'received';
    const raw = block.slice(head[0].length).replace(/^\r?\n/, '');
    const sep = raw.search(/\r?\n\r?\n/);
    const headPart = sep >= 0 ? raw.slice(0, sep) : raw;
    const body = sep >= 0 ? raw.slice(sep).replace(/^\r?\n\r?\n/, '').replace(/\s+$/, '') : '';
    const lines = headPart.split(/\r?\n/);
    const firstLine = (lines.shift() ?? '').trim();
    if (!firstLine) continue;
    const headers: Record<string, string[]> = {};
    let last: string | undefined;
    for (const line of lines) {
      if (/^[ \t]/.test(line) && last) {
        const arr = headers[last];
        if (arr && arr.length) arr[arr.length - 1] += ' ' + line.trim();
        continue;
      }
      const c = line.indexOf(':');
      if (c <= 0) continue;
      let name = line.slice(0, c).trim().toLowerCase();
      name = COMPACT[name] ?? name;
      (headers[name] ??= []).push(line.slice(c + 1).trim());
      last = name;
    }
    const msg: SippMessage = { direction, time, firstLine, headers, body };
    const resp = /^SIP\/2\.0\s+(\d{3})/.exec(firstLine);
    if (resp) {
      msg.status = Number(resp[1]);
    } else {
      const req = /^([A-Z]+)\s+(\S+)\s+SIP\/2\.0/.exec(firstLine);
      if (req) {
        msg.method = req[1];
        msg.requestUri = req[2];
      }
    }
    const cseq = /^(\d+)\s+([A-Z]+)/.exec(headers['cseq']?.[0] ?? '');
    if (cseq) {
      msg.cseqNumber = Number(cseq[1]);
      msg.cseqMethod = cseq[2];
    }
    const callId = headers['call-id']?.[0];
    if (callId) msg.callId = callId;
    out.push(msg);
  }
  return out;
}

/** 'sip:100@host;x=y' or '"Bob" <sip:100@host>;tag=1' -> '100' (undefined if no user part). */
export function uriUser(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const inAngle = /<([^>]*)>/.exec(value);
  const uri = inAngle ? (inAngle[1] ?? '') : value;
  const m = /^\s*(?:sips?|tel):([^@;>?]+)@/i.exec(uri);
  if (m) return decodeURIComponent(m[1] ?? '');
  const tel = /^\s*tel:([^;>?]+)/i.exec(uri);
  return tel ? tel[1] : undefined;
}

/** '"Bob" <sip:100@host>' -> 'Bob'; 'Bob <sip:...>' -> 'Bob'. */
export function displayName(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const q = /^\s*"((?:[^"\\]|\\.)*)"\s*</.exec(value);
  if (q) return (q[1] ?? '').replace(/\\(.)/g, '$1');
  const t = /^\s*([^<"]+?)\s*</.exec(value);
  return t ? t[1] : undefined;
}

function hasToTag(m: SippMessage): boolean {
  return /;\s*tag=/i.test(m.headers['to']?.[0] ?? '');
}

/** The first out-of-dialog INVITE received (not a re-INVITE, not a retransmission). */
export function receivedInvite(messages: SippMessage[]): SippMessage | undefined {
  return messages.find((m) => m.direction === 'received' && m.method === 'INVITE' && !hasToTag(m));
}

/**
 * The outcome status of the run:
 *  - if an out-of-dialog INVITE was received (carrier/phone UAS): the last
 *    final status we sent for it (200, 486, 487, 503...);
 *  - otherwise the last final status received for the first request we sent
 *    (uac-call: the INVITE - 200 or the failure after any 401/407 challenge;
 *    register: the REGISTER; options-ping: the OPTIONS).
 */
export function finalStatusOf(messages: SippMessage[]): number | undefined {
  const inv = receivedInvite(messages);
  if (inv) {
    const finals = messages.filter(
      (m) => m.direction === 'sent' && m.status !== undefined && m.status >= 200 &&
        m.callId === inv.callId && m.cseqMethod === 'INVITE' && m.cseqNumber === inv.cseqNumber,
    );
    return finals.at(-1)?.status;
  }
  const first = messages.find((m) => m.direction === 'sent' && m.method !== undefined && m.method !== 'ACK');
  if (!first) return undefined;
  const finals = messages.filter(
    (m) => m.direction === 'received' && m.status !== undefined && m.status >= 200 &&
      m.callId === first.callId && m.cseqMethod === first.method,
  );
  // For REGISTER a phone later unregisters on the same Call-ID: report the
  // registration's outcome, i.e. the final answers up to the first 2xx.
  if (first.method === 'REGISTER') {
    const ok = finals.findIndex((m) => (m.status ?? 0) < 300);
    if (ok >= 0) return finals[ok]?.status;
  }
  return finals.at(-1)?.status;
}

/** One line per SIP message, for assertion messages: '-> INVITE sip:..', '<- SIP/2.0 407 ..'. */
export function messageFlow(messages: SippMessage[]): string {
  return messages
    .map((m) => `${m.direction === 'sent' ? '->' : '<-'} ${m.firstLine}${m.cseqMethod ? `  (CSeq ${m.cseqNumber} ${m.cseqMethod})` : ''}`)
    .join('\n');
}

/** A readable summary of a result, for assert messages. */
export function describeSippResult(r: SippResult): string {
  const tail = (s: string, n: number) => (s.length > n ? '...' + s.slice(-n) : s);
  return [
    `sipp ${r.args.join(' ')}`,
    `exit=${r.exitCode} signal=${r.signal} stopped=${r.stopped} timedOut=${r.timedOut} finalStatus=${r.finalStatus}`,
    `events: ${r.events.join(', ') || '(none)'}`,
    `messages:\n${messageFlow(r.messages) || '(none)'}`,
    r.errors.trim() ? `errors file:\n${tail(r.errors.trim(), 3000)}` : '',
    r.stderr.trim() ? `stderr:\n${tail(r.stderr.trim(), 2000)}` : '',
    r.filesKept ? `run dir: ${r.dir}` : '(run dir removed; SIPP_KEEP_FILES=1 keeps it)',
  ].filter(Boolean).join('\n');
}

function logEvents(logs: string): string[] {
  return logs.split('\n').map((l) => l.trim()).filter(Boolean);
}

const MAX_CAPTURE = 256 * 1024;

class SippProcessImpl implements SippProcess {
  readonly localIp: string;
  readonly localPort: number;
  readonly args: readonly string[];
  readonly dir: string;
  readonly done: Promise<SippResult>;
  private readonly child: ChildProcess;
  private readonly logFile: string;
  private exited = false;
  private stopRequested = false;

  constructor(
    args: string[], dir: string, localIp: string, localPort: number,
    files: { messages: string; logs: string; errors: string },
    opts: { timeoutMs: number; expectStatus?: number; keepFiles: boolean },
  ) {
    this.args = args;
    this.dir = dir;
    this.localIp = localIp;
    this.localPort = localPort;
    this.logFile = files.logs;
    const started = Date.now();
    // stdin ignored (with -nostdin SIPp does not read it); no shell.
    this.child = spawn(SIPP_BIN, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    this.child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      stdout = (stdout + d).slice(-MAX_CAPTURE);
    });
    this.child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      stderr = (stderr + d).slice(-MAX_CAPTURE);
    });
    live.add(this);
    // Safety net: SIPp's own -timeout normally ends it, but a wedged
    // process must not hang the test run.
    let killedByWatchdog = false;
    const watchdog = setTimeout(() => {
      killedByWatchdog = true;
      this.child.kill('SIGKILL');
    }, opts.timeoutMs + 5000);
    this.done = new Promise<SippResult>((resolve) => {
      let settled = false;
      const finish = async (exitCode: number | null, signal: NodeJS.Signals | null, spawnError?: Error) => {
        if (settled) return;
        settled = true;
        this.exited = true;
        clearTimeout(watchdog);
        live.delete(this);
        const read = async (f: string) => (existsSync(f) ? await readFile(f, 'utf8').catch(() => '') : '');
        const [msgText, logs, errors] = await Promise.all([read(files.messages), read(files.logs), read(files.errors)]);
        const messages = parseMessageTrace(msgText);
        const events = logEvents(logs);
        const invite = receivedInvite(messages);
        const finalStatus = finalStatusOf(messages);
        const timedOut = killedByWatchdog || (exitCode === 255 && /timed out after/.test(stderr + errors));
        const ok = exitCode === 0 && !this.stopRequested && !killedByWatchdog &&
          (opts.expectStatus === undefined || finalStatus === opts.expectStatus);
        const result: SippResult = {
          ok,
          exitCode,
          signal,
          stopped: this.stopRequested,
          timedOut,
          inviteReceived: invite !== undefined,
          events,
          registered: events.includes('REGISTERED') || events.includes('REGISTER_OK'),
          answered: events.includes('ANSWERED'),
          cancelled: events.includes('CANCELLED'),
          messages,
          stdout,
          stderr: spawnError ? `${stderr}\nspawn error: ${spawnError.message}` : stderr,
          logs,
          errors,
          args: [...this.args],
          dir,
          filesKept: opts.keepFiles,
          localIp,
          localPort,
          durationMs: Date.now() - started,
        };
        if (finalStatus !== undefined) result.finalStatus = finalStatus;
        if (invite) {
          result.invite = invite;
          const ruriUser = uriUser(invite.requestUri);
          if (ruriUser !== undefined) result.requestUriUser = ruriUser;
          const fromUser = uriUser(invite.headers['from']?.[0]);
          if (fromUser !== undefined) result.fromUser = fromUser;
          const fromName = displayName(invite.headers['from']?.[0]);
          if (fromName !== undefined) result.fromName = fromName;
          const toUser = uriUser(invite.headers['to']?.[0]);
          if (toUser !== undefined) result.toUser = toUser;
        }
        if (events.includes('BYE_SENT')) result.byeFrom = 'local';
        else if (events.includes('BYE_RECEIVED')) result.byeFrom = 'remote';
        // Everything in the directory is in the result (messages, logs,
        // errors), so it goes unless asked to stay.
        if (!opts.keepFiles) await rm(dir, { recursive: true, force: true }).catch(() => {});
        resolve(result);
      };
      this.child.once('error', (err) => void finish(null, null, err));
      this.child.once('close', (code, signal) => void finish(code, signal));
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  async events(): Promise<string[]> {
    // Once SIPp has exited its directory may be gone: use the result.
    if (this.exited) return (await this.done).events;
    return logEvents(await readFile(this.logFile, 'utf8').catch(() => ''));
  }

  waitForLog(match: RegExp | string, timeoutMs = 10_000): Promise<string> {
    const test = (line: string) => (typeof match === 'string' ? line === match : match.test(line));
    return new Promise<string>((resolve, reject) => {
      const deadline = Date.now() + timeoutMs;
      const poll = async () => {
        const exited = this.exited;
        const lines = await this.events();
        const hit = lines.find(test);
        if (hit !== undefined) return resolve(hit);
        if (exited) {
          const r = await this.done;
          return reject(new Error(`sipp exited without logging ${String(match)}\n${describeSippResult(r)}`));
        }
        if (Date.now() > deadline) {
          return reject(new Error(`sipp did not log ${String(match)} within ${timeoutMs} ms; events so far: ${lines.join(', ') || '(none)'}`));
        }
        setTimeout(() => void poll(), 50);
      };
      void poll();
    });
  }

  async waitForRegistration(timeoutMs = 10_000): Promise<void> {
    await this.waitForLog(/^(REGISTERED|REGISTER_OK)$/, timeoutMs);
  }

  async stop(): Promise<SippResult> {
    if (!this.exited) {
      this.stopRequested = true;
      this.child.kill('SIGTERM');
      const t = setTimeout(() => this.child.kill('SIGKILL'), 2000);
      await this.done;
      clearTimeout(t);
    }
    return await this.done;
  }
}

/**
 * Builds the command line and starts SIPp. Resolves once the process is
 * spawned (port chosen, scenario prepared); await `.done` for the result.
 */
export async function startSipp(opts: SippOptions): Promise<SippProcess> {
  const scenarioPath = resolveScenario(opts.scenario);
  const scenarioName = path.basename(scenarioPath);
  if (!existsSync(scenarioPath)) throw new Error(`sipp: no scenario ${scenarioPath}`);
  let mainPath = scenarioPath;
  let oocPath: string | undefined;
  let role: SippRole;
  if (PHONE_OOC_SCENARIOS.has(scenarioName)) {
    role = 'phone';
    mainPath = path.join(SIPP_FIXTURES_DIR, PHONE_MAIN);
    oocPath = scenarioPath;
  } else if (opts.oocScenario) {
    role = 'uac';
    oocPath = resolveScenario(opts.oocScenario);
  } else {
    role = detectRole(await readFile(scenarioPath, 'utf8'));
  }
  if (role === 'uas' && opts.oocScenario) throw new Error('sipp: oocScenario needs a client-mode main scenario');

  // dtmf: check the digits and the scenario before anything is created.
  const scenarioText = await readFile(scenarioPath, 'utf8');
  const playsDtmf = scenarioText.includes('[dtmf_pcap]');
  if (playsDtmf && opts.dtmf === undefined) throw new Error(`sipp: ${scenarioName} plays DTMF and needs the dtmf option`);
  if (opts.dtmf !== undefined && !playsDtmf) throw new Error(`sipp: dtmf needs a scenario that plays it (uac-dtmf.xml, carrier-uas-dtmf.xml), not ${scenarioName}`);
  const dtmfTimes = opts.dtmf !== undefined ? dtmfTiming(opts.dtmf, opts.dtmfOptions) : undefined;

  const localIp = opts.localIp ?? '127.0.0.1';
  const localPort = opts.localPort ?? (await freeUdpPort(localIp));
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const dir = await mkdtemp(path.join(tmpdir(), `sipp-${scenarioName.replace(/\.xml$/, '')}-`));
  const files = {
    messages: path.join(dir, 'messages.log'),
    logs: path.join(dir, 'logs.log'),
    errors: path.join(dir, 'errors.log'),
  };

  // rejectWith: SIPp only accepts a literal status code in <send>, so run a
  // rewritten copy of the scenario.
  if (opts.rejectWith) {
    const target = oocPath ?? mainPath;
    const xml = rewriteRejectStatus(
      await readFile(target, 'utf8'), path.basename(target), opts.rejectWith.status,
      opts.rejectWith.reason ?? REASONS[opts.rejectWith.status] ?? 'Rejected',
    );
    const copy = path.join(dir, path.basename(target));
    await writeFile(copy, xml);
    if (oocPath) oocPath = copy;
    else mainPath = copy;
  }

  const xmlTexts = [await readFile(mainPath, 'utf8')];
  if (oocPath) xmlTexts.push(await readFile(oocPath, 'utf8'));
  const globals = new Set<string>();
  for (const x of xmlTexts) for (const g of declaredGlobals(x)) globals.add(g);

  const remote = opts.remote ? splitHostPort(opts.remote) : undefined;
  if (!remote && role !== 'uas') throw new Error(`sipp: ${scenarioName} is a client scenario and needs remote (host:port)`);

  const user = opts.user;
  const service = opts.service ?? (role === 'phone' || /^register/.test(scenarioName) ? user : undefined) ?? 'sipp';
  const caller = opts.caller ?? user ?? 'sipp';
  const args: string[] = [];
  if (remote) args.push(`${remote.host}:${remote.port}`);
  args.push('-sf', mainPath);
  if (oocPath) args.push('-oocsf', oocPath);
  args.push(
    '-i', localIp, '-p', String(localPort), '-mi', localIp,
    '-t', 'u1',
    '-nostdin',
    '-timeout', `${Math.max(1, Math.ceil(timeoutMs / 1000))}s`, '-timeout_error',
    '-trace_msg', '-message_file', files.messages,
    '-trace_logs', '-log_file', files.logs,
    '-trace_err', '-error_file', files.errors,
    // Automatic 200 for INFO/NOTIFY/OPTIONS/UPDATE that a scenario does not
    // expect at that point (e.g. an early-dialog UPDATE, a qualify).
    '-aa',
    '-s', service,
  );
  if (opts.rtpEcho ?? true) args.push('-rtp_echo');
  if (user !== undefined) args.push('-au', user);
  if (opts.password !== undefined) args.push('-ap', opts.password);
  const authUri = opts.authUri ?? (INVITE_AUTH_SCENARIOS.has(scenarioName) && remote ? `${service}@${remote.host}:${remote.port}` : undefined);
  if (authUri) args.push('-auth_uri', authUri);

  const dtmfVars: Record<string, string> = {};
  const dtmfKeys: Record<string, string> = {};
  if (opts.dtmf !== undefined && dtmfTimes) {
    // An absolute path: SIPp looks relative ones up next to the scenario first.
    dtmfKeys['dtmf_pcap'] = await writeDtmfPcap(opts.dtmf, opts.dtmfOptions, dir);
    // Leading commas cannot be silence in the pcap (SIPp sends its first packet at once): wait them out before it.
    dtmfVars['dtmf_delay_ms'] = String((opts.dtmfDelayMs ?? 1500) + dtmfTimes.leadMs);
    dtmfVars['dtmf_ms'] = String(dtmfTimes.totalMs - dtmfTimes.leadMs);
  }

  const keys: Record<string, string> = {
    ...dtmfKeys,
    caller,
    caller_name: opts.callerName ?? caller,
    domain: opts.domain ?? remote?.host ?? localIp,
    expires: String(opts.expires ?? 300),
    ...opts.keys,
  };
  for (const [k, v] of Object.entries(keys)) args.push('-key', k, v);

  const defaults: Record<string, string> = {
    hold_ms: String(opts.holdMs ?? (role === 'uac' ? 1000 : 0)),
    ring_ms: String(opts.ringMs ?? 0),
    unregister: (opts.unregister ?? true) ? '1' : '0',
    ...dtmfVars,
  };
  for (const [k, v] of Object.entries(opts.vars ?? {})) {
    if (!globals.has(k) || INTERNAL_GLOBALS.has(k)) {
      throw new Error(`sipp: -set ${k}: not a settable <Global> of ${scenarioName} (declared: ${[...globals].join(', ') || 'none'})`);
    }
    defaults[k] = String(v);
  }
  // SIPp refuses -set for a variable the scenario does not declare.
  for (const [k, v] of Object.entries(defaults)) {
    if (globals.has(k) && !INTERNAL_GLOBALS.has(k)) args.push('-set', k, v);
  }

  const calls = opts.calls ?? (role === 'uas' ? undefined : 1);
  if (calls !== undefined) args.push('-m', String(calls));
  if (opts.extraArgs) args.push(...opts.extraArgs);

  const procOpts: { timeoutMs: number; expectStatus?: number; keepFiles: boolean } = {
    timeoutMs,
    keepFiles: opts.keepFiles ?? process.env['SIPP_KEEP_FILES'] === '1',
  };
  if (opts.expectStatus !== undefined) procOpts.expectStatus = opts.expectStatus;
  return new SippProcessImpl(args, dir, localIp, localPort, files, procOpts);
}

/** startSipp() and wait for the result. */
export async function runSipp(opts: SippOptions): Promise<SippResult> {
  return await (await startSipp(opts)).done;
}
