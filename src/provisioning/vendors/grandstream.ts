// Grandstream GXP16xx/17xx/21xx and GRP26xx (reference §3). One XML file per phone,
// cfg<mac>.xml (lowercase), in one of the two schemas Grandstream firmware reads:
//  - config v1, P-values (<P47>…</P47>): every model reads it; used for GXP16xx/17xx.
//  - config v2, named items (<item name="account.1.sip.userid">…): GXP21xx firmware 1.0.11.x
//    and later and GRP26xx. Used for those models because their key model (VPK/MPK pages) is
//    only expressed by pks.vpk.N / pks.mpk.N, and Wazo ships v2 for exactly these models
//    (GXP2130/2135, GRP2612-2616). The reference marks which firmware reads v2 only by
//    family; a GXP21xx on older firmware needs an admin template from device.mustache (v1).
// The binary cfg<mac> (and cfg<mac>.bin) is never served: the phone then asks for the XML.
// cfg<model>.xml and cfg.xml answer with box-level settings only (where to fetch from, NOTIFY).
import type { DirectoryEntry, KeyContext, LineContext, PhoneContext, CommonContext } from '../context.ts';
import type { TimezoneInfo } from '../timezone.ts';
import { loadTemplates } from '../templates/load.ts';
import type { FileMatch, VendorModel, VendorProfile } from '../vendor.ts';
import { builtInModel, hostPort, identified, phoneFile } from './common.ts';

/**
 * keys: line keys + multi-purpose keys; extra.vpk: keys written as pks.vpk.N (v2), the rest as
 * pks.mpk.N. VPK/MPK counts of GRP26xx and GXP2135 are Wazo's; the other GXP21xx splits (line
 * keys as VPKs, on-screen BLF keys as MPKs) are from the product sheets, unverified.
 */
const MODELS: readonly VendorModel[] = [
  { name: 'GXP1610', keys: 0, accounts: 1 },
  { name: 'GXP1615', keys: 0, accounts: 1 },
  { name: 'GXP1620', keys: 2, accounts: 2 },
  { name: 'GXP1625', keys: 2, accounts: 2 },
  { name: 'GXP1628', keys: 10, accounts: 2 },
  { name: 'GXP1630', keys: 11, accounts: 3 },
  { name: 'GXP1760', keys: 6, accounts: 6 },
  { name: 'GXP1780', keys: 40, accounts: 8 },
  { name: 'GXP1782', keys: 40, accounts: 8 },
  { name: 'GXP2130', keys: 11, accounts: 3, extra: { vpk: 3 } },
  { name: 'GXP2135', keys: 32, accounts: 8, extra: { vpk: 32 } },
  { name: 'GXP2140', keys: 44, accounts: 4, extra: { vpk: 4 } },
  { name: 'GXP2160', keys: 30, accounts: 6, extra: { vpk: 6 } },
  { name: 'GXP2170', keys: 60, accounts: 6, extra: { vpk: 12 } },
  { name: 'GRP2612', keys: 16, accounts: 2, extra: { vpk: 16 } },
  { name: 'GRP2613', keys: 24, accounts: 3, extra: { vpk: 24 } },
  { name: 'GRP2614', keys: 40, accounts: 4, extra: { vpk: 16 } },
  { name: 'GRP2615', keys: 40, accounts: 5, extra: { vpk: 40 } },
  { name: 'GRP2616', keys: 40, accounts: 6, extra: { vpk: 16 } },
];

/** Config v2 (named items) for GXP21xx and GRP26xx; v1 (P-values) for everything else. */
export function grandstreamUsesV2(model: string): boolean {
  return /^(?:GXP21|GRP26)/i.test(model);
}

/** P-values of account N in config v1. Account 1 has its own numbers; account N ≥ 2 uses P{N+2}xx (Wazo's layout). */
function accountPValues(n: number): Record<string, string> {
  if (n === 1) {
    return { active: 'P271', name: 'P270', server: 'P47', userId: 'P35', authId: 'P36', password: 'P34', displayName: 'P3', voicemail: 'P33', transport: 'P130', mwi: 'P99', allowSipReset: 'P26015' };
  }
  const b = (n + 2) * 100;
  const p = (offset: number) => `P${b + offset}`;
  // 26xxx settings step 100 per account (FusionPBX: acct 1 P26046, acct 4 P26346). The MWI
  // subscription P-value of accounts 2+ is in no source, so it is left to the phone's default.
  return { active: p(1), name: p(17), server: p(2), userId: p(4), authId: p(5), password: p(6), displayName: p(7), voicemail: p(26), transport: p(48), mwi: '', allowSipReset: `P${26015 + (n - 1) * 100}` };
}

