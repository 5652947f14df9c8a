// One CLI command over AMI (Action: Command), for the benchmark to ask Asterisk what it holds
// (channels up) without joining the supervisor's own AMI session. A short connection of its own
// that subscribes to no events, so the measurement adds no event traffic.
import { connect } from 'node:net';

export interface AmiAccess {
  host?: string;
  port: number;
  username: string;
  secret: string;
}

/** Lines of `Output:` (Asterisk 14+) of one AMI response block. */
export function commandOutput(block: string): string[] {
  return block
    .split('\r\n')
    .filter((l) => l.startsWith('Output: ') || l === 'Output:')
    .map((l) => l.slice('Output:'.length).replace(/^ /, ''));
}

/** Runs `command` through AMI and returns its output lines. */
export function amiCommand(access: AmiAccess, command: string, timeoutMs = 20_000): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const sock = connect(access.port, access.host ?? '127.0.0.1');
    let buf = '';
    let stage: 'banner' | 'login' | 'command' = 'banner';
    const timer = setTimeout(() => fail(new Error(`AMI command "${command}" timed out`)), timeoutMs);
    const fail = (err: Error) => {
      clearTimeout(timer);
      sock.destroy();
      reject(err);
    };
    const send = (fields: Record<string, string>) => sock.write(`${Object.entries(fields).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`);
    sock.setEncoding('utf8');
    sock.on('error', fail);
    sock.on('data', (chunk: string) => {
      buf += chunk;
      for (;;) {
        if (stage === 'banner') {
          const i = buf.indexOf('\r\n');
          if (i < 0) return;
          buf = buf.slice(i + 2);
          stage = 'login';
          send({ Action: 'Login', Username: access.username, Secret: access.secret, Events: 'off', ActionID: 'login' });
          continue;
        }
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const block = buf.slice(0, end + 2);
        buf = buf.slice(end + 4);
        // Events arrive despite Events: off (e.g. FullyBooted right after login): skip them.
        if (!/^Response:/m.test(block)) continue;
        if (stage === 'login') {
          if (!/^Response: Success/m.test(block)) return fail(new Error(`AMI login refused: ${block.trim()}`));
          stage = 'command';
          send({ Action: 'Command', Command: command, ActionID: 'cmd' });
          continue;
        }
        if (!/^Response: Success/m.test(block)) return fail(new Error(`AMI command "${command}" failed: ${block.trim()}`));
        clearTimeout(timer);
        send({ Action: 'Logoff' });
        sock.end();
        return resolve(commandOutput(block));
      }
    });
  });
}

/**
 * Calls relayed and up: channels in state Up that sit in a bridge, halved (each relayed call is
 * two bridged channels: the caller's and the called side's). From `core show channels concise`:
 * Channel!Context!Exten!Priority!State!Application!Data!CallerID!Account!PeerAccount!AMA!Duration!BridgeID!Uniqueid.
 */
export function callsUp(conciseLines: readonly string[]): number {
  let bridged = 0;
  for (const line of conciseLines) {
    const f = line.split('!');
    if (f.length >= 13 && f[4] === 'Up' && (f[12] ?? '') !== '') bridged++;
  }
  return Math.floor(bridged / 2);
}

/**
 * Bridges by technology from `bridge show all` (Bridge-ID Name Chans Type Technology Duration):
 * native_rtp relays the media inside the RTP engine, simple_bridge passes every frame through
 * Asterisk's core (what a feature needing the media, e.g. Dial's T option, asks for).
 */
export function bridgeTechnologies(lines: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of lines) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6 || !/^[0-9a-f-]{36}$/.test(f[0]!)) continue;
    const tech = f.at(-2)!;
    out[tech] = (out[tech] ?? 0) + 1;
  }
  return out;
}
