// Call records: the CDR list with filters, sorting and keyset "more" paging, the queue calls,
// exports streamed by the browser (plain links carrying the filters: the session cookie
// authenticates a GET), legal holds for the privacy officer, and a user's own calls.
// Outside numbers come masked from the API unless a privacy officer has unlocked the key: the
// page shows what it gets and says why a number ends in "xxx"; it never guesses the rest.
import { useEffect, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { api, errorText, url } from '../lib/api.ts';
import { useI18n } from '../lib/i18n.tsx';
import { Link, useLocation } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';
import { useFeedback } from '../components/feedback.tsx';
import { ListTable, SortButton } from '../components/lists.tsx';
import { secondsText, whenText } from './ServicesPanels.tsx';
import './Cdr.css';

type Item = Record<string, unknown>;
export const CDR_PAGE = 50;
export const DIRECTIONS = ['in', 'out', 'internal'] as const;
/** Asterisk's CDR dispositions, as the API filters and answers them. */
export const DISPOSITIONS = ['ANSWERED', 'NO ANSWER', 'BUSY', 'FAILED', 'CONGESTION'] as const;
export const QUEUE_OUTCOMES = ['answered', 'abandoned', 'overflowed', 'timedOut', 'exited'] as const;
export const EXPORT_FORMATS = ['csv', 'xlsx', 'json'] as const;

export interface CdrFilterInputs {
  from: string;
  to: string;
  number: string;
  extension: string;
  direction: string;
  disposition: string;
  trunk: string;
  queue: string;
  agent: string;
  outcome: string;
}
export const NO_FILTERS: CdrFilterInputs = { from: '', to: '', number: '', extension: '', direction: '', disposition: '', trunk: '', queue: '', agent: '', outcome: '' };

/** A disposition's translation key: "NO ANSWER" → noAnswer. */
export function dispositionKey(v: string): string {
  return v.toLowerCase().replace(/[\s_-]+(\w)/g, (_, c: string) => c.toUpperCase());
}

/** The list order as the API takes it: "-start" → sort=start&order=desc. */
export function sortQuery(sort: string): { sort: string; order: 'asc' | 'desc' } {
  return sort.startsWith('-') ? { sort: sort.slice(1), order: 'desc' } : { sort, order: 'asc' };
}

/**
 * The API's query for the filters: dates are whole days in the reader's time zone sent as
 * instants ("to" includes its day); empty filters are left out.
 */
export function cdrQuery(f: CdrFilterInputs): Record<string, string> {
  const q: Record<string, string> = {};
  if (f.from) q.from = new Date(`${f.from}T00:00:00`).toISOString();
  if (f.to) q.to = new Date(new Date(`${f.to}T00:00:00`).getTime() + 86_400_000).toISOString();
  const number = f.number.replace(/[\s().\/-]/g, '');
  if (number) q.number = number;
  for (const k of ['extension', 'direction', 'disposition', 'trunk', 'queue', 'agent', 'outcome'] as const) if (f[k].trim()) q[k] = f[k].trim();
  return q;
}

/** The link that streams an export of what the filters select (and in the order shown). */
export function exportHref(path: string, format: string, query: Record<string, string>, order: Record<string, string> = {}): string {
  return url(path, { ...query, ...order, format });
}

/** A number the API masked: its last digits replaced by xxx (the row says `masked` too). */
export function isMasked(v: unknown): boolean {
  return typeof v === 'string' && /x{3}$/.test(v);
}

interface Page {
  items: Item[];
  total: number;
  next?: string;
}

/**
 * A list read page by page with the API's cursor ("more" appends the next page); a change of
 * query or sort starts over. Lists answered without a cursor page by offset instead.
 */
export function useCursorList(path: string, query: Record<string, string>, order: Record<string, string>, round = 0) {
  const [items, setItems] = useState<Item[] | null>(null);
  const [total, setTotal] = useState(0);
  const [next, setNext] = useState<string | undefined>(undefined);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const key = JSON.stringify([path, query, order, round]);
  const current = useRef(key);
  const load = async (cursor: string | undefined, offset: number, append: boolean) => {
    const asked = key;
    setBusy(true);
    try {
      const r = await api.get<Page>(path, { ...query, ...order, limit: CDR_PAGE, ...(cursor ? { cursor } : offset ? { offset } : {}) });
      if (current.current !== asked) return;
      const got = Array.isArray(r?.items) ? r.items : [];
      setItems((old) => (append && old ? [...old, ...got] : got));
      setTotal(typeof r?.total === 'number' ? r.total : got.length);
      setNext(r?.next);
      setError('');
    } catch (e) {
      if (current.current === asked) setError(errorText(e));
    } finally {
      if (current.current === asked) setBusy(false);
    }
  };
  useEffect(() => {
    current.current = key;
    setItems(null);
    setNext(undefined);
    if (path) void load(undefined, 0, false);
  }, [key]);
  const more = () => void load(next, items?.length ?? 0, true);
  // Without a cursor in the answer the list pages by offset (a list answered whole has total = its length).
  const hasMore = !!next || (!!items && items.length > 0 && items.length < total);
  return { items, total, hasMore, more, error, busy, setItems };
}

// ---- the page ------------------------------------------------------------------------------------

export function CallRecords() {
  const { t } = useI18n();
  const { query } = useLocation();
  const view = query.get('view') === 'queue' ? 'queue' : 'calls';
  return (
    <section className="page cdr-page" aria-labelledby="page-title" data-testid="cdr-page">
      <div className="page-head">
        <h1 id="page-title">{t('cdr.records.title')}</h1>
      </div>
      <p className="muted">{t('cdr.records.intro')}</p>
      <nav className="cdr-tabs no-print" aria-label={t('cdr.records.views')}>
        <ul>
          <li>
            <Link to="/cdr" aria-current={view === 'calls' ? 'page' : undefined} data-testid="cdr-tab-calls">
              {t('cdr.records.tabCalls')}
            </Link>
          </li>
          <li>
            <Link to="/cdr?view=queue" aria-current={view === 'queue' ? 'page' : undefined} data-testid="cdr-tab-queue">
              {t('cdr.records.tabQueue')}
            </Link>
          </li>
        </ul>
      </nav>
      {view === 'queue' ? <QueueCalls /> : <CdrList />}
    </section>
  );
}

/**
 * Why numbers end in xxx, from what the rows say: the admin always sees them masked; the privacy
 * officer sees rows flagged `locked` until the key is unlocked for the session.
 */
export function MaskNote({ items }: { items: Item[] | null }) {
  const { t } = useI18n();
  const { can } = useSession();
  if (!items) return null;
  if (!can('privacy', 'read'))
    return (
      <p className="help cdr-mask-note" data-testid="cdr-mask-note" data-mask="admin">
        {t('cdr.records.maskedAdmin')}
      </p>
    );
  if (items.some((r) => r.locked === true))
    return (
      <p className="help cdr-mask-note" data-testid="cdr-mask-note" data-mask="locked">
        {t('cdr.records.maskedLocked')} <Link to="/privacy">{t('cdr.records.unlockLink')}</Link>
      </p>
    );
  return items.length ? (
    <p className="ok-text cdr-mask-note" data-testid="cdr-mask-note" data-mask="whole">
      {t('cdr.records.unlocked')}
    </p>
  ) : null;
}

/** A number as the API gave it; a masked one says so (title and screen-reader text). */
export function NumberCell({ value, name, masked }: { value: unknown; name?: unknown; masked?: boolean }) {
  const { t } = useI18n();
  const v = typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
  if (!v) return <span className="muted">—</span>;
  const hidden = masked !== false && isMasked(v);
  return (
    <span className="cdr-number">
      <span className="mono" title={hidden ? t('cdr.records.maskedHint') : undefined}>
        {v}
      </span>
      {hidden ? (
        <span className="badge busy cdr-masked" title={t('cdr.records.maskedHint')} data-testid="cdr-masked">
          <span aria-hidden="true">{t('cdr.records.masked')}</span>
          <span className="sr-only">{t('cdr.records.maskedHint')}</span>
        </span>
      ) : null}
      {typeof name === 'string' && name ? <span className="muted small cdr-name">{name}</span> : null}
    </span>
  );
}

function DirectionText({ value }: { value: unknown }) {
  const { t, has } = useI18n();
  const v = String(value ?? '');
  return <>{v ? (has(`cdr.direction.${v}`) ? t(`cdr.direction.${v}`) : v) : '—'}</>;
}

function DispositionBadge({ value }: { value: unknown }) {
  const { t, has } = useI18n();
  const v = String(value ?? '');
  if (!v) return <>—</>;
  const key = dispositionKey(v);
  const cls = key === 'answered' ? 'good' : key === 'failed' || key === 'congestion' ? 'bad' : 'busy';
  return <span className={`badge ${cls}`}>{has(`cdr.disposition.${key}`) ? t(`cdr.disposition.${key}`) : v}</span>;
}

type FilterKey = keyof CdrFilterInputs;
const SELECTS: Partial<Record<FilterKey, { options: readonly string[]; label(t: (k: string) => string, o: string): string }>> = {
  direction: { options: DIRECTIONS, label: (t, o) => t(`cdr.direction.${o}`) },
  disposition: { options: DISPOSITIONS, label: (t, o) => t(`cdr.disposition.${dispositionKey(o)}`) },
  outcome: { options: QUEUE_OUTCOMES, label: (t, o) => t(`cdr.queueOutcome.${o}`) },
};

export function FilterBar({ value, onChange, onSubmit, fields, idPrefix }: { value: CdrFilterInputs; onChange(v: CdrFilterInputs): void; onSubmit(v: CdrFilterInputs): void; fields: FilterKey[]; idPrefix: string }) {
  const { t } = useI18n();
  const set = (k: FilterKey, v: string) => onChange({ ...value, [k]: v });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSubmit(value);
  };
  return (
    <form className="toolbar cdr-filters" onSubmit={submit} role="search" aria-label={t('cdr.filter.label')}>
      {fields.map((k) => {
        const id = `${idPrefix}-${k}`;
        const sel = SELECTS[k];
        return (
          <div className="field" key={k}>
            <label htmlFor={id}>{t(`cdr.filter.${k}`)}</label>
            {sel ? (
              <select id={id} value={value[k]} onChange={(e) => set(k, e.target.value)} data-testid={`${idPrefix}-filter-${k}`}>
                <option value="">{t('cdr.filter.any')}</option>
                {sel.options.map((o) => (
                  <option key={o} value={o}>
                    {sel.label(t, o)}
                  </option>
                ))}
              </select>
            ) : (
              <input
                id={id}
                type={k === 'from' || k === 'to' ? 'date' : 'search'}
                inputMode={k === 'number' ? 'tel' : k === 'extension' || k === 'agent' ? 'numeric' : undefined}
                autoComplete="off"
                spellCheck={false}
                value={value[k]}
                onChange={(e) => set(k, e.target.value)}
                data-testid={`${idPrefix}-filter-${k}`}
              />
            )}
          </div>
        );
      })}
      <div className="cdr-filter-actions">
        <button type="submit" className="primary" data-testid={`${idPrefix}-search`}>
          {t('cdr.filter.apply')}
        </button>
        <button
          type="button"
          onClick={() => {
            onChange(NO_FILTERS);
            onSubmit(NO_FILTERS);
          }}
        >
          {t('cdr.filter.clear')}
        </button>
      </div>
    </form>
  );
}

