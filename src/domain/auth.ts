// Users, roles and permissions of the management plane. A permission is a level per section;
// every API route names the section and level it needs, so a role is exactly what it can do.
import { z } from 'zod';
import { displayText, extensionNumber } from './model.ts';

/**
 * Sections of the box. Those of later issues (groups, ivr, phonebook, switches, cdr,
 * recordings) are here already so roles written today keep their meaning when they land.
 * `privacy`: unmasked CDR numbers and recordings — given only to the privacy admin.
 */
export const SECTIONS = [
  'extensions',
  'trunks',
  'routing',
  'groups',
  'ivr',
  'phonebook',
  'switches',
  'services',
  'provisioning',
  'cdr',
  'recordings',
  'privacy',
  'calls',
  'crm',
  'system',
  'users',
  'audit',
] as const;
export type Section = (typeof SECTIONS)[number];
export const LEVELS = ['none', 'read', 'write'] as const;
export type Level = (typeof LEVELS)[number];
export type Permissions = Partial<Record<Section, Level>>;

export const permissionsSchema = z
  .object(Object.fromEntries(SECTIONS.map((s) => [s, z.enum(LEVELS).optional()])) as Record<Section, z.ZodOptional<z.ZodEnum<{ none: 'none'; read: 'read'; write: 'write' }>>>)
  .strict();

export const roleName = z.string().regex(/^[a-z][a-z0-9_-]{1,31}$/, 'lowercase letters, digits, - and _, 2 to 32, starting with a letter');

export const roleSchema = z
  .object({
    name: roleName,
    description: displayText(200).optional(),
    permissions: permissionsSchema,
  })
  .strict();
export type Role = z.infer<typeof roleSchema>;

const all = (level: Level, except: Section[] = []): Permissions =>
  Object.fromEntries(SECTIONS.filter((s) => !except.includes(s)).map((s) => [s, level]));

/**
 * Built-in roles, not editable. The admin configures everything but cannot open recordings or
 * see CDR numbers unmasked; the privacy admin can, and nothing else but reading CDR and the audit log.
 */
export const BUILTIN_ROLES: readonly Role[] = [
  { name: 'admin', description: 'Configures everything; CDR numbers masked, no recordings', permissions: all('write', ['recordings', 'privacy']) },
  { name: 'privacy-admin', description: 'Privacy officer: recordings and unmasked CDR', permissions: { cdr: 'read', recordings: 'write', privacy: 'write', audit: 'read' } },
];

export function levelOf(perms: Permissions, section: Section): Level {
  return perms[section] ?? 'none';
}

export function allows(perms: Permissions, section: Section, needed: 'read' | 'write'): boolean {
  const have = levelOf(perms, section);
  return needed === 'read' ? have !== 'none' : have === 'write';
}

/** The narrower of two permission sets (a token never exceeds the user who made it). */
export function intersect(a: Permissions, b: Permissions): Permissions {
  const rank = { none: 0, read: 1, write: 2 } as const;
  return Object.fromEntries(
    SECTIONS.map((s) => {
      const x = levelOf(a, s);
      const y = levelOf(b, s);
      return [s, rank[x] <= rank[y] ? x : y];
    }),
  );
}

export const username = z
  .string()
  .regex(/^[a-z][a-z0-9._-]{1,31}$/, 'lowercase letters, digits, . _ -, 2 to 32, starting with a letter');

export const userSchema = z
  .object({
    username,
    role: roleName,
    fullName: displayText(64).optional(),
    /** The user's own extension: their calls (/me/calls) and personal contacts (/me/contacts). */
    extension: extensionNumber.describe('The user’s own extension: “my calls” and personal contacts').optional(),
    language: z.enum(['en', 'it']).default('en'),
  })
  .strict();
export type User = z.infer<typeof userSchema>;

export const tokenScopesSchema = permissionsSchema;
