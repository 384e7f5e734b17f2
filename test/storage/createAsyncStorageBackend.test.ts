import { describe, expect, it } from 'vitest';
import { isAuthError } from '../../src/vocabulary/AuthError.js';
import { createAsyncStorageBackend } from '../../src/storage/createAsyncStorageBackend.js';
import { createAsyncStorageDouble } from './platformDoubles.js';
import { storeFor } from './scenario.js';
import { fullSizeSession, stored } from './sessions.js';
import { itSharesSessionsBetweenApps } from './sharingContract.js';

describe('createAsyncStorageBackend', () => {
  it('keeps, returns and removes values under the keys as given', async () => {
    const double = createAsyncStorageDouble();
    const storage = createAsyncStorageBackend(double);
    expect(await storage.getItem('cognito-auth-machine/app/x/session')).toBeNull();
    await storage.setItem('cognito-auth-machine/app/x/session', 'value ✓');
    expect(double.items.get('cognito-auth-machine/app/x/session')).toBe('value ✓');
    expect(await storage.getItem('cognito-auth-machine/app/x/session')).toBe('value ✓');
    await storage.removeItem('cognito-auth-machine/app/x/session');
    await storage.removeItem('cognito-auth-machine/app/x/session');
    expect(double.items.size).toBe(0);
  });

  it('keeps a full-size user-pool session in one item across restarts', async () => {
    const double = createAsyncStorageDouble();
    await storeFor(createAsyncStorageBackend(double), 'team', true).save(fullSizeSession());
    const { session, problems } = await storeFor(createAsyncStorageBackend(createAsyncStorageDouble(double.items)), 'team', true).open();
    expect(problems).toEqual([]);
    expect(stored(session)).toBe(stored(fullSizeSession()));
  });

  it('rejects with a StorageError that carries AsyncStorage’s error and no stored value', async () => {
    const failure = new Error('Database or disk is full');
    const fail = async () => {
      throw failure;
    };
    const storage = createAsyncStorageBackend({ getItem: fail, setItem: fail, removeItem: fail });
    for (const call of [() => storage.getItem('k'), () => storage.setItem('k', 'SECRET-VALUE'), () => storage.removeItem('k')]) {
      const error = await call().catch((e: unknown) => e);
      expect(isAuthError(error, 'StorageError')).toBe(true);
      expect((error as Error).cause).toBe(failure);
      expect((error as Error).message).not.toContain('SECRET-VALUE');
    }
  });

  it('throws ValidationError without AsyncStorage or with a bad lockTimeout', () => {
    for (const bad of [undefined, null, {}, { getItem() {} }]) {
      expect(() => createAsyncStorageBackend(bad as never)).toThrow(expect.objectContaining({ name: 'ValidationError' }));
    }
    expect(() => createAsyncStorageBackend(createAsyncStorageDouble(), { lockTimeout: -1 })).toThrow(/lockTimeout/);
  });

  it('gives up with a StorageError when its lock stays held past lockTimeout', async () => {
    const double = createAsyncStorageDouble();
    let release!: () => void;
    const held = createAsyncStorageBackend(double).withLock?.('k', () => new Promise<void>((resolve) => (release = resolve)));
    const error = await createAsyncStorageBackend(double, { lockTimeout: 50 })
      .withLock?.('k', async () => 'never')
      .catch((e: unknown) => e);
    expect(isAuthError(error, 'StorageError')).toBe(true);
    release();
    await held;
  });

  describe('between two apps over one AsyncStorage', () => {
    itSharesSessionsBetweenApps(async () => {
      const double = createAsyncStorageDouble();
      return [createAsyncStorageBackend(double), createAsyncStorageBackend(double)];
    });
  });
});
