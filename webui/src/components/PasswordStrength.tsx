// Live strength feedback from the box's own rules (POST /passwords/check), so the GUI never
// disagrees with what the API will accept.
import { useEffect, useState } from 'react';
import { api } from '../lib/api.ts';
import { useI18n } from '../lib/i18n.tsx';

export function usePasswordProblems(password: string, kind: 'admin' | 'sip' | 'pin', username?: string): string[] | null {
  const [problems, setProblems] = useState<string[] | null>(null);
  useEffect(() => {
    if (!password) return setProblems(null);
    let live = true;
    const timer = setTimeout(() => {
      api
        .post<{ ok: boolean; problems: string[] }>('/passwords/check', { kind, password, ...(username ? { username } : {}) })
        .then((r) => live && setProblems(r.problems), () => live && setProblems(null));
    }, 250);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [password, kind, username]);
  return problems;
}

export function PasswordStrength({ problems, id }: { problems: string[] | null; id: string }) {
  const { t } = useI18n();
  if (problems === null) return null;
  return problems.length ? (
    <ul className="problems" id={id} aria-live="polite">
      {problems.map((p) => (
        <li key={p}>{p}</li>
      ))}
    </ul>
  ) : (
    <p className="ok-text" id={id} aria-live="polite">
      {t('password.strong')}
    </p>
  );
}
