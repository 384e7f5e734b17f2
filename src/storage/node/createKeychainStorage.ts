import { mkdir } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { AuthError, isAuthError } from '../../vocabulary/AuthError.js';
import { createChunkedRecords, utf16Bytes, type ChunkNames, type CodePointSize } from '../chunkedRecords.js';
import { DEFAULT_LOCK_TIMEOUT } from '../inProcessLock.js';
import type { SecureStorage } from '../../vocabulary/SecureStorage.js';
import { storageError } from '../storageError.js';
import { createFileLock } from './fileLock.js';
import { ensureOwnerOnlyFolder } from './ownerOnly.js';

/** The package the keychain storage runs on, an optional dependency. */
export const KEYRING_PACKAGE = '@napi-rs/keyring';

/** Options of {@link createKeychainStorage}. */
export interface KeychainStorageOptions {
  /** The keychain service the items are kept under; apps that share a session use the same. */
  service?: string;
  /**
   * Linux only: the credential store to use. By default the Secret Service is used and, where it
   * is missing, the kernel keyring, which does not survive a reboot. `'secret-service'` makes a
   * missing Secret Service an error instead.
   */
  linuxStore?: 'secret-service' | 'keyutils';
  /**
   * The folder of the lock files of `withLock`, which every app sharing the keychain must agree
   * on. Default: {@link defaultLockDirectory}. Made 0700 when missing; refused when it is a
   * symbolic link, belongs to another user, or group or others can write it.
   */
  lockDirectory?: string;
  /** How long `withLock` waits for a lock held by another process, in milliseconds; default 10 000. */
  lockTimeout?: number;
}

/**
 * The default lock folder: one per user in the system's temporary folder, named with the user
 * id (`cognito-auth-machine-locks-<uid>`), so that every app of the user finds the same locks.
 */
export function defaultLockDirectory(): string {
  const user = typeof process.getuid === 'function' ? String(process.getuid()) : userInfo().username;
  return join(tmpdir(), `cognito-auth-machine-locks-${user.replace(/[^A-Za-z0-9_-]/g, '_')}`);
}

/** The part of the package's `AsyncEntry` used here. */
interface KeyringEntry {
  getPassword(): Promise<string | null>;
  setPassword(password: string): Promise<void>;
  deletePassword(): Promise<boolean>;
}

interface KeyringModule {
  AsyncEntry: new (service: string, account: string, options?: { linux?: { store?: string } }) => KeyringEntry;
}

/** Loads the keyring package; a seam for tests. */
export type KeyringLoader = () => Promise<KeyringModule>;

const loadKeyring: KeyringLoader = () => import('@napi-rs/keyring') as Promise<KeyringModule>;

/** The most one keychain item holds, where the platform's limit is one a session reaches. */
export interface KeychainItemLimit {
  /** How the platform counts a value's size. */
  size: CodePointSize;
  /** The most one item holds, in that unit. */
  maxItemSize: number;
}

/** The Windows Credential Manager's: 2,560 bytes, and the keyring stores a password as UTF-16. */
export const WINDOWS_CREDENTIAL_LIMIT: KeychainItemLimit = Object.freeze({ size: utf16Bytes, maxItemSize: 2560 });

/** The limit of this platform's keychain, or `undefined` where no session reaches it. */
function platformItemLimit(): KeychainItemLimit | undefined {
  return process.platform === 'win32' ? WINDOWS_CREDENTIAL_LIMIT : undefined;
}

// Chunk and pending items sit in the same service, under the key and a `#` that keys of this
// library never hold (their parts are URI-encoded).
const keychainNames: ChunkNames = {
  head: (key) => key,
  chunk: (key, generation, index) => `${key}#chunk.${generation}.${index}`,
  pending: (key) => `${key}#chunks`,
};

/** The default keychain service name. */
export const DEFAULT_KEYCHAIN_SERVICE = 'cognito-auth-machine';

