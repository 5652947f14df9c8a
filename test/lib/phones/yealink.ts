// A Yealink T46S as it asks for its files (firmware 81+): its boot file, then the settings file
// the boot file includes. The model's common file is never asked for once a boot file exists.
import { macForms, normalizeMac } from '../../../src/domain/phones.ts';
import type { PhoneClientSpec } from './types.ts';

const lower = (mac: string) => normalizeMac(mac) ?? mac.toLowerCase();

/** key = value lines of a Yealink .cfg (comments and the #!version line skipped). */
export function parseYealinkCfg(body: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of body.split('\n')) {
    const m = /^([A-Za-z0-9_.]+) = (.*)$/.exec(line);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

export const yealink: PhoneClientSpec = {
  vendor: 'yealink',
  model: 'T46S',
  userAgent: (mac) => `Yealink SIP-T46S 66.86.0.15 ${macForms(lower(mac)).colons}`,
  requests: (mac) => [`${lower(mac)}.boot`, `${lower(mac)}.cfg`],
  mainFile: (mac) => `${lower(mac)}.cfg`,
  parse(body) {
    const cfg = parseYealinkCfg(body);
    const port = cfg.get('account.1.sip_server.1.port');
    return {
      account: cfg.get('account.1.user_name') ?? '',
      password: cfg.get('account.1.password') ?? '',
      server: cfg.get('account.1.sip_server.1.address') ?? '',
      ...(port !== undefined ? { port } : {}),
    };
  },
};
