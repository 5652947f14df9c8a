// Serving phone files: one resolver for HTTP, HTTPS and TFTP. A request (protocol, name,
// User-Agent, source, credentials) becomes a status and a body, and one row of the request log.
//
// Invariants:
// - A phone's file (its name carries a MAC) is only ever rendered for the configured phone with
//   that MAC and a vendor whose names it is; a User-Agent naming another MAC gets nothing (403),
//   so no phone, and no client copying a phone's User-Agent, gets another phone's credentials.
// - A phone with httpAuth gets its files only with its credentials, so never over TFTP.
// - Common files hold no phone's data (the profiles' contract) and are served to anyone.
// - Names with `..`, NUL, backslashes or control characters, names over 200 characters and
//   directory names are refused before any profile sees them.
// - The log holds the request facts, the outcome and why; never a password.
// - preview() renders with the same call and the same ServerInfo as resolve(), so the GUI shows
//   exactly what the phone receives.
import { createHash, timingSafeEqual } from 'node:crypto';
import { NotFoundError } from '../domain/errors.ts';
import { normalizeMac, type Vendor } from '../domain/phones.ts';
import type { PbxConfig, Phone } from '../domain/model.ts';
import type { DiscoveredPhone, ProvisioningInfo, ProvisioningRequest, ProvisioningResult } from '../domain/provisioning.ts';
import type { PhoneSighting, ProvisioningLog, ProvisioningLogQuery } from '../store/provisioning-log.ts';
import { serverContext, type ServerInfo } from './context.ts';
import { phoneFileList, renderCommonFile, renderPhoneFile } from './render.ts';
import type { FileMatch, VendorProfile } from './vendor.ts';
import { PROFILES } from './vendors/index.ts';

export type ProvisioningProtocol = 'http' | 'https' | 'tftp';

/** What the transport knows about one file request. */
export interface FileRequest {
  protocol: ProvisioningProtocol;
  /** As asked: a leading / and a provisioning/ prefix are ignored. */
  name: string;
  userAgent?: string;
  /** The client's address. */
  source: string;
  /** The address and port of the box the request reached (written into the phone's URLs). */
  localAddress: string;
  localPort: number;
  /** HTTP Basic credentials, when sent. */
  auth?: { username: string; password: string };
}

export interface FileResponse {
  status: number;
  body?: string;
  contentType?: string;
  /** 401: ask for Basic credentials. */
  wwwAuthenticate?: boolean;
}

export interface ProvisioningServiceDeps {
  config: () => PbxConfig;
  log: ProvisioningLog;
  /** The vendor profiles (default: all of PROFILES). */
  profiles?: Readonly<Partial<Record<Vendor, VendorProfile>>>;
  /** The LDAP directory's port, written into the phones. */
  ldapPort: number;
  /** The HTTP port phones that came over TFTP are told to use from then on. */
  httpPort: () => number;
  /** Requests per source address and minute (default 600). */
  rateLimit?: { perMinute: number };
  /** A file could not be rendered (a broken admin template, a profile bug). */
  onError?: (err: unknown) => void;
  /** Milliseconds clock of the rate limiter (tests). */
  now?: () => number;
}

export interface PreviewServer {
  address: string;
  scheme: 'http' | 'https';
  httpPort: number;
}

export interface PhonePreview {
  files: { file: string; name: string; description: string; url: string }[];
  file?: { file: string; name: string; contentType: string; body: string; template?: string };
}

const MAX_NAME = 200;
/** User-Agents are cut to this before any profile's regular expressions see them. */
const MAX_USER_AGENT = 512;
const DEFAULT_PER_MINUTE = 600;
/** While a source stays over its limit, one log row per this long (a flood must not flood the log). */
const RATE_LOG_INTERVAL_MS = 10_000;
const MAX_BUCKETS = 10_000;

/** 192.0.2.10 for ::ffff:192.0.2.10 (a dual-stack socket's view of an IPv4 peer). */
export function plainAddress(address: string): string {
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(address) ? address.slice(7) : address;
}

