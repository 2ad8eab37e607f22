import { useEffect, useState } from 'react';

/** Whole seconds since `active` became true, ticking while it stays true; 0 otherwise. */
export function useElapsedSeconds(active: boolean): number {
  const [seconds, setSeconds] = useState(0);
  if (!active && seconds !== 0) setSeconds(0);
  useEffect(() => {
    if (!active) return;
    const start = Date.now();
    const timer = setInterval(() => setSeconds(Math.floor((Date.now() - start) / 1000)), 250);
    return () => clearInterval(timer);
  }, [active]);
  return active ? seconds : 0;
}
