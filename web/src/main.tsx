import { render } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { clientFor, must } from './api';
import { ErrorNote } from './components/common';
import { LiveFeed, type LiveState } from './live';
import type { Me } from './permissions';
import { Pages } from './pages';
import { Link, useLocation } from './router';
import { forgetKey, storedKey, storeKey } from './session';
import { SessionContext, type Session } from './session-context';
import './styles.css';

function SignIn({ onKey, error }: { onKey(key: string): void; error?: unknown }) {
  const [key, setKey] = useState('');
  return (
    <main class="sign-in">
      <h1>Attune</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (key.trim()) onKey(key.trim());
        }}
      >
        <label for="key">API key</label>
        <input
          id="key"
          name="key"
          type="password"
          autoComplete="off"
          autoFocus
          placeholder="atn_…"
          value={key}
          onInput={(e) => setKey(e.currentTarget.value)}
        />
        <button type="submit">Sign in</button>
        <p class="muted">
          The key is kept in this tab only (sessionStorage) and sent as a bearer token.
        </p>
        <ErrorNote error={error} />
      </form>
    </main>
  );
}

const NAV: Array<{ href: string; label: string; permission?: string }> = [
  { href: '/', label: 'Overview' },
  { href: '/executions', label: 'Executions', permission: 'executions:read' },
  { href: '/definitions/actions', label: 'Definitions' },
  { href: '/inquiries', label: 'Inquiries', permission: 'inquiries:read' },
  { href: '/dead-letters', label: 'Dead letters', permission: 'dlq:read' },
  { href: '/workers', label: 'Workers', permission: 'workers:read' },
  { href: '/keys', label: 'Keys', permission: 'keys:read' },
  { href: '/audit', label: 'Audit', permission: 'audit:read' },
];

function Shell({ session, live }: { session: Session; live: LiveState }) {
  const path = useLocation();
  const pathname = path.split('?')[0];
  // A new page takes the keyboard focus to its content, as a page load would.
  const firstPage = useRef(true);
  useEffect(() => {
    if (firstPage.current) {
      firstPage.current = false;
      return;
    }
    document.getElementById('main')?.focus();
  }, [pathname]);
  const current = (href: string) =>
    href === '/'
      ? pathname === '/'
      : pathname === href || pathname.startsWith(`${href.replace(/\/actions$/, '')}/`);
  const { me } = session;
  const held = new Set(me.permissions.map((p) => p.permission));
  return (
    <SessionContext.Provider value={session}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <strong class="brand">Attune</strong>
        <nav aria-label="Pages">
          {NAV.filter((n) => !n.permission || held.has(n.permission)).map((n) => (
            <Link key={n.href} href={n.href} aria-current={current(n.href) ? 'page' : undefined}>
              {n.label}
            </Link>
          ))}
        </nav>
        <span class={`live live-${live}`} data-live={live} title="Live updates">
          {live === 'live' ? '● live' : live === 'connecting' ? '○ connecting' : '○ reconnecting'}
        </span>
        <span class="who" data-role={me.role}>
          {me.key} ({me.role})
        </span>
        <button type="button" class="link" onClick={session.signOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <Pages path={path} />
      </main>
    </SessionContext.Provider>
  );
}

function App() {
  const [key, setKey] = useState(storedKey());
  const [me, setMe] = useState<Me>();
  const [error, setError] = useState<unknown>();
  const [live, setLive] = useState<LiveState>('connecting');
  const signOut = () => {
    forgetKey();
    setKey(null);
    setMe(undefined);
  };
  const api = useMemo(() => (key ? clientFor(key, signOut) : undefined), [key]);
  const feed = useMemo(() => (api ? new LiveFeed(api) : undefined), [api]);

  useEffect(() => {
    if (!api) return;
    must(api.GET('/api/v1/me')).then(
      (who) => {
        storeKey(key!);
        setError(undefined);
        setMe(who);
      },
      (failure: unknown) => {
        forgetKey();
        setKey(null);
        setError(failure);
      },
    );
  }, [api]);

  useEffect(() => {
    if (!feed || !me) return;
    const off = feed.onState(setLive);
    feed.start();
    return () => {
      off();
      feed.stop();
    };
  }, [feed, me]);

  if (!api || !me || !feed) {
    return key && !error ? (
      <p class="muted">Signing in…</p>
    ) : (
      <SignIn onKey={setKey} error={error} />
    );
  }
  return <Shell session={{ api, me, live: feed, signOut }} live={live} />;
}

render(<App />, document.getElementById('app')!);
