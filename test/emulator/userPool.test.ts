/**
 * The user-pool half, driven by the real AWS SDK client (`client-cognito-identity-provider`):
 * admin operations signed with the developer credentials, the public sign-in flows unsigned,
 * codes read back through the admin API, and the id token federated into the identity-pool half.
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
  GetUserCommand,
  GlobalSignOutCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  RevokeTokenCommand,
  SetUserPoolMfaConfigCommand,
  VerifySoftwareTokenCommand,
  type AuthenticationResultType,
} from '@aws-sdk/client-cognito-identity-provider';
import { CreateIdentityPoolCommand, GetCredentialsForIdentityCommand, GetIdCommand } from '@aws-sdk/client-cognito-identity';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';
import { expectSdkError, jwtPayload, publicClient, signedClient } from './helpers.js';
import { totpFor } from './totp.js';

const PASSWORD = 'Corr3ct-horse!';
let emu: EmulatorHandle;
/** The emulator's clock: tests move it to step TOTP windows and expire sessions. */
let now = Date.now();
let admin: CognitoIdentityProviderClient;
let client: CognitoIdentityProviderClient;
let userCount = 0;

beforeAll(async () => {
  emu = await startEmulator({ now: () => now });
  admin = new CognitoIdentityProviderClient({
    endpoint: emu.endpoint,
    region: emu.region,
    credentials: emu.developerCredentials,
    maxAttempts: 1,
  });
  client = new CognitoIdentityProviderClient({
    endpoint: emu.endpoint,
    region: emu.region,
    maxAttempts: 1,
    // Public operations are unsigned; the SDK still wants some credentials object to exist.
    credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' },
  });
});

afterAll(async () => {
  admin.destroy();
  client.destroy();
  await emu.close();
});

beforeEach(() => {
  // A fresh TOTP window for every test, so no code counts as already used.
  now += 60_000;
});

/** A user in a pool with a permanent password and the given attributes. */
async function newUser(
  attributes: Record<string, string> = {},
  options: { userPoolId?: string; permanent?: boolean } = {},
): Promise<string> {
  userCount += 1;
  const username = `user${userCount}`;
  const UserPoolId = options.userPoolId ?? emu.userPoolId;
  await admin.send(
    new AdminCreateUserCommand({
      UserPoolId,
      Username: username,
      MessageAction: 'SUPPRESS',
      UserAttributes: Object.entries(attributes).map(([Name, Value]) => ({ Name, Value })),
    }),
  );
  await admin.send(
    new AdminSetUserPasswordCommand({ UserPoolId, Username: username, Password: PASSWORD, Permanent: options.permanent ?? true }),
  );
  return username;
}

function passwordAuth(username: string, password = PASSWORD, clientId = emu.userPoolClientId) {
  return client.send(
    new InitiateAuthCommand({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: clientId, AuthParameters: { USERNAME: username, PASSWORD: password } }),
  );
}

function expectTokens(result: AuthenticationResultType | undefined): AuthenticationResultType {
  expect(result?.IdToken).toBeTypeOf('string');
  expect(result?.AccessToken).toBeTypeOf('string');
  expect(result?.TokenType).toBe('Bearer');
  expect(result?.ExpiresIn).toBe(3600);
  return result as AuthenticationResultType;
}

/** Gives a user an authenticator through AssociateSoftwareToken/VerifySoftwareToken with an access token. */
async function enableTotp(username: string): Promise<string> {
  const signedIn = expectTokens((await passwordAuth(username)).AuthenticationResult);
  const { SecretCode } = await client.send(new AssociateSoftwareTokenCommand({ AccessToken: signedIn.AccessToken }));
  const verified = await client.send(
    new VerifySoftwareTokenCommand({ AccessToken: signedIn.AccessToken, UserCode: totpFor(SecretCode as string, now) }),
  );
  expect(verified.Status).toBe('SUCCESS');
  await admin.send(
    new AdminSetUserMFAPreferenceCommand({
      UserPoolId: emu.userPoolId,
      Username: username,
      SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true },
    }),
  );
  now += 30_000;
  return SecretCode as string;
}

