// Settings pages of issue 9: data retention with the scheduled CDR reports (and running either
// now), the LDAP directory with the shared contacts' import and export, a user's own contacts,
// and the SNMP agent. The forms are laid out by hand (labels and help in this area's strings, both
// languages); the API validates and its field errors land next to the field their path names.
import { useEffect, useRef, useState, type ChangeEvent, type FormEvent, type ReactNode } from 'react';
import { api, ApiError, errorText, request, url, type FieldError } from '../lib/api.ts';
import { useI18n } from '../lib/i18n.tsx';
import { useSession } from '../lib/session.tsx';
import { reportSaved, useFeedback, type WriteApply } from '../components/feedback.tsx';
import { FormErrors, useFormSubmit } from '../components/ObjectForm.tsx';
import { ListTable } from '../components/lists.tsx';
import { ImportErrorTable, importErrors, type ImportRowError } from './Phones.tsx';
import { whenText } from './ServicesPanels.tsx';
import './Cdr.css';

type Item = Record<string, unknown>;
type Saved<T> = { item?: T; apply?: WriteApply } & Partial<T>;
/** What the API answers in place of a stored secret (the directory password, SNMP v3 keys). */
export const SECRET_MASK = '****************';
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

// ---- form kit ------------------------------------------------------------------------------------

/** The element id of the input for an API path ("reports[1].recipients" → "c-reports-1-recipients"). */
export function inputId(path: string): string {
  return 'c-' + path.replace(/\[(\d+)\]/g, '-$1').replace(/[^A-Za-z0-9_-]+/g, '-');
}

/** The API's messages for `path` (and, with `prefix`, for what is inside it: a list's lines). */
export function messagesAt(errors: FieldError[], path: string, prefix = false): string {
  return errors
    .filter((e) => e.path === path || (prefix && (e.path.startsWith(path + '[') || e.path.startsWith(path + '.'))))
    .map((e) => e.message)
    .join('; ');
}

interface FieldProps {
  path: string;
  label: string;
  help?: string;
  errors: FieldError[];
  prefix?: boolean;
  children(attrs: { id: string; 'aria-invalid'?: boolean; 'aria-describedby'?: string }): ReactNode;
}

function Field({ path, label, help, errors, prefix, children }: FieldProps) {
  const id = inputId(path);
  const error = messagesAt(errors, path, prefix);
  const describedBy = [help ? `${id}-help` : '', error ? `${id}-err` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy })}
      {help ? (
        <div className="help" id={`${id}-help`}>
          {help}
        </div>
      ) : null}
      {error ? (
        <div className="field-error" id={`${id}-err`} role="alert">
          {error}
        </div>
      ) : null}
    </div>
  );
}

function Check({ path, label, help, checked, onChange, disabled, errors }: { path: string; label: string; help?: string; checked: boolean; onChange(v: boolean): void; disabled?: boolean; errors: FieldError[] }) {
  const id = inputId(path);
  const error = messagesAt(errors, path);
  return (
    <div className="field check-field">
      <label className="check" htmlFor={id}>
        <input id={id} type="checkbox" checked={checked} disabled={disabled} onChange={(e) => onChange(e.target.checked)} aria-describedby={help ? `${id}-help` : undefined} />
        {label}
      </label>
      {help ? (
        <div className="help" id={`${id}-help`}>
          {help}
        </div>
      ) : null}
      {error ? (
        <div className="field-error" role="alert">
          {error}
        </div>
      ) : null}
    </div>
  );
}

/** Lines of a textarea as a list (empty lines dropped). */
export function linesOf(text: string): string[] {
  return text
    .split(/\r?\n|,/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** A list of strings edited one per line; the text is kept as typed until it leaves the field. */
function LinesInput({ value, onChange, ...attrs }: { value: string[]; onChange(v: string[]): void; id: string; disabled?: boolean; 'aria-invalid'?: boolean; 'aria-describedby'?: string }) {
  const [text, setText] = useState(value.join('\n'));
  const last = useRef(value);
  useEffect(() => {
    if (JSON.stringify(value) !== JSON.stringify(last.current)) setText(value.join('\n'));
    last.current = value;
  }, [value]);
  return (
    <textarea
      {...attrs}
      rows={Math.min(8, Math.max(2, value.length + 1))}
      spellCheck={false}
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        const v = linesOf(e.target.value);
        last.current = v;
        onChange(v);
      }}
    />
  );
}

/** A stored secret: the mask stands for "unchanged"; focusing selects it so typing replaces it. */
function SecretField({ value, onChange, show, ...attrs }: { value: string; onChange(v: string): void; show: boolean; id: string; disabled?: boolean; 'aria-invalid'?: boolean; 'aria-describedby'?: string }) {
  return <input {...attrs} type={show ? 'text' : 'password'} autoComplete="new-password" spellCheck={false} className="mono" value={value} onFocus={(e) => value === SECRET_MASK && e.currentTarget.select()} onChange={(e) => onChange(e.target.value)} />;
}

