import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAuthError } from '../../src/vocabulary/AuthError.js';
import type { SecureStorage } from '../../src/vocabulary/SecureStorage.js';
import { MANIFEST_PREFIX, splitBySize, utf16Bytes, utf8Bytes, sizeOf } from '../../src/storage/chunkedRecords.js';
import { createExpoSecureStorage, expoSecureStoreKey } from '../../src/storage/createExpoSecureStorage.js';
import { createKeychainStorageWith, WINDOWS_CREDENTIAL_LIMIT } from '../../src/storage/node/createKeychainStorage.js';
import type { FaultMode } from './faultyStorage.js';
import {
  createExpoSecureStoreDouble,
  createWindowsKeyringDouble,
  EXPO_VALUE_BYTES,
  FaultPlan,
  utf8Length,
  WINDOWS_BLOB_BYTES,
  type DoubleFault,
} from './platformDoubles.js';
import { storeFor } from './scenario.js';
import { fullSizeSession, stored } from './sessions.js';
import { itSharesSessionsBetweenApps } from './sharingContract.js';
import { temporaryDirectories } from './tempDirectories.js';

const freshDirectory = temporaryDirectories('cam-chunked-');
const lockDirectory = await freshDirectory();

/** `text` with every lone surrogate replaced by U+FFFD, as a UTF-8 store keeps it. */
const wellFormed = (text: string) =>
  text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');

/** A platform store with small items, seen as a SecureStorage; `items` is what the platform holds. */
interface Backend {
  name: string;
  /** One process's storage over `items`, striking as `plan` says, calling `beforeRead` before each read. */
  open(items: Map<string, string>, plan?: FaultPlan, beforeRead?: (name: string) => Promise<void>): SecureStorage;
  /** Whether an item's name is a chunk's. */
  isChunk(name: string): boolean;
  /** Whether one stored item keeps to the platform's limit. */
  fits(value: string): boolean;
}

const expo: Backend = {
  name: 'expo-secure-store',
  open: (items, plan, beforeRead) => createExpoSecureStorage(createExpoSecureStoreDouble(items, plan, beforeRead)),
  isChunk: (name) => name.includes('_x'),
  fits: (value) => utf8Length(value) <= EXPO_VALUE_BYTES,
};

const windowsKeychain: Backend = {
  name: 'keychain with Windows limits',
  open: (items, plan, beforeRead) => {
    const keyring = createWindowsKeyringDouble(items, plan, beforeRead);
    return createKeychainStorageWith(async () => keyring.module, { service: 'cam-test', lockDirectory }, WINDOWS_CREDENTIAL_LIMIT);
  },
  isChunk: (name) => name.includes('#chunk.'),
  fits: (value) => value.length * 2 <= WINDOWS_BLOB_BYTES,
};

const KEY = 'cognito-auth-machine/group/team.one/session';

const VALUES = {
  small: '{"small":true}',
  ascii: 'a'.repeat(5000),
  multibyte: 'é€😀'.repeat(600),
  prefixed: `${MANIFEST_PREFIX}not a manifest`,
  record: stored(fullSizeSession()) as string,
};
type ValueName = keyof typeof VALUES;
const NAMES = Object.keys(VALUES) as ValueName[];
const MODES: FaultMode[] = ['fail', 'crashBefore', 'crashAfter'];

/** Writes `value` under KEY (or removes it) with a fresh storage; returns the writes it took. */
async function change(backend: Backend, items: Map<string, string>, value: string | null, fault: DoubleFault | null) {
  const plan = new FaultPlan(fault);
  const storage = backend.open(items, plan);
  const outcome = await (value === null ? storage.removeItem(KEY) : storage.setItem(KEY, value)).then(
    () => 'done',
    (error: unknown) => error,
  );
  return { plan, storage, outcome };
}

