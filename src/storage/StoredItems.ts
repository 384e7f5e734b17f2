import { AuthError } from '../vocabulary/AuthError.js';
import { createInProcessLock, type InProcessLock } from './inProcessLock.js';
import type { SecureStorage } from '../vocabulary/SecureStorage.js';
import { storageError } from './storageError.js';

/** How long one storage call (or the wait for a storage lock) may take by default. */
export const DEFAULT_STORAGE_TIMEOUT_MS = 30_000;

/** The lock of a backend without `withLock`: one per storage object, so stores over it share it. */
const fallbackLocks = new WeakMap<SecureStorage, InProcessLock>();

function fallbackLock(storage: SecureStorage): InProcessLock {
  let lock = fallbackLocks.get(storage);
  if (!lock) fallbackLocks.set(storage, (lock = createInProcessLock()));
  return lock;
}

function seconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
}

/**
 * The calls the session store makes on a {@link SecureStorage}, with every backend failure
 * turned into a `StorageError` that carries the failure as its `cause`, and every call bounded
 * in time: a backend that never answers fails the call instead of hanging it. Values are never
 * put into messages.
 */
export class StoredItems {
  constructor(
    private readonly storage: SecureStorage,
    private readonly timeoutMs = DEFAULT_STORAGE_TIMEOUT_MS,
  ) {}

  /** Runs one backend call, failing with `StorageError` if it throws or outlives the timeout. */
  #bounded<T>(action: string, call: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(storageError(`The secure storage did not answer within ${seconds(this.timeoutMs)} (${action}).`)),
        this.timeoutMs,
      );
      let pending: Promise<T>;
      try {
        pending = Promise.resolve(call());
      } catch (error) {
        pending = Promise.reject(error);
      }
      pending.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(storageError(`Could not ${action}.`, error));
        },
      );
    });
  }

  async get(key: string): Promise<string | null> {
    const value: unknown = await this.#bounded('read from the secure storage', () => this.storage.getItem(key));
    if (value === null || value === undefined) return null;
    if (typeof value !== 'string') throw storageError('The secure storage returned a value that is not text.');
    return value;
  }

  set(key: string, value: string, action = 'write to the secure storage'): Promise<void> {
    return this.#bounded(action, () => this.storage.setItem(key, value));
  }

  remove(key: string, action = 'remove an item from the secure storage'): Promise<void> {
    return this.#bounded(action, () => this.storage.removeItem(key));
  }

  /**
   * Runs `work` under the exclusive lock `name`: the backend's own (seen by every process using
   * it) or, for a backend without one, a lock inside this process. Waiting for the lock is
   * bounded by the timeout; the work's own storage calls are bounded one by one.
   */
  locked<T>(name: string, work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let gaveUp = false;
      const timer = setTimeout(() => {
        gaveUp = true;
        reject(storageError(`Could not take the storage lock within ${seconds(this.timeoutMs)}.`));
      }, this.timeoutMs);
      const run = async (): Promise<T> => {
        clearTimeout(timer);
        // The lock came after the caller stopped waiting: release it at once, do nothing.
        if (gaveUp) throw storageError('The storage lock came too late; nothing was done.');
        return work();
      };
      let held: Promise<T>;
      try {
        held = this.storage.withLock ? this.storage.withLock(name, run) : fallbackLock(this.storage)(name, run, this.timeoutMs);
      } catch (error) {
        held = Promise.reject(error);
      }
      held.then(resolve, (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof AuthError ? error : storageError('Could not take the storage lock.', error));
      });
    });
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
