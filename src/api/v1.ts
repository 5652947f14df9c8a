// The REST API, /api/v1: every route declared in one registry (src/api/registry.ts), which
// also produces the OpenAPI document. Handlers are thin: parse → service → shape the answer.
import type { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { COLLECTIONS, collectionOfType, maskItem, type Collection } from '../domain/collections.ts';
import { LEVELS, SECTIONS, allows, permissionsSchema, roleSchema, userSchema, type Section } from '../domain/auth.ts';
import { callEventSchema, type CallEvent } from '../domain/calls.ts';
import {
  activeCallSchema,
  clickToCallRequestSchema,
  clickToCallResponseSchema,
  transferRequestSchema,
  type ActiveCall,
  type ClickToCallRequest,
  type ClickToCallResponse,
  type TransferRequest,
} from '../domain/call-control.ts';
import { ForbiddenError, NotFoundError, UnavailableError, ValidationError } from '../domain/errors.ts';
import { PbxError, type FieldError } from '../domain/errors.ts';
import { systemSchema, CALL_EVENT_TYPES } from '../domain/model.ts';
import { featureCodesSchema, mailSchema, servicesSchema, extensionNumber, directorySchema, snmpSchema, cdrSettingsSchema } from '../domain/model.ts';
import { GREETING_KINDS, VOICEMAIL_FOLDERS, type GreetingKind } from '../domain/voicemail.ts';
import {
  QUEUE_EVENT_TYPES,
  QUEUE_MEMBER_ACTIONS,
  SWITCH_EVENT_TYPES,
  queueStatusSchema,
  switchStateRequestSchema,
  switchStatusSchema,
  type LiveEvent,
} from '../domain/queues-switches.ts';
import { language as languageSchema, type Lookup } from '../domain/model.ts';
import { LOOKUP_TABLE_MAX_ROWS, lookupTableFromCsv, lookupTableRows } from '../domain/lookup-table.ts';
import { formatCsv, parseCsv } from '../lib/csv.ts';
import { generateSecret, passwordProblems } from '../domain/password.ts';
import type { AuthService, Principal } from '../services/auth-service.ts';
import { authSchemas } from '../services/auth-service.ts';
import type { BackupService } from '../services/backup-service.ts';
import type { Actor, ConfigService } from '../services/config-service.ts';
import type { ResourceService } from '../services/resource-service.ts';
import type { HealthReporter } from '../health/health.ts';
import { BULK_MAX } from '../services/resource-service.ts';
import type { SetupState } from '../services/setup-service.ts';
import type { SwitchService } from '../services/switch-service.ts';
import type { UserStateService } from '../services/user-state-service.ts';
import { EXTENSION_STATE_EVENT_TYPES, extensionStateSchema, type ExtensionStateEvent } from '../domain/user-state.ts';
import type { QueueService } from '../services/queue-service.ts';
import type { ConferenceService } from '../services/conference-service.ts';
import { CONFERENCE_PARTICIPANT_ACTIONS, conferenceParticipantsSchema, conferenceStatusSchema } from '../services/conference-service.ts';
import type { SettingsService } from '../services/settings-service.ts';
import { systemStatusSchema, type SystemStatus } from '../services/status-service.ts';
import { networkInterfaces } from '../lib/sysinfo.ts';
import { RouteRegistry, errorSchema, type RouteDef } from './registry.ts';
import { clearSessionCookies, setSessionCookies, sourceOf } from './session.ts';
import { addRecordingRoutes, type RecordingsApi } from './recordings.ts';
import { addPrivacyRoutes, type PrivacyApi } from './privacy.ts';
import { addCdrRoutes, type CdrApi } from './cdr.ts';
import { addJobRoutes, type JobsApi } from './jobs.ts';
import { addProvisioningRoutes, type ProvisioningApi } from './provisioning.ts';
import { addDirectoryRoutes, type PersonalContactsApi } from './directory.ts';

/** The apply side as the API sees it (src/apply's Applier, passed in from main.ts). */
export interface ApplyView extends EventEmitter {
  readonly status: { state: string };
  preview(): unknown;
}

/** Call control (src/calls), passed in from main.ts. */
export interface CallApi {
  list(): Promise<ActiveCall[]>;
  clickToCall(req: ClickToCallRequest): Promise<ClickToCallResponse>;
  hangup(callId: string): Promise<void>;
  transfer(callId: string, req: TransferRequest): Promise<{ callId: string; to: string }>;
}

export interface CallEventsView extends EventEmitter {
  recent(limit: number): CallEvent[];
}

export interface WebhookDeliveriesView {
  list(q: { webhook?: string; limit?: number; before?: number }): unknown[];
}

/** The box at a glance (src/services/status-service.ts): 'status' events while listened to. */
export interface StatusView extends EventEmitter {
  snapshot(): Promise<SystemStatus>;
}

/** The first-boot wizard's state (src/services/setup-service.ts). */
export interface SetupView {
  state(): SetupState;
  complete(actor: Actor): SetupState;
  reset(actor: Actor): SetupState;
}

export interface ApiDeps {
  config: ConfigService;
  resources: ResourceService;
  auth: AuthService;
  backup: BackupService;
  health: HealthReporter;
  apply: ApplyView;
  calls?: CallApi;
  callEvents?: CallEventsView;
  webhookDeliveries?: WebhookDeliveriesView;
  status?: StatusView;
  setup?: SetupView;
  /** The HTTP port actually listened on (known after listen). */
  httpPort?: () => number;
  /** Audio of uploaded prompts (src/media/prompt-store.ts). */
  prompts?: PromptAudioApi;
  /** Files of the music classes (src/media/moh-store.ts). */
  moh?: MohFilesApi;
  /** Switch states (GET/PUT /switches/{name}/state). */
  switches?: SwitchService;
  /** Queue status and member actions (/queues/{name}/status, /queues/{name}/members/...). */
  queues?: QueueService;
  /** Conference rooms at run time (/conferences/{name}/participants, /status, /lock, /unlock). */
  conferences?: ConferenceService;
  /** The feature codes singleton (/feature-codes). */
  featureCodes?: SettingsService<'featureCodes'>;
  mailSettings?: SettingsService<'mail'>;
  serviceSettings?: SettingsService<'services'>;
  /** Voicemail greetings and messages on disk (src/media/voicemail-store.ts). */
  voicemail?: VoicemailSpoolApi;
  /** Sends a test message through the SMTP relay now (src/mail/outbox.ts sendTestMail): 400 without a relay, 502 when it fails. */
  mailTest?: (to: string) => Promise<{ accepted: string[]; response: string }>;
  /** Queue events and switch changes from Asterisk ('event' events; src/calls/queue-events.ts). */
  liveEvents?: EventEmitter;
  /** Call recordings for the privacy admin (/recordings; src/recordings/recording-service.ts). */
  recordings?: RecordingsApi;
  /** The privacy key, unlock per session, re-encryption (/privacy; src/crypto/privacy-service.ts). */
  privacy?: PrivacyApi;
  /** DND, forward, lock and call back of extensions at run time (/extensions/{n}/state; 'event' events: extension.state). */
  userState?: UserStateService;
  /** Phone provisioning at run time: preview, request log, discovered phones, NOTIFY, vendors (src/provisioning/). */
  provisioning?: ProvisioningApi;
  /** The provisioning settings singleton (/provisioning/settings). */
  provisioningSettings?: SettingsService<'provisioning'>;
  /** The LDAP directory settings singleton (/directory). */
  directorySettings?: SettingsService<'directory'>;
  /** The users' personal contacts (/me/contacts; src/store/contact-store.ts). */
  contacts?: PersonalContactsApi;
  /** The SNMP agent settings singleton (/snmp). */
  snmpSettings?: SettingsService<'snmp'>;
  /** CDR retention and reports singleton (/cdr/settings). */
  cdrSettings?: SettingsService<'cdr'>;
  /** Call detail records, queue calls, exports, /me/calls, legal holds (/cdr...; src/cdr/cdr-service.ts). */
  cdr?: CdrApi;
  /** Retention runs and CDR reports sent now (/cdr/retention, /cdr/reports/{name}/send; src/jobs/). */
  jobs?: JobsApi;
}

type PromptLanguage = z.infer<typeof languageSchema>;
const promptAudioSchema = z.object({ language: languageSchema, durationSeconds: z.number(), bytes: z.number().int() }).strict();
export type PromptAudioInfo = z.infer<typeof promptAudioSchema>;

/** Prompt audio on disk (src/media/prompt-store.ts's PromptStore), passed in from main.ts. */
export interface PromptAudioApi {
  /** Largest upload it takes: the API refuses larger bodies (413) before reading them. */
  readonly maxBytes: number;
  /** Converts and stores (replaces) the audio of a language; ValidationError (400, field `audio`) for what it refuses. */
  store(name: string, language: PromptLanguage, data: Uint8Array): Promise<PromptAudioInfo>;
  list(name: string): PromptAudioInfo[];
  /** NotFoundError when the prompt has no audio in that language. */
  open(name: string, language: PromptLanguage): { stream: Readable; bytes: number };
  remove(name: string, language: PromptLanguage): Promise<void>;
  removeAll(name: string): Promise<unknown>;
}

const mohFileSchema = z.object({ name: z.string(), durationSeconds: z.number(), bytes: z.number().int() }).strict();
export type MohFileInfo = z.infer<typeof mohFileSchema>;

/** Music class files on disk (src/media/moh-store.ts's MohStore), passed in from main.ts. */
export interface MohFilesApi {
  /** Largest upload it takes: the API refuses larger bodies (413) before reading them. */
  readonly maxBytes: number;
  /** Converts and stores (replaces) a file; ValidationError (400, field `audio` or `file`) for what it refuses. */
  store(cls: string, file: string, data: Uint8Array): Promise<MohFileInfo>;
  list(cls: string): MohFileInfo[];
  /** NotFoundError when the class has no such file. */
  open(cls: string, file: string): { stream: Readable; bytes: number };
  remove(cls: string, file: string): Promise<void>;
  removeClass(cls: string): Promise<void>;
}

const greetingSchema = z.object({ kind: z.enum(GREETING_KINDS), durationSeconds: z.number(), bytes: z.number().int() }).strict();
const voicemailMessageSchema = z
  .object({
    id: z.string().describe("app_voicemail's message id (stable while the message exists)"),
    folder: z.enum(VOICEMAIL_FOLDERS).describe('INBOX: new; Old: heard; the others: saved by the user'),
    index: z.number().int().describe('Position in its folder'),
    callerId: z.string(),
    callerNumber: z.string().optional(),
    callerName: z.string().optional(),
    receivedAt: z.string(),
    durationSeconds: z.number(),
    bytes: z.number().int(),
  })
  .strict();

/** Voicemail greetings and messages on disk (src/media/voicemail-store.ts's VoicemailStore), passed in from main.ts. */
export interface VoicemailSpoolApi {
  /** Largest greeting upload it takes (413 beyond, before reading). */
  readonly maxBytes: number;
  /** NotFoundError for a number without a mailbox; ValidationError (400, field `audio`) for what it refuses. */
  storeGreeting(box: string, kind: GreetingKind, data: Uint8Array): Promise<z.infer<typeof greetingSchema>>;
  greetings(box: string): z.infer<typeof greetingSchema>[];
  openGreeting(box: string, kind: GreetingKind): { stream: Readable; bytes: number };
  removeGreeting(box: string, kind: GreetingKind): void;
  messages(box: string): z.infer<typeof voicemailMessageSchema>[];
  openMessage(box: string, id: string): { stream: Readable; bytes: number };
  deleteMessage(box: string, id: string): Promise<void>;
}

/** Media types a prompt upload may be sent as (the content decides: WAV or MP3). */
const AUDIO_TYPES = ['audio/wav', 'audio/x-wav', 'audio/wave', 'audio/vnd.wave', 'audio/mpeg', 'audio/mp3', 'application/octet-stream'];
/** Browsers send .csv files as any of these. */
const CSV_TYPES = ['text/csv', 'text/plain', 'application/csv', 'application/vnd.ms-excel'];
/** A full table (100 000 rows of a 30-digit key and a 32-letter route) fits with room to spare. */
const LOOKUP_CSV_MAX_BYTES = 8 * 1024 * 1024;

/** Refuses (415) a body whose Content-Type is not one of `types`; none at all is taken as raw bytes. */
function requireMediaType(req: IncomingMessage, types: string[], what: string): void {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type && !types.includes(type)) throw new PbxError('unsupported_media_type', `send ${what} with Content-Type ${types.join(', ')} (not ${type})`);
}

