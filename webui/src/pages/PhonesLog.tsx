// The provisioning request log: every file a phone (or anything else) asked for, with its
// result. Filters live in the URL (links and the back button keep them), newest first, paging
// backwards by id ("older"). The same table shows one phone's recent requests on its page.
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { api, errorText } from '../lib/api.ts';
import { useI18n } from '../lib/i18n.tsx';
import { Link, navigate, useLocation } from '../lib/router.tsx';
import { ListTable } from '../components/lists.tsx';
import { isoToLocal, localToIso } from './Audit.tsx';
import { PhonesTabs, formatMac, normalizeMac, useVendors, vendorLabel, when, type ProvisioningRequest } from './PhonesCommon.tsx';

export const RESULTS = ['served', 'not-found', 'unknown-phone', 'unauthorized', 'forbidden', 'rate-limited', 'error'] as const;
export const PROTOCOLS = ['http', 'https', 'tftp'] as const;
export const LOG_PAGE = 100;

const FILTERS = ['mac', 'source', 'result', 'protocol', 'from', 'to'] as const;
type FilterKey = (typeof FILTERS)[number];
export type LogFilters = Partial<Record<FilterKey, string>>;

/** The API filters in the page's URL (the same names as the API's). */
export function logFiltersFromQuery(q: URLSearchParams): LogFilters {
  const out: LogFilters = {};
  for (const k of FILTERS) {
    const v = q.get(k)?.trim();
    if (v) out[k] = v;
  }
  return out;
}

export function logQueryString(f: LogFilters, before?: number): string {
  const qs = new URLSearchParams();
  for (const k of FILTERS) if (f[k]) qs.set(k, f[k]!);
  if (before) qs.set('before', String(before));
  return qs.toString();
}

function resultClass(result: string): string {
  if (result === 'served') return 'good';
  if (result === 'not-found' || result === 'unknown-phone') return 'busy';
  return 'bad';
}

/** Requests as rows; `onFilter` makes the MAC and the source links that filter by them. */
export function RequestTable({ items, testId, empty, loading, onFilter }: { items: ProvisioningRequest[] | null; testId: string; empty: string; loading?: boolean; onFilter?(f: LogFilters): void }) {
  const { t, has, lang } = useI18n();
  const { vendors } = useVendors();
  const filterLink = (f: LogFilters, text: string) =>
    onFilter ? (
      <button type="button" className="link" onClick={() => onFilter(f)} title={t('phones.log.filterBy', { what: text })}>
        {text}
      </button>
    ) : (
      text
    );
  return (
    <ListTable
      testId={testId}
      className="list phones-log"
      caption={t('phones.log.title')}
      columns={[t('phones.log.time'), t('phones.log.protocol'), t('phones.log.source'), t('phones.field.mac'), t('phones.log.device'), t('phones.log.file'), t('phones.log.result')]}
      rows={items}
      empty={empty}
      loading={loading}
      busy={!items}
    >
      {items?.map((r) => (
        <tr key={r.id} data-testid={`request-${r.id}`}>
          <td className="nowrap">{when(r.at, lang)}</td>
          <td className="mono">{r.protocol.toUpperCase()}</td>
          <td className="mono">{filterLink({ source: r.source }, r.source)}</td>
          <td className="mono nowrap">{r.mac ? filterLink({ mac: r.mac }, formatMac(r.mac)) : '—'}</td>
          <td>
            {[vendorLabel(vendors, r.vendor), r.model].filter(Boolean).join(' ') || '—'}
            {r.userAgent ? <div className="muted small mono">{r.userAgent}</div> : null}
          </td>
          <td className="mono small">{r.file}</td>
          <td>
            <span className={`badge ${resultClass(r.result)}`}>{has(`phones.result.${r.result}`) ? t(`phones.result.${r.result}`) : r.result}</span> <span className="muted small">{t('phones.log.status', { status: r.status, bytes: r.bytes })}</span>
            {r.detail ? <div className="small">{r.detail}</div> : null}
          </td>
        </tr>
      ))}
    </ListTable>
  );
}

type Inputs = Record<FilterKey, string>;
const toInputs = (f: LogFilters): Inputs => ({ mac: f.mac ? formatMac(f.mac) : '', source: f.source ?? '', result: f.result ?? '', protocol: f.protocol ?? '', from: isoToLocal(f.from), to: isoToLocal(f.to) });

