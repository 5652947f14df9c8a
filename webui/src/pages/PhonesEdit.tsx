// One phone: the wizard that adds it (vendor and model, MAC, lines, keys, settings) and its page
// (the same parts as one form, the files it gets with an exact preview, resync and reboot, its
// recent requests, delete). The parts are shared, so the wizard and the page cannot drift.
import { useEffect, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError, errorText, type FieldError } from '../lib/api.ts';
import { useI18n } from '../lib/i18n.tsx';
import { navigate, useLocation } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';
import { reportSaved, useFeedback, type WriteApply } from '../components/feedback.tsx';
import { ListTable } from '../components/lists.tsx';
import { ErrorAlert, useLoad } from '../components/load.tsx';
import { Field, StepError, StepNav, StepPanel, aria, useApiErrors, useSteps } from '../components/Stepper.tsx';
import { CheckField, nameFree, useBusyWork, useWizardCreate, WizardFrame } from './wizard-parts.tsx';
import { PhoneRecentRequests } from './PhonesLog.tsx';
import {
  CopyButton,
  Crumb,
  DeleteButton,
  FormActions,
  PageNotReady,
  VendorOptions,
  KEY_TYPES,
  MODEL_PATTERN,
  VENDORS,
  fetchAll,
  fetchText,
  formatMac,
  macProblem,
  normalizeMac,
  useVendors,
  vendorLabel,
  type ExtensionInfo,
  type KeyType,
  type NotifyResult,
  type Phone,
  type PhoneKey,
  type PhoneTemplate,
  type Vendor,
  type VendorInfo,
} from './PhonesCommon.tsx';

type T = (key: string, vars?: Record<string, string | number>) => string;

// ---- the draft: what the forms hold, and the API's body made from it ------------------------------

export interface KeyDraft {
  type: KeyType;
  /** The line number (line keys), extension, park slot, switch or number it is about. */
  value: string;
  label: string;
  /** The line (1-based) it uses; '' = the first. */
  line: string;
}
export interface VarRow {
  name: string;
  value: string;
}
export interface PhoneDraft {
  mac: string;
  vendor: Vendor | '';
  model: string;
  description: string;
  lines: { account: string; label: string }[];
  keys: KeyDraft[];
  language: string;
  timezone: string;
  adminPassword: string;
  httpAuth: boolean;
  httpUser: string;
  httpPassword: string;
  template: string;
  vars: VarRow[];
}

/** The field of a key that holds what it is about (the API's name, for its errors). */
export const KEY_VALUE_FIELD: Record<KeyType, string | undefined> = { line: 'line', blf: 'extension', park: 'slot', switch: 'switch', dnd: undefined, speedDial: 'number' };

export function emptyDraft(): PhoneDraft {
  return { mac: '', vendor: '', model: '', description: '', lines: [{ account: '', label: '' }], keys: [], language: '', timezone: '', adminPassword: '', httpAuth: false, httpUser: '', httpPassword: '', template: '', vars: [] };
}

export function keyDraftOf(k: PhoneKey): KeyDraft {
  const field = KEY_VALUE_FIELD[k.type];
  const value = field ? String((k as Record<string, unknown>)[field] ?? '') : '';
  const line = k.type !== 'line' && k.line !== undefined ? String(k.line) : '';
  return { type: k.type, value, label: k.label ?? '', line };
}

export function draftOf(p: Phone): PhoneDraft {
  return {
    mac: formatMac(p.mac),
    vendor: p.vendor,
    model: p.model,
    description: p.description ?? '',
    lines: p.lines.map((l) => ({ account: l.account, label: l.label ?? '' })),
    keys: (p.keys ?? []).map(keyDraftOf),
    language: p.language ?? '',
    timezone: p.timezone ?? '',
    adminPassword: p.adminPassword ?? '',
    httpAuth: !!p.httpAuth,
    httpUser: p.httpAuth?.username ?? '',
    httpPassword: p.httpAuth?.password ?? '',
    template: p.template ?? '',
    vars: Object.entries(p.vars ?? {}).map(([name, value]) => ({ name, value })),
  };
}

export function keyBody(k: KeyDraft): Record<string, unknown> {
  const label = k.label.trim();
  const common = { ...(label ? { label } : {}), ...(k.line ? { line: Number(k.line) } : {}) };
  switch (k.type) {
    case 'line':
      return { type: 'line', line: Number(k.value), ...(label ? { label } : {}) };
    case 'dnd':
      return { type: 'dnd', ...common };
    case 'speedDial':
      return { type: 'speedDial', number: k.value.trim(), label, ...(k.line ? { line: Number(k.line) } : {}) };
    default:
      return { type: k.type, [KEY_VALUE_FIELD[k.type]!]: k.value.trim(), ...common };
  }
}

export function varsOf(rows: VarRow[]): Record<string, string> {
  return Object.fromEntries(rows.filter((r) => r.name.trim()).map((r) => [r.name.trim(), r.value]));
}

/** The phone as the API takes it (POST and PUT); an empty admin password is left out (kept, or generated). */
export function phoneBody(d: PhoneDraft): Record<string, unknown> {
  return {
    mac: normalizeMac(d.mac) ?? d.mac.trim(),
    vendor: d.vendor,
    model: d.model.trim(),
    ...(d.description.trim() ? { description: d.description.trim() } : {}),
    lines: d.lines.map((l) => ({ account: l.account, ...(l.label.trim() ? { label: l.label.trim() } : {}) })),
    keys: d.keys.map(keyBody),
    ...(d.language ? { language: d.language } : {}),
    ...(d.timezone.trim() ? { timezone: d.timezone.trim() } : {}),
    ...(d.adminPassword ? { adminPassword: d.adminPassword } : {}),
    ...(d.httpAuth ? { httpAuth: { username: d.httpUser.trim(), password: d.httpPassword } } : {}),
    ...(d.template ? { template: d.template } : {}),
    vars: varsOf(d.vars),
  };
}

// ---- checks before the API (the same rules, said at once) -------------------------------------------

export function deviceProblems(d: PhoneDraft, t: T): FieldError[] {
  const out: FieldError[] = [];
  if (!d.vendor) out.push({ path: 'vendor', message: t('phones.check.vendor') });
  if (!d.model.trim()) out.push({ path: 'model', message: t('phones.check.model') });
  else if (!MODEL_PATTERN.test(d.model.trim())) out.push({ path: 'model', message: t('phones.check.modelFormat') });
  return out;
}

export function macText(input: string, t: T): string {
  const p = macProblem(input);
  return p ? t(`phones.mac.${p}`) : '';
}

