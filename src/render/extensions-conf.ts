// extensions.conf: thin generated contexts that call the reviewed subroutines of pbx-lib.conf
// (shipped in rootfs/usr/share/pbx/asterisk). Context layout:
//   pbx-internal         every extension number
//   pbx-emergency        emergency numbers, through every trunk in order
//   pbx-rule-<name>      the patterns of one outbound rule
//   pbx-class-<name>     what a device of that class may dial: internal, emergency, its rules
//                        in order, then pbx-lib-refuse (403 for everything else)
//   pbx-noclass          extensions without a class: internal and emergency only
//   pbx-all-routes       every rule, for inbound routes that send a call out again
//   pbx-inbound          DIDs of calls from trunks (anonymous and blocked callers screened first)
//   pbx-features         feature codes (agent login/logout, switch codes with their BLF hints)
//   pbx-park             (made by res_parking, res-parking-conf.ts) park number and slots
//   pbx-<kind>-<name>    one per inbound-handling object (call-handling.ts)
// Includes are searched in order and a context's own lines before its includes, so internal
// numbers always win over an overlapping outbound pattern.
import type { Destination, Extension, OutboundRule, PbxConfig } from '../domain/model.ts';
import { context, extenName, gosub, hint, renderDialplan, type DialplanContext } from './dialplan.ts';
import { ALL_ROUTES_CONTEXT, FEATURES_CONTEXT, encodeDestination, objectContext, renderCallHandling } from './call-handling.ts';
import type { ExpectedObject, RenderContext } from './types.ts';
import { encodeRecording, recordingGlobals } from './recording.ts';
import { PARK_CONTEXT } from './res-parking-conf.ts';
import { conferenceContexts, conferenceNumbers } from './confbridge-conf.ts';

export const INBOUND_CONTEXT = 'pbx-inbound';
/** The hand-written dialplan libraries (rootfs/usr/share/pbx/asterisk), included in this order. */
export const LIBRARY_FILES = ['pbx-lib.conf', 'pbx-lib-user.conf', 'pbx-lib-recording.conf', 'pbx-lib-voicemail.conf', 'pbx-lib-conference.conf'] as const;
export const INTERNAL_CONTEXT = 'pbx-internal';
const NOCLASS_CONTEXT = 'pbx-noclass';

export function classContext(name: string | undefined): string {
  return name === undefined ? NOCLASS_CONTEXT : `pbx-class-${name}`;
}
const ruleContext = (name: string) => `pbx-rule-${name}`;

/** Encodes a forward target or destination as one Gosub argument: ext/201, num/333..., hangup, ivr/main. */
export function encodeTarget(t: Destination | undefined): string {
  return encodeDestination(t);
}

function trunkList(config: PbxConfig, names: readonly string[], options: { ignoreLimits?: boolean } = {}): string {
  // name:maxChannels:callerId per trunk, & between trunks; 0 = no channel limit.
  return names
    .map((n) => config.trunks.find((t) => t.name === n))
    .filter((t) => t !== undefined)
    .map((t) => `${t.name}:${options.ignoreLimits ? 0 : (t.maxChannels ?? 0)}:${t.callerId ?? ''}`)
    .join('&');
}

export { encodeRecording };

function extensionLine(ctx: DialplanContext, ext: Extension): void {
  const f = ext.forward;
  // Without a forward of its own, an extension with a mailbox sends unanswered, busy and
  // unreachable calls there, with the matching greeting.
  const box = (greeting: 'u' | 'b') => (ext.voicemail.enabled ? `vm/${ext.number}/${greeting}` : '');
  const mobile = ext.mobile?.enabled ? `${ext.mobile.number}:${ext.mobile.delay}:${ext.mobile.confirm ? 1 : 0}` : '';
  gosub(
    ctx,
    ext.number,
    'pbx-lib-ext',
    [
      ext.number,
      ext.devices.map((d) => `PJSIP/${d.username}`).join('&'),
      ext.busyLevel ?? 0,
      encodeRecording(ext.recording),
      mobile,
      encodeTarget(f.busy) || box('b'),
      encodeTarget(f.noAnswer) || box('u'),
      f.noAnswer?.after ?? (ext.voicemail.enabled ? 20 : 0),
      encodeTarget(f.unreachable) || box('u'),
      classContext(ext.class),
      ext.whenBusy,
    ],
    `extension ${ext.number}`,
  );
  hint(ctx, ext.number, ext.devices.map((d) => `PJSIP/${d.username}`).join('&'), `extension ${ext.number}`);
}

/**
 * The dialled number reaches the library only filtered to dial characters, with its raw length
 * beside it: a pattern ending in . or ! matches anything (a SIP user part may hold commas), and
 * a raw ${EXTEN} in the argument list would let a caller shift the arguments (strip, prepend,
 * trunks). pbx-lib-outbound refuses the call when filtering changed the length.
 */
