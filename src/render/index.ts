// The renderer: a model snapshot and the instance's facts in, every Asterisk file out. Pure:
// no I/O, no clock, no environment; the same input gives byte-identical output.
import type { PbxConfig } from '../domain/model.ts';
import { renderExtensionsConf } from './extensions-conf.ts';
import { renderPjsipConf } from './pjsip-conf.ts';
import { renderQueuesConf } from './queues-conf.ts';
import { renderVoicemailConf } from './voicemail-conf.ts';
import { renderFeaturesConf } from './features-conf.ts';
import { renderMusicOnHoldConf } from './musiconhold-conf.ts';
import { renderResParkingConf } from './res-parking-conf.ts';
import { renderConfbridgeConf } from './confbridge-conf.ts';
import { renderPjsipNotifyConf } from './pjsip-notify-conf.ts';
import { amiUserObjects, renderSystemFiles } from './system-conf.ts';
import type { RenderContext, RenderedConfig } from './types.ts';

export type { RenderContext, RenderedConfig, ExpectedObject } from './types.ts';
export { RenderError } from './ini.ts';

export function renderAll(config: PbxConfig, ctx: RenderContext): RenderedConfig {
  const pjsip = renderPjsipConf(config, ctx);
  const dialplan = renderExtensionsConf(config, ctx);
  const queues = renderQueuesConf(config, ctx);
  const parking = renderResParkingConf(config);
  const files: Record<string, string> = {
    ...renderSystemFiles(config, ctx),
    'pjsip.conf': pjsip.text,
    'extensions.conf': dialplan.text,
    'queues.conf': queues.text,
    'voicemail.conf': renderVoicemailConf(config, ctx),
    'features.conf': renderFeaturesConf(config),
    'musiconhold.conf': renderMusicOnHoldConf(config, ctx),
    'res_parking.conf': parking.text,
    'confbridge.conf': renderConfbridgeConf(config),
    'pjsip_notify.conf': renderPjsipNotifyConf(),
  };
  const sorted = Object.fromEntries(Object.entries(files).sort(([a], [b]) => a.localeCompare(b)));
  return { files: sorted, expected: [...pjsip.expected, ...dialplan.expected, ...queues.expected, ...parking.expected, ...amiUserObjects(config)] };
}
