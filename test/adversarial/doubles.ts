/**
 * TEST DOUBLES, not the real services: an in-memory Cognito Identity service and an in-memory
 * Cognito user-pool service, fast enough for thousands of model runs. They are passed to the
 * library through its test seam `createAuthWith(config, { identity, userPoolService })`; the
 * same command model also runs against the real identity-pool emulator over HTTP and a real
 * cognito-local user pool (see worlds.ts).
 *
 * They reproduce what the model relies on:
 * - the emulator's identity rules (one identity per login, GetCredentialsForIdentity needs a
 *   login linked to the identity, expired or never-issued tokens are refused), on a clock the
 *   test moves;
 * - cognito-local's user-pool rules (USER_PASSWORD_AUTH, NEW_PASSWORD_REQUIRED, refresh tokens
 *   that a global sign-out revokes), plus a password policy cognito-local does not have;
 * - the emulator's fault rules (FaultQueue), consumed per attempt, with the AWS SDK's retries:
 *   up to three attempts, only for throttling, 5xx and dropped connections;
 * - errors shaped as the real services throw them: AWS exception names mapped to AuthError by
 *   the library's own table (`toAuthError`), aborts as `CancelledError`.
 */
import { randomBytes } from 'node:crypto';
import { AuthError } from '../../src/vocabulary/AuthError.js';
import { Secret } from '../../src/vocabulary/Secret.js';
import type { UserPoolService } from '../../src/services/authActors.js';
import type { CognitoIdentityService, Login } from '../../src/services/cognitoIdentity.js';
import { toAuthError } from '../../src/services/serviceErrors.js';
import type { SignInStepResult, UserPoolConfig } from '../../src/services/userPool.js';
import type { CredentialsRecord, UserPoolTokensRecord } from '../../src/vocabulary/SessionRecord.js';
import { FaultQueue, MAX_ATTEMPTS, TRANSIENT_FAULTS, type FaultError } from './faultQueue.js';

/** What a login token stands for, as the issuer that minted it knows it. */
export interface IssuedToken {
  loginKey: string;
  sub: string;
  /** Epoch ms; the token is refused from this instant on. */
  expMs: number;
}

function awsError(name: string, message = name): Error {
  return Object.assign(new Error(message), { name, $fault: 'client' });
}

function abortError(): Error {
  return Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' });
}

function random(bytes = 18): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * Latency without timers: `hops` extra microtask turns. It reorders a call's completion against
 * other pending work (what concurrency tests need) but never lets a timer, such as the library's
 * deadline, fire in between, so a slow CI machine cannot turn it into a timeout.
 */
async function delay(hops: number, signal?: AbortSignal): Promise<void> {
  for (let i = 0; i < hops; i += 1) {
    await Promise.resolve();
    if (signal?.aborted) throw abortError();
  }
}

function hang(signal?: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal?.aborted) reject(abortError());
    signal?.addEventListener('abort', () => reject(abortError()), { once: true });
  });
}

/** One place the two doubles share: the clock, the tokens issued, the fault rules and counters. */
export interface DoubleBackend {
  now: () => number;
  tokens: Map<string, IssuedToken>;
  identityFaults: FaultQueue;
  userPoolFaults: FaultQueue;
  /** Microtask turns added before every attempt (see `delay`). */
  latencyHops: number;
  /** Attempts that reached each double (as the emulator's call log counts them). */
  identityAttempts: number;
  userPoolAttempts: number;
  /** Calls currently waiting on a `Hang` rule. */
  hanging: number;
  /** Calls that ever met a `Hang` rule. */
  hangsStarted: number;
  /** Releases of the calls waiting on a `Hold` rule. */
  holds: Array<() => void>;
}

export function createDoubleBackend(now: () => number): DoubleBackend {
  return {
    now,
    tokens: new Map(),
    identityFaults: new FaultQueue(),
    userPoolFaults: new FaultQueue(),
    latencyHops: 0,
    identityAttempts: 0,
    userPoolAttempts: 0,
    hanging: 0,
    hangsStarted: 0,
    holds: [],
  };
}

/**
 * One SDK operation with the SDK's retries: each attempt first meets the fault rules, then the
 * double's own logic. Throttling, 5xx and dropped connections are tried again up to three
 * attempts; anything else fails at once.
 */