function ExportLinks({ path, query, order, testPrefix }: { path: string; query: Record<string, string>; order: Record<string, string>; testPrefix: string }) {
  const { t } = useI18n();
  return (
    <div className="row cdr-export no-print" role="group" aria-label={t('cdr.export.label')}>
      <span className="muted">{t('cdr.export.label')}:</span>
      {EXPORT_FORMATS.map((f) => (
        <a key={f} className="button" href={exportHref(path, f, query, order)} download data-testid={`${testPrefix}-export-${f}`} aria-label={t('cdr.export.what', { format: f.toUpperCase() })}>
          {f.toUpperCase()}
        </a>
      ))}
    </div>
  );
}

/** Counts and the "more" button under a paged list. */
function MoreBar({ shown, total, hasMore, busy, onMore, testId }: { shown: number; total: number; hasMore: boolean; busy: boolean; onMore(): void; testId: string }) {
  const { t } = useI18n();
  return (
    <div className="row cdr-more">
      <span className="muted" role="status" data-testid={`${testId}-count`}>
        {t('cdr.records.shown', { n: shown, total })}
      </span>
      {hasMore ? (
        <button type="button" onClick={onMore} disabled={busy} aria-busy={busy || undefined} data-testid={`${testId}-more`}>
          {busy ? t('common.loading') : t('cdr.records.more')}
        </button>
      ) : null}
    </div>
  );
}

