// Call recordings from the dialplan to the storage and the index, and back out to the API.
//
// The dialplan (pbx-lib-recording.conf) starts MixMonitor into <staging>/live/<id>.wav and
// announces it with UserEvent PbxRecording (row written at once, state 'recording'); when the
// recording ends, MixMonitor's post-command moves the file to <staging>/done/<id>.wav. This
// service picks finished files up (a directory watch, and a periodic scan that also retries
// what the storage refused, e.g. a NAS not mounted), reads the length from the WAV header,
// hands the file to the storage adapter and completes the row.
//
// Invariants: a file leaves the staging area only into the storage (or, empty or not a WAV,
// is dropped with its row); the index never names a file that store() did not return; every
// header of an event is checked before use (the caller's number comes from outside); memory is
// bounded (the map of running recordings is capped and emptied as calls end).
import { mkdirSync, chownSync, readdirSync, watch, type FSWatcher } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { ConflictError, NotFoundError, PbxError } from '../domain/errors.ts';
import { RECORDING_DIRECTIONS, RECORDING_ID, type Recording, type RecordingDirection, type RecordingQuery } from '../domain/recordings.ts';
import type { RecordingStart, RecordingStore, RecordingRow } from '../store/recording-store.ts';
import type { ByteRange, RecordingStorage } from './storage.ts';
import { WAV_HEADER_BYTES, WavError, wavInfo } from './wav.ts';

/** AMI events as src/asterisk/ami.ts delivers them: field names lowercased, values strings. */
export interface RecordingEventLike {
  event: string;
  [field: string]: unknown;
}

export interface RecordingEventSource {
  on(event: 'event', fn: (e: RecordingEventLike) => void): unknown;
  off?(event: 'event', fn: (e: RecordingEventLike) => void): unknown;
}

/** What the service asks of Asterisk (AMI, wired in main.ts). */
export interface RecordingRuntime {
  /** Stops the MixMonitor `mixMonitorId` on `channel` and clears the channel's GROUP(pbxrec) mark. */
  stopRecording(channel: string, mixMonitorId: string): Promise<void>;
}

export interface RecordingLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface RecordingServiceOptions {
  store: RecordingStore;
  storage: RecordingStorage;
  /** The staging directory as the supervisor sees it (<instance>/spool/pbx-recordings). */
  stagingDir: string;
  /** Asterisk's user in the rootfs: owner of the staging directories it writes into. */
  owner?: { uid: number; gid: number };
  events: RecordingEventSource;
  runtime?: RecordingRuntime;
  logger: RecordingLogger;
  /** How often finished files are looked for besides the directory watch. Default 10 s. */
  scanIntervalMs?: number;
  now?: () => Date;
}

export const RECORDING_START_EVENT = 'PbxRecording';
export const RECORDING_STOP_EVENT = 'PbxRecordingStop';

interface Live {
  id: string;
  channel: string;
  mixMonitorId: string;
  mode: 'always' | 'onDemand';
}

