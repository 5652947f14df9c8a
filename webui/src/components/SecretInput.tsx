// A secret field (SIP password, AMI secret): shown in clear so the admin can copy it to a
// phone, with a button that asks the box for a strong one.
import { api } from '../lib/api.ts';
import { useI18n } from '../lib/i18n.tsx';

type Attrs = { id?: string; disabled?: boolean; 'aria-invalid'?: boolean; 'aria-describedby'?: string; 'aria-required'?: boolean };

export function SecretInput({ value, onChange, kind = 'sip', ...attrs }: Attrs & { value: string; onChange(v: string): void; kind?: 'sip' | 'admin' | 'pin' }) {
  const { t } = useI18n();
  const generate = async () => {
    const r = await api.get<{ password: string }>('/passwords/generate', { kind });
    onChange(r.password);
  };
  return (
    <div className="row">
      <input {...attrs} type="text" className="mono" autoComplete="off" spellCheck={false} value={value} onChange={(e) => onChange(e.target.value)} />
      <button type="button" disabled={attrs.disabled} onClick={() => void generate()}>
        {t('form.generate')}
      </button>
    </div>
  );
}
