// Fanvil X-, V- and i-series (../shared/reference/phone-provisioning.md §7, §10.6). The phone
// asks for a model-specific common file, then <mac>.cfg (lowercase). The settings are the
// <sysConf> XML of firmware 2.x (FusionPBX: 2.2.10 and newer; older firmware uses other tag
// names and is not provisioned by these templates).
import type { CommonContext, DirectoryEntry, KeyContext, PhoneContext, ServerContext } from '../context.ts';
import { loadTemplates } from '../templates/load.ts';
import type { DstTransition, TimezoneInfo } from '../timezone.ts';
import type { FileMatch, VendorModel, VendorProfile } from '../vendor.ts';
import { builtInModel, identified, phoneFile } from './common.ts';

/**
 * Built-in models. The reference gives no key or account counts: accounts follow the lines
 * FusionPBX writes (X4U: 12), keys are the DSS positions of the model's pages (approximate);
 * both only size what the GUI offers, every configured line and key is written anyway.
 */
const MODELS: readonly VendorModel[] = [
  { name: 'X3S', keys: 2, accounts: 2 },
  { name: 'X3SG', keys: 2, accounts: 4 },
  { name: 'X3U', keys: 6, accounts: 6 },
  { name: 'X4U', keys: 33, accounts: 12 },
  { name: 'X4U-Pro', keys: 33, accounts: 12 },
  { name: 'X5U', keys: 34, accounts: 16 },
  { name: 'X5U-Pro', keys: 34, accounts: 16 },
  { name: 'X6U', keys: 65, accounts: 20 },
  { name: 'X6U-Pro', keys: 65, accounts: 20 },
  { name: 'X7', keys: 60, accounts: 20 },
  { name: 'X7C', keys: 60, accounts: 20 },
  { name: 'X7C-Pro', keys: 60, accounts: 20 },
  { name: 'X210', keys: 106, accounts: 20 },
  { name: 'X210i', keys: 106, accounts: 20 },
  { name: 'V62', keys: 0, accounts: 2 },
  { name: 'V64', keys: 24, accounts: 12 },
  { name: 'V65', keys: 60, accounts: 20 },
  { name: 'V67', keys: 60, accounts: 20 },
];

/**
 * The common files the reference names (Wazo's, per model). Served as a <sysConf> holding
 * only where the box is, so a factory-fresh phone keeps the provisioning server.
 */
const COMMON_FILES: Readonly<Record<string, string>> = {
  'F0V00X200000.cfg': 'X210',
  'f0X2hw1.100.cfg': 'X2',
};

/**
 * Where keys go on models whose pages Wazo knows: the first `side` keys are the line keys next
 * to the display (<dssSide index="1">), the rest fill the display's function key pages
 * (<internal index="page">) `perPage` at a time. Other models: every key in <dssSide index="1">,
 * as the reference shows it. "-Pro" variants share their base model's layout.
 */
const LAYOUTS: Readonly<Record<string, { side: number; perPage: number }>> = {
  X4U: { side: 3, perPage: 6 },
  X5U: { side: 4, perPage: 6 },
  X6U: { side: 5, perPage: 12 },
  X210: { side: 10, perPage: 32 },
  X210I: { side: 10, perPage: 32 },
};

/** <Transport>: 0 UDP, 1 TCP (3 TLS). */
const TRANSPORT = { udp: '0', tcp: '1' } as const;
/** <DefaultLanguage> of the sysConf format takes short codes (en, it); the numeric codes belong to the older format. */
const LANGUAGE = { en: 'en', it: 'it' } as const;

const layoutOf = (model: string) => LAYOUTS[model.split('-')[0]!.toUpperCase()];

export interface FanvilKey {
  index: number;
  /** 1 memory key (BLF, speed dial), 2 line key. */
  type: string;
  /** SIP<line>, or <number>@<line>/<code>: ba = BLF (then the pickup code and number), f = speed dial. */
  value: string;
  title: string;
}
export interface FanvilKeyPage {
  page: number;
  keys: FanvilKey[];
}

/**
 * A key's <Type> and <Value>. Park slots, switches and DND are BLF keys on what Asterisk
 * publishes a hint for (slot, switch code, DND code): lit with its state, dialling it when
 * pressed; only extension BLFs carry the directed pickup code (picking up a ringing call).
 */
