// The composition root: builds every part from the daemon settings and wires them. Nothing
// else constructs singletons. Shuts down cleanly on SIGTERM/SIGINT.
import { existsSync, readdirSync, readFileSync, rmSync, chmodSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { join } from 'node:path';
import { loadDaemonConfig, REPO_ROOT, type DaemonConfig } from './daemon-config.ts';
import { createLogger, type Logger } from './lib/log.ts';
import { openDatabase, checkDatabase, type Db } from './store/db.ts';
import { ConfigStore } from './store/config-store.ts';
import { ConfigService } from './services/config-service.ts';
import { renderAll, type RenderContext } from './render/index.ts';
import { Applier } from './apply/applier.ts';
import { GenerationStore, type FileSet } from './apply/generations.ts';
import { AmiClient } from './asterisk/ami.ts';
import { AriClient } from './asterisk/ari.ts';
import { AsteriskControl } from './asterisk/control.ts';
import { CallControl } from './calls/call-control.ts';
import { CallEventTracker } from './calls/call-events.ts';
import { WebhookDispatcher } from './calls/webhooks.ts';
import { WebhookDeliveryStore } from './store/webhook-deliveries.ts';
import type { PbxConfig } from './domain/model.ts';
import { AsteriskSupervisor, ChrootAsterisk, SystemdAsterisk, rootfsModuleDir, rootfsUser } from './asterisk/process.ts';
import { HealthReporter } from './health/health.ts';
import { createHttpApp } from './api/http.ts';
import { createControlApp } from './api/control.ts';
import { parseYaml } from './lib/yaml.ts';
import { ValidationError, formatPath } from './domain/errors.ts';
import { nameLookup } from './domain/phonebook.ts';
import { AuthStore } from './store/auth-store.ts';
import { AuthService } from './services/auth-service.ts';
import { ResourceService } from './services/resource-service.ts';
import { BackupService } from './services/backup-service.ts';
import { StatusService } from './services/status-service.ts';
import { SetupService } from './services/setup-service.ts';
import { ApplianceStateStore } from './store/appliance-state.ts';
import { hostStatus } from './lib/sysinfo.ts';
import { TRUNK_PREFIX, trunkEndpoint } from './render/pjsip-conf.ts';
import { SwitchService } from './services/switch-service.ts';
import { QueueService } from './services/queue-service.ts';
import { SettingsService } from './services/settings-service.ts';
import { ConferenceService } from './services/conference-service.ts';
import { UserStateService } from './services/user-state-service.ts';
import { encodeDestination } from './render/call-handling.ts';
import { PbxEventTracker } from './calls/queue-events.ts';
import { PromptStore } from './media/prompt-store.ts';
import { MohStore } from './media/moh-store.ts';
import { VoicemailStore, scheduleRetention } from './media/voicemail-store.ts';
import { MailOutbox, sendTestMail } from './mail/outbox.ts';
import { VoicemailPinInbox } from './mail/voicemail-pins.ts';
import { findMailbox, mailboxes, VOICEMAIL_CONTEXT } from './domain/voicemail.ts';
import { VOICEMAIL_OUTBOX, VOICEMAIL_PIN_INBOX } from './render/voicemail-conf.ts';
import { RecordingService } from './recordings/recording-service.ts';
import { LocalRecordingStorage } from './recordings/storage.ts';
import { EncryptedRecordingStorage } from './crypto/encrypted-storage.ts';
import { PrivacyService } from './crypto/privacy-service.ts';
import { PrivacyStore } from './store/privacy-store.ts';
import { RecordingStore } from './store/recording-store.ts';
import { RECORDING_STAGING } from './render/recording.ts';
import { ProvisioningLog } from './store/provisioning-log.ts';
import { ProvisioningService } from './provisioning/service.ts';
import { provisioningRouter } from './provisioning/http.ts';
import { TftpServer } from './provisioning/tftp-server.ts';
import { ensureCertificate } from './provisioning/tls.ts';
import { templateErrors } from './provisioning/check.ts';
import { PhoneNotifier } from './provisioning/notify.ts';
import { vendorInfos } from './provisioning/vendor-info.ts';
import { SnmpService } from './snmp/service.ts';
import { queueSection } from './domain/queues-switches.ts';
import { DirectoryServer } from './directory/ldap-server.ts';
import { ContactStore } from './store/contact-store.ts';
import { RetentionJob, withBoxWideRetention } from './jobs/retention.ts';
import { CdrReports, type ReportQuery } from './jobs/reports.ts';
import { setCronLogger } from './jobs/cron.ts';
import { sendMessage } from './mail/mailer.ts';
import { CdrStore } from './store/cdr-store.ts';
import { CdrIngester } from './cdr/ingester.ts';
import { CdrService } from './cdr/cdr-service.ts';
import { cdrQuerySchema } from './domain/cdr.ts';
import type { Writable } from 'node:stream';

export interface Daemon {
  config: DaemonConfig;
  service: ConfigService;
  auth: AuthService;
  resources: ResourceService;
  applier: Applier;
  health: HealthReporter;
  control: AsteriskControl;
  /** Click-to-call, active calls, hang up and transfer (REST /api/v1/calls). */
  calls: CallControl;
  /** Call events from AMI ('call' events; recent() for late subscribers). */
  callEvents: CallEventTracker;
  webhooks: WebhookDispatcher;
  webhookDeliveries: WebhookDeliveryStore;
  httpPort: number;
  /** The box at a glance (GET /api/v1/system/status, 'status' events while listened to). */
  status: StatusService;
  /** First-boot wizard state (GET/POST /api/v1/setup). */
  setup: SetupService;
  /** Switch states (REST /api/v1/switches/{name}/state, pbxctl switch). */
  switches: SwitchService;
  /** Queue status and member actions (REST /api/v1/queues/{name}/...). */
  queues: QueueService;
  /** The feature codes singleton (REST /api/v1/feature-codes). */
  featureCodes: SettingsService<'featureCodes'>;
  mailSettings: SettingsService<'mail'>;
  serviceSettings: SettingsService<'services'>;
  /** DND, forward, lock and call back of extensions at run time (REST /api/v1/extensions/{n}/state). */
  userState: UserStateService;
  /** Queue events and switch changes from AMI ('event' events, for the event stream). */
  liveEvents: PbxEventTracker;
  /** Audio of uploaded prompts: <instance dir>/sounds/<language>/<name>.wav (/api/v1/prompts/{name}/audio). */
  prompts: PromptStore;
  /** Voicemail greetings and messages (REST /api/v1/voicemail-boxes/{number}/greetings, /messages). */
  voicemail: VoicemailStore;
  /** Voicemail e-mail spooled by app_voicemail, sent through the relay (flush() sends now). */
  mailOutbox: MailOutbox;
  /** PINs changed from the phone's mailbox menu, stored in the model (flush() takes them now). */
  pinInbox: VoicemailPinInbox;
  /** Call recordings: staging → storage → index (REST /api/v1/recordings, privacy admin). */
  recordings: RecordingService;
  /** Retention of CDR rows, recordings and voicemail (daily 03:15; REST /api/v1/cdr/retention). */
  retention: RetentionJob;
  /** Scheduled CDR reports by e-mail (REST /api/v1/cdr/reports/{name}/send). */
  reports: CdrReports;
  /** Phone files over HTTP(S) and TFTP, the request log, discovered phones (REST /api/v1/phones/..., /provisioning/...). */
  provisioning: ProvisioningService;
  /** The HTTPS port actually listened on (GUI, API and phone files). */
  httpsPort: number;
  /** The TFTP port actually listened on (phone files). */
  tftpPort: number;
  /** The SNMP agent and its traps (settings: REST /api/v1/snmp; docs/snmp.md). */
  snmp: SnmpService;
  stop(): Promise<void>;
}

function loadStaticFiles(dir: string): FileSet {
  const files: FileSet = {};
  // .conf: dialplan libraries; .sh: scripts Asterisk runs with /bin/sh (voicemail's mail and PIN hand-over).
  for (const name of readdirSync(dir)) if (name.endsWith('.conf') || name.endsWith('.sh')) files[name] = readFileSync(join(dir, name), 'utf8');
  return files;
}

function seedDatabase(service: ConfigService, file: string, logger: Logger): void {
  if (service.revision() > 0) return;
  const doc = parseYaml(readFileSync(file, 'utf8'));
  if (doc.errors.length) throw new Error(`${file}: ${doc.errors.map((e) => `line ${e.line}: ${e.message}`).join('; ')}`);
  try {
    service.diff(doc.value ?? {});
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    const lines = err.fields.map((f) => `  ${file}:${doc.lineOf(f.path) ?? '?'}: ${formatPath(f.path)}: ${f.message}`);
    throw new Error(`the initial configuration is invalid:\n${lines.join('\n')}`);
  }
  // Not awaited: Asterisk is not up yet, so this only writes the model; start renders it.
  service
    .replace(doc.value, { name: 'system', source: 'initial configuration' }, { wait: false })
    .catch((err: unknown) => logger.error({ err: (err as Error).message }, 'the initial configuration could not be stored'));
  logger.info({ file }, 'database seeded from the initial configuration');
}

const PRODUCT_VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/**
 * First start: the built-in admin gets a random one-time password, written to a 0600 file in
 * the data directory (on the box, shown on the console and the label flow) — never a default
 * anyone could guess, and it must be changed at first login. The log names the file, not the
 * password.
 */
async function bootstrapAdmin(auth: AuthService, config: DaemonConfig, logger: Logger): Promise<void> {
  const file = join(config.dataDir, 'initial-admin-password');
  const password = await auth.bootstrap(config.initialAdminPassword);
  if (password !== undefined) {
    writeFileSync(file, `${password}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
    logger.warn({ file }, 'first start: log in as "admin" with the one-time password in this file; it must be changed at first login');
  } else if (existsSync(file) && !auth.users().some((u) => u.username === 'admin' && u.mustChangePassword)) {
    // The one-time password has been replaced: the file is stale, remove it.
    rmSync(file, { force: true });
  }
}

function listen(server: Server, port: number | string, host?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    if (typeof port === 'string') server.listen(port, () => resolve());
    else server.listen(port, host, () => resolve());
  });
}

export async function startDaemon(env: NodeJS.ProcessEnv = process.env): Promise<Daemon> {
  const config = loadDaemonConfig(env);
  const logger = createLogger({ level: config.logLevel });
  const instanceDir = join(config.dataDir, 'asterisk');

  const db: Db = openDatabase(join(config.dataDir, 'pbx.sqlite'));
  const store = new ConfigStore(db);

  const rootfs = config.rootfs;
  const owner = rootfs ? rootfsUser(rootfs) : undefined;
  const renderContext: RenderContext = {
    instanceDir: config.mountPoint,
    moduleDir: rootfs ? rootfsModuleDir(rootfs) : '/usr/lib/x86_64-linux-gnu/asterisk/modules',
    sipBindAddress: config.sipBindAddress,
    amiPort: config.amiPort,
    amiUser: 'pbx-supervisor',
    amiSecret: config.secrets.amiSecret,
    ariPort: config.ariPort,
    ariUser: 'pbx-supervisor',
    ariPassword: config.secrets.ariPassword,
    deviceQualifySeconds: config.deviceQualifySeconds,
  };

  const ami = new AmiClient({ host: '127.0.0.1', port: config.amiPort, username: renderContext.amiUser, secret: config.secrets.amiSecret, logger });
  const ari = new AriClient({ url: `http://127.0.0.1:${config.ariPort}`, username: renderContext.ariUser, password: config.secrets.ariPassword, app: 'pbx', logger });
  const control = new AsteriskControl(ami, { instanceDir });

  // Call events and webhooks consult the model on every AMI event: a view cached per revision,
  // rebuilt only after a change, never a snapshot per event.
  let callView: { revision: number; config: PbxConfig; devices: Map<string, string>; lookup: (number: string) => string | undefined } | undefined;
  const currentCallView = () => {
    const revision = store.revision();
    if (callView?.revision !== revision) {
      const model = store.snapshot();
      callView = {
        revision,
        config: model,
        devices: new Map(model.extensions.flatMap((e) => e.devices.map((d) => [d.username, e.number] as const))),
        lookup: nameLookup(model),
      };
    }
    return callView;
  };
  const callEvents = new CallEventTracker({
    source: ami,
    classify: (endpoint) => {
      if (endpoint.startsWith(TRUNK_PREFIX)) return { kind: 'trunk', trunk: endpoint.slice(TRUNK_PREFIX.length) };
      const extension = currentCallView().devices.get(endpoint);
      return extension ? { kind: 'device', extension } : undefined;
    },
    lookupName: (number) => currentCallView().lookup(number),
    onError: (err) => logger.warn({ err: (err as Error).message }, 'call events: unexpected error'),
  });
  const liveEvents = new PbxEventTracker({ source: ami, onError: (err) => logger.warn({ err: (err as Error).message }, 'queue events: unexpected error') });
  const webhookDeliveries = new WebhookDeliveryStore(db);
  const webhooks = new WebhookDispatcher({
    source: callEvents,
    webhooks: () => currentCallView().config.webhooks,
    log: webhookDeliveries,
    logger,
    retry: { attempts: 5, baseMs: config.webhookRetryMs },
  });

  const applier = new Applier({
    generations: new GenerationStore(join(instanceDir, 'config'), owner),
    target: control,
    render: () => ({ revision: store.revision(), rendered: renderAll(store.snapshot(), renderContext) }),
    staticFiles: loadStaticFiles(config.staticDir),
    logger,
  });
  const service = new ConfigService(store, applier, (candidate) => {
    renderAll(candidate, renderContext);
    // An admin's phone template must render before it is stored (it never reaches a phone broken).
    const errors = templateErrors(candidate);
    if (errors.length) throw new ValidationError('a phone template is invalid', errors);
  });
  const calls = new CallControl({ ari, ami, registrations: () => control.registrations(), config: () => service.get(), logger });
  if (config.initialConfig) seedDatabase(service, config.initialConfig, logger);
  const resources = new ResourceService(service);
  const auth = new AuthService(new AuthStore(db), service, {
    ...(config.loginLockout ? { userFailures: config.loginLockout.failures, lockoutMs: config.loginLockout.seconds * 1000 } : {}),
  });
  const backup = new BackupService(service, auth, `pbx-appliance ${PRODUCT_VERSION}`);
  await bootstrapAdmin(auth, config, logger);

  let supervisor: AsteriskSupervisor | undefined;
  if (config.asteriskMode !== 'none') {
    const proc =
      config.asteriskMode === 'chroot'
        ? new ChrootAsterisk({ rootfs: rootfs!, instanceDir, mountPoint: config.mountPoint, logger })
        : new SystemdAsterisk();
    supervisor = new AsteriskSupervisor(proc, logger);
    supervisor.on('started', () => applier.restarted());
  }

  // After every (re)login Asterisk is fully booted: bring the control plane back in step.
  ami.on('fullyBooted', () => {
    logger.info('Asterisk fully booted; AMI connected');
    ari.reconnect();
    void (async () => {
      if (applier.status.appliedRevision !== store.revision()) await applier.request();
      await applier.verifyRunning();
    })();
  });
  ami.on('disconnected', () => logger.warn('AMI disconnected'));

  const health = new HealthReporter();
  health.register('database', () => checkDatabase(db));
  health.register('asterisk', () =>
    supervisor ? { ok: supervisor.status.state === 'running', ...supervisor.status } : { ok: true, state: 'disabled' },
  );
  health.register('ami', () => ({ ok: !supervisor || control.ready, connected: ami.connected, booted: control.ready }));
  health.register('ari', () => ({ ok: !supervisor || ari.connected, connected: ari.connected }));
  health.register('config', () => ({
    ok: applier.status.state !== 'failed',
    revision: store.revision(),
    ...applier.status,
  }));

  // Asterisk starts on a complete generation of the current model.
  // Call recordings: finished files from Asterisk's staging directory into the storage and the
  // index. Files Asterisk never finished (it stopped mid-call) are taken whenever it (re)starts.
  // Privacy: with the officer's key set, recordings are encrypted as they are stored and CDR
  // fields sealed; reading either needs the session unlocked (src/crypto/privacy-service.ts).
  const recordingStorage = new EncryptedRecordingStorage(
    new LocalRecordingStorage({ root: () => service.get().services.recording.path, defaultRoot: join(config.dataDir, 'recordings') }),
    { current: () => privacy.current(), sessionKeys: (s) => privacy.sessionKeys(s) },
  );
  const privacy: PrivacyService = new PrivacyService({
    store: new PrivacyStore(db),
    storage: recordingStorage,
    sessionAlive: (h) => auth.current({ kind: 'user', name: '', permissions: {}, mustChangePassword: false, sessionHash: h }) !== undefined,
    logger,
    audit: (action, summary) => service.record({ name: 'system', source: 'privacy' }, action, { type: 'privacy', key: 'reencryption' }, summary),
  });
  await privacy.start();
  const recordings = new RecordingService({
    store: new RecordingStore(db),
    storage: recordingStorage,
    stagingDir: join(instanceDir, RECORDING_STAGING),
    ...(owner ? { owner } : {}),
    events: ami,
    runtime: {
      stopRecording: async (channel, mixMonitorId) => {
        await ami.action({ action: 'StopMixMonitor', channel, mixmonitorid: mixMonitorId });
        await ami.action({ action: 'Setvar', channel, variable: 'GROUP(pbxrec)', value: '' });
      },
    },
    logger,
  });
  recordings.start();
  // After every (re)start of Asterisk: recordings of channels that are gone were cut off.
  ami.on('fullyBooted', () => {
    ami
      .actionList({ action: 'CoreShowChannels' }, 'CoreShowChannelsComplete')
      .then((channels) => recordings.recoverInterrupted(new Set(channels.map((c) => String(c.uniqueid ?? '')))))
      .catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'recordings: could not look for interrupted recordings'));
  });
  health.register('recordings', () => recordings.health());

  // Call detail records: tailed from the files Asterisk writes into its log directory
  // (cdr_custom's pbx-cdr.log, queue_log), stored masked with the whole values protected.
  const internalNumbers = () => new Set(service.get().extensions.map((e) => e.number));
  const cdrRecords = new CdrStore(db, { internal: internalNumbers });
  const cdrIngester = new CdrIngester({
    store: cdrRecords,
    logDir: join(instanceDir, 'log'),
    protector: () => privacy.cipher,
    internal: internalNumbers,
    // Left on timeout or an empty queue: "overflowed" when the queue sends the caller on.
    hasOverflow: (name, event) => {
      const q = service.get().queues.find((x) => x.name === name);
      const dest = event === 'EXITWITHTIMEOUT' ? q?.timeoutDestination : (q?.fullDestination ?? q?.timeoutDestination);
      return dest !== undefined && !('hangup' in dest);
    },
    onError: (err, source) => logger.warn({ err: err.message, source }, 'cdr: ingestion failed'),
    onBadLine: (source, line) => logger.warn({ source, line: line.slice(0, 120) }, 'cdr: skipped a line that is no record'),
  });
  cdrIngester.start();
  health.register('cdr', () => cdrIngester.health());
  const cdrService = new CdrService({ store: cdrRecords, protector: () => privacy.cipher });
  privacy.setSealables([
    { clearRows: (n) => cdrRecords.clearRows(n), setSealed: (id, sealed) => cdrRecords.setSealed(Number(id), sealed) },
    { clearRows: (n) => cdrRecords.clearQueueRows(n), setSealed: (id, sealed) => cdrRecords.setQueueSealed(Number(id), sealed) },
  ]);

  applier.prepareForStart();
  if (supervisor) await supervisor.start();
  if (supervisor) {
    ami.start();
    ari.start();
  }

  // Events after which what the dashboard shows may have changed: recompute soon, not in 2 s.
  const STATUS_AMI_EVENTS = new Set(['ContactStatus', 'PeerStatus', 'Registry', 'FullyBooted', 'Shutdown']);
  const status = new StatusService(
    {
      host: () => hostStatus(config.dataDir),
      model: () => service.get(),
      revision: () => store.revision(),
      applyStatus: () => applier.status,
      health: () => health.report(),
      asterisk: () => (supervisor ? { state: supervisor.status.state, ok: supervisor.status.state === 'running' } : { state: 'disabled', ok: true }),
      live: async () => (control.ready ? { contacts: await control.registrations(), registrations: await control.outboundRegistrations() } : undefined),
      activeCalls: async () => (await calls.list()).length,
      trunkObject: trunkEndpoint,
    },
    {
      triggers: [
        { source: callEvents, event: 'call' },
        { source: applier, event: 'status' },
        { source: ami, event: 'event', when: (e) => STATUS_AMI_EVENTS.has(String((e as { event?: unknown }).event)) },
        { source: ami, event: 'disconnected' },
      ],
      onError: (err) => logger.warn({ err: (err as Error).message }, 'status: unexpected error'),
    },
  );
  status.start();
  const setup = new SetupService(new ApplianceStateStore(db), service);
  const switches = new SwitchService({
    config: service,
    runtime: control,
    onError: (err, what) => logger.warn({ err: (err as Error).message, what }, 'switch state sync failed'),
  });
  const queues = new QueueService({ config: service, runtime: control });
  const conferences = new ConferenceService({ config: service, runtime: control });
  const featureCodes = new SettingsService(service, 'featureCodes');
  const mailSettings = new SettingsService(service, 'mail');
  const serviceSettings = new SettingsService(service, 'services');
  const directorySettings = new SettingsService(service, 'directory');
  const snmpSettings = new SettingsService(service, 'snmp');
  // SNMP: off by default; follows its settings after every change (start, stop, rebind).
  const snmp = new SnmpService({
    port: config.snmpPort,
    productVersion: PRODUCT_VERSION,
    settings: () => snmpSettings.raw(),
    status: () => status.snapshot(),
    queues: async () => {
      if (!control.ready) return [];
      const running = await control.queueStatus();
      return service.get().queues.map((q) => {
        const r = running.find((x) => x.queue === queueSection(q.name));
        return {
          name: q.name,
          waiting: r?.entries.length ?? 0,
          longestWaitSeconds: Math.max(0, ...(r?.entries.map((e) => e.waitSeconds) ?? [])),
          members: r?.members.length ?? 0,
        };
      });
    },
    asteriskVersion: async () => String((await ami.action({ action: 'CoreSettings' })).asteriskversion ?? ''),
    ami,
    ...(supervisor ? { supervisor } : {}),
    logger,
  });
  await snmp.configure();
  applier.on('status', () => void snmp.configure());
  health.register('snmp', () => {
    const s = snmp.status();
    return { ok: !s.enabled || s.listening, ...s };
  });
  const cdrSettings = new SettingsService(service, 'cdr');
  const userState = new UserStateService({
    config: service,
    runtime: control,
    events: ami,
    extensionState: async (exten, context) => Number((await ami.action({ action: 'ExtensionState', exten, context })).status ?? -1),
    encode: encodeDestination,
    callBack: (caller, target) => calls.clickToCall({ extension: caller, number: target }),
    onError: (err, what) => logger.warn({ err: (err as Error).message, what }, 'user state: background work failed'),
    onInfo: (what, fields) => logger.info(fields, `user state: ${what}`),
  });
  // AstDB and DND BLF states follow the model: in full after every (re)start of Asterisk, and
  // what changed after every apply.
  ami.on('fullyBooted', () => void userState.start());
  applier.on('status', (s: { state: string }) => {
    if (s.state === 'applied') void userState.sync();
  });
  // BLF keys show each switch's stored state: after every (re)start of Asterisk, and after a
  // change of the model (a new switch, its states reordered).
  ami.on('fullyBooted', () => void switches.syncDeviceStates());
  applier.on('status', (s: { state: string }) => {
    if (s.state === 'applied') void switches.syncDeviceStates();
  });
  const prompts = new PromptStore({ dir: join(instanceDir, 'sounds'), ...(owner ? { owner } : {}) });
  // Recordings of prompts deleted other than through DELETE /prompts/{name} (a whole
  // configuration replaced, a restore, a revert) and half-written files go at start.
  const swept = prompts.sweep(new Set(service.get().prompts.map((p) => p.name)));
  if (swept.length) logger.info({ files: swept }, 'removed recordings of prompts that no longer exist');

  // Music classes: a folder per class (created for new classes, removed with deleted ones after
  // every apply); an upload is played at once through a reload of res_musiconhold.
  const moh = new MohStore({
    dir: join(instanceDir, 'moh'),
    ...(owner ? { owner } : {}),
    configFile: join(instanceDir, 'config', 'musiconhold.conf'),
    reload: () => control.reload('res_musiconhold.so'),
    onReloadError: (err) => logger.warn({ err: (err as Error).message }, 'music on hold reload failed'),
  });
  const syncMoh = () => {
    try {
      moh.sync(new Set(service.get().mohClasses.map((m) => m.name)));
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'music class folders not in line with the model');
    }
  };
  syncMoh();
  applier.on('status', (s: { state: string }) => {
    if (s.state === 'applied') syncMoh();
  });

  // Voicemail: greetings and messages in the spool, the mail outbox and PIN inbox that
  // app_voicemail fills through pbx-voicemail.sh, old messages expired hourly. Message lights
  // follow a change made here through AMI VoicemailRefresh.
  const refreshMwi = (mailbox: string) =>
    void ami.action({ action: 'VoicemailRefresh', context: VOICEMAIL_CONTEXT, mailbox }).catch((err: unknown) => logger.warn({ err: (err as Error).message, mailbox }, 'voicemail: message light refresh failed'));
  const voicemail = new VoicemailStore({
    dir: join(instanceDir, 'spool', 'voicemail', VOICEMAIL_CONTEXT),
    isMailbox: (n) => findMailbox(service.get(), n) !== undefined,
    ...(owner ? { owner } : {}),
    onChanged: refreshMwi,
  });
  const mailOutbox = new MailOutbox({
    dir: join(instanceDir, 'spool', VOICEMAIL_OUTBOX),
    settings: () => service.get().mail,
    copyTo: (m) => [findMailbox(service.get(), m)?.copyTo ?? []].flat(),
    logger,
  });
  const pinInbox = new VoicemailPinInbox({
    dir: join(instanceDir, 'spool', VOICEMAIL_PIN_INBOX),
    config: service,
    logger,
    onRefused: () => void control.reload('app_voicemail.so').catch(() => undefined),
  });
  mailOutbox.start();
  pinInbox.start();
  // Each mailbox's own period, shortened by the box-wide voicemailDays of the CDR settings.
  const stopRetention = scheduleRetention(voicemail, () => withBoxWideRetention(mailboxes(service.get()), service.get().cdr.retention.voicemailDays), {
    onExpired: (boxes) => logger.info({ boxes }, 'voicemail: messages past their retention deleted'),
    onError: (err) => logger.warn({ err: (err as Error).message }, 'voicemail: retention job failed'),
  });
  const mailTest = (to: string) => sendTestMail(service.get().mail, to, service.get().system.name);

  // CDR jobs: retention (daily 03:15) and scheduled reports (01:00), in the box's time zone;
  // rescheduled when it changes. Reports hold numbers only as the admin sees them: the stored
  // columns are the masked forms, and the protected whole values are never read here.
  setCronLogger({ warn: (m) => logger.warn(m) });
  const retention = new RetentionJob({
    settings: () => service.get().cdr.retention,
    timezone: () => service.get().system.timezone,
    cdr: cdrRecords,
    recordings,
    voicemail,
    mailboxes: () => mailboxes(service.get()),
    state: new ApplianceStateStore(db),
    onRun: (run) => logger.info({ ...run, retention: undefined }, 'retention: run finished'),
    onError: (err) => logger.warn({ err: (err as Error).message }, 'retention: a part of the run failed'),
  });
  // The admin's view ('masked'): a report never holds a whole number.
  const exportReport = (q: ReportQuery, format: 'csv' | 'xlsx', out: Writable): Promise<number> =>
    cdrService.exportCdr(cdrQuerySchema.parse({ ...q, sort: 'start', order: 'asc', limit: 1000 }), { mode: 'masked' }, format, out);
  const reports = new CdrReports({
    settings: () => service.get().cdr,
    mail: () => service.get().mail,
    timezone: () => service.get().system.timezone,
    boxName: () => service.get().system.name,
    exportRows: exportReport,
    send: (m) => sendMessage(service.get().mail, m),
    tmpDir: join(config.dataDir, 'tmp'),
    onSent: (r) => logger.info({ report: r.report, label: r.label, rows: r.rows, response: r.response }, 'CDR report sent'),
    onError: (name, err) => logger.warn({ report: name, err: (err as Error).message }, 'CDR report not sent'),
  });
  retention.start();
  reports.start();
  let jobZone = service.get().system.timezone;
  applier.on('status', (s: { state: string }) => {
    if (s.state !== 'applied' || service.get().system.timezone === jobZone) return;
    jobZone = service.get().system.timezone;
    retention.start();
    reports.start();
  });
  // A changed relay may be what the waiting mail needed: everything is due again.
  let relay = JSON.stringify(service.get().mail);
  applier.on('status', (s: { state: string }) => {
    if (s.state !== 'applied' || JSON.stringify(service.get().mail) === relay) return;
    relay = JSON.stringify(service.get().mail);
    void mailOutbox.flush({ retryAll: true });
  });

  // Phone provisioning: one resolver for HTTP, HTTPS and TFTP; every request in the log.
  let boundHttpPort = config.httpPort;
  const provisioningLog = new ProvisioningLog(db, { onError: (err) => logger.warn({ err: (err as Error).message }, 'provisioning log: write failed') });
  const provisioning = new ProvisioningService({
    config: () => service.get(),
    log: provisioningLog,
    ldapPort: config.ldapPort,
    httpPort: () => boundHttpPort,
    rateLimit: { perMinute: Math.max(1, config.provisioningRate) },
    onError: (err) => logger.warn({ err: (err as Error).message }, 'provisioning: a phone file could not be rendered'),
  });

  const provisioningSettings = new SettingsService(service, 'provisioning');
  // Resync/reboot: the vendor's check-sync NOTIFY (pjsip_notify.conf) to the phone's first account.
  const notifier = new PhoneNotifier({
    config: () => service.get(),
    send: async (endpoint, option) => void (await ami.action({ action: 'PJSIPNotify', endpoint, option })),
    registered: async (endpoint) => (await control.registrations()).some((r) => r.endpoint === endpoint),
  });
  let boundHttpsPort = config.httpsPort;
  let boundTftpPort = config.tftpPort;
  const app = createHttpApp({
    health,
    logger,
    version: PRODUCT_VERSION,
    webuiDir: config.webuiDir,
    provisioning: provisioningRouter(provisioning),
    api: { config: service, resources, auth, backup, apply: applier, calls, callEvents, webhookDeliveries, status, setup, prompts, moh, switches, queues, conferences, featureCodes, mailSettings, serviceSettings, liveEvents, userState, recordings, privacy, cdr: cdrService, voicemail, mailTest, httpPort: () => boundHttpPort,
      provisioningSettings,
      directorySettings,
      contacts: new ContactStore(db),
      snmpSettings,
      cdrSettings,
      jobs: { retention, reports, periods: () => service.get().cdr.retention },
      provisioning: {
        preview: (mac, file, server) => provisioning.preview(mac, file, server),
        info: (address) => provisioning.info(address, { http: boundHttpPort, https: boundHttpsPort, tftp: boundTftpPort }),
        requests: (q) => provisioning.requests(q),
        discovered: () => provisioning.discovered(),
        forgetDiscovered: (mac) => provisioning.forgetDiscovered(mac),
        notify: (req) => notifier.notify(req),
        vendors: () => vendorInfos(service.get()),
      },
    },
  });
  const httpServer = createServer(app);
  await listen(httpServer, config.httpPort, config.httpHost);
  const httpAddress = httpServer.address();
  const httpPort = typeof httpAddress === 'object' && httpAddress ? httpAddress.port : config.httpPort;
  boundHttpPort = httpPort;
  // The same GUI, API and phone files over TLS, with a certificate made at first start.
  const httpsServer = createHttpsServer(await ensureCertificate(config.dataDir), app);
  await listen(httpsServer as unknown as Server, config.httpsPort, config.httpHost);
  const httpsAddress = httpsServer.address();
  const httpsPort = typeof httpsAddress === 'object' && httpsAddress ? httpsAddress.port : config.httpsPort;
  boundHttpsPort = httpsPort;
  const tftp = new TftpServer({ service: provisioning, onError: (err) => logger.warn({ err: err.message }, 'tftp: transfer failed') });
  await tftp.start(config.tftpPort, config.tftpHost);
  const tftpPort = tftp.port();
  boundTftpPort = tftpPort;
  // The LDAP phonebook: listens while the directory settings say enabled (checked after every
  // change); the tree is rebuilt from the model once per revision, at the first search.
  const directory = new DirectoryServer({ config: () => service.get(), revision: () => service.revision(), port: config.ldapPort, host: config.ldapHost, logger });
  await directory.sync();
  applier.on('status', () => void directory.sync());
  health.register('directory', () => directory.health());

  if (existsSync(config.controlSocket)) rmSync(config.controlSocket);
  const controlServer = createServer(
    createControlApp({
      config: service,
      users: auth,
      switches,
      logger,
      status: async () => {
        const h = health.report();
        const live = control.ready
          ? { registrations: await control.registrations(), activeCalls: await control.activeCalls() }
          : { registrations: [], activeCalls: 0 };
        return { health: h, ...live };
      },
    }),
  );
  await listen(controlServer, config.controlSocket);
  chmodSync(config.controlSocket, 0o600);

  logger.info({ http: `${config.httpHost}:${httpPort}`, https: httpsPort, tftp: tftpPort, control: config.controlSocket, asterisk: config.asteriskMode }, 'PBX supervisor started');

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      logger.info('stopping');
      status.stop();
      liveEvents.stop();
      await recordings.stop();
      await privacy.stop();
      cdrIngester.stop();
      userState.stop();
      httpServer.closeAllConnections();
      httpsServer.closeAllConnections();
      controlServer.closeAllConnections();
      await Promise.all([new Promise((r) => httpServer.close(r)), new Promise((r) => httpsServer.close(r)), new Promise((r) => controlServer.close(r)), tftp.stop(), directory.stop()]);
      provisioningLog.close();
      stopRetention();
      retention.stop();
      reports.stop();
      await retention.idle();
      await Promise.all([mailOutbox.stop(), pinInbox.stop()]);
      await snmp.stop();
      ami.stop();
      webhooks.stop();
      ari.stop();
      await supervisor?.stop();
      db.close();
      logger.info('stopped');
    })());

  return { config, service, auth, resources, applier, health, control, calls, callEvents, webhooks, webhookDeliveries, httpPort, status, setup, prompts, switches, queues, featureCodes, mailSettings, serviceSettings, liveEvents, userState, recordings, retention, reports, voicemail, mailOutbox, pinInbox, provisioning, httpsPort, tftpPort, snmp, stop };
}

if (import.meta.main) {
  // ari-client (through swagger-client) can throw from a timer; that must not take the box
  // down. Anything else unexpected is fatal: log it and let systemd (or make run) restart us.
  process.on('uncaughtException', (err) => {
    if (/swagger/i.test(err.message)) {
      process.stderr.write(`pbx: ARI client error ignored: ${err.message}\n`);
      return;
    }
    process.stderr.write(`pbx: fatal: ${err.stack ?? err.message}\n`);
    process.exit(1);
  });
  startDaemon()
    .then((daemon) => {
      const onSignal = () => {
        void daemon.stop().then(() => process.exit(0));
      };
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
    })
    .catch((err: unknown) => {
      process.stderr.write(`pbx: cannot start: ${(err as Error).message}\n`);
      process.exit(1);
    });
}
