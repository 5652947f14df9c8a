// Cisco SMB SPA5xx and Cisco IP Phone CP-68xx/78xx/88xx-3PCC (Multiplatform) (reference §6). One
// profile: both read the same <flat-profile> XML. A factory-fresh phone asks for a bootstrap
// file (spa<PSN>.cfg on SPA, <PSN>-3PCC.xml on 3PCC) whose Profile_Rule_B points at the box's
// $MA.xml; that per-phone file then writes Profile_Rule itself, so later fetches go straight
// to $MA.xml. The two families differ in a few element names (Admin_Passwd / Admin_Password,
// expansion-module keys); a model starting with CP- or ending in 3PCC is 3PCC.
import type { CommonContext, DirectoryEntry, KeyContext, PhoneContext } from '../context.ts';
import type { DstTransition, TimezoneInfo } from '../timezone.ts';
import { loadTemplates } from '../templates/load.ts';
import type { FileMatch, VendorModel, VendorProfile } from '../vendor.ts';
import { builtInModel, hostPort, identified, phoneFile } from './common.ts';

/** keys: line keys on the phone (SPA counts are Wazo's; 3PCC counts from the product range, unverified for 68xx/78xx). */
const MODELS: readonly VendorModel[] = [
  { name: 'SPA301', keys: 0, accounts: 1 },
  { name: 'SPA303', keys: 3, accounts: 3 },
  { name: 'SPA501G', keys: 8, accounts: 8 },
  { name: 'SPA502G', keys: 0, accounts: 1 },
  { name: 'SPA504G', keys: 4, accounts: 4 },
  { name: 'SPA508G', keys: 8, accounts: 8 },
  { name: 'SPA509G', keys: 12, accounts: 12 },
  { name: 'SPA512G', keys: 0, accounts: 1 },
  { name: 'SPA514G', keys: 4, accounts: 4 },
  { name: 'SPA525G', keys: 5, accounts: 5 },
  { name: 'SPA525G2', keys: 5, accounts: 5 },
  { name: 'CP-6821-3PCC', keys: 2, accounts: 2 },
  { name: 'CP-6841-3PCC', keys: 4, accounts: 4 },
  { name: 'CP-6851-3PCC', keys: 4, accounts: 4 },
  { name: 'CP-6861-3PCC', keys: 4, accounts: 4 },
  { name: 'CP-7811-3PCC', keys: 0, accounts: 1 },
  { name: 'CP-7821-3PCC', keys: 2, accounts: 2 },
  { name: 'CP-7832-3PCC', keys: 0, accounts: 1 },
  { name: 'CP-7841-3PCC', keys: 4, accounts: 4 },
  { name: 'CP-7861-3PCC', keys: 16, accounts: 16 },
  { name: 'CP-8811-3PCC', keys: 10, accounts: 10 },
  { name: 'CP-8841-3PCC', keys: 10, accounts: 10 },
  { name: 'CP-8845-3PCC', keys: 10, accounts: 10 },
  { name: 'CP-8851-3PCC', keys: 10, accounts: 10 },
  { name: 'CP-8861-3PCC', keys: 10, accounts: 10 },
  { name: 'CP-8865-3PCC', keys: 10, accounts: 10 },
];

export function ciscoIs3pcc(model: string): boolean {
  return /^CP-/i.test(model) || /3PCC$/i.test(model);
}

const LANGUAGE = { en: { selection: 'English', locale: 'en-US' }, it: { selection: 'Italian', locale: 'it-IT' } } as const;

/**
 * One DST transition as Cisco writes it: month/day/weekday/h:m:s, where day -1 with a weekday
 * means "last <weekday> of the month", day d with a weekday "first <weekday> on or after d",
 * and weekdays run Monday 1 … Sunday 7 (Wazo's formatting).
 */
function dstChange(t: DstTransition): string {
  const weekday = t.weekday === 0 ? 7 : t.weekday;
  const day = t.week === 5 ? -1 : (t.week - 1) * 7 + 1;
  return `${t.month}/${day}/${weekday}/${t.hour}:0:0`;
}

export function ciscoDstRule(tz: TimezoneInfo): string {
  if (!tz.dst) return '';
  const s = tz.dst.savingSeconds;
  return `start=${dstChange(tz.dst.start)};end=${dstChange(tz.dst.end)};save=${Math.floor(s / 3600)}:${Math.floor((s % 3600) / 60)}:0`;
}

