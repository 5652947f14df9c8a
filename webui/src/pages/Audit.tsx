// The audit log: who changed what, when, from where; filters live in the URL (links and the
// back button keep them), paging goes to older entries by id. One entry shows its changes as
// before/after diffs (secrets already masked by the API) and can be reverted when it changed
// configuration objects the user may write.
import { useEffect, useState } from 'react';
import { api, ApiError, errorText } from '../lib/api.ts';
import { collections } from '../lib/collections.ts';
import { useI18n, type Translate } from '../lib/i18n.tsx';
import { Link, navigate } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';
import { useFeedback } from '../components/feedback.tsx';
import { ListTable } from '../components/lists.tsx';
import { ErrorAlert } from '../components/load.tsx';
import { FilterText, LogCount, LogFilterForm, LogPager, filterQueryString, filtersFromQuery as queryFilters, isoToLocal, localToIso, useLogPages } from '../components/logs.tsx';
import { ValueDiff } from '../components/DiffView.tsx';
import './admin.css';

export interface AuditChange {
  object: string;
  key: string;
  change: string;
  before?: unknown;
  after?: unknown;
}
export interface AuditItem {
  id: number;
  at: string;
  actor: string;
  source: string;
  action: string;
  objectType?: string;
  objectKey?: string;
  summary: string;
  changes: AuditChange[];
  revision: number;
  revertible: boolean;
}

// ---- filters <-> query string (pure, unit-tested) ------------------------------------------------

export const FILTER_KEYS = ['actor', 'action', 'objectType', 'objectKey', 'from', 'to'] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];
/** Filters as the API takes them: `from`/`to` are ISO 8601 instants. */
export type AuditFilters = Partial<Record<FilterKey, string>>;
/** Filters as the form holds them: `from`/`to` are datetime-local values (local time, no zone). */
export type FilterInputs = Record<FilterKey, string>;

export const PAGE_SIZE = 100;
/** The API's largest page: the CSV export takes everything matching, up to this. */
export const EXPORT_LIMIT = 10_000;

export { isoToLocal, localToIso };

/** The API filters in a URL query (the page's own URL and the API's use the same names). */
export function filtersFromQuery(q: URLSearchParams): AuditFilters {
  return queryFilters(FILTER_KEYS, q);
}

/** The form's inputs as API filters: text trimmed, empty left out, times converted to ISO. */
export function inputsToFilters(inputs: FilterInputs): AuditFilters {
  const out: AuditFilters = {};
  for (const k of FILTER_KEYS) {
    const v = k === 'from' || k === 'to' ? localToIso(inputs[k]) : inputs[k].trim();
    if (v) out[k] = v;
  }
  return out;
}

export function filtersToInputs(f: AuditFilters): FilterInputs {
  return {
    actor: f.actor ?? '',
    action: f.action ?? '',
    objectType: f.objectType ?? '',
    objectKey: f.objectKey ?? '',
    from: isoToLocal(f.from),
    to: isoToLocal(f.to),
  };
}

/** The query string for the filters (in FILTER_KEYS order) plus paging/export extras; no leading "?". */
export function auditQueryString(f: AuditFilters, extra: Record<string, string | number | undefined> = {}): string {
  return filterQueryString(FILTER_KEYS, f, extra);
}

/** The CSV export of everything the filters match (not just the page shown). */
export function csvHref(f: AuditFilters): string {
  return `/api/v1/audit?${auditQueryString(f, { format: 'csv', limit: EXPORT_LIMIT })}`;
}

/** The `apply` part of a write's answer: applied, waiting for Asterisk (not an error), or refused. */
export interface ApplyResult {
  ok: boolean;
  pending?: boolean;
  error?: { message: string };
}
export function applyOutcome(apply: ApplyResult | undefined): 'ok' | 'pending' | 'failed' {
  if (!apply || apply.ok) return 'ok';
  return apply.pending && !apply.error ? 'pending' : 'failed';
}

// ---- the list -------------------------------------------------------------------------------

