// A Gigaset N870 IP PRO base (phone-provisioning.md §5.1): given the box's directory URL it
// asks for provisioning.xml (the box has none) and then its <mac>.xml, the only file it
// fetches at boot. The name is lower case as Wazo's Nx70 plugin serves it; the box accepts
// either case. The first handset's SIP account is the first line.
import { parseXml } from '../../../src/lib/xml.ts';
import type { PhoneClientSpec } from './types.ts';

const hex = (mac: string) => mac.replace(/[^0-9A-Fa-f]/g, '');

/** <param name value/> of <nvm>, also those inside <oper> elements. */
function params(node: unknown, out: Map<string, string>): Map<string, string> {
  if (Array.isArray(node)) for (const n of node) params(n, out);
  else if (node !== null && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (typeof o['@_name'] === 'string' && typeof o['@_value'] === 'string') out.set(o['@_name'], o['@_value']);
    for (const [k, v] of Object.entries(o)) if (!k.startsWith('@_')) params(v, out);
  }
  return out;
}

export const gigaset: PhoneClientSpec = {
  vendor: 'gigaset',
  model: 'N870',
  userAgent: (mac) => `Gigaset N870 IP PRO/83.V2.11.0+build.a546b91;${hex(mac).toUpperCase()}`,
  requests: (mac) => [`${hex(mac).toLowerCase()}.xml`],
  mainFile: (mac) => `${hex(mac).toLowerCase()}.xml`,
  parse(body) {
    const p = params(parseXml(body), new Map());
    const port = p.get('SipProvider.0.RegServerPort');
    return {
      account: p.get('SipAccount.00001.UserName') ?? '',
      password: p.get('SipAccount.00001.AuthPassword') ?? '',
      server: p.get('SipProvider.0.RegServerAddress') ?? '',
      ...(port ? { port } : {}),
    };
  },
};
