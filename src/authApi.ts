import { AuthError } from './AuthError.js';
import { toAuthProvider, type AuthProvider } from './AuthProvider.js';
import type {
  AuthApi,
  AuthCore,
  AuthSession,
  AwsCredentials,
  FederateOptions,
  FederationResult,
  SignInOutput,
} from './createAuth.js';
import type { AuthEvent } from './machines/authSession.js';
import { Secret } from './Secret.js';
import type { CredentialsRecord, SessionRecord } from './storage/SessionRecord.js';
import {
  assertIdentityId,
  assertPassword,
  assertProviderToken,
  assertRoleArn,
  assertUsername,
} from './validateInput.js';
import { assertPlainOptions, assertValid } from './validateConfig.js';

export { wireServices } from './services/wireServices.js';

function toAwsCredentials(c: CredentialsRecord): AwsCredentials {
  return {
    accessKeyId: c.accessKeyId,
    secretAccessKey: c.secretAccessKey.reveal(),
    sessionToken: c.sessionToken.reveal(),
    expiration: new Date(c.expiration),
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

/**
 * The bodies of the Promise API: input checks, the allowed-call rules with their advice, and
 * answers read from the session vault. Loaded with the services on first use.
 */
export function createAuthApi({ config, clock, actor, ready, vault: vaultOf, request, assertRunning }: AuthCore): AuthApi {
  function sessionOf<K extends SessionRecord['kind']>(kind: K): Extract<SessionRecord, { kind: K }> | null {
    const current = vaultOf()?.current ?? null;
    return current?.kind === kind ? (current as Extract<SessionRecord, { kind: K }>) : null;
  }

  function currentAuthSession(): AuthSession {
    const snapshot = actor.getSnapshot();
    const current = vaultOf()?.current ?? null;
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
    assertValid(config.userPool !== undefined, 'signIn needs a user pool: pass userPool to createAuth.');
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
    credentialsProvider,
    federateToIdentityPool,
    clearFederationToIdentityPool,
    fetchAuthSession,
    getCurrentUser,
    signIn,
    confirmSignIn,
    signOut,
  };
}
