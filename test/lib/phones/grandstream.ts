// A Grandstream GXP2170 as it asks for its files (phone-provisioning.md §3.1, §3.2, §10.3): the
// binary cfg<mac> first (the box answers 404, so it is not listed), then cfg<mac>.xml, then the
// XML phonebook from the path that file gave it (the phone appends phonebook.xml).
import { parseXml } from '../../../src/lib/xml.ts';
import type { PhoneClientSpec } from './types.ts';

const lower = (mac: string) => mac.replace(/[^0-9A-Fa-f]/g, '').toLowerCase();

/** Settings of a cfg<mac>.xml by name: P-values (config v1) or item names (config v2). */
export function grandstreamSettings(body: string): Map<string, string> {
  const config = ((parseXml(body).gs_provision as Record<string, unknown>).config ?? {}) as Record<string, unknown>;
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(config)) {
    if (k.startsWith('@_')) continue;
    if (k !== 'item') {
      out.set(k, typeof v === 'string' ? v : '');
      continue;
    }
    for (const item of (Array.isArray(v) ? v : [v]) as ({ '@_name': string; '#text'?: string } | string)[]) {
      if (typeof item === 'object') out.set(item['@_name'], item['#text'] ?? '');
    }
  }
  return out;
}

export const grandstream: PhoneClientSpec = {
  vendor: 'grandstream',
  model: 'GXP2170',
  userAgent: (mac) => `Grandstream Model HW GXP2170 SW 1.0.11.64 DevId ${lower(mac)}`,
  requests: (mac) => [`cfg${lower(mac)}.xml`, `gs/${lower(mac)}/phonebook.xml`],
  mainFile: (mac) => `cfg${lower(mac)}.xml`,
  parse(body) {
    const s = grandstreamSettings(body);
    const v2 = s.has('account.1.sip.userid');
    // The SIP server is host[:port] ([v6]:port).
    const server = /^\[?(.*?)\]?(?::(\d+))?$/.exec((v2 ? s.get('account.1.sip.server.1.address') : s.get('P47')) ?? '')!;
    return {
      account: (v2 ? s.get('account.1.sip.userid') : s.get('P35')) ?? '',
      password: (v2 ? s.get('account.1.sip.subscriber.password') : s.get('P34')) ?? '',
      server: server[1]!,
      ...(server[2] ? { port: server[2] } : {}),
    };
  },
};