/** A list of objects edited in place: each item a box with its own fields and a remove button. */
function Items<T>({ label, help, items, onChange, blank, itemLabel, addLabel, disabled, testId, children }: { label: string; help?: string; items: T[]; onChange(v: T[]): void; blank(): T; itemLabel(i: number, item: T): string; addLabel: string; disabled?: boolean; testId: string; children(item: T, i: number, set: (v: T) => void): ReactNode }) {
  const { t } = useI18n();
  return (
    <fieldset className="group" data-testid={testId}>
      <legend>{label}</legend>
      {help ? <p className="help">{help}</p> : null}
      {items.length ? (
        <ol className="cdr-items">
          {items.map((it, i) => (
            <li key={i} className="cdr-item" role="group" aria-label={itemLabel(i, it)}>
              <div className="cdr-item-head">
                <span>{itemLabel(i, it)}</span>
                {disabled ? null : (
                  <button type="button" className="link danger" onClick={() => onChange(items.filter((_, j) => j !== i))} aria-label={t('form.removeWhat', { what: itemLabel(i, it) })}>
                    {t('form.remove')}
                  </button>
                )}
              </div>
              {children(it, i, (v) => onChange(items.map((x, j) => (j === i ? v : x))))}
            </li>
          ))}
        </ol>
      ) : (
        <p className="muted">{t('cdr.form.noneYet')}</p>
      )}
      {disabled ? null : (
        <button type="button" onClick={() => onChange([...items, blank()])} data-testid={`${testId}-add`}>
          {addLabel}
        </button>
      )}
    </fieldset>
  );
}

/** A singleton settings resource: load, edit a draft, PUT it whole, report what the API said. */
function useSettings<T extends object>(path: string, title: string) {
  const { t } = useI18n();
  const { toast } = useFeedback();
  const [value, setValue] = useState<T | null>(null);
  const [saved, setSaved] = useState<T | null>(null);
  const form = useFormSubmit(inputId);
  useEffect(() => {
    api.get<T>(path).then(
      (v) => {
        setValue(v);
        setSaved(v);
      },
      (e) => form.setFormError(errorText(e)),
    );
  }, [path]);
  const save = async (body: T) => {
    await form.run(async () => {
      const r = await api.put<Saved<T>>(path, body);
      const next = (r.item ?? r) as T;
      setValue(next);
      setSaved(next);
      reportSaved(toast, t, title, r.apply);
    });
  };
  const dirty = JSON.stringify(value) !== JSON.stringify(saved);
  return { value, setValue, saved, dirty, save, ...form };
}

function SaveBar({ busy, dirty, testId }: { busy: boolean; dirty: boolean; testId: string }) {
  const { t } = useI18n();
  return (
    <div className="form-actions">
      <button type="submit" className="primary" disabled={busy} aria-busy={busy || undefined} data-testid={testId}>
        {busy ? t('common.saving') : t('form.save')}
      </button>
      {dirty ? <span className="muted small">{t('cdr.form.unsaved')}</span> : null}
    </div>
  );
}

const int = (s: string): number | string => (s.trim() === '' ? '' : /^-?\d+$/.test(s.trim()) ? Number(s) : s);

// ---- retention and reports -------------------------------------------------------------------------

export interface CdrReport {
  name: string;
  enabled: boolean;
  schedule: 'daily' | 'weekly' | 'monthly';
  format: 'csv' | 'xlsx';
  recipients: string[];
  direction?: 'in' | 'out' | 'internal';
  extension?: string;
  trunk?: string;
  queue?: string;
}
export interface CdrSettings {
  retention: { cdrDays: number; recordingDays: number; voicemailDays: number };
  reports: CdrReport[];
}
interface RetentionStatus {
  lastRun?: { at: string; cdrDeleted: number; recordingsDeleted: number; voicemailDeleted: number; heldSkipped: number; errors?: string[] } | null;
  nextRun?: string | null;
  running?: boolean;
}

/** Optional report fields: empty means absent (not an empty string the API would refuse). */
export function cleanReport(r: CdrReport): CdrReport {
  const out = { ...r } as Record<string, unknown>;
  for (const k of ['direction', 'extension', 'trunk', 'queue']) if (out[k] === '' || out[k] === undefined) delete out[k];
  return out as unknown as CdrReport;
}

