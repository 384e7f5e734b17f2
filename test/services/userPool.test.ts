import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError, type AuthErrorName } from '../../src/vocabulary/AuthError.js';
import { Secret } from '../../src/vocabulary/Secret.js';
import {
  completeNewPassword,
  globalSignOut,
  refreshUserPoolTokens,
  signInWithPassword,
  userFromIdToken,
  type SignInStepResult,
  type UserPoolConfig,
} from '../../src/services/userPool.js';
import { startCognitoLocal, type CognitoLocal, type CognitoLocalUserPool } from '../support/cognitoLocal.js';

const PASSWORD = 'Corr3ct-Horse-Battery';
const NEW_PASSWORD = 'N3w-Staple-Password';
const NOW = 1_700_000_000_000;
const now = () => NOW;

let local: CognitoLocal;
let pool: CognitoLocalUserPool;
/** Every secret handed to or received from Cognito in this file; no error may contain any of them. */
const secretsSeen = new Set<string>([PASSWORD, NEW_PASSWORD, 'wrong-Passw0rd!']);
const errorsSeen: AuthError[] = [];

let userCount = 0;
function uniqueName(prefix: string): string {
  userCount += 1;
  return `${prefix}${userCount}`;
}

function remember(result: SignInStepResult): SignInStepResult {
  if (result.kind !== 'signedIn') secretsSeen.add(result.session.reveal());
  else {
    secretsSeen.add(result.tokens.idToken.reveal());
    secretsSeen.add(result.tokens.accessToken.reveal());
    if (result.tokens.refreshToken) secretsSeen.add(result.tokens.refreshToken.reveal());
  }
  return result;
}

async function expectAuthError(promise: Promise<unknown>, name: AuthErrorName): Promise<AuthError> {
  const error: unknown = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AuthError);
  const authError = error as AuthError;
  expect(authError.name).toBe(name);
  errorsSeen.push(authError);
  return authError;
}

async function signedInUser(config: UserPoolConfig = pool.config) {
  const username = uniqueName('user');
  const created = await local.createUser(pool.userPoolId, { username, password: PASSWORD });
  const result = remember(await signInWithPassword(config, { username, password: new Secret(PASSWORD), authFlowType: 'USER_PASSWORD_AUTH' }, undefined, now));
  if (result.kind !== 'signedIn') throw new Error(`expected signedIn, got ${result.kind}`);
  return { ...created, result };
}

