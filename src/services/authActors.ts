import { fromPromise, type PromiseActorLogic } from 'xstate';
import { AuthError, SessionChangedError } from '../vocabulary/AuthError.js';
import type { AuthProvider } from '../vocabulary/AuthProvider.js';
import type {
  FederationRequest,
  RestoreOutput,
  SessionSummary,
  SignInRequest,
  SignInStepOutcome,
} from '../vocabulary/statechartContract.js';
import { summarize } from '../vocabulary/statechartContract.js';
import { Secret } from '../vocabulary/Secret.js';
import {
  CLOCK_TOLERANCE_MS,
  type CredentialsRecord,
  type FederatedSession,
  type SessionRecord,
  type UserPoolSession,
} from '../vocabulary/SessionRecord.js';
import type { CognitoIdentityService, IssuedCredentials } from './cognitoIdentity.js';
import type * as userPoolCalls from './userPool.js';
import type { SignInStepResult, UserPoolConfig } from './userPool.js';
import { isAuthenticationFailure } from './serviceErrors.js';
import type { SessionVault } from './SessionVault.js';

/** What {@link createAuthServices} and {@link createAuthActors} need. */
export interface AuthActorDeps {
  /** The Cognito Identity calls, e.g. {@link createCognitoIdentityService}. */
  identity: CognitoIdentityService;
  /** Holds the session and its secrets beside the machine, and writes it through to storage. */
  vault: SessionVault;
  /** The user pool, when the app signs users in; its id tokens federate into the identity pool. */
  userPool?: UserPoolConfig;
  /** User-pool calls; tests may replace them. */
  userPoolService?: UserPoolService;
  /** Epoch ms. */
  clock?: () => number;
  /** How long one service run (its Cognito calls with their retries) may take. Default 30 s. */
  deadlineMs?: number;
  /** App hook: a fresh provider token for renewal. Without it the stored token is reused. */
  refreshProviderToken?: (provider: AuthProvider) => Promise<string>;
}

/** The summary of the session the vault has just kept. */
function keptSummary(vault: SessionVault): SessionSummary {
  const summary = summarize(vault.current, vault.generation);
  if (!summary) throw new AuthError('StorageError', { message: 'The session vanished while it was being kept.' });
  return summary;
}

async function restore(vault: SessionVault, mode: 'open' | 'reload'): Promise<RestoreOutput> {
  if (mode === 'open') {
    const { session, generation, problems } = await vault.open();
    return { session: summarize(session, generation), problems };
  }
  const session = await vault.reload();
  return { session: summarize(session, vault.generation), problems: [] };
}

/** Asks the app's hook for a fresh provider token; its failure is reported without the token. */
async function freshProviderToken(
  hook: NonNullable<AuthActorDeps['refreshProviderToken']>,
  provider: AuthProvider,
): Promise<Secret> {
  let token: unknown;
  try {
    token = await hook(provider);
  } catch (cause) {
    if (cause instanceof AuthError) throw cause;
    throw new AuthError('ServiceError', {
      message: 'federation.refreshProviderToken failed; the stored session is kept.',
      cause,
    });
  }
  if (typeof token !== 'string' || token.trim() === '') {
    throw new AuthError('NotAuthorizedError', {
      message: 'federation.refreshProviderToken returned no token.',
    });
  }
  return new Secret(token);
}

function isAbortError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError';
}

/**
 * How long one service run may take by default, in milliseconds (30 s). A run that outlives its
 * deadline is aborted and fails at once, whatever it waits for (Cognito, storage, an app hook):
 * as a transient `ServiceError`, or a `StorageError` when the storage was what did not answer.
 * The session is kept either way.
 */
export const DEFAULT_DEADLINE_MS = 30_000;

/** How long a run may go on after its deadline aborted it before it is abandoned. */
const ABANDON_GRACE_MS = 2_000;

