/**
 * The MFA sign-in steps end to end, against the emulator's user pool over HTTP: the emulator sends
 * SMS and email codes (read back through its admin API) and checks authenticator codes, computed
 * here from the user's secret with the tests' own RFC 6238 code.
 */
import {
  AdminCreateUserCommand,
  AdminSetUserMFAPreferenceCommand,
  AdminSetUserPasswordCommand,
  AssociateSoftwareTokenCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  VerifySoftwareTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';
import { AuthError, createAuth, serializeInspectionEvent, type Auth, type AuthErrorName } from '../../src/index.js';
import { errorRenderings, safeJson } from '../support/renderings.js';
import { totpFor } from '../emulator/totp.js';
import { createMfaRequiredPool } from '../support/userPools.js';

const PASSWORD = 'Mfa-Passw0rd-Alpha!';
const PHONE = '+15555550123';

let emu: EmulatorHandle;
/** The emulator's clock: authenticator codes are computed for it. */
let now = Date.now();
let admin: CognitoIdentityProviderClient;
let userCount = 0;
let live: Auth[] = [];
/** Secrets the run has seen (codes, the TOTP secret): none may show in errors, hub events or the inspector. */
let secrets: string[] = [];
let hubEvents: unknown[] = [];
let inspected: unknown[] = [];

beforeAll(async () => {
  emu = await startEmulator({ now: () => now });
  admin = new CognitoIdentityProviderClient({ endpoint: emu.endpoint, region: emu.region, credentials: emu.developerCredentials, maxAttempts: 1 });
});

afterAll(async () => {
  admin.destroy();
  await emu.close();
});

afterEach(() => {
  for (const value of [...hubEvents, ...inspected]) {
    const text = safeJson(value);
    // An event that cannot be written out would pass the scan unread.
    expect(text.startsWith('[unserialisable')).toBe(false);
    for (const secret of secrets) expect(text.includes(secret), 'a hub or inspector event holds a secret').toBe(false);
  }
  for (const auth of live) auth.stop();
  live = [];
  secrets = [];
  hubEvents = [];
  inspected = [];
  vi.restoreAllMocks();
});

type Factor = 'SMS' | 'TOTP' | 'EMAIL';

/** A user with a phone and an email, and the given second factors turned on (the first preferred). */
async function newUser(factors: Factor[], preferred?: Factor): Promise<{ username: string; totpSecret?: string }> {
  userCount += 1;
  const username = `mfauser${userCount}`;
  await admin.send(
    new AdminCreateUserCommand({
      UserPoolId: emu.userPoolId,
      Username: username,
      MessageAction: 'SUPPRESS',
      UserAttributes: [
        { Name: 'phone_number', Value: PHONE },
        { Name: 'email', Value: `${username}@example.com` },
      ],
    }),
  );
  await admin.send(new AdminSetUserPasswordCommand({ UserPoolId: emu.userPoolId, Username: username, Password: PASSWORD, Permanent: true }));
  let totpSecret: string | undefined;
  if (factors.includes('TOTP')) totpSecret = await associateAuthenticator(username);
  const setting = (factor: Factor) =>
    factors.includes(factor) ? { Enabled: true, PreferredMfa: preferred === factor } : undefined;
  await admin.send(
    new AdminSetUserMFAPreferenceCommand({
      UserPoolId: emu.userPoolId,
      Username: username,
      SMSMfaSettings: setting('SMS'),
      SoftwareTokenMfaSettings: setting('TOTP'),
      EmailMfaSettings: setting('EMAIL'),
    }),
  );
  return { username, ...(totpSecret ? { totpSecret } : {}) };
}

/** Sets up an authenticator for a user the way an app does while signed in, and returns its secret. */
async function associateAuthenticator(username: string): Promise<string> {
  const client = new CognitoIdentityProviderClient({ endpoint: emu.endpoint, region: emu.region, credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
  try {
    const signedIn = await client.send(
      new InitiateAuthCommand({
        AuthFlow: 'USER_PASSWORD_AUTH',
        ClientId: emu.userPoolClientId,
        AuthParameters: { USERNAME: username, PASSWORD },
      }),
    );
    const accessToken = signedIn.AuthenticationResult?.AccessToken as string;
    const { SecretCode } = await client.send(new AssociateSoftwareTokenCommand({ AccessToken: accessToken }));
    await client.send(new VerifySoftwareTokenCommand({ AccessToken: accessToken, UserCode: totpFor(SecretCode as string, now) }));
    // The next 30-second step: a code is good once, and the sign-in's must be a new one.
    now += 30_000;
    return SecretCode as string;
  } finally {
    client.destroy();
  }
}

function newAuth(pool: { userPoolId: string; userPoolClientId: string; identityPoolId: string } = emu): Auth {
  const auth = createAuth({
    region: emu.region,
    identityPoolId: pool.identityPoolId,
    userPool: { userPoolId: pool.userPoolId, userPoolClientId: pool.userPoolClientId },
    endpoints: { identityPool: emu.endpoint, userPool: emu.endpoint },
    inspect: (event) => inspected.push(serializeInspectionEvent(event)),
  });
  auth.hub.listen('auth', (event) => hubEvents.push(event));
  live.push(auth);
  return auth;
}

/** The latest code the emulator sent the user over the channel. */
function sentCode(username: string, channel: 'SMS' | 'EMAIL'): string {
  const code = emu.messages({ username, channel }).at(-1)?.code as string;
  secrets.push(code);
  return code;
}

function totpCode(secret: string): string {
  const code = totpFor(secret, now);
  secrets.push(secret, code);
  return code;
}

async function failure(promise: Promise<unknown>): Promise<AuthError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AuthError);
    for (const [label, text] of errorRenderings('error', error)) {
      for (const secret of secrets) expect(text.includes(secret), `${label} holds a secret`).toBe(false);
    }
    return error as AuthError;
  }
  throw new Error('expected the call to fail');
}

