/**
 * No token, secret key, session token or password in anything an app can observe, through full
 * flows against the real services: federation, renewal, refused renewal, failed and throttled
 * federation, dropped connections, clear; user-pool sign-in with a wrong password, the
 * new-password challenge, refresh, refused refresh, global sign-out (failed and done); SRP
 * sign-in with an SMS code (wrong, then right) and the set-up of an authenticator app during
 * sign-in (its shared secret handed to the app, a wrong first code, the right one).
 *
 * The secrets are not listed by hand: both services sit behind a pass-through proxy that harvests
 * every secret field of every request and answer (passwords, Logins tokens, id/access/refresh
 * tokens, challenge sessions, secret keys, session tokens). Everything observable is recorded:
 * console output (spies on every console method), hub payloads, every error and its cause chain
 * (message, String, JSON.stringify, util.inspect), redacted inspection events, and the actor's
 * snapshot and persisted snapshot after every step (JSON.stringify and util.inspect).
 */
import {
  AdminCreateUserCommand,
  AdminSetUserMFAPreferenceCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';
import { AuthError } from '../../src/vocabulary/AuthError.js';
import { AuthProvider } from '../../src/vocabulary/AuthProvider.js';
import { createAuth, type Auth, type AuthConfig, type AuthSession } from '../../src/createAuth.js';
import { createRedactingInspector } from '../../src/inspection.js';
import { startCognitoLocal, type CognitoLocal, type CognitoLocalUserPool } from '../support/cognitoLocal.js';
import { createArmedStorage } from './armedStorage.js';
import { startFaultProxy, type FaultProxy } from './faultProxy.js';
import { deep, errorRenderings, safeJson } from '../support/renderings.js';
import { totpFor } from '../emulator/totp.js';
import { createMfaRequiredPool } from '../support/userPools.js';

const REGION = 'us-east-1';
const ALICE_PASSWORD = 'Alice-Secret-Passw0rd!';
const BOB_TEMPORARY = 'Bob-Temporary-Passw0rd!';
const BOB_NEW = 'Bob-Brand-New-Passw0rd!';
const WRONG = 'Wrong-Guessed-Passw0rd!';
const CAROL_PASSWORD = 'Carol-Mfa-Passw0rd!';

/** Epoch ms shared by the emulator and the instances; `offset` moves both. */
const clock = { offset: 0, now: () => Date.now() + clock.offset };

const secrets = new Set<string>([ALICE_PASSWORD, BOB_TEMPORARY, BOB_NEW, WRONG, CAROL_PASSWORD]);
const observations: Array<{ source: string; text: string }> = [];

const SECRET_FIELDS =
  /^(password|new_password|refresh_token|session|idtoken|accesstoken|refreshtoken|secretkey|sessiontoken|token|secretcode|srp_a|srp_b|secret_block|password_claim_signature|password_claim_secret_block)$/i;

/** Collects every secret field of a JSON body (and every value of a Logins map). */
function harvest(body: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return;
  }
  const walk = (value: unknown, key: string | undefined, parent: string | undefined): void => {
    if (typeof value === 'string') {
      if (value.length >= 8 && ((key && SECRET_FIELDS.test(key)) || parent === 'Logins')) secrets.add(value);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    for (const [k, v] of Object.entries(value)) walk(v, k, key);
  };
  walk(parsed, undefined, undefined);
}

function observe(source: string, text: string): void {
  observations.push({ source, text });
}

/** Records an error as an app would print it, with every cause. */
function observeError(source: string, error: unknown): void {
  for (const [label, text] of errorRenderings(source, error)) observe(label, text);
}

/** The actor's snapshot (bounded depth: it holds the machine graph) and persisted snapshot. */
function observeSnapshots(label: string, auth: Auth): void {
  const snapshot = auth.actor.getSnapshot();
  observe(`${label} snapshot JSON`, safeJson(snapshot));
  observe(`${label} snapshot inspect`, inspect(snapshot, { depth: 8, breakLength: Infinity }));
  const persisted = auth.actor.getPersistedSnapshot();
  observe(`${label} persisted snapshot JSON`, safeJson(persisted));
  observe(`${label} persisted snapshot inspect`, inspect(persisted, deep));
}

function remember(session: AuthSession | undefined): void {
  if (session?.credentials) {
    secrets.add(session.credentials.secretAccessKey);
    secrets.add(session.credentials.sessionToken);
  }
  if (session?.tokens) {
    secrets.add(session.tokens.idToken);
    secrets.add(session.tokens.accessToken);
  }
}

let emu: EmulatorHandle;
let local: CognitoLocal;
let pool: CognitoLocalUserPool;
let identityProxy: FaultProxy;
let userPoolProxy: FaultProxy;
const consoleSpies: Array<{ mockRestore(): void }> = [];

beforeAll(async () => {
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    consoleSpies.push(
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        observe(`console.${method}`, args.map((a) => (typeof a === 'string' ? a : inspect(a, deep))).join(' '));
      }),
    );
  }
  local = await startCognitoLocal();
  pool = await local.createUserPool();
  await local.createUser(pool.userPoolId, { username: 'alice', password: ALICE_PASSWORD });
  await local.createUser(pool.userPoolId, { username: 'bob', password: BOB_TEMPORARY, permanent: false });
  emu = await startEmulator({
    port: 0,
    region: REGION,
    now: clock.now,
    userPools: [{ userPoolId: pool.userPoolId, issuer: pool.issuer, jwksUri: pool.jwksUri, clientIds: [pool.userPoolClientId] }],
  });
  const onExchange = (request: string, answer: string) => {
    harvest(request);
    harvest(answer);
  };
  identityProxy = await startFaultProxy(emu.endpoint, { onExchange });
  userPoolProxy = await startFaultProxy(local.endpoint, { onExchange });
}, 60_000);

