// Guided creation of an IVR menu (greeting with its recording, keys, what happens on silence)
// and of a queue (agents, what callers hear, limits). Nothing is written until the last step,
// except a new recording made in the greeting step; the API's field errors go back to the step
// that holds the field.
import { useEffect, useState, type ReactNode } from 'react';
import { api, ApiError, type FieldError, type ListResult } from '../lib/api.ts';
import { useI18n } from '../lib/i18n.tsx';
import { Link, navigate } from '../lib/router.tsx';
import { requestSchema, type JsonSchema } from '../lib/schema.ts';
import { useSession } from '../lib/session.tsx';
import { RefInput } from '../components/RefSelect.tsx';
import { SchemaField } from '../components/SchemaForm.tsx';
import { Field, ResultPanel, StepError, StepNav, StepPanel, aria, useApiErrors, useSteps } from '../components/Stepper.tsx';
import { useApplyToast } from './Setup.tsx';
import { CheckField, nameFree, NumberField, useWizardCreate, WizardFrame } from './wizard-parts.tsx';
import { destinationText, PromptAudio, promptText } from './InboundPanels.tsx';
import './Setup.css';
import './Inbound.css';

type Item = Record<string, unknown>;
export type PromptRef = { builtin: string } | { custom: string };
const enc = encodeURIComponent;

const NAME_RE = /^[a-z][a-z0-9_-]{0,31}$/;
const NUMBER_RE = /^[0-9]{2,8}$/;
const SOUND_RE = /^[a-z0-9][a-z0-9_-]*(?:\/[a-z0-9_-]+){0,3}$/;
export const IVR_KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '*', '#'] as const;
/** Asterisk sounds present in every language the box ships (en, it): suggestions, not a limit. */
const BUILTIN_SOUNDS = ['beep', 'invalid', 'please-try-again', 'vm-goodbye', 'goodbye', 'demo-congrats', 'demo-thanks', 'dir-welcome', 'hello-world', 'pls-hold-while-try', 'queue-periodic-announce', 'queue-thankyou', 'transfer', 'silence/1'];

/** Whole number in [min, max] typed in a field. */
function intIn(v: string, min: number, max: number): boolean {
  return /^[0-9]+$/.test(v.trim()) && Number(v) >= min && Number(v) <= max;
}

/** A destination whose kind needs a target (extension, IVR, ...) that is still empty. */
export function destinationMissing(d: unknown): boolean {
  if (!d || typeof d !== 'object') return true;
  const entries = Object.entries(d as Item);
  if (!entries.length) return true;
  return entries.some(([, v]) => typeof v === 'string' && !v.trim());
}

/** A destination with its target trimmed. */
function cleanDestination(d: unknown): unknown {
  if (!d || typeof d !== 'object') return d;
  return Object.fromEntries(Object.entries(d as Item).map(([k, v]) => [k, typeof v === 'string' ? v.trim() : v]));
}

function cleanPrompt(p: PromptRef | undefined): PromptRef | undefined {
  if (!p) return p;
  return 'custom' in p ? { custom: p.custom.trim() } : { builtin: p.builtin.trim() };
}

/**
 * A step's problems with its fields, shown like the API's: each next to its field. The summary
 * lists the paths only for the API's answer (whose fields may sit on another step).
 */
function useLocalErrors() {
  const errors = useApiErrors();
  const { t } = useI18n();
  const [isLocal, setLocal] = useState(false);
  const local = (fields: FieldError[]): void => {
    setLocal(true);
    errors.take(new ApiError(400, 'validation_failed', t('inbound.wizard.fixBelow'), fields));
  };
  const take = (err: unknown) => {
    setLocal(false);
    errors.take(err);
  };
  const summary = <StepError message={errors.message} fields={isLocal ? undefined : errors.fields} />;
  return { errors: { ...errors, take }, local, summary };
}

/** The request schema of a collection (destination kinds and enums come from the server). */
function useBodySchema(path: string): { schema: JsonSchema | null; error: string } {
  const [schema, setSchema] = useState<JsonSchema | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    requestSchema(path, 'post').then(
      (s) => (s ? setSchema(s) : setError(path)),
      (e: Error) => setError(e.message),
    );
  }, [path]);
  return { schema, error };
}

// ---- prompt picker -----------------------------------------------------------------------------

/**
 * A recorded message: one of Asterisk's prompts by name, or an uploaded recording — picked from
 * those there are, or made here (name, then the audio file per language, with a player).
 */
