import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { AuthError, isAuthError } from '../../src/vocabulary/AuthError.js';
import { AccessGroup } from '../../src/vocabulary/AccessGroup.js';
import { createMemoryStorage } from '../../src/storage/createMemoryStorage.js';
import { createSessionStore } from '../../src/storage/createSessionStore.js';
import type { SecureStorage } from '../../src/vocabulary/SecureStorage.js';
import { Item, quarantined } from '../../src/storage/scopedKeys.js';
import { SESSION_RECORD_VERSION } from '../../src/storage/sessionCodec.js';
import { createInspectableStorage } from './faultyStorage.js';
import { APP, privateKey, sessionKey, storeFor } from './scenario.js';
import { sampleSession, SECRET_VALUES, stored } from './sessions.js';

/** Everything an error can show: message, suggestion, JSON, inspection, and its causes. */
function everythingShown(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && depth < 5; e = (e as { cause?: unknown }).cause, depth += 1) {
    parts.push(String(e), inspect(e, { depth: 5 }), JSON.stringify(e) ?? '');
    if (e instanceof AuthError) parts.push(e.recoverySuggestion);
  }
  return parts.join('\n');
}

function expectSecretFree(error: unknown, secrets: readonly string[] = SECRET_VALUES): void {
  const shown = everythingShown(error);
  for (const secret of secrets) expect(shown).not.toContain(secret);
}