async function withDeadline<T>(
  signal: AbortSignal,
  ms: number,
  work: (signal: AbortSignal) => Promise<T>,
  timeoutError: () => AuthError,
): Promise<T> {
  const deadline = new AbortController();
  // A run cancelled before it began (its state was left in the same tick) must not start.
  if (signal.aborted) deadline.abort();
  // At the deadline the run is aborted, so steps that heed the signal (Cognito calls) stop and
  // the run can still finish what must follow (a sign-out still forgets the session). A step
  // that ignores the signal (a storage call, an app hook) must not hold the call: after a short
  // grace the run is abandoned and fails all the same.
  // One timer at a time (every federation and renewal runs this): the grace starts at the deadline.
  let timer: ReturnType<typeof setTimeout>;
  const abandoned = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      deadline.abort();
      timer = setTimeout(() => reject(timeoutError()), Math.min(ms, ABANDON_GRACE_MS));
    }, ms);
  });
  const forward = () => deadline.abort();
  signal.addEventListener('abort', forward, { once: true });
  try {
    return await Promise.race([work(deadline.signal), abandoned]);
  } catch (error) {
    // Only a failure the deadline caused becomes a timeout; any other keeps its own name.
    const cancelledByDeadline =
      error instanceof AuthError ? error.name === 'CancelledError' && !(error instanceof SessionChangedError) : isAbortError(error);
    if (deadline.signal.aborted && !signal.aborted && cancelledByDeadline) {
      throw new AuthError('ServiceError', {
        message: `Cognito did not answer within ${Math.round(ms / 1000)} s; the session is kept.`,
        cause: error,
      });
    }
    throw error;
  } finally {
    clearTimeout(timer!);
    signal.removeEventListener('abort', forward);
  }
}

/**
 * The user-pool calls the actors make (the real ones live in `userPool.ts`). Without
 * `answerMfaChallenge` the real one answers MFA challenges.
 */
export type UserPoolService = Pick<
  typeof userPoolCalls,
  'signInWithPassword' | 'completeNewPassword' | 'refreshUserPoolTokens' | 'globalSignOut'
> &
  Partial<Pick<typeof userPoolCalls, 'answerMfaChallenge'>>;

/** Cognito refused the stored provider token or identity at renewal: the federated session ends. */
function federatedSessionExpired(cause: unknown): AuthError {
  return new AuthError('SessionExpiredError', {
    message: 'The federated session expired: Cognito refused the stored provider token or identity.',
    recoverySuggestion:
      'Get a fresh token from the provider and call federateToIdentityPool again, or supply federation.refreshProviderToken.',
    cause,
  });
}

/**
 * The user-pool calls, loaded on the first sign-in, refresh or sign-out: an app that only
 * federates never downloads them (nor the JWT reading they need).
 */
const loadedUserPoolCalls: Required<UserPoolService> = {
  signInWithPassword: async (...args) => (await import('./userPool.js')).signInWithPassword(...args),
  completeNewPassword: async (...args) => (await import('./userPool.js')).completeNewPassword(...args),
  answerMfaChallenge: async (...args) => (await import('./userPool.js')).answerMfaChallenge(...args),
  refreshUserPoolTokens: async (...args) => (await import('./userPool.js')).refreshUserPoolTokens(...args),
  globalSignOut: async (...args) => (await import('./userPool.js')).globalSignOut(...args),
};

/** The identity-pool login key of a user pool's id tokens. */
export function userPoolLoginKey(config: UserPoolConfig): string {
  return `cognito-idp.${config.region}.amazonaws.com/${config.userPoolId}`;
}

function requireUserPool(config: UserPoolConfig | undefined): UserPoolConfig {
  if (!config) {
    throw new AuthError('ValidationError', { message: 'No user pool is configured: pass userPool to createAuth.' });
  }
  return config;
}

function requireUserPoolSession(vault: SessionVault): UserPoolSession {
  const current = vault.current;
  if (current?.kind !== 'userPool') {
    throw new AuthError('SessionExpiredError', { message: 'There is no user-pool session.' });
  }
  return current;
}

/**
 * What the services of one instance share: their collaborators, the deadline, and the app hook's
 * runs under way. One object per instance; the services themselves are module-level functions
 * that take it, so an instance holds no closure per service.
 */
export class ServiceRunner {
  readonly identity: CognitoIdentityService;
  readonly vault: SessionVault;
  readonly userPool: UserPoolConfig | undefined;
  readonly userPoolService: UserPoolService;
  readonly clock: () => number;
  readonly deadlineMs: number;
  readonly refreshProviderToken: AuthActorDeps['refreshProviderToken'];
  /** Runs of the app's refreshProviderToken hook under way. */
  hookCalls = 0;

