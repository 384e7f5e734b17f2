import { describe, expect, it } from 'vitest';
import { createSessionStore } from '../../src/storage/createSessionStore.js';
import { encodeRememberedGroup } from '../../src/storage/placeRecords.js';
import { decodeSession } from '../../src/storage/sessionCodec.js';
import { Item } from '../../src/storage/scopedKeys.js';
import { createInspectableStorage } from './faultyStorage.js';
import { accessGroup, APP, OTHER_APP, privateKey, sessionItems, sessionKey, storeFor, type GroupName } from './scenario.js';
import { sampleSession, stored } from './sessions.js';

const mine = sampleSession('userPool', 'mine');
const theirs = sampleSession('federated', 'theirs');

/** This app, signed in at the place of `from`, and maybe another app signed in to `theirsIn`. */
async function signedIn(from: GroupName, theirsIn?: string) {
  const storage = createInspectableStorage();
  const before = storeFor(storage, from);
  await before.open();
  await before.save(mine);
  if (theirsIn !== undefined) {
    const other = storeFor(storage, theirsIn, false, OTHER_APP);
    await other.open();
    await other.save(theirs);
  }
  return storage;
}

/** Which stored session sits where, by place name ('private' for this app's scope). */
function where(items: Map<string, string>): Record<string, string> {
  const names = new Map<string, string>([
    [sessionKey(APP, null), 'private'],
    [sessionKey(APP, 'one'), 'one'],
    [sessionKey(APP, 'two'), 'two'],
  ]);
  const labels = new Map([
    [stored(mine), 'mine'],
    [stored(theirs), 'theirs'],
  ]);
  return Object.fromEntries([...sessionItems(items)].map(([key, text]) => [names.get(key) ?? key, labels.get(stored(decodeSession(text)) ?? '') ?? '?']));
}

describe('access-group rules at start-up', () => {
  it('remembers the group in use in the private scope, and forgets it when back to none', async () => {
    const storage = createInspectableStorage();
    await storeFor(storage, 'one').open();
    expect(storage.items.get(privateKey(APP, Item.accessGroup))).toBe(encodeRememberedGroup('one'));
    await storeFor(storage, null).open();
    expect(storage.items.has(privateKey(APP, Item.accessGroup))).toBe(false);
    expect(storage.items.has(privateKey(APP, Item.move))).toBe(false);
  });

  it('keeps the session where it is when the group does not change', async () => {
    const storage = await signedIn('one');
    const { session } = await storeFor(storage, 'one', true).open();
    expect(stored(session)).toBe(stored(mine));
    expect(where(storage.items)).toEqual({ one: 'mine' });
  });

  describe('from the private scope to a group', () => {
    it('signs the user out when not migrating, and removes the private session', async () => {
      const storage = await signedIn(null);
      expect((await storeFor(storage, 'one').open()).session).toBeNull();
      expect(where(storage.items)).toEqual({});
    });

    it('moves the session into the group when migrating', async () => {
      const storage = await signedIn(null);
      expect(stored((await storeFor(storage, 'one', true).open()).session)).toBe(stored(mine));
      expect(where(storage.items)).toEqual({ one: 'mine' });
    });

    it('keeps the session another app already migrated into the group', async () => {
      const storage = await signedIn(null, 'one');
      expect(stored((await storeFor(storage, 'one', true).open()).session)).toBe(stored(theirs));
      expect(where(storage.items)).toEqual({ one: 'theirs' });
    });

    it('signs the user in with the session another app keeps in the group, even without migrating', async () => {
      const storage = await signedIn(null, 'one');
      expect(stored((await storeFor(storage, 'one').open()).session)).toBe(stored(theirs));
      expect(where(storage.items)).toEqual({ one: 'theirs' });
    });

    it('treats a first start with no group remembered as coming from the private scope', async () => {
      // A session kept before groups were remembered: no access-group record exists.
      const storage = createInspectableStorage();
      storage.items.set(sessionKey(APP, null), stored(mine) as string);
      expect(stored((await storeFor(storage, 'one', true).open()).session)).toBe(stored(mine));
      expect(where(storage.items)).toEqual({ one: 'mine' });
    });
  });

  describe('from one group to another', () => {
    it('starts signed out in the new group and leaves the old group to the apps still using it', async () => {
      const storage = await signedIn('one');
      expect((await storeFor(storage, 'two').open()).session).toBeNull();
      expect(where(storage.items)).toEqual({ one: 'mine' });
    });

    it('moves the session when migrating, so it is no longer in the old group', async () => {
      const storage = await signedIn('one');
      expect(stored((await storeFor(storage, 'two', true).open()).session)).toBe(stored(mine));
      expect(where(storage.items)).toEqual({ two: 'mine' });
    });

    it('lets the second app of a group that moves find the session the first one moved', async () => {
      const storage = await signedIn('one');
      const first = createSessionStore({ storage, appId: OTHER_APP, accessGroup: accessGroup('one') });
      await first.open();
      // The other app moves first; this app follows.
      await createSessionStore({ storage, appId: OTHER_APP, accessGroup: accessGroup('two', true) }).open();
      expect(stored((await storeFor(storage, 'two', true).open()).session)).toBe(stored(mine));
      expect(where(storage.items)).toEqual({ two: 'mine' });
    });
  });

  describe('from a group back to the private scope', () => {
    it('starts signed out when not migrating, leaving the group as it is', async () => {
      const storage = await signedIn('one');
      expect((await storeFor(storage, null).open()).session).toBeNull();
      expect(where(storage.items)).toEqual({ one: 'mine' });
    });

    it('moves the session back into the private scope when migrating', async () => {
      const storage = await signedIn('one');
      expect(stored((await storeFor(storage, null, true).open()).session)).toBe(stored(mine));
      expect(where(storage.items)).toEqual({ private: 'mine' });
    });
  });

  it('does not bring back a session signed out of after a move that failed at start-up', async () => {
    const storage = await signedIn(null);
    let failNext = true;
    const flaky = {
      getItem: (key: string) => storage.getItem(key),
      removeItem: (key: string) => storage.removeItem(key),
      setItem: async (key: string, value: string) => {
        if (failNext && key === sessionKey(APP, 'one')) {
          failNext = false;
          throw new Error('write failed');
        }
        return storage.setItem(key, value);
      },
    };
    const store = storeFor(flaky, 'one', true);
    const { session, problems } = await store.open();
    expect(session).toBeNull();
    expect(problems.map((p) => p.name)).toEqual(['StorageError']);
    await store.clear();
    expect((await storeFor(storage, 'one', true).open()).session).toBeNull();
    expect(where(storage.items)).toEqual({});
  });

  it('lets a session saved after a failed move win over the old one at the next start', async () => {
    const storage = await signedIn(null);
    let failNext = true;
    const flaky = {
      getItem: (key: string) => storage.getItem(key),
      removeItem: (key: string) => storage.removeItem(key),
      setItem: async (key: string, value: string) => {
        if (failNext && key === sessionKey(APP, 'one')) {
          failNext = false;
          throw new Error('write failed');
        }
        return storage.setItem(key, value);
      },
    };
    const store = storeFor(flaky, 'one', true);
    await store.open();
    await store.save(theirs);
    expect(stored((await storeFor(storage, 'one', true).open()).session)).toBe(stored(theirs));
    expect(where(storage.items)).toEqual({ one: 'theirs' });
  });
});
