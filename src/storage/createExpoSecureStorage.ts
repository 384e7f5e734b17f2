import { AuthError } from '../vocabulary/AuthError.js';
import { createChunkedRecords, utf8Bytes, type ChunkNames } from './chunkedRecords.js';
import { createInProcessLock, DEFAULT_LOCK_TIMEOUT, type InProcessLock } from './inProcessLock.js';
import type { SecureStorage } from '../vocabulary/SecureStorage.js';
import { storageError } from './storageError.js';

/** The options of expo-secure-store that this storage passes on to every call. */
export interface ExpoSecureStoreOptions {
  /** iOS: the keychain service; Android: the name of the store. */
  keychainService?: string;
  /** iOS: when the items can be read (one of the module's constants, e.g. `AFTER_FIRST_UNLOCK`). */
  keychainAccessible?: number;
  /** iOS: the keychain access group the items are kept in, to share them between apps of a team. */
  accessGroup?: string;
}

/**
 * The part of the `expo-secure-store` module used: pass the module itself
 * (`import * as SecureStore from 'expo-secure-store'`). This package does not depend on it.
 */
export interface ExpoSecureStoreModule {
  /** The value under `key`, or `null`. */
  getItemAsync(key: string, options?: ExpoSecureStoreOptions): Promise<string | null>;
  /** Stores `value` under `key`. */
  setItemAsync(key: string, value: string, options?: ExpoSecureStoreOptions): Promise<void>;
  /** Removes the value under `key`. */
  deleteItemAsync(key: string, options?: ExpoSecureStoreOptions): Promise<void>;
}

/** Options of {@link createExpoSecureStorage}. */
export interface ExpoSecureStorageOptions {
  /** Passed on to every call of expo-secure-store. */
  secureStoreOptions?: ExpoSecureStoreOptions;
  /** How long `withLock` waits for a lock held elsewhere in the app, in milliseconds; default 10 000. */
  lockTimeout?: number;
}

/** The most expo-secure-store keeps in one item, in UTF-8 bytes. */
export const EXPO_SECURE_STORE_ITEM_BYTES = 2048;

const KEY_SAFE = /[A-Za-z0-9.-]/;

/**
 * Maps any key to expo-secure-store's key characters (letters, digits, `.`, `-`, `_`), one to
 * one: letters, digits, `.` and `-` stay; every other UTF-16 code unit becomes `_` and two hex
 * digits, or `__` and four for units past U+00FF (so `/` is `_2f`, `_` is `_5f`).
 */
export function expoSecureStoreKey(key: string): string {
  let mapped = '';
  for (let i = 0; i < key.length; i += 1) {
    const char = key.charAt(i);
    const unit = key.charCodeAt(i);
    mapped += KEY_SAFE.test(char)
      ? char
      : unit < 0x100
        ? `_${unit.toString(16).padStart(2, '0')}`
        : `__${unit.toString(16).padStart(4, '0')}`;
  }
  return mapped;
}

// A mapped key never holds `_x` or `_y` (an escape is followed by a hex digit or `_`), so chunk
// and pending names, which start with the mapped key and then one of them, are told apart from
// every key and from each other.
const expoNames: ChunkNames = {
  head: (key) => expoSecureStoreKey(key),
  chunk: (key, generation, index) => `${expoSecureStoreKey(key)}_x${generation}.${index}`,
  pending: (key) => `${expoSecureStoreKey(key)}_y`,
};

// Stores over one module share their locks: one app, one store.
const locksOf = new WeakMap<object, { work: InProcessLock; calls: InProcessLock }>();

function invalid(message: string): AuthError {
  return new AuthError('ValidationError', { message });
}

/**
 * A {@link SecureStorage} over Expo's `expo-secure-store`, for React Native: the iOS Keychain,
 * and on Android values encrypted with a key of the Android Keystore. Pass the module in:
 * `createExpoSecureStorage(SecureStore)`.
 *
 * Keys are mapped one to one onto the characters expo-secure-store allows. A value over its
 * 2,048 bytes is split into chunks: the chunks are written first, then a small head item that
 * names them is switched in one write, then the old chunks are removed, so a crash at any point
 * leaves the old record or the new one whole, and a record is read back whole or not at all (a
 * record that cannot be read whole reads as absent). Needs no `TextEncoder`, `Buffer` or `crypto`.
 *
 * Guarantees: `withLock` holds inside this app's JavaScript (stores over the same module share
 * it), which is as far as the store reaches unless `accessGroup` shares it with other apps; those
 * are not kept apart. It waits at most `lockTimeout` (default 10 seconds), then rejects with a
 * `StorageError`. A failing call of the module rejects with a `StorageError` whose `cause` is the
 * module's error. Throws `ValidationError` when `secureStore` lacks the three calls.
 */
export function createExpoSecureStorage(
  secureStore: ExpoSecureStoreModule,
  options: ExpoSecureStorageOptions = {},
): SecureStorage {
  if (
    (typeof secureStore !== 'object' && typeof secureStore !== 'function') ||
    secureStore === null ||
    typeof secureStore.getItemAsync !== 'function' ||
    typeof secureStore.setItemAsync !== 'function' ||
    typeof secureStore.deleteItemAsync !== 'function'
  ) {
    throw invalid(
      "createExpoSecureStorage needs the expo-secure-store module: import * as SecureStore from 'expo-secure-store', then createExpoSecureStorage(SecureStore).",
    );
  }
  const timeout = options?.lockTimeout ?? DEFAULT_LOCK_TIMEOUT;
  if (typeof timeout !== 'number' || !(timeout > 0)) throw invalid('lockTimeout must be a positive number of milliseconds.');
  const storeOptions = options?.secureStoreOptions;
  const store = secureStore;
  let locks = locksOf.get(store);
  if (locks === undefined) locksOf.set(store, (locks = { work: createInProcessLock(), calls: createInProcessLock() }));
  const { work: workLock, calls } = locks;

  const call = async <T>(action: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw storageError(`Could not ${action} expo-secure-store.`, error, 'Check that the device keychain or keystore is available.');
    }
  };

  const records = createChunkedRecords({
    items: {
      getItem: (name) => call('read from', () => store.getItemAsync(name, storeOptions)),
      setItem: (name, value) => call('write to', () => store.setItemAsync(name, value, storeOptions)),
      removeItem: (name) => call('remove from', () => store.deleteItemAsync(name, storeOptions)),
    },
    names: expoNames,
    size: utf8Bytes,
    maxItemSize: EXPO_SECURE_STORE_ITEM_BYTES,
    serial: calls,
  });

  return Object.freeze({
    ...records,
    withLock: <T>(name: string, work: () => Promise<T>): Promise<T> => workLock(name, work, timeout),
  });
}
