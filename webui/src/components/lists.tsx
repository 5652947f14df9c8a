// The parts every list page and live panel shares: the table with its headings, the search and
// sort and page kept in the URL, the pager, and the delete that asks first. One place, so that
// every list reads and behaves the same.
import { useEffect, useState, type ReactNode } from 'react';
import { api, errorText, type ListResult } from '../lib/api.ts';
import { useI18n } from '../lib/i18n.tsx';
import { navigate, useLocation } from '../lib/router.tsx';
import { useFeedback } from './feedback.tsx';

/**
 * A list searched, sorted and paged by the API, its state in the URL of the page `route` (so
 * back/forward and links work): q, sort ("-field" descending), offset, and limit unless `limit`
 * fixes it. What is typed in the search goes to the URL after a pause.
 */
export function useServerList<T = Record<string, unknown>>(route: string, path: string, opts: { limit?: number } = {}) {
  const { query } = useLocation();
  const [q, setQ] = useState(query.get('q') ?? '');
  const qParam = query.get('q') ?? '';
  const sort = query.get('sort') ?? '';
  const offset = Number(query.get('offset') ?? 0) || 0;
  const limit = opts.limit ?? Number(query.get('limit') ?? 50);
  const [data, setData] = useState<ListResult<T> | null>(null);
  const [error, setError] = useState('');
  const [round, setRound] = useState(0);

  const setParams = (p: Record<string, string | number | undefined>) => {
    const next = new URLSearchParams(location.search);
    for (const [k, v] of Object.entries(p)) if (v === undefined || v === '' || v === 0) next.delete(k);
    else next.set(k, String(v));
    const s = next.toString();
    navigate(`${route}${s ? `?${s}` : ''}`, { replace: true });
  };

  // Search as you type, debounced.
  useEffect(() => {
    const timer = setTimeout(() => {
      if ((query.get('q') ?? '') !== q) setParams({ q, offset: undefined });
    }, 250);
    return () => clearTimeout(timer);
  }, [q]);

  useEffect(() => {
    let live = true;
    api
      .get<ListResult<T>>(path, { q: qParam, sort, offset, limit })
      .then((d) => {
        if (!live) return;
        // The last row of the last page went (deleted here or elsewhere): show the page before.
        if (d.items.length === 0 && offset > 0 && d.total > 0) return setParams({ offset: Math.max(0, Math.floor((d.total - 1) / limit) * limit) });
        setData(d);
        setError('');
      })
      .catch((e) => live && setError(errorText(e)));
    return () => {
      live = false;
    };
  }, [path, qParam, sort, offset, limit, round]);

  return {
    q,
    setQ,
    /** The search the rows answer (q is what is typed). */
    qParam,
    sort,
    offset,
    limit,
    data,
    error,
    reload: () => setRound((n) => n + 1),
    setParams,
    /** Sorts by a field, or the other way round when it is sorted by it already. */
    sortBy: (f: string) => setParams({ sort: sort === f ? `-${f}` : f, offset: undefined }),
  };
}

/** The search box over a list, and how many rows match (announced). */
export function ListSearch({ value, onChange, placeholder, total, testId }: { value: string; onChange(v: string): void; placeholder: string; total?: number; testId?: string }) {
  const { t } = useI18n();
  return (
    <div className="toolbar">
      <label className="search">
        <span className="sr-only">{t('list.search')}</span>
        <input type="search" placeholder={placeholder} value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId} />
      </label>
      <span className="muted" role="status">
        {total !== undefined ? t('list.count', { n: total }) : t('common.loading')}
      </span>
    </div>
  );
}

/** A column heading that sorts by `field` (▲ ascending, ▼ descending). */
export function SortButton({ field, sort, onSort, label, ariaLabel }: { field: string; sort: string; onSort(field: string): void; label: ReactNode; ariaLabel?: string }) {
  return (
    <button type="button" className="sort" onClick={() => onSort(field)} aria-label={ariaLabel}>
      {label}
      <span aria-hidden="true">{sort === field ? ' ▲' : sort === `-${field}` ? ' ▼' : ''}</span>
    </button>
  );
}

export interface ListTableProps {
  /** The table's data-testid (end-to-end tests find lists by it). */
  testId?: string;
  className?: string;
  /** Said to screen readers only: what the table holds. */
  caption?: ReactNode;
  /** The column headings, in order. */
  columns: ReactNode[];
  /** A last column of row buttons: its heading is for screen readers only. */
  actions?: boolean;
  /** aria-busy of the body while the rows are on their way. */
  busy?: boolean;
  /** The rows' data: an empty array shows `empty` in a row across the table. */
  rows?: readonly unknown[] | null;
  empty?: ReactNode;
  /** A row across the table says the rows are on their way. */
  loading?: boolean;
  children?: ReactNode;
}

/** A list table that scrolls sideways on a narrow screen rather than squeezing its columns. */
export function ListTable({ testId, className = 'list', caption, columns, actions = false, busy, rows, empty, loading = false, children }: ListTableProps) {
  const { t } = useI18n();
  const span = columns.length + (actions ? 1 : 0);
  return (
    <div className="table-wrap">
      <table className={className} data-testid={testId}>
        {caption !== undefined ? <caption className="sr-only">{caption}</caption> : null}
        <thead>
          <tr>
            {columns.map((c, i) => (
              <th key={i} scope="col">
                {c}
              </th>
            ))}
            {actions ? (
              <th scope="col">
                <span className="sr-only">{t('list.actions')}</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody aria-busy={busy}>
          {children}
          {rows && !rows.length && empty !== undefined ? (
            <tr>
              <td colSpan={span} className="empty">
                {empty}
              </td>
            </tr>
          ) : null}
          {loading ? (
            <tr>
              <td colSpan={span} aria-busy="true">
                {t('common.loading')}
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
    </div>
  );
}

/** Previous / page n of m / next over an offset-and-limit list; `children` go after (a page size). */
export function Pager({ offset, limit, total, onOffset, children }: { offset: number; limit: number; total: number; onOffset(offset: number): void; children?: ReactNode }) {
  const { t } = useI18n();
  return (
    <nav className="pager" aria-label={t('list.pages')}>
      <button type="button" disabled={offset === 0} onClick={() => onOffset(Math.max(0, offset - limit))}>
        {t('list.prev')}
      </button>
      <span>{t('list.page', { n: Math.floor(offset / limit) + 1, of: Math.max(1, Math.ceil(total / limit)) })}</span>
      <button type="button" disabled={offset + limit >= total} onClick={() => onOffset(offset + limit)}>
        {t('list.next')}
      </button>
      {children}
    </nav>
  );
}

export interface DeleteRequest {
  /** The question the reader answers (names what goes). */
  question: string;
  /** The API path to DELETE. */
  path: string;
  /** Toasted once the API deleted it. */
  done: string;
  /** Runs after the deletion (reload the list). */
  after?(): void;
}

/**
 * Asks, deletes, says so; a refusal is toasted. `busy` is the key of what is being deleted (''
 * when nothing is), for disabling the buttons meanwhile.
 */
export function useConfirmedDelete() {
  const { t } = useI18n();
  const { toast, confirm } = useFeedback();
  const [busy, setBusy] = useState('');
  const remove = async (key: string, r: DeleteRequest): Promise<boolean> => {
    if (!(await confirm(r.question, { danger: true, confirmLabel: t('list.delete') }))) return false;
    setBusy(key);
    try {
      await api.del(r.path);
      toast(r.done);
      r.after?.();
      return true;
    } catch (e) {
      toast(errorText(e), 'error');
      return false;
    } finally {
      setBusy('');
    }
  };
  return { busy, remove };
}
