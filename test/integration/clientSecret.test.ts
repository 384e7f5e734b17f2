/**
 * User-pool sign-in with an app client that has a secret (`userPool.userPoolClientSecret`): every
 * step and the refresh carry SECRET_HASH, checked by the emulator as Cognito does, over HTTP. The
 * secret never shows in an error, hub event or inspector event, and a bad one is refused by
 * createAuth before anything is sent.
 */
import { CognitoIdentityClient, CreateIdentityPoolCommand } from '@aws-sdk/client-cognito-identity';
import {
  AdminCreateUserCommand,
  AdminSetUserMFAPreferenceCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';
import { AuthError, createAuth, serializeInspectionEvent, type Auth, type AuthConfig } from '../../src/index.js';
import { errorRenderings, safeJson } from '../support/renderings.js';

const PASSWORD = 'Secret-Client-Passw0rd!';

let emu: EmulatorHandle;
let admin: CognitoIdentityProviderClient;
let client: { userPoolClientId: string; clientSecret: string; identityPoolId: string };
let users = 0;
let live: Auth[] = [];
let observed: unknown[] = [];

beforeAll(async () => {
  emu = await startEmulator();
  admin = new CognitoIdentityProviderClient({ endpoint: emu.endpoint, region: emu.region, credentials: emu.developerCredentials, maxAttempts: 1 });
  const { UserPoolClient } = await admin.send(
    new CreateUserPoolClientCommand({
      UserPoolId: emu.userPoolId,
      ClientName: 'server-app',
      GenerateSecret: true,
      ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
    }),
  );
  const userPoolClientId = UserPoolClient?.ClientId as string;
  const identityAdmin = new CognitoIdentityClient({ endpoint: emu.endpoint, region: emu.region, credentials: emu.developerCredentials, maxAttempts: 1 });
  const { IdentityPoolId } = await identityAdmin.send(
    new CreateIdentityPoolCommand({
      IdentityPoolName: 'server_app',
      AllowUnauthenticatedIdentities: false,
      CognitoIdentityProviders: [{ ProviderName: `cognito-idp.${emu.region}.amazonaws.com/${emu.userPoolId}`, ClientId: userPoolClientId }],
    }),
  );
  identityAdmin.destroy();
  client = { userPoolClientId, clientSecret: UserPoolClient?.ClientSecret as string, identityPoolId: IdentityPoolId as string };
  expect(client.clientSecret).toMatch(/^[a-z0-9]{20,}$/);
});

afterAll(async () => {
  admin.destroy();
  await emu.close();
});

afterEach(() => {
  for (const value of observed) {
    const text = `${safeJson(value)} ${inspect(value, { depth: null })}`;
    expect(text.includes(client.clientSecret), 'a hub or inspector event holds the client secret').toBe(false);
  }
  for (const auth of live) auth.stop();
  live = [];
  observed = [];
});

async function newUser(sms = false): Promise<string> {
  users += 1;
  const username = `secret-client-user-${users}`;
  await admin.send(
    new AdminCreateUserCommand({
      UserPoolId: emu.userPoolId,
      Username: username,
      MessageAction: 'SUPPRESS',
      UserAttributes: sms ? [{ Name: 'phone_number', Value: '+15555550199' }] : [],
    }),
  );
  await admin.send(new AdminSetUserPasswordCommand({ UserPoolId: emu.userPoolId, Username: username, Password: PASSWORD, Permanent: true }));
  if (sms) {
    await admin.send(
      new AdminSetUserMFAPreferenceCommand({ UserPoolId: emu.userPoolId, Username: username, SMSMfaSettings: { Enabled: true, PreferredMfa: true } }),
    );
  }
  return username;
}

function newAuth(secret: string | null = client.clientSecret): Auth {
  const auth = createAuth({
    region: emu.region,
    identityPoolId: client.identityPoolId,
    userPool: { userPoolId: emu.userPoolId, userPoolClientId: client.userPoolClientId, ...(secret ? { userPoolClientSecret: secret } : {}) },
    endpoints: { identityPool: emu.endpoint, userPool: emu.endpoint },
    inspect: (event) => observed.push(serializeInspectionEvent(event)),
  });
  auth.hub.listen('auth', (event) => observed.push(event));
  live.push(auth);
  return auth;
}

async function failure(promise: Promise<unknown>): Promise<AuthError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AuthError);
    for (const [label, text] of errorRenderings('error', error)) expect(text.includes(client.clientSecret), `${label} holds the client secret`).toBe(false);
    return error as AuthError;
  }
  throw new Error('expected the call to fail');
}

describe('an app client with a secret', () => {
  it('signs in with SRP, federates, refreshes the tokens and signs out, each step with SECRET_HASH', async () => {
    const username = await newUser();
    const auth = newAuth();
    await expect(auth.signIn({ username, password: PASSWORD })).resolves.toEqual({ isSignedIn: true, nextStep: { signInStep: 'DONE' } });
    expect((await auth.fetchAuthSession()).credentials?.accessKeyId).toBeTypeOf('string');
    emu.clearCalls();
    const refreshed = await auth.fetchAuthSession({ forceRefresh: true });
    expect(refreshed.tokens?.idToken).toBeTypeOf('string');
    expect(emu.calls().map((call) => `${call.operation}:${call.outcome}`)).toEqual(['InitiateAuth:success', 'GetCredentialsForIdentity:success']);
    await auth.signOut({ global: true });
  });

  it('signs in with USER_PASSWORD_AUTH and answers an SMS code with SECRET_HASH', async () => {
    const username = await newUser(true);
    const auth = newAuth();
    const started = await auth.signIn({ username, password: PASSWORD, options: { authFlowType: 'USER_PASSWORD_AUTH' } });
    expect(started.nextStep.signInStep).toBe('CONFIRM_SIGN_IN_WITH_SMS_CODE');
    const code = emu.messages({ username, channel: 'SMS' }).at(-1)?.code as string;
    await expect(auth.confirmSignIn({ challengeResponse: code })).resolves.toMatchObject({ isSignedIn: true });
  });

  it('without the secret, Cognito refuses the sign-in (NotAuthorizedError), and a wrong secret too', async () => {
    const username = await newUser();
    const missing = await failure(newAuth(null).signIn({ username, password: PASSWORD }));
    expect(missing.name).toBe('NotAuthorizedError');
    expect(missing.message).toMatch(/NotAuthorizedException/);
    const wrong = await failure(newAuth(`${client.clientSecret.slice(0, -1)}x`).signIn({ username, password: PASSWORD }));
    expect(wrong.name).toBe('NotAuthorizedError');
  });

  it('refuses a secret that cannot be one at createAuth, with a ValidationError that does not echo it', () => {
    const config = (userPoolClientSecret: unknown): AuthConfig =>
      ({
        region: emu.region,
        identityPoolId: client.identityPoolId,
        userPool: { userPoolId: emu.userPoolId, userPoolClientId: client.userPoolClientId, userPoolClientSecret },
      }) as AuthConfig;
    for (const bad of ['', 'has a space', 42, 'x'.repeat(257), 'line\nbreak']) {
      let caught: unknown;
      try {
        createAuth(config(bad)).stop();
      } catch (error) {
        caught = error;
      }
      expect(caught, `userPoolClientSecret ${JSON.stringify(bad)}`).toBeInstanceOf(AuthError);
      expect((caught as AuthError).name).toBe('ValidationError');
      if (typeof bad === 'string' && bad.length > 2) expect((caught as AuthError).message.includes(bad)).toBe(false);
    }
  });
});
