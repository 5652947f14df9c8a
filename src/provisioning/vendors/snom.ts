// Snom desk phones (D7xx, D3xx, D8xx; older 7xx). Reference: phone-provisioning.md §2, §9, §10.2.
//
// At boot a phone pointed at the box's directory URL asks, in order:
//   snom<model>.htm            general container of its type (common: no phone's data)
//   snom<model>-<MAC>.htm      its own container, listing its files (MAC upper case, as Wazo
//                              and provisioner.net write it)
//   <MAC>.xml                  its settings: accounts, time, language, keys, LDAP
//   <MAC>-tbook.xml            the company phonebook as its local directory (§10.2), listed
//                              in the container only while the XML phonebook is on
// The settings persist setting_server as the directory URL, so every later fetch (timer or
// check-sync NOTIFY) repeats the same sequence.
import type { DirectoryEntry, KeyContext, PhoneContext } from '../context.ts';
import { loadTemplates } from '../templates/load.ts';
import type { VendorProfile } from '../vendor.ts';
import { hostPort, identified, MAC_GROUP, phoneFile } from './common.ts';

const XML = 'application/xml';

/**
 * Function keys and identities per model. Keys count the keys with a label next to them
 * (without pages or expansion modules) where the vendor sheets give them; the rest are
 * sensible values, and a phone with more keys configured than the model has gets them all.
 */
const MODELS = [
  { name: 'D712', keys: 4, accounts: 4 },
  { name: 'D713', keys: 4, accounts: 4 },
  { name: 'D715', keys: 5, accounts: 4 },
  { name: 'D717', keys: 3, accounts: 6 },
  { name: 'D725', keys: 18, accounts: 12 },
  { name: 'D735', keys: 8, accounts: 12 },
  { name: 'D745', keys: 8, accounts: 12 },
  { name: 'D765', keys: 16, accounts: 12 },
  { name: 'D785', keys: 24, accounts: 12 },
  { name: 'D315', keys: 4, accounts: 2 },
  { name: 'D335', keys: 12, accounts: 12 },
  { name: 'D345', keys: 12, accounts: 12 },
  { name: 'D375', keys: 12, accounts: 12 },
  { name: 'D385', keys: 12, accounts: 12 },
  { name: 'D862', keys: 4, accounts: 12 },
  { name: 'D865', keys: 12, accounts: 12 },
  { name: '710', keys: 5, accounts: 4 },
  { name: '715', keys: 5, accounts: 4 },
  { name: '720', keys: 18, accounts: 12 },
  { name: '725', keys: 18, accounts: 12 },
  { name: '760', keys: 16, accounts: 12 },
] as const;

/** Menu and web language names (<language>, <web_language>), as Wazo's locale table writes them. */
const LANGUAGES: Record<PhoneContext['language'], string> = { en: 'English', it: 'Italiano' };

/**
 * Snom's <timezone> values: a country code and the standard offset. The reference confirms the
 * form and GER+1, ITA+1, USA-5; the rest of the list is Snom's own time-zone menu as
 * provisioning projects copy it. Each zone names the country whose DST rules the phone applies.
 */
const SNOM_ZONES = [
  'USA-10', 'USA-9', 'CAN-8', 'MEX-8', 'USA-8', 'CAN-7', 'MEX-7', 'USA2-7', 'USA-7', 'CAN-6', 'CHL-6', 'MEX-6', 'USA-6',
  'BHS-5', 'CAN-5', 'CUB-5', 'USA-5', 'VEN-4.5', 'CAN-4', 'CHL-4', 'PRY-4', 'BMU-4', 'CAN-3.5', 'GRL-3', 'ARG-3', 'BRA1-3',
  'BRA-2', 'PRT-1', 'GBR-0', 'IRL-0', 'PRT-0', 'ESP-0', 'ALB+1', 'AUT+1', 'BEL+1', 'HRV+1', 'CZE+1', 'DNK+1', 'FRA+1', 'GER+1',
  'HUN+1', 'ITA+1', 'LUX+1', 'NLD+1', 'NOR+1', 'POL+1', 'SVK+1', 'ESP+1', 'SWE+1', 'CHE+1', 'BGR+2', 'CYP+2', 'EGY+2', 'EST+2',
  'FIN+2', 'GRC+2', 'ISR+2', 'LVA+2', 'ROU+2', 'UKR+2', 'RUS+3', 'IRN+3.5', 'ARE+4', 'PAK+5', 'IND+5.5', 'THA+7', 'SGP+8',
  'CHN+8', 'JPN+9', 'AUS+9.5', 'AUS+10', 'NZL+12',
] as const;

