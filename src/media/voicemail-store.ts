// The voicemail spool of the instance as app_voicemail lays it out (file storage):
//   <dir>/<box>/unavail.wav, busy.wav, greet.wav        greetings (unavailable, busy, name)
//   <dir>/<box>/<folder>/msgNNNN.wav + msgNNNN.txt      messages, numbered from 0000 without gaps
// (<dir> is the instance's spool/voicemail/pbx). Greetings are uploads converted like prompts
// (audio-files.ts convertUpload); messages are listed, played, deleted and expired here.
// app_voicemail expects every folder numbered without gaps: deleting a message renumbers the
// ones after it, under app_voicemail's own folder lock (a `.lock` hard link in the folder, its
// lockfile mode), so a message being saved meanwhile never collides with a renumbered one.
import { createReadStream, existsSync, linkSync, mkdirSync, chmodSync, chownSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { NotFoundError, UnavailableError, ValidationError } from '../domain/errors.ts';
import { GREETING_FILES, GREETING_KINDS, VOICEMAIL_FOLDERS, type GreetingKind, type VoicemailFolder } from '../domain/voicemail.ts';
import { fsyncDir, writeFileAtomic } from '../lib/atomic-write.ts';
import { sleep } from '../lib/backoff.ts';
import { PROMPT_AUDIO_MAX_BYTES } from './prompt-store.ts';
import { audioFileOptions, convertUpload, readStoredWav, type AudioOwner } from './audio-files.ts';

/** Longest greeting accepted (app_voicemail's maxgreet is 60 s for greetings recorded by phone). */
export const GREETING_MAX_SECONDS = 120;

export interface GreetingInfo {
  kind: GreetingKind;
  durationSeconds: number;
  bytes: number;
}

export interface VoicemailMessage {
  /** app_voicemail's msg_id (stable across renumbering); folder-number for messages without one. */
  id: string;
  folder: VoicemailFolder;
  /** Position in the folder (msgNNNN). */
  index: number;
  /** The caller as app_voicemail stored it, e.g. "Bob" <202>. */
  callerId: string;
  callerNumber?: string;
  callerName?: string;
  /** When it was left (ISO 8601). */
  receivedAt: string;
  durationSeconds: number;
  /** Size of the recording (WAV). */
  bytes: number;
}

export interface VoicemailStoreOptions {
  /** The mailboxes' directory (the instance's spool/voicemail/pbx). */
  dir: string;
  /** Whether a number is a mailbox of the model now (others are refused with 404). */
  isMailbox(number: string): boolean;
  /** The asterisk user (chroot: its ids inside the rootfs): it owns greetings, since the phone menu re-records them. */
  owner?: AudioOwner;
  tmpDir?: string;
  sox?: string;
  /** Messages of a box were deleted here (its phones' message lights need a refresh). */
  onChanged?(mailbox: string): void;
}

const MSG = /^msg(\d{4})\.([A-Za-z0-9]+)$/;

/** The [message] section of an msgNNNN.txt file, by key. */
export function parseMessageInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let inMessage = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith(';')) continue;
    const section = /^\[([^\]]+)\]$/.exec(line);
    if (section) {
      inMessage = section[1] === 'message';
      continue;
    }
    if (!inMessage) continue;
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

/** "Bob" <202> → name Bob, number 202; 202 → number 202. */
export function splitCallerId(callerId: string): { name?: string; number?: string } {
  const m = /^\s*(?:"([^"]*)"|([^<]*?))\s*<([^>]*)>\s*$/.exec(callerId);
  if (m) {
    const name = (m[1] ?? m[2] ?? '').trim();
    const number = (m[3] ?? '').trim();
    return { ...(name ? { name } : {}), ...(number ? { number } : {}) };
  }
  const t = callerId.trim();
  return t && t !== 'Unknown' ? { number: t } : {};
}

function checkBox(number: string): string {
  if (!/^[0-9]{2,8}$/.test(number)) throw new NotFoundError(`${number} is not a mailbox`);
  return number;
}

