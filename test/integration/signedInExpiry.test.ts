// Expiry of a signed-in user's session in the statechart: a real auth actor, its real services
// over HTTP against the emulator's user pool and identity pool (SRP sign-in), and a moved clock
// (XState's SimulatedClock, which the services and the emulator read too, with Cognito an hour
// ahead of the device). The tokens and the credentials both last an hour: the timers go by the
// earlier of the two, as fetchAuthSession's renewal does.
import { AdminCreateUserCommand, AdminSetUserPasswordCommand, CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createActor, SimulatedClock, waitFor as waitForState } from 'xstate';
import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';
import { authMachine, type AuthMachineInput } from '../../src/machines/auth.machine.js';
import { createAuthActors } from '../../src/services/authActors.js';
import { createCognitoIdentityService } from '../../src/services/cognitoIdentity.js';
import { SessionVault } from '../../src/services/SessionVault.js';
import { createSessionStore } from '../../src/storage/createSessionStore.js';
import { createMemoryStorage } from '../../src/storage/createMemoryStorage.js';
import { Secret } from '../../src/vocabulary/Secret.js';

const MINUTE = 60_000;
const COGNITO_AHEAD = 60 * MINUTE;
const PASSWORD = 'Expiry-Passw0rd-Echo!';

/** Waits for a state, failing the test (not hanging it) when it never comes. */
const waitFor: typeof waitForState = (actor, predicate) => waitForState(actor, predicate, { timeout: 5_000 });

let clock = new SimulatedClock();
let emu: EmulatorHandle;
let admin: CognitoIdentityProviderClient;
let userCount = 0;

beforeAll(async () => {
  emu = await startEmulator({ port: 0, now: () => clock.now() + COGNITO_AHEAD });
  admin = new CognitoIdentityProviderClient({ endpoint: emu.endpoint, region: emu.region, credentials: emu.developerCredentials, maxAttempts: 1 });
});
afterAll(async () => {
  admin.destroy();
  await emu.close();
});

beforeEach(() => {
  clock = new SimulatedClock();
  clock.set(Date.now());
  emu.clearCalls();
  emu.clearFaults();
});

/** Moves the clock; a few empty turns let timers due at once (window and expiry) fire one after the other. */
function advance(ms: number): void {
  clock.increment(ms);
  for (let turn = 0; turn < 3; turn++) clock.increment(0);
}

async function newUser(): Promise<string> {
  userCount += 1;
  const username = `expiryuser${userCount}`;
  await admin.send(new AdminCreateUserCommand({ UserPoolId: emu.userPoolId, Username: username, MessageAction: 'SUPPRESS' }));
  await admin.send(new AdminSetUserPasswordCommand({ UserPoolId: emu.userPoolId, Username: username, Password: PASSWORD, Permanent: true }));
  return username;
}

/** A real actor signed in with SRP (the default flow); resolves once the sign-in's federation has settled. */
async function signedIn(input: Partial<AuthMachineInput> = {}) {
  const actor = createActor(
    authMachine.provide({
      actors: createAuthActors({
        identity: createCognitoIdentityService({ region: emu.region, identityPoolId: emu.identityPoolId, endpoint: emu.endpoint }),
        vault: new SessionVault(createSessionStore({ storage: createMemoryStorage(), appId: 'signed-in-expiry' })),
        userPool: { region: emu.region, userPoolId: emu.userPoolId, userPoolClientId: emu.userPoolClientId, endpoint: emu.endpoint },
        clock: () => clock.now(),
      }),
    }),
    { input: { allowGuestAccess: false, sharedSession: false, ...input }, clock },
  );
  const expired: unknown[] = [];
  actor.on('credentialsExpired', (event) => expired.push(event.data));
  actor.start();
  await waitFor(actor, (s) => s.matches('signedOut'));
  actor.send({ type: 'signIn', requestId: 1, username: await newUser(), password: new Secret(PASSWORD) });
  await waitFor(actor, (s) => s.matches('signedIn') && !s.hasTag('busy'));
  const state = () => JSON.stringify(actor.getSnapshot().value);
  return { actor, expired, state };
}

const calls = (operation: string) => emu.calls().filter((c) => c.operation === operation).length;