export function Retention() {
  const { t } = useI18n();
  const { can } = useSession();
  const { toast, confirm } = useFeedback();
  const writable = can('cdr', 'write');
  const s = useSettings<CdrSettings>('/cdr/settings', t('cdr.retention.title'));
  const [status, setStatus] = useState<RetentionStatus | null>(null);
  const [running, setRunning] = useState(false);
  const [sending, setSending] = useState('');
  const [runResult, setRunResult] = useState('');
  const loadStatus = () => api.get<RetentionStatus>('/cdr/retention').then(setStatus, () => setStatus(null));
  useEffect(() => void loadStatus(), []);
  const v = s.value;
  const disabled = !writable || s.busy;
  const setRet = (k: keyof CdrSettings['retention'], x: string) => s.setValue((cur) => (cur ? { ...cur, retention: { ...cur.retention, [k]: int(x) as number } } : cur));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (v) void s.save({ ...v, reports: v.reports.map(cleanReport) });
  };
  const runNow = async () => {
    if (!(await confirm(t('cdr.retention.confirmRun'), { confirmLabel: t('cdr.retention.runNow'), danger: true }))) return;
    setRunning(true);
    setRunResult('');
    try {
      const r = await api.post<Item>('/cdr/retention/run');
      const run = ((r?.run ?? r?.lastRun ?? r) ?? {}) as Item;
      const text = t('cdr.retention.ran', { cdr: Number(run.cdrDeleted ?? 0), recordings: Number(run.recordingsDeleted ?? 0), voicemail: Number(run.voicemailDeleted ?? 0), held: Number(run.heldSkipped ?? 0) });
      setRunResult(text);
      const errs = Array.isArray(run.errors) ? (run.errors as string[]) : [];
      toast(errs.length ? `${text} ${t('cdr.retention.ranErrors', { errors: errs.join('; ') })}` : text, errs.length ? 'error' : 'ok');
      void loadStatus();
    } catch (e) {
      toast(t('cdr.retention.runFailed', { message: errorText(e) }), 'error');
    } finally {
      setRunning(false);
    }
  };
  const send = async (name: string) => {
    setSending(name);
    try {
      const r = await api.post<Item>(`/cdr/reports/${encodeURIComponent(name)}/send`);
      const rows = Number(r?.rows ?? 0);
      const to = Array.isArray(r?.accepted) && (r.accepted as string[]).length ? (r.accepted as string[]) : Array.isArray(r?.recipients) ? (r.recipients as string[]) : [];
      toast(t('cdr.reports.sent', { name, rows, to: to.join(', ') || '—' }));
    } catch (e) {
      toast(t('cdr.reports.sendFailed', { name, message: errorText(e) }), 'error');
    } finally {
      setSending('');
    }
  };
  const savedNames = new Set((s.saved?.reports ?? []).map((r) => r.name));
  const last = status?.lastRun;
  return (
    <section className="page" aria-labelledby="page-title" data-testid="retention-page">
      <h1 id="page-title">{t('cdr.retention.title')}</h1>
      <p className="muted">{t('cdr.retention.intro')}</p>
      <FormErrors message={s.formError} errors={s.errors} idOf={inputId} />
      {v ? (
        <form onSubmit={submit} noValidate className="cdr-form">
          <fieldset className="group">
            <legend>{t('cdr.retention.periods')}</legend>
            <p className="help">{t('cdr.retention.periodsHelp')}</p>
            {(['cdrDays', 'recordingDays', 'voicemailDays'] as const).map((k) => (
              <Field key={k} path={`retention.${k}`} label={t(`cdr.retention.${k}`)} help={t(`cdr.retention.${k}Help`)} errors={s.errors}>
                {(a) => <input {...a} type="number" min={0} max={3650} inputMode="numeric" disabled={disabled} value={String(v.retention?.[k] ?? '')} onChange={(e) => setRet(k, e.target.value)} data-testid={`retention-${k}`} />}
              </Field>
            ))}
          </fieldset>
          <Items<CdrReport>
            label={t('cdr.reports.title')}
            help={t('cdr.reports.help')}
            items={v.reports ?? []}
            onChange={(reports) => s.setValue({ ...v, reports })}
            blank={() => ({ name: '', enabled: true, schedule: 'daily', format: 'csv', recipients: [] })}
            itemLabel={(i, r) => (r.name ? t('cdr.reports.itemNamed', { name: r.name }) : t('cdr.reports.item', { n: i + 1 }))}
            addLabel={t('cdr.reports.add')}
            disabled={disabled}
            testId="reports"
          >
            {(r, i, set) => {
              const p = `reports[${i}]`;
              return (
                <>
                  <div className="field-row">
                    <Field path={`${p}.name`} label={t('cdr.reports.name')} help={t('cdr.reports.nameHelp')} errors={s.errors}>
                      {(a) => <input {...a} type="text" autoComplete="off" spellCheck={false} disabled={disabled} value={r.name} onChange={(e) => set({ ...r, name: e.target.value })} />}
                    </Field>
                    <Field path={`${p}.schedule`} label={t('cdr.reports.schedule')} errors={s.errors}>
                      {(a) => (
                        <select {...a} disabled={disabled} value={r.schedule} onChange={(e) => set({ ...r, schedule: e.target.value as CdrReport['schedule'] })}>
                          {(['daily', 'weekly', 'monthly'] as const).map((o) => (
                            <option key={o} value={o}>
                              {t(`cdr.reports.scheduleOpt.${o}`)}
                            </option>
                          ))}
                        </select>
                      )}
                    </Field>
                    <Field path={`${p}.format`} label={t('cdr.reports.format')} errors={s.errors}>
                      {(a) => (
                        <select {...a} disabled={disabled} value={r.format} onChange={(e) => set({ ...r, format: e.target.value as CdrReport['format'] })}>
                          <option value="csv">CSV</option>
                          <option value="xlsx">XLSX (Excel)</option>
                        </select>
                      )}
                    </Field>
                  </div>
                  <Field path={`${p}.recipients`} label={t('cdr.reports.recipients')} help={t('cdr.reports.recipientsHelp')} errors={s.errors} prefix>
                    {(a) => <LinesInput {...a} disabled={disabled} value={r.recipients ?? []} onChange={(recipients) => set({ ...r, recipients })} />}
                  </Field>
                  <div className="field-row">
                    <Field path={`${p}.direction`} label={t('cdr.filter.direction')} errors={s.errors}>
                      {(a) => (
                        <select {...a} disabled={disabled} value={r.direction ?? ''} onChange={(e) => set({ ...r, direction: (e.target.value || undefined) as CdrReport['direction'] })}>
                          <option value="">{t('cdr.filter.any')}</option>
                          {(['in', 'out', 'internal'] as const).map((o) => (
                            <option key={o} value={o}>
                              {t(`cdr.direction.${o}`)}
                            </option>
                          ))}
                        </select>
                      )}
                    </Field>
                    {(['extension', 'trunk', 'queue'] as const).map((k) => (
                      <Field key={k} path={`${p}.${k}`} label={t(`cdr.filter.${k}`)} errors={s.errors}>
                        {(a) => <input {...a} type="text" autoComplete="off" spellCheck={false} disabled={disabled} value={r[k] ?? ''} placeholder={t('cdr.filter.any')} onChange={(e) => set({ ...r, [k]: e.target.value || undefined })} />}
                      </Field>
                    ))}
                  </div>
                  <Check path={`${p}.enabled`} label={t('cdr.reports.enabled')} checked={r.enabled !== false} onChange={(enabled) => set({ ...r, enabled })} disabled={disabled} errors={s.errors} />
                  {writable ? (
                    <div className="cdr-run">
                      <button type="button" disabled={!r.name || !savedNames.has(r.name) || s.dirty || sending === r.name} aria-busy={sending === r.name || undefined} onClick={() => void send(r.name)} data-testid={`report-send-${i}`}>
                        {sending === r.name ? t('cdr.reports.sending') : t('cdr.reports.sendNow')}
                      </button>
                      {!savedNames.has(r.name) || s.dirty ? <span className="muted small">{t('cdr.reports.saveFirst')}</span> : <span className="muted small">{t('cdr.reports.sendHelp')}</span>}
                    </div>
                  ) : null}
                </>
              );
            }}
          </Items>
          {writable ? <SaveBar busy={s.busy} dirty={s.dirty} testId="retention-save" /> : null}
        </form>
      ) : !s.formError ? (
        <p aria-busy="true">{t('common.loading')}</p>
      ) : null}
      <section className="privacy-panel" aria-labelledby="run-title" data-testid="retention-run">
        <h2 id="run-title">{t('cdr.retention.runTitle')}</h2>
        <p className="help">{t('cdr.retention.runHelp')}</p>
        {status ? (
          <p className="small" data-testid="retention-status">
            {last ? t('cdr.retention.lastRun', { when: whenText(last.at), cdr: last.cdrDeleted, recordings: last.recordingsDeleted, voicemail: last.voicemailDeleted, held: last.heldSkipped }) : t('cdr.retention.neverRun')}
            {status.nextRun ? ` ${t('cdr.retention.nextRun', { when: whenText(status.nextRun) })}` : ''}
          </p>
        ) : null}
        {writable ? (
          <div className="cdr-run">
            <button type="button" onClick={() => void runNow()} disabled={running || !!status?.running} aria-busy={running || undefined} data-testid="retention-run-now">
              {running || status?.running ? t('cdr.retention.running') : t('cdr.retention.runNow')}
            </button>
            <span role="status" className="ok-text">
              {runResult}
            </span>
          </div>
        ) : null}
      </section>
    </section>
  );
}

