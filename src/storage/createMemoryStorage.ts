import type { SecureStorage } from './SecureStorage.js';

/** A {@link SecureStorage} kept in memory: for tests, servers and the default of `createAuth`. */
export function createMemoryStorage(): SecureStorage {
  const items = new Map<string, string>();
  return {
    async getItem(key) {
      return items.get(key) ?? null;
    },
    async setItem(key, value) {
      items.set(key, value);
    },
    async removeItem(key) {
      items.delete(key);
    },
  };
}
