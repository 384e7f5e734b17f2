import { expect, it, type TestContext } from 'vitest';
import { AccessGroup } from '../../src/vocabulary/AccessGroup.js';
import { createSessionStore } from '../../src/storage/createSessionStore.js';
import type { SecureStorage } from '../../src/vocabulary/SecureStorage.js';
import { sampleSession, stored } from './sessions.js';

/**
 * The behaviour every backend must give two apps at the SessionStore level. `storages()` gives
 * two instances over the same backing store (as two processes would open it), fresh each test;
 * it may skip the test through `ctx`.
 */
export function itSharesSessionsBetweenApps(
  storages: (ctx: TestContext) => Promise<[SecureStorage, SecureStorage]>,
): void {
  const group = (name: string) => new AccessGroup({ name });

  it('shows a sign-in of one app of a group to the other at its next load and open', async (ctx) => {
    const [a, b] = await storages(ctx);
    const one = createSessionStore({ storage: a, appId: 'app.one', accessGroup: group('team') });
    const two = createSessionStore({ storage: b, appId: 'app.two', accessGroup: group('team') });
    await one.open();
    expect((await two.open()).session).toBeNull();
    await one.save(sampleSession('userPool'));
    expect(stored(await two.load())).toBe(stored(sampleSession('userPool')));
    const reopened = createSessionStore({ storage: b, appId: 'app.two', accessGroup: group('team') });
    expect(stored((await reopened.open()).session)).toBe(stored(sampleSession('userPool')));
  });

  it('signs the other app of a group out when one signs out', async (ctx) => {
    const [a, b] = await storages(ctx);
    const one = createSessionStore({ storage: a, appId: 'app.one', accessGroup: group('team') });
    const two = createSessionStore({ storage: b, appId: 'app.two', accessGroup: group('team') });
    await one.open();
    await two.open();
    await two.save(sampleSession('federated'));
    expect(stored(await one.load())).toBe(stored(sampleSession('federated')));
    await one.clear();
    expect(await two.load()).toBeNull();
  });

  it('keeps apps in different groups, or without a group, apart', async (ctx) => {
    const [a, b] = await storages(ctx);
    const pairs = [
      [group('team.a'), group('team.b')],
      [AccessGroup.none(), AccessGroup.none()],
      [group('team.a'), AccessGroup.none()],
    ] as const;
    for (const [first, second] of pairs) {
      const one = createSessionStore({ storage: a, appId: 'app.one', accessGroup: first });
      const two = createSessionStore({ storage: b, appId: 'app.two', accessGroup: second });
      await one.open();
      await two.open();
      await one.save(sampleSession('guest'));
      expect(await two.load()).toBeNull();
      await one.clear();
    }
  });
}
