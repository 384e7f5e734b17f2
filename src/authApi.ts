import { AuthError } from './vocabulary/AuthError.js';
import { toAuthProvider, type AuthProvider } from './vocabulary/AuthProvider.js';
import type { Actor } from 'xstate';
import type { AuthMachine } from './machines/auth.machine.js';
import type { SessionVault } from './services/SessionVault.js';
import type { AuthConfig } from './vocabulary/AuthConfig.js';
import type { AuthSession, AwsCredentials, CognitoIdentityCredentials, FederateOptions, FederationResult, SignInOutput } from './vocabulary/AuthSession.js';
import type { AuthEvent, SessionFetchEvent, SignInAuthFlowType } from './vocabulary/statechartContract.js';
import { answersFetchAtOnce, statePath } from './machines/answersFetchAtOnce.js';
import { Secret } from './vocabulary/Secret.js';
import { expiresOnDevice, type CredentialsRecord, type SessionRecord } from './vocabulary/SessionRecord.js';
import {
  assertIdentityId,
  assertPassword,
  assertProviderToken,
  assertRoleArn,
  assertUsername,
} from './vocabulary/validateInput.js';
import { assertPlainOptions, assertValid } from './vocabulary/validateConfig.js';

export { wireServices } from './services/wireServices.js';

/** What the lazily loaded API bodies need from the shell (createAuth). Internal. */
export interface AuthCore {
  config: AuthConfig;
  clock: () => number;
  actor: Actor<AuthMachine>;
  ready: Promise<void>;
  /** True once `ready` has resolved (a warm call need not wait for it). */
  isReady(): boolean;
  vault(): SessionVault | null;
  request<T>(build: (requestId: number) => AuthEvent, answer: () => T): Promise<T>;
  assertRunning(): void;
}

/** What {@link AuthApi.signIn} takes. */
export interface SignInInput {
  /** The user's name in the user pool. */
  username: string;
  /** The user's password. Secret: it is masked at once and never logged or stored. */
  password: string;
  /** How to sign in. */
  options?: {
    /**
     * How the password is proved to the user pool. `'USER_SRP_AUTH'`: Secure Remote Password, the
     * password never leaves the device (app clients allow it by default). `'USER_PASSWORD_AUTH'`:
     * the password is sent over TLS (the app client must allow it).
     *
     * Default `'USER_SRP_AUTH'`, as Amplify's; pass `'USER_PASSWORD_AUTH'` for a user pool or
     * emulator that offers no SRP.
     */
    authFlowType?: SignInAuthFlowType;
  };
}

const AUTH_FLOW_TYPES: readonly SignInAuthFlowType[] = ['USER_SRP_AUTH', 'USER_PASSWORD_AUTH'];

