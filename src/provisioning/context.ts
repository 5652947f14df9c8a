// The vendor-neutral values of one phone's files: its lines with their credentials, its keys
// resolved to what they watch and dial, time, language, directory and URLs of the box. Every
// vendor profile turns this into its own names and codes. Pure: model + request facts in.
import { PHONEBOOK_BASE_DN, PHONEBOOK_NAME_FILTER, PHONEBOOK_NUMBER_FILTER, macForms, phoneLdapBindDn, type Vendor } from '../domain/phones.ts';
import type { FeatureCodes, PbxConfig, Phone, PhoneTemplate } from '../domain/model.ts';
import { timezoneInfo, type TimezoneInfo } from './timezone.ts';
import type { MacForms, VendorProfile } from './vendor.ts';

/** Facts about the request and the daemon that the model does not hold. */
export interface ServerInfo {
  /** The address the phone reached the box at (used when the settings name none). */
  address: string;
  /** Scheme and port of the URLs written into the phone (the server it came through). */
  scheme: 'http' | 'https';
  httpPort: number;
  /** The LDAP directory's port (389 on the box). */
  ldapPort: number;
}

export interface ServerContext {
  address: string;
  sipPort: number;
  transport: 'udp' | 'tcp';
  ldapPort: number;
  scheme: 'http' | 'https';
  httpPort: number;
  /** http://192.0.2.10:8080/provisioning/ (ends with /). */
  provisioningUrl: string;
  /** 192.0.2.10:8080/provisioning (host/path without scheme, as Grandstream writes it). */
  provisioningPath: string;
}

export interface CommonContext {
  server: ServerContext;
  /** The model when the request named it. */
  model?: string;
  pbxName: string;
  vars: Record<string, string>;
}

export interface LineContext {
  /** 1-based. */
  index: number;
  index0: number;
  account: string;
  authName: string;
  password: string;
  /** The extension's name. */
  displayName: string;
  /** Line key text. */
  label: string;
  extension: string;
  /** Dialled to reach the extension's mailbox. */
  voicemail: string;
  /** The extension has a mailbox (subscribe for message waiting). */
  mwi: boolean;
}

export const PHONE_KEY_TYPES = ['line', 'blf', 'park', 'switch', 'dnd', 'speedDial'] as const;

export interface KeyContext {
  /** 1-based position. */
  index: number;
  index0: number;
  type: (typeof PHONE_KEY_TYPES)[number];
  /** What the key watches and dials: an extension, a park slot, a code, a number; for line keys the line's account. */
  value: string;
  label: string;
  /** The line (1-based) it uses. */
  line: number;
  line0: number;
  /** One flag per type for Mustache sections: {{#isBlf}}…{{/isBlf}}. */
  isLine: boolean;
  isBlf: boolean;
  isPark: boolean;
  isSwitch: boolean;
  isDnd: boolean;
  isSpeedDial: boolean;
  /** Watched through a SIP subscription (BLF, park, switch, DND). */
  watches: boolean;
  /** Directed pickup code alone (**) and with the watched number (**201); empty when not a BLF key. */
  pickupCode: string;
  pickup: string;
}

export interface DirectoryEntry {
  name: string;
  firstName: string;
  lastName: string;
  company: string;
  /** The first number; all of them in `numbers`. */
  number: string;
  numbers: { number: string; type: 'extension' | 'work' | 'mobile' | 'home' | 'fax' | 'other'; first: boolean }[];
}

export interface PhoneContext extends CommonContext {
  mac: MacForms;
  vendor: Vendor;
  model: string;
  description: string;
  lines: LineContext[];
  /** The first line (most single-account files need only it). */
  line1: LineContext;
  keys: KeyContext[];
  language: 'en' | 'it';
  timezone: TimezoneInfo;
  ntp: string[];
  ntp1: string;
  ntp2: string;
  adminPassword: string;
  httpAuth?: { username: string; password: string };
  /** Minutes between fetches; 0: only at boot and on resync. */
  resyncMinutes: number;
  resyncSeconds: number;
  /** The LDAP directory (absent when the settings turn it off). */
  ldap?: { host: string; port: number; baseDn: string; bindDn: string; password: string; nameFilter: string; numberFilter: string };
  /** URL of each of the phone's files by file id (the phonebook's among them). */
  urls: Record<string, string>;
  /** The company phonebook in the vendor's XML format (absent when off or the vendor has none). */
  phonebook?: { url: string; name: string };
  firmwareUrl?: string;
  featureCodes: FeatureCodes;
  /** Only when rendering a directory file. */
  directory?: readonly DirectoryEntry[];
}

/** The templates a phone gets: an admin's where one applies, the built-in ones otherwise. */
export interface ChosenTemplates {
  /** The admin template used, if any. */
  name?: string;
  files: Record<string, string>;
  vars: Record<string, string>;
  firmwareUrl?: string;
}