export function lineProblems(d: PhoneDraft, t: T): FieldError[] {
  const out: FieldError[] = [];
  if (!d.lines.length) out.push({ path: 'lines', message: t('phones.check.noLines') });
  const seen = new Set<string>();
  d.lines.forEach((l, i) => {
    if (!l.account) out.push({ path: `lines[${i}].account`, message: t('phones.check.account') });
    else if (seen.has(l.account)) out.push({ path: `lines[${i}].account`, message: t('phones.check.accountTwice') });
    seen.add(l.account);
  });
  return out;
}

export function keyProblems(d: PhoneDraft, t: T): FieldError[] {
  const out: FieldError[] = [];
  d.keys.forEach((k, i) => {
    const at = (f: string) => `keys[${i}].${f}`;
    const v = k.value.trim();
    switch (k.type) {
      case 'line':
        if (!v || Number(v) < 1 || Number(v) > d.lines.length) out.push({ path: at('line'), message: t('phones.check.keyLine', { n: d.lines.length }) });
        break;
      case 'blf':
        if (!/^[0-9]{2,8}$/.test(v)) out.push({ path: at('extension'), message: t('phones.check.keyExtension') });
        break;
      case 'park':
        if (!/^[0-9]{2,8}$/.test(v)) out.push({ path: at('slot'), message: t('phones.check.keySlot') });
        break;
      case 'switch':
        if (!v) out.push({ path: at('switch'), message: t('phones.check.keySwitch') });
        break;
      case 'speedDial':
        if (!/^\+?[0-9*#]{1,30}$/.test(v)) out.push({ path: at('number'), message: t('phones.check.keyNumber') });
        if (!k.label.trim()) out.push({ path: at('label'), message: t('phones.check.keyLabel') });
        break;
    }
    if (k.type !== 'line' && k.line && Number(k.line) > d.lines.length) out.push({ path: at('line'), message: t('phones.check.keyLine', { n: d.lines.length }) });
  });
  return out;
}

export function settingsProblems(d: PhoneDraft, t: T): FieldError[] {
  const out: FieldError[] = [];
  if (d.adminPassword && d.adminPassword.length < 8) out.push({ path: 'adminPassword', message: t('phones.check.password') });
  if (d.timezone.trim() && !/^[A-Za-z]+(?:\/[A-Za-z0-9_+-]+){0,2}$/.test(d.timezone.trim())) out.push({ path: 'timezone', message: t('phones.check.timezone') });
  if (d.httpAuth) {
    if (!/^[A-Za-z0-9._-]{1,32}$/.test(d.httpUser.trim())) out.push({ path: 'httpAuth.username', message: t('phones.check.httpUser') });
    if (d.httpPassword.length < 8) out.push({ path: 'httpAuth.password', message: t('phones.check.password') });
  }
  return out;
}

/** Says problems found before asking the API as the API would say them; true when there are any. */
export function refuse(errors: { take(err: unknown): void }, t: T, fields: FieldError[]): boolean {
  if (!fields.length) return false;
  errors.take(new ApiError(400, 'validation_failed', t('phones.wizard.fixBelow'), fields));
  return true;
}

// ---- what the pickers offer ---------------------------------------------------------------------------

export interface PhoneRefs {
  /** null: not known (no permission, or not loaded yet: see `loading`), so typed by hand. */
  extensions: ExtensionInfo[] | null;
  loading: boolean;
  /** Accounts on other phones: account → MACs. */
  usedBy: Map<string, string[]>;
  switches: string[] | null;
  parkSlots: string[] | null;
  templates: PhoneTemplate[];
}

export function usePhoneRefs(ownMac?: string): PhoneRefs {
  const { can } = useSession();
  const [refs, setRefs] = useState<PhoneRefs>({ extensions: null, loading: true, usedBy: new Map(), switches: null, parkSlots: null, templates: [] });
  useEffect(() => {
    let live = true;
    const set = (p: Partial<PhoneRefs>) => live && setRefs((r) => ({ ...r, ...p }));
    if (can('extensions', 'read'))
      fetchAll<ExtensionInfo>('/extensions').then(
        (l) => set({ extensions: l, loading: false }),
        () => set({ loading: false }),
      );
    else set({ loading: false });
    fetchAll<Phone>('/phones').then((phones) => {
      const used = new Map<string, string[]>();
      for (const p of phones) if (p.mac !== ownMac) for (const l of p.lines) used.set(l.account, [...(used.get(l.account) ?? []), p.mac]);
      set({ usedBy: used });
    }, () => {});
    if (can('switches', 'read')) fetchAll<{ name: string }>('/switches').then((l) => set({ switches: l.map((s) => s.name) }), () => {});
    if (can('system', 'read'))
      api.get<{ parking?: { enabled?: boolean; firstSlot: string; slots: number } }>('/services').then((s) => {
        const p = s.parking;
        if (!p || !/^[0-9]+$/.test(p.firstSlot)) return;
        const first = Number(p.firstSlot);
        set({ parkSlots: Array.from({ length: p.slots }, (_, i) => String(first + i).padStart(p.firstSlot.length, '0')) });
      }, () => {});
    fetchAll<PhoneTemplate>('/phone-templates').then((l) => set({ templates: l }), () => {});
    return () => {
      live = false;
    };
    // Again once the session is known (what the role may read decides what is fetched).
  }, [ownMac, can]);
  return refs;
}

/** The catalogue's entry of a model (case as typed does not matter); undefined when not built in. */
export function modelInfo(vendors: VendorInfo[] | null, vendor: string, model: string) {
  const m = model.trim().toLowerCase();
  return vendors?.find((v) => v.vendor === vendor)?.models.find((x) => x.name.toLowerCase() === m);
}

function timeZones(): string[] {
  const f = (Intl as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf;
  try {
    return f ? f('timeZone') : [];
  } catch {
    return [];
  }
}

// ---- the parts --------------------------------------------------------------------------------------

type At = (path: string, prefix?: boolean) => string;
type SetDraft = (p: Partial<PhoneDraft>) => void;

/** Vendor, model (from the catalogue, or any other: the vendor's generic files), description. */
export function DeviceFields({ draft, set, vendors, at, prefix, disabled }: { draft: PhoneDraft; set: SetDraft; vendors: VendorInfo[] | null; at: At; prefix: string; disabled?: boolean }) {
  const { t } = useI18n();
  const vendor = vendors?.find((v) => v.vendor === draft.vendor);
  const known = modelInfo(vendors, draft.vendor, draft.model);
  const modelHelp = !draft.vendor
    ? t('phones.device.modelFirst')
    : !draft.model.trim()
      ? t('phones.device.modelHelp')
      : known
        ? t('phones.device.modelKnown', { keys: known.keys, accounts: known.accounts })
        : t('phones.device.modelGeneric', { vendor: vendorLabel(vendors, draft.vendor) });
  return (
    <>
      <Field id={`${prefix}-vendor`} label={t('phones.field.vendor')} error={at('vendor')} required>
        <select {...aria(`${prefix}-vendor`, false, at('vendor'))} disabled={disabled} value={draft.vendor} onChange={(e) => set({ vendor: e.target.value as Vendor, template: '' })} data-testid={`${prefix}-vendor`}>
          <VendorOptions vendors={vendors} />
        </select>
      </Field>
      <Field id={`${prefix}-model`} label={t('phones.field.model')} help={modelHelp} error={at('model')} required>
        <input {...aria(`${prefix}-model`, true, at('model'))} type="text" list={`${prefix}-models`} autoComplete="off" spellCheck={false} disabled={disabled} maxLength={32} value={draft.model} onChange={(e) => set({ model: e.target.value })} data-testid={`${prefix}-model`} />
      </Field>
      <datalist id={`${prefix}-models`}>
        {vendor?.models.map((m) => (
          <option key={m.name} value={m.name}>
            {t('phones.device.modelOption', { keys: m.keys, accounts: m.accounts })}
          </option>
        ))}
      </datalist>
      {vendor?.models.length ? (
        <p className="muted small" data-testid={`${prefix}-model-list`}>
          {t('phones.device.models', { models: vendor.models.map((m) => m.name).join(', ') })}
        </p>
      ) : null}
      <Field id={`${prefix}-description`} label={t('phones.field.description')} help={t('phones.device.descriptionHelp')} error={at('description')}>
        <input {...aria(`${prefix}-description`, true, at('description'))} type="text" maxLength={128} disabled={disabled} value={draft.description} onChange={(e) => set({ description: e.target.value })} />
      </Field>
    </>
  );
}

/** A MAC address in any notation, checked as it is typed; shown back in the usual notation. */
export function MacField({ value, onChange, error, id, testId, disabled }: { value: string; onChange(v: string): void; error: string; id: string; testId: string; disabled?: boolean }) {
  const { t } = useI18n();
  const [touched, setTouched] = useState(false);
  const problem = macProblem(value);
  // Said while typing once the input is long enough to be judged (or has been left).
  const live = problem && (touched || value.replace(/[^0-9A-Fa-f]/g, '').length >= 12 || /[^0-9A-Fa-f:.\s-]/.test(value)) ? t(`phones.mac.${problem}`) : '';
  const shown = error || live;
  const mac = normalizeMac(value);
  return (
    <Field id={id} label={t('phones.field.mac')} help={t('phones.mac.help')} error={shown} required>
      <input {...aria(id, true, shown)} type="text" className="mono" autoComplete="off" spellCheck={false} autoCapitalize="characters" maxLength={32} disabled={disabled} value={value} onBlur={() => setTouched(true)} onChange={(e) => onChange(e.target.value)} data-testid={testId} />
      <p className="ok-text small" role="status" data-testid={`${testId}-status`}>
        {mac ? t('phones.mac.valid', { mac: formatMac(mac) }) : ''}
      </p>
    </Field>
  );
}

function move<X>(list: X[], i: number, d: number): X[] {
  const next = [...list];
  const [x] = next.splice(i, 1);
  next.splice(i + d, 0, x!);
  return next;
}

/** The phone's lines: a device (SIP account) of an extension each, in order (line 1 first). */
export function LinesEditor({ draft, set, refs, vendors, at, prefix, disabled }: { draft: PhoneDraft; set: SetDraft; refs: PhoneRefs; vendors: VendorInfo[] | null; at: At; prefix: string; disabled?: boolean }) {
  const { t } = useI18n();
  const lines = draft.lines;
  const model = modelInfo(vendors, draft.vendor, draft.model);
  const owner = useMemo(() => {
    const m = new Map<string, ExtensionInfo>();
    for (const x of refs.extensions ?? []) for (const d of x.devices ?? []) m.set(d.username, x);
    return m;
  }, [refs.extensions]);
  const setLine = (i: number, p: Partial<PhoneDraft['lines'][number]>) => set({ lines: lines.map((l, j) => (j === i ? { ...l, ...p } : l)) });
  const remove = (i: number) => {
    // Keys that named a line after it follow it; those on the removed line go back to the first.
    const keys = draft.keys.map((k) => {
      const n = Number(k.type === 'line' ? k.value : k.line);
      if (!n || n <= i) return k;
      if (n === i + 1) return k.type === 'line' ? { ...k, value: '' } : { ...k, line: '' };
      return k.type === 'line' ? { ...k, value: String(n - 1) } : { ...k, line: String(n - 1) };
    });
    set({ lines: lines.filter((_, j) => j !== i), keys });
  };
  const withDevices = (refs.extensions ?? []).filter((x) => x.devices?.length);
  return (
    <div className="phone-lines" data-testid={`${prefix}-lines`}>
      {model ? <p className="muted small">{t('phones.lines.modelAccounts', { model: model.name, n: model.accounts })}</p> : null}
      {model && lines.length > model.accounts ? (
        <p className="warning" role="status">
          {t('phones.lines.tooMany', { model: model.name, n: model.accounts })}
        </p>
      ) : null}
      {!refs.loading && refs.extensions && !withDevices.length ? <p className="warning">{t('phones.lines.noDevices')}</p> : null}
      <ol className="phone-rows">
        {lines.map((l, i) => {
          const id = `${prefix}-line-${i}`;
          const err = [at(`lines[${i}]`, false), at(`lines[${i}].account`)].filter(Boolean).join('; ');
          const ext = owner.get(l.account);
          const others = l.account ? (refs.usedBy.get(l.account) ?? []) : [];
          const known = !l.account || owner.has(l.account);
          return (
            <li key={i} className="phone-row" data-testid={`${prefix}-line-row-${i}`}>
              <div className="phone-row-head">
                <strong>{t('phones.lines.line', { n: i + 1 })}</strong>
                <span className="row">
                  <button type="button" className="icon" disabled={disabled || i === 0} onClick={() => set({ lines: move(lines, i, -1) })} aria-label={t('form.moveUp', { what: t('phones.lines.line', { n: i + 1 }) })}>
                    ↑
                  </button>
                  <button type="button" className="icon" disabled={disabled || i === lines.length - 1} onClick={() => set({ lines: move(lines, i, 1) })} aria-label={t('form.moveDown', { what: t('phones.lines.line', { n: i + 1 }) })}>
                    ↓
                  </button>
                  <button type="button" className="link danger" disabled={disabled} onClick={() => remove(i)} aria-label={t('form.removeWhat', { what: t('phones.lines.line', { n: i + 1 }) })}>
                    {t('form.remove')}
                  </button>
                </span>
              </div>
              <div className="field-row">
                <Field id={id} label={t('phones.lines.account')} error={err} required>
                  {refs.extensions ? (
                    <select {...aria(id, false, err)} disabled={disabled} value={l.account} onChange={(e) => setLine(i, { account: e.target.value })} data-testid={id}>
                      <option value="">{t('phones.lines.choose')}</option>
                      {withDevices.map((x) => (
                        <optgroup key={x.number} label={`${x.number} · ${x.name}`}>
                          {x.devices.map((d) => {
                            const on = refs.usedBy.get(d.username);
                            return (
                              <option key={d.username} value={d.username}>
                                {d.username}
                                {on?.length ? ` — ${t('phones.lines.onOther', { macs: on.map(formatMac).join(', ') })}` : ''}
                              </option>
                            );
                          })}
                        </optgroup>
                      ))}
                      {!known ? <option value={l.account}>{l.account}</option> : null}
                    </select>
                  ) : (
                    <input {...aria(id, false, err)} type="text" className="mono" autoComplete="off" spellCheck={false} disabled={disabled} placeholder={refs.loading ? t('common.loading') : t('phones.lines.typeAccount')} value={l.account} onChange={(e) => setLine(i, { account: e.target.value.trim() })} data-testid={id} />
                  )}
                </Field>
                <Field id={`${id}-label`} label={t('phones.lines.label')} error={at(`lines[${i}].label`)}>
                  <input {...aria(`${id}-label`, false, at(`lines[${i}].label`))} type="text" maxLength={32} disabled={disabled} placeholder={ext?.number ?? ''} value={l.label} onChange={(e) => setLine(i, { label: e.target.value })} data-testid={`${id}-label`} />
                </Field>
              </div>
              {ext ? <p className="muted small">{t('phones.lines.ofExtension', { number: ext.number, name: ext.name })}</p> : null}
              {others.length ? (
                <p className="help warn" data-testid={`${id}-shared`}>
                  {t('phones.lines.shared', { macs: others.map(formatMac).join(', ') })}
                </p>
              ) : null}
            </li>
          );
        })}
      </ol>
      <ErrorAlert error={at('lines', false)} inline />
      <button type="button" disabled={disabled || lines.length >= 16} onClick={() => set({ lines: [...lines, { account: '', label: '' }] })} data-testid={`${prefix}-line-add`}>
        {t('phones.lines.add')}
      </button>
    </div>
  );
}

/** The programmable keys, in order (key 1 first), each with the picker its type needs. */
export function KeysEditor({ draft, set, refs, vendors, at, prefix, disabled }: { draft: PhoneDraft; set: SetDraft; refs: PhoneRefs; vendors: VendorInfo[] | null; at: At; prefix: string; disabled?: boolean }) {
  const { t } = useI18n();
  const [adding, setAdding] = useState<KeyType>('blf');
  const keys = draft.keys;
  const model = modelInfo(vendors, draft.vendor, draft.model);
  const typeOptions = KEY_TYPES.map((kt) => (
    <option key={kt} value={kt}>
      {t(`phones.keys.types.${kt}`)}
    </option>
  ));
  const setKey = (i: number, p: Partial<KeyDraft>) => set({ keys: keys.map((k, j) => (j === i ? { ...k, ...p } : k)) });
  const lineName = (n: number) => {
    const l = draft.lines[n - 1];
    return l?.account ? t('phones.keys.lineOption', { n, account: l.account }) : t('phones.lines.line', { n });
  };
  const add = () => {
    const usedLines = new Set(keys.filter((k) => k.type === 'line').map((k) => k.value));
    const free = draft.lines.findIndex((_, i) => !usedLines.has(String(i + 1)));
    set({ keys: [...keys, { type: adding, value: adding === 'line' ? String(free >= 0 ? free + 1 : 1) : '', label: '', line: '' }] });
  };
  const valuePicker = (k: KeyDraft, i: number, id: string, err: string) => {
    const common = { ...aria(id, false, err), disabled, 'data-testid': id };
    const text = (placeholder: string, mono = true) => <input {...common} type="text" className={mono ? 'mono' : undefined} autoComplete="off" spellCheck={false} placeholder={placeholder} value={k.value} onChange={(e) => setKey(i, { value: e.target.value })} />;
    const options = (list: { value: string; label: string }[]) => (
      <select {...common} value={k.value} onChange={(e) => setKey(i, { value: e.target.value })}>
        <option value="">{t('phones.keys.choose')}</option>
        {list.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
        {k.value && !list.some((o) => o.value === k.value) ? <option value={k.value}>{k.value}</option> : null}
      </select>
    );
    switch (k.type) {
      case 'line':
        return options(draft.lines.map((_, n) => ({ value: String(n + 1), label: lineName(n + 1) })));
      case 'blf':
        return refs.extensions ? options(refs.extensions.map((x) => ({ value: x.number, label: `${x.number} · ${x.name}` }))) : text('201');
      case 'park':
        return refs.parkSlots ? options(refs.parkSlots.map((s) => ({ value: s, label: s }))) : text('701');
      case 'switch':
        return refs.switches ? options(refs.switches.map((s) => ({ value: s, label: s }))) : text('night', false);
      case 'speedDial':
        return <input {...common} type="tel" className="mono" autoComplete="off" placeholder="+390612345678" value={k.value} onChange={(e) => setKey(i, { value: e.target.value })} />;
      case 'dnd':
        return null;
    }
  };
  return (
    <div className="phone-keys" data-testid={`${prefix}-keys`}>
      <p className="muted small">{model ? t('phones.keys.modelKeys', { model: model.name, n: model.keys }) : t('phones.keys.intro')}</p>
      {model && keys.length > model.keys ? (
        <p className="warning" role="status">
          {t('phones.keys.tooMany', { model: model.name, n: model.keys })}
        </p>
      ) : null}
      {keys.length ? (
        <ol className="phone-rows">
          {keys.map((k, i) => {
            const id = `${prefix}-key-${i}`;
            const what = t('phones.keys.key', { n: i + 1 });
            const valueField = KEY_VALUE_FIELD[k.type];
            const err = at(`keys[${i}]`);
            return (
              <li key={i} className="phone-row" data-testid={`${prefix}-key-row-${i}`}>
                <div className="phone-row-head">
                  <strong>{what}</strong>
                  <span className="row">
                    <button type="button" className="icon" disabled={disabled || i === 0} onClick={() => set({ keys: move(keys, i, -1) })} aria-label={t('form.moveUp', { what })}>
                      ↑
                    </button>
                    <button type="button" className="icon" disabled={disabled || i === keys.length - 1} onClick={() => set({ keys: move(keys, i, 1) })} aria-label={t('form.moveDown', { what })}>
                      ↓
                    </button>
                    <button type="button" className="link danger" disabled={disabled} onClick={() => set({ keys: keys.filter((_, j) => j !== i) })} aria-label={t('form.removeWhat', { what })}>
                      {t('form.remove')}
                    </button>
                  </span>
                </div>
                <div className="field-row">
                  <Field id={`${id}-type`} label={t('phones.keys.type')}>
                    <select id={`${id}-type`} disabled={disabled} value={k.type} onChange={(e) => setKey(i, { type: e.target.value as KeyType, value: '', line: '' })} data-testid={`${id}-type`}>
                      {typeOptions}
                    </select>
                  </Field>
                  {valueField ? (
                    <Field id={`${id}-value`} label={t(`phones.keys.value.${k.type}`)} error={at(`keys[${i}].${valueField}`)} required>
                      {valuePicker(k, i, `${id}-value`, at(`keys[${i}].${valueField}`))}
                    </Field>
                  ) : null}
                  <Field id={`${id}-label`} label={t('phones.keys.label')} error={at(`keys[${i}].label`)} required={k.type === 'speedDial'}>
                    <input {...aria(`${id}-label`, false, at(`keys[${i}].label`))} type="text" maxLength={32} disabled={disabled} placeholder={k.type === 'speedDial' ? '' : t('phones.keys.labelAuto')} value={k.label} onChange={(e) => setKey(i, { label: e.target.value })} data-testid={`${id}-label`} />
                  </Field>
                  {k.type !== 'line' ? (
                    <Field id={`${id}-line`} label={t('phones.keys.line')} error={at(`keys[${i}].line`)}>
                      <select {...aria(`${id}-line`, false, at(`keys[${i}].line`))} disabled={disabled} value={k.line} onChange={(e) => setKey(i, { line: e.target.value })}>
                        <option value="">{t('phones.keys.firstLine')}</option>
                        {draft.lines.map((_, n) => (
                          <option key={n} value={String(n + 1)}>
                            {lineName(n + 1)}
                          </option>
                        ))}
                      </select>
                    </Field>
                  ) : null}
                </div>
                <p className="help">{t(`phones.keys.help.${k.type}`)}</p>
                <ErrorAlert error={err && !at(`keys[${i}].${valueField ?? '-'}`) && !at(`keys[${i}].label`) && !at(`keys[${i}].line`) ? err : ''} inline />
              </li>
            );
          })}
        </ol>
      ) : (
        <p className="muted" data-testid={`${prefix}-keys-empty`}>
          {t('phones.keys.none')}
        </p>
      )}
      <div className="row">
        <label htmlFor={`${prefix}-key-add-type`}>{t('phones.keys.addType')}</label>
        <select id={`${prefix}-key-add-type`} disabled={disabled} value={adding} onChange={(e) => setAdding(e.target.value as KeyType)} data-testid={`${prefix}-key-add-type`}>
          {typeOptions}
        </select>
        <button type="button" disabled={disabled || keys.length >= 120} onClick={add} data-testid={`${prefix}-key-add`}>
          {t('phones.keys.add')}
        </button>
      </div>
    </div>
  );
}

/** A password shown as dots unless asked, with copy and generate (a strong one from the box). */
export function PasswordInput({ id, value, onChange, error, testId, disabled, describedBy }: { id: string; value: string; onChange(v: string): void; error?: string; testId: string; disabled?: boolean; describedBy?: string }) {
  const { t } = useI18n();
  const { toast } = useFeedback();
  const [shown, setShown] = useState(false);
  const generate = async () => {
    try {
      const r = await api.get<{ password: string }>('/passwords/generate', { kind: 'sip' });
      onChange(r.password);
    } catch (e) {
      toast(errorText(e), 'error');
    }
  };
  return (
    <div className="row">
      <input id={id} type={shown ? 'text' : 'password'} className="mono" autoComplete="new-password" spellCheck={false} disabled={disabled} aria-invalid={error ? true : undefined} aria-describedby={describedBy} value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId} />
      <button type="button" aria-pressed={shown} aria-controls={id} onClick={() => setShown((s) => !s)} data-testid={`${testId}-show`}>
        {shown ? t('phones.password.hide') : t('phones.password.show')}
      </button>
      <CopyButton text={value} label={t('phones.password.copy')} />
      <button type="button" disabled={disabled} onClick={() => void generate()}>
        {t('form.generate')}
      </button>
    </div>
  );
}

/** Language, time zone, admin password, HTTP authentication, template. */
export function SettingsFields({ draft, set, refs, at, prefix, disabled }: { draft: PhoneDraft; set: SetDraft; refs: PhoneRefs; at: At; prefix: string; disabled?: boolean }) {
  const { t } = useI18n();
  const zones = useMemo(timeZones, []);
  const templates = refs.templates.filter((x) => x.vendor === draft.vendor);
  return (
    <>
      <div className="field-row">
        <Field id={`${prefix}-language`} label={t('phones.settings.language')} help={t('phones.settings.languageHelp')} error={at('language')}>
          <select {...aria(`${prefix}-language`, true, at('language'))} disabled={disabled} value={draft.language} onChange={(e) => set({ language: e.target.value })} data-testid={`${prefix}-language`}>
            <option value="">{t('phones.settings.automatic')}</option>
            <option value="en">{t('languages.en')}</option>
            <option value="it">{t('languages.it')}</option>
          </select>
        </Field>
        <Field id={`${prefix}-timezone`} label={t('phones.settings.timezone')} help={t('phones.settings.timezoneHelp')} error={at('timezone')}>
          <input {...aria(`${prefix}-timezone`, true, at('timezone'))} type="text" list={`${prefix}-zones`} autoComplete="off" spellCheck={false} disabled={disabled} placeholder="Europe/Rome" value={draft.timezone} onChange={(e) => set({ timezone: e.target.value })} data-testid={`${prefix}-timezone`} />
        </Field>
        <datalist id={`${prefix}-zones`}>
          {zones.map((z) => (
            <option key={z} value={z} />
          ))}
        </datalist>
      </div>
      <Field id={`${prefix}-admin-password`} label={t('phones.settings.adminPassword')} help={t('phones.settings.adminPasswordHelp')} error={at('adminPassword')} required>
        <PasswordInput id={`${prefix}-admin-password`} value={draft.adminPassword} onChange={(v) => set({ adminPassword: v })} error={at('adminPassword')} testId={`${prefix}-admin-password`} disabled={disabled} describedBy={`${prefix}-admin-password-help`} />
      </Field>
      <CheckField id={`${prefix}-http-auth`} label={t('phones.settings.httpAuth')} help={t('phones.settings.httpAuthHelp')} checked={draft.httpAuth} onChange={(v) => set({ httpAuth: v })} disabled={disabled} testId={`${prefix}-http-auth`} />
      {draft.httpAuth ? (
        <div className="field-row">
          <Field id={`${prefix}-http-user`} label={t('phones.settings.httpUser')} error={at('httpAuth.username')} required>
            <input {...aria(`${prefix}-http-user`, false, at('httpAuth.username'))} type="text" className="mono" autoComplete="off" spellCheck={false} maxLength={32} disabled={disabled} value={draft.httpUser} onChange={(e) => set({ httpUser: e.target.value })} data-testid={`${prefix}-http-user`} />
          </Field>
          <Field id={`${prefix}-http-password`} label={t('phones.settings.httpPassword')} error={at('httpAuth.password')} required>
            <PasswordInput id={`${prefix}-http-password`} value={draft.httpPassword} onChange={(v) => set({ httpPassword: v })} error={at('httpAuth.password')} testId={`${prefix}-http-password`} disabled={disabled} />
          </Field>
        </div>
      ) : null}
      <Field id={`${prefix}-template`} label={t('phones.settings.template')} help={t('phones.settings.templateHelp')} error={at('template')}>
        <select {...aria(`${prefix}-template`, true, at('template'))} disabled={disabled} value={draft.template} onChange={(e) => set({ template: e.target.value })} data-testid={`${prefix}-template`}>
          <option value="">{t('phones.settings.templateAuto')}</option>
          {templates.map((x) => (
            <option key={x.name} value={x.name}>
              {x.name}
              {x.description ? ` — ${x.description}` : ''}
            </option>
          ))}
          {draft.template && !templates.some((x) => x.name === draft.template) ? <option value={draft.template}>{draft.template}</option> : null}
        </select>
      </Field>
    </>
  );
}

/** Custom placeholders ({{vars.name}} in templates) as name/value rows. */
export function VarsEditor({ rows, onChange, prefix, error, disabled }: { rows: VarRow[]; onChange(rows: VarRow[]): void; prefix: string; error?: string; disabled?: boolean }) {
  const { t } = useI18n();
  const setRow = (i: number, p: Partial<VarRow>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...p } : r)));
  return (
    <div className="phone-vars" data-testid={`${prefix}-vars`}>
      {rows.length ? (
        <ListTable className="list vars-table" caption={t('phones.vars.title')} columns={[t('phones.vars.name'), t('phones.vars.value')]} actions>
          {rows.map((r, i) => (
            <tr key={i}>
              <td>
                <input type="text" className="mono" aria-label={t('phones.vars.nameOf', { n: i + 1 })} autoComplete="off" spellCheck={false} maxLength={32} disabled={disabled} value={r.name} onChange={(e) => setRow(i, { name: e.target.value })} data-testid={`${prefix}-var-name-${i}`} />
                {r.name.trim() ? <div className="muted small mono">{`{{vars.${r.name.trim()}}}`}</div> : null}
              </td>
              <td>
                <input type="text" aria-label={t('phones.vars.valueOf', { n: i + 1 })} autoComplete="off" maxLength={256} disabled={disabled} value={r.value} onChange={(e) => setRow(i, { value: e.target.value })} data-testid={`${prefix}-var-value-${i}`} />
              </td>
              <td>
                <button type="button" className="link danger" disabled={disabled} onClick={() => onChange(rows.filter((_, j) => j !== i))} aria-label={t('form.removeWhat', { what: r.name || t('phones.vars.row', { n: i + 1 }) })}>
                  {t('form.remove')}
                </button>
              </td>
            </tr>
          ))}
        </ListTable>
      ) : (
        <p className="muted">{t('phones.vars.none')}</p>
      )}
      <ErrorAlert error={error} inline />
      <button type="button" disabled={disabled || rows.length >= 50} onClick={() => onChange([...rows, { name: '', value: '' }])} data-testid={`${prefix}-var-add`}>
        {t('phones.vars.add')}
      </button>
    </div>
  );
}

