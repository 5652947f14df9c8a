// API tokens for integrations: scopes are a level per section, never more than the creator
// holds (the API also caps a token at its creator's current rights). The secret is shown once.
import { useEffect, useState, type FormEvent } from 'react';
import { api, errorText } from '../lib/api.ts';
import { useI18n } from '../lib/i18n.tsx';
import { useSession } from '../lib/session.tsx';
import { useFeedback } from '../components/feedback.tsx';
import { ListTable } from '../components/lists.tsx';
import { PermissionMatrix, summarizePermissions, type Permissions } from '../components/PermissionMatrix.tsx';
import { CopyButton, FieldMessage, FormError, NO_ERRORS, Panel, formErrors, invalidAttrs, type FormErrors } from './Users.tsx';
import './admin.css';

interface TokenInfo {
  id: string;
  name: string;
  scopes: Permissions;
  createdBy: string;
  createdAt: string;
  lastUsedAt?: string;
  revokedAt?: string;
}

export function Tokens() {
  const { t, lang } = useI18n();
  const { me, can } = useSession();
  const { toast, confirm } = useFeedback();
  const [tokens, setTokens] = useState<TokenInfo[] | null>(null);
  const [error, setError] = useState('');
  const [creating, setCreating] = useState(false);
  const [shown, setShown] = useState<{ name: string; token: string } | null>(null);
  const [reload, setReload] = useState(0);
  // Tokens are made by logged-in users (a token cannot mint tokens).
  const writable = can('users', 'write');
  const mayCreate = writable && me?.kind === 'user';

  useEffect(() => {
    let live = true;
    api.get<{ items: TokenInfo[] }>('/tokens').then(
      (r) => live && (setTokens([...r.items].sort((a, b) => Number(!!a.revokedAt) - Number(!!b.revokedAt) || b.createdAt.localeCompare(a.createdAt))), setError('')),
      (e) => live && setError(errorText(e)),
    );
    return () => {
      live = false;
    };
  }, [reload]);

  const when = (iso?: string) => (iso ? new Date(iso).toLocaleString(lang) : '—');

  const revoke = async (tk: TokenInfo) => {
    if (!(await confirm(t('admin.tokens.confirmRevoke', { name: tk.name }), { danger: true, confirmLabel: t('admin.tokens.revoke') }))) return;
    try {
      await api.del(`/tokens/${encodeURIComponent(tk.id)}`);
      toast(t('admin.tokens.revoked', { name: tk.name }));
      setReload((n) => n + 1);
    } catch (err) {
      toast(formErrors(err, t).form, 'error');
    }
  };

  return (
    <section className="page" aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title">{t('nav.tokens')}</h1>
        {mayCreate ? (
          <div className="actions">
            <button type="button" className="primary" data-testid="token-new" onClick={() => (setShown(null), setCreating(true))}>
              {t('admin.tokens.new')}
            </button>
          </div>
        ) : null}
      </div>
      <p className="muted">{t('admin.tokens.intro')}</p>
      {error ? (
        <div className="form-error" role="alert">
          {error}
        </div>
      ) : null}
      {shown ? (
        <div className="admin-notice warn" role="status" data-testid="token-secret">
          <p>
            <strong>{t('admin.tokens.onceTitle', { name: shown.name })}</strong>
          </p>
          <p>{t('admin.tokens.onceText')}</p>
          <div className="row">
            <label htmlFor="token-value" className="sr-only">
              {t('admin.tokens.value')}
            </label>
            <input id="token-value" className="mono" readOnly value={shown.token} data-testid="token-value" onFocus={(e) => e.currentTarget.select()} />
            <CopyButton text={shown.token} testId="token-copy" />
            <button type="button" onClick={() => setShown(null)}>
              {t('admin.tokens.done')}
            </button>
          </div>
        </div>
      ) : null}
      {creating ? (
        <TokenForm
          ceiling={me?.permissions}
          onCancel={() => setCreating(false)}
          onCreated={(name, token) => {
            setCreating(false);
            setShown({ name, token });
            setReload((n) => n + 1);
          }}
        />
      ) : null}
      <ListTable testId="tokens-table" columns={[t('admin.tokens.name'), t('admin.tokens.scopes'), t('admin.tokens.createdBy'), t('admin.tokens.createdAt'), t('admin.tokens.lastUsed')]} actions rows={tokens} empty={t('admin.tokens.empty')} loading={!tokens && !error}>
        {tokens?.map((tk) => (
          <tr key={tk.id} data-testid={`token-row-${tk.id}`}>
            <td>
              {tk.name} <span className="muted mono small">{tk.id}</span>
            </td>
            <td className="admin-perms">{summarizePermissions(tk.scopes, t)}</td>
            <td className="mono">{tk.createdBy}</td>
            <td className="nowrap">{when(tk.createdAt)}</td>
            <td className="nowrap">{tk.lastUsedAt ? when(tk.lastUsedAt) : <span className="muted">{t('admin.tokens.never')}</span>}</td>
            <td className="nowrap">
              {tk.revokedAt ? (
                <span className="badge bad">{t('admin.tokens.revokedAt', { when: when(tk.revokedAt) })}</span>
              ) : writable ? (
                <button type="button" className="link danger" aria-label={t('admin.tokens.revokeWhat', { name: tk.name })} onClick={() => void revoke(tk)}>
                  {t('admin.tokens.revoke')}
                </button>
              ) : null}
            </td>
          </tr>
        ))}
      </ListTable>
    </section>
  );
}

function TokenForm({ ceiling, onCancel, onCreated }: { ceiling?: Permissions; onCancel(): void; onCreated(name: string, token: string): void }) {
  const { t } = useI18n();
  const { toast } = useFeedback();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Permissions>({});
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setErrors(NO_ERRORS);
    try {
      const r = await api.post<{ token: string; info: TokenInfo }>('/tokens', { name: name.trim(), scopes });
      toast(t('admin.tokens.created', { name: r.info.name }));
      onCreated(r.info.name, r.token);
    } catch (err) {
      setErrors(formErrors(err, t));
    } finally {
      setBusy(false);
    }
  };
  const empty = Object.keys(scopes).length === 0;
  return (
    <Panel title={t('admin.tokens.new')} testId="token-form">
      <form onSubmit={submit} noValidate className="admin-form">
        <FormError errors={errors} testId="token-form-error" />
        <div className="field">
          <label htmlFor="token-name">{t('admin.tokens.name')}</label>
          <input id="token-name" data-testid="token-name" autoComplete="off" required value={name} onChange={(e) => setName(e.target.value)} {...invalidAttrs(errors, 'name', 'token-name')} />
          <span className="help">{t('admin.tokens.nameHelp')}</span>
          <FieldMessage errors={errors} path="name" id="token-name" />
        </div>
        <h3>{t('admin.tokens.scopes')}</h3>
        <PermissionMatrix value={scopes} onChange={setScopes} ceiling={ceiling} label={t('admin.tokens.scopes')} />
        <FieldMessage errors={errors} path="scopes" id="token-scopes" />
        {empty ? <p className="muted small">{t('admin.tokens.noScopes')}</p> : null}
        <div className="form-actions">
          <button type="submit" className="primary" disabled={busy} aria-busy={busy} data-testid="token-save">
            {busy ? t('common.saving') : t('admin.tokens.create')}
          </button>
          <button type="button" onClick={onCancel}>
            {t('common.cancel')}
          </button>
        </div>
      </form>
    </Panel>
  );
}
