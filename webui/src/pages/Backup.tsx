// Backup and restore of the whole configuration (objects and custom roles; not users). The
// download is a plain link: the session cookie authenticates GETs. A restore replaces
// everything in one audited change, or changes nothing when the archive is refused.
import { useRef, useState, type FormEvent } from 'react';
import { ApiError, errorText, request } from '../lib/api.ts';
import { useI18n } from '../lib/i18n.tsx';
import { Link } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';
import { useFeedback } from '../components/feedback.tsx';
import { applyOutcome, type ApplyResult } from './Audit.tsx';
import './admin.css';

/**
 * Sections a restore writes (the API checks write on each: every collection's section plus
 * system, routing and users for the settings, emergency numbers and custom roles).
 */
export const RESTORE_SECTIONS = ['extensions', 'trunks', 'routing', 'phonebook', 'crm', 'system', 'users'] as const;

interface RestoreResult {
  revision: number;
  changes: number;
  apply?: ApplyResult;
}

export function Backup() {
  const { t } = useI18n();
  const { can, refresh } = useSession();
  const { toast, confirm } = useFeedback();
  const fileInput = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [result, setResult] = useState<RestoreResult | null>(null);
  // GET /backup needs system write: the archive holds every secret.
  const mayDownload = can('system', 'write');
  const missing = RESTORE_SECTIONS.filter((s) => !can(s, 'write'));
  const mayRestore = missing.length === 0;
  const sectionNames = missing.map((s) => t(`admin.section.${s}.name`)).join(', ');

  const restore = async (e: FormEvent) => {
    e.preventDefault();
    if (!file) {
      setError(t('admin.backup.chooseFile'));
      fileInput.current?.focus();
      return;
    }
    const ok = await confirm(t('admin.backup.confirm', { file: file.name }), {
      danger: true,
      confirmLabel: t('admin.backup.restoreConfirm'),
      details: <p className="muted">{t('admin.backup.confirmDetails')}</p>,
    });
    if (!ok) return;
    setBusy(true);
    setError('');
    setResult(null);
    try {
      // Sent as is: the box reads gzip or plain JSON alike.
      const r = await request<RestoreResult>('POST', '/backup/restore', { raw: file, contentType: 'application/gzip' });
      setResult(r);
      const outcome = applyOutcome(r.apply);
      if (outcome === 'failed') toast(t('admin.backup.restoredNotApplied', { n: r.changes, revision: r.revision, message: r.apply?.error?.message ?? '' }), 'error');
      else toast(t('admin.backup.restored', { n: r.changes, revision: r.revision }));
      setFile(null);
      if (fileInput.current) fileInput.current.value = '';
      // Custom roles came back from the archive: the user's own rights may have changed.
      void refresh().catch(() => undefined);
    } catch (err) {
      const text = errorText(err);
      setError(
        err instanceof ApiError && err.status === 403
          ? t('admin.notPermitted', { message: text })
          : err instanceof ApiError && err.status === 413
            ? t('admin.backup.tooLarge', { message: text })
            : t('admin.backup.refused', { message: text }),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="page" aria-labelledby="page-title">
      <h1 id="page-title">{t('nav.backup')}</h1>
      <p className="muted">{t('admin.backup.intro')}</p>

      <section className="backup-box" aria-labelledby="backup-download">
        <h2 id="backup-download">{t('admin.backup.downloadTitle')}</h2>
        <p>{t('admin.backup.downloadText')}</p>
        {mayDownload ? (
          <>
            <p className="admin-notice warn small">{t('admin.backup.secretsWarning')}</p>
            <a className="button primary" href="/api/v1/backup" download data-testid="backup-download">
              {t('admin.backup.download')}
            </a>
          </>
        ) : (
          <p className="muted">{t('admin.backup.downloadNeeds')}</p>
        )}
      </section>

      <section className="backup-box" aria-labelledby="backup-restore">
        <h2 id="backup-restore">{t('admin.backup.restoreTitle')}</h2>
        <p>{t('admin.backup.restoreText')}</p>
        {mayRestore ? (
          <form onSubmit={restore} noValidate>
            <div className="field">
              <label htmlFor="backup-file">{t('admin.backup.file')}</label>
              <input
                id="backup-file"
                ref={fileInput}
                type="file"
                accept=".gz,.json,application/gzip,application/json"
                data-testid="backup-file"
                disabled={busy}
                aria-describedby="backup-file-help"
                onChange={(e) => (setFile(e.target.files?.[0] ?? null), setError(''), setResult(null))}
              />
              <span className="help" id="backup-file-help">
                {t('admin.backup.fileHelp')}
              </span>
            </div>
            <button type="submit" className="primary danger" disabled={busy} aria-busy={busy} data-testid="backup-restore">
              {busy ? t('admin.backup.restoring') : t('admin.backup.restore')}
            </button>
          </form>
        ) : (
          <p className="muted">{t('admin.backup.restoreNeeds', { sections: sectionNames })}</p>
        )}
        {busy ? (
          <div role="status" className="backup-progress" data-testid="backup-progress">
            <progress aria-label={t('admin.backup.restoring')} />
            <p className="muted small">{t('admin.backup.progress', { file: file?.name ?? '', size: file ? formatSize(file.size) : '' })}</p>
          </div>
        ) : null}
        {error ? (
          <div className="form-error" role="alert" data-testid="backup-error">
            {error}
          </div>
        ) : null}
        {result ? (
          <div className="admin-notice" role="status" data-testid="backup-result">
            <p>{t('admin.backup.resultText', { n: result.changes, revision: result.revision })}</p>
            {applyOutcome(result.apply) === 'failed' ? <p className="field-error">{t('admin.backup.resultNotApplied', { message: result.apply?.error?.message ?? '' })}</p> : null}
            {applyOutcome(result.apply) === 'pending' ? <p>{t('admin.backup.resultPending')}</p> : null}
            {can('audit', 'read') ? (
              <p>
                <Link to={`/audit?action=backup.restore`}>{t('admin.backup.seeAudit')}</Link>
              </p>
            ) : null}
          </div>
        ) : null}
      </section>
    </section>
  );
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