/** The name profiles match: without leading slashes and the provisioning/ prefix. */
export function requestName(raw: string): string {
  const n = raw.replace(/^\/+/, '');
  return /^provisioning\//i.test(n) ? n.slice('provisioning/'.length) : n;
}

/** Why a name is refused without asking any profile, or undefined. */
function refusal(name: string): string | undefined {
  if (name === '' || name.endsWith('/')) return 'directory listing refused';
  if (name.length > MAX_NAME) return `name longer than ${MAX_NAME} characters`;
  if (name.includes('..') || name.includes('\\') || /[\u0000-\u001f\u007f]/.test(name)) return 'name with .., backslash or control characters refused';
  return undefined;
}

/** The name as the log shows it: printable, bounded. */
const loggedName = (name: string) => name.slice(0, MAX_NAME + 1).replace(/[\u0000-\u001f\u007f]/g, '?');

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
/** Compares without revealing through timing where (or whether the user name) differed. */
function sameCredentials(given: { username: string; password: string }, expected: { username: string; password: string }): boolean {
  const user = timingSafeEqual(digest(given.username), digest(expected.username));
  const pass = timingSafeEqual(digest(given.password), digest(expected.password));
  return user && pass;
}

type Bucket = { tokens: number; last: number; loggedAt?: number; refused: number };

/** A token bucket per source address: `perMinute` requests in a burst, refilled evenly. */
class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  readonly perMinute: number;
  private readonly now: () => number;

  constructor(perMinute: number, now: () => number) {
    this.perMinute = perMinute;
    this.now = now;
  }

  /**
   * undefined: allowed. Refused: whether to log this refusal (at most one a source per
   * RATE_LOG_INTERVAL_MS, whatever was allowed in between) and how many went unlogged before it.
   */
  take(source: string): undefined | { log: boolean; unlogged: number } {
    const now = this.now();
    let b = this.buckets.get(source);
    if (!b) {
      this.prune(now);
      b = { tokens: this.perMinute, last: now, refused: 0 };
      this.buckets.set(source, b);
    }
    b.tokens = Math.min(this.perMinute, b.tokens + ((now - b.last) * this.perMinute) / 60_000);
    b.last = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return undefined;
    }
    if (b.loggedAt === undefined || now - b.loggedAt >= RATE_LOG_INTERVAL_MS) {
      const unlogged = b.refused;
      b.loggedAt = now;
      b.refused = 0;
      return { log: true, unlogged };
    }
    b.refused++;
    return { log: false, unlogged: 0 };
  }

  /** Spoofed sources (TFTP is UDP) must not grow the map without bound: full buckets carry no state. */
  private prune(now: number): void {
    if (this.buckets.size < MAX_BUCKETS) return;
    for (const [k, b] of this.buckets) {
      if (b.tokens + ((now - b.last) * this.perMinute) / 60_000 >= this.perMinute) this.buckets.delete(k);
    }
    // Still full of active sources: forget the oldest tenth (they start again with a full bucket).
    if (this.buckets.size >= MAX_BUCKETS) {
      let drop = Math.ceil(MAX_BUCKETS / 10);
      for (const k of this.buckets.keys()) {
        if (drop-- <= 0) break;
        this.buckets.delete(k);
      }
    }
  }
}

/** What one request came to; becomes the response and the log row. */
interface Outcome {
  status: number;
  result: ProvisioningResult;
  detail: string;
  body?: string;
  contentType?: string;
  wwwAuthenticate?: boolean;
  mac?: string;
  vendor?: Vendor;
  model?: string;
  sighting?: PhoneSighting;
}

type Identity = { vendor: Vendor; model?: string; mac?: string };
type Matched = { profile: VendorProfile; match: FileMatch };

export class ProvisioningService {
  private readonly config: () => PbxConfig;
  private readonly log: ProvisioningLog;
  private readonly profiles: VendorProfile[];
  private readonly byVendor: Partial<Record<Vendor, VendorProfile>>;
  private readonly ldapPort: number;
  private readonly httpPort: () => number;
  private readonly limiter: RateLimiter;
  private readonly onError: (err: unknown) => void;
  private readonly phoneIndex = new WeakMap<PbxConfig, Map<string, Phone>>();