/** The Promise API of an {@link Auth} instance. */
export interface AuthApi {
  /**
   * An AWS SDK v3 credential provider backed by this session: each call answers
   * {@link AuthApi.fetchAuthSession}'s credentials with their `identityId`, as the SDK's
   * `fromCognitoIdentityPool` does. It follows the SDK's chain convention: in a credential chain
   * (`createCredentialChain`, `chain()`), "no credentials here" lets the next provider answer, and
   * every other failure stops the chain.
   *
   * @throws {AuthError} `NotAuthorizedError` with `tryNextLink: true` when the session has no
   *   credentials (signed out without guest access); otherwise as {@link AuthApi.fetchAuthSession},
   *   with `tryNextLink: false` (a session that ended, `SessionExpiredError`, must not fall through
   *   to another identity; nor a network or storage failure).
   */
  readonly credentialsProvider: () => Promise<CognitoIdentityCredentials>;
  /**
   * Federates a provider's token into the identity pool: GetId (skipped with
   * `developerProvidedIdentityId`), then GetCredentialsForIdentity. Allowed when signed out, when
   * federated (the new token replaces the old one) and after a failed federation. The token is a
   * secret: it is kept in storage to renew the credentials and never refreshed by this library
   * (see `federation.refreshProviderToken` in {@link AuthConfig}).
   *
   * @throws {AuthError} `ValidationError` for a bad token, provider or option (nothing is sent);
   *   `InvalidStateError` while signed in to the user pool (its id token is federated
   *   automatically) or while another federation runs; `NotAuthorizedError` when Cognito refuses
   *   the token or identity; `CancelledError` when {@link AuthApi.clearFederationToIdentityPool}
   *   or a later federation cancels it; `ServiceError` for throttling, network and service
   *   failures; `StorageError` when the session cannot be stored.
   */
  federateToIdentityPool(token: string, provider: AuthProvider, options?: FederateOptions): Promise<FederationResult>;
  /**
   * Ends the federated session: removes it from storage (this app's scope, and the access group
   * in use) without a network call. Signing out of the provider is the app's job. Called during a
   * federation, it cancels that federation (whose promise rejects with `CancelledError`).
   *
   * @throws {AuthError} `InvalidStateError` when there is no federated session, federation or
   *   failed federation to clear; `StorageError` when the storage cannot be written.
   */
  clearFederationToIdentityPool(): Promise<void>;
  /**
   * The current session, with its AWS credentials and user-pool tokens renewed first when they
   * are within `renewBeforeExpiryMs` (default 2 minutes) of expiry, or whenever `forceRefresh` is true. Allowed in any state; while a federation or sign-in runs it
   * waits for its outcome. Signed out, it makes no network call and answers `isSignedIn: false`,
   * unless `allowGuestAccess` is on: then it gets, keeps and renews guest credentials.
   *
   * @throws {AuthError} `SessionExpiredError` when Cognito refuses the stored token (the hub's
   *   `sessionExpired` fires once); `ServiceError` for throttling, network and service failures
   *   (the session is kept, so the next call tries again); `StorageError` when the storage cannot
   *   be read or written; `ValidationError` for bad options.
   */
  fetchAuthSession(options?: { forceRefresh?: boolean }): Promise<AuthSession>;
  /**
   * The user signed in to the user pool: `username`, and `userId`, the user's `sub`.
   *
   * @throws {AuthError} `InvalidStateError` unless a user is signed in to the user pool (a
   *   federated session has no user-pool user).
   */
  getCurrentUser(): Promise<{ username: string; userId: string }>;
  /**
   * User-pool sign-in, with `options.authFlowType` `'USER_SRP_AUTH'` (the default) or
   * `'USER_PASSWORD_AUTH'`. Resolves with `DONE`, or with the next step when Cognito asks for more:
   * a new password, an MFA code, a choice of factor, or setting up a factor (an authenticator app,
   * an email address); answer it with {@link AuthApi.confirmSignIn}.
   *
   * @throws {AuthError} `ValidationError` for bad input (nothing is sent), `InvalidStateError` when not
   *   signed out, `NotAuthorizedError` for a wrong username or password, `ServiceError` for network and
   *   service failures.
   */
  signIn(input: SignInInput): Promise<SignInOutput>;
  /**
   * Answers the step {@link AuthApi.signIn} stopped at: `challengeResponse` is the new password, the
   * SMS, email or authenticator code (secrets, never logged or stored); at
   * `CONTINUE_SIGN_IN_WITH_MFA_SELECTION` or `CONTINUE_SIGN_IN_WITH_MFA_SETUP_SELECTION` the chosen
   * factor (one of `allowedMFATypes`); at `CONTINUE_SIGN_IN_WITH_TOTP_SETUP` the first code of the
   * authenticator app set up with `totpSetupDetails`; at `CONTINUE_SIGN_IN_WITH_EMAIL_SETUP` the email
   * address that will receive the codes.
   *
   * @throws {AuthError} `InvalidStateError` when there is no challenge to answer; `ValidationError`
   *   when the answer is empty, not one of `allowedMFATypes`, not an email address where one is asked for, or a password that breaks the pool's
   *   policy; `NotAuthorizedError` for a wrong code (the step stays open: try again) and when the
   *   challenge expired or was refused (sign in again); `ServiceError` for network and service failures.
   */
  confirmSignIn(input: { challengeResponse: string }): Promise<SignInOutput>;
  /**
   * Signs the user out of the user pool and removes the session from storage. With
   * `global: true` it also revokes the user's tokens on every device (GlobalSignOut); if that
   * fails, this device is signed out all the same and the call rejects with the reason.
   *
   * @throws {AuthError} `InvalidStateError` when no user is signed in (a federated session ends
   *   with {@link AuthApi.clearFederationToIdentityPool}); `ServiceError` or `NotAuthorizedError`
   *   when the global sign-out failed; `StorageError` when the storage cannot be written.
   */
  signOut(options?: { global?: boolean }): Promise<void>;
}

