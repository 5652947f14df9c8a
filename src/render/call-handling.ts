// The contexts of inbound call handling: one context per object (pbx-<kind>-<name>, entered at
// s,1 by pbx-lib-object), each a single Gosub into its pbx-lib.conf routine with the object's
// data encoded as arguments; plus the lookup contexts the routines consult (pbx-devices,
// pbx-blocked, pbx-agent-queues), the feature codes (pbx-features) and the IVRs' direct dial
// (pbx-ivr-direct). IVRs are the exception to "one Gosub": their keys must be extensions of
// their own context for Background/WaitExten to match them.
import type { Destination, Holiday, Ivr, PbxConfig, PromptRef, TimeBand, TimeCondition } from '../domain/model.ts';
import { WEEKDAYS } from '../domain/model.ts';
import { targetOf, type DestinationKind } from '../domain/destinations.ts';
import { checkArgs, context, extenName, gosub, hint, objectEntry, returnValue, type DialplanContext } from './dialplan.ts';
import { RenderError } from './ini.ts';
import { encodeRecording } from './recording.ts';
import { renderUserFeatureCodes } from './user-features.ts';

/** Context prefixes of destination kinds (pbx-<prefix>-<name>). */
const PREFIX: Record<Exclude<DestinationKind, 'extension'>, string> = {
  ivr: 'ivr',
  ringGroup: 'group',
  queue: 'queue',
  timeCondition: 'time',
  switch: 'switch',
  lookup: 'lookup',
  announcement: 'ann',
  disa: 'disa',
  voicemail: 'vm',
  conference: 'conf',
};

export const ALL_ROUTES_CONTEXT = 'pbx-all-routes';
export const FEATURES_CONTEXT = 'pbx-features';
export const objectContext = (kind: Exclude<DestinationKind, 'extension'>, name: string) => `pbx-${PREFIX[kind]}-${name}`;

/** A destination as one Gosub argument (see pbx-lib-dest): ext/201, num/333..., hangup, ivr/main, ... */
export function encodeDestination(d: Destination | undefined): string {
  if (!d) return '';
  if ('external' in d) return `num/${d.external}`;
  if ('hangup' in d) return 'hangup';
  const t = targetOf(d);
  if (!t) return 'hangup';
  // vm/<box>/<u|b|s>: the greeting, as VoiceMail's options name it (s: none).
  if ('voicemail' in d) return `vm/${d.voicemail}/${{ unavailable: 'u', busy: 'b', none: 's' }[d.greeting]}`;
  return t.kind === 'extension' ? `ext/${t.name}` : `${PREFIX[t.kind]}/${t.name}`;
}

export function encodePrompt(p: PromptRef): string {
  return 'builtin' in p ? `builtin:${p.builtin}` : `custom:${p.custom}`;
}

/** 12345-0830-1230: days 1-7 (Monday 1), from, to. */
function encodeBand(b: TimeBand): string {
  const days = [...new Set(b.days.map((d) => WEEKDAYS.indexOf(d) + 1))].sort().join('');
  return `${days}-${b.from.replace(':', '')}-${b.to.replace(':', '')}`;
}

/** 20261224-20261226, or yearly 1224-1226. */
function encodeHoliday(h: Holiday): string {
  const to = h.to ?? h.from;
  const compact = (d: string) => (h.yearly ? d.slice(-5) : d).replaceAll('-', '');
  return `${compact(h.from)}-${compact(to)}`;
}

export function encodeTimes(t: Pick<TimeCondition, 'bands' | 'holidays'>): [string, string] {
  return [t.bands.map(encodeBand).join('&'), t.holidays.map(encodeHoliday).join('&')];
}

function ivrContext(v: Ivr, config: PbxConfig): DialplanContext {
  const owner = `IVR ${v.name}`;
  const c = context(objectContext('ivr', v.name), owner);
  const dest = (d: Destination) => {
    const encoded = encodeDestination(d);
    checkArgs([encoded], owner);
    return `Gosub(pbx-lib-dest,s,1(${encoded},${ALL_ROUTES_CONTEXT}))`;
  };
  const greeting = encodePrompt(v.greeting);
  const invalid = encodePrompt(v.invalidPrompt);
  checkArgs([greeting, invalid, v.language ?? ''], owner);
  c.lines.push(
    'exten => s,1,Set(LOCAL(tries)=0)',
    ` same => n,Gosub(pbx-lib-ivr-start,s,1(${v.language ?? ''},${greeting}))`,
    ' same => n,Set(LOCAL(prompt)=${GOSUB_RETVAL})',
    ' same => n(menu),Background(${prompt})',
    ` same => n,WaitExten(${v.timeout})`,
  );
  for (const o of v.options) {
    // The caller's choice is a step of the call's route (CDR, pbx-lib-cdr).
    checkArgs([`ivr/${v.name}:${o.key}`], owner);
    c.lines.push(`exten => ${o.key},1,Gosub(pbx-lib-cdr,s,1(ivr/${v.name}:${o.key}))`, ` same => n,${dest(o.destination)}`, ' same => n,Return()');
  }
  c.lines.push(
    'exten => i,1,Set(LOCAL(tries)=$[${tries} + 1])',
    ` same => n,Gosub(pbx-lib-prompt,s,1(${invalid}))`,
    ' same => n,Playback(${GOSUB_RETVAL})',
    ` same => n,GotoIf($[\${tries} <= ${v.retries}]?s,menu)`,
    ` same => n,${dest(v.fallback)}`,
    ' same => n,Return()',
    'exten => t,1,Set(LOCAL(tries)=$[${tries} + 1])',
    ` same => n,GotoIf($[\${tries} <= ${v.retries}]?s,menu)`,
    ` same => n,${dest(v.fallback)}`,
    ' same => n,Return()',
  );
  if (v.directDial && config.extensions.length > 0) c.includes.push('pbx-ivr-direct');
  return c;
}

