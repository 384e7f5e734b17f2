/**
 * One device-wide secure store (the "keychain"). Every backend implements these three calls;
 * scoping (apps, access groups) and migration are layered above, written once.
 * Values are opaque strings; a backend must not log them.
 */
export interface SecureStorage {
  getItem(key: string): Promise<string | null>;
  setItem(key: string, value: string): Promise<void>;
  removeItem(key: string): Promise<void>;
}
