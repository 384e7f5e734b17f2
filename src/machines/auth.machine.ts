import { assign, emit, enqueueActions, fromPromise, setup } from 'xstate';
import { AuthError } from '../AuthError.js';
import { isAuthenticationFailure } from '../services/serviceErrors.js';
import type {
  AuthEvent,
  AuthHubEvent,
  FederationRequest,
  SessionFetchEvent,
  RequestSettledEvent,
  SessionSummary,
} from './authSession.js';

/** Credentials this close to expiry are renewed before they are handed out. */
export const RENEW_BEFORE_EXPIRY_MS = 2 * 60 * 1000;

export interface AuthMachineInput {
  /** Signed-out sessions get guest credentials. */
  allowGuestAccess: boolean;
  /** The session lives in an access group other apps can change; re-read it before answering. */
  sharedSession: boolean;
}

export interface AuthMachineContext extends AuthMachineInput {
  session: SessionSummary | null;
  /** The request the current long-running state works for (federating, clearing). */
  activeRequestId: number | null;
  /** `fetchAuthSession` requests waiting for a busy state to end. */
  deferredFetches: SessionFetchEvent[];
  /** Secret-free problems found while restoring (unreadable records). */
  restoreProblems: AuthError[];
}

export interface RestoreOutput {
  session: SessionSummary | null;
  problems: AuthError[];
}

function notProvided(name: string): never {
  throw new AuthError('InvalidStateError', {
    message: `The ${name} service was not provided: create the actor with authMachine.provide({ actors: createAuthActors(config) }) or use createAuth().`,
  });
}

function cancelled(what: string): AuthError {
  return new AuthError('CancelledError', { message: `${what} was cancelled by a call to clearFederationToIdentityPool.` });
}

function sessionExpired(cause: unknown): AuthError {
  return new AuthError('SessionExpiredError', {
    message: 'The federated session expired: Cognito refused the stored provider token or identity.',
    recoverySuggestion:
      'Get a fresh token from the provider and call federateToIdentityPool again, or supply federation.refreshProviderToken.',
    cause,
  });
}

function asAuthError(error: unknown): AuthError {
  return error instanceof AuthError
    ? error
    : new AuthError('ServiceError', { message: 'An unexpected error ended the call.', cause: error });
}

/** Tells the Promise API that request `requestId` is done; emitted after the snapshot updates. */
function settledEvent(requestId: number, error: AuthError | null): RequestSettledEvent {
  return { type: 'request.settled', requestId, error };
}

function credentialsExpiring(session: SessionSummary | null, now: number): boolean {
  return session?.credentialsExpiration === undefined || session.credentialsExpiration - now <= RENEW_BEFORE_EXPIRY_MS;
}

/**
 * The auth statechart. Read it top to bottom as the diagram:
 * configuring → signedOut ⇄ federating → federated → clearingFederation → signedOut,
 * with renewal inside `federated`, guest credentials inside `signedOut`, and `sessionExpired`
 * when Cognito refuses the stored token. Services are provided by `createAuthActors`.
 */
