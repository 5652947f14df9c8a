// Admin templates: a vendor's built-in file copied into an editor and changed, for some models
// (or a model the box does not know), with custom placeholders and a firmware URL; then a
// preview of exactly what a chosen phone receives with it (the served file, after saving).
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { api, ApiError, errorText, type ListResult } from '../lib/api.ts';
import { useI18n } from '../lib/i18n.tsx';
import { Link, navigate } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';
import { reportSaved, useFeedback, type WriteApply } from '../components/feedback.tsx';
import { ListTable } from '../components/lists.tsx';
import { ErrorAlert, useLoad } from '../components/load.tsx';
import { Field, StepError, aria, useApiErrors } from '../components/Stepper.tsx';
import { useBusyWork } from './wizard-parts.tsx';
import { Crumb, DeleteButton, FormActions, PageNotReady, PhonesTabs, VendorOptions, fetchAll, formatMac, resetVendorCatalogue, useVendors, vendorLabel, type Phone, type PhoneTemplate, type Vendor, type VendorInfo } from './PhonesCommon.tsx';
import { PhoneFiles, VarsEditor, refuse, varsOf, type VarRow } from './PhonesEdit.tsx';

export function PhoneTemplates() {
  const { t } = useI18n();
  const { can } = useSession();
  const { vendors } = useVendors();
  const { data, error } = useLoad(() => api.get<ListResult<PhoneTemplate>>('/phone-templates', { limit: 1000, sort: 'name' }), []);
  return (
    <section className="page" aria-labelledby="page-title" data-testid="phone-templates">
      <div className="page-head">
        <h1 id="page-title">{t('phones.title')}</h1>
        {can('provisioning', 'write') ? (
          <div className="actions">
            <Link to="/phones/templates/new" className="button primary" data-testid="template-add">
              {t('phones.templates.add')}
            </Link>
          </div>
        ) : null}
      </div>
      <PhonesTabs />
      <h2>{t('phones.templates.title')}</h2>
      <p className="muted">{t('phones.templates.intro')}</p>
      <ErrorAlert error={error} />
      <ListTable testId="templates-table" caption={t('phones.templates.title')} columns={[t('phones.templates.name'), t('phones.field.vendor'), t('phones.templates.models'), t('phones.templates.files'), t('phones.field.description')]} rows={data?.items} empty={t('phones.templates.empty')} loading={!data && !error}>
        {data?.items.map((x) => (
          <tr key={x.name} data-testid={`template-row-${x.name}`}>
            <td className="mono">
              <Link to={`/phones/templates/${encodeURIComponent(x.name)}`}>{x.name}</Link>
            </td>
            <td>{vendorLabel(vendors, x.vendor)}</td>
            <td>{x.models.length ? x.models.join(', ') : t('phones.templates.allModels')}</td>
            <td className="mono">{x.files.map((f) => f.file).join(', ') || '—'}</td>
            <td>{x.description ?? ''}</td>
          </tr>
        ))}
      </ListTable>
    </section>
  );
}

interface TemplateDraft {
  name: string;
  description: string;
  vendor: Vendor | '';
  models: string[];
  otherModels: string;
  files: { file: string; template: string }[];
  vars: VarRow[];
  firmwareUrl: string;
}

function draftOf(x: PhoneTemplate, vendor?: VendorInfo): TemplateDraft {
  const known = new Set(vendor?.models.map((m) => m.name) ?? []);
  return {
    name: x.name,
    description: x.description ?? '',
    vendor: x.vendor,
    models: x.models.filter((m) => known.has(m)),
    otherModels: x.models.filter((m) => !known.has(m)).join(', '),
    files: x.files.map((f) => ({ ...f })),
    vars: Object.entries(x.vars ?? {}).map(([name, value]) => ({ name, value })),
    firmwareUrl: x.firmwareUrl ?? '',
  };
}

export function templateBody(d: TemplateDraft): Record<string, unknown> {
  const other = d.otherModels
    .split(/[\s,;]+/)
    .map((m) => m.trim())
    .filter(Boolean);
  return {
    name: d.name.trim(),
    ...(d.description.trim() ? { description: d.description.trim() } : {}),
    vendor: d.vendor,
    models: [...new Set([...d.models, ...other])],
    files: d.files,
    vars: varsOf(d.vars),
    ...(d.firmwareUrl.trim() ? { firmwareUrl: d.firmwareUrl.trim() } : {}),
  };
}

