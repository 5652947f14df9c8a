// Roles: the built-in ones (read-only) and custom ones made of a level per section. The editor
// cannot hand out levels they do not hold, nor touch a role that has some.
import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError, errorText } from '../lib/api.ts';
import { useI18n } from '../lib/i18n.tsx';
import { useSession } from '../lib/session.tsx';
import { useFeedback } from '../components/feedback.tsx';
import { ListTable } from '../components/lists.tsx';
import { PermissionMatrix, permissionsWithin, summarizePermissions, type Permissions } from '../components/PermissionMatrix.tsx';
import { FieldMessage, FormError, NO_ERRORS, Panel, formErrors, invalidAttrs, type FormErrors, type RoleInfo, type UserInfo } from './Users.tsx';
import './admin.css';

type Editing = { mode: 'new' } | { mode: 'edit'; role: RoleInfo } | null;

export function Roles() {
  const { t } = useI18n();
  const { me, can } = useSession();
  const { toast, confirm } = useFeedback();
  const [roles, setRoles] = useState<RoleInfo[] | null>(null);
  const [users, setUsers] = useState<UserInfo[]>([]);
  const [error, setError] = useState('');
  const [editing, setEditing] = useState<Editing>(null);
  const [reload, setReload] = useState(0);
  const writable = can('users', 'write');
  const ceiling = me?.permissions;

  useEffect(() => {
    let live = true;
    Promise.all([api.get<{ items: RoleInfo[] }>('/roles'), api.get<{ items: UserInfo[] }>('/users')]).then(
      ([r, u]) => {
        if (!live) return;
        // Built-in roles first, then custom ones by name.
        setRoles([...r.items].sort((a, b) => Number(b.builtIn) - Number(a.builtIn) || a.name.localeCompare(b.name)));
        setUsers(u.items);
      },
      (e) => live && setError(errorText(e)),
    );
    return () => {
      live = false;
    };
  }, [reload]);

  const usersOf = (role: string) => users.filter((u) => u.role === role).map((u) => u.username);

  const remove = async (r: RoleInfo) => {
    if (!(await confirm(t('admin.roles.confirmDelete', { role: r.name }), { danger: true, confirmLabel: t('admin.roles.delete') }))) return;
    setError('');
    try {
      await api.del(`/roles/${encodeURIComponent(r.name)}`);
      toast(t('admin.roles.deleted', { role: r.name }));
      if (editing?.mode === 'edit' && editing.role.name === r.name) setEditing(null);
      setReload((n) => n + 1);
    } catch (err) {
      // 409: users still have the role; the API lists them in `fields`.
      if (err instanceof ApiError && err.status === 409)
        setError(t('admin.roles.inUse', { message: err.message, users: err.fields.map((f) => f.message.replace(/^user /, '')).join(', ') || '—' }));
      else setError(formErrors(err, t).form);
    }
  };

  return (
    <section className="page" aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title">{t('nav.roles')}</h1>
        {writable ? (
          <div className="actions">
            <button type="button" className="primary" data-testid="role-new" onClick={() => setEditing({ mode: 'new' })}>
              {t('admin.roles.new')}
            </button>
          </div>
        ) : null}
      </div>
      <p className="muted">{t('admin.roles.intro')}</p>
      {error ? (
        <div className="form-error" role="alert" data-testid="roles-error">
          {error}
        </div>
      ) : null}
      {editing ? (
        <RoleForm
          key={editing.mode === 'edit' ? editing.role.name : 'new'}
          role={editing.mode === 'edit' ? editing.role : undefined}
          ceiling={ceiling}
          readOnly={!writable || (editing.mode === 'edit' && (editing.role.builtIn || !permissionsWithin(editing.role.permissions, ceiling)))}
          onCancel={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            setReload((n) => n + 1);
          }}
        />
      ) : null}
      <ListTable testId="roles-table" columns={[t('admin.roles.name'), t('admin.roles.description'), t('admin.roles.permissions'), t('admin.roles.usedBy')]} actions loading={!roles && !error}>
        {roles?.map((r) => {
          const reachable = permissionsWithin(r.permissions, ceiling);
          const editable = writable && !r.builtIn && reachable;
          const holders = usersOf(r.name);
          return (
            <tr key={r.name} data-testid={`role-row-${r.name}`}>
              <td className="mono nowrap">
                {r.name}
                {r.builtIn ? <span className="badge admin-builtin">{t('admin.roles.builtIn')}</span> : null}
              </td>
              <td>{r.description ?? '—'}</td>
              <td className="admin-perms">{summarizePermissions(r.permissions, t)}</td>
              <td>{holders.length ? holders.join(', ') : <span className="muted">—</span>}</td>
              <td className="nowrap">
                <button
                  type="button"
                  className="link"
                  aria-label={t(editable ? 'admin.roles.editWhat' : 'admin.roles.viewWhat', { role: r.name })}
                  onClick={() => setEditing({ mode: 'edit', role: r })}
                >
                  {editable ? t('admin.roles.edit') : t('admin.roles.view')}
                </button>
                {editable ? (
                  <button type="button" className="link danger" aria-label={t('admin.roles.deleteWhat', { role: r.name })} onClick={() => void remove(r)}>
                    {t('admin.roles.delete')}
                  </button>
                ) : null}
                {writable && !r.builtIn && !reachable ? <span className="muted small"> {t('admin.roles.beyondRights')}</span> : null}
              </td>
            </tr>
          );
        })}
      </ListTable>
    </section>
  );
}

