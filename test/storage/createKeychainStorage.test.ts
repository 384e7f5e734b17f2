import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isAuthError } from '../../src/AuthError.js';
import { createKeychainStorage } from '../../src/node.js';
import type { SecureStorage } from '../../src/storage/SecureStorage.js';
import { createKeychainStorageWith, KEYRING_PACKAGE, type KeychainStorageOptions } from '../../src/storage/node/createKeychainStorage.js';
import { needService, within } from './realServices.js';
import { storeFor } from './scenario.js';
import { sampleSession, stored } from './sessions.js';
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