const MAX_LIVE = 5000;
/** A file in live/ untouched this long, of a channel that is gone, is an interrupted recording. */
export const RECOVER_QUIET_MS = 30_000;
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
/** A party as the index keeps it: what a number or extension may hold, at most 64 characters. */
const party = (v: unknown): string => str(v).replace(/[^0-9A-Za-z*#+_-]/g, '').slice(0, 64);
const publicView = (r: RecordingRow): Recording => {
  const { storageKey, ...rest } = r;
  void storageKey;
  return rest;
};

export class RecordingService {
  private readonly opts: RecordingServiceOptions;
  private readonly live = new Map<string, Live>();
  private readonly listener = (e: RecordingEventLike) => this.onEvent(e);
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> = Promise.resolve();
  private rescan = false;
  private running = false;
  private lastStorageError = '';

  constructor(opts: RecordingServiceOptions) {
    this.opts = opts;
  }

  private get liveDir(): string {
    return join(this.opts.stagingDir, 'live');
  }
  private get doneDir(): string {
    return join(this.opts.stagingDir, 'done');
  }

  /** Creates the staging directories Asterisk writes into (owned by its user). */
  prepare(): void {
    for (const d of [this.opts.stagingDir, this.liveDir, this.doneDir]) {
      mkdirSync(d, { recursive: true, mode: 0o750 });
      if (this.opts.owner) chownSync(d, this.opts.owner.uid, this.opts.owner.gid);
    }
  }

  /**
   * Recordings Asterisk never finished (it stopped mid-call, so MixMonitor's post-command never
   * ran): files in live/ whose channel is not up now (`active`: the unique ids of the channels
   * Asterisk has) and that nothing wrote to for RECOVER_QUIET_MS (a recording whose call just
   * ended is being moved by its post-command). Their audio is complete up to where it stopped;
   * they are stored like the others. Safe while Asterisk runs: a recording in progress has its
   * channel up.
   */
  async recoverInterrupted(active: ReadonlySet<string>): Promise<string[]> {
    let names: string[];
    try {
      names = readdirSync(this.liveDir);
    } catch {
      return [];
    }
    const now = (this.opts.now?.() ?? new Date()).getTime();
    const up = new Set([...active].map((u) => u.replace(/[^0-9A-Za-z.-]/g, '')));
    const moved: string[] = [];
    for (const name of names) {
      const id = name.endsWith('.wav') ? name.slice(0, -4) : '';
      if (!RECORDING_ID.test(id) || up.has(id.replace(/-[0-9]+$/, ''))) continue;
      const s = await stat(join(this.liveDir, name)).catch(() => undefined);
      if (!s || now - s.mtimeMs < RECOVER_QUIET_MS) continue;
      if (await rename(join(this.liveDir, name), join(this.doneDir, name)).then(() => true, () => false)) moved.push(id);
    }
    if (moved.length) {
      this.opts.logger.info({ ids: moved }, 'recordings: recordings Asterisk never finished are stored as they are');
      void this.scan();
    }
    return moved;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.prepare();
    this.opts.events.on('event', this.listener);
    try {
      this.watcher = watch(this.doneDir, () => void this.scan());
      this.watcher.on('error', () => undefined);
    } catch {
      // No watch (a file system without inotify): the periodic scan still finds the files.
    }
    this.timer = setInterval(() => void this.scan(), this.opts.scanIntervalMs ?? 10_000);
    this.timer.unref();
    void this.scan();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.opts.events.off?.('event', this.listener);
    this.watcher?.close();
    clearInterval(this.timer);
    await this.scanning;
  }

  /** For the health report: not ok while a finished recording cannot be stored (e.g. the storage is not mounted). */
  health(): { ok: boolean; error?: string } {
    return this.lastStorageError ? { ok: false, error: this.lastStorageError } : { ok: true };
  }

  // ---- the API ---------------------------------------------------------------------------

  list(q: RecordingQuery): { items: Recording[]; total: number } {
    const out = this.opts.store.list(q);
    return { items: out.items.map(publicView), total: out.total };
  }

  get(id: string): Recording {
    return publicView(this.row(id));
  }

  /** The stored audio (a part of it with `range`, inclusive bytes, already checked against the size). */
  async open(id: string, range?: ByteRange, session?: string): Promise<{ stream: Readable; size: number; recording: Recording }> {
    const r = this.row(id);
    if (r.state !== 'stored' || r.storageKey === undefined || r.size === undefined) throw new ConflictError(`recording ${id} is still being recorded`);
    const stream = await this.opts.storage.open(r.storageKey, range, session).catch((err: unknown) => {
      if (err instanceof PbxError) throw err; // e.g. LockedError of encrypted storage
      throw new NotFoundError(`recording ${id}: ${(err as Error).message}`);
    });
    return { stream, size: r.size, recording: publicView(r) };
  }

  async remove(id: string): Promise<void> {
    const r = this.row(id);
    if (r.state !== 'stored' || r.storageKey === undefined) throw new ConflictError(`recording ${id} is still being recorded`);
    await this.opts.storage.remove(r.storageKey);
    this.opts.store.remove(id);
  }

  /**
   * Retention: removes the stored recordings (file and row together) that started before
   * `before`, except those `keep` names by their call's linked id (legal hold). Works in batches
   * of `batch`, letting other work run between them, so a large purge never blocks the daemon.
   * A file the storage cannot remove keeps its row (tried again at the next run).
   */
  async removeOlderThan(before: string, keep: (linkedId: string) => boolean, batch = 200): Promise<{ deleted: number; kept: number; failed: number }> {
    let deleted = 0;
    let kept = 0;
    let failed = 0;
    let after: { startedAt: string; id: string } | undefined;
    for (;;) {
      const rows = this.opts.store.storedBefore(before, batch, after);
      for (const r of rows) {
        if (keep(r.linkedId)) kept++;
        else if (r.storageKey !== undefined) {
          try {
            await this.opts.storage.remove(r.storageKey);
            this.opts.store.remove(r.id);
            deleted++;
          } catch (err) {
            failed++;
            this.opts.logger.warn({ err: (err as Error).message, id: r.id }, 'recordings: retention could not remove a file');
          }
        }
      }
      if (rows.length < batch) break;
      const last = rows[rows.length - 1]!;
      after = { startedAt: last.startedAt, id: last.id };
      await new Promise((r) => setImmediate(r));
    }
    return { deleted, kept, failed };
  }

  private row(id: string): RecordingRow {
    const r = RECORDING_ID.test(id) ? this.opts.store.get(id) : undefined;
    if (!r) throw new NotFoundError(`recording ${id} does not exist`);
    return r;
  }

  // ---- events from the dialplan ------------------------------------------------------------

  private onEvent(e: RecordingEventLike): void {
    try {
      if (e.event === 'UserEvent') {
        const name = str(e.userevent);
        if (name === RECORDING_START_EVENT) this.started(e);
        else if (name === RECORDING_STOP_EVENT) void this.stopElsewhere(e);
      } else if (e.event === 'Hangup') {
        const channel = str(e.channel);
        for (const [call, l] of this.live) if (l.channel === channel) this.live.delete(call);
      }
    } catch (err) {
      this.opts.logger.warn({ err: (err as Error).message }, 'recordings: an event could not be handled');
    }
  }

  private started(e: RecordingEventLike): void {
    const id = str(e.id);
    const mode = str(e.mode);
    const direction = str(e.direction) as RecordingDirection;
    const linkedId = str(e.linkedid).replace(/[^0-9A-Za-z.-]/g, '').slice(0, 80);
    if (!RECORDING_ID.test(id) || (mode !== 'always' && mode !== 'onDemand') || !linkedId) {
      this.opts.logger.warn({ id: id.slice(0, 100) }, 'recordings: a start event that is not ours, ignored');
      return;
    }
    const policy = str(e.policy);
    this.opts.store.started({
      id,
      uniqueId: str(e.uniqueid).replace(/[^0-9A-Za-z.-]/g, '').slice(0, 80) || id.replace(/-[0-9]+$/, ''),
      linkedId,
      caller: party(e.caller),
      callee: party(e.callee),
      direction: RECORDING_DIRECTIONS.includes(direction) ? direction : 'internal',
      startedAt: (this.opts.now?.() ?? new Date()).toISOString(),
      policy: /^[a-z]{1,8}\/[0-9A-Za-z*#+_-]{0,64}$/.test(policy) ? policy : 'unknown',
      mode,
    });
    if (this.live.size >= MAX_LIVE) this.live.delete(this.live.keys().next().value!);
    this.live.set(linkedId, { id, channel: str(e.channel), mixMonitorId: str(e.mixmonitorid), mode });
  }

  /** A party keyed the record code on a channel other than the recording's: stop it there. */
  private async stopElsewhere(e: RecordingEventLike): Promise<void> {
    const call = str(e.call) || str(e.linkedid);
    const l = this.live.get(call);
    if (!l) return;
    if (l.mode === 'always') {
      this.opts.logger.info({ id: l.id }, 'recordings: the in-call code does not stop a recording its policy always makes');
      return;
    }
    if (!this.opts.runtime) return;
    try {
      await this.opts.runtime.stopRecording(l.channel, l.mixMonitorId);
      this.live.delete(call);
    } catch (err) {
      this.opts.logger.warn({ id: l.id, err: (err as Error).message }, 'recordings: could not stop a recording');
    }
  }

  // ---- finished files ----------------------------------------------------------------------

  /** Looks for finished files now (serialised: a scan asked for during one runs after it). */
  scan(): Promise<void> {
    if (this.rescan) return this.scanning;
    this.rescan = true;
    this.scanning = this.scanning.then(async () => {
      this.rescan = false;
      if (!this.running) return;
      let names: string[];
      try {
        names = readdirSync(this.doneDir);
      } catch {
        return;
      }
      for (const name of names.sort()) {
        const id = name.endsWith('.wav') ? name.slice(0, -4) : '';
        if (!RECORDING_ID.test(id)) continue;
        await this.finish(id).catch((err: unknown) => {
          const message = (err as Error).message;
          // Once per distinct problem, not every scan (a NAS down for hours).
          if (message !== this.lastStorageError) this.opts.logger.warn({ id, err: message }, 'recordings: a finished recording could not be stored yet; retrying');
          this.lastStorageError = message;
        });
      }
    });
    return this.scanning;
  }

  /** Resolves once every finished file present now has been handled (tests, shutdown). */
  async settle(): Promise<void> {
    await this.scan();
  }

  private async finish(id: string): Promise<void> {
    const path = join(this.doneDir, `${id}.wav`);
    const s = await stat(path);
    const header = Buffer.alloc(Math.min(WAV_HEADER_BYTES, s.size));
    const fh = await open(path, 'r');
    try {
      await fh.read(header, 0, header.length, 0);
    } finally {
      await fh.close();
    }
    let durationMs: number;
    try {
      durationMs = wavInfo(header, s.size).durationMs;
    } catch (err) {
      if (!(err instanceof WavError)) throw err;
      durationMs = 0;
    }
    for (const [call, l] of this.live) if (l.id === id) this.live.delete(call);
    const row = this.opts.store.get(id);
    if (durationMs === 0) {
      // Nothing was recorded (the call ended before the parties were bridged, or no audio).
      await rm(path, { force: true });
      if (row?.state === 'recording') this.opts.store.remove(id);
      this.opts.logger.info({ id }, 'recordings: an empty recording was dropped');
      return;
    }
    const fallback: RecordingStart = row ?? {
      // The start event was missed (the supervisor was down): what the file itself says.
      id,
      uniqueId: id.replace(/-[0-9]+$/, ''),
      linkedId: id.replace(/-[0-9]+$/, ''),
      caller: '',
      callee: '',
      direction: 'internal',
      startedAt: new Date(s.mtimeMs - durationMs).toISOString(),
      policy: 'unknown',
      mode: 'always',
    };
    const stored = await this.opts.storage.store(id, path, {
      startedAt: fallback.startedAt,
      linkedId: fallback.linkedId,
      caller: fallback.caller,
      callee: fallback.callee,
      direction: fallback.direction,
    });
    this.opts.store.stored(id, { durationMs, size: stored.size, storageKey: stored.key }, fallback);
    this.lastStorageError = '';
    this.opts.logger.info({ id, durationMs, size: stored.size }, 'recordings: stored');
  }
}
