// Translations: every file in ../locales named <lang>.json or <lang>.<part>.json adds strings to
// that language, so a new language is one new file. Missing keys fall back to English, then to
// the key itself (visible, so a gap is noticed rather than hidden).
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';

type Dict = { [k: string]: string | Dict };
const files = import.meta.glob<Dict>('../locales/*.json', { eager: true, import: 'default' });

function merge(into: Dict, from: Dict): Dict {
  for (const [k, v] of Object.entries(from)) {
    if (typeof v === 'object' && typeof into[k] === 'object') merge(into[k] as Dict, v);
    else into[k] = typeof v === 'object' ? merge({}, v) : v;
  }
  return into;
}

export const DICTS: Record<string, Dict> = {};
for (const [path, dict] of Object.entries(files)) {
  const lang = path.split('/').pop()!.split('.')[0]!;
  DICTS[lang] = merge(DICTS[lang] ?? {}, dict);
}
export const LANGUAGES = Object.keys(DICTS).sort();

function lookup(dict: Dict | undefined, key: string): string | undefined {
  let cur: string | Dict | undefined = dict;
  for (const part of key.split('.')) {
    if (!cur || typeof cur !== 'object') return undefined;
    cur = cur[part];
  }
  return typeof cur === 'string' ? cur : undefined;
}

export type Translate = (key: string, vars?: Record<string, string | number>) => string;

export function translator(lang: string): Translate {
  return (key, vars) => {
    const s = lookup(DICTS[lang], key) ?? lookup(DICTS.en, key) ?? key;
    return vars ? s.replace(/\{(\w+)\}/g, (m, v: string) => (v in vars ? String(vars[v]) : m)) : s;
  };
}

/** Like translator, but undefined when no language has the key (for optional labels). */
export function has(lang: string, key: string): boolean {
  return lookup(DICTS[lang], key) !== undefined || lookup(DICTS.en, key) !== undefined;
}

function initialLanguage(): string {
  const saved = localStorage.getItem('pbx.lang');
  if (saved && DICTS[saved]) return saved;
  const nav = (navigator.language || 'en').slice(0, 2);
  return DICTS[nav] ? nav : 'en';
}

interface I18n {
  lang: string;
  setLang(lang: string): void;
  t: Translate;
  has(key: string): boolean;
}
const Ctx = createContext<I18n>({ lang: 'en', setLang: () => {}, t: translator('en'), has: (k) => has('en', k) });

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState(initialLanguage);
  const setLang = useCallback((l: string) => {
    if (!DICTS[l]) return;
    localStorage.setItem('pbx.lang', l);
    document.documentElement.lang = l;
    setLangState(l);
  }, []);
  const value = useMemo(() => ({ lang, setLang, t: translator(lang), has: (k: string) => has(lang, k) }), [lang, setLang]);
  document.documentElement.lang = lang;
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export const useI18n = () => useContext(Ctx);
export const useT = () => useContext(Ctx).t;
