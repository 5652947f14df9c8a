// The first-boot wizard's state: shown until an admin completes it. Each change of state is
// stored with its audit row in one transaction; completing twice changes nothing.
import type { ApplianceStateStore, SetupState } from '../store/appliance-state.ts';
import type { Actor, ConfigService } from './config-service.ts';

export type { SetupState };

export class SetupService {
  private readonly store: ApplianceStateStore;
  private readonly config: ConfigService;
  constructor(store: ApplianceStateStore, config: ConfigService) {
    this.store = store;
    this.config = config;
  }

  state(): SetupState {
    return this.store.setup();
  }

  complete(actor: Actor): SetupState {
    return this.config.transaction(() => {
      const current = this.store.setup();
      if (current.completed) return current;
      const next: SetupState = { completed: true, completedAt: new Date().toISOString(), completedBy: actor.name };
      this.store.setSetup(next);
      this.config.record(actor, 'setup.complete', { type: 'setup', key: 'first-boot' }, 'first-boot setup completed');
      return next;
    });
  }

  reset(actor: Actor): SetupState {
    return this.config.transaction(() => {
      const current = this.store.setup();
      if (!current.completed) return current;
      const next: SetupState = { completed: false, completedAt: null, completedBy: null };
      this.store.setSetup(next);
      this.config.record(actor, 'setup.reset', { type: 'setup', key: 'first-boot' }, 'first-boot setup reopened (the wizard shows again)');
      return next;
    });
  }
}
