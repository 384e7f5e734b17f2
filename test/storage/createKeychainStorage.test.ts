import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, mkdtemp, readdir, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { isAuthError } from '../../src/vocabulary/AuthError.js';
import { createKeychainStorage } from '../../src/node.js';
import type { SecureStorage } from '../../src/vocabulary/SecureStorage.js';
import {
  createKeychainStorageWith,
  defaultLockDirectory,
  KEYRING_PACKAGE,
  WINDOWS_CREDENTIAL_LIMIT,
  type KeychainStorageOptions,
  type KeyringLoader,
} from '../../src/storage/node/createKeychainStorage.js';
import { needService, within } from './realServices.js';
import { storeFor } from './scenario.js';
import { fullSizeSession, sampleSession, stored } from './sessions.js';
import { itSharesSessionsBetweenApps } from './sharingContract.js';

const REQUIRE = 'CAM_REQUIRE_KEYCHAIN';
// On Linux, insist on the Secret Service: the package would otherwise fall back to the kernel
// keyring, and the test would not be about the keychain a desktop has.
const platformOptions: KeychainStorageOptions = process.platform === 'linux' ? { linuxStore: 'secret-service' } : {};

/** Why the platform keychain cannot be used here, or `undefined` when it can. */
async function keychainMissing(): Promise<string | undefined> {
  try {
    const storage = createKeychainStorage({ service: `cam-probe-${randomBytes(4).toString('hex')}`, ...platformOptions });
    await within(5_000, 'The keychain', storage.setItem('probe', 'probe'));
    const value = await within(5_000, 'The keychain', storage.getItem('probe'));
    await within(5_000, 'The keychain', storage.removeItem('probe'));
    return value === 'probe' ? undefined : 'The keychain gave back a different value';
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    return `No usable keychain (Secret Service on Linux): ${String((cause as Error | undefined)?.message ?? error)}`;
  }
}

const missing = await keychainMissing();

/** Every service made by a test, emptied afterwards. */
const services: string[] = [];
function testService(): string {
  const service = `cam-test-${process.pid}-${randomBytes(4).toString('hex')}`;
  services.push(service);
  return service;
}
afterEach(async () => {
  if (missing !== undefined) return;
  const { findCredentialsAsync, AsyncEntry } = await import('@napi-rs/keyring');
  for (const service of services.splice(0)) {
    for (const { account } of await findCredentialsAsync(service)) {
      await new AsyncEntry(service, account, platformOptions.linuxStore ? { linux: { store: platformOptions.linuxStore } } : undefined).deletePassword();
    }
  }
});

function keychain(service: string): SecureStorage {
  return createKeychainStorage({ service, ...platformOptions });
}

