// The privacy officer's key as the API takes and shows it (src/crypto/privacy-service.ts does the work).
import { z } from 'zod';

/** A passphrase the box derives (locks) the private key with: long enough to resist guessing off the box. */
export const PRIVACY_PASSPHRASE_MIN = 12;
const passphrase = z.string().min(PRIVACY_PASSPHRASE_MIN, `at least ${PRIVACY_PASSPHRASE_MIN} characters`).max(1024);
const armored = z.string().min(1).max(200_000);

export const privacyKeyInputSchema = z.discriminatedUnion('mode', [
  z
    .object({
      /** The box generates a key pair and keeps the private key locked with this passphrase. */
      mode: z.literal('passphrase'),
      passphrase,
      /** A revocation (the old key is compromised) rather than a routine change: audited as such. */
      revoke: z.boolean().optional(),
    })
    .strict(),
  z
    .object({
      /** The officer's own OpenPGP public key (armored, v4, with an encryption subkey); the box never holds its private key. */
      mode: z.literal('publicKey'),
      publicKey: armored,
      revoke: z.boolean().optional(),
    })
    .strict(),
]);
export type PrivacyKeyInputBody = z.infer<typeof privacyKeyInputSchema>;

export const privacyUnlockSchema = z
  .object({
    /** Passphrase mode: the passphrase; public-key mode: the private key's passphrase (if it has one). */
    passphrase: z.string().max(1024).optional(),
    /** Public-key mode: the officer's armored private key (kept in memory for the session only). */
    privateKey: armored.optional(),
  })
  .strict();

export const privacyStatusSchema = z
  .object({
    key: z
      .object({
        fingerprint: z.string(),
        mode: z.enum(['passphrase', 'publicKey']),
        createdAt: z.string(),
        createdBy: z.string(),
        userIds: z.array(z.string()),
        algorithm: z.string(),
      })
      .strict()
      .optional(),
    unlocked: z.boolean(),
    unlockedKeys: z.array(z.string()),
    idleLockMinutes: z.number().int(),
    reencryption: z
      .object({
        state: z.enum(['running', 'waiting', 'done']),
        reason: z.enum(['set', 'change', 'revoke']),
        total: z.number().int(),
        done: z.number().int(),
        failed: z.number().int(),
        startedAt: z.string(),
        finishedAt: z.string().optional(),
        needsKey: z.string().optional(),
        error: z.string().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type PrivacyStatusBody = z.infer<typeof privacyStatusSchema>;
