// Guided creation of the two objects integrators make most: an extension with its phone (ends
// on the phone's credentials) and a trunk from a provider template (ends on its live state).
import { useEffect, useState } from 'react';
import { api, ApiError, type FieldError, type ListResult } from '../lib/api.ts';
import { useI18n } from '../lib/i18n.tsx';
import { Link, navigate } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';
import { SecretInput } from '../components/SecretInput.tsx';
import { Field, ResultPanel, StepError, StepNav, StepPanel, aria, lines, useApiErrors, useSteps } from '../components/Stepper.tsx';
import { CredentialsTable, numberAt, saveTrunk, trunkDraftOf, TrunkFields, useApplyToast, type NetworkSummary, type WriteResult } from './Setup.tsx';
import { CheckField, nameFree, useWizardCreate, WizardFrame } from './wizard-parts.tsx';
import './Setup.css';

type Item = Record<string, unknown>;

/** The highest numeric key + 1 (keeping its width), or `fallback` when there is none. */
function nextNumber(items: Item[], fallback: string): string {
  const max = items
    .map((x) => String(x.number))
    .filter((n) => /^[0-9]+$/.test(n))
    .sort((a, b) => Number(a) - Number(b))
    .pop();
  return max ? numberAt(max, 1) : fallback;
}

// ---- new extension -----------------------------------------------------------------------------

type FwdKind = '' | 'extension' | 'external';
interface Fwd {
  kind: FwdKind;
  target: string;
  after: string;
}
const FWD_KEYS = ['always', 'busy', 'noAnswer'] as const;
type FwdKey = (typeof FWD_KEYS)[number];

interface ExtWizDraft {
  number: string;
  name: string;
  email: string;
  withDevice: boolean;
  username: string;
  usernameTouched: boolean;
  password: string;
  permit: string;
  cls: string;
  forward: Record<FwdKey, Fwd>;
}

function emptyExt(number: string): ExtWizDraft {
  const fwd = (): Fwd => ({ kind: '', target: '', after: '20' });
  return { number, name: '', email: '', withDevice: true, username: number, usernameTouched: false, password: '', permit: '', cls: '', forward: { always: fwd(), busy: fwd(), noAnswer: fwd() } };
}

export function extensionBody(d: ExtWizDraft): Item {
  const forward: Item = {};
  for (const k of FWD_KEYS) {
    const f = d.forward[k];
    if (!f.kind || !f.target.trim()) continue;
    forward[k] = { [f.kind]: f.target.trim(), ...(k === 'noAnswer' ? { after: f.after === '' ? 20 : Number(f.after) } : {}) };
  }
  return {
    number: d.number.trim(),
    name: d.name.trim(),
    ...(d.email.trim() ? { email: d.email.trim() } : {}),
    ...(d.cls ? { class: d.cls } : {}),
    devices: d.withDevice ? [{ username: (d.usernameTouched ? d.username : d.number).trim(), password: d.password, permit: lines(d.permit) }] : [],
    forward,
  };
}

/** Which step of the extension wizard holds the field an API error names. */
function extStepOf(path: string): number {
  if (/^(number|name|email)\b/.test(path)) return 0;
  if (path.startsWith('devices')) return 1;
  return 2;
}

const EXT_STEPS = ['identity', 'phone', 'class', 'summary'] as const;

