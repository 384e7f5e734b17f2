import { createInProcessLock } from './inProcessLock.js';
import type { SecureStorage } from '../vocabulary/SecureStorage.js';

/**
 * A {@link SecureStorage} kept in memory, gone when the process ends: for tests, servers and the
 * default of `createAuth`. Stores made by separate calls share nothing; pass one instance to
 * several apps to let them share a group.
 *
 * Guarantees: each call changes one item whole. `withLock` is a queue per lock name inside this
 * process, which is as far as the store itself reaches; it waits at most 10 seconds, then rejects
 * with a `StorageError`.
 */
export function createMemoryStorage(): SecureStorage {
  const items = new Map<string, string>();
  return Object.freeze({
    async getItem(key: string) {
      return items.get(key) ?? null;
    },
    async setItem(key: string, value: string) {
      items.set(key, value);
    },
    async removeItem(key: string) {
      items.delete(key);
    },
    withLock: createInProcessLock(),
  });
}
