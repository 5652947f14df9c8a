// A Snom D785 as it provisions from a directory URL (phone-provisioning.md §2.1, §2.2): its
// model's general container, its own container (MAC upper case), then the files that lists.
import { parseXml } from '../../../src/lib/xml.ts';
import type { PhoneClientSpec } from './types.ts';

const upper = (mac: string) => mac.replace(/[^0-9A-Fa-f]/g, '').toUpperCase();

/** The value of <name idx="1"> among the phone settings (one element or several with idx). */
function first(settings: Record<string, unknown>, name: string): string {
  const v = settings[name];
  const all = (Array.isArray(v) ? v : [v]) as ({ '#text'?: string; '@_idx'?: string } | string | undefined)[];
  const hit = all.find((x) => typeof x === 'object' && x !== null && x['@_idx'] === '1') ?? all[0];
  return typeof hit === 'string' ? hit : (hit?.['#text'] ?? '');
}

export const snom: PhoneClientSpec = {
  vendor: 'snom',
  model: 'D785',
  userAgent: (mac) => `Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 2010.12-00004-g9ba52f5 ${upper(mac)} SXM:0 UXM:0)`,
  requests: (mac) => ['snomD785.htm', `snomD785-${upper(mac)}.htm`, `${upper(mac)}.xml`, `${upper(mac)}-tbook.xml`],
  mainFile: (mac) => `${upper(mac)}.xml`,
  parse(body) {
    const settings = ((parseXml(body).settings as Record<string, unknown>)['phone-settings'] ?? {}) as Record<string, unknown>;
    // user_host is host:port ([v6]:port).
    const host = /^\[?(.*?)\]?(?::(\d+))?$/.exec(first(settings, 'user_host'))!;
    return { account: first(settings, 'user_name'), password: first(settings, 'user_pass'), server: host[1]!, ...(host[2] ? { port: host[2] } : {}) };
  },
};
