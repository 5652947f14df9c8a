// The frame of every page: header (box name, apply status, language, account) and the menu of
// the pages the role can see. On narrow screens (tablets) the menu folds behind a button.
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { api } from '../lib/api.ts';
import { closeEvents, useEvent } from '../lib/events.ts';
import { LANGUAGES, useI18n } from '../lib/i18n.tsx';
import { Link, navigate, useLocation } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';
import { PAGES, type RouteInfo } from '../routes.ts';
import { ApplyIndicator } from './ApplyIndicator.tsx';

const GROUPS: NonNullable<RouteInfo['group']>[] = ['overview', 'pbx', 'callHandling', 'services', 'integration', 'system'];

export function Layout({ children }: { children: ReactNode }) {
  const { t, lang, setLang } = useI18n();
  const { me, can, logout, refresh } = useSession();
  // The event stream failing may mean the session ended (expired, logged out elsewhere): ask,
  // at most every 10 s; a 401 takes the user to the sign-in page.
  const lastCheck = useRef(0);
  useEvent(['error'], () => {
    if (Date.now() - lastCheck.current < 10_000) return;
    lastCheck.current = Date.now();
    void refresh().catch(() => undefined);
  });
  const { path } = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const [boxName, setBoxName] = useState('PBX');
  useEffect(() => setMenuOpen(false), [path]);
  useEffect(() => {
    if (!can('system', 'read')) return;
    api.get<{ name: string }>('/system').then((s) => setBoxName(s.name), () => {});
  }, [can]);
  useEffect(() => {
    const l = me?.user?.language;
    if (l && !localStorage.getItem('pbx.lang')) setLang(l);
  }, [me, setLang]);
  const ownExtension = !!me?.user?.extension;
  const visible = PAGES.filter((p) => p.group && (!p.section || can(p.section, p.level ?? 'read')) && (!p.extension || ownExtension));
  const active = (p: RouteInfo) => (p.pattern === '/' ? path === '/' : path === p.pattern || path.startsWith(p.pattern + '/'));
  return (
    <div className="app">
      <a className="skip" href="#main">
        {t('common.skipToContent')}
      </a>
      <header className="topbar">
        <button type="button" className="menu-toggle" aria-expanded={menuOpen} aria-controls="nav" onClick={() => setMenuOpen((o) => !o)}>
          {t('common.menu')}
        </button>
        <Link to="/" className="brand">
          {boxName}
        </Link>
        <div className="spacer" />
        {can('system', 'read') ? <ApplyIndicator /> : null}
        <label className="lang">
          <span className="sr-only">{t('common.language')}</span>
          <select value={lang} onChange={(e) => setLang(e.target.value)}>
            {LANGUAGES.map((l) => (
              <option key={l} value={l}>
                {t(`languages.${l}`)}
              </option>
            ))}
          </select>
        </label>
        <span className="who" title={me?.user?.role}>
          {me?.user?.fullName ?? me?.name}
        </span>
        <Link to="/account/password" className="button">
          {t('nav.password')}
        </Link>
        <button
          type="button"
          onClick={() =>
            void logout().finally(() => {
              closeEvents();
              navigate('/', { replace: true });
            })
          }
        >
          {t('nav.logout')}
        </button>
      </header>
      <div className="body">
        <nav id="nav" className={menuOpen ? 'open' : ''} aria-label={t('nav.main')}>
          {GROUPS.map((g) => {
            const items = visible.filter((p) => p.group === g);
            if (!items.length) return null;
            return (
              <div key={g} className="nav-group">
                <h2>{t(`nav.group.${g}`)}</h2>
                <ul>
                  {items.map((p) => (
                    <li key={p.pattern}>
                      <Link to={p.pattern} aria-current={active(p) ? 'page' : undefined}>
                        {t(p.label ?? `nav.${p.id}`)}
                      </Link>
                    </li>
                  ))}
                </ul>
              </div>
            );
          })}
        </nav>
        <main id="main" tabIndex={-1}>
          {children}
        </main>
      </div>
    </div>
  );
}