describe.each([expo, windowsKeychain])('chunked records over $name', (backend) => {
  it('keeps every item within the platform limit and reads each value back whole', async () => {
    const items = new Map<string, string>();
    const storage = backend.open(items);
    for (const name of NAMES) {
      await storage.setItem(KEY, VALUES[name]);
      expect(await storage.getItem(KEY)).toBe(VALUES[name]);
      expect(await backend.open(items).getItem(KEY)).toBe(VALUES[name]);
      for (const value of items.values()) expect(backend.fits(value)).toBe(true);
    }
    expect(items.size).toBeGreaterThan(2);
    await storage.removeItem(KEY);
    expect(items.size).toBe(0);
  });

  it('leaves the old value whole or the new one whole when a write fails or crashes at any step, and leaves nothing behind', async () => {
    let runs = 0;
    for (const before of [null, ...NAMES]) {
      for (const after of [null, ...NAMES]) {
        const seed = () => {
          const items = new Map<string, string>();
          return before === null ? Promise.resolve(items) : backend.open(items).setItem(KEY, VALUES[before]).then(() => items);
        };
        const oldValue = before === null ? null : VALUES[before];
        const newValue = after === null ? null : VALUES[after];
        const clean = await change(backend, await seed(), newValue, null);
        expect(clean.outcome).toBe('done');
        for (let atWrite = 1; atWrite <= clean.plan.writes; atWrite += 1) {
          for (const mode of MODES) {
            const items = await seed();
            const { plan, storage, outcome } = await change(backend, items, newValue, { atWrite, mode });
            expect(plan.struck).toBe(true);
            expect(outcome).not.toBe('done');
            const read = await backend.open(items).getItem(KEY);
            expect([oldValue, newValue], `${before} → ${after}, ${mode} at write ${atWrite}`).toContain(read);
            if (mode === 'fail') expect(await storage.getItem(KEY)).toBe(read);
            // The next write and removal of the key find whatever the cut-short one left.
            const next = backend.open(items);
            await next.setItem(KEY, VALUES.record);
            expect(await next.getItem(KEY)).toBe(VALUES.record);
            await next.removeItem(KEY);
            expect([...items.keys()], `${before} → ${after}, ${mode} at write ${atWrite}`).toEqual([]);
            runs += 1;
          }
        }
      }
    }
    expect(runs).toBeGreaterThan(300);
  });

  it('leaves nothing behind when a removal after a cut-short write is the next call', async () => {
    for (let atWrite = 1; atWrite <= 6; atWrite += 1) {
      const items = new Map<string, string>();
      await backend.open(items).setItem(KEY, VALUES.ascii);
      await change(backend, items, VALUES.multibyte, { atWrite, mode: 'crashBefore' });
      await backend.open(items).removeItem(KEY);
      expect([...items.keys()]).toEqual([]);
    }
  });

  it('reads a record whose chunk is missing or altered as absent, and replaces it at the next write', async () => {
    for (const damage of ['remove', 'alter'] as const) {
      const items = new Map<string, string>();
      const storage = backend.open(items);
      await storage.setItem(KEY, VALUES.ascii);
      const chunk = [...items.keys()].find(backend.isChunk) as string;
      if (damage === 'remove') items.delete(chunk);
      else items.set(chunk, `${(items.get(chunk) as string).slice(1)}b`);
      expect(await backend.open(items).getItem(KEY)).toBeNull();
      await storage.setItem(KEY, VALUES.small);
      expect(await storage.getItem(KEY)).toBe(VALUES.small);
      await storage.removeItem(KEY);
      expect(items.size).toBe(0);
    }
  });

  it('follows the head when another process replaces the record while its chunks are read', async () => {
    const items = new Map<string, string>();
    const writer = backend.open(items);
    await writer.setItem(KEY, VALUES.ascii);
    // The reader's first chunk read waits for the other process to write a new record, which
    // removes the chunks the reader was following.
    let interleaved = false;
    const reader = backend.open(items, undefined, async (name) => {
      if (interleaved || !backend.isChunk(name)) return;
      interleaved = true;
      await writer.setItem(KEY, VALUES.multibyte);
    });
    const read = reader.getItem(KEY);
    expect(await read).toBe(VALUES.multibyte);
    expect(interleaved).toBe(true);
  });

  it('keeps a full-size user-pool session through the session store', async () => {
    const items = new Map<string, string>();
    const session = fullSizeSession();
    expect(sizeOf(stored(session) as string, utf8Bytes)).toBeGreaterThan(4000);
    await storeFor(backend.open(items), 'team.one', true).save(session);
    const { session: restored, problems } = await storeFor(backend.open(items), 'team.one', true).open();
    expect(problems).toEqual([]);
    expect(stored(restored)).toBe(stored(session));
  });

  it('opens the old session or the new one, whole and without problems, after a save or sign-out cut short at any write', async () => {
    const oldSession = fullSizeSession('old');
    const newSession = fullSizeSession('new');
    for (const step of ['save', 'clear'] as const) {
      for (let atWrite = 1; ; atWrite += 1) {
        const items = new Map<string, string>();
        const first = storeFor(backend.open(items), 'team.one', true);
        await first.open();
        await first.save(oldSession);
        const plan = new FaultPlan({ atWrite, mode: 'crashAfter' });
        const cut = storeFor(backend.open(items, plan), 'team.one', true);
        await cut.open();
        await (step === 'save' ? cut.save(newSession) : cut.clear()).catch(() => undefined);
        if (!plan.struck) break;
        const { session, problems } = await storeFor(backend.open(items), 'team.one', true).open();
        expect(problems).toEqual([]);
        const expected = step === 'save' ? [stored(oldSession), stored(newSession)] : [stored(oldSession), null];
        expect(expected, `${step}, crash after write ${atWrite}`).toContain(stored(session));
      }
    }
  });

  describe('between two apps over one store', () => {
    itSharesSessionsBetweenApps(async () => {
      const items = new Map<string, string>();
      return [backend.open(items), backend.open(items)];
    });
  });

  it('matches a map of values over any sequence of writes, removals and reads, and leaves nothing when all are removed', async () => {
    const key = fc.constantFrom('a', 'cognito-auth-machine/app/x/session', 'ü/ß', '_x1.0');
    const value = fc.oneof(
      fc.string({ maxLength: 50 }),
      fc.string({ unit: 'grapheme', maxLength: 3000 }),
      fc.string({ unit: 'binary', maxLength: 2000 }).map(wellFormed),
      fc.constant(VALUES.prefixed),
    );
    const op = fc.oneof(fc.tuple(fc.constant('set' as const), key, value), fc.tuple(fc.constant('remove' as const), key));
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 12 }), async (ops) => {
        const items = new Map<string, string>();
        const storage = backend.open(items);
        const model = new Map<string, string>();
        for (const [kind, k, v] of ops) {
          if (kind === 'set') {
            await storage.setItem(k, v as string);
            model.set(k, v as string);
          } else {
            await storage.removeItem(k);
            model.delete(k);
          }
          for (const name of ['a', 'cognito-auth-machine/app/x/session', 'ü/ß', '_x1.0']) {
            expect(await backend.open(items).getItem(name)).toBe(model.get(name) ?? null);
          }
        }
        for (const k of model.keys()) await storage.removeItem(k);
        expect(items.size).toBe(0);
      }),
      { numRuns: 60 },
    );
  });
});

