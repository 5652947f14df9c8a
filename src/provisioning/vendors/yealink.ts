// Yealink T3x/T4x/T5x desk phones and the W52P DECT base (../shared/reference/phone-provisioning.md
// §1, §10.1). Firmware 81 and later asks for <mac>.boot first: the box answers it for a
// configured phone, so the model code of the old scheme (common y0000000000NN.cfg, then
// <mac>.cfg) stops mattering. The common file is still served for older firmware and holds no
// phone's data: only the provisioning URL.
import type { KeyContext, PhoneContext } from '../context.ts';
import { loadTemplates } from '../templates/load.ts';
import type { TimezoneInfo } from '../timezone.ts';
import type { FileMatch, VendorModel, VendorProfile } from '../vendor.ts';
import { builtInModel, identified, phoneFile } from './common.ts';

/**
 * Built-in models. `commonCode` is the NN of y0000000000NN.cfg (FusionPBX's table in the
 * reference; not computable from the firmware version). Line keys: Wazo's counts; accounts:
 * Wazo's per-model account counts (the reference gives none).
 */
const MODELS: readonly VendorModel[] = [
  { name: 'T41P', keys: 15, accounts: 6, extra: { commonCode: 36 } },
  { name: 'T41S', keys: 15, accounts: 6, extra: { commonCode: 68 } },
  { name: 'T42G', keys: 15, accounts: 12, extra: { commonCode: 29 } },
  { name: 'T42S', keys: 15, accounts: 12, extra: { commonCode: 67 } },
  { name: 'T46G', keys: 27, accounts: 16, extra: { commonCode: 28 } },
  { name: 'T46S', keys: 27, accounts: 16, extra: { commonCode: 66 } },
  { name: 'T48G', keys: 29, accounts: 16, extra: { commonCode: 35 } },
  { name: 'T48S', keys: 29, accounts: 16, extra: { commonCode: 65 } },
  { name: 'T42U', keys: 15, accounts: 12, extra: { commonCode: 116 } },
  { name: 'T43U', keys: 15, accounts: 12, extra: { commonCode: 107 } },
  { name: 'T46U', keys: 27, accounts: 16, extra: { commonCode: 108 } },
  { name: 'T48U', keys: 29, accounts: 16, extra: { commonCode: 109 } },
  { name: 'T44W', keys: 24, accounts: 12, extra: { commonCode: 174 } },
  { name: 'T53', keys: 21, accounts: 12, extra: { commonCode: 95 } },
  { name: 'T53W', keys: 21, accounts: 12, extra: { commonCode: 95 } },
  { name: 'T54W', keys: 27, accounts: 16, extra: { commonCode: 96 } },
  { name: 'T57W', keys: 29, accounts: 16, extra: { commonCode: 97 } },
  { name: 'T58W', keys: 27, accounts: 16, extra: { commonCode: 150 } },
  { name: 'T27G', keys: 21, accounts: 6, extra: { commonCode: 69 } },
  { name: 'T29G', keys: 27, accounts: 16, extra: { commonCode: 46 } },
  { name: 'T31G', keys: 2, accounts: 2, extra: { commonCode: 123 } },
  { name: 'T33G', keys: 12, accounts: 4, extra: { commonCode: 124 } },
  { name: 'W52P', keys: 0, accounts: 5, extra: { commonCode: 25 } },
];

/** The first built-in model with this common file code (T53 and T53W share one). */
const MODEL_BY_CODE = new Map<number, string>();
for (const m of MODELS) {
  const code = m.extra?.commonCode as number;
  if (!MODEL_BY_CODE.has(code)) MODEL_BY_CODE.set(code, m.name);
}

/** The model's common file name (y000000000066.cfg), or undefined for a generic model. */
export function yealinkCommonFile(model: string): string | undefined {
  const m = builtInModel(MODELS, model);
  return m ? `y${String(m.extra!.commonCode).padStart(12, '0')}.cfg` : undefined;
}

/** account.N.sip_server.M.transport_type: 0 UDP, 1 TCP. */
const TRANSPORT = { udp: '0', tcp: '1' } as const;
/** lang.gui / lang.wui take the language's English name. */
const LANGUAGE = { en: 'English', it: 'Italian' } as const;
/**
 * linekey.N.type: 15 line, 16 BLF, 13 speed dial. Park slots, switches and DND are BLF keys
 * on the number Asterisk publishes a hint for (the slot, the switch code, the DND code): they
 * light with its state and dial it when pressed. Type 10 "Call Park" is a park action key (it
 * parks the current call through the phone's park code), not a key that watches one slot.
 */
