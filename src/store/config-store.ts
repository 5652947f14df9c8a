// Repository of the whole model: snapshot it, replace it, and record audit entries, all inside
// transactions the service layer opens. Rows are written in the order the objects came so an
// export reproduces the input's order (rule order is failover order).
import type { Db } from './db.ts';
import {
  CALL_HANDLING_LISTS,
  pbxConfigSchema,
  type CallingClass,
  type Extension,
  type InboundRoute,
  type OutboundRule,
  type PbxConfig,
  type Trunk,
} from '../domain/model.ts';
import type { ConfigChange } from '../domain/diff.ts';

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  source: string;
  action: string;
  /** The object the action was about ("extension", "configuration", "user", "session"...). */
  objectType?: string;
  objectKey?: string;
  summary: string;
  /** What changed, secrets masked. */
  changes: ConfigChange[];
  revision: number;
  /** State before the change, secrets included: for revert only, never served. */
  undo?: UndoItem[];
}

export interface UndoItem {
  type: string;
  key: string;
  before: unknown;
  index?: number;
}

export interface AuditQuery {
  limit?: number;
  /** Entries with a smaller id (paging backwards). */
  before?: number;
  actor?: string;
  action?: string;
  objectType?: string;
  objectKey?: string;
  from?: string;
  to?: string;
}

type AuditRow = Omit<AuditEntry, 'changes' | 'undo' | 'objectType' | 'objectKey'> & {
  changes: string;
  undo: string | null;
  object_type: string | null;
  object_key: string | null;
};

function auditFromRow(r: AuditRow): AuditEntry {
  const { object_type, object_key, undo, changes, ...rest } = r;
  return {
    ...rest,
    ...(object_type ? { objectType: object_type } : {}),
    ...(object_key ? { objectKey: object_key } : {}),
    changes: JSON.parse(changes) as ConfigChange[],
    ...(undo ? { undo: JSON.parse(undo) as UndoItem[] } : {}),
  };
}

type Row = { data: string };

export class ConfigStore {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  revision(): number {
    const row = this.db.prepare("SELECT value FROM settings WHERE key = 'revision'").get() as { value: string } | undefined;
    return row ? Number(row.value) : 0;
  }

  snapshot(): PbxConfig {
    const db = this.db;
    const system = db.prepare("SELECT value FROM settings WHERE key = 'system'").get() as { value: string } | undefined;
    const featureCodes = db.prepare("SELECT value FROM settings WHERE key = 'featureCodes'").get() as { value: string } | undefined;
    const setting = (key: string) => {
      const row = db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
      return row ? JSON.parse(row.value) : {};
    };
    const devicesByExt = new Map<string, unknown[]>();
    for (const d of db.prepare('SELECT extension, data FROM devices ORDER BY extension, position').all() as { extension: string; data: string }[]) {
      const list = devicesByExt.get(d.extension) ?? [];
      list.push(JSON.parse(d.data));
      devicesByExt.set(d.extension, list);
    }
    const extensions = (db.prepare('SELECT number, data FROM extensions ORDER BY rowid').all() as (Row & { number: string })[]).map((r) => ({
      ...JSON.parse(r.data),
      devices: devicesByExt.get(r.number) ?? [],
    }));
    const list = (sql: string) => (db.prepare(sql).all() as Row[]).map((r) => JSON.parse(r.data));
    const ruleTrunks = new Map<string, string[]>();
    for (const r of db.prepare('SELECT rule, trunk FROM outbound_rule_trunks ORDER BY rule, position').all() as { rule: string; trunk: string }[]) {
      ruleTrunks.set(r.rule, [...(ruleTrunks.get(r.rule) ?? []), r.trunk]);
    }
    const classRules = new Map<string, string[]>();
    for (const r of db.prepare('SELECT class, rule FROM class_rules ORDER BY class, position').all() as { class: string; rule: string }[]) {
      classRules.set(r.class, [...(classRules.get(r.class) ?? []), r.rule]);
    }
    const raw = {
      system: system ? JSON.parse(system.value) : {},
      extensions,
      trunks: list('SELECT data FROM trunks ORDER BY position'),
      inboundRoutes: list('SELECT data FROM inbound_routes ORDER BY position'),
      outbound: {
        rules: list('SELECT data FROM outbound_rules ORDER BY position').map((r: OutboundRule) => ({ ...r, trunks: ruleTrunks.get(r.name) ?? [] })),
        classes: (db.prepare('SELECT name FROM calling_classes ORDER BY position').all() as { name: string }[]).map((c) => ({
          name: c.name,
          rules: classRules.get(c.name) ?? [],
        })),
        emergency: (db.prepare('SELECT number FROM emergency_numbers ORDER BY position').all() as { number: string }[]).map((r) => r.number),
      },
      amiUsers: list('SELECT data FROM ami_users ORDER BY position'),
      webhooks: list('SELECT data FROM webhooks ORDER BY position'),
      phonebook: list('SELECT data FROM phonebook ORDER BY position'),
      ...this.callHandling(),
      featureCodes: featureCodes ? JSON.parse(featureCodes.value) : {},
      mail: setting('mail'),
      services: setting('services'),
      provisioning: setting('provisioning'),
      directory: setting('directory'),
      snmp: setting('snmp'),
      cdr: setting('cdr'),
    };
    // An empty database has no emergency rows yet; the schema's defaults fill it.
    if (!this.initialized()) return pbxConfigSchema.parse({ system: raw.system });
    return pbxConfigSchema.parse(raw);
  }

