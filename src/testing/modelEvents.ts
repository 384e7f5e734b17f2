/**
 * The events a model of the auth statechart walks: the calls the Promise API sends, the
 * outcomes of the machine's invoked services as the `xstate.done.actor.*` and
 * `xstate.error.actor.*` events XState delivers, and its timers' `xstate.after.*` events. A graph
 * traversal only knows an event it is given; given these, every guard sees the output or the
 * error it reads.
 */
import { AuthProvider } from '../vocabulary/AuthProvider.js';
import { Secret } from '../vocabulary/Secret.js';
import type { AuthEvent, MfaChallengeName, SessionSummary } from '../vocabulary/statechartContract.js';
import { awsError } from './gatedServices.js';

/** An invoked service's outcome, as XState delivers it to the machine. */
export type ServiceOutcomeEvent =
  | { type: `xstate.done.actor.${string}`; output?: unknown }
  | { type: `xstate.error.actor.${string}`; error?: unknown };

/** A delayed transition's timer firing, as XState delivers it to the machine. */
export interface TimerEvent {
  /** `xstate.after.<delay>.<state id>`: `xstate.after.untilExpiry.auth.federated.expiring`. */
  type: `xstate.after.${string}`;
}

/** An event of a model of the auth statechart: a call, a service's outcome, or a timer firing. */
export type AuthModelEvent = AuthEvent | ServiceOutcomeEvent | TimerEvent;

/** The outcome event of the invoked service `id` when it succeeds with `output`. */
export function doneEvent(id: string, output?: unknown): ServiceOutcomeEvent {
  return { type: `xstate.done.actor.${id}`, output };
}

/** The outcome event of the invoked service `id` when it fails with `error` (see {@link awsError}). */
export function errorEvent(id: string, error: unknown): ServiceOutcomeEvent {
  return { type: `xstate.error.actor.${id}`, error };
}

/**
 * The event of the timer `delay` (a name from the machine's `delays`) of the state with id
 * `stateId` (`auth.federated.active`): XState's own name for it, so a model takes the timer's
 * firing as a step like any other, and the live actor takes it when sent.
 */
export function timerEvent(delay: string, stateId: string): TimerEvent {
  return { type: `xstate.after.${delay}.${stateId}` };
}

/**
 * The machine's timers, as model events: federated credentials entering the renewal window
 * (`federated.active` → `expiring`, or → `renewing` with `renewInBackground`), then expiring
 * (`expiring` → `expired`, with the `credentialsExpired` hub event); likewise a signed-in user's
 * tokens or credentials (`signedIn.active` → `expiring`, or → `refreshingTokens` /
 * `federatingUserPool` with `renewInBackground`, then `expired`).
 */
export const timerEvents = {
  renewalWindow: timerEvent('untilRenewalWindow', 'auth.federated.active'),
  expiry: timerEvent('untilExpiry', 'auth.federated.expiring'),
  signedInRenewalWindow: timerEvent('untilRenewalWindow', 'auth.signedIn.active'),
  signedInExpiry: timerEvent('untilExpiry', 'auth.signedIn.expiring'),
} as const satisfies Record<string, TimerEvent>;

/** Cognito's MFA challenges, one substate of `signingIn.awaitingMfa` each. */
export const mfaChallengeNames: readonly MfaChallengeName[] = ['SMS_MFA', 'EMAIL_OTP', 'SOFTWARE_TOKEN_MFA', 'SELECT_MFA_TYPE', 'MFA_SETUP'];

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
  /** A fetch whose clock is past every expiry of the model sessions: it renews whatever the state. */
  fetchAfterExpiry: { type: 'session.fetch', requestId: 8, forceRefresh: false, now: FAR_FUTURE },
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
 * The model events by concern. Each group but `mfaChallenges` is small enough for
 * `getSimplePaths` to list its paths in a test run; {@link modelEvents} holds them all (fine for
 * `getShortestPaths`).
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
  /**
   * Federated credentials running into their renewal window and past their expiry (the timers),
   * renewed by a fetch or, with `renewInBackground` in the input, by the renewal window's timer.
   */
  expiry: [
    doneEvent('restoreSession', { session: modelSessions.federated, problems: [] }),
    callEvents.federate,
    doneEvent('federateToIdentityPool', modelSessions.federated),
    timerEvents.renewalWindow,
    timerEvents.expiry,
    callEvents.fetchAfterExpiry,
    doneEvent('renewFederatedCredentials', modelSessions.federated),
    // A failed background renewal waits for the next fetch; a refused token ends the session.
    errorEvent('renewFederatedCredentials', awsError('TooManyRequestsException')),
    errorEvent('renewFederatedCredentials', awsError('NotAuthorizedException')),
    callEvents.clear,
  ],
  /**
   * A signed-in user's tokens and credentials running into their renewal window and past their
   * expiry (the timers), renewed by a fetch or, with `renewInBackground`, by the window's timer.
   */
  signedInExpiry: [
    doneEvent('restoreSession', { session: modelSessions.userPool, problems: [] }),
    timerEvents.signedInRenewalWindow,
    timerEvents.signedInExpiry,
    callEvents.fetchAfterExpiry,
    doneEvent('refreshUserPoolTokens', modelSessions.userPool),
    doneEvent('federateUserPoolSession', modelSessions.userPool),
    // A failed background renewal waits for the next fetch; a refused refresh token signs out.
    errorEvent('refreshUserPoolTokens', awsError('TooManyRequestsException')),
    errorEvent('refreshUserPoolTokens', awsError('NotAuthorizedException')),
    errorEvent('federateUserPoolSession', awsError('TooManyRequestsException')),
    callEvents.signOut,
  ],
  /** The MFA steps of a sign-in, at an authenticator-app (TOTP) challenge. */
  mfa: [
    doneEvent('restoreSession', nothingStored),
    callEvents.signIn,
    doneEvent('signInWithPassword', { kind: 'mfaRequired', challenge: 'SOFTWARE_TOKEN_MFA' }),
    callEvents.confirmMfaCode,
    doneEvent('answerMfaChallenge', { kind: 'signedIn', session: modelSessions.userPool }),
    doneEvent('answerMfaChallenge', { kind: 'mfaRequired', challenge: 'SOFTWARE_TOKEN_MFA' }),
    // A wrong code keeps the challenge open; a refused session ends the sign-in.
    errorEvent('answerMfaChallenge', awsError('CodeMismatchException')),
    errorEvent('answerMfaChallenge', awsError('NotAuthorizedException')),
    callEvents.fetch,
    doneEvent('federateUserPoolSession', modelSessions.userPool),
  ],
  /**
   * Each MFA challenge (a substate of `signingIn.awaitingMfa` each), opened by the sign-in or by
   * an answer (a choice of factor, then its code; a setup, then its code). For shortest paths:
   * the simple ones are every order of the five challenges.
   */
  mfaChallenges: [
    doneEvent('restoreSession', nothingStored),
    callEvents.signIn,
    ...mfaChallengeNames.map((challenge) => doneEvent('signInWithPassword', { kind: 'mfaRequired', challenge })),
    callEvents.confirmMfaCode,
    ...mfaChallengeNames.map((challenge) => doneEvent('answerMfaChallenge', { kind: 'mfaRequired', challenge })),
    doneEvent('answerMfaChallenge', { kind: 'signedIn', session: modelSessions.userPool }),
  ],
} satisfies Record<string, AuthModelEvent[]>;

/**
 * Every call, service outcome and timer of the models, once each: give it as `events` to
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
