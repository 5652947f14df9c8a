// A form generated from an object's JSON schema (from the box's OpenAPI document). Field labels
// come from the translations (field.<name>), help from the schema's descriptions, references
// (x-ref) become searchable drop-downs of the referenced objects, unions (destinations,
// forwards) a choice of kind plus the chosen kind's fields. API field errors appear next to
// the field whose path they name.
import { useEffect, useId, useState, type ReactNode } from 'react';
import type { FieldError } from '../lib/api.ts';
import { useI18n } from '../lib/i18n.tsx';
import { emptyValue, stringKind, typeOf, variantIndex, variantKey, variants, type JsonSchema } from '../lib/schema.ts';
import { RefInput, RefList } from './RefSelect.tsx';
import { SecretInput } from './SecretInput.tsx';
import './SchemaForm.css';

export interface FormProps {
  schema: JsonSchema;
  value: Record<string, unknown>;
  onChange(v: Record<string, unknown>): void;
  errors?: FieldError[];
  /** Fields not to show (e.g. the key on edit when it must not change). */
  hidden?: string[];
  /** Fields shown but not editable. */
  readOnly?: string[];
  disabled?: boolean;
}

const SECRET_FIELDS = new Set(['password', 'secret']);
/** Numeric PINs (mailbox, phone unlock, conference rooms): the box generates a strong one. */
const PIN_FIELDS = new Set(['pin', 'adminPin']);

export function humanize(key: string): string {
  const s = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
}

export function fieldId(path: string): string {
  return 'f-' + path.replace(/[^A-Za-z0-9_-]/g, '_');
}

function errorsAt(errors: FieldError[] | undefined, path: string, prefix = false): string[] {
  return (errors ?? []).filter((e) => e.path === path || (prefix && (e.path.startsWith(path + '[') || e.path.startsWith(path + '.')))).map((e) => e.message);
}

function join(parent: string, key: string | number): string {
  return typeof key === 'number' ? `${parent}[${key}]` : parent ? `${parent}.${key}` : key;
}

export function SchemaForm(props: FormProps) {
  return (
    <div className="schema-form">
      <ObjectFields schema={props.schema} value={props.value} onChange={props.onChange} path="" ctx={props} />
    </div>
  );
}

/**
 * One field of a schema on its own (a destination, a prompt) for hand-made forms such as the
 * wizards: the same input the generic form shows, with the API's errors under `path`.
 */
export function SchemaField({ name, schema, value, onChange, path, required = false, errors, disabled }: { name: string; schema: JsonSchema; value: unknown; onChange(v: unknown): void; path?: string; required?: boolean; errors?: FieldError[]; disabled?: boolean }) {
  return <Field name={name} schema={schema} value={value} onChange={onChange} path={path ?? name} required={required} ctx={{ errors, disabled }} />;
}

/** Items of a list shown at once; longer lists (a lookup table) are paged. */
export const ARRAY_PAGE = 25;

interface Ctx {
  errors?: FieldError[];
  hidden?: string[];
  readOnly?: string[];
  disabled?: boolean;
}

function ObjectFields({ schema, value, onChange, path, ctx }: { schema: JsonSchema; value: Record<string, unknown>; onChange(v: Record<string, unknown>): void; path: string; ctx: Ctx }) {
  const props = Object.entries(schema.properties ?? {});
  const set = (k: string, v: unknown) => {
    const next = { ...value };
    if (v === undefined) delete next[k];
    else next[k] = v;
    onChange(next);
  };
  return (
    <>
      {props.map(([k, s]) => {
        const p = join(path, k);
        if (ctx.hidden?.includes(p)) return null;
        return <Field key={k} name={k} schema={s} value={value?.[k]} onChange={(v) => set(k, v)} path={p} required={schema.required?.includes(k) ?? false} ctx={ctx} />;
      })}
    </>
  );
}

