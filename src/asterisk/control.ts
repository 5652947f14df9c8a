// What the rest of the supervisor asks of a running Asterisk, over AMI: parse a file, reload a
// module, list what it holds, who is registered, which calls are up. Structurally it is the
// ConfigTarget of src/apply (wired in main.ts; this layer does not import apply).
import { existsSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { AmiClient } from './ami.ts';

export interface Registration {
  endpoint: string;
  uri: string;
  status: string;
}

export interface OutboundRegistration {
  name: string;
  serverUri: string;
  status: string;
}

export class AsteriskControl {
  private readonly ami: AmiClient;
  private readonly logFile: string;
  private booted = false;

  constructor(ami: AmiClient, opts: { instanceDir: string }) {
    this.ami = ami;
    this.logFile = join(opts.instanceDir, 'log', 'messages.log');
    ami.on('fullyBooted', () => {
      this.booted = true;
    });
    ami.on('disconnected', () => {
      this.booted = false;
    });
  }

  get ready(): boolean {
    return this.booted && this.ami.connected;
  }

  async checkSyntax(generation: number, file: string): Promise<string | undefined> {
    // Relative to astetcdir (config/): AMI parses only files inside it. Relative #include
    // lines resolve against the running generation; the library file is checked on its own,
    // so both halves are parsed.
    const path = `gen-${String(generation).padStart(6, '0')}/${file}`;
    try {
      await this.ami.action({ action: 'GetConfig', filename: path });
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  }

  async reload(module: string): Promise<void> {
    const res = await this.ami.action({ action: 'Reload', module }, 30_000);
    const msg = String(res.message ?? '');
    if (/error|fail/i.test(msg)) throw new Error(`reload of ${module}: ${msg}`);
  }

  async loadedObjects(): Promise<Set<string>> {
    const out = new Set<string>();
    const lists: [string, string, RegExp][] = [
      ['pjsip list endpoints', 'pjsip endpoint', /^\s*Endpoint:\s+(\S+)/],
      ['pjsip list aors', 'pjsip aor', /^\s*Aor:\s+(\S+)/],
      ['pjsip list auths', 'pjsip auth', /^\s*(?:I\/O)?Auth:\s+(\S+)/],
      ['pjsip list identifies', 'pjsip identify', /^\s*Identify:\s+(\S+)/],
      ['pjsip list registrations', 'pjsip registration', /^\s*(\S+)\/\S+\s+\S+/],
      ['pjsip list transports', 'pjsip transport', /^\s*Transport:\s+(\S+)/],
    ];
    for (const [cmd, kind, re] of lists) {
      const text = await this.ami.command(cmd);
      for (const line of text.split('\n')) {
        const m = re.exec(line);
        if (m?.[1] && !/^<|^=+$/.test(m[1])) out.add(`${kind}:${m[1].replace(/\/.*$/, '')}`);
      }
    }
    const dialplan = await this.ami.command('dialplan show');
    for (const m of dialplan.matchAll(/\[ Context '([^']+)'/g)) out.add(`dialplan context:${m[1]}`);
    const queues = await this.ami.command('queue show');
    for (const m of queues.matchAll(/^(\S+) has \d+ calls? /gm)) out.add(`queue:${m[1]}`);
    // "username" header, a dashed line, one user per line, a dashed line, the count.
    const managers = (await this.ami.command('manager show users')).split(/^-+\s*$/m)[1] ?? '';
    for (const line of managers.split('\n')) if (line.trim()) out.add(`ami user:${line.trim()}`);
    return out;
  }

  logMark(): number {
    return existsSync(this.logFile) ? statSync(this.logFile).size : 0;
  }

  errorsSince(mark: number): string[] {
    if (!existsSync(this.logFile)) return [];
    const size = statSync(this.logFile).size;
    if (size <= mark) return [];
    const fd = openSync(this.logFile, 'r');
    try {
      const buf = Buffer.alloc(Math.min(size - mark, 256 * 1024));
      readSync(fd, buf, 0, buf.length, mark);
      return buf
        .toString('utf8')
        .split('\n')
        .filter((l) => /\b(ERROR|WARNING)\[/.test(l))
        .map((l) => l.replace(/^\[[^\]]*\]\s*/, ''))
        .slice(0, 20);
    } finally {
      closeSync(fd);
    }
  }

  async registrations(): Promise<Registration[]> {
    const text = await this.ami.command('pjsip show contacts');
    const out: Registration[] = [];
    for (const line of text.split('\n')) {
      const m = /^\s*Contact:\s+(\S+?)\/(\S+)\s+\S+\s+(\S+)/.exec(line);
      if (m?.[1] && m[2] && m[3] && !m[1].startsWith('<')) out.push({ endpoint: m[1], uri: m[2], status: m[3] });
    }
    return out;
  }

  /**
   * Outbound registrations (register trunks) and their state: Registered, Unregistered,
   * Rejected or Stopped. `name` is the registration object's name.
   */
  async outboundRegistrations(): Promise<OutboundRegistration[]> {
    const text = await this.ami.command('pjsip list registrations');
    const out: OutboundRegistration[] = [];
    // " trunk-x/sip:host:port   trunk-x   Registered   (exp. 591s)"; the auth column may be empty.
    for (const line of text.split('\n')) {
      const m = /^\s*([^\s/<]+)\/(\S+)\s+(?:\S+\s+)?(Registered|Unregistered|Rejected|Stopped)\b/.exec(line);
      if (m?.[1] && m[2] && m[3]) out.push({ name: m[1], serverUri: m[2], status: m[3] });
    }
    return out;
  }

  /** Any CLI command (status views, tests). */
  command(cli: string): Promise<string> {
    return this.ami.command(cli);
  }

  async activeCalls(): Promise<number> {
    const text = await this.ami.command('core show channels count');
    const m = /(\d+) active call/.exec(text);
    return m ? Number(m[1]) : 0;
  }
}