// ---- the wizard --------------------------------------------------------------------------------------

const WIZARD_STEPS = ['device', 'mac', 'lines', 'keys', 'settings'] as const;

/** Which step holds the field an API error names. */
export function wizardStepOf(path: string): number {
  if (/^(vendor|model|description)\b/.test(path)) return 0;
  if (path.startsWith('mac')) return 1;
  if (path.startsWith('lines')) return 2;
  if (path.startsWith('keys')) return 3;
  return 4;
}

export function PhoneWizard() {
  const { t } = useI18n();
  const { toast } = useFeedback();
  const { query } = useLocation();
  const { vendors } = useVendors();
  const refs = usePhoneRefs();
  const steps = useSteps(WIZARD_STEPS.length);
  const errors = useApiErrors();
  const { busy, whileBusy, create } = useWizardCreate(errors, steps, wizardStepOf);
  const [draft, setDraft] = useState<PhoneDraft>(() => {
    const d = emptyDraft();
    const mac = query.get('mac') ?? '';
    const vendor = query.get('vendor') ?? '';
    return { ...d, mac: mac ? formatMac(normalizeMac(mac) ?? mac) : '', vendor: (VENDORS as readonly string[]).includes(vendor) ? (vendor as Vendor) : '', model: query.get('model') ?? '' };
  });
  const set: SetDraft = (p) => setDraft((d) => ({ ...d, ...p }));
  useEffect(() => {
    api.get<{ password: string }>('/passwords/generate', { kind: 'sip' }).then((r) => setDraft((d) => (d.adminPassword ? d : { ...d, adminPassword: r.password })), () => {});
  }, []);
  const adopted = !!query.get('mac');
  const labels = WIZARD_STEPS.map((id) => ({ id, label: t(`phones.wizard.steps.${id}`) }));
  const focus = steps.reached > 0;
  const local = (fields: FieldError[]) => refuse(errors, t, fields);
  const next = (check: (d: PhoneDraft, t: T) => FieldError[]) => () => {
    errors.clear();
    if (!local(check(draft, t))) steps.next();
  };
  const macNext = async () => {
    errors.clear();
    const problem = macText(draft.mac, t);
    if (problem) return void local([{ path: 'mac', message: problem }]);
    const mac = normalizeMac(draft.mac)!;
    // Said now, rather than after three more steps: this phone is configured already.
    await whileBusy(async () => {
      if (await nameFree('phones', mac)) steps.next();
      else local([{ path: 'mac', message: t('phones.wizard.macTaken', { mac: formatMac(mac) }) }]);
    });
  };
  const finish = async () => {
    errors.clear();
    if (local(settingsProblems(draft, t))) return;
    if (!draft.adminPassword) return void local([{ path: 'adminPassword', message: t('phones.check.password') }]);
    await create('/phones', phoneBody(draft), (r) => {
      const mac = String(r.item.mac);
      reportSaved(toast, t, t('phones.page.title', { mac: formatMac(mac) }), r.apply as WriteApply | undefined);
      navigate(`/phones/${encodeURIComponent(mac)}`);
    });
  };
  const at = errors.at;
  const P = 'phone-wizard';
  const id = WIZARD_STEPS[steps.current] ?? 'settings';
  // Each step: what its Next does, and its fields.
  const parts: Record<(typeof WIZARD_STEPS)[number], [() => void | Promise<void>, ReactNode]> = {
    device: [next(deviceProblems), <DeviceFields draft={draft} set={set} vendors={vendors} at={at} prefix={P} />],
    mac: [
      macNext,
      <MacField
        id={`${P}-mac`}
        testId={`${P}-mac`}
        value={draft.mac}
        onChange={(v) => {
          // What was said about the previous MAC no longer holds; the field judges the new one.
          errors.clear();
          set({ mac: v });
        }}
        error={at('mac')}
      />,
    ],
    lines: [next(lineProblems), <LinesEditor draft={draft} set={set} refs={refs} vendors={vendors} at={at} prefix={P} />],
    keys: [next(keyProblems), <KeysEditor draft={draft} set={set} refs={refs} vendors={vendors} at={at} prefix={P} />],
    settings: [finish, <SettingsFields draft={draft} set={set} refs={refs} at={at} prefix={P} />],
  };
  const [submit, fields] = parts[id];
  const body = (
    <StepPanel testid={`phone-wizard-step-${id}`} title={t(`phones.wizard.${id}Title`)} intro={<p>{t(id === 'device' && adopted ? 'phones.wizard.adoptIntro' : `phones.wizard.${id}Intro`)}</p>} onSubmit={submit} focus={focus}>
      <StepError message={errors.message} fields={errors.fields} />
      {fields}
      {id !== 'settings' ? (
        <StepNav prefix={P} onBack={id === 'device' ? undefined : steps.back} busy={busy} />
      ) : (
        <div className="form-actions step-nav no-print">
          <button type="button" data-testid={`${P}-back`} disabled={busy} onClick={steps.back}>
            {t('common.back')}
          </button>
          <span className="spacer" />
          <button type="submit" className="primary" data-testid={`${P}-create`} disabled={busy} aria-busy={busy || undefined}>
            {busy ? t('common.saving') : t('phones.wizard.create')}
          </button>
        </div>
      )}
    </StepPanel>
  );
  return (
    <WizardFrame testid="phone-wizard" list="phones" title={t('phones.wizard.title')} labels={labels} stepsLabel={t('phones.wizard.stepsLabel')} steps={steps} busy={busy}>
      {body}
    </WizardFrame>
  );
}