function checkKind(kind: string): GreetingKind {
  if (!(GREETING_KINDS as string[]).includes(kind)) throw new ValidationError(`unknown greeting ${kind}`, [{ path: ['kind'], message: `one of ${GREETING_KINDS.join(', ')}` }]);
  return kind as GreetingKind;
}

export class VoicemailStore {
  private readonly o: VoicemailStoreOptions;
  /** Largest greeting upload taken (the API refuses larger bodies before reading them). */
  readonly maxBytes = PROMPT_AUDIO_MAX_BYTES;

  constructor(options: VoicemailStoreOptions) {
    this.o = options;
  }

  private box(number: string): string {
    checkBox(number);
    if (!this.o.isMailbox(number)) throw new NotFoundError(`${number} has no mailbox`);
    return join(this.o.dir, number);
  }

  /** Creates the box's directory (and its parents) as app_voicemail would, owned by the asterisk user. */
  private ensureBoxDir(path: string): void {
    const missing: string[] = [];
    for (let p = path; !existsSync(p); p = dirname(p)) missing.unshift(p);
    for (const p of missing) {
      mkdirSync(p, { mode: 0o755 });
      if (this.o.owner) chownSync(p, this.o.owner.uid, this.o.owner.gid);
      chmodSync(p, 0o755);
    }
  }

  // ---- greetings --------------------------------------------------------------------------

  private greetingPath(number: string, kind: GreetingKind): string {
    return join(this.box(number), `${GREETING_FILES[checkKind(kind)]}.wav`);
  }

  /**
   * Converts an uploaded WAV or MP3 and makes it the box's greeting of that kind (replacing one
   * recorded by phone). Refuses (ValidationError on `audio`) what is not audio, broken, too long.
   */
  async storeGreeting(number: string, kind: GreetingKind, data: Uint8Array): Promise<GreetingInfo> {
    const target = this.greetingPath(number, kind);
    const { seconds, files } = await convertUpload(data, ['wav'], {
      maxBytes: this.maxBytes,
      maxSeconds: GREETING_MAX_SECONDS,
      sox: this.o.sox ?? 'sox',
      tmpDir: this.o.tmpDir ?? tmpdir(),
    });
    this.ensureBoxDir(join(this.o.dir, number));
    // Other formats of the same greeting (a phone recording in another format) would be played instead.
    const base = GREETING_FILES[kind];
    for (const f of readdirSync(join(this.o.dir, number))) if (f.startsWith(`${base}.`) && f !== `${base}.wav`) rmSync(join(this.o.dir, number, f), { force: true });
    writeFileAtomic(target, files.wav, audioFileOptions(this.o.owner, true));
    return { kind, durationSeconds: seconds, bytes: files.wav.length };
  }

  private greetingInfo(number: string, kind: GreetingKind): GreetingInfo | undefined {
    const stored = readStoredWav(this.greetingPath(number, kind));
    return stored && { kind, ...stored };
  }

  /** The greetings the box has (uploaded or recorded by phone as WAV). */
  greetings(number: string): GreetingInfo[] {
    this.box(number);
    return GREETING_KINDS.flatMap((k) => this.greetingInfo(number, k) ?? []);
  }

  openGreeting(number: string, kind: GreetingKind): { stream: Readable; bytes: number } {
    const info = this.greetingInfo(number, kind);
    if (!info) throw new NotFoundError(`mailbox ${number} has no ${kind} greeting`);
    return { stream: createReadStream(this.greetingPath(number, kind)), bytes: info.bytes };
  }

