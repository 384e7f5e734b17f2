/**
 * An independent check of the emulator's SRP: AWS's own SRP client (amazon-cognito-identity-js,
 * over Node's fetch) signs in with USER_SRP_AUTH against the emulator over HTTP, including a
 * TOTP step and setting an authenticator up during sign-in.
 */
import { createHmac } from 'node:crypto';
import {
  AdminCreateUserCommand,
  AdminSetUserMFAPreferenceCommand,
  AdminSetUserPasswordCommand,
  AssociateSoftwareTokenCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  InitiateAuthCommand,
  SetUserPoolMfaConfigCommand,
  VerifySoftwareTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  AuthenticationDetails,
  CognitoUser,
  CognitoUserPool,
  type CognitoUserSession,
  type IAuthenticationCallback,
} from 'amazon-cognito-identity-js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';
import { srpTimestamp } from '../../emulator/userPool/srp.js';
import { totpFor } from './totp.js';

const PASSWORD = 'Srp-Passw0rd!';
let emu: EmulatorHandle;
let now = Date.now();
let admin: CognitoIdentityProviderClient;
let userCount = 0;
const realFetch = globalThis.fetch;

beforeAll(async () => {
  emu = await startEmulator({ now: () => now });
  admin = new CognitoIdentityProviderClient({ endpoint: emu.endpoint, region: emu.region, credentials: emu.developerCredentials, maxAttempts: 1 });
});

afterAll(async () => {
  admin.destroy();
  await emu.close();
});

beforeEach(() => {
  now += 60_000;
});

afterEach(() => {
  globalThis.fetch = realFetch;
});

async function newUser(userPoolId = emu.userPoolId): Promise<string> {
  userCount += 1;
  const username = `srp${userCount}`;
  await admin.send(new AdminCreateUserCommand({ UserPoolId: userPoolId, Username: username, MessageAction: 'SUPPRESS' }));
  await admin.send(new AdminSetUserPasswordCommand({ UserPoolId: userPoolId, Username: username, Password: PASSWORD, Permanent: true }));
  return username;
}

function cognitoUser(username: string, userPoolId = emu.userPoolId, clientId = emu.userPoolClientId): CognitoUser {
  const pool = new CognitoUserPool({ UserPoolId: userPoolId, ClientId: clientId, endpoint: emu.endpoint });
  return new CognitoUser({ Username: username, Pool: pool });
}

type Outcome =
  | { kind: 'success'; session: CognitoUserSession }
  | { kind: 'failure'; error: { code?: string; name?: string; message: string } }
  | { kind: 'totpRequired' }
  | { kind: 'mfaSetup' }
  | { kind: 'newPasswordRequired'; userAttributes: Record<string, string> };

/** Runs authenticateUser and resolves with where it stopped. */
function authenticate(user: CognitoUser, password = PASSWORD): Promise<Outcome> {
  return new Promise((resolve) => {
    user.authenticateUser(new AuthenticationDetails({ Username: user.getUsername(), Password: password }), callbacks(resolve));
  });
}

function callbacks(resolve: (outcome: Outcome) => void): IAuthenticationCallback {
  return {
    onSuccess: (session) => resolve({ kind: 'success', session }),
    onFailure: (error: { code?: string; name?: string; message: string }) => resolve({ kind: 'failure', error }),
    totpRequired: () => resolve({ kind: 'totpRequired' }),
    mfaSetup: () => resolve({ kind: 'mfaSetup' }),
    newPasswordRequired: (userAttributes: Record<string, string>) => resolve({ kind: 'newPasswordRequired', userAttributes }),
  };
}

/** Changes the PASSWORD_VERIFIER answer on its way to the emulator. */
function tamperPasswordVerifier(change: (responses: Record<string, string>) => void): void {
  globalThis.fetch = (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const target = new Headers(init?.headers).get('x-amz-target');
    if (target === 'AWSCognitoIdentityProviderService.RespondToAuthChallenge' && typeof init?.body === 'string') {
      const body = JSON.parse(init.body) as { ChallengeName: string; ChallengeResponses: Record<string, string> };
      if (body.ChallengeName === 'PASSWORD_VERIFIER') {
        change(body.ChallengeResponses);
        return realFetch(input, { ...init, body: JSON.stringify(body) });
      }
    }
    return realFetch(input, init);
  }) as typeof fetch;
}

