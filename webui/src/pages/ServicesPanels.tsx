// Live parts of the user-service objects, shown on their edit pages above the form: an
// extension's state as its phone left it (do not disturb, forward, lock) and its mailbox; a
// shared box's greetings and messages; a music class's files; a conference room's participants.
// Each refetches on what the event stream says happened (a feature code is a call: its hangup
// means the state may have changed) rather than polling.
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { api, ApiError, errorText, request, url } from '../lib/api.ts';
import { useEvent } from '../lib/events.ts';
import { useI18n } from '../lib/i18n.tsx';
import { requestSchema, type JsonSchema } from '../lib/schema.ts';
import { useSession } from '../lib/session.tsx';
import { useFeedback } from '../components/feedback.tsx';
import { SchemaField } from '../components/SchemaForm.tsx';
import { AudioSlots, audioType } from '../components/AudioSlots.tsx';
import { ListTable, useConfirmedDelete } from '../components/lists.tsx';
import type { FieldError } from '../lib/api.ts';
import { destinationText, LiveError, type EditPanelProps } from './InboundPanels.tsx';
import './Inbound.css';
import './Services.css';

type Item = Record<string, unknown>;
const enc = encodeURIComponent;

// ---- helpers shared by the panels and pages of the user services ---------------------------------

/** The list in an answer that is a bare array or an object holding one under one of `keys`. */
export function listOf<T = Item>(r: unknown, ...keys: string[]): T[] {
  if (Array.isArray(r)) return r as T[];
  if (r && typeof r === 'object') for (const k of keys) if (Array.isArray((r as Item)[k])) return (r as Item)[k] as T[];
  return [];
}

/** The first of `keys` that holds a value (the answers name some fields in more than one way). */
export function pick(o: Item, ...keys: string[]): unknown {
  for (const k of keys) if (o[k] !== undefined && o[k] !== null && o[k] !== '') return o[k];
  return undefined;
}

export function secondsText(n: unknown): string {
  const v = Number(n);
  if (!Number.isFinite(v)) return '—';
  const s = Math.max(0, Math.round(v));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** A time as the reader's locale writes it; Unix seconds, milliseconds and ISO strings alike. */
export function whenText(v: unknown): string {
  if (v === undefined || v === null || v === '') return '—';
  const d = new Date(typeof v === 'number' && v < 1e12 ? v * 1000 : /^\d+$/.test(String(v)) && Number(v) < 1e12 ? Number(v) * 1000 : (v as string | number));
  return Number.isNaN(d.getTime()) ? String(v) : d.toLocaleString();
}

export function sizeText(bytes: unknown): string {
  const b = Number(bytes);
  if (!Number.isFinite(b) || b < 0) return '—';
  if (b < 1024 * 1024) return `${Math.max(1, Math.round(b / 1024))} kB`;
  return `${(b / 1024 / 1024).toFixed(1)} MB`;
}

/** A burst of events (a call's legs hanging up) is one refetch. */
function useDebounced(fn: () => void, ms = 400): () => void {
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => () => clearTimeout(timer.current), []);
  return useCallback(() => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => ref.current(), ms);
  }, [ms]);
}

/** A live list: its rows, that there are none, or that they are on their way (an error says so instead). */
function LiveList<T>({ items, error, empty, children }: { items: T[] | null; error: string; empty: string; children(items: T[]): ReactNode }) {
  const { t } = useI18n();
  return (
    <>
      <LiveError error={error} />
      {items ? items.length ? children(items) : <p className="muted">{empty}</p> : !error ? <p aria-busy="true">{t('common.loading')}</p> : null}
    </>
  );
}

/** Does a call event concern this number (an extension that called, rang or answered; a box called)? */
function involves(data: unknown, number: string): boolean {
  const e = data as { extension?: string; extensions?: string[]; called?: { number?: string } } | null;
  return !!e && (e.extension === number || !!e.extensions?.includes(number) || e.called?.number === number);
}

// ---- extensions ---------------------------------------------------------------------------------