function RoleForm({ role, ceiling, readOnly, onCancel, onSaved }: { role?: RoleInfo; ceiling?: Permissions; readOnly: boolean; onCancel(): void; onSaved(): void }) {
  const { t } = useI18n();
  const { toast } = useFeedback();
  const isNew = !role;
  const [name, setName] = useState(role?.name ?? '');
  const [description, setDescription] = useState(role?.description ?? '');
  const [permissions, setPermissions] = useState<Permissions>(role?.permissions ?? {});
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setErrors(NO_ERRORS);
    const body = { permissions, ...(description.trim() ? { description: description.trim() } : {}) };
    try {
      if (isNew) await api.post('/roles', { name, ...body });
      else await api.put(`/roles/${encodeURIComponent(role.name)}`, body);
      toast(t(isNew ? 'admin.roles.created' : 'admin.roles.saved', { role: name }));
      onSaved();
    } catch (err) {
      setErrors(formErrors(err, t));
    } finally {
      setBusy(false);
    }
  };

  const title = isNew ? t('admin.roles.new') : readOnly ? t('admin.roles.viewTitle', { role: role.name }) : t('admin.roles.editTitle', { role: role.name });
  return (
    <Panel title={title} testId="role-form">
      {role?.builtIn ? <p className="muted">{t('admin.roles.builtInNote')}</p> : null}
      {role && !role.builtIn && readOnly && !permissionsWithin(role.permissions, ceiling) ? <p className="muted">{t('admin.roles.beyondNote')}</p> : null}
      <form onSubmit={submit} noValidate className="admin-form">
        <FormError errors={errors} testId="role-form-error" />
        <div className="field">
          <label htmlFor="role-name">{t('admin.roles.roleName')}</label>
          <input
            id="role-name"
            data-testid="role-name"
            autoComplete="off"
            spellCheck={false}
            required
            readOnly={!isNew}
            value={name}
            onChange={(e) => setName(e.target.value)}
            {...invalidAttrs(errors, 'name', 'role-name')}
          />
          {isNew ? <span className="help">{t('admin.roles.nameHelp')}</span> : null}
          <FieldMessage errors={errors} path="name" id="role-name" />
        </div>
        <div className="field">
          <label htmlFor="role-description">{t('admin.roles.description')}</label>
          <input id="role-description" data-testid="role-description" readOnly={readOnly} value={description} onChange={(e) => setDescription(e.target.value)} {...invalidAttrs(errors, 'description', 'role-description')} />
          <FieldMessage errors={errors} path="description" id="role-description" />
        </div>
        <h3>{t('admin.roles.permissions')}</h3>
        <PermissionMatrix value={permissions} onChange={setPermissions} ceiling={ceiling} disabled={readOnly} label={t('admin.roles.permissionsOf', { role: name || '…' })} />
        <FieldMessage errors={errors} path="permissions" id="role-permissions" />
        <div className="form-actions">
          {readOnly ? null : (
            <button type="submit" className="primary" disabled={busy} aria-busy={busy} data-testid="role-save">
              {busy ? t('common.saving') : isNew ? t('form.create') : t('form.save')}
            </button>
          )}
          <button type="button" onClick={onCancel}>
            {readOnly ? t('common.close') : t('common.cancel')}
          </button>
        </div>
      </form>
    </Panel>
  );
}