/** The files of a vendor a template can replace: the ids of its built-in templates, described. */
export function templateFiles(v: VendorInfo | undefined): { id: string; description: string }[] {
  if (!v) return [];
  const described = new Map<string, string>([...v.files.map((f) => [f.id, f.description] as const), ...v.commonFiles.map((f) => [f.id, `${f.description} (${f.example})`] as const)]);
  return Object.keys(v.templates).map((id) => ({ id, description: described.get(id) ?? '' }));
}

export function PhoneTemplateEdit({ name }: { name?: string }) {
  const { t } = useI18n();
  const { can } = useSession();
  const { toast } = useFeedback();
  const { vendors } = useVendors();
  const writable = can('provisioning', 'write');
  const errors = useApiErrors();
  const { busy, whileBusy } = useBusyWork(errors);
  const [draft, setDraft] = useState<TemplateDraft | null>(name ? null : { name: '', description: '', vendor: '', models: [], otherModels: '', files: [], vars: [], firmwareUrl: '' });
  const [adding, setAdding] = useState('');
  const [round, setRound] = useState(0);
  // The draft needs the vendor's models (which of the template's are built in): read after the catalogue.
  const {
    data: saved,
    error: loadError,
    setData: setSaved,
  } = useLoad(() => (name && vendors ? api.get<PhoneTemplate>(`/phone-templates/${encodeURIComponent(name)}`) : undefined), [name, vendors], {
    describe: (e) => (e instanceof ApiError && e.status === 404 ? t('phones.templates.notFound', { name: name! }) : errorText(e)),
    onLoad: (x) => setDraft(draftOf(x, vendors?.find((v) => v.vendor === x.vendor))),
  });
  const vendor = vendors?.find((v) => v.vendor === draft?.vendor);
  const files = useMemo(() => templateFiles(vendor), [vendor]);
  useEffect(() => {
    if (!files.some((f) => f.id === adding)) setAdding(files.find((f) => !draft?.files.some((x) => x.file === f.id))?.id ?? files[0]?.id ?? '');
  }, [files, draft?.files.length]);
  const set = (p: Partial<TemplateDraft>) => setDraft((d) => (d ? { ...d, ...p } : d));
  const title = name ? t('phones.templates.editTitle', { name }) : t('phones.templates.newTitle');
  if (loadError || !draft) return <PageNotReady error={loadError} title={title} back="/phones/templates" backLabel={t('phones.templates.title')} />;
  const at = errors.at;
  const off = !writable || busy;
  const copyBuiltIn = () => {
    if (!vendor || !adding) return;
    const text = vendor.templates[adding] ?? '';
    const existing = draft.files.findIndex((f) => f.file === adding);
    if (existing >= 0) set({ files: draft.files.map((f, i) => (i === existing ? { file: adding, template: text } : f)) });
    else set({ files: [...draft.files, { file: adding, template: text }] });
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    errors.clear();
    if (refuse(errors, t, draft.vendor ? [] : [{ path: 'vendor', message: t('phones.check.vendor') }])) return;
    await whileBusy(async () => {
      const body = templateBody(draft);
      const r = name ? await api.put<{ item: PhoneTemplate; apply?: WriteApply }>(`/phone-templates/${encodeURIComponent(name)}`, body) : await api.post<{ item: PhoneTemplate; apply?: WriteApply }>('/phone-templates', body);
      // A template can add a model: the wizard's model list must show it.
      resetVendorCatalogue();
      reportSaved(toast, t, t('phones.templates.what', { name: r.item.name }), r.apply);
      if (!name) navigate(`/phones/templates/${encodeURIComponent(r.item.name)}`);
      else {
        setSaved(r.item);
        setDraft(draftOf(r.item, vendor));
        setRound((n) => n + 1);
      }
    });
  };
  const dirty = !saved || JSON.stringify(templateBody(draft)) !== JSON.stringify(templateBody(draftOf(saved, vendor)));
  return (
    <section className="page" aria-labelledby="page-title" data-testid="template-edit">
      <Crumb to="/phones/templates" label={t('phones.templates.title')} />
      <div className="page-head">
        <h1 id="page-title">{title}</h1>
        {name && writable ? <DeleteButton testId="template-delete" request={{ question: t('phones.templates.confirmDelete', { name }), path: `/phone-templates/${encodeURIComponent(name)}`, done: t('phones.templates.deleted', { name }), after: () => navigate('/phones/templates') }} /> : null}
      </div>
      <form onSubmit={submit} noValidate className="template-form">
        <StepError message={errors.message} fields={errors.fields} />
        <fieldset className="group">
          <legend>{t('phones.templates.about')}</legend>
          <Field id="tpl-name" label={t('phones.templates.name')} help={t('phones.templates.nameHelp')} error={at('name')} required>
            <input {...aria('tpl-name', true, at('name'))} type="text" className="mono" autoComplete="off" spellCheck={false} maxLength={32} disabled={off || !!name} value={draft.name} onChange={(e) => set({ name: e.target.value })} data-testid="template-name" />
          </Field>
          <Field id="tpl-description" label={t('phones.field.description')} error={at('description')}>
            <input {...aria('tpl-description', false, at('description'))} type="text" maxLength={128} disabled={off} value={draft.description} onChange={(e) => set({ description: e.target.value })} />
          </Field>
          <Field id="tpl-vendor" label={t('phones.field.vendor')} help={t('phones.templates.vendorHelp')} error={at('vendor')} required>
            <select {...aria('tpl-vendor', true, at('vendor'))} disabled={off || !!name} value={draft.vendor} onChange={(e) => set({ vendor: e.target.value as Vendor, models: [], files: [] })} data-testid="template-vendor">
              <VendorOptions vendors={vendors} />
            </select>
          </Field>
        </fieldset>
        {draft.vendor ? (
          <>
            <fieldset className="group" aria-describedby="tpl-models-help">
              <legend>{t('phones.templates.models')}</legend>
              <p className="help" id="tpl-models-help">
                {t('phones.templates.modelsHelp')}
              </p>
              <div className="template-models">
                {vendor?.models.map((m) => (
                  <label key={m.name} className="check">
                    <input type="checkbox" disabled={off} checked={draft.models.includes(m.name)} onChange={(e) => set({ models: e.target.checked ? [...draft.models, m.name] : draft.models.filter((x) => x !== m.name) })} />
                    {m.name}
                  </label>
                ))}
              </div>
              <Field id="tpl-other-models" label={t('phones.templates.otherModels')} help={t('phones.templates.otherModelsHelp')} error={at('models')}>
                <input {...aria('tpl-other-models', true, at('models'))} type="text" className="mono" autoComplete="off" spellCheck={false} disabled={off} value={draft.otherModels} onChange={(e) => set({ otherModels: e.target.value })} data-testid="template-other-models" />
              </Field>
            </fieldset>
            <fieldset className="group template-files">
              <legend>{t('phones.templates.files')}</legend>
              <p className="help">{t('phones.templates.filesHelp')}</p>
              {draft.files.map((f, i) => {
                const id = `tpl-file-${i}`;
                const desc = files.find((x) => x.id === f.file)?.description;
                return (
                  <div key={i} className="phone-row" data-testid={`template-file-${i}`}>
                    <div className="phone-row-head">
                      <strong className="mono">{f.file}</strong>
                      <span className="row">
                        {vendor?.templates[f.file] !== undefined ? (
                          <button type="button" disabled={off || f.template === vendor.templates[f.file]} onClick={() => set({ files: draft.files.map((x, j) => (j === i ? { ...x, template: vendor.templates[f.file]! } : x)) })}>
                            {t('phones.templates.reset')}
                          </button>
                        ) : null}
                        <button type="button" className="link danger" disabled={off} onClick={() => set({ files: draft.files.filter((_, j) => j !== i) })} aria-label={t('form.removeWhat', { what: f.file })}>
                          {t('form.remove')}
                        </button>
                      </span>
                    </div>
                    {desc ? <p className="muted small">{desc}</p> : null}
                    <Field id={id} label={t('phones.templates.text', { file: f.file })} error={at(`files[${i}]`)} required>
                      <textarea {...aria(id, false, at(`files[${i}]`))} className="mono template-text" rows={18} spellCheck={false} wrap="off" disabled={off} value={f.template} onChange={(e) => set({ files: draft.files.map((x, j) => (j === i ? { ...x, template: e.target.value } : x)) })} data-testid={`template-text-${i}`} />
                    </Field>
                  </div>
                );
              })}
              {files.length ? (
                <div className="row">
                  <label htmlFor="tpl-add-file">{t('phones.templates.builtIn')}</label>
                  <select id="tpl-add-file" disabled={off} value={adding} onChange={(e) => setAdding(e.target.value)} data-testid="template-builtin">
                    {files.map((f) => (
                      <option key={f.id} value={f.id}>
                        {f.id}
                        {f.description ? ` — ${f.description}` : ''}
                      </option>
                    ))}
                  </select>
                  <button type="button" disabled={off || !adding} onClick={copyBuiltIn} data-testid="template-copy-builtin">
                    {draft.files.some((f) => f.file === adding) ? t('phones.templates.replaceWithBuiltIn') : t('phones.templates.copyBuiltIn')}
                  </button>
                </div>
              ) : (
                <p className="muted">{vendors ? t('phones.templates.noBuiltIn') : t('common.loading')}</p>
              )}
            </fieldset>
            <fieldset className="group">
              <legend>{t('phones.vars.title')}</legend>
              <p className="help">{t('phones.vars.templateHelp')}</p>
              <VarsEditor rows={draft.vars} onChange={(vars) => set({ vars })} prefix="template" error={at('vars')} disabled={off} />
            </fieldset>
            <fieldset className="group">
              <legend>{t('phones.templates.firmware')}</legend>
              <Field id="tpl-firmware" label={t('phones.templates.firmwareUrl')} help={t('phones.templates.firmwareHelp')} error={at('firmwareUrl')}>
                <input {...aria('tpl-firmware', true, at('firmwareUrl'))} type="url" className="mono" autoComplete="off" spellCheck={false} maxLength={512} disabled={off} placeholder="http://files.example.com/firmware.rom" value={draft.firmwareUrl} onChange={(e) => set({ firmwareUrl: e.target.value })} data-testid="template-firmware" />
              </Field>
            </fieldset>
          </>
        ) : null}
        {writable ? (
          <FormActions busy={busy} label={name ? t('form.save') : t('form.create')} testId="template-save" dirty={!!name && dirty}>
            <Link to="/phones/templates" className="button">
              {t('common.cancel')}
            </Link>
          </FormActions>
        ) : null}
      </form>
      {saved ? <TemplatePreview template={saved} round={round} dirty={dirty} /> : null}
    </section>
  );
}

