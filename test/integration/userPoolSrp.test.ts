/**
 * User-pool sign-in with SRP (`signIn({ …, options: { authFlowType: 'USER_SRP_AUTH' } })`) end to end,
 * against the emulator's user pool over HTTP: the emulator checks the claim as Cognito does, and its
 * identity pool verifies the id token the library then federates.
 */
import {
  AdminCreateUserCommand,
  AdminSetUserMFAPreferenceCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { decodeJwt } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';
import { AuthError, createAuth, type Auth, type AuthErrorName } from '../../src/index.js';
import { errorRenderings } from '../support/renderings.js';

const PASSWORD = 'Srp-Passw0rd-Alpha!';
const TEMPORARY_PASSWORD = 'Temp-Passw0rd-Bravo!';
const NEW_PASSWORD = 'Fresh-Passw0rd-Charlie!';
const WRONG_PASSWORD = 'Wrong-Passw0rd-Delta!';
const SRP = { authFlowType: 'USER_SRP_AUTH' } as const;

let emu: EmulatorHandle;
let admin: CognitoIdentityProviderClient;
let userCount = 0;
let live: Auth[] = [];

/** Bodies of every request the library sent to the emulator, oldest first. */
let sent: string[] = [];
const realFetch = globalThis.fetch;

beforeAll(async () => {
  emu = await startEmulator();
  admin = new CognitoIdentityProviderClient({ endpoint: emu.endpoint, region: emu.region, credentials: emu.developerCredentials, maxAttempts: 1 });
});

afterAll(async () => {
  admin.destroy();
  await emu.close();
});

afterEach(() => {
  for (const auth of live) auth.stop();
  live = [];
  sent = [];
  vi.restoreAllMocks();
});

function recordRequests(): void {
  vi.spyOn(globalThis, 'fetch').mockImplementation((input, init) => {
    if (typeof init?.body === 'string') sent.push(init.body);
    return realFetch(input, init);
  });
}

/** The operations (with the flow or challenge) of the user-pool requests sent, in order. */
function userPoolSteps(): string[] {
  return sent.flatMap((body) => {
    const parsed = JSON.parse(body) as { AuthFlow?: string; ChallengeName?: string };
    if (parsed.AuthFlow) return [`InitiateAuth:${parsed.AuthFlow}`];
    if (parsed.ChallengeName) return [`RespondToAuthChallenge:${parsed.ChallengeName}`];
    return [];
  });
}

async function newUser(options: { permanent?: boolean; attributes?: Record<string, string>; name?: string } = {}): Promise<string> {
  userCount += 1;
  const username = options.name ?? `srpuser${userCount}`;
  await admin.send(
    new AdminCreateUserCommand({
      UserPoolId: emu.userPoolId,
      Username: username,
      MessageAction: 'SUPPRESS',
      UserAttributes: Object.entries(options.attributes ?? {}).map(([Name, Value]) => ({ Name, Value })),
    }),
  );
  const permanent = options.permanent ?? true;
  await admin.send(
    new AdminSetUserPasswordCommand({
      UserPoolId: emu.userPoolId,
      Username: username,
      Password: permanent ? PASSWORD : TEMPORARY_PASSWORD,
      Permanent: permanent,
    }),
  );
  return username;
}

function newAuth(userPoolClientId = emu.userPoolClientId): Auth {
  const auth = createAuth({
    region: emu.region,
    identityPoolId: emu.identityPoolId,
    userPool: { userPoolId: emu.userPoolId, userPoolClientId },
    endpoints: { identityPool: emu.endpoint, userPool: emu.endpoint },
  });
  live.push(auth);
  return auth;
}

async function failure(promise: Promise<unknown>): Promise<AuthError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AuthError);
    return error as AuthError;
  }
  throw new Error('expected the call to fail');
}

function expectNoSecretIn(error: unknown, secrets: string[]): void {
  for (const [label, text] of errorRenderings('error', error)) {
    for (const secret of secrets) expect(text.includes(secret), `${label} holds a secret`).toBe(false);
  }
}

function stateOf(auth: Auth): string {
  return JSON.stringify(auth.actor.getSnapshot().value);
}