async function withRetries<T>(
  backend: DoubleBackend,
  queue: FaultQueue,
  counter: 'identityAttempts' | 'userPoolAttempts',
  operation: string,
  signal: AbortSignal | undefined,
  work: () => T,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    if (signal?.aborted) throw abortError();
    backend[counter] += 1;
    await delay(backend.latencyHops, signal);
    const fault: FaultError | undefined = queue.take(operation);
    if (fault === 'Hang') {
      backend.hanging += 1;
      backend.hangsStarted += 1;
      try {
        await hang(signal);
      } finally {
        backend.hanging -= 1;
      }
    }
    if (fault === 'Hold') {
      backend.hangsStarted += 1;
      await new Promise<void>((resolve, reject) => {
        backend.holds.push(resolve);
        signal?.addEventListener(
          'abort',
          () => {
            // Aborted (the deadline, a stop): no longer waiting to be released.
            backend.holds = backend.holds.filter((release) => release !== resolve);
            reject(abortError());
          },
          { once: true },
        );
      });
    }
    if (fault && TRANSIENT_FAULTS.has(fault)) {
      if (attempt >= MAX_ATTEMPTS) {
        if (fault === 'ConnectionDropped') {
          throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        }
        throw Object.assign(awsError(fault), { $fault: fault === 'InternalErrorException' ? 'server' : 'client' });
      }
      continue;
    }
    if (fault && fault !== 'Hold') throw awsError(fault);
    return work();
  }
}

/** The identity-pool double. `userPoolLoginKey` is the login key its user pool's id tokens use. */
export function createIdentityDouble(backend: DoubleBackend, options: { credentialLifetimeMs: number }): CognitoIdentityService {
  const identities = new Map<string, string>(); // `${loginKey}|${sub}` -> identity id
  const linked = new Map<string, Set<string>>(); // identity id -> `${loginKey}|${sub}`
  let counter = 0;

  const verify = (login: Login): IssuedToken => {
    const issued = backend.tokens.get(login.token.reveal());
    if (!issued || issued.loginKey !== login.loginKey) throw awsError('NotAuthorizedException', 'Invalid login token.');
    if (backend.now() >= issued.expMs) throw awsError('NotAuthorizedException', 'Invalid login token. Token expired.');
    return issued;
  };

  return {
    async getId(login, signal) {
      try {
        return await withRetries(backend, backend.identityFaults, 'identityAttempts', 'GetId', signal, () => {
          if (!login) {
            // A guest: a new identity with no login on every GetId without logins, as Cognito does.
            counter += 1;
            const guest = `us-east-1:00000000-0000-4000-9000-${String(counter).padStart(12, '0')}`;
            linked.set(guest, new Set());
            return guest;
          }
          const issued = verify(login);
          const key = `${issued.loginKey}|${issued.sub}`;
          let id = identities.get(key);
          if (!id) {
            counter += 1;
            id = `us-east-1:00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`;
            identities.set(key, id);
            linked.set(id, new Set([key]));
          }
          return id;
        });
      } catch (error) {
        throw toAuthError(error, 'Getting the identity id (GetId)');
      }
    },

    async getCredentialsForIdentity({ identityId, login }, signal): Promise<CredentialsRecord> {
      try {
        return await withRetries(backend, backend.identityFaults, 'identityAttempts', 'GetCredentialsForIdentity', signal, () => {
          const links = linked.get(identityId);
          if (!links) throw awsError('ResourceNotFoundException', `Identity '${identityId}' not found.`);
          if (!login) {
            if (links.size > 0) throw awsError('NotAuthorizedException', `Access to Identity '${identityId}' is forbidden.`);
            return issue();
          }
          const issued = verify(login);
          if (!links.has(`${issued.loginKey}|${issued.sub}`)) {
            throw awsError('NotAuthorizedException', "Logins don't match.");
          }
          return issue();
        });
      } catch (error) {
        throw toAuthError(error, 'Getting credentials (GetCredentialsForIdentity)');
      }
    },
  };

  function issue(): CredentialsRecord {
    return {
      accessKeyId: `ASIADOUBLE${random(6).toUpperCase().replace(/[^A-Z0-9]/g, 'X')}`,
      secretAccessKey: new Secret(`double-secret-${random()}`),
      sessionToken: new Secret(`double-session-${random(30)}`),
      expiration: backend.now() + options.credentialLifetimeMs,
    };
  }
}

export interface DoubleUser {
  username: string;
  password: string;
  sub: string;
  mustChangePassword: boolean;
  refreshTokens: Set<string>;
  /** Access tokens a global sign-out has not revoked. */
  accessTokens: Set<string>;
}

