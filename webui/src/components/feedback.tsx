// Feedback for every action: toasts in a polite live region (errors assertive), and a confirm
// dialog (native <dialog>: focus trapped, Escape cancels) for destructive actions.
import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { useI18n } from '../lib/i18n.tsx';

type Kind = 'ok' | 'error' | 'info';
interface Toast {
  id: number;
  kind: Kind;
  text: string;
}
interface Feedback {
  toast(text: string, kind?: Kind): void;
  confirm(text: string, opts?: { confirmLabel?: string; danger?: boolean; details?: ReactNode }): Promise<boolean>;
}
const Ctx = createContext<Feedback>({ toast: () => {}, confirm: async () => false });
export const useFeedback = () => useContext(Ctx);

let nextId = 1;

export function FeedbackProvider({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  const [toasts, setToasts] = useState<Toast[]>([]);
  const [ask, setAsk] = useState<{ text: string; confirmLabel?: string; danger?: boolean; details?: ReactNode; resolve(v: boolean): void } | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);
  const toast = useCallback((text: string, kind: Kind = 'ok') => {
    const id = nextId++;
    setToasts((l) => [...l, { id, kind, text }]);
    // Errors stay until dismissed: they say what to do, and nobody should have to read fast.
    if (kind !== 'error') setTimeout(() => setToasts((l) => l.filter((x) => x.id !== id)), 5_000);
  }, []);
  const confirm = useCallback((text: string, opts: { confirmLabel?: string; danger?: boolean; details?: ReactNode } = {}) => new Promise<boolean>((resolve) => setAsk({ text, ...opts, resolve })), []);
  useEffect(() => {
    if (ask && dialog.current && !dialog.current.open) dialog.current.showModal();
  }, [ask]);
  const close = (v: boolean) => {
    dialog.current?.close();
    ask?.resolve(v);
    setAsk(null);
  };
  return (
    <Ctx.Provider value={{ toast, confirm }}>
      {children}
      <div className="toasts" aria-live="polite">
        {toasts.map((x) => (
          <div key={x.id} className={`toast ${x.kind}`} role={x.kind === 'error' ? 'alert' : 'status'}>
            {x.text}
            <button type="button" className="icon" aria-label={t('common.dismiss')} onClick={() => setToasts((l) => l.filter((y) => y.id !== x.id))}>
              ×
            </button>
          </div>
        ))}
      </div>
      <dialog ref={dialog} className="confirm" onCancel={() => close(false)} aria-labelledby="confirm-text">
        {ask ? (
          <form method="dialog" onSubmit={(e) => (e.preventDefault(), close(true))}>
            <p id="confirm-text">{ask.text}</p>
            {ask.details}
            <div className="actions">
              {/* Destructive questions start on Cancel: Enter alone must not destroy. */}
              <button type="button" onClick={() => close(false)} autoFocus={ask.danger}>
                {t('common.cancel')}
              </button>
              <button type="submit" className={ask.danger ? 'danger primary' : 'primary'} autoFocus={!ask.danger}>
                {ask.confirmLabel ?? t('common.confirm')}
              </button>
            </div>
          </form>
        ) : null}
      </dialog>
    </Ctx.Provider>
  );
}

/** The apply outcome of a write as the API answers it (absent when nothing changed). */
export interface WriteApply {
  ok: boolean;
  pending?: boolean;
  error?: { message: string };
  warnings?: string[];
}

/**
 * One message for every saved change: applied; saved and queued (Asterisk not ready, applied as
 * soon as it is); or saved but refused by Asterisk (the running configuration is unchanged).
 */
export function reportSaved(toast: Feedback['toast'], t: (k: string, v?: Record<string, string | number>) => string, what: string, apply?: WriteApply): void {
  if (apply && !apply.ok && apply.pending) toast(t('form.savedPending', { what }), 'info');
  else if (apply && !apply.ok) toast(t('form.savedNotApplied', { message: apply.error?.message ?? '' }), 'error');
  else toast(t('form.saved', { what }));
  for (const w of apply?.warnings ?? []) toast(t('form.warning', { message: w }), 'error');
}
