// Object-level use cases over the model's collections (src/domain/collections.ts): list with
// search/filter/sort/paging, get, create, replace, patch, delete, move. Each write is one
// ConfigService.mutate: validated against the whole model, stored with its audit row in one
// transaction, applied after commit. Errors carry paths relative to the object.
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { COLLECTIONS, keyOf, numberOwner, referrersOf, type Collection } from '../domain/collections.ts';
import { ConflictError, NotFoundError, ValidationError, formatPath, type FieldError, type FieldPath } from '../domain/errors.ts';
import { systemSchema, type PbxConfig } from '../domain/model.ts';
import type { Actor, ConfigService, ReplaceResult } from './config-service.ts';
import { zodError } from './auth-service.ts';
import { generateSecret } from '../domain/password.ts';

export interface ListQuery {
  q?: string;
  filters?: Record<string, string>;
  /** field name, "-field" for descending */
  sort?: string;
  limit?: number;
  offset?: number;
}

export interface ListResult<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export interface WriteResult<T> {
  item: T;
  revision: number;
  apply?: ReplaceResult['apply'];
}

export interface BulkResult<T> {
  items: T[];
  revision: number;
  apply?: ReplaceResult['apply'];
}

/** What an import (upsertMany) did: objects added, changed, and named but already as given. */
export interface UpsertResult {
  created: number;
  updated: number;
  unchanged: number;
  revision: number;
  apply?: ReplaceResult['apply'];
}

type Item = Record<string, unknown>;

/** Most objects one bulk create takes (the body limit of 1 MB allows about that many extensions). */
export const BULK_MAX = 1000;
const bulkBodySchema = z.object({ items: z.array(z.unknown()).min(1, 'at least one item').max(BULK_MAX, `at most ${BULK_MAX} items`) }).strict();

/** RFC 7386 JSON merge patch. The model is shallow: a deeper patch is refused, not recursed into. */
export function mergePatch(target: unknown, patch: unknown, depth = 0): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  if (depth > 16) throw new ValidationError('the patch is nested too deeply', [{ path: [], message: 'at most 16 levels' }]);
  const out: Record<string, unknown> = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Item) } : {};
  for (const [k, v] of Object.entries(patch as Item)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v, depth + 1);
  }
  return out;
}

function startsWith(path: FieldPath, prefix: FieldPath): boolean {
  return prefix.every((p, i) => path[i] === p);
}

export class ResourceService {
  private readonly config: ConfigService;
  constructor(config: ConfigService) {
    this.config = config;
  }

  collection(path: string): Collection {
    const col = COLLECTIONS.find((c) => c.path === path);
    if (!col) throw new NotFoundError(`no such collection ${path}`);
    return col;
  }

  list(col: Collection, query: ListQuery): ListResult<Item> {
    let items = col.get(this.config.get());
    const q = query.q?.trim().toLowerCase();
    const text = (v: unknown) => (v && typeof v === 'object' ? JSON.stringify(v) : String(v ?? '')).toLowerCase();
    if (q) items = items.filter((i) => col.search.some((f) => text(i[f]).includes(q)));
    for (const [field, value] of Object.entries(query.filters ?? {})) {
      if (!col.fields.includes(field)) throw new ValidationError('unknown filter', [{ path: [field], message: `filter on one of: ${col.fields.join(', ')}` }]);
      items = items.filter((i) => String(i[field] ?? '') === value);
    }
    if (query.sort) {
      const desc = query.sort.startsWith('-');
      const field = desc ? query.sort.slice(1) : query.sort;
      if (!col.fields.includes(field)) throw new ValidationError('unknown sort field', [{ path: ['sort'], message: `sort by one of: ${col.fields.join(', ')}` }]);
      const cmp = (a: Item, b: Item) => String(a[field] ?? '').localeCompare(String(b[field] ?? ''), 'en', { numeric: true });
      items = [...items].sort((a, b) => (desc ? -cmp(a, b) : cmp(a, b)));
    }
    const limit = Math.min(Math.max(query.limit ?? 50, 1), 1000);
    const offset = Math.max(query.offset ?? 0, 0);
    return { items: items.slice(offset, offset + limit), total: items.length, limit, offset };
  }