/** GET /extensions/{n}/state (src/domain/user-state.ts extensionStateSchema). */
export interface ExtensionState {
  extension?: string;
  dnd: boolean;
  /** A destination; null: not forwarded. */
  forwardAlways?: unknown;
  locked: boolean;
  /** The extension it waits to be called back by; null: none. */
  callback?: unknown;
  lastCaller?: unknown;
  registeredDevices?: string[];
}

/** A caller as the state answers it: a number, or {number, name}. */
function partyText(v: unknown): string {
  if (v === undefined || v === null || v === '') return '';
  if (typeof v === 'object') {
    const p = v as { number?: string; name?: string; target?: string; extension?: string };
    const n = p.number ?? p.target ?? p.extension ?? '';
    return p.name ? `${n} (${p.name})` : n;
  }
  return String(v);
}

/**
 * A JSON merge patch that replaces a destination (a merge would mix the old kind's key into the
 * new one: {extension} + {external} is neither).
 */
export function replaceWith(old: unknown, next: unknown): unknown {
  if (next === null || next === undefined) return null;
  const cleared = old && typeof old === 'object' ? Object.fromEntries(Object.keys(old as Item).map((k) => [k, null])) : {};
  return { ...cleared, ...(next as Item) };
}

let forwardSchema: Promise<JsonSchema | undefined> | null = null;
function alwaysSchema(): Promise<JsonSchema | undefined> {
  forwardSchema ??= requestSchema('/extensions', 'post').then(
    (s) => s?.properties?.forward?.properties?.always,
    () => {
      forwardSchema = null;
      return undefined;
    },
  );
  return forwardSchema;
}

/** An extension's page: its live state, and its own mailbox when it has one. */
export function ExtensionPanel(props: EditPanelProps) {
  const { can } = useSession();
  const vm = props.item.voicemail as { enabled?: boolean } | undefined;
  // Greetings and messages are the user services' (section services), whatever the box.
  return (
    <>
      <ExtensionStatePanel {...props} />
      {vm?.enabled && can('services', 'read') ? <MailboxPanel box={props.objectKey} writable={can('services', 'write')} own /> : null}
    </>
  );
}