/**
 * A {@link SecureStorage} in the operating system's keychain, for Node: the macOS Keychain, the
 * Windows Credential Manager, or on Linux the Secret Service. Each key
 * is one item: service `service`, account the key. Runs on the optional package
 * `@napi-rs/keyring`, loaded at the first call: when it is missing, calls reject with a
 * `StorageError` that names it. Windows limits an item to 2,560 bytes (1,280 UTF-16 code
 * units), which a session exceeds: there a larger value is split into chunks, written so that a
 * crash leaves the old value or the new one whole and read back whole or not at all (a value that
 * cannot be read whole reads as absent). The chunks are items of the same service, named after
 * the key and `#chunk.`; keys holding `#chunk` are left to them.
 *
 * Guarantees: the keychain writes one item whole. The keychain has no locks of its own, so
 * `withLock` uses lock files (as `createFileStorage` does) in `lockDirectory`, one per user
 * by default: the lock reaches every process of this user on this host that uses the same lock
 * folder and service; an app that gives another `lockDirectory` is not excluded. A lock whose
 * process has ended is broken at once; the wait is bounded by `lockTimeout` (default 10 seconds),
 * after which it rejects with a `StorageError`.
 */
export function createKeychainStorage(options: KeychainStorageOptions = {}): SecureStorage {
  return createKeychainStorageWith(loadKeyring, options);
}

/**
 * {@link createKeychainStorage} with the package loaded by `load`, and values over `itemLimit`
 * (default: this platform's) split into chunks.
 */
export function createKeychainStorageWith(
  load: KeyringLoader,
  options: KeychainStorageOptions = {},
  itemLimit: KeychainItemLimit | undefined = platformItemLimit(),
): SecureStorage {
  const service = options?.service ?? DEFAULT_KEYCHAIN_SERVICE;
  if (typeof service !== 'string' || service.length === 0) {
    throw new AuthError('ValidationError', { message: 'The keychain service must be a non-empty string.' });
  }
  const linuxStore = options?.linuxStore;
  if (linuxStore !== undefined && linuxStore !== 'secret-service' && linuxStore !== 'keyutils') {
    throw new AuthError('ValidationError', { message: "linuxStore must be 'secret-service' or 'keyutils'." });
  }
  const entryOptions = linuxStore === undefined ? undefined : { linux: { store: linuxStore } };
  const lockDirectory = options?.lockDirectory ?? defaultLockDirectory();
  if (typeof lockDirectory !== 'string' || lockDirectory.length === 0) {
    throw new AuthError('ValidationError', { message: 'lockDirectory must be a non-empty path.' });
  }
  const lockTimeout = options?.lockTimeout ?? DEFAULT_LOCK_TIMEOUT;
  if (typeof lockTimeout !== 'number' || !(lockTimeout > 0)) {
    throw new AuthError('ValidationError', { message: 'lockTimeout must be a positive number of milliseconds.' });
  }
  const lockFolder = resolve(lockDirectory);
  const lock = createFileLock({
    folder: async () => {
      try {
        await mkdir(dirname(lockFolder), { recursive: true, mode: 0o700 });
        await ensureOwnerOnlyFolder(lockFolder);
      } catch (error) {
        throw isAuthError(error) ? error : storageError('Could not make the folder of the keychain locks.', error);
      }
      return lockFolder;
    },
    timeout: lockTimeout,
    // Items are told apart by service and key; so are their locks.
    namespace: service,
  });

  let loading: Promise<KeyringModule> | undefined;
  const keyring = (): Promise<KeyringModule> => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw storageError(
        `The keychain storage needs the optional package ${KEYRING_PACKAGE}, which could not be loaded.`,
        error,
        `Install it (npm install ${KEYRING_PACKAGE}) for this platform, or use another storage such as createFileStorage.`,
      );
    });
    return loading;
  };

  const withEntry = async <T>(key: string, action: string, use: (entry: KeyringEntry) => Promise<T>): Promise<T> => {
    const { AsyncEntry } = await keyring();
    try {
      // The constructor already talks to the platform store on some systems, so it can throw too.
      return await use(new AsyncEntry(service, key, entryOptions));
    } catch (error) {
      throw storageError(`Could not ${action} the keychain.`, error, 'Check that the keychain is available and unlocked.');
    }
  };

  const items = {
    getItem: (key: string) => withEntry(key, 'read from', (entry) => entry.getPassword()),
    setItem: (key: string, value: string) => withEntry(key, 'write to', (entry) => entry.setPassword(value)),
    removeItem: (key: string) =>
      withEntry(key, 'remove from', async (entry) => {
        await entry.deletePassword();
      }),
  };
  return Object.freeze({
    ...(itemLimit === undefined ? items : createChunkedRecords({ items, names: keychainNames, ...itemLimit })),
    withLock: <T>(name: string, work: () => Promise<T>): Promise<T> => lock.run(name, work),
  });
}
