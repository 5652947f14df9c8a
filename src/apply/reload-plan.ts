// Which reloads take a change: pure, from the old and new file sets. Files that only a restart
// can take are reported, never acted on here (a restart would drop calls).
import type { FileSet } from './generations.ts';

const MODULE_OF: Record<string, string> = {
  'pjsip.conf': 'res_pjsip.so',
  'extensions.conf': 'pbx_config.so',
  'pbx-lib.conf': 'pbx_config.so',
  'pbx-lib-user.conf': 'pbx_config.so',
  'pbx-lib-recording.conf': 'pbx_config.so',
  'rtp.conf': 'res_rtp_asterisk.so',
  'manager.conf': 'manager',
  'http.conf': 'http',
  'ari.conf': 'res_ari.so',
  'logger.conf': 'logger',
  'musiconhold.conf': 'res_musiconhold.so',
  'queues.conf': 'app_queue.so',
  'voicemail.conf': 'app_voicemail.so',
  'pbx-lib-voicemail.conf': 'pbx_config.so',
  'features.conf': 'features',
  'res_parking.conf': 'res_parking.so',
  'confbridge.conf': 'app_confbridge.so',
  'pbx-lib-conference.conf': 'pbx_config.so',
  'pjsip_notify.conf': 'res_pjsip_notify.so',
  'indications.conf': 'indications',
};
const RESTART_ONLY = new Set(['asterisk.conf', 'modules.conf']);

export interface ReloadPlan {
  changedFiles: string[];
  /** Reload targets in a fixed order, each once. */
  modules: string[];
  restartRequired: string[];
}

/** The [transport-*] sections of a pjsip.conf: PJSIP cannot rebind a transport on reload. */
function transportSections(text: string | undefined): string {
  if (!text) return '';
  return text
    .split(/\n(?=\[)/)
    .filter((s) => /^type=transport$/m.test(s))
    .join('\n');
}

export function planReload(before: FileSet, after: FileSet): ReloadPlan {
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const changedFiles = names.filter((n) => before[n] !== after[n] && after[n] !== undefined);
  const modules = new Set<string>();
  const restartRequired: string[] = [];
  for (const f of changedFiles) {
    if (RESTART_ONLY.has(f)) restartRequired.push(f);
    else if (MODULE_OF[f]) modules.add(MODULE_OF[f]);
  }
  if (changedFiles.includes('pjsip.conf') && before['pjsip.conf'] !== undefined && transportSections(before['pjsip.conf']) !== transportSections(after['pjsip.conf'])) {
    restartRequired.push('pjsip.conf (transports)');
  }
  const order = Object.values(MODULE_OF);
  return { changedFiles, modules: [...modules].sort((a, b) => order.indexOf(a) - order.indexOf(b)), restartRequired };
}