  private callHandling(): Record<string, unknown[]> {
    const out: Record<string, unknown[]> = Object.fromEntries(CALL_HANDLING_LISTS.map(([list]) => [list, []]));
    for (const r of this.db.prepare('SELECT list, data FROM call_handling ORDER BY list, position').all() as { list: string; data: string }[]) {
      out[r.list]?.push(JSON.parse(r.data));
    }
    return out;
  }

  private initialized(): boolean {
    return this.db.prepare("SELECT 1 FROM settings WHERE key = 'system'").get() !== undefined;
  }

  /** Replaces the whole model. Call inside transaction(); the config must already be validated. */
  replaceAll(config: PbxConfig): number {
    const db = this.db;
    for (const t of ['class_rules', 'outbound_rule_trunks', 'devices', 'extensions', 'inbound_routes', 'outbound_rules', 'trunks', 'calling_classes', 'emergency_numbers', 'ami_users', 'webhooks', 'phonebook', 'call_handling']) {
      db.prepare(`DELETE FROM ${t}`).run();
    }
    const setting = db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
    setting.run('system', JSON.stringify(config.system));

    const insClass = db.prepare('INSERT INTO calling_classes (name, position) VALUES (?, ?)');
    config.outbound.classes.forEach((c: CallingClass, i) => insClass.run(c.name, i));
    const insExt = db.prepare('INSERT INTO extensions (number, class, data) VALUES (?, ?, ?)');
    const insDev = db.prepare('INSERT INTO devices (username, extension, position, data) VALUES (?, ?, ?, ?)');
    for (const ext of config.extensions as Extension[]) {
      const { devices, ...data } = ext;
      insExt.run(ext.number, ext.class ?? null, JSON.stringify(data));
      devices.forEach((d, i) => insDev.run(d.username, ext.number, i, JSON.stringify(d)));
    }
    const insTrunk = db.prepare('INSERT INTO trunks (name, position, data) VALUES (?, ?, ?)');
    config.trunks.forEach((t: Trunk, i) => insTrunk.run(t.name, i, JSON.stringify(t)));
    const insRoute = db.prepare('INSERT INTO inbound_routes (did, position, data) VALUES (?, ?, ?)');
    config.inboundRoutes.forEach((r: InboundRoute, i) => insRoute.run(r.did, i, JSON.stringify(r)));
    const insRule = db.prepare('INSERT INTO outbound_rules (name, position, data) VALUES (?, ?, ?)');
    const insRuleTrunk = db.prepare('INSERT INTO outbound_rule_trunks (rule, trunk, position) VALUES (?, ?, ?)');
    config.outbound.rules.forEach((r: OutboundRule, i) => {
      const { trunks, ...data } = r;
      insRule.run(r.name, i, JSON.stringify(data));
      trunks.forEach((t, j) => insRuleTrunk.run(r.name, t, j));
    });
    const insClassRule = db.prepare('INSERT INTO class_rules (class, rule, position) VALUES (?, ?, ?)');
    config.outbound.classes.forEach((c) => c.rules.forEach((r, j) => insClassRule.run(c.name, r, j)));
    const insEm = db.prepare('INSERT INTO emergency_numbers (number, position) VALUES (?, ?)');
    config.outbound.emergency.forEach((n, i) => insEm.run(n, i));

    const insAmi = db.prepare('INSERT INTO ami_users (username, position, data) VALUES (?, ?, ?)');
    config.amiUsers.forEach((u, i) => insAmi.run(u.username, i, JSON.stringify(u)));
    const insHook = db.prepare('INSERT INTO webhooks (name, position, data) VALUES (?, ?, ?)');
    config.webhooks.forEach((w, i) => insHook.run(w.name, i, JSON.stringify(w)));
    const insContact = db.prepare('INSERT INTO phonebook (id, position, data) VALUES (?, ?, ?)');
    config.phonebook.forEach((c, i) => insContact.run(c.id, i, JSON.stringify(c)));
    const insObject = db.prepare('INSERT INTO call_handling (list, key, position, data) VALUES (?, ?, ?, ?)');
    for (const [list, keyField] of CALL_HANDLING_LISTS) {
      (config[list] as Record<string, unknown>[]).forEach((o, i) => insObject.run(list, String(o[keyField]), i, JSON.stringify(o)));
    }
    setting.run('featureCodes', JSON.stringify(config.featureCodes));
    setting.run('mail', JSON.stringify(config.mail));
    setting.run('services', JSON.stringify(config.services));
    setting.run('provisioning', JSON.stringify(config.provisioning));
    setting.run('directory', JSON.stringify(config.directory));
    setting.run('snmp', JSON.stringify(config.snmp));
    setting.run('cdr', JSON.stringify(config.cdr));

    const revision = this.revision() + 1;
    setting.run('revision', String(revision));
    return revision;
  }