  constructor(deps: ProvisioningServiceDeps) {
    this.config = deps.config;
    this.log = deps.log;
    this.byVendor = { ...(deps.profiles ?? PROFILES) };
    this.profiles = Object.values(this.byVendor).filter((p): p is VendorProfile => p !== undefined);
    this.ldapPort = deps.ldapPort;
    this.httpPort = deps.httpPort;
    this.limiter = new RateLimiter(deps.rateLimit?.perMinute ?? DEFAULT_PER_MINUTE, deps.now ?? Date.now);
    this.onError = deps.onError ?? (() => {});
  }

  /** Answers one file request and logs it. Never throws. */
  resolve(req: FileRequest): FileResponse {
    const source = plainAddress(req.source);
    const userAgent = req.userAgent === undefined || req.userAgent === '' ? undefined : req.userAgent.slice(0, MAX_USER_AGENT);
    const name = requestName(req.name);
    let outcome: Outcome;
    const limited = this.limiter.take(source);
    if (limited) {
      if (!limited.log) return { status: 429 };
      outcome = {
        status: 429,
        result: 'rate-limited',
        detail: `more than ${this.limiter.perMinute} requests a minute from ${source}${limited.unlogged ? `; ${limited.unlogged} more refused without a log entry` : ''}`,
      };
    } else {
      try {
        outcome = this.decide(req, name, userAgent);
      } catch (err) {
        this.onError(err);
        outcome = { status: 500, result: 'error', detail: `render failed: ${(err as Error)?.message ?? String(err)}`.slice(0, 300) };
      }
    }
    const bytes = outcome.body === undefined ? 0 : Buffer.byteLength(outcome.body, 'utf8');
    try {
      if (outcome.sighting) this.log.seen(outcome.sighting);
      this.log.record({
        protocol: req.protocol,
        source,
        ...(outcome.mac !== undefined ? { mac: outcome.mac } : {}),
        ...(outcome.vendor !== undefined ? { vendor: outcome.vendor } : {}),
        ...(outcome.model !== undefined ? { model: outcome.model } : {}),
        ...(userAgent !== undefined ? { userAgent } : {}),
        file: loggedName(name),
        result: outcome.result,
        status: outcome.status,
        bytes,
        detail: outcome.detail,
      });
    } catch (err) {
      // The log is not worth a phone's file: serve, and report.
      this.onError(err);
    }
    return {
      status: outcome.status,
      ...(outcome.body !== undefined ? { body: outcome.body } : {}),
      ...(outcome.contentType !== undefined ? { contentType: outcome.contentType } : {}),
      ...(outcome.wwwAuthenticate ? { wwwAuthenticate: true } : {}),
    };
  }

  /** What the phone gets from a box reached at `server`: its files, and one of them rendered (by file id or name). */
  preview(mac: string, file: string | undefined, server: PreviewServer): PhonePreview {
    const config = this.config();
    const m = normalizeMac(mac);
    const phone = m === undefined ? undefined : this.phones(config).get(m);
    if (!phone) throw new NotFoundError(`no phone with MAC ${mac}`);
    const profile = this.byVendor[phone.vendor];
    if (!profile) throw new NotFoundError(`no profile for vendor ${phone.vendor}`);
    const info: ServerInfo = { address: plainAddress(server.address), scheme: server.scheme, httpPort: server.httpPort, ldapPort: this.ldapPort };
    const base = serverContext(config, info).provisioningUrl;
    const files = phoneFileList(profile, phone).map((f) => ({ ...f, url: `${base}${f.name}` }));
    if (file === undefined) return { files };
    const spec = files.find((f) => f.file === file) ?? files.find((f) => f.name === file);
    const rendered = spec ? renderPhoneFile(config, profile, phone, spec.file, info) : undefined;
    if (!rendered) throw new NotFoundError(`phone ${phone.mac} has no file ${file}`);
    return {
      files,
      file: {
        file: rendered.file,
        name: rendered.name,
        contentType: rendered.contentType,
        body: rendered.body,
        ...(rendered.template !== undefined ? { template: rendered.template } : {}),
      },
    };
  }