/**
 * Reads a raw body of at most `limit` bytes. A larger one is refused (413) from its
 * Content-Length before anything is read, or as soon as a chunked body passes the limit; what
 * the client still sends is read and dropped, so it gets the answer.
 */
function readRawBody(req: IncomingMessage, limit: number, field: string): Promise<Buffer> {
  const tooLarge = () => {
    const message = `larger than ${limit / 1024 / 1024} MB`;
    return new PbxError('payload_too_large', `the ${field} is ${message}`, [{ path: [field], message }]);
  };
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge());
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err: Error | undefined) => {
      if (done) return;
      done = true;
      if (err) {
        chunks.length = 0;
        reject(err);
      } else resolve(Buffer.concat(chunks, size));
    };
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) finish(tooLarge());
      else chunks.push(chunk);
    });
    req.once('end', () => finish(undefined));
    req.once('error', () => finish(new ValidationError('the upload was interrupted', [{ path: [field], message: 'interrupted' }])));
    req.once('close', () => finish(new ValidationError('the upload was interrupted', [{ path: [field], message: 'interrupted' }])));
  });
}

const applyResultSchema = z
  .object({
    ok: z.boolean(),
    changed: z.boolean(),
    pending: z.boolean().optional(),
    generation: z.number().int().optional(),
    revision: z.number().int().optional(),
    error: z.object({ message: z.string(), objects: z.array(z.string()), details: z.array(z.string()), at: z.string().optional(), revision: z.number().int().optional() }).optional(),
    /** Applied, but Asterisk lacks something for reasons outside the configuration (a carrier host that does not resolve). */
    warnings: z.array(z.string()).optional(),
  })
  .loose();

const writeResult = (item: z.ZodType) => z.object({ item, revision: z.number().int(), apply: applyResultSchema.optional() }).strict();
const listQuery = z
  .object({
    q: z.string().max(100).optional(),
    sort: z.string().max(40).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(50),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .catchall(z.string().max(200));
/** How often a long-lived event stream re-checks that its session or token is still valid. */
const STREAM_RECHECK_MS = 5_000;
const keyParams = z.object({ key: z.string().min(1).max(100) }).strict();
const okSchema = z.object({ revision: z.number().int(), apply: applyResultSchema.optional() }).strict();

const publicUserSchema = userSchema.extend({ mustChangePassword: z.boolean() });
const roleOut = roleSchema.extend({ builtIn: z.boolean() });
const tokenOut = z
  .object({
    id: z.string(),
    name: z.string(),
    scopes: permissionsSchema,
    createdBy: z.string(),
    createdAt: z.string(),
    lastUsedAt: z.string().optional(),
    revokedAt: z.string().optional(),
  })
  .strict();
const changeSchema = z.object({ object: z.string(), key: z.string(), change: z.string(), before: z.unknown().optional(), after: z.unknown().optional() }).loose();
const auditOut = z
  .object({
    id: z.number().int(),
    at: z.string(),
    actor: z.string(),
    source: z.string(),
    action: z.string(),
    objectType: z.string().optional(),
    objectKey: z.string().optional(),
    summary: z.string(),
    changes: z.array(changeSchema),
    revision: z.number().int(),
    revertible: z.boolean(),
  })
  .strict();
const auditQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(10_000).default(100),
    before: z.coerce.number().int().optional(),
    actor: z.string().max(100).optional(),
    action: z.string().max(100).optional(),
    objectType: z.string().max(100).optional(),
    objectKey: z.string().max(100).optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    format: z.enum(['json', 'csv']).default('json'),
  })
  .strict();
const previewSchema = z
  .object({
    revision: z.number().int(),
    runningGeneration: z.number().int().optional(),
    runningRevision: z.number().int().optional(),
    changed: z.boolean(),
    files: z.array(z.object({ name: z.string(), status: z.enum(['added', 'removed', 'changed', 'unchanged']), diff: z.string().optional() }).strict()),
    reloads: z.array(z.string()),
    restartRequired: z.array(z.string()),
  })
  .strict();
const statusSchema = z.object({ revision: z.number().int(), apply: z.object({ state: z.string() }).loose() }).strict();

