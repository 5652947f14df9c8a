// Apply status in the header, live from the event stream: the integrator sees at a glance
// whether the last change is running in Asterisk, still applying, or was refused (and why).
import { useEffect, useState } from 'react';
import { api } from '../lib/api.ts';
import { useEvent } from '../lib/events.ts';
import { useI18n } from '../lib/i18n.tsx';
import { Link } from '../lib/router.tsx';

export interface ApplyStatus {
  state: string;
  appliedRevision?: number;
  /** The last refused apply (Asterisk's reason); kept until an apply succeeds. */
  lastError?: { message: string; details?: string[] };
  [k: string]: unknown;
}

export function useApplyStatus(): { revision: number; apply: ApplyStatus } | null {
  const [s, setS] = useState<{ revision: number; apply: ApplyStatus } | null>(null);
  useEffect(() => {
    api.get<{ revision: number; apply: ApplyStatus }>('/config/status').then(setS, () => {});
  }, []);
  useEvent(['apply', 'open'], (type, data) => {
    if (type === 'apply') setS(data as { revision: number; apply: ApplyStatus });
    else api.get<{ revision: number; apply: ApplyStatus }>('/config/status').then(setS, () => {});
  });
  return s;
}

export function ApplyIndicator() {
  const { t } = useI18n();
  const s = useApplyStatus();
  if (!s) return null;
  const state = s.apply.state;
  const kind = state === 'failed' ? 'bad' : state === 'applying' || state === 'pending' ? 'busy' : 'good';
  const label = t(`apply.${state}`) === `apply.${state}` ? state : t(`apply.${state}`);
  return (
    <Link to="/preview" className={`apply-indicator ${kind}`} data-testid="apply-indicator" data-state={state} title={state === 'failed' ? (s.apply.lastError?.message ?? '') : ''}>
      <span className="dot" aria-hidden="true" />
      {t('apply.label')}: {label} <span className="muted">r{s.revision}</span>
    </Link>
  );
}