/** A call's options read once into a plain object; a getter that throws is a `ValidationError`. */
function readOptions<T extends object>(options: T | undefined, what: string): Partial<T> {
  try {
    return { ...options };
  } catch (cause) {
    throw new AuthError('ValidationError', { message: `${what} could not be read: a getter threw.`, cause });
  }
}

/** `fetchAuthSession`'s `forceRefresh`, read once and checked. */
function forceRefreshOf(options: { forceRefresh?: boolean }): boolean {
  assertPlainOptions(options, 'fetchAuthSession options');
  const { forceRefresh } = readOptions(options, 'fetchAuthSession options');
  assertValid(forceRefresh === undefined || typeof forceRefresh === 'boolean', 'forceRefresh must be true or false.');
  return forceRefresh ?? false;
}

function toAwsCredentials(c: CredentialsRecord): AwsCredentials {
  return {
    accessKeyId: c.accessKeyId,
    secretAccessKey: c.secretAccessKey.reveal(),
    sessionToken: c.sessionToken.reveal(),
    // On the device's clock: `expiration - Date.now()` is the time left, even when the clock is off.
    expiration: new Date(expiresOnDevice(c)),
  };
}

/** The state as a short readable path, for messages: `signedOut`, `federated.renewing`. */
function stateName(actor: AuthCore['actor']): string {
  const parts: string[] = [];
  let v: unknown = actor.getSnapshot().value;
  while (typeof v === 'object' && v !== null) {
    const [k, inner] = Object.entries(v)[0] ?? [];
    if (k === undefined) break;
    parts.push(k);
    v = inner;
  }
  if (typeof v === 'string') parts.push(v);
  return parts.join('.');
}

function invalidState(actor: AuthCore['actor'], call: string, advice: string): AuthError {
  return new AuthError('InvalidStateError', {
    message: `${call} is not allowed in state "${stateName(actor)}": ${advice}`,
    recoverySuggestion: advice,
  });
}

function sessionOf<K extends SessionRecord['kind']>(core: AuthCore, kind: K): Extract<SessionRecord, { kind: K }> | null {
  const current = core.vault()?.current ?? null;
  return current?.kind === kind ? (current as Extract<SessionRecord, { kind: K }>) : null;
}

function currentAuthSession(core: AuthCore): AuthSession {
  const state = statePath(core.actor.getSnapshot().value);
  const current = core.vault()?.current ?? null;
  if (state.startsWith('federated') && current?.kind === 'federated') {
    return { isSignedIn: true, identityId: current.identityId, credentials: toAwsCredentials(current.credentials) };
  }
  if (state.startsWith('signedIn') && current?.kind === 'userPool') {
    return {
      isSignedIn: true,
      tokens: { idToken: current.tokens.idToken.reveal(), accessToken: current.tokens.accessToken.reveal() },
      ...(current.userId ? { userSub: current.userId } : {}),
      ...(current.identityId ? { identityId: current.identityId } : {}),
      ...(current.credentials ? { credentials: toAwsCredentials(current.credentials) } : {}),
    };
  }
  if (current?.kind === 'guest' && core.config.allowGuestAccess) {
    return { isSignedIn: false, identityId: current.identityId, credentials: toAwsCredentials(current.credentials) };
  }
  return { isSignedIn: false };
}

/** A federated session is active, being made, or refused but not yet cleared. */
function federatedSide(actor: AuthCore['actor']): boolean {
  const snapshot = actor.getSnapshot();
  return snapshot.matches('federated') || snapshot.matches('federating') || snapshot.matches('sessionExpired');
}

/**
 * One state-changing call: waits for start-up, refuses at once (with `advice`) when the state
 * does not take the event, else sends it and answers from the state it produced.
 */
async function call<T>(core: AuthCore, name: string, event: (requestId: number) => AuthEvent, advice: () => string, answer: () => T): Promise<T> {
  if (!core.isReady()) await core.ready;
  core.assertRunning();
  if (!core.actor.getSnapshot().can(event(0))) throw invalidState(core.actor, name, advice());
  return core.request(event, answer);
}

function federationAdvice(actor: AuthCore['actor']): string {
  const snapshot = actor.getSnapshot();
  if (snapshot.matches('signedIn') || snapshot.matches('signingIn') || snapshot.matches('signingOut')) {
    return 'the user signed in to the user pool, and federation into the identity pool happens automatically after sign-in; use fetchAuthSession for credentials.';
  }
  if (snapshot.matches('federating')) {
    return 'a federation is already in progress; wait for it, or cancel it with clearFederationToIdentityPool.';
  }
  return 'call it when signed out or federated.';
}

