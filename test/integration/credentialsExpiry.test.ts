// Expiry in the statechart: a real auth actor, its real services over HTTP against the emulator,
// and a moved clock (XState's SimulatedClock, which the services and the emulator read too, with
// Cognito an hour ahead of the device). The inspector and useSelector see the states; the hub
// event fires once when credentials expire with no renewal.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createActor, SimulatedClock, waitFor as waitForState } from 'xstate';
import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';
import { createAuth, type HubPayload } from '../../src/index.js';
import { authMachine, type AuthMachineInput } from '../../src/machines/auth.machine.js';
import { createAuthActors } from '../../src/services/authActors.js';
import { createCognitoIdentityService } from '../../src/services/cognitoIdentity.js';
import { SessionVault } from '../../src/services/SessionVault.js';
import { createSessionStore } from '../../src/storage/createSessionStore.js';
import { AuthProvider } from '../../src/vocabulary/AuthProvider.js';
import { Secret } from '../../src/vocabulary/Secret.js';
import type { SecureStorage } from '../../src/vocabulary/SecureStorage.js';
import { createMemoryStorage } from '../../src/storage/createMemoryStorage.js';

const MINUTE = 60_000;

/** Waits for a state, failing the test (not hanging it) when it never comes. */
const waitFor: typeof waitForState = (actor, predicate) => waitForState(actor, predicate, { timeout: 5_000 });
const COGNITO_AHEAD = 60 * MINUTE;

let clock = new SimulatedClock();
let emu: EmulatorHandle;
beforeAll(async () => {
  emu = await startEmulator({ port: 0, now: () => clock.now() + COGNITO_AHEAD });
});
afterAll(() => emu.close());
/**
 * Moves the clock. A timer set while SimulatedClock fires its last due one waits for its next
 * turn: a few empty turns let timers due at once (window and expiry) fire one after the other.
 */
function advance(ms: number): void {
  clock.increment(ms);
  for (let turn = 0; turn < 3; turn++) clock.increment(0);
}

beforeEach(() => {
  clock = new SimulatedClock();
  clock.set(Date.now());
  emu.clearCalls();
  emu.clearFaults();
});

function startActor(storage: SecureStorage, input: Partial<AuthMachineInput> = {}) {
  const actor = createActor(
    authMachine.provide({
      actors: createAuthActors({
        identity: createCognitoIdentityService({ region: emu.region, identityPoolId: emu.identityPoolId, endpoint: emu.endpoint }),
        vault: new SessionVault(createSessionStore({ storage, appId: 'expiry' })),
        clock: () => clock.now(),
      }),
    }),
    { input: { allowGuestAccess: false, sharedSession: false, ...input }, clock },
  );
  const expired: unknown[] = [];
  actor.on('credentialsExpired', (event) => expired.push(event.data));
  actor.start();
  const state = () => JSON.stringify(actor.getSnapshot().value);
  return { actor, expired, state };
}

async function federated(storage: SecureStorage, input: Partial<AuthMachineInput> = {}) {
  const run = startActor(storage, input);
  await waitFor(run.actor, (s) => s.matches('signedOut'));
  const token = new Secret(await emu.mintToken('graph.facebook.com', 'expiry-user', { expiresIn: 24 * 3600 }));
  run.actor.send({ type: 'federate', requestId: 1, token, provider: AuthProvider.facebook });
  await waitFor(run.actor, (s) => s.matches({ federated: 'active' }));
  return run;
}

const credentialCalls = () => emu.calls().filter((c) => c.operation === 'GetCredentialsForIdentity').length;

