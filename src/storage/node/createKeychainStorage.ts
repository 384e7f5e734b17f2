import { AuthError } from '../../AuthError.js';
import type { SecureStorage } from '../SecureStorage.js';
import { storageError } from '../storageError.js';

/** The package the keychain storage runs on, an optional dependency. */
export const KEYRING_PACKAGE = '@napi-rs/keyring';

export interface KeychainStorageOptions {
  /** The keychain service the items are kept under; apps that share a session use the same. */
  service?: string;
  /**
   * Linux only: the credential store to use. By default the Secret Service is used and, where it
   * is missing, the kernel keyring, which does not survive a reboot. `'secret-service'` makes a
   * missing Secret Service an error instead.
   */
  linuxStore?: 'secret-service' | 'keyutils';
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

/** The default keychain service name. */
export const DEFAULT_KEYCHAIN_SERVICE = 'cognito-auth-machine';

/**
 * A {@link SecureStorage} in the operating system's keychain, for Node: the macOS Keychain, the
 * Windows Credential Manager, or on Linux the Secret Service. Each key
 * is one item: service `service`, account the key. Runs on the optional package
 * `@napi-rs/keyring`, loaded at the first call: when it is missing, calls reject with a
 * `StorageError` that names it. Note that Windows limits an item to 2560 bytes, which a
 * user-pool session with a refresh token can exceed.
 */
export function createKeychainStorage(options: KeychainStorageOptions = {}): SecureStorage {
  return createKeychainStorageWith(loadKeyring, options);
}

/** {@link createKeychainStorage} with the package loaded by `load`. */
export function createKeychainStorageWith(load: KeyringLoader, options: KeychainStorageOptions = {}): SecureStorage {
  const service = options?.service ?? DEFAULT_KEYCHAIN_SERVICE;
  if (typeof service !== 'string' || service.length === 0) {
    throw new AuthError('ValidationError', { message: 'The keychain service must be a non-empty string.' });
  }
  const linuxStore = options?.linuxStore;
  if (linuxStore !== undefined && linuxStore !== 'secret-service' && linuxStore !== 'keyutils') {
    throw new AuthError('ValidationError', { message: "linuxStore must be 'secret-service' or 'keyutils'." });
  }
  const entryOptions = linuxStore === undefined ? undefined : { linux: { store: linuxStore } };

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

  return Object.freeze({
    getItem: (key: string) => withEntry(key, 'read from', (entry) => entry.getPassword()),
    setItem: (key: string, value: string) => withEntry(key, 'write to', (entry) => entry.setPassword(value)),
    removeItem: (key: string) =>
      withEntry(key, 'remove from', async (entry) => {
        await entry.deletePassword();
      }),
  });
}
