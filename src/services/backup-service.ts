// Full configuration backup and restore. The archive is gzip'd JSON with a format name and the
// model's schema version: the model (every object, secrets included — keep backups safe) and the
// custom roles. Users are not in it on purpose: restoring a box must not bring back old
// passwords or accounts; the people who manage the box stay as they are.
import { gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';
import { MODEL_VERSION } from '../domain/model.ts';
import { roleSchema, BUILTIN_ROLES, SECTIONS, levelOf, allows, type Level, type Permissions, type Role } from '../domain/auth.ts';
import { ForbiddenError, PbxError, ValidationError } from '../domain/errors.ts';

const allowsLevel = (p: Permissions, s: (typeof SECTIONS)[number], want: Level) => want === 'none' || allows(p, s, want);
import type { Actor, ConfigService, ReplaceResult } from './config-service.ts';

export const BACKUP_FORMAT = 'pbx-appliance-backup';
const MAX_EXPANDED = 256 * 1024 * 1024;

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
        // Bounded: a small archive must not expand into gigabytes (a gzip bomb).
        text = data[0] === 0x1f && data[1] === 0x8b ? gunzipSync(data, { maxOutputLength: MAX_EXPANDED }).toString('utf8') : data.toString('utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
          throw new PbxError('payload_too_large', `the archive expands to more than ${MAX_EXPANDED / 1024 / 1024} MB`);
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
    const names = parsed.data.roles.map((r) => r.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) throw new ValidationError('the backup names a role twice', [{ path: ['roles'], message: `role ${dup} appears twice` }]);
    const builtin = parsed.data.roles.find((r) => BUILTIN_ROLES.some((b) => b.name === r.name));
    if (builtin) throw new ValidationError('the backup redefines a built-in role', [{ path: ['roles'], message: `role ${builtin.name} is built in` }]);
    return parsed.data;
  }

  /** One audited change: the model and the custom roles together, validated like any change. */
  restore(data: Buffer | unknown, actor: Actor, ceiling?: Permissions): Promise<ReplaceResult> {
    const doc = this.parse(data);
    if (ceiling) {
      for (const r of doc.roles)
        for (const s of SECTIONS)
          if (!allowsLevel(ceiling, s, levelOf(r.permissions, s)))
            throw new ForbiddenError(`the backup's role ${r.name} has ${levelOf(r.permissions, s)} on ${s}, which you do not have`);
    }
    return this.config.mutate(actor, { action: 'backup.restore', type: 'configuration', key: '*' }, () => doc.config, {
      alsoInTransaction: () => this.roles.replaceCustomRoles(doc.roles),
    });
  }
}