/** What a phone of the template's vendor receives now (the saved template, served as to the phone). */
function TemplatePreview({ template, round, dirty }: { template: PhoneTemplate; round: number; dirty: boolean }) {
  const { t } = useI18n();
  const [mac, setMac] = useState('');
  const { data: phones } = useLoad(
    () =>
      fetchAll<Phone>('/phones').then((all) => {
        const mine = all.filter((p) => p.vendor === template.vendor);
        // Phones that use this template first: those it is most likely to be checked on.
        const uses = (p: Phone) => p.template === template.name || (!p.template && template.models.some((m) => m.toLowerCase() === p.model.toLowerCase()));
        return mine.sort((a, b) => Number(uses(b)) - Number(uses(a)));
      }),
    [template.vendor, template.name],
    { failed: [], onLoad: (mine) => setMac((m) => m || mine[0]?.mac || '') },
  );
  const chosen = phones?.find((p) => p.mac === mac);
  const applies = chosen && (chosen.template === template.name || (!chosen.template && (template.models.length === 0 || template.models.some((m) => m.toLowerCase() === chosen.model.toLowerCase()))));
  return (
    <section className="phone-section" aria-labelledby="tpl-preview-title" data-testid="template-preview">
      <h2 id="tpl-preview-title">{t('phones.templates.preview')}</h2>
      <p className="muted">{t('phones.templates.previewIntro')}</p>
      {dirty ? (
        <p className="warning" role="status">
          {t('phones.templates.previewUnsaved')}
        </p>
      ) : null}
      {!phones ? (
        <p aria-busy="true">{t('common.loading')}</p>
      ) : !phones.length ? (
        <p className="muted">{t('phones.templates.noPhones', { vendor: template.vendor })}</p>
      ) : (
        <>
          <div className="field">
            <label htmlFor="tpl-preview-phone">{t('phones.templates.previewPhone')}</label>
            <select id="tpl-preview-phone" value={mac} onChange={(e) => setMac(e.target.value)} data-testid="template-preview-phone">
              {phones.map((p) => (
                <option key={p.mac} value={p.mac}>
                  {formatMac(p.mac)} · {p.model}
                  {p.description ? ` · ${p.description}` : ''}
                </option>
              ))}
            </select>
          </div>
          {chosen && !applies ? <p className="warning">{t('phones.templates.notApplied', { model: chosen.model })}</p> : null}
          {mac ? <PhoneFiles mac={mac} round={round} file={template.files[0]?.file} heading={false} /> : null}
        </>
      )}
    </section>
  );
}
