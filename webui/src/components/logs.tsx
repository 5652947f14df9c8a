// What the newest-first logs share (the audit log, the provisioning request log): filters kept in
// the page's URL (links and the back button keep them) and edited in a form, the rows before an id
// ("older") fetched again whenever they change, and the pager back to older entries.
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { api } from '../lib/api.ts';
import { useI18n } from '../lib/i18n.tsx';
import { navigate, useLocation } from '../lib/router.tsx';
import { useLoad } from './load.tsx';

/**
 * A datetime-local value ("2026-03-01T14:30", the browser's local time) as an ISO instant in
 * UTC ("2026-03-01T13:30:00.000Z" in Rome in winter). UTC on purpose: the logs store times as
 * UTC ISO strings and compare them as text, so an instant with another offset would be
 * compared wrongly. Undefined for an empty or invalid value.
 */
export function localToIso(local: string): string | undefined {
  if (!local) return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(local);
  if (!m) return undefined;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** An ISO instant (any offset) as a datetime-local value in the browser's time zone; '' if invalid. */
export function isoToLocal(iso: string | undefined | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** Filters as the API takes them (the page's URL uses the same names); `from`/`to` ISO instants. */
export type Filters<K extends string> = Partial<Record<K, string>>;

/** The filters named `keys` in a URL query, trimmed, blank ones left out. */
export function filtersFromQuery<K extends string>(keys: readonly K[], q: URLSearchParams): Filters<K> {
  const out: Filters<K> = {};
  for (const k of keys) {
    const v = q.get(k)?.trim();
    if (v) out[k] = v;
  }
  return out;
}

/** The query string for the filters (in `keys` order) plus paging/export extras; no leading "?". */
export function filterQueryString<K extends string>(keys: readonly K[], f: Filters<K>, extra: Record<string, string | number | undefined> = {}): string {
  const qs = new URLSearchParams();
  for (const k of keys) if (f[k]) qs.set(k, f[k]!);
  for (const [k, v] of Object.entries(extra)) if (v !== undefined && v !== '') qs.set(k, String(v));
  return qs.toString();
}

export interface LogPages<Item, K extends string> {
  filters: Filters<K>;
  /** The id the page starts below (paged back), or undefined for the newest entries. */
  before?: number;
  /** What the filter form holds (`from`/`to` as datetime-local values). */
  inputs: Record<K, string>;
  setInput(k: K, v: string): void;
  /** null while on the way. */
  items: Item[] | null;
  error: string;
  reload(): void;
  /** Opens the log with these filters, at its newest entries or before an id. */
  go(f: Filters<K>, before?: number): void;
  /** Whether any filter is set. */
  active: boolean;
  /** Where the page of older entries starts; undefined when there is none. */
  older?: number;
}

/** A log at `path` (API) shown on the page `route`, filtered by the URL query's `keys`. */
export function useLogPages<Item extends { id: number }, K extends string>({ path, route, keys, pageSize, toInputs }: { path: string; route: string; keys: readonly K[]; pageSize: number; toInputs(f: Filters<K>): Record<K, string> }): LogPages<Item, K> {
  const { query } = useLocation();
  const search = query.toString();
  const filters = useMemo(() => filtersFromQuery(keys, new URLSearchParams(search)), [search]);
  const before = Number(new URLSearchParams(search).get('before')) || undefined;
  const [inputs, setInputs] = useState<Record<K, string>>(() => toInputs(filters));
  const [reload, setReload] = useState(0);
  // The URL is the state: back/forward or a clicked filter link refills the form.
  useEffect(() => setInputs(toInputs(filters)), [filters]);
  const { data: items, error } = useLoad(() => api.get<{ items: Item[] }>(path, { ...filters, before, limit: pageSize }).then((r) => r.items), [filters, before, reload], { clear: true, failed: [] });
  const lowest = items?.length ? Math.min(...items.map((i) => i.id)) : undefined;
  return {
    filters,
    before,
    inputs,
    setInput: (k, v) => setInputs((s) => ({ ...s, [k]: v })),
    items,
    error,
    reload: () => setReload((n) => n + 1),
    go: (f, older) => {
      const qs = filterQueryString(keys, f, { before: older });
      navigate(`${route}${qs ? `?${qs}` : ''}`);
    },
    active: Object.keys(filters).length > 0,
    older: items && items.length >= pageSize ? lowest : undefined,
  };
}

/**
 * The filter form: the log's own fields (`children`), then the time range, apply and clear.
 * `i18n` is where its strings are: filters, from, to, apply, clear.
 */
export function LogFilterForm<K extends string>({ log, i18n, idPrefix, className, testId, onApply, hint, children }: { log: LogPages<unknown, K | 'from' | 'to'>; i18n: string; idPrefix: string; className: string; testId: string; onApply(): void; hint?: ReactNode; children: ReactNode }) {
  const { t } = useI18n();
  const time = (k: 'from' | 'to') => (
    <div className="field">
      <label htmlFor={`${idPrefix}-${k}`}>{t(`${i18n}.${k}`)}</label>
      <input id={`${idPrefix}-${k}`} type="datetime-local" value={log.inputs[k]} onChange={(e) => log.setInput(k, e.target.value)} />
    </div>
  );
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        onApply();
      }}
      role="search"
      aria-label={t(`${i18n}.filters`)}
    >
      <fieldset className={className}>
        <legend>{t(`${i18n}.filters`)}</legend>
        {children}
        {time('from')}
        {time('to')}
        <div className="actions">
          <button type="submit" className="primary" data-testid={testId}>
            {t(`${i18n}.apply`)}
          </button>
          {log.active ? (
            <button type="button" onClick={() => log.go({})}>
              {t(`${i18n}.clear`)}
            </button>
          ) : null}
          {hint}
        </div>
      </fieldset>
    </form>
  );
}

/** A text filter, offering `options` (values seen on the page) as suggestions. */
export function FilterText({ id, label, value, onChange, options, className, testId }: { id: string; label: string; value: string; onChange(v: string): void; options?: string[]; className?: string; testId?: string }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} type="search" className={className} autoComplete="off" spellCheck={false} list={options?.length ? `${id}-list` : undefined} value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId} />
      {options?.length ? (
        <datalist id={`${id}-list`}>
          {options.map((o) => (
            <option key={o} value={o} />
          ))}
        </datalist>
      ) : null}
    </div>
  );
}

/** How many entries are shown (announced); `i18n` holds count and countOlder ({n}, {id}). */
export function LogCount({ log, i18n }: { log: LogPages<unknown, string>; i18n: string }) {
  const { t } = useI18n();
  return (
    <p className="muted" role="status">
      {!log.items ? t('common.loading') : log.before ? t(`${i18n}.countOlder`, { n: log.items.length, id: log.before }) : t(`${i18n}.count`, { n: log.items.length })}
    </p>
  );
}

/** Back to the newest entries, on to older ones; `i18n` holds newest and older. */
export function LogPager({ log, i18n, testId }: { log: LogPages<unknown, string>; i18n: string; testId: string }) {
  const { t } = useI18n();
  return (
    <nav className="pager" aria-label={t('list.pages')}>
      {log.before ? (
        <button type="button" onClick={() => log.go(log.filters)} data-testid={`${testId}-newest`}>
          {t(`${i18n}.newest`)}
        </button>
      ) : null}
      <button type="button" disabled={log.older === undefined} onClick={() => log.go(log.filters, log.older)} data-testid={`${testId}-older`}>
        {t(`${i18n}.older`)}
      </button>
    </nav>
  );
}
