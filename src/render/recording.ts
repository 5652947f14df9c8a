// Call recording in the rendered files: the policy as pbx-lib-rec-prepare reads it, the globals
// of pbx-lib-recording.conf, and the in-call record code of features.conf.
import type { PbxConfig, RecordingPolicy } from '../domain/model.ts';
import { encodePrompt } from './call-handling.ts';
import type { IniEntry } from './ini.ts';
import type { RenderContext } from './types.ts';

/** Where MixMonitor writes (live/) and leaves finished files (done/), inside the instance directory. */
export const RECORDING_STAGING = 'spool/pbx-recordings';

/** mode:calls:announce, as pbx-lib-rec-prepare reads it; empty when never recorded. */
export function encodeRecording(p: RecordingPolicy): string {
  return p.mode === 'never' ? '' : `${p.mode}:${p.calls}:${p.announce ? 1 : 0}`;
}

/** [globals] lines of extensions.conf that pbx-lib-recording.conf reads. */
export function recordingGlobals(config: PbxConfig, ctx: RenderContext): string[] {
  return [`PBX_REC_DIR=${ctx.instanceDir}/${RECORDING_STAGING}`, `PBX_REC_PROMPT=${encodePrompt(config.services.recording.announcement)}`];
}

/**
 * The in-call record code (features.conf [applicationmap]): runs pbx-lib-rec-toggle on the peer
 * of the phone that keyed it, so the announcement reaches the other party. Offered only where
 * the dialplan lists it in DYNAMIC_FEATURES (phones of onDemand-recorded calls).
 */
export function recordingApplicationMap(config: PbxConfig): IniEntry[] {
  return [['pbxrec', `${config.featureCodes.inCallRecord},peer,Gosub(pbx-lib-rec-toggle,s,1)`]];
}
