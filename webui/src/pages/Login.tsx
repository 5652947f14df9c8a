import { useState, type FormEvent } from 'react';
import { api, ApiError, errorText } from '../lib/api.ts';
import { LANGUAGES, useI18n } from '../lib/i18n.tsx';
import { useSession } from '../lib/session.tsx';

export function Login() {
  const { t, lang, setLang } = useI18n();
  const { refresh } = useSession();
  const [username, setUsername] = useState('admin');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await api.post('/auth/login', { username, password });
      await refresh();
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? t('login.wrong') : errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="login" id="main">
      <form onSubmit={submit} aria-describedby={error ? 'login-error' : undefined}>
        <h1>{t('login.title')}</h1>
        <p className="muted">{t('login.intro')}</p>
        <div className="field">
          <label htmlFor="login-user">{t('login.username')}</label>
          <input id="login-user" autoComplete="username" required value={username} onChange={(e) => setUsername(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="login-password">{t('login.password')}</label>
          <input id="login-password" type="password" autoComplete="current-password" required autoFocus value={password} onChange={(e) => setPassword(e.target.value)} />
        </div>
        {error ? (
          <div className="form-error" id="login-error" role="alert">
            {error}
          </div>
        ) : null}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t('login.busy') : t('login.submit')}
        </button>
        <p className="muted small">{t('login.firstTime')}</p>
        <label className="lang">
          {t('common.language')}{' '}
          <select value={lang} onChange={(e) => setLang(e.target.value)}>
            {LANGUAGES.map((l) => (
              <option key={l} value={l}>
                {t(`languages.${l}`)}
              </option>
            ))}
          </select>
        </label>
      </form>
    </main>
  );
}
