// LDAP search filters (RFC 4515) as the phones send them, evaluated by the box itself: ldapjs'
// own matching is case-sensitive and byte-exact, while people type "rossi" for "Rossi" and
// "muller" for "Müller", and numbers arrive as +39 02..., 0039 02... or 02....
//
// Matching rules (every attribute name case-insensitive):
//  - number attributes (NUMBER_ATTRIBUTES) compare their digits only; equality also holds when
//    one number ends with the other and the shorter still has 6 digits (the caller's number in
//    national form against the stored international one);
//  - every other attribute compares folded text: lowercase, accents removed (NFD marks).
// Pure: no ldapjs here (src/directory/ldap-server.ts converts its filter objects to LdapFilter).

export type LdapFilter =
  | { kind: 'and'; filters: LdapFilter[] }
  | { kind: 'or'; filters: LdapFilter[] }
  | { kind: 'not'; filter: LdapFilter }
  | { kind: 'eq' | 'approx' | 'ge' | 'le'; attribute: string; value: string }
  | { kind: 'present'; attribute: string }
  | { kind: 'substr'; attribute: string; initial?: string; any: string[]; final?: string }
  /** Extensible matches and anything else the box does not evaluate: never true (RFC 4511 Undefined). */
  | { kind: 'undefined' };

/** Attributes holding phone numbers: matched on digits. Lowercase. */
export const NUMBER_ATTRIBUTES: ReadonlySet<string> = new Set(['telephonenumber', 'mobile', 'homephone', 'facsimiletelephonenumber', 'ipphone', 'othertelephone', 'pager']);

/** Lowercase, accents removed, runs of white space as one space: the form names are compared in. */
export function foldText(s: string): string {
  return s.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** A number's digits, without a leading international 00 (+39 02 and 0039 02 compare equal). */
export function numberDigits(s: string): string {
  return s.replace(/\D/g, '').replace(/^00/, '');
}

/** An entry as the matcher sees it: attribute names lowercase, values already folded (text) or reduced to digits (numbers). */
export type MatchEntry = ReadonlyMap<string, readonly string[]>;

/** Entry values in match form: names lowercased, numbers to digits, text folded. */
export function matchForm(attributes: Record<string, readonly string[]>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [name, values] of Object.entries(attributes)) {
    const key = name.toLowerCase();
    const folded = values.map((v) => (NUMBER_ATTRIBUTES.has(key) ? numberDigits(v) : foldText(v)));
    out.set(key, [...(out.get(key) ?? []), ...folded]);
  }
  return out;
}

const MIN_SUFFIX_DIGITS = 6;

function numberEquals(stored: string, asked: string): boolean {
  if (stored === '' || asked === '') return false;
  if (stored === asked) return true;
  const [short, long] = stored.length < asked.length ? [stored, asked] : [asked, stored];
  return short.length >= MIN_SUFFIX_DIGITS && long.endsWith(short);
}

/** initial*any*...*final in this order, without overlap. */
function substringMatch(value: string, initial: string | undefined, any: readonly string[], final: string | undefined): boolean {
  let pos = 0;
  if (initial) {
    if (!value.startsWith(initial)) return false;
    pos = initial.length;
  }
  for (const part of any) {
    if (!part) continue;
    const at = value.indexOf(part, pos);
    if (at < 0) return false;
    pos = at + part.length;
  }
  if (final) return value.length - pos >= final.length && value.endsWith(final);
  return true;
}

/** Whether the entry matches. Undefined clauses count as false (and `not` of them as false too, as RFC 4511 says). */
export function matches(filter: LdapFilter, entry: MatchEntry): boolean {
  return evaluate(filter, entry) === true;
}

