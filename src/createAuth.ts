import { createActor, type Actor, type InspectionEvent, type Observer } from 'xstate';
import { AuthError } from './AuthError.js';
import { toAuthProvider, type AuthProvider } from './AuthProvider.js';
import { createHub, type AuthHub } from './hub.js';
import { authMachine, type AuthMachine } from './machines/auth.machine.js';
import type { AuthEvent, RequestSettledEvent } from './machines/authSession.js';
import { Secret } from './Secret.js';
import { createAuthActors, type UserPoolService } from './services/authActors.js';
import type { UserPoolConfig } from './services/userPool.js';
import { createCognitoIdentityService, type CognitoIdentityService } from './services/cognitoIdentity.js';
import { SessionVault } from './services/SessionVault.js';
import type { AccessGroup } from './storage/AccessGroup.js';
import { createMemoryStorage } from './storage/createMemoryStorage.js';
import { createSessionStore } from './storage/createSessionStore.js';
import type { SecureStorage } from './storage/SecureStorage.js';
import type { CredentialsRecord, SessionRecord } from './storage/SessionRecord.js';
import {
  assertEndpoint,
  assertIdentityId,
  assertIdentityPoolId,
  assertOptionalFunction,
  assertPlainOptions,
  assertProviderToken,
  assertRegion,
  assertRoleArn,
  assertPassword,
  assertUserPoolConfig,
  assertUsername,
  assertValid,
} from './validateInput.js';

/** The configuration of {@link createAuth} (DESIGN §2). */
export interface AuthConfig {
  region: string;
  identityPoolId: string;
  userPool?: { userPoolId: string; userPoolClientId: string };
  /** Full URLs of local emulators or private endpoints. */
  endpoints?: { identityPool?: string; userPool?: string };
  /** Where the session is kept. Default: a fresh in-memory store (nothing survives a reload). */
  storage?: SecureStorage;
  /** This app's private scope in storage. Default `'default'`. */
  appId?: string;
  secureStoragePreferences?: { accessGroup?: AccessGroup };
  /** Signed-out sessions get guest credentials. Default false. */
  allowGuestAccess?: boolean;
  federation?: {
    /** Asked for a fresh provider token before federated credentials are renewed. */
    refreshProviderToken?: (provider: AuthProvider) => Promise<string>;
  };
  /** An XState inspection observer, handed to `createActor`. Wrap it with `createRedactingInspector`. */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /** Epoch milliseconds. Default `Date.now`. */
  clock?: () => number;
}

/** Temporary AWS credentials, as the AWS SDK v3 expects them. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

export interface FederateOptions {
  /** Use this identity id and skip GetId. */
  developerProvidedIdentityId?: string;
  customRoleArn?: string;
}

export interface FederationResult {
  credentials: AwsCredentials;
  identityId: string;
}

export interface SignInOutput {
  isSignedIn: boolean;
  nextStep: { signInStep: 'DONE' | 'CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED' };
}

export interface AuthSession {
  isSignedIn: boolean;
  identityId?: string;
  credentials?: AwsCredentials;
  tokens?: { idToken: string; accessToken: string };
}

export interface Auth {
  /** Resolves once the stored session is restored and access-group migration is done. Never rejects. */
  readonly ready: Promise<void>;
  /** The running XState actor. */
  readonly actor: Actor<AuthMachine>;
  readonly hub: AuthHub;
  /** An AWS SDK v3 credential provider backed by this session. */
  readonly credentialsProvider: () => Promise<AwsCredentials>;
  federateToIdentityPool(token: string, provider: AuthProvider, options?: FederateOptions): Promise<FederationResult>;
  clearFederationToIdentityPool(): Promise<void>;
  fetchAuthSession(options?: { forceRefresh?: boolean }): Promise<AuthSession>;
  getCurrentUser(): Promise<{ username: string; userId: string }>;
  /** User-pool sign-in (USER_PASSWORD_AUTH). Resolves with the next step when Cognito asks for a new password. */
  signIn(input: { username: string; password: string }): Promise<SignInOutput>;
  /** Answers the new-password challenge of {@link Auth.signIn}. */
  confirmSignIn(input: { challengeResponse: string }): Promise<SignInOutput>;
  signOut(options?: { global?: boolean }): Promise<void>;
  /** Stops the actor; calls still waiting reject with `CancelledError`. */
  stop(): void;
}

function toAwsCredentials(c: CredentialsRecord): AwsCredentials {
  return {
    accessKeyId: c.accessKeyId,
    secretAccessKey: c.secretAccessKey.reveal(),
    sessionToken: c.sessionToken.reveal(),
    expiration: new Date(c.expiration),
  };
}