export function PromptPicker({ id, label, help, value, onChange, optional, error, disabled }: { id: string; label: string; help?: ReactNode; value: PromptRef | undefined; onChange(v: PromptRef | undefined): void; optional?: boolean; error?: string; disabled?: boolean }) {
  const { t } = useI18n();
  const { can } = useSession();
  const canRead = can('ivr', 'read');
  const canWrite = can('ivr', 'write');
  const [prompts, setPrompts] = useState<Item[]>([]);
  const [creating, setCreating] = useState(false);
  const [draft, setDraft] = useState({ name: '', description: '' });
  const [busy, setBusy] = useState(false);
  const made = useApiErrors();
  const load = () => (canRead ? api.get<ListResult>('/prompts', { limit: 1000 }).then((r) => setPrompts(r.items), () => undefined) : Promise.resolve());
  useEffect(() => {
    void load();
  }, []);
  const kind = !value ? '' : 'custom' in value ? 'custom' : 'builtin';
  const choose = (k: string) => {
    setCreating(false);
    if (k === '') onChange(undefined);
    else if (k === 'builtin') onChange({ builtin: '' });
    else {
      const first = prompts[0] ? String(prompts[0].name) : '';
      onChange({ custom: first });
      if (!first && canWrite) setCreating(true);
    }
  };
  const create = async () => {
    made.clear();
    const name = draft.name.trim();
    if (!NAME_RE.test(name)) return made.take(new ApiError(400, 'validation_failed', t('inbound.wizard.fixBelow'), [{ path: 'name', message: t('inbound.wizard.nameInvalid') }]));
    setBusy(true);
    try {
      await api.post('/prompts', { name, ...(draft.description.trim() ? { description: draft.description.trim() } : {}) });
      await load();
      onChange({ custom: name });
      setCreating(false);
      setDraft({ name: '', description: '' });
    } catch (err) {
      made.take(err);
    } finally {
      setBusy(false);
    }
  };
  const kinds = [...(optional ? [''] : []), 'builtin', 'custom'];
  const custom = value && 'custom' in value ? value.custom : '';
  return (
    <fieldset className="group prompt-picker" aria-describedby={help ? `${id}-help` : undefined}>
      <legend>{label}</legend>
      {help ? (
        <div className="help" id={`${id}-help`}>
          {help}
        </div>
      ) : null}
      <div className="prompt-kinds" role="radiogroup" aria-label={t('form.kind')}>
        {kinds.map((k) => (
          <label key={k || 'none'} className="check">
            <input type="radio" name={`${id}-kind`} value={k} checked={kind === k} disabled={disabled} onChange={() => choose(k)} data-testid={`${id}-kind-${k || 'none'}`} />
            {k ? t(`kind.${k}`) : t('inbound.prompt.noneKind')}
          </label>
        ))}
      </div>
      {kind === 'builtin' ? (
        <Field id={`${id}-builtin`} label={t('inbound.prompt.soundName')} help={t('inbound.prompt.soundHelp')} error={error} required>
          <input {...aria(`${id}-builtin`, true, error)} type="text" className="mono" list={`${id}-sounds`} autoComplete="off" spellCheck={false} disabled={disabled} value={value && 'builtin' in value ? value.builtin : ''} onChange={(e) => onChange({ builtin: e.target.value })} />
          <datalist id={`${id}-sounds`}>
            {BUILTIN_SOUNDS.map((s) => (
              <option key={s} value={s} />
            ))}
          </datalist>
        </Field>
      ) : null}
      {kind === 'custom' ? (
        <>
          {canRead ? (
            <Field id={`${id}-custom`} label={t('inbound.prompt.recording')} error={creating ? undefined : error} required>
              <select {...aria(`${id}-custom`, false, creating ? undefined : error)} disabled={disabled || busy} value={creating ? '+' : custom} onChange={(e) => (e.target.value === '+' ? setCreating(true) : (setCreating(false), onChange({ custom: e.target.value })))}>
                {!custom && !creating ? <option value="">{t('inbound.prompt.choose')}</option> : null}
                {prompts.map((p) => (
                  <option key={String(p.name)} value={String(p.name)}>
                    {String(p.name)}
                    {p.description ? ` — ${String(p.description)}` : ''}
                  </option>
                ))}
                {canWrite ? <option value="+">{t('inbound.prompt.newOption')}</option> : null}
              </select>
            </Field>
          ) : (
            <Field id={`${id}-custom`} label={t('inbound.prompt.recording')} error={error} required>
              <input {...aria(`${id}-custom`, false, error)} type="text" className="mono" disabled={disabled} value={custom} onChange={(e) => onChange({ custom: e.target.value })} />
            </Field>
          )}
          {creating ? (
            <div className="new-prompt" data-testid={`${id}-new`}>
              <StepError message={made.message} />
              <div className="field-row">
                <Field id={`${id}-new-name`} label={t('inbound.prompt.newName')} help={t('inbound.wizard.nameHelp')} error={made.at('name')} required>
                  <input
                    {...aria(`${id}-new-name`, true, made.at('name'))}
                    type="text"
                    className="mono"
                    autoComplete="off"
                    spellCheck={false}
                    disabled={busy}
                    value={draft.name}
                    onChange={(e) => setDraft({ ...draft, name: e.target.value })}
                    onKeyDown={(e) => {
                      // Enter makes the recording here instead of submitting the whole step.
                      if (e.key === 'Enter') {
                        e.preventDefault();
                        void create();
                      }
                    }}
                  />
                </Field>
                <Field id={`${id}-new-desc`} label={t('field.description')} error={made.at('description')}>
                  <input {...aria(`${id}-new-desc`, false, made.at('description'))} type="text" maxLength={128} disabled={busy} value={draft.description} onChange={(e) => setDraft({ ...draft, description: e.target.value })} />
                </Field>
              </div>
              <div className="row">
                <button type="button" className="primary" disabled={busy} aria-busy={busy || undefined} onClick={() => void create()} data-testid={`${id}-create`}>
                  {busy ? t('common.saving') : t('inbound.prompt.create')}
                </button>
                {prompts.length ? (
                  <button type="button" disabled={busy} onClick={() => setCreating(false)}>
                    {t('common.cancel')}
                  </button>
                ) : null}
              </div>
            </div>
          ) : custom && prompts.some((p) => p.name === custom) ? (
            <div className="field">
              <span className="help">{t('inbound.prompt.audioOf', { name: custom })}</span>
              <PromptAudio prompt={custom} writable={canWrite && !disabled} />
            </div>
          ) : null}
        </>
      ) : null}
    </fieldset>
  );
}

/** Problem of a required/optional prompt reference, or ''. */
function promptProblem(t: (k: string) => string, p: PromptRef | undefined, optional: boolean): string {
  if (!p) return optional ? '' : t('inbound.wizard.choosePrompt');
  if ('custom' in p) return p.custom.trim() ? '' : t('inbound.wizard.chooseRecording');
  return SOUND_RE.test(p.builtin.trim()) ? '' : t('inbound.wizard.soundInvalid');
}

/** A destination chooser generated from the server's schema (same as the generic forms). */
function Destination({ name, schema, value, onChange, path, required, errors, disabled }: { name: string; schema: JsonSchema | undefined; value: unknown; onChange(v: unknown): void; path: string; required: boolean; errors: FieldError[]; disabled?: boolean }) {
  if (!schema) return null;
  return <SchemaField name={name} schema={schema} value={value} onChange={onChange} path={path} required={required} errors={errors} disabled={disabled} />;
}