export function fanvilKey(k: KeyContext): { type: string; value: string } {
  switch (k.type) {
    case 'line':
      return { type: '2', value: `SIP${k.line}` };
    case 'speedDial':
      return { type: '1', value: `${k.value}@${k.line}/f` };
    default:
      return { type: '1', value: `${k.value}@${k.line}/ba${k.pickup}` };
  }
}

/** The keys grouped as the model's <dssSide> and <internal> pages. */
export function fanvilKeyPages(model: string, keys: readonly KeyContext[]): { side: FanvilKeyPage[]; internal: FanvilKeyPage[] } {
  const layout = layoutOf(model);
  const side = new Map<number, FanvilKey[]>();
  const internal = new Map<number, FanvilKey[]>();
  for (const k of keys) {
    const { type, value } = fanvilKey(k);
    if (!layout || k.index <= layout.side) {
      const list = side.get(1) ?? [];
      list.push({ index: k.index, type, value, title: k.label });
      side.set(1, list);
    } else {
      const n = k.index - layout.side;
      const page = Math.ceil(n / layout.perPage);
      const list = internal.get(page) ?? [];
      list.push({ index: ((n - 1) % layout.perPage) + 1, type, value, title: k.label });
      internal.set(page, list);
    }
  }
  const pages = (m: Map<number, FanvilKey[]>) => [...m].sort(([a], [b]) => a - b).map(([page, list]) => ({ page, keys: list }));
  return { side: pages(side), internal: pages(internal) };
}

export interface FanvilTime {
  /** <TimeZone>: the standard offset in quarter hours (UTC+1 is 4). */
  quarterHours: number;
  /** <TimeZoneName> as Wazo writes it (UCT, UTC+1, UTC-05); absent for offsets that are not whole hours. */
  name?: string;
  dst?: { minOffset: number; start: FanvilDstChange; end: FanvilDstChange };
}
/** <DSTStartMon> … : week 1-4 or -1 for the last, weekday 0 = Sunday, local hour. */
export interface FanvilDstChange {
  month: number;
  week: number;
  weekday: number;
  hour: number;
}

/**
 * The time zone as Wazo's sysConf template writes it. *Unverified* (one source): "last week"
 * as -1 (FusionPBX's static example writes 5 for the same rule) and the EnableDST value 2
 * with DSTFixedType 2 for an explicit rule.
 */
export function fanvilTime(tz: TimezoneInfo): FanvilTime {
  const quarterHours = Math.round(tz.offsetSeconds / 900);
  const hours = tz.offsetSeconds / 3600;
  const name = !Number.isInteger(hours) ? undefined : hours === 0 ? 'UCT' : hours > 0 ? `UTC+${hours}` : `UTC-${String(-hours).padStart(2, '0')}`;
  const change = (t: DstTransition): FanvilDstChange => ({ month: t.month, week: t.week === 5 ? -1 : t.week, weekday: t.weekday, hour: Math.min(t.hour, 23) });
  return {
    quarterHours,
    ...(name ? { name } : {}),
    ...(tz.dst ? { dst: { minOffset: Math.min(tz.dst.savingSeconds / 60, 60), start: change(tz.dst.start), end: change(tz.dst.end) } } : {}),
  };
}

/**
 * Where the phone fetches its files: server and file name apart, as Wazo splits them
 * (<FlashServerIP>http://host:port</FlashServerIP>, <FlashFileName>path/$mac.cfg</FlashFileName>;
 * $mac is the phone's own lowercase MAC). <FlashProtocol>: 4 HTTP, 5 HTTPS.
 */
export function fanvilServer(server: ServerContext): { flashServer: string; flashFile: string; flashProtocol: string } {
  const base = server.provisioningUrl.replace(/\/$/, '');
  const cut = base.lastIndexOf('/');
  return {
    flashServer: base.slice(0, cut),
    flashFile: `${base.slice(cut + 1)}/$mac.cfg`,
    flashProtocol: server.scheme === 'https' ? '5' : '4',
  };
}

/** <PhoneBook> columns: the first number that is not a mobile, the first mobile, the next other number. */
export function fanvilDirectoryEntry(e: DirectoryEntry): { name: string; telephone: string; mobile: string; other: string } {
  const fixed = e.numbers.filter((n) => n.type !== 'mobile');
  return { name: e.name, telephone: fixed[0]?.number ?? '', mobile: e.numbers.find((n) => n.type === 'mobile')?.number ?? '', other: fixed[1]?.number ?? '' };
}