export const authMachine = setup({
  types: {
    context: {} as AuthMachineContext,
    /** `busy`: a service is running; fetches wait for it. */
    tags: {} as 'busy',
    events: {} as AuthEvent,
    input: {} as AuthMachineInput,
    emitted: {} as AuthHubEvent | RequestSettledEvent,
  },
  actors: {
    restoreSession: fromPromise<RestoreOutput, void>(async () => notProvided('restoreSession')),
    syncSharedSession: fromPromise<RestoreOutput, void>(async () => notProvided('syncSharedSession')),
    federateToIdentityPool: fromPromise<SessionSummary, FederationRequest>(async () =>
      notProvided('federateToIdentityPool'),
    ),
    renewFederatedCredentials: fromPromise<SessionSummary, void>(async () => notProvided('renewFederatedCredentials')),
    fetchGuestCredentials: fromPromise<SessionSummary, { forceRefresh: boolean }>(async () =>
      notProvided('fetchGuestCredentials'),
    ),
    clearFederatedSession: fromPromise<void, void>(async () => notProvided('clearFederatedSession')),
  },
  guards: {
    restoredFederated: ({ event }) =>
      (event as unknown as { output: RestoreOutput }).output.session?.kind === 'federated',
    hasFederatedSession: ({ context }) => context.session?.kind === 'federated',
    isSharedAndUnsynced: ({ context, event }) =>
      context.sharedSession && event.type === 'session.fetch' && event.synced !== true,
    credentialsNeedRenewal: ({ context, event }) =>
      event.type === 'session.fetch' && (event.forceRefresh || credentialsExpiring(context.session, event.now)),
    guestCredentialsNeeded: ({ context, event }) =>
      context.allowGuestAccess &&
      event.type === 'session.fetch' &&
      (context.session?.kind !== 'guest' || event.forceRefresh || credentialsExpiring(context.session, event.now)),
    isAuthenticationFailure: ({ event }) => isAuthenticationFailure((event as unknown as { error: unknown }).error),
  },
  actions: {
    keepRestoredSession: assign(({ event }) => {
      const { session, problems } = (event as unknown as { output: RestoreOutput }).output;
      return { session, restoreProblems: problems };
    }),
    keepSession: assign({
      session: ({ event }) => (event as unknown as { output: SessionSummary }).output,
    }),
    forgetSession: assign({ session: null }),
    rememberRequest: assign({
      activeRequestId: ({ event }) => ('requestId' in event ? event.requestId : null),
    }),
    deferFetch: assign({
      deferredFetches: ({ context, event }) =>
        event.type === 'session.fetch' ? [...context.deferredFetches, event] : context.deferredFetches,
    }),
    /** A fetch that waits for a sync of the shared session is answered from the synced one. */
    deferSyncedFetch: assign({
      deferredFetches: ({ context, event }) =>
        event.type === 'session.fetch' ? [...context.deferredFetches, { ...event, synced: true }] : context.deferredFetches,
    }),
    /** Busy states queue fetches; a settled state answers them by raising them again. */
    replayDeferredFetches: enqueueActions(({ context, enqueue }) => {
      if (context.deferredFetches.length === 0) return;
      for (const fetch of context.deferredFetches) enqueue.raise(fetch);
      enqueue.assign({ deferredFetches: [] });
    }),
    settleEvent: emit(({ event }) => settledEvent('requestId' in event ? event.requestId : -1, null)),
    settleActiveRequest: enqueueActions(({ context, enqueue }) => {
      if (context.activeRequestId !== null) enqueue.emit(settledEvent(context.activeRequestId, null));
      enqueue.assign({ activeRequestId: null });
    }),
    rejectActiveRequest: enqueueActions(({ context, event, enqueue }) => {
      const error = asAuthError((event as unknown as { error: unknown }).error);
      if (context.activeRequestId !== null) enqueue.emit(settledEvent(context.activeRequestId, error));
      enqueue.assign({ activeRequestId: null });
    }),
    /** Clear during federating: the federation's caller learns it was cancelled. */
    cancelActiveFederation: enqueueActions(({ context, enqueue }) => {
      if (context.activeRequestId !== null) enqueue.emit(settledEvent(context.activeRequestId, cancelled('The federation')));
    }),
    rejectAsSessionExpired: emit(({ event }) =>
      settledEvent('requestId' in event ? event.requestId : -1, sessionExpired(undefined)),
    ),
    settleDeferredFetches: enqueueActions(({ context, enqueue }) => {
      for (const f of context.deferredFetches) enqueue.emit(settledEvent(f.requestId, null));
      enqueue.assign({ deferredFetches: [] });
    }),
    rejectDeferredFetches: enqueueActions(({ context, event, enqueue }) => {
      const error = asAuthError((event as unknown as { error: unknown }).error);
      for (const f of context.deferredFetches) enqueue.emit(settledEvent(f.requestId, error));
      enqueue.assign({ deferredFetches: [] });
    }),
    rejectDeferredFetchesAsExpired: enqueueActions(({ context, event, enqueue }) => {
      const error = sessionExpired((event as unknown as { error: unknown }).error);
      for (const f of context.deferredFetches) enqueue.emit(settledEvent(f.requestId, error));
      enqueue.assign({ deferredFetches: [] });
    }),
    emitFederated: emit(({ context }) => ({
      type: 'federatedToIdentityPool' as const,
      data: { identityId: context.session?.identityId ?? '', provider: context.session!.provider! },
    })),
    emitFederationFailure: emit(({ event }) => ({
      type: 'federateToIdentityPool_failure' as const,
      data: { error: asAuthError((event as unknown as { error: unknown }).error) },
    })),
    emitFederationCleared: emit({ type: 'federationToIdentityPoolCleared' as const }),
    emitSessionExpired: emit({ type: 'sessionExpired' as const }),
  },
}).createMachine({
  id: 'auth',
  context: ({ input }) => ({
    ...input,
    session: null,
    activeRequestId: null,
    deferredFetches: [],
    restoreProblems: [],
  }),
  initial: 'configuring',
  states: {
    configuring: {
      tags: ['busy'],
      description: 'Restores the stored session and runs access-group migration.',
      invoke: {
        id: 'restoreSession',
        src: 'restoreSession',
        onDone: [
          { guard: 'restoredFederated', target: 'federated', actions: 'keepRestoredSession' },
          { target: 'signedOut', actions: 'keepRestoredSession' },
        ],
        onError: { target: 'signedOut', actions: 'forgetSession' },
      },
      on: { 'session.fetch': { actions: 'deferFetch' } },
    },

    syncing: {
      tags: ['busy'],
      description: 'Re-reads a session shared through an access group before answering.',
      invoke: {
        id: 'syncSharedSession',
        src: 'syncSharedSession',
        onDone: [
          { guard: 'restoredFederated', target: 'federated', actions: 'keepRestoredSession' },
          { target: 'signedOut', actions: 'keepRestoredSession' },
        ],
        // The shared store could not be read: answer from the session we have.
        onError: [{ guard: 'hasFederatedSession', target: 'federated' }, { target: 'signedOut' }],
      },
      on: { 'session.fetch': { actions: 'deferSyncedFetch' } },
    },

    signedOut: {
      initial: 'idle',
      on: {
        federate: { target: 'federating' },
      },
      states: {
        idle: {
          entry: 'replayDeferredFetches',
          on: {
            'session.fetch': [
              { guard: 'isSharedAndUnsynced', target: '#auth.syncing', actions: 'deferSyncedFetch' },
              { guard: 'guestCredentialsNeeded', target: 'fetchingGuestCredentials', actions: 'deferFetch' },
              { actions: 'settleEvent' },
            ],
          },
        },
        fetchingGuestCredentials: {
          tags: ['busy'],
          invoke: {
            id: 'fetchGuestCredentials',
            src: 'fetchGuestCredentials',
            input: ({ context }) => ({ forceRefresh: context.deferredFetches.some((f) => f.forceRefresh) }),
            onDone: { target: 'idle', actions: ['keepSession', 'settleDeferredFetches'] },
            onError: { target: 'idle', actions: 'rejectDeferredFetches' },
          },
          on: { 'session.fetch': { actions: 'deferFetch' } },
        },
        federationFailed: {
          description: 'A federation failed with no earlier session; federate again or clear.',
          entry: 'replayDeferredFetches',
          on: {
            'federation.clear': { target: '#auth.clearingFederation', actions: 'rememberRequest' },
            'session.fetch': [
              { guard: 'isSharedAndUnsynced', target: '#auth.syncing', actions: 'deferSyncedFetch' },
              { guard: 'guestCredentialsNeeded', target: 'fetchingGuestCredentials', actions: 'deferFetch' },
              { actions: 'settleEvent' },
            ],
          },
        },
      },
    },

    federating: {
      tags: ['busy'],
      description: 'GetId (unless an identity id was given), then GetCredentialsForIdentity.',
      entry: 'rememberRequest',
      invoke: {
        id: 'federateToIdentityPool',
        src: 'federateToIdentityPool',
        input: ({ event }) => {
          const { token, provider, developerProvidedIdentityId, customRoleArn } = event as Extract<AuthEvent, { type: 'federate' }>;
          return {
            token,
            provider,
            ...(developerProvidedIdentityId ? { developerProvidedIdentityId } : {}),
            ...(customRoleArn ? { customRoleArn } : {}),
          };
        },
        onDone: { target: 'federated', actions: ['keepSession', 'settleActiveRequest', 'emitFederated'] },
        onError: [
          // A failed re-federation keeps the session that was there before.
          { guard: 'hasFederatedSession', target: 'federated', actions: ['rejectActiveRequest', 'emitFederationFailure'] },
          { target: 'signedOut.federationFailed', actions: ['rejectActiveRequest', 'emitFederationFailure'] },
        ],
      },
      on: {
        'federation.clear': { target: 'clearingFederation', actions: ['cancelActiveFederation', 'rememberRequest'] },
        'session.fetch': { actions: 'deferFetch' },
      },
    },

    federated: {
      initial: 'active',
      on: {
        federate: { target: 'federating' },
        'federation.clear': { target: 'clearingFederation', actions: 'rememberRequest' },
      },
      states: {
        active: {
          entry: 'replayDeferredFetches',
          on: {
            'session.fetch': [
              { guard: 'isSharedAndUnsynced', target: '#auth.syncing', actions: 'deferSyncedFetch' },
              { guard: 'credentialsNeedRenewal', target: 'renewing', actions: 'deferFetch' },
              { actions: 'settleEvent' },
            ],
          },
        },
        renewing: {
          tags: ['busy'],
          description: 'GetCredentialsForIdentity with the stored token; every caller shares this one call.',
          invoke: {
            id: 'renewFederatedCredentials',
            src: 'renewFederatedCredentials',
            onDone: { target: 'active', actions: ['keepSession', 'settleDeferredFetches'] },
            onError: [
              {
                guard: 'isAuthenticationFailure',
                target: '#auth.sessionExpired',
                actions: ['rejectDeferredFetchesAsExpired', 'emitSessionExpired'],
              },
              // Throttling, network, 5xx: this call fails, the session stays for the next one.
              { target: 'active', actions: 'rejectDeferredFetches' },
            ],
          },
          on: { 'session.fetch': { actions: 'deferFetch' } },
        },
      },
    },

    sessionExpired: {
      description: 'Cognito refused the stored token. Federate again with a fresh token, or clear.',
      entry: 'replayDeferredFetches',
      on: {
        federate: { target: 'federating' },
        'federation.clear': { target: 'clearingFederation', actions: 'rememberRequest' },
        'session.fetch': { actions: 'rejectAsSessionExpired' },
      },
    },

    clearingFederation: {
      tags: ['busy'],
      description: 'Removes the stored federated session; no network call.',
      invoke: {
        id: 'clearFederatedSession',
        src: 'clearFederatedSession',
        onDone: { target: 'signedOut', actions: ['forgetSession', 'settleActiveRequest', 'emitFederationCleared'] },
        onError: [
          { guard: 'hasFederatedSession', target: 'federated', actions: 'rejectActiveRequest' },
          { target: 'signedOut.federationFailed', actions: 'rejectActiveRequest' },
        ],
      },
      on: { 'session.fetch': { actions: 'deferFetch' } },
    },
  },
});

export type AuthMachine = typeof authMachine;