/** Click a column once for newest/longest first, again for the other way round. */
function nextSort(current: string, field: string): string {
  return current === `-${field}` ? field : `-${field}`;
}

function CdrList() {
  const { t } = useI18n();
  const { can } = useSession();
  const { toast, confirm } = useFeedback();
  const holds = can('privacy', 'write');
  const [inputs, setInputs] = useState<CdrFilterInputs>(NO_FILTERS);
  const [query, setQuery] = useState<Record<string, string>>({});
  const [sort, setSort] = useState('-start');
  const order = useMemo(() => sortQuery(sort), [sort]);
  const list = useCursorList('/cdr', query, order);
  const [holding, setHolding] = useState('');
  const sortHead = (f: 'start' | 'duration' | 'billsec') => <SortButton field={f} sort={sort} onSort={(x) => setSort((s) => nextSort(s, x))} label={t(`cdr.col.${f}`)} ariaLabel={t('cdr.records.sortBy', { column: t(`cdr.col.${f}`) })} />;
  const toggleHold = async (it: Item) => {
    const linkedId = String(it.linkedId ?? '');
    if (!linkedId) return;
    const on = it.onHold === true;
    if (on && !(await confirm(t('cdr.hold.confirmRelease'), { confirmLabel: t('cdr.hold.release'), danger: true }))) return;
    setHolding(linkedId);
    try {
      if (on) await api.del(`/cdr/holds/${encodeURIComponent(linkedId)}`);
      else await api.put(`/cdr/holds/${encodeURIComponent(linkedId)}`, {});
      // Every leg of the call shares the hold.
      list.setItems((rows) => rows && rows.map((r) => (r.linkedId === linkedId ? { ...r, onHold: !on } : r)));
      toast(on ? t('cdr.hold.released') : t('cdr.hold.placed'));
    } catch (e) {
      toast(t('cdr.hold.failed', { message: errorText(e) }), 'error');
    } finally {
      setHolding('');
    }
  };
  const columns: ReactNode[] = [sortHead('start'), t('cdr.col.direction'), t('cdr.col.caller'), t('cdr.col.called'), sortHead('duration'), sortHead('billsec'), t('cdr.col.disposition'), t('cdr.col.via')];
  if (holds) columns.push(t('cdr.col.hold'));
  return (
    <>
      <FilterBar value={inputs} onChange={setInputs} onSubmit={(v) => setQuery(cdrQuery(v))} fields={['from', 'to', 'number', 'extension', 'direction', 'disposition', 'trunk', 'queue']} idPrefix="cdr" />
      <ExportLinks path="/cdr/export" query={query} order={order} testPrefix="cdr" />
      <MaskNote items={list.items} />
      {list.error ? (
        <div className="form-error" role="alert" data-testid="cdr-error">
          {list.error}
        </div>
      ) : null}
      <ListTable testId="cdr-table" caption={t('cdr.records.caption')} columns={columns} rows={list.items} empty={t('cdr.records.none')} loading={list.items === null && !list.error} busy={list.busy}>
        {(list.items ?? []).map((it, i) => {
          const linkedId = String(it.linkedId ?? '');
          const masked = it.masked === true || it.locked === true;
          const onHold = it.onHold === true;
          const via = [it.trunk, ...(String(it.route ?? '').match(/queue\/[^>]+/g) ?? []), it.extensions].filter((x) => typeof x === 'string' && x).map(String);
          return (
            <tr key={String(it.id ?? i)} data-testid="cdr-row" data-linked-id={linkedId}>
              <td className="nowrap">{whenText(it.start)}</td>
              <td>
                <DirectionText value={it.direction} />
              </td>
              <td>
                <NumberCell value={it.callerNumber} name={it.callerName} masked={masked} />
              </td>
              <td>
                <NumberCell value={it.calledNumber} name={it.calledName} masked={masked} />
              </td>
              <td className="mono">{secondsText(it.duration)}</td>
              <td className="mono">{secondsText(it.billsec)}</td>
              <td>
                <DispositionBadge value={it.disposition} />
              </td>
              <td className="small">{via.join(' · ') || '—'}</td>
              {holds ? (
                <td>
                  <label className="check cdr-hold">
                    <input type="checkbox" checked={onHold} disabled={!linkedId || holding === linkedId} onChange={() => void toggleHold(it)} data-testid="cdr-hold" />
                    <span className="sr-only">{t('cdr.hold.what', { when: whenText(it.start) })}</span>
                    <span aria-hidden="true">{onHold ? t('cdr.hold.on') : t('cdr.hold.off')}</span>
                  </label>
                </td>
              ) : null}
            </tr>
          );
        })}
      </ListTable>
      {list.items ? <MoreBar shown={list.items.length} total={list.total} hasMore={list.hasMore} busy={list.busy} onMore={list.more} testId="cdr" /> : null}
    </>
  );
}

