import { createInProcessLock, type InProcessLock } from './inProcessLock.js';
import type { SecureStorage } from '../vocabulary/SecureStorage.js';

/**
 * The storage of a `createAuth` instance given none: what `createMemoryStorage()` does, with its
 * calls on the prototype, so that every such instance holds one Map and no closures. The lock
 * is made on the first write.
 */
export class InstanceMemoryStorage implements SecureStorage {
  readonly #items = new Map<string, string>();
  #lock: InProcessLock | undefined;

  async getItem(key: string): Promise<string | null> {
    return this.#items.get(key) ?? null;
  }

  async setItem(key: string, value: string): Promise<void> {
    this.#items.set(key, value);
  }

  async removeItem(key: string): Promise<void> {
    this.#items.delete(key);
  }

  withLock<T>(name: string, work: () => Promise<T>): Promise<T> {
    return (this.#lock ??= createInProcessLock())(name, work);
  }
}
