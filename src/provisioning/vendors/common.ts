// What the vendor profiles share: reading a MAC out of a requested name or a User-Agent, the
// built-in model of a name, and the SIP server as host:port. Vendor-specific codes stay in
// each profile. Pure.
import { normalizeMac } from '../../domain/phones.ts';
import type { FileMatch, VendorModel } from '../vendor.ts';

/** A regular-expression group for a MAC written without separators, in any case. */
export const MAC_GROUP = '([0-9A-Fa-f]{12})';

/**
 * The phone's file `file` when `raw` (the MAC from the requested name) is a phone's MAC;
 * undefined for names that look like one but are no phone's (all-zero, broadcast, multicast).
 */
export function phoneFile(file: string, raw: string, model?: string): FileMatch | undefined {
  const mac = normalizeMac(raw);
  if (mac === undefined) return undefined;
  return model !== undefined ? { kind: 'phone', file, mac, model } : { kind: 'phone', file, mac };
}

/** What a User-Agent tells: the model, and the MAC only when `rawMac` is a valid one. */
export function identified(model: string, rawMac: string | undefined): { model: string; mac?: string } {
  const mac = rawMac ? normalizeMac(rawMac) : undefined;
  return mac !== undefined ? { model, mac } : { model };
}

/** The built-in model of this name, in any case. */
export function builtInModel(models: readonly VendorModel[], name: string): VendorModel | undefined {
  return models.find((m) => m.name.toLowerCase() === name.toLowerCase());
}

/** host:port, an IPv6 address in brackets. */
export function hostPort(address: string, port: number): string {
  return `${address.includes(':') ? `[${address}]` : address}:${port}`;
}