/** The state as a short readable path, for messages: `signedOut`, `federated.renewing`. */
function stateName(actor: Actor<AuthMachine>): string {
  const value = actor.getSnapshot().value;
  const parts: string[] = [];
  let v: unknown = value;
  while (typeof v === 'object' && v !== null) {
    const [k, inner] = Object.entries(v)[0] ?? [];
    if (k === undefined) break;
    parts.push(k);
    v = inner;
  }
  if (typeof v === 'string') parts.push(v);
  return parts.join('.');
}

function invalidState(actor: Actor<AuthMachine>, call: string, advice: string): AuthError {
  return new AuthError('InvalidStateError', {
    message: `${call} is not allowed in state "${stateName(actor)}": ${advice}`,
    recoverySuggestion: advice,
  });
}

/** The user pool's own region is the prefix of its id (`eu-west-1_AbC`); emulators may use others. */
function userPoolConfigOf(config: AuthConfig): UserPoolConfig | undefined {
  if (!config.userPool) return undefined;
  const prefix = config.userPool.userPoolId.split('_')[0] ?? '';
  return {
    region: /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(prefix) ? prefix : config.region,
    userPoolId: config.userPool.userPoolId,
    userPoolClientId: config.userPool.userPoolClientId,
    ...(config.endpoints?.userPool ? { endpoint: config.endpoints.userPool } : {}),
  };
}

function validateConfig(config: AuthConfig): void {
  assertValid(
    typeof config === 'object' && config !== null && !Array.isArray(config),
    'createAuth needs a config object with region and identityPoolId.',
  );
  assertRegion(config.region);
  assertIdentityPoolId(config.identityPoolId, config.region);
  assertUserPoolConfig(config.userPool);
  assertPlainOptions(config.endpoints, 'endpoints');
  assertEndpoint(config.endpoints?.identityPool, 'endpoints.identityPool');
  assertEndpoint(config.endpoints?.userPool, 'endpoints.userPool');
  const storage = config.storage as Partial<SecureStorage> | undefined;
  assertValid(
    storage === undefined ||
      (typeof storage === 'object' &&
        storage !== null &&
        typeof storage.getItem === 'function' &&
        typeof storage.setItem === 'function' &&
        typeof storage.removeItem === 'function'),
    'storage must implement SecureStorage: getItem, setItem and removeItem.',
  );
  assertValid(
    config.allowGuestAccess === undefined || typeof config.allowGuestAccess === 'boolean',
    'allowGuestAccess must be true or false.',
  );
  assertPlainOptions(config.federation, 'federation');
  assertOptionalFunction(config.federation?.refreshProviderToken, 'federation.refreshProviderToken');
  assertOptionalFunction(config.clock, 'clock');
  assertPlainOptions(config.secureStoragePreferences, 'secureStoragePreferences');
}

/**
 * Creates an auth instance: the statechart, running, with its services bound to this config.
 *
 * @throws {AuthError} `ValidationError` for a malformed config; nothing is started then.
 */
export function createAuth(config: AuthConfig): Auth {
  return createAuthWith(config, {});
}

/** Seams for tests: a replacement Cognito Identity service. Not part of the public API. */
export interface AuthInternals {
  identity?: CognitoIdentityService;
  userPoolService?: UserPoolService;
  deadlineMs?: number;
}