const KEY_TYPE: Record<KeyContext['type'], string> = { line: '15', blf: '16', park: '16', switch: '16', dnd: '16', speedDial: '13' };

/**
 * Yealink's own names for zones (local_time.time_zone_name, shown in its time zone list); with
 * one of them local_time.summer_time = 2 lets the phone apply its built-in DST rules, right in
 * every year. Only names found identically in more than one deployed configuration; any other
 * zone gets explicit DST rules.
 */
const ZONE_NAMES: Record<string, string> = {
  'Europe/London': 'United Kingdom(London)',
  'Europe/Lisbon': 'Portugal(Lisboa,Porto,Funchal)',
  'Europe/Vienna': 'Austria(Vienna)',
  'Europe/Brussels': 'Belgium(Brussels)',
  'Europe/Zagreb': 'Croatia(Zagreb)',
  'Europe/Prague': 'Czech Republic(Prague)',
  'Europe/Paris': 'France(Paris)',
  'Europe/Berlin': 'Germany(Berlin)',
  'Europe/Budapest': 'Hungary(Budapest)',
  'Europe/Rome': 'Italy(Rome)',
  'Europe/Vatican': 'Italy(Rome)',
  'Europe/San_Marino': 'Italy(Rome)',
  'Europe/Luxembourg': 'Luxembourg(Luxembourg)',
  'Europe/Amsterdam': 'Netherlands(Amsterdam)',
  'Europe/Warsaw': 'Poland(Warsaw)',
  'Europe/Tallinn': 'Estonia(Tallinn)',
  'Europe/Helsinki': 'Finland(Helsinki)',
  'Europe/Athens': 'Greece(Athens)',
  'Europe/Riga': 'Latvia(Riga)',
};

/** local_time.time_zone: 0, +1, -5, +5:30 (whole hours as Wazo writes them; minutes after a colon as the phone's list shows them, unverified). */
export function yealinkOffset(seconds: number): string {
  if (seconds === 0) return '0';
  const a = Math.abs(seconds);
  const h = Math.floor(a / 3600);
  const m = Math.floor((a % 3600) / 60);
  return `${seconds < 0 ? '-' : '+'}${h}${m ? `:${String(m).padStart(2, '0')}` : ''}`;
}

export interface YealinkTime {
  offset: string;
  /** Absent for zones without a Yealink name. */
  name?: string;
  /** local_time.summer_time: 0 none, 1 the explicit rule below, 2 automatic (the phone's rules for `name`). */
  summerTime: '0' | '1' | '2';
  /** local_time.dst_time_type = 1 (by week): Month/Week/Day/Hour; week 5 = last, day 1-7 with 7 = Sunday. */
  rule?: { start: string; end: string; offsetMinutes: number };
}

/**
 * The time zone as Yealink keys. The week rule's day numbering (1 Monday … 7 Sunday) is
 * *unverified*: it comes from a deployed European configuration (3/5/7/2 = last Sunday of
 * March), not from the reference, which names the keys only. Zones with a Yealink name avoid it.
 */
export function yealinkTime(tz: TimezoneInfo): YealinkTime {
  const offset = yealinkOffset(tz.offsetSeconds);
  const name = ZONE_NAMES[tz.name];
  if (!tz.dst) return { offset, ...(name ? { name } : {}), summerTime: '0' };
  if (name) return { offset, name, summerTime: '2' };
  const when = (t: { month: number; week: number; weekday: number; hour: number }) => `${t.month}/${t.week}/${t.weekday === 0 ? 7 : t.weekday}/${t.hour}`;
  return { offset, summerTime: '1', rule: { start: when(tz.dst.start), end: when(tz.dst.end), offsetMinutes: tz.dst.savingSeconds / 60 } };
}

/** `url` with basic-auth credentials in it: the phone's remote phonebook has no separate credential keys in the reference. */
function withCredentials(url: string, auth: { username: string; password: string } | undefined): string {
  if (!auth) return url;
  return url.replace(/^(https?:\/\/)/, `$1${encodeURIComponent(auth.username)}:${encodeURIComponent(auth.password)}@`);
}

/** %NULL% restores the phone's default: what the box does not set is cleared, not left behind. */
const NULL = '%NULL%';

