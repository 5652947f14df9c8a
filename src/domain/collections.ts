// The model's object collections as one table: identity, where they live in the configuration,
// who may touch them, and what refers to them. The REST API, the audit log's revert and the
// "still used by" checks all read this table, so a new object type is one entry here.
import type { z } from 'zod';
import {
  conferenceSchema,
  mohClassSchema,
  pagingGroupSchema,
  phoneSchema,
  phoneTemplateSchema,
  voicemailBoxSchema,
  announcementSchema,
  blockedCallerSchema,
  disaSchema,
  ivrSchema,
  lookupSchema,
  promptSchema,
  queueSchema,
  ringGroupSchema,
  switchSchema,
  timeConditionSchema,
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
import { normalizeMac } from './phones.ts';
import { destinationUses, promptUses, targetOf, type DestinationKind } from './destinations.ts';

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
  /** Top-level secrets the box generates when an object is created without them (and keeps when a replace leaves them out). */
  generated?: string[];
  /** The canonical form of a key given in another notation (a MAC address written with colons). */
  normalizeKey?: (key: string) => string;
}

type Items = Record<string, unknown>[];


/** A collection of named objects (key `name`), searched by name and description. */
function named(
  type: string,
  path: string,
  key: 'prompts' | 'timeConditions' | 'switches' | 'ivrs' | 'ringGroups' | 'queues' | 'lookups' | 'announcements' | 'disa' | 'conferences' | 'mohClasses' | 'pagingGroups',
  section: Section,
  schema: z.ZodType,
  extra: { fields?: string[]; secrets?: string[] } = {},
): Collection {
  return {
    type,
    path,
    base: [key],
    keyField: 'name',
    section,
    schema,
    ordered: false,
    get: (c) => c[key] as Items,
    set: (c, v) => void ((c as Record<string, unknown>)[key] = v),
    search: ['name', 'description', ...(extra.fields?.includes('number') ? ['number'] : [])],
    fields: ['name', 'description', ...(extra.fields ?? [])],
    secrets: extra.secrets ?? [],
  };
}

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
    secrets: ['devices.password', 'pin'],
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
  named('time condition', 'time-conditions', 'timeConditions', 'routing', timeConditionSchema),
  named('switch', 'switches', 'switches', 'switches', switchSchema, { fields: ['code'], secrets: ['pin'] }),
  named('IVR', 'ivrs', 'ivrs', 'ivr', ivrSchema, { fields: ['number', 'language', 'directDial'] }),
  named('lookup', 'lookups', 'lookups', 'ivr', lookupSchema, { fields: ['input'] }),
  named('announcement', 'announcements', 'announcements', 'ivr', announcementSchema),
  named('prompt', 'prompts', 'prompts', 'ivr', promptSchema),
  named('ring group', 'ring-groups', 'ringGroups', 'groups', ringGroupSchema, { fields: ['number', 'strategy'] }),
  named('queue', 'queues', 'queues', 'groups', queueSchema, { fields: ['number', 'strategy'] }),
  named('DISA', 'disa', 'disa', 'routing', disaSchema, { fields: ['class'], secrets: ['pin'] }),
  {
    type: 'blocked caller',
    path: 'blocked-callers',
    base: ['blockedCallers'],
    keyField: 'number',
    section: 'routing',
    schema: blockedCallerSchema,
    ordered: false,
    get: (c) => c.blockedCallers as Items,
    set: (c, v) => void (c.blockedCallers = v as PbxConfig['blockedCallers']),
    search: ['number', 'description'],
    fields: ['number', 'description'],
    secrets: [],
  },
  {
    type: 'voicemail box',
    path: 'voicemail-boxes',
    base: ['voicemailBoxes'],
    keyField: 'number',
    section: 'services',
    schema: voicemailBoxSchema,
    ordered: false,
    get: (c) => c.voicemailBoxes as Items,
    set: (c, v) => void (c.voicemailBoxes = v as PbxConfig['voicemailBoxes']),
    search: ['number', 'name', 'email'],
    fields: ['number', 'name', 'email'],
    secrets: ['pin'],
  },
  named('conference', 'conferences', 'conferences', 'services', conferenceSchema, { fields: ['number', 'owner'], secrets: ['pin', 'adminPin'] }),
  named('music class', 'moh-classes', 'mohClasses', 'services', mohClassSchema),
  named('paging group', 'paging-groups', 'pagingGroups', 'services', pagingGroupSchema, { fields: ['number'] }),
  {
    type: 'phone',
    path: 'phones',
    base: ['phones'],
    keyField: 'mac',
    section: 'provisioning',
    schema: phoneSchema,
    ordered: false,
    get: (c) => c.phones as Items,
    set: (c, v) => void (c.phones = v as PbxConfig['phones']),
    search: ['mac', 'model', 'description', 'lines'],
    fields: ['mac', 'vendor', 'model', 'description', 'template'],
    secrets: ['adminPassword', 'httpAuth.password'],
    generated: ['adminPassword'],
    normalizeKey: (key) => normalizeMac(key) ?? key,
  },
  {
    type: 'phone template',
    path: 'phone-templates',
    base: ['phoneTemplates'],
    keyField: 'name',
    section: 'provisioning',
    schema: phoneTemplateSchema,
    ordered: false,
    get: (c) => c.phoneTemplates as Items,
    set: (c, v) => void (c.phoneTemplates = v as PbxConfig['phoneTemplates']),
    search: ['name', 'description', 'models'],
    fields: ['name', 'description', 'vendor'],
    secrets: [],
  },
];

