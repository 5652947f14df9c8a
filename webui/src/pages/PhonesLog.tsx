// The provisioning request log: every file a phone (or anything else) asked for, with its
// result. Filters live in the URL (links and the back button keep them), newest first, paging
// backwards by id ("older"). The same table shows one phone's recent requests on its page.
import { api } from '../lib/api.ts';
import { useI18n } from '../lib/i18n.tsx';
import { Link } from '../lib/router.tsx';
import { ListTable } from '../components/lists.tsx';
import { ErrorAlert, useLoad } from '../components/load.tsx';
import { FilterText, LogCount, LogFilterForm, LogPager, filterQueryString, isoToLocal, localToIso, useLogPages, type Filters } from '../components/logs.tsx';
import { PhonesTabs, formatMac, normalizeMac, useVendors, vendorLabel, when, type ProvisioningRequest } from './PhonesCommon.tsx';

export const RESULTS = ['served', 'not-found', 'unknown-phone', 'unauthorized', 'forbidden', 'rate-limited', 'error'] as const;
export const PROTOCOLS = ['http', 'https', 'tftp'] as const;
export const LOG_PAGE = 100;

const FILTERS = ['mac', 'source', 'result', 'protocol', 'from', 'to'] as const;
type FilterKey = (typeof FILTERS)[number];
export type LogFilters = Filters<FilterKey>;

/** The page's URL query for the filters (the same names as the API's). */
export function logQueryString(f: LogFilters, before?: number): string {
  return filterQueryString(FILTERS, f, { before });
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

/** The form's inputs as API filters: a whole MAC in any notation as the log stores it, a part of one as typed. */
function inputsToFilters(inputs: Inputs): LogFilters {
  const f: LogFilters = {};
  const mac = inputs.mac.trim();
  if (mac) f.mac = normalizeMac(mac) ?? mac.replace(/[:.-]/g, '').toLowerCase();
  if (inputs.source.trim()) f.source = inputs.source.trim();
  if (inputs.result) f.result = inputs.result;
  if (inputs.protocol) f.protocol = inputs.protocol;
  const from = localToIso(inputs.from);
  const to = localToIso(inputs.to);
  if (from) f.from = from;
  if (to) f.to = to;
  return f;
}

export function PhoneRequests() {
  const { t } = useI18n();
  const log = useLogPages<ProvisioningRequest, FilterKey>({ path: '/provisioning/requests', route: '/phones/requests', keys: FILTERS, pageSize: LOG_PAGE, toInputs });
  const { filters, inputs, setInput: set, items } = log;
  const choice = (k: 'result' | 'protocol', label: string, values: readonly string[], text: (v: string) => string) => (
    <div className="field">
      <label htmlFor={`log-${k}`}>{label}</label>
      <select id={`log-${k}`} value={inputs[k]} onChange={(e) => set(k, e.target.value)} data-testid={`log-${k}`}>
        <option value="">{t('phones.log.any')}</option>
        {values.map((v) => (
          <option key={v} value={v}>
            {text(v)}
          </option>
        ))}
      </select>
    </div>
  );
  return (
    <section className="page" aria-labelledby="page-title" data-testid="phone-requests">
      <div className="page-head">
        <h1 id="page-title">{t('phones.title')}</h1>
        <div className="actions">
          <button type="button" onClick={log.reload}>
            {t('common.refresh')}
          </button>
        </div>
      </div>
      <PhonesTabs />
      <h2>{t('phones.log.title')}</h2>
      <p className="muted">{t('phones.log.intro')}</p>
      <LogFilterForm log={log} i18n="phones.log" idPrefix="log" className="phones-filters" testId="log-filter" onApply={() => log.go(inputsToFilters(inputs))}>
        <FilterText id="log-mac" label={t('phones.field.mac')} className="mono" value={inputs.mac} onChange={(v) => set('mac', v)} testId="log-mac" />
        <FilterText id="log-source" label={t('phones.log.source')} className="mono" value={inputs.source} onChange={(v) => set('source', v)} testId="log-source" />
        {choice('result', t('phones.log.result'), RESULTS, (r) => t(`phones.result.${r}`))}
        {choice('protocol', t('phones.log.protocol'), PROTOCOLS, (p) => p.toUpperCase())}
      </LogFilterForm>
      <ErrorAlert error={log.error} />
      <LogCount log={log} i18n="phones.log" />
      <RequestTable items={items} testId="requests-table" empty={log.active || log.before ? t('phones.log.noMatch') : t('phones.log.empty')} onFilter={(f) => log.go({ ...filters, ...f })} />
      <LogPager log={log} i18n="phones.log" testId="log" />
    </section>
  );
}

/** The last requests of one phone (its page), with a link to the whole log filtered by it. */
export function PhoneRecentRequests({ mac, round = 0 }: { mac: string; round?: number }) {
  const { t } = useI18n();
  const { data: items, error } = useLoad(() => api.get<{ items: ProvisioningRequest[] }>('/provisioning/requests', { mac, limit: 20 }).then((r) => r.items), [mac, round], { failed: [] });
  return (
    <section aria-labelledby="phone-requests-title" className="phone-section">
      <h2 id="phone-requests-title">{t('phones.page.requests')}</h2>
      <ErrorAlert error={error} inline />
      <RequestTable items={items} testId="phone-requests" empty={t('phones.page.noRequests')} />
      <p>
        <Link to={`/phones/requests?${logQueryString({ mac })}`}>{t('phones.page.allRequests')}</Link>
      </p>
    </section>
  );
}