  get(col: Collection, key: string): Item {
    key = col.normalizeKey ? col.normalizeKey(key) : key;
    const item = col.get(this.config.get()).find((i) => keyOf(col, i) === key);
    if (!item) throw new NotFoundError(`${col.type} ${key} does not exist`);
    return item;
  }

  /** Fills the secrets the box generates for objects created without them (a phone's admin password). */
  private withGenerated(col: Collection, body: unknown): unknown {
    if (!col.generated || !body || typeof body !== 'object' || Array.isArray(body)) return body;
    const out = { ...(body as Item) };
    for (const f of col.generated) if (out[f] === undefined || out[f] === '') out[f] = generateSecret('sip');
    return out;
  }

  /** Parses one object on its own, so errors name its fields (not its place in the model). */
  private parseItem(col: Collection, body: unknown): Item {
    const parsed = col.schema.safeParse(body);
    if (!parsed.success) throw zodError(parsed.error, `the ${col.type} is invalid`);
    return parsed.data as Item;
  }

  /**
   * Runs a mutation of one object. Model-wide errors about this object come back with paths
   * relative to it; collisions with other objects (a number already used) are conflicts.
   */
  private async write(col: Collection, actor: Actor, action: string, key: string, edit: (draft: PbxConfig) => void): Promise<ReplaceResult> {
    let index = -1;
    try {
      return await this.config.mutate(actor, { action, type: col.type, key }, (draft) => {
        edit(draft);
        index = col.get(draft).findIndex((i) => keyOf(col, i) === key);
      });
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      const own = [...col.base, index];
      const fields: FieldError[] = err.fields.map((f) => (index >= 0 && startsWith(f.path, own) ? { ...f, path: f.path.slice(own.length) } : f));
      if (fields.length > 0 && fields.every((f) => f.conflict)) throw new ConflictError(fields.map((f) => f.message).join('; '), fields);
      throw new ValidationError(err.message, fields);
    }
  }

  async create(col: Collection, body: unknown, actor: Actor, position?: number): Promise<WriteResult<Item>> {
    const item = this.parseItem(col, this.withGenerated(col, body));
    const key = keyOf(col, item);
    const current = this.config.get();
    if (col.get(current).some((i) => keyOf(col, i) === key))
      throw new ConflictError(`${col.type} ${key} already exists`, [{ path: [col.keyField], message: 'already exists' }]);
    if (col.type === 'extension') {
      const owner = numberOwner(current, key);
      if (owner) throw new ConflictError(`number ${key} is already used by ${owner}`, [{ path: ['number'], message: `already used by ${owner}` }]);
    }
    const r = await this.write(col, actor, `${col.path}.create`, key, (draft) => {
      const items = [...col.get(draft)];
      if (items.some((i) => keyOf(col, i) === key)) throw new ConflictError(`${col.type} ${key} already exists`);
      items.splice(position === undefined ? items.length : Math.min(Math.max(position, 0), items.length), 0, item);
      col.set(draft, items);
    });
    return { item: this.get(col, key), revision: r.revision, ...(r.apply ? { apply: r.apply } : {}) };
  }