/** {caller}, {digits}, {did} → URL-encoded channel variables; the rest was validated by the schema. */
export function lookupUrl(template: string, owner: string): string {
  const rest = template.replace(/\{(?:caller|digits|did)\}/g, '');
  if (!/^https?:\/\/[A-Za-z0-9._~:/?@!&*+=%-]*$/.test(rest)) throw new RenderError('the URL holds characters a dialplan cannot carry', owner);
  return template
    .replaceAll('{caller}', '${URIENCODE(${PBX_LOOKUP_CALLER})}')
    .replaceAll('{digits}', '${URIENCODE(${PBX_LOOKUP_DIGITS})}')
    .replaceAll('{did}', '${URIENCODE(${PBX_LOOKUP_DID})}');
}

export function renderCallHandling(config: PbxConfig): DialplanContext[] {
  const contexts: DialplanContext[] = [];
  const enc = encodeDestination;

  for (const t of config.timeConditions) {
    const c = context(objectContext('timeCondition', t.name), `time condition ${t.name}`);
    const [bands, holidays] = encodeTimes(t);
    objectEntry(c, 'pbx-lib-time', [bands, holidays, enc(t.inside), enc(t.outside), enc(t.holiday ?? t.outside)], `time condition ${t.name}`);
    contexts.push(c);
  }

  const features = context(FEATURES_CONTEXT, 'feature codes');
  for (const sw of config.switches) {
    const owner = `switch ${sw.name}`;
    const c = context(objectContext('switch', sw.name), owner);
    objectEntry(c, 'pbx-lib-switch', [sw.name, sw.states.map((s) => `${s.name}:${enc(s.destination)}`).join('&')], owner);
    contexts.push(c);
    if (sw.code !== undefined) {
      hint(features, sw.code, `Custom:pbx-switch-${sw.name}`, owner);
      gosub(features, sw.code, 'pbx-lib-switch-toggle', [sw.name, sw.states.map((s) => s.name).join('&'), sw.pin?.length ?? 0, sw.allowed.join('&')], owner);
    }
  }
  gosub(features, config.featureCodes.agentLogin, 'pbx-lib-agent-login', ['login'], 'feature code agentLogin');
  gosub(features, config.featureCodes.agentLogout, 'pbx-lib-agent-login', ['logout'], 'feature code agentLogout');
  // The mailbox menu (pbx-lib-voicemail.conf): the caller's own box, or any box (number asked); PIN asked.
  gosub(features, config.featureCodes.voicemail, 'pbx-lib-vm-main', ['own'], 'feature code voicemail');
  gosub(features, config.featureCodes.voicemailAny, 'pbx-lib-vm-main', ['any'], 'feature code voicemailAny');
  // Pickup (pbx-lib-pickup): a call ringing in the caller's pickup group, or at one extension
  // (the code, then its number; the routine skips the code's digits in the filtered number).
  gosub(features, config.featureCodes.groupPickup, 'pbx-lib-pickup', ['group', '', 0], 'feature code groupPickup');
  const directed = config.featureCodes.directedPickup;
  gosub(features, `_${directed}X.`, 'pbx-lib-pickup', ['ext', '${FILTER(0-9,${EXTEN})}', directed.replace(/[^0-9]/g, '').length], 'feature code directedPickup');
  // Intercom (pbx-lib-conference.conf): the code, then an extension that answers by itself.
  const intercom = config.featureCodes.intercom;
  gosub(features, `_${intercom}X.`, 'pbx-lib-intercom', ['${FILTER(0-9,${EXTEN})}', intercom.replace(/[^0-9]/g, '').length], 'feature code intercom');
  // DND, forward, lock, agent pause, echo, call back, call return (user-features.ts).
  contexts.push(...renderUserFeatureCodes(config, features));
  contexts.push(features);

  for (const v of config.ivrs) contexts.push(ivrContext(v, config));
  if (config.ivrs.some((v) => v.directDial) && config.extensions.length > 0) {
    const direct = context('pbx-ivr-direct', 'extensions callers may type in an IVR that allows it');
    for (const e of config.extensions) {
      direct.lines.push(`exten => ${e.number},1,Gosub(pbx-lib-dest,s,1(ext/${e.number},${ALL_ROUTES_CONTEXT}))`, ' same => n,Return()');
    }
    contexts.push(direct);
  }

  for (const g of config.ringGroups) {
    const owner = `ring group ${g.name}`;
    const c = context(objectContext('ringGroup', g.name), owner);
    const members = g.members.map((m) => `${'extension' in m ? `ext/${m.extension}` : `num/${m.external}`}/${m.ringTime ?? g.memberRingTime}/${m.tier}`).join('&');
    objectEntry(c, 'pbx-lib-group', [g.name, g.strategy, members, g.ringTime, enc(g.noAnswer), enc(g.busy ?? g.noAnswer), g.confirmExternal ? 1 : 0, encodeRecording(g.recording)], owner);
    contexts.push(c);
  }

  for (const q of config.queues) {
    const owner = `queue ${q.name}`;
    const c = context(objectContext('queue', q.name), owner);
    const hours = q.openHours === undefined ? undefined : config.timeConditions.find((t) => t.name === q.openHours);
    const [bands, holidays] = hours ? encodeTimes(hours) : ['', ''];
    objectEntry(
      c,
      'pbx-lib-queue',
      [q.name, q.maxWait, enc(q.timeoutDestination), enc(q.fullDestination ?? q.timeoutDestination), hours ? 1 : 0, bands, holidays, enc(hours?.outside), enc(hours?.holiday ?? hours?.outside), encodeRecording(q.recording)],
      owner,
    );
    contexts.push(c);
  }

  for (const l of config.lookups) {
    const owner = `lookup ${l.name}`;
    const c = context(objectContext('lookup', l.name), owner);
    const isUrl = 'url' in l.source;
    objectEntry(
      c,
      'pbx-lib-lookup',
      [l.name, l.input, encodePrompt(l.prompt), l.maxDigits, isUrl ? 'url' : 'table', 'url' in l.source ? l.source.timeout : 0, l.routes.map((r) => `${r.name}:${enc(r.destination)}`).join('&'), enc(l.fallback)],
      owner,
    );
    if ('url' in l.source) c.lines.push(`exten => url,1,Return(${lookupUrl(l.source.url, owner)})`);
    else for (const row of l.source.table) returnValue(c, row.key, row.route, owner);
    contexts.push(c);
  }

  for (const a of config.announcements) {
    const c = context(objectContext('announcement', a.name), `announcement ${a.name}`);
    objectEntry(c, 'pbx-lib-announce', [encodePrompt(a.prompt), enc(a.then)], `announcement ${a.name}`);
    contexts.push(c);
  }

  for (const d of config.disa) {
    const c = context(objectContext('disa', d.name), `DISA ${d.name}`);
    objectEntry(c, 'pbx-lib-disa', [d.name, d.pin.length, `pbx-class-${d.class}`, d.callerId ?? ''], `DISA ${d.name}`);
    contexts.push(c);
  }

  // What groups and queues need to know about each extension: <dnd>:<busy level>:<devices>.
  const devices = context('pbx-devices', 'extensions as groups and queues ring them');
  for (const e of config.extensions) {
    returnValue(devices, e.number, `${e.dnd ? 1 : 0}:${e.busyLevel ?? 0}:${e.devices.map((d) => `PJSIP/${d.username}`).join('&')}`, `extension ${e.number}`);
  }
  contexts.push(devices);

  const agentQueues = new Map<string, string[]>();
  for (const q of config.queues) for (const m of q.dynamicMembers) agentQueues.set(m.extension, [...(agentQueues.get(m.extension) ?? []), `${q.name}:${m.penalty}`]);
  const agents = context('pbx-agent-queues', 'queues each extension may log in to');
  for (const [ext, list] of [...agentQueues.entries()].sort(([a], [b]) => a.localeCompare(b))) returnValue(agents, ext, list.join('&'), `extension ${ext}`);
  contexts.push(agents);

  const agent = context('pbx-agent', 'queue members: Local/<extension>@pbx-agent/n');
  gosub(agent, '_X.', 'pbx-lib-agent', ['${FILTER(0-9,${EXTEN})}'], 'queue members');
  contexts.push(agent);

  const blocked = context('pbx-blocked', 'blocked callers: refused (empty) or sent to a destination');
  for (const b of config.blockedCallers) returnValue(blocked, extenName(b.number), enc(b.destination), `blocked caller ${b.number}`);
  contexts.push(blocked);

  return contexts;
}