// ---- the phone's page -----------------------------------------------------------------------------

export function PhonePage({ mac: param }: { mac: string }) {
  const { t } = useI18n();
  const { can } = useSession();
  const { toast } = useFeedback();
  const { vendors } = useVendors();
  const mac = normalizeMac(param) ?? param;
  const refs = usePhoneRefs(mac);
  const writable = can('provisioning', 'write');
  const errors = useApiErrors();
  const { busy, whileBusy } = useBusyWork(errors);
  const [draft, setDraft] = useState<PhoneDraft | null>(null);
  const [round, setRound] = useState(0);
  const {
    data: phone,
    error: loadError,
    setData: setPhone,
  } = useLoad(() => api.get<Phone>(`/phones/${encodeURIComponent(mac)}`), [mac], {
    describe: (e) => (e instanceof ApiError && e.status === 404 ? t('phones.page.notFound', { mac: formatMac(mac) }) : errorText(e)),
    onLoad: (p) => setDraft(draftOf(p)),
  });
  const set: SetDraft = (p) => setDraft((d) => (d ? { ...d, ...p } : d));
  const title = t('phones.page.title', { mac: formatMac(mac) });
  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (!draft) return;
    errors.clear();
    if (refuse(errors, t, [...deviceProblems(draft, t), ...lineProblems(draft, t), ...keyProblems(draft, t), ...settingsProblems(draft, t)])) return;
    await whileBusy(async () => {
      const r = await api.put<{ item: Phone; apply?: WriteApply }>(`/phones/${encodeURIComponent(mac)}`, { ...phoneBody(draft), mac });
      setPhone(r.item);
      setDraft(draftOf(r.item));
      reportSaved(toast, t, title, r.apply);
      setRound((n) => n + 1);
    });
  };
  if (loadError || !phone || !draft) return <PageNotReady error={loadError} title={title} back="/phones" backLabel={t('nav.phones')} />;
  const at = errors.at;
  const dirty = JSON.stringify(phoneBody(draft)) !== JSON.stringify(phoneBody(draftOf(phone)));
  const P = 'phone';
  return (
    <section className="page phone-page" aria-labelledby="page-title" data-testid="phone-page">
      <Crumb to="/phones" label={t('nav.phones')} />
      <div className="page-head">
        <h1 id="page-title">{title}</h1>
        {writable ? <DeleteButton testId="phone-delete" request={{ question: t('phones.page.confirmDelete', { mac: formatMac(mac) }), path: `/phones/${encodeURIComponent(mac)}`, done: t('phones.page.deleted', { mac: formatMac(mac) }), after: () => navigate('/phones') }} /> : null}
      </div>
      <p className="muted">
        {vendorLabel(vendors, phone.vendor)} {phone.model}
        {phone.description ? ` — ${phone.description}` : ''}
      </p>
      {writable ? <NotifyButtons mac={mac} onDone={() => setRound((n) => n + 1)} /> : null}
      <form onSubmit={save} noValidate className="phone-form">
        <StepError message={errors.message} fields={errors.fields} />
        <fieldset className="group">
          <legend>{t('phones.page.device')}</legend>
          <div className="field">
            <span className="label-like">{t('phones.field.mac')}</span>
            <span className="mono" data-testid="phone-mac">
              {formatMac(mac)}
            </span>
          </div>
          <DeviceFields draft={draft} set={set} vendors={vendors} at={at} prefix={P} disabled={!writable || busy} />
        </fieldset>
        <fieldset className="group">
          <legend>{t('phones.page.lines')}</legend>
          <LinesEditor draft={draft} set={set} refs={refs} vendors={vendors} at={at} prefix={P} disabled={!writable || busy} />
        </fieldset>
        <fieldset className="group">
          <legend>{t('phones.page.keys')}</legend>
          <KeysEditor draft={draft} set={set} refs={refs} vendors={vendors} at={at} prefix={P} disabled={!writable || busy} />
        </fieldset>
        <fieldset className="group">
          <legend>{t('phones.page.settings')}</legend>
          <SettingsFields draft={draft} set={set} refs={refs} at={at} prefix={P} disabled={!writable || busy} />
        </fieldset>
        <fieldset className="group">
          <legend>{t('phones.vars.title')}</legend>
          <p className="help">{t('phones.vars.phoneHelp')}</p>
          <VarsEditor rows={draft.vars} onChange={(vars) => set({ vars })} prefix={P} error={at('vars')} disabled={!writable || busy} />
        </fieldset>
        {writable ? (
          <FormActions busy={busy} label={t('form.save')} testId="phone-save" dirty={dirty}>
            <button type="button" disabled={busy || !dirty} onClick={() => (errors.clear(), setDraft(draftOf(phone)))}>
              {t('phones.page.undo')}
            </button>
          </FormActions>
        ) : null}
      </form>
      <PhoneFiles mac={mac} round={round} />
      <PhoneRecentRequests mac={mac} round={round} />
    </section>
  );
}