function signInOutput(core: AuthCore): SignInOutput {
  if (core.actor.getSnapshot().matches('signedIn')) return { isSignedIn: true, nextStep: { signInStep: 'DONE' } };
  // The step's details (where a code went, the factors to choose from, the authenticator's
  // secret) are kept with the challenge; the app gets a copy it may change freely.
  const step = core.vault()?.pendingChallenge?.mfa?.step;
  return {
    isSignedIn: false,
    nextStep: step
      ? {
          ...step,
          ...('allowedMFATypes' in step ? { allowedMFATypes: [...step.allowedMFATypes] } : {}),
          ...('codeDeliveryDetails' in step ? { codeDeliveryDetails: { ...step.codeDeliveryDetails } } : {}),
          ...('totpSetupDetails' in step ? { totpSetupDetails: { ...step.totpSetupDetails } } : {}),
        }
      : { signInStep: 'CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED' },
  };
}

/**
 * Answers checked before anything is sent: at a choice of factors (to use or to set up), one of
 * those offered; at `CONTINUE_SIGN_IN_WITH_EMAIL_SETUP`, an email address.
 */
function assertMfaAnswer(core: AuthCore, challengeResponse: string): void {
  const step = core.vault()?.pendingChallenge?.mfa?.step;
  if (!step || !core.actor.getSnapshot().matches({ signingIn: 'awaitingMfa' })) return;
  if ('allowedMFATypes' in step) {
    assertValid(
      (step.allowedMFATypes as string[]).includes(challengeResponse),
      `challengeResponse must be one of ${step.allowedMFATypes.map((type) => `'${type}'`).join(', ')}.`,
    );
  }
  if (step.signInStep === 'CONTINUE_SIGN_IN_WITH_EMAIL_SETUP') {
    assertValid(/^[^\s@]+@[^\s@]+$/.test(challengeResponse), 'challengeResponse must be the email address to send sign-in codes to.');
  }
}

/**
 * The bodies of the Promise API: input checks, the allowed-call rules with their advice, and
 * answers read from the session vault. Loaded with the services on first use. The methods live
 * on the prototype: an instance costs one small object, not a closure per method (createAuth's
 * wrappers call them as methods).
 */
class AuthApiBodies implements AuthApi {
  readonly #core: AuthCore;

  constructor(core: AuthCore) {
    this.#core = core;
  }

  async federateToIdentityPool(token: string, provider: AuthProvider, options?: FederateOptions): Promise<FederationResult> {
    assertProviderToken(token);
    const canonical = toAuthProvider(provider);
    assertPlainOptions(options, 'federateToIdentityPool options');
    // Read once: a getter cannot hand one value to the check and another to the request.
    const { developerProvidedIdentityId, customRoleArn } = readOptions(options, 'federateToIdentityPool options');
    assertIdentityId(developerProvidedIdentityId);
    assertRoleArn(customRoleArn);
    const core = this.#core;
    const event = (requestId: number): AuthEvent => ({
      type: 'federate',
      requestId,
      token: new Secret(token),
      provider: canonical,
      ...(developerProvidedIdentityId ? { developerProvidedIdentityId } : {}),
      ...(customRoleArn ? { customRoleArn } : {}),
    });
    return call(core, 'federateToIdentityPool', event, () => federationAdvice(core.actor), () => {
      const session = sessionOf(core, 'federated');
      if (!session) throw new AuthError('CancelledError', { message: 'The federation was replaced before it finished.' });
      return { credentials: toAwsCredentials(session.credentials), identityId: session.identityId };
    });
  }

  async clearFederationToIdentityPool(): Promise<void> {
    return call(
      this.#core,
      'clearFederationToIdentityPool',
      (requestId) => ({ type: 'federation.clear', requestId }),
      () => 'there is no federated session to clear; it is allowed while federated, federating, or after a failed federation.',
      () => undefined,
    );
  }

  /**
   * The warm path runs this body at millions of calls a second, so it allocates only the event
   * and the answer: no options means nothing to read, and the request's event builder (a
   * closure) is made only when the machine must be asked.
   */
  async fetchAuthSession(options?: { forceRefresh?: boolean }): Promise<AuthSession> {
    const forceRefresh = options === undefined ? false : forceRefreshOf(options);
    const core = this.#core;
    if (!core.isReady()) await core.ready;
    core.assertRunning();
    const event: SessionFetchEvent = { type: 'session.fetch', requestId: 0, forceRefresh, now: core.clock() };
    // Warm path: a settled state with a valid session answers at once, without the event queue.
    if (answersFetchAtOnce(core.actor.getSnapshot(), event)) return currentAuthSession(core);
    return core.request((requestId) => ({ ...event, requestId }), () => currentAuthSession(core));
  }

