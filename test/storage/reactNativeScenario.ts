// Bundled and run by reactNativeContext.test.ts in a bare JavaScript context: no TextEncoder,
// Buffer or crypto, only timers, as React Native's Hermes gives. The stores are test doubles.
import { createAsyncStorageBackend, createExpoSecureStorage } from '../../src/reactNative.js';
import { AccessGroup } from '../../src/vocabulary/AccessGroup.js';
import { createSessionStore } from '../../src/storage/createSessionStore.js';
import type { SecureStorage } from '../../src/vocabulary/SecureStorage.js';
import { createAsyncStorageDouble, createExpoSecureStoreDouble, FaultPlan, EXPO_VALUE_BYTES, utf8Length } from './platformDoubles.js';
import { fullSizeSession, stored } from './sessions.js';

const group = new AccessGroup({ name: 'team.one', migrateKeychainItemsOfUserSession: true });
const store = (storage: SecureStorage) => createSessionStore({ storage, appId: 'com.example.app', accessGroup: group });

/** Saves a full-size session in one store, opens it in a fresh one: whether it came back whole. */
async function roundTrip(first: SecureStorage, second: SecureStorage) {
  const session = fullSizeSession();
  await store(first).open();
  await store(first).save(session);
  const { session: restored, problems } = await store(second).open();
  return { whole: stored(restored) === stored(session), problems: problems.map((p) => p.message) };
}

/** A write of a new record cut short at every write in turn: what a fresh store reads after. */
async function cutShortWrites() {
  const oldValue = stored(fullSizeSession('old')) as string;
  const newValue = stored(fullSizeSession('new')) as string;
  const reads: string[] = [];
  for (let atWrite = 1; atWrite <= 20; atWrite += 1) {
    const items = new Map<string, string>();
    await createExpoSecureStorage(createExpoSecureStoreDouble(items)).setItem('k', oldValue);
    const plan = new FaultPlan({ atWrite, mode: 'crashAfter' });
    await createExpoSecureStorage(createExpoSecureStoreDouble(items, plan)).setItem('k', newValue).catch(() => undefined);
    if (!plan.struck) break;
    const read = await createExpoSecureStorage(createExpoSecureStoreDouble(items)).getItem('k');
    reads.push(read === oldValue ? 'old' : read === newValue ? 'new' : 'other');
  }
  return reads;
}

export async function run() {
  const expoItems = new Map<string, string>();
  const expo = await roundTrip(
    createExpoSecureStorage(createExpoSecureStoreDouble(expoItems)),
    createExpoSecureStorage(createExpoSecureStoreDouble(expoItems)),
  );
  const asyncItems = new Map<string, string>();
  const asyncStorage = await roundTrip(
    createAsyncStorageBackend(createAsyncStorageDouble(asyncItems)),
    createAsyncStorageBackend(createAsyncStorageDouble(asyncItems)),
  );
  return {
    globals: { TextEncoder: typeof TextEncoder, Buffer: typeof Buffer, crypto: typeof crypto },
    expo,
    expoItems: expoItems.size,
    expoLargestItem: Math.max(...[...expoItems.values()].map(utf8Length)),
    expoLimit: EXPO_VALUE_BYTES,
    asyncStorage,
    cutShort: await cutShortWrites(),
  };
}
