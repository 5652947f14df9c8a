// The mail outbox: app_voicemail writes each notification as a complete MIME message into a
// spool directory of the instance (voicemail.conf's mailcmd, pbx-voicemail.sh); this sends each
// one as it is through the SMTP relay of the model, and deletes it only once the relay took it.
// A relay that is down or refuses for now means a retry with backoff; a message the relay
// refuses for good (5xx), or one still unsent after days, goes to the outbox's failed/.
// The envelope: the message's own To (the box's address), plus the box's copy address, which
// app_voicemail has no field for; the box is named in the Message-ID app_voicemail writes
// (<Asterisk-<msgnum>-<random>-<mailbox>-<pid>@<host>>).
import type { MailSettings } from '../domain/model.ts';
import { UpstreamError, ValidationError } from '../domain/errors.ts';
import { SpoolDir } from '../lib/spool-dir.ts';
import { MailRelayError, sendRaw, sendText, type RelayResult } from './mailer.ts';

export interface SpooledMail {
  /** Addresses of the To and Cc headers. */
  to: string[];
  /** The mailbox the message is from, when app_voicemail's Message-ID names it. */
  mailbox?: string;
  subject?: string;
}

/** The header block of a message, unfolded, by lower-case name. */
export function mailHeaders(raw: Buffer | string): Map<string, string[]> {
  const text = typeof raw === 'string' ? raw : raw.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const block = end < 0 ? text : text.slice(0, end);
  const headers = new Map<string, string[]>();
  let last: string | undefined;
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && last) {
      const values = headers.get(last)!;
      values[values.length - 1] += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      last = undefined;
      continue;
    }
    last = line.slice(0, colon).trim().toLowerCase();
    const values = headers.get(last) ?? [];
    values.push(line.slice(colon + 1).trim());
    headers.set(last, values);
  }
  return headers;
}

/** Addresses of an address-list header: `"Rossi, Mario" <a@b.c>, d@e.f` → [a@b.c, d@e.f]. */
export function parseAddressList(value: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  let angle = false;
  const flush = () => {
    const part = current.trim();
    current = '';
    if (!part) return;
    const m = /<([^<>\s]+)>/.exec(part);
    const addr = (m ? m[1]! : part.replace(/\([^)]*\)/g, '').trim()).trim();
    if (/^[^\s@<>",]+@[^\s@<>",]+$/.test(addr)) out.push(addr);
  };
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\' && quoted) {
      current += c + (value[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === '<') angle = true;
    else if (!quoted && c === '>') angle = false;
    if (c === ',' && !quoted && !angle) flush();
    else current += c;
  }
  flush();
  return out;
}

export function parseSpooledMail(raw: Buffer | string): SpooledMail {
  const h = mailHeaders(raw);
  const to = [...(h.get('to') ?? []), ...(h.get('cc') ?? [])].flatMap(parseAddressList);
  const id = h.get('message-id')?.[0] ?? '';
  const mailbox = /^<Asterisk-\d+-\d+-(.+)-\d+@[^>]*>$/.exec(id)?.[1];
  const subject = h.get('subject')?.[0];
  return { to: [...new Set(to)], ...(mailbox !== undefined ? { mailbox } : {}), ...(subject !== undefined ? { subject } : {}) };
}

export interface OutboxLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface MailOutboxOptions {
  /** The outbox spool directory (on the host). */
  dir: string;
  /** The model's mail settings, read at each send (a changed relay applies at once). */
  settings(): MailSettings;
  /** Further recipients of a mailbox's messages (its copy address). */
  copyTo(mailbox: string): string[];
  logger: OutboxLogger;
  /** Sends one message; defaults to the relay (mailer.ts). Tests of the spool logic replace it. */
  send?(settings: MailSettings, envelope: { from: string; to: string[] }, raw: Buffer): Promise<RelayResult>;
  pollMs?: number;
  firstRetryMs?: number;
  maxRetryMs?: number;
  maxAgeMs?: number;
}

class PermanentError extends Error {
  readonly permanent = true;
}

export class MailOutbox {
  private readonly spool: SpoolDir;
  private readonly o: MailOutboxOptions;

  constructor(options: MailOutboxOptions) {
    this.o = options;
    const send = options.send ?? sendRaw;
    this.spool = new SpoolDir({
      dir: options.dir,
      match: /\.eml$/,
      ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
      ...(options.firstRetryMs !== undefined ? { firstRetryMs: options.firstRetryMs } : {}),
      ...(options.maxRetryMs !== undefined ? { maxRetryMs: options.maxRetryMs } : {}),
      ...(options.maxAgeMs !== undefined ? { maxAgeMs: options.maxAgeMs } : {}),
      handle: async (content, name) => {
        const settings = this.o.settings();
        if (!settings.host) throw new Error('no mail relay is set (mail.host): the message waits for one');
        const mail = parseSpooledMail(content);
        const extra = mail.mailbox !== undefined ? this.o.copyTo(mail.mailbox) : [];
        const to = [...new Set([...mail.to, ...extra])];
        if (to.length === 0) throw new PermanentError('the message names no recipient');
        try {
          const r = await send(settings, { from: settings.from, to }, content);
          this.o.logger.info({ file: name, mailbox: mail.mailbox, to: r.accepted, relay: r.response }, 'voicemail e-mail sent');
        } catch (err) {
          if (err instanceof MailRelayError && err.permanent) throw new PermanentError(err.reason);
          throw err;
        }
      },
      onError: (err, name, gaveUp) => {
        const reason = (err as Error).message ?? String(err);
        if (gaveUp) this.o.logger.error({ file: name, reason }, 'voicemail e-mail given up: moved to the outbox\'s failed/ directory');
        else this.o.logger.warn({ file: name, reason }, 'voicemail e-mail not sent yet; retrying later');
      },
    });
  }

  start(): void {
    this.spool.start();
  }

  stop(): Promise<void> {
    return this.spool.stop();
  }

  /** Sends what is due now (and after a change of the relay settings: everything, backoff forgotten). */
  flush(options: { retryAll?: boolean } = {}): Promise<void> {
    if (options.retryAll) this.spool.forgetRetries();
    return this.spool.scan();
  }

  /** Messages waiting to be sent. */
  pending(): string[] {
    return this.spool.pending();
  }
}

/**
 * The "send test e-mail" action: a plain message through the relay now. No relay set: 400;
 * the relay refusing or unreachable: 502 with its reason.
 */
export async function sendTestMail(settings: MailSettings, to: string, boxName: string): Promise<RelayResult> {
  if (!settings.host) throw new ValidationError('no mail relay is set: set the relay host first', [{ path: ['host'], message: 'no mail relay is set' }]);
  try {
    return await sendText(settings, {
      to,
      subject: `Test message from ${boxName}`,
      text: `This is a test message from ${boxName}.\n\nIt went through the mail relay ${settings.host}:${settings.port} (${settings.security}), which is how voicemail messages are sent.\n`,
    });
  } catch (err) {
    if (err instanceof MailRelayError) throw new UpstreamError(`the mail relay ${settings.host}:${settings.port} did not take the test message: ${err.reason}`);
    throw err;
  }
}
