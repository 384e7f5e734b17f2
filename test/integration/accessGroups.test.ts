/**
 * Two apps (different appIds) sharing one device store through createAuth, against the real
 * emulator: the seed's "sign in within one app that uses this access group; after reloading
 * another app that uses this access group, the user will be signed in. Likewise, signing out of
 * one app will sign out the other app after reloading it." Run over a real file directory and
 * over the real platform keychain (Secret Service), which CI provides.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';
import { AccessGroup, AuthProvider, createAuth, type Auth, type SecureStorage } from '../../src/index.js';
import { createFileStorage, createKeychainStorage } from '../../src/node.js';
import { needService, within } from '../storage/realServices.js';

let emu: EmulatorHandle;
let directory: string;
const started: Auth[] = [];

beforeAll(async () => {
  emu = await startEmulator();
  directory = await mkdtemp(join(tmpdir(), 'cam-groups-'));
});

afterAll(async () => {
  for (const auth of started) auth.stop();
  await emu?.close();
  await rm(directory, { recursive: true, force: true });
});

function app(storage: SecureStorage, appId: string, accessGroup?: AccessGroup): Auth {
  const auth = createAuth({
    region: emu.region,
    identityPoolId: emu.identityPoolId,
    endpoints: { identityPool: emu.endpoint },
    storage,
    appId,
    ...(accessGroup ? { secureStoragePreferences: { accessGroup } } : {}),
  });
  started.push(auth);
  return auth;
}

/** "Reloading" an app: stop it and create it again over the same store. */
async function reload(auth: Auth, storage: SecureStorage, appId: string, accessGroup?: AccessGroup): Promise<Auth> {
  auth.stop();
  const again = app(storage, appId, accessGroup);
  await within(5_000, 'ready', again.ready);
  return again;
}

async function keychainMissing(): Promise<string | undefined> {
  try {
    const probe = createKeychainStorage({ service: `cam-probe-${randomBytes(4).toString('hex')}`, linuxStore: 'secret-service' });
    await within(5_000, 'The keychain', probe.setItem('probe', 'probe'));
    await within(5_000, 'The keychain', probe.removeItem('probe'));
    return undefined;
  } catch (error) {
    return `No usable keychain (Secret Service): ${String((error as Error).message)}`;
  }
}

const backends: { name: string; make(ctx: TestContext): Promise<SecureStorage> }[] = [
  {
    name: 'one file directory',
    make: async () => createFileStorage({ directory: await mkdtemp(join(directory, 'device-')) }),
  },
  {
    name: 'one keychain service',
    make: async (ctx) => {
      needService(ctx, await keychainMissing(), 'CAM_REQUIRE_KEYCHAIN');
      return createKeychainStorage({ service: `cam-groups-${process.pid}-${randomBytes(4).toString('hex')}`, linuxStore: 'secret-service' });
    },
  },
];

describe.each(backends)('two apps sharing $name', ({ make }) => {
  it('sees a federation made in the other app after reloading, and its clearing too', async (ctx) => {
    const device = await make(ctx);
    const group = new AccessGroup({ name: 'TEAM.com.example.shared' });
    let a = app(device, 'app-a', group);
    let b = app(device, 'app-b', group);
    await Promise.all([a.ready, b.ready]);

    const token = await emu.mintToken('graph.facebook.com', `shared-${randomBytes(4).toString('hex')}`);
    const { identityId } = await within(5_000, 'federate in A', a.federateToIdentityPool(token, AuthProvider.facebook));

    emu.clearCalls();
    b = await reload(b, device, 'app-b', group);
    expect(b.actor.getSnapshot().matches('federated')).toBe(true);
    expect(await b.fetchAuthSession()).toMatchObject({ isSignedIn: true, identityId });
    expect(emu.calls()).toEqual([]);

    await within(5_000, 'clear in B', b.clearFederationToIdentityPool());
    a = await reload(a, device, 'app-a', group);
    expect(a.actor.getSnapshot().matches('signedOut')).toBe(true);
    expect(await a.fetchAuthSession()).toEqual({ isSignedIn: false });
  });

  it('picks up a change the other app made before fetchAuthSession answers, without a reload', async (ctx) => {
    const device = await make(ctx);
    const group = new AccessGroup({ name: 'TEAM.com.example.live' });
    const a = app(device, 'app-a', group);
    const b = app(device, 'app-b', group);
    await Promise.all([a.ready, b.ready]);

    const token = await emu.mintToken('graph.facebook.com', `live-${randomBytes(4).toString('hex')}`);
    const { identityId } = await a.federateToIdentityPool(token, AuthProvider.facebook);
    expect(await within(5_000, 'fetch in B', b.fetchAuthSession())).toMatchObject({ isSignedIn: true, identityId });

    await a.clearFederationToIdentityPool();
    expect(await within(5_000, 'fetch in B after A cleared', b.fetchAuthSession())).toEqual({ isSignedIn: false });
    expect(b.actor.getSnapshot().matches('signedOut')).toBe(true);
  });

  it('keeps apps in different groups, or without a group, apart', async (ctx) => {
    const device = await make(ctx);
    const one = app(device, 'app-a', new AccessGroup({ name: 'group-one' }));
    const other = app(device, 'app-b', new AccessGroup({ name: 'group-two' }));
    const alone = app(device, 'app-c');
    const aloneToo = app(device, 'app-a');
    await Promise.all([one.ready, other.ready, alone.ready, aloneToo.ready]);

    const token = await emu.mintToken('graph.facebook.com', `apart-${randomBytes(4).toString('hex')}`);
    await one.federateToIdentityPool(token, AuthProvider.facebook);
    for (const [name, auth] of [
      ['another group', other],
      ['no group', alone],
      ['the same appId without the group', aloneToo],
    ] as const) {
      expect(await within(5_000, name, auth.fetchAuthSession()), name).toEqual({ isSignedIn: false });
    }
  });

  it('moves a private session into the group when the app starts using it with migration', async (ctx) => {
    const device = await make(ctx);
    let a = app(device, 'app-a');
    await a.ready;
    const token = await emu.mintToken('graph.facebook.com', `move-${randomBytes(4).toString('hex')}`);
    const { identityId } = await a.federateToIdentityPool(token, AuthProvider.facebook);

    const group = new AccessGroup({ name: 'TEAM.com.example.moved', migrateKeychainItemsOfUserSession: true });
    a = await reload(a, device, 'app-a', group);
    expect(await a.fetchAuthSession()).toMatchObject({ isSignedIn: true, identityId });
    const b = app(device, 'app-b', group);
    await b.ready;
    expect(await b.fetchAuthSession()).toMatchObject({ isSignedIn: true, identityId });
  });

  it('signs the user out when the app starts using a group without migration', async (ctx) => {
    const device = await make(ctx);
    let a = app(device, 'app-a');
    await a.ready;
    const token = await emu.mintToken('graph.facebook.com', `nomove-${randomBytes(4).toString('hex')}`);
    await a.federateToIdentityPool(token, AuthProvider.facebook);

    a = await reload(a, device, 'app-a', new AccessGroup({ name: 'TEAM.com.example.fresh' }));
    expect(await a.fetchAuthSession()).toEqual({ isSignedIn: false });
    // Swift's rule: leaving the private scope for a group removes the old items, so going back finds nothing.
    a = await reload(a, device, 'app-a', AccessGroup.none());
    expect(await a.fetchAuthSession()).toEqual({ isSignedIn: false });
  });
});
