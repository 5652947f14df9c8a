// Small key/value state of the box that is not PBX configuration (table appliance_state): the
// first-boot setup so far. Outside the model on purpose: not exported, backed up, diffed or
// reverted with it. Writes join the caller's transaction (ConfigService.transaction).
import type { Db } from './db.ts';

export interface SetupState {
  completed: boolean;
  completedAt: string | null;
  completedBy: string | null;
}

const SETUP_KEY = 'setup';

export class ApplianceStateStore {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  get(key: string): string | undefined {
    return (this.db.prepare('SELECT value FROM appliance_state WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  }

  set(key: string, value: string): void {
    this.db.prepare('INSERT INTO appliance_state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  setup(): SetupState {
    const raw = this.get(SETUP_KEY);
    if (!raw) return { completed: false, completedAt: null, completedBy: null };
    const v = JSON.parse(raw) as Partial<SetupState>;
    return { completed: v.completed === true, completedAt: v.completedAt ?? null, completedBy: v.completedBy ?? null };
  }

  setSetup(state: SetupState): void {
    this.set(SETUP_KEY, JSON.stringify(state));
  }
}
