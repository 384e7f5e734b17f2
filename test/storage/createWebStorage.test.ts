import { afterEach, describe, expect, it, vi } from 'vitest';
import { isAuthError } from '../../src/AuthError.js';
import { createWebStorage, type WebStorageLike } from '../../src/storage/createWebStorage.js';
import { itSharesSessionsBetweenApps } from './sharingContract.js';

/** A Storage of the Web Storage API, kept in a Map, with an optional size limit like a browser's. */
function fakeWebStorage(limit = Infinity): WebStorageLike & { readonly items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => {
      const size = [...items].reduce((sum, [k, v]) => sum + k.length + v.length, 0) + key.length + value.length;
      if (size > limit) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      items.set(key, String(value));
    },
    removeItem: (key) => {
      items.delete(key);
    },
  };
}

function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('createWebStorage', () => {
  it('keeps, returns and removes values in the given Storage', async () => {
    const web = fakeWebStorage();
    const storage = createWebStorage(web);
    expect(await storage.getItem('k')).toBeNull();
    await storage.setItem('k', 'v');
    expect(web.items.get('k')).toBe('v');
    expect(await storage.getItem('k')).toBe('v');
    await storage.removeItem('k');
    expect(web.items.size).toBe(0);
  });

  it('uses localStorage by default', async () => {
    const web = fakeWebStorage();
    vi.stubGlobal('localStorage', web);
    await createWebStorage().setItem('k', 'v');
    expect(web.items.get('k')).toBe('v');
  });

  it('throws ValidationError when no Storage is available', () => {
    vi.stubGlobal('localStorage', undefined);
    expect(isAuthError(thrownBy(() => createWebStorage()), 'ValidationError')).toBe(true);
    expect(isAuthError(thrownBy(() => createWebStorage(null as never)), 'ValidationError')).toBe(true);
    expect(isAuthError(thrownBy(() => createWebStorage({} as never)), 'ValidationError')).toBe(true);
  });

  it('throws ValidationError when reading localStorage is refused', () => {
    vi.stubGlobal('localStorage', undefined);
    Object.defineProperty(globalThis, 'localStorage', {
      configurable: true,
      get() {
        throw new DOMException('Access is denied for this document.', 'SecurityError');
      },
    });
    try {
      expect(isAuthError(thrownBy(() => createWebStorage()), 'ValidationError')).toBe(true);
    } finally {
      delete (globalThis as { localStorage?: unknown }).localStorage;
    }
  });

  it('rejects with a StorageError, keeping the old value, when the Storage is full', async () => {
    const web = fakeWebStorage(100);
    const storage = createWebStorage(web);
    await storage.setItem('k', 'small');
    const error = await storage.setItem('k', 'x'.repeat(200)).catch((e: unknown) => e);
    expect(isAuthError(error, 'StorageError')).toBe(true);
    expect((error as Error).cause).toBeInstanceOf(DOMException);
    expect(await storage.getItem('k')).toBe('small');
  });

  describe('between two apps of one origin', () => {
    itSharesSessionsBetweenApps(async () => {
      const web = fakeWebStorage();
      return [createWebStorage(web), createWebStorage(web)];
    });
  });
});
