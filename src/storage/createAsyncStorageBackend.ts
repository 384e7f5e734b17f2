import { AuthError } from '../vocabulary/AuthError.js';
import { createInProcessLock, DEFAULT_LOCK_TIMEOUT, type InProcessLock } from './inProcessLock.js';
import type { SecureStorage } from '../vocabulary/SecureStorage.js';
import { storageError } from './storageError.js';

/**
 * The part of `@react-native-async-storage/async-storage` used: pass its default export
 * (`import AsyncStorage from '@react-native-async-storage/async-storage'`), or a store made with
 * its `createAsyncStorage`. This package does not depend on it.
 */
export interface AsyncStorageModule {
  /** The value under `key`, or `null`. */
  getItem(key: string): Promise<string | null>;
  /** Stores `value` under `key`. */
  setItem(key: string, value: string): Promise<void>;
  /** Removes the value under `key`. */
  removeItem(key: string): Promise<void>;
}

/** Options of {@link createAsyncStorageBackend}. */
export interface AsyncStorageBackendOptions {
  /** How long `withLock` waits for a lock held elsewhere in the app, in milliseconds; default 10 000. */
  lockTimeout?: number;
}

// Stores over one AsyncStorage share their lock: one app, one store.
const locksOf = new WeakMap<object, InProcessLock>();

function invalid(message: string): AuthError {
  return new AuthError('ValidationError', { message });
}

/**
 * A {@link SecureStorage} over React Native's AsyncStorage
 * (`@react-native-async-storage/async-storage`). **Not secure**: AsyncStorage is not encrypted,
 * so the session's tokens and AWS credentials lie in the app's data as plain text, readable by
 * anyone who gets a backup or a rooted device. Prefer {@link createExpoSecureStorage}; use this
 * for development, or where the app's data is protected by other means.
 *
 * Guarantees: AsyncStorage writes one item whole and has no size limit that a session reaches.
 * `withLock` holds inside this app's JavaScript (stores over the same AsyncStorage share it),
 * which is as far as the store reaches. It waits at most `lockTimeout` (default 10 seconds),
 * then rejects with a `StorageError`. A failing call rejects with a `StorageError` whose `cause`
 * is AsyncStorage's error. Throws `ValidationError` when `asyncStorage` lacks the three calls.
 */
export function createAsyncStorageBackend(
  asyncStorage: AsyncStorageModule,
  options: AsyncStorageBackendOptions = {},
): SecureStorage {
  if (
    typeof asyncStorage !== 'object' ||
    asyncStorage === null ||
    typeof asyncStorage.getItem !== 'function' ||
    typeof asyncStorage.setItem !== 'function' ||
    typeof asyncStorage.removeItem !== 'function'
  ) {
    throw invalid(
      "createAsyncStorageBackend needs AsyncStorage: import AsyncStorage from '@react-native-async-storage/async-storage', then createAsyncStorageBackend(AsyncStorage).",
    );
  }
  const timeout = options?.lockTimeout ?? DEFAULT_LOCK_TIMEOUT;
  if (typeof timeout !== 'number' || !(timeout > 0)) throw invalid('lockTimeout must be a positive number of milliseconds.');
  const store = asyncStorage;
  let lock = locksOf.get(store);
  if (lock === undefined) locksOf.set(store, (lock = createInProcessLock()));
  const inApp = lock;

  const call = async <T>(action: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw storageError(`Could not ${action} AsyncStorage.`, error);
    }
  };

  return Object.freeze({
    getItem: (key: string) => call('read from', async () => (await store.getItem(key)) ?? null),
    setItem: (key: string, value: string) => call('write to', () => store.setItem(key, value)),
    removeItem: (key: string) => call('remove from', () => store.removeItem(key)),
    withLock: <T>(name: string, work: () => Promise<T>): Promise<T> => inApp(name, work, timeout),
  });
}
