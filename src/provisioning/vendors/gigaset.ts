// Gigaset N870 / N870E / N670 / N610 IP PRO DECT bases (Nx70). Reference: phone-provisioning.md
// §5.1, §9, §10.7.
//
// With a directory URL the base asks for provisioning.xml (the box has none: 404), then for
// <MAC>.xml. The file persists its own URL as the provisioning server (Gigaset's preferred
// single-file method), so later fetches ask for exactly that name.
//   <mac>.xml             every setting: one SIP provider (the box), one handset and SIP account
//                         per line, time, admin password, XML directory, check-sync reboot
//   <mac>-directory.xml   the company phonebook in Gigaset's XML directory format (§10.7)
// MAC case: the sources disagree (Gigaset's wiki shows 7C2F80123456.xml for DHCP-66 devices,
// N510/Maxwell; Wazo's Nx70 plugin, which points the N870 at a directory URL and serves files
// from a case-sensitive tree, writes <mac>.xml in lower case). The names the box writes are
// lower case, following the source specific to the Nx70; match() accepts any case.
// Gigaset's Maxwell desk phones (GigasetP82x.htm, Snom-style XML, §5.2) are not provisioned:
// the reference has their file names but not their setting names.
import type { DirectoryEntry, PhoneContext } from '../context.ts';
import { loadTemplates } from '../templates/load.ts';
import type { VendorProfile } from '../vendor.ts';
import { identified, MAC_GROUP, phoneFile } from './common.ts';

const XML = 'application/xml';

/** DECT handsets (each one SIP account) in the single-cell "all-in-one" role; no programmable keys. */
const MODELS = [
  { name: 'N870', keys: 0, accounts: 20 },
  { name: 'N870E', keys: 0, accounts: 20 },
  { name: 'N670', keys: 0, accounts: 20 },
  { name: 'N610', keys: 0, accounts: 8 },
] as const;

/** SipProvider.0.TransportProtocol: 1 UDP, 2 TCP, 3 TLS. */
const TRANSPORTS: Record<PhoneContext['server']['transport'], string> = { udp: '1', tcp: '2' };

/**
 * DmGlobal.0.TimeZone takes an Olson name from Gigaset's own list (these are the ones Wazo's
 * Nx70 plugin knows to be valid); any other zone gets a listed one with the same standard offset.
 */
const GIGASET_ZONES = new Set([
  'Pacific/Honolulu', 'America/Anchorage', 'America/Los_Angeles', 'America/Denver', 'America/Chicago', 'America/New_York',
  'America/Caracas', 'America/Sao_Paulo', 'Europe/Belfast', 'Europe/Dublin', 'Europe/Guernsey', 'Europe/Isle_of_Man',
  'Europe/Jersey', 'Europe/Lisbon', 'Europe/London', 'Greenwich', 'Europe/Amsterdam', 'Europe/Andorra', 'Europe/Belgrade',
  'Europe/Berlin', 'Europe/Bratislava', 'Europe/Brussels', 'Europe/Budapest', 'Europe/Busingen', 'Europe/Copenhagen',
  'Europe/Gibraltar', 'Europe/Ljubljana', 'Europe/Luxembourg', 'Europe/Madrid', 'Europe/Malta', 'Europe/Monaco', 'Europe/Oslo',
  'Europe/Paris', 'Europe/Podgorica', 'Europe/Prague', 'Europe/Rome', 'Europe/San_Marino', 'Europe/Sarajevo', 'Europe/Skopje',
  'Europe/Stockholm', 'Europe/Tirane', 'Europe/Vaduz', 'Europe/Vatican', 'Europe/Vienna', 'Europe/Warsaw', 'Europe/Zagreb',
  'Europe/Zurich', 'Africa/Cairo', 'Europe/Athens', 'Europe/Bucharest', 'Europe/Chisinau', 'Europe/Helsinki',
  'Europe/Kaliningrad', 'Europe/Kiev', 'Europe/Mariehamn', 'Europe/Nicosia', 'Europe/Riga', 'Europe/Sofia', 'Europe/Tallinn',
  'Europe/Tiraspol', 'Europe/Uzhgorod', 'Europe/Vilnius', 'Europe/Zaporozhye', 'Europe/Istanbul', 'Europe/Kirov',
  'Europe/Minsk', 'Europe/Moscow', 'Europe/Simferopol', 'Europe/Volgograd', 'Asia/Dubai', 'Europe/Astrakhan', 'Europe/Samara',
  'Europe/Ulyanovsk', 'Asia/Karachi', 'Asia/Dhaka', 'Asia/Hong_Kong', 'Asia/Tokyo', 'Australia/Adelaide', 'Australia/Darwin',
  'Australia/Brisbane', 'Australia/Sydney', 'Pacific/Noumea',
]);
const ZONE_BY_OFFSET: Record<string, string> = {
  '-10': 'Pacific/Honolulu', '-9': 'America/Anchorage', '-8': 'America/Los_Angeles', '-7': 'America/Denver',
  '-6': 'America/Chicago', '-5': 'America/New_York', '-4': 'America/Caracas', '-3': 'America/Sao_Paulo', '+0': 'Europe/London',
  '+1': 'Europe/Berlin', '+2': 'Europe/Athens', '+3': 'Europe/Moscow', '+4': 'Asia/Dubai', '+5': 'Asia/Karachi',
  '+6': 'Asia/Dhaka', '+8': 'Asia/Hong_Kong', '+9': 'Asia/Tokyo', '+9.5': 'Australia/Adelaide', '+10': 'Australia/Sydney',
  '+11': 'Pacific/Noumea',
};