function Label({ id, name, required, children }: { id: string; name: string; required: boolean; children?: ReactNode }) {
  const { t, has } = useI18n();
  return (
    <label htmlFor={id}>
      {has(`field.${name}`) ? t(`field.${name}`) : humanize(name)}
      {required ? <span className="req" aria-hidden="true"> *</span> : null}
      {children}
    </label>
  );
}

function Help({ schema, name, id }: { schema: JsonSchema; name: string; id: string }) {
  const { t, has } = useI18n();
  const text = has(`help.${name}`) ? t(`help.${name}`) : schema.description;
  return text ? (
    <div className="help" id={id}>
      {text}
    </div>
  ) : null;
}

function Errors({ messages, id }: { messages: string[]; id: string }) {
  if (!messages.length) return null;
  return (
    <div className="field-error" id={id} role="alert">
      {messages.join('; ')}
    </div>
  );
}

function Field({ name, schema, value, onChange, path, required, ctx }: { name: string; schema: JsonSchema; value: unknown; onChange(v: unknown): void; path: string; required: boolean; ctx: Ctx }) {
  const { t, has } = useI18n();
  const id = fieldId(path);
  const helpId = id + '-help';
  const errId = id + '-err';
  const alts = variants(schema);
  const type = typeOf(schema);
  const disabled = ctx.disabled || ctx.readOnly?.includes(path);
  const own = errorsAt(ctx.errors, path, type === 'array' && typeOf(schema.items ?? {}) !== 'object');
  const invalid = own.length > 0;
  const describedBy = [schema.description ? helpId : '', invalid ? errId : ''].filter(Boolean).join(' ') || undefined;

  if (alts) return <UnionField name={name} schema={schema} alts={alts} value={value} onChange={onChange} path={path} required={required} ctx={ctx} />;

  if (type === 'object') {
    // An optional object without a default (a mobile to fork to) shows its defaults while absent,
    // and is absent again when left at them: nothing filled in is no object at all.
    const optional = !required && schema.default === undefined;
    const blank = optional ? (emptyValue(schema) as Record<string, unknown>) : {};
    return (
      <fieldset className="group">
        <legend>{t(`field.${name}`) === `field.${name}` ? humanize(name) : t(`field.${name}`)}</legend>
        <Help schema={schema} name={name} id={helpId} />
        <ObjectFields schema={schema} value={(value as Record<string, unknown>) ?? (optional ? blank : {})} onChange={(v) => onChange(optional && (Object.keys(v).length === 0 || JSON.stringify(v) === JSON.stringify(blank)) ? undefined : v)} path={path} ctx={ctx} />
        <Errors messages={own} id={errId} />
      </fieldset>
    );
  }

  if (type === 'array') {
    const items = schema.items ?? {};
    const list = (value as unknown[]) ?? [];
    if (typeOf(items) === 'object' || variants(items)) {
      return <ObjectArray name={name} schema={schema} list={list} onChange={onChange} path={path} disabled={disabled} own={own} ctx={ctx} />;
    }
    if (items.enum) {
      return (
        <fieldset className="group inline">
          <legend>{t(`field.${name}`) === `field.${name}` ? humanize(name) : t(`field.${name}`)}</legend>
          {items.enum.map((opt) => (
            <label key={String(opt)} className="check">
              <input
                type="checkbox"
                disabled={disabled}
                checked={list.includes(opt)}
                onChange={(e) => onChange(e.target.checked ? [...list, opt] : list.filter((x) => x !== opt))}
              />
              {enumLabel(t, has, opt, name)}
            </label>
          ))}
          <Errors messages={own} id={errId} />
        </fieldset>
      );
    }
    if (items['x-ref']) {
      return (
        <div className="field">
          <Label id={id} name={name} required={required} />
          <RefList id={id} collection={items['x-ref']} value={list as string[]} onChange={onChange} disabled={disabled} describedBy={describedBy} />
          <Help schema={schema} name={name} id={helpId} />
          <Errors messages={own} id={errId} />
        </div>
      );
    }
    return (
      <div className="field">
        <Label id={id} name={name} required={required}>
          <span className="hint"> {t('form.onePerLine')}</span>
        </Label>
        <LinesInput id={id} value={list as string[]} onChange={onChange} disabled={disabled} invalid={invalid} describedBy={describedBy} />
        <Help schema={schema} name={name} id={helpId} />
        <Errors messages={own} id={errId} />
      </div>
    );
  }

  if (type === 'boolean') {
    return (
      <div className="field check-field">
        <label className="check" htmlFor={id}>
          <input id={id} type="checkbox" disabled={disabled} checked={value === true} aria-describedby={describedBy} onChange={(e) => onChange(e.target.checked)} />
          {t(`field.${name}`) === `field.${name}` ? humanize(name) : t(`field.${name}`)}
        </label>
        <Help schema={schema} name={name} id={helpId} />
        <Errors messages={own} id={errId} />
      </div>
    );
  }

  let input: ReactNode;
  const common = { id, disabled, 'aria-invalid': invalid || undefined, 'aria-describedby': describedBy, 'aria-required': required || undefined };
  if (schema.enum) {
    input = (
      <select {...common} value={value === undefined ? '' : String(value)} onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)}>
        {!required || value === undefined ? <option value="">{t('form.none')}</option> : null}
        {schema.enum.map((o) => (
          <option key={String(o)} value={String(o)}>
            {enumLabel(t, has, o, name)}
          </option>
        ))}
      </select>
    );
  } else if (type === 'integer' || type === 'number') {
    input = (
      <input
        {...common}
        type="number"
        inputMode="numeric"
        min={schema.minimum}
        max={schema.maximum}
        placeholder={schema.default !== undefined ? String(schema.default) : ''}
        value={value === undefined || value === null ? '' : String(value)}
        onChange={(e) => onChange(e.target.value === '' ? undefined : Number(e.target.value))}
      />
    );
  } else if (schema['x-ref']) {
    input = <RefInput {...common} collection={schema['x-ref']} value={(value as string) ?? ''} onChange={(v) => onChange(v === '' && !required ? undefined : v)} />;
  } else if (SECRET_FIELDS.has(name) || PIN_FIELDS.has(name)) {
    input = <SecretInput {...common} kind={PIN_FIELDS.has(name) ? 'pin' : 'sip'} value={(value as string) ?? ''} onChange={(v) => onChange(v === '' && !required ? undefined : v)} />;
  } else {
    const kind = stringKind(schema);
    input = (
      <input
        {...common}
        type={kind === 'date' ? 'date' : schema.format === 'email' ? 'email' : schema.format === 'uri' ? 'url' : 'text'}
        className={kind === 'time' ? 'mono short' : undefined}
        placeholder={kind === 'time' ? t('form.timePlaceholder') : undefined}
        inputMode={kind === 'time' ? 'numeric' : undefined}
        maxLength={schema.maxLength}
        autoComplete="off"
        spellCheck={false}
        value={(value as string) ?? ''}
        onChange={(e) => onChange(e.target.value === '' && !required ? undefined : e.target.value)}
      />
    );
  }
  return (
    <div className="field">
      <Label id={id} name={name} required={required} />
      {input}
      <Help schema={schema} name={name} id={helpId} />
      <Errors messages={own} id={errId} />
    </div>
  );
}