describe('user pool: password sign-in and its errors', () => {
  it('signs in with USER_PASSWORD_AUTH on the default client and issues Cognito-shaped tokens', async () => {
    const username = await newUser({ email: 'pat@example.com', email_verified: 'true' });
    const result = expectTokens((await passwordAuth(username)).AuthenticationResult);
    expect(result.RefreshToken).toBeTypeOf('string');
    const id = jwtPayload(result.IdToken as string);
    expect(id).toMatchObject({
      iss: `https://cognito-idp.us-east-1.amazonaws.com/${emu.userPoolId}`,
      aud: emu.userPoolClientId,
      token_use: 'id',
      'cognito:username': username,
      email: 'pat@example.com',
      email_verified: true,
    });
    const access = jwtPayload(result.AccessToken as string);
    expect(access).toMatchObject({ token_use: 'access', client_id: emu.userPoolClientId, username, sub: id['sub'] });
    expect(access['aud']).toBeUndefined();
  });

  it('refuses a wrong password with NotAuthorizedException and an unknown user with UserNotFoundException', async () => {
    const username = await newUser();
    await expectSdkError(passwordAuth(username, 'Wr0ng-password!'), 'NotAuthorizedException', 400, 'Incorrect username or password.');
    await expectSdkError(passwordAuth('nobody-here'), 'UserNotFoundException', 400, 'User does not exist.');
  });

  it('publishes the signing keys at /<userPoolId>/.well-known/jwks.json, with a discovery document beside them', async () => {
    const username = await newUser();
    const { IdToken } = expectTokens((await passwordAuth(username)).AuthenticationResult);
    const jwks = (await (await fetch(`${emu.endpoint}/${emu.userPoolId}/.well-known/jwks.json`)).json()) as {
      keys: Array<Record<string, unknown>>;
    };
    const { payload } = await jwtVerify(IdToken as string, createLocalJWKSet(jwks as never), {
      issuer: `https://cognito-idp.us-east-1.amazonaws.com/${emu.userPoolId}`,
      audience: emu.userPoolClientId,
      currentDate: new Date(now),
    });
    expect(payload['cognito:username']).toBe(username);
    expect((await fetch(`${emu.endpoint}/us-east-1_nothere/.well-known/jwks.json`)).status).toBe(404);
    const discovery = (await (await fetch(`${emu.endpoint}/${emu.userPoolId}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(discovery).toMatchObject({
      issuer: `https://cognito-idp.us-east-1.amazonaws.com/${emu.userPoolId}`,
      jwks_uri: `${emu.endpoint}/${emu.userPoolId}/.well-known/jwks.json`,
    });
  });

  it('refuses admin operations that are not signed', async () => {
    const unsigned = await fetch(emu.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AWSCognitoIdentityProviderService.AdminCreateUser',
      },
      body: JSON.stringify({ UserPoolId: emu.userPoolId, Username: 'sneaky' }),
    });
    expect(unsigned.status).toBe(400);
    expect(((await unsigned.json()) as { __type: string }).__type).toBe('MissingAuthenticationTokenException');
  });

  it('enforces the password policy on AdminSetUserPassword with InvalidPasswordException', async () => {
    const username = await newUser();
    await expectSdkError(
      admin.send(new AdminSetUserPasswordCommand({ UserPoolId: emu.userPoolId, Username: username, Password: 'short', Permanent: true })),
      'InvalidPasswordException',
      400,
      /Password not long enough/,
    );
  });
});

