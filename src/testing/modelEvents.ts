/**
 * The events a model of the auth statechart walks: the calls the Promise API sends, and the
 * outcomes of the machine's invoked services as the `xstate.done.actor.*` and
 * `xstate.error.actor.*` events XState delivers. A graph traversal only knows an event it is
 * given; given these, every guard sees the output or the error it reads.
 */
import { AuthProvider } from '../vocabulary/AuthProvider.js';
import { Secret } from '../vocabulary/Secret.js';
import type { AuthEvent, SessionSummary } from '../vocabulary/statechartContract.js';
import { awsError } from './gatedServices.js';

/** An invoked service's outcome, as XState delivers it to the machine. */
export type ServiceOutcomeEvent =
  | { type: `xstate.done.actor.${string}`; output?: unknown }
  | { type: `xstate.error.actor.${string}`; error?: unknown };

/** An event of a model of the auth statechart: a call, or a service's outcome. */
export type AuthModelEvent = AuthEvent | ServiceOutcomeEvent;

/** The outcome event of the invoked service `id` when it succeeds with `output`. */
export function doneEvent(id: string, output?: unknown): ServiceOutcomeEvent {
  return { type: `xstate.done.actor.${id}`, output };
}

/** The outcome event of the invoked service `id` when it fails with `error` (see {@link awsError}). */
export function errorEvent(id: string, error: unknown): ServiceOutcomeEvent {
  return { type: `xstate.error.actor.${id}`, error };
}

const FAR_FUTURE = 10 ** 13;

/**
 * The session summaries the model events carry: nothing expires within a model's run, so a
 * fetch renews only when it forces a refresh.
 */
export const modelSessions = {
  federated: {
    kind: 'federated',
    identityId: 'us-east-1:model',
    provider: AuthProvider.facebook,
    credentialsExpiration: FAR_FUTURE,
  },
  guest: { kind: 'guest', identityId: 'us-east-1:guest', credentialsExpiration: FAR_FUTURE },
  userPool: {
    kind: 'userPool',
    username: 'model-user',
    userId: 'user-sub',
    tokensExpiration: FAR_FUTURE,
    identityId: 'us-east-1:user',
    credentialsExpiration: FAR_FUTURE,
  },
} as const satisfies Record<string, SessionSummary>;

const nothingStored = { session: null, generation: null, problems: [] };

/** The calls, with the request ids a model uses for them. */
export const callEvents = {
  federate: { type: 'federate', requestId: 1, token: new Secret('model-token'), provider: AuthProvider.facebook },
  clear: { type: 'federation.clear', requestId: 2 },
  fetch: { type: 'session.fetch', requestId: 3, forceRefresh: false, now: 0 },
  forceRefresh: { type: 'session.fetch', requestId: 4, forceRefresh: true, now: 0 },
  signIn: { type: 'signIn', requestId: 5, username: 'model-user', password: new Secret('model-password') },
  confirmNewPassword: { type: 'signIn.confirm', requestId: 6, challengeResponse: new Secret('model-new-password') },
  confirmMfaCode: { type: 'signIn.confirm', requestId: 6, challengeResponse: new Secret('model-code') },
  signOut: { type: 'signOut', requestId: 7, global: false },
} as const satisfies Record<string, AuthEvent>;

const identityPoolCore: AuthModelEvent[] = [
  doneEvent('restoreSession', nothingStored),
  callEvents.federate,
  doneEvent('federateToIdentityPool', modelSessions.federated),
  callEvents.clear,
  doneEvent('clearFederatedSession'),
  callEvents.fetch,
];

/**
 * The model events by concern. Each group is small enough for `getSimplePaths` to list its
 * paths in a test run; {@link modelEvents} holds them all (fine for `getShortestPaths`).
 */