type Has = (key: string) => boolean;
type T = (key: string, vars?: Record<string, string | number>) => string;

/**
 * An enum value as people read it: enum.<field>.<value> where the same value means different
 * things in different fields ("all" calls, "all" members at once), else enum.<value>, else the value.
 */
function enumLabel(t: T, has: Has, v: unknown, field?: string): string {
  if (field && has(`enum.${field}.${String(v)}`)) return t(`enum.${field}.${String(v)}`);
  return has(`enum.${String(v)}`) ? t(`enum.${String(v)}`) : String(v);
}

/** One element of a list field ("option" for options), from item.<name>; else guessed from the name. */
function itemLabel(t: T, has: Has, name: string): string {
  return has(`item.${name}`) ? t(`item.${name}`) : humanize(name).replace(/s$/, '');
}

/**
 * A list of objects (IVR options, members, time bands): each item's fields side by side where
 * they fit, long lists paged (a table of thousands of rows stays responsive), and the page with
 * the first API error shown when the server names one.
 */
function ObjectArray({ name, schema, list, onChange, path, disabled, own, ctx }: { name: string; schema: JsonSchema; list: unknown[]; onChange(v: unknown): void; path: string; disabled?: boolean; own: string[]; ctx: Ctx }) {
  const { t, has } = useI18n();
  const items = schema.items ?? {};
  const alts = variants(items);
  const [page, setPage] = useState(0);
  const pages = Math.max(1, Math.ceil(list.length / ARRAY_PAGE));
  const firstError = (ctx.errors ?? []).map((e) => (e.path.startsWith(path + '[') ? Number(/^\[(\d+)\]/.exec(e.path.slice(path.length))?.[1]) : NaN)).find((n) => !Number.isNaN(n));
  useEffect(() => {
    if (firstError !== undefined) setPage(Math.floor(firstError / ARRAY_PAGE));
  }, [firstError, ctx.errors]);
  useEffect(() => {
    if (page > pages - 1) setPage(pages - 1);
  }, [page, pages]);
  const label = has(`field.${name}`) ? t(`field.${name}`) : humanize(name);
  const one = itemLabel(t, has, name);
  const One = one.charAt(0).toUpperCase() + one.slice(1);
  const from = page * ARRAY_PAGE;
  const shown = list.slice(from, from + ARRAY_PAGE);
  const setAt = (i: number, v: unknown) => onChange(list.map((x, j) => (j === i ? v : x)));
  const add = () => {
    onChange([...list, emptyValue(items)]);
    setPage(Math.floor(list.length / ARRAY_PAGE));
  };
  const helpId = fieldId(path) + '-help';
  return (
    <fieldset className="group" aria-describedby={has(`help.${name}`) || schema.description ? helpId : undefined}>
      <legend>{label}</legend>
      <Help schema={schema} name={name} id={helpId} />
      {list.length > ARRAY_PAGE ? <p className="muted small">{t('form.itemsCount', { n: list.length })}</p> : null}
      {shown.map((item, k) => {
        const i = from + k;
        const p = join(path, i);
        return (
          <div className="array-item" key={i} role="group" aria-label={`${One} ${i + 1}`}>
            <div className="array-item-head">
              <span>
                {One} {i + 1}
              </span>
              <button type="button" className="link danger" disabled={disabled} onClick={() => onChange(list.filter((_, j) => j !== i))} aria-label={t('form.removeWhat', { what: `${one} ${i + 1}` })}>
                {t('form.remove')}
              </button>
            </div>
            <div className="array-item-fields">
              {alts ? (
                <UnionField name={name} alts={alts} value={item} onChange={(v) => setAt(i, v)} path={p} required bare ctx={ctx} />
              ) : (
                <ObjectFields schema={items} value={item as Record<string, unknown>} onChange={(v) => setAt(i, v)} path={p} ctx={ctx} />
              )}
            </div>
          </div>
        );
      })}
      {pages > 1 ? (
        <nav className="pager" aria-label={t('form.itemPages', { what: label })}>
          <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>
            {t('list.prev')}
          </button>
          <span>{t('form.itemRange', { from: from + 1, to: Math.min(list.length, from + ARRAY_PAGE), n: list.length })}</span>
          <button type="button" disabled={page >= pages - 1} onClick={() => setPage(page + 1)}>
            {t('list.next')}
          </button>
        </nav>
      ) : null}
      {schema.maxItems === undefined || list.length < schema.maxItems ? (
        <button type="button" disabled={disabled} onClick={add}>
          {t('form.add', { what: one })}
        </button>
      ) : null}
      <Errors messages={own} id={fieldId(path) + '-err'} />
    </fieldset>
  );
}

