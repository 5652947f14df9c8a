// The mailboxes of the model as app_voicemail sees them: one per extension whose box is turned
// on (PIN = the extension's PIN) and one per shared box, all in the voicemail context `pbx`.
// The renderer, the greeting and message store, the retention job and the mail relay all read
// this one list, so "is this a mailbox" has one answer.
import type { PbxConfig } from './model.ts';

/** app_voicemail's context of every mailbox (`<number>@pbx`). */
export const VOICEMAIL_CONTEXT = 'pbx';

/** Greetings a box has, by the API's name, and the file app_voicemail plays for each. */
export const GREETING_FILES = { unavailable: 'unavail', busy: 'busy', name: 'greet' } as const;
export type GreetingKind = keyof typeof GREETING_FILES;
export const GREETING_KINDS = Object.keys(GREETING_FILES) as GreetingKind[];

/** Folders of a mailbox (app_voicemail's names): new, heard, the ones users save to, urgent, deleted (kept when backupdeleted is on). */
export const VOICEMAIL_FOLDERS = ['INBOX', 'Old', 'Work', 'Family', 'Friends', 'Cust1', 'Cust2', 'Cust3', 'Cust4', 'Cust5', 'Urgent', 'Deleted'] as const;
export type VoicemailFolder = (typeof VOICEMAIL_FOLDERS)[number];

export interface Mailbox {
  number: string;
  /** extension: the extension's own box; shared: a voicemail box of the model. */
  kind: 'extension' | 'shared';
  name: string;
  pin: string | undefined;
  /** Where messages are e-mailed; absent: not e-mailed. */
  email: string | undefined;
  /** A second recipient of every e-mailed message (the mail relay adds it to the envelope). */
  copyTo: string | undefined;
  /** Delete the message once e-mailed. Only with an address: app_voicemail deletes regardless. */
  deleteAfterEmail: boolean;
  maxMessages: number;
  maxSeconds: number;
  /** Messages older than this many days are deleted; 0 keeps them. */
  retentionDays: number;
  /** Extensions whose phones show this box's messages (their own box, or the shared box's members). */
  watchers: string[];
}

export function mailboxes(config: PbxConfig): Mailbox[] {
  const out: Mailbox[] = [];
  for (const e of config.extensions) {
    if (!e.voicemail.enabled) continue;
    const email = e.voicemail.email ?? e.email;
    out.push({
      number: e.number,
      kind: 'extension',
      name: e.name,
      pin: e.pin,
      email,
      copyTo: e.voicemail.copyTo,
      deleteAfterEmail: e.voicemail.deleteAfterEmail && email !== undefined,
      maxMessages: e.voicemail.maxMessages,
      maxSeconds: e.voicemail.maxSeconds,
      retentionDays: e.voicemail.retentionDays,
      watchers: [e.number],
    });
  }
  for (const b of config.voicemailBoxes) {
    out.push({
      number: b.number,
      kind: 'shared',
      name: b.name,
      pin: b.pin,
      email: b.email,
      copyTo: b.copyTo,
      deleteAfterEmail: b.deleteAfterEmail && b.email !== undefined,
      maxMessages: b.maxMessages,
      maxSeconds: b.maxSeconds,
      retentionDays: b.retentionDays,
      watchers: [...b.members],
    });
  }
  return out;
}

export function findMailbox(config: PbxConfig, number: string): Mailbox | undefined {
  return mailboxes(config).find((m) => m.number === number);
}

/** The boxes an extension's phones show messages of (MWI): its own, then the shared boxes it is a member of. */
export function watchedMailboxes(config: PbxConfig, extension: string): string[] {
  return watchIndex(config).get(extension) ?? [];
}

// Asked once per device: built once per configuration snapshot (a snapshot never changes), or
// 10,000 extensions would mean 10,000 walks over every mailbox.
const watchIndexes = new WeakMap<PbxConfig, ReadonlyMap<string, string[]>>();
function watchIndex(config: PbxConfig): ReadonlyMap<string, string[]> {
  let index = watchIndexes.get(config);
  if (!index) {
    const m = new Map<string, string[]>();
    for (const box of mailboxes(config))
      for (const w of new Set(box.watchers)) {
        const list = m.get(w);
        if (list) list.push(box.number);
        else m.set(w, [box.number]);
      }
    watchIndexes.set(config, (index = m));
  }
  return index;
}
