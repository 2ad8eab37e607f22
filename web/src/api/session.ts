/*
 * The signed-in key lives in this tab's session storage only: closing the tab or signing out
 * forgets it, and other tabs never see it.
 */
const STORAGE_KEY = 'imagerouter.key';

export function loadSessionKey(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function saveSessionKey(key: string): void {
  sessionStorage.setItem(STORAGE_KEY, key);
}

export function clearSessionKey(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}
