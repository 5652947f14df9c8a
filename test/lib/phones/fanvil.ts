// A Fanvil X4U as it asks for its files: a model common file first (the reference names none
// for the X4U, so the box answers only its own file), then <mac>.cfg in lowercase.
import { normalizeMac } from '../../../src/domain/phones.ts';
import { parseXml } from '../../../src/lib/xml.ts';
import type { PhoneClientSpec } from './types.ts';

const lower = (mac: string) => normalizeMac(mac) ?? mac.toLowerCase();
const list = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

export const fanvil: PhoneClientSpec = {
  vendor: 'fanvil',
  model: 'X4U',
  userAgent: (mac) => `Fanvil X4U 2.12.16.17 ${lower(mac)}`,
  requests: (mac) => [`${lower(mac)}.cfg`],
  mainFile: (mac) => `${lower(mac)}.cfg`,
  parse(body) {
    const conf = parseXml(body).sysConf as { sip?: { line?: Record<string, string> | Record<string, string>[] } } | undefined;
    const line = list(conf?.sip?.line).find((l) => l['@_index'] === '1') ?? {};
    return {
      account: line.PhoneNumber ?? '',
      password: line.RegisterPswd ?? '',
      server: line.RegisterAddr ?? '',
      ...(line.RegisterPort !== undefined ? { port: line.RegisterPort } : {}),
    };
  },
};
