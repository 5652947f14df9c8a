// What an extension may dial, decided the way the rendered dialplan decides it (render/
// extensions-conf.ts, rootfs/usr/share/pbx/asterisk/pbx-lib.conf), without asking Asterisk.
// Click-to-call and transfers check a number with this before a phone rings, so a refusal is a
// 403 with a reason instead of a call that rings and then fails.
//
// Invariant: the search order mirrors the class context exactly: pbx-internal (extension
// numbers), pbx-emergency, the class's rules in order (within one rule any of its patterns),
// then pbx-lib-refuse. An extension without a class gets internal and emergency only.
import type { Extension, PbxConfig } from './model.ts';

export type DialDecision =
  | { kind: 'internal' | 'emergency' | 'external'; rule?: string }
  | { kind: 'refused'; reason: string };

/** The dialplan context an extension's calls run in; must equal render/extensions-conf.ts classContext. */
export function dialContext(extension: Pick<Extension, 'class'>): string {
  return extension.class === undefined ? 'pbx-noclass' : `pbx-class-${extension.class}`;
}

type Matcher = (c: string) => boolean;
const digitRange = (lo: string, hi: string): Matcher => (c) => c.length === 1 && c >= lo && c <= hi;

/** Compiles an Asterisk pattern (model notation, no leading underscore) into per-position matchers. */
function compile(pattern: string): { parts: Matcher[]; tail: 'one-or-more' | 'zero-or-more' | 'none' } {
  const parts: Matcher[] = [];
  let tail: 'one-or-more' | 'zero-or-more' | 'none' = 'none';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === 'X') parts.push(digitRange('0', '9'));
    else if (ch === 'Z') parts.push(digitRange('1', '9'));
    else if (ch === 'N') parts.push(digitRange('2', '9'));
    else if (ch === '[') {
      const end = pattern.indexOf(']', i);
      const body = pattern.slice(i + 1, end);
      const set = new Set<string>();
      for (let j = 0; j < body.length; j++) {
        const lo = body[j]!;
        if (body[j + 1] === '-' && j + 2 < body.length) {
          for (let d = Number(lo); d <= Number(body[j + 2]); d++) set.add(String(d));
          j += 2;
        } else set.add(lo);
      }
      parts.push((c) => set.has(c));
      i = end;
    } else if ((ch === '.' || ch === '!') && i === pattern.length - 1) {
      tail = ch === '.' ? 'one-or-more' : 'zero-or-more';
    } else parts.push((c) => c === ch);
  }
  return { parts, tail };
}

/**
 * Whether a whole dialled number matches an Asterisk dial pattern: X (0-9), Z (1-9), N (2-9),
 * [..] digit sets and ranges, a final . (one or more characters) or ! (zero or more); anything
 * else matches itself (a pattern without wildcards is an exact number).
 */
export function matchesPattern(pattern: string, number: string): boolean {
  const { parts, tail } = compile(pattern);
  if (number.length < parts.length) return false;
  for (let i = 0; i < parts.length; i++) if (!parts[i]!(number[i]!)) return false;
  const rest = number.length - parts.length;
  if (tail === 'none') return rest === 0;
  if (tail === 'one-or-more') return rest >= 1;
  return true;
}

/** Whether `extension` may dial `number`, and how the dialplan would route it. */
export function dialDecision(config: PbxConfig, extension: string, number: string): DialDecision {
  const ext = config.extensions.find((e) => e.number === extension);
  if (!ext) return { kind: 'refused', reason: `extension ${extension} does not exist` };
  // pbx-lib-outbound refuses anything but these characters (a pattern ending in . matches any).
  if (!/^[0-9*#+]+$/.test(number)) return { kind: 'refused', reason: 'a number holds only digits, * # and +' };

  if (config.extensions.some((e) => e.number === number)) return { kind: 'internal' };
  if (config.outbound.emergency.includes(number)) return { kind: 'emergency' };

  if (ext.class === undefined) {
    return { kind: 'refused', reason: `extension ${extension} has no calling class: only internal and emergency numbers` };
  }
  const cls = config.outbound.classes.find((c) => c.name === ext.class);
  if (!cls) return { kind: 'refused', reason: `calling class "${ext.class}" of extension ${extension} does not exist` };
  for (const ruleName of cls.rules) {
    const rule = config.outbound.rules.find((r) => r.name === ruleName);
    if (rule?.patterns.some((p) => matchesPattern(p, number))) return { kind: 'external', rule: rule.name };
  }
  return { kind: 'refused', reason: `calling class "${cls.name}" of extension ${extension} does not allow ${number}` };
}
