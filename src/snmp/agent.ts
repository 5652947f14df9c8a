// The SNMP agent and trap sender: the only importer of net-snmp. Serves the objects of
// ./mib.ts (system group and PBX-APPLIANCE-MIB) read-only to v2c communities from their
// source networks (./access.ts drops everything else before the library sees it) and to v3
// users with authPriv (SHA-256, AES-128); sends v2c traps to the configured receivers.
//
// Values are fetched when a request arrives (at most once per `maxAgeMs`) and written into
// the library's MIB before it handles the request: a walk sees one consistent snapshot and
// nothing polls while nobody asks.
//
// Secrets: the library's errors and request data can carry v3 keys and communities, so no
// library object is ever logged; only scrubbed messages (scrub()) are.
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import * as snmp from 'net-snmp';
import type { SnmpSettings } from '../domain/model.ts';
import { SourceAcl } from './access.ts';
import { SCALARS, TABLES, scalarValues, tableRows, type PbxSnapshot, type SnmpType, type Trap } from './mib.ts';

export interface SnmpLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export interface SnmpAgentOptions {
  /** UDP port (PBX_SNMP_PORT; 161 on the box). */
  port: number;
  snapshot: () => Promise<PbxSnapshot>;
  logger: SnmpLogger;
  /** How old the values may be when a request comes (default 1000 ms). */
  maxAgeMs?: number;
}

export interface SnmpAgentStatus {
  enabled: boolean;
  listening: boolean;
  address?: string;
  port?: number;
  error?: string;
}

/** A message with every given secret replaced, cut short: safe to log. */
export function scrub(err: unknown, secrets: readonly string[]): string {
  let message = err instanceof Error ? `${err.name}: ${err.message}` : typeof err === 'string' ? err : 'error';
  for (const s of secrets) if (s) message = message.split(s).join('[redacted]');
  return message.slice(0, 300);
}

const objectType = (t: SnmpType) => snmp.ObjectType[t]!;

function listenKey(s: SnmpSettings, port: number): string {
  return s.enabled ? `${s.bindAddress}:${port}` : '';
}

export class SnmpAgent {
  private readonly opts: Required<SnmpAgentOptions>;
  private settings: SnmpSettings | undefined;
  private agent: snmp.Agent | undefined;
  private socket: Socket | undefined;
  private key = '';
  private acl = new SourceAcl([]);
  private fetchedAt = 0;
  private fetching: Promise<void> | undefined;
  private readonly rowIndexes = new Map<string, number[]>();
  private state: SnmpAgentStatus = { enabled: false, listening: false };
  /** Serialises configure() calls (a rebind closes the old socket first). */
  private queue: Promise<void> = Promise.resolve();

  constructor(options: SnmpAgentOptions) {
    this.opts = { maxAgeMs: 1000, ...options };
  }

  status(): SnmpAgentStatus {
    return { ...this.state };
  }

  /** Applies the settings: starts, stops or rebinds the agent; communities and users in place. */
  configure(settings: SnmpSettings): Promise<void> {
    this.queue = this.queue.then(() => this.apply(settings)).catch((err: unknown) => {
      this.opts.logger.warn({ err: scrub(err, this.secrets()) }, 'snmp: could not apply the settings');
    });
    return this.queue;
  }

  stop(): Promise<void> {
    this.queue = this.queue.then(() => this.close());
    return this.queue;
  }

  /** Sends a v2c trap to every receiver (enabled agent only); failures are logged, never thrown. */
  sendTrap(trap: Trap): void {
    const s = this.settings;
    if (!s?.enabled) return;
    const varbinds = trap.varbinds.map((v) => ({ oid: v.oid, type: objectType(v.type), value: v.value }));
    for (const r of s.trapReceivers) {
      let session: snmp.Session;
      try {
        session = snmp.createSession(r.host, r.community, { version: snmp.Version2c, trapPort: r.port, transport: isIPv6(r.host) ? 'udp6' : 'udp4' });
      } catch (err) {
        this.opts.logger.warn({ err: scrub(err, this.secrets()), receiver: `${r.host}:${r.port}`, trap: trap.name }, 'snmp: trap not sent');
        continue;
      }
      session.on('error', (err) => this.opts.logger.warn({ err: scrub(err, this.secrets()), receiver: `${r.host}:${r.port}` }, 'snmp: trap session error'));
      session.trap(trap.oid, varbinds, (err) => {
        if (err) this.opts.logger.warn({ err: scrub(err, this.secrets()), receiver: `${r.host}:${r.port}`, trap: trap.name }, 'snmp: trap not sent');
        else this.opts.logger.debug({ receiver: `${r.host}:${r.port}`, trap: trap.name }, 'snmp: trap sent');
        session.close();
      });
    }
  }

  private secrets(): string[] {
    const s = this.settings;
    if (!s) return [];
    return [...s.v3Users.flatMap((u) => [u.authKey, u.privKey]), ...s.communities.map((c) => c.name), ...s.trapReceivers.map((r) => r.community)];
  }

  private async apply(settings: SnmpSettings): Promise<void> {
    this.settings = settings;
    this.acl = new SourceAcl(settings.communities);
    const key = listenKey(settings, this.opts.port);
    // A failed bind (port taken) is retried at the next configure, without a settings change.
    if (key !== this.key || (settings.enabled && !this.state.listening)) {
      await this.close();
      this.key = key;
      if (settings.enabled) await this.open(settings);
    }
    if (this.agent) this.authorize(this.agent, settings);
    this.state.enabled = settings.enabled;
  }

