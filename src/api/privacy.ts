// /api/v1/privacy: the privacy officer's key, unlocking it for a session, the re-encryption
// progress. Only the `privacy` section reaches these routes (the privacy admin; never the admin).
// Every call is audited with who and when; audit texts name keys by fingerprint and never carry
// a passphrase or a private key (request bodies are not logged).
import { z } from 'zod';
import { PbxError, UnavailableError } from '../domain/errors.ts';
import { privacyKeyInputSchema, privacyStatusSchema, privacyUnlockSchema, type PrivacyKeyInputBody, type PrivacyStatusBody } from '../domain/privacy.ts';
import type { ConfigService } from '../services/config-service.ts';
import { RouteRegistry, errorSchema } from './registry.ts';

/** The privacy service as the API sees it (src/crypto/privacy-service.ts, passed in from main.ts). */
export interface PrivacyApi {
  status(sessionHash: string | undefined): PrivacyStatusBody;
  setKey(input: PrivacyKeyInputBody, by: string, sessionHash: string | undefined): Promise<PrivacyStatusBody>;
  unlock(sessionHash: string | undefined, input: { passphrase?: string; privateKey?: string }): Promise<{ fingerprint: string; which: 'current' | 'previous' }>;
  lock(sessionHash: string | undefined): void;
  lockedPrivateKey(): { armored: string; fingerprint: string };
  current(): { key: { armored: string; info: { fingerprint: string } } } | undefined;
  /** LockedError (403 'locked') unless a key is unset or this session unlocked it. */
  requireUnlocked(sessionHash: string | undefined): void;
}

const TAG = 'privacy';
const target = (key: string) => ({ type: 'privacy', key });

export function addPrivacyRoutes(r: RouteRegistry, deps: { config: ConfigService; privacy?: PrivacyApi | undefined }): void {
  const { config } = deps;
  const api = (): PrivacyApi => {
    if (!deps.privacy) throw new UnavailableError('privacy is not available');
    return deps.privacy;
  };

  r.add({
    method: 'get',
    path: '/privacy',
    tag: TAG,
    summary: 'The privacy key (fingerprint, mode, when set), whether this session has it unlocked, and the progress of the background re-encryption. Audited',
    access: { section: 'privacy', level: 'read' },
    responses: { 200: privacyStatusSchema, 401: errorSchema, 403: errorSchema },
    handler: ({ principal, actor }) => {
      const s = api().status(principal?.sessionHash);
      config.record(actor, 'privacy.status', target(s.key?.fingerprint ?? 'none'), 'looked at the privacy key status');
      return { body: s };
    },
  });

  r.add({
    method: 'put',
    path: '/privacy/key',
    tag: TAG,
    summary:
      'Set the privacy key: mode passphrase (the box generates an OpenPGP key pair and keeps the private key locked with the passphrase) or publicKey (an armored v4 OpenPGP public key with an encryption subkey; AEAD-only and v6 keys are refused). ' +
      'Changing (or revoking, revoke: true) an existing key needs this session unlocked with the current key; stored recordings and CDR data keys are then re-encrypted in the background (GET /privacy for progress). Audited',
    access: { section: 'privacy', level: 'write' },
    body: privacyKeyInputSchema,
    responses: { 200: privacyStatusSchema, 400: errorSchema, 401: errorSchema, 403: errorSchema, 409: errorSchema },
    handler: async ({ body, principal, actor }) => {
      const before = api().current()?.key.info.fingerprint;
      const s = await api().setKey(body, actor.name, principal?.sessionHash);
      const fp = s.key?.fingerprint ?? '';
      const what = !before ? 'set' : body.revoke ? 'revoked' : 'changed';
      config.record(actor, `privacy.key.${!before ? 'set' : body.revoke ? 'revoke' : 'change'}`, target(fp), `${what} the privacy key (${body.mode})${before ? ` from ${before}` : ''} to ${fp}`);
      return { body: s };
    },
  });

  r.add({
    method: 'get',
    path: '/privacy/key/public',
    tag: TAG,
    summary: 'The privacy public key (armored OpenPGP). Audited',
    access: { section: 'privacy', level: 'read' },
    responses: { 200: 'application/pgp-keys', 401: errorSchema, 403: errorSchema, 404: errorSchema },
    handler: ({ res, actor }) => {
      const cur = api().current();
      if (!cur) return { status: 404, body: { error: { code: 'not_found', message: 'no privacy key is set', fields: [] } } };
      config.record(actor, 'privacy.key.public', target(cur.key.info.fingerprint), 'downloaded the privacy public key');
      res.status(200).type('application/pgp-keys').setHeader('Content-Disposition', 'attachment; filename="privacy-public-key.asc"');
      res.send(cur.key.armored);
      return { raw: true };
    },
  });

  r.add({
    method: 'get',
    path: '/privacy/key/private',
    tag: TAG,
    summary:
      'Passphrase mode: the private key, locked with the passphrase (armored OpenPGP), to import into GnuPG (gpg --import) and decrypt recordings off the box. Useless without the passphrase. Audited',
    access: { section: 'privacy', level: 'write' },
    responses: { 200: 'application/pgp-keys', 401: errorSchema, 403: errorSchema, 404: errorSchema },
    handler: ({ res, actor }) => {
      const k = api().lockedPrivateKey();
      config.record(actor, 'privacy.key.private', target(k.fingerprint), 'downloaded the passphrase-locked privacy private key');
      res.status(200).type('application/pgp-keys').setHeader('Content-Disposition', 'attachment; filename="privacy-private-key.asc"');
      res.setHeader('Cache-Control', 'no-store');
      res.send(k.armored);
      return { raw: true };
    },
  });

  r.add({
    method: 'post',
    path: '/privacy/unlock',
    tag: TAG,
    summary:
      'Unlock the privacy key for this session (signed-in sessions only, not API tokens): { passphrase } in passphrase mode, { privateKey, passphrase? } in public-key mode. ' +
      'The unlocked key is kept in memory for this session: until POST /privacy/lock, logout, session expiry, or 30 minutes without use. Audited (also failures)',
    access: { section: 'privacy', level: 'read' },
    body: privacyUnlockSchema,
    responses: { 200: z.object({ fingerprint: z.string(), which: z.enum(['current', 'previous']) }).strict(), 400: errorSchema, 401: errorSchema, 403: errorSchema, 409: errorSchema },
    handler: async ({ body, principal, actor }) => {
      const fp = api().current()?.key.info.fingerprint ?? 'none';
      try {
        const out = await api().unlock(principal?.sessionHash, body);
        config.record(actor, 'privacy.unlock', target(out.fingerprint), `unlocked the ${out.which === 'current' ? '' : 'previous '}privacy key for this session`);
        return { body: out };
      } catch (err) {
        if (err instanceof PbxError) config.record(actor, 'privacy.unlock.failed', target(fp), `failed to unlock the privacy key: ${err.fields[0]?.message ?? err.code}`);
        throw err;
      }
    },
  });

  r.add({
    method: 'post',
    path: '/privacy/lock',
    tag: TAG,
    summary: 'Lock the privacy key for this session (forget the unlocked key). Audited',
    access: { section: 'privacy', level: 'read' },
    responses: { 204: 'none', 401: errorSchema, 403: errorSchema },
    handler: ({ principal, actor }) => {
      api().lock(principal?.sessionHash);
      config.record(actor, 'privacy.lock', target(api().current()?.key.info.fingerprint ?? 'none'), 'locked the privacy key for this session');
      return { status: 204 };
    },
  });
}