describe('user pool: app clients', () => {
  it('refuses USER_PASSWORD_AUTH with InvalidParameterException when the client does not allow it', async () => {
    const { UserPoolClient } = await admin.send(
      new CreateUserPoolClientCommand({ UserPoolId: emu.userPoolId, ClientName: 'srp-only' }),
    );
    expect(UserPoolClient?.ExplicitAuthFlows).toEqual(['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_CUSTOM_AUTH']);
    const username = await newUser();
    await expectSdkError(
      passwordAuth(username, PASSWORD, UserPoolClient?.ClientId),
      'InvalidParameterException',
      400,
      'USER_PASSWORD_AUTH flow not enabled for this client',
    );
  });

  it('requires the SECRET_HASH of a client with a secret, and accepts the right one', async () => {
    const { UserPoolClient } = await admin.send(
      new CreateUserPoolClientCommand({
        UserPoolId: emu.userPoolId,
        ClientName: 'with-secret',
        GenerateSecret: true,
        ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      }),
    );
    const clientId = UserPoolClient?.ClientId as string;
    const secret = UserPoolClient?.ClientSecret as string;
    expect(secret).toMatch(/^\w{24,64}$/);
    const username = await newUser();
    const secretHash = (name: string) => createHmac('sha256', secret).update(name + clientId).digest('base64');
    const auth = (parameters: Record<string, string>) =>
      client.send(
        new InitiateAuthCommand({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: clientId, AuthParameters: { USERNAME: username, PASSWORD, ...parameters } }),
      );

    await expectSdkError(auth({}), 'NotAuthorizedException', 400, `Client ${clientId} is configured with secret but SECRET_HASH was not received`);
    await expectSdkError(auth({ SECRET_HASH: secretHash('someone-else') }), 'NotAuthorizedException', 400, `Unable to verify secret hash for client ${clientId}`);
    const result = expectTokens((await auth({ SECRET_HASH: secretHash(username) })).AuthenticationResult);

    // Refreshing needs it too.
    const refresh = (parameters: Record<string, string>) =>
      client.send(
        new InitiateAuthCommand({
          AuthFlow: 'REFRESH_TOKEN_AUTH',
          ClientId: clientId,
          AuthParameters: { REFRESH_TOKEN: result.RefreshToken as string, ...parameters },
        }),
      );
    await expectSdkError(refresh({}), 'NotAuthorizedException', 400, /SECRET_HASH was not received/);
    expectTokens((await refresh({ SECRET_HASH: secretHash(username) })).AuthenticationResult);
  });
});

describe('user pool: NEW_PASSWORD_REQUIRED', () => {
  it('asks a user with a temporary password for a new one, then signs in with it', async () => {
    userCount += 1;
    const username = `temp${userCount}`;
    const created = await admin.send(
      new AdminCreateUserCommand({
        UserPoolId: emu.userPoolId,
        Username: username,
        TemporaryPassword: 'Temp0rary-pass!',
        UserAttributes: [{ Name: 'email', Value: 'temp@example.com' }],
        DesiredDeliveryMediums: ['EMAIL'],
      }),
    );
    expect(created.User?.UserStatus).toBe('FORCE_CHANGE_PASSWORD');
    expect(emu.messages({ username }).map((m) => [m.purpose, m.channel, m.code])).toEqual([
      ['TEMPORARY_PASSWORD', 'EMAIL', 'Temp0rary-pass!'],
    ]);

    const first = await passwordAuth(username, 'Temp0rary-pass!');
    expect(first.ChallengeName).toBe('NEW_PASSWORD_REQUIRED');
    expect(JSON.parse(first.ChallengeParameters?.['userAttributes'] as string)).toEqual({ email: 'temp@example.com' });
    const answered = await client.send(
      new RespondToAuthChallengeCommand({
        ClientId: emu.userPoolClientId,
        ChallengeName: 'NEW_PASSWORD_REQUIRED',
        Session: first.Session,
        ChallengeResponses: { USERNAME: username, NEW_PASSWORD: PASSWORD },
      }),
    );
    expectTokens(answered.AuthenticationResult);
    expectTokens((await passwordAuth(username)).AuthenticationResult);
    await expectSdkError(passwordAuth(username, 'Temp0rary-pass!'), 'NotAuthorizedException', 400);
  });
});