  async getCurrentUser(): Promise<{ username: string; userId: string }> {
    const core = this.#core;
    const actor = core.actor;
    await core.ready;
    core.assertRunning();
    const snapshot = actor.getSnapshot();
    const session = snapshot.context.session;
    if (snapshot.matches('signedIn') && session?.kind === 'userPool' && session.username && session.userId) {
      return { username: session.username, userId: session.userId };
    }
    throw invalidState(
      actor,
      'getCurrentUser',
      snapshot.matches('federated')
        ? 'the user is federated into the identity pool, not signed in to a user pool; there is no user-pool user.'
        : 'sign in to the user pool first.',
    );
  }

  async signIn(input: SignInInput): Promise<SignInOutput> {
    assertValid(typeof input === 'object' && input !== null, 'signIn takes { username, password, options? }.');
    const { username, password, options } = readOptions(input, 'signIn input');
    assertUsername(username);
    assertPassword(password, 'password');
    assertPlainOptions(options, 'signIn options');
    const { authFlowType = 'USER_SRP_AUTH' } = readOptions(options, 'signIn options');
    assertValid(
      AUTH_FLOW_TYPES.includes(authFlowType),
      `options.authFlowType must be one of ${AUTH_FLOW_TYPES.map((flow) => `'${flow}'`).join(', ')}.`,
    );
    const core = this.#core;
    assertValid(core.config.userPool !== undefined, 'signIn needs a user pool: pass userPool to createAuth.');
    const event = (requestId: number): AuthEvent => ({
      type: 'signIn',
      requestId,
      username,
      password: new Secret(password),
      authFlowType,
    });
    const advice = () =>
      federatedSide(core.actor)
        ? 'a federated session is active; call clearFederationToIdentityPool first, then sign in.'
        : core.actor.getSnapshot().matches('signedIn')
          ? 'a user is already signed in; call signOut first.'
          : 'another sign-in or sign-out is in progress; wait for it.';
    return call(core, 'signIn', event, advice, () => signInOutput(core));
  }

  async confirmSignIn(input: { challengeResponse: string }): Promise<SignInOutput> {
    assertValid(typeof input === 'object' && input !== null, 'confirmSignIn takes { challengeResponse }.');
    const { challengeResponse } = readOptions(input, 'confirmSignIn input');
    assertPassword(challengeResponse, 'challengeResponse');
    const core = this.#core;
    assertMfaAnswer(core, challengeResponse);
    const event = (requestId: number): AuthEvent => ({
      type: 'signIn.confirm',
      requestId,
      challengeResponse: new Secret(challengeResponse),
    });
    return call(
      core,
      'confirmSignIn',
      event,
      () => 'there is no sign-in challenge to answer; call signIn first.',
      () => signInOutput(core),
    );
  }

  async signOut(options?: { global?: boolean }): Promise<void> {
    assertPlainOptions(options, 'signOut options');
    const { global } = readOptions(options, 'signOut options');
    assertValid(global === undefined || typeof global === 'boolean', 'global must be true or false.');
    const core = this.#core;
    const event = (requestId: number): AuthEvent => ({ type: 'signOut', requestId, global: global ?? false });
    const advice = () =>
      federatedSide(core.actor)
        ? 'a federated session is ended with clearFederationToIdentityPool, not signOut.'
        : 'there is no user-pool session to sign out of.';
    return call(core, 'signOut', event, advice, () => undefined);
  }

  async credentialsProvider(): Promise<CognitoIdentityCredentials> {
    const { credentials, identityId } = await this.fetchAuthSession();
    if (!credentials || !identityId) {
      // The SDK's "no credentials here": a credential chain moves on to its next provider.
      throw new AuthError('NotAuthorizedError', {
        message: 'No AWS credentials: federate, sign in, or enable allowGuestAccess.',
        tryNextLink: true,
      });
    }
    return { ...credentials, identityId };
  }
}

/** The Promise API's bodies for one instance. */
export function createAuthApi(core: AuthCore): AuthApi {
  return new AuthApiBodies(core);
}