  /** Removes a greeting (every format of it): callers hear the standard one again. */
  removeGreeting(number: string, kind: GreetingKind): void {
    const dir = this.box(number);
    const base = GREETING_FILES[checkKind(kind)];
    const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith(`${base}.`)) : [];
    if (files.length === 0) throw new NotFoundError(`mailbox ${number} has no ${kind} greeting`);
    for (const f of files) rmSync(join(dir, f), { force: true });
    fsyncDir(dir);
  }

  // ---- messages ---------------------------------------------------------------------------

  private folderMessages(boxDir: string, folder: VoicemailFolder): { index: number; files: string[] }[] {
    const dir = join(boxDir, folder);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return [];
    }
    const byIndex = new Map<number, string[]>();
    for (const n of names) {
      const m = MSG.exec(n);
      if (!m) continue;
      const i = Number(m[1]);
      byIndex.set(i, [...(byIndex.get(i) ?? []), n]);
    }
    return [...byIndex.entries()].sort(([a], [b]) => a - b).map(([index, files]) => ({ index, files }));
  }

  private describe(boxDir: string, folder: VoicemailFolder, index: number, files: string[]): VoicemailMessage | undefined {
    const num = String(index).padStart(4, '0');
    if (!files.includes(`msg${num}.txt`)) return undefined; // being written
    const dir = join(boxDir, folder);
    let info: Record<string, string>;
    try {
      info = parseMessageInfo(readFileSync(join(dir, `msg${num}.txt`), 'utf8'));
    } catch {
      return undefined;
    }
    let bytes = 0;
    try {
      bytes = statSync(join(dir, `msg${num}.wav`)).size;
    } catch {
      // another format only
    }
    const callerId = info.callerid ?? '';
    const who = splitCallerId(callerId);
    const time = Number(info.origtime);
    const id = /^[A-Za-z0-9-]{1,64}$/.test(info.msg_id ?? '') ? info.msg_id! : `${folder}-${num}`;
    return {
      id,
      folder,
      index,
      callerId,
      ...(who.number !== undefined ? { callerNumber: who.number } : {}),
      ...(who.name !== undefined ? { callerName: who.name } : {}),
      receivedAt: Number.isFinite(time) && time > 0 ? new Date(time * 1000).toISOString() : new Date(0).toISOString(),
      durationSeconds: Number(info.duration) || 0,
      bytes,
    };
  }

  /** Every message of the box, folder by folder (INBOX first: the new ones), oldest first within each. */
  messages(number: string): VoicemailMessage[] {
    const boxDir = this.box(number);
    const out: VoicemailMessage[] = [];
    for (const folder of VOICEMAIL_FOLDERS) {
      for (const m of this.folderMessages(boxDir, folder)) {
        const d = this.describe(boxDir, folder, m.index, m.files);
        if (d) out.push(d);
      }
    }
    return out;
  }

  private find(number: string, id: string): VoicemailMessage {
    const m = this.messages(number).find((x) => x.id === id);
    if (!m) throw new NotFoundError(`mailbox ${number} has no message ${id}`);
    return m;
  }

  /** The recording of a message (WAV, as app_voicemail stored it). */
  openMessage(number: string, id: string): { stream: Readable; bytes: number } {
    const m = this.find(number, id);
    const file = join(this.box(number), m.folder, `msg${String(m.index).padStart(4, '0')}.wav`);
    if (!existsSync(file)) throw new NotFoundError(`message ${id} has no WAV recording`);
    return { stream: createReadStream(file), bytes: statSync(file).size };
  }

  /** Deletes one message and closes the gap in its folder. */
  async deleteMessage(number: string, id: string): Promise<void> {
    const m = this.find(number, id);
    const dir = join(this.box(number), m.folder);
    await withFolderLock(dir, () => {
      // Found again under the lock: app_voicemail may have renumbered meanwhile.
      const current = this.messages(number).find((x) => x.id === id);
      if (!current || current.folder !== m.folder) throw new NotFoundError(`mailbox ${number} has no message ${id}`);
      removeAndRenumber(dir, new Set([current.index]));
    });
    this.o.onChanged?.(number);
  }

  /**
   * Deletes the messages older than each box's retention (days; 0 keeps them), renumbering the
   * folders. Returns the boxes that lost messages (their message lights need a refresh).
   */
  async expire(boxes: readonly { number: string; retentionDays: number }[], now: number = Date.now()): Promise<{ mailbox: string; deleted: number }[]> {
    const changed: { mailbox: string; deleted: number }[] = [];
    for (const b of boxes) {
      if (b.retentionDays <= 0 || !/^[0-9]{2,8}$/.test(b.number)) continue;
      const boxDir = join(this.o.dir, b.number);
      if (!existsSync(boxDir)) continue;
      const cutoff = now / 1000 - b.retentionDays * 86_400;
      let deleted = 0;
      for (const folder of VOICEMAIL_FOLDERS) {
        const dir = join(boxDir, folder);
        if (!existsSync(dir)) continue;
        const old = () =>
          new Set(
            this.folderMessages(boxDir, folder)
              .map((m) => ({ m, d: this.describe(boxDir, folder, m.index, m.files) }))
              .filter(({ d }) => d !== undefined && Date.parse(d.receivedAt) > 0 && Date.parse(d.receivedAt) / 1000 < cutoff)
              .map(({ m }) => m.index),
          );
        if (old().size === 0) continue;
        await withFolderLock(dir, () => {
          const doomed = old();
          removeAndRenumber(dir, doomed);
          deleted += doomed.size;
        });
      }
      if (deleted > 0) {
        changed.push({ mailbox: b.number, deleted });
        this.o.onChanged?.(b.number);
      }
    }
    return changed;
  }
}

