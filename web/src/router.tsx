import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';

// A small history router: the console's pages are plain paths (/executions/<id>), which the
// api role answers with index.html, so links can be shared and reloaded.

const NAVIGATE = 'attune:navigate';

/** `state` is kept with the history entry (the executions list marks pages it paged to). */
export function navigate(to: string, options: { replace?: boolean; state?: unknown } = {}): void {
  if (options.replace) history.replaceState(options.state ?? null, '', to);
  else history.pushState(options.state ?? null, '', to);
  window.dispatchEvent(new Event(NAVIGATE));
}

function here(): string {
  return location.pathname + location.search;
}

/** The current path and query; re-renders on navigation. */
export function useLocation(): string {
  const [path, setPath] = useState(here());
  useEffect(() => {
    const update = () => setPath(here());
    window.addEventListener('popstate', update);
    window.addEventListener(NAVIGATE, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(NAVIGATE, update);
    };
  }, []);
  return path;
}

/** `/executions/:id` against a pathname: the named segments, or null. */
export function match(pattern: string, pathname: string): Record<string, string> | null {
  const want = pattern.split('/').filter(Boolean);
  const got = pathname.split('/').filter(Boolean);
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(':')) params[want[i].slice(1)] = decodeURIComponent(got[i]);
    else if (want[i] !== got[i]) return null;
  }
  return params;
}

type LinkProps = JSX.IntrinsicElements['a'] & { href: string; children: ComponentChildren };

/** An ordinary link (opens in a new tab with a modifier) that navigates in place otherwise. */
export function Link({ href, children, ...rest }: LinkProps) {
  const onClick = (event: MouseEvent) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    navigate(href);
  };
  return (
    <a href={href} onClick={onClick} {...rest}>
      {children}
    </a>
  );
}
