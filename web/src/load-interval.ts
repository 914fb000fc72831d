import { useEffect, useRef } from 'preact/hooks';

/** Calls `fn` every `ms` while the page is visible (for what the live feed does not carry). */
export function useInterval(fn: () => void, ms: number): void {
  const latest = useRef(fn);
  latest.current = fn;
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') latest.current();
    }, ms);
    return () => clearInterval(timer);
  }, [ms]);
}