export const modelEventGroups = {
  /** Federate, renew, clear and their failures, from a signed-out or a restored federated start. */
  identityPool: [
    doneEvent('restoreSession', nothingStored),
    doneEvent('restoreSession', { session: modelSessions.federated, problems: [] }),
    callEvents.federate,
    doneEvent('federateToIdentityPool', modelSessions.federated),
    errorEvent('federateToIdentityPool', awsError('NotAuthorizedException')),
    callEvents.clear,
    doneEvent('clearFederatedSession'),
    errorEvent('clearFederatedSession', awsError('StorageError')),
    callEvents.fetch,
    callEvents.forceRefresh,
    doneEvent('renewFederatedCredentials', modelSessions.federated),
    errorEvent('renewFederatedCredentials', awsError('NotAuthorizedException')),
    errorEvent('renewFederatedCredentials', awsError('TooManyRequestsException')),
  ],
  /** The core of federate, clear and fetch, with guest credentials for the signed-out user. */
  guestAccess: [
    ...identityPoolCore,
    callEvents.forceRefresh,
    doneEvent('fetchGuestCredentials', modelSessions.guest),
    errorEvent('fetchGuestCredentials', awsError('InternalErrorException')),
  ],
  /** The core of federate, clear and fetch, with a session another app may change (an access group). */
  sharedSession: [
    ...identityPoolCore,
    doneEvent('restoreSession', { session: modelSessions.federated, problems: [] }),
    doneEvent('syncSharedSession', nothingStored),
    doneEvent('syncSharedSession', { session: modelSessions.federated, problems: [] }),
  ],
  /** User-pool sign-in with a new-password challenge, token refresh, sign-out. */
  userPool: [
    doneEvent('restoreSession', nothingStored),
    doneEvent('restoreSession', { session: modelSessions.userPool, problems: [] }),
    callEvents.signIn,
    doneEvent('signInWithPassword', { kind: 'signedIn', session: modelSessions.userPool }),
    doneEvent('signInWithPassword', { kind: 'newPasswordRequired' }),
    errorEvent('signInWithPassword', awsError('NotAuthorizedException')),
    callEvents.confirmNewPassword,
    doneEvent('completeNewPassword', { kind: 'signedIn', session: modelSessions.userPool }),
    errorEvent('completeNewPassword', awsError('InvalidPasswordException')),
    doneEvent('federateUserPoolSession', modelSessions.userPool),
    errorEvent('federateUserPoolSession', awsError('TooManyRequestsException')),
    callEvents.fetch,
    callEvents.forceRefresh,
    doneEvent('refreshUserPoolTokens', modelSessions.userPool),
    errorEvent('refreshUserPoolTokens', awsError('NotAuthorizedException')),
    errorEvent('refreshUserPoolTokens', awsError('TooManyRequestsException')),
    callEvents.signOut,
    doneEvent('signOutOfUserPool', { globalSignOutError: null }),
    // Federation is not an event signed-in states take: a model checks it changes nothing.
    callEvents.federate,
  ],
  /** The MFA steps of a sign-in. */
  mfa: [
    doneEvent('restoreSession', nothingStored),
    callEvents.signIn,
    doneEvent('signInWithPassword', { kind: 'mfaRequired' }),
    callEvents.confirmMfaCode,
    doneEvent('answerMfaChallenge', { kind: 'signedIn', session: modelSessions.userPool }),
    doneEvent('answerMfaChallenge', { kind: 'mfaRequired' }),
    // A wrong code keeps the challenge open; a refused session ends the sign-in.
    errorEvent('answerMfaChallenge', awsError('CodeMismatchException')),
    errorEvent('answerMfaChallenge', awsError('NotAuthorizedException')),
    callEvents.fetch,
    doneEvent('federateUserPoolSession', modelSessions.userPool),
  ],
} satisfies Record<string, AuthModelEvent[]>;

/**
 * Every call and every service outcome of the models, once each: give it as `events` to
 * `createTestModel(authMachineForModels, …)` or `new TestModel(…)` from `xstate/graph`.
 */
export const modelEvents: readonly AuthModelEvent[] = (() => {
  const seen = new Set<AuthModelEvent>();
  const keys = new Set<string>();
  for (const event of Object.values(modelEventGroups).flat()) {
    const key = JSON.stringify(event);
    if (seen.has(event) || keys.has(key)) continue;
    seen.add(event);
    keys.add(key);
  }
  return [...seen];
})();