  private authorize(agent: snmp.Agent, s: SnmpSettings): void {
    const auth = agent.getAuthorizer();
    for (const c of [...auth.getCommunities()]) auth.deleteCommunity(c);
    for (const c of s.communities) auth.addCommunity(c.name);
    for (const u of [...auth.getUsers()]) auth.deleteUser(u.name);
    for (const u of s.v3Users) {
      auth.addUser({
        name: u.name,
        level: snmp.SecurityLevel.authPriv,
        authProtocol: snmp.AuthProtocols.sha256,
        authKey: u.authKey,
        privProtocol: snmp.PrivProtocols.aes,
        privKey: u.privKey,
      });
    }
  }

  private open(s: SnmpSettings): Promise<void> {
    const transport = isIPv6(s.bindAddress) ? 'udp6' : 'udp4';
    const port = this.opts.port;
    return new Promise((resolve) => {
      let settled = false;
      const done = () => {
        if (!settled) {
          settled = true;
          resolve();
        }
      };
      // The library creates and binds its socket itself; this module hands it one whose
      // datagrams pass the source ACL and a fresh snapshot first.
      const dgramModule: snmp.DgramModule = {
        createSocket: (type) => {
          const socket = createSocket(type);
          const on = socket.on.bind(socket);
          // any: the listener type of dgram.Socket.on itself.
          socket.on = ((event: string, fn: (...args: any[]) => void) => {
            if (event !== 'message') return on(event, fn);
            const deliver = fn as unknown as (msg: Buffer, rinfo: { address: string }) => void;
            return on('message', (msg: Buffer, rinfo: { address: string }) => this.gate(msg, rinfo, deliver));
          }) as Socket['on'];
          socket.once('listening', () => {
            this.state = { enabled: true, listening: true, address: s.bindAddress, port };
            this.opts.logger.info({ address: s.bindAddress, port }, 'snmp: agent listening');
            done();
          });
          socket.once('error', (err) => {
            this.state = { enabled: true, listening: false, address: s.bindAddress, port, error: scrub(err, []) };
            this.opts.logger.warn({ err: scrub(err, []), address: s.bindAddress, port }, 'snmp: agent cannot listen');
            done();
          });
          this.socket = socket;
          return socket;
        },
      };
      try {
        this.agent = snmp.createAgent(
          {
            port,
            address: s.bindAddress,
            transport,
            disableAuthorization: false,
            accessControlModelType: snmp.AccessControlModelType.Simple,
            dgramModule,
          },
          (error) => {
            // Refused requests (unknown v3 user, wrong digest, a set) and socket errors: never the library's object.
            if (error) this.opts.logger.debug({ err: scrub(error, this.secrets()) }, 'snmp: request refused');
          },
        );
        this.registerProviders(this.agent);
      } catch (err) {
        this.state = { enabled: true, listening: false, error: scrub(err, this.secrets()) };
        this.opts.logger.warn({ err: scrub(err, this.secrets()) }, 'snmp: agent not started');
        this.agent = undefined;
        done();
      }
    });
  }

  private close(): Promise<void> {
    const agent = this.agent;
    const socket = this.socket;
    const listening = this.state.listening;
    this.agent = undefined;
    this.socket = undefined;
    this.rowIndexes.clear();
    this.fetchedAt = 0;
    this.state = { enabled: this.settings?.enabled ?? false, listening: false };
    if (!agent) return Promise.resolve();
    this.opts.logger.info({}, 'snmp: agent stopped');
    return new Promise((resolve) => {
      try {
        // A socket whose bind failed has no close callback to wait for.
        if (!listening) {
          socket?.close();
          return resolve();
        }
        agent.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }

  private registerProviders(agent: snmp.Agent): void {
    const mib = agent.getMib();
    const readOnly = snmp.MaxAccess['read-only'];
    for (const d of SCALARS) {
      mib.registerProvider({ name: d.name, type: snmp.MibProviderType.Scalar, oid: d.oid, scalarType: objectType(d.type), maxAccess: readOnly });
    }
    for (const t of TABLES) {
      mib.registerProvider({
        name: t.name,
        type: snmp.MibProviderType.Table,
        oid: t.oid,
        maxAccess: snmp.MaxAccess['not-accessible'],
        tableColumns: t.columns.map((c) => ({ number: c.number, name: c.name, type: objectType(c.type), maxAccess: readOnly })),
        tableIndex: [{ columnName: t.columns[0]!.name }],
      });
    }
  }

  private gate(msg: Buffer, rinfo: { address: string }, deliver: (msg: Buffer, rinfo: { address: string }) => void): void {
    if (!this.acl.accepts(msg, rinfo.address)) return;
    void this.fresh().then(() => {
      if (this.agent) deliver(msg, rinfo);
    });
  }

  /** The MIB holds values at most maxAgeMs old; concurrent requests share one fetch. */
  private fresh(): Promise<void> {
    if (Date.now() - this.fetchedAt < this.opts.maxAgeMs) return Promise.resolve();
    this.fetching ??= this.opts
      .snapshot()
      .then((s) => {
        if (this.agent) this.fill(this.agent, s);
        this.fetchedAt = Date.now();
      })
      .catch((err: unknown) => this.opts.logger.warn({ err: scrub(err, this.secrets()) }, 'snmp: values not refreshed'))
      .finally(() => {
        this.fetching = undefined;
      });
    return this.fetching;
  }

  private fill(agent: snmp.Agent, s: PbxSnapshot): void {
    const mib = agent.getMib();
    const values = scalarValues(s);
    for (const d of SCALARS) mib.setScalarValue(d.name, values[d.name]);
    const rows = tableRows(s);
    for (const t of TABLES) {
      for (const index of this.rowIndexes.get(t.name) ?? []) mib.deleteTableRow(t.name, [index]);
      const next = rows[t.name] ?? [];
      for (const row of next) mib.addTableRow(t.name, row);
      this.rowIndexes.set(t.name, next.map((r) => r[0] as number));
    }
  }
}
