// What the object wizards (extension, trunk, IVR, queue) are built from beyond components/Stepper:
// the page around the steps, the final POST that sends a refused field back to its step, the
// "is this name free" check, and the small number/checkbox fields their steps repeat.
import { useState, type ReactNode } from 'react';
import { api, ApiError } from '../lib/api.ts';
import { useI18n } from '../lib/i18n.tsx';
import { Link } from '../lib/router.tsx';
import { Field, Stepper, aria, useSteps, type StepInfo } from '../components/Stepper.tsx';
import type { WriteResult } from './Setup.tsx';

type Item = Record<string, unknown>;
type Steps = ReturnType<typeof useSteps>;

/**
 * A wizard's page: crumbs back to the list (`/${list}`, labelled `nav.${list}`), the title, the
 * step indicator. Once `done`, the steps can no longer be revisited: what was made is made.
 */
export function WizardFrame({ testid, list, title, labels, stepsLabel, steps, busy, done = false, children }: { testid?: string; list: string; title: string; labels: StepInfo[]; stepsLabel: string; steps: Steps; busy: boolean; done?: boolean; children: ReactNode }) {
  const { t } = useI18n();
  return (
    <section className="page wizard-page" aria-labelledby="page-title" data-testid={testid}>
      <p className="crumbs no-print">
        <Link to={`/${list}`}>{t(`nav.${list}`)}</Link> /
      </p>
      <h1 id="page-title">{title}</h1>
      <Stepper steps={labels} current={steps.current} reached={done ? steps.current : steps.reached} onSelect={done ? undefined : steps.go} label={stepsLabel} disabled={busy} />
      {children}
    </section>
  );
}

/** Is a name free in a collection: 404 on GET means yes. */
export async function nameFree(collection: string, name: string): Promise<boolean> {
  try {
    await api.get(`/${collection}/${encodeURIComponent(name)}`);
    return false;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return true;
    throw err;
  }
}

/** A busy flag around work (a save, a check) whose failure goes to `errors`, next to the fields. */
export function useBusyWork(errors: { take(err: unknown): void }) {
  const [busy, setBusy] = useState(false);
  const whileBusy = async (work: () => Promise<void>) => {
    setBusy(true);
    try {
      await work();
    } catch (err) {
      errors.take(err);
    } finally {
      setBusy(false);
    }
  };
  return { busy, setBusy, whileBusy };
}

/**
 * The wizard's busy flag and its final POST. `whileBusy` runs a step's check with the wizard busy,
 * what it throws going to the step's errors; `create` keeps what the POST made and, when the API
 * refuses a field, goes back to the step that holds it (`stepOf` its path).
 */
export function useWizardCreate(errors: { clear(): void; take(err: unknown): void }, steps: Steps, stepOf: (path: string) => number) {
  const { busy, setBusy, whileBusy } = useBusyWork(errors);
  const [created, setCreated] = useState<Item | null>(null);
  const create = async (path: string, body: Item, then: (r: WriteResult) => void) => {
    errors.clear();
    setBusy(true);
    try {
      const r = await api.post<WriteResult>(path, body);
      setCreated(r.item);
      then(r);
    } catch (err) {
      errors.take(err);
      const first = err instanceof ApiError ? err.fields[0] : undefined;
      if (first) steps.go(stepOf(first.path));
    } finally {
      setBusy(false);
    }
  };
  return { busy, created, setCreated, whileBusy, create };
}

/** A required whole-number input typed as text (the draft keeps what was typed). */
export function NumberField({ id, label, help, error, min, max, value, onChange }: { id: string; label: string; help?: string; error: string; min: number; max: number; value: string; onChange(v: string): void }) {
  return (
    <Field id={id} label={label} help={help} error={error} required>
      <input {...aria(id, !!help, error)} type="number" min={min} max={max} inputMode="numeric" value={value} onChange={(e) => onChange(e.target.value)} />
    </Field>
  );
}

/** A checkbox with its label and, when given, its help. */
export function CheckField({ id, label, help, checked, onChange, disabled, testId }: { id: string; label: string; help?: string; checked: boolean; onChange(v: boolean): void; disabled?: boolean; testId?: string }) {
  return (
    <div className="field check-field">
      <label className="check" htmlFor={id}>
        <input id={id} type="checkbox" disabled={disabled} checked={checked} aria-describedby={help ? `${id}-help` : undefined} onChange={(e) => onChange(e.target.checked)} data-testid={testId} />
        {label}
      </label>
      {help ? (
        <div className="help" id={`${id}-help`}>
          {help}
        </div>
      ) : null}
    </div>
  );
}