afterAll(async () => {
  for (const spy of consoleSpies) spy.mockRestore();
  await Promise.all([emu?.close(), identityProxy?.close(), userPoolProxy?.close(), local?.close()]);
});

function newAuth(label: string, extra: Partial<AuthConfig> = {}): Auth {
  const auth = createAuth({
    region: REGION,
    identityPoolId: emu.identityPoolId,
    endpoints: { identityPool: identityProxy.endpoint, userPool: userPoolProxy.endpoint },
    storage: createArmedStorage(),
    clock: clock.now,
    inspect: createRedactingInspector((event) => {
      observe(`${label} inspection ${event.type} JSON`, safeJson(event));
      observe(`${label} inspection ${event.type} inspect`, inspect(event, { depth: 12, breakLength: Infinity }));
    }),
    ...extra,
  });
  auth.hub.listen('auth', (capsule) => {
    observe(`${label} hub ${capsule.payload.event} JSON`, safeJson(capsule));
    observe(`${label} hub ${capsule.payload.event} inspect`, inspect(capsule, deep));
    const error = (capsule.payload.data as { error?: unknown } | undefined)?.error;
    if (error) observeError(`${label} hub ${capsule.payload.event} error`, error);
  });
  return auth;
}

/** Runs one step; its error (if any) and the snapshots after it are observed. */
async function step<T>(label: string, auth: Auth, call: () => Promise<T>, expected: 'ok' | string): Promise<T | undefined> {
  let value: T | undefined;
  let outcome = 'ok';
  try {
    value = await call();
    remember(value as AuthSession);
  } catch (error) {
    outcome = error instanceof AuthError ? error.name : String(error);
    observeError(label, error);
  }
  observeSnapshots(label, auth);
  expect(outcome, label).toBe(expected);
  return value;
}

