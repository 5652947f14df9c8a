// The singletons of the model (feature codes, the SMTP relay, the user-service settings): read
// and replaced whole or merged like the system settings, in one mutate each (validated with the
// whole model, stored with its audit entry, applied after commit).
import type { z } from 'zod';
import { cdrSettingsSchema, directorySchema, featureCodesSchema, mailSchema, provisioningSettingsSchema, servicesSchema, snmpSchema, type PbxConfig } from '../domain/model.ts';
import { ConflictError, ValidationError } from '../domain/errors.ts';
import type { Actor, ConfigService } from './config-service.ts';
import type { WriteResult } from './resource-service.ts';
import { mergePatch } from './resource-service.ts';
import { zodError } from './auth-service.ts';

export const SECRET_MASK = '****************';

export interface Singleton<K extends keyof PbxConfig> {
  key: K;
  schema: z.ZodType<PbxConfig[K]>;
  /** Audit log's name of the object. */
  type: string;
  /**
   * Fields that hold secrets: never answered; the mask sent back keeps the stored value. A path
   * `list.*.field` names a field of each element of a list, matched to the stored one by `name`.
   */
  secrets: readonly string[];
}

export const SINGLETONS = {
  featureCodes: { key: 'featureCodes', schema: featureCodesSchema, type: 'feature codes', secrets: [] },
  mail: { key: 'mail', schema: mailSchema, type: 'mail settings', secrets: ['password'] },
  services: { key: 'services', schema: servicesSchema, type: 'service settings', secrets: [] },
  provisioning: { key: 'provisioning', schema: provisioningSettingsSchema, type: 'provisioning settings', secrets: [] },
  directory: { key: 'directory', schema: directorySchema, type: 'directory settings', secrets: ['bindPassword'] },
  snmp: { key: 'snmp', schema: snmpSchema, type: 'SNMP settings', secrets: ['v3Users.*.authKey', 'v3Users.*.privKey'] },
  cdr: { key: 'cdr', schema: cdrSettingsSchema, type: 'CDR settings', secrets: [] },
} as const satisfies { [K in keyof PbxConfig]?: Singleton<K> };

export class SettingsService<K extends keyof typeof SINGLETONS> {
  private readonly config: ConfigService;
  private readonly singleton: (typeof SINGLETONS)[K];
  constructor(config: ConfigService, key: K) {
    this.config = config;
    this.singleton = SINGLETONS[key];
  }

  /** The stored value, secrets included (for the supervisor's own use). */
  raw(): PbxConfig[K] {
    return this.config.get()[this.singleton.key as K];
  }

  /** The value as the API answers it: secrets masked. */
  get(): PbxConfig[K] {
    const copy = structuredClone(this.raw()) as Record<string, unknown>;
    for (const f of this.singleton.secrets) maskSecret(copy, f);
    return copy as PbxConfig[K];
  }

  /** Replaces (put) or merges into (patch) the singleton; errors name the field (agentLogin). */
  async put(body: unknown, actor: Actor, mode: 'put' | 'patch' = 'put'): Promise<WriteResult<PbxConfig[K]>> {
    const stored = this.raw() as Record<string, unknown>;
    let merged = mode === 'patch' ? mergePatch(stored, body) : body;
    if (merged && typeof merged === 'object' && !Array.isArray(merged)) {
      const m = structuredClone(merged as Record<string, unknown>);
      for (const f of this.singleton.secrets) keepMaskedSecret(m, stored, f);
      merged = m;
    }
    const parsed = this.singleton.schema.safeParse(merged);
    if (!parsed.success) throw zodError(parsed.error, `the ${this.singleton.type} are invalid`);
    const key = this.singleton.key;
    try {
      const r = await this.config.mutate(actor, { action: `${key}.update`, type: this.singleton.type, key }, (draft) => {
        (draft as Record<string, unknown>)[key] = parsed.data;
      });
      return { item: this.get(), revision: r.revision, ...(r.apply ? { apply: r.apply } : {}) };
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      // Model-wide errors (a code that collides with another code or number) name the field here.
      const fields = err.fields.map((f) => (f.path[0] === key ? { ...f, path: f.path.slice(1) } : f));
      if (fields.length > 0 && fields.every((f) => f.conflict)) throw new ConflictError(fields.map((f) => f.message).join('; '), fields);
      throw new ValidationError(err.message, fields);
    }
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** Replaces the secret at `path` (`field` or `list.*.field`) by the mask, where one is set. */
function maskSecret(value: Record<string, unknown>, path: string): void {
  const [list, star, field] = path.split('.');
  if (star === undefined) {
    if (typeof value[path] === 'string') value[path] = SECRET_MASK;
    return;
  }
  const items = value[list!];
  if (Array.isArray(items)) for (const item of items) if (isObject(item) && typeof item[field!] === 'string') item[field!] = SECRET_MASK;
}

/** Where the client sent the mask back at `path`, puts the stored secret (list elements matched by `name`). */
function keepMaskedSecret(value: Record<string, unknown>, stored: Record<string, unknown>, path: string): void {
  const [list, star, field] = path.split('.');
  if (star === undefined) {
    if (value[path] === SECRET_MASK) value[path] = stored[path];
    return;
  }
  const items = value[list!];
  const before = Array.isArray(stored[list!]) ? (stored[list!] as unknown[]).filter(isObject) : [];
  if (!Array.isArray(items)) return;
  for (const item of items) {
    if (!isObject(item) || item[field!] !== SECRET_MASK) continue;
    const old = before.find((b) => b.name === item.name);
    // A new element sent with the mask has no stored secret: dropping it lets the schema say the key is missing.
    if (old) item[field!] = old[field!];
    else delete item[field!];
  }
}
