// Model-based tests: every simple path of the statechart's own graph (xstate/graph), each run on
// a fresh live actor whose services are the real ones over gated test doubles (see
// the testing kit, src/testing/gatedServices.ts). At every step: the live state equals the model's, the stored record agrees
// with the machine's session summary, and the hub events are the ones the step should fire.
import { createActor, SimulatedClock, type EventFrom, type SnapshotFrom } from 'xstate';
import { TestModel } from 'xstate/graph';
import { afterAll, describe, expect, it } from 'vitest';
import { AuthError } from '../../src/vocabulary/AuthError.js';
import { AuthProvider } from '../../src/vocabulary/AuthProvider.js';
import { authMachine, type AuthMachineInput } from '../../src/machines/auth.machine.js';
import type { AuthHubEventName, SessionSummary } from '../../src/vocabulary/statechartContract.js';
import { Secret } from '../../src/vocabulary/Secret.js';
import { createAuthActors } from '../../src/services/authActors.js';
import { SessionVault } from '../../src/services/SessionVault.js';
import { createSessionStore } from '../../src/storage/createSessionStore.js';
import type { SecureStorage } from '../../src/vocabulary/SecureStorage.js';
import type { SessionRecord } from '../../src/vocabulary/SessionRecord.js';
import { HUB_EVENTS } from '../../src/hub.js';
import {
  awsError,
  createGate,
  createGatedIdentityService,
  createGatedStorage,
  createGatedUserPoolService,
  type Gate,
} from '../../src/testing/gatedServices.js';

type Snapshot = SnapshotFrom<typeof authMachine>;
type ModelEvent = { type: string; output?: unknown; error?: unknown; [key: string]: unknown };

const FAR_FUTURE = 10 ** 13;
const federatedSummary: SessionSummary = {
  kind: 'federated',
  identityId: 'us-east-1:model',
  provider: AuthProvider.facebook,
  credentialsExpiration: FAR_FUTURE,
};
const guestSummary: SessionSummary = { kind: 'guest', identityId: 'us-east-1:guest', credentialsExpiration: FAR_FUTURE };

const done = (id: string, output?: unknown): ModelEvent => ({ type: `xstate.done.actor.${id}`, output });
const failed = (id: string, error: unknown): ModelEvent => ({ type: `xstate.error.actor.${id}`, error });

const commonEvents: ModelEvent[] = [
  done('restoreSession', { session: null, generation: null, problems: [] }),
  done('restoreSession', { session: federatedSummary, problems: [] }),
  { type: 'federate', requestId: 1, token: new Secret('model-token'), provider: AuthProvider.facebook },
  done('federateToIdentityPool', federatedSummary),
  failed('federateToIdentityPool', awsError('NotAuthorizedException')),
  { type: 'federation.clear', requestId: 2 },
  done('clearFederatedSession'),
  failed('clearFederatedSession', awsError('StorageError')),
  { type: 'session.fetch', requestId: 3, forceRefresh: false, now: 0 },
  { type: 'session.fetch', requestId: 4, forceRefresh: true, now: 0 },
  done('renewFederatedCredentials', federatedSummary),
  failed('renewFederatedCredentials', awsError('NotAuthorizedException')),
  failed('renewFederatedCredentials', awsError('TooManyRequestsException')),
];

const coreEvents: ModelEvent[] = [
  done('restoreSession', { session: null, generation: null, problems: [] }),
  { type: 'federate', requestId: 1, token: new Secret('model-token'), provider: AuthProvider.facebook },
  done('federateToIdentityPool', federatedSummary),
  { type: 'federation.clear', requestId: 2 },
  done('clearFederatedSession'),
  { type: 'session.fetch', requestId: 3, forceRefresh: false, now: 0 },
];

const userPoolSummary: SessionSummary = {
  kind: 'userPool',
  username: 'model-user',
  userId: 'user-sub',
  tokensExpiration: FAR_FUTURE,
  identityId: 'us-east-1:user',
  credentialsExpiration: FAR_FUTURE,
};

const credentialsFirstSummary: SessionSummary = { ...userPoolSummary, credentialsExpiration: FAR_FUTURE / 2 };

