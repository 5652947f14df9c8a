// One recording per slot (a prompt's languages, a mailbox's greetings): listen, upload a WAV or
// MP3, replace, delete. The owner fetches what is recorded and words each message; the upload
// and delete round trips live here so that every audio list behaves the same.
import { useState, type ReactNode } from 'react';
import { errorText, request, url } from '../lib/api.ts';
import { useI18n } from '../lib/i18n.tsx';
import { useFeedback } from './feedback.tsx';
import { useConfirmedDelete } from './lists.tsx';

/** The largest audio file the box takes (its upload limit), in bytes. */
export const MAX_AUDIO_MB = 20;
const MAX_AUDIO = MAX_AUDIO_MB * 1024 * 1024;

/** The content type of an audio file the box accepts (WAV, MP3), or null. */
export function audioType(file: { name: string; type: string }): string | null {
  if (/^audio\/(wav|x-wav|wave|vnd\.wave)$/.test(file.type) || /\.wav$/i.test(file.name)) return 'audio/wav';
  if (/^audio\/(mpeg|mp3)$/.test(file.type) || /\.mp3$/i.test(file.name)) return 'audio/mpeg';
  return null;
}

/** What the API says of a recorded slot. */
export interface AudioInfo {
  durationSeconds: number;
  bytes: number;
}

export interface AudioSlotsProps {
  slots: readonly string[];
  /** The slot's recording, undefined while it has none. */
  recorded(slot: string): AudioInfo | undefined;
  /** The API path of the slot's audio: GET plays it, PUT uploads, DELETE deletes. */
  path(slot: string): string;
  writable: boolean;
  /** The slot in words ("English", "Busy greeting"). */
  name(slot: string): string;
  /** Loads the recordings again after a change. */
  onChanged(): void;
  /** data-testid of the list. */
  testId: string;
  /** Prefix of the file inputs' ids (`<prefix>-<slot>`). */
  idPrefix: string;
  /** Prefix of the file inputs' data-testid (`<prefix>-<slot>`). */
  uploadTestId: string;
  slotTestId?(slot: string): string;
  statusTestId?(slot: string): string;
  /** The text next to the slot's name: how long its recording is, or that there is none. */
  status(slot: string, info: AudioInfo | undefined): ReactNode;
  /** A line under the name: what the slot is for. */
  help?(slot: string): ReactNode;
  /** What files the upload takes. */
  formats: string;
  listenLabel(slot: string): string;
  deleteLabel(slot: string): string;
  confirmDelete(slot: string): string;
  deleted(slot: string): string;
  uploaded(slot: string, answer: { durationSeconds?: number } | undefined): string;
}

export function AudioSlots(p: AudioSlotsProps) {
  const { t } = useI18n();
  const { toast } = useFeedback();
  const del = useConfirmedDelete();
  const [uploading, setUploading] = useState('');
  // Bumped on upload: the player must not play the cached old recording.
  const [version, setVersion] = useState(0);
  const [rowError, setRowError] = useState<Record<string, string>>({});
  const busy = uploading || del.busy;
  const upload = async (slot: string, file: File | undefined, input: HTMLInputElement) => {
    if (!file) return;
    const type = audioType(file);
    const fail = (m: string) => setRowError((r) => ({ ...r, [slot]: m }));
    setRowError((r) => ({ ...r, [slot]: '' }));
    if (!type) return fail(t('inbound.prompt.wrongType'));
    if (file.size > MAX_AUDIO) return fail(t('inbound.prompt.tooBig', { mb: MAX_AUDIO_MB }));
    setUploading(slot);
    try {
      const r = await request<{ durationSeconds?: number } | undefined>('PUT', p.path(slot), { raw: file, contentType: type });
      toast(p.uploaded(slot, r));
      setVersion((v) => v + 1);
      p.onChanged();
    } catch (e) {
      fail(errorText(e));
    } finally {
      setUploading('');
      input.value = '';
    }
  };
  const remove = (slot: string) => del.remove(slot, { question: p.confirmDelete(slot), path: p.path(slot), done: p.deleted(slot), after: p.onChanged });
  return (
    <ul className="prompt-audio" data-testid={p.testId}>
      {p.slots.map((slot) => {
        const a = p.recorded(slot);
        const inputId = `${p.idPrefix}-${slot}`;
        return (
          <li key={slot} className="prompt-lang" data-testid={p.slotTestId?.(slot)}>
            <div className="prompt-lang-head">
              <strong>{p.name(slot)}</strong>{' '}
              <span className="muted" data-testid={p.statusTestId?.(slot)}>
                {p.status(slot, a)}
              </span>
            </div>
            {p.help ? <div className="help">{p.help(slot)}</div> : null}
            {a ? <audio controls preload="none" src={url(p.path(slot), { v: `${version}-${a.bytes}` })} aria-label={p.listenLabel(slot)} /> : null}
            {p.writable ? (
              <div className="row">
                <label htmlFor={inputId} className="file-label">
                  {a ? t('inbound.prompt.replace') : t('inbound.prompt.upload')}
                  <span className="sr-only"> ({p.name(slot)})</span>
                </label>
                <input
                  id={inputId}
                  type="file"
                  accept=".wav,.mp3,audio/wav,audio/x-wav,audio/mpeg"
                  data-testid={`${p.uploadTestId}-${slot}`}
                  disabled={!!busy}
                  aria-describedby={`${inputId}-help${rowError[slot] ? ` ${inputId}-err` : ''}`}
                  onChange={(e) => void upload(slot, e.target.files?.[0], e.target)}
                />
                {a ? (
                  <button type="button" className="link danger" disabled={!!busy} onClick={() => void remove(slot)} aria-label={p.deleteLabel(slot)}>
                    {t('list.delete')}
                  </button>
                ) : null}
                {busy === slot ? (
                  <span role="status" className="muted">
                    {t('inbound.prompt.uploading')}
                  </span>
                ) : null}
              </div>
            ) : null}
            {p.writable ? (
              <div className="help" id={`${inputId}-help`}>
                {p.formats}
              </div>
            ) : null}
            {rowError[slot] ? (
              <div className="field-error" id={`${inputId}-err`} role="alert">
                {rowError[slot]}
              </div>
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}
