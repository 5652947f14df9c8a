// The LDAP tree the box serves, built from one configuration snapshot (rebuilt only when the
// revision changes), with an index so a search of 10,000 entries answers in milliseconds.
//
//   dc=pbx
//   └─ ou=phonebook,dc=pbx                          what the phones search (subtree)
//      ├─ ou=extensions,ou=phonebook,dc=pbx
//      │  └─ uid=<number>,ou=extensions,...        one per published extension
//      └─ ou=contacts,ou=phonebook,dc=pbx
//         └─ uid=<contact id>,ou=contacts,...      one per shared contact (model `phonebook`)
//   ou=devices,dc=pbx / ou=users,dc=pbx             bind identities only (no entries)
//
// Personal contacts of the users are never part of this tree (they live in their own table).
// Pure: the LDAP protocol is src/directory/ldap-server.ts.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { DirectorySettings, PbxConfig } from '../domain/model.ts';
import { PHONEBOOK_BASE_DN } from '../domain/phones.ts';
import { NUMBER_ATTRIBUTES, foldText, matchForm, matches, numberDigits, type LdapFilter } from './filter.ts';

export const ROOT_DN = 'dc=pbx';
export const EXTENSIONS_DN = `ou=extensions,${PHONEBOOK_BASE_DN}`;
export const CONTACTS_DN = `ou=contacts,${PHONEBOOK_BASE_DN}`;
const PERSON_CLASSES = ['top', 'person', 'organizationalPerson', 'inetOrgPerson'];

export interface DirectoryEntry {
  dn: string;
  /** The DN in compare form (lowercase, no spaces after commas). */
  key: string;
  parent: string;
  attributes: Record<string, string[]>;
  match: Map<string, string[]>;
}

export type SearchScope = 'base' | 'one' | 'sub';

export interface SearchOutcome {
  entries: DirectoryEntry[];
  /** More entries matched than the limit: `entries` holds the first `limit`. */
  sizeLimitExceeded: boolean;
}

/** Who a bind authenticated. */
export type DirectoryIdentity = { kind: 'device'; account: string } | { kind: 'phonebook-user'; name: string };

/** A DN in compare form: lowercase, no blanks around , and =. */
export function dnKey(dn: string): string {
  return dn
    .split(',')
    .map((rdn) => rdn.trim().replace(/\s*=\s*/, '='))
    .join(',')
    .toLowerCase();
}

/** "Mario Rossi" → given name Mario, surname Rossi; one word is the surname. */
function splitName(name: string): { givenName?: string; sn: string } {
  const words = name.trim().split(/\s+/);
  if (words.length < 2) return { sn: name.trim() };
  return { givenName: words.slice(0, -1).join(' '), sn: words[words.length - 1]! };
}

function secretEquals(a: string, b: string): boolean {
  // Hashes have the same length whatever the inputs: no length leak, constant-time compare.
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** Attributes of the entries and their meaning (docs/directory.md lists the same). */
export const ENTRY_ATTRIBUTES = ['objectClass', 'uid', 'cn', 'sn', 'givenName', 'displayName', 'o', 'telephoneNumber', 'ipPhone', 'mobile', 'homePhone', 'facsimileTelephoneNumber', 'mail'] as const;

function container(dn: string, ou: string | undefined, parent: string): DirectoryEntry {
  const attributes: Record<string, string[]> = ou ? { objectClass: ['top', 'organizationalUnit'], ou: [ou] } : { objectClass: ['top', 'domain'], dc: ['pbx'] };
  return { dn, key: dnKey(dn), parent, attributes, match: matchForm(attributes) };
}

/** `alsoMatch`: more values searches find the entry by (the numbers as stored, without the outside prefix). */
function leaf(dn: string, parent: string, attributes: Record<string, string[]>, alsoMatch: Record<string, string[]> = {}): DirectoryEntry {
  // Empty values are not LDAP values: leave the attribute out.
  const clean: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(attributes)) if (v.length && v.every((x) => x !== '')) clean[k] = v;
  const match = matchForm(clean);
  for (const [k, values] of matchForm(alsoMatch)) match.set(k, [...new Set([...(match.get(k) ?? []), ...values])]);
  return { dn, key: dnKey(dn), parent: dnKey(parent), attributes: clean, match };
}

