import { AuthError } from '../AuthError.js';
import type { SecureStorage } from './SecureStorage.js';
import { storageError } from './storageError.js';

/** The part of the DOM `Storage` interface used (`localStorage`, `sessionStorage`). */
export type WebStorageLike = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

function noWebStorage(cause?: unknown): AuthError {
  return new AuthError('ValidationError', {
    message:
      "No Web Storage (localStorage) is available here. In Node, keep the session in files with createFileStorage({ directory }) from 'cognito-auth-machine/node'; in a browser, pass another Storage, e.g. createWebStorage(window.sessionStorage); in tests, use createMemoryStorage().",
    ...(cause === undefined ? {} : { cause }),
  });
}

function defaultWebStorage(): WebStorageLike {
  try {
    // Reading localStorage throws in some contexts, e.g. sandboxed frames or blocked cookies.
    return (globalThis as { localStorage?: WebStorageLike }).localStorage as WebStorageLike;
  } catch (error) {
    throw noWebStorage(error);
  }
}

/**
 * A {@link SecureStorage} over the browser's Web Storage (default `localStorage`). Browser-safe.
 * Every app of one origin sees the same items, which is what lets apps of an origin share an
 * access group. Web Storage is readable by any script of the origin, so keep the origin free of
 * untrusted scripts. Throws `ValidationError` when no Storage is available; a full storage makes
 * `setItem` reject with `StorageError`.
 */
export function createWebStorage(storage: WebStorageLike | undefined = defaultWebStorage()): SecureStorage {
  if (
    typeof storage !== 'object' ||
    storage === null ||
    typeof storage.getItem !== 'function' ||
    typeof storage.setItem !== 'function' ||
    typeof storage.removeItem !== 'function'
  ) {
    throw noWebStorage();
  }
  const web = storage;
  return Object.freeze({
    async getItem(key: string) {
      try {
        return web.getItem(key);
      } catch (error) {
        throw storageError('Could not read from Web Storage.', error);
      }
    },
    async setItem(key: string, value: string) {
      try {
        web.setItem(key, value);
      } catch (error) {
        throw storageError('Could not write to Web Storage (it may be full or disabled).', error);
      }
    },
    async removeItem(key: string) {
      try {
        web.removeItem(key);
      } catch (error) {
        throw storageError('Could not remove from Web Storage.', error);
      }
    },
  });
}