function gigasetZone(tz: PhoneContext['timezone']): string {
  if (GIGASET_ZONES.has(tz.name)) return tz.name;
  // Kyiv is Kiev in Gigaset's (older) list.
  if (tz.name === 'Europe/Kyiv') return 'Europe/Kiev';
  return ZONE_BY_OFFSET[tz.offsetHours] ?? 'Greenwich';
}

/**
 * Telephony.0.ToneScheme by the country of the time zone: only the values the sources show
 * (Germany, France, Spain; Retail, the international default, elsewhere). vars.toneScheme
 * sets another one (an admin who knows the base's list, such as Italy).
 */
const TONE_SCHEMES: Record<string, string> = { 'Europe/Berlin': 'Germany', 'Europe/Paris': 'France', 'Europe/Madrid': 'Spain' };

/** The handset index of a line: 5 digits (00001). */
const handset = (index: number) => String(index).padStart(5, '0');

/**
 * Registration PIN of a handset: the last four digits of the line's extension (Wazo's rule,
 * so the installer can tell it without looking anything up).
 */
const dectPin = (extension: string) => (extension.replace(/\D/g, '').slice(-4) || '0').padStart(4, '0');

/** A firmware version for <file version=…>: vars.firmwareVersion, or the V2.65.0 in Gigaset's file names. */
function firmwareVersion(url: string | undefined, vars: Record<string, string>): string | undefined {
  if (url === undefined) return undefined;
  if (vars.firmwareVersion) return vars.firmwareVersion;
  return /[-_.]V?(\d+\.\d+\.\d+)(?:[-+_.]|$)/i.exec(url.split('/').pop() ?? '')?.[1];
}

/** One <entry> per number (the Wazo template fills the home number field, hm); ids must be unique. */
function entries(list: readonly DirectoryEntry[]) {
  const out: { id: number; firstName: string; lastName: string; number: string }[] = [];
  for (const e of list) for (const n of e.numbers) out.push({ id: out.length + 1, firstName: e.firstName, lastName: e.lastName, number: n.number });
  return out;
}

const directoryList = (list: ReturnType<typeof entries>) => ({ entries: list, total: String(list.length), first: list.length ? '1' : '0', last: String(list.length) });

const CONFIG = new RegExp(`^${MAC_GROUP}\\.xml$`);
const DIRECTORY = new RegExp(`^${MAC_GROUP}-directory\\.xml$`);

export const gigaset: VendorProfile = {
  vendor: 'gigaset',
  models: MODELS,
  files: [
    {
      id: 'config',
      format: 'xml',
      contentType: XML,
      name: (mac) => `${mac.lower}.xml`,
      description: 'Settings: the box as SIP provider, one handset per line, time, admin password, XML directory',
    },
    {
      id: 'directory',
      format: 'xml',
      contentType: XML,
      name: (mac) => `${mac.lower}-directory.xml`,
      directory: true,
      description: 'The company phonebook as the XML directory of the handsets',
    },
  ],
  commonFiles: [],
  templates: loadTemplates('gigaset'),

  identify(userAgent) {
    // Gigaset N870 IP PRO/83.V2.11.0+build.a546b91;7C2F80E0D605 (Wazo's pattern).
    const m = /^"?(?:Gigaset )?([\w\s]+)\/(?:\w{2,3}\.){3,4}\w{1,3}(?:\+[^;]+)?;([0-9A-F]{12})?(?:;Handset=\d+)?"?$/.exec(userAgent);
    if (!m) return undefined;
    // "N870 IP PRO" is the N870 of the built-in models.
    return identified(m[1]!.trim().split(/\s+/)[0]!, m[2]);
  },

  match(fileName) {
    const name = fileName.split('?')[0]!;
    let m = CONFIG.exec(name);
    if (m) return phoneFile('config', m[1]!);
    m = DIRECTORY.exec(name);
    if (m) return phoneFile('directory', m[1]!);
    return undefined;
  },

  view(ctx) {
    const version = firmwareVersion(ctx.firmwareUrl, ctx.vars);
    return {
      providerName: ctx.pbxName,
      transportCode: TRANSPORTS[ctx.server.transport],
      timezoneName: gigasetZone(ctx.timezone),
      toneScheme: ctx.vars.toneScheme || TONE_SCHEMES[ctx.timezone.name] || 'Retail',
      mwiSubscription: ctx.lines.some((l) => l.mwi) ? '1' : '0',
      lines: ctx.lines.map((l) => ({ ...l, handset: handset(l.index), dectPin: dectPin(l.extension), voicemailActive: l.mwi ? '1' : '0' })),
      // Without a version the base cannot tell whether it already runs the file: no firmware then.
      firmware: ctx.firmwareUrl !== undefined && version !== undefined ? { url: ctx.firmwareUrl, version } : undefined,
      // The base appends its query (set_first, first, count…) to the URL as it is: it must end with ?.
      directoryUrl: ctx.phonebook ? `${ctx.phonebook.url}?` : '',
      directoryEnabled: ctx.phonebook ? '1' : '0',
      ...directoryList(ctx.phonebook && ctx.directory ? entries(ctx.directory) : []),
    };
  },

  commonView: () => ({}),
};
