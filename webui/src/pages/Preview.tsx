// What the next apply would change in Asterisk, file by file, against the configuration that is
// running (secrets masked by the server), beside the apply status: when an apply failed, the
// integrator reads here what Asterisk rejected.
import { useEffect, useRef, useState } from 'react';
import { api, errorText } from '../lib/api.ts';
import { useI18n } from '../lib/i18n.tsx';
import { useApplyStatus } from '../components/ApplyIndicator.tsx';
import { DiffView } from '../components/DiffView.tsx';
import { applyBadge } from './Dashboard.tsx';
import './Preview.css';

export interface ConfigPreview {
  revision: number;
  runningGeneration?: number;
  runningRevision?: number;
  changed: boolean;
  files: { name: string; status: 'added' | 'removed' | 'changed' | 'unchanged'; diff?: string }[];
  reloads: string[];
  restartRequired: string[];
}

interface ApplyError {
  message: string;
  objects?: string[];
  details?: string[];
  at?: string;
  revision?: number;
}

export function Preview() {
  const { t, has, lang } = useI18n();
  const applyStatus = useApplyStatus();
  const [preview, setPreview] = useState<ConfigPreview | null>(null);
  const [error, setError] = useState('');
  const [loading, setLoading] = useState(false);
  const [loadedAt, setLoadedAt] = useState<Date | null>(null);
  const seq = useRef(0);

  const load = async () => {
    const mine = ++seq.current;
    setLoading(true);
    try {
      const p = await api.get<ConfigPreview>('/config/preview');
      if (mine !== seq.current) return;
      setPreview(p);
      setError('');
      setLoadedAt(new Date());
    } catch (err) {
      if (mine !== seq.current) return;
      setError(errorText(err));
    } finally {
      if (mine === seq.current) setLoading(false);
    }
  };

  // Refetch when the model or the running configuration moved (a save, an apply finishing).
  const apply = applyStatus?.apply;
  const key = `${applyStatus?.revision ?? ''}/${apply?.state ?? ''}/${apply?.appliedRevision ?? ''}`;
  const seenKey = useRef<string | null>(null);
  useEffect(() => {
    void load();
  }, []);
  useEffect(() => {
    if (!applyStatus) return;
    if (seenKey.current !== null && seenKey.current !== key) void load();
    seenKey.current = key;
  }, [key]);

  const changed = preview?.files.filter((f) => f.status !== 'unchanged') ?? [];
  const unchanged = preview?.files.filter((f) => f.status === 'unchanged') ?? [];
  const lastError = (apply?.lastError ?? apply?.error) as ApplyError | undefined;
  const state = apply?.state ?? '';
  const stateLabel = has(`apply.${state}`) ? t(`apply.${state}`) : state;

  return (
    <section className="page preview" aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title">{t('nav.preview')}</h1>
        <div className="actions">
          <button type="button" onClick={() => void load()} disabled={loading} aria-busy={loading} data-testid="preview-refresh">
            {loading ? t('common.loading') : t('common.refresh')}
          </button>
        </div>
      </div>
      <p className="muted">{t('dashboard.preview.intro')}</p>

      <section className="card apply-status" aria-labelledby="apply-title" data-testid="preview-apply" data-state={state}>
        <h2 id="apply-title">{t('dashboard.preview.applyTitle')}</h2>
        {apply ? (
          <dl>
            <dt>{t('dashboard.preview.state')}</dt>
            <dd>
              <span className={`badge ${applyBadge(state)}`}>{stateLabel}</span>
            </dd>
            <dt>{t('dashboard.preview.modelRevision')}</dt>
            <dd>{applyStatus?.revision}</dd>
            <dt>{t('dashboard.preview.appliedRevision')}</dt>
            <dd data-testid="applied-revision">{apply.appliedRevision ?? t('dashboard.preview.never')}</dd>
          </dl>
        ) : (
          <p className="muted">{t('common.loading')}</p>
        )}
        {(apply?.warnings as string[] | undefined)?.length ? (
          <ul className="form-error" data-testid="apply-warnings">
            {(apply!.warnings as string[]).map((w) => (
              <li key={w}>{t('form.warning', { message: w })}</li>
            ))}
          </ul>
        ) : null}
        {lastError ? (
          <div className="form-error" role="alert" data-testid="apply-error">
            <strong>{t('dashboard.preview.failed')}</strong> {lastError.message}
            {lastError.at ? <div className="small">{t('dashboard.preview.failedAt', { time: new Date(lastError.at).toLocaleString(lang), revision: lastError.revision ?? '—' })}</div> : null}
            {lastError.objects?.length ? <div>{t('dashboard.preview.objects', { objects: lastError.objects.join(', ') })}</div> : null}
            {lastError.details?.length ? (
              <>
                <div>{t('dashboard.preview.details')}</div>
                <pre className="details mono">{lastError.details.join('\n')}</pre>
              </>
            ) : null}
            <div>{t('dashboard.preview.failedHint')}</div>
          </div>
        ) : null}
      </section>

      {error ? (
        <div className="form-error" role="alert" data-testid="preview-error">
          {t('dashboard.preview.loadFailed')}
          {'\n'}
          {error}
        </div>
      ) : null}

      <div role="status" data-testid="preview-summary" className="summary">
        {preview ? (
          <p>
            <strong>{changed.length ? t(changed.length === 1 ? 'dashboard.preview.changesOne' : 'dashboard.preview.changes', { n: changed.length }) : t('dashboard.preview.noChanges')}</strong>{' '}
            <span className="muted small">
              {t('dashboard.preview.against', {
                revision: preview.revision,
                running: preview.runningRevision ?? '—',
                generation: preview.runningGeneration ?? '—',
              })}
              {loadedAt ? ` · ${t('dashboard.preview.loadedAt', { time: loadedAt.toLocaleTimeString(lang) })}` : ''}
            </span>
          </p>
        ) : !error ? (
          <p className="muted">{t('common.loading')}</p>
        ) : null}
      </div>

      {preview && (preview.reloads.length || preview.restartRequired.length) ? (
        <ul className="plan">
          {preview.reloads.length ? <li>{t('dashboard.preview.reloads', { modules: preview.reloads.join(', ') })}</li> : null}
          {preview.restartRequired.length ? <li className="warn">{t('dashboard.preview.restart', { files: preview.restartRequired.join(', ') })}</li> : null}
        </ul>
      ) : null}

      {changed.map((f) => (
        <section key={f.name} className="file" data-testid={`preview-file-${f.name}`} data-status={f.status} aria-labelledby={`file-${f.name}`}>
          <h2 id={`file-${f.name}`}>
            <span className="mono">{f.name}</span> <span className={`badge ${f.status === 'removed' ? 'bad' : f.status === 'added' ? 'good' : 'busy'}`}>{t(`dashboard.preview.status.${f.status}`)}</span>
          </h2>
          {f.diff ? <DiffView text={f.diff} /> : null}
        </section>
      ))}

      {unchanged.length ? (
        <details className="unchanged">
          <summary>{t('dashboard.preview.unchanged', { n: unchanged.length })}</summary>
          <ul className="mono small">
            {unchanged.map((f) => (
              <li key={f.name}>{f.name}</li>
            ))}
          </ul>
        </details>
      ) : null}
    </section>
  );
}