describe('createKeychainStorage over the real platform keychain', () => {
  it('keeps, returns and removes values by key', async (ctx) => {
    needService(ctx, missing, REQUIRE);
    const storage = keychain(testService());
    expect(await storage.getItem('cognito-auth-machine/app/x/session')).toBeNull();
    await storage.setItem('cognito-auth-machine/app/x/session', 'value ✓');
    expect(await storage.getItem('cognito-auth-machine/app/x/session')).toBe('value ✓');
    await storage.setItem('cognito-auth-machine/app/x/session', 'replaced');
    expect(await storage.getItem('cognito-auth-machine/app/x/session')).toBe('replaced');
    await storage.removeItem('cognito-auth-machine/app/x/session');
    await storage.removeItem('cognito-auth-machine/app/x/session');
    expect(await storage.getItem('cognito-auth-machine/app/x/session')).toBeNull();
  });

  it('keeps a whole user-pool session across restarts of the store', async (ctx) => {
    needService(ctx, missing, REQUIRE);
    const service = testService();
    await storeFor(keychain(service), 'team', true).save(sampleSession('userPool'));
    const { session, problems } = await storeFor(keychain(service), 'team', true).open();
    expect(problems).toEqual([]);
    expect(stored(session)).toBe(stored(sampleSession('userPool')));
  });

  it('keeps a full-size session in chunks, as on Windows, and removes every chunk at sign-out', async (ctx) => {
    needService(ctx, missing, REQUIRE);
    const service = testService();
    const chunked = () =>
      createKeychainStorageWith((() => import('@napi-rs/keyring')) as KeyringLoader, { service, ...platformOptions }, WINDOWS_CREDENTIAL_LIMIT);
    await storeFor(chunked(), 'team', true).save(fullSizeSession());
    const { findCredentialsAsync } = await import('@napi-rs/keyring');
    const accounts = (await findCredentialsAsync(service)).map(({ account }) => account);
    expect(accounts.filter((account) => account.includes('#chunk.')).length).toBeGreaterThan(2);
    const reopened = storeFor(chunked(), 'team', true);
    const { session, problems } = await reopened.open();
    expect(problems).toEqual([]);
    expect(stored(session)).toBe(stored(fullSizeSession()));
    await reopened.clear();
    expect((await findCredentialsAsync(service)).map(({ account }) => account).filter((a) => a.includes('#chunk'))).toEqual([]);
  });

  it('keeps services apart', async (ctx) => {
    needService(ctx, missing, REQUIRE);
    await keychain(testService()).setItem('k', 'one');
    expect(await keychain(testService()).getItem('k')).toBeNull();
  });

  describe('between two apps over one service', () => {
    itSharesSessionsBetweenApps(async (ctx) => {
      needService(ctx, missing, REQUIRE);
      const service = testService();
      return [keychain(service), keychain(service)];
    });
  });
});

describe('createKeychainStorage without its optional package', () => {
  it('rejects with a StorageError that names the package, and tries again later', async () => {
    const failure = new Error('Cannot find module');
    let attempts = 0;
    const storage = createKeychainStorageWith(async () => {
      attempts += 1;
      throw failure;
    });
    for (const call of [() => storage.getItem('k'), () => storage.setItem('k', 'v'), () => storage.removeItem('k')]) {
      const error = await call().catch((e: unknown) => e);
      expect(isAuthError(error, 'StorageError')).toBe(true);
      expect((error as Error).message).toContain(KEYRING_PACKAGE);
      expect((error as Error).cause).toBe(failure);
    }
    expect(attempts).toBe(3);
  });

  it('can be imported, and created, when the package cannot be loaded', async () => {
    vi.resetModules();
    vi.doMock('@napi-rs/keyring', () => {
      throw new Error('Cannot find native binding');
    });
    try {
      const node = await import('../../src/node.js');
      const storage = node.createKeychainStorage();
      const error = await storage.getItem('k').catch((e: unknown) => e);
      // A fresh module graph: its AuthError is another class than the one imported above.
      expect((error as Error).name).toBe('StorageError');
      expect((error as Error).message).toContain(KEYRING_PACKAGE);
    } finally {
      vi.doUnmock('@napi-rs/keyring');
      vi.resetModules();
    }
  });

  it('throws ValidationError for an empty service', () => {
    expect(() => createKeychainStorage({ service: '' })).toThrow(/service/);
  });
});

const made: string[] = [];
async function freshDirectory(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'cam-keychain-locks-'));
  made.push(directory);
  return directory;
}
afterAll(async () => {
  await Promise.all(made.map((d) => rm(d, { recursive: true, force: true })));
});

/** A keychain storage whose package is never loaded: its lock needs none. */
function lockOnly(options: KeychainStorageOptions): SecureStorage {
  return createKeychainStorageWith(async () => {
    throw new Error('The keyring is not used by withLock.');
  }, options);
}