/** Values inside Extended_Function are ;-separated key=value pairs. */
const fncText = (s: string) => s.replace(/[;=]/g, ',');

/**
 * A key's Extended_Function: BLF with call pickup on an extension (the phone dials
 * Call_Pickup_Code + number to pick up), BLF without pickup on a park slot, switch code or DND
 * code (pressing dials it), speed dial otherwise. Line keys have none.
 */
export function ciscoExtendedFunction(k: KeyContext): string {
  const name = fncText(k.label);
  if (k.isLine) return '';
  if (k.isBlf) return `fnc=sd+blf+cp;sub=${k.value}@$PROXY;nme=${name}`;
  if (k.watches) return `fnc=sd+blf;sub=${k.value}@$PROXY;nme=${name}`;
  return `fnc=sd;ext=${k.value}@$PROXY;nme=${name}`;
}

const NUMBER_TYPE: Record<'en' | 'it', Record<DirectoryEntry['numbers'][number]['type'], string>> = {
  en: { extension: 'extension', work: 'work', mobile: 'mobile', home: 'home', fax: 'fax', other: 'other' },
  it: { extension: 'interno', work: 'ufficio', mobile: 'cellulare', home: 'casa', fax: 'fax', other: 'altro' },
};

function view(ctx: PhoneContext): Record<string, unknown> {
  const is3pcc = ciscoIs3pcc(ctx.model);
  const lineKeys = builtInModel(MODELS, ctx.model)?.keys ?? ctx.keys.length;
  const keys = ctx.keys.map((k) => {
    const onPhone = k.index <= lineKeys;
    const n = k.index - lineKeys - 1;
    const unitTag = `Unit_${Math.floor(n / 32) + 1}_Key_${(n % 32) + 1}${is3pcc ? '_' : ''}`;
    return {
      ...k,
      onPhone,
      // An expansion module key cannot show a line.
      onUnit: !onPhone && !k.isLine,
      unitTag,
      extension: k.isLine ? String(k.line) : 'Disabled',
      shortName: k.label,
      extendedFunction: ciscoExtendedFunction(k),
    };
  });
  const auth = ctx.httpAuth ? `[--uid ${ctx.httpAuth.username} --pwd ${ctx.httpAuth.password}]` : '';
  const ldap = ctx.ldap;
  const words = NUMBER_TYPE[ctx.language];
  return {
    is3pcc,
    isSpa: !is3pcc,
    lines: ctx.lines.map((l) => ({ ...l, proxy: hostPort(ctx.server.address, ctx.server.sipPort) })),
    transport: ctx.server.transport.toUpperCase(),
    keys,
    languageSelection: LANGUAGE[ctx.language].selection,
    locale: LANGUAGE[ctx.language].locale,
    timeZone: ctx.timezone.gmt,
    dstEnable: ctx.timezone.dst ? 'Yes' : 'No',
    dstRule: ciscoDstRule(ctx.timezone),
    resyncPeriodic: String(ctx.resyncSeconds),
    profileRule: `${auth}${ctx.server.provisioningUrl}$MA.xml`,
    upgradeRule: ctx.firmwareUrl ?? '',
    directoryName: ctx.phonebook ? ctx.phonebook.name : '',
    directoryUrl: ctx.phonebook ? ctx.phonebook.url : '',
    xmlUser: ctx.phonebook && ctx.httpAuth ? ctx.httpAuth.username : '',
    xmlPassword: ctx.phonebook && ctx.httpAuth ? ctx.httpAuth.password : '',
    ldapEnable: ldap ? 'Yes' : 'No',
    ldapName: ldap ? ctx.pbxName : '',
    // No port element exists: a non-standard port rides on the server (host:port, unverified).
    ldapServer: ldap ? (ldap.port === 389 ? ldap.host : hostPort(ldap.host, ldap.port)) : '',
    ldapAuthMethod: ldap ? 'Simple' : 'None',
    ldapClientDn: ldap?.bindDn ?? '',
    ldapPassword: ldap?.password ?? '',
    ldapSearchBase: ldap?.baseDn ?? '',
    // Cisco's filter syntax: <attribute>:(<filter with $VALUE>), one per search field.
    ldapLastNameFilter: ldap ? 'sn:(sn=$VALUE*)' : '',
    ldapFirstNameFilter: ldap ? 'cn:(cn=$VALUE*)' : '',
    ldapDisplayAttrs: ldap ? 'a=cn;a=telephoneNumber,t=p;a=mobile,t=p' : '',
    ...(ctx.directory
      ? {
          directory: ctx.directory.map((e) => ({
            ...e,
            entries: e.numbers.map((n) => ({ name: n.first ? e.name : `${e.name} (${words[n.type]})`, number: n.number })),
          })),
        }
      : {}),
  };
}