  constructor(deps: AuthActorDeps) {
    this.identity = deps.identity;
    this.vault = deps.vault;
    this.userPool = deps.userPool;
    this.userPoolService = deps.userPoolService ?? loadedUserPoolCalls;
    this.clock = deps.clock ?? Date.now;
    this.deadlineMs = deps.deadlineMs ?? DEFAULT_DEADLINE_MS;
    this.refreshProviderToken = deps.refreshProviderToken;
  }

  /**
   * GetCredentialsForIdentity, keeping how far Cognito's clock is from the device's when the
   * credentials arrived (its answer's Date header against the clock): expiry is then judged on
   * Cognito's time.
   */
  async getCredentials(request: Parameters<CognitoIdentityService['getCredentialsForIdentity']>[0], signal: AbortSignal): Promise<CredentialsRecord> {
    return withClockOffset(await this.identity.getCredentialsForIdentity(request, signal), this.clock);
  }

  /** Runs service `name`, bounded by the deadline as well as by leaving its state. */
  run(name: keyof AuthServices, { input, signal }: ServiceArgs<unknown>): Promise<unknown> {
    const service = SERVICES[name] as (s: ServiceRunner, args: ServiceArgs<unknown>) => Promise<unknown>;
    return withDeadline(signal, this.deadlineMs, (bound) => service(this, { input, signal: bound }), () => timeoutError(this));
  }
}

/** Credentials to keep, with Cognito's clock offset when it is more than the Date header's resolution. */
function withClockOffset({ serverTime, ...credentials }: IssuedCredentials, clock: () => number): CredentialsRecord {
  const clockOffsetMs = serverTime === undefined ? 0 : Math.round(serverTime - clock());
  return Math.abs(clockOffsetMs) < CLOCK_TOLERANCE_MS ? credentials : { ...credentials, clockOffsetMs };
}

/** What a run that outlived its deadline was waiting for, in the error's words. */
function timeoutError({ vault, deadlineMs, hookCalls }: ServiceRunner): AuthError {
  const seconds = `${Math.round(deadlineMs / 1000)} s`;
  return vault.busy
    ? new AuthError('StorageError', {
        message: `The secure storage did not answer within ${seconds}; the session is kept.`,
        recoverySuggestion: 'Check the storage backend, then try again.',
      })
    : new AuthError('ServiceError', {
        message: hookCalls > 0
          ? `federation.refreshProviderToken did not answer within ${seconds}; the session is kept.`
          : `Cognito did not answer within ${seconds}; the session is kept.`,
      });
}

/** Writes a session through the vault (compare-and-set) and summarises what was kept. */
async function keep(vault: SessionVault, session: SessionRecord, signal: AbortSignal): Promise<SessionSummary> {
  await vault.commit(session, signal);
  return keptSummary(vault);
}

async function askForProviderToken(
  s: ServiceRunner,
  hook: NonNullable<AuthActorDeps['refreshProviderToken']>,
  provider: AuthProvider,
): Promise<Secret> {
  s.hookCalls += 1;
  try {
    return await freshProviderToken(hook, provider);
  } finally {
    s.hookCalls -= 1;
  }
}

/** Keeps the tokens of a finished sign-in step, or the challenge it opened. */
async function keepSignInStep(vault: SessionVault, step: SignInStepResult, signal: AbortSignal): Promise<SignInStepOutcome> {
  if (step.kind === 'newPasswordRequired') {
    vault.pendingChallenge = { username: step.username, session: step.session };
    return { kind: 'newPasswordRequired' };
  }
  if (step.kind === 'mfaRequired') {
    vault.pendingChallenge = {
      username: step.username,
      session: step.session,
      mfa: { challengeName: step.challengeName, step: step.step },
    };
    return { kind: 'mfaRequired', challenge: step.challengeName };
  }
  const session: UserPoolSession = { kind: 'userPool', username: step.username, userId: step.userId, tokens: step.tokens };
  const kept = await keep(vault, session, signal);
  // Only now is the challenge answered for good: a failed save leaves it open to try again.
  vault.pendingChallenge = null;
  return { kind: 'signedIn', session: kept };
}

