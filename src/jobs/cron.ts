// The one adapter over node-cron: a job runs at the times a cron expression names, in a time
// zone (the box's, from the system settings), never twice at once. node-cron's own logger is
// replaced (it writes to the console); a job's failure goes to the caller's onError.
import cron from 'node-cron';

export interface CronHandle {
  /** The job runs no more; a run in progress finishes. */
  stop(): void;
  /** The next time it runs, or undefined once stopped. */
  nextRun(): Date | undefined;
}

export interface CronOptions {
  /** IANA name, e.g. Europe/Rome. */
  timezone: string;
  name?: string;
  onError?(err: unknown): void;
}

let logger: { warn(message: string): void } | undefined;

/** Where node-cron's warnings (a missed run) go; nothing else of it is logged. */
export function setCronLogger(l: { warn(message: string): void } | undefined): void {
  logger = l;
}

cron.setLogger({
  info: () => undefined,
  debug: () => undefined,
  warn: (m) => logger?.warn(`cron: ${m}`),
  error: (m) => logger?.warn(`cron: ${String(m)}`),
});

export function isValidCron(expr: string): boolean {
  return cron.validate(expr);
}

export function schedule(expr: string, fn: () => unknown, options: CronOptions): CronHandle {
  if (!cron.validate(expr)) throw new Error(`not a cron expression: ${expr}`);
  let stopped = false;
  const task = cron.schedule(
    expr,
    async () => {
      try {
        await fn();
      } catch (err) {
        options.onError?.(err);
      }
    },
    // unref: a scheduled job alone never keeps the process alive (the servers do, on the box).
    { timezone: options.timezone, noOverlap: true, unref: true, ...(options.name ? { name: options.name } : {}) },
  );
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      void Promise.resolve(task.destroy()).catch(() => undefined);
    },
    nextRun() {
      return stopped ? undefined : (task.getNextRun() ?? undefined);
    },
  };
}
