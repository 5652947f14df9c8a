// Durable CDR ingestion: tails the files Asterisk appends to (cdr_custom's pbx-cdr.log, app_queue's
// queue_log) by byte offset and stores what they say.
//
// Why files and not AMI events: Asterisk writes a record whether or not the supervisor is
// connected (a supervisor restart, an AMI reconnect, a busy event loop lose nothing), and the
// offset is committed in the same SQLite transaction as the rows it produced, so a crash between
// the two cannot lose or duplicate a record. Only whole lines (ending in \n) are consumed; a line
// Asterisk is still writing is read on the next pass.
//
// A file replaced by another (new device:inode) or shorter than the stored offset (truncated) is
// read again from its start.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { FieldProtector, ProtectedFields } from '../domain/cdr.ts';
import { CDR_FILE, isExternalNumber, maskNumber } from '../domain/cdr.ts';

export { CDR_FILE };
import type { CdrInsert, CdrStore, QueueEvent } from '../store/cdr-store.ts';
import { CdrParseError, parseCdrLine, parseQueueLogLine, queueOutcome, type ParsedCdr } from './parser.ts';

/** File names inside Asterisk's log directory (astlogdir). */
export const QUEUE_LOG_FILE = 'queue_log';
/** Bytes read per pass of one file: bounds memory and the length of one transaction. */
const CHUNK = 1024 * 1024;

export interface CdrIngesterOptions {
  store: CdrStore;
  /** Asterisk's log directory as the supervisor sees it (<instance>/log). */
  logDir: string;
  protector: () => FieldProtector;
  /** Extensions of the box (never masked). */
  internal: () => ReadonlySet<string>;
  /** Whether the queue sends callers on when they leave by `event` (EXITWITHTIMEOUT, EXITEMPTY). */
  hasOverflow?: (queue: string, event: string) => boolean;
  pollMs?: number;
  onError?: (err: Error, source: string) => void;
  /** A line that is not a record (reported once per line, then skipped). */
  onBadLine?: (source: string, line: string, err: Error) => void;
}

/** The masked row and its protected whole values (only the values the mask changed). */
export function protectCdr(p: ParsedCdr, boxNumbers: ReadonlySet<string>, protector: FieldProtector): CdrInsert {
  // The DID is the box's own number (shown whole in its column): called at it, nothing to hide.
  const internal = p.did ? new Set([...boxNumbers, p.did]) : boxNumbers;
  const secrets: Record<string, string> = {};
  const callerExternal = isExternalNumber(p.callerNumber, internal);
  const calledExternal = isExternalNumber(p.calledNumber, internal);
  const callerNumber = maskNumber(p.callerNumber, internal);
  const calledNumber = maskNumber(p.calledNumber, internal);
  if (callerNumber !== p.callerNumber) secrets.callerNumber = p.callerNumber;
  if (calledNumber !== p.calledNumber) secrets.calledNumber = p.calledNumber;
  if (callerExternal && p.callerName) secrets.callerName = p.callerName;
  if (calledExternal && p.calledName) secrets.calledName = p.calledName;
  const extensions = [...new Set([...(boxNumbers.has(p.callerNumber) ? [p.callerNumber] : []), ...p.extensions])];
  const prot: ProtectedFields | undefined = Object.keys(secrets).length ? protector.protect(secrets) : undefined;
  return {
    ...p,
    callerNumber,
    callerName: callerExternal ? '' : p.callerName,
    calledNumber,
    calledName: calledExternal ? '' : p.calledName,
    extensions,
    ...(prot ? { protected: prot } : {}),
  };
}

export class CdrIngester {
  private readonly o: CdrIngesterOptions;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private lastError: string | undefined;
  private ingested = 0;

  constructor(options: CdrIngesterOptions) {
    this.o = options;
  }

  start(): void {
    this.timer ??= setInterval(() => this.poll(), this.o.pollMs ?? 1000);
    this.timer.unref();
    this.poll();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    // One last pass: what Asterisk wrote before it stopped is stored now.
    this.poll();
  }

  /** Reads both files to their end now (tests, and after Asterisk stopped). Returns records stored. */
  poll(): number {
    if (this.running) return 0;
    this.running = true;
    let n = 0;
    try {
      n += this.tail('cdr', join(this.o.logDir, CDR_FILE), (lines) => this.cdrBatch(lines));
      n += this.tail('queue_log', join(this.o.logDir, QUEUE_LOG_FILE), (lines) => this.queueBatch(lines));
    } finally {
      this.running = false;
    }
    this.ingested += n;
    return n;
  }

