/**
 * Regression tests for the defects the adversarial model found (fixed in the library since), each
 * as the smallest test that showed it. The "Got:" comments say what the library
 * did before. (D2, found by reading an earlier revision, was fixed before it could be shown.)
 *
 * D1–D4, D6 and D7 run over the service doubles (doubles.ts); D5 also runs over the real emulator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';
import { AuthError } from '../../src/vocabulary/AuthError.js';
import { AuthProvider } from '../../src/vocabulary/AuthProvider.js';
import { createAuth, type Auth } from '../../src/createAuth.js';
import { AccessGroup } from '../../src/vocabulary/AccessGroup.js';
import { createArmedStorage, type ArmedStorage } from './armedStorage.js';
import { createDoubleWorld, type RunEnv } from './worlds.js';

const world = createDoubleWorld();

async function setup(accessGroup?: AccessGroup): Promise<{ env: RunEnv; auth: Auth; storage: ArmedStorage; hub: string[] }> {
  const env = await world.beginRun();
  const storage = createArmedStorage();
  const auth = env.newAuth({ storage, appId: 'defects.app', ...(accessGroup ? { accessGroup } : {}) });
  const hub: string[] = [];
  auth.hub.listen('auth', (capsule) => hub.push(capsule.payload.event));
  await auth.ready;
  return { env, auth, storage, hub };
}

async function failure(promise: Promise<unknown>): Promise<AuthError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof AuthError)) throw new Error(`expected an AuthError, got ${String(error)}`);
  return error;
}

const state = (auth: Auth) => JSON.stringify(auth.actor.getSnapshot().value);

describe('D1: a failed call in sessionExpired leaves the session refused', () => {
  async function expired() {
    const s = await setup();
    await s.auth.federateToIdentityPool(await s.env.mint('google', 'u1', 'valid'), AuthProvider.google);
    await s.env.addIdentityFault('GetCredentialsForIdentity', 'NotAuthorizedException', 1);
    expect((await failure(s.auth.fetchAuthSession({ forceRefresh: true }))).name).toBe('SessionExpiredError');
    expect(state(s.auth)).toBe('"sessionExpired"');
    return s;
  }

  it('a re-federation that fails (throttled) leaves the session expired', async () => {
    const { env, auth, hub } = await expired();
    await env.addIdentityFault('*', 'TooManyRequestsException', 3);
    expect((await failure(auth.federateToIdentityPool(await env.mint('google', 'u1', 'valid'), AuthProvider.google))).name).toBe(
      'ServiceError',
    );
    // Got: federated.active, and fetchAuthSession hands out the refused session's credentials.
    expect(state(auth)).toBe('"sessionExpired"');
    expect((await failure(auth.fetchAuthSession())).name).toBe('SessionExpiredError');
    expect(hub.filter((e) => e === 'sessionExpired')).toHaveLength(1);
    auth.stop();
  });

  it('a clear that fails (storage) leaves the session expired, and sessionExpired fires once', async () => {
    const { auth, storage, hub } = await expired();
    storage.failNextWrite();
    expect((await failure(auth.clearFederationToIdentityPool())).name).toBe('StorageError');
    // Got: federated.active; the next renewal is refused again and fires a second sessionExpired.
    expect(state(auth)).toBe('"sessionExpired"');
    await auth.fetchAuthSession({ forceRefresh: true }).catch(() => undefined);
    expect(hub.filter((e) => e === 'sessionExpired')).toHaveLength(1);
    auth.stop();
  });
});

describe('D3: with an access group, a failed federation survives fetchAuthSession', () => {
  it('clearFederationToIdentityPool is still allowed after a failed federation and a fetch', async () => {
    const { env, auth } = await setup(new AccessGroup({ name: 'defects.group' }));
    await failure(auth.federateToIdentityPool(await env.mint('google', 'u1', 'bogus'), AuthProvider.google));
    expect(state(auth)).toBe('{"signedOut":"federationFailed"}');
    await auth.fetchAuthSession();
    // Got: signedOut.idle (the shared-session sync lands in idle), so clear is refused.
    expect(state(auth)).toBe('{"signedOut":"federationFailed"}');
    await expect(auth.clearFederationToIdentityPool()).resolves.toBeUndefined();
    auth.stop();
  });
});

describe('D4: a global sign-out that runs past the deadline keeps the names of its failures', () => {
  async function signedIn() {
    const s = await setup();
    await s.auth.signIn({ username: s.env.users.alice.username, password: s.env.users.alice.password, options: { authFlowType: 'USER_PASSWORD_AUTH' } });
    await s.auth.fetchAuthSession();
    await s.env.addUserPoolFault('GlobalSignOut', 'Hang', 1);
    return s;
  }

  it('rejects with ServiceError (a timeout), not CancelledError', async () => {
    const { auth } = await signedIn();
    const error = await failure(auth.signOut({ global: true }));
    // Got: CancelledError "Global sign-out was cancelled." (the signed-out state is right).
    expect(error.name).toBe('ServiceError');
    expect(state(auth)).toBe('{"signedOut":"idle"}');
    auth.stop();
  });

  it('reports a failed local sign-out as the StorageError it is', async () => {
    const { auth, storage } = await signedIn();
    storage.failNextWrite();
    const error = await failure(auth.signOut({ global: true }));
    // Got: ServiceError "Cognito did not answer within …; the session is kept."
    expect(error.name).toBe('StorageError');
    auth.stop();
  });
});

describe('D5: a federation cancelled in the tick it started sends nothing and keeps nothing', () => {
  it('over the doubles: nothing is stored after federate + clear in one tick', async () => {
    const { env, auth, storage } = await setup();
    const token = await env.mint('google', 'u1', 'valid');
    const federation = failure(auth.federateToIdentityPool(token, AuthProvider.google));
    const clear = auth.clearFederationToIdentityPool();
    expect((await federation).name).toBe('CancelledError');
    await clear;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(state(auth)).toBe('{"signedOut":"idle"}');
    // Got: the cancelled federation made GetId and GetCredentialsForIdentity and stored its session.
    expect([...storage.items.keys()].filter((k) => k.endsWith('/session'))).toEqual([]);
    auth.stop();
  });

  describe('over the emulator', () => {
    let emu: EmulatorHandle;
    beforeAll(async () => {
      emu = await startEmulator({ port: 0 });
    });
    afterAll(async () => {
      await emu?.close();
    });

    it('after federate + clear in one tick, a restart comes back signed out', async () => {
      const storage = createArmedStorage();
      const config = {
        region: emu.region,
        identityPoolId: emu.identityPoolId,
        endpoints: { identityPool: emu.endpoint },
        storage,
      };
      const auth = createAuth(config);
      await auth.ready;
      const token = await emu.mintToken(emu.loginKeys.google, 'defect-d5');
      emu.clearCalls();
      const federation = failure(auth.federateToIdentityPool(token, AuthProvider.google));
      await auth.clearFederationToIdentityPool();
      expect((await federation).name).toBe('CancelledError');
      await new Promise((resolve) => setTimeout(resolve, 300));
      auth.stop();
      const restarted = createAuth(config);
      await restarted.ready;
      // Got: GetId and GetCredentialsForIdentity reached the emulator after the clear, and the
      // restarted app is federated with the session the user cleared.
      expect(state(restarted)).toBe('{"signedOut":"idle"}');
      restarted.stop();
    });
  });
});

describe('D6: a failed save after the new password keeps the challenge open', () => {
  it('is not refused with InvalidStateError by a state that accepts it', async () => {
    const { env, auth, storage } = await setup();
    await auth.signIn({ username: env.users.bob.username, password: env.users.bob.password, options: { authFlowType: 'USER_PASSWORD_AUTH' } });
    expect(state(auth)).toBe('{"signingIn":"awaitingNewPassword"}');
    storage.failNextWrite();
    expect((await failure(auth.confirmSignIn({ challengeResponse: 'Bob-New-Passw0rd-1!' }))).name).toBe('StorageError');
    expect(state(auth)).toBe('{"signingIn":"awaitingNewPassword"}');
    // Got: InvalidStateError "There is no new-password challenge to answer." from the service, after
    // the state accepted the call; the challenge was forgotten before the save that failed.
    const again = await auth.confirmSignIn({ challengeResponse: 'Bob-New-Passw0rd-2!' }).then(
      () => 'ok',
      (e: AuthError) => e.name,
    );
    expect(again).not.toBe('InvalidStateError');
    auth.stop();
  });
});

describe('D7: the new-password step handed out expired guest credentials', () => {
  // With allowGuestAccess, a session that waits at CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED
  // kept the guest credentials fetched before signIn; fetchAuthSession there answered them as they
  // were, never renewed (forceRefresh neither), even once expired. Now renewed like any other
  // signed-out state's.
  it('fetchAuthSession renews guest credentials (or hands out none) at the new-password step', async () => {
    const env = await world.beginRun();
    const auth = env.newAuth({ storage: createArmedStorage(), appId: 'defects.app', extra: { allowGuestAccess: true } });
    await auth.ready;
    expect((await auth.fetchAuthSession()).credentials).toBeDefined();
    await auth.signIn({ username: env.users.bob.username, password: env.users.bob.password, options: { authFlowType: 'USER_PASSWORD_AUTH' } });
    expect(state(auth)).toBe('{"signingIn":"awaitingNewPassword"}');
    env.clock.advance(2 * 3_600_000);
    const session = await auth.fetchAuthSession({ forceRefresh: true });
    // Got: the guest credentials of two hours ago, expired for an hour.
    if (session.credentials) expect(session.credentials.expiration.getTime()).toBeGreaterThan(env.clock.now() + 2 * 60_000);
    auth.stop();
  });
});
