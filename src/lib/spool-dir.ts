// A spool directory another process drops files into (whole: written under a dot name, then
// renamed), handed one at a time, oldest name first, to a handler. A file is deleted only after
// its handler resolved; a handler that throws gets the file again later, with exponential
// backoff per file; a file still failing after `maxAgeMs`, or whose error is `permanent`, is
// moved to failed/ and reported.
// Watched with fs.watch for promptness and polled as well, since inotify can miss events (a
// directory created later, bind mounts) and the poll costs one readdir.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';

export interface SpoolDirOptions {
  dir: string;
  /** Names handed over (dot names, the writer's temp files, never are). */
  match: RegExp;
  /** Takes the file's content; resolves once it is dealt with, throws to keep it for a retry. */
  handle(content: Buffer, name: string): Promise<void>;
  /** Poll interval. Default 5 s. */
  pollMs?: number;
  /** First retry delay of a failed file, doubled per failure up to maxRetryMs. Default 10 s. */
  firstRetryMs?: number;
  /** Default 15 min. */
  maxRetryMs?: number;
  /** A file older than this that still fails goes to failed/. Default 3 days. */
  maxAgeMs?: number;
  /** A failure, and whether the file was given up (moved to failed/). */
  onError?(err: unknown, name: string, gaveUp: boolean): void;
  now?(): number;
}

interface RetryState {
  failures: number;
  next: number;
}

export class SpoolDir {
  private readonly o: Required<Omit<SpoolDirOptions, 'onError'>> & Pick<SpoolDirOptions, 'onError'>;
  private readonly retries = new Map<string, RetryState>();
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private started = false;
  private stopped = false;

  constructor(options: SpoolDirOptions) {
    this.o = {
      pollMs: 5000,
      firstRetryMs: 10_000,
      maxRetryMs: 15 * 60_000,
      maxAgeMs: 3 * 24 * 3600_000,
      now: () => Date.now(),
      ...options,
    };
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.stopped = false;
    this.ensureWatch();
    const tick = () => {
      if (this.stopped) return;
      this.ensureWatch();
      void this.scan();
      this.timer = setTimeout(tick, this.o.pollMs);
      this.timer.unref();
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.watcher?.close();
    this.watcher = undefined;
    await this.running;
  }

  private ensureWatch(): void {
    if (this.watcher || !existsSync(this.o.dir)) return;
    try {
      this.watcher = watch(this.o.dir, { persistent: false }, () => void this.scan());
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      this.watcher = undefined;
    }
  }

  /** Hands over every due file now; resolves when this pass (and one requested meanwhile) is done. */
  scan(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.pass();
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(): Promise<void> {
    let names: string[];
    try {
      names = readdirSync(this.o.dir).filter((n) => !n.startsWith('.') && this.o.match.test(n)).sort();
    } catch {
      return; // not created yet: the writer makes it with its first file
    }
    for (const [name] of this.retries) if (!names.includes(name)) this.retries.delete(name);
    for (const name of names) {
      if (this.stopped) return;
      const state = this.retries.get(name);
      const now = this.o.now();
      if (state && state.next > now) continue;
      const path = join(this.o.dir, name);
      let content: Buffer;
      let mtime: number;
      try {
        content = readFileSync(path);
        mtime = statSync(path).mtimeMs;
      } catch {
        continue; // gone meanwhile
      }
      try {
        await this.o.handle(content, name);
        rmSync(path, { force: true });
        this.retries.delete(name);
      } catch (err) {
        const failures = (state?.failures ?? 0) + 1;
        // A handler marks what no retry can fix (a relay refusing the recipients for good).
        const gaveUp = (err as { permanent?: unknown } | undefined)?.permanent === true || now - mtime > this.o.maxAgeMs;
        if (gaveUp) {
          this.retries.delete(name);
          try {
            mkdirSync(join(this.o.dir, 'failed'), { recursive: true });
            renameSync(path, join(this.o.dir, 'failed', name));
          } catch {
            rmSync(path, { force: true });
          }
        } else {
          this.retries.set(name, { failures, next: now + Math.min(this.o.maxRetryMs, this.o.firstRetryMs * 2 ** (failures - 1)) });
        }
        this.o.onError?.(err, name, gaveUp);
      }
    }
  }

  /** Every waiting file is due again at the next scan (the reason for the failures may be gone). */
  forgetRetries(): void {
    this.retries.clear();
  }

  /** Files waiting (not given up), for status pages and tests. */
  pending(): string[] {
    try {
      return readdirSync(this.o.dir).filter((n) => !n.startsWith('.') && this.o.match.test(n)).sort();
    } catch {
      return [];
    }
  }
}