const userPoolEvents: ModelEvent[] = [
  done('restoreSession', { session: null, generation: null, problems: [] }),
  done('restoreSession', { session: userPoolSummary, problems: [] }),
  { type: 'signIn', requestId: 5, username: 'model-user', password: new Secret('model-password') },
  done('signInWithPassword', { kind: 'signedIn', session: userPoolSummary }),
  done('signInWithPassword', { kind: 'newPasswordRequired' }),
  failed('signInWithPassword', awsError('NotAuthorizedException')),
  { type: 'signIn.confirm', requestId: 6, challengeResponse: new Secret('model-new-password') },
  done('completeNewPassword', { kind: 'signedIn', session: userPoolSummary }),
  failed('completeNewPassword', awsError('InvalidPasswordException')),
  done('federateUserPoolSession', userPoolSummary),
  failed('federateUserPoolSession', awsError('TooManyRequestsException')),
  { type: 'session.fetch', requestId: 3, forceRefresh: false, now: 0 },
  { type: 'session.fetch', requestId: 4, forceRefresh: true, now: 0 },
  done('refreshUserPoolTokens', userPoolSummary),
  failed('refreshUserPoolTokens', awsError('NotAuthorizedException')),
  failed('refreshUserPoolTokens', awsError('TooManyRequestsException')),
  { type: 'signOut', requestId: 7, global: false },
  done('signOutOfUserPool', { globalSignOutError: null }),
  // Federation is not an event signed-in states take: the model checks it changes nothing.
  { type: 'federate', requestId: 1, token: new Secret('model-token'), provider: AuthProvider.facebook },
];

/** A delayed transition's event: the model takes the timer's firing as a step like any other. */
const timerFires = (delay: string, state: string): ModelEvent => ({ type: `xstate.after.${delay}.auth.${state}` });

/** Federated credentials running into their renewal window and past their expiry, renewed by a fetch or in the background. */
const expiryEvents: ModelEvent[] = [
  done('restoreSession', { session: federatedSummary, problems: [] }),
  { type: 'federate', requestId: 1, token: new Secret('model-token'), provider: AuthProvider.facebook },
  done('federateToIdentityPool', federatedSummary),
  timerFires('untilRenewalWindow', 'federated.active'),
  timerFires('untilExpiry', 'federated.expiring'),
  // A fetch whose clock is past the expiry renews, whatever the state.
  { type: 'session.fetch', requestId: 8, forceRefresh: false, now: FAR_FUTURE },
  done('renewFederatedCredentials', federatedSummary),
  // A failed background renewal waits for the next fetch; a refused token ends the session.
  failed('renewFederatedCredentials', awsError('TooManyRequestsException')),
  failed('renewFederatedCredentials', awsError('NotAuthorizedException')),
  { type: 'federation.clear', requestId: 2 },
];

/** A signed-in user's tokens and credentials running out, renewed by a fetch or in the background. */
const signedInExpiryEvents: ModelEvent[] = [
  done('restoreSession', { session: userPoolSummary, problems: [] }),
  timerFires('untilRenewalWindow', 'signedIn.active'),
  timerFires('untilExpiry', 'signedIn.expiring'),
  // A fetch whose clock is past the expiry refreshes the tokens, then the credentials.
  { type: 'session.fetch', requestId: 8, forceRefresh: false, now: FAR_FUTURE },
  done('refreshUserPoolTokens', userPoolSummary),
  done('federateUserPoolSession', userPoolSummary),
  // A failed background renewal waits for the next fetch; a refused refresh token signs out.
  failed('refreshUserPoolTokens', awsError('TooManyRequestsException')),
  failed('refreshUserPoolTokens', awsError('NotAuthorizedException')),
  failed('federateUserPoolSession', awsError('TooManyRequestsException')),
  { type: 'signOut', requestId: 7, global: false },
];

const MFA_CHALLENGES = ['SMS_MFA', 'EMAIL_OTP', 'SOFTWARE_TOKEN_MFA', 'SELECT_MFA_TYPE', 'MFA_SETUP'] as const;

