// The singletons of the model (feature codes, the SMTP relay, the user-service settings): read
// and replaced whole or merged like the system settings, in one mutate each (validated with the
// whole model, stored with its audit entry, applied after commit).
import type { z } from 'zod';
import { featureCodesSchema, mailSchema, provisioningSettingsSchema, servicesSchema, type PbxConfig } from '../domain/model.ts';
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
  /** Top-level fields that hold secrets: never answered; the mask sent back keeps the stored value. */
  secrets: readonly string[];
}

export const SINGLETONS = {
  featureCodes: { key: 'featureCodes', schema: featureCodesSchema, type: 'feature codes', secrets: [] },
  mail: { key: 'mail', schema: mailSchema, type: 'mail settings', secrets: ['password'] },
  services: { key: 'services', schema: servicesSchema, type: 'service settings', secrets: [] },
  provisioning: { key: 'provisioning', schema: provisioningSettingsSchema, type: 'provisioning settings', secrets: [] },
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
    for (const f of this.singleton.secrets) if (typeof copy[f] === 'string') copy[f] = SECRET_MASK;
    return copy as PbxConfig[K];
  }

  /** Replaces (put) or merges into (patch) the singleton; errors name the field (agentLogin). */
  async put(body: unknown, actor: Actor, mode: 'put' | 'patch' = 'put'): Promise<WriteResult<PbxConfig[K]>> {
    const stored = this.raw() as Record<string, unknown>;
    let merged = mode === 'patch' ? mergePatch(stored, body) : body;
    if (merged && typeof merged === 'object' && !Array.isArray(merged)) {
      const m = { ...(merged as Record<string, unknown>) };
      for (const f of this.singleton.secrets) if (m[f] === SECRET_MASK) m[f] = stored[f];
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
