// Use cases on the whole configuration. The only writer to the store: validate everything
// first, then one transaction with the rows and the audit entry, then (after commit only)
// ask for an apply. A refused change writes nothing and applies nothing.
import { diffConfigs, summarizeChanges, type ConfigChange } from '../domain/diff.ts';
import { parseConfig } from '../domain/rules.ts';
import type { PbxConfig } from '../domain/model.ts';
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors.ts';
import { collectionOfType, keyOf } from '../domain/collections.ts';
import type { ConfigStore, AuditEntry, AuditQuery, UndoItem } from '../store/config-store.ts';

export interface Actor {
  /** who: a user name, "pbxctl" (root on the box), "system" */
  name: string;
  /** from where: "cli", "api 192.0.2.10", ... */
  source: string;
}

/** The apply side as services see it (implemented by src/apply's Applier). */
export interface ApplyRequester {
  request(): Promise<{ ok: boolean; changed: boolean; pending?: boolean; error?: { message: string; objects: string[]; details: string[] }; warnings?: string[] }>;
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

  private validate(input: unknown, previous?: PbxConfig): PbxConfig {
    const next = parseConfig(input, previous);
    try {
      this.renderCheck(next);
    } catch (err) {
      // A check that knows which field is wrong (a phone template) says so itself.
      if (err instanceof ValidationError) throw err;
      const owner = (err as { owner?: string }).owner;
      throw new ValidationError('the configuration cannot be rendered for Asterisk', [
        { path: [], message: owner ? `${owner}: ${(err as Error).message}` : (err as Error).message },
      ]);
    }
    return next;
  }

  private cache: { revision: number; config: PbxConfig } | undefined;

  /** The current configuration. Shared between callers (cached per revision): do not modify it. */
  get(): PbxConfig {
    const revision = this.store.revision();
    if (this.cache?.revision !== revision) this.cache = { revision, config: this.store.snapshot() };
    return this.cache.config;
  }

  revision(): number {
    return this.store.revision();
  }

  /** What replacing the configuration with `input` would change; validates it all first. */
  diff(input: unknown): ConfigChange[] {
    const current = this.store.snapshot();
    const next = this.validate(input, current);
    return diffConfigs(current, next);
  }

  /**
   * Replaces the whole configuration: all or nothing. Resolves after the apply that includes
   * the change has ended (its result is part of the answer), unless `wait` is false.
   */
  replace(input: unknown, actor: Actor, options: { wait?: boolean; action?: string } = {}): Promise<ReplaceResult> {
    return this.mutate(
      actor,
      { action: options.action ?? 'config.replace', type: 'configuration', key: '*' },
      (_before) => input,
      options,
    );
  }