  /**
   * Creates several objects all or nothing: one mutate (one validation of the whole model, one
   * render check, one transaction, one apply), one audit entry per object. Errors name the
   * item: `items[3].number`. A key or number already taken, by an existing object or an
   * earlier item, is a conflict.
   */
  async createMany(col: Collection, body: unknown, actor: Actor): Promise<BulkResult<Item>> {
    const envelope = bulkBodySchema.safeParse(body);
    if (!envelope.success) throw zodError(envelope.error, `send { "items": [...] } with 1 to ${BULK_MAX} ${col.type}s`);
    const raw = envelope.data.items;
    const items: Item[] = [];
    const invalid: FieldError[] = [];
    raw.forEach((value, i) => {
      const parsed = col.schema.safeParse(this.withGenerated(col, value));
      if (parsed.success) items.push(parsed.data as Item);
      else for (const issue of parsed.error.issues) invalid.push({ path: ['items', i, ...issue.path.filter((p): p is string | number => typeof p !== 'symbol')], message: issue.message });
    });
    if (invalid.length) throw new ValidationError(`${new Set(invalid.map((f) => f.path[1])).size} of the ${raw.length} ${col.type}s are invalid`, invalid);

    const current = this.config.get();
    const existing = new Set(col.get(current).map((i) => keyOf(col, i)));
    const seen = new Map<string, number>();
    const conflicts: FieldError[] = [];
    items.forEach((item, i) => {
      const key = keyOf(col, item);
      const path = ['items', i, col.keyField];
      const earlier = seen.get(key);
      if (earlier !== undefined) conflicts.push({ path, message: `${key} is also items[${earlier}]`, conflict: true });
      else if (existing.has(key)) conflicts.push({ path, message: `${col.type} ${key} already exists`, conflict: true });
      else if (col.type === 'extension') {
        const owner = numberOwner(current, key);
        if (owner) conflicts.push({ path, message: `already used by ${owner}`, conflict: true });
      }
      if (earlier === undefined) seen.set(key, i);
    });
    if (conflicts.length) throw new ConflictError(conflicts.map((f) => `${formatPath(f.path)}: ${f.message}`).join('; '), conflicts);

    let start = -1;
    let r: ReplaceResult;
    try {
      r = await this.config.mutate(
        actor,
        { action: `${col.path}.create`, type: col.type, key: `${items.length} ${col.type}s` },
        (draft) => {
          const list = col.get(draft);
          const taken = new Set(list.map((i) => keyOf(col, i)));
          const clash = items.findIndex((i) => taken.has(keyOf(col, i)));
          if (clash >= 0) throw new ConflictError(`${col.type} ${keyOf(col, items[clash]!)} already exists`, [{ path: ['items', clash, col.keyField], message: 'already exists', conflict: true }]);
          start = list.length;
          col.set(draft, [...list, ...items]);
        },
        { auditPerObject: true },
      );
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      // Model-wide errors about a new object: [...base, start + i, ...rest] → ['items', i, ...rest].
      const fields: FieldError[] = err.fields.map((f) => {
        const at = f.path[col.base.length];
        if (start < 0 || !startsWith(f.path, col.base) || typeof at !== 'number' || at < start || at >= start + items.length) return f;
        return { ...f, path: ['items', at - start, ...f.path.slice(col.base.length + 1)] };
      });
      if (fields.length > 0 && fields.every((f) => f.conflict)) throw new ConflictError(fields.map((f) => `${formatPath(f.path)}: ${f.message}`).join('; '), fields);
      throw new ValidationError(err.message, fields);
    }
    const stored = new Map(col.get(this.config.get()).map((i) => [keyOf(col, i), i]));
    return { items: items.map((i) => stored.get(keyOf(col, i))!), revision: r.revision, ...(r.apply ? { apply: r.apply } : {}) };
  }

