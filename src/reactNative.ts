/**
 * The React Native parts, published as `cognito-auth-machine/react-native`: secure storage
 * backends over `expo-secure-store` and AsyncStorage. The app passes the module in, so this
 * package depends on neither; nothing here needs `TextEncoder`, `Buffer` or `crypto`.
 */
export {
  createExpoSecureStorage,
  EXPO_SECURE_STORE_ITEM_BYTES,
  expoSecureStoreKey,
  type ExpoSecureStorageOptions,
  type ExpoSecureStoreModule,
  type ExpoSecureStoreOptions,
} from './storage/createExpoSecureStorage.js';
export {
  createAsyncStorageBackend,
  type AsyncStorageBackendOptions,
  type AsyncStorageModule,
} from './storage/createAsyncStorageBackend.js';