describe('user pool: MFA', () => {
  it('SMS_MFA: sends a code readable through the admin API; a wrong code is CodeMismatchException', async () => {
    const username = await newUser({ phone_number: '+15555550123' });
    await admin.send(
      new AdminSetUserMFAPreferenceCommand({
        UserPoolId: emu.userPoolId,
        Username: username,
        SMSMfaSettings: { Enabled: true, PreferredMfa: true },
      }),
    );
    const started = await passwordAuth(username);
    expect(started.ChallengeName).toBe('SMS_MFA');
    expect(started.ChallengeParameters).toMatchObject({
      CODE_DELIVERY_DELIVERY_MEDIUM: 'SMS',
      CODE_DELIVERY_DESTINATION: '+*******0123',
    });
    const respond = (code: string) =>
      client.send(
        new RespondToAuthChallengeCommand({
          ClientId: emu.userPoolClientId,
          ChallengeName: 'SMS_MFA',
          Session: started.Session,
          ChallengeResponses: { USERNAME: username, SMS_MFA_CODE: code },
        }),
      );
    // Read over HTTP, as a test in another process would.
    const sent = (await (
      await fetch(`${emu.endpoint}/_emulator/messages?username=${username}&channel=SMS`)
    ).json()) as Array<{ code: string; destination: string; purpose: string }>;
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ destination: '+15555550123', purpose: 'SMS_MFA' });
    const code = sent[0]?.code as string;
    expect(code).toMatch(/^\d{6}$/);

    const wrong = code === '000000' ? '111111' : '000000';
    await expectSdkError(respond(wrong), 'CodeMismatchException', 400, 'Invalid code or auth state for the user.');
    // The same session may try again after a wrong code.
    expectTokens((await respond(code)).AuthenticationResult);
    // An answered session is used up.
    await expectSdkError(respond(code), 'NotAuthorizedException', 400, 'Invalid session for the user.');
  });

  it('EMAIL_OTP: sends the code by email and accepts it', async () => {
    const username = await newUser({ email: 'otp@example.com' });
    await admin.send(
      new AdminSetUserMFAPreferenceCommand({ UserPoolId: emu.userPoolId, Username: username, EmailMfaSettings: { Enabled: true } }),
    );
    const started = await passwordAuth(username);
    expect(started.ChallengeName).toBe('EMAIL_OTP');
    expect(started.ChallengeParameters).toMatchObject({ CODE_DELIVERY_DELIVERY_MEDIUM: 'EMAIL', CODE_DELIVERY_DESTINATION: 'o***@e***' });
    const [message] = emu.messages({ username, channel: 'EMAIL' });
    expect(message?.destination).toBe('otp@example.com');
    const answered = await client.send(
      new RespondToAuthChallengeCommand({
        ClientId: emu.userPoolClientId,
        ChallengeName: 'EMAIL_OTP',
        Session: started.Session,
        ChallengeResponses: { USERNAME: username, EMAIL_OTP_CODE: message?.code as string },
      }),
    );
    expectTokens(answered.AuthenticationResult);
  });

  it('SELECT_MFA_TYPE: a user with two factors and no preference chooses one', async () => {
    const username = await newUser({ email: 'two@example.com', phone_number: '+15555550199' });
    await admin.send(
      new AdminSetUserMFAPreferenceCommand({
        UserPoolId: emu.userPoolId,
        Username: username,
        SMSMfaSettings: { Enabled: true },
        EmailMfaSettings: { Enabled: true },
      }),
    );
    const started = await passwordAuth(username);
    expect(started.ChallengeName).toBe('SELECT_MFA_TYPE');
    expect(JSON.parse(started.ChallengeParameters?.['MFAS_CAN_CHOOSE'] as string)).toEqual(['SMS_MFA', 'EMAIL_OTP']);
    expect(emu.messages({ username })).toEqual([]);
    const selected = await client.send(
      new RespondToAuthChallengeCommand({
        ClientId: emu.userPoolClientId,
        ChallengeName: 'SELECT_MFA_TYPE',
        Session: started.Session,
        ChallengeResponses: { USERNAME: username, ANSWER: 'EMAIL_OTP' },
      }),
    );
    expect(selected.ChallengeName).toBe('EMAIL_OTP');
    const [message] = emu.messages({ username });
    expect(message?.channel).toBe('EMAIL');
    const answered = await client.send(
      new RespondToAuthChallengeCommand({
        ClientId: emu.userPoolClientId,
        ChallengeName: 'EMAIL_OTP',
        Session: selected.Session,
        ChallengeResponses: { USERNAME: username, EMAIL_OTP_CODE: message?.code as string },
      }),
    );
    expectTokens(answered.AuthenticationResult);
  });

  it('SOFTWARE_TOKEN_MFA: accepts the current TOTP code once; reusing it is ExpiredCodeException', async () => {
    const username = await newUser();
    const secret = await enableTotp(username);
    const respond = async (code: string) => {
      const started = await passwordAuth(username);
      expect(started.ChallengeName).toBe('SOFTWARE_TOKEN_MFA');
      return client.send(
        new RespondToAuthChallengeCommand({
          ClientId: emu.userPoolClientId,
          ChallengeName: 'SOFTWARE_TOKEN_MFA',
          Session: started.Session,
          ChallengeResponses: { USERNAME: username, SOFTWARE_TOKEN_MFA_CODE: code },
        }),
      );
    };
    const code = totpFor(secret, now);
    await expectSdkError(respond(code === '123456' ? '654321' : '123456'), 'CodeMismatchException', 400);
    expectTokens((await respond(code)).AuthenticationResult);
    await expectSdkError(respond(code), 'ExpiredCodeException', 400, 'Your software token has already been used once.');
    now += 30_000;
    expectTokens((await respond(totpFor(secret, now))).AuthenticationResult);
  });

  it('a sign-in survives two wrong codes; the third ends its session', async () => {
    const username = await newUser({ phone_number: '+15555550142' });
    await admin.send(
      new AdminSetUserMFAPreferenceCommand({ UserPoolId: emu.userPoolId, Username: username, SMSMfaSettings: { Enabled: true } }),
    );
    const started = await passwordAuth(username);
    const code = emu.messages({ username })[0]?.code as string;
    const wrong = code === '000000' ? '111111' : '000000';
    const respond = (answer: string) =>
      client.send(
        new RespondToAuthChallengeCommand({
          ClientId: emu.userPoolClientId,
          ChallengeName: 'SMS_MFA',
          Session: started.Session,
          ChallengeResponses: { USERNAME: username, SMS_MFA_CODE: answer },
        }),
      );
    for (let attempt = 0; attempt < 3; attempt += 1) await expectSdkError(respond(wrong), 'CodeMismatchException', 400);
    await expectSdkError(respond(code), 'NotAuthorizedException', 400, 'Invalid session for the user.');
  });

  it('turns a factor on only for a user who can receive it', async () => {
    const username = await newUser();
    const turnOn = (settings: Record<string, unknown>) =>
      admin.send(new AdminSetUserMFAPreferenceCommand({ UserPoolId: emu.userPoolId, Username: username, ...settings }));
    await expectSdkError(turnOn({ SMSMfaSettings: { Enabled: true } }), 'InvalidParameterException', 400, 'User does not have delivery config set to turn on SMS_MFA');
    await expectSdkError(turnOn({ EmailMfaSettings: { Enabled: true } }), 'InvalidParameterException', 400, /EMAIL_OTP/);
    await expectSdkError(turnOn({ SoftwareTokenMfaSettings: { Enabled: true } }), 'InvalidParameterException', 400, 'User has not verified software token mfa');
    await expectSdkError(
      admin.send(new AdminSetUserMFAPreferenceCommand({ UserPoolId: emu.userPoolId, Username: 'nobody-here', SMSMfaSettings: { Enabled: false } })),
      'UserNotFoundException',
      400,
    );
  });

  it('a session left past its validity (3 minutes) is refused with NotAuthorizedException', async () => {
    const username = await newUser({ phone_number: '+15555550100' });
    await admin.send(
      new AdminSetUserMFAPreferenceCommand({ UserPoolId: emu.userPoolId, Username: username, SMSMfaSettings: { Enabled: true } }),
    );
    const started = await passwordAuth(username);
    const [message] = emu.messages({ username });
    now += 3 * 60_000 + 1000;
    await expectSdkError(
      client.send(
        new RespondToAuthChallengeCommand({
          ClientId: emu.userPoolClientId,
          ChallengeName: 'SMS_MFA',
          Session: started.Session,
          ChallengeResponses: { USERNAME: username, SMS_MFA_CODE: message?.code as string },
        }),
      ),
      'NotAuthorizedException',
      400,
      'Invalid session for the user, session is expired.',
    );
  });

  it('MFA_SETUP: a pool that requires MFA has a new user set up an authenticator while signing in', async () => {
    const { UserPool } = await admin.send(new CreateUserPoolCommand({ PoolName: 'mfa-required' }));
    const userPoolId = UserPool?.Id as string;
    expect(userPoolId).toMatch(/^us-east-1_[0-9a-zA-Z]{9}$/);
    const config = await admin.send(
      new SetUserPoolMfaConfigCommand({
        UserPoolId: userPoolId,
        MfaConfiguration: 'ON',
        SoftwareTokenMfaConfiguration: { Enabled: true },
      }),
    );
    expect(config).toMatchObject({ MfaConfiguration: 'ON', SoftwareTokenMfaConfiguration: { Enabled: true } });
    const { UserPoolClient } = await admin.send(
      new CreateUserPoolClientCommand({
        UserPoolId: userPoolId,
        ClientName: 'app',
        ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      }),
    );
    const clientId = UserPoolClient?.ClientId as string;
    const username = await newUser({}, { userPoolId });

    const started = await passwordAuth(username, PASSWORD, clientId);
    expect(started.ChallengeName).toBe('MFA_SETUP');
    expect(JSON.parse(started.ChallengeParameters?.['MFAS_CAN_SETUP'] as string)).toEqual(['SOFTWARE_TOKEN_MFA']);
    const associated = await client.send(new AssociateSoftwareTokenCommand({ Session: started.Session }));
    const secret = associated.SecretCode as string;
    expect(secret).toMatch(/^[A-Z2-7]+$/);
    const code = totpFor(secret, now);
    await expectSdkError(
      client.send(new VerifySoftwareTokenCommand({ Session: associated.Session, UserCode: code === '123456' ? '654321' : '123456' })),
      'EnableSoftwareTokenMFAException',
      400,
    );
    const verified = await client.send(new VerifySoftwareTokenCommand({ Session: associated.Session, UserCode: code }));
    expect(verified.Status).toBe('SUCCESS');
    const answered = await client.send(
      new RespondToAuthChallengeCommand({
        ClientId: clientId,
        ChallengeName: 'MFA_SETUP',
        Session: verified.Session,
        ChallengeResponses: { USERNAME: username },
      }),
    );
    const tokens = expectTokens(answered.AuthenticationResult);
    expect(jwtPayload(tokens.IdToken as string)['iss']).toBe(`https://cognito-idp.us-east-1.amazonaws.com/${userPoolId}`);

    // From now on that authenticator is asked for.
    now += 30_000;
    const again = await passwordAuth(username, PASSWORD, clientId);
    expect(again.ChallengeName).toBe('SOFTWARE_TOKEN_MFA');
  });
});