  /** How installers point phones at the box reached at `address`. */
  info(address: string, ports: { http: number; https?: number; tftp?: number }): ProvisioningInfo {
    const used = this.config().provisioning.address ?? plainAddress(address);
    const host = used.includes(':') ? `[${used}]` : used;
    const httpUrl = `http://${host}:${ports.http}/provisioning/`;
    return {
      httpUrl,
      ...(ports.https !== undefined ? { httpsUrl: `https://${host}:${ports.https}/provisioning/` } : {}),
      ...(ports.tftp !== undefined ? { tftp: { address: used, port: ports.tftp } } : {}),
      option66: httpUrl,
      address: used,
    };
  }

  /** The request log, newest first (`before`: an id of the previous page). */
  requests(q: ProvisioningLogQuery = {}): { items: ProvisioningRequest[] } {
    return { items: this.log.query(q) };
  }

  /** Phones that asked for files and are still not configured, most recently seen first. */
  discovered(): DiscoveredPhone[] {
    const configured = this.phones(this.config());
    return this.log.discovered().filter((d) => !configured.has(d.mac));
  }

  /** false when the MAC was not listed. */
  forgetDiscovered(mac: string): boolean {
    return this.log.forgetDiscovered(mac);
  }

  private phones(config: PbxConfig): Map<string, Phone> {
    let index = this.phoneIndex.get(config);
    if (!index) {
      index = new Map(config.phones.map((p) => [p.mac, p]));
      this.phoneIndex.set(config, index);
    }
    return index;
  }

  private serverInfo(req: FileRequest): ServerInfo {
    return {
      address: plainAddress(req.localAddress),
      scheme: req.protocol === 'https' ? 'https' : 'http',
      // Phones that came over TFTP are told the HTTP URL: later fetches can authenticate.
      httpPort: req.protocol === 'tftp' ? this.httpPort() : req.localPort,
      ldapPort: this.ldapPort,
    };
  }

  private identify(userAgent: string | undefined): Identity | undefined {
    if (userAgent === undefined) return undefined;
    for (const p of this.profiles) {
      const id = p.identify(userAgent);
      if (!id) continue;
      const mac = id.mac === undefined ? undefined : normalizeMac(id.mac);
      return { vendor: p.vendor, ...(id.model !== undefined ? { model: id.model } : {}), ...(mac !== undefined ? { mac } : {}) };
    }
    return undefined;
  }

