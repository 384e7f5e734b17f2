import { assign, emit, enqueueActions, fromPromise, setup } from 'xstate';
import { AuthError, SessionChangedError } from '../vocabulary/AuthError.js';
import type { Secret } from '../vocabulary/Secret.js';
import type {
  AuthEvent,
  AuthHubEvent,
  FederationRequest,
  MfaChallengeName,
  RestoreOutput,
  SessionFetchEvent,
  RequestSettledEvent,
  SessionSummary,
  SignInRequest,
  SignInStepOutcome,
} from '../vocabulary/statechartContract.js';

/**
 * The default renewal window: credentials and tokens this close to expiry are renewed before they
 * are handed out. `createAuth`'s `renewBeforeExpiryMs` sets another.
 */
export const RENEW_BEFORE_EXPIRY_MS = 2 * 60 * 1000;

/** What a fetch guard reads of the machine's context. */
export interface FetchContext {
  session: SessionSummary | null;
  sharedSession: boolean;
  allowGuestAccess: boolean;
  /** The renewal window, in milliseconds before expiry. */
  renewBeforeExpiryMs: number;
}

/** No expiry known, or within the renewal window of it. */
function expiring(expiration: number | undefined, c: FetchContext, now: number): boolean {
  return expiration === undefined || expiration - now <= c.renewBeforeExpiryMs;
}

const credentialsExpiring = (c: FetchContext, now: number) => expiring(c.session?.credentialsExpiration, c, now);
const tokensExpiring = (c: FetchContext, now: number) => expiring(c.session?.tokensExpiration, c, now);

/**
 * The questions each state asks of a `fetchAuthSession` before it answers: the statechart's
 * guards, and the Promise API's warm path (`answersFetchAtOnce`), both ask them here.
 */
export const fetchRules = {
  /** A session shared through an access group is re-read first. */
  isSharedAndUnsynced: (c: FetchContext, e: SessionFetchEvent) => c.sharedSession && e.synced !== true,
  credentialsNeedRenewal: (c: FetchContext, e: SessionFetchEvent) => e.forceRefresh || credentialsExpiring(c, e.now),
  tokensNeedRefresh: (c: FetchContext, e: SessionFetchEvent) => e.forceRefresh || tokensExpiring(c, e.now),
  userPoolCredentialsNeeded: (c: FetchContext, e: SessionFetchEvent) => credentialsExpiring(c, e.now),
  guestCredentialsNeeded: (c: FetchContext, e: SessionFetchEvent) =>
    c.allowGuestAccess && (c.session?.kind !== 'guest' || e.forceRefresh || credentialsExpiring(c, e.now)),
};

/** What {@link authMachine} is started with: `createActor(authMachine, { input })`. */
export interface AuthMachineInput {
  /** Signed-out sessions get guest credentials. */
  allowGuestAccess: boolean;
  /** The session lives in an access group other apps can change; re-read it before answering. */
  sharedSession: boolean;
  /** The renewal window in milliseconds before expiry. Default {@link RENEW_BEFORE_EXPIRY_MS}. */
  renewBeforeExpiryMs?: number;
  /** Federated credentials, and a signed-in session's tokens and credentials, are renewed when they enter the renewal window, without waiting for a fetch. Default false. */
  renewInBackground?: boolean;
}

/** The machine's context: data only, never a secret (the secrets stay in the session vault). */
export interface AuthMachineContext extends AuthMachineInput {
  /** The renewal window in milliseconds before expiry (the input's, or the default). */
  renewBeforeExpiryMs: number;
  /** What the machine knows of the current session; `null` when there is none. */
  session: SessionSummary | null;
  /** The request the current long-running state works for (federating, clearing). */
  activeRequestId: number | null;
  /** `fetchAuthSession` requests waiting for a busy state to end. */
  deferredFetches: SessionFetchEvent[];
  /** Secret-free problems found while restoring (unreadable records). */
  restoreProblems: AuthError[];
  /**
   * Where a sync of the shared session returns when the store holds no session: the state it
   * started from, when that state keeps something of its own (a failed federation, an open
   * sign-in challenge).
   */
  returnAfterSync: 'federationFailed' | 'challenge' | null;
  /** The sign-in challenge the user is at, while one is open: the new password, or Cognito's name of the MFA challenge (its details stay in the vault). */
  openChallenge: 'newPassword' | MfaChallengeName | null;
}


