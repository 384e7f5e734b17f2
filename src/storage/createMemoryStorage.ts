import type { SecureStorage } from './SecureStorage.js';

/**
 * A {@link SecureStorage} kept in memory, gone when the process ends: for tests, servers and the
 * default of `createAuth`. Stores made by separate calls share nothing; pass one instance to
 * several apps to let them share a group.
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
  });
}
