// Poly (Polycom) VVX phones with UC Software. Reference: phone-provisioning.md §4, §9, §10.4.
//
// At boot the phone asks for its master file <mac>.cfg (000000000000.cfg when that is
// missing), then the files its CONFIG_FILES names, then its contact directory:
//   <mac>.cfg             master: CONFIG_FILES = <mac>-user.cfg, firmware path
//   <mac>-user.cfg        every setting (accounts, time, language, BLF, LDAP, provisioning)
//   <mac>-directory.xml   contact directory (§10.4): the speed-dial keys and the company phonebook
//   000000000000.cfg      common master for a phone without its own: CONFIG_FILES =
//                         [PHONE_MAC_ADDRESS]-user.cfg, so an unknown phone next asks for its
//                         own file and shows up as discovered
// The user agent carries no MAC: it comes from the file name. Lower-case MACs in the names
// the box writes (as Wazo does); any case is accepted (the docs allow either).
import type { DirectoryEntry, KeyContext, PhoneContext } from '../context.ts';
import { loadTemplates } from '../templates/load.ts';
import type { VendorProfile } from '../vendor.ts';
import { MAC_GROUP, phoneFile } from './common.ts';

const XML = 'application/xml';

/** Line keys (without expansion modules) and registrations per model, after Wazo's key table. */
const MODELS = [
  { name: 'VVX101', keys: 2, accounts: 1 },
  { name: 'VVX150', keys: 2, accounts: 2 },
  { name: 'VVX201', keys: 2, accounts: 2 },
  { name: 'VVX250', keys: 4, accounts: 4 },
  { name: 'VVX300', keys: 6, accounts: 6 },
  { name: 'VVX301', keys: 6, accounts: 6 },
  { name: 'VVX310', keys: 6, accounts: 6 },
  { name: 'VVX311', keys: 6, accounts: 6 },
  { name: 'VVX350', keys: 6, accounts: 6 },
  { name: 'VVX400', keys: 12, accounts: 12 },
  { name: 'VVX401', keys: 12, accounts: 12 },
  { name: 'VVX410', keys: 12, accounts: 12 },
  { name: 'VVX411', keys: 12, accounts: 12 },
  { name: 'VVX450', keys: 12, accounts: 12 },
  { name: 'VVX500', keys: 12, accounts: 12 },
  { name: 'VVX501', keys: 12, accounts: 12 },
  { name: 'VVX600', keys: 16, accounts: 16 },
  { name: 'VVX601', keys: 16, accounts: 16 },
  { name: 'VVX1500', keys: 6, accounts: 6 },
] as const;

/** lcl.ml.lang values (§4.3; Wazo's locale table). */
const LANGUAGES: Record<PhoneContext['language'], string> = { en: 'English_United_States', it: 'Italian_Italy' };
/** reg.N.server.M.transport. */
const TRANSPORTS: Record<PhoneContext['server']['transport'], string> = { udp: 'UDPOnly', tcp: 'TCPOnly' };

const flag = (b: boolean) => (b ? '1' : '0');

/**
 * tcpIpApp.sntp.daylightSavings.start/stop.*: dayOfWeek counts from 1 = Sunday; "the Nth
 * weekday" is the first such weekday on or after date (N-1)*7+1; the last one sets
 * lastInMonth and needs no date (as Wazo writes them).
 */
function dstChange(t: NonNullable<PhoneContext['timezone']['dst']>['start']) {
  const last = t.week === 5;
  return { month: String(t.month), time: String(t.hour), dayOfWeek: String(t.weekday + 1), lastInMonth: flag(last), date: last ? '' : String((t.week - 1) * 7 + 1) };
}

/**
 * The contact directory: speed-dial keys first (sd = their order: the phone puts them on the
 * line keys left after registrations and BLF), then the company phonebook (no sd). Contact
 * numbers (ct) must be unique in the file, so a phonebook number already on a key is skipped.
 */
function contacts(keys: KeyContext[], entries: readonly DirectoryEntry[]) {
  const out: { firstName: string; lastName: string; number: string; speedDial: string }[] = [];
  const seen = new Set<string>();
  for (const k of keys.filter((x) => x.isSpeedDial)) {
    if (seen.has(k.value)) continue;
    seen.add(k.value);
    out.push({ firstName: '', lastName: k.label, number: k.value, speedDial: String(out.length + 1) });
  }
  for (const e of entries)
    for (const n of e.numbers) {
      if (seen.has(n.number)) continue;
      seen.add(n.number);
      out.push({ firstName: e.firstName, lastName: e.lastName, number: n.number, speedDial: '' });
    }
  return out;
}

