// The pieces every wizard is made of: where one is (Stepper), one step's panel (a form, so Enter
// is "Next"), the Back/Skip/Next buttons, and the API's field errors next to the fields. Steps
// that write do so when they are left, and stay put when the API refuses.
import { useCallback, useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError, errorText, type FieldError } from '../lib/api.ts';
import { useI18n } from '../lib/i18n.tsx';
import '../pages/Setup.css';

export interface StepInfo {
  id: string;
  label: string;
}

/** Position in a wizard: the current step and the furthest one reached (reachable again by clicking). */
export function useSteps(count: number) {
  const [current, setCurrent] = useState(0);
  const [reached, setReached] = useState(0);
  const go = useCallback(
    (i: number) => {
      const to = Math.max(0, Math.min(count - 1, i));
      setCurrent(to);
      setReached((r) => Math.max(r, to));
    },
    [count],
  );
  const reset = useCallback(() => {
    setCurrent(0);
    setReached(0);
  }, []);
  return { current, reached, go, next: () => go(current + 1), back: () => go(current - 1), reset };
}

/** The step indicator: numbered steps, the current one marked; steps already reached can be revisited. */
export function Stepper({ steps, current, reached, onSelect, label, disabled }: { steps: StepInfo[]; current: number; reached: number; onSelect?(i: number): void; label: string; disabled?: boolean }) {
  const { t } = useI18n();
  return (
    <nav className="stepper no-print" aria-label={label} data-testid="stepper">
      <p className="stepper-count" aria-live="polite">
        {t('setup.stepper.count', { n: current + 1, of: steps.length, label: steps[current]?.label ?? '' })}
      </p>
      <ol>
        {steps.map((s, i) => {
          const state = i === current ? 'current' : i <= reached ? 'done' : 'todo';
          const body = (
            <>
              <span className="stepper-num" aria-hidden="true">
                {state === 'done' ? '✓' : i + 1}
              </span>
              <span className="stepper-label">{s.label}</span>
              <span className="sr-only"> ({t(`setup.stepper.${state}`)})</span>
            </>
          );
          return (
            <li key={s.id} className={`stepper-step ${state}`} data-testid={`stepper-${s.id}`} aria-current={i === current ? 'step' : undefined}>
              {state === 'done' && onSelect ? (
                <button type="button" className="stepper-link" disabled={disabled} onClick={() => onSelect(i)}>
                  {body}
                </button>
              ) : (
                <span className="stepper-link">{body}</span>
              )}
            </li>
          );
        })}
      </ol>
    </nav>
  );
}

/**
 * One step: a form whose submit is "Next" (so Enter works), with its heading focused when the
 * step appears so keyboard and screen-reader users land on the new content.
 */
export function StepPanel({ testid, title, intro, onSubmit, children, focus = true }: { testid: string; title: string; intro?: ReactNode; onSubmit(): void | Promise<void>; children: ReactNode; focus?: boolean }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (focus) heading.current?.focus();
  }, []);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void onSubmit();
  };
  return (
    <form className="step-panel" data-testid={testid} onSubmit={submit} noValidate>
      <h2 id={`${testid}-title`} tabIndex={-1} ref={heading}>
        {title}
      </h2>
      {intro ? <div className="step-intro">{intro}</div> : null}
      {children}
    </form>
  );
}

/** The last step of a wizard that only shows what was made (no form), heading focused on arrival. */
export function ResultPanel({ testid, title, children }: { testid: string; title: string; children: ReactNode }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <section className="step-panel" data-testid={testid}>
      <h2 id={`${testid}-title`} tabIndex={-1} ref={heading}>
        {title}
      </h2>
      {children}
    </section>
  );
}

/** Back / Skip / Next (or Finish) of a step; Next is the form's submit button. */
export function StepNav({ prefix, onBack, onSkip, busy, nextLabel, finish, nextDisabled }: { prefix: string; onBack?(): void; onSkip?(): void; busy?: boolean; nextLabel?: string; finish?: boolean; nextDisabled?: boolean }) {
  const { t } = useI18n();
  return (
    <div className="form-actions step-nav no-print">
      {onBack ? (
        <button type="button" data-testid={`${prefix}-back`} disabled={busy} onClick={onBack}>
          {t('common.back')}
        </button>
      ) : null}
      <span className="spacer" />
      {onSkip ? (
        <button type="button" data-testid={`${prefix}-skip`} disabled={busy} onClick={onSkip}>
          {t('setup.skip')}
        </button>
      ) : null}
      <button type="submit" className="primary" data-testid={finish ? `${prefix}-finish` : `${prefix}-next`} disabled={busy || nextDisabled} aria-busy={busy || undefined}>
        {busy ? t('common.saving') : (nextLabel ?? t('common.next'))}
      </button>
    </div>
  );
}

/** The API's answer to a step's write: the message, and each field's messages by path. */
export function useApiErrors() {
  const [fields, setFields] = useState<FieldError[]>([]);
  const [message, setMessage] = useState('');
  const clear = useCallback(() => {
    setFields([]);
    setMessage('');
  }, []);
  const take = useCallback((err: unknown, extra: FieldError[] = []) => {
    if (err instanceof ApiError) {
      setFields([...err.fields, ...extra]);
      setMessage(err.message);
    } else {
      setFields(extra);
      setMessage(errorText(err));
    }
  }, []);
  /** Messages for a path; with prefix also those of its parts (ntpServers[2] for ntpServers). */
  const at = useCallback(
    (path: string, prefix = true) =>
      fields
        .filter((f) => f.path === path || (prefix && (f.path.startsWith(path + '[') || f.path.startsWith(path + '.'))))
        .map((f) => f.message)
        .join('; '),
    [fields],
  );
  return { fields, message, clear, take, at, set: setFields, setMessage };
}

/** The step's error summary (announced); field details sit next to the fields. */
export function StepError({ message, fields, limit = 8 }: { message: string; fields?: FieldError[]; limit?: number }) {
  const { t } = useI18n();
  if (!message) return null;
  const shown = (fields ?? []).filter((f) => f.path && f.path !== '(root)');
  return (
    <div className="form-error" role="alert" data-testid="step-error">
      <strong>{message}</strong>
      {shown.length ? (
        <ul>
          {shown.slice(0, limit).map((f, i) => (
            <li key={i}>
              <span className="mono">{f.path}</span>: {f.message}
            </li>
          ))}
          {shown.length > limit ? <li>{t('setup.moreErrors', { n: shown.length - limit })}</li> : null}
        </ul>
      ) : null}
    </div>
  );
}

/** A labelled field with its help and its error (linked for assistive technology). */
export function Field({ id, label, help, error, children, required }: { id: string; label: ReactNode; help?: ReactNode; error?: string; children: ReactNode; required?: boolean }) {
  return (
    <div className="field">
      <label htmlFor={id}>
        {label}
        {required ? (
          <span className="req" aria-hidden="true">
            {' '}
            *
          </span>
        ) : null}
      </label>
      {children}
      {help ? (
        <div className="help" id={`${id}-help`}>
          {help}
        </div>
      ) : null}
      {error ? (
        <div className="field-error" id={`${id}-err`} role="alert">
          {error}
        </div>
      ) : null}
    </div>
  );
}

/** aria attributes of the input inside a Field. */
export function aria(id: string, help: unknown, error: string | undefined) {
  const by = [help ? `${id}-help` : '', error ? `${id}-err` : ''].filter(Boolean).join(' ');
  return { id, 'aria-invalid': error ? true : undefined, 'aria-describedby': by || undefined } as const;
}

/** Lines of a textarea as a list, blank lines dropped. */
export function lines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter(Boolean);
}