  /**
   * Creates or replaces several objects all or nothing (an import): an item whose key exists
   * replaces that object where it is, the others are appended. One mutate, one audit entry per
   * changed object. A generated secret left out keeps the existing object's (a new object gets
   * one generated, as in create). Errors name the item: items[3].mac; two items with one key
   * are both named.
   */
  async upsertMany(col: Collection, items: unknown[], actor: Actor): Promise<UpsertResult> {
    if (items.length === 0) throw new ValidationError(`no ${col.type}s to store`, [{ path: ['items'], message: 'at least one item' }]);
    const existing = new Map(col.get(this.config.get()).map((i) => [keyOf(col, i), i]));
    const parsed: Item[] = [];
    const errors: FieldError[] = [];
    items.forEach((value, i) => {
      let body = value;
      if (col.generated && value && typeof value === 'object' && !Array.isArray(value)) {
        const raw = (value as Item)[col.keyField];
        const before = typeof raw === 'string' ? existing.get(col.normalizeKey ? col.normalizeKey(raw.trim()) : raw) : undefined;
        if (before) {
          const m = { ...(value as Item) };
          for (const f of col.generated) if (m[f] === undefined || m[f] === '') m[f] = before[f];
          body = m;
        }
      }
      const r = col.schema.safeParse(this.withGenerated(col, body));
      if (r.success) parsed.push(r.data as Item);
      else for (const issue of r.error.issues) errors.push({ path: ['items', i, ...issue.path.filter((p): p is string | number => typeof p !== 'symbol')], message: issue.message });
    });
    if (errors.length === 0) {
      const seen = new Map<string, number>();
      parsed.forEach((item, i) => {
        const key = keyOf(col, item);
        const earlier = seen.get(key);
        if (earlier === undefined) seen.set(key, i);
        else errors.push({ path: ['items', i, col.keyField], message: `${key} is also items[${earlier}]`, conflict: true });
      });
    }
    if (errors.length) {
      const bad = new Set(errors.map((f) => f.path[1])).size;
      if (errors.every((f) => f.conflict)) throw new ConflictError(errors.map((f) => `${formatPath(f.path)}: ${f.message}`).join('; '), errors);
      throw new ValidationError(`${bad} of the ${items.length} ${col.type}s are invalid`, errors);
    }

    /** Position in the stored list → index of the item placed there. */
    const placed = new Map<number, number>();
    let created = 0;
    let updated = 0;
    let r: ReplaceResult;
    try {
      r = await this.config.mutate(
        actor,
        { action: `${col.path}.import`, type: col.type, key: `${parsed.length} ${col.type}s` },
        (draft) => {
          const list = [...col.get(draft)];
          const at = new Map(list.map((x, j) => [keyOf(col, x), j]));
          placed.clear();
          created = 0;
          updated = 0;
          parsed.forEach((item, i) => {
            const j = at.get(keyOf(col, item));
            if (j === undefined) {
              placed.set(list.length, i);
              list.push(item);
              created++;
            } else {
              placed.set(j, i);
              if (!isDeepStrictEqual(list[j], item)) updated++;
              list[j] = item;
            }
          });
          col.set(draft, list);
        },
        { auditPerObject: true },
      );
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      // Model-wide errors about an imported object: [...base, j, ...rest] → ['items', i, ...rest].
      const fields: FieldError[] = err.fields.map((f) => {
        const j = f.path[col.base.length];
        const i = typeof j === 'number' && startsWith(f.path, col.base) ? placed.get(j) : undefined;
        return i === undefined ? f : { ...f, path: ['items', i, ...f.path.slice(col.base.length + 1)] };
      });
      if (fields.length > 0 && fields.every((f) => f.conflict)) throw new ConflictError(fields.map((f) => `${formatPath(f.path)}: ${f.message}`).join('; '), fields);
      throw new ValidationError(err.message, fields);
    }
    return { created, updated, unchanged: parsed.length - created - updated, revision: r.revision, ...(r.apply ? { apply: r.apply } : {}) };
  }