/** Object types that are destinations, by the destination field that names them. */
const KIND_OF_TYPE: Record<string, DestinationKind> = {
  extension: 'extension',
  IVR: 'ivr',
  'ring group': 'ringGroup',
  queue: 'queue',
  'time condition': 'timeCondition',
  switch: 'switch',
  lookup: 'lookup',
  announcement: 'announcement',
  DISA: 'disa',
  'voicemail box': 'voicemail',
  conference: 'conference',
};

export function collectionOfType(type: string): Collection | undefined {
  return COLLECTIONS.find((c) => c.type === type);
}

export function keyOf(col: Collection, item: Record<string, unknown>): string {
  return String(item[col.keyField]);
}

/** Who refers to an object: what must change before it can be deleted. */
export function referrersOf(config: PbxConfig, type: string, key: string): string[] {
  const out: string[] = [];
  const kind = KIND_OF_TYPE[type];
  if (kind) {
    for (const u of destinationUses(config)) {
      const t = targetOf(u.destination);
      // An object's own destinations do not keep it alive (an IVR whose key 9 repeats itself).
      if (t && t.kind === kind && t.name === key && !(u.from && u.from.kind === kind && u.from.name === key)) out.push(u.owner);
    }
  }
  if (type === 'extension') {
    for (const w of config.webhooks) if (w.extensions.includes(key)) out.push(`webhook ${w.name}`);
    for (const g of config.ringGroups) if (g.members.some((m) => 'extension' in m && m.extension === key)) out.push(`ring group ${g.name}`);
    for (const q of config.queues) if ([...q.members, ...q.dynamicMembers].some((m) => m.extension === key)) out.push(`queue ${q.name}`);
    for (const s of config.switches) if (s.allowed.includes(key)) out.push(`switch ${s.name}`);
    for (const b of config.voicemailBoxes) if (b.members.includes(key)) out.push(`voicemail box ${b.number}`);
    for (const p of config.pagingGroups) if (p.members.includes(key)) out.push(`paging group ${p.name}`);
    for (const c of config.conferences) if (c.owner === key) out.push(`conference ${c.name} (owner)`);
    for (const p of config.phones) if (p.keys.some((k) => k.type === 'blf' && k.extension === key)) out.push(`phone ${p.mac} (key)`);
    const devices = new Set(config.extensions.find((e) => e.number === key)?.devices.map((d) => d.username));
    for (const p of config.phones) if (p.lines.some((l) => devices.has(l.account))) out.push(`phone ${p.mac} (line)`);
  } else if (type === 'trunk') {
    for (const r of config.outbound.rules) if (r.trunks.includes(key)) out.push(`outbound rule ${r.name}`);
  } else if (type === 'outbound rule') {
    for (const c of config.outbound.classes) if (c.rules.includes(key)) out.push(`calling class ${c.name}`);
  } else if (type === 'calling class') {
    for (const e of config.extensions) if (e.class === key) out.push(`extension ${e.number}`);
    for (const d of config.disa) if (d.class === key) out.push(`DISA ${d.name}`);
    for (const e of config.extensions) if (e.lockedClass === key) out.push(`extension ${e.number} (locked class)`);
  } else if (type === 'time condition') {
    for (const q of config.queues) if (q.openHours === key) out.push(`queue ${q.name} (open hours)`);
  } else if (type === 'music class') {
    for (const q of config.queues) if (q.musicClass === key) out.push(`queue ${q.name}`);
    for (const c of config.conferences) if (c.musicClass === key) out.push(`conference ${c.name}`);
    if (config.services.parking.musicClass === key) out.push('call parking');
  } else if (type === 'switch') {
    for (const p of config.phones) if (p.keys.some((k) => k.type === 'switch' && k.switch === key)) out.push(`phone ${p.mac} (key)`);
  } else if (type === 'phone template') {
    for (const p of config.phones) if (p.template === key) out.push(`phone ${p.mac}`);
  } else if (type === 'prompt') {
    for (const u of promptUses(config)) if ('custom' in u.prompt && u.prompt.custom === key) out.push(u.owner);
  }
  return out;
}

