import { AuthError } from '../vocabulary/AuthError.js';
import { createInProcessLock, DEFAULT_LOCK_TIMEOUT, type InProcessLock } from './inProcessLock.js';
import type { SecureStorage } from '../vocabulary/SecureStorage.js';
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

/** Options of {@link createWebStorage}. */
export interface WebStorageOptions {
  /** How long `withLock` waits for a lock held elsewhere, in milliseconds; default 10 000. */
  lockTimeout?: number;
}

/** The part of the Web Locks API used (`navigator.locks`). */
interface LockManagerLike {
  request<T>(name: string, options: { mode: 'exclusive'; signal: AbortSignal }, work: () => Promise<T>): Promise<T>;
}

function webLocks(): LockManagerLike | undefined {
  const locks = (globalThis as { navigator?: { locks?: Partial<LockManagerLike> } }).navigator?.locks;
  return typeof locks?.request === 'function' ? (locks as LockManagerLike) : undefined;
}

// Without Web Locks, every store over one Storage object shares one in-process lock.
const fallbackLocks = new WeakMap<object, InProcessLock>();

function lockTimedOut(timeout: number, cause?: unknown) {
  return storageError(
    `Could not take the storage lock within ${timeout} ms: another tab or app of this origin holds it.`,
    cause,
    'Another tab or app is still using the storage; try again once it has finished.',
  );
}

/** Runs `work` under the Web Lock `name`, waiting at most `timeout` ms for it. */
async function withWebLock<T>(locks: LockManagerLike, name: string, work: () => Promise<T>, timeout: number): Promise<T> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeout);
  let granted = false;
  try {
    return await locks.request(name, { mode: 'exclusive', signal: abort.signal }, () => {
      granted = true;
      clearTimeout(timer);
      return work();
    });
  } catch (error) {
    // An error of the work itself passes through unchanged.
    if (granted) throw error;
    throw abort.signal.aborted ? lockTimedOut(timeout, error) : storageError('Could not take a Web Lock.', error);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A {@link SecureStorage} over the browser's Web Storage (default `localStorage`). Browser-safe.
 * Every app of one origin sees the same items, which is what lets apps of an origin share an
 * access group. Web Storage is readable by any script of the origin, so keep the origin free of
 * untrusted scripts. Throws `ValidationError` when no Storage is available; a full storage makes
 * `setItem` reject with `StorageError`.
 *
 * Guarantees: Web Storage changes one item whole. `withLock` uses the Web Locks API
 * (`navigator.locks`) where the browser has it, so the lock reaches every tab, frame and worker
 * of the origin; elsewhere it is a lock inside this page only, which other tabs do not see. It
 * waits at most `lockTimeout` (default 10 seconds), then rejects with a `StorageError`.
 */
export function createWebStorage(
  storage: WebStorageLike | undefined = defaultWebStorage(),
  options: WebStorageOptions = {},
): SecureStorage {
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
  const timeout = options?.lockTimeout ?? DEFAULT_LOCK_TIMEOUT;
  if (typeof timeout !== 'number' || !(timeout > 0)) {
    throw new AuthError('ValidationError', { message: 'lockTimeout must be a positive number of milliseconds.' });
  }
  let fallback = fallbackLocks.get(web);
  if (fallback === undefined) {
    fallback = createInProcessLock();
    fallbackLocks.set(web, fallback);
  }
  const inPage = fallback;
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
    withLock<T>(name: string, work: () => Promise<T>): Promise<T> {
      const locks = webLocks();
      return locks === undefined ? inPage(name, work, timeout) : withWebLock(locks, name, work, timeout);
    },
  });
}