function stateOf(auth: Auth): string {
  return JSON.stringify(auth.actor.getSnapshot().value);
}

async function expectSignedInWithCredentials(auth: Auth): Promise<void> {
  const session = await auth.fetchAuthSession();
  expect(session.isSignedIn).toBe(true);
  expect(session.tokens?.idToken).toBeTypeOf('string');
  expect(session.identityId).toMatch(new RegExp(`^${emu.region}:[0-9a-f-]+$`));
  expect(session.credentials?.accessKeyId).toBeTypeOf('string');
}

describe('MFA sign-in steps against the emulator', () => {
  it('CONFIRM_SIGN_IN_WITH_SMS_CODE: tells where the code went, then the code signs in', async () => {
    const { username } = await newUser(['SMS'], 'SMS');
    const auth = newAuth();
    await expect(auth.signIn({ username, password: PASSWORD })).resolves.toEqual({
      isSignedIn: false,
      nextStep: {
        signInStep: 'CONFIRM_SIGN_IN_WITH_SMS_CODE',
        codeDeliveryDetails: { deliveryMedium: 'SMS', destination: '+*******0123', attributeName: 'phone_number' },
      },
    });
    expect(stateOf(auth)).toBe('{"signingIn":{"awaitingMfa":"smsCode"}}');
    await expect(auth.confirmSignIn({ challengeResponse: sentCode(username, 'SMS') })).resolves.toEqual({
      isSignedIn: true,
      nextStep: { signInStep: 'DONE' },
    });
    await expectSignedInWithCredentials(auth);
  });

  it('CONFIRM_SIGN_IN_WITH_EMAIL_CODE, also after an SRP sign-in', async () => {
    const { username } = await newUser(['EMAIL'], 'EMAIL');
    const auth = newAuth();
    await expect(auth.signIn({ username, password: PASSWORD, options: { authFlowType: 'USER_SRP_AUTH' } })).resolves.toEqual({
      isSignedIn: false,
      nextStep: {
        signInStep: 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE',
        codeDeliveryDetails: { deliveryMedium: 'EMAIL', destination: 'm***@e***', attributeName: 'email' },
      },
    });
    await expect(auth.confirmSignIn({ challengeResponse: sentCode(username, 'EMAIL') })).resolves.toMatchObject({ isSignedIn: true });
    await expectSignedInWithCredentials(auth);
  });

  it('CONFIRM_SIGN_IN_WITH_TOTP_CODE: the authenticator code signs in', async () => {
    const { username, totpSecret } = await newUser(['TOTP'], 'TOTP');
    const auth = newAuth();
    await expect(auth.signIn({ username, password: PASSWORD })).resolves.toEqual({
      isSignedIn: false,
      nextStep: { signInStep: 'CONFIRM_SIGN_IN_WITH_TOTP_CODE' },
    });
    await expect(auth.confirmSignIn({ challengeResponse: totpCode(totpSecret!) })).resolves.toMatchObject({ isSignedIn: true });
    await expectSignedInWithCredentials(auth);
  });

  it('CONTINUE_SIGN_IN_WITH_MFA_SELECTION: the chosen factor, then its code', async () => {
    const { username, totpSecret } = await newUser(['SMS', 'TOTP', 'EMAIL']);
    const auth = newAuth();
    await expect(auth.signIn({ username, password: PASSWORD })).resolves.toEqual({
      isSignedIn: false,
      nextStep: { signInStep: 'CONTINUE_SIGN_IN_WITH_MFA_SELECTION', allowedMFATypes: ['SMS', 'TOTP', 'EMAIL'] },
    });
    // An answer that is not one of the factors is refused before anything is sent.
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    const bad = await failure(auth.confirmSignIn({ challengeResponse: 'FOO' }));
    expect(bad.name).toBe('ValidationError' satisfies AuthErrorName);
    expect(fetchSpy).not.toHaveBeenCalled();
    fetchSpy.mockRestore();
    // Each challenge is a substate the inspector shows.
    expect(stateOf(auth)).toBe('{"signingIn":{"awaitingMfa":"factorChoice"}}');
    await expect(auth.confirmSignIn({ challengeResponse: 'TOTP' })).resolves.toEqual({
      isSignedIn: false,
      nextStep: { signInStep: 'CONFIRM_SIGN_IN_WITH_TOTP_CODE' },
    });
    expect(stateOf(auth)).toBe('{"signingIn":{"awaitingMfa":"totpCode"}}');
    await expect(auth.confirmSignIn({ challengeResponse: totpCode(totpSecret!) })).resolves.toMatchObject({ isSignedIn: true });
    await expectSignedInWithCredentials(auth);
  });

  it('a wrong code keeps the step open (NotAuthorizedError), and the right one then signs in', async () => {
    const { username } = await newUser(['SMS'], 'SMS');
    const auth = newAuth();
    await auth.signIn({ username, password: PASSWORD });
    const right = sentCode(username, 'SMS');
    const wrong = right === '000000' ? '111111' : '000000';
    secrets.push(wrong);
    const error = await failure(auth.confirmSignIn({ challengeResponse: wrong }));
    expect(error.name).toBe('NotAuthorizedError' satisfies AuthErrorName);
    expect(error.serviceErrorName).toBe('CodeMismatchException');
    expect(stateOf(auth)).toBe('{"signingIn":{"awaitingMfa":"smsCode"}}');
    await expect(auth.confirmSignIn({ challengeResponse: right })).resolves.toMatchObject({ isSignedIn: true });
    await expectSignedInWithCredentials(auth);
  });

  it('a refused challenge session ends the sign-in with NotAuthorizedError, back in signedOut', async () => {
    const { username } = await newUser(['SMS'], 'SMS');
    const auth = newAuth();
    await auth.signIn({ username, password: PASSWORD });
    const right = sentCode(username, 'SMS');
    const wrong = right === '000000' ? '111111' : '000000';
    secrets.push(wrong);
    // The emulator ends the session after three wrong codes, as Cognito does.
    for (let attempt = 0; attempt < 3; attempt += 1) await failure(auth.confirmSignIn({ challengeResponse: wrong }));
    const error = await failure(auth.confirmSignIn({ challengeResponse: right }));
    expect(error.name).toBe('NotAuthorizedError' satisfies AuthErrorName);
    expect(error.serviceErrorName).not.toBe('CodeMismatchException');
    expect(stateOf(auth)).toBe('{"signedOut":"idle"}');
    await expect(auth.confirmSignIn({ challengeResponse: right })).rejects.toMatchObject({ name: 'InvalidStateError' });
  });

  it('keeps the challenge session and codes out of errors, hub events and the inspector', async () => {
    const { username } = await newUser(['SMS'], 'SMS');
    const auth = newAuth();
    const sessions: string[] = [];
    const realFetch = globalThis.fetch;
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const answer = await realFetch(input, init);
      const body = (await answer.clone().json().catch(() => ({}))) as { Session?: string };
      if (body.Session) sessions.push(body.Session);
      return answer;
    });
    await auth.signIn({ username, password: PASSWORD });
    // SRP's PASSWORD_VERIFIER session, then the SMS challenge's.
    expect(sessions).toHaveLength(2);
    secrets.push(...sessions);
    await failure(auth.confirmSignIn({ challengeResponse: '000001' === sentCode(username, 'SMS') ? '000002' : '000001' }));
    await auth.confirmSignIn({ challengeResponse: sentCode(username, 'SMS') });
    expect(inspected.length).toBeGreaterThan(0);
    // afterEach scans every hub and inspector event for the session and the codes.
  });
});

