import type { SecureStorage } from './SecureStorage.js';
import { storageError } from './storageError.js';

/**
 * The calls the session store makes on a {@link SecureStorage}, with every backend failure
 * turned into a `StorageError` that carries the failure as its `cause`. Values are never put
 * into messages.
 */
export class StoredItems {
  constructor(private readonly storage: SecureStorage) {}

  async get(key: string): Promise<string | null> {
    let value: unknown;
    try {
      value = await this.storage.getItem(key);
    } catch (error) {
      throw storageError('Could not read from the secure storage.', error);
    }
    if (value === null || value === undefined) return null;
    if (typeof value !== 'string') throw storageError('The secure storage returned a value that is not text.');
    return value;
  }

  async set(key: string, value: string, action = 'write to the secure storage'): Promise<void> {
    try {
      await this.storage.setItem(key, value);
    } catch (error) {
      throw storageError(`Could not ${action}.`, error);
    }
  }

  async remove(key: string, action = 'remove an item from the secure storage'): Promise<void> {
    try {
      await this.storage.removeItem(key);
    } catch (error) {
      throw storageError(`Could not ${action}.`, error);
    }
  }

  /**
   * Keeps unreadable bytes aside under `asideKey`, then removes them from `key`, so they are
   * never read again as a record but are still there to inspect. The copy comes first: a stop in
   * between leaves the bytes in both places, and the next read quarantines them again.
   */
  async quarantine(key: string, asideKey: string, text: string): Promise<void> {
    await this.set(asideKey, text, 'keep an unreadable record aside');
    await this.remove(key, 'remove an unreadable record');
  }
}
