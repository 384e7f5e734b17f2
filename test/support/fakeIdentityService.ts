/**
 * A scripted, in-memory stand-in for the Cognito Identity service, for unit tests only: it
 * lets a test decide each call's outcome and hold calls open. Integration tests use the real
 * SDK against the emulator instead.
 */
import { AuthError } from '../../src/vocabulary/AuthError.js';
import { Secret } from '../../src/vocabulary/Secret.js';
import type { CognitoIdentityService, Login } from '../../src/services/cognitoIdentity.js';
import type { CredentialsRecord } from '../../src/vocabulary/SessionRecord.js';

export interface FakeCall {
  operation: 'GetId' | 'GetCredentialsForIdentity';
  identityId?: string;
  loginKeys: string[];
  token?: string;
}

export type Outcome = 'ok' | 'NotAuthorizedException' | 'TooManyRequestsException' | 'hang';

export function createFakeIdentityService(options: { now?: () => number; lifetimeMs?: number } = {}) {
  const now = options.now ?? Date.now;
  const lifetimeMs = options.lifetimeMs ?? 3_600_000;
  const calls: FakeCall[] = [];
  const script: Outcome[] = [];
  let counter = 0;

  async function outcome(signal?: AbortSignal): Promise<void> {
    const next = script.shift() ?? 'ok';
    if (next === 'ok') return;
    if (next === 'hang') {
      await new Promise<void>((_, reject) => {
        signal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })));
      });
    }
    const kind = next === 'NotAuthorizedException' ? 'NotAuthorizedError' : 'ServiceError';
    throw new AuthError(kind, { message: `fake ${next}`, serviceErrorName: next });
  }

  const log = (operation: FakeCall['operation'], login: Login | undefined, identityId?: string) =>
    calls.push({
      operation,
      ...(identityId ? { identityId } : {}),
      loginKeys: login ? [login.loginKey] : [],
      ...(login ? { token: login.token.reveal() } : {}),
    });

  const service: CognitoIdentityService = {
    async getId(login, signal) {
      log('GetId', login);
      await outcome(signal);
      return `us-east-1:00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`;
    },
    async getCredentialsForIdentity({ identityId, login }, signal): Promise<CredentialsRecord> {
      log('GetCredentialsForIdentity', login, identityId);
      await outcome(signal);
      counter += 1;
      return {
        accessKeyId: `ASIAFAKE${counter}`,
        secretAccessKey: new Secret(`fake-secret-${counter}`),
        sessionToken: new Secret(`fake-session-${counter}`),
        expiration: now() + lifetimeMs,
      };
    },
  };
  return { service, calls, script };
}
