// Live parts of the inbound call handling objects, shown on their edit pages above the form:
// a switch's current state, a queue's callers and agents, a prompt's recordings, a lookup's
// table as CSV. Each follows the box (SSE) rather than polling.
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError, errorText, request, url } from '../lib/api.ts';
import { useEvent } from '../lib/events.ts';
import { useI18n } from '../lib/i18n.tsx';
import { requestSchema } from '../lib/schema.ts';
import { useSession } from '../lib/session.tsx';
import { useFeedback } from '../components/feedback.tsx';
import './Inbound.css';

type Item = Record<string, unknown>;
const enc = encodeURIComponent;

/** What an edit page passes to the panel of its collection. */
export interface EditPanelProps {
  objectKey: string;
  item: Item;
  /** Loads the object again (after the panel changed it behind the form's back). */
  reload(): void;
}

/** A destination in words: "IVR menu main", "Hang up". */
export function destinationText(t: (k: string) => string, has: (k: string) => boolean, d: unknown): string {
  if (!d || typeof d !== 'object') return t('form.none');
  const [k, v] = Object.entries(d as Item).find(([key]) => key !== 'after') ?? [];
  if (!k) return t('form.none');
  const kind = has(`kind.${k}`) ? t(`kind.${k}`) : k;
  return v === true ? kind : `${kind} ${String(v)}`;
}

/** A prompt reference in words: "built-in prompt beep", "recording welcome". */
export function promptText(t: (k: string) => string, p: unknown): string {
  if (!p || typeof p !== 'object') return t('form.none');
  const r = p as { builtin?: string; custom?: string };
  return r.custom ? `${t('kind.custom')} ${r.custom}` : `${t('kind.builtin')} ${r.builtin ?? ''}`;
}

let langs: Promise<string[]> | null = null;
/** Languages a prompt can be recorded in: those of the model (the IVR's language choice). */
export function promptLanguages(): Promise<string[]> {
  langs ??= requestSchema('/ivrs', 'post').then(
    (s) => ((s?.properties?.language?.enum as string[] | undefined) ?? ['en', 'it']).map(String),
    () => {
      langs = null;
      return ['en', 'it'];
    },
  );
  return langs;
}

