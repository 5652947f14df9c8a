// Every language is complete: the same keys as English, with the same {placeholders}, across
// all locale files (en.json, en.<area>.json, ...). A new language file must pass this too.
import { describe, expect, it } from 'vitest';
import { DICTS, LANGUAGES, translator } from '../src/lib/i18n.tsx';

type Dict = { [k: string]: string | Dict };
function flatten(d: Dict, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(d)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else for (const [kk, vv] of flatten(v, key)) out.set(kk, vv);
  }
  return out;
}
const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('translations', () => {
  const en = flatten(DICTS.en as Dict);
  it('has English and Italian', () => {
    expect(LANGUAGES).toEqual(expect.arrayContaining(['en', 'it']));
    expect(en.size).toBeGreaterThan(100);
  });
  for (const lang of LANGUAGES.filter((l) => l !== 'en')) {
    it(`${lang} has every English key with the same placeholders, and nothing extra`, () => {
      const other = flatten(DICTS[lang] as Dict);
      const missing = [...en.keys()].filter((k) => !other.has(k));
      const extra = [...other.keys()].filter((k) => !en.has(k));
      expect(missing).toEqual([]);
      expect(extra).toEqual([]);
      const wrong = [...en.entries()].filter(([k, v]) => other.has(k) && placeholders(v).join() !== placeholders(other.get(k)!).join()).map(([k]) => k);
      expect(wrong).toEqual([]);
    });
  }
  it('fills placeholders and falls back to English, then to the key', () => {
    const t = translator('it');
    expect(t('list.page', { n: 2, of: 5 })).toBe('Pagina 2 di 5');
    expect(t('no.such.key')).toBe('no.such.key');
  });
});
