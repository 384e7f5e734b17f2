/**
 * One device-wide secure store (the "keychain"). Every backend implements these three calls;
 * scoping (apps, access groups) and migration are layered above, written once.
 * Values are opaque strings; a backend must not log them.
 */
export interface SecureStorage {
  /** The value stored under `key`, or `null` when there is none. */
  getItem(key: string): Promise<string | null>;
  /** Stores `value` under `key`, replacing any value there. The value may hold secrets. */
  setItem(key: string, value: string): Promise<void>;
  /** Removes the value under `key`; removing a missing key is not an error. */
  removeItem(key: string): Promise<void>;
  /**
   * Optional. Runs `work` while holding the exclusive lock `name`, which every app and every
   * process using this same store sees, and releases it when `work` settles (whatever the
   * outcome). `name` is a storage key of this library (the key whose value the work reads and
   * writes). Rejects with a `StorageError` when the lock cannot be taken in reasonable time.
   * Without it, the session store falls back to a lock that holds inside this process only.
   */
  withLock?<T>(name: string, work: () => Promise<T>): Promise<T>;
}