/** A placeholder service: the real ones come from createAuth or `createAuthActors`. */
function notProvided<O, I>() {
  return fromPromise<O, I>(async ({ self }) => {
    throw new AuthError('InvalidStateError', { message: `No ${self.src as string} service: use createAuthActors().` });
  });
}

function userPoolSessionEnded(cause: unknown): AuthError {
  return new AuthError('SessionExpiredError', {
    message: 'The user-pool session ended: Cognito refused the refresh token.',
    recoverySuggestion: 'Sign in again.',
    cause,
  });
}

/** Services fail with AuthErrors (a renewal that ends the session says so itself); anything else is wrapped. */
function asAuthError(error: unknown): AuthError {
  return error instanceof AuthError
    ? error
    : new AuthError('ServiceError', { message: 'An unexpected error ended the call.', cause: error });
}

/** Tells the Promise API that request `requestId` is done; emitted after the snapshot updates. */
function settledEvent(requestId: number, error: AuthError | null): RequestSettledEvent {
  return { type: 'request.settled', requestId, error };
}

/** A guard that asks one of the fetch rules of a `session.fetch` (false for any other event). */
function fetchGuard(rule: (context: AuthMachineContext, event: SessionFetchEvent) => boolean) {
  return ({ context, event }: { context: AuthMachineContext; event: AuthEvent }) => event.type === 'session.fetch' && rule(context, event);
}

/**
 * When the session runs out, as the fetch rules see it: the credentials' expiry, and for a user-pool
 * session the earlier of it and the tokens' (none known counts as now: a fetch would renew at once).
 */
function sessionExpiration(session: SessionSummary | null): number {
  const credentials = session?.credentialsExpiration ?? 0;
  return session?.kind === 'userPool' ? Math.min(credentials, session.tokensExpiration ?? 0) : credentials;
}

/**
 * Milliseconds until `before` ms ahead of the session's expiry, by the actor's clock: the `now()`
 * of the clock `createActor` was given (createAuth gives its `clock`), else `Date.now()`. Timers
 * hold at most 2^31 - 1 ms (24.8 days): a longer wait fires then, far beyond any credentials' lifetime.
 */
function msUntilExpiry({ context, system }: { context: AuthMachineContext; system: { _clock: object } }, before: number): number {
  const now = (system._clock as { now?: () => number }).now?.() ?? Date.now();
  return Math.min(Math.max(sessionExpiration(context.session) - before - now, 0), 2 ** 31 - 1);
}

/**
 * The output of a service's done event, or the error of its error event. Named actions and guards
 * see the machine's own event union; these are the one place that reads an invoke's result.
 */
function outputOf<T>(event: unknown): T {
  return (event as { output: T }).output;
}

function errorOf(event: unknown): unknown {
  return (event as { error: unknown }).error;
}