/** The country (Snom's code) of the usual Olson zones; other zones fall back to one with the same offset. */
const ZONE_COUNTRY: Record<string, string> = {
  'Europe/Rome': 'ITA', 'Europe/Vatican': 'ITA', 'Europe/San_Marino': 'ITA', 'Europe/Berlin': 'GER', 'Europe/Paris': 'FRA',
  'Europe/Madrid': 'ESP', 'Europe/London': 'GBR', 'Europe/Dublin': 'IRL', 'Europe/Lisbon': 'PRT', 'Europe/Amsterdam': 'NLD',
  'Europe/Brussels': 'BEL', 'Europe/Vienna': 'AUT', 'Europe/Zurich': 'CHE', 'Europe/Stockholm': 'SWE', 'Europe/Oslo': 'NOR',
  'Europe/Copenhagen': 'DNK', 'Europe/Warsaw': 'POL', 'Europe/Prague': 'CZE', 'Europe/Budapest': 'HUN', 'Europe/Luxembourg': 'LUX',
  'Europe/Athens': 'GRC', 'Europe/Helsinki': 'FIN', 'Europe/Bucharest': 'ROU', 'Europe/Sofia': 'BGR', 'Europe/Kyiv': 'UKR',
  'Europe/Kiev': 'UKR', 'Europe/Moscow': 'RUS', 'America/New_York': 'USA', 'America/Chicago': 'USA', 'America/Denver': 'USA',
  'America/Phoenix': 'USA2', 'America/Los_Angeles': 'USA', 'America/Anchorage': 'USA', 'Pacific/Honolulu': 'USA',
  'America/Toronto': 'CAN', 'America/Vancouver': 'CAN', 'America/Mexico_City': 'MEX', 'Asia/Kolkata': 'IND', 'Asia/Tokyo': 'JPN',
  'Asia/Shanghai': 'CHN', 'Asia/Singapore': 'SGP', 'Australia/Sydney': 'AUS', 'Pacific/Auckland': 'NZL',
};

/** Call-progress tone schemes (<tone_scheme>) the phones know, by the country of the time zone. */
const TONE_SCHEMES = new Set(['AUS', 'AUT', 'CHN', 'DNK', 'FRA', 'GER', 'GBR', 'IND', 'ITA', 'JPN', 'MEX', 'NLD', 'NOR', 'NZL', 'ESP', 'SWE', 'USA']);

function snomTimezone(tz: PhoneContext['timezone']): string {
  // Snom writes a zero offset as -0 (GBR-0).
  const offset = tz.offsetHours === '+0' ? '-0' : tz.offsetHours;
  const country = ZONE_COUNTRY[tz.name];
  const own = country !== undefined ? `${country}${offset}` : undefined;
  if (own !== undefined && (SNOM_ZONES as readonly string[]).includes(own)) return own;
  return SNOM_ZONES.find((z) => z.replace(/^[A-Z0-9]+?(?=[+-])/, '') === offset) ?? 'GBR-0';
}

function toneScheme(zone: string): string {
  const country = zone.replace(/[0-9]*[+-].*$/, '');
  return TONE_SCHEMES.has(country) ? country : 'USA';
}

/** The value of a <fkey>: what the key watches and dials, in Snom's key syntax (§2.3). */
function fkeyValue(k: KeyContext): string {
  switch (k.type) {
    case 'line':
      return 'line';
    case 'blf':
      // "blf <ext>|<pickup prefix>": pressed while the extension rings, the phone dials prefix + extension.
      return `blf ${k.value}|${k.pickupCode}`;
    case 'park':
    case 'switch':
    case 'dnd':
      // Watched like an extension (the box publishes the slot's, switch's and DND code's state); pressed: dialled.
      return `blf ${k.value}`;
    case 'speedDial':
      return `speed ${k.value}`;
  }
}

