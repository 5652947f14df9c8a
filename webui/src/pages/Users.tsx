// Users of the management GUI/API. A password set here is temporary: the API marks the user
// "must change password", so they choose their own at the first sign-in. Nobody hands out more
// than they hold: roles beyond the editor's rights are marked, and the API's 403 is shown as is.
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError, errorText, type FieldError } from '../lib/api.ts';
import { useI18n, type Translate } from '../lib/i18n.tsx';
import { useSession } from '../lib/session.tsx';
import { useFeedback } from '../components/feedback.tsx';
import { ListTable } from '../components/lists.tsx';
import { PasswordStrength, usePasswordProblems } from '../components/PasswordStrength.tsx';
import { SecretInput } from '../components/SecretInput.tsx';
import { permissionsWithin, type Permissions } from '../components/PermissionMatrix.tsx';
import './admin.css';

export interface UserInfo {
  username: string;
  role: string;
  fullName?: string;
  language?: 'en' | 'it';
  mustChangePassword: boolean;
}
export interface RoleInfo {
  name: string;
  description?: string;
  permissions: Permissions;
  builtIn: boolean;
}

// ---- small form helpers shared by the admin pages ------------------------------------------

/** An API failure split into messages per field path and one message for the form. */
export interface FormErrors {
  form: string;
  fields: FieldError[];
}
export const NO_ERRORS: FormErrors = { form: '', fields: [] };

export function formErrors(err: unknown, t: Translate): FormErrors {
  if (err instanceof ApiError) {
    // 403 from the rights ceiling: the API names the section; say why it is refused.
    const form = err.status === 403 ? t('admin.notPermitted', { message: err.message }) : err.message;
    return { form, fields: err.fields.filter((f) => f.path && f.path !== '(root)') };
  }
  return { form: errorText(err), fields: [] };
}

export function fieldMessages(errors: FormErrors, path: string): string[] {
  return errors.fields.filter((f) => f.path === path || f.path.startsWith(path + '.') || f.path.startsWith(path + '[')).map((f) => f.message);
}

/** Attributes that tie an input to its inline error. */
export function invalidAttrs(errors: FormErrors, path: string, id: string): { 'aria-invalid'?: boolean; 'aria-describedby'?: string } {
  return fieldMessages(errors, path).length ? { 'aria-invalid': true, 'aria-describedby': `${id}-err` } : {};
}

export function FieldMessage({ errors, path, id }: { errors: FormErrors; path: string; id: string }) {
  const msgs = fieldMessages(errors, path);
  return msgs.length ? (
    <div className="field-error" id={`${id}-err`} role="alert">
      {msgs.join('; ')}
    </div>
  ) : null;
}

export function FormError({ errors, testId }: { errors: FormErrors; testId?: string }) {
  if (!errors.form) return null;
  return (
    <div className="form-error" role="alert" data-testid={testId ?? 'form-error'}>
      {errors.form}
    </div>
  );
}

/** A panel that takes focus when it opens, so keyboard and screen-reader users land in it. */
export function Panel({ title, children, testId }: { title: string; children: ReactNode; testId?: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <section className="admin-panel" aria-labelledby="panel-title" data-testid={testId}>
      <h2 id="panel-title" tabIndex={-1} ref={ref}>
        {title}
      </h2>
      {children}
    </section>
  );
}

// ---- the page ---------------------------------------------------------------------------------

type Editing = { mode: 'new' } | { mode: 'edit'; user: UserInfo } | null;

