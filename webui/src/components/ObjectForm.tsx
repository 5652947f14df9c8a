// Create/edit form of one object: the schema from the OpenAPI document, the API's field errors
// inline, a summary of all errors at the top (announced), and nothing saved unless the API
// accepted the whole object.
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError, errorText, type FieldError } from '../lib/api.ts';
import { useI18n } from '../lib/i18n.tsx';
import { emptyValue, requestSchema, type JsonSchema } from '../lib/schema.ts';
import { SchemaForm, fieldId } from './SchemaForm.tsx';

export interface ObjectFormProps {
  /** API path whose POST body schema describes the object, e.g. "/extensions". */
  schemaPath: string;
  schemaMethod?: string;
  initial?: Record<string, unknown>;
  readOnly?: string[];
  hidden?: string[];
  disabled?: boolean;
  submitLabel: string;
  onSubmit(value: Record<string, unknown>): Promise<void>;
  extraActions?: ReactNode;
}

/**
 * The submit of a form the API validates: `run` saves, and what the API refused lands in `errors`
 * (per field) and `formError` (the summary). Once the form is enabled again the first field the
 * API complained about is focused (`idOf` names its element), or else the summary.
 */
export function useFormSubmit(idOf: (path: string) => string = fieldId) {
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [formError, setFormError] = useState('');
  const [busy, setBusy] = useState(false);
  const run = async (save: () => Promise<void>) => {
    setBusy(true);
    setErrors([]);
    setFormError('');
    try {
      await save();
    } catch (err) {
      if (err instanceof ApiError) {
        setErrors(err.fields);
        setFormError(err.message);
      } else setFormError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    if (busy || !formError) return;
    const first = errors[0] && document.getElementById(idOf(errors[0].path));
    (first ?? document.querySelector<HTMLElement>('[data-testid="form-error"]'))?.focus();
  }, [busy, errors, formError]);
  return { errors, formError, setFormError, busy, run };
}

/** The summary of what the API refused, at the top of a form: each field error links to its field. */
export function FormErrors({ message, errors, idOf = fieldId, labelOf = (path) => path }: { message: string; errors: FieldError[]; idOf?(path: string): string; labelOf?(path: string): string }) {
  if (!message) return null;
  return (
    <div className="form-error" role="alert" data-testid="form-error" tabIndex={-1}>
      <strong>{message}</strong>
      {errors.length ? (
        <ul>
          {errors.map((f, i) => (
            <li key={i}>
              <a href={`#${idOf(f.path)}`}>{labelOf(f.path)}</a>: {f.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function ObjectForm(props: ObjectFormProps) {
  const { t } = useI18n();
  const [schema, setSchema] = useState<JsonSchema | null>(null);
  const [value, setValue] = useState<Record<string, unknown> | null>(props.initial ?? null);
  const { errors, formError, setFormError, busy, run } = useFormSubmit();
  useEffect(() => {
    requestSchema(props.schemaPath, props.schemaMethod ?? 'post').then((s) => {
      setSchema(s ?? { type: 'object', properties: {} });
      if (!props.initial) setValue(emptyValue(s ?? {}) as Record<string, unknown>);
    }, (e) => setFormError(errorText(e)));
  }, [props.schemaPath]);
  useEffect(() => {
    if (props.initial) setValue(props.initial);
  }, [props.initial]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!value) return;
    await run(() => props.onSubmit(value));
  };
  if (!schema || !value) return <div aria-busy="true">{formError || t('common.loading')}</div>;
  return (
    <form onSubmit={submit} noValidate className="object-form">
      <FormErrors message={formError} errors={errors} />
      <SchemaForm schema={schema} value={value} onChange={setValue} errors={errors} readOnly={props.readOnly} hidden={props.hidden} disabled={props.disabled || busy} />
      <div className="form-actions">
        {props.disabled ? null : (
          <button type="submit" className="primary" disabled={busy} aria-busy={busy}>
            {busy ? t('common.saving') : props.submitLabel}
          </button>
        )}
        {props.extraActions}
      </div>
    </form>
  );
}