const UA = /^Fanvil (?<model>[VHXWi][0-9]{1,3}[WSGVUCi]?[DV]?[0-9]?(-V[12])?(\s?Pro)?) (?<version>[0-9.]+) (?<mac>[\da-f]{12})$/;

function identify(userAgent: string): { model?: string; mac?: string } | undefined {
  const ua = userAgent.trim();
  const m = UA.exec(ua);
  // "X6U Pro" as a model name: X6U-Pro.
  if (m) return identified(m.groups!.model!.replace(/\s+/g, '-').replace(/([^-])Pro$/, '$1-Pro'), m.groups!.mac);
  return /^fanvil\b/i.test(ua) ? {} : undefined;
}

function match(fileName: string): FileMatch | undefined {
  let m = /^([0-9a-f]{12})\.cfg$/.exec(fileName);
  if (m) return phoneFile('device', m[1]!);
  m = /^([0-9a-f]{12})-phonebook\.xml$/.exec(fileName);
  if (m) return phoneFile('phonebook', m[1]!);
  const model = COMMON_FILES[fileName];
  return model ? { kind: 'common', file: 'common', model } : undefined;
}

/** Minutes between fetches as <FlashMode>/<FlashInterval> (hours). *Unverified*: 1 = at power on, 2 = also every interval. */
function flashSchedule(minutes: number): { flashMode: string; flashInterval: string } {
  return minutes > 0 ? { flashMode: '2', flashInterval: String(Math.max(1, Math.round(minutes / 60))) } : { flashMode: '1', flashInterval: '1' };
}

function view(ctx: PhoneContext): Record<string, unknown> {
  const accounts = builtInModel(MODELS, ctx.model)?.accounts ?? 0;
  const spare: { index: number }[] = [];
  for (let i = ctx.lines.length + 1; i <= accounts; i++) spare.push({ index: i });
  const pages = fanvilKeyPages(ctx.model, ctx.keys);
  return {
    transport: TRANSPORT[ctx.server.transport],
    languageCode: LANGUAGE[ctx.language],
    lines: ctx.lines.map((l) => ({ ...l, subscribeMwi: l.mwi ? '1' : '0' })),
    // Lines the model has and the phone does not use: registration off, so a removed line stops registering.
    spareLines: spare,
    sidePages: pages.side,
    internalPages: pages.internal,
    // Wazo announces how many function key pages are used.
    ...(pages.internal.length ? { funcKeyPageNum: pages.internal[pages.internal.length - 1]!.page } : {}),
    sntp: ctx.ntp1 ? '1' : '0',
    time: fanvilTime(ctx.timezone),
    ...fanvilServer(ctx.server),
    ...flashSchedule(ctx.resyncMinutes),
    httpUser: ctx.httpAuth?.username ?? '',
    httpPassword: ctx.httpAuth?.password ?? '',
    ...(ctx.directory ? { entries: ctx.directory.map(fanvilDirectoryEntry) } : {}),
  };
}

function commonView(ctx: CommonContext): Record<string, unknown> {
  return { ...fanvilServer(ctx.server) };
}

export const fanvil: VendorProfile = {
  vendor: 'fanvil',
  models: MODELS,
  files: [
    {
      id: 'device',
      format: 'xml',
      contentType: 'application/xml; charset=utf-8',
      name: (mac) => `${mac.lower}.cfg`,
      description: 'The settings (sysConf XML): accounts, keys, time, language, directory, provisioning',
    },
    {
      id: 'phonebook',
      format: 'xml',
      contentType: 'application/xml; charset=utf-8',
      name: (mac) => `${mac.lower}-phonebook.xml`,
      directory: true,
      description: 'The company phonebook as a Fanvil XML phonebook',
    },
  ],
  commonFiles: [
    {
      id: 'common',
      format: 'xml',
      contentType: 'application/xml; charset=utf-8',
      example: 'F0V00X200000.cfg',
      description: "A model's common file (F0V00X200000.cfg for the X210, f0X2hw1.100.cfg for the X2): the provisioning server only",
    },
  ],
  templates: loadTemplates('fanvil'),
  identify,
  match,
  view,
  commonView,
};