/** Accounts 5+ have no documented P-value block in config v1 (they are written in v2 only). */
const V1_MAX_ACCOUNTS = 4;

/** host/path without scheme and without a trailing slash, as Grandstream's server-path settings take it. */
function withoutScheme(url: string): string {
  return url.replace(/^[a-z]+:\/\//i, '').replace(/\/+$/, '');
}

function protocolOf(url: string): 'TFTP' | 'HTTP' | 'HTTPS' {
  return url.startsWith('https:') ? 'HTTPS' : url.startsWith('tftp:') ? 'TFTP' : 'HTTP';
}
const PROTOCOL_CODE = { TFTP: '0', HTTP: '1', HTTPS: '2' } as const;

/** POSIX offsets are west-positive: UTC+1 is -1. Grandstream writes the sign explicitly (CET-1, MTZ+6). */
function posixOffset(seconds: number): string {
  const a = Math.abs(seconds);
  const h = Math.floor(a / 3600);
  const m = Math.floor((a % 3600) / 60);
  return `${seconds > 0 ? '-' : '+'}${h}${m ? `:${String(m).padStart(2, '0')}` : ''}`;
}

/**
 * The time zone as Grandstream's custom-zone strings are written (CET-1CEST-2,M3.5.0/02:00:00,…):
 * names, offsets and rules. The zone names are placeholders (STD/DST): only offsets and
 * rules are read, and the box knows no abbreviation for every zone.
 */
export function grandstreamTimezone(tz: TimezoneInfo): string {
  const std = `STD${posixOffset(tz.offsetSeconds)}`;
  if (!tz.dst) return std;
  const rule = (t: { month: number; week: number; weekday: number; hour: number }) => `M${t.month}.${t.week}.${t.weekday}/${String(t.hour).padStart(2, '0')}:00:00`;
  return `${std}DST${posixOffset(tz.dst.offsetSeconds)},${rule(tz.dst.start)},${rule(tz.dst.end)}`;
}

/** What every kind of key becomes: BLF for anything watched (extension, park slot, switch code, DND code), speed dial otherwise. */
function keyKind(k: KeyContext): 'line' | 'blf' | 'speedDial' {
  return k.isLine ? 'line' : k.watches ? 'blf' : 'speedDial';
}
const V1_MPK_MODE = { blf: '1', speedDial: '0' } as const;
const V2_KEY_MODE = { line: 'Line', blf: 'BLF', speedDial: 'SpeedDial' } as const;

/** Config v1: line keys (P1363 block: mode, account, label, value) and MPKs (P323… modes, P301… triples; MPK 8 at P353-P356). */
function v1Keys(keys: KeyContext[]) {
  const lineKeys = keys.filter((k) => k.isLine).map((k, i) => ({
    slot: i + 1,
    label: k.label,
    account: String(k.line0),
    pMode: `P${1363 + 2 * i}`,
    pAccount: `P${1364 + 2 * i}`,
    pLabel: `P${1465 + 2 * i}`,
    pValue: `P${1466 + 2 * i}`,
  }));
  const mpks = keys
    .filter((k) => !k.isLine)
    .map((k, i) => {
      const slot = i + 1;
      const kind = keyKind(k) as 'blf' | 'speedDial';
      const p =
        slot <= 7
          ? { pMode: `P${322 + slot}`, pAccount: `P${301 + 3 * (slot - 1)}`, pLabel: `P${302 + 3 * (slot - 1)}`, pValue: `P${303 + 3 * (slot - 1)}` }
          : slot === 8
            ? { pMode: 'P353', pAccount: 'P354', pLabel: 'P355', pValue: 'P356' }
            : undefined;
      return { slot, type: k.type, mode: V1_MPK_MODE[kind], account: String(k.line0), label: k.label, value: k.value, ...p, written: p !== undefined };
    });
  return { lineKeys, mpks: mpks.filter((m) => m.written), mpksNotWritten: mpks.filter((m) => !m.written).map((m) => m.slot) };
}

/** Config v2: the first `vpk` keys are pks.vpk.N (account 0-based), the rest pks.mpk.N (account "AccountN"; no line mode). */
function v2Keys(keys: KeyContext[], vpk: number) {
  return keys.map((k, i) => {
    const isVpk = i < vpk;
    const kind = keyKind(k);
    return {
      section: isVpk ? 'vpk' : 'mpk',
      slot: isVpk ? i + 1 : i + 1 - vpk,
      type: k.type,
      mode: !isVpk && kind === 'line' ? 'None' : V2_KEY_MODE[kind],
      account: isVpk ? String(k.line0) : `Account${k.line}`,
      label: k.label,
      value: kind === 'line' ? '' : k.value,
    };
  });
}

/** Phone types of the XML phonebook (§10.3 shows Work and Cell). */
const PHONE_TYPE: Record<DirectoryEntry['numbers'][number]['type'], string> = { extension: 'Work', work: 'Work', mobile: 'Cell', home: 'Home', fax: 'Work', other: 'Work' };
/** FusionPBX truncates phonebook fields to 24 characters (what the phones display). */
const cut = (s: string) => (s.length > 24 ? s.slice(0, 24) : s);

/** The minutes Grandstream accepts: P193 60-86400 (config check), P332 5-720 (phonebook). */
const clamp = (n: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, n));

