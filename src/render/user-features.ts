// The user feature codes in pbx-features (DND, forward always, phone lock, agent pause, echo
// test, call back, call return; routines in pbx-lib-user.conf) with the DND BLF hints, and the
// lookup context the agent pause code consults (pbx-member-queues).
import type { FeatureCodes, PbxConfig } from '../domain/model.ts';
import { dndDevice } from '../domain/user-state.ts';
import { checkArgs, context, gosub, hint, returnValue, type DialplanContext } from './dialplan.ts';

/** Context the agent pause code reads: <extension> returns its queues (static and dynamic) joined by &. */
export const MEMBER_QUEUES_CONTEXT = 'pbx-member-queues';

/** Digits of a code: the routines skip that many digits of the number filtered to 0-9. */
const codeDigits = (code: string) => code.replace(/[^0-9]/g, '').length;

/**
 * Adds the user feature codes to `features` (the pbx-features context) and returns the extra
 * contexts they need. Call return is two lines, not one Gosub: the number it returns is dialled
 * with Goto in ${CONTEXT}, the caller's own class context (includes do not change it), so it
 * runs exactly as if typed.
 */
export function renderUserFeatureCodes(config: PbxConfig, features: DialplanContext): DialplanContext[] {
  const fc = config.featureCodes;
  const code = (name: keyof FeatureCodes, routine: string, args: (string | number)[]) => gosub(features, fc[name], routine, args, `feature code ${name}`);

  code('dndOn', 'pbx-lib-dnd', ['on']);
  code('dndOff', 'pbx-lib-dnd', ['off']);
  code('dndToggle', 'pbx-lib-dnd', ['toggle']);
  for (const e of config.extensions) {
    const owner = `extension ${e.number}: do-not-disturb key`;
    hint(features, `${fc.dndToggle}${e.number}`, dndDevice(e.number), owner);
    gosub(features, `${fc.dndToggle}${e.number}`, 'pbx-lib-dnd', ['toggle', e.number], owner);
  }

  code('forwardSet', 'pbx-lib-cf', ['set', '', 0]);
  gosub(features, `_${fc.forwardSet}X.`, 'pbx-lib-cf', ['set', '${FILTER(0-9,${EXTEN})}', codeDigits(fc.forwardSet)], 'feature code forwardSet');
  code('forwardClear', 'pbx-lib-cf', ['clear', '', 0]);

  code('lock', 'pbx-lib-lock', ['lock']);
  code('unlock', 'pbx-lib-lock', ['unlock']);
  code('agentPause', 'pbx-lib-agent-pause', []);
  code('echoTest', 'pbx-lib-echo', []);
  code('callback', 'pbx-lib-callback', ['set']);
  code('callbackCancel', 'pbx-lib-callback', ['cancel']);

  checkArgs([fc.callReturn], 'feature code callReturn');
  features.lines.push(`exten => ${fc.callReturn},1,Gosub(pbx-lib-call-return,s,1())`, ' same => n,Goto(${CONTEXT},${GOSUB_RETVAL},1)');

  const queuesOf = new Map<string, string[]>();
  for (const q of config.queues) {
    for (const m of [...q.members, ...q.dynamicMembers]) {
      const list = queuesOf.get(m.extension) ?? [];
      if (!list.includes(q.name)) queuesOf.set(m.extension, [...list, q.name]);
    }
  }
  const memberQueues = context(MEMBER_QUEUES_CONTEXT, 'queues each extension is a member of (agent pause code)');
  for (const [ext, list] of [...queuesOf.entries()].sort(([a], [b]) => a.localeCompare(b))) returnValue(memberQueues, ext, list.join('&'), `extension ${ext}`);
  return [memberQueues];
}
