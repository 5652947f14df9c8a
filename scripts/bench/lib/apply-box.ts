// The box under test seen from outside, for the apply and API benchmarks: what Asterisk runs
// (over ARI, and the dialplan over an AMI connection of the benchmark's own; never the
// supervisor's word), when the supervisor has gone quiet after its start, and a stop that
// leaves no Asterisk behind.
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { INTERNAL_CONTEXT } from '../../../src/render/extensions-conf.ts';
import { sleep } from './context.ts';
import type { Supervisor } from './supervisor.ts';

export interface AriAccess {
  url: string;
  username: string;
  password: string;
}

async function ariGet(ari: AriAccess, path: string, timeoutMs = 5000): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${ari.url}/ari${path}`, {
    headers: { authorization: `Basic ${Buffer.from(`${ari.username}:${ari.password}`).toString('base64')}` },
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON (an error page)
  }
  return { status: res.status, body };
}

/** Asterisk holds PJSIP endpoint `name` (ARI answers 200 for it; 404 before its reload). */
export async function endpointLive(ari: AriAccess, name: string): Promise<boolean> {
  try {
    return (await ariGet(ari, `/endpoints/PJSIP/${encodeURIComponent(name)}`)).status === 200;
  } catch {
    return false;
  }
}

/** Every channel Asterisk has (ARI lists them all, not only those in a Stasis application). */
export async function channelCount(ari: AriAccess): Promise<number> {
  const r = await ariGet(ari, '/channels', 10_000);
  if (r.status !== 200 || !Array.isArray(r.body)) throw new Error(`ARI GET /channels answered ${r.status}`);
  return r.body.length;
}

/**
 * A connection of the benchmark's own to Asterisk's AMI (no events: it adds no event traffic)
 * for what ARI cannot tell: whether the dialplan holds a number. One command at a time.
 */
export class AmiProbe {
  private readonly sock: Socket;
  private buf = '';
  private banner = true;
  private seq = 0;
  private pending: { id: string; resolve(block: string): void; reject(err: Error): void } | undefined;
  private closed: Error | undefined;

  private constructor(sock: Socket) {
    this.sock = sock;
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => this.onData(d));
    const gone = (err?: Error) => {
      this.closed = err ?? new Error('AMI connection closed');
      this.pending?.reject(this.closed);
      this.pending = undefined;
    };
    sock.on('error', gone);
    sock.on('close', () => gone());
  }

  static async open(access: { port: number; username: string; secret: string }): Promise<AmiProbe> {
    const sock = connect(access.port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', () => resolve());
      sock.once('error', reject);
    });
    const probe = new AmiProbe(sock);
    const r = await probe.action({ Action: 'Login', Username: access.username, Secret: access.secret, Events: 'off' }, 10_000);
    if (!/^Response: Success/m.test(r)) {
      probe.close();
      throw new Error(`AMI login refused: ${r.split('\r\n').find((l) => l.startsWith('Message:')) ?? r}`);
    }
    return probe;
  }

  private onData(d: string): void {
    this.buf += d;
    if (this.banner) {
      const eol = this.buf.indexOf('\r\n');
      if (eol < 0) return;
      this.buf = this.buf.slice(eol + 2);
      this.banner = false;
    }
    for (let end = this.buf.indexOf('\r\n\r\n'); end >= 0; end = this.buf.indexOf('\r\n\r\n')) {
      const block = this.buf.slice(0, end);
      this.buf = this.buf.slice(end + 4);
      const p = this.pending;
      if (p && block.includes(`\r\nActionID: ${p.id}`)) {
        this.pending = undefined;
        p.resolve(block);
      }
    }
  }

  private action(fields: Record<string, string>, timeoutMs: number): Promise<string> {
    if (this.closed) return Promise.reject(this.closed);
    if (this.pending) return Promise.reject(new Error('AmiProbe: one action at a time'));
    const id = `bench-${++this.seq}`;
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        reject(new Error(`AMI ${fields.Action} timed out`));
      }, timeoutMs);
      this.pending = {
        id,
        resolve: (b) => {
          clearTimeout(timer);
          resolve(b);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.sock.write(`${Object.entries({ ...fields, ActionID: id }).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`);
    });
  }

  /** A CLI command's output lines. */
  async command(cli: string, timeoutMs = 10_000): Promise<string[]> {
    const block = await this.action({ Action: 'Command', Command: cli }, timeoutMs);
    return block
      .split('\r\n')
      .filter((l) => l.startsWith('Output:'))
      .map((l) => l.slice('Output:'.length).replace(/^ /, ''));
  }

  close(): void {
    this.sock.destroy();
  }
}

/** An AmiProbe on the supervisor's Asterisk, with the supervisor's AMI credentials. */
export async function amiProbeOf(sup: Supervisor): Promise<AmiProbe> {
  const secrets = JSON.parse(readFileSync(join(sup.dataDir, 'secrets.json'), 'utf8')) as { amiSecret: string };
  return await AmiProbe.open({ port: sup.amiPort, username: 'pbx-supervisor', secret: secrets.amiSecret });
}

/** `dialplan show <number>@<context>` lists the number: the dialplan runs it. */
export function dialplanHas(output: readonly string[], number: string): boolean {
  return output.some((l) => l.trimStart().startsWith(`'${number}' =>`));
}

export interface LiveTimes {
  /** Every endpoint is in Asterisk's PJSIP (ARI). */
  endpointMs?: number;
  /** ... and every number in its dialplan: the extension can register and be called. */
  liveMs?: number;
}

/**
 * Polls until every number in `numbers` is live: its device's PJSIP endpoint (username =
 * number) over ARI and the number in the dialplan over AMI; times from `sentAt`
 * (performance.now() just before the change was sent). Gives up after `capMs`.
 */
export async function timeUntilLive(ari: AriAccess, ami: AmiProbe, numbers: readonly string[], sentAt: number, capMs: number, pollMs: number): Promise<LiveTimes> {
  const endpoints = new Set(numbers);
  const dialplan = new Set(numbers);
  const out: LiveTimes = {};
  while (performance.now() - sentAt < capMs) {
    for (const n of [...endpoints]) if (await endpointLive(ari, n)) endpoints.delete(n);
    if (endpoints.size === 0) out.endpointMs ??= performance.now() - sentAt;
    for (const n of [...dialplan]) {
      const lines = await ami.command(`dialplan show ${n}@${INTERNAL_CONTEXT}`).catch(() => [] as string[]);
      if (dialplanHas(lines, n)) dialplan.delete(n);
    }
    if (endpoints.size === 0 && dialplan.size === 0) {
      out.liveMs = performance.now() - sentAt;
      return out;
    }
    await sleep(pollMs);
  }
  return out;
}

/**
 * Waits until the supervisor has gone quiet after its start (CPU under `idlePercent` of one
 * core over `windowMs`): "ready" answers early, while the start's own checks of what Asterisk
 * loaded may still run. Resolves with the time waited; stops waiting after `capMs`.
 */
export async function settle(sup: Supervisor, o: { capMs: number; windowMs?: number; idlePercent?: number }): Promise<{ ms: number; settled: boolean }> {
  const windowMs = o.windowMs ?? 1000;
  const idle = o.idlePercent ?? 10;
  const t0 = performance.now();
  let prev = sup.sample();
  while (performance.now() - t0 < o.capMs) {
    await sleep(windowMs);
    const cur = sup.sample();
    if (!prev || !cur) return { ms: performance.now() - t0, settled: false };
    if (((cur.cpuMs - prev.cpuMs) / windowMs) * 100 < idle) return { ms: performance.now() - t0, settled: true };
    prev = cur;
  }
  return { ms: performance.now() - t0, settled: false };
}
