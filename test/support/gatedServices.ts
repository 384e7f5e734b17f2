/**
 * Test doubles for model-based tests (unit level, not the real SDK): a Cognito Identity service
 * and a SecureStorage whose every operation waits until the test releases or fails it, so a
 * path can decide each invoked actor's outcome in order.
 */
import { AuthError } from '../../src/vocabulary/AuthError.js';
import { Secret } from '../../src/vocabulary/Secret.js';
import type { CognitoIdentityService } from '../../src/services/cognitoIdentity.js';
import type { UserPoolService } from '../../src/services/authActors.js';
import type { SignInStepResult } from '../../src/services/userPool.js';
import type { SecureStorage } from '../../src/vocabulary/SecureStorage.js';
import type { MfaChallengeName } from '../../src/vocabulary/statechartContract.js';

export interface PendingOperation {
  kind: 'identity' | 'storage' | 'userPool';
  name: string;
  /** `choice` picks among the outcomes an operation can have (e.g. a sign-in's next step). */
  release(choice?: string): void;
  fail(error: unknown): void;
}

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

export type Gate = ReturnType<typeof createGate>;

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

function fakeJwt(claims: Record<string, unknown>): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none' })}.${part(claims)}.sig`;
}

/**
 * User-pool calls behind the gate; a release's choice `newPasswordRequired` or `mfaRequired` opens
 * that challenge (`mfaRequired:<Cognito challenge>`, e.g. `mfaRequired:SMS_MFA`; default SOFTWARE_TOKEN_MFA).
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

export function awsError(name: string): AuthError {
  const authName =
    name === 'NotAuthorizedException' || name === 'CodeMismatchException' ? 'NotAuthorizedError' : name === 'StorageError' ? 'StorageError' : 'ServiceError';
  return new AuthError(authName, { message: `scripted ${name}`, serviceErrorName: name });
}
