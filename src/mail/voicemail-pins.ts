// PINs changed from the phone's mailbox menu. app_voicemail does not write voicemail.conf (the
// supervisor renders it): its externpass runs pbx-voicemail.sh, which drops "<context> <box>
// <pin>" into a spool directory; this stores the PIN in the model (the extension's PIN for its
// own box, the shared box's PIN), audited with the phone as the actor. The apply that follows
// renders the same PIN into voicemail.conf, so Asterisk and the model agree again.
import { findMailbox, VOICEMAIL_CONTEXT } from '../domain/voicemail.ts';
import { ValidationError } from '../domain/errors.ts';
import type { PbxConfig } from '../domain/model.ts';
import type { Actor, ReplaceResult } from '../services/config-service.ts';
import { SpoolDir } from '../lib/spool-dir.ts';
import type { OutboxLogger } from './outbox.ts';

export interface PinChange {
  context: string;
  mailbox: string;
  pin: string;
}

/** One inbox file: `<context> <mailbox> <pin>`; undefined for anything else. */
export function parsePinChange(text: string): PinChange | undefined {
  const m = /^([a-z0-9_-]{1,80}) ([0-9]{1,12}) ([0-9]{1,12})\n?$/.exec(text);
  return m ? { context: m[1]!, mailbox: m[2]!, pin: m[3]! } : undefined;
}

/** The part of ConfigService this needs. */
export interface PinConfig {
  get(): PbxConfig;
  mutate(actor: Actor, target: { action: string; type: string; key: string }, edit: (draft: PbxConfig) => unknown, options?: { wait?: boolean }): Promise<ReplaceResult>;
}

export interface VoicemailPinInboxOptions {
  dir: string;
  config: PinConfig;
  logger: OutboxLogger;
  /**
   * Asterisk already holds a PIN the model refused (too easy, or the box is gone): make it load
   * the model's again (reload app_voicemail).
   */
  onRefused?(): void;
  pollMs?: number;
}

export class VoicemailPinInbox {
  private readonly spool: SpoolDir;

  constructor(o: VoicemailPinInboxOptions) {
    this.spool = new SpoolDir({
      dir: o.dir,
      match: /\.pin$/,
      ...(o.pollMs !== undefined ? { pollMs: o.pollMs } : {}),
      firstRetryMs: 2000,
      maxRetryMs: 60_000,
      maxAgeMs: 3600_000,
      handle: async (content, name) => {
        const change = parsePinChange(content.toString('utf8'));
        if (!change || change.context !== VOICEMAIL_CONTEXT) {
          o.logger.warn({ file: name }, 'ignored a voicemail PIN change that is not one of ours');
          return;
        }
        const box = findMailbox(o.config.get(), change.mailbox);
        if (!box) {
          o.logger.warn({ mailbox: change.mailbox }, 'a PIN was changed from the phone for a mailbox that no longer exists');
          o.onRefused?.();
          return;
        }
        if (box.pin === change.pin) return;
        const actor: Actor =
          box.kind === 'extension'
            ? { name: `extension ${box.number}`, source: 'phone: voicemail menu' }
            : { name: `voicemail box ${box.number}`, source: 'phone: voicemail menu' };
        const target =
          box.kind === 'extension'
            ? { action: 'extensions.update', type: 'extension', key: box.number }
            : { action: 'voicemail-boxes.update', type: 'voicemail box', key: box.number };
        try {
          await o.config.mutate(
            actor,
            target,
            (draft) => {
              if (box.kind === 'extension') {
                const e = draft.extensions.find((x) => x.number === box.number);
                if (e) e.pin = change.pin;
              } else {
                const b = draft.voicemailBoxes.find((x) => x.number === box.number);
                if (b) b.pin = change.pin;
              }
            },
            { wait: false },
          );
          o.logger.info({ mailbox: box.number }, 'mailbox PIN changed from the phone');
        } catch (err) {
          if (!(err instanceof ValidationError)) throw err;
          // The PIN itself is never logged; the rule it broke is.
          o.logger.warn({ mailbox: box.number, reason: err.fields.map((f) => f.message).join('; ') || err.message }, 'the model refused a PIN changed from the phone; the previous PIN stays');
          o.onRefused?.();
        }
      },
      onError: (err, name, gaveUp) => o.logger.warn({ file: name, reason: (err as Error).message, gaveUp }, 'could not store a PIN changed from the phone'),
    });
  }

  start(): void {
    this.spool.start();
  }

  stop(): Promise<void> {
    return this.spool.stop();
  }

  /** Takes every waiting change now. */
  flush(): Promise<void> {
    return this.spool.scan();
  }
}