export const DIALLED = ['${FILTER(0-9*#+,${EXTEN})}', '${LEN(${EXTEN})}'] as const;

function ruleLines(ctx: DialplanContext, rule: OutboundRule, config: PbxConfig): void {
  for (const p of rule.patterns) {
    gosub(ctx, extenName(p), 'pbx-lib-outbound', [...DIALLED, rule.strip, rule.prepend, trunkList(config, rule.trunks), encodeRecording(rule.recording)], `outbound rule ${rule.name}`);
  }
}

export function renderExtensionsConf(config: PbxConfig, ctx: RenderContext): { text: string; expected: ExpectedObject[] } {
  const contexts: DialplanContext[] = [];

  const internal = context(INTERNAL_CONTEXT, 'extensions and numbered groups, queues and IVRs');
  for (const ext of config.extensions) extensionLine(internal, ext);
  for (const [items, kind] of [[config.ringGroups, 'ringGroup'], [config.queues, 'queue'], [config.ivrs, 'ivr']] as const) {
    for (const o of items) {
      if (o.number !== undefined) gosub(internal, o.number, 'pbx-lib-object', [encodeDestination({ [kind]: o.name } as Destination).split('/')[0]!, o.name], `${kind} ${o.name}`);
    }
  }
  // A shared box's number takes a message (its unavailable greeting).
  for (const b of config.voicemailBoxes) gosub(internal, b.number, 'pbx-lib-voicemail', [b.number, 'u'], `voicemail box ${b.number}`);
  // Conference rooms (pbx-lib-object into pbx-conf-<name>) and paging groups.
  conferenceNumbers(internal, config);
  contexts.push(internal);

  const emergency = context('pbx-emergency', 'emergency numbers: allowed from every class, through every trunk');
  // Emergency calls ignore trunk channel limits: a full trunk must not block 112.
  const allTrunks = trunkList(config, config.trunks.map((t) => t.name), { ignoreLimits: true });
  for (const n of config.outbound.emergency) gosub(emergency, n, 'pbx-lib-outbound', [...DIALLED, 0, '', allTrunks], `emergency number ${n}`);
  contexts.push(emergency);

  for (const rule of config.outbound.rules) {
    const c = context(ruleContext(rule.name), `outbound rule ${rule.name}`);
    ruleLines(c, rule, config);
    contexts.push(c);
  }

  // The park number and its slots (res_parking registers them in PARK_CONTEXT): a transfer to
  // the park number parks, dialling a slot retrieves, a BLF key on a slot watches it.
  const base = [INTERNAL_CONTEXT, FEATURES_CONTEXT, ...(config.services.parking.enabled ? [PARK_CONTEXT] : []), 'pbx-emergency'];
  for (const cls of config.outbound.classes) {
    const c = context(classContext(cls.name), `calling class ${cls.name}`);
    c.includes.push(...base, ...cls.rules.map(ruleContext), 'pbx-lib-refuse');
    contexts.push(c);
  }
  const noclass = context(NOCLASS_CONTEXT, 'extensions without a calling class');
  noclass.includes.push(...base, 'pbx-lib-refuse');
  contexts.push(noclass);

  const all = context(ALL_ROUTES_CONTEXT, 'every outbound rule, for inbound calls sent out again');
  all.includes.push(INTERNAL_CONTEXT, 'pbx-emergency', ...config.outbound.rules.map((r) => ruleContext(r.name)), 'pbx-lib-refuse');
  contexts.push(all);

  const inbound = context(INBOUND_CONTEXT, 'calls from trunks, by DID');
  for (const r of config.inboundRoutes) {
    gosub(inbound, extenName(r.did), 'pbx-lib-inbound', [encodeTarget(r.destination), r.rejectAnonymous ? 1 : 0, DIALLED[0], encodeRecording(r.recording)], `inbound route ${r.did}`);
  }
  contexts.push(inbound);
  contexts.push(...renderCallHandling(config));
  contexts.push(...conferenceContexts(config));

  const preamble = [
    '[general]',
    'static=yes',
    'writeprotect=yes',
    'clearglobalvars=yes',
    'autofallthrough=yes',
    '',
    '[globals]',
    `PBX_TZ=${config.system.timezone}`,
    `PBX_LANG=${config.system.language}`,
    `PBX_SOUNDS=${ctx.instanceDir}/sounds`,
    ...recordingGlobals(config, ctx),
    '',
    '; hand-written subroutines (rootfs/usr/share/pbx/asterisk/pbx-lib*.conf)',
    ...LIBRARY_FILES.map((f) => `#include ${f}`),
  ].join('\n');

  const expected: ExpectedObject[] = contexts.map((c) => ({ kind: 'dialplan context', id: c.name, owner: c.comment ?? c.name }));
  return {
    text: renderDialplan('Generated by the PBX supervisor from its database. Do not edit: changes are overwritten.', preamble, contexts),
    expected,
  };
}