/** Three-valued evaluation (RFC 4511 4.5.1.7): true, false or undefined. */
function evaluate(filter: LdapFilter, entry: MatchEntry): boolean | undefined {
  switch (filter.kind) {
    case 'and': {
      let result: boolean | undefined = true;
      for (const f of filter.filters) {
        const r = evaluate(f, entry);
        if (r === false) return false;
        if (r === undefined) result = undefined;
      }
      return result;
    }
    case 'or': {
      let result: boolean | undefined = false;
      for (const f of filter.filters) {
        const r = evaluate(f, entry);
        if (r === true) return true;
        if (r === undefined) result = undefined;
      }
      return result;
    }
    case 'not': {
      const r = evaluate(filter.filter, entry);
      return r === undefined ? undefined : !r;
    }
    case 'present': {
      const name = filter.attribute.toLowerCase();
      return name === 'objectclass' || (entry.get(name)?.length ?? 0) > 0;
    }
    case 'eq':
    case 'approx': {
      const name = filter.attribute.toLowerCase();
      const values = entry.get(name);
      if (!values) return false;
      if (NUMBER_ATTRIBUTES.has(name)) {
        const asked = numberDigits(filter.value);
        return values.some((v) => numberEquals(v, asked));
      }
      const asked = foldText(filter.value);
      return values.some((v) => v === asked);
    }
    case 'ge':
    case 'le': {
      const name = filter.attribute.toLowerCase();
      const values = entry.get(name);
      if (!values) return false;
      const asked = NUMBER_ATTRIBUTES.has(name) ? numberDigits(filter.value) : foldText(filter.value);
      return values.some((v) => (filter.kind === 'ge' ? v >= asked : v <= asked));
    }
    case 'substr': {
      const name = filter.attribute.toLowerCase();
      const values = entry.get(name);
      if (!values) return false;
      const norm = NUMBER_ATTRIBUTES.has(name) ? numberDigits : foldText;
      const initial = filter.initial !== undefined ? norm(filter.initial) : undefined;
      const any = filter.any.map(norm);
      const final = filter.final !== undefined ? norm(filter.final) : undefined;
      // A number filter with no digits at all ("(mobile=*abc*)") matches no number.
      if (NUMBER_ATTRIBUTES.has(name) && !initial && !final && any.every((a) => !a)) return false;
      return values.some((v) => substringMatch(v, initial, any, final));
    }
    case 'undefined':
      return undefined;
  }
}

// ---- filter strings (RFC 4515), for tests, the bench and the docs' examples -----------------

export class FilterSyntaxError extends Error {}

function unescapeValue(raw: string): string {
  if (!raw.includes('\\')) return raw;
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '\\') {
      const hex = raw.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new FilterSyntaxError(`bad escape in "${raw}"`);
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else bytes.push(...Buffer.from(c, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Parses a filter string such as `(|(cn=jo*)(sn=jo*))`. A bare `cn=jo*` is taken as `(cn=jo*)`. */
export function parseFilterString(text: string): LdapFilter {
  const s = text.trim().startsWith('(') ? text.trim() : `(${text.trim()})`;
  let pos = 0;
  const parse = (): LdapFilter => {
    if (s[pos] !== '(') throw new FilterSyntaxError(`expected ( at ${pos}`);
    pos++;
    const op = s[pos];
    let out: LdapFilter;
    if (op === '&' || op === '|') {
      pos++;
      const filters: LdapFilter[] = [];
      while (s[pos] === '(') filters.push(parse());
      out = { kind: op === '&' ? 'and' : 'or', filters };
    } else if (op === '!') {
      pos++;
      out = { kind: 'not', filter: parse() };
    } else {
      const end = s.indexOf(')', pos);
      if (end < 0) throw new FilterSyntaxError('missing )');
      const item = s.slice(pos, end);
      pos = end;
      const m = /^([A-Za-z0-9.;-]+)(:[^=]*)?(~=|>=|<=|=)(.*)$/s.exec(item);
      if (!m) throw new FilterSyntaxError(`not a filter item: "${item}"`);
      const [, attribute, extensible, operator, raw] = m as unknown as [string, string, string | undefined, string, string];
      if (extensible) out = { kind: 'undefined' };
      else if (operator === '~=') out = { kind: 'approx', attribute, value: unescapeValue(raw) };
      else if (operator === '>=') out = { kind: 'ge', attribute, value: unescapeValue(raw) };
      else if (operator === '<=') out = { kind: 'le', attribute, value: unescapeValue(raw) };
      else if (raw === '*') out = { kind: 'present', attribute };
      else if (raw.includes('*')) {
        const parts = raw.split('*').map(unescapeValue);
        const initial = parts[0] || undefined;
        const final = parts[parts.length - 1] || undefined;
        out = { kind: 'substr', attribute, ...(initial ? { initial } : {}), any: parts.slice(1, -1).filter((p) => p !== ''), ...(final ? { final } : {}) };
      } else out = { kind: 'eq', attribute, value: unescapeValue(raw) };
    }
    if (s[pos] !== ')') throw new FilterSyntaxError(`expected ) at ${pos}`);
    pos++;
    return out;
  };
  const f = parse();
  if (pos !== s.length) throw new FilterSyntaxError(`unexpected text after the filter at ${pos}`);
  return f;
}