/** Builds the published entries: extensions (unless hidden) and shared contacts. */
export function phonebookEntries(config: PbxConfig): DirectoryEntry[] {
  const settings = config.directory;
  const out: DirectoryEntry[] = [];
  if (settings.publishExtensions) {
    const hidden = new Set(settings.hiddenExtensions);
    for (const e of config.extensions) {
      if (hidden.has(e.number)) continue;
      const { givenName, sn } = splitName(e.name);
      out.push(
        leaf(`uid=${e.number},${EXTENSIONS_DN}`, EXTENSIONS_DN, {
          objectClass: PERSON_CLASSES,
          uid: [e.number],
          cn: [e.name],
          sn: [sn],
          givenName: givenName ? [givenName] : [],
          displayName: [e.name],
          o: [config.system.name],
          telephoneNumber: [e.number],
          ipPhone: [e.number],
          mail: e.email ? [e.email] : [],
        }),
      );
    }
  }
  // Outside numbers as the phones must dial them; an international number (+...) stays as it is.
  const dial = (n: string) => (n.startsWith('+') ? n : settings.outsidePrefix + n);
  for (const c of config.phonebook) {
    const stored = (type: string) => c.numbers.filter((n) => n.type === type).map((n) => n.number);
    const of = (type: string) => stored(type).map(dial);
    const work = [...of('work'), ...of('other')];
    const home = of('home');
    const mobile = of('mobile');
    // Phones show telephoneNumber and mobile: a contact with only a home number shows that one.
    const telephoneNumber = work.length || mobile.length ? work : home;
    const { givenName, sn } = splitName(c.name);
    out.push(
      leaf(`uid=${c.id},${CONTACTS_DN}`, CONTACTS_DN, {
        objectClass: PERSON_CLASSES,
        uid: [c.id],
        cn: [c.name],
        sn: [sn],
        givenName: givenName ? [givenName] : [],
        displayName: [c.company ? `${c.name} (${c.company})` : c.name],
        o: c.company ? [c.company] : [],
        telephoneNumber,
        mobile,
        homePhone: home,
        facsimileTelephoneNumber: of('fax'),
        mail: c.email ? [c.email] : [],
      }, settings.outsidePrefix ? { telephoneNumber: [...stored('work'), ...stored('other'), ...stored('home')], mobile: stored('mobile') } : {}),
    );
  }
  return out;
}

// Text attributes with a sorted index (equality and "starts with" are binary searches).
const INDEXED = ['cn', 'sn', 'givenname', 'displayname', 'o', 'uid', 'mail'];
const SUFFIX = 6;

/** The tree of one configuration revision, ready to search. */
export class PhonebookTree {
  readonly revision: number;
  readonly settings: DirectorySettings;
  /** dc=pbx, ou=phonebook, ou=extensions, ou=contacts. */
  private readonly containers: DirectoryEntry[];
  /** Leaves sorted by cn (folded): searches answer in this order. */
  readonly leaves: DirectoryEntry[];
  private readonly byKey = new Map<string, DirectoryEntry>();
  private readonly sorted = new Map<string, { value: string; index: number }[]>();
  private readonly numberExact = new Map<string, number[]>();
  private readonly numberSuffix = new Map<string, number[]>();
  private readonly devices: Map<string, string>;