// ---- LDAP directory and shared contacts ------------------------------------------------------------

interface DirectorySettingsValue {
  enabled: boolean;
  anonymous: boolean;
  bindName: string;
  bindPassword?: string;
  publishExtensions: boolean;
  hiddenExtensions: string[];
  outsidePrefix: string;
  sizeLimit: number;
}

export function DirectorySettings() {
  const { t } = useI18n();
  const { can } = useSession();
  const writable = can('phonebook', 'write');
  const s = useSettings<DirectorySettingsValue>('/directory', t('cdr.directory.title'));
  const [show, setShow] = useState(false);
  const v = s.value;
  const disabled = !writable || s.busy;
  const set = (p: Partial<DirectorySettingsValue>) => s.setValue((cur) => (cur ? { ...cur, ...p } : cur));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!v) return;
    const body = { ...v } as DirectorySettingsValue;
    if (!body.bindPassword) delete body.bindPassword;
    void s.save(body);
  };
  return (
    <section className="page" aria-labelledby="page-title" data-testid="directory-page">
      <h1 id="page-title">{t('cdr.directory.title')}</h1>
      <p className="muted">{t('cdr.directory.intro')}</p>
      <FormErrors message={s.formError} errors={s.errors} idOf={inputId} />
      {v ? (
        <form onSubmit={submit} noValidate className="cdr-form">
          <fieldset className="group">
            <legend>{t('cdr.directory.server')}</legend>
            <Check path="enabled" label={t('cdr.directory.enabled')} help={t('cdr.directory.enabledHelp')} checked={v.enabled} onChange={(enabled) => set({ enabled })} disabled={disabled} errors={s.errors} />
            <Check path="anonymous" label={t('cdr.directory.anonymous')} help={t('cdr.directory.anonymousHelp')} checked={v.anonymous} onChange={(anonymous) => set({ anonymous })} disabled={disabled} errors={s.errors} />
            <Field path="bindName" label={t('cdr.directory.bindName')} help={t('cdr.directory.bindNameHelp', { name: v.bindName || 'phonebook' })} errors={s.errors}>
              {(a) => <input {...a} type="text" autoComplete="off" spellCheck={false} disabled={disabled} value={v.bindName ?? ''} onChange={(e) => set({ bindName: e.target.value })} />}
            </Field>
            <Field path="bindPassword" label={t('cdr.directory.bindPassword')} help={v.bindPassword === SECRET_MASK ? t('cdr.directory.passwordStored') : t('cdr.directory.passwordHelp')} errors={s.errors}>
              {(a) => (
                <div className="row">
                  <SecretField {...a} show={show} disabled={disabled} value={v.bindPassword ?? ''} onChange={(bindPassword) => set({ bindPassword: bindPassword || undefined })} />
                  <button type="button" aria-pressed={show} onClick={() => setShow((x) => !x)}>
                    {show ? t('cdr.form.hide') : t('cdr.form.show')}
                  </button>
                </div>
              )}
            </Field>
          </fieldset>
          <fieldset className="group">
            <legend>{t('cdr.directory.published')}</legend>
            <Check path="publishExtensions" label={t('cdr.directory.publishExtensions')} checked={v.publishExtensions} onChange={(publishExtensions) => set({ publishExtensions })} disabled={disabled} errors={s.errors} />
            <Field path="hiddenExtensions" label={t('cdr.directory.hiddenExtensions')} help={t('cdr.directory.hiddenHelp')} errors={s.errors} prefix>
              {(a) => <LinesInput {...a} disabled={disabled || !v.publishExtensions} value={v.hiddenExtensions ?? []} onChange={(hiddenExtensions) => set({ hiddenExtensions })} />}
            </Field>
            <Field path="outsidePrefix" label={t('cdr.directory.outsidePrefix')} help={t('cdr.directory.outsidePrefixHelp')} errors={s.errors}>
              {(a) => <input {...a} type="text" inputMode="tel" maxLength={4} className="mono" disabled={disabled} value={v.outsidePrefix ?? ''} onChange={(e) => set({ outsidePrefix: e.target.value })} />}
            </Field>
            <Field path="sizeLimit" label={t('cdr.directory.sizeLimit')} help={t('cdr.directory.sizeLimitHelp')} errors={s.errors}>
              {(a) => <input {...a} type="number" min={1} max={10000} inputMode="numeric" disabled={disabled} value={String(v.sizeLimit ?? '')} onChange={(e) => set({ sizeLimit: int(e.target.value) as number })} />}
            </Field>
          </fieldset>
          {writable ? <SaveBar busy={s.busy} dirty={s.dirty} testId="directory-save" /> : null}
        </form>
      ) : !s.formError ? (
        <p aria-busy="true">{t('common.loading')}</p>
      ) : null}
      <ContactsTransfer writable={writable} />
    </section>
  );
}