export function Users() {
  const { t } = useI18n();
  const { me, can } = useSession();
  const { toast, confirm } = useFeedback();
  const [users, setUsers] = useState<UserInfo[] | null>(null);
  const [roles, setRoles] = useState<RoleInfo[]>([]);
  const [error, setError] = useState('');
  const [editing, setEditing] = useState<Editing>(null);
  const [created, setCreated] = useState<{ username: string; password: string } | null>(null);
  const [reload, setReload] = useState(0);
  const writable = can('users', 'write');
  const ceiling = me?.permissions;

  useEffect(() => {
    let live = true;
    Promise.all([api.get<{ items: UserInfo[] }>('/users'), api.get<{ items: RoleInfo[] }>('/roles')]).then(
      ([u, r]) => {
        if (!live) return;
        setUsers(u.items);
        setRoles(r.items);
        setError('');
      },
      (e) => live && setError(errorText(e)),
    );
    return () => {
      live = false;
    };
  }, [reload]);

  const roleOf = (name: string) => roles.find((r) => r.name === name);
  // A user whose role exceeds the editor's rights cannot be edited, reset or deleted (API rule).
  const reachable = (u: UserInfo) => permissionsWithin(roleOf(u.role)?.permissions ?? {}, ceiling);
  const self = me?.kind === 'user' ? me.name : undefined;

  const remove = async (u: UserInfo) => {
    if (!(await confirm(t('admin.users.confirmDelete', { user: u.username }), { danger: true, confirmLabel: t('admin.users.delete') }))) return;
    try {
      await api.del(`/users/${encodeURIComponent(u.username)}`);
      toast(t('admin.users.deleted', { user: u.username }));
      if (editing?.mode === 'edit' && editing.user.username === u.username) setEditing(null);
      setReload((n) => n + 1);
    } catch (err) {
      toast(formErrors(err, t).form, 'error');
    }
  };

  return (
    <section className="page" aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title">{t('nav.users')}</h1>
        {writable ? (
          <div className="actions">
            <button type="button" className="primary" data-testid="user-new" disabled={!users} onClick={() => (setCreated(null), setEditing({ mode: 'new' }))}>
              {t('admin.users.new')}
            </button>
          </div>
        ) : null}
      </div>
      <p className="muted">{t('admin.users.intro')}</p>
      {error ? (
        <div className="form-error" role="alert">
          {error}
        </div>
      ) : null}
      {created ? (
        <div className="admin-notice" role="status" data-testid="user-created">
          <p>
            <strong>{t('admin.users.createdTitle', { user: created.username })}</strong>
          </p>
          <p>{t('admin.users.createdText', { user: created.username })}</p>
          <div className="row">
            <label htmlFor="created-password" className="sr-only">
              {t('admin.users.tempPassword')}
            </label>
            <input id="created-password" className="mono" readOnly value={created.password} onFocus={(e) => e.currentTarget.select()} />
            <CopyButton text={created.password} />
            <button type="button" onClick={() => setCreated(null)}>
              {t('common.close')}
            </button>
          </div>
        </div>
      ) : null}
      {editing ? (
        <UserForm
          key={editing.mode === 'edit' ? editing.user.username : 'new'}
          user={editing.mode === 'edit' ? editing.user : undefined}
          roles={roles}
          ceiling={ceiling}
          onCancel={() => setEditing(null)}
          onSaved={(u, password) => {
            setEditing(null);
            if (password) setCreated({ username: u.username, password });
            setReload((n) => n + 1);
          }}
          onChanged={() => setReload((n) => n + 1)}
        />
      ) : null}
      <ListTable testId="users-table" columns={[t('admin.users.username'), t('admin.users.fullName'), t('admin.users.role'), t('admin.users.language'), t('admin.users.status')]} actions rows={users} empty={t('list.empty')} loading={!users && !error}>
        {users?.map((u) => {
          const ok = reachable(u);
          return (
            <tr key={u.username} data-testid={`user-row-${u.username}`}>
              <td className="mono">
                {u.username}
                {u.username === self ? <span className="muted"> {t('admin.users.you')}</span> : null}
              </td>
              <td>{u.fullName ?? '—'}</td>
              <td>
                {u.role}
                {roleOf(u.role)?.builtIn ? <span className="badge admin-builtin">{t('admin.roles.builtIn')}</span> : null}
              </td>
              <td>{t(`languages.${u.language ?? 'en'}`)}</td>
              <td>{u.mustChangePassword ? <span className="badge busy">{t('admin.users.mustChange')}</span> : <span className="muted">—</span>}</td>
              <td className="nowrap">
                {writable && ok ? (
                  <>
                    <button type="button" className="link" aria-label={t('admin.users.editWhat', { user: u.username })} onClick={() => (setCreated(null), setEditing({ mode: 'edit', user: u }))}>
                      {t('admin.users.edit')}
                    </button>
                    {u.username !== self ? (
                      <button type="button" className="link danger" aria-label={t('admin.users.deleteWhat', { user: u.username })} onClick={() => void remove(u)}>
                        {t('admin.users.delete')}
                      </button>
                    ) : null}
                  </>
                ) : writable ? (
                  <span className="muted small">{t('admin.users.beyondRights')}</span>
                ) : null}
              </td>
            </tr>
          );
        })}
      </ListTable>
    </section>
  );
}