function lineView(l: LineContext, ctx: PhoneContext) {
  const p = accountPValues(l.index);
  return {
    ...l,
    p,
    inV1: l.index <= V1_MAX_ACCOUNTS,
    server: hostPort(ctx.server.address, ctx.server.sipPort),
    mwiCode: l.mwi ? '1' : '0',
    mwiWord: l.mwi ? 'Yes' : 'No',
  };
}

function view(ctx: PhoneContext): Record<string, unknown> {
  const v2 = grandstreamUsesV2(ctx.model);
  const model = builtInModel(MODELS, ctx.model);
  const vpk = Number(model?.extra?.vpk ?? ctx.keys.length);
  const pbProtocol = ctx.phonebook ? protocolOf(ctx.phonebook.url) : undefined;
  // The phone appends phonebook.xml to this path: give it the folder of our phonebook file.
  const pbPath = ctx.phonebook ? `${withoutScheme(ctx.phonebook.url).replace(/phonebook\.xml$/, '')}` : '';
  const fw = ctx.firmwareUrl;
  const fwProtocol = fw ? protocolOf(fw) : undefined;
  const transport = ctx.server.transport === 'tcp' ? { code: '1', word: 'TCP' } : { code: '0', word: 'UDP' };
  const configProtocol = ctx.server.scheme === 'https' ? 'HTTPS' : 'HTTP';
  const lines = ctx.lines.map((l) => lineView(l, ctx));
  return {
    schema: v2 ? 'v2' : 'v1',
    lines,
    v1Lines: lines.filter((l) => l.inV1),
    v1LinesNotWritten: lines.filter((l) => !l.inV1).map((l) => l.index),
    transportCode: transport.code,
    transportWord: transport.word,
    gsLanguage: ctx.language,
    gsTimezone: grandstreamTimezone(ctx.timezone),
    configProtocol,
    configProtocolCode: PROTOCOL_CODE[configProtocol],
    httpUser: ctx.httpAuth?.username ?? '',
    httpPassword: ctx.httpAuth?.password ?? '',
    // P194 1 / provisioning.auto.mode YesUpgradeMin: check every P193 minutes; 0/No: only at boot and on NOTIFY.
    autoCheckCode: ctx.resyncMinutes > 0 ? '1' : '0',
    autoCheckWord: ctx.resyncMinutes > 0 ? 'YesUpgradeMin' : 'No',
    autoCheckMinutes: String(clamp(ctx.resyncMinutes || 10080, 60, 86400)),
    firmware: fw ? { path: withoutScheme(fw), protocol: fwProtocol, protocolCode: PROTOCOL_CODE[fwProtocol!] } : undefined,
    phonebookModeCode: pbProtocol === 'HTTPS' ? '3' : pbProtocol ? '1' : '0',
    phonebookModeWord: pbProtocol === 'HTTPS' ? 'EnabledUseHTTPS' : pbProtocol ? 'EnabledUseHTTP' : 'Disabled',
    phonebookPath: pbPath,
    phonebookInterval: String(ctx.phonebook ? clamp(ctx.resyncMinutes || 720, 5, 720) : 0),
    ldapServer: ctx.ldap?.host ?? '',
    ldapPort: String(ctx.ldap?.port ?? 389),
    ldapBase: ctx.ldap?.baseDn ?? '',
    ldapUser: ctx.ldap?.bindDn ?? '',
    ldapPassword: ctx.ldap?.password ?? '',
    ldapNameFilter: ctx.ldap?.nameFilter ?? '',
    ldapNumberFilter: ctx.ldap?.numberFilter ?? '',
    ldapLookupCode: ctx.ldap ? '1' : '0',
    ldapLookupWord: ctx.ldap ? 'Yes' : 'No',
    ...v1Keys(ctx.keys),
    gsKeys: v2Keys(ctx.keys, vpk),
    ...(ctx.directory
      ? {
          directory: ctx.directory.map((e) => ({
            ...e,
            firstName: cut(e.firstName),
            lastName: cut(e.lastName || e.name),
            phones: e.numbers.map((n) => ({ type: PHONE_TYPE[n.type], number: n.number })),
          })),
        }
      : {}),
  };
}

