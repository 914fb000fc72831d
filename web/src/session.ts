// The key lives in sessionStorage: it survives a reload of this tab, not the tab itself, and it
// never goes into a URL (links, history and server logs stay free of it).
const STORAGE_KEY = 'attune.key';

export function storedKey(): string | null {
  return sessionStorage.getItem(STORAGE_KEY);
}

export function storeKey(key: string): void {
  sessionStorage.setItem(STORAGE_KEY, key);
}

export function forgetKey(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}