/** The import's answer, whichever names the API uses for its counts. */
export function importSummary(r: Item): { created: number; updated: number; unchanged: number; errors: ImportRowError[] } {
  const n = (k: string, ...alt: string[]) => Number([k, ...alt].map((x) => r[x]).find((x) => typeof x === 'number') ?? 0);
  const errs = Array.isArray(r.errors) ? importErrors(r.errors as FieldError[]) : [];
  return { created: n('created', 'added'), updated: n('updated', 'changed'), unchanged: n('unchanged', 'same'), errors: errs };
}

function ContactsTransfer({ writable }: { writable: boolean }) {
  const { t } = useI18n();
  const { toast } = useFeedback();
  const input = useRef<HTMLInputElement>(null);
  const [dryRun, setDryRun] = useState(true);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState('');
  const [error, setError] = useState('');
  const [rows, setRows] = useState<ImportRowError[]>([]);
  const choose = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    if (!file) return;
    const xlsx = /\.xlsx$/i.test(file.name) || file.type === XLSX_TYPE;
    setBusy(true);
    setError('');
    setRows([]);
    setStatus(t('cdr.contacts.importBusy', { name: file.name }));
    try {
      const body = xlsx ? file : await file.text();
      const r = await request<Item>('POST', '/phonebook/import', { raw: body, contentType: xlsx ? XLSX_TYPE : 'text/csv', query: dryRun ? { dryRun: true } : {} });
      const sum = importSummary(r ?? {});
      setRows(sum.errors);
      const text = t(dryRun ? 'cdr.contacts.dryRunDone' : 'cdr.contacts.importDone', { created: sum.created, updated: sum.updated, unchanged: sum.unchanged, errors: sum.errors.length });
      setStatus(text);
      if (!dryRun) toast(text);
    } catch (err) {
      setStatus('');
      if (err instanceof ApiError && err.fields.length) {
        setRows(importErrors(err.fields));
        setError(t('cdr.contacts.importRefused', { message: err.message }));
      } else setError(t('cdr.contacts.importFailed', { message: errorText(err) }));
    } finally {
      setBusy(false);
      if (input.current) input.current.value = '';
    }
  };
  return (
    <section className="privacy-panel" aria-labelledby="contacts-title" data-testid="contacts-transfer">
      <h2 id="contacts-title">{t('cdr.contacts.sharedTitle')}</h2>
      <p className="help">{t('cdr.contacts.sharedIntro')}</p>
      <div className="row" role="group" aria-label={t('cdr.contacts.export')}>
        <span className="muted">{t('cdr.contacts.export')}:</span>
        {(['csv', 'xlsx'] as const).map((f) => (
          <a key={f} className="button" href={url('/phonebook/export', { format: f })} download data-testid={`contacts-export-${f}`} aria-label={t('cdr.contacts.exportWhat', { format: f.toUpperCase() })}>
            {f.toUpperCase()}
          </a>
        ))}
      </div>
      {writable ? (
        <>
          <h3>{t('cdr.contacts.import')}</h3>
          <p className="help">{t('cdr.contacts.importHelp')}</p>
          <div className="field check-field">
            <label className="check" htmlFor="contacts-dry-run">
              <input id="contacts-dry-run" type="checkbox" checked={dryRun} onChange={(e) => setDryRun(e.target.checked)} data-testid="contacts-dry-run" />
              {t('cdr.contacts.dryRun')}
            </label>
          </div>
          <div className="field">
            <label htmlFor="contacts-file">{t('cdr.contacts.file')}</label>
            <input ref={input} id="contacts-file" type="file" accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" disabled={busy} onChange={(e) => void choose(e)} data-testid="contacts-import-file" />
          </div>
          <p role="status" aria-busy={busy || undefined} className={busy ? 'muted' : 'ok-text'} data-testid="contacts-import-status">
            {status}
          </p>
          {error ? (
            <div className="form-error" role="alert" data-testid="contacts-import-error">
              {error}
            </div>
          ) : null}
          <ImportErrorTable testId="contacts-import-errors" caption={t('cdr.contacts.errorsCaption')} columns={[t('cdr.contacts.line'), t('cdr.contacts.field'), t('cdr.contacts.reason')]} rows={rows} />
        </>
      ) : null}
    </section>
  );
}

