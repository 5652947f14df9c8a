// Asterisk process control. One interface, two implementations:
//  - ChrootAsterisk (development and tests): Asterisk from the Debian sid rootfs, in the
//    foreground, in a private mount namespace with /proc, /dev and this instance's directory
//    mounted into the rootfs. The namespace dies with the process, so its mounts go with it
//    even if the supervisor is killed: nothing leaks into the host's mount table and several
//    instances can share one rootfs, each seeing only its own /srv/pbx.
//  - SystemdAsterisk (the appliance): the same contract through systemctl.
// AsteriskSupervisor restarts a dead Asterisk with backoff and reports what happened.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, readFileSync, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Backoff, sleep } from '../lib/backoff.ts';
import type { Logger } from '../lib/log.ts';

const execFileAsync = promisify(execFile);

export interface ProcessExit {
  code: number | null;
  signal: string | null;
  at: string;
}

/** Starts and stops one Asterisk. 'exit' is emitted when it ends by itself or after stop(). */
export interface AsteriskProcess extends EventEmitter {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly pid: number | undefined;
  readonly running: boolean;
}

export interface ChrootOptions {
  rootfs: string;
  /** The instance's directory on the host; appears as `mountPoint` inside the rootfs. */
  instanceDir: string;
  mountPoint: string;
  logger: Logger;
}