/** Numbers already taken in the one number plan (extensions and emergency numbers). */
export function numberOwner(config: PbxConfig, number: string): string | undefined {
  if (config.outbound.emergency.includes(number)) return `emergency number ${number}`;
  if (config.extensions.some((e) => e.number === number)) return `extension ${number}`;
  for (const [items, label] of [[config.ringGroups, 'ring group'], [config.queues, 'queue'], [config.ivrs, 'IVR'], [config.conferences, 'conference'], [config.pagingGroups, 'paging group']] as const) {
    const o = items.find((x) => x.number === number);
    if (o) return `${label} ${o.name}`;
  }
  const box = config.voicemailBoxes.find((b) => b.number === number);
  if (box) return `voicemail box ${box.number}`;
  return parkingNumbers(config).get(number);
}

/** The park number and the slots, each with its owner in the number plan. */
export function parkingNumbers(config: PbxConfig): Map<string, string> {
  const p = config.services.parking;
  if (!p.enabled) return new Map();
  const out = new Map<string, string>([[p.number, 'the park number']]);
  const first = Number(p.firstSlot);
  for (let i = 0; i < p.slots; i++) out.set(String(first + i).padStart(p.firstSlot.length, '0'), `park slot ${String(first + i).padStart(p.firstSlot.length, '0')}`);
  return out;
}

/** A deep copy with the collection's secrets replaced (for callers who may only read). */
export function maskItem(col: Collection, item: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(item);
  for (const path of col.secrets) {
    const [head, tail] = path.split('.') as [string, string | undefined];
    const v = copy[head];
    if (tail && Array.isArray(v)) for (const x of v) if (x && typeof x === 'object' && tail in x) (x as Record<string, unknown>)[tail] = '****************';
    if (tail && v && typeof v === 'object' && !Array.isArray(v) && typeof (v as Record<string, unknown>)[tail] === 'string') (v as Record<string, unknown>)[tail] = '****************';
    if (!tail && typeof v === 'string') copy[head] = '****************';
  }
  return copy;
}