const sameModel = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** An admin template for this vendor and model: the phone's own choice, one naming the model, one for every model. */
export function adminTemplateFor(config: PbxConfig, vendor: Vendor, model: string | undefined, explicit?: string): PhoneTemplate | undefined {
  if (explicit) return config.phoneTemplates.find((t) => t.name === explicit);
  const ofVendor = config.phoneTemplates.filter((t) => t.vendor === vendor);
  return (model !== undefined ? ofVendor.find((t) => t.models.some((m) => sameModel(m, model))) : undefined) ?? ofVendor.find((t) => t.models.length === 0);
}

export function chooseTemplates(config: PbxConfig, profile: VendorProfile, model: string | undefined, explicit?: string): ChosenTemplates {
  const t = adminTemplateFor(config, profile.vendor, model, explicit);
  const files: Record<string, string> = { ...profile.templates };
  for (const f of t?.files ?? []) files[f.file] = f.template;
  return {
    ...(t ? { name: t.name } : {}),
    files,
    vars: { ...(t?.vars ?? {}) },
    ...(t?.firmwareUrl ? { firmwareUrl: t.firmwareUrl } : {}),
  };
}

export function serverContext(config: PbxConfig, server: ServerInfo): ServerContext {
  const address = config.provisioning.address ?? server.address;
  const host = address.includes(':') ? `[${address}]` : address;
  const path = `${host}:${server.httpPort}/provisioning`;
  return {
    address,
    sipPort: config.system.sipPort,
    transport: config.provisioning.transport,
    ldapPort: server.ldapPort,
    scheme: server.scheme,
    httpPort: server.httpPort,
    provisioningUrl: `${server.scheme}://${path}/`,
    provisioningPath: path,
  };
}

export function commonContext(config: PbxConfig, server: ServerInfo, chosen: ChosenTemplates, model?: string): CommonContext {
  return { server: serverContext(config, server), ...(model !== undefined ? { model } : {}), pbxName: config.system.name, vars: chosen.vars };
}

function splitName(name: string): { firstName: string; lastName: string } {
  const parts = name.trim().split(/\s+/);
  return parts.length < 2 ? { firstName: '', lastName: name.trim() } : { firstName: parts[0]!, lastName: parts.slice(1).join(' ') };
}

const byName = new Intl.Collator('en', { sensitivity: 'base' });
// A configuration snapshot never changes, so what is derived from it is kept per snapshot: a
// burst of phones asking at once must not sort the whole directory once per file.
const directoryCache = new WeakMap<PbxConfig, readonly DirectoryEntry[]>();
const ownerCache = new WeakMap<PbxConfig, ReadonlyMap<string, { ext: PbxConfig['extensions'][number]; password: string }>>();
const extNameCache = new WeakMap<PbxConfig, ReadonlyMap<string, string>>();

function cached<T>(cache: WeakMap<PbxConfig, T>, config: PbxConfig, make: () => T): T {
  let v = cache.get(config);
  if (v === undefined) cache.set(config, (v = make()));
  return v;
}

/** Extensions (those with devices or a name people look for) and the shared contacts, by name. */
export function directoryEntries(config: PbxConfig): readonly DirectoryEntry[] {
  return cached(directoryCache, config, () => sortedDirectory(config));
}

function sortedDirectory(config: PbxConfig): readonly DirectoryEntry[] {
  const out: DirectoryEntry[] = [];
  for (const e of config.extensions) {
    out.push({ name: e.name, ...splitName(e.name), company: config.system.name, number: e.number, numbers: [{ number: e.number, type: 'extension', first: true }] });
  }
  for (const c of config.phonebook) {
    const numbers = c.numbers.map((n, i) => ({ number: n.number, type: n.type, first: i === 0 }));
    out.push({ name: c.name, ...splitName(c.name), company: c.company ?? '', number: c.numbers[0]!.number, numbers });
  }
  return out.sort((a, b) => byName.compare(a.name, b.name) || a.number.localeCompare(b.number));
}

/**
 * The context of one phone's files. `chosen` from chooseTemplates; `directory`: include the
 * phonebook entries (only the phonebook file needs them).
 */