/** One <item> per number: the local directory holds one number per entry; indexes must be unique. */
function tbookItems(entries: readonly DirectoryEntry[]) {
  const items: { index: number; name: string; firstName: string; lastName: string; company: string; number: string; type: string }[] = [];
  for (const e of entries)
    for (const n of e.numbers)
      items.push({ index: items.length, name: e.name, firstName: e.firstName, lastName: e.lastName, company: e.company, number: n.number, type: n.type === 'extension' ? 'colleagues' : 'none' });
  return items;
}

const CONTAINER = new RegExp(`^snom([A-Za-z0-9._+-]+)-${MAC_GROUP}\\.htm$`);
const GENERAL = /^snom([A-Za-z0-9._+-]+)\.htm$/;
const SETTINGS = new RegExp(`^${MAC_GROUP}\\.xml$`);
const TBOOK = new RegExp(`^${MAC_GROUP}-tbook\\.xml$`);
/** setting_server = http://box/provisioning/<anything>?mac={mac}: the phone's settings in one file. */
const QUERY_MAC = /^[A-Za-z0-9._-]*\?(?:[^#]*&)?mac=([0-9A-Fa-f:.-]{12,17})(?:&[^#]*)?$/;

export const snom: VendorProfile = {
  vendor: 'snom',
  models: MODELS,
  files: [
    {
      id: 'settings',
      format: 'xml',
      contentType: XML,
      name: (mac) => `${mac.upper}.xml`,
      description: 'Settings: accounts, time, language, admin password, function keys, LDAP directory',
    },
    {
      id: 'container',
      format: 'xml',
      contentType: XML,
      name: (mac, model) => `snom${model}-${mac.upper}.htm`,
      description: "The phone's own <setting-files> container: lists its settings and phonebook",
    },
    {
      id: 'phonebook',
      format: 'xml',
      contentType: XML,
      name: (mac) => `${mac.upper}-tbook.xml`,
      directory: true,
      description: 'The company phonebook as the local directory (<tbook>)',
    },
  ],
  commonFiles: [
    {
      id: 'general',
      format: 'xml',
      contentType: XML,
      example: 'snomD715.htm',
      description: 'General <setting-files> container of a model (empty: every setting is per phone)',
    },
  ],
  templates: loadTemplates('snom'),

  identify(userAgent) {
    // Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 2010.12-00004-g9ba52f5 000413922D24 SXM:0 UXM:0)
    const m = /\bsnom(\w+)-SIP\s[\d.]+/.exec(userAgent);
    if (!m) return undefined;
    // Older firmware sends no MAC; newer puts it (upper case) after the version fields.
    const rest = userAgent.slice(m.index + m[0].length);
    return identified(m[1]!, /\s([0-9A-F]{12})(?=[\s;)]|$)/.exec(rest)?.[1]);
  },

  match(fileName) {
    const q = QUERY_MAC.exec(fileName);
    if (q) return phoneFile('settings', q[1]!);
    const name = fileName.split('?')[0]!;
    let m = CONTAINER.exec(name);
    if (m) return phoneFile('container', m[2]!, m[1]!);
    m = GENERAL.exec(name);
    if (m) return { kind: 'common', file: 'general', model: m[1]! };
    // The container names <MAC>.xml in upper case; any case is accepted so that a hand-typed
    // setting_server of http://box/provisioning/{mac}.xml (lower case) works as well.
    m = SETTINGS.exec(name);
    if (m) return phoneFile('settings', m[1]!);
    m = TBOOK.exec(name);
    if (m) return phoneFile('phonebook', m[1]!);
    return undefined;
  },

  view(ctx) {
    const timezoneCode = snomTimezone(ctx.timezone);
    return {
      sipHostPort: hostPort(ctx.server.address, ctx.server.sipPort),
      languageName: LANGUAGES[ctx.language],
      timezoneCode,
      toneScheme: toneScheme(timezoneCode),
      adminUser: 'admin',
      httpClientUser: ctx.httpAuth?.username ?? '',
      httpClientPassword: ctx.httpAuth?.password ?? '',
      keys: ctx.keys.map((k) => ({ ...k, fkeyValue: fkeyValue(k) })),
      // The company phonebook only while the XML phonebook is on (the container then stops listing it).
      tbook: ctx.phonebook && ctx.directory ? tbookItems(ctx.directory) : [],
    };
  },

  commonView: () => ({}),
};