  private decide(req: FileRequest, name: string, userAgent: string | undefined): Outcome {
    const refused = refusal(name);
    if (refused) return { status: 404, result: 'not-found', detail: refused };

    const config = this.config();
    const phones = this.phones(config);
    const ua = this.identify(userAgent);
    const uaFacts = ua ? { vendor: ua.vendor, ...(ua.model !== undefined ? { model: ua.model } : {}) } : {};
    // A phone that names its MAC in the User-Agent and is not configured is worth listing, whatever it asked.
    const uaSighting = (): PhoneSighting | undefined =>
      ua?.mac !== undefined && !phones.has(ua.mac)
        ? { mac: ua.mac, ...uaFacts, ...(userAgent !== undefined ? { userAgent } : {}), source: plainAddress(req.source), file: loggedName(name) }
        : undefined;
    const withSighting = (o: Outcome): Outcome => {
      const s = uaSighting();
      return s ? { ...o, sighting: s } : o;
    };

    const matched: Matched[] = [];
    for (const profile of this.profiles) {
      const match = profile.match(name);
      if (match) matched.push({ profile, match });
    }

    const phoneMatches = matched.flatMap((m) => {
      if (m.match.kind !== 'phone') return [];
      const mac = normalizeMac(m.match.mac);
      return mac === undefined ? [] : [{ ...m, match: m.match, mac }];
    });
    if (phoneMatches.length > 0) {
      // The same name can be several vendors' (<mac>.cfg): the configured phone's vendor decides.
      const owned = phoneMatches.find((m) => phones.get(m.mac)?.vendor === m.profile.vendor);
      const mac = (owned ?? phoneMatches[0]!).mac;
      if (ua?.mac !== undefined && ua.mac !== mac) {
        return { status: 403, result: 'forbidden', detail: `the User-Agent names MAC ${ua.mac}, the file is ${mac}'s`, mac, ...uaFacts };
      }
      if (!owned) {
        const other = phones.get(mac);
        if (other) {
          const vendors = [...new Set(phoneMatches.map((m) => m.profile.vendor))].join('/');
          return { status: 404, result: 'not-found', detail: `phone ${mac} is configured as ${other.vendor}; this is a ${vendors} file name`, mac, vendor: other.vendor, model: other.model };
        }
        const vendors = [...new Set(phoneMatches.map((m) => m.profile.vendor))];
        const only = vendors.length === 1 ? phoneMatches[0]! : undefined;
        const vendor = ua?.vendor ?? only?.profile.vendor;
        const model = ua?.model ?? (only && (!ua || ua.vendor === only.profile.vendor) ? only.match.model : undefined);
        const facts = { ...(vendor !== undefined ? { vendor } : {}), ...(model !== undefined ? { model } : {}) };
        return {
          status: 404,
          result: 'unknown-phone',
          detail: `no phone with MAC ${mac} is configured`,
          mac,
          ...facts,
          sighting: { mac, ...facts, ...(userAgent !== undefined ? { userAgent } : {}), source: plainAddress(req.source), file: loggedName(name) },
        };
      }
      const phone = phones.get(mac)!;
      const who = { mac, vendor: phone.vendor, model: phone.model };
      if (phone.httpAuth) {
        if (req.protocol === 'tftp') {
          return { status: 403, result: 'forbidden', detail: 'the phone requires HTTP authentication, which TFTP cannot carry: it must fetch its files over HTTP or HTTPS', ...who };
        }
        if (!req.auth) return { status: 401, result: 'unauthorized', detail: 'no credentials sent', wwwAuthenticate: true, ...who };
        if (!sameCredentials(req.auth, phone.httpAuth)) return { status: 401, result: 'unauthorized', detail: 'wrong credentials', wwwAuthenticate: true, ...who };
      }
      const rendered = renderPhoneFile(config, owned.profile, phone, owned.match.file, this.serverInfo(req));
      if (!rendered) return { status: 404, result: 'not-found', detail: `${phone.vendor} has no file ${owned.match.file}`, ...who };
      return {
        status: 200,
        result: 'served',
        detail: rendered.template !== undefined ? `${rendered.file} (template ${rendered.template})` : rendered.file,
        body: rendered.body,
        contentType: rendered.contentType,
        ...who,
      };
    }

    const common = matched.filter((m) => m.match.kind === 'common');
    if (common.length > 0) {
      const pick = common.find((m) => m.profile.vendor === ua?.vendor) ?? common[0]!;
      const model = pick.match.model ?? (ua?.vendor === pick.profile.vendor ? ua.model : undefined);
      const rendered = renderCommonFile(config, pick.profile, pick.match.file, name, this.serverInfo(req), model);
      const facts = { vendor: pick.profile.vendor, ...(model !== undefined ? { model } : {}), ...(ua?.mac !== undefined ? { mac: ua.mac } : {}) };
      if (!rendered) return withSighting({ status: 404, result: 'not-found', detail: `${pick.profile.vendor} has no common file ${pick.match.file}`, ...facts });
      return withSighting({
        status: 200,
        result: 'served',
        detail: rendered.template !== undefined ? `common ${rendered.file} (template ${rendered.template})` : `common ${rendered.file}`,
        body: rendered.body,
        contentType: rendered.contentType,
        ...facts,
      });
    }

    return withSighting({ status: 404, result: 'not-found', detail: 'no vendor asks for this name', ...uaFacts, ...(ua?.mac !== undefined ? { mac: ua.mac } : {}) });
  }
}