/** {@link createAuth} with its collaborators passed in; tests use it with a scripted service. */
export function createAuthWith(config: AuthConfig, internals: AuthInternals): Auth {
  validateConfig(config);
  const clock = config.clock ?? Date.now;
  const store = createSessionStore({
    storage: config.storage ?? createMemoryStorage(),
    appId: config.appId ?? 'default',
    ...(config.secureStoragePreferences?.accessGroup ? { accessGroup: config.secureStoragePreferences.accessGroup } : {}),
  });
  const vault = new SessionVault(store);
  const identity = internals.identity ?? createCognitoIdentityService({
    region: config.region,
    identityPoolId: config.identityPoolId,
    ...(config.endpoints?.identityPool ? { endpoint: config.endpoints.identityPool } : {}),
  });
  const userPool = userPoolConfigOf(config);
  const machine = authMachine.provide({
    actors: createAuthActors({
      identity,
      vault,
      clock,
      ...(userPool ? { userPool } : {}),
      ...(internals.userPoolService ? { userPoolService: internals.userPoolService } : {}),
      ...(internals.deadlineMs ? { deadlineMs: internals.deadlineMs } : {}),
      ...(config.federation?.refreshProviderToken ? { refreshProviderToken: config.federation.refreshProviderToken } : {}),
    }),
  });
  const actor = createActor(machine, {
    input: { allowGuestAccess: config.allowGuestAccess ?? false, sharedSession: vault.shared },
    ...(config.inspect ? { inspect: config.inspect } : {}),
  });

  // Every request waits here for the machine's `request.settled`; stopping rejects them all.
  const waiting = new Map<number, { resolve: () => void; reject: (error: AuthError) => void }>();
  let nextRequestId = 1;
  let stopped = false;
  actor.on('request.settled', (event: RequestSettledEvent) => {
    const waiter = waiting.get(event.requestId);
    if (!waiter) return;
    waiting.delete(event.requestId);
    if (event.error) waiter.reject(event.error);
    else waiter.resolve();
  });

  const cancelAll = () => {
    stopped = true;
    const error = new AuthError('CancelledError', { message: 'The auth instance was stopped before the call finished.' });
    for (const waiter of waiting.values()) waiter.reject(error);
    waiting.clear();
  };

  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const readySubscription = actor.subscribe({
    next: (snapshot) => {
      if (!snapshot.matches('configuring')) markReady();
    },
    complete: () => {
      markReady();
      cancelAll();
    },
    error: () => {
      markReady();
      cancelAll();
    },
  });

  actor.start();

  /**
   * Sends one request event and waits until the machine settles it. Answers are read in the
   * same tick the settlement arrives, so they come from the state the request produced.
   */
  function request<T>(build: (requestId: number) => AuthEvent, answer: () => T): Promise<T> {
    if (stopped) {
      return Promise.reject(new AuthError('CancelledError', { message: 'The auth instance is stopped.' }));
    }
    const requestId = nextRequestId++;
    return new Promise<T>((resolve, reject) => {
      waiting.set(requestId, {
        resolve: () => {
          try {
            resolve(answer());
          } catch (error) {
            reject(error);
          }
        },
        reject,
      });
      actor.send(build(requestId));
    });
  }

  function assertRunning(): void {
    if (stopped) throw new AuthError('CancelledError', { message: 'The auth instance is stopped.' });
  }

  function sessionOf<K extends SessionRecord['kind']>(kind: K): Extract<SessionRecord, { kind: K }> | null {
    const current = vault.current;
    return current?.kind === kind ? (current as Extract<SessionRecord, { kind: K }>) : null;
  }

  function currentAuthSession(): AuthSession {
    const snapshot = actor.getSnapshot();
    const current = vault.current;
    if (snapshot.matches('federated') && current?.kind === 'federated') {
      return { isSignedIn: true, identityId: current.identityId, credentials: toAwsCredentials(current.credentials) };
    }
    if (snapshot.matches('signedIn') && current?.kind === 'userPool') {
      return {
        isSignedIn: true,
        tokens: { idToken: current.tokens.idToken.reveal(), accessToken: current.tokens.accessToken.reveal() },
        ...(current.identityId ? { identityId: current.identityId } : {}),
        ...(current.credentials ? { credentials: toAwsCredentials(current.credentials) } : {}),
      };
    }
    if (current?.kind === 'guest' && config.allowGuestAccess) {
      return { isSignedIn: false, identityId: current.identityId, credentials: toAwsCredentials(current.credentials) };
    }
    return { isSignedIn: false };
  }

  function federationAdvice(): string {
    const snapshot = actor.getSnapshot();
    if (snapshot.matches('signedIn') || snapshot.matches('signingIn') || snapshot.matches('signingOut')) {
      return 'the user signed in to the user pool, and federation into the identity pool happens automatically after sign-in; use fetchAuthSession for credentials.';
    }
    if (snapshot.matches('federating')) {
      return 'a federation is already in progress; wait for it, or cancel it with clearFederationToIdentityPool.';
    }
    return 'call it when signed out or federated.';
  }

  async function federateToIdentityPool(
    token: string,
    provider: AuthProvider,
    options?: FederateOptions,
  ): Promise<FederationResult> {
    assertProviderToken(token);
    const canonical = toAuthProvider(provider);
    assertPlainOptions(options, 'federateToIdentityPool options');
    assertIdentityId(options?.developerProvidedIdentityId);
    assertRoleArn(options?.customRoleArn);
    await ready;
    assertRunning();
    const event = (requestId: number): AuthEvent => ({
      type: 'federate',
      requestId,
      token: new Secret(token),
      provider: canonical,
      ...(options?.developerProvidedIdentityId ? { developerProvidedIdentityId: options.developerProvidedIdentityId } : {}),
      ...(options?.customRoleArn ? { customRoleArn: options.customRoleArn } : {}),
    });
    if (!actor.getSnapshot().can(event(0))) {
      throw invalidState(
        actor,
        'federateToIdentityPool',
        federationAdvice(),
      );
    }
    return request(event, () => {
      const session = sessionOf('federated');
      if (!session) throw new AuthError('CancelledError', { message: 'The federation was replaced before it finished.' });
      return { credentials: toAwsCredentials(session.credentials), identityId: session.identityId };
    });
  }

  async function clearFederationToIdentityPool(): Promise<void> {
    await ready;
    assertRunning();
    if (!actor.getSnapshot().can({ type: 'federation.clear', requestId: 0 })) {
      throw invalidState(
        actor,
        'clearFederationToIdentityPool',
        'there is no federated session to clear; it is allowed while federated, federating, or after a failed federation.',
      );
    }
    return request((requestId) => ({ type: 'federation.clear', requestId }), () => undefined);
  }

  async function fetchAuthSession(options?: { forceRefresh?: boolean }): Promise<AuthSession> {
    assertPlainOptions(options, 'fetchAuthSession options');
    assertValid(
      options?.forceRefresh === undefined || typeof options.forceRefresh === 'boolean',
      'forceRefresh must be true or false.',
    );
    await ready;
    assertRunning();
    return request(
      (requestId) => ({ type: 'session.fetch', requestId, forceRefresh: options?.forceRefresh ?? false, now: clock() }),
      currentAuthSession,
    );
  }

  async function getCurrentUser(): Promise<{ username: string; userId: string }> {
    await ready;
    assertRunning();
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

  function signInOutput(): SignInOutput {
    return actor.getSnapshot().matches('signedIn')
      ? { isSignedIn: true, nextStep: { signInStep: 'DONE' } }
      : { isSignedIn: false, nextStep: { signInStep: 'CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED' } };
  }

  async function signIn(input: { username: string; password: string }): Promise<SignInOutput> {
    assertValid(typeof input === 'object' && input !== null, 'signIn takes { username, password }.');
    assertUsername(input.username);
    assertPassword(input.password, 'password');
    assertValid(userPool !== undefined, 'signIn needs a user pool: pass userPool to createAuth.');
    await ready;
    assertRunning();
    const event = (requestId: number): AuthEvent => ({
      type: 'signIn',
      requestId,
      username: input.username,
      password: new Secret(input.password),
    });
    if (!actor.getSnapshot().can(event(0))) {
      const snapshot = actor.getSnapshot();
      throw invalidState(
        actor,
        'signIn',
        snapshot.matches('federated') || snapshot.matches('federating') || snapshot.matches('sessionExpired')
          ? 'a federated session is active; call clearFederationToIdentityPool first, then sign in.'
          : snapshot.matches('signedIn')
            ? 'a user is already signed in; call signOut first.'
            : 'another sign-in or sign-out is in progress; wait for it.',
      );
    }
    return request(event, signInOutput);
  }

  async function confirmSignIn(input: { challengeResponse: string }): Promise<SignInOutput> {
    assertValid(typeof input === 'object' && input !== null, 'confirmSignIn takes { challengeResponse }.');
    assertPassword(input.challengeResponse, 'challengeResponse');
    await ready;
    assertRunning();
    const event = (requestId: number): AuthEvent => ({
      type: 'signIn.confirm',
      requestId,
      newPassword: new Secret(input.challengeResponse),
    });
    if (!actor.getSnapshot().can(event(0))) {
      throw invalidState(actor, 'confirmSignIn', 'there is no sign-in challenge to answer; call signIn first.');
    }
    return request(event, signInOutput);
  }

  async function signOut(options?: { global?: boolean }): Promise<void> {
    assertPlainOptions(options, 'signOut options');
    assertValid(options?.global === undefined || typeof options.global === 'boolean', 'global must be true or false.');
    await ready;
    assertRunning();
    const event = (requestId: number): AuthEvent => ({ type: 'signOut', requestId, global: options?.global ?? false });
    if (!actor.getSnapshot().can(event(0))) {
      const snapshot = actor.getSnapshot();
      throw invalidState(
        actor,
        'signOut',
        snapshot.matches('federated') || snapshot.matches('federating') || snapshot.matches('sessionExpired')
          ? 'a federated session is ended with clearFederationToIdentityPool, not signOut.'
          : 'there is no user-pool session to sign out of.',
      );
    }
    return request(event, () => undefined);
  }

  async function credentialsProvider(): Promise<AwsCredentials> {
    const session = await fetchAuthSession();
    if (!session.credentials) {
      throw new AuthError('NotAuthorizedError', {
        message: 'No AWS credentials: federate, sign in, or enable allowGuestAccess.',
      });
    }
    return session.credentials;
  }

  return {
    ready,
    actor,
    hub: createHub(actor),
    credentialsProvider,
    federateToIdentityPool,
    clearFederationToIdentityPool,
    fetchAuthSession,
    getCurrentUser,
    signIn,
    confirmSignIn,
    signOut,
    stop() {
      if (stopped) return;
      actor.stop();
      readySubscription.unsubscribe();
      markReady();
      cancelAll();
    },
  };
}