/** A user pool that requires MFA, offering the given factors to set up, an SRP app client, and an identity pool that trusts it. */
const mfaRequiredPool = (factors: Array<'TOTP' | 'EMAIL'>) => createMfaRequiredPool(emu, admin, factors);

/** A user with no second factor (and no email) in the given pool. */
async function bareUser(userPoolId: string): Promise<string> {
  userCount += 1;
  const username = `setupuser${userCount}`;
  await admin.send(new AdminCreateUserCommand({ UserPoolId: userPoolId, Username: username, MessageAction: 'SUPPRESS' }));
  await admin.send(new AdminSetUserPasswordCommand({ UserPoolId: userPoolId, Username: username, Password: PASSWORD, Permanent: true }));
  return username;
}

describe('setting up MFA while signing in, against the emulator', () => {
  it('CONTINUE_SIGN_IN_WITH_TOTP_SETUP: the masked secret and its otpauth URI, a wrong first code kept open, the right one signs in', async () => {
    const pool = await mfaRequiredPool(['TOTP']);
    const username = await bareUser(pool.userPoolId);
    const auth = newAuth(pool);
    const output = await auth.signIn({ username, password: PASSWORD });
    expect(output.isSignedIn).toBe(false);
    const step = output.nextStep;
    if (step.signInStep !== 'CONTINUE_SIGN_IN_WITH_TOTP_SETUP') throw new Error(`unexpected step ${step.signInStep}`);
    expect(stateOf(auth)).toBe('{"signingIn":{"awaitingMfa":"factorSetup"}}');
    const secret = step.totpSetupDetails.sharedSecret.reveal();
    secrets.push(secret);
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    // Masked wherever it is printed.
    expect(JSON.stringify(output)).not.toContain(secret);
    expect(String(step.totpSetupDetails.sharedSecret)).toBe('[secret]');
    const uri = step.totpSetupDetails.getSetupUri('My App', 'alice@example.com');
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.href).toBe(`otpauth://totp/My%20App:alice%40example.com?secret=${secret}&issuer=My%20App`);
    expect(step.totpSetupDetails.getSetupUri('App').href).toBe(`otpauth://totp/App:${username}?secret=${secret}&issuer=App`);
    expect(() => step.totpSetupDetails.getSetupUri('')).toThrow(AuthError);

    const right = totpCode(secret);
    const wrong = right === '000000' ? '111111' : '000000';
    secrets.push(wrong);
    const error = await failure(auth.confirmSignIn({ challengeResponse: wrong }));
    expect(error.name).toBe('NotAuthorizedError' satisfies AuthErrorName);
    expect(error.serviceErrorName).toBe('EnableSoftwareTokenMFAException');
    expect(stateOf(auth)).toBe('{"signingIn":{"awaitingMfa":"factorSetup"}}');
    await expect(auth.confirmSignIn({ challengeResponse: right })).resolves.toEqual({ isSignedIn: true, nextStep: { signInStep: 'DONE' } });
    await expectSignedInWithCredentials(auth);

    // The authenticator is the user's factor from now on.
    await auth.signOut();
    now += 30_000;
    await expect(auth.signIn({ username, password: PASSWORD })).resolves.toEqual({
      isSignedIn: false,
      nextStep: { signInStep: 'CONFIRM_SIGN_IN_WITH_TOTP_CODE' },
    });
    await expect(auth.confirmSignIn({ challengeResponse: totpCode(secret) })).resolves.toMatchObject({ isSignedIn: true });
  });

  it('CONTINUE_SIGN_IN_WITH_MFA_SETUP_SELECTION: TOTP leads to the authenticator setup', async () => {
    const pool = await mfaRequiredPool(['TOTP', 'EMAIL']);
    const username = await bareUser(pool.userPoolId);
    const auth = newAuth(pool);
    await expect(auth.signIn({ username, password: PASSWORD })).resolves.toEqual({
      isSignedIn: false,
      nextStep: { signInStep: 'CONTINUE_SIGN_IN_WITH_MFA_SETUP_SELECTION', allowedMFATypes: ['TOTP', 'EMAIL'] },
    });
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    expect((await failure(auth.confirmSignIn({ challengeResponse: 'SMS' }))).name).toBe('ValidationError' satisfies AuthErrorName);
    expect(fetchSpy).not.toHaveBeenCalled();
    fetchSpy.mockRestore();
    const chosen = await auth.confirmSignIn({ challengeResponse: 'TOTP' });
    if (chosen.nextStep.signInStep !== 'CONTINUE_SIGN_IN_WITH_TOTP_SETUP') throw new Error(`unexpected step ${chosen.nextStep.signInStep}`);
    const secret = chosen.nextStep.totpSetupDetails.sharedSecret.reveal();
    await expect(auth.confirmSignIn({ challengeResponse: totpCode(secret) })).resolves.toMatchObject({ isSignedIn: true });
    await expectSignedInWithCredentials(auth);
  });

  it('CONTINUE_SIGN_IN_WITH_EMAIL_SETUP: the address (checked before sending), then the code sent to it', async () => {
    const pool = await mfaRequiredPool(['TOTP', 'EMAIL']);
    const username = await bareUser(pool.userPoolId);
    const auth = newAuth(pool);
    await auth.signIn({ username, password: PASSWORD });
    await expect(auth.confirmSignIn({ challengeResponse: 'EMAIL' })).resolves.toEqual({
      isSignedIn: false,
      nextStep: { signInStep: 'CONTINUE_SIGN_IN_WITH_EMAIL_SETUP' },
    });
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    expect((await failure(auth.confirmSignIn({ challengeResponse: 'not an address' }))).name).toBe('ValidationError' satisfies AuthErrorName);
    expect(fetchSpy).not.toHaveBeenCalled();
    fetchSpy.mockRestore();
    await expect(auth.confirmSignIn({ challengeResponse: 'setup@example.com' })).resolves.toEqual({
      isSignedIn: false,
      nextStep: {
        signInStep: 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE',
        codeDeliveryDetails: { deliveryMedium: 'EMAIL', destination: 's***@e***', attributeName: 'email' },
      },
    });
    expect(emu.messages({ username, channel: 'EMAIL' }).at(-1)?.destination).toBe('setup@example.com');
    expect(stateOf(auth)).toBe('{"signingIn":{"awaitingMfa":"emailCode"}}');
    await expect(auth.confirmSignIn({ challengeResponse: sentCode(username, 'EMAIL') })).resolves.toMatchObject({ isSignedIn: true });
    await expectSignedInWithCredentials(auth);
  });

  it('a pool offering only email to set up goes straight to CONTINUE_SIGN_IN_WITH_EMAIL_SETUP', async () => {
    const pool = await mfaRequiredPool(['EMAIL']);
    const username = await bareUser(pool.userPoolId);
    const auth = newAuth(pool);
    await expect(auth.signIn({ username, password: PASSWORD })).resolves.toEqual({
      isSignedIn: false,
      nextStep: { signInStep: 'CONTINUE_SIGN_IN_WITH_EMAIL_SETUP' },
    });
  });
});