describe('no secret in anything observable', () => {
  it('through federation, renewal, failures, clear, the new-password challenge, refresh and sign-out', async () => {
    // ---- federation ------------------------------------------------------------------------------
    const fed = newAuth('federation', { userPool: { userPoolId: pool.userPoolId, userPoolClientId: pool.userPoolClientId } });
    await fed.ready;
    const token = await emu.mintToken(emu.loginKeys.google, 'secret-scan-user');
    secrets.add(token);
    await step('federate', fed, () => fed.federateToIdentityPool(token, AuthProvider.google), 'ok');
    await step('fetchAuthSession', fed, () => fed.fetchAuthSession(), 'ok');
    clock.offset = 59 * 60_000; // a minute before the credentials expire: renewed on the next fetch
    await step('renewal', fed, () => fed.fetchAuthSession(), 'ok');
    await step('credentialsProvider', fed, () => fed.credentialsProvider().then((c) => ({ credentials: c })), 'ok');
    emu.addFault({ operation: 'GetCredentialsForIdentity', error: 'InternalErrorException', count: 3 });
    await step('renewal, 5xx three times', fed, () => fed.fetchAuthSession({ forceRefresh: true }), 'ServiceError');
    emu.addFault({ operation: 'GetCredentialsForIdentity', error: 'ConnectionDropped', count: 3 });
    await step('renewal, dropped three times', fed, () => fed.fetchAuthSession({ forceRefresh: true }), 'ServiceError');
    emu.addFault({ operation: 'GetCredentialsForIdentity', error: 'NotAuthorizedException', count: 1 });
    await step('renewal refused', fed, () => fed.fetchAuthSession({ forceRefresh: true }), 'SessionExpiredError');
    await step('fetch while expired', fed, () => fed.fetchAuthSession(), 'SessionExpiredError');
    const expired = await emu.mintToken(emu.loginKeys.facebook, 'secret-scan-user', { expiresIn: -60 });
    secrets.add(expired);
    await step('federate with an expired token', fed, () => fed.federateToIdentityPool(expired, AuthProvider.facebook), 'NotAuthorizedError');
    const fresh = await emu.mintToken(emu.loginKeys.oidc, 'secret-scan-user');
    secrets.add(fresh);
    emu.addFault({ operation: 'GetId', error: 'TooManyRequestsException', count: 3 });
    await step('federate, throttled', fed, () => fed.federateToIdentityPool(fresh, AuthProvider.oidc(emu.loginKeys.oidc)), 'ServiceError');
    await step('federate again', fed, () => fed.federateToIdentityPool(fresh, AuthProvider.oidc(emu.loginKeys.oidc)), 'ok');
    await step('signIn while federated', fed, () => fed.signIn({ username: 'alice', password: ALICE_PASSWORD, options: { authFlowType: 'USER_PASSWORD_AUTH' } }), 'InvalidStateError');
    await step('clear', fed, () => fed.clearFederationToIdentityPool(), 'ok');
    fed.stop();
    clock.offset = 0;

    // ---- user pool ----------------------------------------------------------------------------------
    const up = newAuth('user pool', { userPool: { userPoolId: pool.userPoolId, userPoolClientId: pool.userPoolClientId } });
    await up.ready;
    await step('signIn, wrong password', up, () => up.signIn({ username: 'alice', password: WRONG, options: { authFlowType: 'USER_PASSWORD_AUTH' } }), 'NotAuthorizedError');
    await step('signIn, temporary password', up, () => up.signIn({ username: 'bob', password: BOB_TEMPORARY, options: { authFlowType: 'USER_PASSWORD_AUTH' } }), 'ok');
    userPoolProxy.faults.add('RespondToAuthChallenge', 'InternalErrorException', 3);
    await step('confirmSignIn, 5xx', up, () => up.confirmSignIn({ challengeResponse: BOB_NEW }), 'ServiceError');
    await step('confirmSignIn', up, () => up.confirmSignIn({ challengeResponse: BOB_NEW }), 'ok');
    await step('fetchAuthSession', up, () => up.fetchAuthSession(), 'ok');
    await step('federate while signed in', up, () => up.federateToIdentityPool(token, AuthProvider.google), 'InvalidStateError');
    await step('refresh', up, () => up.fetchAuthSession({ forceRefresh: true }), 'ok');
    userPoolProxy.faults.add('InitiateAuth', 'TooManyRequestsException', 3);
    await step('refresh, throttled', up, () => up.fetchAuthSession({ forceRefresh: true }), 'ServiceError');
    userPoolProxy.faults.add('InitiateAuth', 'NotAuthorizedException', 1);
    await step('refresh refused', up, () => up.fetchAuthSession({ forceRefresh: true }), 'SessionExpiredError');
    await step('signIn alice', up, () => up.signIn({ username: 'alice', password: ALICE_PASSWORD, options: { authFlowType: 'USER_PASSWORD_AUTH' } }), 'ok');
    await step('getCurrentUser', up, () => up.getCurrentUser(), 'ok');
    userPoolProxy.faults.add('GlobalSignOut', 'NotAuthorizedException', 1);
    await step('global signOut refused', up, () => up.signOut({ global: true }), 'NotAuthorizedError');
    await step('signIn bob', up, () => up.signIn({ username: 'bob', password: BOB_NEW, options: { authFlowType: 'USER_PASSWORD_AUTH' } }), 'ok');
    await step('global signOut', up, () => up.signOut({ global: true }), 'ok');
    up.stop();

    // ---- MFA, on the emulator's own user pools (SRP, the default flow) ----------------------------------
    const admin = new CognitoIdentityProviderClient({ endpoint: emu.endpoint, region: REGION, credentials: emu.developerCredentials, maxAttempts: 1 });
    const newUser = async (userPoolId: string, username: string, attributes: Array<{ Name: string; Value: string }> = []) => {
      await admin.send(new AdminCreateUserCommand({ UserPoolId: userPoolId, Username: username, MessageAction: 'SUPPRESS', UserAttributes: attributes }));
      await admin.send(new AdminSetUserPasswordCommand({ UserPoolId: userPoolId, Username: username, Password: CAROL_PASSWORD, Permanent: true }));
    };
    const wrongCode = (right: string) => (right === '000000' ? '111111' : '000000');
    await newUser(emu.userPoolId, 'carol', [{ Name: 'phone_number', Value: '+15555550142' }]);
    await admin.send(
      new AdminSetUserMFAPreferenceCommand({ UserPoolId: emu.userPoolId, Username: 'carol', SMSMfaSettings: { Enabled: true, PreferredMfa: true } }),
    );
    const mfa = newAuth('mfa', {
      identityPoolId: emu.identityPoolId,
      userPool: { userPoolId: emu.userPoolId, userPoolClientId: emu.userPoolClientId },
      endpoints: { identityPool: identityProxy.endpoint, userPool: identityProxy.endpoint },
    });
    await mfa.ready;
    await step('SRP signIn to an SMS code', mfa, () => mfa.signIn({ username: 'carol', password: CAROL_PASSWORD }), 'ok');
    const smsCode = emu.messages({ username: 'carol', channel: 'SMS' }).at(-1)?.code as string;
    await step('confirmSignIn, wrong SMS code', mfa, () => mfa.confirmSignIn({ challengeResponse: wrongCode(smsCode) }), 'NotAuthorizedError');
    await step('confirmSignIn, SMS code', mfa, () => mfa.confirmSignIn({ challengeResponse: smsCode }), 'ok');
    await step('fetchAuthSession after MFA', mfa, () => mfa.fetchAuthSession(), 'ok');
    await step('signOut after MFA', mfa, () => mfa.signOut(), 'ok');
    mfa.stop();

    const required = await createMfaRequiredPool(emu, admin, ['TOTP']);
    await newUser(required.userPoolId, 'dave');
    const setup = newAuth('mfa setup', {
      identityPoolId: required.identityPoolId,
      userPool: { userPoolId: required.userPoolId, userPoolClientId: required.userPoolClientId },
      endpoints: { identityPool: identityProxy.endpoint, userPool: identityProxy.endpoint },
    });
    await setup.ready;
    const started = await step('SRP signIn to the authenticator set-up', setup, () => setup.signIn({ username: 'dave', password: CAROL_PASSWORD }), 'ok');
    if (started?.nextStep.signInStep !== 'CONTINUE_SIGN_IN_WITH_TOTP_SETUP') throw new Error('expected the authenticator set-up step');
    const sharedSecret = started.nextStep.totpSetupDetails.sharedSecret.reveal();
    secrets.add(sharedSecret);
    observe('the set-up step JSON', safeJson(started));
    observe('the set-up step inspect', inspect(started, deep));
    const firstCode = totpFor(sharedSecret, clock.now());
    await step('confirmSignIn, wrong first code', setup, () => setup.confirmSignIn({ challengeResponse: wrongCode(firstCode) }), 'NotAuthorizedError');
    await step('confirmSignIn, first code', setup, () => setup.confirmSignIn({ challengeResponse: firstCode }), 'ok');
    await step('fetchAuthSession after the set-up', setup, () => setup.fetchAuthSession(), 'ok');
    setup.stop();
    admin.destroy();

    // ---- the scan ------------------------------------------------------------------------------------
    const leaks: string[] = [];
    for (const { source, text } of observations) {
      for (const secret of secrets) if (text.includes(secret)) leaks.push(`${source} (a ${secret.length}-character secret)`);
    }
    for (const spy of consoleSpies) spy.mockRestore();
    console.info(
      `[adversarial] secrets: ${observations.length} observable items scanned (${(observations.reduce((n, o) => n + o.text.length, 0) / 1e6).toFixed(1)} MB) for ${secrets.size} secrets; ${leaks.length} leaks`,
    );
    expect(secrets.size).toBeGreaterThan(20);
    expect(observations.length).toBeGreaterThan(500);
    expect(leaks).toEqual([]);
  }, 120_000);
});