const posix = process.platform !== 'win32';
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('createKeychainStorage.withLock', () => {
  it('lets one holder in at a time between two stores of one service, through a per-user lock folder made 0700', async () => {
    const lockDirectory = join(await freshDirectory(), 'locks');
    const service = 'cam-test-lock';
    const stores = [lockOnly({ service, lockDirectory }), lockOnly({ service, lockDirectory })];
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        stores[i % 2]?.withLock?.('cognito-auth-machine/group/team/session', async () => {
          inside += 1;
          most = Math.max(most, inside);
          await pause(2);
          inside -= 1;
        }),
      ),
    );
    expect(most).toBe(1);
    if (posix) expect((await stat(lockDirectory)).mode & 0o777).toBe(0o700);
    expect(await readdir(lockDirectory)).toEqual([]);
  });

  it('keeps the locks of different services apart', async () => {
    const lockDirectory = await freshDirectory();
    let release!: () => void;
    const held = lockOnly({ service: 'one', lockDirectory }).withLock?.('k', () => new Promise<void>((resolve) => (release = resolve)));
    await pause(10);
    expect(await lockOnly({ service: 'two', lockDirectory, lockTimeout: 200 }).withLock?.('k', async () => 'free')).toBe('free');
    release();
    await held;
  });

  it('gives up with a StorageError when the lock stays held past lockTimeout', async () => {
    const lockDirectory = await freshDirectory();
    let release!: () => void;
    const held = lockOnly({ lockDirectory }).withLock?.('k', () => new Promise<void>((resolve) => (release = resolve)));
    await pause(10);
    const error = await lockOnly({ lockDirectory, lockTimeout: 200 })
      .withLock?.('k', async () => 'never')
      .catch((e: unknown) => e);
    expect(isAuthError(error, 'StorageError')).toBe(true);
    release();
    await held;
  });

  it('uses a lock folder in the temporary folder named with the user id by default', () => {
    const user = typeof process.getuid === 'function' ? String(process.getuid()) : '';
    expect(defaultLockDirectory().startsWith(tmpdir())).toBe(true);
    expect(defaultLockDirectory()).toContain(`cognito-auth-machine-locks-${user}`);
  });

  it.runIf(posix)('refuses a lock folder that others can write, or that is a link', async () => {
    const writable = await freshDirectory();
    await chmod(writable, 0o777);
    const error = await lockOnly({ lockDirectory: writable })
      .withLock?.('k', async () => 'never')
      .catch((e: unknown) => e);
    expect(isAuthError(error, 'StorageError')).toBe(true);
    expect((error as Error & { recoverySuggestion: string }).recoverySuggestion).toMatch(/chmod 700/);
    const linked = join(await freshDirectory(), 'link');
    await symlink(await freshDirectory(), linked);
    const refused = await lockOnly({ lockDirectory: linked })
      .withLock?.('k', async () => 'never')
      .catch((e: unknown) => e);
    expect(isAuthError(refused, 'StorageError')).toBe(true);
    expect((refused as Error).message).toMatch(/symbolic link/);
  });

  it.runIf(posix)('refuses a lock folder that another user owns', async (ctx) => {
    if (process.getuid?.() !== 0) ctx.skip('Giving a folder to another user (chown) needs root.');
    const foreign = join(await freshDirectory(), 'locks');
    await mkdir(foreign, { mode: 0o700 });
    await chown(foreign, 65534, 65534);
    const error = await lockOnly({ lockDirectory: foreign })
      .withLock?.('k', async () => 'never')
      .catch((e: unknown) => e);
    expect(isAuthError(error, 'StorageError')).toBe(true);
    expect((error as Error).message).toMatch(/another user/);
  });

  it('loses no increment of an item of the real keychain between two stores under the lock', async (ctx) => {
    needService(ctx, missing, REQUIRE);
    const service = testService();
    const lockDirectory = await freshDirectory();
    const stores = [0, 1].map(() => createKeychainStorage({ service, lockDirectory, ...platformOptions }));
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        stores[i % 2]?.withLock?.('counter', async () => {
          const value = Number((await stores[0]?.getItem('counter')) ?? '0');
          await stores[1]?.setItem('counter', String(value + 1));
        }),
      ),
    );
    expect(await stores[0]?.getItem('counter')).toBe('10');
  });
});