export function Audit() {
  const { t, lang } = useI18n();
  const log = useLogPages<AuditItem, FilterKey>({ path: '/audit', route: '/audit', keys: FILTER_KEYS, pageSize: PAGE_SIZE, toInputs: filtersToInputs });
  const { filters, inputs, setInput: set, items, error } = log;
  const seen = (k: 'actor' | 'action' | 'objectType') => [...new Set((items ?? []).map((i) => i[k]).filter((v): v is string => !!v))].sort();
  const link = (f: AuditFilters) => `/audit?${auditQueryString(f)}`;

  return (
    <section className="page" aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title">{t('nav.audit')}</h1>
        <div className="actions">
          <button type="button" onClick={log.reload}>
            {t('common.refresh')}
          </button>
          <a className="button" href={csvHref(filters)} download="audit.csv" data-testid="audit-csv">
            {t('admin.audit.exportCsv')}
          </a>
        </div>
      </div>
      <p className="muted">{t('admin.audit.intro')}</p>
      <LogFilterForm log={log} i18n="admin.audit" idPrefix="audit" className="audit-filters" testId="audit-filter" onApply={() => log.go(inputsToFilters(inputs))} hint={<span className="muted small">{t('admin.audit.exactHint')}</span>}>
        <FilterText id="audit-actor" label={t('admin.audit.actor')} value={inputs.actor} onChange={(v) => set('actor', v)} options={seen('actor')} />
        <FilterText id="audit-action" label={t('admin.audit.action')} value={inputs.action} onChange={(v) => set('action', v)} options={seen('action')} />
        <FilterText id="audit-objectType" label={t('admin.audit.objectType')} value={inputs.objectType} onChange={(v) => set('objectType', v)} options={seen('objectType')} />
        <FilterText id="audit-objectKey" label={t('admin.audit.objectKey')} value={inputs.objectKey} onChange={(v) => set('objectKey', v)} />
      </LogFilterForm>
      <ErrorAlert error={error} />
      <LogCount log={log} i18n="admin.audit" />
      <ListTable className="list audit-table" testId="audit-table" columns={[t('admin.audit.time'), t('admin.audit.actor'), t('admin.audit.source'), t('admin.audit.action'), t('admin.audit.object'), t('admin.audit.summary')]} busy={!items} rows={error ? null : items} empty={log.active || log.before ? t('admin.audit.noMatch') : t('admin.audit.empty')}>
        {items?.map((e) => (
          <tr key={e.id} data-testid={`audit-row-${e.id}`}>
            <td className="when">
              <Link to={`/audit/${e.id}`} aria-label={t('admin.audit.openEntry', { id: e.id })}>
                {new Date(e.at).toLocaleString(lang)}
              </Link>
            </td>
            <td>
              <Link to={link({ actor: e.actor })} title={t('admin.audit.filterBy', { what: e.actor })}>
                {e.actor}
              </Link>
            </td>
            <td className="mono small">{e.source}</td>
            <td className="mono">
              {e.action}
              {e.revertible ? <span className="sr-only"> ({t('admin.audit.revertibleShort')})</span> : null}
            </td>
            <td>
              {e.objectType ? (
                <Link to={link({ objectType: e.objectType, ...(e.objectKey ? { objectKey: e.objectKey } : {}) })} title={t('admin.audit.filterBy', { what: `${e.objectType} ${e.objectKey ?? ''}` })}>
                  {e.objectType} <span className="mono">{e.objectKey}</span>
                </Link>
              ) : (
                '—'
              )}
            </td>
            <td>{e.summary}</td>
          </tr>
        ))}
      </ListTable>
      <LogPager log={log} i18n="admin.audit" testId="audit" />
    </section>
  );
}

// ---- one entry ------------------------------------------------------------------------------

/**
 * The section a revert of a change to `object` writes, as the API decides it: a collection's
 * own section, `system` for the settings, `routing` for emergency numbers and orders.
 * Undefined when the type is not a collection this user can see (so not one they may write).
 */
export function sectionOfObject(object: string, types: Map<string, string>): string | undefined {
  if (object === 'system') return 'system';
  if (object === 'emergency numbers' || object.endsWith(' order')) return 'routing';
  return types.get(object);
}

function kindText(t: Translate, has: (k: string) => boolean, kind: string): string {
  return has(`admin.audit.kind.${kind}`) ? t(`admin.audit.kind.${kind}`) : kind;
}