const UA_PATTERNS: readonly RegExp[] = [
  // Wazo's: "Yealink SIP-T46G 28.72.0.1 00:15:65:4a:a9:37", "Yealink SIP VP-T49G 51.80.0.10 …".
  /^[yY]ealink\s+SIP(?: VP)?-(\w+)\s+([\d.]+)\s+([\da-fA-F:]{17})$/,
  // DECT bases: "Yealink W52P 25.80.0.15 00:15:65:b8:60:05".
  /^[yY]ealink\s+(W\w+)\s+([\d.]+)\s+([\da-fA-F:]{17})$/,
  // Old builds without the MAC: "Yealink-T46G 28.71.0.81 28.1.0.128.0.0.0".
  /^[yY]ealink-(\w+)\s+([\d.]+)\s+([\d.]+)$/,
];

function match(fileName: string): FileMatch | undefined {
  let m = /^([0-9a-f]{12})\.(cfg|boot)$/.exec(fileName);
  if (m) return phoneFile(m[2] === 'cfg' ? 'device' : 'boot', m[1]!);
  m = /^([0-9a-f]{12})-phonebook\.xml$/.exec(fileName);
  if (m) return phoneFile('phonebook', m[1]!);
  // y0000000000NN.cfg: a model's common file. No phone asks for the all-zero one (that name is the common *boot* file's, not served).
  m = /^y(\d{12})\.cfg$/.exec(fileName);
  if (m) {
    const code = Number(m[1]);
    if (code === 0) return undefined;
    const model = MODEL_BY_CODE.get(code);
    return { kind: 'common', file: 'common', ...(model ? { model } : {}) };
  }
  return undefined;
}

function identify(userAgent: string): { model?: string; mac?: string } | undefined {
  const ua = userAgent.trim();
  for (const re of UA_PATTERNS) {
    const m = re.exec(ua);
    // Old builds put no MAC in the third field.
    if (m) return identified(m[1]!, m[3]!.includes(':') ? m[3] : undefined);
  }
  return /^yealink\b/i.test(ua) ? {} : undefined;
}

function view(ctx: PhoneContext): Record<string, unknown> {
  const time = yealinkTime(ctx.timezone);
  return {
    transportType: TRANSPORT[ctx.server.transport],
    languageName: LANGUAGE[ctx.language],
    lines: ctx.lines.map((l) => ({ ...l, subscribeMwi: l.mwi ? '1' : '0' })),
    keys: ctx.keys.map((k) => ({ ...k, keyType: KEY_TYPE[k.type] })),
    ntpServer1: ctx.ntp1 || NULL,
    ntpServer2: ctx.ntp2 || NULL,
    time,
    provisioningUser: ctx.httpAuth?.username ?? NULL,
    provisioningPassword: ctx.httpAuth?.password ?? NULL,
    repeatEnable: ctx.resyncMinutes > 0 ? '1' : '0',
    repeatMinutes: ctx.resyncMinutes > 0 ? String(ctx.resyncMinutes) : NULL,
    firmware: ctx.firmwareUrl ?? NULL,
    phonebookUrl: ctx.phonebook ? withCredentials(ctx.phonebook.url, ctx.httpAuth) : '',
  };
}

export const yealink: VendorProfile = {
  vendor: 'yealink',
  models: MODELS,
  files: [
    {
      id: 'device',
      format: 'text',
      contentType: 'text/plain; charset=utf-8',
      name: (mac) => `${mac.lower}.cfg`,
      description: 'The settings: accounts, keys, time, language, directory, provisioning',
    },
    {
      id: 'boot',
      format: 'text',
      contentType: 'text/plain; charset=utf-8',
      name: (mac) => `${mac.lower}.boot`,
      description: 'Boot file (firmware 81 and later ask for it first): loads the settings file',
    },
    {
      id: 'phonebook',
      format: 'xml',
      contentType: 'application/xml; charset=utf-8',
      name: (mac) => `${mac.lower}-phonebook.xml`,
      directory: true,
      description: 'The company phonebook as a Yealink remote phonebook',
    },
  ],
  commonFiles: [
    {
      id: 'common',
      format: 'text',
      contentType: 'text/plain; charset=utf-8',
      example: 'y000000000066.cfg',
      description: "A model's common file (y0000000000NN.cfg, firmware before 81): the provisioning URL only",
    },
  ],
  templates: loadTemplates('yealink'),
  identify,
  match,
  view,
  commonView: () => ({}),
};
