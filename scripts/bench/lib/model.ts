// The configuration the benchmarks measure: a realistic office PBX, not an empty one.
// Extensions with a device, voicemail and a calling class; trunks; LCR rules in front of the
// carrier; a few groups and queues. Deterministic, so two runs measure the same thing.
import type { PbxConfigInput } from '../../../src/domain/model.ts';

/** The first extension number; 5 digits so 10,000 extensions fit (10000-19999). */
export const FIRST_EXTENSION = 10000;
/** A national number the LCR sends out of the first trunk (the load generator's carrier). */
export const CALLED_NUMBER = '0612345678';
/** Calling class every extension has (all LCR rules). */
export const BENCH_CLASS = 'everything';

export function extensionNumber(i: number): string {
  return String(FIRST_EXTENSION + i);
}

/** Device password of extension `number` (strong enough for the model; callers authenticate with it). */
export function devicePassword(number: string): string {
  // Derived, never containing the user name (the model refuses that).
  return `Kq7v-${(Number(number) * 7919).toString(36)}-Tz9w`;
}

export interface RealisticOptions {
  extensions: number;
  /** Trunks (the first one points at `carrier`). Default 10. */
  trunks?: number;
  /** Outbound (LCR) rules; the one that matches CALLED_NUMBER is the last. Default 50. */
  lcrRules?: number;
  /** Where trunk 1 sends calls: the SIPp carrier. Default 127.0.0.3:5060. */
  carrier?: { host: string; port: number };
  /** Extensions with voicemail, ring groups and queues as an office has them. Default true. */
  services?: boolean;
}

export function extensionItem(i: number): Record<string, unknown> {
  const number = extensionNumber(i);
  return {
    number,
    name: `Bench User ${i}`,
    class: BENCH_CLASS,
    devices: [{ username: number, password: devicePassword(number) }],
  };
}

export function realisticConfig(o: RealisticOptions): PbxConfigInput {
  const trunkCount = o.trunks ?? 10;
  const ruleCount = o.lcrRules ?? 50;
  const services = o.services ?? true;
  const carrier = o.carrier ?? { host: '127.0.0.3', port: 5060 };
  const extensions = Array.from({ length: o.extensions }, (_, i) => ({
    ...extensionItem(i),
    ...(services && i % 2 === 0 ? { voicemail: { enabled: true }, pin: String(482900 + (i % 1000)).slice(0, 6) } : {}),
  }));
  // Trunk 1 is the carrier the calls go out of; the others exist (TEST-NET addresses, not
  // qualified: nothing answers there) so the box renders and matches like a real one.
  const trunks = Array.from({ length: trunkCount }, (_, i) =>
    i === 0
      ? { name: 'carrier', type: 'ip', host: carrier.host, port: carrier.port, codecs: ['ulaw', 'alaw'], qualify: false }
      : { name: `trunk${i + 1}`, type: 'ip', host: `192.0.2.${i + 1}`, codecs: ['alaw', 'ulaw'], qualify: false },
  );
  // 49 rules for other prefixes (international destinations, each to two trunks), then the
  // national rule the benchmark's calls match.
  const rules = Array.from({ length: ruleCount }, (_, i) =>
    i === ruleCount - 1
      ? { name: 'national', patterns: ['0[1-9]X.', '3XXXXXXXXX'], trunks: ['carrier'] }
      : { name: `lcr${i + 1}`, patterns: [`00${100 + i}X.`], strip: 2, prepend: '+', trunks: trunkCount > 1 ? [`trunk${(i % (trunkCount - 1)) + 2}`, 'carrier'] : ['carrier'] },
  );
  const groups = services ? Math.min(10, Math.floor(o.extensions / 10)) : 0;
  const members = (g: number) => Array.from({ length: 5 }, (_, k) => ({ extension: extensionNumber(g * 10 + k) }));
  return {
    system: { name: 'Bench' },
    extensions,
    trunks,
    inboundRoutes: Array.from({ length: Math.min(o.extensions, 20) }, (_, i) => ({ did: `06123400${String(i).padStart(2, '0')}`, destination: { extension: extensionNumber(i) } })),
    outbound: { rules, classes: [{ name: BENCH_CLASS, rules: rules.map((r) => r.name) }] },
    ringGroups: Array.from({ length: groups }, (_, g) => ({ name: `group${g + 1}`, number: String(800 + g), members: members(g) })),
    queues: Array.from({ length: Math.floor(groups / 2) }, (_, q) => ({ name: `queue${q + 1}`, number: String(850 + q), members: members(q) })),
  } as PbxConfigInput;
}