const MASTER = new RegExp(`^${MAC_GROUP}\\.cfg$`);
const USER = new RegExp(`^${MAC_GROUP}-user\\.cfg$`);
const DIRECTORY = new RegExp(`^${MAC_GROUP}-directory\\.xml$`);
const ZERO = '000000000000';

export const poly: VendorProfile = {
  vendor: 'poly',
  models: MODELS,
  files: [
    {
      id: 'config',
      format: 'xml',
      contentType: XML,
      name: (mac) => `${mac.lower}-user.cfg`,
      description: 'Settings: accounts, time, language, admin password, BLF keys, LDAP directory, provisioning',
    },
    {
      id: 'master',
      format: 'xml',
      contentType: XML,
      name: (mac) => `${mac.lower}.cfg`,
      description: "Master configuration: names the phone's settings file (CONFIG_FILES) and firmware",
    },
    {
      id: 'directory',
      format: 'xml',
      contentType: XML,
      name: (mac) => `${mac.lower}-directory.xml`,
      directory: true,
      description: 'Contact directory: the speed-dial keys and the company phonebook',
    },
  ],
  commonFiles: [
    {
      id: 'default-master',
      format: 'xml',
      contentType: XML,
      example: `${ZERO}.cfg`,
      description: "Master file for phones without their own: points each phone to its [PHONE_MAC_ADDRESS]-user.cfg",
    },
  ],
  templates: loadTemplates('poly'),

  identify(userAgent) {
    // FileTransport PolycomVVX-VVX_400-UA/4.1.4.7430 Type/Application (no MAC).
    const m = /^FileTransport Polycom\w+-(\w*?)-UA\/[\d.]+/.exec(userAgent);
    if (!m) return undefined;
    const model = m[1]!.replace(/_/g, '');
    return model ? { model } : {};
  },

  match(fileName) {
    const name = fileName.split('?')[0]!;
    let m = MASTER.exec(name);
    if (m) return m[1] === ZERO ? { kind: 'common', file: 'default-master' } : phoneFile('master', m[1]!);
    // The all-zero user and directory files would be every phone's: there are none.
    m = USER.exec(name);
    if (m) return phoneFile('config', m[1]!);
    m = DIRECTORY.exec(name);
    if (m) return phoneFile('directory', m[1]!);
    return undefined;
  },

  view(ctx) {
    const dst = ctx.timezone.dst;
    // Line keys per registration: the phone's line keys of each line, at least one.
    const lineKeys = (index: number) => String(Math.max(1, ctx.keys.filter((k) => k.isLine && k.line === index).length));
    return {
      transportName: TRANSPORTS[ctx.server.transport],
      languageName: LANGUAGES[ctx.language],
      lines: ctx.lines.map((l) => ({ ...l, lineKeys: lineKeys(l.index), mwiSubscribe: l.mwi ? l.account : '' })),
      // BLF-type keys (extensions, park slots, switch and DND codes) become the attendant resource list, in key order.
      attendants: ctx.keys.filter((k) => k.watches).map((k, i) => ({ index: i + 1, address: k.value, label: k.label })),
      dstEnabled: flag(dst !== undefined),
      dstStart: dst ? dstChange(dst.start) : undefined,
      dstStop: dst ? dstChange(dst.end) : undefined,
      ldapEnabled: flag(ctx.ldap !== undefined),
      // The reference has no serverType values; a Poly phone's own export writes the protocol name
      // (FTP). The URL in serverName carries the protocol as well.
      serverType: ctx.server.scheme === 'https' ? 'HTTPS' : 'HTTP',
      provUser: ctx.httpAuth?.username ?? '',
      provPassword: ctx.httpAuth?.password ?? '',
      pollingEnabled: flag(ctx.resyncMinutes > 0),
      // Relative polling takes a period above 3600 s (UC Software admin guide): shorter resyncs poll hourly.
      // A period is written even when polling is off.
      pollingPeriod: String(ctx.resyncMinutes > 0 ? Math.max(ctx.resyncSeconds, 3601) : 86400),
      // UC Software's default application name: a missing file leaves the phone on its firmware.
      appFilePath: ctx.firmwareUrl ?? 'sip.ld',
      contacts: contacts(ctx.keys, ctx.phonebook && ctx.directory ? ctx.directory : []),
    };
  },

  commonView: () => ({}),
};