const models: { name: string; input: AuthMachineInput; events: ModelEvent[]; shortest?: true }[] = [
  { name: 'private session', input: { allowGuestAccess: false, sharedSession: false }, events: commonEvents },
  // The next two models add the events of one concern to the core of federate, clear and
  // fetch; the failure paths they share with the first model are walked there.
  {
    name: 'guest access',
    input: { allowGuestAccess: true, sharedSession: false },
    events: [
      ...coreEvents,
      { type: 'session.fetch', requestId: 4, forceRefresh: true, now: 0 },
      done('fetchGuestCredentials', guestSummary),
      failed('fetchGuestCredentials', awsError('InternalErrorException')),
    ],
  },
  {
    name: 'shared session (access group)',
    input: { allowGuestAccess: false, sharedSession: true },
    events: [
      ...coreEvents,
      done('restoreSession', { session: federatedSummary, problems: [] }),
      done('syncSharedSession', { session: null, generation: null, problems: [] }),
      done('syncSharedSession', { session: federatedSummary, problems: [] }),
    ],
  },
  { name: 'user pool', input: { allowGuestAccess: false, sharedSession: false }, events: userPoolEvents },
  { name: 'credentials expiry', input: { allowGuestAccess: false, sharedSession: false }, events: expiryEvents },
  {
    name: 'credentials expiry, renewed in the background',
    input: { allowGuestAccess: false, sharedSession: false, renewInBackground: true },
    events: expiryEvents,
  },
  { name: 'signed-in expiry', input: { allowGuestAccess: false, sharedSession: false }, events: signedInExpiryEvents },
  {
    name: 'signed-in expiry, renewed in the background',
    input: { allowGuestAccess: false, sharedSession: false, renewInBackground: true },
    events: signedInExpiryEvents,
  },
  // Restored credentials that run out before the tokens: a background renewal federates, no refresh
  // (no refresh here: the model's outcome would set both expiries, the live refresh only the tokens').
  {
    name: 'signed-in expiry, credentials first, renewed in the background',
    input: { allowGuestAccess: false, sharedSession: false, renewInBackground: true },
    events: [
      done('restoreSession', { session: credentialsFirstSummary, problems: [] }),
      timerFires('untilRenewalWindow', 'signedIn.active'),
      timerFires('untilExpiry', 'signedIn.expiring'),
      done('federateUserPoolSession', userPoolSummary),
      failed('federateUserPoolSession', awsError('TooManyRequestsException')),
      { type: 'session.fetch', requestId: 8, forceRefresh: false, now: FAR_FUTURE },
      failed('refreshUserPoolTokens', awsError('TooManyRequestsException')),
      { type: 'signOut', requestId: 7, global: false },
    ],
  },
  // The MFA steps on their own: with the user-pool model's events the simple paths multiply past a test run.
  {
    name: 'user pool MFA',
    input: { allowGuestAccess: false, sharedSession: false },
    events: [
      done('restoreSession', { session: null, generation: null, problems: [] }),
      { type: 'signIn', requestId: 5, username: 'model-user', password: new Secret('model-password') },
      done('signInWithPassword', { kind: 'mfaRequired', challenge: 'SOFTWARE_TOKEN_MFA' }),
      { type: 'signIn.confirm', requestId: 6, challengeResponse: new Secret('model-code') },
      done('answerMfaChallenge', { kind: 'signedIn', session: userPoolSummary }),
      done('answerMfaChallenge', { kind: 'mfaRequired', challenge: 'SOFTWARE_TOKEN_MFA' }),
      // A wrong code keeps the challenge open; a refused session ends the sign-in.
      failed('answerMfaChallenge', awsError('CodeMismatchException')),
      failed('answerMfaChallenge', awsError('NotAuthorizedException')),
      { type: 'session.fetch', requestId: 3, forceRefresh: false, now: 0 },
      done('federateUserPoolSession', userPoolSummary),
    ],
  },
  // Each MFA challenge has a substate of signingIn.awaitingMfa: reached from the sign-in and from
  // an answer that opens the next challenge (a choice of factor, then its code; a setup, then ...).
  // Shortest paths: the simple ones would be every order of the five challenges (over 5,000 paths).
  {
    name: 'MFA challenge substates',
    input: { allowGuestAccess: false, sharedSession: false },
    shortest: true,
    events: [
      done('restoreSession', { session: null, generation: null, problems: [] }),
      { type: 'signIn', requestId: 5, username: 'model-user', password: new Secret('model-password') },
      ...MFA_CHALLENGES.map((challenge) => done('signInWithPassword', { kind: 'mfaRequired', challenge })),
      { type: 'signIn.confirm', requestId: 6, challengeResponse: new Secret('model-code') },
      ...MFA_CHALLENGES.map((challenge) => done('answerMfaChallenge', { kind: 'mfaRequired', challenge })),
      done('answerMfaChallenge', { kind: 'signedIn', session: userPoolSummary }),
    ],
  },
];

