// A Cisco SPA504G as it asks for its files (phone-provisioning.md §6.1, §6.2): the bootstrap
// spa$PSN.cfg from the option-66 server (PSN in the case the phone reports it), then the $MA.xml
// that file's Profile_Rule_B names.
import { parseXml } from '../../../src/lib/xml.ts';
import type { PhoneClientSpec } from './types.ts';

const lower = (mac: string) => mac.replace(/[^0-9A-Fa-f]/g, '').toLowerCase();

/** The elements of a <flat-profile> by name (their text; empty elements give ''). */
export function flatProfile(body: string): Map<string, string> {
  const fp = (parseXml(body)['flat-profile'] ?? {}) as Record<string, unknown>;
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(fp)) {
    if (k.startsWith('@_')) continue;
    const x = Array.isArray(v) ? v[0] : v;
    out.set(k, typeof x === 'string' ? x : ((x as { '#text'?: string } | undefined)?.['#text'] ?? ''));
  }
  return out;
}

export const cisco: PhoneClientSpec = {
  vendor: 'cisco',
  model: 'SPA504G',
  userAgent: (mac) => `Cisco/SPA504G-7.5.5 (${lower(mac).toUpperCase()})(CBT141400UK)`,
  requests: (mac) => ['spa504G.cfg', `${lower(mac)}.xml`],
  mainFile: (mac) => `${lower(mac)}.xml`,
  parse(body) {
    const fp = flatProfile(body);
    // Proxy_1_ is host[:port] ([v6]:port).
    const proxy = /^\[?(.*?)\]?(?::(\d+))?$/.exec(fp.get('Proxy_1_') ?? '')!;
    return { account: fp.get('User_ID_1_') ?? '', password: fp.get('Password_1_') ?? '', server: proxy[1]!, ...(proxy[2] ? { port: proxy[2] } : {}) };
  },
};