// ---- a user's own contacts -----------------------------------------------------------------------

export interface PersonalContact {
  /** Assigned by the box. */
  id?: number;
  name: string;
  company?: string;
  numbers: { type: string; number: string }[];
  email?: string;
}
const NUMBER_TYPES = ['work', 'mobile', 'home', 'fax', 'other'];
const blankContact = (): PersonalContact => ({ name: '', numbers: [{ type: 'mobile', number: '' }] });

/** The contact as the API takes it: empty optional fields left out, empty number rows dropped. */
export function contactBody(c: PersonalContact): Item {
  const out: Item = { name: c.name.trim(), numbers: c.numbers.filter((n) => n.number.trim()).map((n) => ({ type: n.type, number: n.number.trim() })) };
  if (c.company?.trim()) out.company = c.company.trim();
  if (c.email?.trim()) out.email = c.email.trim();
  return out;
}

export function MyContacts() {
  const { t } = useI18n();
  const { me } = useSession();
  const { toast, confirm } = useFeedback();
  const extension = me?.user?.extension;
  const [items, setItems] = useState<PersonalContact[] | null>(null);
  const [error, setError] = useState('');
  const [round, setRound] = useState(0);
  const [editing, setEditing] = useState<PersonalContact | null>(null);
  const form = useFormSubmit(inputId);
  useEffect(() => {
    if (!extension) return;
    api.get<unknown>('/me/contacts').then(
      (r) => {
        setItems(Array.isArray(r) ? (r as PersonalContact[]) : (((r as Item)?.items as PersonalContact[]) ?? []));
        setError('');
      },
      (e) => setError(errorText(e)),
    );
  }, [extension, round]);
  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (!editing) return;
    await form.run(async () => {
      if (editing.id !== undefined) await api.put(`/me/contacts/${editing.id}`, contactBody(editing));
      else await api.post('/me/contacts', contactBody(editing));
      toast(t(editing.id !== undefined ? 'cdr.contacts.updated' : 'cdr.contacts.created', { name: editing.name }));
      setEditing(null);
      setRound((n) => n + 1);
    });
  };
  const remove = async (c: PersonalContact) => {
    if (c.id === undefined || !(await confirm(t('cdr.contacts.confirmDelete', { name: c.name }), { danger: true, confirmLabel: t('list.delete') }))) return;
    try {
      await api.del(`/me/contacts/${c.id}`);
      toast(t('cdr.contacts.deleted', { name: c.name }));
      setRound((n) => n + 1);
    } catch (err) {
      toast(errorText(err), 'error');
    }
  };
  const setNum = (i: number, p: Partial<{ type: string; number: string }>) => editing && setEditing({ ...editing, numbers: editing.numbers.map((n, j) => (j === i ? { ...n, ...p } : n)) });
  return (
    <section className="page" aria-labelledby="page-title" data-testid="my-contacts">
      <div className="page-head">
        <h1 id="page-title">{t('cdr.contacts.mineTitle')}</h1>
        {extension && !editing ? (
          <div className="actions">
            <button type="button" className="primary" onClick={() => setEditing(blankContact())} data-testid="contact-new">
              {t('cdr.contacts.new')}
            </button>
          </div>
        ) : null}
      </div>
      {!extension ? (
        <p className="help">{t('cdr.mine.noExtension')}</p>
      ) : (
        <>
          <p className="muted">{t('cdr.contacts.mineIntro')}</p>
          {error ? (
            <div className="form-error" role="alert">
              {error}
            </div>
          ) : null}
          {editing ? (
            <form onSubmit={save} noValidate className="contacts-form" aria-labelledby="contact-form-title" data-testid="contact-form">
              <h2 id="contact-form-title">{editing.id !== undefined ? t('cdr.contacts.editTitle', { name: editing.name }) : t('cdr.contacts.new')}</h2>
              <FormErrors message={form.formError} errors={form.errors} idOf={inputId} />
              <div className="field-row">
                <Field path="name" label={t('cdr.contacts.name')} errors={form.errors}>
                  {(a) => <input {...a} type="text" autoComplete="off" required value={editing.name} onChange={(e) => setEditing({ ...editing, name: e.target.value })} data-testid="contact-name" />}
                </Field>
                <Field path="company" label={t('cdr.contacts.company')} errors={form.errors}>
                  {(a) => <input {...a} type="text" autoComplete="off" value={editing.company ?? ''} onChange={(e) => setEditing({ ...editing, company: e.target.value })} />}
                </Field>
                <Field path="email" label={t('cdr.contacts.email')} errors={form.errors}>
                  {(a) => <input {...a} type="email" autoComplete="off" value={editing.email ?? ''} onChange={(e) => setEditing({ ...editing, email: e.target.value })} />}
                </Field>
              </div>
              <fieldset className="group">
                <legend>{t('cdr.contacts.numbers')}</legend>
                {editing.numbers.map((n, i) => (
                  <div className="field-row" key={i} role="group" aria-label={t('cdr.contacts.numberN', { n: i + 1 })}>
                    <Field path={`numbers[${i}].type`} label={t('cdr.contacts.type')} errors={form.errors}>
                      {(a) => (
                        <select {...a} value={n.type} onChange={(e) => setNum(i, { type: e.target.value })}>
                          {NUMBER_TYPES.map((x) => (
                            <option key={x} value={x}>
                              {t(`cdr.contacts.types.${x}`)}
                            </option>
                          ))}
                        </select>
                      )}
                    </Field>
                    <Field path={`numbers[${i}].number`} label={t('cdr.contacts.number')} errors={form.errors}>
                      {(a) => <input {...a} type="tel" autoComplete="off" value={n.number} onChange={(e) => setNum(i, { number: e.target.value })} data-testid={`contact-number-${i}`} />}
                    </Field>
                    {editing.numbers.length > 1 ? (
                      <button type="button" className="link danger" onClick={() => setEditing({ ...editing, numbers: editing.numbers.filter((_, j) => j !== i) })} aria-label={t('form.removeWhat', { what: t('cdr.contacts.numberN', { n: i + 1 }) })}>
                        {t('form.remove')}
                      </button>
                    ) : null}
                  </div>
                ))}
                {editing.numbers.length < 10 ? (
                  <button type="button" onClick={() => setEditing({ ...editing, numbers: [...editing.numbers, { type: 'work', number: '' }] })}>
                    {t('cdr.contacts.addNumber')}
                  </button>
                ) : null}
                {messagesAt(form.errors, 'numbers') ? (
                  <div className="field-error" role="alert">
                    {messagesAt(form.errors, 'numbers')}
                  </div>
                ) : null}
              </fieldset>
              <div className="form-actions">
                <button type="submit" className="primary" disabled={form.busy} aria-busy={form.busy || undefined} data-testid="contact-save">
                  {form.busy ? t('common.saving') : t('form.save')}
                </button>
                <button type="button" onClick={() => setEditing(null)}>
                  {t('common.cancel')}
                </button>
              </div>
            </form>
          ) : null}
          <ListTable testId="my-contacts-table" caption={t('cdr.contacts.mineTitle')} columns={[t('cdr.contacts.name'), t('cdr.contacts.company'), t('cdr.contacts.numbers'), t('cdr.contacts.email')]} actions rows={items} empty={t('cdr.contacts.none')} loading={items === null && !error}>
            {(items ?? []).map((c, i) => (
              <tr key={c.id ?? i}>
                <td>{c.name}</td>
                <td>{c.company ?? '—'}</td>
                <td className="mono small">{(c.numbers ?? []).map((n) => `${t(`cdr.contacts.types.${n.type}`)}: ${n.number}`).join(', ')}</td>
                <td>{c.email ?? '—'}</td>
                <td className="nowrap">
                  <button type="button" onClick={() => setEditing({ id: c.id, name: c.name, company: c.company, email: c.email, numbers: c.numbers?.length ? c.numbers.map((n) => ({ ...n })) : [{ type: 'work', number: '' }] })} aria-label={t('cdr.contacts.editWhat', { name: c.name })}>
                    {t('cdr.contacts.edit')}
                  </button>{' '}
                  <button type="button" className="link danger" onClick={() => void remove(c)} aria-label={t('list.deleteWhat', { what: c.name })}>
                    {t('list.delete')}
                  </button>
                </td>
              </tr>
            ))}
          </ListTable>
        </>
      )}
    </section>
  );
}

