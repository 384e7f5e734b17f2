/**
 * Test doubles for model-based tests (unit level, not the real SDK): a Cognito Identity service,
 * a user-pool service and a SecureStorage whose every operation waits until the test releases or
 * fails it, so a path can decide each invoked actor's outcome in order.
 */
import { AuthError } from '../vocabulary/AuthError.js';
import { Secret } from '../vocabulary/Secret.js';
import type { CognitoIdentityService } from '../services/cognitoIdentity.js';
import type { UserPoolService } from '../services/authActors.js';
import type { SignInStepResult } from '../services/userPool.js';
import type { SecureStorage } from '../vocabulary/SecureStorage.js';
import type { MfaChallengeName } from '../vocabulary/statechartContract.js';

/** An operation of a gated double that waits for the test to decide its outcome. */
export interface PendingOperation {
  /** Which double holds it. */
  kind: 'identity' | 'storage' | 'userPool';
  /** The operation, by its Cognito or storage name (`GetId`, `InitiateAuth`, `setItem`, …). */
  name: string;
  /** Lets the operation succeed. `choice` picks among the outcomes an operation can have (e.g. a sign-in's next step). */
  release(choice?: string): void;
  /** Lets the operation fail with `error`. */
  fail(error: unknown): void;
}

/**
 * The gate every gated double waits behind: `pending` lists the operations started and not yet
 * decided, in the order they started; `hold` is how a double parks one. An aborted operation
 * fails with an `AbortError` by itself.
 */
export function createGate() {
  const pending: PendingOperation[] = [];
  function hold<T>(kind: PendingOperation['kind'], name: string, run: (choice?: string) => T, signal?: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const op: PendingOperation = {
        kind,
        name,
        release: (choice) => {
          remove();
          try {
            resolve(run(choice));
          } catch (error) {
            reject(error);
          }
        },
        fail: (error) => {
          remove();
          reject(error);
        },
      };
      const remove = () => {
        const i = pending.indexOf(op);
        if (i >= 0) pending.splice(i, 1);
      };
      signal?.addEventListener('abort', () => op.fail(Object.assign(new Error('aborted'), { name: 'AbortError' })));
      pending.push(op);
    });
  }
  return { pending, hold };
}

/** A gate made by {@link createGate}. */
export type Gate = ReturnType<typeof createGate>;

/**
 * A Cognito Identity service behind the gate: GetId answers a fresh identity id, and
 * GetCredentialsForIdentity fresh credentials that last an hour from `now()`.
 */
export function createGatedIdentityService(gate: Gate, now: () => number): CognitoIdentityService {
  let n = 0;
  return {
    getId(_login, signal) {
      return gate.hold('identity', 'GetId', () => `us-east-1:00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`, signal);
    },
    getCredentialsForIdentity(_request, signal) {
      return gate.hold(
        'identity',
        'GetCredentialsForIdentity',
        () => ({
          accessKeyId: `ASIAGATED${++n}`,
          secretAccessKey: new Secret(`gated-secret-${n}`),
          sessionToken: new Secret(`gated-session-${n}`),
          expiration: now() + 3_600_000,
        }),
        signal,
      );
    },
  };
}

/** An unsigned JWT with these claims (the doubles' id tokens; nothing verifies them). */
function fakeJwt(claims: Record<string, unknown>): string {
  const part = (o: unknown) => btoa(JSON.stringify(o)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  return `${part({ alg: 'none' })}.${part(claims)}.sig`;
}

/**
 * User-pool calls behind the gate (tokens last an hour from `now()`); a release's choice
 * `newPasswordRequired` or `mfaRequired` opens that challenge (`mfaRequired:<Cognito challenge>`,
 * e.g. `mfaRequired:SMS_MFA`; default SOFTWARE_TOKEN_MFA).
 */
export function createGatedUserPoolService(gate: Gate, now: () => number): UserPoolService {
  let n = 0;
  const tokens = () => ({
    idToken: new Secret(fakeJwt({ sub: 'user-sub', 'cognito:username': 'model-user', n: ++n })),
    accessToken: new Secret(`gated-access-${n}`),
    refreshToken: new Secret('gated-refresh'),
    expiration: now() + 3_600_000,
  });
  const step = (choice?: string): SignInStepResult => {
    if (choice === 'newPasswordRequired') return { kind: 'newPasswordRequired', session: new Secret('gated-challenge'), username: 'model-user' };
    if (choice?.startsWith('mfaRequired')) {
      const challengeName = (choice.split(':')[1] ?? 'SOFTWARE_TOKEN_MFA') as MfaChallengeName;
      return {
        kind: 'mfaRequired',
        challengeName,
        session: new Secret('gated-challenge'),
        username: 'model-user',
        // The step's details do not matter to the machine; only the challenge's name reaches it.
        step: { signInStep: 'CONFIRM_SIGN_IN_WITH_TOTP_CODE' },
      };
    }
    return { kind: 'signedIn', tokens: tokens(), username: 'model-user', userId: 'user-sub' };
  };
  return {
    signInWithPassword: (_config, _input, signal) => gate.hold('userPool', 'InitiateAuth', step, signal),
    completeNewPassword: (_config, _input, signal) => gate.hold('userPool', 'RespondToAuthChallenge', step, signal),
    answerMfaChallenge: (_config, _input, signal) => gate.hold('userPool', 'RespondToAuthChallenge', step, signal),
    refreshUserPoolTokens: (_config, _input, signal) => gate.hold('userPool', 'InitiateAuth', tokens, signal),
    globalSignOut: (_config, _input, signal) => gate.hold('userPool', 'GlobalSignOut', () => undefined, signal),
  };
}

/** A memory SecureStorage behind the gate; `items` is the backing map, for direct inspection. */
export function createGatedStorage(gate: Gate): SecureStorage & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key) => gate.hold('storage', 'getItem', () => items.get(key) ?? null),
    setItem: (key, value) => gate.hold('storage', 'setItem', () => void items.set(key, value)),
    removeItem: (key) => gate.hold('storage', 'removeItem', () => void items.delete(key)),
  };
}

/**
 * The `AuthError` a service fails with when Cognito (or the store) answers with the error `name`
 * (`NotAuthorizedException`, `TooManyRequestsException`, `StorageError`, …): give it to
 * {@link PendingOperation.fail}, or as the `error` of an `xstate.error.actor.*` model event.
 */
export function awsError(name: string): AuthError {
  const authName =
    name === 'NotAuthorizedException' || name === 'CodeMismatchException' ? 'NotAuthorizedError' : name === 'StorageError' ? 'StorageError' : 'ServiceError';
  return new AuthError(authName, { message: `scripted ${name}`, serviceErrorName: name });
}