/** One of the schema's enum values, each shown by its translation where there is one; `empty` offers none. */
function EnumField({ id, label, help, error, required, empty, values, value, onChange }: { id: string; label: string; help: string; error: string; required?: boolean; empty?: string; values: string[]; value: string; onChange(v: string): void }) {
  const { t, has } = useI18n();
  return (
    <Field id={id} label={label} help={help} error={error} required={required}>
      <select {...aria(id, true, error)} value={value} onChange={(e) => onChange(e.target.value)}>
        {empty !== undefined ? <option value="">{empty}</option> : null}
        {values.map((v) => (
          <option key={v} value={v}>
            {has(`enum.${v}`) ? t(`enum.${v}`) : v}
          </option>
        ))}
      </select>
    </Field>
  );
}

/** The remove button at the end of a list row. */
function RemoveRow({ label, onClick }: { label: string; onClick(): void }) {
  const { t } = useI18n();
  return (
    <button type="button" className="link danger row-remove" onClick={onClick} aria-label={label}>
      {t('form.remove')}
    </button>
  );
}

function Facts({ rows }: { rows: [string, ReactNode][] }) {
  return (
    <dl className="facts wizard-review">
      {rows.map(([k, v]) => (
        <div key={k} className="contents">
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

/** What sets the IVR wizard apart from the queue wizard, besides the contents of their steps. */
interface WizardKind {
  /** The collection: POST path, crumbs, the list the result links to. */
  list: 'ivrs' | 'queues';
  /** Texts under inbound.<area> (steps.<id>, <id>Title, <id>Intro, create, created, done*); page title nav.<area>. */
  area: 'ivrWizard' | 'queueWizard';
  /** data-testid of the page; of each step `${testid}-step-<id>` and of the result `${testid}-done`. */
  page: string;
  testid: string;
  /** Prefix of the field ids. */
  idp: string;
  steps: readonly string[];
  stepOf(path: string): number;
}

/**
 * The state both inbound wizards keep (steps, errors, schema, the final POST) and the checks they
 * share. The first step is always the identity (name, number) and the last the review.
 */
function useInboundWizard(kind: WizardKind) {
  const { t } = useI18n();
  const applied = useApplyToast();
  const steps = useSteps(kind.steps.length);
  const { errors, local, summary } = useLocalErrors();
  const { schema, error: schemaError } = useBodySchema(`/${kind.list}`);
  const { busy, created, whileBusy, create } = useWizardCreate(errors, steps, kind.stepOf);
  const labels = kind.steps.map((id) => ({ id, label: t(`inbound.${kind.area}.steps.${id}`) }));

  const identityNext = async (d: { name: string; number: string }) => {
    errors.clear();
    const name = d.name.trim();
    const bad: FieldError[] = [];
    if (!NAME_RE.test(name)) bad.push({ path: 'name', message: t('inbound.wizard.nameInvalid') });
    if (d.number.trim() && !NUMBER_RE.test(d.number.trim())) bad.push({ path: 'number', message: t('inbound.wizard.numberInvalid') });
    if (bad.length) return local(bad);
    // Say at once that the name is taken, rather than after the other steps.
    await whileBusy(async () => {
      if (await nameFree(kind.list, name)) steps.next();
      else local([{ path: 'name', message: t('inbound.wizard.nameTaken', { name }) }]);
    });
  };
  /** Leaves the step when its checks found nothing, else shows what they found next to the fields. */
  const nextIf = (bad: FieldError[]) => {
    errors.clear();
    if (bad.length) local(bad);
    else steps.next();
  };
  const finish = (body: Item) => create(`/${kind.list}`, body, (r) => applied(r, t(`inbound.${kind.area}.created`, { name: String(r.item.name) })));
  return { kind, steps, labels, focus: steps.reached > 0, errors, at: errors.at, summary, schema, schemaError, busy, created, identityNext, nextIf, finish };
}
type InboundWizard = ReturnType<typeof useInboundWizard>;

/** The page of an inbound wizard; until the schema is there, its loading state (or why it failed). */
function InboundFrame({ w, ready, children }: { w: InboundWizard; ready: boolean; children?: ReactNode }) {
  const { t } = useI18n();
  return (
    <WizardFrame testid={w.kind.page} list={w.kind.list} title={t(`nav.${w.kind.area}`)} labels={w.labels} stepsLabel={t('inbound.wizard.steps')} steps={w.steps} busy={w.busy || !ready} done={!!w.created}>
      {ready ? (
        children
      ) : w.schemaError ? (
        <div className="form-error" role="alert">
          {w.schemaError}
        </div>
      ) : (
        <p aria-busy="true">{t('common.loading')}</p>
      )}
    </WizardFrame>
  );
}

/** One step: its title and intro, the error summary, the fields, Back (but on the first) and Next or Create. */
function InboundStep({ w, id, onSubmit, children }: { w: InboundWizard; id: string; onSubmit(): void | Promise<void>; children: ReactNode }) {
  const { t } = useI18n();
  const { kind, steps } = w;
  const review = id === 'review';
  return (
    <StepPanel testid={`${kind.testid}-step-${id}`} title={t(`inbound.${kind.area}.${id}Title`)} intro={<p>{t(review ? 'inbound.wizard.reviewIntro' : `inbound.${kind.area}.${id}Intro`)}</p>} onSubmit={onSubmit} focus={w.focus}>
      {w.summary}
      {children}
      <StepNav prefix="wizard" onBack={steps.current > 0 ? steps.back : undefined} busy={w.busy} finish={review} nextLabel={review ? t(`inbound.${kind.area}.create`) : undefined} />
    </StepPanel>
  );
}

/** Name, number, what the caller passes (`children`), description: the fields of the identity step. */
function IdentityFields({ w, draft, set, children }: { w: InboundWizard; draft: { name: string; number: string; description: string }; set(p: Partial<{ name: string; number: string; description: string }>): void; children?: ReactNode }) {
  const { t } = useI18n();
  const { at } = w;
  const id = (f: string) => `${w.kind.idp}-${f}`;
  return (
    <>
      <Field id={id('name')} label={t('field.name')} help={t('inbound.wizard.nameHelp')} error={at('name')} required>
        <input {...aria(id('name'), true, at('name'))} type="text" className="mono" autoComplete="off" spellCheck={false} value={draft.name} onChange={(e) => set({ name: e.target.value })} />
      </Field>
      <Field id={id('number')} label={t('field.number')} help={t('inbound.wizard.numberHelp')} error={at('number')}>
        <input {...aria(id('number'), true, at('number'))} type="text" inputMode="numeric" className="mono" autoComplete="off" value={draft.number} onChange={(e) => set({ number: e.target.value })} />
      </Field>
      {children}
      <Field id={id('description')} label={t('field.description')} error={at('description')}>
        <input {...aria(id('description'), false, at('description'))} type="text" maxLength={128} value={draft.description} onChange={(e) => set({ description: e.target.value })} />
      </Field>
    </>
  );
}

/** The first rows of a review: name and number as they will be saved. */
function identityFacts(t: (k: string) => string, d: { name: string; number: string }, none: ReactNode): [string, ReactNode][] {
  return [
    [t('field.name'), <span className="mono">{d.name.trim()}</span>],
    [t('field.number'), d.number.trim() ? <span className="mono">{d.number.trim()}</span> : none],
  ];
}

/** What was made, how to reach it (`children` adds to that), and where to go next. */
function DonePanel({ w, item, children }: { w: InboundWizard; item: Item; children?: ReactNode }) {
  const { t } = useI18n();
  const { list, area } = w.kind;
  const name = String(item.name);
  return (
    <ResultPanel testid={`${w.kind.testid}-done`} title={t(`inbound.${area}.doneTitle`, { name })}>
      <p>{item.number ? t(`inbound.${area}.doneNumber`, { number: String(item.number) }) : t(`inbound.${area}.doneNoNumber`)}</p>
      {children}
      <div className="form-actions no-print">
        <Link to={`/${list}/${enc(name)}`} className="button" data-testid="wizard-open">
          {t('inbound.wizard.open', { name })}
        </Link>
        <Link to="/inbound-routes/new" className="button">
          {t('inbound.wizard.newRoute')}
        </Link>
        <button type="button" className="primary" onClick={() => navigate(`/${list}`)}>
          {t('inbound.wizard.done')}
        </button>
      </div>
    </ResultPanel>
  );
}

// ---- new IVR -----------------------------------------------------------------------------------

export interface IvrDraft {
  name: string;
  number: string;
  language: string;
  description: string;
  greeting: PromptRef | undefined;
  options: { key: string; destination: unknown }[];
  timeout: string;
  retries: string;
  directDial: boolean;
  invalidPrompt: PromptRef | undefined;
  fallback: unknown;
}

export function emptyIvr(): IvrDraft {
  return { name: '', number: '', language: '', description: '', greeting: { builtin: '' }, options: [], timeout: '5', retries: '2', directDial: false, invalidPrompt: { builtin: 'invalid' }, fallback: { hangup: true } };
}

/** The POST /ivrs body of a draft. */
export function ivrBody(d: IvrDraft): Item {
  return {
    name: d.name.trim(),
    ...(d.number.trim() ? { number: d.number.trim() } : {}),
    ...(d.description.trim() ? { description: d.description.trim() } : {}),
    ...(d.language ? { language: d.language } : {}),
    greeting: cleanPrompt(d.greeting),
    options: d.options.map((o) => ({ key: o.key, destination: cleanDestination(o.destination) })),
    directDial: d.directDial,
    timeout: Number(d.timeout),
    retries: Number(d.retries),
    ...(d.invalidPrompt ? { invalidPrompt: cleanPrompt(d.invalidPrompt) } : {}),
    fallback: cleanDestination(d.fallback),
  };
}

/** Which step of the IVR wizard holds the field an API error names. */
export function ivrStepOf(path: string): number {
  if (/^(name|number|language|description)(\b|$)/.test(path)) return 0;
  if (path.startsWith('greeting')) return 1;
  if (path.startsWith('options')) return 2;
  return 3;
}

const IVR_STEPS = ['identity', 'greeting', 'options', 'behaviour', 'review'] as const;
const IVR: WizardKind = { list: 'ivrs', area: 'ivrWizard', page: 'ivr-wizard', testid: 'ivrwiz', idp: 'iw', steps: IVR_STEPS, stepOf: ivrStepOf };

export function IvrWizard() {
  const { t, has } = useI18n();
  const w = useInboundWizard(IVR);
  const { steps, errors, at } = w;
  const [draft, setDraft] = useState<IvrDraft>(emptyIvr);
  const set = (p: Partial<IvrDraft>) => setDraft((d) => ({ ...d, ...p }));
  const props = w.schema?.properties ?? {};
  const optionDest = props.options?.items?.properties?.destination;
  const languages = (props.language?.enum as string[] | undefined) ?? [];

  const greetingNext = () => {
    const p = promptProblem(t, draft.greeting, false);
    w.nextIf(p ? [{ path: 'greeting', message: p }] : []);
  };
  const optionsNext = () => {
    const bad: FieldError[] = [];
    const seen = new Set<string>();
    draft.options.forEach((o, i) => {
      if (seen.has(o.key)) bad.push({ path: `options[${i}].key`, message: t('inbound.ivrWizard.keyTwice', { key: o.key }) });
      seen.add(o.key);
      if (destinationMissing(o.destination)) bad.push({ path: `options[${i}].destination`, message: t('inbound.wizard.chooseDestination') });
    });
    w.nextIf(bad);
  };
  const behaviourNext = () => {
    const bad: FieldError[] = [];
    if (!intIn(draft.timeout, 1, 60)) bad.push({ path: 'timeout', message: t('inbound.wizard.range', { min: 1, max: 60 }) });
    if (!intIn(draft.retries, 0, 9)) bad.push({ path: 'retries', message: t('inbound.wizard.range', { min: 0, max: 9 }) });
    const ip = promptProblem(t, draft.invalidPrompt, true);
    if (ip) bad.push({ path: 'invalidPrompt', message: ip });
    if (destinationMissing(draft.fallback)) bad.push({ path: 'fallback', message: t('inbound.wizard.chooseDestination') });
    w.nextIf(bad);
  };
  const addOption = () => {
    const used = new Set(draft.options.map((o) => o.key));
    const key = IVR_KEYS.find((k) => !used.has(k)) ?? '1';
    set({ options: [...draft.options, { key, destination: { extension: '' } }] });
  };
  const setOption = (i: number, p: Partial<IvrDraft['options'][number]>) => set({ options: draft.options.map((o, j) => (j === i ? { ...o, ...p } : o)) });

  if (!w.schema) return <InboundFrame w={w} ready={false} />;

  const id = IVR_STEPS[steps.current];
  let body: ReactNode = null;
  if (w.created)
    body = (
      <DonePanel w={w} item={w.created}>
        <p className="help">{t('inbound.ivrWizard.doneRoute')}</p>
      </DonePanel>
    );
  else if (id === 'identity')
    body = (
      <InboundStep w={w} id="identity" onSubmit={() => w.identityNext(draft)}>
        <IdentityFields w={w} draft={draft} set={set}>
          <EnumField id="iw-language" label={t('field.language')} help={t('inbound.ivrWizard.languageHelp')} error={at('language')} empty={t('inbound.ivrWizard.callersLanguage')} values={languages} value={draft.language} onChange={(v) => set({ language: v })} />
        </IdentityFields>
      </InboundStep>
    );
  else if (id === 'greeting')
    body = (
      <InboundStep w={w} id="greeting" onSubmit={greetingNext}>
        <PromptPicker id="iw-greeting" label={t('field.greeting')} value={draft.greeting} onChange={(v) => set({ greeting: v })} error={at('greeting')} disabled={w.busy} />
      </InboundStep>
    );
  else if (id === 'options')
    body = (
      <InboundStep w={w} id="options" onSubmit={optionsNext}>
        {draft.options.length ? (
          <ol className="wiz-rows" data-testid="ivr-options">
            {draft.options.map((o, i) => (
              <li key={i} className="wiz-row" data-testid={`ivr-option-${i}`}>
                <div className="w-key">
                  <Field id={`iw-key-${i}`} label={t('field.key')} error={at(`options[${i}].key`)} required>
                    <select {...aria(`iw-key-${i}`, false, at(`options[${i}].key`))} className="mono" value={o.key} onChange={(e) => setOption(i, { key: e.target.value })}>
                      {IVR_KEYS.map((k) => (
                        <option key={k} value={k}>
                          {k}
                        </option>
                      ))}
                    </select>
                  </Field>
                </div>
                <div className="w-dest">
                  <Destination name="destination" schema={optionDest} value={o.destination} onChange={(v) => setOption(i, { destination: v })} path={`options[${i}].destination`} required errors={errors.fields} />
                </div>
                <RemoveRow label={t('inbound.ivrWizard.removeKey', { key: o.key })} onClick={() => set({ options: draft.options.filter((_, j) => j !== i) })} />
              </li>
            ))}
          </ol>
        ) : (
          <p className="muted">{t('inbound.ivrWizard.noOptions')}</p>
        )}
        <button type="button" onClick={addOption} disabled={draft.options.length >= IVR_KEYS.length} data-testid="ivr-add-option">
          {t('inbound.ivrWizard.addOption')}
        </button>
      </InboundStep>
    );
  else if (id === 'behaviour')
    body = (
      <InboundStep w={w} id="behaviour" onSubmit={behaviourNext}>
        <div className="field-row">
          <NumberField id="iw-timeout" label={t('field.timeout')} help={t('inbound.ivrWizard.timeoutHelp')} error={at('timeout')} min={1} max={60} value={draft.timeout} onChange={(v) => set({ timeout: v })} />
          <NumberField id="iw-retries" label={t('field.retries')} help={t('inbound.ivrWizard.retriesHelp')} error={at('retries')} min={0} max={9} value={draft.retries} onChange={(v) => set({ retries: v })} />
        </div>
        <PromptPicker id="iw-invalid" label={t('field.invalidPrompt')} help={t('inbound.ivrWizard.invalidHelp')} value={draft.invalidPrompt} onChange={(v) => set({ invalidPrompt: v })} optional error={at('invalidPrompt')} disabled={w.busy} />
        <CheckField id="iw-direct" label={t('field.directDial')} help={t('inbound.ivrWizard.directDialHelp')} checked={draft.directDial} onChange={(v) => set({ directDial: v })} />
        <Destination name="fallback" schema={props.fallback} value={draft.fallback} onChange={(v) => set({ fallback: v })} path="fallback" required errors={errors.fields} />
      </InboundStep>
    );
  else {
    const none = <span className="muted">{t('form.none')}</span>;
    body = (
      <InboundStep w={w} id="review" onSubmit={() => w.finish(ivrBody(draft))}>
        <Facts
          rows={[
            ...identityFacts(t, draft, none),
            [t('field.language'), draft.language ? t(`enum.${draft.language}`) : t('inbound.ivrWizard.callersLanguage')],
            [t('field.greeting'), promptText(t, draft.greeting)],
            [
              t('field.options'),
              draft.options.length ? (
                <ul>
                  {draft.options.map((o) => (
                    <li key={o.key}>
                      <span className="mono">{o.key}</span> → {destinationText(t, has, o.destination)}
                    </li>
                  ))}
                </ul>
              ) : (
                none
              ),
            ],
            [t('field.timeout'), t('inbound.wizard.seconds', { n: draft.timeout })],
            [t('field.retries'), draft.retries],
            [t('field.invalidPrompt'), promptText(t, draft.invalidPrompt)],
            [t('field.directDial'), draft.directDial ? t('common.yes') : t('common.no')],
            [t('field.fallback'), destinationText(t, has, draft.fallback)],
          ]}
        />
      </InboundStep>
    );
  }
  return (
    <InboundFrame w={w} ready>
      {body}
    </InboundFrame>
  );
}

// ---- new queue ---------------------------------------------------------------------------------

interface Member {
  extension: string;
  penalty: string;
}
export interface QueueDraft {
  name: string;
  number: string;
  description: string;
  strategy: string;
  members: Member[];
  dynamicMembers: Member[];
  memberRingTime: string;
  wrapUpTime: string;
  autoPause: boolean;
  announceFrequency: string;
  announcePosition: boolean;
  announceHoldTime: boolean;
  periodicAnnouncement: PromptRef | undefined;
  periodicFrequency: string;
  agentAnnouncement: PromptRef | undefined;
  maxWait: string;
  maxLength: string;
  joinEmpty: boolean;
  timeoutDestination: unknown;
  fullDestination: unknown;
  openHours: string;
}

/** A new queue's draft with the server's defaults (from the schema, when there is one). */
export function emptyQueue(schema?: JsonSchema | null): QueueDraft {
  const p = schema?.properties ?? {};
  const d = <T,>(k: string, fallback: T): T => (p[k]?.default as T | undefined) ?? fallback;
  const n = (k: string, fallback: number) => String(d(k, fallback));
  return {
    name: '',
    number: '',
    description: '',
    strategy: d('strategy', 'ringall'),
    members: [],
    dynamicMembers: [],
    memberRingTime: n('memberRingTime', 15),
    wrapUpTime: n('wrapUpTime', 0),
    autoPause: d('autoPause', false),
    announceFrequency: n('announceFrequency', 30),
    announcePosition: d('announcePosition', true),
    announceHoldTime: d('announceHoldTime', true),
    periodicAnnouncement: undefined,
    periodicFrequency: n('periodicFrequency', 60),
    agentAnnouncement: undefined,
    maxWait: n('maxWait', 0),
    maxLength: n('maxLength', 0),
    joinEmpty: d('joinEmpty', true),
    timeoutDestination: d<unknown>('timeoutDestination', { hangup: true }),
    fullDestination: undefined,
    openHours: '',
  };
}

/** The POST /queues body of a draft. */
export function queueBody(d: QueueDraft): Item {
  const members = (l: Member[]) => l.map((m) => ({ extension: m.extension.trim(), penalty: m.penalty.trim() === '' ? 0 : Number(m.penalty) }));
  return {
    name: d.name.trim(),
    ...(d.number.trim() ? { number: d.number.trim() } : {}),
    ...(d.description.trim() ? { description: d.description.trim() } : {}),
    strategy: d.strategy,
    members: members(d.members),
    dynamicMembers: members(d.dynamicMembers),
    memberRingTime: Number(d.memberRingTime),
    wrapUpTime: Number(d.wrapUpTime),
    autoPause: d.autoPause,
    announceFrequency: Number(d.announceFrequency),
    announcePosition: d.announcePosition,
    announceHoldTime: d.announceHoldTime,
    ...(d.periodicAnnouncement ? { periodicAnnouncement: cleanPrompt(d.periodicAnnouncement), periodicFrequency: Number(d.periodicFrequency) } : {}),
    ...(d.agentAnnouncement ? { agentAnnouncement: cleanPrompt(d.agentAnnouncement) } : {}),
    maxWait: Number(d.maxWait),
    maxLength: Number(d.maxLength),
    joinEmpty: d.joinEmpty,
    timeoutDestination: cleanDestination(d.timeoutDestination),
    ...(d.fullDestination ? { fullDestination: cleanDestination(d.fullDestination) } : {}),
    ...(d.openHours.trim() ? { openHours: d.openHours.trim() } : {}),
  };
}

/** Which step of the queue wizard holds the field an API error names. */
export function queueStepOf(path: string): number {
  if (/^(name|number|description)(\b|$)/.test(path)) return 0;
  if (/^(strategy|members|dynamicMembers|memberRingTime|wrapUpTime|autoPause)(\b|$)/.test(path)) return 1;
  if (/^(announce|periodic|agentAnnouncement)/.test(path)) return 2;
  return 3;
}

const QUEUE_STEPS = ['identity', 'members', 'experience', 'limits', 'review'] as const;

function MemberRows({ which, list, onChange, at }: { which: 'members' | 'dynamicMembers'; list: Member[]; onChange(l: Member[]): void; at(path: string): string }) {
  const { t } = useI18n();
  const setAt = (i: number, p: Partial<Member>) => onChange(list.map((m, j) => (j === i ? { ...m, ...p } : m)));
  return (
    <fieldset className="group" data-testid={`queue-${which}`} aria-describedby={`qw-${which}-help`}>
      <legend>{t(`field.${which}`)}</legend>
      <div className="help" id={`qw-${which}-help`}>
        {t(`inbound.queueWizard.${which}Help`)}
      </div>
      {list.length ? (
        <ol className="wiz-rows">
          {list.map((m, i) => {
            const base = `${which}[${i}]`;
            const id = `qw-${which}-${i}`;
            return (
              <li key={i} className="wiz-row">
                <div className="w-ext">
                  <Field id={`${id}-ext`} label={t('field.extension')} error={at(`${base}.extension`)} required>
                    <RefInput {...aria(`${id}-ext`, false, at(`${base}.extension`))} collection="extensions" value={m.extension} onChange={(v) => setAt(i, { extension: v })} />
                  </Field>
                </div>
                <div className="w-pen">
                  <Field id={`${id}-pen`} label={t('field.penalty')} error={at(`${base}.penalty`)}>
                    <input {...aria(`${id}-pen`, false, at(`${base}.penalty`))} type="number" min={0} max={100} inputMode="numeric" value={m.penalty} onChange={(e) => setAt(i, { penalty: e.target.value })} />
                  </Field>
                </div>
                <RemoveRow label={t('form.removeWhat', { what: m.extension || `${t('field.extension')} ${i + 1}` })} onClick={() => onChange(list.filter((_, j) => j !== i))} />
              </li>
            );
          })}
        </ol>
      ) : (
        <p className="muted">{t('form.noneYet')}</p>
      )}
      <button type="button" onClick={() => onChange([...list, { extension: '', penalty: '0' }])} data-testid={`queue-add-${which}`}>
        {t(`inbound.queueWizard.add_${which}`)}
      </button>
    </fieldset>
  );
}

const QUEUE: WizardKind = { list: 'queues', area: 'queueWizard', page: 'queue-wizard', testid: 'queuewiz', idp: 'qw', steps: QUEUE_STEPS, stepOf: queueStepOf };

export function QueueWizard() {
  const { t, has } = useI18n();
  const { can } = useSession();
  const w = useInboundWizard(QUEUE);
  const { steps, errors, at, schema } = w;
  const [draft, setDraft] = useState<QueueDraft | null>(null);
  useEffect(() => {
    if (schema) setDraft((d) => d ?? emptyQueue(schema));
  }, [schema]);
  const set = (p: Partial<QueueDraft>) => setDraft((d) => (d ? { ...d, ...p } : d));
  const props = schema?.properties ?? {};
  const strategies = (props.strategy?.enum as string[] | undefined) ?? [];

  if (!schema || !draft) return <InboundFrame w={w} ready={false} />;

  const membersNext = () => {
    const bad: FieldError[] = [];
    const seen = new Set<string>();
    for (const which of ['members', 'dynamicMembers'] as const)
      draft[which].forEach((m, i) => {
        const ext = m.extension.trim();
        if (!NUMBER_RE.test(ext)) bad.push({ path: `${which}[${i}].extension`, message: t('inbound.queueWizard.extensionInvalid') });
        else if (seen.has(ext)) bad.push({ path: `${which}[${i}].extension`, message: t('inbound.queueWizard.memberTwice', { extension: ext }) });
        seen.add(ext);
        if (m.penalty.trim() !== '' && !intIn(m.penalty, 0, 100)) bad.push({ path: `${which}[${i}].penalty`, message: t('inbound.wizard.range', { min: 0, max: 100 }) });
      });
    if (!intIn(draft.memberRingTime, 5, 120)) bad.push({ path: 'memberRingTime', message: t('inbound.wizard.range', { min: 5, max: 120 }) });
    if (!intIn(draft.wrapUpTime, 0, 600)) bad.push({ path: 'wrapUpTime', message: t('inbound.wizard.range', { min: 0, max: 600 }) });
    w.nextIf(bad);
  };
  const experienceNext = () => {
    const bad: FieldError[] = [];
    if (!intIn(draft.announceFrequency, 0, 600)) bad.push({ path: 'announceFrequency', message: t('inbound.wizard.range', { min: 0, max: 600 }) });
    const pp = promptProblem(t, draft.periodicAnnouncement, true);
    if (pp) bad.push({ path: 'periodicAnnouncement', message: pp });
    if (draft.periodicAnnouncement && !intIn(draft.periodicFrequency, 10, 600)) bad.push({ path: 'periodicFrequency', message: t('inbound.wizard.range', { min: 10, max: 600 }) });
    const ap = promptProblem(t, draft.agentAnnouncement, true);
    if (ap) bad.push({ path: 'agentAnnouncement', message: ap });
    w.nextIf(bad);
  };
  const limitsNext = () => {
    const bad: FieldError[] = [];
    if (!intIn(draft.maxWait, 0, 7200)) bad.push({ path: 'maxWait', message: t('inbound.wizard.range', { min: 0, max: 7200 }) });
    if (!intIn(draft.maxLength, 0, 1000)) bad.push({ path: 'maxLength', message: t('inbound.wizard.range', { min: 0, max: 1000 }) });
    if (destinationMissing(draft.timeoutDestination)) bad.push({ path: 'timeoutDestination', message: t('inbound.wizard.chooseDestination') });
    if (draft.fullDestination !== undefined && destinationMissing(draft.fullDestination)) bad.push({ path: 'fullDestination', message: t('inbound.wizard.chooseDestination') });
    if (draft.openHours.trim() && !NAME_RE.test(draft.openHours.trim())) bad.push({ path: 'openHours', message: t('inbound.wizard.nameInvalid') });
    w.nextIf(bad);
  };

  type NumKey = 'memberRingTime' | 'wrapUpTime' | 'announceFrequency' | 'periodicFrequency' | 'maxWait' | 'maxLength';
  type CheckKey = 'autoPause' | 'announcePosition' | 'announceHoldTime' | 'joinEmpty';
  const num = (key: NumKey, min: number, max: number, help?: string) => <NumberField id={`qw-${key}`} label={t(`field.${key}`)} help={help} error={at(key)} min={min} max={max} value={draft[key]} onChange={(v) => set({ [key]: v })} />;
  const check = (key: CheckKey, help?: string) => <CheckField id={`qw-${key}`} label={t(`field.${key}`)} help={help} checked={draft[key]} onChange={(v) => set({ [key]: v })} />;

  const id = QUEUE_STEPS[steps.current];
  let body: ReactNode = null;
  if (w.created)
    body = <DonePanel w={w} item={w.created}>{draft.dynamicMembers.length ? <p className="help">{t('inbound.queueWizard.doneDynamic')}</p> : null}</DonePanel>;
  else if (id === 'identity')
    body = (
      <InboundStep w={w} id="identity" onSubmit={() => w.identityNext(draft)}>
        <IdentityFields w={w} draft={draft} set={set} />
      </InboundStep>
    );
  else if (id === 'members')
    body = (
      <InboundStep w={w} id="members" onSubmit={membersNext}>
        <EnumField id="qw-strategy" label={t('field.strategy')} help={t('inbound.queueWizard.strategyHelp')} error={at('strategy')} required values={strategies} value={draft.strategy} onChange={(v) => set({ strategy: v })} />
        <MemberRows which="members" list={draft.members} onChange={(l) => set({ members: l })} at={at} />
        <MemberRows which="dynamicMembers" list={draft.dynamicMembers} onChange={(l) => set({ dynamicMembers: l })} at={at} />
        {!draft.members.length && !draft.dynamicMembers.length ? <p className="help">{t('inbound.queueWizard.noMembers')}</p> : null}
        <div className="field-row">
          {num('memberRingTime', 5, 120, t('inbound.queueWizard.memberRingTimeHelp'))}
          {num('wrapUpTime', 0, 600, t('inbound.queueWizard.wrapUpTimeHelp'))}
        </div>
        {check('autoPause', t('inbound.queueWizard.autoPauseHelp'))}
      </InboundStep>
    );
  else if (id === 'experience')
    body = (
      <InboundStep w={w} id="experience" onSubmit={experienceNext}>
        {num('announceFrequency', 0, 600, t('inbound.queueWizard.announceFrequencyHelp'))}
        {check('announcePosition')}
        {check('announceHoldTime')}
        <PromptPicker id="qw-periodic" label={t('field.periodicAnnouncement')} help={t('inbound.queueWizard.periodicHelp')} value={draft.periodicAnnouncement} onChange={(v) => set({ periodicAnnouncement: v })} optional error={at('periodicAnnouncement')} disabled={w.busy} />
        {draft.periodicAnnouncement ? num('periodicFrequency', 10, 600) : null}
        <PromptPicker id="qw-agent" label={t('field.agentAnnouncement')} help={t('inbound.queueWizard.agentHelp')} value={draft.agentAnnouncement} onChange={(v) => set({ agentAnnouncement: v })} optional error={at('agentAnnouncement')} disabled={w.busy} />
      </InboundStep>
    );
  else if (id === 'limits')
    body = (
      <InboundStep w={w} id="limits" onSubmit={limitsNext}>
        <div className="field-row">
          {num('maxWait', 0, 7200, t('inbound.queueWizard.maxWaitHelp'))}
          {num('maxLength', 0, 1000, t('inbound.queueWizard.maxLengthHelp'))}
        </div>
        {check('joinEmpty', t('inbound.queueWizard.joinEmptyHelp'))}
        <Destination name="timeoutDestination" schema={props.timeoutDestination} value={draft.timeoutDestination} onChange={(v) => set({ timeoutDestination: v })} path="timeoutDestination" required errors={errors.fields} />
        <Destination name="fullDestination" schema={props.fullDestination} value={draft.fullDestination} onChange={(v) => set({ fullDestination: v })} path="fullDestination" required={false} errors={errors.fields} />
        <Field id="qw-openHours" label={t('field.openHours')} help={t('inbound.queueWizard.openHoursHelp')} error={at('openHours')}>
          {can('routing', 'read') ? (
            <RefInput {...aria('qw-openHours', true, at('openHours'))} collection="time-conditions" value={draft.openHours} onChange={(v) => set({ openHours: v })} />
          ) : (
            <input {...aria('qw-openHours', true, at('openHours'))} type="text" className="mono" value={draft.openHours} onChange={(e) => set({ openHours: e.target.value })} />
          )}
        </Field>
      </InboundStep>
    );
  else {
    const none = <span className="muted">{t('form.none')}</span>;
    const memberList = (l: Member[]) =>
      l.length ? (
        <ul>
          {l.map((m, i) => (
            <li key={i}>
              <span className="mono">{m.extension}</span>
              {m.penalty.trim() && m.penalty.trim() !== '0' ? <span className="muted">{t('inbound.queueWizard.penaltyShort', { n: m.penalty.trim() })}</span> : null}
            </li>
          ))}
        </ul>
      ) : (
        none
      );
    const secs = (v: string) => (Number(v) === 0 ? t('inbound.wizard.noLimit') : t('inbound.wizard.seconds', { n: v }));
    body = (
      <InboundStep w={w} id="review" onSubmit={() => w.finish(queueBody(draft))}>
        <Facts
          rows={[
            ...identityFacts(t, draft, none),
            [t('field.strategy'), has(`enum.${draft.strategy}`) ? t(`enum.${draft.strategy}`) : draft.strategy],
            [t('field.members'), memberList(draft.members)],
            [t('field.dynamicMembers'), memberList(draft.dynamicMembers)],
            [t('field.memberRingTime'), t('inbound.wizard.seconds', { n: draft.memberRingTime })],
            [t('field.announceFrequency'), Number(draft.announceFrequency) === 0 ? t('form.none') : t('inbound.wizard.seconds', { n: draft.announceFrequency })],
            [t('field.periodicAnnouncement'), draft.periodicAnnouncement ? `${promptText(t, draft.periodicAnnouncement)} (${t('inbound.wizard.seconds', { n: draft.periodicFrequency })})` : none],
            [t('field.agentAnnouncement'), draft.agentAnnouncement ? promptText(t, draft.agentAnnouncement) : none],
            [t('field.maxWait'), secs(draft.maxWait)],
            [t('field.maxLength'), Number(draft.maxLength) === 0 ? t('inbound.wizard.noLimit') : draft.maxLength],
            [t('field.joinEmpty'), draft.joinEmpty ? t('common.yes') : t('common.no')],
            [t('field.timeoutDestination'), destinationText(t, has, draft.timeoutDestination)],
            [t('field.fullDestination'), draft.fullDestination ? destinationText(t, has, draft.fullDestination) : t('inbound.queueWizard.sameAsTimeout')],
            [t('field.openHours'), draft.openHours.trim() ? <span className="mono">{draft.openHours.trim()}</span> : t('inbound.queueWizard.alwaysOpen')],
          ]}
        />
      </InboundStep>
    );
  }
  return (
    <InboundFrame w={w} ready>
      {body}
    </InboundFrame>
  );
}
