// Pages of the user services that are not lists of objects: the feature codes (every code the
// phones know, grouped, with what it does), the SMTP relay with its test mail, parking and
// recording storage, and the call recordings (privacy admin only).
import { useEffect, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { api, errorText, url, type ListResult } from '../lib/api.ts';
import { useI18n } from '../lib/i18n.tsx';
import { Link } from '../lib/router.tsx';
import { requestSchema, type JsonSchema } from '../lib/schema.ts';
import { useSession } from '../lib/session.tsx';
import { reportSaved, useFeedback, type WriteApply } from '../components/feedback.tsx';
import { FormErrors, ObjectForm, useFormSubmit } from '../components/ObjectForm.tsx';
import { ListTable, Pager, useConfirmedDelete } from '../components/lists.tsx';
import { SchemaField, fieldId, humanize } from '../components/SchemaForm.tsx';
import { pick, secondsText, sizeText, whenText } from './ServicesPanels.tsx';
import './Services.css';

type Item = Record<string, unknown>;
type Saved = { item?: Item; apply?: WriteApply } & Item;

// ---- feature codes ------------------------------------------------------------------------------

/** Dialled codes by what they are for; a code the GUI does not know yet lands in "other". */
export const CODE_GROUPS: { id: string; codes: string[] }[] = [
  { id: 'dnd', codes: ['dndOn', 'dndOff', 'dndToggle'] },
  { id: 'forward', codes: ['forwardSet', 'forwardClear'] },
  { id: 'voicemail', codes: ['voicemail', 'voicemailAny'] },
  { id: 'pickup', codes: ['groupPickup', 'directedPickup', 'intercom'] },
  { id: 'calls', codes: ['callReturn', 'callback', 'callbackCancel', 'echoTest'] },
  { id: 'lock', codes: ['lock', 'unlock'] },
  { id: 'agents', codes: ['agentLogin', 'agentLogout', 'agentPause'] },
];
/** Codes followed by a number (the model's PREFIX_CODES). */
export const PREFIX_CODES = ['forwardSet', 'directedPickup', 'intercom'];

/** Codes typed during a call: their pattern accepts # first, which dialled codes never do. */
export function isInCall(s: JsonSchema): boolean {
  try {
    return !!s.pattern && new RegExp(s.pattern).test('##');
  } catch {
    return false;
  }
}

/** The codes of the schema, grouped: [group id, code names], in the order shown. */
export function groupCodes(schema: JsonSchema): [string, string[]][] {
  const props = schema.properties ?? {};
  const names = Object.keys(props);
  const inCall = names.filter((n) => isInCall(props[n]!));
  const dialled = names.filter((n) => !inCall.includes(n));
  const known = new Set(CODE_GROUPS.flatMap((g) => g.codes));
  const groups: [string, string[]][] = CODE_GROUPS.map((g) => [g.id, g.codes.filter((c) => dialled.includes(c))]);
  groups.push(['other', dialled.filter((c) => !known.has(c))]);
  groups.push(['inCall', inCall]);
  return groups.filter(([, codes]) => codes.length > 0);
}

export function FeatureCodes() {
  const { t, has } = useI18n();
  const { can } = useSession();
  const { toast } = useFeedback();
  const writable = can('system', 'write');
  const [schema, setSchema] = useState<JsonSchema | null>(null);
  const [codes, setCodes] = useState<Record<string, string> | null>(null);
  const [saved, setSaved] = useState<Record<string, string> | null>(null);
  // An error names a code (or a part of it): its input is the row's.
  const codeOf = (path: string) => path.split('.')[0]!;
  const { errors, formError, setFormError, busy, run } = useFormSubmit((path) => fieldId(`code.${codeOf(path)}`));
  useEffect(() => {
    Promise.all([requestSchema('/feature-codes', 'put'), api.get<Record<string, string>>('/feature-codes')]).then(
      ([s, c]) => {
        setSchema(s ?? { type: 'object', properties: Object.fromEntries(Object.keys(c).map((k) => [k, { type: 'string' }])) });
        setCodes(c);
        setSaved(c);
      },
      (e) => setFormError(errorText(e)),
    );
  }, []);
  const groups = useMemo(() => (schema ? groupCodes(schema) : []), [schema]);
  const label = (c: string) => (has(`services.code.${c}.name`) ? t(`services.code.${c}.name`) : humanize(c));
  const help = (c: string) => (has(`services.code.${c}.help`) ? t(`services.code.${c}.help`) : (schema?.properties?.[c]?.description ?? ''));
  const dirty = !!codes && !!saved && Object.keys(codes).some((k) => codes[k] !== saved[k]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!codes) return;
    await run(async () => {
      const r = await api.put<Saved>('/feature-codes', codes);
      const next = (r.item ?? r) as Record<string, string>;
      setCodes(next);
      setSaved(next);
      reportSaved(toast, t, t('nav.feature-codes'), r.apply);
    });
  };
  const defaults = () => {
    if (!schema) return;
    setCodes((c) => ({ ...c, ...Object.fromEntries(Object.entries(schema.properties ?? {}).filter(([, s]) => typeof s.default === 'string').map(([k, s]) => [k, s.default as string])) }));
  };
  return (
    <section className="page" aria-labelledby="page-title" data-testid="feature-codes">
      <h1 id="page-title">{t('nav.feature-codes')}</h1>
      <p className="muted">{t('services.codes.intro')}</p>
      <p className="muted small">
        {t('services.codes.switches')} <Link to="/switches">{t('nav.switches')}</Link>
      </p>
      <FormErrors message={formError} errors={errors} idOf={(path) => fieldId(`code.${codeOf(path)}`)} labelOf={(path) => label(codeOf(path))} />
      {schema && codes ? (
        <form onSubmit={submit} noValidate>
          {groups.map(([g, names]) => (
            <fieldset key={g} className="group code-group" data-testid={`codes-${g}`}>
              <legend>{t(`services.codes.group.${g}`)}</legend>
              {g === 'inCall' ? <p className="help">{t('services.codes.inCallHelp')}</p> : null}
              <ListTable className="list codes" columns={[t('services.codes.feature'), t('services.codes.code'), t('services.codes.what')]}>
                {names.map((c) => {
                  const id = fieldId(`code.${c}`);
                  const own = errors.filter((e) => e.path === c || e.path.startsWith(`${c}.`)).map((e) => e.message);
                  return (
                    <tr key={c} data-testid={`code-${c}`}>
                      <th scope="row">
                        <label htmlFor={id}>{label(c)}</label>
                      </th>
                      <td className="nowrap">
                        <input
                          id={id}
                          className="mono code-input"
                          value={codes[c] ?? ''}
                          disabled={!writable || busy}
                          inputMode="tel"
                          autoComplete="off"
                          spellCheck={false}
                          aria-invalid={own.length ? true : undefined}
                          aria-describedby={`${id}-help${own.length ? ` ${id}-err` : ''}`}
                          onChange={(e) => setCodes({ ...codes, [c]: e.target.value.trim() })}
                        />
                        {PREFIX_CODES.includes(c) ? <span className="muted"> {t('services.codes.thenNumber')}</span> : null}
                        {own.length ? (
                          <div className="field-error" id={`${id}-err`} role="alert">
                            {own.join('; ')}
                          </div>
                        ) : null}
                      </td>
                      <td className="help" id={`${id}-help`}>
                        {help(c)}
                        {PREFIX_CODES.includes(c) ? <span className="mono"> {t('services.codes.example', { code: `${codes[c] ?? ''}201` })}</span> : null}
                      </td>
                    </tr>
                  );
                })}
              </ListTable>
            </fieldset>
          ))}
          <SaveActions writable={writable} busy={busy} dirty={dirty}>
            <button type="button" disabled={busy} onClick={defaults}>
              {t('services.codes.defaults')}
            </button>
          </SaveActions>
        </form>
      ) : !formError ? (
        <p aria-busy="true">{t('common.loading')}</p>
      ) : null}
    </section>
  );
}