  constructor(config: PbxConfig, revision: number) {
    this.revision = revision;
    this.settings = config.directory;
    this.containers = [
      container(ROOT_DN, undefined, ''),
      container(PHONEBOOK_BASE_DN, 'phonebook', dnKey(ROOT_DN)),
      container(EXTENSIONS_DN, 'extensions', dnKey(PHONEBOOK_BASE_DN)),
      container(CONTACTS_DN, 'contacts', dnKey(PHONEBOOK_BASE_DN)),
    ];
    const folded = (e: DirectoryEntry) => e.match.get('cn')?.[0] ?? '';
    this.leaves = phonebookEntries(config).sort((a, b) => (folded(a) < folded(b) ? -1 : folded(a) > folded(b) ? 1 : a.key < b.key ? -1 : 1));
    for (const e of [...this.containers, ...this.leaves]) this.byKey.set(e.key, e);
    for (const name of INDEXED) this.sorted.set(name, []);
    this.leaves.forEach((e, index) => {
      for (const name of INDEXED) for (const value of e.match.get(name) ?? []) this.sorted.get(name)!.push({ value, index });
      for (const [name, values] of e.match) {
        if (!NUMBER_ATTRIBUTES.has(name)) continue;
        for (const d of values) {
          if (!d) continue;
          push(this.numberExact, d, index);
          if (d.length >= SUFFIX) push(this.numberSuffix, d.slice(-SUFFIX), index);
        }
      }
    });
    for (const list of this.sorted.values()) list.sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : a.index - b.index));
    this.devices = new Map(config.extensions.flatMap((e) => e.devices.map((d) => [d.username, d.password] as const)));
  }

  get size(): number {
    return this.leaves.length;
  }

  /**
   * Who this simple bind is, or undefined for wrong credentials. Phones bind as
   * uid=<SIP account>,ou=devices,dc=pbx with the account's SIP password; other clients as
   * cn=<bindName>,ou=users,dc=pbx with the phonebook user's password (when one is set).
   */
  authenticate(dn: string, password: string): DirectoryIdentity | undefined {
    if (password === '') return undefined;
    const device = /^uid=([^,=]+),ou=devices,dc=pbx$/i.exec(dn.split(',').map((p) => p.trim().replace(/\s*=\s*/, '=')).join(','));
    if (device) {
      const stored = this.devices.get(device[1]!);
      return stored !== undefined && secretEquals(stored, password) ? { kind: 'device', account: device[1]! } : undefined;
    }
    const s = this.settings;
    if (s.bindPassword !== undefined && dnKey(dn) === `cn=${s.bindName.toLowerCase()},ou=users,dc=pbx` && secretEquals(s.bindPassword, password)) return { kind: 'phonebook-user', name: s.bindName };
    return undefined;
  }

  /** undefined: the base does not exist (noSuchObject). */
  search(base: string, scope: SearchScope, filter: LdapFilter, limit: number): SearchOutcome | undefined {
    const baseKey = dnKey(base);
    if (!this.byKey.has(baseKey)) return undefined;
    const inScope = (e: DirectoryEntry) =>
      scope === 'base' ? e.key === baseKey : scope === 'one' ? e.parent === baseKey : e.key === baseKey || e.key.endsWith(`,${baseKey}`);
    const out: DirectoryEntry[] = [];
    const take = (e: DirectoryEntry): boolean => {
      if (!inScope(e) || !matches(filter, e.match)) return true;
      if (out.length >= limit) return false;
      out.push(e);
      return true;
    };
    for (const e of this.containers) if (!take(e)) return { entries: out, sizeLimitExceeded: true };
    const candidates = this.candidates(filter);
    if (candidates === 'all') {
      for (const e of this.leaves) if (!take(e)) return { entries: out, sizeLimitExceeded: true };
    } else {
      for (const i of [...candidates].sort((a, b) => a - b)) if (!take(this.leaves[i]!)) return { entries: out, sizeLimitExceeded: true };
    }
    return { entries: out, sizeLimitExceeded: false };
  }

  /**
   * Leaves that may match (a superset; the matcher decides), from the index where the filter
   * allows it: equality and "starts with" on indexed text attributes, equality on numbers, and
   * their and/or combinations. 'all': a full scan.
   */
  private candidates(filter: LdapFilter): Set<number> | 'all' {
    switch (filter.kind) {
      case 'or': {
        const union = new Set<number>();
        for (const f of filter.filters) {
          const c = this.candidates(f);
          if (c === 'all') return 'all';
          for (const i of c) union.add(i);
        }
        return union;
      }
      case 'and': {
        let best: Set<number> | undefined;
        for (const f of filter.filters) {
          const c = this.candidates(f);
          if (c !== 'all' && (!best || c.size < best.size)) best = c;
        }
        return best ?? 'all';
      }
      case 'eq':
      case 'approx':
      case 'substr': {
        const name = filter.attribute.toLowerCase();
        if (NUMBER_ATTRIBUTES.has(name)) {
          if (filter.kind === 'substr') return 'all';
          const d = numberDigits(filter.value);
          if (!d) return new Set();
          return new Set(d.length >= SUFFIX ? (this.numberSuffix.get(d.slice(-SUFFIX)) ?? []) : (this.numberExact.get(d) ?? []));
        }
        const list = this.sorted.get(name);
        if (!list) return isKnown(name) ? 'all' : new Set();
        if (filter.kind === 'substr') {
          if (!filter.initial) return 'all';
          return prefixRange(list, foldText(filter.initial));
        }
        const asked = foldText(filter.value);
        const hits = prefixRange(list, asked);
        return new Set([...hits].filter((i) => this.leaves[i]!.match.get(name)?.includes(asked)));
      }
      default:
        return 'all';
    }
  }
}

/** Attribute names some leaf may carry (others match nothing: an empty candidate set). */
function isKnown(name: string): boolean {
  return ENTRY_ATTRIBUTES.some((a) => a.toLowerCase() === name) || name === 'ou' || name === 'dc';
}

function push(map: Map<string, number[]>, key: string, index: number): void {
  const list = map.get(key);
  if (list) list.push(index);
  else map.set(key, [index]);
}

/** Indexes of the sorted values that start with `prefix` (binary search for the first). */
function prefixRange(list: readonly { value: string; index: number }[], prefix: string): Set<number> {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.value < prefix) lo = mid + 1;
    else hi = mid;
  }
  const out = new Set<number>();
  for (let i = lo; i < list.length && list[i]!.value.startsWith(prefix); i++) out.add(list[i]!.index);
  return out;
}