function secondsText(n: number): string {
  const s = Math.max(0, Math.round(n));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

// ---- switches ----------------------------------------------------------------------------------

interface SwitchState {
  switch: string;
  state: string;
  states: string[];
}

/** The state a switch is in, changeable by whoever may write switches; follows changes made by phones. */
export function SwitchStatePanel({ objectKey, item }: EditPanelProps) {
  const { t, has } = useI18n();
  const { can } = useSession();
  const { toast } = useFeedback();
  const [st, setSt] = useState<SwitchState | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [by, setBy] = useState('');
  const writable = can('switches', 'write');
  const load = useCallback(() => {
    api.get<SwitchState>(`/switches/${enc(objectKey)}/state`).then(
      (r) => {
        setSt(r);
        setError('');
      },
      (e) => setError(errorText(e)),
    );
  }, [objectKey]);
  useEffect(load, [load]);
  useEvent(['switch.changed', 'open'], (type, data) => {
    if (type === 'open') return load();
    const e = data as { switch?: string; state?: string; by?: string } | null;
    if (e?.switch !== objectKey || !e.state) return;
    setSt((s) => (s ? { ...s, state: e.state! } : s));
    setBy(e.by ?? '');
  });
  const change = async (state: string) => {
    const before = st;
    setBusy(true);
    setSt((s) => (s ? { ...s, state } : s));
    try {
      const r = await api.put<SwitchState>(`/switches/${enc(objectKey)}/state`, { state });
      setSt(r);
      setBy('');
      toast(t('inbound.switch.changed', { name: objectKey, state: r.state }));
    } catch (e) {
      setSt(before);
      toast(errorText(e), 'error');
    } finally {
      setBusy(false);
    }
  };
  const states = (item.states as { name: string; destination: unknown }[] | undefined) ?? [];
  const current = states.find((s) => s.name === st?.state);
  return (
    <section className="live-panel" aria-labelledby="switch-state-title" data-testid="switch-panel">
      <h2 id="switch-state-title">{t('inbound.switch.title')}</h2>
      {error ? (
        <p className="field-error" role="alert">
          {t('inbound.liveUnavailable', { message: error })}
        </p>
      ) : null}
      {st ? (
        <>
          <div className="field">
            <label htmlFor="switch-state">{t('inbound.switch.state')}</label>
            <select id="switch-state" data-testid="switch-state" value={st.state} disabled={!writable || busy} aria-describedby="switch-state-help" onChange={(e) => void change(e.target.value)}>
              {st.states.map((s, i) => (
                <option key={s} value={s}>
                  {i === 0 ? t('inbound.switch.normal', { state: s }) : s}
                </option>
              ))}
            </select>
            <div className="help" id="switch-state-help" role="status" aria-live="polite">
              {current ? t('inbound.switch.goesTo', { destination: destinationText(t, has, current.destination) }) : null}
              {by ? ` ${t('inbound.switch.by', { by })}` : null}
            </div>
          </div>
          {!writable ? <p className="muted small">{t('inbound.readOnly')}</p> : null}
        </>
      ) : !error ? (
        <p aria-busy="true">{t('common.loading')}</p>
      ) : null}
    </section>
  );
}

// ---- queues ------------------------------------------------------------------------------------

interface QueueStatus {
  queue: string;
  callers: { position: number; callerNumber?: string; callerName?: string; waitSeconds: number }[];
  members: { extension: string; name?: string; dynamic: boolean; loggedIn: boolean; paused: boolean; inCall: boolean; callsTaken: number; lastCallAt?: string | number | null }[];
}
const QUEUE_EVENTS = ['queue.caller.joined', 'queue.caller.left', 'queue.member.changed', 'queue.agent.connected'];

/** Who is waiting and who answers, live; agents logged in, out, paused from here (groups write). */
export function QueueStatusPanel({ objectKey }: EditPanelProps) {
  const { t } = useI18n();
  const { can } = useSession();
  const { toast } = useFeedback();
  const [status, setStatus] = useState<QueueStatus | null>(null);
  const [fetchedAt, setFetchedAt] = useState(0);
  const [now, setNow] = useState(Date.now());
  const [error, setError] = useState('');
  const [busy, setBusy] = useState('');
  const writable = can('groups', 'write');
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const load = useCallback(() => {
    api.get<QueueStatus>(`/queues/${enc(objectKey)}/status`).then(
      (r) => {
        setStatus(r);
        setFetchedAt(Date.now());
        setError('');
      },
      (e) => setError(errorText(e)),
    );
  }, [objectKey]);
  useEffect(() => {
    load();
    return () => clearTimeout(timer.current);
  }, [load]);
  // Waiting times move on between events.
  useEffect(() => {
    const i = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(i);
  }, []);
  useEvent([...QUEUE_EVENTS, 'open'], (type, data) => {
    const q = (data as { queue?: string } | null)?.queue;
    if (type !== 'open' && q !== undefined && q !== objectKey) return;
    // A burst of events (a caller answered: left + connected + member changed) is one refetch.
    clearTimeout(timer.current);
    timer.current = setTimeout(load, 200);
  });
  const act = async (ext: string, action: 'login' | 'logout' | 'pause' | 'unpause') => {
    setBusy(`${ext}:${action}`);
    try {
      // The answer is the queue's new status.
      const r = await api.post<QueueStatus | undefined>(`/queues/${enc(objectKey)}/members/${enc(ext)}/${action}`, {});
      toast(t(`inbound.queue.done_${action}`, { extension: ext }));
      if (r && Array.isArray(r.members)) {
        setStatus(r);
        setFetchedAt(Date.now());
      } else load();
    } catch (e) {
      toast(errorText(e), 'error');
    } finally {
      setBusy('');
    }
  };
  const elapsed = fetchedAt ? (now - fetchedAt) / 1000 : 0;
  const when = (v: unknown) => {
    if (v === undefined || v === null || v === '') return '—';
    const d = new Date(typeof v === 'number' && v < 1e12 ? v * 1000 : (v as string | number));
    return Number.isNaN(d.getTime()) ? String(v) : d.toLocaleString();
  };
  return (
    <section className="live-panel" aria-labelledby="queue-status-title" data-testid="queue-status">
      <div className="live-head">
        <h2 id="queue-status-title">{t('inbound.queue.title')}</h2>
        <button type="button" onClick={load}>
          {t('common.refresh')}
        </button>
      </div>
      {error ? (
        <p className="field-error" role="alert">
          {t('inbound.liveUnavailable', { message: error })}
        </p>
      ) : null}
      {status ? (
        <>
          <h3>{t('inbound.queue.callers', { n: status.callers.length })}</h3>
          {status.callers.length ? (
            <div className="table-wrap">
              <table className="list" data-testid="queue-callers">
                <thead>
                  <tr>
                    <th scope="col">{t('inbound.queue.position')}</th>
                    <th scope="col">{t('inbound.queue.caller')}</th>
                    <th scope="col">{t('inbound.queue.waiting')}</th>
                  </tr>
                </thead>
                <tbody>
                  {status.callers.map((c) => (
                    <tr key={`${c.position}-${c.callerNumber ?? ''}`}>
                      <td>{c.position}</td>
                      <td>
                        <span className="mono">{c.callerNumber || t('inbound.queue.anonymous')}</span>
                        {c.callerName ? <span className="muted"> {c.callerName}</span> : null}
                      </td>
                      <td className="mono">{secondsText(c.waitSeconds + elapsed)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <p className="muted">{t('inbound.queue.noCallers')}</p>
          )}
          <h3>{t('inbound.queue.members', { n: status.members.filter((m) => m.loggedIn).length, of: status.members.length })}</h3>
          {status.members.length ? (
            <div className="table-wrap">
              <table className="list" data-testid="queue-members">
                <thead>
                  <tr>
                    <th scope="col">{t('field.extension')}</th>
                    <th scope="col">{t('inbound.queue.state')}</th>
                    <th scope="col">{t('inbound.queue.callsTaken')}</th>
                    <th scope="col">{t('inbound.queue.lastCall')}</th>
                    <th scope="col">
                      <span className="sr-only">{t('list.actions')}</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {status.members.map((m) => (
                    <tr key={m.extension} data-testid={`queue-member-${m.extension}`}>
                      <td>
                        <span className="mono">{m.extension}</span> {m.name ? <span>{m.name}</span> : null}{' '}
                        <span className="muted small">({t(m.dynamic ? 'inbound.queue.dynamic' : 'inbound.queue.static')})</span>
                      </td>
                      <td>
                        <span className={`badge ${!m.loggedIn ? 'bad' : m.paused ? 'busy' : 'good'}`}>
                          {t(!m.loggedIn ? 'inbound.queue.loggedOut' : m.paused ? 'inbound.queue.paused' : 'inbound.queue.loggedIn')}
                        </span>{' '}
                        {m.inCall ? <span className="badge busy">{t('inbound.queue.inCall')}</span> : null}
                      </td>
                      <td>{m.callsTaken}</td>
                      <td>{when(m.lastCallAt)}</td>
                      <td className="nowrap">
                        {writable ? (
                          <>
                            {m.dynamic ? (
                              <button type="button" disabled={!!busy} onClick={() => void act(m.extension, m.loggedIn ? 'logout' : 'login')} aria-label={t(m.loggedIn ? 'inbound.queue.logoutWhat' : 'inbound.queue.loginWhat', { extension: m.extension })}>
                                {t(m.loggedIn ? 'inbound.queue.logout' : 'inbound.queue.login')}
                              </button>
                            ) : null}{' '}
                            {m.loggedIn ? (
                              <button type="button" disabled={!!busy} onClick={() => void act(m.extension, m.paused ? 'unpause' : 'pause')} aria-label={t(m.paused ? 'inbound.queue.unpauseWhat' : 'inbound.queue.pauseWhat', { extension: m.extension })}>
                                {t(m.paused ? 'inbound.queue.unpause' : 'inbound.queue.pause')}
                              </button>
                            ) : null}
                          </>
                        ) : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <p className="muted">{t('inbound.queue.noMembers')}</p>
          )}
        </>
      ) : !error ? (
        <p aria-busy="true">{t('common.loading')}</p>
      ) : null}
    </section>
  );
}

// ---- prompts -----------------------------------------------------------------------------------

const MAX_AUDIO = 20 * 1024 * 1024;
interface AudioInfo {
  language: string;
  durationSeconds: number;
  bytes: number;
}

/** The content type of an audio file the box accepts (WAV, MP3), or null. */
export function audioType(file: { name: string; type: string }): string | null {
  if (/^audio\/(wav|x-wav|wave|vnd\.wave)$/.test(file.type) || /\.wav$/i.test(file.name)) return 'audio/wav';
  if (/^audio\/(mpeg|mp3)$/.test(file.type) || /\.mp3$/i.test(file.name)) return 'audio/mpeg';
  return null;
}

/** A prompt's recordings, one per language: listen, upload (WAV or MP3), delete. */
export function PromptAudio({ prompt, writable, onChange }: { prompt: string; writable: boolean; onChange?(languages: string[]): void }) {
  const { t, has } = useI18n();
  const { toast, confirm } = useFeedback();
  const [languages, setLanguages] = useState<string[]>([]);
  const [audio, setAudio] = useState<AudioInfo[] | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState('');
  const [version, setVersion] = useState(0);
  const [rowError, setRowError] = useState<Record<string, string>>({});
  const load = useCallback(() => {
    api.get<{ languages: AudioInfo[] }>(`/prompts/${enc(prompt)}/audio`).then(
      (r) => {
        setAudio(r.languages);
        setError('');
        onChange?.(r.languages.map((l) => l.language));
      },
      (e) => {
        // A prompt without any recording may answer 404 rather than an empty list.
        if (e instanceof ApiError && e.status === 404) setAudio([]);
        else setError(errorText(e));
      },
    );
  }, [prompt]);
  useEffect(load, [load]);
  useEffect(() => {
    void promptLanguages().then(setLanguages);
  }, []);
  const upload = async (lang: string, file: File | undefined, input: HTMLInputElement) => {
    if (!file) return;
    const type = audioType(file);
    const fail = (m: string) => setRowError((r) => ({ ...r, [lang]: m }));
    setRowError((r) => ({ ...r, [lang]: '' }));
    if (!type) return fail(t('inbound.prompt.wrongType'));
    if (file.size > MAX_AUDIO) return fail(t('inbound.prompt.tooBig', { mb: 20 }));
    setBusy(lang);
    try {
      const r = await request<AudioInfo & { prompt: string }>('PUT', `/prompts/${enc(prompt)}/audio/${enc(lang)}`, { raw: file, contentType: type });
      toast(t('inbound.prompt.uploaded', { language: langName(lang), seconds: secondsText(r.durationSeconds) }));
      setVersion((v) => v + 1);
      load();
    } catch (e) {
      fail(errorText(e));
    } finally {
      setBusy('');
      input.value = '';
    }
  };
  const remove = async (lang: string) => {
    if (!(await confirm(t('inbound.prompt.confirmDelete', { language: langName(lang), name: prompt }), { danger: true, confirmLabel: t('list.delete') }))) return;
    setBusy(lang);
    try {
      await api.del(`/prompts/${enc(prompt)}/audio/${enc(lang)}`);
      toast(t('inbound.prompt.deleted', { language: langName(lang) }));
      load();
    } catch (e) {
      toast(errorText(e), 'error');
    } finally {
      setBusy('');
    }
  };
  const langName = (l: string) => (has(`enum.${l}`) ? t(`enum.${l}`) : l);
  const all = [...new Set([...languages, ...(audio ?? []).map((a) => a.language)])];
  if (error)
    return (
      <p className="field-error" role="alert">
        {t('inbound.liveUnavailable', { message: error })}
      </p>
    );
  if (!audio) return <p aria-busy="true">{t('common.loading')}</p>;
  return (
    <ul className="prompt-audio" data-testid={`prompt-audio-${prompt}`}>
      {all.map((lang) => {
        const a = audio.find((x) => x.language === lang);
        const inputId = `prompt-upload-${prompt}-${lang}`;
        return (
          <li key={lang} className="prompt-lang">
            <div className="prompt-lang-head">
              <strong>{langName(lang)}</strong>{' '}
              {a ? (
                <span className="muted">{t('inbound.prompt.info', { seconds: secondsText(a.durationSeconds), kb: Math.max(1, Math.round(a.bytes / 1024)) })}</span>
              ) : (
                <span className="muted">{t('inbound.prompt.none')}</span>
              )}
            </div>
            {a ? <audio controls preload="none" src={url(`/prompts/${enc(prompt)}/audio/${enc(lang)}`, { v: `${version}-${a.bytes}` })} aria-label={t('inbound.prompt.listen', { language: langName(lang) })} /> : null}
            {writable ? (
              <div className="row">
                <label htmlFor={inputId} className="file-label">
                  {a ? t('inbound.prompt.replace') : t('inbound.prompt.upload')}
                  <span className="sr-only"> ({langName(lang)})</span>
                </label>
                <input
                  id={inputId}
                  type="file"
                  accept=".wav,.mp3,audio/wav,audio/x-wav,audio/mpeg"
                  data-testid={`prompt-upload-${lang}`}
                  disabled={!!busy}
                  aria-describedby={`${inputId}-help${rowError[lang] ? ` ${inputId}-err` : ''}`}
                  onChange={(e) => void upload(lang, e.target.files?.[0], e.target)}
                />
                {a ? (
                  <button type="button" className="link danger" disabled={!!busy} onClick={() => void remove(lang)} aria-label={t('inbound.prompt.deleteWhat', { language: langName(lang) })}>
                    {t('list.delete')}
                  </button>
                ) : null}
                {busy === lang ? (
                  <span role="status" className="muted">
                    {t('inbound.prompt.uploading')}
                  </span>
                ) : null}
              </div>
            ) : null}
            {writable ? (
              <div className="help" id={`${inputId}-help`}>
                {t('inbound.prompt.formats')}
              </div>
            ) : null}
            {rowError[lang] ? (
              <div className="field-error" id={`${inputId}-err`} role="alert">
                {rowError[lang]}
              </div>
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}

export function PromptAudioPanel({ objectKey }: EditPanelProps) {
  const { t } = useI18n();
  const { can } = useSession();
  return (
    <section className="live-panel" aria-labelledby="prompt-audio-title">
      <h2 id="prompt-audio-title">{t('inbound.prompt.title')}</h2>
      <p className="muted small">{t('inbound.prompt.intro')}</p>
      <PromptAudio prompt={objectKey} writable={can('ivr', 'write')} />
    </section>
  );
}

// ---- lookups -----------------------------------------------------------------------------------

/** Rows of a key,route CSV (a header line key,route is not counted). */
export function csvRows(text: string): number {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l, i) => l && !(i === 0 && /^key\s*,\s*route$/i.test(l))).length;
}

/** A lookup's table in and out as CSV: thousands of rows are a file, not a form. */
export function LookupTablePanel({ objectKey, item, reload }: EditPanelProps) {
  const { t } = useI18n();
  const { can } = useSession();
  const { toast, confirm } = useFeedback();
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const source = item.source as { table?: unknown[] } | undefined;
  if (!source || !Array.isArray(source.table)) return null;
  const writable = can('ivr', 'write');
  const importFile = async (file: File | undefined, input: HTMLInputElement) => {
    if (!file) return;
    setError('');
    try {
      const text = await file.text();
      const n = csvRows(text);
      if (!(await confirm(t('inbound.lookup.confirmImport', { n, name: objectKey, file: file.name }), { confirmLabel: t('inbound.lookup.import') }))) return;
      setBusy(true);
      await request('PUT', `/lookups/${enc(objectKey)}/table`, { raw: text, contentType: 'text/csv' });
      toast(t('inbound.lookup.imported', { n, name: objectKey }));
      reload();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
      input.value = '';
    }
  };
  return (
    <section className="live-panel" aria-labelledby="lookup-table-title" data-testid="lookup-table">
      <h2 id="lookup-table-title">{t('inbound.lookup.title')}</h2>
      <p className="muted small">{t('inbound.lookup.intro', { n: source.table.length })}</p>
      <div className="row">
        <a className="button" href={url(`/lookups/${enc(objectKey)}/table`)} download={`${objectKey}.csv`} data-testid="lookup-export">
          {t('inbound.lookup.export')}
        </a>
        {writable ? (
          <>
            <label htmlFor="lookup-import" className="file-label">
              {t('inbound.lookup.importLabel')}
            </label>
            <input id="lookup-import" type="file" accept=".csv,text/csv,text/plain" data-testid="lookup-import" disabled={busy} aria-describedby="lookup-import-help" onChange={(e) => void importFile(e.target.files?.[0], e.target)} />
            {busy ? (
              <span role="status" className="muted">
                {t('inbound.lookup.importing')}
              </span>
            ) : null}
          </>
        ) : null}
      </div>
      {writable ? (
        <div className="help" id="lookup-import-help">
          {t('inbound.lookup.format')}
        </div>
      ) : null}
      {error ? (
        <div className="form-error" role="alert">
          {error}
        </div>
      ) : null}
    </section>
  );
}
