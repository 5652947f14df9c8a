// A permission level per section (roles, API token scopes): one radio group per section, so
// arrow keys move between none/read/write and Tab moves between sections. Levels above the
// editor's own (the "ceiling") are disabled: the API refuses to hand out more than one holds.
import { useId } from 'react';
import { useI18n } from '../lib/i18n.tsx';
import './PermissionMatrix.css';

/** The API's sections (src/domain/auth.ts SECTIONS), in its order. */
export const SECTIONS = [
  'extensions',
  'trunks',
  'routing',
  'groups',
  'ivr',
  'phonebook',
  'switches',
  'services',
  'provisioning',
  'cdr',
  'recordings',
  'privacy',
  'calls',
  'crm',
  'system',
  'users',
  'audit',
] as const;
export type Section = (typeof SECTIONS)[number];
export const LEVELS = ['none', 'read', 'write'] as const;
export type Level = (typeof LEVELS)[number];
export type Permissions = Partial<Record<string, Level | undefined>>;

const RANK: Record<Level, number> = { none: 0, read: 1, write: 2 };

export function levelOf(perms: Permissions | undefined, section: string): Level {
  return perms?.[section] ?? 'none';
}

/** Whether `level` on `section` is within `ceiling` (no ceiling: anything is). */
export function withinCeiling(ceiling: Permissions | undefined, section: string, level: Level): boolean {
  return !ceiling || RANK[level] <= RANK[levelOf(ceiling, section)];
}

/** Whether every level of `perms` is within `ceiling` (a role or user the editor may touch). */
export function permissionsWithin(perms: Permissions, ceiling: Permissions | undefined): boolean {
  return SECTIONS.every((s) => withinCeiling(ceiling, s, levelOf(perms, s)));
}

/** The compact form sent to the API: sections at "none" are left out. */
export function compact(perms: Permissions): Permissions {
  const out: Permissions = {};
  for (const s of SECTIONS) {
    const l = levelOf(perms, s);
    if (l !== 'none') out[s] = l;
  }
  return out;
}

export interface PermissionMatrixProps {
  value: Permissions;
  onChange(next: Permissions): void;
  /** The editor's own permissions: higher levels are disabled. */
  ceiling?: Permissions;
  disabled?: boolean;
  /** Accessible name of the whole matrix. */
  label?: string;
}

export function PermissionMatrix({ value, onChange, ceiling, disabled = false, label }: PermissionMatrixProps) {
  const { t } = useI18n();
  const uid = useId();
  const noteId = `${uid}-ceiling`;
  const limited = ceiling ? SECTIONS.some((s) => LEVELS.some((l) => !withinCeiling(ceiling, s, l))) : false;
  const set = (section: Section, level: Level) => {
    if (disabled || !withinCeiling(ceiling, section, level)) return;
    onChange(compact({ ...value, [section]: level }));
  };
  const setAll = (level: Level) =>
    onChange(compact(Object.fromEntries(SECTIONS.map((s) => [s, withinCeiling(ceiling, s, level) ? level : levelOf(ceiling, s)]))));
  const sectionName = (s: string) => t(`admin.section.${s}.name`);
  return (
    <div className="perm-matrix" role="group" aria-label={label ?? t('admin.matrix.label')} data-testid="permission-matrix">
      {disabled ? null : (
        <div className="perm-tools actions">
          <button type="button" onClick={() => setAll('read')} data-testid="perm-all-read">
            {t('admin.matrix.allRead')}
          </button>
          <button type="button" onClick={() => setAll('none')} data-testid="perm-all-none">
            {t('admin.matrix.allNone')}
          </button>
        </div>
      )}
      {limited && !disabled ? (
        <p className="muted small" id={noteId}>
          {t('admin.matrix.ceilingNote')}
        </p>
      ) : null}
      <div className="perm-rows">
        {SECTIONS.map((s) => {
          const current = levelOf(value, s);
          const capped = LEVELS.some((l) => !withinCeiling(ceiling, s, l));
          return (
            <fieldset key={s} className="perm-row" data-testid={`perm-row-${s}`} aria-describedby={`${uid}-${s}-help${capped && !disabled ? ` ${noteId}` : ''}`}>
              <legend>{sectionName(s)}</legend>
              <p className="perm-help muted small" id={`${uid}-${s}-help`}>
                {t(`admin.section.${s}.help`)}
              </p>
              <div className="perm-levels">
                {LEVELS.map((l) => {
                  const allowed = withinCeiling(ceiling, s, l);
                  return (
                    <label key={l} className={`perm-level level-${l}${allowed ? '' : ' over-ceiling'}`}>
                      <input
                        type="radio"
                        name={`${uid}-${s}`}
                        value={l}
                        checked={current === l}
                        disabled={disabled || !allowed}
                        aria-label={`${sectionName(s)} ${t(`admin.level.${l}`)}`}
                        data-testid={`perm-${s}-${l}`}
                        onChange={() => set(s, l)}
                      />
                      <span aria-hidden="true">{t(`admin.level.${l}`)}</span>
                    </label>
                  );
                })}
              </div>
            </fieldset>
          );
        })}
      </div>
    </div>
  );
}

/** "Extensions: write, Routing: read" — a one-line summary for lists. */
export function summarizePermissions(perms: Permissions, t: (k: string, v?: Record<string, string | number>) => string): string {
  const parts = SECTIONS.filter((s) => levelOf(perms, s) !== 'none').map((s) => `${t(`admin.section.${s}.name`)}: ${t(`admin.level.${levelOf(perms, s)}`)}`);
  return parts.length ? parts.join(', ') : t('admin.matrix.nothing');
}