describe('splitting by size', () => {
  it('never splits a surrogate pair and keeps every piece within the limit', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 400 }), fc.integer({ min: 4, max: 64 }), (text, max) => {
        for (const size of [utf8Bytes, utf16Bytes]) {
          const pieces = splitBySize(text, size, max);
          expect(pieces.join('')).toBe(text);
          for (const piece of pieces) {
            expect(sizeOf(piece, size)).toBeLessThanOrEqual(max);
            expect(wellFormed(piece)).toBe(piece);
          }
        }
      }),
    );
  });

  it('counts UTF-8 bytes as the double (and expo-secure-store) does', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        expect(sizeOf(text, utf8Bytes)).toBe(utf8Length(text));
        expect(sizeOf(text, utf8Bytes)).toBe(Buffer.byteLength(wellFormed(text), 'utf8'));
      }),
    );
  });
});

/** The inverse of expoSecureStoreKey, to show it is one to one. */
function unmapped(mapped: string): string {
  return mapped.replace(/__([0-9a-f]{4})|_([0-9a-f]{2})/g, (_, four?: string, two?: string) =>
    String.fromCharCode(parseInt((four ?? two) as string, 16)),
  );
}

describe('expoSecureStoreKey', () => {
  it('maps every key, one to one, onto the characters expo-secure-store allows', () => {
    expect(expoSecureStoreKey('cognito-auth-machine/group/team.one/session')).toBe(
      'cognito-auth-machine_2fgroup_2fteam.one_2fsession',
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (key) => {
        const mapped = expoSecureStoreKey(key);
        if (key !== '') expect(mapped).toMatch(/^[\w.-]+$/);
        expect(unmapped(mapped)).toBe(key);
        expect(mapped).not.toMatch(/_[xy]/);
      }),
    );
  });
});

