// Object-level difference between two configurations: what `pbxctl diff` shows and what the
// audit log records. Secrets are masked here so no caller can leak them by printing a change.
import { CALL_HANDLING_LISTS, type PbxConfig } from './model.ts';

export type ChangeKind = 'added' | 'removed' | 'changed';
export interface ConfigChange {
  /** e.g. "extension", "trunk", "system" */
  object: string;
  /** identity of the object, e.g. "201" or "carrier1" */
  key: string;
  change: ChangeKind;
  before?: unknown;
  after?: unknown;
}

const SECRET_KEYS = new Set(['password', 'secret', 'pin', 'adminPin', 'adminPassword', 'bindPassword', 'authKey', 'privKey']);

/** Deep copy with every secret replaced; `changed` secrets are told apart from equal ones. */
export function maskSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, SECRET_KEYS.has(k) && typeof v === 'string' ? '********' : maskSecrets(v)]),
    );
  }
  return value;
}

function stable(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

function diffList<T>(object: string, before: T[], after: T[], key: (t: T) => string): ConfigChange[] {
  const out: ConfigChange[] = [];
  const b = new Map(before.map((t) => [key(t), t]));
  const a = new Map(after.map((t) => [key(t), t]));
  for (const [k, v] of b) {
    const next = a.get(k);
    if (next === undefined) out.push({ object, key: k, change: 'removed', before: maskSecrets(v) });
    else if (stable(v) !== stable(next)) {
      // A changed secret must still show as a change, though both sides are masked.
      const secretNote = stable(maskSecrets(v)) === stable(maskSecrets(next)) ? { secrets: 'changed' } : {};
      out.push({ object, key: k, change: 'changed', before: maskSecrets(v), after: { ...(maskSecrets(next) as object), ...secretNote } });
    }
  }
  for (const [k, v] of a) if (!b.has(k)) out.push({ object, key: k, change: 'added', after: maskSecrets(v) });
  return out;
}

export function diffConfigs(before: PbxConfig, after: PbxConfig): ConfigChange[] {
  const changes: ConfigChange[] = [];
  if (stable(before.system) !== stable(after.system))
    changes.push({ object: 'system', key: 'settings', change: 'changed', before: before.system, after: after.system });
  changes.push(...diffList('extension', before.extensions, after.extensions, (e) => e.number));
  changes.push(...diffList('trunk', before.trunks, after.trunks, (t) => t.name));
  changes.push(...diffList('inbound route', before.inboundRoutes, after.inboundRoutes, (r) => r.did));
  changes.push(...diffList('outbound rule', before.outbound.rules, after.outbound.rules, (r) => r.name));
  changes.push(...diffList('calling class', before.outbound.classes, after.outbound.classes, (c) => c.name));
  changes.push(...diffList('AMI user', before.amiUsers, after.amiUsers, (u) => u.username));
  changes.push(...diffList('webhook', before.webhooks, after.webhooks, (w) => w.name));
  changes.push(...diffList('contact', before.phonebook, after.phonebook, (c) => c.id));
  for (const [list, keyField, type] of CALL_HANDLING_LISTS) {
    changes.push(...diffList(type, before[list] as Record<string, unknown>[], after[list] as Record<string, unknown>[], (o) => String(o[keyField])));
  }
  if (stable(before.featureCodes) !== stable(after.featureCodes))
    changes.push({ object: 'feature codes', key: 'featureCodes', change: 'changed', before: before.featureCodes, after: after.featureCodes });
  // The other singletons (the relay's password masked like every secret).
  for (const [key, object] of [['mail', 'mail settings'], ['services', 'service settings'], ['provisioning', 'provisioning settings'], ['directory', 'directory settings'], ['snmp', 'SNMP settings'], ['cdr', 'CDR settings']] as const) {
    if (stable(before[key]) !== stable(after[key])) {
      const secretNote = stable(maskSecrets(before[key])) === stable(maskSecrets(after[key])) ? { secrets: 'changed' } : {};
      changes.push({ object, key, change: 'changed', before: maskSecrets(before[key]), after: { ...(maskSecrets(after[key]) as object), ...secretNote } });
    }
  }
  if (stable(before.outbound.emergency) !== stable(after.outbound.emergency))
    changes.push({ object: 'emergency numbers', key: 'emergency', change: 'changed', before: before.outbound.emergency, after: after.outbound.emergency });
  // Order matters for trunks (emergency failover order), rules and classes (match order): a
  // change of the relative order of the objects on both sides is a change of its own.
  for (const [object, b, a] of [
    ['trunk order', before.trunks.map((t) => t.name), after.trunks.map((t) => t.name)],
    ['outbound rule order', before.outbound.rules.map((r) => r.name), after.outbound.rules.map((r) => r.name)],
    ['calling class order', before.outbound.classes.map((c) => c.name), after.outbound.classes.map((c) => c.name)],
  ] as const) {
    if (relativeOrderChanged(b, a)) changes.push({ object, key: 'order', change: 'changed', before: b, after: a });
  }
  return changes;
}

export function summarizeChanges(changes: ConfigChange[]): string {
  if (changes.length === 0) return 'no changes';
  const counts = new Map<string, number>();
  for (const c of changes) counts.set(c.change, (counts.get(c.change) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
}

/** Whether the objects present in both lists appear in a different order. */
export function relativeOrderChanged(before: readonly string[], after: readonly string[]): boolean {
  const inAfter = new Set(after);
  const inBefore = new Set(before);
  const b = before.filter((k) => inAfter.has(k));
  const a = after.filter((k) => inBefore.has(k));
  return b.some((k, i) => a[i] !== k);
}
