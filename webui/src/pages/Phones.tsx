// The provisioned phones: the list (search, sort, paging on the server), what to tell the DHCP
// server or the phone (option 66 and the URLs), phones that asked for files but are not
// configured (adopt them in one click), import and export as CSV/XLSX (all or nothing, every
// bad row named), resync of every phone; and the provisioning settings.
import { useEffect, useRef, useState, type ChangeEvent, type FormEvent, type ReactNode } from 'react';
import { api, ApiError, errorText, request, type FieldError } from '../lib/api.ts';
import { useI18n } from '../lib/i18n.tsx';
import { Link } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';
import { reportSaved, useFeedback, type WriteApply } from '../components/feedback.tsx';
import { ListSearch, ListTable, Pager, SortButton, useServerList } from '../components/lists.tsx';
import { ErrorAlert, useLoad } from '../components/load.tsx';
import { FormErrors, useFormSubmit } from '../components/ObjectForm.tsx';
import { Field, aria } from '../components/Stepper.tsx';
import { CheckField } from './wizard-parts.tsx';
import { CopyButton, FormActions, PhonesTabs, formatMac, useVendors, vendorLabel, when, type DiscoveredPhone, type NotifyResult, type Phone, type ProvisioningInfo } from './PhonesCommon.tsx';

const PAGE_SIZE = 50;
export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const SORTABLE = ['mac', 'vendor', 'model', 'description'] as const;

