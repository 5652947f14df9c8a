// Who is logged in and what they may do. The GUI hides and disables what the role cannot do;
// the API enforces it anyway, so this is convenience, never protection.
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { api, ApiError, onAuthProblem } from './api.ts';
import { resetCollections } from './collections.ts';
import { closeEvents } from './events.ts';

export type Level = 'none' | 'read' | 'write';
export interface Me {
  kind: 'user' | 'token';
  name: string;
  permissions: Record<string, Level | undefined>;
  mustChangePassword: boolean;
  user?: { username: string; role: string; fullName?: string; language?: string; extension?: string };
}

interface Session {
  me: Me | null;
  /** true until the first /auth/me answered. */
  loading: boolean;
  refresh(): Promise<Me | null>;
  logout(): Promise<void>;
  can(section: string, level?: 'read' | 'write'): boolean;
}

const Ctx = createContext<Session>({ me: null, loading: true, refresh: async () => null, logout: async () => {}, can: () => false });

export function allows(me: Me | null, section: string, level: 'read' | 'write' = 'read'): boolean {
  if (!me || me.mustChangePassword) return false;
  const l = me.permissions[section] ?? 'none';
  return level === 'read' ? l === 'read' || l === 'write' : l === 'write';
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null>(null);
  const [loading, setLoading] = useState(true);
  // What one user saw must not serve the next one in this tab: per-user caches and the stream go.
  const signedOut = useCallback(() => {
    resetCollections();
    closeEvents();
    setMe(null);
  }, []);
  const refresh = useCallback(async () => {
    try {
      const m = await api.get<Me>('/auth/me');
      setMe(m);
      return m;
    } catch (err) {
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
        signedOut();
        return null;
      }
      throw err;
    } finally {
      setLoading(false);
    }
  }, []);
  const logout = useCallback(async () => {
    try {
      await api.post('/auth/logout');
    } finally {
      signedOut();
    }
  }, []);
  useEffect(() => {
    void refresh().catch(() => setLoading(false));
    return onAuthProblem((status) => {
      if (status === 401) signedOut();
      else void refresh();
    });
  }, [refresh, signedOut]);
  const can = useCallback((section: string, level: 'read' | 'write' = 'read') => allows(me, section, level), [me]);
  return <Ctx.Provider value={{ me, loading, refresh, logout, can }}>{children}</Ctx.Provider>;
}

export const useSession = () => useContext(Ctx);