/** Adds the SECRET_HASH a client with a secret needs (amazon-cognito-identity-js has no secrets). */
function addSecretHash(clientId: string, clientSecret: string): void {
  globalThis.fetch = (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    if (typeof init?.body !== 'string') return realFetch(input, init);
    const body = JSON.parse(init.body) as { AuthParameters?: Record<string, string>; ChallengeResponses?: Record<string, string> };
    const parameters = body.AuthParameters ?? body.ChallengeResponses;
    if (parameters?.['USERNAME']) {
      parameters['SECRET_HASH'] = createHmac('sha256', clientSecret).update(parameters['USERNAME'] + clientId).digest('base64');
    }
    return realFetch(input, { ...init, body: JSON.stringify(body) });
  }) as typeof fetch;
}

describe('USER_SRP_AUTH with amazon-cognito-identity-js', () => {
  it('signs in and gets a session the client itself finds valid', async () => {
    const username = await newUser();
    const outcome = await authenticate(cognitoUser(username));
    expect(outcome.kind).toBe('success');
    const session = (outcome as { session: CognitoUserSession }).session;
    expect(session.isValid()).toBe(true);
    expect(session.getIdToken().decodePayload()['cognito:username']).toBe(username);
    expect(session.getAccessToken().decodePayload()['token_use']).toBe('access');
    expect(session.getRefreshToken().getToken()).toBeTypeOf('string');
    // The first request was SRP, not a password sent in the clear.
    const operations = emu.calls().map((call) => call.operation);
    expect(operations.slice(-2)).toEqual(['InitiateAuth', 'RespondToAuthChallenge']);
  });

  it('asks a user with a temporary password for a new one after SRP, and takes it', async () => {
    userCount += 1;
    const username = `srptemp${userCount}`;
    await admin.send(
      new AdminCreateUserCommand({
        UserPoolId: emu.userPoolId,
        Username: username,
        TemporaryPassword: 'Temp0rary-pass!',
        MessageAction: 'SUPPRESS',
        UserAttributes: [{ Name: 'email', Value: 'srp@example.com' }],
      }),
    );
    const user = cognitoUser(username);
    expect(await authenticate(user, 'Temp0rary-pass!')).toEqual({
      kind: 'newPasswordRequired',
      userAttributes: { email: 'srp@example.com' },
    });
    const outcome = await new Promise<Outcome>((resolve) => user.completeNewPasswordChallenge(PASSWORD, {}, callbacks(resolve)));
    expect(outcome.kind).toBe('success');
    expect((await authenticate(cognitoUser(username))).kind).toBe('success');
  });

  it('refuses a wrong password with NotAuthorizedException', async () => {
    const username = await newUser();
    const outcome = await authenticate(cognitoUser(username), 'Wr0ng-Passw0rd!');
    expect(outcome).toMatchObject({ kind: 'failure', error: { code: 'NotAuthorizedException', message: 'Incorrect username or password.' } });
  });

  it('refuses an unknown user with UserNotFoundException', async () => {
    const outcome = await authenticate(cognitoUser('nobody-at-all'));
    expect(outcome).toMatchObject({ kind: 'failure', error: { code: 'UserNotFoundException' } });
  });

  it('refuses a tampered claim signature with NotAuthorizedException', async () => {
    const username = await newUser();
    tamperPasswordVerifier((responses) => {
      const signature = Buffer.from(responses['PASSWORD_CLAIM_SIGNATURE'] as string, 'base64');
      signature[0] = (signature[0] as number) ^ 1;
      responses['PASSWORD_CLAIM_SIGNATURE'] = signature.toString('base64');
    });
    const outcome = await authenticate(cognitoUser(username));
    expect(outcome).toMatchObject({ kind: 'failure', error: { code: 'NotAuthorizedException' } });
  });

  it('refuses a TIMESTAMP not in Cognito’s format with InvalidParameterException', async () => {
    const username = await newUser();
    tamperPasswordVerifier((responses) => {
      responses['TIMESTAMP'] = new Date().toISOString();
    });
    const outcome = await authenticate(cognitoUser(username));
    expect(outcome).toMatchObject({ kind: 'failure', error: { code: 'InvalidParameterException' } });
  });

  it('checks SECRET_HASH on both SRP steps for a client with a secret', async () => {
    const { UserPoolClient } = await admin.send(
      new CreateUserPoolClientCommand({ UserPoolId: emu.userPoolId, ClientName: 'srp-secret', GenerateSecret: true }),
    );
    const clientId = UserPoolClient?.ClientId as string;
    const username = await newUser();
    expect(await authenticate(cognitoUser(username, emu.userPoolId, clientId))).toMatchObject({
      kind: 'failure',
      error: { code: 'NotAuthorizedException', message: `Client ${clientId} is configured with secret but SECRET_HASH was not received` },
    });
    addSecretHash(clientId, 'not-the-secret');
    expect(await authenticate(cognitoUser(username, emu.userPoolId, clientId))).toMatchObject({
      kind: 'failure',
      error: { code: 'NotAuthorizedException', message: `Unable to verify secret hash for client ${clientId}` },
    });
    addSecretHash(clientId, UserPoolClient?.ClientSecret as string);
    expect((await authenticate(cognitoUser(username, emu.userPoolId, clientId))).kind).toBe('success');
    const steps = emu.calls().slice(-2);
    expect(steps.map((call) => [call.operation, call.outcome])).toEqual([
      ['InitiateAuth', 'success'],
      ['RespondToAuthChallenge', 'success'],
    ]);
  });

  it('writes the TIMESTAMP as Cognito does, day unpadded', () => {
    expect(srpTimestamp(Date.UTC(2026, 10, 26, 11, 28, 0))).toBe('Thu Nov 26 11:28:00 UTC 2026');
    expect(srpTimestamp(Date.UTC(2026, 0, 5, 9, 3, 7))).toBe('Mon Jan 5 09:03:07 UTC 2026');
  });

  it('answers a SOFTWARE_TOKEN_MFA challenge with a TOTP code', async () => {
    const username = await newUser();
    const client = new CognitoIdentityProviderClient({ endpoint: emu.endpoint, region: emu.region, maxAttempts: 1 });
    const signedIn = await client.send(
      new InitiateAuthCommand({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: emu.userPoolClientId, AuthParameters: { USERNAME: username, PASSWORD } }),
    );
    const accessToken = signedIn.AuthenticationResult?.AccessToken as string;
    const { SecretCode } = await client.send(new AssociateSoftwareTokenCommand({ AccessToken: accessToken }));
    await client.send(new VerifySoftwareTokenCommand({ AccessToken: accessToken, UserCode: totpFor(SecretCode as string, now) }));
    await admin.send(
      new AdminSetUserMFAPreferenceCommand({ UserPoolId: emu.userPoolId, Username: username, SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true } }),
    );
    client.destroy();
    now += 30_000;

    const user = cognitoUser(username);
    expect(await authenticate(user)).toEqual({ kind: 'totpRequired' });
    const outcome = await new Promise<Outcome>((resolve) =>
      user.sendMFACode(totpFor(SecretCode as string, now), callbacks(resolve), 'SOFTWARE_TOKEN_MFA'),
    );
    expect(outcome.kind).toBe('success');
  });

  it('sets an authenticator up during sign-in when the pool requires MFA', async () => {
    const { UserPool } = await admin.send(new CreateUserPoolCommand({ PoolName: 'srp-mfa' }));
    const userPoolId = UserPool?.Id as string;
    await admin.send(new SetUserPoolMfaConfigCommand({ UserPoolId: userPoolId, MfaConfiguration: 'ON', SoftwareTokenMfaConfiguration: { Enabled: true } }));
    const { UserPoolClient } = await admin.send(new CreateUserPoolClientCommand({ UserPoolId: userPoolId, ClientName: 'srp-app' }));
    const username = await newUser(userPoolId);
    const user = cognitoUser(username, userPoolId, UserPoolClient?.ClientId);

    expect(await authenticate(user)).toEqual({ kind: 'mfaSetup' });
    const secret = await new Promise<string>((resolve, reject) =>
      user.associateSoftwareToken({ associateSecretCode: resolve, onFailure: reject }),
    );
    const outcome = await new Promise<Outcome>((resolve) =>
      user.verifySoftwareToken(totpFor(secret, now), 'emulator test', callbacks(resolve)),
    );
    expect(outcome.kind).toBe('success');

    // The next sign-in asks for that authenticator.
    now += 30_000;
    const again = cognitoUser(username, userPoolId, UserPoolClient?.ClientId);
    expect(await authenticate(again)).toEqual({ kind: 'totpRequired' });
    const second = await new Promise<Outcome>((resolve) =>
      again.sendMFACode(totpFor(secret, now), callbacks(resolve), 'SOFTWARE_TOKEN_MFA'),
    );
    expect(second.kind).toBe('success');
  });
});