  /**
   * The one write path: `edit` builds the candidate from the current configuration (a copy);
   * it is validated and rendered, then stored with its audit entry in one transaction — the
   * snapshot, the check and the write happen without anything in between, so two concurrent
   * edits cannot overwrite each other. Then (after commit only) the apply is requested.
   *
   * One audit entry about `target` records the change, or with `auditPerObject` one entry per
   * changed object (action `target.action`, the object's type and key), each revertible on its
   * own: a bulk create shows and undoes like that many single creates, in one revision.
   */
  async mutate(
    actor: Actor,
    target: { action: string; type: string; key: string },
    edit: (draft: PbxConfig) => unknown,
    options: { wait?: boolean; alsoInTransaction?: () => unknown[]; auditPerObject?: boolean } = {},
  ): Promise<ReplaceResult> {
    const { changes, revision } = this.store.transaction(() => {
      // Other rows that belong to the same change (a restore's roles); their own audit details.
      const extra = options.alsoInTransaction?.() ?? [];
      const before = this.store.snapshot();
      const draft = structuredClone(before);
      const produced = edit(draft);
      const next = this.validate(produced === undefined ? draft : produced, before);
      const changes = [...diffConfigs(before, next), ...(extra as ConfigChange[])];
      if (changes.length === 0) return { changes, revision: this.store.revision() };
      const revision = this.store.replaceAll(next);
      const at = new Date().toISOString();
      const entries = options.auditPerObject
        ? groupByObject(changes).map((group) => ({ type: group[0]!.object, key: group[0]!.key, changes: group }))
        : [{ type: target.type, key: target.key, changes }];
      for (const e of entries) {
        this.store.appendAudit({
          at,
          actor: actor.name,
          source: actor.source,
          action: target.action,
          objectType: e.type,
          objectKey: e.key,
          summary: summarizeChanges(e.changes),
          changes: e.changes,
          undo: undoOf(before, e.changes),
          revision,
        });
      }
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

  /**
   * Restores every object an audit entry changed to its state before that entry. Itself an
   * audited change, validated like any other: a revert that would break references is refused.
   */
  revert(auditId: number, actor: Actor, options: { wait?: boolean } = {}): Promise<ReplaceResult> {
    const entry = this.store.auditEntry(auditId);
    if (!entry) throw new NotFoundError(`audit entry ${auditId} does not exist`);
    if (!entry.undo || entry.undo.length === 0) throw new ConflictError(`audit entry ${auditId} (${entry.action}) changed no configuration object; there is nothing to revert`);
    return this.mutate(actor, { action: 'audit.revert', type: entry.objectType ?? 'configuration', key: entry.objectKey ?? `#${auditId}` }, (draft) => {
      applyUndo(draft, entry.undo!);
    }, options);
  }

  auditLog(query?: AuditQuery | number): AuditEntry[] {
    return this.store.auditLog(typeof query === 'number' ? { limit: query } : query);
  }

  auditEntry(id: number): AuditEntry | undefined {
    return this.store.auditEntry(id);
  }

  /** An audit entry that is not a configuration change (logins, user management). */
  record(actor: Actor, action: string, target: { type: string; key: string }, summary: string, details: unknown[] = []): void {
    this.store.appendAudit({
      at: new Date().toISOString(),
      actor: actor.name,
      source: actor.source,
      action,
      objectType: target.type,
      objectKey: target.key,
      summary,
      changes: details as ConfigChange[],
      revision: this.store.revision(),
    });
  }

  /** Runs `fn` in one transaction with the store (an auth change and its audit row together). */
  transaction<T>(fn: () => T): T {
    return this.store.transaction(fn);
  }
}

/** Changes grouped by the object they are about, in first-seen order. */
function groupByObject(changes: ConfigChange[]): ConfigChange[][] {
  const groups = new Map<string, ConfigChange[]>();
  for (const c of changes) {
    const k = `${c.object}\u0000${c.key}`;
    const g = groups.get(k);
    if (g) g.push(c);
    else groups.set(k, [c]);
  }
  return [...groups.values()];
}

/** The state before `changes`, unmasked, so an entry can be reverted. */
function undoOf(before: PbxConfig, changes: ConfigChange[]): UndoItem[] {
  const out: UndoItem[] = [];
  for (const c of changes) {
    const col = collectionOfType(c.object);
    if (col) {
      const items = col.get(before);
      const index = items.findIndex((i) => keyOf(col, i) === c.key);
      out.push({ type: c.object, key: c.key, before: index >= 0 ? structuredClone(items[index]) : null, index });
    } else if (c.object === 'system') out.push({ type: 'system', key: 'settings', before: structuredClone(before.system) });
    else if (c.object === 'emergency numbers') out.push({ type: 'emergency numbers', key: 'emergency', before: [...before.outbound.emergency] });
  }
  // Orders this change made (a move, a reordered import): restored too; others are left alone.
  for (const c of changes) {
    if (c.object === 'trunk order') out.push({ type: 'order', key: 'trunks', before: before.trunks.map((t) => t.name) });
    if (c.object === 'outbound rule order') out.push({ type: 'order', key: 'outbound rules', before: before.outbound.rules.map((r) => r.name) });
    if (c.object === 'calling class order') out.push({ type: 'order', key: 'calling classes', before: before.outbound.classes.map((r) => r.name) });
  }
  return out;
}

function applyUndo(draft: PbxConfig, undo: UndoItem[]): void {
  for (const u of undo) {
    const col = collectionOfType(u.type);
    if (col) {
      // Changed objects are restored where they are now (a later move stays); deleted ones come
      // back at their old place; created ones go.
      const items = [...col.get(draft)];
      const at = items.findIndex((i) => keyOf(col, i) === u.key);
      if (!u.before) {
        if (at >= 0) items.splice(at, 1);
      } else if (at >= 0) items[at] = u.before as Record<string, unknown>;
      else items.splice(Math.min(Math.max(u.index ?? items.length, 0), items.length), 0, u.before as Record<string, unknown>);
      col.set(draft, items);
    } else if (u.type === 'system') draft.system = u.before as PbxConfig['system'];
    else if (u.type === 'emergency numbers') draft.outbound.emergency = u.before as string[];
  }
  for (const u of undo) {
    if (u.type !== 'order') continue;
    const col = collectionOfType(u.key === 'trunks' ? 'trunk' : u.key === 'outbound rules' ? 'outbound rule' : 'calling class');
    if (!col) continue;
    const order = new Map((u.before as string[]).map((k, i) => [k, i]));
    const items = col.get(draft);
    col.set(
      draft,
      [...items].sort((a, b) => (order.get(keyOf(col, a)) ?? Infinity) - (order.get(keyOf(col, b)) ?? Infinity)),
    );
  }
}