  async replace(col: Collection, key: string, body: unknown, actor: Actor, mode: 'put' | 'patch'): Promise<WriteResult<Item>> {
    const existing = this.get(col, key);
    key = keyOf(col, existing);
    let merged = mode === 'patch' ? mergePatch(existing, body) : body && typeof body === 'object' && !Array.isArray(body) ? { [col.keyField]: key, ...(body as Item) } : body;
    // A generated secret left out of a replace stays what it was (it is not reset to a new one).
    if (col.generated && merged && typeof merged === 'object' && !Array.isArray(merged)) {
      const m = { ...(merged as Item) };
      for (const f of col.generated) if (m[f] === undefined) m[f] = existing[f];
      merged = m;
    }
    const item = this.parseItem(col, merged);
    if (keyOf(col, item) !== key)
      throw new ValidationError(`the ${col.keyField} of a ${col.type} cannot be changed`, [{ path: [col.keyField], message: `must stay ${key} (create a new ${col.type} instead)` }]);
    const r = await this.write(col, actor, `${col.path}.update`, key, (draft) => {
      const items = col.get(draft);
      const i = items.findIndex((x) => keyOf(col, x) === key);
      if (i < 0) throw new NotFoundError(`${col.type} ${key} does not exist`);
      const next = [...items];
      next[i] = item;
      col.set(draft, next);
    });
    return { item: this.get(col, key), revision: r.revision, ...(r.apply ? { apply: r.apply } : {}) };
  }

  async remove(col: Collection, key: string, actor: Actor): Promise<{ revision: number; apply?: ReplaceResult['apply'] }> {
    key = keyOf(col, this.get(col, key));
    const r = await this.write(col, actor, `${col.path}.delete`, key, (draft) => {
      const users = referrersOf(draft, col.type, key);
      if (users.length)
        throw new ConflictError(`${col.type} ${key} is still used by ${users.join(', ')}`, users.map((u) => ({ path: [], message: `used by ${u}` })));
      col.set(draft, col.get(draft).filter((i) => keyOf(col, i) !== key));
    });
    return { revision: r.revision, ...(r.apply ? { apply: r.apply } : {}) };
  }

  async move(col: Collection, key: string, position: number, actor: Actor): Promise<{ revision: number; order: string[] }> {
    if (!col.ordered) throw new ValidationError(`${col.type}s have no order`, [{ path: ['position'], message: 'not an ordered collection' }]);
    this.get(col, key);
    const r = await this.write(col, actor, `${col.path}.move`, key, (draft) => {
      const items = col.get(draft).filter((i) => keyOf(col, i) !== key);
      const item = col.get(draft).find((i) => keyOf(col, i) === key)!;
      items.splice(Math.min(Math.max(position, 0), items.length), 0, item);
      col.set(draft, items);
    });
    return { revision: r.revision, order: col.get(this.config.get()).map((i) => keyOf(col, i)) };
  }

  // ---- singletons -------------------------------------------------------------------------

  system(): PbxConfig['system'] {
    return this.config.get().system;
  }

  async putSystem(body: unknown, actor: Actor, mode: 'put' | 'patch'): Promise<WriteResult<PbxConfig['system']>> {
    const merged = mode === 'patch' ? mergePatch(this.system(), body) : body;
    const parsed = systemSchema.safeParse(merged);
    if (!parsed.success) throw zodError(parsed.error, 'the system settings are invalid');
    const r = await this.config.mutate(actor, { action: 'system.update', type: 'system', key: 'settings' }, (draft) => {
      draft.system = parsed.data;
    });
    return { item: this.system(), revision: r.revision, ...(r.apply ? { apply: r.apply } : {}) };
  }

  emergencyNumbers(): string[] {
    return this.config.get().outbound.emergency;
  }

  async putEmergencyNumbers(numbers: string[], actor: Actor): Promise<WriteResult<string[]>> {
    try {
      const r = await this.config.mutate(actor, { action: 'emergency.update', type: 'emergency numbers', key: 'emergency' }, (draft) => {
        draft.outbound.emergency = numbers;
      });
      return { item: this.emergencyNumbers(), revision: r.revision, ...(r.apply ? { apply: r.apply } : {}) };
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      const fields = err.fields.map((f) => (startsWith(f.path, ['outbound', 'emergency']) ? { ...f, path: ['numbers', ...f.path.slice(2)] } : f));
      if (fields.every((f) => f.conflict)) throw new ConflictError(fields.map((f) => f.message).join('; '), fields);
      throw new ValidationError(err.message, fields);
    }
  }
}
