import { useEffect, useState } from 'react';
import { api, errorText } from '../lib/api.ts';
import { useI18n } from '../lib/i18n.tsx';
import { useSession } from '../lib/session.tsx';
import { reportSaved, useFeedback, type WriteApply } from '../components/feedback.tsx';
import { ObjectForm } from '../components/ObjectForm.tsx';

export function SystemSettings() {
  const { t } = useI18n();
  const { can } = useSession();
  const { toast } = useFeedback();
  const [sys, setSys] = useState<Record<string, unknown>>();
  const [error, setError] = useState('');
  useEffect(() => {
    api.get<Record<string, unknown>>('/system').then(setSys, (e) => setError(errorText(e)));
  }, []);
  return (
    <section className="page" aria-labelledby="page-title">
      <h1 id="page-title">{t('nav.system')}</h1>
      <p className="muted">{t('intro.system')}</p>
      {error ? <div className="form-error" role="alert">{error}</div> : null}
      {sys ? (
        <ObjectForm
          schemaPath="/system"
          schemaMethod="put"
          initial={sys}
          disabled={!can('system', 'write')}
          submitLabel={t('form.save')}
          onSubmit={async (v) => {
            const r = await api.put<{ item: Record<string, unknown>; apply?: WriteApply }>('/system', v);
            setSys(r.item);
            reportSaved(toast, t, t('nav.system'), r.apply);
          }}
        />
      ) : null}
    </section>
  );
}

export function EmergencyNumbers() {
  const { t } = useI18n();
  const { can } = useSession();
  const { toast } = useFeedback();
  const [text, setText] = useState('');
  const [error, setError] = useState('');
  useEffect(() => {
    api.get<{ numbers: string[] }>('/emergency-numbers').then((r) => setText(r.numbers.join('\n')), (e) => setError(errorText(e)));
  }, []);
  const save = async () => {
    setError('');
    try {
      await api.put('/emergency-numbers', { numbers: text.split(/\s+/).filter(Boolean) });
      toast(t('form.saved', { what: t('nav.emergency') }));
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <section className="page narrow" aria-labelledby="page-title">
      <h1 id="page-title">{t('nav.emergency')}</h1>
      <p className="muted">{t('intro.emergency')}</p>
      <div className="field">
        <label htmlFor="emergency">{t('field.numbers')}</label>
        <textarea id="emergency" rows={5} className="mono" value={text} disabled={!can('routing', 'write')} onChange={(e) => setText(e.target.value)} aria-describedby={error ? 'emergency-err' : undefined} />
        {error ? <div className="field-error" id="emergency-err" role="alert">{error}</div> : null}
      </div>
      {can('routing', 'write') ? (
        <button type="button" className="primary" onClick={() => void save()}>
          {t('form.save')}
        </button>
      ) : null}
    </section>
  );
}