/** A stand-in for Cognito answering every call with `answer`, for shapes cognito-local never sends. */
async function withStub<T>(
  answer: (target: string) => { status: number; body: unknown } | 'hang',
  run: (config: UserPoolConfig) => Promise<T>,
): Promise<T> {
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      const reply = answer(target);
      if (reply === 'hang') return;
      res.writeHead(reply.status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    return await run({
      region: 'local',
      userPoolId: 'local_stub',
      userPoolClientId: 'stubclient',
      endpoint: `http://127.0.0.1:${port}`,
    });
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** An unsigned JWT with the given claims, for {@link userFromIdToken}, which does not verify. */
function unsignedJwt(claims: Record<string, unknown>): Secret {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return new Secret(`${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`);
}

beforeAll(async () => {
  local = await startCognitoLocal();
  pool = await local.createUserPool();
});

afterAll(async () => {
  await local?.close();
});

describe('signInWithPassword', () => {
  it('signs in and returns tokens for the user, signed by the pool and expiring an hour from now', async () => {
    const { username, sub, result } = await signedInUser();
    expect(result.kind).toBe('signedIn');
    if (result.kind !== 'signedIn') return;
    expect(result.username).toBe(username);
    expect(result.userId).toBe(sub);
    expect(userFromIdToken(result.tokens.idToken)).toEqual({ username, userId: sub });

    const idClaims = decodeJwt(result.tokens.idToken.reveal());
    const accessClaims = decodeJwt(result.tokens.accessToken.reveal());
    expect(idClaims).toMatchObject({ token_use: 'id', sub, 'cognito:username': username, iss: pool.issuer });
    expect(accessClaims).toMatchObject({ token_use: 'access', sub, username, client_id: pool.userPoolClientId });
    expect(result.tokens.refreshToken).toBeInstanceOf(Secret);
    // cognito-local sends no ExpiresIn; the lifetime then comes from the access token (3600 s here).
    expect(result.tokens.expiration).toBe(NOW + 3600 * 1000);

    // The issuer and JWKS a verifier (e.g. an identity-pool emulator) is configured with.
    const { payload } = await jwtVerify(result.tokens.idToken.reveal(), createRemoteJWKSet(new URL(pool.jwksUri)), {
      issuer: pool.issuer,
      audience: pool.userPoolClientId,
    });
    expect(payload.sub).toBe(sub);
  });

  it('refuses a wrong password with NotAuthorizedError', async () => {
    const username = uniqueName('user');
    await local.createUser(pool.userPoolId, { username, password: PASSWORD });
    const error = await expectAuthError(
      signInWithPassword(pool.config, { username, password: new Secret('wrong-Passw0rd!'), authFlowType: 'USER_PASSWORD_AUTH' }),
      'NotAuthorizedError',
    );
    // cognito-local answers InvalidPasswordException where Cognito answers NotAuthorizedException.
    expect(error.serviceErrorName).toBe('InvalidPasswordException');
  });

  it('refuses an unknown user with NotAuthorizedError (cognito-local answers NotAuthorizedException)', async () => {
    const error = await expectAuthError(
      signInWithPassword(pool.config, { username: 'nobody-here', password: new Secret(PASSWORD), authFlowType: 'USER_PASSWORD_AUTH' }),
      'NotAuthorizedError',
    );
    expect(error.serviceErrorName).toBe('NotAuthorizedException');
  });

  it('refuses challenges it does not answer yet, naming the challenge', async () => {
    let challengeNow = '';
    const challenges = ['MFA_SETUP', 'CUSTOM_CHALLENGE', 'DEVICE_SRP_AUTH', 'PASSWORD_VERIFIER'];
    await withStub(
      () => ({ status: 200, body: { ChallengeName: challengeNow, Session: 'stub-session', ChallengeParameters: {} } }),
      async (config) => {
        for (challengeNow of challenges) {
          const error = await expectAuthError(
            signInWithPassword(config, { username: 'someone', password: new Secret(PASSWORD), authFlowType: 'USER_PASSWORD_AUTH' }),
            'NotAuthorizedError',
          );
          expect(error.message).toContain(challengeNow);
          expect(error.message).toContain('not supported yet');
        }
      },
    );
  });

  it('reads the MFA challenges into sign-in steps, keeping the session masked', async () => {
    const answers: Record<string, { parameters: Record<string, string>; step: unknown }> = {
      SMS_MFA: {
        parameters: { CODE_DELIVERY_DELIVERY_MEDIUM: 'SMS', CODE_DELIVERY_DESTINATION: '+*******0123' },
        step: {
          signInStep: 'CONFIRM_SIGN_IN_WITH_SMS_CODE',
          codeDeliveryDetails: { deliveryMedium: 'SMS', destination: '+*******0123', attributeName: 'phone_number' },
        },
      },
      EMAIL_OTP: {
        parameters: { CODE_DELIVERY_DELIVERY_MEDIUM: 'EMAIL', CODE_DELIVERY_DESTINATION: 's***@e***' },
        step: {
          signInStep: 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE',
          codeDeliveryDetails: { deliveryMedium: 'EMAIL', destination: 's***@e***', attributeName: 'email' },
        },
      },
      SOFTWARE_TOKEN_MFA: { parameters: {}, step: { signInStep: 'CONFIRM_SIGN_IN_WITH_TOTP_CODE' } },
      SELECT_MFA_TYPE: {
        parameters: { MFAS_CAN_CHOOSE: '["SOFTWARE_TOKEN_MFA","EMAIL_OTP"]' },
        step: { signInStep: 'CONTINUE_SIGN_IN_WITH_MFA_SELECTION', allowedMFATypes: ['TOTP', 'EMAIL'] },
      },
    };
    let challengeNow = '';
    await withStub(
      () => ({ status: 200, body: { ChallengeName: challengeNow, Session: 'stub-session', ChallengeParameters: answers[challengeNow]!.parameters } }),
      async (config) => {
        for (challengeNow of Object.keys(answers)) {
          const result = await signInWithPassword(config, { username: 'someone', password: new Secret(PASSWORD), authFlowType: 'USER_PASSWORD_AUTH' });
          expect(result).toMatchObject({ kind: 'mfaRequired', challengeName: challengeNow, username: 'someone', step: answers[challengeNow]!.step });
          if (result.kind !== 'mfaRequired') throw new Error('expected mfaRequired');
          expect(JSON.stringify(result)).not.toContain('stub-session');
          expect(result.session.reveal()).toBe('stub-session');
        }
      },
    );
  });

  it('uses ExpiresIn when Cognito sends it', async () => {
    const { result } = await signedInUser();
    if (result.kind !== 'signedIn') throw new Error('expected signedIn');
    const answer = {
      AuthenticationResult: {
        IdToken: result.tokens.idToken.reveal(),
        AccessToken: result.tokens.accessToken.reveal(),
        RefreshToken: 'stub-refresh-token',
        ExpiresIn: 300,
        TokenType: 'Bearer',
      },
      ChallengeParameters: {},
    };
    secretsSeen.add('stub-refresh-token');
    const step = await withStub(
      () => ({ status: 200, body: answer }),
      (config) => signInWithPassword(config, { username: 'someone', password: new Secret(PASSWORD), authFlowType: 'USER_PASSWORD_AUTH' }, undefined, now),
    );
    expect(step.kind === 'signedIn' && step.tokens.expiration).toBe(NOW + 300 * 1000);
    expect(step.kind === 'signedIn' && step.tokens.refreshToken?.reveal()).toBe('stub-refresh-token');
  });
});

describe('completeNewPassword', () => {
  it('answers NEW_PASSWORD_REQUIRED for a user created with a temporary password, then signs in', async () => {
    const username = uniqueName('newbie');
    const { sub } = await local.createUser(pool.userPoolId, { username, password: PASSWORD, permanent: false });

    const first = remember(await signInWithPassword(pool.config, { username, password: new Secret(PASSWORD), authFlowType: 'USER_PASSWORD_AUTH' }));
    expect(first.kind).toBe('newPasswordRequired');
    if (first.kind !== 'newPasswordRequired') return;
    expect(first.username).toBe(username);
    expect(first.session).toBeInstanceOf(Secret);

    const second = remember(
      await completeNewPassword(
        pool.config,
        { username: first.username, session: first.session, newPassword: new Secret(NEW_PASSWORD) },
        undefined,
        now,
      ),
    );
    expect(second).toMatchObject({ kind: 'signedIn', username, userId: sub });
    if (second.kind !== 'signedIn') return;
    expect(second.tokens.expiration).toBe(NOW + 3600 * 1000);

    // The new password is permanent now; the temporary one is gone.
    const again = remember(await signInWithPassword(pool.config, { username, password: new Secret(NEW_PASSWORD), authFlowType: 'USER_PASSWORD_AUTH' }));
    expect(again.kind).toBe('signedIn');
    await expectAuthError(signInWithPassword(pool.config, { username, password: new Secret(PASSWORD), authFlowType: 'USER_PASSWORD_AUTH' }), 'NotAuthorizedError');

    // The refresh token from the challenge answer works (the support server stores it; see cognitoLocal.ts).
    const refreshed = await refreshUserPoolTokens(pool.config, { refreshToken: second.tokens.refreshToken!, username });
    expect(userFromIdToken(refreshed.idToken)).toEqual({ username, userId: sub });
  });
});

describe('refreshUserPoolTokens', () => {
  it('returns new id and access tokens and keeps the refresh token Cognito did not replace', async () => {
    const { username, sub, result } = await signedInUser();
    if (result.kind !== 'signedIn') throw new Error('expected signedIn');
    const later = NOW + 60_000;
    const refreshed = await refreshUserPoolTokens(
      pool.config,
      { refreshToken: result.tokens.refreshToken!, username },
      undefined,
      () => later,
    );
    secretsSeen.add(refreshed.idToken.reveal()).add(refreshed.accessToken.reveal());
    expect(refreshed.idToken.reveal()).not.toBe(result.tokens.idToken.reveal());
    expect(refreshed.accessToken.reveal()).not.toBe(result.tokens.accessToken.reveal());
    expect(refreshed.refreshToken).toBe(result.tokens.refreshToken);
    expect(refreshed.expiration).toBe(later + 3600 * 1000);
    expect(userFromIdToken(refreshed.idToken)).toEqual({ username, userId: sub });
  });

  it('refuses an unknown refresh token with NotAuthorizedError', async () => {
    await expectAuthError(
      refreshUserPoolTokens(pool.config, { refreshToken: new Secret('not-a-refresh-token'), username: 'x' }),
      'NotAuthorizedError',
    );
    secretsSeen.add('not-a-refresh-token');
  });
});

describe('globalSignOut', () => {
  it('revokes the refresh tokens and the access token used', async () => {
    const { username, result } = await signedInUser();
    if (result.kind !== 'signedIn') throw new Error('expected signedIn');
    await expect(globalSignOut(pool.config, { accessToken: result.tokens.accessToken })).resolves.toBeUndefined();

    const refreshError = await expectAuthError(
      refreshUserPoolTokens(pool.config, { refreshToken: result.tokens.refreshToken!, username }),
      'NotAuthorizedError',
    );
    expect(refreshError.serviceErrorName).toBe('NotAuthorizedException');
    await expectAuthError(globalSignOut(pool.config, { accessToken: result.tokens.accessToken }), 'NotAuthorizedError');

    // Signing in again gives a session that works.
    const again = remember(await signInWithPassword(pool.config, { username, password: new Secret(PASSWORD), authFlowType: 'USER_PASSWORD_AUTH' }));
    if (again.kind !== 'signedIn') throw new Error('expected signedIn');
    await refreshUserPoolTokens(pool.config, { refreshToken: again.tokens.refreshToken!, username });
  });

  it('refuses a forged access token with NotAuthorizedError', async () => {
    const forged = unsignedJwt({ sub: 'x', username: 'x', token_use: 'access', iss: pool.issuer });
    secretsSeen.add(forged.reveal());
    await expectAuthError(globalSignOut(pool.config, { accessToken: forged }), 'NotAuthorizedError');
  });

  it('shows what plain cognito-local 5.3.0 does: GlobalSignOut unsupported, challenge refresh tokens unusable', async () => {
    const plain = await startCognitoLocal({ emulateGlobalSignOut: false, storeChallengeRefreshTokens: false });
    try {
      const plainPool = await plain.createUserPool();
      const username = uniqueName('plain');
      await plain.createUser(plainPool.userPoolId, { username, password: PASSWORD, permanent: false });
      const first = remember(await signInWithPassword(plainPool.config, { username, password: new Secret(PASSWORD), authFlowType: 'USER_PASSWORD_AUTH' }));
      if (first.kind !== 'newPasswordRequired') throw new Error('expected newPasswordRequired');
      const second = remember(
        await completeNewPassword(plainPool.config, { username, session: first.session, newPassword: new Secret(NEW_PASSWORD) }),
      );
      if (second.kind !== 'signedIn') throw new Error('expected signedIn');

      const signOutError = await expectAuthError(
        globalSignOut(plainPool.config, { accessToken: second.tokens.accessToken }),
        'ServiceError',
      );
      expect(signOutError.serviceErrorName).toBe('Unsupported');
      await expectAuthError(
        refreshUserPoolTokens(plainPool.config, { refreshToken: second.tokens.refreshToken!, username }),
        'NotAuthorizedError',
      );
    } finally {
      await plain.close();
    }
  });
});

describe('cancellation', () => {
  it('refuses to start with an aborted signal', async () => {
    const controller = new AbortController();
    controller.abort();
    await expectAuthError(
      signInWithPassword(pool.config, { username: 'someone', password: new Secret(PASSWORD), authFlowType: 'USER_PASSWORD_AUTH' }, controller.signal),
      'CancelledError',
    );
    await expectAuthError(
      refreshUserPoolTokens(pool.config, { refreshToken: new Secret('r'), username: 'someone' }, controller.signal),
      'CancelledError',
    );
    await expectAuthError(globalSignOut(pool.config, { accessToken: new Secret('a') }, controller.signal), 'CancelledError');
  });

  it('cancels a call in flight', async () => {
    await withStub(
      () => 'hang',
      async (config) => {
        const controller = new AbortController();
        const started = Date.now();
        const pending = signInWithPassword(config, { username: 'someone', password: new Secret(PASSWORD), authFlowType: 'USER_PASSWORD_AUTH' }, controller.signal);
        setTimeout(() => controller.abort(), 50);
        await expectAuthError(pending, 'CancelledError');
        expect(Date.now() - started).toBeLessThan(5_000);

        const refreshController = new AbortController();
        const refreshing = refreshUserPoolTokens(
          config,
          { refreshToken: new Secret('stub-refresh'), username: 'someone' },
          refreshController.signal,
        );
        setTimeout(() => refreshController.abort(), 50);
        await expectAuthError(refreshing, 'CancelledError');
      },
    );
  });
});

describe('userFromIdToken', () => {
  it('falls back to the username claim, then to sub', () => {
    expect(userFromIdToken(unsignedJwt({ sub: 's1', 'cognito:username': 'u1', username: 'other' }))).toEqual({
      username: 'u1',
      userId: 's1',
    });
    expect(userFromIdToken(unsignedJwt({ sub: 's2', username: 'u2' }))).toEqual({ username: 'u2', userId: 's2' });
    expect(userFromIdToken(unsignedJwt({ sub: 's3' }))).toEqual({ username: 's3', userId: 's3' });
  });

  it('refuses a token that is not a JWT with a subject', () => {
    for (const token of [new Secret('not-a-jwt'), unsignedJwt({ username: 'no-sub' })]) {
      let caught: unknown;
      try {
        userFromIdToken(token);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(AuthError);
      expect((caught as AuthError).name).toBe('NotAuthorizedError');
      errorsSeen.push(caught as AuthError);
    }
  });
});

describe('errors', () => {
  it('never show a password, session or token', () => {
    expect(errorsSeen.length).toBeGreaterThan(10);
    const secrets = [...secretsSeen].filter((secret) => secret.length >= 6);
    for (const error of errorsSeen) {
      const renderings = [error.message, String(error), JSON.stringify(error), inspect(error, { depth: 6 })];
      for (const rendering of renderings) {
        for (const secret of secrets) expect(rendering).not.toContain(secret);
      }
    }
  });
});
