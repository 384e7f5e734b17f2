import { afterEach, describe, expect, it, vi } from 'vitest';
import { isAuthError } from '../../src/vocabulary/AuthError.js';
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

/** A Web Locks `LockManager` of one origin, kept in memory, that records the requests. */
function fakeLockManager() {
  const queues = new Map<string, Array<() => void>>();
  const requests: Array<{ name: string; mode: string; signal: AbortSignal }> = [];
  const release = (name: string) => {
    const next = queues.get(name)?.shift();
    if (next === undefined) queues.delete(name);
    else next();
  };
  return {
    requests,
    request<T>(name: string, options: { mode: string; signal: AbortSignal }, work: () => Promise<T>): Promise<T> {
      requests.push({ name, ...options });
      return new Promise<T>((resolve, reject) => {
        const run = () => {
          options.signal.removeEventListener('abort', abandon);
          work().then(resolve, reject).finally(() => release(name));
        };
        const abandon = () => {
          const waiting = queues.get(name) ?? [];
          waiting.splice(waiting.indexOf(run), 1);
          reject(new DOMException('The lock request was aborted.', 'AbortError'));
        };
        const waiting = queues.get(name);
        if (waiting === undefined) {
          queues.set(name, []);
          run();
          return;
        }
        options.signal.addEventListener('abort', abandon);
        waiting.push(run);
      });
    },
  };
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs 20 read-increment-write cycles under the lock over two stores; gives the count. */
async function count(one: ReturnType<typeof createWebStorage>, two: ReturnType<typeof createWebStorage>): Promise<string | null> {
  await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      (i % 2 === 0 ? one : two).withLock?.('n', async () => {
        const value = Number((await one.getItem('n')) ?? '0');
        await pause(1);
        await two.setItem('n', String(value + 1));
      }),
    ),
  );
  return one.getItem('n');
}

describe('createWebStorage.withLock', () => {
  it('takes an exclusive Web Lock of the name where the browser has Web Locks', async () => {
    const locks = fakeLockManager();
    vi.stubGlobal('navigator', { locks });
    const web = fakeWebStorage();
    expect(await count(createWebStorage(web), createWebStorage(web))).toBe('20');
    expect(locks.requests).toHaveLength(20);
    expect(locks.requests[0]).toMatchObject({ name: 'n', mode: 'exclusive' });
    expect(locks.requests[0]?.signal).toBeInstanceOf(AbortSignal);
  });

  it('gives up on a Web Lock held past lockTimeout with a StorageError, and passes errors of the work on', async () => {
    vi.stubGlobal('navigator', { locks: fakeLockManager() });
    const web = fakeWebStorage();
    const holder = createWebStorage(web);
    const waiter = createWebStorage(web, { lockTimeout: 50 });
    let release!: () => void;
    const held = holder.withLock?.('n', () => new Promise<void>((resolve) => (release = resolve)));
    const error = await waiter.withLock?.('n', async () => 'never').catch((e: unknown) => e);
    expect(isAuthError(error, 'StorageError')).toBe(true);
    release();
    await held;
    const failure = new Error('work failed');
    await expect(waiter.withLock?.('n', () => Promise.reject(failure))).rejects.toBe(failure);
  });

  it('falls back to a lock that all stores over one Storage share in this page, bounded too', async () => {
    vi.stubGlobal('navigator', undefined);
    const web = fakeWebStorage();
    expect(await count(createWebStorage(web), createWebStorage(web))).toBe('20');
    const holder = createWebStorage(web);
    let release!: () => void;
    const held = holder.withLock?.('n', () => new Promise<void>((resolve) => (release = resolve)));
    const error = await createWebStorage(web, { lockTimeout: 50 })
      .withLock?.('n', async () => 'never')
      .catch((e: unknown) => e);
    expect(isAuthError(error, 'StorageError')).toBe(true);
    release();
    await held;
  });

  it('throws ValidationError for a lockTimeout that is not a positive number', () => {
    expect(isAuthError(thrownBy(() => createWebStorage(fakeWebStorage(), { lockTimeout: -1 })), 'ValidationError')).toBe(true);
  });
});