describe('signed-in session expiry in the statechart', () => {
  it('goes active → expiring → expired as the clock moves, and says credentialsExpired once', async () => {
    const { actor, expired, state } = await signedIn();
    expect(state()).toBe('{"signedIn":"active"}');
    const identityId = actor.getSnapshot().context.session!.identityId;
    expect(identityId).toBeDefined();

    advance(57 * MINUTE);
    expect(state()).toBe('{"signedIn":"active"}');
    advance(2 * MINUTE); // within 2 minutes of expiry
    expect(state()).toBe('{"signedIn":"expiring"}');
    expect(expired).toEqual([]);
    advance(2 * MINUTE);
    expect(state()).toBe('{"signedIn":"expired"}');
    expect(expired).toEqual([{ identityId }]);
    advance(60 * MINUTE);
    expect(expired).toHaveLength(1);

    // A fetch renews on demand, as in active: tokens first, then the credentials; the timers start again.
    actor.send({ type: 'session.fetch', requestId: 2, forceRefresh: false, now: clock.now() });
    await waitFor(actor, (s) => s.matches({ signedIn: 'active' }));
    expect(calls('GetCredentialsForIdentity')).toBe(2);
    advance(59 * MINUTE);
    expect(state()).toBe('{"signedIn":"expiring"}');
    actor.stop();
  });

  it('a signed-in user whose credentials were never fetched expires without a credentialsExpired (no identity to name)', async () => {
    emu.addFault({ operation: 'GetCredentialsForIdentity', error: 'InternalErrorException', count: 100 });
    const { actor, expired, state } = await signedIn();
    advance(0);
    expect(state()).toBe('{"signedIn":"expired"}');
    expect(actor.getSnapshot().context.session?.credentialsExpiration).toBeUndefined();
    expect(expired).toEqual([]);
    // The next fetch federates, and succeeds once Cognito answers.
    emu.clearFaults();
    actor.send({ type: 'session.fetch', requestId: 2, forceRefresh: false, now: clock.now() });
    await waitFor(actor, (s) => s.matches({ signedIn: 'active' }));
    actor.stop();
  });

  it('renewInBackground: renews on entering the renewal window, with no fetch, once per lifetime', async () => {
    const { actor, expired, state } = await signedIn({ renewInBackground: true });
    advance(59 * MINUTE);
    expect(['{"signedIn":"refreshingTokens"}', '{"signedIn":"federatingUserPool"}']).toContain(state());
    await waitFor(actor, (s) => s.matches({ signedIn: 'active' }));
    // The tokens were due first (the sign-in dated them before the credentials): refreshed, then re-federated.
    expect(calls('InitiateAuth')).toBe(2);
    expect(calls('GetCredentialsForIdentity')).toBe(2);
    advance(30 * MINUTE);
    expect(state()).toBe('{"signedIn":"active"}');
    expect(calls('GetCredentialsForIdentity')).toBe(2);
    expect(expired).toEqual([]);
    actor.stop();
  });

  it('renewInBackground: a failed background renewal keeps the session and does not loop', async () => {
    const { actor, expired, state } = await signedIn({ renewInBackground: true });
    emu.addFault({ operation: 'InitiateAuth', error: 'InternalErrorException', count: 100 });
    emu.addFault({ operation: 'GetCredentialsForIdentity', error: 'InternalErrorException', count: 100 });
    advance(59 * MINUTE);
    await waitFor(actor, (s) => s.matches({ signedIn: 'expiring' }));
    const tries = calls('InitiateAuth') + calls('GetCredentialsForIdentity');
    advance(MINUTE / 2);
    expect(state()).toBe('{"signedIn":"expiring"}');
    expect(calls('InitiateAuth') + calls('GetCredentialsForIdentity')).toBe(tries);
    advance(MINUTE);
    expect(state()).toBe('{"signedIn":"expired"}');
    expect(expired).toHaveLength(1);
    expect(actor.getSnapshot().context.session?.kind).toBe('userPool');
    // The next fetch tries again, and succeeds once Cognito answers.
    emu.clearFaults();
    actor.send({ type: 'session.fetch', requestId: 2, forceRefresh: false, now: clock.now() });
    await waitFor(actor, (s) => s.matches({ signedIn: 'active' }));
    actor.stop();
  });
});