function csvCell(v: unknown): string {
  const s = typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v);
  // A leading = + - @ would be a formula in a spreadsheet: neutralise it.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function buildApi(deps: ApiDeps): RouteRegistry {
  const r = new RouteRegistry();
  const { config, resources, auth } = deps;
  /** Trunk names and states belong to the trunks section: a system reader without it sees none. */
  const statusFor = (p: Principal | undefined, s: SystemStatus): SystemStatus => (p && allows(p.permissions, 'trunks', 'read') ? s : { ...s, trunks: [] });
  const canWrite = (p: Principal | undefined, col: Collection) => !!p && allows(p.permissions, col.section, 'write');
  const shown = (p: Principal | undefined, col: Collection, item: Record<string, unknown>) => (canWrite(p, col) ? item : maskItem(col, item));

  // ---- health and meta --------------------------------------------------------------------
  r.add({
    method: 'get',
    path: '/health',
    tag: 'system',
    summary: 'Health of the box: ok, or unhealthy with the reasons (details need a login)',
    access: { public: true },
    responses: { 200: z.object({ status: z.string(), parts: z.record(z.string(), z.unknown()) }).strict(), 503: z.object({ status: z.string(), parts: z.record(z.string(), z.unknown()) }).strict() },
    handler: ({ principal }) => {
      const h = deps.health.report();
      // Anonymous callers (load balancers, monitoring) learn only ok/not ok per part; the
      // reasons (Asterisk's error lines, paths) need a logged-in reader of the system section.
      const detailed = principal && allows(principal.permissions, 'system', 'read') && !principal.mustChangePassword;
      const parts = detailed ? h.parts : Object.fromEntries(Object.entries(h.parts).map(([k, v]) => [k, { ok: v.ok }]));
      return { status: h.status === 'ok' ? 200 : 503, body: { status: h.status, parts } };
    },
  });

  // ---- authentication ---------------------------------------------------------------------
  const loginBody = z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(256) }).strict();
  const meSchema = z.object({ user: publicUserSchema.optional(), kind: z.enum(['user', 'token']), name: z.string(), permissions: permissionsSchema, mustChangePassword: z.boolean(), csrf: z.string().optional() }).strict();
  r.add({
    method: 'post',
    path: '/auth/login',
    tag: 'auth',
    summary: 'Log in: sets the session cookie (HttpOnly) and the CSRF cookie; writes must echo the CSRF token in X-CSRF-Token',
    access: { public: true },
    body: loginBody,
    responses: { 200: z.object({ user: publicUserSchema, csrf: z.string(), expiresAt: z.string() }).strict(), 401: errorSchema, 429: errorSchema },
    handler: async ({ req, res, body }) => {
      const s = await auth.login(body.username, body.password, sourceOf(req));
      setSessionCookies(req, res, s);
      return { body: { user: s.user, csrf: s.csrf, expiresAt: s.expiresAt } };
    },
  });
  r.add({
    method: 'post',
    path: '/auth/logout',
    tag: 'auth',
    summary: 'End this session',
    access: { self: true },
    responses: { 204: 'none' },
    handler: ({ req, res, principal }) => {
      auth.logout(principal!, sourceOf(req));
      clearSessionCookies(res);
      return { status: 204 };
    },
  });
  r.add({
    method: 'get',
    path: '/auth/me',
    tag: 'auth',
    summary: 'Who is calling, with the effective permissions',
    access: { self: true },
    responses: { 200: meSchema },
    handler: ({ principal }) => {
      const p = principal!;
      return {
        body: {
          ...(p.kind === 'user' ? { user: auth.user(p.name) } : {}),
          kind: p.kind,
          name: p.name,
          permissions: p.permissions,
          mustChangePassword: p.mustChangePassword,
          ...(p.csrf ? { csrf: p.csrf } : {}),
        },
      };
    },
  });
  r.add({
    method: 'post',
    path: '/auth/password',
    tag: 'auth',
    summary: "Change the logged-in user's own password (required at first login)",
    access: { self: true },
    body: z.object({ currentPassword: z.string().min(1).max(256), newPassword: z.string().min(1).max(256) }).strict(),
    responses: { 204: 'none', 400: errorSchema },
    handler: async ({ req, principal, body }) => {
      await auth.changePassword(principal!, body.currentPassword, body.newPassword, sourceOf(req));
      return { status: 204 };
    },
  });
  r.add({
    method: 'get',
    path: '/auth/lockouts',
    tag: 'auth',
    summary: 'Recent failed logins and current lockouts, per user name and per source address',
    access: { section: 'users', level: 'read' },
    responses: { 200: z.object({ items: z.array(z.object({ kind: z.enum(['user', 'address']), key: z.string(), failures: z.number().int(), lockedUntil: z.string().optional() }).strict()) }).strict() },
    handler: () => ({ body: { items: auth.lockouts() } }),
  });
  r.add({
    method: 'delete',
    path: '/auth/lockouts/:kind/:key',
    tag: 'auth',
    summary: 'Clear a lockout before it expires',
    access: { section: 'users', level: 'write' },
    params: z.object({ kind: z.enum(['user', 'address']), key: z.string().min(1).max(100) }).strict(),
    responses: { 204: 'none', 404: errorSchema },
    handler: ({ params, actor }) => {
      auth.clearLockout(params.kind, params.key, actor);
      return { status: 204 };
    },
  });
  const kindQuery = z
    .object({
      kind: z.enum(['admin', 'sip', 'pin']).default('sip'),
      /** Several at once (bulk creation); the answer then also lists them all. */
      count: z.coerce.number().int().min(1).max(1000).optional(),
    })
    .strict();
  r.add({
    method: 'get',
    path: '/passwords/generate',
    tag: 'auth',
    summary: 'A strong password (admin, SIP device secret) or voicemail PIN; ?count=N (1-1000) also answers `passwords`, N of them (password = passwords[0])',
    access: { authenticated: true },
    query: kindQuery,
    responses: { 200: z.object({ password: z.string(), passwords: z.array(z.string()).optional() }).strict() },
    handler: ({ query }) => {
      if (query.count === undefined) return { body: { password: generateSecret(query.kind) } };
      const passwords = Array.from({ length: query.count }, () => generateSecret(query.kind));
      return { body: { password: passwords[0]!, passwords } };
    },
  });
  r.add({
    method: 'post',
    path: '/passwords/check',
    tag: 'auth',
    summary: 'Check a password, SIP secret or PIN against the strength rules without storing it',
    access: { authenticated: true },
    body: z.object({ kind: z.enum(['admin', 'sip', 'pin']), password: z.string().max(256), username: z.string().max(64).optional() }).strict(),
    responses: { 200: z.object({ ok: z.boolean(), problems: z.array(z.string()) }).strict() },
    handler: ({ body }) => {
      const problems = passwordProblems(body.password, { kind: body.kind, ...(body.username ? { username: body.username } : {}) });
      return { body: { ok: problems.length === 0, problems } };
    },
  });

  // ---- users, roles, tokens ---------------------------------------------------------------
  r.add({
    method: 'get',
    path: '/users',
    tag: 'users',
    summary: 'List users',
    access: { section: 'users', level: 'read' },
    responses: { 200: z.object({ items: z.array(publicUserSchema), total: z.number().int() }).strict() },
    handler: () => {
      const items = auth.users();
      return { body: { items, total: items.length } };
    },
  });
  r.add({
    method: 'get',
    path: '/users/:key',
    tag: 'users',
    summary: 'Get a user',
    access: { section: 'users', level: 'read' },
    params: keyParams,
    responses: { 200: publicUserSchema, 404: errorSchema },
    handler: ({ params }) => ({ body: auth.user(params.key) }),
  });
  r.add({
    method: 'post',
    path: '/users',
    tag: 'users',
    summary: 'Create a user; the password given is temporary (changed at first login)',
    access: { section: 'users', level: 'write' },
    body: authSchemas.userCreateSchema,
    responses: { 201: publicUserSchema, 400: errorSchema, 409: errorSchema },
    handler: async ({ body, actor, principal }) => ({ status: 201, body: await auth.createUser(body, actor, principal) }),
  });
  for (const [method, partial] of [['put', false], ['patch', true]] as const) {
    r.add({
      method,
      path: '/users/:key',
      tag: 'users',
      summary: partial ? 'Change some fields of a user (a new password is temporary)' : 'Replace a user (a new password is temporary)',
      access: { section: 'users', level: 'write' },
      params: keyParams,
      body: partial ? authSchemas.userPatchSchema : authSchemas.userUpdateSchema.omit({ username: true }).extend({ username: z.string().optional() }),
      responses: { 200: publicUserSchema, 400: errorSchema, 404: errorSchema, 409: errorSchema },
      handler: async ({ params, body, actor, principal }) => ({ body: await auth.updateUser(params.key, body, actor, partial, principal) }),
    });
  }
  r.add({
    method: 'delete',
    path: '/users/:key',
    tag: 'users',
    summary: 'Delete a user',
    access: { section: 'users', level: 'write' },
    params: keyParams,
    responses: { 204: 'none', 404: errorSchema, 409: errorSchema },
    handler: ({ params, actor, principal }) => {
      auth.deleteUser(params.key, actor, principal);
      return { status: 204 };
    },
  });
  r.add({
    method: 'get',
    path: '/roles',
    tag: 'users',
    summary: 'List roles (built-in and custom) with their permissions per section',
    access: { section: 'users', level: 'read' },
    responses: { 200: z.object({ items: z.array(roleOut), sections: z.array(z.enum(SECTIONS)), levels: z.array(z.enum(LEVELS)) }).strict() },
    handler: () => ({ body: { items: auth.roles(), sections: [...SECTIONS], levels: [...LEVELS] } }),
  });
  r.add({
    method: 'get',
    path: '/roles/:key',
    tag: 'users',
    summary: 'Get a role',
    access: { section: 'users', level: 'read' },
    params: keyParams,
    responses: { 200: roleOut, 404: errorSchema },
    handler: ({ params }) => ({ body: auth.role(params.key) }),
  });
  r.add({
    method: 'post',
    path: '/roles',
    tag: 'users',
    summary: 'Create a custom role',
    access: { section: 'users', level: 'write' },
    docBody: roleSchema,
    responses: { 201: roleSchema, 400: errorSchema, 409: errorSchema },
    handler: ({ req, actor, principal }) => ({ status: 201, body: auth.putRole(undefined, req.body, actor, 'create', principal) }),
  });
  for (const method of ['put', 'patch'] as const) {
    r.add({
      method,
      path: '/roles/:key',
      tag: 'users',
      summary: method === 'put' ? 'Replace a custom role' : 'Change some fields of a custom role',
      access: { section: 'users', level: 'write' },
      params: keyParams,
      docBody: method === 'put' ? roleSchema : z.record(z.string(), z.unknown()),
      responses: { 200: roleSchema, 400: errorSchema, 404: errorSchema, 409: errorSchema },
      handler: ({ req, params, actor, principal }) => ({ body: auth.putRole(params.key, req.body, actor, method === 'put' ? 'replace' : 'patch', principal) }),
    });
  }
  r.add({
    method: 'delete',
    path: '/roles/:key',
    tag: 'users',
    summary: 'Delete a custom role no user has',
    access: { section: 'users', level: 'write' },
    params: keyParams,
    responses: { 204: 'none', 404: errorSchema, 409: errorSchema },
    handler: ({ params, actor, principal }) => {
      auth.deleteRole(params.key, actor, principal);
      return { status: 204 };
    },
  });
  r.add({
    method: 'get',
    path: '/tokens',
    tag: 'users',
    summary: 'List API tokens (never their secrets)',
    access: { section: 'users', level: 'read' },
    responses: { 200: z.object({ items: z.array(tokenOut) }).strict() },
    handler: () => ({ body: { items: auth.tokens() } }),
  });
  r.add({
    method: 'post',
    path: '/tokens',
    tag: 'users',
    summary: 'Create an API token with scopes (a permission level per section); the token is shown once',
    access: { section: 'users', level: 'write' },
    body: authSchemas.tokenInputSchema,
    responses: { 201: z.object({ token: z.string(), info: tokenOut }).strict(), 400: errorSchema },
    handler: ({ req, body, principal }) => ({ status: 201, body: auth.createToken(body, principal!, sourceOf(req)) }),
  });
  r.add({
    method: 'delete',
    path: '/tokens/:key',
    tag: 'users',
    summary: 'Revoke an API token',
    access: { section: 'users', level: 'write' },
    params: keyParams,
    responses: { 204: 'none', 404: errorSchema, 409: errorSchema },
    handler: ({ params, actor }) => {
      auth.revokeToken(params.key, actor);
      return { status: 204 };
    },
  });

  // ---- model objects ------------------------------------------------------------------------
  const collectionInfo = z
    .object({
      type: z.string(),
      path: z.string(),
      keyField: z.string(),
      section: z.enum(SECTIONS),
      ordered: z.boolean(),
      fields: z.array(z.string()),
      search: z.array(z.string()),
      secrets: z.array(z.string()),
    })
    .strict();
  r.add({
    method: 'get',
    path: '/collections',
    tag: 'meta',
    summary: 'The object collections the caller may read: URL path, key field, permission section, order, filter/sort fields, searched fields, secret fields',
    access: { authenticated: true },
    responses: { 200: z.object({ items: z.array(collectionInfo) }).strict() },
    handler: ({ principal }) => ({
      body: {
        items: COLLECTIONS.filter((c) => allows(principal!.permissions, c.section, 'read')).map((c) => ({
          type: c.type,
          path: c.path,
          keyField: c.keyField,
          section: c.section,
          ordered: c.ordered,
          fields: [...c.fields],
          search: [...c.search],
          secrets: [...c.secrets],
        })),
      },
    }),
  });

  // Before the collections: GET /phones/export must not be taken for GET /phones/{key}.
  addProvisioningRoutes(r, { config, resources, provisioning: deps.provisioning, settings: deps.provisioningSettings, httpPort: deps.httpPort });
  // Before the collections too: GET /phonebook/export is no contact.
  addDirectoryRoutes(r, { config, contacts: deps.contacts });

  for (const col of COLLECTIONS) {
    const tag = col.path;
    const item = col.schema;
    const base = `/${col.path}`;
    r.add({
      method: 'get',
      path: base,
      tag,
      summary: `List ${col.type}s: ?q= searches ${col.search.join(', ')}; filter with ?<field>=value and sort with ?sort=<field> or -<field> on ${col.fields.join(', ')}; ?limit= and ?offset= page`,
      access: { section: col.section, level: 'read' },
      query: listQuery,
      responses: { 200: z.object({ items: z.array(item), total: z.number().int(), limit: z.number().int(), offset: z.number().int() }).strict(), 400: errorSchema },
      handler: ({ principal, query }) => {
        const { q, sort, limit, offset, ...filters } = query as z.output<typeof listQuery>;
        const out = resources.list(col, { ...(q ? { q } : {}), ...(sort ? { sort } : {}), limit, offset, filters: filters as Record<string, string> });
        return { body: { ...out, items: out.items.map((i) => shown(principal, col, i)) } };
      },
    });
    r.add({
      method: 'get',
      path: `${base}/:key`,
      tag,
      summary: `Get a ${col.type} by ${col.keyField}`,
      access: { section: col.section, level: 'read' },
      params: keyParams,
      responses: { 200: item, 404: errorSchema },
      handler: ({ principal, params }) => ({ body: shown(principal, col, resources.get(col, params.key)) }),
    });
    r.add({
      method: 'post',
      path: base,
      tag,
      summary: `Create a ${col.type}${col.ordered ? ' (?position= places it; default last)' : ''}`,
      access: { section: col.section, level: 'write' },
      docBody: item,
      ...(col.ordered ? { query: z.object({ position: z.coerce.number().int().min(0).optional() }).strict() } : {}),
      responses: { 201: writeResult(item), 400: errorSchema, 409: errorSchema },
      handler: async ({ req, actor, query }) => {
        const position = (query as { position?: number } | undefined)?.position;
        return { status: 201, body: await resources.create(col, req.body, actor, position) };
      },
    });
    r.add({
      method: 'post',
      path: `${base}/bulk`,
      tag,
      summary: `Create 1 to ${BULK_MAX} ${col.type}s at once, all or nothing (one revision, one apply; one audit entry per object). Errors name the item: items[3].${col.keyField}`,
      access: { section: col.section, level: 'write' },
      docBody: z.object({ items: z.array(item).min(1).max(BULK_MAX) }).strict(),
      responses: {
        201: z.object({ items: z.array(item), revision: z.number().int(), apply: applyResultSchema.optional() }).strict(),
        400: errorSchema,
        409: errorSchema,
      },
      handler: async ({ req, actor }) => ({ status: 201, body: await resources.createMany(col, req.body, actor) }),
    });
    r.add({
      method: 'put',
      path: `${base}/:key`,
      tag,
      summary: `Replace a ${col.type} (the ${col.keyField} cannot change)`,
      access: { section: col.section, level: 'write' },
      params: keyParams,
      docBody: item,
      responses: { 200: writeResult(item), 400: errorSchema, 404: errorSchema, 409: errorSchema },
      handler: async ({ req, params, actor }) => ({ body: await resources.replace(col, params.key, req.body, actor, 'put') }),
    });
    r.add({
      method: 'patch',
      path: `${base}/:key`,
      tag,
      summary: `Change some fields of a ${col.type} (JSON merge patch: null removes a field)`,
      access: { section: col.section, level: 'write' },
      params: keyParams,
      docBody: z.record(z.string(), z.unknown()),
      responses: { 200: writeResult(item), 400: errorSchema, 404: errorSchema, 409: errorSchema },
      handler: async ({ req, params, actor }) => ({ body: await resources.replace(col, params.key, req.body, actor, 'patch') }),
    });
    r.add({
      method: 'delete',
      path: `${base}/:key`,
      tag,
      summary: `Delete a ${col.type}; refused (409, listing them) while other objects use it`,
      access: { section: col.section, level: 'write' },
      params: keyParams,
      responses: { 200: okSchema, 404: errorSchema, 409: errorSchema },
      handler: async ({ params, actor }) => {
        const out = await resources.remove(col, params.key, actor);
        // A deleted prompt's recordings go with it. The model change is committed by now: a
        // file that cannot be removed is only left for the start-up sweep, never an error here.
        if (col.path === 'prompts') await deps.prompts?.removeAll(params.key).catch(() => undefined);
        if (col.path === 'moh-classes') await deps.moh?.removeClass(params.key).catch(() => undefined);
        return { body: out };
      },
    });
    if (col.ordered) {
      r.add({
        method: 'post',
        path: `${base}/:key/move`,
        tag,
        summary: `Move a ${col.type} to another position (order is ${col.type === 'trunk' ? 'emergency failover' : 'match'} order)`,
        access: { section: col.section, level: 'write' },
        params: keyParams,
        body: z.object({ position: z.number().int().min(0) }).strict(),
        responses: { 200: z.object({ revision: z.number().int(), order: z.array(z.string()) }).strict(), 400: errorSchema, 404: errorSchema },
        handler: async ({ params, body, actor }) => ({ body: await resources.move(col, params.key, body.position, actor) }),
      });
    }
  }

  // ---- prompt audio and lookup tables (files, not JSON) -------------------------------------
  const promptAudio = () => {
    if (!deps.prompts) throw new UnavailableError('prompt audio is not available');
    return deps.prompts;
  };
  const promptCol = resources.collection('prompts');
  const lookupCol = resources.collection('lookups');
  const audioParams = z.object({ key: z.string().min(1).max(100), lang: languageSchema }).strict();
  r.add({
    method: 'put',
    path: '/prompts/:key/audio/:lang',
    tag: 'prompts',
    summary:
      'Upload the recording of a prompt in a language (raw body: a WAV or MP3 file, Content-Type audio/wav, audio/mpeg or application/octet-stream; at most 20 MB and 10 minutes). ' +
      'Converted to 8 kHz mono 16-bit WAV for Asterisk; replaces the recording of that language. Not audio, a broken file, too long: 400 on field audio; too large: 413',
    access: { section: promptCol.section, level: 'write' },
    params: audioParams,
    bodyType: 'audio/wav',
    responses: {
      200: z.object({ prompt: z.string(), language: languageSchema, durationSeconds: z.number(), bytes: z.number().int() }).strict(),
      400: errorSchema,
      404: errorSchema,
      413: errorSchema,
      415: errorSchema,
      503: errorSchema,
    },
    handler: async ({ req, params, actor }) => {
      resources.get(promptCol, params.key);
      const audio = promptAudio();
      requireMediaType(req, AUDIO_TYPES, 'a WAV or MP3 recording');
      const data = await readRawBody(req, audio.maxBytes, 'audio');
      const info = await audio.store(params.key, params.lang, data);
      // Deleted while it was converted: no recording may outlive its prompt.
      if (!promptCol.get(config.get()).some((p) => p.name === params.key)) {
        await audio.removeAll(params.key).catch(() => undefined);
        throw new NotFoundError(`prompt ${params.key} does not exist`);
      }
      config.record(
        actor,
        'prompts.audio.upload',
        { type: promptCol.type, key: params.key },
        `recording in ${params.lang} uploaded (${info.durationSeconds} s, ${info.bytes} bytes as stored)`,
      );
      return { body: { prompt: params.key, ...info } };
    },
  });
  r.add({
    method: 'get',
    path: '/prompts/:key/audio',
    tag: 'prompts',
    summary: 'The languages a prompt has a recording in, with its duration and stored size',
    access: { section: promptCol.section, level: 'read' },
    params: keyParams,
    responses: { 200: z.object({ languages: z.array(promptAudioSchema) }).strict(), 404: errorSchema, 503: errorSchema },
    handler: ({ params }) => {
      resources.get(promptCol, params.key);
      return { body: { languages: promptAudio().list(params.key) } };
    },
  });
  r.add({
    method: 'get',
    path: '/prompts/:key/audio/:lang',
    tag: 'prompts',
    summary: 'The recording of a prompt in a language, as stored for Asterisk (audio/wav, 8 kHz mono), for listening',
    access: { section: promptCol.section, level: 'read' },
    params: audioParams,
    responses: { 200: 'audio/wav', 400: errorSchema, 404: errorSchema, 503: errorSchema },
    handler: ({ res, params }) => {
      resources.get(promptCol, params.key);
      const { stream, bytes } = promptAudio().open(params.key, params.lang);
      res.status(200);
      res.setHeader('Content-Type', 'audio/wav');
      res.setHeader('Content-Length', String(bytes));
      res.setHeader('Content-Disposition', `inline; filename="${params.key}-${params.lang}.wav"`);
      stream.on('error', () => res.destroy());
      stream.pipe(res);
      return { raw: true };
    },
  });
  r.add({
    method: 'delete',
    path: '/prompts/:key/audio/:lang',
    tag: 'prompts',
    summary: 'Delete the recording of a prompt in a language',
    access: { section: promptCol.section, level: 'write' },
    params: audioParams,
    responses: { 204: 'none', 400: errorSchema, 404: errorSchema, 503: errorSchema },
    handler: async ({ params, actor }) => {
      resources.get(promptCol, params.key);
      await promptAudio().remove(params.key, params.lang);
      config.record(actor, 'prompts.audio.delete', { type: promptCol.type, key: params.key }, `recording in ${params.lang} deleted`);
      return { status: 204 };
    },
  });
  // ---- music class files ------------------------------------------------------------------
  const mohFiles = () => {
    if (!deps.moh) throw new UnavailableError('music on hold files are not available');
    return deps.moh;
  };
  const mohCol = resources.collection('moh-classes');
  const mohFileParams = z.object({ key: z.string().min(1).max(100), file: z.string().min(1).max(100) }).strict();
  r.add({
    method: 'put',
    path: '/moh-classes/:key/files/:file',
    tag: 'moh-classes',
    summary:
      'Upload a file of a music class (raw body: a WAV or MP3 file, Content-Type audio/wav, audio/mpeg or application/octet-stream; at most 20 MB and 30 minutes). ' +
      'Stored as 8 kHz mono µ-law, A-law and 16-bit WAV, so calls play it without transcoding; replaces a file of that name (an .mp3/.wav ending of the name is dropped) and plays at once, without an apply. ' +
      'Not audio, a broken file, too long, a bad name: 400; too large: 413; 100 files in the class already: 409',
    access: { section: mohCol.section, level: 'write' },
    params: mohFileParams,
    bodyType: 'audio/wav',
    responses: {
      200: z.object({ musicClass: z.string(), name: z.string(), durationSeconds: z.number(), bytes: z.number().int() }).strict(),
      400: errorSchema,
      404: errorSchema,
      409: errorSchema,
      413: errorSchema,
      415: errorSchema,
      503: errorSchema,
    },
    handler: async ({ req, params, actor }) => {
      resources.get(mohCol, params.key);
      const moh = mohFiles();
      requireMediaType(req, AUDIO_TYPES, 'a WAV or MP3 file');
      const data = await readRawBody(req, moh.maxBytes, 'audio');
      const info = await moh.store(params.key, params.file, data);
      // Deleted while it was converted: no file may outlive its class.
      if (!mohCol.get(config.get()).some((m) => m.name === params.key)) {
        await moh.removeClass(params.key).catch(() => undefined);
        throw new NotFoundError(`music class ${params.key} does not exist`);
      }
      config.record(actor, 'moh.file.upload', { type: mohCol.type, key: params.key }, `file ${info.name} uploaded (${info.durationSeconds} s)`);
      return { body: { musicClass: params.key, ...info } };
    },
  });
  r.add({
    method: 'get',
    path: '/moh-classes/:key/files',
    tag: 'moh-classes',
    summary: 'The files of a music class, with their duration and stored WAV size (none: the class plays the default music)',
    access: { section: mohCol.section, level: 'read' },
    params: keyParams,
    responses: { 200: z.object({ files: z.array(mohFileSchema) }).strict(), 404: errorSchema, 503: errorSchema },
    handler: ({ params }) => {
      resources.get(mohCol, params.key);
      return { body: { files: mohFiles().list(params.key) } };
    },
  });
  r.add({
    method: 'get',
    path: '/moh-classes/:key/files/:file',
    tag: 'moh-classes',
    summary: 'A file of a music class, as stored for Asterisk (audio/wav, 8 kHz mono), for listening',
    access: { section: mohCol.section, level: 'read' },
    params: mohFileParams,
    responses: { 200: 'audio/wav', 400: errorSchema, 404: errorSchema, 503: errorSchema },
    handler: ({ res, params }) => {
      resources.get(mohCol, params.key);
      const { stream, bytes } = mohFiles().open(params.key, params.file);
      res.status(200);
      res.setHeader('Content-Type', 'audio/wav');
      res.setHeader('Content-Length', String(bytes));
      res.setHeader('Content-Disposition', `inline; filename="${params.key}-${params.file.replace(/[^A-Za-z0-9_.-]/g, '')}.wav"`);
      stream.on('error', () => res.destroy());
      stream.pipe(res);
      return { raw: true };
    },
  });
  r.add({
    method: 'delete',
    path: '/moh-classes/:key/files/:file',
    tag: 'moh-classes',
    summary: 'Delete a file of a music class (it stops being played at once)',
    access: { section: mohCol.section, level: 'write' },
    params: mohFileParams,
    responses: { 204: 'none', 400: errorSchema, 404: errorSchema, 503: errorSchema },
    handler: async ({ params, actor }) => {
      resources.get(mohCol, params.key);
      await mohFiles().remove(params.key, params.file);
      config.record(actor, 'moh.file.delete', { type: mohCol.type, key: params.key }, `file ${params.file} deleted`);
      return { status: 204 };
    },
  });
  r.add({
    method: 'put',
    path: '/lookups/:key/table',
    tag: 'lookups',
    summary:
      `Replace a lookup's source with a table from CSV (Content-Type text/csv): one line key,route per code, an optional header line key,route, up to ${LOOKUP_TABLE_MAX_ROWS} rows; ` +
      'quoted fields allowed, ; as separator too. All or nothing, validated and audited like any change; each error names its line',
    access: { section: lookupCol.section, level: 'write' },
    params: keyParams,
    bodyType: 'text/csv',
    responses: {
      200: z.object({ rows: z.number().int(), revision: z.number().int(), apply: applyResultSchema.optional() }).strict(),
      400: errorSchema,
      404: errorSchema,
      409: errorSchema,
      413: errorSchema,
      415: errorSchema,
    },
    handler: async ({ req, params, actor }) => {
      const lookup = resources.get(lookupCol, params.key) as Lookup;
      requireMediaType(req, CSV_TYPES, 'the table as CSV');
      const text = (await readRawBody(req, LOOKUP_CSV_MAX_BYTES, 'table')).toString('utf8');
      // A header line and one row past the limit are parsed, so an overlong file is named as such.
      const csv = parseCsv(text, { maxRecords: LOOKUP_TABLE_MAX_ROWS + 2 });
      const syntax: FieldError[] = csv.errors.map((e) => ({ path: ['table'], line: e.line, message: `line ${e.line}: ${e.message}` }));
      if (csv.truncated) syntax.push({ path: ['table'], message: `at most ${LOOKUP_TABLE_MAX_ROWS} rows` });
      if (syntax.length) throw new ValidationError('the file is not valid CSV; nothing was changed', syntax);
      const { rows, lines } = lookupTableFromCsv(csv.records, lookup.routes.map((x) => x.name));
      try {
        const out = await resources.replace(lookupCol, params.key, { ...lookup, source: { table: rows } }, actor, 'put');
        return { body: { rows: rows.length, revision: out.revision, ...(out.apply ? { apply: out.apply } : {}) } };
      } catch (err) {
        // What the model still finds about a row (source.table[i]...) names the row's line.
        if (!(err instanceof ValidationError)) throw err;
        const fields = err.fields.map((f): FieldError => {
          const [a, b, i] = f.path;
          const line = a === 'source' && b === 'table' && typeof i === 'number' ? lines[i] : undefined;
          return line === undefined ? f : { path: ['table'], line, message: `line ${line}: ${f.message}` };
        });
        throw new ValidationError(err.message, fields);
      }
    },
  });
  r.add({
    method: 'get',
    path: '/lookups/:key/table',
    tag: 'lookups',
    summary: "A lookup's table as CSV (text/csv: a header line key,route, then one line per code); 404 when it asks a web service instead",
    access: { section: lookupCol.section, level: 'read' },
    params: keyParams,
    responses: { 200: 'text/csv', 404: errorSchema },
    handler: ({ res, params }) => {
      const rows = lookupTableRows(resources.get(lookupCol, params.key) as Lookup);
      if (!rows) throw new NotFoundError(`lookup ${params.key} has no table: it asks a web service`);
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="${params.key}.csv"`);
      res.status(200).end(formatCsv(rows));
      return { raw: true };
    },
  });

  for (const [method, mode] of [['put', 'put'], ['patch', 'patch']] as const) {
    r.add({
      method,
      path: '/system',
      tag: 'system',
      summary: mode === 'put' ? 'Replace the system settings' : 'Change some system settings (JSON merge patch)',
      access: { section: 'system', level: 'write' },
      docBody: mode === 'put' ? systemSchema : z.record(z.string(), z.unknown()),
      responses: { 200: writeResult(systemSchema), 400: errorSchema },
      handler: async ({ req, actor }) => ({ body: await resources.putSystem(req.body, actor, mode) }),
    });
  }
  r.add({
    method: 'get',
    path: '/system',
    tag: 'system',
    summary: 'System settings',
    access: { section: 'system', level: 'read' },
    responses: { 200: systemSchema },
    handler: () => ({ body: resources.system() }),
  });
  r.add({
    method: 'get',
    path: '/system/status',
    tag: 'system',
    summary: 'The box at a glance: host figures, Asterisk, active calls, registered devices, trunk states, apply state, health with reasons (the event stream sends it as "status")',
    access: { section: 'system', level: 'read' },
    responses: { 200: systemStatusSchema, 503: errorSchema },
    handler: async ({ principal }) => {
      if (!deps.status) throw new UnavailableError('the status service is not available');
      return { body: statusFor(principal, await deps.status.snapshot()) };
    },
  });
  const interfaceSchema = z.object({ name: z.string(), address: z.string(), family: z.enum(['IPv4', 'IPv6']), cidr: z.string(), mac: z.string() }).strict();
  r.add({
    method: 'get',
    path: '/system/network',
    tag: 'system',
    summary: 'Network summary: host name, addresses of the interfaces (IPv4 first), external address, SIP and HTTP ports, the provisioning URLs phones use',
    access: { section: 'system', level: 'read' },
    responses: {
      200: z
        .object({
          hostname: z.string(),
          interfaces: z.array(interfaceSchema),
          externalAddress: z.string().nullable(),
          sipPort: z.number().int(),
          httpPort: z.number().int(),
          provisioningUrls: z.array(z.string()),
        })
        .strict(),
    },
    handler: ({ req }) => {
      const { hostname, interfaces } = networkInterfaces();
      const system = resources.system();
      const httpPort = deps.httpPort?.() ?? req.socket.localPort ?? 0;
      return {
        body: {
          hostname,
          interfaces,
          externalAddress: system.externalAddress ?? null,
          sipPort: system.sipPort,
          httpPort,
          provisioningUrls: interfaces.filter((i) => i.family === 'IPv4').map((i) => `http://${i.address}:${httpPort}/provisioning/`),
        },
      };
    },
  });

  // ---- first-boot setup -------------------------------------------------------------------------
  /** These actions take no input: an empty object or no body at all. */
  const noBody = z.object({}).strict();
  const setupSchema = z.object({ completed: z.boolean(), completedAt: z.string().nullable(), completedBy: z.string().nullable() }).strict();
  const setup = () => {
    if (!deps.setup) throw new UnavailableError('the setup state is not available');
    return deps.setup;
  };
  r.add({
    method: 'get',
    path: '/setup',
    tag: 'system',
    summary: 'Whether the first-boot setup wizard has been completed (the GUI shows it until then)',
    access: { authenticated: true },
    responses: { 200: setupSchema, 503: errorSchema },
    handler: () => ({ body: setup().state() }),
  });
  r.add({
    method: 'post',
    path: '/setup/complete',
    tag: 'system',
    summary: 'Mark the first-boot setup as completed (audited; completing again changes nothing)',
    access: { section: 'system', level: 'write' },
    body: noBody,
    responses: { 200: setupSchema, 400: errorSchema, 503: errorSchema },
    handler: ({ actor }) => ({ body: setup().complete(actor) }),
  });
  r.add({
    method: 'post',
    path: '/setup/reset',
    tag: 'system',
    summary: 'Show the first-boot setup wizard again (audited)',
    access: { section: 'system', level: 'write' },
    body: noBody,
    responses: { 200: setupSchema, 400: errorSchema, 503: errorSchema },
    handler: ({ actor }) => ({ body: setup().reset(actor) }),
  });
  r.add({
    method: 'get',
    path: '/emergency-numbers',
    tag: 'routing',
    summary: 'Emergency numbers (always allowed, through every trunk in order)',
    access: { section: 'routing', level: 'read' },
    responses: { 200: z.object({ numbers: z.array(z.string()) }).strict() },
    handler: () => ({ body: { numbers: resources.emergencyNumbers() } }),
  });
  r.add({
    method: 'put',
    path: '/emergency-numbers',
    tag: 'routing',
    summary: 'Replace the emergency numbers',
    access: { section: 'routing', level: 'write' },
    body: z.object({ numbers: z.array(z.string().max(10)).max(20) }).strict(),
    responses: { 200: writeResult(z.array(z.string())), 400: errorSchema, 409: errorSchema },
    handler: async ({ body, actor }) => ({ body: await resources.putEmergencyNumbers(body.numbers, actor) }),
  });

  // ---- configuration as a whole -------------------------------------------------------------
  r.add({
    method: 'get',
    path: '/config/status',
    tag: 'config',
    summary: 'Model revision and apply status (idle, pending, applying, applied, failed with the reason)',
    access: { section: 'system', level: 'read' },
    responses: { 200: statusSchema },
    handler: () => ({ body: { revision: config.revision(), apply: deps.apply.status } }),
  });
  r.add({
    method: 'get',
    path: '/config/preview',
    tag: 'config',
    summary: 'The rendered Asterisk files and their diff against the running generation, before anything applies',
    access: { section: 'system', level: 'read' },
    responses: { 200: previewSchema, 400: errorSchema },
    handler: () => {
      try {
        return { body: deps.apply.preview() };
      } catch (err) {
        throw new ValidationError('the current model cannot be rendered', [{ path: [], message: (err as Error).message }]);
      }
    },
  });
  r.add({
    method: 'get',
    path: '/backup',
    tag: 'config',
    summary: 'Download a backup archive of the whole configuration (gzip JSON with its schema version; contains secrets)',
    access: { section: 'system', level: 'write' },
    responses: { 200: 'application/gzip' },
    handler: ({ res, actor }) => {
      const b = deps.backup.create();
      config.record(actor, 'backup.download', { type: 'configuration', key: '*' }, `backup downloaded (${b.data.length} bytes)`);
      res.setHeader('Content-Type', 'application/gzip');
      res.setHeader('Content-Disposition', `attachment; filename="${b.name}"`);
      res.status(200).end(b.data);
      return { raw: true };
    },
  });
  r.add({
    method: 'post',
    path: '/backup/restore',
    tag: 'config',
    summary: 'Restore a backup archive (application/gzip or application/json): one audited change, refused whole when anything is wrong',
    access: { section: 'system', level: 'write' },
    bodyType: 'application/gzip',
    responses: { 200: z.object({ revision: z.number().int(), changes: z.number().int(), apply: applyResultSchema.optional() }).strict(), 400: errorSchema, 409: errorSchema },
    handler: async ({ req, actor, principal }) => {
      // A restore replaces every object and the custom roles: it needs write on all of it, and
      // the roles it brings may not exceed the caller's own rights.
      for (const section of new Set([...COLLECTIONS.map((c) => c.section), 'system', 'routing', 'users'] as const)) {
        if (!allows(principal!.permissions, section, 'write')) throw new ForbiddenError(`a restore replaces everything: it needs write on ${section}`);
      }
      const body: unknown = req.body;
      if (body === undefined || (Buffer.isBuffer(body) && body.length === 0))
        throw new ValidationError('send the archive as the request body (Content-Type: application/gzip or application/json)', []);
      const out = await deps.backup.restore(body, actor, principal!.permissions);
      return { body: { revision: out.revision, changes: out.changes.length, ...(out.apply ? { apply: out.apply } : {}) } };
    },
  });

  // ---- audit log ------------------------------------------------------------------------------
  r.add({
    method: 'get',
    path: '/audit',
    tag: 'audit',
    summary: 'The audit log, newest first: filter by actor, action, object, time; ?format=csv exports CSV',
    access: { section: 'audit', level: 'read' },
    query: auditQuery,
    responses: { 200: z.object({ items: z.array(auditOut) }).strict(), 400: errorSchema },
    handler: ({ res, query }) => {
      const { format, ...rest } = query;
      // Stored times are UTC ISO strings compared as text: bring any offset to UTC first.
      const utc = (v: string | undefined) => (v ? new Date(v).toISOString() : undefined);
      const q = { ...rest, ...(rest.from ? { from: utc(rest.from) } : {}), ...(rest.to ? { to: utc(rest.to) } : {}) };
      const items = config.auditLog(q).map(({ undo, ...e }) => ({ ...e, revertible: !!undo?.length }));
      if (format === 'csv') {
        const cols = ['id', 'at', 'actor', 'source', 'action', 'objectType', 'objectKey', 'summary', 'revision', 'changes'] as const;
        const lines = [cols.join(','), ...items.map((e) => cols.map((c) => csvCell((e as Record<string, unknown>)[c])).join(','))];
        res.setHeader('Content-Type', 'text/csv; charset=utf-8');
        res.setHeader('Content-Disposition', 'attachment; filename="audit.csv"');
        res.status(200).end(lines.join('\r\n') + '\r\n');
        return { raw: true };
      }
      return { body: { items } };
    },
  });
  r.add({
    method: 'get',
    path: '/audit/:id',
    tag: 'audit',
    summary: 'One audit entry with its before/after',
    access: { section: 'audit', level: 'read' },
    params: z.object({ id: z.coerce.number().int().min(1) }).strict(),
    responses: { 200: auditOut, 404: errorSchema },
    handler: ({ params }) => {
      const e = config.auditEntry(params.id);
      if (!e) throw new NotFoundError(`audit entry ${params.id} does not exist`);
      const { undo, ...rest } = e;
      return { body: { ...rest, revertible: !!undo?.length } };
    },
  });
  r.add({
    method: 'post',
    path: '/audit/:id/revert',
    tag: 'audit',
    summary: 'Restore every object an audit entry changed to its state before it (an audited change itself, validated like any other)',
    access: { section: 'system', level: 'write' },
    params: z.object({ id: z.coerce.number().int().min(1) }).strict(),
    responses: { 200: z.object({ revision: z.number().int(), changes: z.array(changeSchema), auditId: z.number().int().optional(), apply: applyResultSchema.optional() }).strict(), 404: errorSchema, 409: errorSchema, 400: errorSchema },
    handler: async ({ params, actor, principal }) => {
      // Reverting writes whatever the entry touched: the caller needs write on each of those sections.
      const entry = config.auditEntry(params.id);
      for (const u of entry?.undo ?? []) {
        const section = collectionOfType(u.type)?.section ?? (u.type === 'system' ? 'system' : 'routing');
        if (!allows(principal!.permissions, section, 'write')) throw new ForbiddenError(`reverting entry ${params.id} changes ${u.type} ${u.key}: it needs write on ${section}`);
      }
      const out = await config.revert(params.id, actor);
      // The revert's own audit entry (written with the revision it produced), so a client can show it.
      const own = out.changes.length ? config.auditLog({ action: 'audit.revert', limit: 50 }).find((e) => e.revision === out.revision) : undefined;
      return { body: { revision: out.revision, changes: out.changes, ...(own ? { auditId: own.id } : {}), ...(out.apply ? { apply: out.apply } : {}) } };
    },
  });

  // ---- extensions at run time: DND, forward, phone lock, call back --------------------------------
  const userStateApi = () => {
    if (!deps.userState) throw new UnavailableError('the state of extensions is not available (Asterisk disabled)');
    return deps.userState;
  };
  r.add({
    method: 'get',
    path: '/extensions/:key/state',
    tag: 'extensions',
    summary: "An extension's state as calls see it now: do-not-disturb and forward-always (as set from the phone or the configuration), phone lock, call-back request, last caller, registered devices",
    access: { section: 'extensions', level: 'read' },
    params: keyParams,
    responses: { 200: extensionStateSchema, 404: errorSchema, 503: errorSchema },
    handler: async ({ params }) => ({ body: await userStateApi().state(params.key) }),
  });
  for (const action of ['lock', 'unlock'] as const) {
    r.add({
      method: 'post',
      path: `/extensions/:key/${action}`,
      tag: 'extensions',
      summary:
        action === 'lock'
          ? "Lock the extension's phone, as its lock code does: its calls go through its locked class, emergency numbers always pass; audited"
          : "Unlock the extension's phone without its PIN (a user who forgot it); audited",
      access: { section: 'extensions', level: 'write' },
      params: keyParams,
      body: z.object({}).strict(),
      responses: { 200: extensionStateSchema, 404: errorSchema, 503: errorSchema },
      handler: async ({ params, actor }) => ({ body: await userStateApi().setLock(params.key, action === 'lock', actor) }),
    });
  }

  // ---- switches, queues at run time, feature codes ---------------------------------------------
  const switchApi = () => {
    if (!deps.switches) throw new UnavailableError('switches are not available (Asterisk disabled)');
    return deps.switches;
  };
  const queueApi = () => {
    if (!deps.queues) throw new UnavailableError('queue status is not available (Asterisk disabled)');
    return deps.queues;
  };
  r.add({
    method: 'get',
    path: '/switches/:key/state',
    tag: 'switches',
    summary: "A switch's current state (the first one when none was ever set) and its states",
    access: { section: 'switches', level: 'read' },
    params: keyParams,
    responses: { 200: switchStatusSchema, 404: errorSchema, 503: errorSchema },
    handler: async ({ params }) => ({ body: await switchApi().status(params.key) }),
  });
  r.add({
    method: 'put',
    path: '/switches/:key/state',
    tag: 'switches',
    summary: 'Put a switch in one of its states, as its feature code does from a phone: calls follow it at once, BLF keys show it, the event stream sends switch.changed; audited',
    access: { section: 'switches', level: 'write' },
    params: keyParams,
    docBody: switchStateRequestSchema,
    responses: { 200: switchStatusSchema, 400: errorSchema, 404: errorSchema, 503: errorSchema },
    handler: async ({ req, params, actor }) => ({ body: await switchApi().setState(params.key, req.body, actor) }),
  });
  r.add({
    method: 'get',
    path: '/queues/:key/status',
    tag: 'queues',
    summary: 'Callers waiting in a queue and its members (static, then dynamic) with what they are doing: logged in, paused, on a call, calls taken',
    access: { section: 'groups', level: 'read' },
    params: keyParams,
    responses: { 200: queueStatusSchema, 404: errorSchema, 503: errorSchema },
    handler: async ({ params }) => ({ body: await queueApi().status(params.key) }),
  });
  for (const action of QUEUE_MEMBER_ACTIONS) {
    r.add({
      method: 'post',
      path: `/queues/:key/members/:extension/${action}`,
      tag: 'queues',
      summary:
        action === 'login' || action === 'logout'
          ? `${action === 'login' ? 'Log a dynamic member in to' : 'Log a dynamic member out of'} the queue (as the agent codes do; 400 for other extensions); answers the queue's status; audited`
          : `${action === 'pause' ? 'Pause' : 'Unpause'} a member of the queue (409 when it is not logged in); answers the queue's status; audited`,
      access: { section: 'groups', level: 'write' },
      params: z.object({ key: z.string().min(1).max(100), extension: extensionNumber }).strict(),
      body: z.object({}).strict(),
      responses: { 200: queueStatusSchema, 400: errorSchema, 404: errorSchema, 409: errorSchema, 503: errorSchema },
      handler: async ({ params, actor }) => ({ body: await queueApi().memberAction(params.key, params.extension, action, actor) }),
    });
  }
  // ---- conference rooms at run time --------------------------------------------------------------
  const conferenceApi = () => {
    if (!deps.conferences) throw new UnavailableError('conference rooms are not available (Asterisk disabled)');
    return deps.conferences;
  };
  r.add({
    method: 'get',
    path: '/conferences/:key/participants',
    tag: 'conferences',
    summary: 'Who is in a conference room: channel, caller, moderator or not, muted, when they joined (empty while nobody is in it)',
    access: { section: 'services', level: 'read' },
    params: keyParams,
    responses: { 200: conferenceParticipantsSchema, 404: errorSchema, 503: errorSchema },
    handler: async ({ params }) => ({ body: await conferenceApi().participants(params.key) }),
  });
  r.add({
    method: 'get',
    path: '/conferences/:key/status',
    tag: 'conferences',
    summary: 'Whether a conference room is running (someone is in it), locked, and how many are in it',
    access: { section: 'services', level: 'read' },
    params: keyParams,
    responses: { 200: conferenceStatusSchema, 404: errorSchema, 503: errorSchema },
    handler: async ({ params }) => ({ body: await conferenceApi().status(params.key) }),
  });
  for (const action of CONFERENCE_PARTICIPANT_ACTIONS) {
    r.add({
      method: 'post',
      path: `/conferences/:key/participants/:channel/${action}`,
      tag: 'conferences',
      summary: `${{ mute: 'Mute', unmute: 'Unmute', kick: 'Remove (hang up)' }[action]} a participant, named by its channel as the participant list gives it (URL-encoded: PJSIP%2F201-0000002a); answers who is in the room after it; audited`,
      access: { section: 'services', level: 'write' },
      // The channel is checked by the service (400 names the field): never passed to Asterisk as a prefix or with a line break.
      params: z.object({ key: z.string().min(1).max(100), channel: z.string().min(1).max(200) }).strict(),
      body: z.object({}).strict(),
      responses: { 200: conferenceParticipantsSchema, 400: errorSchema, 404: errorSchema, 503: errorSchema },
      handler: async ({ params, actor }) => ({ body: await conferenceApi().participantAction(params.key, params.channel, action, actor) }),
    });
  }
  for (const action of ['lock', 'unlock'] as const) {
    r.add({
      method: 'post',
      path: `/conferences/:key/${action}`,
      tag: 'conferences',
      summary:
        action === 'lock'
          ? 'Lock a running conference room: nobody but moderators may join (409 while nobody is in it; the lock ends with the room); audited'
          : 'Unlock a conference room; audited',
      access: { section: 'services', level: 'write' },
      params: keyParams,
      body: z.object({}).strict(),
      responses: { 200: conferenceStatusSchema, 404: errorSchema, 409: errorSchema, 503: errorSchema },
      handler: async ({ params, actor }) => ({ body: await conferenceApi().setLocked(params.key, action === 'lock', actor) }),
    });
  }
  // Singletons of the model: GET, PUT (absent fields get their default), PATCH (merge).
  const singletons = [
    ['/feature-codes', featureCodesSchema, () => deps.featureCodes, 'Feature codes dialled from phones and typed during calls'],
    ['/mail', mailSchema, () => deps.mailSettings, 'The SMTP relay the box sends mail through (password never answered)'],
    ['/services', servicesSchema, () => deps.serviceSettings, 'Settings of the user services: call parking, recording storage'],
    ['/directory', directorySchema, () => deps.directorySettings, 'The LDAP phonebook server: binds, what is published, size limit (phonebook user password never answered)', 'phonebook'],
    ['/snmp', snmpSchema, () => deps.snmpSettings, 'The SNMP agent: v2c communities with source networks, v3 users, trap receivers (v3 keys never answered)'],
    ['/cdr/settings', cdrSettingsSchema, () => deps.cdrSettings, 'CDR retention (CDR, recordings, voicemail) and scheduled CDR reports by e-mail', 'cdr'],
  ] as const;
  for (const [path, schema, service, summary, sectionOf] of singletons as readonly (readonly [string, z.ZodType, () => SettingsService<never> | undefined, string, Section?])[]) {
    const section: Section = sectionOf ?? 'system';
    const api = () => {
      const s = service();
      if (!s) throw new UnavailableError(`${path.slice(1)} is not available`);
      return s;
    };
    r.add({
      method: 'get',
      path,
      tag: section,
      summary,
      access: { section, level: 'read' },
      responses: { 200: schema, 503: errorSchema },
      handler: () => ({ body: api().get() }),
    });
    for (const mode of ['put', 'patch'] as const) {
      r.add({
        method: mode,
        path,
        tag: section,
        summary: mode === 'put' ? `Replace: ${summary.toLowerCase()}` : `Change some fields: ${summary.toLowerCase()}`,
        access: { section, level: 'write' },
        docBody: schema,
        responses: { 200: writeResult(schema), 400: errorSchema, 409: errorSchema, 503: errorSchema },
        handler: async ({ req, actor }) => ({ body: await api().put(req.body, actor, mode) }),
      });
    }
  }

  // ---- mail relay test, voicemail greetings and messages ------------------------------------
  r.add({
    method: 'post',
    path: '/mail/test',
    tag: 'system',
    summary: 'Send a test e-mail through the SMTP relay of the mail settings now. No relay set: 400; the relay unreachable or refusing: 502 with its reason',
    access: { section: 'system', level: 'write' },
    body: z.object({ to: z.email('a valid e-mail address').max(254) }).strict(),
    responses: { 200: z.object({ accepted: z.array(z.string()), response: z.string() }).strict(), 400: errorSchema, 502: errorSchema, 503: errorSchema },
    handler: async ({ body, actor }) => {
      if (!deps.mailTest) throw new UnavailableError('mail is not available');
      const { to } = body;
      const r = await deps.mailTest(to);
      config.record(actor, 'mail.test', { type: 'mail settings', key: 'mail' }, `test e-mail sent to ${to}`);
      return { body: r };
    },
  });
  const voicemailSpool = () => {
    if (!deps.voicemail) throw new UnavailableError('voicemail files are not available');
    return deps.voicemail;
  };
  const boxParams = z.object({ number: extensionNumber }).strict();
  const greetingParams = z.object({ number: extensionNumber, kind: z.enum(GREETING_KINDS) }).strict();
  const messageParams = z.object({ number: extensionNumber, id: z.string().regex(/^[A-Za-z0-9-]{1,64}$/) }).strict();
  r.add({
    method: 'put',
    path: '/voicemail-boxes/:number/greetings/:kind',
    tag: 'voicemail-boxes',
    summary:
      "Upload a mailbox's greeting (unavailable, busy, or name) as a raw WAV or MP3 body (at most 20 MB and 2 minutes), for an extension's own box or a shared box. " +
      'Converted to 8 kHz mono WAV; replaces the greeting (also one recorded by phone). Not audio, broken, too long: 400 on field audio; not a mailbox: 404; too large: 413',
    access: { section: 'services', level: 'write' },
    params: greetingParams,
    bodyType: 'audio/wav',
    responses: { 200: greetingSchema.extend({ mailbox: z.string() }).strict(), 400: errorSchema, 404: errorSchema, 413: errorSchema, 415: errorSchema, 503: errorSchema },
    handler: async ({ req, params, actor }) => {
      const vm = voicemailSpool();
      requireMediaType(req, AUDIO_TYPES, 'a WAV or MP3 recording');
      vm.greetings(params.number); // 404 before reading the body
      const data = await readRawBody(req, vm.maxBytes, 'audio');
      const info = await vm.storeGreeting(params.number, params.kind, data);
      config.record(actor, 'voicemail.greeting.upload', { type: 'mailbox', key: params.number }, `${params.kind} greeting uploaded (${info.durationSeconds} s)`);
      return { body: { mailbox: params.number, ...info } };
    },
  });
  r.add({
    method: 'get',
    path: '/voicemail-boxes/:number/greetings',
    tag: 'voicemail-boxes',
    summary: 'The greetings a mailbox has (uploaded or recorded by phone), with duration and size; a missing one plays the standard greeting',
    access: { section: 'services', level: 'read' },
    params: boxParams,
    responses: { 200: z.object({ items: z.array(greetingSchema) }).strict(), 400: errorSchema, 404: errorSchema, 503: errorSchema },
    handler: ({ params }) => ({ body: { items: voicemailSpool().greetings(params.number) } }),
  });
  r.add({
    method: 'get',
    path: '/voicemail-boxes/:number/greetings/:kind',
    tag: 'voicemail-boxes',
    summary: "A mailbox's greeting as Asterisk plays it (audio/wav, 8 kHz mono), for listening",
    access: { section: 'services', level: 'read' },
    params: greetingParams,
    responses: { 200: 'audio/wav', 400: errorSchema, 404: errorSchema, 503: errorSchema },
    handler: ({ res, params }) => {
      const { stream, bytes } = voicemailSpool().openGreeting(params.number, params.kind);
      res.status(200);
      res.setHeader('Content-Type', 'audio/wav');
      res.setHeader('Content-Length', String(bytes));
      res.setHeader('Content-Disposition', `inline; filename="${params.number}-${params.kind}.wav"`);
      stream.on('error', () => res.destroy());
      stream.pipe(res);
      return { raw: true };
    },
  });
  r.add({
    method: 'delete',
    path: '/voicemail-boxes/:number/greetings/:kind',
    tag: 'voicemail-boxes',
    summary: "Delete a mailbox's greeting: callers hear the standard one again",
    access: { section: 'services', level: 'write' },
    params: greetingParams,
    responses: { 204: 'none', 400: errorSchema, 404: errorSchema, 503: errorSchema },
    handler: ({ params, actor }) => {
      voicemailSpool().removeGreeting(params.number, params.kind);
      config.record(actor, 'voicemail.greeting.delete', { type: 'mailbox', key: params.number }, `${params.kind} greeting deleted`);
      return { status: 204 };
    },
  });
  r.add({
    method: 'get',
    path: '/voicemail-boxes/:number/messages',
    tag: 'voicemail-boxes',
    summary: 'The messages in a mailbox (extension or shared box): folder (INBOX = new), caller, when, duration',
    access: { section: 'services', level: 'read' },
    params: boxParams,
    responses: { 200: z.object({ items: z.array(voicemailMessageSchema) }).strict(), 400: errorSchema, 404: errorSchema, 503: errorSchema },
    handler: ({ params }) => ({ body: { items: voicemailSpool().messages(params.number) } }),
  });
  r.add({
    method: 'get',
    path: '/voicemail-boxes/:number/messages/:id/audio',
    tag: 'voicemail-boxes',
    summary: 'The recording of a message (audio/wav)',
    access: { section: 'services', level: 'read' },
    params: messageParams,
    responses: { 200: 'audio/wav', 400: errorSchema, 404: errorSchema, 503: errorSchema },
    handler: ({ res, params }) => {
      const { stream, bytes } = voicemailSpool().openMessage(params.number, params.id);
      res.status(200);
      res.setHeader('Content-Type', 'audio/wav');
      res.setHeader('Content-Length', String(bytes));
      res.setHeader('Content-Disposition', `inline; filename="${params.number}-${params.id}.wav"`);
      stream.on('error', () => res.destroy());
      stream.pipe(res);
      return { raw: true };
    },
  });
  r.add({
    method: 'delete',
    path: '/voicemail-boxes/:number/messages/:id',
    tag: 'voicemail-boxes',
    summary: "Delete a message; the folder is renumbered as app_voicemail expects and the phones' message lights follow",
    access: { section: 'services', level: 'write' },
    params: messageParams,
    responses: { 204: 'none', 400: errorSchema, 404: errorSchema, 503: errorSchema },
    handler: async ({ params, actor }) => {
      await voicemailSpool().deleteMessage(params.number, params.id);
      config.record(actor, 'voicemail.message.delete', { type: 'mailbox', key: params.number }, `message ${params.id} deleted`);
      return { status: 204 };
    },
  });

  // ---- calls and events -------------------------------------------------------------------------
  const calls = () => {
    if (!deps.calls) throw new UnavailableError('call control is not available (Asterisk disabled)');
    return deps.calls;
  };
  const callIdParams = z.object({ id: z.string().min(1).max(100) }).strict();
  r.add({
    method: 'get',
    path: '/calls',
    tag: 'calls',
    summary: 'Calls in progress',
    access: { section: 'calls', level: 'read' },
    responses: { 200: z.object({ items: z.array(activeCallSchema) }).strict(), 503: errorSchema },
    handler: async () => ({ body: { items: await calls().list() } }),
  });
  r.add({
    method: 'post',
    path: '/calls',
    tag: 'calls',
    summary: 'Click-to-call: ring the extension, and when it answers dial the number with its own permissions',
    access: { section: 'calls', level: 'write' },
    body: clickToCallRequestSchema,
    responses: { 201: clickToCallResponseSchema, 400: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema, 503: errorSchema },
    handler: async ({ body }) => ({ status: 201, body: await calls().clickToCall(body) }),
  });
  r.add({
    method: 'delete',
    path: '/calls/:id',
    tag: 'calls',
    summary: 'Hang up a call',
    access: { section: 'calls', level: 'write' },
    params: callIdParams,
    responses: { 204: 'none', 404: errorSchema, 503: errorSchema },
    handler: async ({ params }) => {
      await calls().hangup(params.id);
      return { status: 204 };
    },
  });
  r.add({
    method: 'post',
    path: '/calls/:id/transfer',
    tag: 'calls',
    summary: 'Blind-transfer the other party of a call to a number',
    access: { section: 'calls', level: 'write' },
    params: callIdParams,
    body: transferRequestSchema,
    responses: { 200: z.object({ callId: z.string(), to: z.string() }).strict(), 400: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema, 503: errorSchema },
    handler: async ({ params, body }) => ({ body: await calls().transfer(params.id, body) }),
  });
  r.add({
    method: 'get',
    path: '/webhooks/:key/deliveries',
    tag: 'webhooks',
    summary: 'Delivery log of a webhook, newest first (every attempt, with the HTTP status or error)',
    access: { section: 'crm', level: 'read' },
    params: keyParams,
    query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100), before: z.coerce.number().int().optional() }).strict(),
    responses: { 200: z.object({ items: z.array(z.unknown()) }).strict(), 404: errorSchema },
    handler: ({ params, query }) => {
      resources.get(resources.collection('webhooks'), params.key);
      return { body: { items: deps.webhookDeliveries?.list({ webhook: params.key, ...query }) ?? [] } };
    },
  });
  const eventsQuery = z
    .object({
      extension: z.string().regex(/^[0-9]{2,8}$/).optional(),
      types: z.string().max(200).optional(),
      /** Replay up to this many recent call events first (a client that reconnects). */
      recent: z.coerce.number().int().min(0).max(200).default(0),
    })
    .strict();
  r.add({
    method: 'get',
    path: '/events',
    tag: 'events',
    summary: `Server-sent events: call events (${CALL_EVENT_TYPES.join(', ')}; needs calls:read; ?extension= filters), apply status ("apply"; needs system:read) and the box at a glance ("status", as GET /system/status: one on connecting, then on every change and at least every 10 s; needs system:read), queue events (${QUEUE_EVENT_TYPES.join(', ')}; needs groups:read) switch changes (${SWITCH_EVENT_TYPES.join(', ')}; needs switches:read) and extension state changes (${EXTENSION_STATE_EVENT_TYPES.join(', ')}: DND, forward, lock, call back; needs extensions:read; ?extension= filters); ?types= picks event types`,
    access: { authenticated: true },
    query: eventsQuery,
    responses: { 200: 'text/event-stream' },
    handler: ({ req, res, principal, query }) => {
      const p = principal!;
      // The stream outlives the request's authentication: re-checked every few seconds, it ends
      // when the session is logged out or expires, the user or token goes, and each event is
      // sent only while the current permissions still allow it (a role may be narrowed).
      let current: Principal | undefined = p;
      const may = (section: 'calls' | 'system' | 'groups' | 'switches' | 'extensions') => !!current && allows(current.permissions, section, 'read');
      const wantCalls = may('calls');
      const wantApply = may('system');
      const types = query.types ? new Set(query.types.split(',')) : undefined;
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
      res.write(': pbx event stream\n\n');
      let closed = false;
      const send = (event: string, data: unknown, id?: string) => {
        if (!closed) res.write(`${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      const onCall = (e: CallEvent) => {
        if (!may('calls') || (types && !types.has(e.type))) return;
        if (query.extension && e.extension !== query.extension && !e.extensions?.includes(query.extension)) return;
        send(e.type, callEventSchema.parse(e), e.id);
      };
      const onApply = (s: unknown) => {
        if (may('system') && (!types || types.has('apply'))) send('apply', { revision: config.revision(), apply: s });
      };
      const onStatus = (s: SystemStatus) => {
        if (current && may('system')) send('status', statusFor(current, s));
      };
      const statusView = wantApply && (!types || types.has('status')) ? deps.status : undefined;
      if (wantCalls && deps.callEvents) {
        if (query.recent > 0) for (const e of deps.callEvents.recent(query.recent)) onCall(e);
        deps.callEvents.on('call', onCall);
      }
      // Queue and switch events: the section is checked per event, so a role narrowed while
      // the stream is open stops them.
      const onLive = (e: LiveEvent) => {
        if (!may(e.type === 'switch.changed' ? 'switches' : 'groups') || (types && !types.has(e.type))) return;
        send(e.type, e, e.id);
      };
      deps.liveEvents?.on('event', onLive);
      const onUserState = (e: ExtensionStateEvent) => {
        if (!may('extensions') || (types && !types.has(e.type))) return;
        if (query.extension && e.state.extension !== query.extension) return;
        send(e.type, e, e.id);
      };
      deps.userState?.on('event', onUserState);
      if (wantApply) {
        deps.apply.on('status', onApply);
        onApply(deps.apply.status);
      }
      if (statusView) {
        statusView.on('status', onStatus);
        statusView.snapshot().then(onStatus, () => undefined);
      }
      const ping = setInterval(() => closed || res.write(': ping\n\n'), 15_000);
      const recheck = setInterval(() => {
        current = auth.current(p);
        if (!current) res.end();
      }, STREAM_RECHECK_MS);
      const cleanup = () => {
        if (closed) return;
        closed = true;
        clearInterval(ping);
        clearInterval(recheck);
        deps.callEvents?.off('call', onCall);
        deps.liveEvents?.off('event', onLive);
        deps.userState?.off('event', onUserState);
        deps.apply.off('status', onApply);
        statusView?.off('status', onStatus);
      };
      req.on('close', cleanup);
      res.on('close', cleanup);
      return { raw: true };
    },
  });

  addRecordingRoutes(r, { config, recordings: deps.recordings, privacy: deps.privacy });
  addPrivacyRoutes(r, { config, privacy: deps.privacy });
  addCdrRoutes(r, { config, cdr: deps.cdr });
  addJobRoutes(r, { config, jobs: deps.jobs });

  return r;
}

export type { RouteDef };