/** Resync and reboot through SIP NOTIFY, with what the phone answered. */
function NotifyButtons({ mac, onDone }: { mac: string; onDone(): void }) {
  const { t } = useI18n();
  const { toast, confirm } = useFeedback();
  const [busy, setBusy] = useState<'' | 'resync' | 'reboot'>('');
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const run = async (action: 'resync' | 'reboot') => {
    if (action === 'reboot' && !(await confirm(t('phones.notify.rebootConfirm', { mac: formatMac(mac) }), { confirmLabel: t('phones.notify.reboot') }))) return;
    setBusy(action);
    setResult(null);
    try {
      const answer = await api.post<NotifyResult | { results: NotifyResult[] }>(`/phones/${encodeURIComponent(mac)}/${action}`);
      const r: NotifyResult = 'results' in answer ? (answer.results[0] ?? { mac, ok: false }) : answer;
      const text = r.ok ? t(`phones.notify.${action}Sent`, { account: r.account ?? '' }) : t('phones.notify.failed', { error: r.error ?? t('phones.notify.noAnswer') });
      setResult({ ok: r.ok, text });
      toast(text, r.ok ? 'ok' : 'error');
      onDone();
    } catch (e) {
      const text = errorText(e);
      setResult({ ok: false, text });
      toast(text, 'error');
    } finally {
      setBusy('');
    }
  };
  return (
    <div className="phone-notify">
      <div className="actions">
        <button type="button" disabled={!!busy} aria-busy={busy === 'resync' || undefined} onClick={() => void run('resync')} data-testid="phone-resync">
          {busy === 'resync' ? t('phones.notify.sending') : t('phones.notify.resync')}
        </button>
        <button type="button" disabled={!!busy} aria-busy={busy === 'reboot' || undefined} onClick={() => void run('reboot')} data-testid="phone-reboot">
          {busy === 'reboot' ? t('phones.notify.sending') : t('phones.notify.reboot')}
        </button>
      </div>
      <p role="status" className={result ? (result.ok ? 'ok-text' : 'field-error') : 'muted small'} data-testid="phone-notify-result">
        {result ? result.text : t('phones.notify.help')}
      </p>
    </div>
  );
}