describe('createExpoSecureStorage', () => {
  it('is refused by expo-secure-store without the mapping: our keys hold "/" and our records pass 2,048 bytes', async () => {
    const secureStore = createExpoSecureStoreDouble();
    await expect(secureStore.setItemAsync(KEY, 'v')).rejects.toThrow(/Invalid key/);
    await expect(secureStore.setItemAsync('k', VALUES.record)).rejects.toThrow(/2048 bytes/);
    const storage = createExpoSecureStorage(secureStore);
    await storage.setItem(KEY, VALUES.record);
    expect(await storage.getItem(KEY)).toBe(VALUES.record);
  });

  it('passes the secure-store options on to every call', async () => {
    const seen: unknown[] = [];
    const double = createExpoSecureStoreDouble();
    const options = { keychainService: 'auth' };
    const storage = createExpoSecureStorage(
      {
        getItemAsync: (key, o) => (seen.push(o), double.getItemAsync(key)),
        setItemAsync: (key, value, o) => (seen.push(o), double.setItemAsync(key, value)),
        deleteItemAsync: (key, o) => (seen.push(o), double.deleteItemAsync(key)),
      },
      { secureStoreOptions: options },
    );
    await storage.setItem('k', VALUES.ascii);
    await storage.getItem('k');
    await storage.removeItem('k');
    expect(seen.length).toBeGreaterThan(6);
    expect(seen.every((o) => o === options)).toBe(true);
  });

  it('rejects with a StorageError that carries the module error and no stored value', async () => {
    const failure = new Error('User interaction is not allowed.');
    const storage = createExpoSecureStorage({
      getItemAsync: async () => {
        throw failure;
      },
      setItemAsync: async () => {
        throw failure;
      },
      deleteItemAsync: async () => {
        throw failure;
      },
    });
    for (const call of [() => storage.getItem('k'), () => storage.setItem('k', 'SECRET-VALUE'), () => storage.removeItem('k')]) {
      const error = await call().catch((e: unknown) => e);
      expect(isAuthError(error, 'StorageError')).toBe(true);
      expect((error as Error).cause).toBe(failure);
      expect((error as Error).message).not.toContain('SECRET-VALUE');
    }
  });

  it('throws ValidationError without the module or with a bad lockTimeout', () => {
    for (const bad of [undefined, null, {}, { getItemAsync() {} }]) {
      expect(() => createExpoSecureStorage(bad as never)).toThrow(expect.objectContaining({ name: 'ValidationError' }));
    }
    expect(() => createExpoSecureStorage(createExpoSecureStoreDouble(), { lockTimeout: 0 })).toThrow(/lockTimeout/);
  });

  it('shares one lock between stores over the same module', async () => {
    const double = createExpoSecureStoreDouble();
    const stores = [createExpoSecureStorage(double), createExpoSecureStorage(double)];
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        stores[i % 2]?.withLock?.('k', async () => {
          inside += 1;
          most = Math.max(most, inside);
          await new Promise((resolve) => setTimeout(resolve, 1));
          inside -= 1;
        }),
      ),
    );
    expect(most).toBe(1);
  });
});

describe('createKeychainStorage with Windows limits', () => {
  it('is refused by the Credential Manager without chunks: a session record passes 2,560 bytes', async () => {
    const keyring = createWindowsKeyringDouble();
    const unchunked = createKeychainStorageWith(async () => keyring.module, { service: 'cam-test' }, undefined);
    const error = await unchunked.setItem(KEY, VALUES.record).catch((e: unknown) => e);
    expect(isAuthError(error, 'StorageError')).toBe(true);
    const chunked = createKeychainStorageWith(async () => keyring.module, { service: 'cam-test' }, WINDOWS_CREDENTIAL_LIMIT);
    await chunked.setItem(KEY, VALUES.record);
    expect(await chunked.getItem(KEY)).toBe(VALUES.record);
    // A value that fits is one item under its own key, as before chunking.
    await chunked.setItem('k', VALUES.small);
    expect(keyring.items.get('k.cam-test')).toBe(VALUES.small);
  });
});