  appendAudit(entry: Omit<AuditEntry, 'id'>): number {
    const r = this.db
      .prepare(
        'INSERT INTO audit_log (at, actor, source, action, summary, changes, revision, object_type, object_key, undo) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        entry.at,
        entry.actor,
        entry.source,
        entry.action,
        entry.summary,
        JSON.stringify(entry.changes),
        entry.revision,
        entry.objectType ?? null,
        entry.objectKey ?? null,
        entry.undo ? JSON.stringify(entry.undo) : null,
      );
    return Number(r.lastInsertRowid);
  }

  auditLog(query: AuditQuery = {}): AuditEntry[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    const eq = (col: string, v: string | number | undefined) => {
      if (v === undefined) return;
      where.push(`${col} = ?`);
      args.push(v);
    };
    eq('actor', query.actor);
    eq('action', query.action);
    eq('object_type', query.objectType);
    eq('object_key', query.objectKey);
    if (query.before !== undefined) {
      where.push('id < ?');
      args.push(query.before);
    }
    if (query.from !== undefined) {
      where.push('at >= ?');
      args.push(query.from);
    }
    if (query.to !== undefined) {
      where.push('at < ?');
      args.push(query.to);
    }
    const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, query.limit ?? 100) as AuditRow[]).map(auditFromRow);
  }

  auditEntry(id: number): AuditEntry | undefined {
    const r = this.db.prepare('SELECT * FROM audit_log WHERE id = ?').get(id) as AuditRow | undefined;
    return r ? auditFromRow(r) : undefined;
  }
}