/** Save, what else the form offers, whether there are unsaved changes; a role that may not write is told so. */
function SaveActions({ writable, busy, dirty, children }: { writable: boolean; busy: boolean; dirty: boolean; children?: ReactNode }) {
  const { t } = useI18n();
  if (!writable) return <p className="muted small">{t('inbound.readOnly')}</p>;
  return (
    <div className="form-actions">
      <button type="submit" className="primary" disabled={busy} aria-busy={busy}>
        {busy ? t('common.saving') : t('form.save')}
      </button>
      {children}
      {dirty ? (
        <span className="muted" role="status">
          {t('services.unsaved')}
        </span>
      ) : null}
    </div>
  );
}

// ---- mail ---------------------------------------------------------------------------------------

/** What the API answers instead of a stored password; sent back, it keeps the stored one. */
export const SECRET_MASK = '****************';
const MAIL_FIELDS = ['host', 'port', 'security', 'username'] as const;
const SENDER_FIELDS = ['from', 'fromName'] as const;

/** The SMTP relay: where the box's mail (voicemail) goes out, and a test message. */
export function MailSettings() {
  const { t } = useI18n();
  const { can } = useSession();
  const { toast } = useFeedback();
  const writable = can('system', 'write');
  const [schema, setSchema] = useState<JsonSchema | null>(null);
  const [value, setValue] = useState<Item | null>(null);
  const [saved, setSaved] = useState<Item | null>(null);
  const { errors, formError, setFormError, busy, run } = useFormSubmit();
  useEffect(() => {
    Promise.all([requestSchema('/mail', 'put'), api.get<Item>('/mail')]).then(
      ([s, m]) => {
        setSchema(s ?? { type: 'object', properties: {} });
        setValue(m);
        setSaved(m);
      },
      (e) => setFormError(errorText(e)),
    );
  }, []);
  const dirty = JSON.stringify(value) !== JSON.stringify(saved);
  const set = (k: string, v: unknown) =>
    setValue((cur) => {
      const next = { ...cur };
      if (v === undefined || v === '') delete next[k];
      else next[k] = v;
      return next;
    });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!value) return;
    await run(async () => {
      const r = await api.put<Saved>('/mail', value);
      const next = (r.item ?? r) as Item;
      setValue(next);
      setSaved(next);
      reportSaved(toast, t, t('nav.mail'), r.apply);
    });
  };
  const props = schema?.properties ?? {};
  const field = (k: string) =>
    props[k] ? <SchemaField key={k} name={k} schema={props[k]} value={value?.[k]} onChange={(v) => set(k, v)} errors={errors} disabled={!writable || busy} /> : null;
  const pw = (value?.password as string | undefined) ?? '';
  const pwErrors = errors.filter((f) => f.path === 'password').map((f) => f.message);
  return (
    <section className="page mail-page" aria-labelledby="page-title" data-testid="mail-settings">
      <h1 id="page-title">{t('nav.mail')}</h1>
      <p className="muted">{t('services.mail.intro')}</p>
      <FormErrors message={formError} errors={errors} />
      {schema && value ? (
        <>
          <form onSubmit={submit} noValidate className="object-form">
            <fieldset className="group">
              <legend>{t('services.mail.relay')}</legend>
              {MAIL_FIELDS.map(field)}
              <div className="field">
                <label htmlFor={fieldId('password')}>{t('field.password')}</label>
                <input
                  id={fieldId('password')}
                  type="password"
                  autoComplete="new-password"
                  data-testid="mail-password"
                  value={pw}
                  disabled={!writable || busy}
                  aria-invalid={pwErrors.length ? true : undefined}
                  aria-describedby={`${fieldId('password')}-help${pwErrors.length ? ` ${fieldId('password')}-err` : ''}`}
                  onFocus={(e) => pw === SECRET_MASK && e.currentTarget.select()}
                  onChange={(e) => set('password', e.target.value)}
                />
                <div className="help" id={`${fieldId('password')}-help`} data-testid="mail-password-help">
                  {pw === SECRET_MASK ? t('services.mail.passwordStored') : t('services.mail.passwordHelp')}
                </div>
                {pwErrors.length ? (
                  <div className="field-error" id={`${fieldId('password')}-err`} role="alert">
                    {pwErrors.join('; ')}
                  </div>
                ) : null}
              </div>
            </fieldset>
            <fieldset className="group">
              <legend>{t('services.mail.sender')}</legend>
              {SENDER_FIELDS.map(field)}
            </fieldset>
            <SaveActions writable={writable} busy={busy} dirty={dirty} />
          </form>
          {writable ? <MailTest disabledReason={!saved?.host ? t('services.mail.noHost') : dirty ? t('services.mail.saveFirst') : ''} /> : null}
        </>
      ) : !formError ? (
        <p aria-busy="true">{t('common.loading')}</p>
      ) : null}
    </section>
  );
}