function QueueCalls() {
  const { t, has } = useI18n();
  const [inputs, setInputs] = useState<CdrFilterInputs>(NO_FILTERS);
  const [query, setQuery] = useState<Record<string, string>>({});
  const [desc, setDesc] = useState(true);
  const order = useMemo(() => ({ order: desc ? 'desc' : 'asc' }), [desc]);
  const list = useCursorList('/cdr/queue-calls', query, order);
  const outcome = (v: unknown) => {
    const s = String(v ?? '');
    return s ? (has(`cdr.queueOutcome.${s}`) ? t(`cdr.queueOutcome.${s}`) : s) : '—';
  };
  return (
    <>
      <FilterBar value={inputs} onChange={setInputs} onSubmit={(v) => setQuery(cdrQuery(v))} fields={['from', 'to', 'queue', 'agent', 'outcome', 'number']} idPrefix="qc" />
      <ExportLinks path="/cdr/queue-calls/export" query={query} order={order} testPrefix="qc" />
      <MaskNote items={list.items} />
      {list.error ? (
        <div className="form-error" role="alert">
          {list.error}
        </div>
      ) : null}
      <ListTable
        testId="queue-calls-table"
        caption={t('cdr.queue.caption')}
        columns={[
          <SortButton key="s" field="start" sort={desc ? '-start' : 'start'} onSort={() => setDesc((d) => !d)} label={t('cdr.col.start')} ariaLabel={t('cdr.records.sortBy', { column: t('cdr.col.start') })} />,
          t('cdr.col.queue'),
          t('cdr.col.caller'),
          t('cdr.col.agent'),
          t('cdr.col.wait'),
          t('cdr.col.talk'),
          t('cdr.col.outcome'),
        ]}
        rows={list.items}
        empty={t('cdr.queue.none')}
        loading={list.items === null && !list.error}
        busy={list.busy}
      >
        {(list.items ?? []).map((it, i) => (
          <tr key={String(it.id ?? i)} data-testid="queue-call-row">
            <td className="nowrap">{whenText(it.enteredAt)}</td>
            <td>{String(it.queue ?? '—')}</td>
            <td>
              <NumberCell value={it.callerNumber} name={it.callerName} masked={it.masked === true || it.locked === true} />
            </td>
            <td className="mono">{String(it.agent || '—')}</td>
            <td className="mono">{secondsText(it.waitTime)}</td>
            <td className="mono">{secondsText(it.talkTime)}</td>
            <td>{outcome(it.outcome)}</td>
          </tr>
        ))}
      </ListTable>
      {list.items ? <MoreBar shown={list.items.length} total={list.total} hasMore={list.hasMore} busy={list.busy} onMore={list.more} testId="qc" /> : null}
    </>
  );
}