function commonView(ctx: CommonContext): Record<string, unknown> {
  return { profileRuleB: `${ctx.server.provisioningUrl}$MA.xml` };
}

const SPA_UA = /^Cisco\/(\w+)-(\S+) (?:\(([\dA-Fa-f]{12})\))?\((\w+)\)$/;
const LINKSYS_UA = /^Linksys\/([\w-]+)-([^\s-]+) \((\w+)\)$/;
const MPP_UA = /^Cisco-CP-([0-9]{4})-3PCC\/(\S+) \(([\dA-Fa-f]{12})\)$/;

function identify(userAgent: string): { model?: string; mac?: string } | undefined {
  let m = MPP_UA.exec(userAgent);
  if (m) return identified(`CP-${m[1]}-3PCC`, m[3]);
  m = SPA_UA.exec(userAgent);
  if (m) return identified(m[1]!, m[3]);
  // Linksys puts the serial number, not the MAC, in the parentheses.
  m = LINKSYS_UA.exec(userAgent);
  if (m) return { model: m[1]!.replace(/-/g, '').toUpperCase() };
  return undefined;
}

function match(fileName: string): FileMatch | undefined {
  let m = /^([0-9a-f]{12})\.xml$/i.exec(fileName);
  if (m) return phoneFile('device', m[1]!);
  m = /^cisco\/([0-9a-f]{12})\/directory\.xml$/i.exec(fileName);
  if (m) return phoneFile('directory', m[1]!);
  // spa$PSN.cfg, in whatever case the phone reports its PSN (spa504G.cfg, spa504g.cfg). A MAC-named spa file is no bootstrap.
  m = /^spa([a-z0-9]+)\.cfg$/i.exec(fileName);
  if (m && !/^[0-9a-f]{12}$/i.test(m[1]!)) {
    const model = `SPA${m[1]!.toUpperCase()}`;
    return { kind: 'common', file: 'bootstrap-spa', model: builtInModel(MODELS, model)?.name ?? model };
  }
  m = /^(?:CP-)?([0-9]{4})-3PCC\.xml$/i.exec(fileName);
  if (m) return { kind: 'common', file: 'bootstrap-3pcc', model: `CP-${m[1]}-3PCC` };
  return undefined;
}

export const cisco: VendorProfile = {
  vendor: 'cisco',
  models: MODELS,
  files: [
    {
      id: 'device',
      format: 'xml',
      contentType: 'text/xml; charset=utf-8',
      name: (mac) => `${mac.lower}.xml`,
      description: 'The phone profile ($MA.xml): lines, keys, time, language, directories, provisioning rules',
    },
    {
      id: 'directory',
      format: 'xml',
      contentType: 'text/xml; charset=utf-8',
      name: (mac) => `cisco/${mac.lower}/directory.xml`,
      directory: true,
      description: 'The company phonebook as Cisco XML directory (XML_Directory_Service_URL)',
    },
  ],
  commonFiles: [
    {
      id: 'bootstrap-spa',
      format: 'xml',
      contentType: 'text/xml; charset=utf-8',
      example: 'spa504G.cfg',
      description: 'spa<model>.cfg, the first file of a factory-fresh SPA5xx: points Profile_Rule_B at the box',
    },
    {
      id: 'bootstrap-3pcc',
      format: 'xml',
      contentType: 'text/xml; charset=utf-8',
      example: '7841-3PCC.xml',
      description: '<model>-3PCC.xml, the first file of a factory-fresh 3PCC phone: points Profile_Rule_B at the box',
    },
  ],
  templates: loadTemplates('cisco'),
  identify,
  match,
  view,
  commonView,
};
