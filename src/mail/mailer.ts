// The one adapter over nodemailer: sends through the SMTP relay of the model's mail settings.
// One connection per message (voicemail mail is rare; a pool would hold a connection open to a
// relay for nothing). Nothing is logged by nodemailer (its logger stays off), and errors carry
// the relay's answer or the network reason, never the credentials.
// Loaded at the first mail, not at start: nodemailer costs the idle supervisor about 15 MB.
type Nodemailer = typeof import('nodemailer');
let loaded: Promise<Nodemailer> | undefined;
const nodemailerModule = (): Promise<Nodemailer> => (loaded ??= import('nodemailer').then((m) => ((m as { default?: Nodemailer }).default ?? m) as Nodemailer));
import type { MailSettings } from '../domain/model.ts';

/** A relay failure: `reason` is what the relay answered, or why it could not be reached. */
export class MailRelayError extends Error {
  readonly reason: string;
  /** No retry can fix it (the relay refused the recipients or the message for good: 5xx). */
  readonly permanent: boolean;
  constructor(reason: string, permanent: boolean) {
    super(reason);
    this.reason = reason;
    this.permanent = permanent;
    this.name = 'MailRelayError';
  }
}

export interface RelayResult {
  accepted: string[];
  /** The relay's last answer, e.g. "250 2.0.0 Ok: queued as 1A2B3C". */
  response: string;
}

const TIMEOUTS = { connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 60_000, dnsTimeout: 15_000 };

async function transport(settings: MailSettings) {
  if (!settings.host) throw new MailRelayError('no mail relay is set', true);
  const nodemailer = await nodemailerModule();
  return nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    // tls: TLS from the first byte (465); starttls: the upgrade is required, never silently
    // skipped; none: plain, and no opportunistic upgrade either (a loopback relay).
    secure: settings.security === 'tls',
    requireTLS: settings.security === 'starttls',
    ignoreTLS: settings.security === 'none',
    ...(settings.username !== undefined && settings.password !== undefined ? { auth: { user: settings.username, pass: settings.password } } : {}),
    ...TIMEOUTS,
    logger: false,
    debug: false,
  });
}

/** What went wrong, in words for an administrator: the relay's answer when there is one. */
function relayError(err: unknown): MailRelayError {
  if (err instanceof MailRelayError) return err;
  const e = err as { code?: string; response?: string; responseCode?: number; message?: string; rejectedErrors?: { response?: string; responseCode?: number }[] };
  const rejected = e.rejectedErrors?.[0];
  const code = e.responseCode ?? rejected?.responseCode;
  const answer = e.response ?? rejected?.response;
  let reason = answer ? `the relay answered: ${answer}` : (e.message ?? String(err));
  if (e.code === 'EAUTH') reason = `the relay refused the credentials${answer ? `: ${answer}` : ''}`;
  else if (e.code === 'EDNS' || /ENOTFOUND|EAI_AGAIN/.test(e.message ?? '')) reason = `the relay's host name does not resolve (${e.message ?? e.code})`;
  else if (/ECONNREFUSED/.test(e.message ?? '')) reason = `the relay refused the connection (${e.message})`;
  else if (e.code === 'ETIMEDOUT' || /timeout/i.test(e.message ?? '')) reason = `the relay did not answer in time (${e.message ?? e.code})`;
  else if (e.code === 'ETLS' || /STARTTLS|certificate|TLS|SSL/i.test(e.message ?? '')) reason = `TLS with the relay failed (${e.message ?? e.code})`;
  const permanent = e.code !== 'EAUTH' && typeof code === 'number' && code >= 500 && code < 600;
  return new MailRelayError(reason, permanent);
}

/** Sends a complete MIME message as it is (the envelope says who gets it). */
export async function sendRaw(settings: MailSettings, envelope: { from: string; to: string[] }, raw: Buffer): Promise<RelayResult> {
  const t = await transport(settings);
  try {
    const info = await t.sendMail({ envelope, raw });
    return { accepted: info.accepted.map(String), response: info.response };
  } catch (err) {
    throw relayError(err);
  } finally {
    t.close();
  }
}

/** Composes and sends a plain-text message from the box's sender address. */
export async function sendText(settings: MailSettings, message: { to: string; subject: string; text: string }): Promise<RelayResult> {
  const t = await transport(settings);
  try {
    const info = await t.sendMail({ from: { name: settings.fromName, address: settings.from }, to: message.to, subject: message.subject, text: message.text });
    return { accepted: info.accepted.map(String), response: info.response };
  } catch (err) {
    throw relayError(err);
  } finally {
    t.close();
  }
}

/**
 * Composes and sends a message with attachments from the box's sender address (scheduled CDR
 * reports). Attachments are read from their files as the message is sent, never whole in memory.
 */
export async function sendMessage(
  settings: MailSettings,
  message: { to: string[]; subject: string; text: string; attachments?: { filename: string; path: string; contentType: string }[] },
): Promise<RelayResult> {
  const t = await transport(settings);
  try {
    const info = await t.sendMail({
      from: { name: settings.fromName, address: settings.from },
      to: message.to,
      subject: message.subject,
      text: message.text,
      attachments: (message.attachments ?? []).map((a) => ({ filename: a.filename, path: a.path, contentType: a.contentType })),
    });
    return { accepted: info.accepted.map(String), response: info.response };
  } catch (err) {
    throw relayError(err);
  } finally {
    t.close();
  }
}