export function ExtensionWizard() {
  const { t } = useI18n();
  const { can } = useSession();
  const applied = useApplyToast();
  const steps = useSteps(EXT_STEPS.length);
  const errors = useApiErrors();
  const [draft, setDraft] = useState<ExtWizDraft>(emptyExt(''));
  const [classes, setClasses] = useState<string[]>([]);
  const [net, setNet] = useState<NetworkSummary | null>(null);
  const [sipPort, setSipPort] = useState(5060);
  const { busy, created, setCreated, whileBusy, create: post } = useWizardCreate(errors, steps, extStepOf);
  const [round, setRound] = useState(0);

  const newPassword = () => api.get<{ password: string }>('/passwords/generate', { kind: 'sip' }).then((r) => setDraft((d) => ({ ...d, password: d.password || r.password })), () => {});
  useEffect(() => {
    api.get<ListResult>('/extensions', { limit: 1000 }).then((r) => {
      const n = nextNumber(r.items, '201');
      setDraft((d) => (d.number ? d : { ...d, number: n, username: d.usernameTouched ? d.username : n }));
    }, () => setDraft((d) => (d.number ? d : { ...d, number: '201', username: '201' })));
    void newPassword();
  }, [round]);
  useEffect(() => {
    if (can('routing', 'read')) api.get<ListResult>('/calling-classes', { limit: 1000 }).then((r) => setClasses(r.items.map((c) => String(c.name))), () => {});
    if (can('system', 'read'))
      api.get<NetworkSummary>('/system/network').then(
        (n) => {
          setNet(n);
          setSipPort(n.sipPort);
        },
        () => {},
      );
  }, []);

  const set = (p: Partial<ExtWizDraft>) => setDraft((d) => ({ ...d, ...p }));
  const labels = EXT_STEPS.map((id) => ({ id, label: t(`setup.extWizard.steps.${id}`) }));
  const focus = steps.reached > 0;
  const local = (path: string, message: string) => errors.take(new ApiError(400, 'validation_failed', t('setup.fixBelow'), [{ path, message }]));

  const identityNext = async () => {
    errors.clear();
    if (!/^[0-9]{2,8}$/.test(draft.number.trim())) return local('number', t('setup.extWizard.numberInvalid'));
    if (!draft.name.trim()) return local('name', t('setup.required'));
    // Say at once that the number is taken, rather than after two more steps.
    await whileBusy(async () => {
      if (await nameFree('extensions', draft.number.trim())) steps.next();
      else local('number', t('setup.extWizard.numberTaken', { number: draft.number.trim() }));
    });
  };
  const phoneNext = () => {
    errors.clear();
    if (draft.withDevice && !draft.password) return local('devices[0].password', t('setup.required'));
    steps.next();
  };
  const create = () =>
    post('/extensions', extensionBody(draft), (r) => {
      applied(r, t('setup.extWizard.created', { number: String(r.item.number) }));
      steps.next();
    });
  const another = () => {
    setCreated(null);
    setDraft(emptyExt(''));
    errors.clear();
    steps.reset();
    setRound((n) => n + 1);
  };

  const at = errors.at;
  const id = EXT_STEPS[steps.current];
  let body;
  if (id === 'identity')
    body = (
      <StepPanel testid="extwiz-step-identity" title={t('setup.extWizard.identityTitle')} onSubmit={identityNext} focus={focus}>
        <StepError message={errors.message} fields={errors.fields} />
        <Field id="xw-number" label={t('field.number')} help={t('setup.extWizard.numberHelp')} error={at('number')} required>
          <input {...aria('xw-number', true, at('number'))} type="text" inputMode="numeric" className="mono" autoComplete="off" value={draft.number} onChange={(e) => set({ number: e.target.value })} />
        </Field>
        <Field id="xw-name" label={t('field.name')} help={t('setup.extWizard.nameHelp')} error={at('name')} required>
          <input {...aria('xw-name', true, at('name'))} type="text" maxLength={64} autoComplete="off" value={draft.name} onChange={(e) => set({ name: e.target.value })} />
        </Field>
        <Field id="xw-email" label={t('field.email')} help={t('setup.extWizard.emailHelp')} error={at('email')}>
          <input {...aria('xw-email', true, at('email'))} type="email" autoComplete="off" value={draft.email} onChange={(e) => set({ email: e.target.value })} />
        </Field>
        <StepNav prefix="wizard" busy={busy} />
      </StepPanel>
    );
  else if (id === 'phone') {
    const user = draft.usernameTouched ? draft.username : draft.number;
    body = (
      <StepPanel testid="extwiz-step-phone" title={t('setup.extWizard.phoneTitle')} intro={<p>{t('setup.extWizard.phoneIntro')}</p>} onSubmit={phoneNext} focus={focus}>
        <StepError message={errors.message} fields={errors.fields} />
        <CheckField id="xw-with-device" label={t('setup.extWizard.withDevice')} checked={draft.withDevice} onChange={(v) => set({ withDevice: v })} />
        {draft.withDevice ? (
          <>
            <Field id="xw-user" label={t('setup.extWizard.username')} help={t('setup.extWizard.usernameHelp')} error={at('devices[0].username')} required>
              <input {...aria('xw-user', true, at('devices[0].username'))} type="text" className="mono" autoComplete="off" spellCheck={false} value={user} onChange={(e) => set({ username: e.target.value, usernameTouched: true })} />
            </Field>
            <Field id="xw-pass" label={t('setup.extWizard.password')} help={t('setup.extWizard.passwordHelp')} error={at('devices[0].password')} required>
              <SecretInput {...aria('xw-pass', true, at('devices[0].password'))} kind="sip" value={draft.password} onChange={(v) => set({ password: v })} />
            </Field>
            <Field id="xw-permit" label={t('setup.extWizard.permit')} help={t('setup.extWizard.permitHelp')} error={at('devices[0].permit')}>
              <textarea {...aria('xw-permit', true, at('devices[0].permit'))} className="mono" rows={2} spellCheck={false} value={draft.permit} onChange={(e) => set({ permit: e.target.value })} />
            </Field>
          </>
        ) : (
          <p className="muted">{t('setup.extWizard.noDevice')}</p>
        )}
        <StepNav prefix="wizard" onBack={steps.back} busy={busy} />
      </StepPanel>
    );
  } else if (id === 'class')
    body = (
      <StepPanel testid="extwiz-step-class" title={t('setup.extWizard.classTitle')} onSubmit={create} focus={focus}>
        <StepError message={errors.message} fields={errors.fields} />
        <Field id="xw-class" label={t('field.class')} help={t('setup.extWizard.classHelp')} error={at('class')}>
          <select {...aria('xw-class', true, at('class'))} value={draft.cls} onChange={(e) => set({ cls: e.target.value })}>
            <option value="">{t('setup.extWizard.noClass')}</option>
            {classes.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </Field>
        <fieldset className="group">
          <legend>
            {t('field.forward')} <span className="muted">({t('setup.optional')})</span>
          </legend>
          {FWD_KEYS.map((k) => (
            <ForwardRow key={k} which={k} value={draft.forward[k]} error={at(`forward.${k}`)} onChange={(f) => set({ forward: { ...draft.forward, [k]: f } })} />
          ))}
        </fieldset>
        <StepNav prefix="wizard" onBack={steps.back} busy={busy} nextLabel={t('setup.extWizard.create')} />
      </StepPanel>
    );
  else if (created) {
    const devices = (created.devices as { username: string; password: string }[] | undefined) ?? [];
    const number = String(created.number);
    body = (
      <ResultPanel testid="extwiz-step-summary" title={t('setup.extWizard.summaryTitle', { number, name: String(created.name) })}>
        {devices.length ? (
          <>
            <div className="warning" role="note">
              {t('setup.extWizard.summaryWarning')}
            </div>
            <CredentialsTable rows={devices.map((d) => ({ number, name: String(created.name), username: d.username, password: d.password }))} net={net} sipPort={sipPort} />
          </>
        ) : (
          <p className="muted">{t('setup.extWizard.noDevice')}</p>
        )}
        <div className="form-actions no-print">
          <Link to={`/extensions/${encodeURIComponent(number)}`} className="button" data-testid="wizard-open">
            {t('setup.extWizard.open', { number })}
          </Link>
          <button type="button" onClick={() => window.print()}>
            {t('common.print')}
          </button>
          <button type="button" className="primary" data-testid="wizard-another" onClick={another}>
            {t('setup.extWizard.another')}
          </button>
        </div>
      </ResultPanel>
    );
  }

  return (
    <WizardFrame list="extensions" title={t('nav.extensionWizard')} labels={labels} stepsLabel={t('setup.stepper.label')} steps={steps} busy={busy} done={!!created}>
      {body}
    </WizardFrame>
  );
}

function ForwardRow({ which, value, onChange, error }: { which: FwdKey; value: Fwd; onChange(f: Fwd): void; error: string }) {
  const { t } = useI18n();
  const id = `xw-fwd-${which}`;
  return (
    <div className="forward-row">
      <Field id={id} label={t(`field.${which}`)} error={error}>
        <select {...aria(id, false, error)} value={value.kind} onChange={(e) => onChange({ ...value, kind: e.target.value as FwdKind })}>
          <option value="">{t('setup.extWizard.fwdNone')}</option>
          <option value="extension">{t('kind.extension')}</option>
          <option value="external">{t('kind.external')}</option>
        </select>
      </Field>
      {value.kind ? (
        <Field id={`${id}-target`} label={value.kind === 'extension' ? t('setup.extWizard.fwdExtension') : t('setup.extWizard.fwdExternal')}>
          <input id={`${id}-target`} type="text" inputMode="tel" className="mono" autoComplete="off" value={value.target} onChange={(e) => onChange({ ...value, target: e.target.value })} />
        </Field>
      ) : null}
      {value.kind && which === 'noAnswer' ? (
        <Field id={`${id}-after`} label={t('field.after')}>
          <input id={`${id}-after`} type="number" min={5} max={300} inputMode="numeric" value={value.after} onChange={(e) => onChange({ ...value, after: e.target.value })} />
        </Field>
      ) : null}
    </div>
  );
}

// ---- new trunk ---------------------------------------------------------------------------------

const TRUNK_STEPS = ['template', 'fields', 'routing', 'summary'] as const;
type TrunkState = 'registered' | 'unregistered' | 'rejected' | 'reachable' | 'unreachable' | 'unknown';
const POLLS = 10;
const POLL_MS = 3000;

/** Badge colour of a trunk state. */
export function stateClass(s: TrunkState | string): 'good' | 'busy' | 'bad' {
  if (s === 'registered' || s === 'reachable') return 'good';
  if (s === 'rejected' || s === 'unreachable') return 'bad';
  return 'busy';
}

/** The trunk's state from /system/status, asked a few times while it registers. */
export function useTrunkState(name: string | null): { state: TrunkState | null; polling: boolean; error: string; again(): void } {
  const [state, setState] = useState<TrunkState | null>(null);
  const [polling, setPolling] = useState(false);
  const [error, setError] = useState('');
  const [round, setRound] = useState(0);
  useEffect(() => {
    if (!name) return;
    let live = true;
    let n = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setPolling(true);
    const ask = async () => {
      n++;
      let final = false;
      try {
        const s = await api.get<{ trunks: { name: string; state: TrunkState }[] }>('/system/status');
        if (!live) return;
        const mine = s.trunks.find((x) => x.name === name);
        setState(mine?.state ?? 'unknown');
        setError('');
        final = mine?.state === 'registered' || mine?.state === 'reachable';
      } catch (err) {
        if (!live) return;
        setError(err instanceof Error ? err.message : String(err));
      }
      if (live && !final && n < POLLS) timer = setTimeout(() => void ask(), POLL_MS);
      else if (live) setPolling(false);
    };
    void ask();
    return () => {
      live = false;
      if (timer) clearTimeout(timer);
    };
  }, [name, round]);
  return { state, polling, error, again: () => setRound((r) => r + 1) };
}

/** A free default name: "provider", then "provider2", ... */
function freeName(taken: string[], base: string): string {
  if (!taken.includes(base)) return base;
  for (let i = 2; ; i++) if (!taken.includes(`${base}${i}`)) return `${base}${i}`;
}

export function TrunkWizard() {
  const { t } = useI18n();
  const { can } = useSession();
  const applied = useApplyToast();
  const steps = useSteps(TRUNK_STEPS.length);
  const errors = useApiErrors();
  const ruleErrors = useApiErrors();
  const [draft, setDraft] = useState(trunkDraftOf({ name: 'provider', type: 'register', port: 5060, transport: 'udp' }));
  const [saved, setSaved] = useState<Item | null>(null);
  const [busy, setBusy] = useState(false);
  const [classes, setClasses] = useState<Item[]>([]);
  const [rule, setRule] = useState({ name: '', patterns: 'X.', cls: '', newClass: '' });
  const [ruleSaved, setRuleSaved] = useState<string | null>(null);
  const [classSaved, setClassSaved] = useState<string | null>(null);
  const routing = can('routing', 'write');

  useEffect(() => {
    api.get<ListResult>('/trunks', { limit: 1000 }).then((r) => setDraft((d) => ({ ...d, name: freeName(r.items.map((x) => String(x.name)), 'provider') })), () => {});
    if (can('routing', 'read')) api.get<ListResult>('/calling-classes', { limit: 1000 }).then((r) => setClasses(r.items), () => {});
  }, []);

  const labels = TRUNK_STEPS.map((id) => ({ id, label: t(`setup.trunkWizard.steps.${id}`) }));
  const focus = steps.reached > 0;
  const trunkName = saved ? String(saved.name) : null;
  const live = useTrunkState(steps.current === 3 ? trunkName : null);

  const saveFields = async () => {
    errors.clear();
    setBusy(true);
    try {
      const r = await saveTrunk(draft, saved);
      setSaved(r.item);
      setRule((x) => ({ ...x, name: x.name || `out-${String(r.item.name)}`.slice(0, 32) }));
      applied(r, t('setup.trunk.saved', { name: String(r.item.name) }));
      steps.next();
    } catch (err) {
      errors.take(err);
    } finally {
      setBusy(false);
    }
  };

  const saveRouting = async () => {
    ruleErrors.clear();
    if (!trunkName) return;
    setBusy(true);
    let stage: 'rule' | 'class' = 'rule';
    try {
      const body = { name: rule.name.trim(), patterns: lines(rule.patterns), trunks: [trunkName] };
      const r = ruleSaved ? await api.put<WriteResult>(`/outbound-rules/${encodeURIComponent(ruleSaved)}`, { ...body, name: ruleSaved }) : await api.post<WriteResult>('/outbound-rules', body);
      const ruleName = String(r.item.name);
      setRuleSaved(ruleName);
      stage = 'class';
      let cls: string | null = null;
      if (rule.cls === '+') {
        const c = await api.post<WriteResult>('/calling-classes', { name: rule.newClass.trim(), rules: [ruleName] });
        cls = String(c.item.name);
      } else if (rule.cls) {
        const current = classes.find((c) => c.name === rule.cls);
        const rules = (current?.rules as string[] | undefined) ?? [];
        if (!rules.includes(ruleName)) await api.patch(`/calling-classes/${encodeURIComponent(rule.cls)}`, { rules: [...rules, ruleName] });
        cls = rule.cls;
      }
      setClassSaved(cls);
      applied(r, t('setup.trunkWizard.routingSaved', { rule: ruleName }));
      steps.next();
    } catch (err) {
      // Both requests name their fields "name": the class's go to the class fields.
      if (stage === 'class' && err instanceof ApiError) ruleErrors.take(new ApiError(err.status, err.code, err.message, err.fields.map((f): FieldError => ({ ...f, path: `class.${f.path}` }))));
      else ruleErrors.take(err);
    } finally {
      setBusy(false);
    }
  };

  const id = TRUNK_STEPS[steps.current];
  let body;
  if (id === 'template')
    body = (
      <StepPanel testid="trunkwiz-step-template" title={t('setup.trunkWizard.templateTitle')} intro={<p>{t('setup.trunkWizard.templateIntro')}</p>} onSubmit={() => steps.next()} focus={focus}>
        <fieldset className="group templates">
          <legend>{t('setup.trunkWizard.template')}</legend>
          {(['register', 'ip'] as const).map((ty) => (
            <label key={ty} className="template">
              <input type="radio" name="trunk-template" value={ty} checked={draft.type === ty} onChange={() => setDraft({ ...draft, type: ty })} />
              <span>
                <strong>{t(`setup.trunkWizard.template_${ty}`)}</strong>
                <span className="help">{t(`setup.trunkWizard.template_${ty}_help`)}</span>
              </span>
            </label>
          ))}
        </fieldset>
        <StepNav prefix="wizard" />
      </StepPanel>
    );
  else if (id === 'fields')
    body = (
      <StepPanel testid="trunkwiz-step-fields" title={t('setup.trunkWizard.fieldsTitle')} onSubmit={saveFields} focus={focus}>
        {saved ? (
          <p className="ok-text" role="status">
            ✓ {t('setup.trunk.exists', { name: String(saved.name) })}
          </p>
        ) : null}
        <StepError message={errors.message} fields={errors.fields} />
        <TrunkFields draft={draft} setDraft={setDraft} at={errors.at} nameLocked={!!saved} disabled={busy} idPrefix="tw" />
        <StepNav prefix="wizard" onBack={steps.back} busy={busy} nextLabel={saved ? undefined : t('setup.trunkWizard.create')} />
      </StepPanel>
    );
  else if (id === 'routing') {
    const at = ruleErrors.at;
    body = (
      <StepPanel testid="trunkwiz-step-routing" title={t('setup.trunkWizard.routingTitle')} intro={<p>{t('setup.trunkWizard.routingIntro', { trunk: trunkName ?? '' })}</p>} onSubmit={saveRouting} focus={focus}>
        {!routing ? <p className="muted">{t('setup.notPermitted')}</p> : null}
        {ruleSaved ? (
          <p className="ok-text" role="status">
            ✓ {t('setup.trunkWizard.ruleExists', { rule: ruleSaved })}
          </p>
        ) : null}
        <StepError message={ruleErrors.message} fields={ruleErrors.fields} />
        <Field id="tw-rule" label={t('setup.trunkWizard.ruleName')} help={t('setup.trunkWizard.ruleNameHelp')} error={at('name')} required>
          <input {...aria('tw-rule', true, at('name'))} type="text" className="mono" autoComplete="off" spellCheck={false} readOnly={!!ruleSaved} disabled={!routing || busy} value={rule.name} onChange={(e) => setRule({ ...rule, name: e.target.value })} />
        </Field>
        <Field id="tw-patterns" label={t('setup.trunkWizard.patterns')} help={t('setup.trunkWizard.patternsHelp')} error={at('patterns')} required>
          <textarea {...aria('tw-patterns', true, at('patterns'))} className="mono" rows={3} spellCheck={false} disabled={!routing || busy} value={rule.patterns} onChange={(e) => setRule({ ...rule, patterns: e.target.value })} />
        </Field>
        <Field id="tw-class" label={t('setup.trunkWizard.addToClass')} help={t('setup.trunkWizard.addToClassHelp')} error={at('class.rules')}>
          <select {...aria('tw-class', true, at('class.rules'))} disabled={!routing || busy} value={rule.cls} onChange={(e) => setRule({ ...rule, cls: e.target.value })}>
            <option value="">{t('setup.trunkWizard.noClass')}</option>
            {classes.map((c) => (
              <option key={String(c.name)} value={String(c.name)}>
                {String(c.name)}
              </option>
            ))}
            <option value="+">{t('setup.trunkWizard.newClass')}</option>
          </select>
        </Field>
        {rule.cls === '+' ? (
          <Field id="tw-new-class" label={t('setup.trunkWizard.newClassName')} error={at('class.name')} required>
            <input {...aria('tw-new-class', false, at('class.name'))} type="text" className="mono" autoComplete="off" spellCheck={false} disabled={busy} value={rule.newClass} onChange={(e) => setRule({ ...rule, newClass: e.target.value })} />
          </Field>
        ) : null}
        <StepNav prefix="wizard" onBack={steps.back} onSkip={steps.next} busy={busy} nextDisabled={!routing} />
      </StepPanel>
    );
  } else if (saved) {
    const state = live.state;
    body = (
      <ResultPanel testid="trunkwiz-step-summary" title={t('setup.trunkWizard.summaryTitle', { name: String(saved.name) })}>
        <dl className="facts">
          <dt>{t('setup.trunk.type')}</dt>
          <dd>{t(`setup.trunk.type_${String(saved.type)}`)}</dd>
          <dt>{t('setup.trunk.host')}</dt>
          <dd className="mono">
            {String(saved.host)}:{String(saved.port ?? 5060)} ({String(saved.transport ?? 'udp').toUpperCase()})
          </dd>
          {saved.username ? (
            <>
              <dt>{t('setup.trunk.username')}</dt>
              <dd className="mono">{String(saved.username)}</dd>
            </>
          ) : null}
          {saved.callerId ? (
            <>
              <dt>{t('setup.trunk.callerId')}</dt>
              <dd className="mono">{String(saved.callerId)}</dd>
            </>
          ) : null}
          <dt>{t('setup.trunkWizard.routing')}</dt>
          <dd>{ruleSaved ? t(classSaved ? 'setup.trunkWizard.routingWithClass' : 'setup.trunkWizard.routingRuleOnly', { rule: ruleSaved, cls: classSaved ?? '' }) : t('setup.trunkWizard.routingNone')}</dd>
          <dt>{t('setup.trunkWizard.state')}</dt>
          <dd>
            <span role="status" aria-live="polite" data-testid="trunk-state" data-state={state ?? ''}>
              {state ? <span className={`badge ${stateClass(state)}`}>{t(`setup.trunkWizard.state_${state}`)}</span> : <span className="muted">{t('setup.trunkWizard.checking')}</span>}
              {live.polling ? <span className="muted"> {t('setup.trunkWizard.checking')}</span> : null}
            </span>
            {live.error ? <div className="field-error">{live.error}</div> : null}
            {!live.polling ? (
              <button type="button" className="link" onClick={live.again}>
                {t('common.refresh')}
              </button>
            ) : null}
          </dd>
        </dl>
        {state && stateClass(state) !== 'good' && !live.polling ? <p className="help">{t(`setup.trunkWizard.hint_${saved.type === 'ip' ? 'ip' : 'register'}`)}</p> : null}
        <div className="form-actions no-print">
          <Link to={`/trunks/${encodeURIComponent(String(saved.name))}`} className="button" data-testid="wizard-open">
            {t('setup.trunkWizard.open', { name: String(saved.name) })}
          </Link>
          <button type="button" className="primary" onClick={() => navigate('/trunks')}>
            {t('setup.trunkWizard.done')}
          </button>
        </div>
      </ResultPanel>
    );
  }

  return (
    <WizardFrame list="trunks" title={t('nav.trunkWizard')} labels={labels} stepsLabel={t('setup.stepper.label')} steps={steps} busy={busy}>
      {body}
    </WizardFrame>
  );
}
