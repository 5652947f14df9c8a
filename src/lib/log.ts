// Structured JSON logs (pino), secrets redacted by key wherever they appear in a log object.
// The only importer of pino.
import { pino } from 'pino';

export type Logger = pino.Logger;

export const REDACTED_KEYS = ['password', 'secret', 'pin', 'adminPin', 'amiSecret', 'ariPassword', 'token', 'authorization', 'cookie'];

export function createLogger(options: { level?: string; name?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const paths = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `*[*].${k}`, `*.*[*].${k}`]);
  return pino(
    {
      level: options.level ?? 'info',
      name: options.name ?? 'pbx',
      redact: { paths, censor: '[redacted]' },
      base: { pid: process.pid },
    },
    (options.destination ?? process.stdout) as pino.DestinationStream,
  );
}