/** The hub events a step must fire, by the rules of DESIGN §3 (written independently of the machine). */
function expectedHubEvents(event: ModelEvent): AuthHubEventName[] {
  switch (event.type) {
    case 'xstate.done.actor.federateToIdentityPool':
      return ['federatedToIdentityPool'];
    case 'xstate.error.actor.federateToIdentityPool':
      return ['federateToIdentityPool_failure'];
    case 'xstate.done.actor.clearFederatedSession':
      return ['federationToIdentityPoolCleared'];
    case 'xstate.after.untilExpiry.auth.federated.expiring':
    case 'xstate.after.untilExpiry.auth.signedIn.expiring':
      return ['credentialsExpired'];
    case 'xstate.error.actor.renewFederatedCredentials':
      return (event.error as AuthError).name === 'NotAuthorizedError' ? ['sessionExpired'] : [];
    case 'xstate.done.actor.signInWithPassword':
    case 'xstate.done.actor.completeNewPassword':
    case 'xstate.done.actor.answerMfaChallenge':
      return (event.output as { kind: string }).kind === 'signedIn' ? ['signedIn'] : [];
    case 'xstate.done.actor.refreshUserPoolTokens':
      return ['tokenRefresh'];
    case 'xstate.error.actor.refreshUserPoolTokens':
      return (event.error as AuthError).name === 'NotAuthorizedError' ? ['tokenRefresh_failure', 'signedOut'] : ['tokenRefresh_failure'];
    case 'xstate.done.actor.signOutOfUserPool':
      return ['signedOut'];
    default:
      return [];
  }
}

function serializeState(snapshot: Snapshot): string {
  const c = snapshot.context;
  return JSON.stringify({
    value: snapshot.value,
    session: c.session?.kind ?? null,
    credentialsFirst: (c.session?.credentialsExpiration ?? 0) < (c.session?.tokensExpiration ?? 0),
    refused: c.session?.refused === true,
    returnAfterSync: c.returnAfterSync,
    openChallenge: c.openChallenge,
    active: c.activeRequestId,
    // Which kinds of fetch wait matters to the guards; how many of each does not.
    deferred: [...new Set(c.deferredFetches.map((f) => `${f.forceRefresh}/${f.synced === true}`))].sort(),
  });
}

/** Lets every promise chain that is ready run (the test doubles never wait on a timer). */
async function flush(): Promise<void> {
  for (let i = 0; i < 30; i++) await Promise.resolve();
}

/** The stored user-pool session; its credentials last half as long as the tokens when `credentialsFirst`. */
function userPoolRecord(credentialsFirst = false): SessionRecord {
  return {
    kind: 'userPool',
    username: 'model-user',
    userId: 'user-sub',
    tokens: {
      idToken: new Secret('stored-id'),
      accessToken: new Secret('stored-access'),
      refreshToken: new Secret('stored-refresh'),
      expiration: 3_600_000,
    },
    identityId: 'us-east-1:0000-05e5',
    credentials: {
      accessKeyId: 'ASIASTORED',
      secretAccessKey: new Secret('s'),
      sessionToken: new Secret('t'),
      expiration: credentialsFirst ? 1_800_000 : 3_600_000,
    },
  };
}

function federatedRecord(): SessionRecord {
  return {
    kind: 'federated',
    token: new Secret('stored-token'),
    provider: AuthProvider.facebook,
    identityId: 'us-east-1:0000-5704ed',
    credentials: { accessKeyId: 'ASIASTORED', secretAccessKey: new Secret('s'), sessionToken: new Secret('t'), expiration: 3_600_000 },
    developerProvidedIdentityId: false,
  };
}

function runner(input: AuthMachineInput) {
  const gate: Gate = createGate();
  const storage = createGatedStorage(gate);
  // Reads and writes behind the gate's back, as another app (or the test) would.
  const direct: SecureStorage = {
    getItem: async (k) => storage.items.get(k) ?? null,
    setItem: async (k, v) => void storage.items.set(k, v),
    removeItem: async (k) => void storage.items.delete(k),
  };
  const directStore = createSessionStore({ storage: direct, appId: 'model' });
  const store = createSessionStore({ storage, appId: 'model' });
  const vault = new SessionVault(store);
  const actor = createActor(
    authMachine.provide({
      actors: createAuthActors({
        identity: createGatedIdentityService(gate, () => 0),
        vault,
        userPool: { region: 'us-east-1', userPoolId: 'us-east-1_model', userPoolClientId: 'modelclient' },
        userPoolService: createGatedUserPoolService(gate, () => 0),
        clock: () => 0,
      }),
    }),
    // The machine's timers run on a clock that stands still at 0, as the services' clock does:
    // they fire only when the model takes their event as a step.
    { input, clock: new SimulatedClock() },
  );
  const hub: AuthHubEventName[] = [];
  for (const name of HUB_EVENTS) actor.on(name, (e) => hub.push(e.type));
  return { gate, actor, hub, directStore, storage };
}