/** uid/gid of the asterisk user inside the rootfs (may name another user on the host). */
export function rootfsUser(rootfs: string, name = 'asterisk'): { uid: number; gid: number } {
  const line = readFileSync(join(rootfs, 'etc/passwd'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`user ${name} not found in ${rootfs}/etc/passwd`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** Asterisk's module directory inside the rootfs (multiarch path differs per architecture). */
export function rootfsModuleDir(rootfs: string): string {
  for (const arch of ['x86_64-linux-gnu', 'aarch64-linux-gnu', 'arm-linux-gnueabihf', 'i386-linux-gnu']) {
    const dir = `/usr/lib/${arch}/asterisk/modules`;
    if (existsSync(join(rootfs, dir))) return dir;
  }
  throw new Error(`no Asterisk module directory in ${rootfs}`);
}

// Runs inside the new mount namespace; paths arrive as arguments, never interpolated.
const CHROOT_SCRIPT = [
  'set -e',
  'mount --make-rprivate /',
  'mount --rbind /dev "$1/dev"',
  'mount -t proc proc "$1/proc"',
  // Name resolution as on the box (Asterisk looks up its own host name for media addresses).
  'for f in /etc/hosts /etc/resolv.conf; do if [ -f "$f" ]; then touch "$1$f"; mount --bind "$f" "$1$f"; fi; done',
  'mkdir -p "$1$3"',
  'mount --bind "$2" "$1$3"',
  'exec chroot "$1" /usr/sbin/asterisk -f -C "$3/config/asterisk.conf"',
].join('\n');

export class ChrootAsterisk extends EventEmitter implements AsteriskProcess {
  private readonly opts: ChrootOptions;
  private child: ChildProcess | undefined;

  constructor(opts: ChrootOptions) {
    super();
    this.opts = opts;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }
  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * An Asterisk left running by a supervisor that died (it outlives its parent: Asterisk
   * changes uid, which clears any parent-death signal) holds this instance's ports. Its pid
   * file is in the instance's run directory; end it before starting a new one.
   */
  private async reapStale(): Promise<void> {
    const pidFile = join(this.opts.instanceDir, 'run', 'asterisk.pid');
    if (!existsSync(pidFile)) return;
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 1) return;
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      return; // not running
    }
    if (!cmdline.includes('asterisk') || !cmdline.includes(`${this.opts.mountPoint}/config/asterisk.conf`)) return;
    this.opts.logger.warn({ asteriskPid: pid }, 'ending an Asterisk left over from a previous supervisor');
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 50 && existsSync(`/proc/${pid}`); i++) await sleep(100);
    if (existsSync(`/proc/${pid}`)) process.kill(pid, 'SIGKILL');
  }

  async start(): Promise<void> {
    if (this.running) return;
    await this.reapStale();
    const { rootfs, instanceDir, mountPoint } = this.opts;
    const { uid, gid } = rootfsUser(rootfs);
    // What systemd-tmpfiles would create on the box: Asterisk's writable directories.
    for (const d of ['run', 'log', 'lib', 'spool']) {
      mkdirSync(join(instanceDir, d), { recursive: true });
      await execFileAsync('chown', ['-R', `${uid}:${gid}`, join(instanceDir, d)]);
    }
    const console = createWriteStream(join(instanceDir, 'log', 'console.log'), { flags: 'a' });
    const child = spawn('unshare', ['--mount', '--propagation', 'private', '--', 'sh', '-c', CHROOT_SCRIPT, 'asterisk-chroot', rootfs, instanceDir, mountPoint], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(console, { end: false });
    child.stderr?.pipe(console, { end: false });
    this.child = child;
    child.once('exit', (code, signal) => {
      console.end();
      this.child = undefined;
      this.emit('exit', { code, signal, at: new Date().toISOString() } satisfies ProcessExit);
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', reject);
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const done = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
    if (!done) {
      this.opts.logger.warn('Asterisk did not stop within 10 s; killing it');
      child.kill('SIGKILL');
      await exited;
    }
  }
}

/** The appliance: Asterisk is a systemd unit; the supervisor asks systemd and watches it. */
export class SystemdAsterisk extends EventEmitter implements AsteriskProcess {
  private readonly unit: string;
  private mainPid: number | undefined;
  private poll: NodeJS.Timeout | undefined;
  constructor(unit = 'asterisk.service') {
    super();
    this.unit = unit;
  }
  get pid(): number | undefined {
    return this.mainPid;
  }
  get running(): boolean {
    return this.mainPid !== undefined;
  }
  private async readPid(): Promise<number | undefined> {
    const { stdout } = await execFileAsync('systemctl', ['show', '--property=MainPID', '--value', this.unit]);
    const pid = Number(stdout.trim());
    return pid > 0 ? pid : undefined;
  }
  async start(): Promise<void> {
    await execFileAsync('systemctl', ['start', this.unit]);
    this.mainPid = await this.readPid();
    clearInterval(this.poll);
    this.poll = setInterval(async () => {
      const pid = await this.readPid().catch(() => undefined);
      if (pid === undefined && this.mainPid !== undefined) {
        this.mainPid = undefined;
        this.emit('exit', { code: null, signal: null, at: new Date().toISOString() } satisfies ProcessExit);
      } else this.mainPid = pid;
    }, 2000);
  }
  async stop(): Promise<void> {
    clearInterval(this.poll);
    await execFileAsync('systemctl', ['stop', this.unit]);
    this.mainPid = undefined;
  }
}

export interface SupervisorStatus {
  state: 'stopped' | 'starting' | 'running' | 'restarting' | 'failed';
  pid?: number;
  restarts: number;
  lastExit?: ProcessExit;
  since?: string;
}

/** Keeps Asterisk running: restarts it with backoff when it dies, and says so. */
export class AsteriskSupervisor extends EventEmitter {
  private readonly proc: AsteriskProcess;
  private readonly logger: Logger;
  private readonly backoff = new Backoff(1000, 30_000);
  private wanted = false;
  private timer: NodeJS.Timeout | undefined;
  private stableTimer: NodeJS.Timeout | undefined;
  readonly status: SupervisorStatus = { state: 'stopped', restarts: 0 };

  constructor(proc: AsteriskProcess, logger: Logger) {
    super();
    this.proc = proc;
    this.logger = logger;
    proc.on('exit', (exit: ProcessExit) => this.onExit(exit));
  }

  async start(): Promise<void> {
    this.wanted = true;
    await this.launch();
  }

  private async launch(): Promise<void> {
    this.status.state = this.status.restarts > 0 ? 'restarting' : 'starting';
    try {
      await this.proc.start();
      this.status.state = 'running';
      this.status.pid = this.proc.pid;
      this.status.since = new Date().toISOString();
      this.logger.info({ asteriskPid: this.proc.pid }, 'Asterisk started');
      this.emit('started');
      clearTimeout(this.stableTimer);
      this.stableTimer = setTimeout(() => this.backoff.reset(), 60_000);
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'Asterisk failed to start');
      this.status.state = 'failed';
      this.scheduleRestart();
    }
  }

  private onExit(exit: ProcessExit): void {
    this.status.lastExit = exit;
    delete this.status.pid;
    clearTimeout(this.stableTimer);
    this.emit('exited', exit);
    if (!this.wanted) {
      this.status.state = 'stopped';
      return;
    }
    this.logger.error({ code: exit.code, signal: exit.signal }, 'Asterisk exited unexpectedly; restarting');
    this.status.state = 'failed';
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    if (!this.wanted || this.timer) return;
    const ms = this.backoff.next();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.status.restarts++;
      void this.launch();
    }, ms);
  }

  async stop(): Promise<void> {
    this.wanted = false;
    clearTimeout(this.timer);
    clearTimeout(this.stableTimer);
    this.timer = undefined;
    await this.proc.stop();
    this.status.state = 'stopped';
  }
}
