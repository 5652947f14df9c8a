// Use cases on the whole configuration. The only writer to the store: validate everything
// first, then one transaction with the rows and the audit entry, then (after commit only)
// ask for an apply. A refused change writes nothing and applies nothing.
import { diffConfigs, summarizeChanges, type ConfigChange } from '../domain/diff.ts';
import { parseConfig } from '../domain/rules.ts';
import type { PbxConfig } from '../domain/model.ts';
import { ValidationError } from '../domain/errors.ts';
import type { ConfigStore, AuditEntry } from '../store/config-store.ts';

export interface Actor {
  /** who: a user name, "pbxctl" (root on the box), "system" */
  name: string;
  /** from where: "cli", "api 192.0.2.10", ... */
  source: string;
}

/** The apply side as services see it (implemented by src/apply's Applier). */
export interface ApplyRequester {
  request(): Promise<{ ok: boolean; changed: boolean; pending?: boolean; error?: { message: string; objects: string[]; details: string[] } }>;
  /** Whether Asterisk runs the configuration of this revision. */
  inSync(revision: number): boolean;
}

export interface ReplaceResult {
  changes: ConfigChange[];
  revision: number;
  apply?: Awaited<ReturnType<ApplyRequester['request']>>;
}

/**
 * Checks a candidate configuration can be rendered, before anything is written (the renderer
 * is the last guard against text that would break an Asterisk file). Throws on refusal.
 */
export type RenderCheck = (config: PbxConfig) => void;

export class ConfigService {
  private readonly store: ConfigStore;
  private readonly applier: ApplyRequester;
  private readonly renderCheck: RenderCheck;
  constructor(store: ConfigStore, applier: ApplyRequester, renderCheck: RenderCheck = () => {}) {
    this.store = store;
    this.applier = applier;
    this.renderCheck = renderCheck;
  }

  private validate(input: unknown): PbxConfig {
    const next = parseConfig(input);
    try {
      this.renderCheck(next);
    } catch (err) {
      const owner = (err as { owner?: string }).owner;
      throw new ValidationError('the configuration cannot be rendered for Asterisk', [
        { path: [], message: owner ? `${owner}: ${(err as Error).message}` : (err as Error).message },
      ]);
    }
    return next;
  }

  get(): PbxConfig {
    return this.store.snapshot();
  }

  revision(): number {
    return this.store.revision();
  }

  /** What replacing the configuration with `input` would change; validates it all first. */
  diff(input: unknown): ConfigChange[] {
    const next = this.validate(input);
    return diffConfigs(this.store.snapshot(), next);
  }

  /**
   * Replaces the whole configuration: all or nothing. Resolves after the apply that includes
   * the change has ended (its result is part of the answer), unless `wait` is false.
   */
  async replace(input: unknown, actor: Actor, options: { wait?: boolean } = {}): Promise<ReplaceResult> {
    const next = this.validate(input);
    const { changes, revision } = this.store.transaction(() => {
      const before = this.store.snapshot();
      const changes = diffConfigs(before, next);
      if (changes.length === 0) return { changes, revision: this.store.revision() };
      const revision = this.store.replaceAll(next);
      this.store.appendAudit({
        at: new Date().toISOString(),
        actor: actor.name,
        source: actor.source,
        action: 'config.replace',
        summary: summarizeChanges(changes),
        changes,
        revision,
      });
      return { changes, revision };
    });
    // Nothing new to store; but if Asterisk does not run this revision yet (an earlier apply
    // failed or is pending), applying the same file again is how an admin retries.
    if (changes.length === 0 && this.applier.inSync(revision)) return { changes, revision };
    const pending = this.applier.request();
    if (options.wait === false) {
      pending.catch(() => undefined);
      return { changes, revision };
    }
    return { changes, revision, apply: await pending };
  }

  auditLog(limit?: number): AuditEntry[] {
    return this.store.auditLog(limit);
  }
}