async function releaseUntilStateChanges(r: ReturnType<typeof runner>, fail?: unknown, choice?: string): Promise<void> {
  const before = JSON.stringify(r.actor.getSnapshot().value);
  for (let i = 0; i < 20 && JSON.stringify(r.actor.getSnapshot().value) === before; i++) {
    await flush();
    const op = r.gate.pending[0];
    if (!op) continue;
    if (fail !== undefined) {
      op.fail(fail);
      fail = undefined;
    } else {
      op.release(choice);
    }
    await flush();
  }
}

let pathsWalked = 0;
let stepsChecked = 0;

describe.each(models)('auth statechart, $name', ({ input, events, shortest }) => {
  // The graph types do not carry emitted-event types; the machine is the same object.
  // A busy state that already holds a waiting fetch gains no new behaviour from a second one,
  // so the model sends at most one fetch into each busy spell (keeps the path count finite).
  const eventsFor = (snapshot: Snapshot) =>
    events.filter((e) => !(e.type === 'session.fetch' && snapshot.hasTag('busy') && snapshot.context.deferredFetches.length > 0));
  const model = new TestModel(authMachine as never, {
    events: eventsFor as never,
    input,
    serializeState: serializeState as never,
  });
  const paths = shortest ? model.getShortestPaths() : model.getSimplePaths();

  it('has paths to walk', () => {
    expect(paths.length).toBeGreaterThan(shortest ? 8 : 20);
    if (shortest) {
      // Every challenge's substate is reached on the way (the paths that are prefixes of others are dropped).
      const reached = new Set(paths.flatMap((p) => p.steps.map((step) => JSON.stringify((step.state as Snapshot).value))));
      for (const substate of ['smsCode', 'emailCode', 'totpCode', 'factorChoice', 'factorSetup']) {
        expect(reached, substate).toContain(JSON.stringify({ signingIn: { awaitingMfa: substate } }));
      }
    }
  });

  it.each(paths.map((p, i) => [i, p] as const))('path %i', async (_i, path) => {
    const r = runner(input);
    const firstEvent = path.steps.find((s) => s.event.type === 'xstate.done.actor.restoreSession')?.event as
      | ModelEvent
      | undefined;
    const restoredSummary = (firstEvent?.output as { session?: SessionSummary } | undefined)?.session;
    if (restoredSummary?.kind === 'federated') await r.directStore.save(federatedRecord());
    if (restoredSummary?.kind === 'userPool') {
      await r.directStore.save(userPoolRecord(restoredSummary.credentialsExpiration! < restoredSummary.tokensExpiration!));
    }
    r.actor.start();
    for (const step of path.steps) {
      const event = step.event as ModelEvent;
      const hubBefore = r.hub.length;
      if (event.type === 'xstate.init') {
        // started above
      } else if (event.type.startsWith('xstate.done.actor.syncSharedSession')) {
        // Another app changes the shared session before this app re-reads it.
        const output = event.output as { session: SessionSummary | null };
        if (output.session) await r.directStore.save(federatedRecord());
        else await r.directStore.clear();
        await releaseUntilStateChanges(r);
      } else if (event.type.startsWith('xstate.done.actor.')) {
        const output = event.output as { kind?: string; challenge?: string } | undefined;
        await releaseUntilStateChanges(r, undefined, output?.challenge ? `${output.kind}:${output.challenge}` : output?.kind);
      } else if (event.type.startsWith('xstate.error.actor.')) {
        await releaseUntilStateChanges(r, event.error);
      } else {
        r.actor.send(event as unknown as EventFrom<typeof authMachine>);
        await flush();
      }
      const live = r.actor.getSnapshot();
      expect(live.value, `after ${event.type}`).toEqual((step.state as Snapshot).value);
      expect(r.hub.slice(hubBefore), `hub events after ${event.type}`).toEqual(expectedHubEvents(event));
      const settledState = !live.hasTag('busy') && r.gate.pending.length === 0;
      if (settledState) {
        const stored = await r.directStore.load();
        expect(stored?.kind ?? null, `stored record after ${event.type}`).toBe(live.context.session?.kind ?? null);
        if (stored && live.context.session) expect(stored.identityId).toBe(live.context.session.identityId);
      }
      stepsChecked += 1;
    }
    r.actor.stop();
    pathsWalked += 1;
  });
});

afterAll(() => {
  console.log(`model-based: walked ${pathsWalked} simple paths, ${stepsChecked} steps checked`);
});
