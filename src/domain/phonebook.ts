// Who is calling: a name for a number, from the extensions and the phonebook (screen-pop on
// call events). Carriers present the same number in different forms (+39 02..., 0039 02...,
// 02...): numbers are compared on their digits, and a shorter form matches the end of a
// longer one when it still has at least 6 digits.
import type { PbxConfig } from './model.ts';

const digits = (n: string) => n.replace(/\D/g, '').replace(/^00/, '');

export function nameLookup(config: PbxConfig): (number: string) => string | undefined {
  const internal = new Map(config.extensions.map((e) => [e.number, e.name] as const));
  const exact = new Map<string, string>();
  for (const c of config.phonebook) {
    const label = c.company ? `${c.name} (${c.company})` : c.name;
    for (const n of c.numbers) if (!exact.has(digits(n.number))) exact.set(digits(n.number), label);
  }
  // Candidates for a match on the end share their last 6 digits: index them by those.
  const bySuffix = new Map<string, [string, string][]>();
  for (const [n, label] of exact) if (n.length >= 6) bySuffix.set(n.slice(-6), [...(bySuffix.get(n.slice(-6)) ?? []), [n, label]]);
  return (number: string) => {
    const name = internal.get(number);
    if (name) return name;
    const d = digits(number);
    if (d.length < 3) return undefined;
    const hit = exact.get(d);
    if (hit) return hit;
    if (d.length < 6) return undefined;
    for (const [n, label] of bySuffix.get(d.slice(-6)) ?? []) if (n.endsWith(d) || d.endsWith(n)) return label;
    return undefined;
  };
}