  health(): { ok: boolean; ingested: number; error?: string } {
    return { ok: this.lastError === undefined, ingested: this.ingested, ...(this.lastError ? { error: this.lastError } : {}) };
  }

  private cdrBatch(lines: string[]): { cdrs: CdrInsert[] } {
    const internal = this.o.internal();
    const protector = this.o.protector();
    const cdrs: CdrInsert[] = [];
    for (const line of lines) {
      try {
        cdrs.push(protectCdr(parseCdrLine(line), internal, protector));
      } catch (err) {
        if (!(err instanceof CdrParseError)) throw err;
        this.o.onBadLine?.('cdr', line, err);
      }
    }
    return { cdrs };
  }

  private queueBatch(lines: string[]): { queue: QueueEvent[] } {
    const internal = this.o.internal();
    const protector = this.o.protector();
    const queue: QueueEvent[] = [];
    for (const line of lines) {
      const e = parseQueueLogLine(line);
      if (!e) continue;
      if (e.kind === 'enter') {
        const masked = maskNumber(e.callerNumber, internal);
        const prot = masked !== e.callerNumber ? protector.protect({ callerNumber: e.callerNumber }) : undefined;
        queue.push({ kind: 'enter', at: e.at, callId: e.callId, queue: e.queue, callerNumber: masked, callerName: '', position: e.position, ...(prot ? { protected: prot } : {}) });
      } else if (e.kind === 'connect') queue.push(e);
      else {
        const outcome = queueOutcome(e.event, this.o.hasOverflow?.(e.queue, e.event) ?? false);
        queue.push({
          kind: 'end', at: e.at, callId: e.callId, queue: e.queue, outcome, exitCause: e.event,
          ...(e.waitTime !== undefined ? { waitTime: e.waitTime } : {}),
          ...(e.talkTime !== undefined ? { talkTime: e.talkTime } : {}),
          ...(e.agent ? { agent: e.agent } : {}),
        });
      }
    }
    return { queue };
  }

  /** Consumes the whole lines of `path` past the stored offset, a chunk per transaction. */
  private tail(source: string, path: string, toBatch: (lines: string[]) => { cdrs?: CdrInsert[]; queue?: QueueEvent[] }): number {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0; // nothing written yet
      this.fail(err as Error, source);
      return 0;
    }
    let stored = 0;
    try {
      const st = fstatSync(fd);
      const fileId = `${st.dev}:${st.ino}`;
      const prev = this.o.store.offset(source);
      let offset = prev && prev.fileId === fileId && prev.offset <= st.size ? prev.offset : 0;
      const buf = Buffer.alloc(CHUNK);
      while (offset < st.size) {
        const n = readSync(fd, buf, 0, Math.min(CHUNK, st.size - offset), offset);
        if (n <= 0) break;
        let end = buf.lastIndexOf(0x0a, n - 1);
        if (end < 0) {
          // A line longer than a chunk is no record of ours: skip it whole.
          if (n === CHUNK) {
            this.o.onBadLine?.(source, buf.subarray(0, 80).toString('utf8'), new Error('line longer than a chunk'));
            const more = this.skipLine(fd, offset + n, st.size);
            if (more === undefined) break;
            this.o.store.ingest(source, { fileId, offset: more }, {});
            offset = more;
            continue;
          }
          break; // a partial line: read it when Asterisk has finished it
        }
        end += 1;
        const lines = buf.toString('utf8', 0, end).split('\n').filter((l) => l.trim() !== '');
        const batch = toBatch(lines);
        offset += end;
        this.o.store.ingest(source, { fileId, offset }, batch);
        stored += (batch.cdrs?.length ?? 0) + (batch.queue?.length ?? 0);
      }
      this.lastError = undefined;
    } catch (err) {
      this.fail(err as Error, source);
    } finally {
      closeSync(fd);
    }
    return stored;
  }

  /** The offset after the next \n at or after `from`, or undefined when the line is not finished. */
  private skipLine(fd: number, from: number, size: number): number | undefined {
    const buf = Buffer.alloc(64 * 1024);
    for (let at = from; at < size; ) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, size - at), at);
      if (n <= 0) return undefined;
      const i = buf.subarray(0, n).indexOf(0x0a);
      if (i >= 0) return at + i + 1;
      at += n;
    }
    return undefined;
  }

  private fail(err: Error, source: string): void {
    this.lastError = `${source}: ${err.message}`;
    this.o.onError?.(err, source);
  }
}