/**
 * The auth statechart. Read it top to bottom as the diagram:
 * configuring → signedOut ⇄ federating → federated → clearingFederation → signedOut for the
 * identity pool, and signedOut → signingIn → signedIn → signingOut → signedOut for the user pool,
 * with renewal inside `federated` and `signedIn` (and timers that move each from `active` →
 * `expiring` → `expired` as Cognito's clock runs), guest credentials inside `signedOut`, and
 * `sessionExpired` when Cognito refuses the stored token. Its invoked actors are placeholders:
 * `createAuth` runs it with the real ones, or provide `createAuthActors(…)` from
 * `cognito-auth-machine/services`.
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
  delays: {
    untilRenewalWindow: (args) => msUntilExpiry(args, args.context.renewBeforeExpiryMs),
    untilExpiry: (args) => msUntilExpiry(args, 0),
  },
  actors: {
    restoreSession: notProvided<RestoreOutput, void>(),
    syncSharedSession: notProvided<RestoreOutput, void>(),
    federateToIdentityPool: notProvided<SessionSummary, FederationRequest>(),
    renewFederatedCredentials: notProvided<SessionSummary, void>(),
    fetchGuestCredentials: notProvided<SessionSummary, { forceRefresh: boolean }>(),
    clearFederatedSession: notProvided<void, void>(),
    signInWithPassword: notProvided<SignInStepOutcome, SignInRequest>(),
    completeNewPassword: notProvided<SignInStepOutcome, { newPassword: Secret }>(),
    answerMfaChallenge: notProvided<SignInStepOutcome, { answer: Secret }>(),
    federateUserPoolSession: notProvided<SessionSummary, void>(),
    refreshUserPoolTokens: notProvided<SessionSummary, void>(),
    signOutOfUserPool: notProvided<{ globalSignOutError: AuthError | null }, { global: boolean }>(),
  },
  guards: {
    restoredFederated: ({ event }) =>
      outputOf<RestoreOutput>(event).session?.kind === 'federated',
    restoredUserPool: ({ event }) => outputOf<RestoreOutput>(event).session?.kind === 'userPool',
    hasFederatedSession: ({ context }) => context.session?.kind === 'federated' && context.session.refused !== true,
    hasRefusedSession: ({ context }) => context.session?.refused === true,
    returnsToFailedFederation: ({ context }) => context.returnAfterSync === 'federationFailed',
    returnsToChallenge: ({ context }) => context.returnAfterSync === 'challenge',
    returnsToMfaChallenge: ({ context }) => context.returnAfterSync === 'challenge' && context.openChallenge !== 'newPassword',
    /** A sync read back the very record Cognito refused: the session stays expired. */
    restoredRefusedSession: ({ context, event }) => {
      const restored = outputOf<RestoreOutput>(event).session;
      return (
        context.session?.refused === true &&
        restored?.generation !== undefined &&
        restored.generation === context.session.generation
      );
    },
    /** Another app or process changed the stored session while this one worked: re-read it. */
    sessionChangedElsewhere: ({ event }) => errorOf(event) instanceof SessionChangedError,
    hasUserPoolSession: ({ context }) => context.session?.kind === 'userPool',
    renewsInBackground: ({ context }) => context.renewInBackground === true,
    /** No fetch waits on this renewal: the renewal window's timer started it. */
    isBackgroundRenewal: ({ context }) => context.deferredFetches.length === 0,
    /** Renewing in the background, and the tokens' refresh point (not the credentials') set the timer. */
    renewsTokensInBackground: ({ context }) =>
      context.renewInBackground === true &&
      (context.session?.tokensExpiration ?? 0) <= (context.session?.credentialsExpiration ?? 0),
    newPasswordRequired: ({ event }) => outputOf<SignInStepOutcome>(event).kind === 'newPasswordRequired',
    mfaRequired: ({ event }) => outputOf<SignInStepOutcome>(event).kind === 'mfaRequired',
    awaitsMfa: ({ context }) => context.openChallenge !== 'newPassword',
    // params: Cognito's name of the challenge (typed loosely: XState's enqueueActions types refuse typed guard params).
    challengeIs: ({ context }, challenge: unknown) => context.openChallenge === challenge,
    /** Cognito refused the MFA code but not the session: the challenge stays open. */
    isWrongCode: ({ event }) => /^(CodeMismatch|ExpiredCode|EnableSoftwareTokenMFA)Exception$/.test((errorOf(event) as AuthError).serviceErrorName ?? ''),
    // The questions a fetch is asked before it is answered (fetchRules, shared with the warm path).
    tokensNeedRefresh: fetchGuard(fetchRules.tokensNeedRefresh),
    userPoolCredentialsNeeded: fetchGuard(fetchRules.userPoolCredentialsNeeded),
    isSharedAndUnsynced: fetchGuard(fetchRules.isSharedAndUnsynced),
    credentialsNeedRenewal: fetchGuard(fetchRules.credentialsNeedRenewal),
    guestCredentialsNeeded: fetchGuard(fetchRules.guestCredentialsNeeded),
    /** Services fail with AuthErrors; a refused token or identity ends the session. */
    isAuthenticationFailure: ({ event }) => {
      const error = errorOf(event);
      return error instanceof AuthError && (error.name === 'NotAuthorizedError' || error.name === 'SessionExpiredError');
    },
  },
  actions: {
    keepRestoredSession: assign(({ event }) => {
      const { session, problems } = outputOf<RestoreOutput>(event);
      return { session, restoreProblems: problems };
    }),
    keepSession: assign({
      session: ({ event }) => outputOf<SessionSummary>(event),
    }),
    forgetSession: assign({ session: null }),
    markSessionRefused: assign({
      session: ({ context }) => (context.session ? { ...context.session, refused: true } : null),
    }),
    rememberFailedFederation: assign({ returnAfterSync: 'federationFailed' as const }),
    rememberChallenge: assign({ returnAfterSync: 'challenge' as const }),
    openNewPasswordChallenge: assign({ openChallenge: 'newPassword' as const }),
    // The challenge an answer opened; after a wrong code or a guest renewal, the one still open.
    openMfaChallenge: assign({
      openChallenge: ({ context, event }) => {
        const out = (event as { output?: SignInStepOutcome }).output;
        return out?.kind === 'mfaRequired' ? out.challenge : context.openChallenge;
      },
    }),
    forgetReturnAfterSync: assign({ returnAfterSync: null }),
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
    /** Fetches queued before a re-read of the stored session are answered from what it finds. */
    markDeferredFetchesSynced: assign({
      deferredFetches: ({ context }) => context.deferredFetches.map((f) => ({ ...f, synced: true })),
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
      const error = asAuthError(errorOf(event));
      if (context.activeRequestId !== null) enqueue.emit(settledEvent(context.activeRequestId, error));
      enqueue.assign({ activeRequestId: null });
    }),
    /** Clear during federating: the federation's caller learns it was cancelled. */
    cancelActiveFederation: enqueueActions(({ context, enqueue }) => {
      const error = new AuthError('CancelledError', { message: 'clearFederationToIdentityPool cancelled the federation.' });
      if (context.activeRequestId !== null) enqueue.emit(settledEvent(context.activeRequestId, error));
    }),
    rejectAsSessionExpired: emit(({ event }) =>
      settledEvent(
        'requestId' in event ? event.requestId : -1,
        new AuthError('SessionExpiredError', { message: 'Cognito refused the stored session; federate again or clear it.' }),
      ),
    ),
    settleDeferredFetches: enqueueActions(({ context, enqueue }) => {
      for (const f of context.deferredFetches) enqueue.emit(settledEvent(f.requestId, null));
      enqueue.assign({ deferredFetches: [] });
    }),
    rejectDeferredFetches: enqueueActions(({ context, event, enqueue }) => {
      const error = asAuthError(errorOf(event));
      for (const f of context.deferredFetches) enqueue.emit(settledEvent(f.requestId, error));
      enqueue.assign({ deferredFetches: [] });
    }),
    keepSignedInSession: assign({
      openChallenge: null,
      session: ({ event }) => {
        const outcome = outputOf<SignInStepOutcome>(event);
        return outcome.kind === 'signedIn' ? outcome.session : null;
      },
    }),
    /** The local sign-out stands even when the global part failed; signOut then rejects with why. */
    settleSignOut: enqueueActions(({ context, event, enqueue }) => {
      const { globalSignOutError } = outputOf<{ globalSignOutError: AuthError | null }>(event);
      if (context.activeRequestId !== null) enqueue.emit(settledEvent(context.activeRequestId, globalSignOutError));
      enqueue.assign({ activeRequestId: null });
    }),
    rejectDeferredFetchesAsSignedOut: enqueueActions(({ context, event, enqueue }) => {
      const error = userPoolSessionEnded(errorOf(event));
      for (const f of context.deferredFetches) enqueue.emit(settledEvent(f.requestId, error));
      enqueue.assign({ deferredFetches: [] });
    }),
    emitSignedIn: emit(({ context }) => ({
      type: 'signedIn' as const,
      data: { username: context.session?.username ?? '', userId: context.session?.userId ?? '' },
    })),
    emitSignedOut: emit({ type: 'signedOut' as const }),
    emitTokenRefresh: emit({ type: 'tokenRefresh' as const }),
    emitTokenRefreshFailure: emit(({ event }) => ({
      type: 'tokenRefresh_failure' as const,
      data: { error: asAuthError(errorOf(event)) },
    })),
    emitFederated: emit(({ context }) => ({
      type: 'federatedToIdentityPool' as const,
      data: { identityId: context.session?.identityId ?? '', provider: context.session!.provider! },
    })),
    emitFederationFailure: emit(({ event }) => ({
      type: 'federateToIdentityPool_failure' as const,
      data: { error: asAuthError(errorOf(event)) },
    })),
    emitFederationCleared: emit({ type: 'federationToIdentityPoolCleared' as const }),
    emitSessionExpired: emit({ type: 'sessionExpired' as const }),
    /**
     * Once per set of credentials: a failed renewal that runs out again stays quiet, and so does a
     * signed-in session that never had credentials (there is no identity to name).
     */
    emitCredentialsExpired: enqueueActions(({ context, enqueue }) => {
      const session = context.session!;
      if (session.expiryAnnounced || session.identityId === undefined || session.credentialsExpiration === undefined) return;
      enqueue.emit({ type: 'credentialsExpired', data: { identityId: session.identityId! } });
      enqueue.assign({ session: { ...session, expiryAnnounced: true } });
    }),
  },
}).createMachine({
  id: 'auth',
  context: ({ input }) => ({
    ...input,
    renewBeforeExpiryMs: input.renewBeforeExpiryMs ?? RENEW_BEFORE_EXPIRY_MS,
    session: null,
    activeRequestId: null,
    deferredFetches: [],
    restoreProblems: [],
    returnAfterSync: null,
    openChallenge: null,
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
          // A restored session is used as it is; fetchAuthSession renews what needs renewing.
          { guard: 'restoredUserPool', target: 'signedIn.active', actions: 'keepRestoredSession' },
          { target: 'signedOut', actions: 'keepRestoredSession' },
        ],
        onError: { target: 'signedOut', actions: 'forgetSession' },
      },
      on: { 'session.fetch': { actions: 'deferFetch' } },
    },

    syncing: {
      tags: ['busy'],
      description: 'Re-reads a session shared through an access group before answering.',
      exit: 'forgetReturnAfterSync',
      invoke: {
        id: 'syncSharedSession',
        src: 'syncSharedSession',
        onDone: [
          { guard: 'restoredRefusedSession', target: 'sessionExpired', actions: 'keepRestoredSession' },
          { guard: 'restoredFederated', target: 'federated', actions: 'keepRestoredSession' },
          // A restored session is used as it is; fetchAuthSession renews what needs renewing.
          { guard: 'restoredUserPool', target: 'signedIn.active', actions: 'keepRestoredSession' },
          { guard: 'returnsToFailedFederation', target: 'signedOut.federationFailed', actions: 'keepRestoredSession' },
          { guard: 'returnsToMfaChallenge', target: 'signingIn.awaitingMfa', actions: 'keepRestoredSession' },
          { guard: 'returnsToChallenge', target: 'signingIn.awaitingNewPassword', actions: 'keepRestoredSession' },
          { target: 'signedOut', actions: 'keepRestoredSession' },
        ],
        // The shared store could not be read: answer from the session we have.
        onError: [
          { guard: 'hasFederatedSession', target: 'federated' },
          { guard: 'hasRefusedSession', target: 'sessionExpired' },
          { guard: 'hasUserPoolSession', target: 'signedIn.active' },
          { guard: 'returnsToFailedFederation', target: 'signedOut.federationFailed' },
          { guard: 'returnsToMfaChallenge', target: 'signingIn.awaitingMfa' },
          { guard: 'returnsToChallenge', target: 'signingIn.awaitingNewPassword' },
          { target: 'signedOut' },
        ],
      },
      on: { 'session.fetch': { actions: 'deferSyncedFetch' } },
    },

    signedOut: {
      initial: 'idle',
      on: {
        federate: { target: 'federating' },
        signIn: { target: 'signingIn' },
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
            onError: [
              { guard: 'sessionChangedElsewhere', target: '#auth.syncing', actions: 'markDeferredFetchesSynced' },
              { target: 'idle', actions: 'rejectDeferredFetches' },
            ],
          },
          on: { 'session.fetch': { actions: 'deferFetch' } },
        },
        federationFailed: {
          description: 'A federation failed with no earlier session; federate again or clear.',
          entry: 'replayDeferredFetches',
          on: {
            'federation.clear': { target: '#auth.clearingFederation', actions: 'rememberRequest' },
            'session.fetch': [
              {
                guard: 'isSharedAndUnsynced',
                target: '#auth.syncing',
                actions: ['deferSyncedFetch', 'rememberFailedFederation'],
              },
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
          // Another app changed the stored session meanwhile: this federation is not kept.
          {
            guard: 'sessionChangedElsewhere',
            target: 'syncing',
            actions: ['rejectActiveRequest', 'emitFederationFailure', 'markDeferredFetchesSynced'],
          },
          // A failed re-federation keeps the session that was there before.
          { guard: 'hasFederatedSession', target: 'federated', actions: ['rejectActiveRequest', 'emitFederationFailure'] },
          { guard: 'hasRefusedSession', target: 'sessionExpired', actions: ['rejectActiveRequest', 'emitFederationFailure'] },
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
        // Answered alike in active, expiring and expired: the fetch's clock decides what is renewed.
        'session.fetch': [
          { guard: 'isSharedAndUnsynced', target: '#auth.syncing', actions: 'deferSyncedFetch' },
          { guard: 'credentialsNeedRenewal', target: '.renewing', actions: 'deferFetch' },
          { actions: 'settleEvent' },
        ],
      },
      states: {
        active: {
          entry: 'replayDeferredFetches',
          after: { untilRenewalWindow: [{ guard: 'renewsInBackground', target: 'renewing' }, { target: 'expiring' }] },
        },
        expiring: {
          description: 'Credentials within the renewal window.',
          after: { untilExpiry: 'expired' },
        },
        expired: {
          description: "Credentials expired on Cognito's clock.",
          entry: 'emitCredentialsExpired',
        },
        renewing: {
          tags: ['busy'],
          description: 'GetCredentialsForIdentity with the stored token; every caller shares this one call.',
          invoke: {
            id: 'renewFederatedCredentials',
            src: 'renewFederatedCredentials',
            onDone: { target: 'active', actions: ['keepSession', 'settleDeferredFetches'] },
            onError: [
              // Cleared or replaced by another app meanwhile: answer from the stored session.
              { guard: 'sessionChangedElsewhere', target: '#auth.syncing', actions: 'markDeferredFetchesSynced' },
              {
                guard: 'isAuthenticationFailure',
                target: '#auth.sessionExpired',
                actions: ['rejectDeferredFetches', 'emitSessionExpired'],
              },
              // A failed background renewal waits for the next fetch to try again: it does not loop.
              { guard: 'isBackgroundRenewal', target: 'expiring' },
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
      entry: ['markSessionRefused', 'replayDeferredFetches'],
      on: {
        federate: { target: 'federating' },
        'federation.clear': { target: 'clearingFederation', actions: 'rememberRequest' },
        'session.fetch': [
          { guard: 'isSharedAndUnsynced', target: 'syncing', actions: 'deferSyncedFetch' },
          { actions: 'rejectAsSessionExpired' },
        ],
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
          { guard: 'hasRefusedSession', target: 'sessionExpired', actions: 'rejectActiveRequest' },
          { target: 'signedOut.federationFailed', actions: 'rejectActiveRequest' },
        ],
      },
      on: { 'session.fetch': { actions: 'deferFetch' } },
    },
    signingIn: {
      description: 'User-pool sign-in (USER_PASSWORD_AUTH or USER_SRP_AUTH) and its challenges (new password, MFA).',
      entry: 'rememberRequest',
      initial: 'verifyingPassword',
      on: { 'session.fetch': { actions: 'deferFetch' } },
      states: {
        verifyingPassword: {
          tags: ['busy'],
          invoke: {
            id: 'signInWithPassword',
            src: 'signInWithPassword',
            input: ({ event }) => {
              const { username, password, authFlowType } = event as Extract<AuthEvent, { type: 'signIn' }>;
              return { username, password, ...(authFlowType ? { authFlowType } : {}) };
            },
            onDone: [
              { guard: 'newPasswordRequired', target: 'awaitingNewPassword', actions: 'settleActiveRequest' },
              { guard: 'mfaRequired', target: 'awaitingMfa', actions: 'settleActiveRequest' },
              { target: '#auth.signedIn', actions: ['keepSignedInSession', 'settleActiveRequest', 'emitSignedIn'] },
            ],
            onError: [
              { guard: 'sessionChangedElsewhere', target: '#auth.syncing', actions: ['rejectActiveRequest', 'markDeferredFetchesSynced'] },
              { target: '#auth.signedOut', actions: 'rejectActiveRequest' },
            ],
          },
        },
        awaitingNewPassword: {
          description: 'Cognito wants a new password: confirmSignIn({ challengeResponse }).',
          entry: ['openNewPasswordChallenge', 'replayDeferredFetches'],
          on: {
            'signIn.confirm': { target: 'confirmingNewPassword', actions: 'rememberRequest' },
            signIn: { target: 'verifyingPassword', actions: 'rememberRequest' },
            'session.fetch': [
              {
                guard: 'isSharedAndUnsynced',
                target: '#auth.syncing',
                actions: ['deferSyncedFetch', 'rememberChallenge'],
              },
              // Still signed out until the challenge is answered: guest credentials are renewed here too.
              { guard: 'guestCredentialsNeeded', target: 'fetchingGuestCredentials', actions: 'deferFetch' },
              { actions: 'settleEvent' },
            ],
          },
        },
        fetchingGuestCredentials: {
          tags: ['busy'],
          description: 'Guest credentials for the signed-out user waiting at the challenge; the challenge stays open.',
          // Answering the challenge does not wait for the guest credentials (the fetch is cancelled).
          on: {
            'signIn.confirm': [
              { guard: 'awaitsMfa', target: 'answeringMfa', actions: 'rememberRequest' },
              { target: 'confirmingNewPassword', actions: 'rememberRequest' },
            ],
            signIn: { target: 'verifyingPassword', actions: 'rememberRequest' },
          },
          invoke: {
            id: 'fetchGuestCredentialsAtChallenge',
            src: 'fetchGuestCredentials',
            input: ({ context }) => ({ forceRefresh: context.deferredFetches.some((f) => f.forceRefresh) }),
            onDone: [
              { guard: 'awaitsMfa', target: 'awaitingMfa', actions: ['keepSession', 'settleDeferredFetches'] },
              { target: 'awaitingNewPassword', actions: ['keepSession', 'settleDeferredFetches'] },
            ],
            onError: [
              {
                guard: 'sessionChangedElsewhere',
                target: '#auth.syncing',
                actions: ['markDeferredFetchesSynced', 'rememberChallenge'],
              },
              { guard: 'awaitsMfa', target: 'awaitingMfa', actions: 'rejectDeferredFetches' },
              { target: 'awaitingNewPassword', actions: 'rejectDeferredFetches' },
            ],
          },
        },
        confirmingNewPassword: {
          tags: ['busy'],
          invoke: {
            id: 'completeNewPassword',
            src: 'completeNewPassword',
            input: ({ event }) => ({ newPassword: (event as Extract<AuthEvent, { type: 'signIn.confirm' }>).challengeResponse }),
            onDone: [
              { guard: 'newPasswordRequired', target: 'awaitingNewPassword', actions: 'settleActiveRequest' },
              { guard: 'mfaRequired', target: 'awaitingMfa', actions: 'settleActiveRequest' },
              { target: '#auth.signedIn', actions: ['keepSignedInSession', 'settleActiveRequest', 'emitSignedIn'] },
            ],
            onError: [
              { guard: 'sessionChangedElsewhere', target: '#auth.syncing', actions: ['rejectActiveRequest', 'markDeferredFetchesSynced'] },
              // The challenge stays open: the app can try another password.
              { target: 'awaitingNewPassword', actions: 'rejectActiveRequest' },
            ],
          },
        },
        awaitingMfa: {
          description: 'Cognito wants a second factor, or one set up: confirmSignIn({ challengeResponse }). A substate per challenge.',
          entry: ['openMfaChallenge', 'replayDeferredFetches'],
          initial: 'opening',
          states: {
            opening: {
              always: [
                { guard: { type: 'challengeIs', params: 'SMS_MFA' }, target: 'smsCode' },
                { guard: { type: 'challengeIs', params: 'EMAIL_OTP' }, target: 'emailCode' },
                { guard: { type: 'challengeIs', params: 'SOFTWARE_TOKEN_MFA' }, target: 'totpCode' },
                { guard: { type: 'challengeIs', params: 'SELECT_MFA_TYPE' }, target: 'factorChoice' },
                { target: 'factorSetup' },
              ],
            },
            smsCode: {},
            emailCode: {},
            totpCode: {},
            factorChoice: {},
            factorSetup: {},
          },
          on: {
            'signIn.confirm': { target: 'answeringMfa', actions: 'rememberRequest' },
            signIn: { target: 'verifyingPassword', actions: 'rememberRequest' },
            'session.fetch': [
              {
                guard: 'isSharedAndUnsynced',
                target: '#auth.syncing',
                actions: ['deferSyncedFetch', 'rememberChallenge'],
              },
              { guard: 'guestCredentialsNeeded', target: 'fetchingGuestCredentials', actions: 'deferFetch' },
              { actions: 'settleEvent' },
            ],
          },
        },
        answeringMfa: {
          tags: ['busy'],
          invoke: {
            id: 'answerMfaChallenge',
            src: 'answerMfaChallenge',
            input: ({ event }) => ({ answer: (event as Extract<AuthEvent, { type: 'signIn.confirm' }>).challengeResponse }),
            onDone: [
              { guard: 'mfaRequired', target: 'awaitingMfa', actions: 'settleActiveRequest' },
              { target: '#auth.signedIn', actions: ['keepSignedInSession', 'settleActiveRequest', 'emitSignedIn'] },
            ],
            onError: [
              { guard: 'sessionChangedElsewhere', target: '#auth.syncing', actions: ['rejectActiveRequest', 'markDeferredFetchesSynced'] },
              // A wrong code keeps the challenge open; a refused session (expired, too many codes) ends the sign-in.
              { guard: 'isWrongCode', target: 'awaitingMfa', actions: 'rejectActiveRequest' },
              { guard: 'isAuthenticationFailure', target: '#auth.signedOut', actions: 'rejectActiveRequest' },
              { target: 'awaitingMfa', actions: 'rejectActiveRequest' },
            ],
          },
        },
      },
    },

    signedIn: {
      description: 'Signed in to the user pool; the id token is federated into the identity pool in the background.',
      initial: 'federatingUserPool',
      on: {
        signOut: { target: 'signingOut' },
        // Answered alike in active, expiring and expired: the fetch's clock decides what is renewed.
        'session.fetch': [
          { guard: 'isSharedAndUnsynced', target: '#auth.syncing', actions: 'deferSyncedFetch' },
          { guard: 'tokensNeedRefresh', target: '.refreshingTokens', actions: 'deferFetch' },
          { guard: 'userPoolCredentialsNeeded', target: '.federatingUserPool', actions: 'deferFetch' },
          { actions: 'settleEvent' },
        ],
      },
      states: {
        federatingUserPool: {
          tags: ['busy'],
          description: 'GetId (first time) and GetCredentialsForIdentity with the id token.',
          on: { 'session.fetch': { actions: 'deferFetch' } },
          invoke: {
            id: 'federateUserPoolSession',
            src: 'federateUserPoolSession',
            onDone: { target: 'active', actions: ['keepSession', 'settleDeferredFetches'] },
            onError: [
              { guard: 'sessionChangedElsewhere', target: '#auth.syncing', actions: 'markDeferredFetchesSynced' },
              // No fetch waits (a background renewal, or the sign-in's own): wait for the next fetch, no loop.
              { guard: 'isBackgroundRenewal', target: 'expiring' },
              // Tokens stay good; the identity credentials are tried again on the next fetch.
              { target: 'active', actions: 'rejectDeferredFetches' },
            ],
          },
        },
        active: {
          entry: 'replayDeferredFetches',
          // The earlier of the tokens' refresh point and the credentials' renewal point.
          after: {
            untilRenewalWindow: [
              { guard: 'renewsTokensInBackground', target: 'refreshingTokens' },
              { guard: 'renewsInBackground', target: 'federatingUserPool' },
              { target: 'expiring' },
            ],
          },
        },
        expiring: {
          description: 'Tokens or credentials within the renewal window.',
          after: { untilExpiry: 'expired' },
        },
        expired: {
          description: "Tokens or credentials expired on Cognito's clock (or no credentials were fetched).",
          entry: 'emitCredentialsExpired',
        },
        refreshingTokens: {
          tags: ['busy'],
          description: 'REFRESH_TOKEN_AUTH; renewed tokens then renew the credentials.',
          on: { 'session.fetch': { actions: 'deferFetch' } },
          invoke: {
            id: 'refreshUserPoolTokens',
            src: 'refreshUserPoolTokens',
            onDone: { target: 'federatingUserPool', actions: ['keepSession', 'emitTokenRefresh'] },
            onError: [
              { guard: 'sessionChangedElsewhere', target: '#auth.syncing', actions: 'markDeferredFetchesSynced' },
              // The refresh token was refused: the service has removed the session already.
              {
                guard: 'isAuthenticationFailure',
                target: '#auth.signedOut',
                actions: ['forgetSession', 'rejectDeferredFetchesAsSignedOut', 'emitTokenRefreshFailure', 'emitSignedOut'],
              },
              { guard: 'isBackgroundRenewal', target: 'expiring', actions: 'emitTokenRefreshFailure' },
              { target: 'active', actions: ['rejectDeferredFetches', 'emitTokenRefreshFailure'] },
            ],
          },
        },
      },
    },

    signingOut: {
      tags: ['busy'],
      description: 'Forgets the user-pool session (and revokes it everywhere with global sign-out).',
      entry: 'rememberRequest',
      on: { 'session.fetch': { actions: 'deferFetch' } },
      invoke: {
        id: 'signOutOfUserPool',
        src: 'signOutOfUserPool',
        input: ({ event }) => ({ global: event.type === 'signOut' && event.global }),
        onDone: { target: 'signedOut', actions: ['forgetSession', 'settleSignOut', 'emitSignedOut'] },
        onError: { target: 'signedIn.active', actions: 'rejectActiveRequest' },
      },
    },
  },
});

/** The type of {@link authMachine}, e.g. for `Actor<AuthMachine>`. */
export type AuthMachine = typeof authMachine;
