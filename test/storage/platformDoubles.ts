// Test doubles of platform stores with small items, for unit tests only. Each keeps to the limits
// and the refusals of the real one, and counts sizes without TextEncoder or Buffer, so that it
// runs in the same bare context as the code under test.
import type { FaultMode } from './faultyStorage.js';

/** UTF-8 bytes of `text`, counted as expo-secure-store does (a lone surrogate as U+FFFD). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i += 1;
        continue;
      }
    }
    bytes += unit < 0x80 ? 1 : unit < 0x800 ? 2 : 3;
  }
  return bytes;
}

/** The fault a double strikes with at its `atWrite`-th write (see `FaultMode`); `null`: none. */
export interface DoubleFault {
  atWrite: number;
  mode: FaultMode;
}

/** Counts writes and strikes at the chosen one; after a crash every call rejects. */
export class FaultPlan {
  writes = 0;
  crashed = false;
  struck = false;
  constructor(private readonly fault: DoubleFault | null = null) {}

  alive(): void {
    if (this.crashed) throw new Error('the process has stopped');
  }

  /** Runs a write: `apply(value)` stores the value (a prefix of it when torn). */
  async write(apply: (value: string | undefined) => void, value?: string): Promise<void> {
    this.alive();
    this.writes += 1;
    if (this.fault === null || this.writes !== this.fault.atWrite) return apply(value);
    this.struck = true;
    switch (this.fault.mode) {
      case 'fail':
        throw new Error(`write ${this.writes} failed`);
      case 'crashBefore':
        break;
      case 'crashAfter':
        apply(value);
        break;
      case 'torn':
        apply(value === undefined ? undefined : value.slice(0, Math.floor(value.length / 2)));
        break;
    }
    this.crashed = true;
    throw new Error(`crashed at write ${this.writes}`);
  }
}

/** The most expo-secure-store keeps in one value. */
export const EXPO_VALUE_BYTES = 2048;

/**
 * A double of `expo-secure-store` (v57): the same three async calls, the same key check and
 * messages. The real module prints a warning for a value over 2,048 bytes and may then fail on
 * the device; this double always refuses it, the safe reading of that limit.
 */
export function createExpoSecureStoreDouble(
  items = new Map<string, string>(),
  plan = new FaultPlan(),
  beforeRead?: (key: string) => Promise<void>,
) {
  const ensureValidKey = (key: string) => {
    if (typeof key !== 'string' || !/^[\w.-]+$/.test(key)) {
      throw new Error(
        'Invalid key provided to SecureStore. Keys must not be empty and contain only alphanumeric characters, ".", "-", and "_".',
      );
    }
  };
  return {
    items,
    plan,
    async getItemAsync(key: string): Promise<string | null> {
      ensureValidKey(key);
      await beforeRead?.(key);
      plan.alive();
      return items.get(key) ?? null;
    },
    async setItemAsync(key: string, value: string): Promise<void> {
      ensureValidKey(key);
      if (typeof value !== 'string') {
        throw new Error(
          'Invalid value provided to SecureStore. Values must be strings; consider JSON-encoding your values if they are serializable.',
        );
      }
      if (utf8Length(value) > EXPO_VALUE_BYTES) {
        throw new Error(`Value being stored in SecureStore is larger than ${EXPO_VALUE_BYTES} bytes.`);
      }
      await plan.write((v) => void items.set(key, v as string), value);
    },
    async deleteItemAsync(key: string): Promise<void> {
      ensureValidKey(key);
      await plan.write(() => void items.delete(key));
    },
  };
}

/**
 * A double of `@react-native-async-storage/async-storage`'s default export: string values of any
 * size, `null` for a missing key, and the multi-key calls of v1 and v2.
 */
export function createAsyncStorageDouble(items = new Map<string, string>()) {
  const checkKey = (key: unknown) => {
    if (typeof key !== 'string') throw new Error(`[AsyncStorage] Using ${typeof key} type for key is not supported.`);
  };
  return {
    items,
    async getItem(key: string): Promise<string | null> {
      checkKey(key);
      return items.get(key) ?? null;
    },
    async setItem(key: string, value: string): Promise<void> {
      checkKey(key);
      if (typeof value !== 'string') throw new Error('[AsyncStorage] The value for key must be a string.');
      items.set(key, value);
    },
    async removeItem(key: string): Promise<void> {
      checkKey(key);
      items.delete(key);
    },
    async multiGet(keys: string[]): Promise<Array<[string, string | null]>> {
      return keys.map((key) => [key, items.get(key) ?? null]);
    },
    async multiSet(pairs: Array<[string, string]>): Promise<void> {
      for (const [key, value] of pairs) items.set(key, value);
    },
    async multiRemove(keys: string[]): Promise<void> {
      for (const key of keys) items.delete(key);
    },
  };
}

/** The Windows Credential Manager's limit on a credential's blob, in bytes. */
export const WINDOWS_BLOB_BYTES = 2560;

/**
 * A double of `@napi-rs/keyring` as it behaves on Windows: the keyring stores a password as
 * UTF-16 and refuses one over 2,560 bytes (1,280 code units) as too long.
 */
export function createWindowsKeyringDouble(
  items = new Map<string, string>(),
  plan = new FaultPlan(),
  beforeRead?: (account: string) => Promise<void>,
) {
  const id = (service: string, account: string) => `${account}.${service}`;
  class AsyncEntry {
    constructor(
      readonly service: string,
      readonly account: string,
    ) {}
    async getPassword(): Promise<string | null> {
      await beforeRead?.(this.account);
      plan.alive();
      return items.get(id(this.service, this.account)) ?? null;
    }
    async setPassword(password: string): Promise<void> {
      if (password.length * 2 > WINDOWS_BLOB_BYTES) {
        throw new Error(`Attribute 'password' is longer than platform limit of ${WINDOWS_BLOB_BYTES} chars`);
      }
      await plan.write((v) => void items.set(id(this.service, this.account), v as string), password);
    }
    async deletePassword(): Promise<boolean> {
      let had = false;
      await plan.write(() => {
        had = items.delete(id(this.service, this.account));
      });
      return had;
    }
  }
  return { items, plan, module: { AsyncEntry } };
}
