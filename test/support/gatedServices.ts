/**
 * Test doubles for model-based tests (unit level, not the real SDK): a Cognito Identity service
 * and a SecureStorage whose every operation waits until the test releases or fails it, so a
 * path can decide each invoked actor's outcome in order.
 */
import { AuthError } from '../../src/AuthError.js';
import { Secret } from '../../src/Secret.js';
import type { CognitoIdentityService } from '../../src/services/cognitoIdentity.js';
import type { SecureStorage } from '../../src/storage/SecureStorage.js';

export interface PendingOperation {
  kind: 'identity' | 'storage';
  name: string;
  release(): void;
  fail(error: unknown): void;
}

export function createGate() {
  const pending: PendingOperation[] = [];
  function hold<T>(kind: PendingOperation['kind'], name: string, run: () => T, signal?: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const op: PendingOperation = {
        kind,
        name,
        release: () => {
          remove();
          try {
            resolve(run());
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
  const authName = name === 'NotAuthorizedException' ? 'NotAuthorizedError' : name === 'StorageError' ? 'StorageError' : 'ServiceError';
  return new AuthError(authName, { message: `scripted ${name}`, serviceErrorName: name });
}