/** What the phone's feature codes set: do not disturb, forward always, lock; changeable here too. */
export function ExtensionStatePanel({ objectKey, item, reload }: EditPanelProps) {
  const { t, has } = useI18n();
  const { can } = useSession();
  const { toast } = useFeedback();
  const writable = can('extensions', 'write');
  const [st, setSt] = useState<ExtensionState | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState('');
  const [schema, setSchema] = useState<JsonSchema | undefined>();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState<unknown>(undefined);
  const [fwdErrors, setFwdErrors] = useState<FieldError[]>([]);
  const [fwdError, setFwdError] = useState('');
  const [by, setBy] = useState('');
  const load = useCallback(() => {
    api.get<ExtensionState>(`/extensions/${enc(objectKey)}/state`).then(
      (r) => {
        setSt(r);
        setError('');
      },
      (e) => setError(errorText(e)),
    );
  }, [objectKey]);
  useEffect(load, [load]);
  // A phone's feature code (or another admin) changed it: the event carries the whole new state.
  useEvent(['extension.state', 'open'], (type, data) => {
    if (type === 'open') return load();
    const e = data as { state?: ExtensionState; by?: string } | null;
    if (!e?.state || e.state.extension !== objectKey) return;
    setSt(e.state);
    setBy(e.by ?? '');
  });
  useEffect(() => {
    if (editing && !schema) void alwaysSchema().then(setSchema);
  }, [editing, schema]);

  const patch = async (what: string, body: Item, done: string) => {
    setBusy(what);
    try {
      await api.patch(`/extensions/${enc(objectKey)}`, body);
      toast(done);
      setBy('');
      load();
      // The form below shows the model: it must not save the old value back.
      reload();
      return true;
    } catch (e) {
      if (what === 'forward' && e instanceof ApiError) {
        setFwdErrors(e.fields);
        setFwdError(e.message);
      } else toast(errorText(e), 'error');
      return false;
    } finally {
      setBusy('');
    }
  };
  const lock = async (action: 'lock' | 'unlock') => {
    setBusy(action);
    try {
      const r = await api.post<ExtensionState | undefined>(`/extensions/${enc(objectKey)}/${action}`, {});
      toast(t(`services.state.done_${action}`, { extension: objectKey }));
      setBy('');
      if (r && typeof r === 'object' && 'locked' in r) setSt(r);
      else load();
    } catch (e) {
      toast(errorText(e), 'error');
    } finally {
      setBusy('');
    }
  };
  const modelAlways = (item.forward as { always?: unknown } | undefined)?.always;
  const forward = st?.forwardAlways ?? null;
  const forwardShown = forward && typeof forward === 'object' ? destinationText(t, has, forward) : forward ? String(forward) : '';
  const saveForward = async () => {
    setFwdErrors([]);
    setFwdError('');
    if (await patch('forward', { forward: { always: replaceWith(modelAlways, draft) } }, t('services.state.forwardSet', { extension: objectKey }))) setEditing(false);
  };
  return (
    <section className="live-panel" aria-labelledby="ext-state-title" data-testid="extension-state">
      <div className="live-head">
        <h2 id="ext-state-title">{t('services.state.title')}</h2>
        <button type="button" onClick={load}>
          {t('common.refresh')}
        </button>
      </div>
      <LiveError error={error} />
      {st ? (
        <dl className="state-list">
          <div>
            <dt>{t('field.dnd')}</dt>
            <dd>
              <span className={`badge ${st.dnd ? 'busy' : 'good'}`} data-testid="state-dnd">
                {t(st.dnd ? 'services.state.on' : 'services.state.off')}
              </span>{' '}
              {writable ? (
                <button type="button" aria-pressed={st.dnd} disabled={!!busy} data-testid="toggle-dnd" onClick={() => void patch('dnd', { dnd: !st.dnd }, t(st.dnd ? 'services.state.dndOff' : 'services.state.dndOn', { extension: objectKey }))}>
                  {t(st.dnd ? 'services.state.turnDndOff' : 'services.state.turnDndOn')}
                </button>
              ) : null}
            </dd>
          </div>
          <div>
            <dt>{t('services.state.forwardAlways')}</dt>
            <dd>
              <span data-testid="state-forward">{forwardShown || t('services.state.noForward')}</span>{' '}
              {writable && !editing ? (
                <>
                  <button
                    type="button"
                    disabled={!!busy}
                    onClick={() => {
                      setDraft(modelAlways ?? (forward && typeof forward === 'object' ? forward : undefined));
                      setEditing(true);
                    }}
                  >
                    {t(forwardShown ? 'services.state.changeForward' : 'services.state.setForward')}
                  </button>{' '}
                  {forwardShown ? (
                    <button type="button" disabled={!!busy} onClick={() => void patch('clear', { forward: { always: null } }, t('services.state.forwardCleared', { extension: objectKey }))}>
                      {t('services.state.clearForward')}
                    </button>
                  ) : null}
                </>
              ) : null}
            </dd>
          </div>
          {editing ? (
            <div className="forward-edit">
              {fwdError ? (
                <div className="form-error" role="alert">
                  {fwdError}
                </div>
              ) : null}
              {schema ? (
                <SchemaField name="always" schema={schema} value={draft} onChange={setDraft} path="forward.always" errors={fwdErrors} disabled={!!busy} />
              ) : (
                <p aria-busy="true">{t('common.loading')}</p>
              )}
              <div className="row">
                <button type="button" className="primary" disabled={!!busy || draft === undefined} onClick={() => void saveForward()}>
                  {t('services.state.saveForward')}
                </button>
                <button type="button" disabled={!!busy} onClick={() => setEditing(false)}>
                  {t('common.cancel')}
                </button>
              </div>
            </div>
          ) : null}
          <div>
            <dt>{t('services.state.phone')}</dt>
            <dd>
              <span className={`badge ${st.locked ? 'bad' : 'good'}`} data-testid="state-lock">
                {t(st.locked ? 'services.state.locked' : 'services.state.unlocked')}
              </span>{' '}
              {writable ? (
                <button type="button" disabled={!!busy} data-testid="toggle-lock" onClick={() => void lock(st.locked ? 'unlock' : 'lock')}>
                  {t(st.locked ? 'services.state.unlock' : 'services.state.lock')}
                </button>
              ) : null}
              <div className="help">{t(st.locked ? 'services.state.lockedHelp' : 'services.state.unlockedHelp')}</div>
            </dd>
          </div>
          {partyText(st.callback) ? (
            <div>
              <dt>{t('services.state.callback')}</dt>
              <dd className="mono">{partyText(st.callback)}</dd>
            </div>
          ) : null}
          <div>
            <dt>{t('services.state.lastCaller')}</dt>
            <dd className="mono">{partyText(st.lastCaller) || '—'}</dd>
          </div>
          {st.registeredDevices ? (
            <div>
              <dt>{t('services.state.registered')}</dt>
              <dd className="mono" data-testid="state-registered">
                {st.registeredDevices.length ? st.registeredDevices.join(', ') : t('services.state.noDevice')}
              </dd>
            </div>
          ) : null}
        </dl>
      ) : !error ? (
        <p aria-busy="true">{t('common.loading')}</p>
      ) : null}
      <p className="muted small" role="status" aria-live="polite">
        {by ? t('services.state.changedBy', { by }) : null}
      </p>
      {!writable ? <p className="muted small">{t('inbound.readOnly')}</p> : null}
    </section>
  );
}