describe('user pool: refresh, sign-out and revocation', () => {
  it('REFRESH_TOKEN_AUTH issues new id and access tokens and no new refresh token', async () => {
    const username = await newUser();
    const first = expectTokens((await passwordAuth(username)).AuthenticationResult);
    now += 1000;
    const refreshed = await client.send(
      new InitiateAuthCommand({
        AuthFlow: 'REFRESH_TOKEN_AUTH',
        ClientId: emu.userPoolClientId,
        AuthParameters: { REFRESH_TOKEN: first.RefreshToken as string },
      }),
    );
    const result = expectTokens(refreshed.AuthenticationResult);
    expect(result.RefreshToken).toBeUndefined();
    expect(result.IdToken).not.toBe(first.IdToken);
    expect(jwtPayload(result.IdToken as string)['sub']).toBe(jwtPayload(first.IdToken as string)['sub']);
    await expectSdkError(
      client.send(
        new InitiateAuthCommand({ AuthFlow: 'REFRESH_TOKEN_AUTH', ClientId: emu.userPoolClientId, AuthParameters: { REFRESH_TOKEN: 'not-a-token' } }),
      ),
      'NotAuthorizedException',
      400,
      'Invalid Refresh Token',
    );
  });

  it('GlobalSignOut revokes the refresh token and the access token', async () => {
    const username = await newUser();
    const tokens = expectTokens((await passwordAuth(username)).AuthenticationResult);
    expect((await client.send(new GetUserCommand({ AccessToken: tokens.AccessToken }))).Username).toBe(username);
    await client.send(new GlobalSignOutCommand({ AccessToken: tokens.AccessToken }));
    await expectSdkError(
      client.send(
        new InitiateAuthCommand({
          AuthFlow: 'REFRESH_TOKEN_AUTH',
          ClientId: emu.userPoolClientId,
          AuthParameters: { REFRESH_TOKEN: tokens.RefreshToken as string },
        }),
      ),
      'NotAuthorizedException',
      400,
      'Refresh Token has been revoked',
    );
    await expectSdkError(client.send(new GetUserCommand({ AccessToken: tokens.AccessToken })), 'NotAuthorizedException', 400, 'Access Token has been revoked');
  });

  it('RevokeToken ends one refresh token and the access tokens issued with it, not other sessions', async () => {
    const username = await newUser();
    const revoked = expectTokens((await passwordAuth(username)).AuthenticationResult);
    const other = expectTokens((await passwordAuth(username)).AuthenticationResult);
    await client.send(new RevokeTokenCommand({ ClientId: emu.userPoolClientId, Token: revoked.RefreshToken }));
    const refresh = (token: string) =>
      client.send(new InitiateAuthCommand({ AuthFlow: 'REFRESH_TOKEN_AUTH', ClientId: emu.userPoolClientId, AuthParameters: { REFRESH_TOKEN: token } }));
    await expectSdkError(refresh(revoked.RefreshToken as string), 'NotAuthorizedException', 400, 'Refresh Token has been revoked');
    await expectSdkError(client.send(new GetUserCommand({ AccessToken: revoked.AccessToken })), 'NotAuthorizedException', 400);
    expectTokens((await refresh(other.RefreshToken as string)).AuthenticationResult);
    await expectSdkError(
      client.send(new RevokeTokenCommand({ ClientId: emu.userPoolClientId, Token: other.AccessToken })),
      'UnsupportedTokenTypeException',
      400,
    );
  });
});