export function PhoneRequests() {
  const { t } = useI18n();
  const { query } = useLocation();
  const search = query.toString();
  const filters = useMemo(() => logFiltersFromQuery(new URLSearchParams(search)), [search]);
  const before = Number(new URLSearchParams(search).get('before')) || undefined;
  const [inputs, setInputs] = useState<Inputs>(() => toInputs(filters));
  const [items, setItems] = useState<ProvisioningRequest[] | null>(null);
  const [error, setError] = useState('');
  const [reload, setReload] = useState(0);
  useEffect(() => setInputs(toInputs(filters)), [filters]);
  useEffect(() => {
    let live = true;
    setItems(null);
    api
      .get<{ items: ProvisioningRequest[] }>('/provisioning/requests', { ...filters, before, limit: LOG_PAGE })
      .then((r) => live && (setItems(r.items), setError('')))
      .catch((e) => live && (setItems([]), setError(errorText(e))));
    return () => {
      live = false;
    };
  }, [filters, before, reload]);
  const go = (f: LogFilters, older?: number) => {
    const qs = logQueryString(f, older);
    navigate(`/phones/requests${qs ? `?${qs}` : ''}`);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const f: LogFilters = {};
    const mac = inputs.mac.trim();
    // A whole MAC in any notation is sent as the log stores it; a part of one as typed.
    if (mac) f.mac = normalizeMac(mac) ?? mac.replace(/[:.-]/g, '').toLowerCase();
    if (inputs.source.trim()) f.source = inputs.source.trim();
    if (inputs.result) f.result = inputs.result;
    if (inputs.protocol) f.protocol = inputs.protocol;
    const from = localToIso(inputs.from);
    const to = localToIso(inputs.to);
    if (from) f.from = from;
    if (to) f.to = to;
    go(f);
  };
  const set = (k: FilterKey, v: string) => setInputs((s) => ({ ...s, [k]: v }));
  const active = Object.keys(filters).length > 0;
  const lowest = items?.length ? Math.min(...items.map((i) => i.id)) : undefined;
  const hasOlder = !!items && items.length >= LOG_PAGE && lowest !== undefined;
  return (
    <section className="page" aria-labelledby="page-title" data-testid="phone-requests">
      <div className="page-head">
        <h1 id="page-title">{t('phones.title')}</h1>
        <div className="actions">
          <button type="button" onClick={() => setReload((n) => n + 1)}>
            {t('common.refresh')}
          </button>
        </div>
      </div>
      <PhonesTabs />
      <h2>{t('phones.log.title')}</h2>
      <p className="muted">{t('phones.log.intro')}</p>
      <form onSubmit={submit} role="search" aria-label={t('phones.log.filters')}>
        <fieldset className="phones-filters">
          <legend>{t('phones.log.filters')}</legend>
          <div className="field">
            <label htmlFor="log-mac">{t('phones.field.mac')}</label>
            <input id="log-mac" type="search" className="mono" autoComplete="off" spellCheck={false} value={inputs.mac} onChange={(e) => set('mac', e.target.value)} data-testid="log-mac" />
          </div>
          <div className="field">
            <label htmlFor="log-source">{t('phones.log.source')}</label>
            <input id="log-source" type="search" className="mono" autoComplete="off" spellCheck={false} value={inputs.source} onChange={(e) => set('source', e.target.value)} data-testid="log-source" />
          </div>
          <div className="field">
            <label htmlFor="log-result">{t('phones.log.result')}</label>
            <select id="log-result" value={inputs.result} onChange={(e) => set('result', e.target.value)} data-testid="log-result">
              <option value="">{t('phones.log.any')}</option>
              {RESULTS.map((r) => (
                <option key={r} value={r}>
                  {t(`phones.result.${r}`)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="log-protocol">{t('phones.log.protocol')}</label>
            <select id="log-protocol" value={inputs.protocol} onChange={(e) => set('protocol', e.target.value)} data-testid="log-protocol">
              <option value="">{t('phones.log.any')}</option>
              {PROTOCOLS.map((p) => (
                <option key={p} value={p}>
                  {p.toUpperCase()}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="log-from">{t('phones.log.from')}</label>
            <input id="log-from" type="datetime-local" value={inputs.from} onChange={(e) => set('from', e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="log-to">{t('phones.log.to')}</label>
            <input id="log-to" type="datetime-local" value={inputs.to} onChange={(e) => set('to', e.target.value)} />
          </div>
          <div className="actions">
            <button type="submit" className="primary" data-testid="log-filter">
              {t('phones.log.apply')}
            </button>
            {active ? (
              <button type="button" onClick={() => go({})}>
                {t('phones.log.clear')}
              </button>
            ) : null}
          </div>
        </fieldset>
      </form>
      {error ? (
        <div className="form-error" role="alert">
          {error}
        </div>
      ) : null}
      <p className="muted" role="status">
        {!items ? t('common.loading') : before ? t('phones.log.countOlder', { n: items.length }) : t('phones.log.count', { n: items.length })}
      </p>
      <RequestTable items={items} testId="requests-table" empty={active || before ? t('phones.log.noMatch') : t('phones.log.empty')} onFilter={(f) => go({ ...filters, ...f })} />
      <nav className="pager" aria-label={t('list.pages')}>
        {before ? (
          <button type="button" onClick={() => go(filters)} data-testid="log-newest">
            {t('phones.log.newest')}
          </button>
        ) : null}
        <button type="button" disabled={!hasOlder} onClick={() => go(filters, lowest)} data-testid="log-older">
          {t('phones.log.older')}
        </button>
      </nav>
    </section>
  );
}

/** The last requests of one phone (its page), with a link to the whole log filtered by it. */
export function PhoneRecentRequests({ mac, round = 0 }: { mac: string; round?: number }) {
  const { t } = useI18n();
  const [items, setItems] = useState<ProvisioningRequest[] | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    let live = true;
    api.get<{ items: ProvisioningRequest[] }>('/provisioning/requests', { mac, limit: 20 }).then(
      (r) => live && (setItems(r.items), setError('')),
      (e) => live && (setItems([]), setError(errorText(e))),
    );
    return () => {
      live = false;
    };
  }, [mac, round]);
  return (
    <section aria-labelledby="phone-requests-title" className="phone-section">
      <h2 id="phone-requests-title">{t('phones.page.requests')}</h2>
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : null}
      <RequestTable items={items} testId="phone-requests" empty={t('phones.page.noRequests')} />
      <p>
        <Link to={`/phones/requests?${logQueryString({ mac })}`}>{t('phones.page.allRequests')}</Link>
      </p>
    </section>
  );
}