// ---- mailboxes: greetings and messages ------------------------------------------------------------

export const GREETINGS = ['unavailable', 'busy', 'name'] as const;

/** A shared box's page: its greetings and messages. */
export function VoicemailBoxPanel({ objectKey }: EditPanelProps) {
  const { can } = useSession();
  return <MailboxPanel box={objectKey} writable={can('services', 'write')} />;
}

/** Greetings (listen, upload, delete) and the messages waiting in a box. */
export function MailboxPanel({ box, writable, own = false }: { box: string; writable: boolean; own?: boolean }) {
  const { t } = useI18n();
  return (
    <section className="live-panel" aria-labelledby={`mailbox-${box}-title`} data-testid="mailbox-panel">
      <h2 id={`mailbox-${box}-title`}>{t(own ? 'services.mailbox.ownTitle' : 'services.mailbox.title')}</h2>
      <h3>{t('services.greeting.title')}</h3>
      <p className="muted small">{t('services.greeting.intro')}</p>
      <Greetings box={box} writable={writable} />
      <Messages box={box} writable={writable} />
    </section>
  );
}

interface GreetingInfo {
  kind: string;
  durationSeconds: number;
  bytes: number;
}

/** The three greetings of a box: listen, upload (WAV or MP3), delete. */
export function Greetings({ box, writable }: { box: string; writable: boolean }) {
  const { t } = useI18n();
  const [have, setHave] = useState<GreetingInfo[] | null>(null);
  const [error, setError] = useState('');
  const kindName = (k: string) => t(`services.greeting.${k}`);
  const base = `/voicemail-boxes/${enc(box)}/greetings`;
  const load = useCallback(() => {
    api.get<unknown>(base).then(
      (r) => {
        setHave(listOf<GreetingInfo>(r, 'items', 'greetings'));
        setError('');
      },
      (e) => setError(errorText(e)),
    );
  }, [base]);
  useEffect(load, [load]);
  if (error) return <LiveError error={error} />;
  if (!have) return <p aria-busy="true">{t('common.loading')}</p>;
  return (
    <AudioSlots
      slots={GREETINGS}
      recorded={(kind) => have.find((x) => x.kind === kind)}
      path={(kind) => `${base}/${kind}`}
      writable={writable}
      name={kindName}
      onChanged={load}
      testId={`greetings-${box}`}
      idPrefix={`greeting-${box}`}
      uploadTestId="greeting-upload"
      slotTestId={(kind) => `greeting-${kind}`}
      statusTestId={(kind) => `greeting-${kind}-status`}
      status={(_kind, g) => (g ? t('services.greeting.recorded', { seconds: secondsText(g.durationSeconds) }) : t('services.greeting.none'))}
      help={(kind) => t(`services.greeting.${kind}Help`)}
      formats={t('services.greeting.formats')}
      listenLabel={(kind) => t('services.greeting.listen', { kind: kindName(kind) })}
      deleteLabel={(kind) => t('services.greeting.deleteWhat', { kind: kindName(kind) })}
      confirmDelete={(kind) => t('services.greeting.confirmDelete', { kind: kindName(kind), box })}
      deleted={(kind) => t('services.greeting.deleted', { kind: kindName(kind) })}
      uploaded={(kind, r) => t('services.greeting.uploaded', { kind: kindName(kind), seconds: secondsText(r?.durationSeconds) })}
    />
  );
}

