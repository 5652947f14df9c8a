import { useState, type FormEvent } from 'react';
import { api, errorText } from '../lib/api.ts';
import { useI18n } from '../lib/i18n.tsx';
import { navigate } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';
import { useFeedback } from '../components/feedback.tsx';
import { PasswordStrength, usePasswordProblems } from '../components/PasswordStrength.tsx';

/** Own password change; `forced` at the first login with the one-time password. */
export function ChangePassword({ forced = false }: { forced?: boolean }) {
  const { t } = useI18n();
  const { me, refresh, logout } = useSession();
  const { toast } = useFeedback();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const problems = usePasswordProblems(next, 'admin', me?.name);
  const mismatch = again !== '' && again !== next;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (mismatch) return;
    setBusy(true);
    setError('');
    try {
      await api.post('/auth/password', { currentPassword: current, newPassword: next });
      toast(t('password.changed'));
      await refresh();
      if (!forced) navigate('/');
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const suggest = async () => {
    const r = await api.get<{ password: string }>('/passwords/generate', { kind: 'admin' });
    setNext(r.password);
    setAgain(r.password);
  };
  const body = (
    <form onSubmit={submit} className={forced ? '' : 'page narrow'}>
      <h1>{forced ? t('password.forcedTitle') : t('password.title')}</h1>
      {forced ? <p>{t('password.forcedIntro')}</p> : null}
      <div className="field">
        <label htmlFor="pw-current">{t('password.current')}</label>
        <input id="pw-current" type="password" autoComplete="current-password" required value={current} onChange={(e) => setCurrent(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="pw-new">{t('password.new')}</label>
        <div className="row">
          <input id="pw-new" type="text" className="mono" autoComplete="new-password" required aria-describedby="pw-problems" value={next} onChange={(e) => setNext(e.target.value)} />
          <button type="button" onClick={() => void suggest()}>
            {t('password.suggest')}
          </button>
        </div>
        <PasswordStrength problems={problems} id="pw-problems" />
      </div>
      <div className="field">
        <label htmlFor="pw-again">{t('password.again')}</label>
        <input id="pw-again" type="text" className="mono" autoComplete="new-password" required aria-invalid={mismatch || undefined} aria-describedby={mismatch ? 'pw-mismatch' : undefined} value={again} onChange={(e) => setAgain(e.target.value)} />
        {mismatch ? (
          <div className="field-error" id="pw-mismatch" role="alert">
            {t('password.mismatch')}
          </div>
        ) : null}
      </div>
      {error ? (
        <div className="form-error" role="alert">
          {error}
        </div>
      ) : null}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy || mismatch || !next || (problems?.length ?? 0) > 0}>
          {t('password.submit')}
        </button>
        {forced ? (
          <button type="button" onClick={() => void logout()}>
            {t('nav.logout')}
          </button>
        ) : null}
      </div>
    </form>
  );
  return forced ? (
    <main className="login" id="main">
      {body}
    </main>
  ) : (
    body
  );
}
