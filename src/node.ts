/**
 * The Node-only parts, published as `cognito-auth-machine/node`: secure storage backends that
 * use the file system or the operating system's keychain. The main entry stays browser-safe.
 */
export { createFileStorage, type FileStorageOptions } from './storage/node/createFileStorage.js';
export {
  createKeychainStorage,
  DEFAULT_KEYCHAIN_SERVICE,
  defaultLockDirectory,
  type KeychainStorageOptions,
} from './storage/node/createKeychainStorage.js';