function fakeJwt(claims: Record<string, unknown>): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'RS256', kid: 'double' })}.${part(claims)}.${random(32)}`;
}

/** The user-pool double's password policy: 8 characters or more, with a digit. */
export function meetsDoublePolicy(password: string): boolean {
  return password.length >= 8 && /\d/.test(password);
}

export function createUserPoolDouble(
  backend: DoubleBackend,
  options: { userPoolLoginKey: string; tokenLifetimeMs: number },
): UserPoolService & { users: Map<string, DoubleUser> } {
  const users = new Map<string, DoubleUser>();
  const challenges = new Map<string, string>(); // session -> username

  const issueTokens = (user: DoubleUser, withRefresh: boolean): UserPoolTokensRecord => {
    const expMs = backend.now() + options.tokenLifetimeMs;
    const idToken = fakeJwt({
      sub: user.sub,
      'cognito:username': user.username,
      token_use: 'id',
      exp: Math.floor(expMs / 1000),
      jti: random(8),
    });
    backend.tokens.set(idToken, { loginKey: options.userPoolLoginKey, sub: user.sub, expMs });
    const accessToken = fakeJwt({ sub: user.sub, username: user.username, token_use: 'access', jti: random(8) });
    user.accessTokens.add(accessToken);
    const refreshToken = withRefresh ? `double-refresh-${random(24)}` : undefined;
    if (refreshToken) user.refreshTokens.add(refreshToken);
    return {
      idToken: new Secret(idToken),
      accessToken: new Secret(accessToken),
      ...(refreshToken ? { refreshToken: new Secret(refreshToken) } : {}),
      expiration: expMs,
    };
  };

  const run = async <T>(operation: string, what: string, signal: AbortSignal | undefined, work: () => T): Promise<T> => {
    try {
      return await withRetries(backend, backend.userPoolFaults, 'userPoolAttempts', operation, signal, work);
    } catch (error) {
      // As the real user-pool calls do: an aborted call is a CancelledError.
      if (signal?.aborted) throw new AuthError('CancelledError', { message: `${what} was cancelled.`, cause: signal.reason });
      throw toAuthError(error, what);
    }
  };

  return {
    users,
    async signInWithPassword(_config: UserPoolConfig, input, signal): Promise<SignInStepResult> {
      return run('InitiateAuth', 'Sign-in', signal, () => {
        const user = users.get(input.username);
        if (!user) throw awsError('UserNotFoundException', 'User does not exist.');
        if (user.password !== input.password.reveal()) throw awsError('NotAuthorizedException', 'Incorrect username or password.');
        if (user.mustChangePassword) {
          const session = `double-challenge-${random()}`;
          challenges.set(session, user.username);
          return { kind: 'newPasswordRequired', session: new Secret(session), username: user.username };
        }
        return { kind: 'signedIn', tokens: issueTokens(user, true), username: user.username, userId: user.sub };
      });
    },

    async completeNewPassword(_config, input, signal): Promise<SignInStepResult> {
      return run('RespondToAuthChallenge', 'Setting the new password', signal, () => {
        const username = challenges.get(input.session.reveal());
        const user = username === input.username ? users.get(input.username) : undefined;
        if (!user) throw awsError('NotAuthorizedException', 'Invalid session for the user.');
        const password = input.newPassword.reveal();
        if (!meetsDoublePolicy(password)) throw awsError('InvalidPasswordException', 'Password does not conform to policy.');
        challenges.delete(input.session.reveal());
        user.password = password;
        user.mustChangePassword = false;
        return { kind: 'signedIn', tokens: issueTokens(user, true), username: user.username, userId: user.sub };
      });
    },

    async refreshUserPoolTokens(_config, input, signal): Promise<UserPoolTokensRecord> {
      return run('InitiateAuth', 'Refreshing the user pool tokens', signal, () => {
        const user = users.get(input.username);
        const token = input.refreshToken.reveal();
        if (!user || !user.refreshTokens.has(token)) throw awsError('NotAuthorizedException', 'Invalid Refresh Token.');
        // As cognito-local and Cognito without rotation: no new refresh token, the old one stays.
        const tokens = issueTokens(user, false);
        return { ...tokens, refreshToken: input.refreshToken };
      });
    },

    async globalSignOut(_config, input, signal): Promise<void> {
      return run('GlobalSignOut', 'Global sign-out', signal, () => {
        const token = input.accessToken.reveal();
        const user = [...users.values()].find((u) => u.accessTokens.has(token));
        if (!user) throw awsError('NotAuthorizedException', 'Access Token has been revoked');
        user.refreshTokens.clear();
        user.accessTokens.clear();
      });
    },
  };
}

/** Mints a provider token the identity double accepts until `expMs`. */
export function mintDoubleToken(backend: DoubleBackend, loginKey: string, sub: string, expMs: number): string {
  const token = `double-${loginKey.replace(/[^a-z]/g, '')}-${random(24)}`;
  backend.tokens.set(token, { loginKey, sub, expMs });
  return token;
}