/** The messages in a box, with the counts the phone's light shows: listen, delete. */
export function Messages({ box, writable }: { box: string; writable: boolean }) {
  const { t } = useI18n();
  const del = useConfirmedDelete();
  const [items, setItems] = useState<Item[] | null>(null);
  const [error, setError] = useState('');
  const [playing, setPlaying] = useState('');
  const base = `/voicemail-boxes/${enc(box)}/messages`;
  const load = useCallback(() => {
    api.get<unknown>(base).then(
      (r) => {
        setItems(listOf(r, 'items', 'messages'));
        setError('');
      },
      (e) => setError(errorText(e)),
    );
  }, [base]);
  useEffect(load, [load]);
  const later = useDebounced(load, 1500);
  // A message is left by a call to the box: after its hangup there may be a new one.
  useEvent(['call.hangup'], (_type, data) => {
    if (involves(data, box)) later();
  });
  const folder = (m: Item) => String(pick(m, 'folder') ?? 'INBOX');
  const isNew = (m: Item) => folder(m) === 'INBOX';
  const fresh = items?.filter(isNew).length ?? 0;
  const from = (m: Item) => partyText(pick(m, 'callerNumber', 'callerId', 'caller', 'from'));
  const remove = (m: Item) => {
    const id = String(m.id);
    return del.remove(id, {
      question: t('services.mailbox.confirmDelete', { from: from(m) || t('inbound.queue.anonymous'), when: whenText(pick(m, 'receivedAt', 'date')) }),
      path: `${base}/${enc(id)}`,
      done: t('services.mailbox.deleted'),
      after: () => {
        if (playing === id) setPlaying('');
        load();
      },
    });
  };
  return (
    <>
      <div className="live-head">
        <h3>{items ? t('services.mailbox.messages', { new: fresh, old: items.length - fresh }) : t('services.mailbox.messagesTitle')}</h3>
        <button type="button" onClick={load}>
          {t('common.refresh')}
        </button>
      </div>
      <LiveList items={items} error={error} empty={t('services.mailbox.noMessages')}>
        {(list) => (
          <ListTable testId="mailbox-messages" columns={[t('services.mailbox.received'), t('services.mailbox.from'), t('services.mailbox.duration'), t('services.mailbox.folder')]} actions>
            {list.map((m, i) => {
              const id = String(pick(m, 'id') ?? i);
              const name = pick(m, 'callerName');
              const what = t('services.mailbox.what', { from: from(m) || t('inbound.queue.anonymous') });
              return (
                <tr key={id} data-testid={`message-${id}`}>
                  <td>{whenText(pick(m, 'receivedAt', 'date'))}</td>
                  <td>
                    <span className="mono">{from(m) || t('inbound.queue.anonymous')}</span>
                    {name ? <span className="muted"> {String(name)}</span> : null}
                  </td>
                  <td className="mono">{secondsText(pick(m, 'durationSeconds', 'duration'))}</td>
                  <td>
                    <span className={`badge ${isNew(m) ? 'busy' : 'good'}`}>{isNew(m) ? t('services.mailbox.new') : folder(m) === 'Old' ? t('services.mailbox.old') : folder(m)}</span>
                  </td>
                  <td className="message-actions">
                    {playing === id ? (
                      <audio controls autoPlay preload="auto" src={url(`${base}/${enc(id)}/audio`)} aria-label={t('services.mailbox.listenWhat', { what })} />
                    ) : (
                      <button type="button" onClick={() => setPlaying(id)} aria-label={t('services.mailbox.listenWhat', { what })}>
                        {t('services.mailbox.listen')}
                      </button>
                    )}{' '}
                    {writable ? (
                      <button type="button" className="link danger" disabled={!!del.busy} onClick={() => void remove(m)} aria-label={t('list.deleteWhat', { what })}>
                        {t('list.delete')}
                      </button>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </ListTable>
        )}
      </LiveList>
    </>
  );
}

// ---- music on hold -----------------------------------------------------------------------------

interface MohFile {
  name: string;
  bytes?: number;
  durationSeconds?: number;
}

/**
 * A file name the box keeps (its identifier rule: a lowercase letter first, then letters, digits,
 * - and _, at most 32), made from the uploaded file's name without its extension.
 */
export function mohFileName(original: string): string {
  const base = original.replace(/\.[^.]*$/, '').toLowerCase();
  const clean = base.replace(/[^a-z0-9_-]+/g, '-').replace(/^[-_]+|[-_]+$/g, '');
  const named = /^[a-z]/.test(clean) ? clean : `file-${clean || Date.now().toString(36)}`;
  return named.slice(0, 32).replace(/[-_]+$/, '');
}

/** A music class's files: listen, upload (several at once, one after the other), delete. */
export function MohFilesPanel({ objectKey }: EditPanelProps) {
  const { t } = useI18n();
  const { can } = useSession();
  const { toast } = useFeedback();
  const { busy, remove: del } = useConfirmedDelete();
  const writable = can('services', 'write');
  const [files, setFiles] = useState<MohFile[] | null>(null);
  const [error, setError] = useState('');
  const [progress, setProgress] = useState<{ n: number; of: number; name: string } | null>(null);
  const [problems, setProblems] = useState<string[]>([]);
  const base = `/moh-classes/${enc(objectKey)}/files`;
  const load = useCallback(() => {
    api.get<unknown>(base).then(
      (r) => {
        setFiles(listOf<MohFile | string>(r, 'files', 'items').map((f) => (typeof f === 'string' ? { name: f } : f)));
        setError('');
      },
      (e) => setError(errorText(e)),
    );
  }, [base]);
  useEffect(load, [load]);
  const upload = async (list: FileList | null, input: HTMLInputElement) => {
    const chosen = [...(list ?? [])];
    if (!chosen.length) return;
    const errs: string[] = [];
    let ok = 0;
    for (const [i, file] of chosen.entries()) {
      setProgress({ n: i + 1, of: chosen.length, name: file.name });
      const type = audioType(file);
      if (!type) {
        errs.push(t('services.moh.refused', { file: file.name, message: t('inbound.prompt.wrongType') }));
        continue;
      }
      try {
        await request('PUT', `${base}/${enc(mohFileName(file.name))}`, { raw: file, contentType: type });
        ok++;
      } catch (e) {
        errs.push(t('services.moh.refused', { file: file.name, message: errorText(e) }));
      }
    }
    setProgress(null);
    setProblems(errs);
    input.value = '';
    if (ok) toast(t('services.moh.uploaded', { n: ok, name: objectKey }));
    load();
  };
  const remove = (name: string) => del(name, { question: t('services.moh.confirmDelete', { file: name, name: objectKey }), path: `${base}/${enc(name)}`, done: t('services.moh.deleted', { file: name }), after: load });
  return (
    <section className="live-panel" aria-labelledby="moh-files-title" data-testid="moh-files">
      <h2 id="moh-files-title">{t('services.moh.title')}</h2>
      <p className="muted small">{t('services.moh.intro')}</p>
      <LiveList items={files} error={error} empty={t('services.moh.empty')}>
        {(list) => (
          <ul className="prompt-audio">
            {list.map((f) => (
              <li key={f.name} className="prompt-lang" data-testid={`moh-file-${f.name}`}>
                <div className="prompt-lang-head">
                  <strong className="mono">{f.name}</strong>{' '}
                  <span className="muted">{[f.durationSeconds !== undefined ? secondsText(f.durationSeconds) : '', f.bytes !== undefined ? sizeText(f.bytes) : ''].filter(Boolean).join(', ')}</span>
                </div>
                <audio controls preload="none" src={url(`${base}/${enc(f.name)}`)} aria-label={t('services.moh.listen', { file: f.name })} />
                {writable ? (
                  <div className="row">
                    <button type="button" className="link danger" disabled={!!busy || !!progress} onClick={() => void remove(f.name)} aria-label={t('services.moh.deleteWhat', { file: f.name })}>
                      {t('list.delete')}
                    </button>
                  </div>
                ) : null}
              </li>
            ))}
          </ul>
        )}
      </LiveList>
      {writable ? (
        <>
          <div className="row">
            <label htmlFor="moh-upload" className="file-label">
              {t('services.moh.upload')}
            </label>
            <input id="moh-upload" type="file" multiple accept=".wav,.mp3,audio/wav,audio/x-wav,audio/mpeg" data-testid="moh-upload" disabled={!!progress} aria-describedby="moh-upload-help" onChange={(e) => void upload(e.target.files, e.target)} />
          </div>
          <div className="help" id="moh-upload-help">
            {t('services.moh.formats')}
          </div>
          {progress ? (
            <p role="status" className="muted">
              <progress max={progress.of} value={progress.n - 1} aria-hidden="true" /> {t('services.moh.uploading', { n: progress.n, of: progress.of, file: progress.name })}
            </p>
          ) : null}
          {problems.length ? (
            <div className="form-error" role="alert" data-testid="moh-problems">
              <ul>
                {problems.map((p, i) => (
                  <li key={i}>{p}</li>
                ))}
              </ul>
            </div>
          ) : null}
        </>
      ) : null}
    </section>
  );
}

// ---- conference rooms ---------------------------------------------------------------------------

interface Participant {
  channel: string;
  number: string;
  name: string;
  admin: boolean;
  muted: boolean;
  since: unknown;
}

function participant(p: Item): Participant {
  return {
    channel: String(pick(p, 'channel', 'id') ?? ''),
    number: String(pick(p, 'callerNumber', 'callerIdNum', 'number', 'callerId') ?? ''),
    name: String(pick(p, 'callerName', 'callerIdName', 'name') ?? ''),
    admin: pick(p, 'admin', 'moderator', 'isAdmin') === true,
    muted: pick(p, 'muted') === true,
    since: pick(p, 'joinedAt', 'since', 'answeredAt'),
  };
}

/** Who is in a room, live: mute, unmute, kick, and lock the room (services write). */
export function ConferencePanel({ objectKey }: EditPanelProps) {
  const { t } = useI18n();
  const { can } = useSession();
  const { toast, confirm } = useFeedback();
  const writable = can('services', 'write');
  const [people, setPeople] = useState<Participant[] | null>(null);
  const [locked, setLocked] = useState<boolean | null>(null);
  // A room runs only while someone is in it; only a running room can be locked.
  const [active, setActive] = useState(false);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState('');
  const base = `/conferences/${enc(objectKey)}`;
  const load = useCallback(() => {
    Promise.all([api.get<unknown>(`${base}/participants`), api.get<Item>(`${base}/status`).catch(() => null)]).then(
      ([list, status]) => {
        setPeople(listOf<Item>(list, 'items', 'participants').map(participant));
        if (status && typeof status.locked === 'boolean') setLocked(status.locked);
        if (status) setActive(status.active === true || Number(status.count) > 0);
        setError('');
      },
      (e) => setError(errorText(e)),
    );
  }, [base]);
  useEffect(load, [load]);
  const later = useDebounced(load, 500);
  // Joining is a call answered by the room, leaving its hangup.
  useEvent(['call.answered', 'call.hangup', 'open'], () => later());
  // Without call events (a role that may not read calls) the list is fetched now and then.
  const calls = can('calls', 'read');
  useEffect(() => {
    if (calls) return;
    const i = setInterval(load, 10_000);
    return () => clearInterval(i);
  }, [calls, load]);
  const act = async (p: Participant, action: 'mute' | 'unmute' | 'kick') => {
    const who = p.name ? `${p.number} (${p.name})` : p.number || p.channel;
    if (action === 'kick' && !(await confirm(t('services.conference.confirmKick', { who, name: objectKey }), { danger: true, confirmLabel: t('services.conference.kick') }))) return;
    setBusy(`${p.channel}:${action}`);
    try {
      // The answer is who is in the room after it.
      const r = await api.post<unknown>(`${base}/participants/${enc(p.channel)}/${action}`, {});
      toast(t(`services.conference.done_${action}`, { who }));
      const after = listOf<Item>(r, 'items', 'participants');
      if (r && typeof r === 'object' && Array.isArray((r as Item).items)) setPeople(after.map(participant));
      else if (action === 'kick') setPeople((l) => l?.filter((x) => x.channel !== p.channel) ?? l);
      else setPeople((l) => l?.map((x) => (x.channel === p.channel ? { ...x, muted: action === 'mute' } : x)) ?? l);
    } catch (e) {
      toast(errorText(e), 'error');
    } finally {
      setBusy('');
    }
  };
  const lock = async (action: 'lock' | 'unlock') => {
    setBusy(action);
    try {
      const r = await api.post<Item | undefined>(`${base}/${action}`, {});
      setLocked(r && typeof r.locked === 'boolean' ? r.locked : action === 'lock');
      toast(t(`services.conference.done_${action}`, { name: objectKey }));
    } catch (e) {
      toast(errorText(e), 'error');
    } finally {
      setBusy('');
    }
  };
  return (
    <section className="live-panel" aria-labelledby="conf-live-title" data-testid="conference-live">
      <div className="live-head">
        <h2 id="conf-live-title">{t('services.conference.title')}</h2>
        {locked !== null ? (
          <span className={`badge ${locked ? 'bad' : 'good'}`} data-testid="conference-locked">
            {t(locked ? 'services.conference.locked' : 'services.conference.open')}
          </span>
        ) : null}
        {writable && locked !== null && (active || locked) ? (
          <button type="button" disabled={!!busy} data-testid="conference-lock" onClick={() => void lock(locked ? 'unlock' : 'lock')}>
            {t(locked ? 'services.conference.unlock' : 'services.conference.lock')}
          </button>
        ) : null}
        <button type="button" onClick={load}>
          {t('common.refresh')}
        </button>
      </div>
      <LiveList items={people} error={error} empty={t('services.conference.empty')}>
        {(list) => (
          <ListTable testId="conference-participants" caption={t('services.conference.count', { n: list.length })} columns={[t('services.conference.who'), t('services.conference.role'), t('services.conference.since')]} actions>
            {list.map((p) => {
              const who = p.name ? `${p.number} (${p.name})` : p.number || p.channel;
              return (
                <tr key={p.channel} data-testid={`participant-${p.number || p.channel}`}>
                  <td>
                    <span className="mono">{p.number || t('inbound.queue.anonymous')}</span>
                    {p.name ? <span className="muted"> {p.name}</span> : null}
                  </td>
                  <td>
                    {p.admin ? <span className="badge good">{t('services.conference.moderator')}</span> : null}{' '}
                    {p.muted ? <span className="badge busy">{t('services.conference.muted')}</span> : null}
                  </td>
                  <td>{whenText(p.since)}</td>
                  <td className="nowrap">
                    {writable ? (
                      <>
                        <button type="button" disabled={!!busy} onClick={() => void act(p, p.muted ? 'unmute' : 'mute')} aria-label={t(p.muted ? 'services.conference.unmuteWhat' : 'services.conference.muteWhat', { who })}>
                          {t(p.muted ? 'services.conference.unmute' : 'services.conference.mute')}
                        </button>{' '}
                        <button type="button" className="link danger" disabled={!!busy} onClick={() => void act(p, 'kick')} aria-label={t('services.conference.kickWhat', { who })}>
                          {t('services.conference.kick')}
                        </button>
                      </>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </ListTable>
        )}
      </LiveList>
    </section>
  );
}