export interface PhoneFile {
  file: string;
  name: string;
  description: string;
  url: string;
}

/**
 * The files a phone gets, and one of them exactly as the phone receives it (the served body,
 * not re-rendered here). `file` picks the one shown first (a template's file).
 */
export function PhoneFiles({ mac, round = 0, file: wanted, heading = true }: { mac: string; round?: number; file?: string; heading?: boolean }) {
  const { t } = useI18n();
  // A file holds the phone's SIP and admin passwords: the API serves it to writers only.
  const mayRead = useSession().can('provisioning', 'write');
  const [chosen, setChosen] = useState('');
  const { data: files, error } = useLoad(() => api.get<PhoneFile[] | { files?: PhoneFile[]; items?: PhoneFile[] }>(`/phones/${encodeURIComponent(mac)}/files`).then((r) => (Array.isArray(r) ? r : (r.files ?? r.items ?? []))), [mac, round, wanted], {
    clear: true,
    failed: [],
    onLoad: (list) => setChosen((c) => (wanted && list.some((f) => f.file === wanted) ? wanted : list.some((f) => f.file === c) ? c : (list[0]?.file ?? ''))),
  });
  const { data: text, error: textError } = useLoad(() => (chosen && mayRead ? fetchText(`/phones/${encodeURIComponent(mac)}/files/${encodeURIComponent(chosen)}`) : undefined), [mac, chosen, round, mayRead], { clear: true, describe: (e) => (e as Error).message });
  const current = mayRead ? files?.find((f) => f.file === chosen) : undefined;
  return (
    <section aria-labelledby={`phone-files-${mac}`} className="phone-section" data-testid="phone-files">
      {heading ? <h2 id={`phone-files-${mac}`}>{t('phones.files.title')}</h2> : <h3 id={`phone-files-${mac}`}>{t('phones.files.title')}</h3>}
      <p className="muted">{t('phones.files.intro')}</p>
      <ErrorAlert error={error} inline />
      {!mayRead ? <p className="muted">{t('phones.files.writersOnly')}</p> : null}
      <ListTable testId="phone-files-table" caption={t('phones.files.title')} columns={[t('phones.files.name'), t('phones.files.description'), t('phones.files.url')]} actions={mayRead} rows={files} empty={t('phones.files.none')} loading={!files}>
        {files?.map((f) => (
          <tr key={f.file} aria-selected={f.file === chosen} className={f.file === chosen ? 'selected' : undefined}>
            <td className="mono">{f.name}</td>
            <td>{f.description}</td>
            <td className="mono small">
              <span className="row">
                {f.url}
                <CopyButton text={f.url} label={t('phones.files.copyUrl', { name: f.name })} />
              </span>
            </td>
            {mayRead ? (
              <td>
                <button type="button" aria-pressed={f.file === chosen} onClick={() => setChosen(f.file)} data-testid={`phone-file-${f.file}`}>
                  {t('phones.files.preview')}
                </button>
              </td>
            ) : null}
          </tr>
        ))}
      </ListTable>
      {current ? (
        <div className="phone-preview">
          <h3 id="phone-preview-title">{t('phones.files.previewOf', { name: current.name })}</h3>
          <p className="help">{t('phones.files.exact')}</p>
          {textError ? (
            <ErrorAlert error={textError} inline />
          ) : text === null ? (
            <p aria-busy="true">{t('common.loading')}</p>
          ) : (
            <pre className="mono phone-file-text" tabIndex={0} aria-labelledby="phone-preview-title" data-testid="phone-file-preview">
              {text}
            </pre>
          )}
        </div>
      ) : null}
    </section>
  );
}
