// The parts every list page and live panel shares: the table with its headings, the pager, and
// the delete that asks first. One place, so that every list reads and behaves the same.
import { useState, type ReactNode } from 'react';
import { api, errorText } from '../lib/api.ts';
import { useI18n } from '../lib/i18n.tsx';
import { useFeedback } from './feedback.tsx';

export interface ListTableProps {
  /** The table's data-testid (end-to-end tests find lists by it). */
  testId?: string;
  className?: string;
  /** Said to screen readers only: what the table holds. */
  caption?: ReactNode;
  /** The column headings, in order. */
  columns: ReactNode[];
  /** A last column of row buttons: its heading is for screen readers only. */
  actions?: boolean;
  /** aria-busy of the body while the rows are on their way. */
  busy?: boolean;
  /** The rows' data: an empty array shows `empty` in a row across the table. */
  rows?: readonly unknown[] | null;
  empty?: ReactNode;
  /** A row across the table says the rows are on their way. */
  loading?: boolean;
  children?: ReactNode;
}

/** A list table that scrolls sideways on a narrow screen rather than squeezing its columns. */
export function ListTable({ testId, className = 'list', caption, columns, actions = false, busy, rows, empty, loading = false, children }: ListTableProps) {
  const { t } = useI18n();
  const span = columns.length + (actions ? 1 : 0);
  return (
    <div className="table-wrap">
      <table className={className} data-testid={testId}>
        {caption !== undefined ? <caption className="sr-only">{caption}</caption> : null}
        <thead>
          <tr>
            {columns.map((c, i) => (
              <th key={i} scope="col">
                {c}
              </th>
            ))}
            {actions ? (
              <th scope="col">
                <span className="sr-only">{t('list.actions')}</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody aria-busy={busy}>
          {children}
          {rows && !rows.length && empty !== undefined ? (
            <tr>
              <td colSpan={span} className="empty">
                {empty}
              </td>
            </tr>
          ) : null}
          {loading ? (
            <tr>
              <td colSpan={span} aria-busy="true">
                {t('common.loading')}
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
    </div>
  );
}

/** Previous / page n of m / next over an offset-and-limit list; `children` go after (a page size). */
export function Pager({ offset, limit, total, onOffset, children }: { offset: number; limit: number; total: number; onOffset(offset: number): void; children?: ReactNode }) {
  const { t } = useI18n();
  return (
    <nav className="pager" aria-label={t('list.pages')}>
      <button type="button" disabled={offset === 0} onClick={() => onOffset(Math.max(0, offset - limit))}>
        {t('list.prev')}
      </button>
      <span>{t('list.page', { n: Math.floor(offset / limit) + 1, of: Math.max(1, Math.ceil(total / limit)) })}</span>
      <button type="button" disabled={offset + limit >= total} onClick={() => onOffset(offset + limit)}>
        {t('list.next')}
      </button>
      {children}
    </nav>
  );
}

export interface DeleteRequest {
  /** The question the reader answers (names what goes). */
  question: string;
  /** The API path to DELETE. */
  path: string;
  /** Toasted once the API deleted it. */
  done: string;
  /** Runs after the deletion (reload the list). */
  after?(): void;
}

/**
 * Asks, deletes, says so; a refusal is toasted. `busy` is the key of what is being deleted (''
 * when nothing is), for disabling the buttons meanwhile.
 */
export function useConfirmedDelete() {
  const { t } = useI18n();
  const { toast, confirm } = useFeedback();
  const [busy, setBusy] = useState('');
  const remove = async (key: string, r: DeleteRequest): Promise<boolean> => {
    if (!(await confirm(r.question, { danger: true, confirmLabel: t('list.delete') }))) return false;
    setBusy(key);
    try {
      await api.del(r.path);
      toast(r.done);
      r.after?.();
      return true;
    } catch (e) {
      toast(errorText(e), 'error');
      return false;
    } finally {
      setBusy('');
    }
  };
  return { busy, remove };
}