/**
 * Removes the messages at `indexes` (every file of each: .wav, .txt, other formats) and moves
 * the ones after them down so the folder counts from 0000 without gaps again. Moving upwards
 * in order never overwrites: the target number is always free by then.
 */
export function removeAndRenumber(dir: string, indexes: ReadonlySet<number>): void {
  const byIndex = new Map<number, string[]>();
  for (const n of readdirSync(dir)) {
    const m = MSG.exec(n);
    if (m) byIndex.set(Number(m[1]), [...(byIndex.get(Number(m[1])) ?? []), n]);
  }
  for (const i of indexes) for (const f of byIndex.get(i) ?? []) rmSync(join(dir, f), { force: true });
  let next = 0;
  for (const i of [...byIndex.keys()].sort((a, b) => a - b)) {
    if (indexes.has(i)) continue;
    if (i !== next) {
      for (const f of byIndex.get(i)!) {
        const ext = MSG.exec(f)![2]!;
        renameSync(join(dir, f), join(dir, `msg${String(next).padStart(4, '0')}.${ext}`));
      }
    }
    next++;
  }
  fsyncDir(dir);
}

/**
 * app_voicemail's folder lock (lockfile mode): a private file hard-linked to `<dir>/.lock`; the
 * link fails while someone else holds it. Waits up to 5 s, as app_voicemail does.
 */
export async function withFolderLock<T>(dir: string, fn: () => T): Promise<T> {
  const lock = join(dir, '.lock');
  const mine = join(dir, `.lock-pbx-${randomBytes(6).toString('hex')}`);
  writeFileSync(mine, String(process.pid));
  try {
    const deadline = Date.now() + 5000;
    for (;;) {
      try {
        linkSync(mine, lock);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        if (Date.now() > deadline) throw new UnavailableError('the mailbox is busy (app_voicemail holds its lock); try again');
        await sleep(50);
      }
    }
  } finally {
    rmSync(mine, { force: true });
  }
  try {
    return fn();
  } finally {
    try {
      unlinkSync(lock);
    } catch {
      // already gone
    }
  }
}

/**
 * The retention job: expire() now and then every `intervalMs` (default hourly) over the boxes
 * the model has at that moment. Returns the function that stops it.
 */
export function scheduleRetention(
  store: Pick<VoicemailStore, 'expire'>,
  boxes: () => readonly { number: string; retentionDays: number }[],
  options: { intervalMs?: number; onExpired?(changed: { mailbox: string; deleted: number }[]): void; onError?(err: unknown): void } = {},
): () => void {
  let running = false;
  const run = async () => {
    if (running) return;
    running = true;
    try {
      const changed = await store.expire(boxes());
      if (changed.length) options.onExpired?.(changed);
    } catch (err) {
      options.onError?.(err);
    } finally {
      running = false;
    }
  };
  void run();
  const timer = setInterval(() => void run(), options.intervalMs ?? 3600_000);
  timer.unref();
  return () => clearInterval(timer);
}
