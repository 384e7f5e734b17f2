import { describe, expect, it } from 'vitest';
import { isAuthError } from '../../src/vocabulary/AuthError.js';
import { createMemoryStorage } from '../../src/storage/createMemoryStorage.js';
import { createInProcessLock } from '../../src/storage/inProcessLock.js';
import { itSharesSessionsBetweenApps } from './sharingContract.js';

describe('createMemoryStorage', () => {
  it('keeps, returns and removes values by key', async () => {
    const storage = createMemoryStorage();
    expect(await storage.getItem('k')).toBeNull();
    await storage.setItem('k', 'v');
    expect(await storage.getItem('k')).toBe('v');
    await storage.removeItem('k');
    await storage.removeItem('k');
    expect(await storage.getItem('k')).toBeNull();
  });

  it('shares nothing between two stores', async () => {
    const one = createMemoryStorage();
    await one.setItem('k', 'v');
    expect(await createMemoryStorage().getItem('k')).toBeNull();
  });

  describe('between two apps over one instance', () => {
    itSharesSessionsBetweenApps(async () => {
      const storage = createMemoryStorage();
      return [storage, storage];
    });
  });
});

describe('createMemoryStorage.withLock', () => {
  const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

  it('lets one holder of a name in at a time, so no read-increment-write is lost', async () => {
    const storage = createMemoryStorage();
    const increment = async () => {
      const value = Number((await storage.getItem('n')) ?? '0');
      await pause(1);
      await storage.setItem('n', String(value + 1));
    };
    await Promise.all(Array.from({ length: 20 }, () => storage.withLock?.('n', increment)));
    expect(await storage.getItem('n')).toBe('20');
  });

  it('runs holders of different names side by side, and releases a lock whose work threw', async () => {
    const storage = createMemoryStorage();
    let release!: () => void;
    const held = storage.withLock?.('a', () => new Promise<void>((resolve) => (release = resolve)));
    expect(await storage.withLock?.('b', async () => 'b')).toBe('b');
    release();
    await held;
    const failure = new Error('work failed');
    await expect(storage.withLock?.('a', () => Promise.reject(failure))).rejects.toBe(failure);
    expect(await storage.withLock?.('a', async () => 'again')).toBe('again');
  });
});

describe('createInProcessLock', () => {
  it('serves waiters in order', async () => {
    const lock = createInProcessLock();
    const order: number[] = [];
    await Promise.all(
      [1, 2, 3].map((n) =>
        lock('k', async () => {
          order.push(n);
          await new Promise((resolve) => setTimeout(resolve, 2));
        }),
      ),
    );
    expect(order).toEqual([1, 2, 3]);
  });

  it('gives up on a lock held past the timeout with a StorageError, and the lock still works after', async () => {
    const lock = createInProcessLock();
    let release!: () => void;
    const held = lock('k', () => new Promise<void>((resolve) => (release = resolve)));
    const error = await lock('k', async () => 'never', 50).catch((e: unknown) => e);
    expect(isAuthError(error, 'StorageError')).toBe(true);
    const after = lock('k', async () => 'after', 5_000);
    release();
    await held;
    expect(await after).toBe('after');
    // Once every holder is done, the next one does not wait for anything.
    expect(await lock('k', async () => 'free', 1)).toBe('free');
  });
});
