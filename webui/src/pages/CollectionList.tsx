// The list of any model collection: server-side search, sort and paging (fast at 10,000
// extensions), delete with the API's "used by" answer, and reordering where order matters.
import { api, ApiError, errorText } from '../lib/api.ts';
import { describe, useCollection } from '../lib/collections.ts';
import { useI18n } from '../lib/i18n.tsx';
import { Link } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';
import { useFeedback } from '../components/feedback.tsx';
import { ListSearch, Pager, SortButton, useServerList } from '../components/lists.tsx';
import { ErrorAlert } from '../components/load.tsx';
import { humanize } from '../components/SchemaForm.tsx';
import { hasWizard } from '../routes.ts';

const PAGE_SIZES = [25, 50, 100, 250];

export function CollectionList({ collection }: { collection: string }) {
  const { t, has } = useI18n();
  const { meta, error: metaError } = useCollection(collection);
  const { can } = useSession();
  const { toast, confirm } = useFeedback();
  const { q, setQ, qParam, sort, offset, limit, data, error, reload, setParams, sortBy } = useServerList(`/${collection}`, `/${collection}`);
  const writable = meta ? can(meta.section, 'write') : false;

  if (!meta)
    return (
      <section className="page" aria-busy={!metaError}>
        <ErrorAlert error={metaError} />
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
      reload();
    } catch (err) {
      // 409: still referenced; the API names the referrers ("used by ...").
      toast(err instanceof ApiError && err.status === 409 ? t('list.inUse', { message: err.message }) : errorText(err), 'error');
    }
  };
  const move = async (k: string, position: number) => {
    try {
      await api.post(`/${collection}/${encodeURIComponent(k)}/move`, { position });
      reload();
    } catch (err) {
      toast(errorText(err), 'error');
    }
  };
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
      <ListSearch value={q} onChange={setQ} placeholder={t('list.searchIn', { fields: meta.search.map((f) => (has(`field.${f}`) ? t(`field.${f}`) : humanize(f))).join(', ') })} total={data?.total} />
      <ErrorAlert error={error} />
      <div className="table-wrap">
        <table className="list" data-testid={`list-${collection}`}>
          <thead>
            <tr>
              {meta.ordered ? <th scope="col">{t('list.order')}</th> : null}
              {columns.map((c) => (
                <th key={c} scope="col" aria-sort={sort === c ? 'ascending' : sort === `-${c}` ? 'descending' : undefined}>
                  <SortButton field={c} sort={sort} onSort={sortBy} label={has(`field.${c}`) ? t(`field.${c}`) : humanize(c)} />
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
