// References to other objects as searchable drop-downs. The list is searched on the server
// (?q=), so it stays fast with 10,000 extensions; the native datalist keeps it keyboard- and
// screen-reader-friendly without a widget library.
import { useEffect, useId, useState } from 'react';
import { api, type ListResult } from '../lib/api.ts';
import { useI18n } from '../lib/i18n.tsx';

const KEY: Record<string, string> = { extensions: 'number', 'voicemail-boxes': 'number', trunks: 'name', 'outbound-rules': 'name', 'calling-classes': 'name', 'inbound-routes': 'did', 'ami-users': 'username', webhooks: 'name', phonebook: 'id' };
const LABEL: Record<string, string> = { extensions: 'name', 'voicemail-boxes': 'name', trunks: 'host', phonebook: 'name' };

export interface Option {
  value: string;
  label: string;
}

/** Options matching `q` in a collection (first 20), with a label beside each key. */
export function useOptions(collection: string, q: string): Option[] {
  const [opts, setOpts] = useState<Option[]>([]);
  useEffect(() => {
    let live = true;
    const timer = setTimeout(() => {
      api
        .get<ListResult>(`/${collection}`, { q, limit: 20 })
        .then((r) => {
          if (!live) return;
          const k = KEY[collection] ?? 'name';
          // Named objects (IVRs, queues, prompts) are told apart by their description.
          const l = LABEL[collection] ?? 'description';
          setOpts(r.items.map((i) => ({ value: String(i[k]), label: i[l] ? String(i[l]) : '' })));
        })
        .catch(() => live && setOpts([]));
    }, 150);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [collection, q]);
  return opts;
}

type InputAttrs = { id?: string; disabled?: boolean; 'aria-invalid'?: boolean; 'aria-describedby'?: string; 'aria-required'?: boolean };

export function RefInput({ collection, value, onChange, ...attrs }: InputAttrs & { collection: string; value: string; onChange(v: string): void }) {
  const listId = useId();
  const opts = useOptions(collection, value);
  const { t } = useI18n();
  return (
    <>
      <input {...attrs} type="text" list={listId} autoComplete="off" placeholder={t('form.searchPlaceholder')} value={value} onChange={(e) => onChange(e.target.value)} />
      <datalist id={listId}>
        {opts.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </datalist>
    </>
  );
}

/** An ordered list of references (trunks of a rule: tried in order). */
export function RefList({ id, collection, value, onChange, disabled, describedBy }: { id: string; collection: string; value: string[]; onChange(v: string[]): void; disabled?: boolean; describedBy?: string }) {
  const { t } = useI18n();
  const [pick, setPick] = useState('');
  const move = (i: number, d: number) => {
    const next = [...value];
    const [x] = next.splice(i, 1);
    next.splice(i + d, 0, x!);
    onChange(next);
  };
  const add = () => {
    if (pick && !value.includes(pick)) onChange([...value, pick]);
    setPick('');
  };
  return (
    <div className="ref-list">
      {value.length ? (
        <ol>
          {value.map((v, i) => (
            <li key={v}>
              <span className="mono">{v}</span>
              <button type="button" className="icon" disabled={disabled || i === 0} onClick={() => move(i, -1)} aria-label={t('form.moveUp', { what: v })}>
                ↑
              </button>
              <button type="button" className="icon" disabled={disabled || i === value.length - 1} onClick={() => move(i, 1)} aria-label={t('form.moveDown', { what: v })}>
                ↓
              </button>
              <button type="button" className="icon danger" disabled={disabled} onClick={() => onChange(value.filter((x) => x !== v))} aria-label={t('form.removeWhat', { what: v })}>
                ×
              </button>
            </li>
          ))}
        </ol>
      ) : (
        <p className="muted">{t('form.noneYet')}</p>
      )}
      <div className="row">
        <RefInput
          id={id}
          collection={collection}
          value={pick}
          onChange={setPick}
          disabled={disabled}
          {...(describedBy ? { 'aria-describedby': describedBy } : {})}
        />
        <button type="button" disabled={disabled || !pick} onClick={add}>
          {t('form.addShort')}
        </button>
      </div>
    </div>
  );
}
