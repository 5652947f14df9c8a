// A Poly VVX 400 with UC Software (phone-provisioning.md §4.1, §4.2): master file, the
// settings file it names, then its contact directory. No MAC in the user agent; lower-case
// MACs in the names.
import { parseXml } from '../../../src/lib/xml.ts';
import type { PhoneClientSpec } from './types.ts';

const lower = (mac: string) => mac.replace(/[^0-9A-Fa-f]/g, '').toLowerCase();

/** Every attribute of every element: Poly parameters are attributes, grouped by any elements. */
function attributes(node: unknown, out: Map<string, string>): Map<string, string> {
  if (Array.isArray(node)) for (const n of node) attributes(n, out);
  else if (node !== null && typeof node === 'object')
    for (const [k, v] of Object.entries(node)) {
      if (k.startsWith('@_') && typeof v === 'string') out.set(k.slice(2), v);
      else attributes(v, out);
    }
  return out;
}

export const poly: PhoneClientSpec = {
  vendor: 'poly',
  model: 'VVX400',
  userAgent: () => 'FileTransport PolycomVVX-VVX_400-UA/4.1.4.7430 Type/Application',
  requests: (mac) => [`${lower(mac)}.cfg`, `${lower(mac)}-user.cfg`, `${lower(mac)}-directory.xml`],
  mainFile: (mac) => `${lower(mac)}-user.cfg`,
  parse(body) {
    const a = attributes(parseXml(body), new Map());
    const port = a.get('reg.1.server.1.port');
    return { account: a.get('reg.1.auth.userId') ?? '', password: a.get('reg.1.auth.password') ?? '', server: a.get('reg.1.server.1.address') ?? '', ...(port ? { port } : {}) };
  },
};