export function phoneContext(config: PbxConfig, phone: Phone, profile: VendorProfile, server: ServerInfo, chosen: ChosenTemplates, opts: { directory?: boolean } = {}): PhoneContext {
  const owner = cached(ownerCache, config, () => {
    const m = new Map<string, { ext: PbxConfig['extensions'][number]; password: string }>();
    for (const ext of config.extensions) for (const d of ext.devices) m.set(d.username, { ext, password: d.password });
    return m;
  });
  const fc = config.featureCodes;
  const srv = serverContext(config, server);

  const lines: LineContext[] = phone.lines.map((l, i) => {
    const o = owner.get(l.account);
    // The rules guarantee every line names an existing device; a dangling one renders empty rather than throwing.
    return {
      index: i + 1,
      index0: i,
      account: l.account,
      authName: l.account,
      password: o?.password ?? '',
      displayName: o?.ext.name ?? l.account,
      label: l.label ?? o?.ext.number ?? l.account,
      extension: o?.ext.number ?? '',
      voicemail: fc.voicemail,
      mwi: o?.ext.voicemail.enabled ?? false,
    };
  });
  const extName = cached(extNameCache, config, () => new Map(config.extensions.map((e) => [e.number, e.name])));
  const keyTemplate = (index0: number, type: KeyContext['type'], value: string, label: string, line: number): KeyContext => ({
    index: index0 + 1,
    index0,
    type,
    value,
    label,
    line,
    line0: line - 1,
    isLine: type === 'line',
    isBlf: type === 'blf',
    isPark: type === 'park',
    isSwitch: type === 'switch',
    isDnd: type === 'dnd',
    isSpeedDial: type === 'speedDial',
    watches: type === 'blf' || type === 'park' || type === 'switch' || type === 'dnd',
    pickupCode: type === 'blf' ? fc.directedPickup : '',
    pickup: type === 'blf' ? `${fc.directedPickup}${value}` : '',
  });
  const keys: KeyContext[] =
    phone.keys.length === 0
      ? lines.map((l) => keyTemplate(l.index0, 'line', l.account, l.label, l.index))
      : phone.keys.map((k, i) => {
          const line = ('line' in k && k.line !== undefined ? k.line : 1) as number;
          switch (k.type) {
            case 'line': {
              const l = lines[k.line - 1];
              return keyTemplate(i, 'line', l?.account ?? '', k.label ?? l?.label ?? '', k.line);
            }
            case 'blf':
              return keyTemplate(i, 'blf', k.extension, k.label ?? extName.get(k.extension) ?? k.extension, line);
            case 'park':
              return keyTemplate(i, 'park', k.slot, k.label ?? `Park ${k.slot}`, line);
            case 'switch': {
              const sw = config.switches.find((s) => s.name === k.switch);
              return keyTemplate(i, 'switch', sw?.code ?? '', k.label ?? sw?.description ?? k.switch, line);
            }
            case 'dnd': {
              const ext = lines[line - 1]?.extension ?? '';
              return keyTemplate(i, 'dnd', `${fc.dndToggle}${ext}`, k.label ?? 'DND', line);
            }
            case 'speedDial':
              return keyTemplate(i, 'speedDial', k.number, k.label, line);
          }
        });

  const firstExt = owner.get(phone.lines[0]!.account)?.ext;
  const ntp = config.system.ntpServers;
  const vars = { ...chosen.vars, ...phone.vars };
  const urls = Object.fromEntries(profile.files.map((f) => [f.id, `${srv.provisioningUrl}${f.name(macForms(phone.mac), phone.model)}`]));
  const phonebookFile = profile.files.find((f) => f.directory);
  const ctx: PhoneContext = {
    server: srv,
    model: phone.model,
    pbxName: config.system.name,
    vars,
    mac: macForms(phone.mac),
    vendor: phone.vendor,
    description: phone.description ?? '',
    lines,
    line1: lines[0]!,
    keys,
    language: phone.language ?? firstExt?.language ?? config.system.language,
    timezone: timezoneInfo(phone.timezone ?? config.system.timezone),
    ntp,
    ntp1: ntp[0] ?? '',
    ntp2: ntp[1] ?? '',
    adminPassword: phone.adminPassword,
    ...(phone.httpAuth ? { httpAuth: { ...phone.httpAuth } } : {}),
    resyncMinutes: config.provisioning.resyncMinutes,
    resyncSeconds: config.provisioning.resyncMinutes * 60,
    ...(config.provisioning.ldap
      ? {
          ldap: {
            host: srv.address,
            port: srv.ldapPort,
            baseDn: PHONEBOOK_BASE_DN,
            bindDn: phoneLdapBindDn(lines[0]!.account),
            password: lines[0]!.password,
            nameFilter: PHONEBOOK_NAME_FILTER,
            numberFilter: PHONEBOOK_NUMBER_FILTER,
          },
        }
      : {}),
    urls,
    ...(config.provisioning.xmlPhonebook && phonebookFile ? { phonebook: { url: urls[phonebookFile.id]!, name: config.system.name } } : {}),
    ...(chosen.firmwareUrl ? { firmwareUrl: chosen.firmwareUrl } : {}),
    featureCodes: fc,
    ...(opts.directory ? { directory: directoryEntries(config) } : {}),
  };
  return ctx;
}
