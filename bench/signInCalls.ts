/**
 * The Cognito calls each user-pool sign-in step makes: every flow of the guide run once through
 * `createAuth` against the emulator's user pool, each step's calls read from the emulator's call
 * log (operation names only, in order). Not timed: the figure is the count, which latency does not
 * change. It runs the source (`src/`): the count does not depend on the build.
 */
import {
  AdminCreateUserCommand,
  AdminSetUserMFAPreferenceCommand,
  AdminSetUserPasswordCommand,
  AssociateSoftwareTokenCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  VerifySoftwareTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { EmulatorHandle } from '../emulator/index.js';
import { createAuth, type Auth, type SignInOutput } from '../src/index.js';
import { totpFor } from '../test/emulator/totp.js';
import { createMfaRequiredPool, type PoolIds as Pool } from '../test/support/userPools.js';

/** One step of a flow and the calls it made. */
export interface SignInStepCalls {
  flow: string;
  step: string;
  calls: string[];
}

const PASSWORD = 'Bench-Passw0rd-1!';

/** The emulator's clock, moved 30 s between authenticator codes (a code is good once). */
let clock = Date.now();

export async function signInCalls(emu: EmulatorHandle): Promise<SignInStepCalls[]> {
  const admin = new CognitoIdentityProviderClient({ endpoint: emu.endpoint, region: emu.region, credentials: emu.developerCredentials, maxAttempts: 1 });
  const results: SignInStepCalls[] = [];
  let users = 0;
  const defaultPool: Pool = { userPoolId: emu.userPoolId, userPoolClientId: emu.userPoolClientId, identityPoolId: emu.identityPoolId };

  async function newUser(pool: Pool, factors: Array<'SMS' | 'TOTP'> = [], temporary = false): Promise<{ username: string; secret?: string }> {
    users += 1;
    const username = `bench-signin-${users}`;
    await admin.send(
      new AdminCreateUserCommand({
        UserPoolId: pool.userPoolId,
        Username: username,
        MessageAction: 'SUPPRESS',
        ...(temporary ? { TemporaryPassword: PASSWORD } : {}),
        UserAttributes: factors.includes('SMS') ? [{ Name: 'phone_number', Value: '+15555550100' }] : [],
      }),
    );
    if (!temporary) {
      await admin.send(new AdminSetUserPasswordCommand({ UserPoolId: pool.userPoolId, Username: username, Password: PASSWORD, Permanent: true }));
    }
    let secret: string | undefined;
    if (factors.includes('TOTP')) {
      const signedIn = await admin.send(
        new InitiateAuthCommand({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: pool.userPoolClientId, AuthParameters: { USERNAME: username, PASSWORD } }),
      );
      const accessToken = signedIn.AuthenticationResult?.AccessToken;
      secret = (await admin.send(new AssociateSoftwareTokenCommand({ AccessToken: accessToken }))).SecretCode as string;
      await admin.send(new VerifySoftwareTokenCommand({ AccessToken: accessToken, UserCode: totpFor(secret, clock) }));
      clock += 30_000;
    }
    if (factors.length > 0) {
      const on = (factor: 'SMS' | 'TOTP') => (factors.includes(factor) ? { Enabled: true, PreferredMfa: factors.length === 1 } : undefined);
      await admin.send(
        new AdminSetUserMFAPreferenceCommand({ UserPoolId: pool.userPoolId, Username: username, SMSMfaSettings: on('SMS'), SoftwareTokenMfaSettings: on('TOTP') }),
      );
    }
    return { username, ...(secret ? { secret } : {}) };
  }

  function newAuth(pool: Pool): Auth {
    return createAuth({
      region: emu.region,
      identityPoolId: pool.identityPoolId,
      userPool: { userPoolId: pool.userPoolId, userPoolClientId: pool.userPoolClientId },
      endpoints: { identityPool: emu.endpoint, userPool: emu.endpoint },
    });
  }

  /** Runs one step and records the calls it made; the step's output is checked by `expect`. */
  async function step<T>(flow: string, name: string, run: () => Promise<T>, expect?: (out: T) => boolean): Promise<T> {
    emu.clearCalls();
    const out = await run();
    if (expect && !expect(out)) throw new Error(`${flow}, ${name}: unexpected outcome ${JSON.stringify(out)}`);
    results.push({ flow, step: name, calls: emu.calls().map((call) => call.operation) });
    return out;
  }
  const stepIs = (name: string) => (out: SignInOutput) => out.nextStep.signInStep === name;

  try {
    {
      const flow = 'SRP (the default), no MFA';
      const { username } = await newUser(defaultPool);
      const auth = newAuth(defaultPool);
      await step(flow, 'signIn → DONE', () => auth.signIn({ username, password: PASSWORD }), stepIs('DONE'));
      await step(flow, 'first fetchAuthSession (credentials)', () => auth.fetchAuthSession(), (s) => s.credentials !== undefined);
      await step(flow, 'fetchAuthSession, session valid', () => auth.fetchAuthSession(), (s) => s.credentials !== undefined);
      await step(flow, 'fetchAuthSession({ forceRefresh })', () => auth.fetchAuthSession({ forceRefresh: true }), (s) => s.credentials !== undefined);
      await step(flow, 'signOut({ global: true })', () => auth.signOut({ global: true }));
      auth.stop();
    }
    {
      const flow = 'USER_PASSWORD_AUTH, no MFA';
      const { username } = await newUser(defaultPool);
      const auth = newAuth(defaultPool);
      await step(flow, 'signIn → DONE', () => auth.signIn({ username, password: PASSWORD, options: { authFlowType: 'USER_PASSWORD_AUTH' } }), stepIs('DONE'));
      auth.stop();
    }
    {
      const flow = 'new password required';
      const { username } = await newUser(defaultPool, [], true);
      const auth = newAuth(defaultPool);
      await step(flow, 'signIn → CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED', () => auth.signIn({ username, password: PASSWORD }), stepIs('CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED'));
      await step(flow, 'confirmSignIn(new password) → DONE', () => auth.confirmSignIn({ challengeResponse: 'Bench-New-Passw0rd-2!' }), stepIs('DONE'));
      auth.stop();
    }
    {
      const flow = 'SMS code';
      const { username } = await newUser(defaultPool, ['SMS']);
      const auth = newAuth(defaultPool);
      await step(flow, 'signIn → CONFIRM_SIGN_IN_WITH_SMS_CODE', () => auth.signIn({ username, password: PASSWORD }), stepIs('CONFIRM_SIGN_IN_WITH_SMS_CODE'));
      const code = emu.messages({ username, channel: 'SMS' }).at(-1)?.code as string;
      await step(flow, 'confirmSignIn(code) → DONE', () => auth.confirmSignIn({ challengeResponse: code }), stepIs('DONE'));
      auth.stop();
    }
    {
      const flow = 'authenticator code, after choosing it';
      const { username, secret } = await newUser(defaultPool, ['SMS', 'TOTP']);
      const auth = newAuth(defaultPool);
      await step(flow, 'signIn → CONTINUE_SIGN_IN_WITH_MFA_SELECTION', () => auth.signIn({ username, password: PASSWORD }), stepIs('CONTINUE_SIGN_IN_WITH_MFA_SELECTION'));
      await step(flow, "confirmSignIn('TOTP') → CONFIRM_SIGN_IN_WITH_TOTP_CODE", () => auth.confirmSignIn({ challengeResponse: 'TOTP' }), stepIs('CONFIRM_SIGN_IN_WITH_TOTP_CODE'));
      await step(flow, 'confirmSignIn(code) → DONE', () => auth.confirmSignIn({ challengeResponse: totpFor(secret!, clock) }), stepIs('DONE'));
      clock += 30_000;
      auth.stop();
    }
    const required = await createMfaRequiredPool(emu, admin, ['TOTP', 'EMAIL']);
    {
      const flow = 'setting up an authenticator';
      const { username } = await newUser(required);
      const auth = newAuth(required);
      const out = await step(flow, 'signIn → CONTINUE_SIGN_IN_WITH_MFA_SETUP_SELECTION', () => auth.signIn({ username, password: PASSWORD }), stepIs('CONTINUE_SIGN_IN_WITH_MFA_SETUP_SELECTION'));
      void out;
      const setup = await step(flow, "confirmSignIn('TOTP') → CONTINUE_SIGN_IN_WITH_TOTP_SETUP", () => auth.confirmSignIn({ challengeResponse: 'TOTP' }), stepIs('CONTINUE_SIGN_IN_WITH_TOTP_SETUP'));
      if (setup.nextStep.signInStep !== 'CONTINUE_SIGN_IN_WITH_TOTP_SETUP') throw new Error('no authenticator setup');
      const secret = setup.nextStep.totpSetupDetails.sharedSecret.reveal();
      await step(flow, 'confirmSignIn(first code) → DONE', () => auth.confirmSignIn({ challengeResponse: totpFor(secret, clock) }), stepIs('DONE'));
      clock += 30_000;
      auth.stop();
    }
    {
      const flow = 'setting up email codes';
      const { username } = await newUser(required);
      const auth = newAuth(required);
      await step(flow, 'signIn → CONTINUE_SIGN_IN_WITH_MFA_SETUP_SELECTION', () => auth.signIn({ username, password: PASSWORD }), stepIs('CONTINUE_SIGN_IN_WITH_MFA_SETUP_SELECTION'));
      await step(flow, "confirmSignIn('EMAIL') → CONTINUE_SIGN_IN_WITH_EMAIL_SETUP", () => auth.confirmSignIn({ challengeResponse: 'EMAIL' }), stepIs('CONTINUE_SIGN_IN_WITH_EMAIL_SETUP'));
      await step(flow, 'confirmSignIn(address) → CONFIRM_SIGN_IN_WITH_EMAIL_CODE', () => auth.confirmSignIn({ challengeResponse: `${username}@example.com` }), stepIs('CONFIRM_SIGN_IN_WITH_EMAIL_CODE'));
      const code = emu.messages({ username, channel: 'EMAIL' }).at(-1)?.code as string;
      await step(flow, 'confirmSignIn(code) → DONE', () => auth.confirmSignIn({ challengeResponse: code }), stepIs('DONE'));
      auth.stop();
    }
  } finally {
    admin.destroy();
  }
  return results;
}

/** Uses the bench clock for the emulator, so authenticator codes match: pass to `startEmulator({ now })`. */
export const signInClock = (): number => clock;