/** Cognito refused the code, not the session: the challenge is still open. */
function isWrongCode(error: AuthError): boolean {
  return /^(CodeMismatch|ExpiredCode|EnableSoftwareTokenMFA)Exception$/.test(error.serviceErrorName ?? '');
}

/** What every service function receives: the invoke's input and the state's abort signal. */
export interface ServiceArgs<I> {
  /** The invoke's input. */
  input: I;
  /** Aborts when the machine leaves the state that invoked the service. */
  signal: AbortSignal;
}

/**
 * The services, one per invoked actor of the machine: plain async functions over the Cognito
 * services and the session vault of the instance `s`, given the promise actor's AbortSignal so
 * that leaving a state cancels its request.
 */
const SERVICES = {
  restoreSession: (s: ServiceRunner, _: ServiceArgs<void>): Promise<RestoreOutput> => restore(s.vault, 'open'),

  syncSharedSession: (s: ServiceRunner, _: ServiceArgs<void>): Promise<RestoreOutput> => restore(s.vault, 'reload'),

  federateToIdentityPool: async (s: ServiceRunner, { input, signal }: ServiceArgs<FederationRequest>): Promise<SessionSummary> => {
    const login = { loginKey: input.provider.loginKey, token: input.token };
    const identityId = input.developerProvidedIdentityId ?? (await s.identity.getId(login, signal));
    const credentials = await s.getCredentials(
      { identityId, login, ...(input.customRoleArn ? { customRoleArn: input.customRoleArn } : {}) },
      signal,
    );
    const session: FederatedSession = {
      kind: 'federated',
      token: input.token,
      provider: input.provider,
      identityId,
      credentials,
      developerProvidedIdentityId: input.developerProvidedIdentityId !== undefined,
      ...(input.customRoleArn ? { customRoleArn: input.customRoleArn } : {}),
    };
    return keep(s.vault, session, signal);
  },

  renewFederatedCredentials: async (s: ServiceRunner, { signal }: ServiceArgs<void>): Promise<SessionSummary> => {
    const current = s.vault.current;
    if (current?.kind !== 'federated') {
      throw new AuthError('SessionExpiredError', { message: 'There is no federated session to renew.' });
    }
    let token: Secret;
    let credentials: CredentialsRecord;
    try {
      token = s.refreshProviderToken ? await askForProviderToken(s, s.refreshProviderToken, current.provider) : current.token;
      // GetId is not called again: the identity id is kept with the session.
      credentials = await s.getCredentials(
        {
          identityId: current.identityId,
          login: { loginKey: current.provider.loginKey, token },
          ...(current.customRoleArn ? { customRoleArn: current.customRoleArn } : {}),
        },
        signal,
      );
    } catch (error) {
      // Only a refused token or identity ends the session; anything else keeps it.
      throw isAuthenticationFailure(error) ? federatedSessionExpired(error) : error;
    }
    return keep(s.vault, { ...current, token, credentials }, signal);
  },

  fetchGuestCredentials: async (s: ServiceRunner, { signal }: ServiceArgs<{ forceRefresh: boolean }>): Promise<SessionSummary> => {
    const current = s.vault.current;
    let identityId = current?.kind === 'guest' ? current.identityId : await s.identity.getId(undefined, signal);
    let credentials;
    try {
      credentials = await s.getCredentials({ identityId, login: undefined }, signal);
    } catch (error) {
      // A kept guest identity that Cognito no longer knows: start a new one, as the SDK does.
      if (current?.kind !== 'guest' || !isAuthenticationFailure(error)) throw error;
      identityId = await s.identity.getId(undefined, signal);
      credentials = await s.getCredentials({ identityId, login: undefined }, signal);
    }
    return keep(s.vault, { kind: 'guest', identityId, credentials }, signal);
  },

  clearFederatedSession: (s: ServiceRunner, _: ServiceArgs<void>): Promise<void> => s.vault.clear(),

  signInWithPassword: async (s: ServiceRunner, { input, signal }: ServiceArgs<SignInRequest>): Promise<SignInStepOutcome> => {
    const step = await s.userPoolService.signInWithPassword(requireUserPool(s.userPool), input, signal, s.clock);
    return keepSignInStep(s.vault, step, signal);
  },

  completeNewPassword: async (s: ServiceRunner, { input, signal }: ServiceArgs<{ newPassword: Secret }>): Promise<SignInStepOutcome> => {
    const challenge = s.vault.pendingChallenge;
    if (!challenge || challenge.mfa) throw new AuthError('InvalidStateError', { message: 'There is no new-password challenge to answer.' });
    const step = await s.userPoolService.completeNewPassword(
      requireUserPool(s.userPool),
      { username: challenge.username, session: challenge.session, newPassword: input.newPassword },
      signal,
      s.clock,
    );
    return keepSignInStep(s.vault, step, signal);
  },

  answerMfaChallenge: async (s: ServiceRunner, { input, signal }: ServiceArgs<{ answer: Secret }>): Promise<SignInStepOutcome> => {
    const challenge = s.vault.pendingChallenge;
    if (!challenge?.mfa) throw new AuthError('InvalidStateError', { message: 'There is no MFA challenge to answer.' });
    let step: SignInStepResult;
    try {
      const answer = s.userPoolService.answerMfaChallenge ?? loadedUserPoolCalls.answerMfaChallenge;
      step = await answer(
        requireUserPool(s.userPool),
        { ...challenge.mfa, username: challenge.username, session: challenge.session, answer: input.answer },
        signal,
        s.clock,
      );
    } catch (error) {
      // A refused session (expired, or too many wrong codes) ends the sign-in; a wrong code keeps it open.
      if (error instanceof AuthError && error.name === 'NotAuthorizedError' && !isWrongCode(error)) s.vault.pendingChallenge = null;
      throw error;
    }
    return keepSignInStep(s.vault, step, signal);
  },

  federateUserPoolSession: async (s: ServiceRunner, { signal }: ServiceArgs<void>): Promise<SessionSummary> => {
    const session = requireUserPoolSession(s.vault);
    const login = { loginKey: userPoolLoginKey(requireUserPool(s.userPool)), token: session.tokens.idToken };
    const identityId = session.identityId ?? (await s.identity.getId(login, signal));
    const credentials = await s.getCredentials({ identityId, login }, signal);
    // Tokens may have been refreshed meanwhile: keep the latest record, add the credentials.
    const latest = requireUserPoolSession(s.vault);
    return keep(s.vault, { ...latest, identityId, credentials }, signal);
  },

  refreshUserPoolTokens: async (s: ServiceRunner, { signal }: ServiceArgs<void>): Promise<SessionSummary> => {
    const session = requireUserPoolSession(s.vault);
    if (!session.tokens.refreshToken) {
      throw new AuthError('NotAuthorizedError', { message: 'The user-pool session has no refresh token; sign in again.' });
    }
    let tokens;
    try {
      tokens = await s.userPoolService.refreshUserPoolTokens(
        requireUserPool(s.userPool),
        { refreshToken: session.tokens.refreshToken, username: session.username },
        signal,
        s.clock,
      );
    } catch (error) {
      // A refused refresh token ends the session: forget it before the machine says so.
      if (isAuthenticationFailure(error)) await s.vault.clear();
      throw error;
    }
    return keep(s.vault, { ...session, tokens }, signal);
  },

  signOutOfUserPool: async (s: ServiceRunner, { input, signal }: ServiceArgs<{ global: boolean }>) => {
    let globalSignOutError: AuthError | null = null;
    const current = s.vault.current;
    if (input.global && current?.kind === 'userPool' && s.userPool) {
      try {
        await s.userPoolService.globalSignOut(s.userPool, { accessToken: current.tokens.accessToken }, signal);
      } catch (error) {
        // Signed out here all the same; the caller learns that other devices may still be signed in.
        const timedOut = signal.aborted || (error instanceof AuthError && error.name === 'CancelledError');
        globalSignOutError =
          error instanceof AuthError && !timedOut
            ? error
            : new AuthError('ServiceError', {
                message: timedOut
                  ? 'Global sign-out got no answer in time; this device is signed out, others may not be.'
                  : 'Global sign-out failed; this device is signed out, others may not be.',
                cause: error,
              });
      }
    }
    await s.vault.clear();
    s.vault.pendingChallenge = null;
    return { globalSignOutError };
  },
} satisfies { [K in keyof AuthServices]: (s: ServiceRunner, args: Parameters<AuthServices[K]>[0]) => ReturnType<AuthServices[K]> };