function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('createSessionStore', () => {
  describe('checks its options at once', () => {
    it.each([
      ['an empty appId', { appId: '' }],
      ['an appId of spaces', { appId: '  ' }],
      ['an appId with a control character', { appId: 'app\u0007' }],
      ['an appId longer than 256 characters', { appId: 'a'.repeat(257) }],
      ['an appId that is not a string', { appId: undefined }],
      ['a group with an empty name', { accessGroup: { name: '', migrateKeychainItemsOfUserSession: false } }],
      ['a group with a control character', { accessGroup: { name: 'g\r', migrateKeychainItemsOfUserSession: false } }],
      ['a storage without removeItem', { storage: { getItem: async () => null, setItem: async () => undefined } }],
      ['no storage', { storage: undefined }],
    ])('throws ValidationError synchronously for %s', (_, override) => {
      const options = { storage: createMemoryStorage(), appId: APP, ...override };
      const error = thrownBy(() => createSessionStore(options as never));
      expect(isAuthError(error, 'ValidationError')).toBe(true);
    });

    it('accepts no group as the private scope, which is not shared', () => {
      expect(createSessionStore({ storage: createMemoryStorage(), appId: APP }).shared).toBe(false);
      expect(storeFor(createMemoryStorage(), null).shared).toBe(false);
      expect(storeFor(createMemoryStorage(), 'team').shared).toBe(true);
    });
  });

  describe('keeps one session record', () => {
    it.each(['guest', 'federated', 'userPool'] as const)('saves, loads and clears a %s session', async (kind) => {
      const storage = createMemoryStorage();
      const store = storeFor(storage, null);
      expect(await store.open()).toEqual({ session: null, generation: null, problems: [] });
      await store.save(sampleSession(kind));
      expect(stored(await store.load())).toBe(stored(sampleSession(kind)));
      expect(stored((await storeFor(storage, null).open()).session)).toBe(stored(sampleSession(kind)));
      await store.clear();
      expect(await store.load()).toBeNull();
    });

    it('stores under the scoped key only, writing nothing at a first start without a group', async () => {
      const storage = createInspectableStorage();
      const store = storeFor(storage, null);
      await store.open();
      expect(storage.items.size).toBe(0);
      await store.save(sampleSession('guest'));
      expect([...storage.items.keys()]).toEqual([sessionKey(APP, null)]);
    });
  });

  describe('starts signed out, without throwing, when a record cannot be used', () => {
    const corrupt = `{"version":1,"kind":"userPool","username":"u","tokens":{"idToken":"${SECRET_VALUES[0]}","accessToken":"${SECRET_VALUES[1]}"`;

    it('keeps a corrupt record aside and reports a secret-free StorageError', async () => {
      const storage = createInspectableStorage();
      storage.items.set(sessionKey(APP, null), corrupt);
      const { session, problems } = await storeFor(storage, null).open();
      expect(session).toBeNull();
      expect(problems).toHaveLength(1);
      expect(isAuthError(problems[0], 'StorageError')).toBe(true);
      expectSecretFree(problems[0]);
      expect(storage.items.has(sessionKey(APP, null))).toBe(false);
      expect(storage.items.get(privateKey(APP, quarantined(Item.session)))).toBe(corrupt);
      expect(await storeFor(storage, null).open()).toEqual({ session: null, generation: null, problems: [] });
    });

    it.each([
      ['not JSON', 'eyJhbGciOiJSUzI1NiJ9.ID-TOKEN-SECRET.sig'],
      ['an array', `["${SECRET_VALUES[2]}"]`],
      ['an unknown kind', `{"version":1,"kind":"root","token":"${SECRET_VALUES[5]}"}`],
      ['a missing field', `{"version":1,"kind":"guest","credentials":{"secretAccessKey":"${SECRET_VALUES[3]}"}}`],
      ['an older version', `{"version":0,"kind":"guest"}`],
    ])('treats %s the same way', async (_, text) => {
      const storage = createInspectableStorage();
      storage.items.set(sessionKey(APP, 'team'), text);
      const { session, problems } = await storeFor(storage, 'team').open();
      expect(session).toBeNull();
      expect(problems.map((p) => p.name)).toEqual(['StorageError']);
      expectSecretFree(problems[0]);
      expect(storage.items.get(sessionKey(APP, 'team'))).toBeUndefined();
    });

    it('leaves a record of a newer version in place for the apps that can read it', async () => {
      const storage = createInspectableStorage();
      const newer = `{"version":${SESSION_RECORD_VERSION + 1},"kind":"guest","secret":"${SECRET_VALUES[3]}"}`;
      storage.items.set(sessionKey(APP, 'team'), newer);
      const { session, problems } = await storeFor(storage, 'team').open();
      expect(session).toBeNull();
      expect(problems.map((p) => p.name)).toEqual(['StorageError']);
      expect(problems[0]?.message).toMatch(/newer version/);
      expectSecretFree(problems[0]);
      expect(storage.items.get(sessionKey(APP, 'team'))).toBe(newer);
    });

    it('resolves signed out with a StorageError when the storage cannot be read', async () => {
      const failure = new Error('keychain locked');
      const storage: SecureStorage = {
        getItem: async () => {
          throw failure;
        },
        setItem: async () => undefined,
        removeItem: async () => undefined,
      };
      const { session, problems } = await storeFor(storage, 'team', true).open();
      expect(session).toBeNull();
      expect(problems.length).toBeGreaterThan(0);
      for (const problem of problems) {
        expect(isAuthError(problem, 'StorageError')).toBe(true);
        expect(problem.cause).toBeDefined();
      }
    });

    it('keeps unreadable records about the group used last and about a move aside too', async () => {
      const storage = createInspectableStorage();
      storage.items.set(privateKey(APP, Item.accessGroup), '{"version":1,"gro');
      storage.items.set(privateKey(APP, Item.move), '{"version":1,"from":nu');
      const { session, problems } = await storeFor(storage, null).open();
      expect(session).toBeNull();
      expect(problems.map((p) => p.name)).toEqual(['StorageError', 'StorageError']);
      expect(storage.items.get(privateKey(APP, quarantined(Item.accessGroup)))).toBe('{"version":1,"gro');
      expect(storage.items.get(privateKey(APP, quarantined(Item.move)))).toBe('{"version":1,"from":nu');
      expect(await storeFor(storage, null).open()).toEqual({ session: null, generation: null, problems: [] });
    });

    it('load() reports a corrupt record once, keeps it aside, then reads no session', async () => {
      const storage = createInspectableStorage();
      const store = storeFor(storage, 'team');
      await store.open();
      storage.items.set(sessionKey(APP, 'team'), corrupt);
      const error = await store.load().catch((e: unknown) => e);
      expect(isAuthError(error, 'StorageError')).toBe(true);
      expectSecretFree(error);
      expect(await store.load()).toBeNull();
    });
  });

  describe('rejects with a StorageError when a write fails', () => {
    const failingWrites = (backing: SecureStorage, failure: Error): SecureStorage => ({
      getItem: (key) => backing.getItem(key),
      setItem: async () => {
        throw failure;
      },
      removeItem: async () => {
        throw failure;
      },
    });

    it('on save, keeping the record that was there', async () => {
      const backing = createMemoryStorage();
      await storeFor(backing, null).save(sampleSession('guest'));
      const failure = new Error('disk full');
      const store = storeFor(failingWrites(backing, failure), null);
      const error = await store.save(sampleSession('userPool')).catch((e: unknown) => e);
      expect(isAuthError(error, 'StorageError')).toBe(true);
      expect((error as AuthError).cause).toBe(failure);
      expectSecretFree(error);
      expect(stored((await storeFor(backing, null).open()).session)).toBe(stored(sampleSession('guest')));
    });

    it('on clear', async () => {
      const backing = createMemoryStorage();
      await storeFor(backing, null).save(sampleSession('guest'));
      const failure = new Error('locked');
      const store = storeFor(failingWrites(backing, failure), null);
      await store.open();
      const error = await store.clear().catch((e: unknown) => e);
      expect(isAuthError(error, 'StorageError')).toBe(true);
      expect((error as AuthError).cause).toBe(failure);
    });
  });

  describe('shares the session of a group between apps', () => {
    it('lets another app of the group see a sign-in and a sign-out at its next load', async () => {
      const storage = createMemoryStorage();
      const one = createSessionStore({ storage, appId: 'app.one', accessGroup: new AccessGroup({ name: 'team' }) });
      const two = createSessionStore({ storage, appId: 'app.two', accessGroup: new AccessGroup({ name: 'team' }) });
      await one.open();
      await two.open();
      await one.save(sampleSession('federated'));
      expect(stored(await two.load())).toBe(stored(sampleSession('federated')));
      await two.clear();
      expect(await one.load()).toBeNull();
    });

    it('keeps apps without a group, or in different groups, apart', async () => {
      const storage = createMemoryStorage();
      const stores = [
        createSessionStore({ storage, appId: 'app.one' }),
        createSessionStore({ storage, appId: 'app.two' }),
        createSessionStore({ storage, appId: 'app.three', accessGroup: new AccessGroup({ name: 'team.a' }) }),
        createSessionStore({ storage, appId: 'app.four', accessGroup: new AccessGroup({ name: 'team.b' }) }),
      ];
      for (const store of stores) await store.open();
      await stores[0]?.save(sampleSession('guest'));
      await stores[2]?.save(sampleSession('userPool'));
      expect(await stores[1]?.load()).toBeNull();
      expect(await stores[3]?.load()).toBeNull();
    });
  });
});