export function CopyButton({ text, testId }: { text: string; testId?: string }) {
  const { t } = useI18n();
  const { toast } = useFeedback();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      toast(t('admin.copied'), 'info');
    } catch {
      // No clipboard (plain http, old browser): the field is selectable, say so.
      toast(t('admin.copyFailed'), 'error');
    }
  };
  return (
    <button type="button" onClick={() => void copy()} data-testid={testId}>
      {t('admin.copy')}
    </button>
  );
}

function UserForm({
  user,
  roles,
  ceiling,
  onCancel,
  onSaved,
  onChanged,
}: {
  user?: UserInfo;
  roles: RoleInfo[];
  ceiling?: Permissions;
  onCancel(): void;
  onSaved(u: UserInfo, password?: string): void;
  onChanged(): void;
}) {
  const { t } = useI18n();
  const { toast } = useFeedback();
  const isNew = !user;
  const [username, setUsername] = useState(user?.username ?? '');
  const [fullName, setFullName] = useState(user?.fullName ?? '');
  // A new user gets the narrowest sensible default: a custom role the editor may grant.
  const [role, setRole] = useState(
    user?.role ??
      (roles.find((r) => !r.builtIn && permissionsWithin(r.permissions, ceiling)) ?? roles.find((r) => permissionsWithin(r.permissions, ceiling)) ?? roles[0])?.name ??
      '',
  );
  const [language, setLanguage] = useState<string>(user?.language ?? 'en');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const problems = usePasswordProblems(isNew ? password : '', 'admin', username || undefined);
  const chosen = roles.find((r) => r.name === role);
  const beyond = chosen ? !permissionsWithin(chosen.permissions, ceiling) : false;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setErrors(NO_ERRORS);
    const body = { role, language, ...(fullName.trim() ? { fullName: fullName.trim() } : {}) };
    try {
      if (isNew) {
        const u = await api.post<UserInfo>('/users', { username, password, ...body });
        toast(t('admin.users.created', { user: u.username }));
        onSaved(u, password);
      } else {
        // PUT: a full name left empty is removed; the password stays as it is.
        const u = await api.put<UserInfo>(`/users/${encodeURIComponent(user.username)}`, body);
        toast(t('admin.users.saved', { user: u.username }));
        onSaved(u);
      }
    } catch (err) {
      setErrors(formErrors(err, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Panel title={isNew ? t('admin.users.new') : t('admin.users.editTitle', { user: user.username })} testId="user-form">
      <form onSubmit={submit} noValidate className="admin-form">
        <FormError errors={errors} testId="user-form-error" />
        <div className="field">
          <label htmlFor="user-username">{t('admin.users.username')}</label>
          {isNew ? (
            <>
              <input id="user-username" autoComplete="off" spellCheck={false} required value={username} onChange={(e) => setUsername(e.target.value)} {...invalidAttrs(errors, 'username', 'user-username')} />
              <span className="help">{t('admin.users.usernameHelp')}</span>
            </>
          ) : (
            <input id="user-username" readOnly value={username} />
          )}
          <FieldMessage errors={errors} path="username" id="user-username" />
        </div>
        <div className="field">
          <label htmlFor="user-fullname">{t('admin.users.fullName')}</label>
          <input id="user-fullname" autoComplete="off" value={fullName} onChange={(e) => setFullName(e.target.value)} {...invalidAttrs(errors, 'fullName', 'user-fullname')} />
          <FieldMessage errors={errors} path="fullName" id="user-fullname" />
        </div>
        <div className="field">
          <label htmlFor="user-role">{t('admin.users.role')}</label>
          <select
            id="user-role"
            value={role}
            onChange={(e) => setRole(e.target.value)}
            aria-invalid={beyond || fieldMessages(errors, 'role').length > 0 || undefined}
            aria-describedby={[beyond ? 'user-role-beyond' : '', fieldMessages(errors, 'role').length ? 'user-role-err' : ''].filter(Boolean).join(' ') || undefined}
            data-testid="user-role"
          >
            {roles.map((r) => (
              <option key={r.name} value={r.name}>
                {permissionsWithin(r.permissions, ceiling) ? r.name : t('admin.users.roleBeyondOption', { role: r.name })}
              </option>
            ))}
          </select>
          {chosen?.description ? <span className="help">{chosen.description}</span> : null}
          {beyond ? (
            <div className="field-error" id="user-role-beyond">
              {t('admin.users.roleBeyond')}
            </div>
          ) : null}
          <FieldMessage errors={errors} path="role" id="user-role" />
        </div>
        <div className="field">
          <label htmlFor="user-language">{t('admin.users.language')}</label>
          <select id="user-language" value={language} onChange={(e) => setLanguage(e.target.value)}>
            <option value="en">{t('languages.en')}</option>
            <option value="it">{t('languages.it')}</option>
          </select>
          <FieldMessage errors={errors} path="language" id="user-language" />
        </div>
        {isNew ? (
          <div className="field">
            <label htmlFor="user-password">{t('admin.users.tempPassword')}</label>
            <SecretInput id="user-password" kind="admin" value={password} onChange={setPassword} aria-invalid={fieldMessages(errors, 'password').length ? true : undefined} aria-describedby="user-password-note user-password-problems" />
            <span className="help" id="user-password-note">
              {t('admin.users.tempPasswordHelp')}
            </span>
            <PasswordStrength problems={problems} id="user-password-problems" />
            <FieldMessage errors={errors} path="password" id="user-password" />
          </div>
        ) : null}
        <div className="form-actions">
          <button type="submit" className="primary" disabled={busy} aria-busy={busy} data-testid="user-save">
            {busy ? t('common.saving') : isNew ? t('form.create') : t('form.save')}
          </button>
          <button type="button" onClick={onCancel}>
            {t('common.cancel')}
          </button>
        </div>
      </form>
      {user ? <ResetPassword user={user} onDone={onChanged} /> : null}
    </Panel>
  );
}

function ResetPassword({ user, onDone }: { user: UserInfo; onDone(): void }) {
  const { t } = useI18n();
  const { toast, confirm } = useFeedback();
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const problems = usePasswordProblems(password, 'admin', user.username);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!(await confirm(t('admin.users.confirmReset', { user: user.username }), { confirmLabel: t('admin.users.resetSubmit') }))) return;
    setBusy(true);
    setErrors(NO_ERRORS);
    try {
      await api.patch(`/users/${encodeURIComponent(user.username)}`, { password });
      toast(t('admin.users.resetDone', { user: user.username }));
      onDone();
    } catch (err) {
      setErrors(formErrors(err, t));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} noValidate className="admin-form">
      <fieldset className="group">
        <legend>{t('admin.users.resetTitle')}</legend>
        <p className="muted small">{t('admin.users.resetIntro', { user: user.username })}</p>
        <FormError errors={errors} testId="user-reset-error" />
        <div className="field">
          <label htmlFor="user-reset-password">{t('admin.users.tempPassword')}</label>
          <SecretInput id="user-reset-password" kind="admin" value={password} onChange={setPassword} aria-invalid={fieldMessages(errors, 'password').length ? true : undefined} aria-describedby="user-reset-problems" />
          <PasswordStrength problems={problems} id="user-reset-problems" />
          <FieldMessage errors={errors} path="password" id="user-reset-password" />
        </div>
        <button type="submit" disabled={busy || !password} aria-busy={busy} data-testid="user-reset">
          {t('admin.users.resetSubmit')}
        </button>
      </fieldset>
    </form>
  );
}