/**
 * The services behind the invoked actors of {@link cognito-auth-machine!authMachine | authMachine}
 * (from the main entry): plain async functions over the Cognito services and the session vault,
 * given the promise actor's AbortSignal so that leaving a state cancels its request. {@link createAuthActors} wraps them as actors.
 */
export function createAuthServices(deps: AuthActorDeps): AuthServices {
  const runner = new ServiceRunner(deps);
  return Object.fromEntries(
    (Object.keys(SERVICES) as (keyof AuthServices)[]).map((name) => [name, (args: ServiceArgs<unknown>) => runner.run(name, args)]),
  ) as unknown as AuthServices;
}

/** The services {@link createAuthServices} returns, one per invoked actor of the machine. */
export interface AuthServices {
  /** Start-up: finishes an access-group move and reads the stored session. */
  restoreSession: (args: ServiceArgs<void>) => Promise<RestoreOutput>;
  /** Reads the stored session again, for sessions shared with other apps. */
  syncSharedSession: (args: ServiceArgs<void>) => Promise<RestoreOutput>;
  /** GetId (unless an identity id was given), GetCredentialsForIdentity, then the save. */
  federateToIdentityPool: (args: ServiceArgs<FederationRequest>) => Promise<SessionSummary>;
  /** GetCredentialsForIdentity with the stored (or a freshly asked for) provider token. */
  renewFederatedCredentials: (args: ServiceArgs<void>) => Promise<SessionSummary>;
  /** Guest credentials: GetId without logins (unless kept), then GetCredentialsForIdentity. */
  fetchGuestCredentials: (args: ServiceArgs<{ forceRefresh: boolean }>) => Promise<SessionSummary>;
  /** Removes the stored federated session; no network call. */
  clearFederatedSession: (args: ServiceArgs<void>) => Promise<void>;
  /** The first user-pool sign-in step. */
  signInWithPassword: (args: ServiceArgs<SignInRequest>) => Promise<SignInStepOutcome>;
  /** Answers the new-password challenge. */
  completeNewPassword: (args: ServiceArgs<{ newPassword: Secret }>) => Promise<SignInStepOutcome>;
  /** Answers an MFA challenge (a code, a choice of factor, a setup step). */
  answerMfaChallenge: (args: ServiceArgs<{ answer: Secret }>) => Promise<SignInStepOutcome>;
  /** Federates the user pool's id token into the identity pool. */
  federateUserPoolSession: (args: ServiceArgs<void>) => Promise<SessionSummary>;
  /** Refreshes the user-pool tokens with the refresh token. */
  refreshUserPoolTokens: (args: ServiceArgs<void>) => Promise<SessionSummary>;
  /** Forgets the user-pool session (and with `global`, revokes its tokens everywhere). */
  signOutOfUserPool: (args: ServiceArgs<{ global: boolean }>) => Promise<{ globalSignOutError: AuthError | null }>;
}

/** The actor logic of each service, as `authMachine.provide({ actors })` takes it. */
export type AuthActors = {
  [K in keyof AuthServices]: AuthServices[K] extends (args: ServiceArgs<infer I>) => Promise<infer O>
    ? PromiseActorLogic<O, I>
    : never;
};

/** Wraps each service as a promise actor. */
export function actorsFrom(services: AuthServices): AuthActors {
  return Object.fromEntries(
    Object.entries(services).map(([name, run]) => [
      name,
      fromPromise<unknown, unknown>(({ input, signal }) => (run as (args: ServiceArgs<unknown>) => Promise<unknown>)({ input, signal })),
    ]),
  ) as AuthActors;
}

/**
 * The invoked actors of {@link cognito-auth-machine!authMachine | authMachine} (from the main entry), ready for
 * `createActor(authMachine.provide({ actors: createAuthActors(deps) }), { input })`.
 */
export function createAuthActors(deps: AuthActorDeps): AuthActors {
  return actorsFrom(createAuthServices(deps));
}