/**
 * A value of one of several shapes (destination, prompt, ring group member, lookup source):
 * choose the kind (or none when optional), then that kind's fields beside it. `bare`: inside a
 * list item, which already says what it is, so no frame of its own.
 */
function UnionField({ name, schema, alts, value, onChange, path, required, ctx, bare }: { name: string; schema?: JsonSchema; alts: JsonSchema[]; value: unknown; onChange(v: unknown): void; path: string; required: boolean; ctx: Ctx; bare?: boolean }) {
  const { t, has } = useI18n();
  const id = fieldId(path) + '-kind';
  const groupId = useId();
  const present = value !== undefined && value !== null;
  const idx = variantIndex(alts, value);
  const chosen = alts[idx]!;
  const own = errorsAt(ctx.errors, path);
  const kindLabel = (s: JsonSchema) => {
    const k = variantKey(s);
    return has(`kind.${k}`) ? t(`kind.${k}`) : humanize(k);
  };
  const choose = (i: string) => {
    if (i === '') return onChange(undefined);
    const alt = alts[Number(i)]!;
    const next = emptyValue(alt) as Record<string, unknown>;
    // Keep what still fits (e.g. "after" seconds when switching extension → external).
    if (value && typeof value === 'object') for (const k of Object.keys(alt.properties ?? {})) if (k in (value as object)) next[k] = (value as Record<string, unknown>)[k];
    onChange(next);
  };
  const legend = has(`field.${name}`) ? t(`field.${name}`) : humanize(name);
  const body = (
    <>
      <div className="field union-kind">
        <label htmlFor={id}>{t('form.kind')}</label>
        <select id={id} disabled={ctx.disabled} value={present ? String(idx) : ''} onChange={(e) => choose(e.target.value)}>
          {!required ? <option value="">{t('form.none')}</option> : null}
          {alts.map((a, i) => (
            <option key={i} value={i}>
              {kindLabel(a)}
            </option>
          ))}
        </select>
      </div>
      {present ? (
        <ObjectFields
          schema={{ ...chosen, properties: Object.fromEntries(Object.entries(chosen.properties ?? {}).filter(([, s]) => s.const === undefined)) }}
          value={value as Record<string, unknown>}
          onChange={onChange}
          path={path}
          ctx={ctx}
        />
      ) : null}
      <Errors messages={own} id={fieldId(path) + '-err'} />
    </>
  );
  if (bare) return body;
  const helpId = fieldId(path) + '-help';
  const helped = has(`help.${name}`) || !!schema?.description;
  return (
    <fieldset className="group union" aria-labelledby={groupId} aria-describedby={helped ? helpId : undefined}>
      <legend id={groupId}>{legend}</legend>
      {schema ? <Help schema={schema} name={name} id={helpId} /> : null}
      <div className="union-fields">{body}</div>
    </fieldset>
  );
}

/**
 * A list of strings edited as lines. The text is kept as typed (an Enter starts a new, still
 * empty line); the value is the non-empty trimmed lines.
 */
export function LinesInput({ id, value, onChange, disabled, invalid, describedBy }: { id: string; value: string[]; onChange(v: string[]): void; disabled?: boolean; invalid?: boolean; describedBy?: string }) {
  const [text, setText] = useState(value.join('\n'));
  const parse = (s: string) => s.split('\n').map((l) => l.trim()).filter(Boolean);
  // Follow outside changes (a loaded object, a reset) without disturbing what is being typed.
  useEffect(() => {
    if (parse(text).join('\n') !== value.join('\n')) setText(value.join('\n'));
  }, [value.join('\n')]);
  return (
    <textarea
      id={id}
      rows={Math.min(8, Math.max(2, value.length + 1))}
      disabled={disabled}
      aria-invalid={invalid || undefined}
      aria-describedby={describedBy}
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        onChange(parse(e.target.value));
      }}
    />
  );
}
