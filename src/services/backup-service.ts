// Full configuration backup and restore. The archive is gzip'd JSON with a format name and the
// model's schema version: the model (every object, secrets included — keep backups safe) and the
// custom roles. Users are not in it on purpose: restoring a box must not bring back old
// passwords or accounts; the people who manage the box stay as they are.
import { gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';
import { MODEL_VERSION } from '../domain/model.ts';
import { roleSchema, BUILTIN_ROLES, type Role } from '../domain/auth.ts';
import { ValidationError } from '../domain/errors.ts';
import type { Actor, ConfigService, ReplaceResult } from './config-service.ts';

export const BACKUP_FORMAT = 'pbx-appliance-backup';

const envelopeSchema = z.object({ format: z.literal(BACKUP_FORMAT), schemaVersion: z.number().int() }).loose();
const backupSchema = z
  .object({
    format: z.literal(BACKUP_FORMAT),
    schemaVersion: z.number().int(),
    createdAt: z.string(),
    product: z.string().optional(),
    config: z.unknown(),
    roles: z.array(roleSchema).default([]),
  })
  .strict();

export interface RoleStore {
  customRoles(): Role[];
  replaceCustomRoles(roles: Role[]): unknown[];
}

export class BackupService {
  private readonly config: ConfigService;
  private readonly roles: RoleStore;
  private readonly product: string;
  constructor(config: ConfigService, roles: RoleStore, product: string) {
    this.config = config;
    this.roles = roles;
    this.product = product;
  }

  create(): { name: string; data: Buffer } {
    const doc = {
      format: BACKUP_FORMAT,
      schemaVersion: MODEL_VERSION,
      createdAt: new Date().toISOString(),
      product: this.product,
      config: this.config.get(),
      roles: this.roles.customRoles(),
    };
    const stamp = doc.createdAt.replace(/[:.]/g, '-');
    return { name: `pbx-backup-${stamp}.json.gz`, data: gzipSync(JSON.stringify(doc, null, 1)) };
  }

  /** Reads an archive (gzip'd or plain JSON); refuses unknown formats and versions before anything is written. */
  parse(data: Buffer | unknown): z.infer<typeof backupSchema> {
    let doc: unknown = data;
    if (Buffer.isBuffer(data)) {
      let text: string;
      try {
        text = data[0] === 0x1f && data[1] === 0x8b ? gunzipSync(data).toString('utf8') : data.toString('utf8');
      } catch {
        throw new ValidationError('the backup is not a readable archive (gzip or JSON)', [{ path: [], message: 'corrupt gzip data' }]);
      }
      try {
        doc = JSON.parse(text);
      } catch {
        throw new ValidationError('the backup is not a readable archive (gzip or JSON)', [{ path: [], message: 'not JSON' }]);
      }
    }
    const env = envelopeSchema.safeParse(doc);
    if (!env.success) throw new ValidationError(`this is not a ${BACKUP_FORMAT} archive`, [{ path: ['format'], message: `must be "${BACKUP_FORMAT}"` }]);
    if (env.data.schemaVersion < 1 || env.data.schemaVersion > MODEL_VERSION)
      throw new ValidationError(
        `backup schema version ${env.data.schemaVersion} is unknown to this firmware (it reads versions 1 to ${MODEL_VERSION}); update the firmware first`,
        [{ path: ['schemaVersion'], message: `unsupported version ${env.data.schemaVersion}` }],
      );
    const parsed = backupSchema.safeParse(doc);
    if (!parsed.success)
      throw new ValidationError('the backup is invalid', parsed.error.issues.map((i) => ({ path: i.path.filter((p): p is string | number => typeof p !== 'symbol'), message: i.message })));
    const builtin = parsed.data.roles.find((r) => BUILTIN_ROLES.some((b) => b.name === r.name));
    if (builtin) throw new ValidationError('the backup redefines a built-in role', [{ path: ['roles'], message: `role ${builtin.name} is built in` }]);
    return parsed.data;
  }

  /** One audited change: the model and the custom roles together, validated like any change. */
  restore(data: Buffer | unknown, actor: Actor): Promise<ReplaceResult> {
    const doc = this.parse(data);
    return this.config.mutate(actor, { action: 'backup.restore', type: 'configuration', key: '*' }, () => doc.config, {
      alsoInTransaction: () => this.roles.replaceCustomRoles(doc.roles),
    });
  }
}
