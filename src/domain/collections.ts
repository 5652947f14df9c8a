// The model's object collections as one table: identity, where they live in the configuration,
// who may touch them, and what refers to them. The REST API, the audit log's revert and the
// "still used by" checks all read this table, so a new object type is one entry here.
import type { z } from 'zod';
import {
  amiUserSchema,
  callingClassSchema,
  contactSchema,
  extensionSchema,
  inboundRouteSchema,
  outboundRuleSchema,
  trunkSchema,
  webhookSchema,
  type PbxConfig,
} from './model.ts';
import type { Section } from './auth.ts';

export interface Collection {
  /** Object type as the audit log and diff name it ("extension"). */
  type: string;
  /** URL segment (/api/v1/<path>). */
  path: string;
  /** Where the list sits in the configuration (error paths start with it). */
  base: string[];
  /** Field holding the identity. */
  keyField: string;
  section: Section;
  schema: z.ZodType;
  /** Order of the list matters (failover/match order): the API offers moving items. */
  ordered: boolean;
  get(config: PbxConfig): Record<string, unknown>[];
  set(config: PbxConfig, items: Record<string, unknown>[]): void;
  /** Fields searched by ?q= (substring, case-insensitive). */
  search: string[];
  /** Scalar fields usable as ?field=value filters and ?sort=field. */
  fields: string[];
  /** Nested string fields that hold secrets (masked for read-only callers, never logged). */
  secrets: string[];
}

type Items = Record<string, unknown>[];

export const COLLECTIONS: readonly Collection[] = [
  {
    type: 'extension',
    path: 'extensions',
    base: ['extensions'],
    keyField: 'number',
    section: 'extensions',
    schema: extensionSchema,
    ordered: false,
    get: (c) => c.extensions as Items,
    set: (c, v) => void (c.extensions = v as PbxConfig['extensions']),
    search: ['number', 'name', 'email'],
    fields: ['number', 'name', 'email', 'class', 'language', 'dnd'],
    secrets: ['devices.password'],
  },
  {
    type: 'trunk',
    path: 'trunks',
    base: ['trunks'],
    keyField: 'name',
    section: 'trunks',
    schema: trunkSchema,
    ordered: true,
    get: (c) => c.trunks as Items,
    set: (c, v) => void (c.trunks = v as PbxConfig['trunks']),
    search: ['name', 'host', 'username'],
    fields: ['name', 'type', 'host', 'transport'],
    secrets: ['password'],
  },
  {
    type: 'inbound route',
    path: 'inbound-routes',
    base: ['inboundRoutes'],
    keyField: 'did',
    section: 'routing',
    schema: inboundRouteSchema,
    ordered: false,
    get: (c) => c.inboundRoutes as Items,
    set: (c, v) => void (c.inboundRoutes = v as PbxConfig['inboundRoutes']),
    search: ['did'],
    fields: ['did'],
    secrets: [],
  },
  {
    type: 'outbound rule',
    path: 'outbound-rules',
    base: ['outbound', 'rules'],
    keyField: 'name',
    section: 'routing',
    schema: outboundRuleSchema,
    ordered: true,
    get: (c) => c.outbound.rules as Items,
    set: (c, v) => void (c.outbound.rules = v as PbxConfig['outbound']['rules']),
    search: ['name'],
    fields: ['name'],
    secrets: [],
  },
  {
    type: 'calling class',
    path: 'calling-classes',
    base: ['outbound', 'classes'],
    keyField: 'name',
    section: 'routing',
    schema: callingClassSchema,
    ordered: true,
    get: (c) => c.outbound.classes as Items,
    set: (c, v) => void (c.outbound.classes = v as PbxConfig['outbound']['classes']),
    search: ['name'],
    fields: ['name'],
    secrets: [],
  },
  {
    type: 'AMI user',
    path: 'ami-users',
    base: ['amiUsers'],
    keyField: 'username',
    section: 'crm',
    schema: amiUserSchema,
    ordered: false,
    get: (c) => c.amiUsers as Items,
    set: (c, v) => void (c.amiUsers = v as PbxConfig['amiUsers']),
    search: ['username'],
    fields: ['username'],
    secrets: ['secret'],
  },
  {
    type: 'webhook',
    path: 'webhooks',
    base: ['webhooks'],
    keyField: 'name',
    section: 'crm',
    schema: webhookSchema,
    ordered: false,
    get: (c) => c.webhooks as Items,
    set: (c, v) => void (c.webhooks = v as PbxConfig['webhooks']),
    search: ['name', 'url'],
    fields: ['name', 'enabled'],
    secrets: ['secret'],
  },
  {
    type: 'contact',
    path: 'phonebook',
    base: ['phonebook'],
    keyField: 'id',
    section: 'phonebook',
    schema: contactSchema,
    ordered: false,
    get: (c) => c.phonebook as Items,
    set: (c, v) => void (c.phonebook = v as PbxConfig['phonebook']),
    search: ['name', 'company', 'numbers', 'email'],
    fields: ['id', 'name', 'company', 'email'],
    secrets: [],
  },
];

export function collectionOfType(type: string): Collection | undefined {
  return COLLECTIONS.find((c) => c.type === type);
}

export function keyOf(col: Collection, item: Record<string, unknown>): string {
  return String(item[col.keyField]);
}

/** Who refers to an object: what must change before it can be deleted. */
export function referrersOf(config: PbxConfig, type: string, key: string): string[] {
  const out: string[] = [];
  if (type === 'extension') {
    for (const r of config.inboundRoutes) if ('extension' in r.destination && r.destination.extension === key) out.push(`inbound route ${r.did}`);
    for (const e of config.extensions) {
      for (const [kind, t] of Object.entries(e.forward)) if (t && 'extension' in t && t.extension === key && e.number !== key) out.push(`extension ${e.number} (forward ${kind})`);
    }
    for (const w of config.webhooks) if (w.extensions.includes(key)) out.push(`webhook ${w.name}`);
  } else if (type === 'trunk') {
    for (const r of config.outbound.rules) if (r.trunks.includes(key)) out.push(`outbound rule ${r.name}`);
  } else if (type === 'outbound rule') {
    for (const c of config.outbound.classes) if (c.rules.includes(key)) out.push(`calling class ${c.name}`);
  } else if (type === 'calling class') {
    for (const e of config.extensions) if (e.class === key) out.push(`extension ${e.number}`);
  }
  return out;
}

/** Numbers already taken in the one number plan (extensions and emergency numbers). */
export function numberOwner(config: PbxConfig, number: string): string | undefined {
  if (config.outbound.emergency.includes(number)) return `emergency number ${number}`;
  if (config.extensions.some((e) => e.number === number)) return `extension ${number}`;
  return undefined;
}

/** A deep copy with the collection's secrets replaced (for callers who may only read). */
export function maskItem(col: Collection, item: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(item);
  for (const path of col.secrets) {
    const [head, tail] = path.split('.') as [string, string | undefined];
    const v = copy[head];
    if (tail && Array.isArray(v)) for (const x of v) if (x && typeof x === 'object' && tail in x) (x as Record<string, unknown>)[tail] = '****************';
    if (!tail && typeof v === 'string') copy[head] = '****************';
  }
  return copy;
}