export function AuditEntry({ id }: { id: string }) {
  const { t, has, lang } = useI18n();
  const { me, can } = useSession();
  const { toast, confirm } = useFeedback();
  const [entry, setEntry] = useState<AuditItem | null>(null);
  const [error, setError] = useState('');
  const [revertError, setRevertError] = useState('');
  const [busy, setBusy] = useState(false);
  const [types, setTypes] = useState<Map<string, string> | null>(null);

  useEffect(() => {
    let live = true;
    setEntry(null);
    setError('');
    setRevertError('');
    api.get<AuditItem>(`/audit/${encodeURIComponent(id)}`).then(
      (e) => live && setEntry(e),
      (e) => live && setError(e instanceof ApiError && e.status === 404 ? t('admin.audit.notFound', { id }) : errorText(e)),
    );
    return () => {
      live = false;
    };
  }, [id]);
  useEffect(() => {
    collections().then(
      (all) => setTypes(new Map(all.map((c) => [c.type, c.section]))),
      () => setTypes(new Map()),
    );
  }, []);

  // Reverting needs system write (the route) and write on every section the entry touched.
  const sections = entry && types ? [...new Set(entry.changes.map((c) => sectionOfObject(c.object, types) ?? '?'))] : [];
  const missing = ['system', ...sections].filter((s, i, a) => a.indexOf(s) === i && !can(s, 'write'));
  const mayRevert = !!entry?.revertible && !!types && missing.length === 0;

  const revert = async () => {
    if (!entry) return;
    const details = (
      <ul className="audit-confirm-list">
        {entry.changes.map((c, i) => (
          <li key={i}>{t(`admin.audit.undo.${c.change === 'added' || c.change === 'removed' ? c.change : 'changed'}`, { object: c.object, key: c.key })}</li>
        ))}
      </ul>
    );
    if (!(await confirm(t('admin.audit.confirmRevert', { id: entry.id }), { danger: true, confirmLabel: t('admin.audit.revert'), details }))) return;
    setBusy(true);
    setRevertError('');
    try {
      const out = await api.post<{ revision: number; changes: AuditChange[]; auditId?: number; apply?: ApplyResult }>(`/audit/${entry.id}/revert`);
      if (out.changes.length === 0) {
        toast(t('admin.audit.nothingToRevert'), 'info');
        return;
      }
      const outcome = applyOutcome(out.apply);
      if (outcome === 'failed') toast(t('admin.audit.revertedNotApplied', { revision: out.revision, message: out.apply?.error?.message ?? '' }), 'error');
      else toast(t(outcome === 'pending' ? 'admin.audit.revertedPending' : 'admin.audit.reverted', { revision: out.revision }), outcome === 'pending' ? 'info' : 'ok');
      // The answer names the revert's own audit entry.
      if (out.auditId) navigate(`/audit/${out.auditId}`);
    } catch (err) {
      const text = errorText(err);
      setRevertError(err instanceof ApiError && err.status === 403 ? t('admin.notPermitted', { message: text }) : text);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="page" aria-labelledby="page-title">
      <p className="crumbs">
        <Link to="/audit">{t('nav.audit')}</Link> /
      </p>
      <h1 id="page-title">{t('admin.audit.entryTitle', { id })}</h1>
      {error ? (
        <div className="form-error" role="alert">
          {error}
        </div>
      ) : null}
      {!entry && !error ? <p aria-busy="true">{t('common.loading')}</p> : null}
      {entry ? (
        <>
          <div className="audit-head" data-testid="audit-entry">
            <dl>
              <dt>{t('admin.audit.time')}</dt>
              <dd>
                {new Date(entry.at).toLocaleString(lang)} <span className="muted small mono">{entry.at}</span>
              </dd>
              <dt>{t('admin.audit.actor')}</dt>
              <dd>{entry.actor}</dd>
              <dt>{t('admin.audit.source')}</dt>
              <dd className="mono">{entry.source}</dd>
              <dt>{t('admin.audit.action')}</dt>
              <dd className="mono">{entry.action}</dd>
              <dt>{t('admin.audit.object')}</dt>
              <dd>
                {entry.objectType ? (
                  <>
                    {entry.objectType} <span className="mono">{entry.objectKey}</span>
                  </>
                ) : (
                  '—'
                )}
              </dd>
              <dt>{t('admin.audit.revision')}</dt>
              <dd>{entry.revision}</dd>
              <dt>{t('admin.audit.summary')}</dt>
              <dd>{entry.summary}</dd>
            </dl>
          </div>
          {entry.revertible ? (
            <div className="actions">
              {mayRevert ? (
                <button type="button" className="primary danger" disabled={busy} aria-busy={busy} onClick={() => void revert()} data-testid="audit-revert">
                  {busy ? t('admin.audit.reverting') : t('admin.audit.revert')}
                </button>
              ) : types ? (
                <p className="muted">{t('admin.audit.revertNeeds', { sections: missing.map((s) => (has(`admin.section.${s}.name`) ? t(`admin.section.${s}.name`) : s)).join(', ') })}</p>
              ) : null}
            </div>
          ) : entry.changes.length ? (
            <p className="muted">{t('admin.audit.notRevertible')}</p>
          ) : null}
          {revertError ? (
            <div className="form-error" role="alert" data-testid="audit-revert-error">
              {t('admin.audit.revertFailed', { message: revertError })}
            </div>
          ) : null}
          <h2>{t('admin.audit.changes', { n: entry.changes.length })}</h2>
          {entry.changes.length ? <p className="muted small">{t('admin.audit.secretsMasked')}</p> : <p className="muted">{t('admin.audit.noChanges')}</p>}
          {entry.changes.map((c, i) => (
            <article key={i} className="audit-change" data-testid={`audit-change-${i}`}>
              <h3>
                {c.object} <span className="mono">{c.key}</span> — {kindText(t, has, c.change)}
              </h3>
              {c.before === undefined && c.after === undefined ? <p className="muted small">{t('admin.audit.noDetails')}</p> : <ValueDiff before={c.before} after={c.after} />}
            </article>
          ))}
        </>
      ) : null}
    </section>
  );
}