// ---- SNMP agent --------------------------------------------------------------------------------

interface SnmpValue {
  enabled: boolean;
  bindAddress: string;
  sysName?: string;
  sysLocation?: string;
  sysContact?: string;
  communities: { name: string; sources: string[] }[];
  v3Users: { name: string; authKey: string; privKey: string }[];
  trapReceivers: { host: string; port: number; community: string }[];
  diskFullPercent: number;
}

export function SnmpSettings() {
  const { t } = useI18n();
  const { can } = useSession();
  const writable = can('system', 'write');
  const s = useSettings<SnmpValue>('/snmp', t('cdr.snmp.title'));
  const [show, setShow] = useState(false);
  const v = s.value;
  const disabled = !writable || s.busy;
  const set = (p: Partial<SnmpValue>) => s.setValue((cur) => (cur ? { ...cur, ...p } : cur));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!v) return;
    const body = { ...v } as SnmpValue;
    // An emptied text field is left out (absent: the box's own default), not sent empty.
    for (const k of ['sysName', 'sysLocation', 'sysContact'] as const) if (!body[k]?.trim()) delete body[k];
    void s.save(body);
  };
  const text = (k: 'bindAddress' | 'sysName' | 'sysLocation' | 'sysContact', extra: { className?: string } = {}) =>
    v ? (
      <Field path={k} label={t(`cdr.snmp.${k}`)} help={t(`cdr.snmp.${k}Help`)} errors={s.errors}>
        {(a) => <input {...a} {...extra} type="text" autoComplete="off" spellCheck={false} disabled={disabled} value={v[k] ?? ''} onChange={(e) => set({ [k]: e.target.value })} data-testid={`snmp-${k}`} />}
      </Field>
    ) : null;
  return (
    <section className="page" aria-labelledby="page-title" data-testid="snmp-page">
      <h1 id="page-title">{t('cdr.snmp.title')}</h1>
      <p className="muted">{t('cdr.snmp.intro')}</p>
      <FormErrors message={s.formError} errors={s.errors} idOf={inputId} />
      {v ? (
        <form onSubmit={submit} noValidate className="cdr-form">
          <fieldset className="group">
            <legend>{t('cdr.snmp.agent')}</legend>
            <Check path="enabled" label={t('cdr.snmp.enabled')} help={t('cdr.snmp.enabledHelp')} checked={v.enabled} onChange={(enabled) => set({ enabled })} disabled={disabled} errors={s.errors} />
            {text('bindAddress', { className: 'mono' })}
            {text('sysName')}
            {text('sysLocation')}
            {text('sysContact')}
            <Field path="diskFullPercent" label={t('cdr.snmp.diskFullPercent')} help={t('cdr.snmp.diskFullPercentHelp')} errors={s.errors}>
              {(a) => <input {...a} type="number" min={50} max={99} inputMode="numeric" disabled={disabled} value={String(v.diskFullPercent ?? '')} onChange={(e) => set({ diskFullPercent: int(e.target.value) as number })} />}
            </Field>
          </fieldset>
          <Items
            label={t('cdr.snmp.communities')}
            help={t('cdr.snmp.communitiesHelp')}
            items={v.communities ?? []}
            onChange={(communities) => set({ communities })}
            blank={() => ({ name: '', sources: [] })}
            itemLabel={(i, c) => (c.name ? t('cdr.snmp.communityNamed', { name: c.name }) : t('cdr.snmp.community', { n: i + 1 }))}
            addLabel={t('cdr.snmp.addCommunity')}
            disabled={disabled}
            testId="snmp-communities"
          >
            {(c, i, setC) => (
              <div className="field-row">
                <Field path={`communities[${i}].name`} label={t('cdr.snmp.communityName')} errors={s.errors}>
                  {(a) => <input {...a} type="text" autoComplete="off" spellCheck={false} className="mono" disabled={disabled} value={c.name} onChange={(e) => setC({ ...c, name: e.target.value })} />}
                </Field>
                <Field path={`communities[${i}].sources`} label={t('cdr.snmp.sources')} help={t('cdr.snmp.sourcesHelp')} errors={s.errors} prefix>
                  {(a) => <LinesInput {...a} disabled={disabled} value={c.sources ?? []} onChange={(sources) => setC({ ...c, sources })} />}
                </Field>
              </div>
            )}
          </Items>
          <Items
            label={t('cdr.snmp.v3Users')}
            help={t('cdr.snmp.v3UsersHelp')}
            items={v.v3Users ?? []}
            onChange={(v3Users) => set({ v3Users })}
            blank={() => ({ name: '', authKey: '', privKey: '' })}
            itemLabel={(i, u) => (u.name ? t('cdr.snmp.userNamed', { name: u.name }) : t('cdr.snmp.user', { n: i + 1 }))}
            addLabel={t('cdr.snmp.addUser')}
            disabled={disabled}
            testId="snmp-users"
          >
            {(u, i, setU) => (
              <div className="field-row">
                <Field path={`v3Users[${i}].name`} label={t('cdr.snmp.userName')} errors={s.errors}>
                  {(a) => <input {...a} type="text" autoComplete="off" spellCheck={false} className="mono" disabled={disabled} value={u.name} onChange={(e) => setU({ ...u, name: e.target.value })} />}
                </Field>
                {(['authKey', 'privKey'] as const).map((k) => (
                  <Field key={k} path={`v3Users[${i}].${k}`} label={t(`cdr.snmp.${k}`)} help={u[k] === SECRET_MASK ? t('cdr.snmp.keyStored') : t(`cdr.snmp.${k}Help`)} errors={s.errors}>
                    {(a) => <SecretField {...a} show={show} disabled={disabled} value={u[k] ?? ''} onChange={(x) => setU({ ...u, [k]: x })} />}
                  </Field>
                ))}
              </div>
            )}
          </Items>
          {v.v3Users?.length ? (
            <p>
              <button type="button" aria-pressed={show} onClick={() => setShow((x) => !x)}>
                {show ? t('cdr.snmp.hideKeys') : t('cdr.snmp.showKeys')}
              </button>
            </p>
          ) : null}
          <Items
            label={t('cdr.snmp.trapReceivers')}
            help={t('cdr.snmp.trapReceiversHelp')}
            items={v.trapReceivers ?? []}
            onChange={(trapReceivers) => set({ trapReceivers })}
            blank={() => ({ host: '', port: 162, community: '' })}
            itemLabel={(i, r) => (r.host ? t('cdr.snmp.receiverNamed', { host: r.host }) : t('cdr.snmp.receiver', { n: i + 1 }))}
            addLabel={t('cdr.snmp.addReceiver')}
            disabled={disabled}
            testId="snmp-receivers"
          >
            {(r, i, setR) => (
              <div className="field-row">
                <Field path={`trapReceivers[${i}].host`} label={t('cdr.snmp.host')} errors={s.errors}>
                  {(a) => <input {...a} type="text" autoComplete="off" spellCheck={false} className="mono" disabled={disabled} value={r.host} onChange={(e) => setR({ ...r, host: e.target.value })} />}
                </Field>
                <Field path={`trapReceivers[${i}].port`} label={t('cdr.snmp.port')} errors={s.errors}>
                  {(a) => <input {...a} type="number" min={1} max={65535} inputMode="numeric" disabled={disabled} value={String(r.port ?? '')} onChange={(e) => setR({ ...r, port: int(e.target.value) as number })} />}
                </Field>
                <Field path={`trapReceivers[${i}].community`} label={t('cdr.snmp.trapCommunity')} errors={s.errors}>
                  {(a) => <input {...a} type="text" autoComplete="off" spellCheck={false} className="mono" disabled={disabled} value={r.community} onChange={(e) => setR({ ...r, community: e.target.value })} />}
                </Field>
              </div>
            )}
          </Items>
          {writable ? <SaveBar busy={s.busy} dirty={s.dirty} testId="snmp-save" /> : null}
        </form>
      ) : !s.formError ? (
        <p aria-busy="true">{t('common.loading')}</p>
      ) : null}
    </section>
  );
}