/** Sends a message through the saved relay; says what went wrong in the relay's own words. */
function MailTest({ disabledReason }: { disabledReason: string }) {
  const { t } = useI18n();
  const { toast } = useFeedback();
  const [to, setTo] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const send = async (e: FormEvent) => {
    e.preventDefault();
    setResult(null);
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(to)) return setResult({ ok: false, text: t('services.mail.badAddress') });
    setBusy(true);
    try {
      await api.post('/mail/test', { to });
      const text = t('services.mail.sent', { to });
      setResult({ ok: true, text });
      toast(text);
    } catch (err) {
      setResult({ ok: false, text: t('services.mail.failed', { message: errorText(err) }) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="mail-test group" onSubmit={send} noValidate aria-labelledby="mail-test-title" data-testid="mail-test">
      <h2 id="mail-test-title">{t('services.mail.testTitle')}</h2>
      <div className="field">
        <label htmlFor="mail-test-to">{t('services.mail.testTo')}</label>
        <div className="row">
          <input id="mail-test-to" type="email" autoComplete="email" value={to} disabled={busy} aria-describedby="mail-test-help" onChange={(e) => setTo(e.target.value.trim())} />
          <button type="submit" disabled={busy || !!disabledReason} aria-busy={busy} data-testid="mail-test-send">
            {busy ? t('services.mail.sending') : t('services.mail.send')}
          </button>
        </div>
        <div className="help" id="mail-test-help">
          {disabledReason || t('services.mail.testHelp')}
        </div>
      </div>
      <div role="status" aria-live="polite">
        {result?.ok ? <p className="ok-text">{result.text}</p> : null}
      </div>
      {result && !result.ok ? (
        <p className="field-error" role="alert" data-testid="mail-test-error">
          {result.text}
        </p>
      ) : null}
    </form>
  );
}

// ---- parking and recording storage --------------------------------------------------------------

export function ServiceSettings() {
  const { t } = useI18n();
  const { can } = useSession();
  const { toast } = useFeedback();
  const [value, setValue] = useState<Item>();
  const [error, setError] = useState('');
  useEffect(() => {
    api.get<Item>('/services').then(setValue, (e) => setError(errorText(e)));
  }, []);
  return (
    <section className="page" aria-labelledby="page-title" data-testid="service-settings">
      <h1 id="page-title">{t('nav.service-settings')}</h1>
      <p className="muted">{t('intro.service-settings')}</p>
      {error ? (
        <div className="form-error" role="alert">
          {error}
        </div>
      ) : null}
      {value ? (
        <ObjectForm
          schemaPath="/services"
          schemaMethod="put"
          initial={value}
          disabled={!can('system', 'write')}
          submitLabel={t('form.save')}
          onSubmit={async (v) => {
            const r = await api.put<Saved>('/services', v);
            setValue((r.item ?? r) as Item);
            reportSaved(toast, t, t('nav.service-settings'), r.apply);
          }}
        />
      ) : null}
    </section>
  );
}

// ---- call recordings ----------------------------------------------------------------------------

/** A row of GET /recordings (src/domain/recordings.ts), as the page shows it. */
export interface Recording {
  id: string;
  caller: string;
  called: string;
  direction: string;
  start: unknown;
  seconds: unknown;
  bytes: unknown;
  /** Still being recorded: not yet playable. */
  recording: boolean;
  mode: string;
}

function party(v: unknown): string {
  if (v && typeof v === 'object') {
    const p = v as { number?: string; name?: string };
    return p.name ? `${p.number ?? ''} (${p.name})` : (p.number ?? '');
  }
  return v === undefined || v === null ? '' : String(v);
}

export function recording(r: Item): Recording {
  const ms = pick(r, 'durationMs');
  return {
    id: String(pick(r, 'id') ?? ''),
    caller: party(pick(r, 'caller')),
    called: party(pick(r, 'callee', 'called')),
    direction: String(pick(r, 'direction') ?? ''),
    start: pick(r, 'startedAt'),
    seconds: ms !== undefined ? Number(ms) / 1000 : pick(r, 'durationSeconds'),
    bytes: pick(r, 'size', 'bytes'),
    recording: r.state === 'recording',
    mode: String(pick(r, 'mode') ?? ''),
  };
}

const PAGE = 50;
/** The API's directions (src/domain/recordings.ts RECORDING_DIRECTIONS). */
const DIRECTIONS = ['in', 'out', 'internal'];
/** What the API's number filter takes: a whole number, matched exactly. */
const NUMBER_FILTER = /^[0-9*#+]{1,32}$/;

/** Call recordings: find by number, date and direction; listen, download, delete. */
export function Recordings() {
  const { t } = useI18n();
  const { can } = useSession();
  const { remove: del } = useConfirmedDelete();
  const writable = can('recordings', 'write');
  const [filters, setFilters] = useState({ number: '', direction: '', from: '', to: '' });
  const [filterError, setFilterError] = useState('');
  const [applied, setApplied] = useState(filters);
  const [offset, setOffset] = useState(0);
  const [data, setData] = useState<ListResult | null>(null);
  const [error, setError] = useState('');
  const [playing, setPlaying] = useState('');
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    // Dates are whole days in the reader's time zone, sent as instants.
    const from = applied.from ? new Date(`${applied.from}T00:00:00`).toISOString() : undefined;
    const to = applied.to ? new Date(new Date(`${applied.to}T00:00:00`).getTime() + 86_400_000).toISOString() : undefined;
    api
      .get<{ items: Item[]; total: number }>('/recordings', { number: applied.number, direction: applied.direction, from, to, offset, limit: PAGE })
      .then((d) => {
        if (!live) return;
        setData({ items: d.items ?? [], total: d.total ?? 0, limit: PAGE, offset });
        setError('');
      })
      .catch((e) => live && setError(errorText(e)));
    return () => {
      live = false;
    };
  }, [applied, offset, round]);
  const search = (e: FormEvent) => {
    e.preventDefault();
    const number = filters.number.replace(/[\s().\/-]/g, '');
    if (number && !NUMBER_FILTER.test(number)) return setFilterError(t('services.recordings.badNumber'));
    setFilterError('');
    setOffset(0);
    setApplied({ ...filters, number });
  };
  const remove = (r: Recording) =>
    del(r.id, {
      question: t('services.recordings.confirmDelete', { caller: r.caller || '—', called: r.called || '—', when: whenText(r.start) }),
      path: `/recordings/${encodeURIComponent(r.id)}`,
      done: t('services.recordings.deleted'),
      after: () => {
        if (playing === r.id) setPlaying('');
        setRound((n) => n + 1);
      },
    });
  const rows = (data?.items ?? []).map(recording);
  const total = data?.total ?? 0;
  return (
    <section className="page" aria-labelledby="page-title" data-testid="recordings">
      <h1 id="page-title">{t('nav.recordings')}</h1>
      <p className="muted">{t('intro.recordings')}</p>
      <form className="toolbar recordings-filters" onSubmit={search} role="search" aria-label={t('services.recordings.filters')}>
        <div className="field">
          <label htmlFor="rec-number">{t('services.recordings.number')}</label>
          <input
            id="rec-number"
            type="search"
            inputMode="tel"
            value={filters.number}
            aria-invalid={filterError ? true : undefined}
            aria-describedby={filterError ? 'rec-number-err' : 'rec-number-help'}
            onChange={(e) => setFilters({ ...filters, number: e.target.value })}
          />
        </div>
        <div className="field">
          <label htmlFor="rec-direction">{t('services.recordings.direction')}</label>
          <select id="rec-direction" value={filters.direction} onChange={(e) => setFilters({ ...filters, direction: e.target.value })}>
            <option value="">{t('services.recordings.anyDirection')}</option>
            {DIRECTIONS.map((d) => (
              <option key={d} value={d}>
                {t(`services.recordings.dir.${d}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="rec-from">{t('services.recordings.from')}</label>
          <input id="rec-from" type="date" value={filters.from} onChange={(e) => setFilters({ ...filters, from: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor="rec-to">{t('services.recordings.to')}</label>
          <input id="rec-to" type="date" value={filters.to} onChange={(e) => setFilters({ ...filters, to: e.target.value })} />
        </div>
        <button type="submit" className="primary">
          {t('services.recordings.search')}
        </button>
        <span className="muted" role="status">
          {data ? t('list.count', { n: total }) : t('common.loading')}
        </span>
      </form>
      {filterError ? (
        <p className="field-error" id="rec-number-err" role="alert">
          {filterError}
        </p>
      ) : (
        <p className="help" id="rec-number-help">
          {t('services.recordings.numberHelp')}
        </p>
      )}
      {error ? (
        <div className="form-error" role="alert">
          {error}
        </div>
      ) : null}
      <ListTable
        testId="recordings-list"
        columns={[t('services.recordings.start'), t('services.recordings.direction'), t('services.recordings.caller'), t('services.recordings.called'), t('services.recordings.duration'), t('services.recordings.size')]}
        actions
        rows={data ? rows : null}
        empty={t('services.recordings.none')}
      >
        {rows.map((r) => (
          <RecordingRow key={r.id} r={r} playing={playing === r.id} onPlay={() => setPlaying(playing === r.id ? '' : r.id)} onDelete={writable ? () => void remove(r) : undefined} />
        ))}
      </ListTable>
      {total > PAGE ? <Pager offset={offset} limit={PAGE} total={total} onOffset={setOffset} /> : null}
    </section>
  );
}

function RecordingRow({ r, playing, onPlay, onDelete }: { r: Recording; playing: boolean; onPlay(): void; onDelete?: () => void }) {
  const { t, has } = useI18n();
  const audio = url(`/recordings/${encodeURIComponent(r.id)}/audio`);
  const what = t('services.recordings.what', { caller: r.caller || '—', called: r.called || '—' });
  return (
    <>
      <tr data-testid={`recording-${r.id}`}>
        <td className="nowrap">{whenText(r.start)}</td>
        <td>{has(`services.recordings.dir.${r.direction}`) ? t(`services.recordings.dir.${r.direction}`) : r.direction}</td>
        <td className="mono">{r.caller || '—'}</td>
        <td className="mono">{r.called || '—'}</td>
        <td className="mono">
          {r.recording ? <span className="badge busy">{t('services.recordings.inProgress')}</span> : secondsText(r.seconds)}
          {r.mode === 'onDemand' ? <span className="muted small"> {t('services.recordings.onDemand')}</span> : null}
        </td>
        <td>{r.recording ? '—' : sizeText(r.bytes)}</td>
        <td className="nowrap">
          {r.recording ? null : (
            <>
              <button type="button" aria-expanded={playing} aria-label={t(playing ? 'services.recordings.closeWhat' : 'services.recordings.listenWhat', { what })} onClick={onPlay}>
                {t(playing ? 'services.recordings.close' : 'services.recordings.listen')}
              </button>{' '}
              <a className="button" href={audio} download aria-label={t('services.recordings.downloadWhat', { what })}>
                {t('services.recordings.download')}
              </a>{' '}
            </>
          )}
          {onDelete && !r.recording ? (
            <button type="button" className="link danger" onClick={onDelete} aria-label={t('list.deleteWhat', { what })}>
              {t('list.delete')}
            </button>
          ) : null}
        </td>
      </tr>
      {playing ? (
        <tr className="player-row">
          <td colSpan={7}>
            <audio controls autoPlay preload="auto" src={audio} aria-label={t('services.recordings.listenWhat', { what })} data-testid="recording-player" />
          </td>
        </tr>
      ) : null}
    </>
  );
}