function commonView(ctx: CommonContext): Record<string, unknown> {
  const configProtocol = ctx.server.scheme === 'https' ? 'HTTPS' : 'HTTP';
  return { configProtocolCode: PROTOCOL_CODE[configProtocol] };
}

const UA = [/^Grandstream Model HW (\w+)(?:\s+V[^ ]+)? SW ([^ ]+) DevId ([^ ]+)/, /^Grandstream (GXP2000) .*:([^ ]+)\) DevId ([^ ]+)/];

function identify(userAgent: string): { model?: string; mac?: string } | undefined {
  for (const re of UA) {
    const m = re.exec(userAgent);
    if (m) return identified(m[1]!, m[3]);
  }
  return undefined;
}

function match(fileName: string): FileMatch | undefined {
  let m = /^cfg([0-9a-f]{12})\.xml$/i.exec(fileName);
  if (m) return phoneFile('device', m[1]!);
  // The phone adds "phonebook.xml" to the path it was given; tolerate the doubled slash of a path ending in "/".
  m = /^gs\/([0-9a-f]{12})\/\/?phonebook\.xml$/i.exec(fileName);
  if (m) return phoneFile('phonebook', m[1]!);
  if (/^cfg\.xml$/i.test(fileName)) return { kind: 'common', file: 'common' };
  m = /^cfg([a-z][a-z0-9]*)\.xml$/i.exec(fileName);
  // A 12-hex stem is a MAC (an invalid one here), never a model.
  if (m && !/^[0-9a-f]{12}$/i.test(m[1]!)) return { kind: 'common', file: 'common', model: builtInModel(MODELS, m[1]!)?.name ?? m[1]!.toUpperCase() };
  return undefined;
}

export const grandstream: VendorProfile = {
  vendor: 'grandstream',
  models: MODELS,
  files: [
    {
      id: 'device',
      format: 'xml',
      contentType: 'text/xml; charset=utf-8',
      name: (mac) => `cfg${mac.lower}.xml`,
      description: 'The phone configuration: accounts, keys, time, language, directory, provisioning (config v2 items on GXP21xx/GRP26xx, P-values on the others)',
      template: (model) => (grandstreamUsesV2(model) ? 'device-v2' : 'device'),
    },
    {
      id: 'phonebook',
      format: 'xml',
      contentType: 'text/xml; charset=utf-8',
      name: (mac) => `gs/${mac.lower}/phonebook.xml`,
      directory: true,
      description: 'The company phonebook as Grandstream XML phonebook (downloaded from the phonebook server path)',
    },
  ],
  commonFiles: [
    {
      id: 'common',
      format: 'xml',
      contentType: 'text/xml; charset=utf-8',
      example: 'cfggxp2170.xml',
      description: 'cfg<model>.xml and cfg.xml, asked for when no cfg<mac>.xml exists: where to fetch configuration from, no phone data',
    },
  ],
  templates: loadTemplates('grandstream'),
  identify,
  match,
  view,
  commonView,
};