describe('credentials expiry in the statechart', () => {
  it('goes active → expiring → expired as the clock moves, and says credentialsExpired once', async () => {
    const { actor, expired, state } = await federated(createMemoryStorage());
    const identityId = actor.getSnapshot().context.session!.identityId;

    advance(57 * MINUTE);
    expect(state()).toBe('{"federated":"active"}');
    advance(2 * MINUTE); // within 2 minutes of expiry, on Cognito's clock
    expect(state()).toBe('{"federated":"expiring"}');
    expect(expired).toEqual([]);
    advance(2 * MINUTE);
    expect(state()).toBe('{"federated":"expired"}');
    expect(expired).toEqual([{ identityId }]);
    advance(60 * MINUTE);
    expect(expired).toHaveLength(1);

    // A fetch renews on demand, as before; the new credentials start the timers again.
    actor.send({ type: 'session.fetch', requestId: 2, forceRefresh: false, now: clock.now() });
    await waitFor(actor, (s) => s.matches({ federated: 'active' }));
    expect(credentialCalls()).toBe(2);
    advance(59 * MINUTE);
    expect(state()).toBe('{"federated":"expiring"}');
    actor.stop();
  });

  it('says credentialsExpired once for one set of credentials, though a failed renewal runs out again', async () => {
    const { actor, expired, state } = await federated(createMemoryStorage());
    advance(61 * MINUTE);
    expect(state()).toBe('{"federated":"expired"}');
    emu.addFault({ operation: 'GetCredentialsForIdentity', error: 'InternalErrorException', count: 100 });
    actor.send({ type: 'session.fetch', requestId: 2, forceRefresh: false, now: clock.now() });
    await waitFor(actor, (s) => !s.hasTag('busy'));
    advance(0);
    expect(state()).toBe('{"federated":"expired"}');
    expect(expired).toHaveLength(1);
    actor.stop();
  });

  it('restores a session whose credentials expired while the app was closed into expired, and says so', async () => {
    const storage = createMemoryStorage();
    (await federated(storage)).actor.stop();
    advance(90 * MINUTE);
    const { actor, expired, state } = startActor(storage);
    await waitFor(actor, (s) => s.matches('federated'));
    advance(0);
    expect(state()).toBe('{"federated":"expired"}');
    expect(expired).toHaveLength(1);
    actor.stop();
  });

  it('renewInBackground: renews on entering the renewal window, with no fetch, once per lifetime', async () => {
    const { actor, expired, state } = await federated(createMemoryStorage(), { renewInBackground: true });
    advance(59 * MINUTE);
    expect(state()).toBe('{"federated":"renewing"}');
    await waitFor(actor, (s) => s.matches({ federated: 'active' }));
    expect(credentialCalls()).toBe(2);
    advance(30 * MINUTE);
    expect(state()).toBe('{"federated":"active"}');
    expect(credentialCalls()).toBe(2);
    expect(expired).toEqual([]);
    actor.stop();
  });

  it('renewInBackground: a failed background renewal keeps the session and does not loop', async () => {
    const { actor, expired, state } = await federated(createMemoryStorage(), { renewInBackground: true });
    emu.addFault({ operation: 'GetCredentialsForIdentity', error: 'InternalErrorException', count: 100 });
    advance(59 * MINUTE);
    await waitFor(actor, (s) => s.matches({ federated: 'expiring' }));
    const calls = credentialCalls();
    advance(MINUTE / 2);
    expect(state()).toBe('{"federated":"expiring"}');
    expect(credentialCalls()).toBe(calls);
    advance(MINUTE);
    expect(state()).toBe('{"federated":"expired"}');
    expect(expired).toHaveLength(1);
    expect(actor.getSnapshot().context.session?.kind).toBe('federated');
    // The next fetch tries again, and succeeds once Cognito answers.
    emu.clearFaults();
    actor.send({ type: 'session.fetch', requestId: 2, forceRefresh: false, now: clock.now() });
    await waitFor(actor, (s) => s.matches({ federated: 'active' }));
    actor.stop();
  });

  it("tells the hub when credentials expire on Cognito's clock, though the device's says they have half an hour left", async () => {
    // One-second credentials, for real: this test waits for them to expire.
    const shortLived = await startEmulator({ port: 0, credentialLifetimeSeconds: 1 });
    const auth = createAuth({
      region: shortLived.region,
      identityPoolId: shortLived.identityPoolId,
      endpoints: { identityPool: shortLived.endpoint },
      renewBeforeExpiryMs: 0,
      clock: () => Date.now() - 30 * MINUTE,
    });
    try {
      const events: HubPayload[] = [];
      const expired = new Promise<void>((resolve) =>
        auth.hub.listen('auth', ({ payload }) => {
          events.push(payload);
          if (payload.event === 'credentialsExpired') resolve();
        }),
      );
      const token = await shortLived.mintToken('graph.facebook.com', 'hub-user');
      const { identityId } = await auth.federateToIdentityPool(token, AuthProvider.facebook);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('no credentialsExpired within 5 s')), 5_000)));
      await Promise.race([expired, late]).finally(() => clearTimeout(timer));
      expect(events.map((e) => e.event)).toEqual(['federatedToIdentityPool', 'credentialsExpired']);
      expect(events[1]).toEqual({ event: 'credentialsExpired', data: { identityId } });
      expect(JSON.stringify(auth.actor.getSnapshot().value)).toBe('{"federated":"expired"}');
    } finally {
      auth.stop();
      await shortLived.close();
    }
  });
});