// ---- a user's own calls -------------------------------------------------------------------------

/** The other party of one of my calls: the number that is not my extension. */
export function otherParty(it: Item, mine: string): { number: string; name: string } {
  const caller = { number: String(it.callerNumber ?? ''), name: String(it.callerName ?? '') };
  const called = { number: String(it.calledNumber ?? ''), name: String(it.calledName ?? '') };
  if (it.direction === 'in') return caller;
  if (it.direction === 'out') return called;
  return caller.number === mine ? called : caller;
}

const MY_ORDER = { sort: 'start', order: 'desc' };

export function MyCalls() {
  const { t } = useI18n();
  const { me } = useSession();
  const extension = me?.user?.extension;
  const [inputs, setInputs] = useState<CdrFilterInputs>(NO_FILTERS);
  const [query, setQuery] = useState<Record<string, string>>({});
  const list = useCursorList(extension ? '/me/calls' : '', query, MY_ORDER);
  return (
    <section className="page cdr-page" aria-labelledby="page-title" data-testid="my-calls">
      <h1 id="page-title">{t('cdr.mine.title')}</h1>
      {extension ? (
        <>
          <p className="muted">{t('cdr.mine.intro', { extension })}</p>
          <FilterBar value={inputs} onChange={setInputs} onSubmit={(v) => setQuery(cdrQuery(v))} fields={['from', 'to', 'number', 'direction', 'disposition']} idPrefix="mine" />
          {list.error ? (
            <div className="form-error" role="alert">
              {list.error}
            </div>
          ) : null}
          <ListTable testId="my-calls-table" caption={t('cdr.mine.title')} columns={[t('cdr.col.start'), t('cdr.col.direction'), t('cdr.col.other'), t('cdr.col.duration'), t('cdr.col.disposition')]} rows={list.items} empty={t('cdr.mine.none')} loading={list.items === null && !list.error} busy={list.busy}>
            {(list.items ?? []).map((it, i) => {
              const other = otherParty(it, extension);
              return (
                <tr key={String(it.id ?? i)} data-testid="my-call-row">
                  <td className="nowrap">{whenText(it.start)}</td>
                  <td>
                    <DirectionText value={it.direction} />
                  </td>
                  <td>
                    <NumberCell value={other.number} name={other.name} masked={it.masked === true} />
                  </td>
                  <td className="mono">{secondsText(it.duration)}</td>
                  <td>
                    <DispositionBadge value={it.disposition} />
                  </td>
                </tr>
              );
            })}
          </ListTable>
          {list.items ? <MoreBar shown={list.items.length} total={list.total} hasMore={list.hasMore} busy={list.busy} onMore={list.more} testId="mine" /> : null}
        </>
      ) : (
        <p className="help" data-testid="my-calls-none">
          {t('cdr.mine.noExtension')}
        </p>
      )}
    </section>
  );
}
