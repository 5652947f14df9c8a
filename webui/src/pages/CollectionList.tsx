// The list of any model collection: server-side search, sort and paging (fast at 10,000
// extensions), delete with the API's "used by" answer, and reordering where order matters.
import { useEffect, useState } from 'react';
import { api, ApiError, errorText, type ListResult } from '../lib/api.ts';
import { describe, useCollection } from '../lib/collections.ts';
import { useI18n } from '../lib/i18n.tsx';
import { Link, navigate, useLocation } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';
import { useFeedback } from '../components/feedback.tsx';
import { Pager } from '../components/lists.tsx';
import { humanize } from '../components/SchemaForm.tsx';
import { hasWizard } from '../routes.ts';

const PAGE_SIZES = [25, 50, 100, 250];

export function CollectionList({ collection }: { collection: string }) {
  const { t, has } = useI18n();
  const { meta, error: metaError } = useCollection(collection);
  const { can } = useSession();
  const { toast, confirm } = useFeedback();
  const { query } = useLocation();
  const [q, setQ] = useState(query.get('q') ?? '');
  const sort = query.get('sort') ?? '';
  const offset = Number(query.get('offset') ?? 0);
  const limit = Number(query.get('limit') ?? 50);
  const [data, setData] = useState<ListResult | null>(null);
  const [error, setError] = useState('');
  const [reload, setReload] = useState(0);
  const writable = meta ? can(meta.section, 'write') : false;

  const setParams = (p: Record<string, string | number | undefined>) => {
    const next = new URLSearchParams(location.search);
    for (const [k, v] of Object.entries(p)) if (v === undefined || v === '' || v === 0) next.delete(k);
    else next.set(k, String(v));
    const s = next.toString();
    navigate(`/${collection}${s ? `?${s}` : ''}`, { replace: true });
  };

  // Search as you type, debounced; the URL keeps the state so back/forward and links work.
  useEffect(() => {
    const timer = setTimeout(() => {
      if ((query.get('q') ?? '') !== q) setParams({ q, offset: undefined });
    }, 250);
    return () => clearTimeout(timer);
  }, [q]);

  const qParam = query.get('q') ?? '';
  useEffect(() => {
    let live = true;
    api
      .get<ListResult>(`/${collection}`, { q: qParam, sort, offset, limit })
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
  }, [collection, qParam, sort, offset, limit, reload]);

  if (!meta)
    return (
      <section className="page" aria-busy={!metaError}>
        {metaError ? (
          <div className="form-error" role="alert">
            {metaError}
          </div>
        ) : null}
      </section>
    );
  const title = t(`nav.${collection}`);
  const key = meta.keyField;
  const columns = [key, ...meta.fields.filter((f) => f !== key)];
  const remove = async (k: string) => {
    if (!(await confirm(t('list.confirmDelete', { what: `${t(`object.${collection}`)} ${k}` }), { danger: true, confirmLabel: t('list.delete') }))) return;
    try {
      await api.del(`/${collection}/${encodeURIComponent(k)}`);
      toast(t('list.deleted', { what: k }));
      setReload((r) => r + 1);
    } catch (err) {
      // 409: still referenced; the API names the referrers ("used by ...").
      toast(err instanceof ApiError && err.status === 409 ? t('list.inUse', { message: err.message }) : errorText(err), 'error');
    }
  };
  const move = async (k: string, position: number) => {
    try {
      await api.post(`/${collection}/${encodeURIComponent(k)}/move`, { position });
      setReload((r) => r + 1);
    } catch (err) {
      toast(errorText(err), 'error');
    }
  };
  const sortBy = (f: string) => setParams({ sort: sort === f ? `-${f}` : f, offset: undefined });
  return (
    <section className="page" aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title">{title}</h1>
        {writable ? (
          <div className="actions">
            {hasWizard(collection) ? (
              <Link to={`/${collection}/wizard`} className="button">
                {t('list.wizard')}
              </Link>
            ) : null}
            <Link to={`/${collection}/new`} className="button primary">
              {t('list.new', { what: t(`object.${collection}`) })}
            </Link>
          </div>
        ) : null}
      </div>
      {has(`intro.${collection}`) ? <p className="muted">{t(`intro.${collection}`)}</p> : null}
      <div className="toolbar">
        <label className="search">
          <span className="sr-only">{t('list.search')}</span>
          <input type="search" placeholder={t('list.searchIn', { fields: meta.search.map((f) => (has(`field.${f}`) ? t(`field.${f}`) : humanize(f))).join(', ') })} value={q} onChange={(e) => setQ(e.target.value)} />
        </label>
        <span className="muted" role="status">
          {data ? t('list.count', { n: data.total }) : t('common.loading')}
        </span>
      </div>
      {error ? (
        <div className="form-error" role="alert">
          {error}
        </div>
      ) : null}
      <div className="table-wrap">
        <table className="list" data-testid={`list-${collection}`}>
          <thead>
            <tr>
              {meta.ordered ? <th scope="col">{t('list.order')}</th> : null}
              {columns.map((c) => (
                <th key={c} scope="col" aria-sort={sort === c ? 'ascending' : sort === `-${c}` ? 'descending' : undefined}>
                  <button type="button" className="sort" onClick={() => sortBy(c)}>
                    {has(`field.${c}`) ? t(`field.${c}`) : humanize(c)}
                    <span aria-hidden="true">{sort === c ? ' ▲' : sort === `-${c}` ? ' ▼' : ''}</span>
                  </button>
                </th>
              ))}
              <th scope="col">{t('list.details')}</th>
              <th scope="col">
                <span className="sr-only">{t('list.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {data?.items.map((item, i) => {
              const k = String(item[key]);
              const pos = offset + i;
              return (
                <tr key={k}>
                  {meta.ordered ? (
                    <td className="nowrap">
                      {pos + 1}
                      {writable && !qParam && !sort ? (
                        <>
                          <button type="button" className="icon" disabled={pos === 0} aria-label={t('form.moveUp', { what: k })} onClick={() => void move(k, pos - 1)}>
                            ↑
                          </button>
                          <button type="button" className="icon" disabled={pos === data.total - 1} aria-label={t('form.moveDown', { what: k })} onClick={() => void move(k, pos + 1)}>
                            ↓
                          </button>
                        </>
                      ) : null}
                    </td>
                  ) : null}
                  {columns.map((c, ci) => (
                    <td key={c} className={ci === 0 ? 'mono' : ''}>
                      {ci === 0 ? <Link to={`/${collection}/${encodeURIComponent(k)}`}>{k}</Link> : fmt(item[c], t)}
                    </td>
                  ))}
                  <td className="muted">{describe(collection, item)}</td>
                  <td className="nowrap">
                    {writable ? (
                      <button type="button" className="link danger" onClick={() => void remove(k)} aria-label={t('list.deleteWhat', { what: k })}>
                        {t('list.delete')}
                      </button>
                    ) : null}
                  </td>
                </tr>
              );
            })}
            {data && !data.items.length ? (
              <tr>
                <td colSpan={columns.length + 3} className="empty">
                  {qParam ? t('list.noMatch') : t('list.empty')}
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
      {data && data.total > Math.min(...PAGE_SIZES) ? (
        <Pager offset={offset} limit={limit} total={data.total} onOffset={(o) => setParams({ offset: o })}>
          <label>
            {t('list.perPage')}{' '}
            <select value={limit} onChange={(e) => setParams({ limit: Number(e.target.value) === 50 ? undefined : e.target.value, offset: undefined })}>
              {PAGE_SIZES.map((n) => (
                <option key={n}>{n}</option>
              ))}
            </select>
          </label>
        </Pager>
      ) : null}
    </section>
  );
}

function fmt(v: unknown, t: (k: string) => string): string {
  if (v === undefined || v === null || v === '') return '—';
  if (typeof v === 'boolean') return v ? t('common.yes') : t('common.no');
  if (Array.isArray(v)) return v.join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
