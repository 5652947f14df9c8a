// The feature codes dialled from phones (agent login/logout, more with the user services): a
// singleton of the model, read and replaced like the system settings (one mutate: validated
// with the whole model, stored with its audit entry, applied after commit).
import { featureCodesSchema, type FeatureCodes } from '../domain/model.ts';
import { ConflictError, ValidationError } from '../domain/errors.ts';
import type { Actor, ConfigService } from './config-service.ts';
import type { WriteResult } from './resource-service.ts';
import { mergePatch } from './resource-service.ts';
import { zodError } from './auth-service.ts';

export class FeatureCodeService {
  private readonly config: ConfigService;
  constructor(config: ConfigService) {
    this.config = config;
  }

  get(): FeatureCodes {
    return this.config.get().featureCodes;
  }

  /** Replaces (put) or merges into (patch) the feature codes; errors name the field (agentLogin). */
  async put(body: unknown, actor: Actor, mode: 'put' | 'patch' = 'put'): Promise<WriteResult<FeatureCodes>> {
    const merged = mode === 'patch' ? mergePatch(this.get(), body) : body;
    const parsed = featureCodesSchema.safeParse(merged);
    if (!parsed.success) throw zodError(parsed.error, 'the feature codes are invalid');
    try {
      const r = await this.config.mutate(actor, { action: 'featureCodes.update', type: 'feature codes', key: 'featureCodes' }, (draft) => {
        draft.featureCodes = parsed.data;
      });
      return { item: this.get(), revision: r.revision, ...(r.apply ? { apply: r.apply } : {}) };
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      // Model-wide errors (a code that collides with another code or number) name the field here.
      const fields = err.fields.map((f) => (f.path[0] === 'featureCodes' ? { ...f, path: f.path.slice(1) } : f));
      if (fields.length > 0 && fields.every((f) => f.conflict)) throw new ConflictError(fields.map((f) => f.message).join('; '), fields);
      throw new ValidationError(err.message, fields);
    }
  }
}
