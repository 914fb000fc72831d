import { createContext } from 'preact';
import { useContext, useEffect, useRef } from 'preact/hooks';
import type { AttuneClient } from './api';
import type { LiveFeed, LiveListener } from './live';
import { can, type Me } from './permissions';

/** What every page gets: the client with the key, who the key is, and the live feed. */
export interface Session {
  api: AttuneClient;
  me: Me;
  live: LiveFeed;
  signOut(): void;
}

export const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session & { can(permission: string, ref?: string): boolean } {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in session');
  return { ...session, can: (permission, ref) => can(session.me, permission, ref) };
}

/** Listens to the live feed while the component is mounted (the latest handlers are called). */
export function useLive(listener: LiveListener): void {
  const { live } = useSession();
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(
    () =>
      live.subscribe({
        notification: (n) => latest.current.notification?.(n),
        resync: () => latest.current.resync?.(),
      }),
    [live],
  );
}