export function Phones() {
  const { t } = useI18n();
  const { can } = useSession();
  const { toast, confirm } = useFeedback();
  const { vendors } = useVendors();
  const writable = can('provisioning', 'write');
  const { q, setQ, qParam, sort, offset, data, error, reload, setParams, sortBy } = useServerList<Phone>('/phones', '/phones', { limit: PAGE_SIZE });
  /** Imports so far: what they added may have been among the phones asking for files. */
  const [imports, setImports] = useState(0);
  const [notifying, setNotifying] = useState(false);
  const [failed, setFailed] = useState<NotifyResult[]>([]);

  const resyncAll = async () => {
    if (!(await confirm(t('phones.list.resyncAllConfirm'), { confirmLabel: t('phones.list.resyncAll') }))) return;
    setNotifying(true);
    setFailed([]);
    try {
      const r = await api.post<{ results: NotifyResult[] }>('/provisioning/notify', { action: 'resync', all: true });
      const bad = r.results.filter((x) => !x.ok);
      setFailed(bad);
      if (!r.results.length) toast(t('phones.list.resyncNone'), 'info');
      else if (bad.length) toast(t('phones.list.resyncSome', { ok: r.results.length - bad.length, n: r.results.length }), 'error');
      else toast(t('phones.list.resyncDone', { n: r.results.length }));
    } catch (e) {
      toast(errorText(e), 'error');
    } finally {
      setNotifying(false);
    }
  };
  const heading = (f: (typeof SORTABLE)[number]) => <SortButton field={f} sort={sort} onSort={sortBy} label={t(`phones.field.${f}`)} ariaLabel={t('phones.list.sortBy', { what: t(`phones.field.${f}`) })} />;

  return (
    <section className="page" aria-labelledby="page-title" data-testid="phones-page">
      <div className="page-head">
        <h1 id="page-title">{t('phones.title')}</h1>
        <div className="actions">
          {writable ? (
            <Link to="/phones/new" className="button primary" data-testid="phone-add">
              {t('phones.list.add')}
            </Link>
          ) : null}
          <a className="button" href="/api/v1/phones/export?format=csv" download="phones.csv" data-testid="phone-export-csv">
            {t('phones.list.exportCsv')}
          </a>
          <a className="button" href="/api/v1/phones/export?format=xlsx" download="phones.xlsx" data-testid="phone-export-xlsx">
            {t('phones.list.exportXlsx')}
          </a>
          {writable ? (
            <button type="button" onClick={() => void resyncAll()} disabled={notifying} aria-busy={notifying || undefined} data-testid="phone-resync-all">
              {notifying ? t('phones.list.resyncing') : t('phones.list.resyncAll')}
            </button>
          ) : null}
        </div>
      </div>
      <PhonesTabs />
      <p className="muted">{t('phones.list.intro')}</p>
      <InfoPanel />
      {failed.length ? (
        <div className="form-error" role="alert" data-testid="notify-failures">
          <strong>{t('phones.list.resyncFailed')}</strong>
          <ul>
            {failed.map((f) => (
              <li key={f.mac + (f.account ?? '')}>
                <span className="mono">{formatMac(f.mac)}</span>
                {f.account ? ` (${f.account})` : ''}: {f.error ?? t('phones.notify.noAnswer')}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <Discovered writable={writable} reload={imports} />
      <h2>{t('phones.list.configured')}</h2>
      <ListSearch value={q} onChange={setQ} placeholder={t('phones.list.searchPlaceholder')} total={data?.total} testId="phone-search" />
      <ErrorAlert error={error} />
      <ListTable testId="phones-table" caption={t('phones.list.configured')} columns={[heading('mac'), heading('vendor'), heading('model'), t('phones.field.lines'), heading('description')]} rows={data?.items} empty={qParam ? t('list.noMatch') : t('phones.list.empty')} loading={!data && !error}>
        {data?.items.map((p) => (
          <tr key={p.mac} data-testid={`phone-row-${p.mac}`}>
            <td className="mono nowrap">
              <Link to={`/phones/${p.mac}`}>{formatMac(p.mac)}</Link>
            </td>
            <td>{vendorLabel(vendors, p.vendor)}</td>
            <td>{p.model}</td>
            <td className="mono">{p.lines.map((l) => l.account).join(', ')}</td>
            <td>{p.description ?? ''}</td>
          </tr>
        ))}
      </ListTable>
      {data && data.total > PAGE_SIZE ? <Pager offset={offset} limit={PAGE_SIZE} total={data.total} onOffset={(o) => setParams({ offset: o })} /> : null}
      {writable ? <ImportPanel onImported={() => (reload(), setImports((n) => n + 1))} /> : null}
    </section>
  );
}

// ---- option 66 and the URLs ---------------------------------------------------------------------

/** What installers type into the DHCP server (option 66) or the phone's web page. */
export function InfoPanel({ round = 0 }: { round?: number }) {
  const { t } = useI18n();
  const { data: info, error } = useLoad(() => api.get<ProvisioningInfo>('/provisioning/info'), [round]);
  /** A value to type somewhere, with its copy button. */
  const fact = (k: 'option66' | 'httpUrl' | 'httpsUrl', value: string, testId: string, copyTestId?: string) => (
    <>
      <dt>{t(`phones.info.${k}`)}</dt>
      <dd className="row">
        <code className="mono" data-testid={testId}>
          {value}
        </code>
        <CopyButton text={value} label={t('phones.info.copyWhat', { what: t(`phones.info.${k}`) })} testId={copyTestId} />
      </dd>
    </>
  );
  return (
    <section className="phones-info" aria-labelledby="phones-info-title">
      <h2 id="phones-info-title">{t('phones.info.title')}</h2>
      {error ? (
        <ErrorAlert error={error} inline />
      ) : !info ? (
        <p aria-busy="true">{t('common.loading')}</p>
      ) : (
        <>
          <dl className="facts">
            {fact('option66', info.option66, 'option66', 'option66-copy')}
            {fact('httpUrl', info.httpUrl, 'provisioning-http-url')}
            {info.httpsUrl ? fact('httpsUrl', info.httpsUrl, 'provisioning-https-url') : null}
            {info.tftp ? (
              <>
                <dt>{t('phones.info.tftp')}</dt>
                <dd className="mono" data-testid="provisioning-tftp">
                  {info.tftp.port === 69 ? info.tftp.address : `${info.tftp.address}:${info.tftp.port}`}
                </dd>
              </>
            ) : null}
          </dl>
          <p className="help">{t('phones.info.help', { address: info.address })}</p>
        </>
      )}
    </section>
  );
}

// ---- discovered phones --------------------------------------------------------------------------

/** How often the list of phones asking for files is fetched again while the page is open. */
const DISCOVERED_POLL_MS = 15_000;

/** The link that opens the wizard with what the box learned about a phone. */
export function adoptHref(d: Pick<DiscoveredPhone, 'mac' | 'vendor' | 'model'>): string {
  const qs = new URLSearchParams({ mac: d.mac });
  if (d.vendor) qs.set('vendor', d.vendor);
  if (d.model) qs.set('model', d.model);
  return `/phones/new?${qs}`;
}

function Discovered({ writable, reload }: { writable: boolean; reload: number }) {
  const { t, lang } = useI18n();
  const { toast } = useFeedback();
  const { vendors } = useVendors();
  const [round, setRound] = useState(0);
  const { data: items, error, setData: setItems } = useLoad(() => api.get<{ items: DiscoveredPhone[] }>('/provisioning/discovered').then((r) => r.items), [round, reload]);
  useEffect(() => {
    const timer = setTimeout(() => setRound((n) => n + 1), DISCOVERED_POLL_MS);
    return () => clearTimeout(timer);
  }, [round, reload]);
  const forget = async (mac: string) => {
    try {
      await api.del(`/provisioning/discovered/${encodeURIComponent(mac)}`);
      toast(t('phones.discovered.forgotten', { mac: formatMac(mac) }));
      setItems((l) => l?.filter((x) => x.mac !== mac) ?? null);
    } catch (e) {
      toast(errorText(e), 'error');
    }
  };
  return (
    <section className="phones-discovered" aria-labelledby="phones-discovered-title" data-testid="discovered-phones">
      <div className="page-head">
        <h2 id="phones-discovered-title">{t('phones.discovered.title')}</h2>
        <button type="button" onClick={() => setRound((n) => n + 1)}>
          {t('common.refresh')}
        </button>
      </div>
      <p className="muted">{t('phones.discovered.intro')}</p>
      <ErrorAlert error={error} inline />
      <ListTable
        testId="discovered-table"
        caption={t('phones.discovered.title')}
        columns={[t('phones.field.mac'), t('phones.discovered.device'), t('phones.discovered.source'), t('phones.discovered.lastSeen'), t('phones.discovered.lastFile')]}
        actions={writable}
        rows={items}
        empty={t('phones.discovered.empty')}
        loading={!items && !error}
      >
        {items?.map((d) => (
          <tr key={d.mac} data-testid={`discovered-${d.mac}`}>
            <td className="mono nowrap">{formatMac(d.mac)}</td>
            <td>
              {[vendorLabel(vendors, d.vendor), d.model].filter(Boolean).join(' ') || t('phones.discovered.unknownDevice')}
              {d.userAgent ? <div className="muted small mono">{d.userAgent}</div> : null}
            </td>
            <td className="mono">{d.source}</td>
            <td className="nowrap">
              {when(d.lastSeen, lang)}
              <div className="muted small">{t('phones.discovered.requests', { n: d.requests })}</div>
            </td>
            <td className="mono small">{d.lastFile}</td>
            {writable ? (
              <td className="nowrap">
                <Link to={adoptHref(d)} className="button primary" data-testid={`adopt-${d.mac}`} aria-label={t('phones.discovered.adoptWhat', { mac: formatMac(d.mac) })}>
                  {t('phones.discovered.adopt')}
                </Link>{' '}
                <button type="button" className="link danger" onClick={() => void forget(d.mac)} data-testid={`forget-${d.mac}`} aria-label={t('phones.discovered.forgetWhat', { mac: formatMac(d.mac) })}>
                  {t('phones.discovered.forget')}
                </button>
              </td>
            ) : null}
          </tr>
        ))}
      </ListTable>
    </section>
  );
}

// ---- import ------------------------------------------------------------------------------------

export interface ImportRowError {
  /** The file's line (1 = the header); undefined when the error is not a row's. */
  line?: number;
  field: string;
  message: string;
}

/**
 * The import's refusal as rows: the API names each problem by path ['line', n, column] (an
 * array, or written out as "line[3].mac" / "line.3.mac").
 */
export function importErrors(fields: readonly (FieldError | { path: unknown; message: string; line?: number })[]): ImportRowError[] {
  return fields.map((f) => {
    const own = (f as { line?: number }).line;
    const parts: (string | number)[] = Array.isArray(f.path) ? (f.path as (string | number)[]) : String(f.path ?? '').split(/[.[\]]+/).filter(Boolean);
    if (parts[0] === 'line' && parts.length >= 2 && Number.isFinite(Number(parts[1]))) return { line: Number(parts[1]), field: parts.slice(2).join('.'), message: f.message };
    return { ...(own ? { line: own } : {}), field: parts.join('.'), message: f.message };
  });
}

/** The rows an import refused, one per problem: line, column, reason (phones and contacts imports). */
export function ImportErrorTable({ testId, caption, columns, rows }: { testId: string; caption: string; columns: [string, string, string]; rows: ImportRowError[] }) {
  if (!rows.length) return null;
  return (
    <ListTable testId={testId} caption={caption} columns={columns}>
      {rows.map((r, i) => (
        <tr key={i}>
          <td className="mono">{r.line ?? '—'}</td>
          <td className="mono">{r.field || '—'}</td>
          <td>{r.message}</td>
        </tr>
      ))}
    </ListTable>
  );
}

export function ImportPanel({ onImported }: { onImported(): void }) {
  const { t } = useI18n();
  const { toast } = useFeedback();
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState('');
  const [error, setError] = useState('');
  /** The API's own summary of a refusal (how many rows, which). */
  const [detail, setDetail] = useState('');
  const [rows, setRows] = useState<ImportRowError[]>([]);
  const choose = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    if (!file) return;
    const xlsx = /\.xlsx$/i.test(file.name) || file.type === XLSX_TYPE;
    setBusy(true);
    setStatus(t('phones.import.busy', { name: file.name }));
    setError('');
    setDetail('');
    setRows([]);
    try {
      const body = xlsx ? file : await file.text();
      const r = await request<{ created: number; updated: number; unchanged?: number }>('POST', '/phones/import', { raw: body, contentType: xlsx ? XLSX_TYPE : 'text/csv' });
      const done = t('phones.import.done', { created: r.created, updated: r.updated, unchanged: r.unchanged ?? 0 });
      setStatus(done);
      toast(done);
      onImported();
    } catch (err) {
      setStatus('');
      if (err instanceof ApiError && err.fields.length) {
        setRows(importErrors(err.fields));
        setError(t('phones.import.nothing'));
        setDetail(err.message);
      } else setError(t('phones.import.failed', { message: errorText(err) }));
    } finally {
      setBusy(false);
      if (input.current) input.current.value = '';
    }
  };
  return (
    <section className="phones-import" aria-labelledby="phones-import-title">
      <h2 id="phones-import-title">{t('phones.import.title')}</h2>
      <p className="muted">{t('phones.import.intro')}</p>
      <div className="field">
        <label htmlFor="phone-import-file">{t('phones.import.file')}</label>
        <input ref={input} id="phone-import-file" type="file" accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" disabled={busy} onChange={(e) => void choose(e)} data-testid="phone-import-file" />
      </div>
      <p role="status" aria-busy={busy || undefined} className={busy ? 'muted' : 'ok-text'} data-testid="phone-import-status">
        {status}
      </p>
      {error ? (
        <div className="form-error" role="alert" data-testid="phone-import-error">
          <strong>{error}</strong>
          {detail ? <div className="small">{detail}</div> : null}
        </div>
      ) : null}
      <ImportErrorTable testId="phone-import-errors" caption={t('phones.import.errorsCaption')} columns={[t('phones.import.line'), t('phones.import.field'), t('phones.import.reason')]} rows={rows} />
    </section>
  );
}

// ---- settings ------------------------------------------------------------------------------------

interface Settings {
  address?: string;
  transport: 'udp' | 'tcp';
  resyncMinutes: number;
  ldap: boolean;
  xmlPhonebook: boolean;
}
const SETTING_IDS: Record<string, string> = { address: 'ps-address', transport: 'ps-transport', resyncMinutes: 'ps-resync', ldap: 'ps-ldap', xmlPhonebook: 'ps-xml' };
const settingId = (path: string) => SETTING_IDS[path.split(/[.[]/)[0]!] ?? 'ps-address';

export function ProvisioningSettings() {
  const { t } = useI18n();
  const { can } = useSession();
  const { toast } = useFeedback();
  const writable = can('provisioning', 'write');
  const [value, setValue] = useState<Settings | null>(null);
  const [resync, setResync] = useState('');
  const [round, setRound] = useState(0);
  /** Whether the box has an address stored (so that emptying the field removes it). */
  const stored = useRef(false);
  const { errors, formError, setFormError, busy, run } = useFormSubmit(settingId);
  useEffect(() => {
    api.get<Settings>('/provisioning/settings').then(
      (s) => {
        setValue(s);
        setResync(String(s.resyncMinutes));
        stored.current = !!s.address;
      },
      (e) => setFormError(errorText(e)),
    );
  }, []);
  const set = (p: Partial<Settings>) => setValue((v) => (v ? { ...v, ...p } : v));
  const err = (k: string) =>
    errors
      .filter((f) => f.path === k || f.path.startsWith(k + '.'))
      .map((f) => f.message)
      .join('; ');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!value) return;
    await run(async () => {
      const { address, ...rest } = value;
      const typed = address?.trim() ?? '';
      // PATCH keeps what is left out: an address emptied here is sent as null (a merge patch's
      // "remove"), so the phones go back to the address they reached the box at.
      const body = { ...rest, resyncMinutes: resync.trim() === '' ? resync : Number(resync), ...(typed ? { address: typed } : stored.current ? { address: null } : {}) };
      const r = await api.patch<{ item?: Settings; apply?: WriteApply } & Partial<Settings>>('/provisioning/settings', body);
      const next = (r.item ?? r) as Settings;
      if (next.transport) {
        setValue(next);
        setResync(String(next.resyncMinutes));
        stored.current = !!next.address;
      }
      reportSaved(toast, t, t('phones.settings.title'), r.apply);
      setRound((n) => n + 1);
    });
  };
  const field = (k: string, label: string, help: string, input: (attrs: ReturnType<typeof aria>) => ReactNode) => {
    const id = SETTING_IDS[k]!;
    const e = err(k);
    return (
      <Field id={id} label={label} help={help} error={e}>
        {input(aria(id, true, e))}
      </Field>
    );
  };
  return (
    <section className="page" aria-labelledby="page-title" data-testid="provisioning-settings">
      <h1 id="page-title">{t('phones.title')}</h1>
      <PhonesTabs />
      <h2>{t('phones.settings.title')}</h2>
      <p className="muted">{t('phones.settings.intro')}</p>
      <FormErrors message={formError} errors={errors} idOf={settingId} />
      {value ? (
        <form onSubmit={submit} noValidate className="object-form phones-settings">
          {field('address', t('phones.settings.address'), t('phones.settings.addressHelp'), (a) => (
            <input {...a} type="text" autoComplete="off" spellCheck={false} placeholder={t('phones.settings.addressAuto')} disabled={!writable || busy} value={value.address ?? ''} onChange={(e) => set({ address: e.target.value })} data-testid="ps-address" />
          ))}
          {field('transport', t('phones.settings.transport'), t('phones.settings.transportHelp'), (a) => (
            <select {...a} disabled={!writable || busy} value={value.transport} onChange={(e) => set({ transport: e.target.value as Settings['transport'] })}>
              <option value="udp">UDP</option>
              <option value="tcp">TCP</option>
            </select>
          ))}
          {field('resyncMinutes', t('phones.settings.resync'), t('phones.settings.resyncHelp'), (a) => (
            <input {...a} type="number" min={0} max={10080} inputMode="numeric" disabled={!writable || busy} value={resync} onChange={(e) => setResync(e.target.value)} data-testid="ps-resync" />
          ))}
          <CheckField id="ps-ldap" label={t('phones.settings.ldap')} help={t('phones.settings.ldapHelp')} checked={value.ldap} onChange={(v) => set({ ldap: v })} disabled={!writable || busy} />
          <CheckField id="ps-xml" label={t('phones.settings.xmlPhonebook')} help={t('phones.settings.xmlPhonebookHelp')} checked={value.xmlPhonebook} onChange={(v) => set({ xmlPhonebook: v })} disabled={!writable || busy} />
          {writable ? <FormActions busy={busy} label={t('form.save')} testId="ps-save" /> : null}
        </form>
      ) : !formError ? (
        <p aria-busy="true">{t('common.loading')}</p>
      ) : null}
      <InfoPanel round={round} />
    </section>
  );
}