describe('user pool: federation into the identity-pool half', () => {
  it('the default pool’s id token gets an identity and credentials from the default identity pool', async () => {
    const username = await newUser();
    const { IdToken } = expectTokens((await passwordAuth(username)).AuthenticationResult);
    const loginKey = `cognito-idp.us-east-1.amazonaws.com/${emu.userPoolId}`;
    expect(emu.loginKeys.userPool).toBe(loginKey);
    const identity = publicClient(emu);
    const { IdentityId } = await identity.send(new GetIdCommand({ IdentityPoolId: emu.identityPoolId, Logins: { [loginKey]: IdToken as string } }));
    const out = await identity.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins: { [loginKey]: IdToken as string } }));
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA/);
    // The same user comes back to the same identity.
    const again = expectTokens((await passwordAuth(username)).AuthenticationResult);
    const second = await identity.send(new GetIdCommand({ IdentityPoolId: emu.identityPoolId, Logins: { [loginKey]: again.IdToken as string } }));
    expect(second.IdentityId).toBe(IdentityId);
    // An access token is not a login.
    await expectSdkError(
      identity.send(new GetIdCommand({ IdentityPoolId: emu.identityPoolId, Logins: { [loginKey]: again.AccessToken as string } })),
      'NotAuthorizedException',
      400,
    );
    identity.destroy();
  });

  it('a pool made with CreateUserPool federates into an identity pool that names it', async () => {
    const { UserPool } = await admin.send(new CreateUserPoolCommand({ PoolName: 'federated' }));
    const userPoolId = UserPool?.Id as string;
    const { UserPoolClient } = await admin.send(
      new CreateUserPoolClientCommand({ UserPoolId: userPoolId, ClientName: 'app', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH'] }),
    );
    const clientId = UserPoolClient?.ClientId as string;
    const loginKey = `cognito-idp.us-east-1.amazonaws.com/${userPoolId}`;
    const identityAdmin = signedClient(emu);
    const pool = await identityAdmin.send(
      new CreateIdentityPoolCommand({
        IdentityPoolName: 'with_user_pool',
        AllowUnauthenticatedIdentities: false,
        CognitoIdentityProviders: [{ ProviderName: loginKey, ClientId: clientId }],
      }),
    );
    const username = await newUser({}, { userPoolId });
    const { IdToken } = expectTokens((await passwordAuth(username, PASSWORD, clientId)).AuthenticationResult);
    const identity = publicClient(emu);
    const { IdentityId } = await identity.send(new GetIdCommand({ IdentityPoolId: pool.IdentityPoolId, Logins: { [loginKey]: IdToken as string } }));
    const out = await identity.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins: { [loginKey]: IdToken as string } }));
    expect(out.Credentials?.SecretKey).toBeTypeOf('string');
    identityAdmin.destroy();
    identity.destroy();
  });
});

describe('user pool: what the call log keeps', () => {
  it('records user-pool calls by operation without passwords, codes or tokens', async () => {
    emu.clearCalls();
    const username = await newUser();
    const tokens = expectTokens((await passwordAuth(username)).AuthenticationResult);
    const log = JSON.stringify(emu.calls());
    expect(emu.calls().map((call) => call.operation)).toEqual(['AdminCreateUser', 'AdminSetUserPassword', 'InitiateAuth']);
    expect(log).not.toContain(PASSWORD);
    expect(log).not.toContain(tokens.IdToken as string);
    expect(log).not.toContain(tokens.RefreshToken as string);
  });

  it('can inject a fault into a user-pool operation', async () => {
    const username = await newUser();
    emu.addFault({ operation: 'InitiateAuth', error: 'CodeMismatchException' });
    await expectSdkError(passwordAuth(username), 'CodeMismatchException', 400);
    expectTokens((await passwordAuth(username)).AuthenticationResult);
  });
});
