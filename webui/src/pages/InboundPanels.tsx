// Live parts of the inbound call handling objects, shown on their edit pages above the form:
// a switch's current state, a queue's callers and agents, a prompt's recordings, a lookup's
// table as CSV. Each follows the box (SSE) rather than polling.
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError, errorText, request, url } from '../lib/api.ts';
import { useEvent } from '../lib/events.ts';
import { useI18n } from '../lib/i18n.tsx';
import { requestSchema } from '../lib/schema.ts';
import { useSession } from '../lib/session.tsx';
import { AudioSlots, audioType, type AudioInfo } from '../components/AudioSlots.tsx';
import { useFeedback } from '../components/feedback.tsx';
import { ListTable } from '../components/lists.tsx';
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

/** A live part that could not be fetched: says so in place of its content. */
export function LiveError({ error }: { error: string }) {
  const { t } = useI18n();
  return error ? (
    <p className="field-error" role="alert">
      {t('inbound.liveUnavailable', { message: error })}
    </p>
  ) : null;
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
      <LiveError error={error} />
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
      <LiveError error={error} />
      {status ? (
        <>
          <h3>{t('inbound.queue.callers', { n: status.callers.length })}</h3>
          {status.callers.length ? (
            <ListTable testId="queue-callers" columns={[t('inbound.queue.position'), t('inbound.queue.caller'), t('inbound.queue.waiting')]}>
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
            </ListTable>
          ) : (
            <p className="muted">{t('inbound.queue.noCallers')}</p>
          )}
          <h3>{t('inbound.queue.members', { n: status.members.filter((m) => m.loggedIn).length, of: status.members.length })}</h3>
          {status.members.length ? (
            <ListTable testId="queue-members" columns={[t('field.extension'), t('inbound.queue.state'), t('inbound.queue.callsTaken'), t('inbound.queue.lastCall')]} actions>
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
            </ListTable>
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

export { audioType };

/** A prompt's recordings, one per language: listen, upload (WAV or MP3), delete. */
export function PromptAudio({ prompt, writable, onChange }: { prompt: string; writable: boolean; onChange?(languages: string[]): void }) {
  const { t, has } = useI18n();
  const [languages, setLanguages] = useState<string[]>([]);
  const [audio, setAudio] = useState<(AudioInfo & { language: string })[] | null>(null);
  const [error, setError] = useState('');
  const load = useCallback(() => {
    api.get<{ languages: (AudioInfo & { language: string })[] }>(`/prompts/${enc(prompt)}/audio`).then(
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
  const langName = (l: string) => (has(`enum.${l}`) ? t(`enum.${l}`) : l);
  if (error) return <LiveError error={error} />;
  if (!audio) return <p aria-busy="true">{t('common.loading')}</p>;
  return (
    <AudioSlots
      slots={[...new Set([...languages, ...audio.map((a) => a.language)])]}
      recorded={(lang) => audio.find((x) => x.language === lang)}
      path={(lang) => `/prompts/${enc(prompt)}/audio/${enc(lang)}`}
      writable={writable}
      name={langName}
      onChanged={load}
      testId={`prompt-audio-${prompt}`}
      idPrefix={`prompt-upload-${prompt}`}
      uploadTestId="prompt-upload"
      status={(_lang, a) => (a ? t('inbound.prompt.info', { seconds: secondsText(a.durationSeconds), kb: Math.max(1, Math.round(a.bytes / 1024)) }) : t('inbound.prompt.none'))}
      formats={t('inbound.prompt.formats')}
      listenLabel={(lang) => t('inbound.prompt.listen', { language: langName(lang) })}
      deleteLabel={(lang) => t('inbound.prompt.deleteWhat', { language: langName(lang) })}
      confirmDelete={(lang) => t('inbound.prompt.confirmDelete', { language: langName(lang), name: prompt })}
      deleted={(lang) => t('inbound.prompt.deleted', { language: langName(lang) })}
      uploaded={(lang, r) => t('inbound.prompt.uploaded', { language: langName(lang), seconds: secondsText(r?.durationSeconds as number) })}
    />
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