describe('signIn with USER_SRP_AUTH against the emulator', () => {
  it('signs in without sending the password, then fetchAuthSession gives tokens and identity-pool credentials', async () => {
    const username = await newUser();
    const auth = newAuth();
    recordRequests();

    await expect(auth.signIn({ username, password: PASSWORD, options: SRP })).resolves.toEqual({
      isSignedIn: true,
      nextStep: { signInStep: 'DONE' },
    });
    expect(userPoolSteps()).toEqual(['InitiateAuth:USER_SRP_AUTH', 'RespondToAuthChallenge:PASSWORD_VERIFIER']);
    for (const body of sent) expect(body.includes(PASSWORD)).toBe(false);
    const [initiate, answer] = sent.map((body) => JSON.parse(body) as Record<string, Record<string, string>>);
    expect(initiate!.AuthParameters).toEqual({ USERNAME: username, SRP_A: expect.stringMatching(/^[0-9a-f]+$/) });
    expect(answer!.ChallengeResponses).toEqual({
      USERNAME: username,
      PASSWORD_CLAIM_SECRET_BLOCK: expect.any(String),
      PASSWORD_CLAIM_SIGNATURE: expect.stringMatching(/^[A-Za-z0-9+/]{43}=$/),
      TIMESTAMP: expect.stringMatching(/^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) [A-Z][a-z]{2} \d{1,2} \d{2}:\d{2}:\d{2} UTC \d{4}$/),
    });

    const session = await auth.fetchAuthSession();
    expect(session.isSignedIn).toBe(true);
    expect(decodeJwt(session.tokens!.idToken)).toMatchObject({
      iss: `https://cognito-idp.${emu.region}.amazonaws.com/${emu.userPoolId}`,
      'cognito:username': username,
      token_use: 'id',
    });
    expect(session.identityId).toMatch(new RegExp(`^${emu.region}:[0-9a-f-]+$`));
    expect(session.credentials?.accessKeyId).toBeTypeOf('string');
    expect(session.credentials?.expiration.getTime()).toBeGreaterThan(Date.now());
    // The id token was federated under the user pool's login key.
    const getId = emu.calls().filter((call) => call.operation === 'GetId');
    expect(getId.at(-1)?.loginKeys).toEqual([`cognito-idp.${emu.region}.amazonaws.com/${emu.userPoolId}`]);
    await expect(auth.getCurrentUser()).resolves.toMatchObject({ username });
  });

  it('signs in with USER_SRP_AUTH without the option, and with USER_PASSWORD_AUTH when asked', async () => {
    const username = await newUser();
    recordRequests();
    const byDefault = newAuth();
    await expect(byDefault.signIn({ username, password: PASSWORD })).resolves.toMatchObject({ isSignedIn: true });
    const explicit = newAuth();
    await expect(
      explicit.signIn({ username, password: PASSWORD, options: { authFlowType: 'USER_PASSWORD_AUTH' } }),
    ).resolves.toMatchObject({ isSignedIn: true });
    expect(userPoolSteps()).toEqual(['InitiateAuth:USER_SRP_AUTH', 'RespondToAuthChallenge:PASSWORD_VERIFIER', 'InitiateAuth:USER_PASSWORD_AUTH']);
  });

  it('signs in users whose name and password are not ASCII', async () => {
    const password = 'Grüße-Пароль-密码-1!';
    const username = await newUser({ name: `zoë-用户${userCount + 1}` });
    await admin.send(new AdminSetUserPasswordCommand({ UserPoolId: emu.userPoolId, Username: username, Password: password, Permanent: true }));
    const auth = newAuth();
    recordRequests();
    await expect(auth.signIn({ username, password, options: SRP })).resolves.toMatchObject({ isSignedIn: true });
    expect(userPoolSteps()).toEqual(['InitiateAuth:USER_SRP_AUTH', 'RespondToAuthChallenge:PASSWORD_VERIFIER']);
  });

  it('rejects a wrong password with NotAuthorizedError and stays signed out; the right one then works', async () => {
    const username = await newUser();
    const auth = newAuth();
    recordRequests();
    const error = await failure(auth.signIn({ username, password: WRONG_PASSWORD, options: SRP }));
    expect(error.name).toBe('NotAuthorizedError' satisfies AuthErrorName);
    // Refused at the password claim, not at the start.
    expect(userPoolSteps()).toEqual(['InitiateAuth:USER_SRP_AUTH', 'RespondToAuthChallenge:PASSWORD_VERIFIER']);
    expectNoSecretIn(error, [WRONG_PASSWORD, PASSWORD]);
    expect(stateOf(auth)).toContain('signedOut');
    await expect(auth.signIn({ username, password: PASSWORD, options: SRP })).resolves.toMatchObject({ isSignedIn: true });
  });

  it('rejects an unknown user with NotAuthorizedError', async () => {
    const auth = newAuth();
    const error = await failure(auth.signIn({ username: 'nobody-here', password: PASSWORD, options: SRP }));
    expect(error.name).toBe('NotAuthorizedError' satisfies AuthErrorName);
  });

  it('ends in the new-password step for a temporary password, which confirmSignIn answers', async () => {
    const username = await newUser({ permanent: false });
    const auth = newAuth();
    recordRequests();
    await expect(auth.signIn({ username, password: TEMPORARY_PASSWORD, options: SRP })).resolves.toEqual({
      isSignedIn: false,
      nextStep: { signInStep: 'CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED' },
    });
    await expect(auth.confirmSignIn({ challengeResponse: NEW_PASSWORD })).resolves.toEqual({
      isSignedIn: true,
      nextStep: { signInStep: 'DONE' },
    });
    expect(userPoolSteps()).toEqual([
      'InitiateAuth:USER_SRP_AUTH',
      'RespondToAuthChallenge:PASSWORD_VERIFIER',
      'RespondToAuthChallenge:NEW_PASSWORD_REQUIRED',
    ]);
    await auth.signOut();
    await expect(auth.signIn({ username, password: NEW_PASSWORD, options: SRP })).resolves.toMatchObject({ isSignedIn: true });
  });

  it('stops at the second factor after the password claim, and its code signs in', async () => {
    const username = await newUser({ attributes: { phone_number: '+15555550123' } });
    await admin.send(
      new AdminSetUserMFAPreferenceCommand({
        UserPoolId: emu.userPoolId,
        Username: username,
        SMSMfaSettings: { Enabled: true, PreferredMfa: true },
      }),
    );
    const auth = newAuth();
    recordRequests();
    await expect(auth.signIn({ username, password: PASSWORD, options: SRP })).resolves.toMatchObject({
      isSignedIn: false,
      nextStep: { signInStep: 'CONFIRM_SIGN_IN_WITH_SMS_CODE' },
    });
    expect(userPoolSteps()).toEqual(['InitiateAuth:USER_SRP_AUTH', 'RespondToAuthChallenge:PASSWORD_VERIFIER']);
    const code = emu.messages({ username, channel: 'SMS' }).at(-1)?.code as string;
    await expect(auth.confirmSignIn({ challengeResponse: code })).resolves.toMatchObject({ isSignedIn: true });
    expect(userPoolSteps().at(-1)).toBe('RespondToAuthChallenge:SMS_MFA');
  });

  it('works with an app client that allows SRP only, where the password flow is refused', async () => {
    const { UserPoolClient } = await admin.send(
      new CreateUserPoolClientCommand({ UserPoolId: emu.userPoolId, ClientName: 'library-srp-only' }),
    );
    expect(UserPoolClient?.ExplicitAuthFlows).not.toContain('ALLOW_USER_PASSWORD_AUTH');
    const username = await newUser();

    const withPassword = newAuth(UserPoolClient!.ClientId);
    const error = await failure(withPassword.signIn({ username, password: PASSWORD, options: { authFlowType: 'USER_PASSWORD_AUTH' } }));
    // The emulator answers InvalidParameterException ("USER_PASSWORD_AUTH flow not enabled for this client").
    expect(error.name).toBe('ValidationError' satisfies AuthErrorName);
    expect(error.serviceErrorName).toBe('InvalidParameterException');
    expectNoSecretIn(error, [PASSWORD]);

    // The default flow is SRP.
    const withSrp = newAuth(UserPoolClient!.ClientId);
    await expect(withSrp.signIn({ username, password: PASSWORD })).resolves.toEqual({
      isSignedIn: true,
      nextStep: { signInStep: 'DONE' },
    });
  });
});
