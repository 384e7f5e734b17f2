/**
 * Identity-pool federation end to end: the library, with the real AWS SDK inside it, against the
 * Cognito Identity emulator over HTTP. Each flow asserts what reached the service (the emulator's
 * call log: operations, login keys, identity ids) as well as what the app sees. The last test
 * scans everything the flows made observable for tokens and keys.
 */
import {
  CognitoIdentityClient,
  DescribeIdentityPoolCommand,
  GetIdCommand,
  GetOpenIdTokenForDeveloperIdentityCommand,
} from '@aws-sdk/client-cognito-identity';
import { createCredentialChain, fromCognitoIdentityPool } from '@aws-sdk/credential-providers';
// The chain() of @smithy/property-provider, which now lives in @smithy/core.
import { chain } from '@smithy/core/config';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AuthProvider, RENEW_BEFORE_EXPIRY_MS, type AuthConfig, type CognitoIdentityCredentials } from '../../src/index.js';
import {
  IDENTITY_ID,
  Observatory,
  SESSION_KEY,
  clock,
  expectAuthError,
  observatory,
  sleep,
  startHarness,
  within,
  type Harness,
} from './harness.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const FACEBOOK = 'graph.facebook.com';
const COGNITO_IDENTITY = 'cognito-identity.amazonaws.com';
const ROLE_ARN = 'arn:aws:iam::000000000000:role/emulator-custom-role';

let h: Harness;
let subjects = 0;
/** A subject no other test uses, so each flow gets identities of its own. */
const sub = (name: string) => `${name}-${++subjects}`;

/** Calls per operation, as measured from the call log, for the report at the end. */
const measured: Record<string, string[]> = {};

beforeAll(async () => {
  observatory.captureConsole();
  h = await startHarness();
});

afterEach(() => h.reset());

afterAll(async () => {
  observatory.restoreConsole();
  await h?.close();
});

/** A fresh instance federated with a new Facebook login; the call log is cleared afterwards. */
async function federatedInstance(options: { name?: string; expiresIn?: number } = {}, extra: Partial<AuthConfig> = {}) {
  const t = h.auth(extra);
  const subject = sub(options.name ?? 'user');
  const token = await h.mint(FACEBOOK, subject, options.expiresIn ? { expiresIn: options.expiresIn } : undefined);
  const result = await t.ok(t.auth.federateToIdentityPool(token, AuthProvider.facebook), 'federate');
  h.emu.clearCalls();
  return { ...t, subject, token, result };
}

describe('federating a provider token', () => {
  it('calls GetId then GetCredentialsForIdentity with the one Facebook login, and hands back credentials for the identity', async () => {
    const t = h.auth();
    const emitted: unknown[] = [];
    t.auth.actor.on('federatedToIdentityPool', (event) => emitted.push(event));
    const token = await h.mint(FACEBOOK, sub('alice'));
    const before = clock.now();

    const { credentials, identityId } = await t.ok(
      t.auth.federateToIdentityPool(token, AuthProvider.facebook),
      'federate',
    );

    const calls = h.calls();
    measured['federate, new login'] = calls.map((c) => c.operation);
    expect(calls.map((c) => c.operation)).toEqual(['GetId', 'GetCredentialsForIdentity']);
    expect(calls.map((c) => c.loginKeys)).toEqual([[FACEBOOK], [FACEBOOK]]);
    expect(calls.map((c) => c.outcome)).toEqual(['success', 'success']);
    expect(calls[0]!.identityPoolId).toBe(h.emu.identityPoolId);
    expect(calls[0]!.identityId).toBe(identityId);
    expect(calls[1]!.identityId).toBe(identityId);

    expect(identityId).toMatch(IDENTITY_ID);
    expect(credentials.accessKeyId).toEqual(expect.any(String));
    expect(credentials.accessKeyId).toMatch(/^ASIA/);
    expect(credentials.secretAccessKey).toEqual(expect.any(String));
    expect(credentials.secretAccessKey.length).toBeGreaterThan(0);
    expect(credentials.sessionToken).toEqual(expect.any(String));
    expect(credentials.sessionToken.length).toBeGreaterThan(0);
    expect(credentials.expiration).toBeInstanceOf(Date);
    expect(Math.abs(credentials.expiration.getTime() - (before + HOUR))).toBeLessThan(5_000);

    expect(t.hub).toEqual([{ event: 'federatedToIdentityPool', data: { identityId, provider: AuthProvider.facebook } }]);
    expect(emitted).toEqual([
      { type: 'federatedToIdentityPool', data: { identityId, provider: AuthProvider.facebook } },
    ]);
    expect(t.state()).toBe('federated.active');
    expect(t.storage.session()).toMatchObject({ kind: 'federated', identityId, provider: AuthProvider.facebook });
  });

  it('rejects getCurrentUser with InvalidStateError while federated, without a call', async () => {
    const t = await federatedInstance();
    const error = await t.failure(t.auth.getCurrentUser(), 'getCurrentUser');
    expectAuthError(error, 'InvalidStateError');
    expect(h.calls()).toEqual([]);
    expect(t.state()).toBe('federated.active');
  });

  it('answers fetchAuthSession from the session with no call while the credentials are fresh', async () => {
    const t = await federatedInstance();
    const session = await t.ok(t.auth.fetchAuthSession(), 'fetchAuthSession');
    measured['fetchAuthSession, valid session'] = h.operations();
    expect(h.calls()).toEqual([]);
    expect(session).toEqual({ isSignedIn: true, identityId: t.result.identityId, credentials: t.result.credentials });
    expect(session.tokens).toBeUndefined();
  });
});

describe('developer-provided identity ids', () => {
  it('skips GetId when the app gives the identity id', async () => {
    const first = await federatedInstance({ name: 'known' });
    const identityId = first.result.identityId;
    const token = await h.mint(FACEBOOK, first.subject);
    const t = h.auth();

    const result = await t.ok(
      t.auth.federateToIdentityPool(token, AuthProvider.facebook, { developerProvidedIdentityId: identityId }),
      'federate with identity id',
    );

    const calls = h.calls();
    measured['federate, developer-provided identity id'] = calls.map((c) => c.operation);
    expect(calls.map((c) => c.operation)).toEqual(['GetCredentialsForIdentity']);
    expect(calls[0]).toMatchObject({ identityId, loginKeys: [FACEBOOK], outcome: 'success' });
    expect(result.identityId).toBe(identityId);
    expect(t.storage.session()).toMatchObject({ identityId, developerProvidedIdentityId: true });
  });

  it('federates a developer-authenticated identity with its Cognito OpenID token and no GetId', async () => {
    const backend = new CognitoIdentityClient({
      endpoint: h.emu.endpoint,
      region: h.emu.region,
      credentials: h.emu.developerCredentials,
      maxAttempts: 1,
    });
    observatory.secret(h.emu.developerCredentials.secretAccessKey);
    const issued = await backend.send(
      new GetOpenIdTokenForDeveloperIdentityCommand({
        IdentityPoolId: h.emu.identityPoolId,
        Logins: { [h.emu.developerProviderName]: sub('developer-user') },
      }),
    );
    backend.destroy();
    observatory.secret(issued.Token);
    expect(issued.IdentityId).toMatch(IDENTITY_ID);
    h.emu.clearCalls();

    const provider = AuthProvider.custom(COGNITO_IDENTITY);
    const t = h.auth();
    const result = await t.ok(
      t.auth.federateToIdentityPool(issued.Token!, provider, { developerProvidedIdentityId: issued.IdentityId! }),
      'federate developer identity',
    );

    const calls = h.calls();
    expect(calls.map((c) => c.operation)).toEqual(['GetCredentialsForIdentity']);
    expect(calls[0]).toMatchObject({ identityId: issued.IdentityId, loginKeys: [COGNITO_IDENTITY], outcome: 'success' });
    expect(result.identityId).toBe(issued.IdentityId);
    expect(t.hub).toEqual([
      { event: 'federatedToIdentityPool', data: { identityId: issued.IdentityId, provider: { type: 'custom', loginKey: COGNITO_IDENTITY } } },
    ]);
  });
});

describe('re-federating', () => {
  it('replaces the token: a second login gets its own identity, and renewal then sends that login', async () => {
    const t = await federatedInstance({ name: 'first' });
    const second = await h.mint(FACEBOOK, sub('second'));

    const replaced = await t.ok(t.auth.federateToIdentityPool(second, AuthProvider.facebook), 're-federate');

    expect(replaced.identityId).not.toBe(t.result.identityId);
    expect(h.calls().map((c) => [c.operation, c.identityId, c.loginKeys])).toEqual([
      ['GetId', replaced.identityId, [FACEBOOK]],
      ['GetCredentialsForIdentity', replaced.identityId, [FACEBOOK]],
    ]);
    expect(t.storage.session()).toMatchObject({ token: second, identityId: replaced.identityId });
    h.emu.clearCalls();

    const renewed = await t.ok(t.auth.fetchAuthSession({ forceRefresh: true }), 'renewal');
    // The emulator only accepts the identity with a login linked to it: the second token.
    expect(h.calls().map((c) => [c.operation, c.identityId, c.loginKeys, c.outcome])).toEqual([
      ['GetCredentialsForIdentity', replaced.identityId, [FACEBOOK], 'success'],
    ]);
    expect(renewed.identityId).toBe(replaced.identityId);
    expect(t.hub.map((e) => e.event)).toEqual(['federatedToIdentityPool', 'federatedToIdentityPool']);
  });
});

describe('renewal', () => {
  it('leaves credentials alone outside the renewal window and renews them with one GetCredentialsForIdentity inside it', async () => {
    const t = await federatedInstance();
    const expiresAt = t.result.credentials.expiration.getTime();

    clock.offset = expiresAt - Date.now() - RENEW_BEFORE_EXPIRY_MS - MINUTE; // 3 minutes before expiry
    const early = await t.ok(t.auth.fetchAuthSession(), 'fetch 3 minutes before expiry');
    expect(h.calls()).toEqual([]);
    expect(early.credentials).toEqual(t.result.credentials);

    clock.offset = expiresAt - Date.now() - MINUTE; // 1 minute before expiry
    const renewed = await t.ok(t.auth.fetchAuthSession(), 'fetch 1 minute before expiry');
    measured['renewal near expiry'] = h.operations();
    expect(h.calls().map((c) => [c.operation, c.identityId, c.loginKeys, c.outcome])).toEqual([
      ['GetCredentialsForIdentity', t.result.identityId, [FACEBOOK], 'success'],
    ]);
    expect(renewed.isSignedIn).toBe(true);
    expect(renewed.identityId).toBe(t.result.identityId);
    expect(renewed.credentials!.accessKeyId).not.toBe(t.result.credentials.accessKeyId);
    expect(renewed.credentials!.secretAccessKey).not.toBe(t.result.credentials.secretAccessKey);
    expect(renewed.credentials!.expiration.getTime() - clock.now()).toBeGreaterThan(HOUR - 5_000);

    h.emu.clearCalls();
    await t.ok(t.auth.fetchAuthSession(), 'fetch after renewal');
    expect(h.calls()).toEqual([]);
  });

  it('renews on forceRefresh with one GetCredentialsForIdentity and no GetId', async () => {
    const t = await federatedInstance();
    const renewed = await t.ok(t.auth.fetchAuthSession({ forceRefresh: true }), 'forceRefresh');
    measured['renewal, forceRefresh'] = h.operations();
    expect(h.calls().map((c) => [c.operation, c.identityId, c.loginKeys])).toEqual([
      ['GetCredentialsForIdentity', t.result.identityId, [FACEBOOK]],
    ]);
    expect(renewed.identityId).toBe(t.result.identityId);
    expect(renewed.credentials!.accessKeyId).not.toBe(t.result.credentials.accessKeyId);
    expect(t.storage.session()).toMatchObject({ credentials: { accessKeyId: renewed.credentials!.accessKeyId } });
  });

  it('shares one GetCredentialsForIdentity between 100 concurrent fetchAuthSession calls at expiry', async () => {
    const t = await federatedInstance();
    clock.offset = t.result.credentials.expiration.getTime() - Date.now() - MINUTE;

    const sessions = await within(
      Promise.all(Array.from({ length: 100 }, (_, i) => t.ok(t.auth.fetchAuthSession(), `concurrent fetch ${i}`))),
      '100 concurrent fetches',
    );

    measured['100 concurrent fetchAuthSession at expiry'] = h.operations();
    expect(h.operations()).toEqual(['GetCredentialsForIdentity']);
    expect(sessions).toHaveLength(100);
    const fresh = sessions[0]!.credentials!;
    expect(fresh.accessKeyId).not.toBe(t.result.credentials.accessKeyId);
    expect(fresh.expiration.getTime() - clock.now()).toBeGreaterThan(RENEW_BEFORE_EXPIRY_MS);
    for (const session of sessions) {
      expect(session).toEqual({ isSignedIn: true, identityId: t.result.identityId, credentials: fresh });
    }
  });

  it('asks federation.refreshProviderToken for a fresh token and renews the same identity with it', async () => {
    const subject = sub('hooked');
    const asked: unknown[] = [];
    const fresh: string[] = [];
    const t = h.auth({
      federation: {
        refreshProviderToken: async (provider) => {
          asked.push(provider);
          const token = await h.mint(FACEBOOK, subject);
          fresh.push(token);
          return token;
        },
      },
    });
    // Valid for five minutes only: a renewal an hour later succeeds only with a fresh token.
    const shortLived = await h.mint(FACEBOOK, subject, { expiresIn: 5 * 60 });
    const first = await t.ok(t.auth.federateToIdentityPool(shortLived, AuthProvider.facebook), 'federate');
    expect(asked).toEqual([]);
    h.emu.clearCalls();
    clock.offset = first.credentials.expiration.getTime() - Date.now() - MINUTE;

    const renewed = await t.ok(t.auth.fetchAuthSession(), 'renewal with a fresh token');

    expect(asked).toEqual([AuthProvider.facebook]);
    expect(h.calls().map((c) => [c.operation, c.identityId, c.loginKeys, c.outcome])).toEqual([
      ['GetCredentialsForIdentity', first.identityId, [FACEBOOK], 'success'],
    ]);
    expect(renewed.identityId).toBe(first.identityId);
    expect(renewed.credentials!.accessKeyId).not.toBe(first.credentials.accessKeyId);
    expect(t.storage.session()).toMatchObject({ token: fresh[0] });

    // Control: at this time the emulator refuses the first token.
    const client = new CognitoIdentityClient({ endpoint: h.emu.endpoint, region: h.emu.region, maxAttempts: 1 });
    await expect(
      client.send(new GetIdCommand({ IdentityPoolId: h.emu.identityPoolId, Logins: { [FACEBOOK]: shortLived } })),
    ).rejects.toMatchObject({ name: 'NotAuthorizedException' });
    client.destroy();
  });
});

describe('a token Cognito refuses at renewal', () => {
  it('rejects with SessionExpiredError and fires sessionExpired once across two fetches (injected NotAuthorizedException)', async () => {
    const t = await federatedInstance();
    h.emu.addFault({ operation: 'GetCredentialsForIdentity', error: 'NotAuthorizedException', count: 1 });

    const first = await t.failure(t.auth.fetchAuthSession({ forceRefresh: true }), 'renewal refused');
    const second = await t.failure(t.auth.fetchAuthSession(), 'fetch after refusal');

    expectAuthError(first, 'SessionExpiredError');
    expectAuthError(second, 'SessionExpiredError');
    expect(h.calls().map((c) => [c.operation, c.identityId, c.error])).toEqual([
      ['GetCredentialsForIdentity', t.result.identityId, 'NotAuthorizedException'],
    ]);
    expect(t.hub.filter((e) => e.event === 'sessionExpired')).toHaveLength(1);
    expect(t.state()).toBe('sessionExpired');
  });

  it('rejects with SessionExpiredError when the provider token has really expired, and a fresh token federates again', async () => {
    const t = await federatedInstance({ expiresIn: 5 * 60 });
    clock.offset = t.result.credentials.expiration.getTime() - Date.now() - MINUTE;

    const first = await t.failure(t.auth.fetchAuthSession(), 'renewal with an expired token');
    const second = await t.failure(t.auth.fetchAuthSession(), 'second fetch');

    expectAuthError(first, 'SessionExpiredError');
    expectAuthError(second, 'SessionExpiredError');
    const calls = h.calls();
    expect(calls.map((c) => [c.operation, c.identityId, c.error, c.injected])).toEqual([
      ['GetCredentialsForIdentity', t.result.identityId, 'NotAuthorizedException', undefined],
    ]);
    expect(t.hub.filter((e) => e.event === 'sessionExpired')).toHaveLength(1);

    const fresh = await h.mint(FACEBOOK, t.subject);
    const again = await t.ok(t.auth.federateToIdentityPool(fresh, AuthProvider.facebook), 'federate again');
    expect(again.identityId).toBe(t.result.identityId);
    expect(t.state()).toBe('federated.active');
  });
});

describe('a transient failure at renewal', () => {
  it.each([
    ['throttling', 'TooManyRequestsException'],
    ['a 5xx', 'InternalErrorException'],
    ['a dropped connection', 'ConnectionDropped'],
  ] as const)('rejects that call with ServiceError on %s, keeps the session, and the next call renews', async (_, fault) => {
    const t = await federatedInstance();
    h.emu.addFault({ operation: 'GetCredentialsForIdentity', error: fault, count: 3 });

    const error = await t.failure(t.auth.fetchAuthSession({ forceRefresh: true }), `renewal on ${fault}`);

    expectAuthError(error, 'ServiceError');
    // The SDK tries three times; every attempt reached the emulator and failed.
    expect(h.calls().map((c) => [c.operation, c.error, c.injected])).toEqual(
      Array.from({ length: 3 }, () => ['GetCredentialsForIdentity', fault, true]),
    );
    expect(t.state()).toBe('federated.active');
    expect(t.hub.map((e) => e.event)).toEqual(['federatedToIdentityPool']);
    h.emu.clearCalls();

    const kept = await t.ok(t.auth.fetchAuthSession(), 'fetch after the failure');
    expect(kept).toEqual({ isSignedIn: true, identityId: t.result.identityId, credentials: t.result.credentials });
    expect(h.calls()).toEqual([]);

    const renewed = await t.ok(t.auth.fetchAuthSession({ forceRefresh: true }), 'renewal after the failure');
    expect(h.calls().map((c) => [c.operation, c.identityId, c.outcome])).toEqual([
      ['GetCredentialsForIdentity', t.result.identityId, 'success'],
    ]);
    expect(renewed.credentials!.accessKeyId).not.toBe(t.result.credentials.accessKeyId);
  });
});

describe('clearing the federation', () => {
  it('makes no call, empties the stored session, and a new instance over the same storage starts signed out', async () => {
    const t = await federatedInstance();
    expect(t.storage.keys()).toContain(SESSION_KEY);

    await t.ok(t.auth.clearFederationToIdentityPool(), 'clear');

    measured['clearFederationToIdentityPool'] = h.operations();
    expect(h.calls()).toEqual([]);
    expect(t.hub.map((e) => e.event)).toEqual(['federatedToIdentityPool', 'federationToIdentityPoolCleared']);
    expect(t.storage.keys()).not.toContain(SESSION_KEY);
    expect(t.storage.session()).toBeNull();
    expect(t.state()).toBe('signedOut.idle');
    expect(await t.ok(t.auth.fetchAuthSession(), 'fetch after clear')).toEqual({ isSignedIn: false });

    const next = h.auth({ storage: t.storage });
    await within(next.auth.ready, 'ready');
    expect(next.state()).toBe('signedOut.idle');
    expect(await next.ok(next.auth.fetchAuthSession(), 'fetch in a new instance')).toEqual({ isSignedIn: false });
    expect(h.calls()).toEqual([]);
  });

  it('cancels a federation waiting on GetId: federate rejects with CancelledError, and the late answer changes nothing', async () => {
    const t = h.auth();
    await within(t.auth.ready, 'ready');
    const token = await h.mint(FACEBOOK, sub('cancelled'));
    h.emu.addFault({ latencyMs: 300 });

    const federation = t.auth.federateToIdentityPool(token, AuthProvider.facebook);
    await sleep(50);
    expect(t.state()).toBe('federating');
    const clear = t.auth.clearFederationToIdentityPool();

    expectAuthError(await t.failure(federation, 'cancelled federation'), 'CancelledError');
    await t.ok(clear, 'clear during federating');
    expect(t.state()).toBe('signedOut.idle');
    expect(t.storage.session()).toBeNull();

    await sleep(400); // past the emulator's answer
    expect(h.operations()).toEqual(['GetId']);
    expect(t.state()).toBe('signedOut.idle');
    expect(t.storage.keys()).not.toContain(SESSION_KEY);
    expect(await t.ok(t.auth.fetchAuthSession(), 'fetch after the late answer')).toEqual({ isSignedIn: false });
    expect(t.hub.map((e) => e.event)).toEqual(['federationToIdentityPoolCleared']);
  });

  it('cancels a federation waiting on GetCredentialsForIdentity, and the credentials answered late are never kept', async () => {
    const t = h.auth();
    await within(t.auth.ready, 'ready');
    const token = await h.mint(FACEBOOK, sub('cancelled-late'));
    h.emu.addFault({ operation: 'GetCredentialsForIdentity', latencyMs: 300 });

    const federation = t.auth.federateToIdentityPool(token, AuthProvider.facebook);
    await within(vi.waitFor(() => expect(h.operations()).toEqual(['GetId']), { interval: 5 }), 'GetId answered');
    // GetCredentialsForIdentity is held 300 ms at the emulator; give the request time to get there
    // (the log records calls when they end), so the clear lands while it is in flight.
    await sleep(100);
    const clear = t.auth.clearFederationToIdentityPool();

    expectAuthError(await t.failure(federation, 'cancelled federation'), 'CancelledError');
    await t.ok(clear, 'clear during federating');

    await sleep(400);
    expect(h.calls().map((c) => [c.operation, c.outcome])).toEqual([
      ['GetId', 'success'],
      ['GetCredentialsForIdentity', 'success'],
    ]);
    expect(t.state()).toBe('signedOut.idle');
    expect(t.storage.session()).toBeNull();
    expect(await t.ok(t.auth.fetchAuthSession(), 'fetch after the late answer')).toEqual({ isSignedIn: false });
    expect(t.hub.map((e) => e.event)).toEqual(['federationToIdentityPoolCleared']);
  });
});

describe('restoring a stored session', () => {
  it('starts federated with no call while the stored credentials are valid', async () => {
    const t = await federatedInstance();
    t.auth.stop();

    const next = h.auth({ storage: t.storage });
    await within(next.auth.ready, 'ready');
    expect(next.state()).toBe('federated.active');
    const session = await next.ok(next.auth.fetchAuthSession(), 'fetch after restore');

    measured['restore + fetchAuthSession'] = h.operations();
    expect(h.calls()).toEqual([]);
    expect(session).toEqual({ isSignedIn: true, identityId: t.result.identityId, credentials: t.result.credentials });
    expect(next.hub).toEqual([]);
  });

  it('renews expired stored credentials with one GetCredentialsForIdentity at the first fetch', async () => {
    const t = await federatedInstance({ expiresIn: 2 * 60 * 60 });
    t.auth.stop();
    clock.offset = t.result.credentials.expiration.getTime() - Date.now() + MINUTE; // expired a minute ago

    const next = h.auth({ storage: t.storage });
    await within(next.auth.ready, 'ready');
    expect(h.calls()).toEqual([]);
    const session = await next.ok(next.auth.fetchAuthSession(), 'first fetch after restore');

    measured['restore with expired credentials + fetchAuthSession'] = h.operations();
    expect(h.calls().map((c) => [c.operation, c.identityId, c.loginKeys, c.outcome])).toEqual([
      ['GetCredentialsForIdentity', t.result.identityId, [FACEBOOK], 'success'],
    ]);
    expect(session.isSignedIn).toBe(true);
    expect(session.identityId).toBe(t.result.identityId);
    expect(session.credentials!.expiration.getTime()).toBeGreaterThan(clock.now() + RENEW_BEFORE_EXPIRY_MS);
  });
});

describe('guest access', () => {
  it('gives a signed-out session guest credentials with GetId and GetCredentialsForIdentity without logins, and keeps them', async () => {
    const t = h.auth({ allowGuestAccess: true });

    const guest = await t.ok(t.auth.fetchAuthSession(), 'guest fetch');

    const calls = h.calls();
    measured['guest, first fetchAuthSession'] = calls.map((c) => c.operation);
    expect(calls.map((c) => [c.operation, c.loginKeys, c.outcome])).toEqual([
      ['GetId', [], 'success'],
      ['GetCredentialsForIdentity', [], 'success'],
    ]);
    expect(calls[1]!.identityId).toBe(guest.identityId);
    expect(guest.isSignedIn).toBe(false);
    expect(guest.identityId).toMatch(IDENTITY_ID);
    expect(guest.credentials?.accessKeyId).toMatch(/^ASIA/);
    h.emu.clearCalls();

    const again = await t.ok(t.auth.fetchAuthSession(), 'second guest fetch');
    expect(h.calls()).toEqual([]);
    expect(again).toEqual(guest);
  });

  it('gives no credentials and makes no call without allowGuestAccess', async () => {
    const t = h.auth();
    const session = await t.ok(t.auth.fetchAuthSession(), 'signed-out fetch');
    expect(session).toEqual({ isSignedIn: false });
    expect(h.calls()).toEqual([]);
  });
});

describe('the credentials provider', () => {
  it('serves the session credentials to an AWS SDK v3 client', async () => {
    const t = await federatedInstance();
    const client = new CognitoIdentityClient({
      endpoint: h.emu.endpoint,
      region: h.emu.region,
      credentials: t.auth.credentialsProvider,
      maxAttempts: 1,
    });

    const resolved = await within(client.config.credentials(), 'SDK credentials');
    expect(resolved).toMatchObject({
      accessKeyId: t.result.credentials.accessKeyId,
      secretAccessKey: t.result.credentials.secretAccessKey,
      sessionToken: t.result.credentials.sessionToken,
      expiration: t.result.credentials.expiration,
    });
    expect(h.calls()).toEqual([]);

    // The SDK signs with them: the emulator sees the request and refuses the (non-developer) key.
    await expect(
      client.send(new DescribeIdentityPoolCommand({ IdentityPoolId: h.emu.identityPoolId })),
    ).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
    expect(h.calls().map((c) => [c.operation, c.error])).toEqual([['DescribeIdentityPool', 'UnrecognizedClientException']]);
    client.destroy();
    h.emu.clearCalls();

    clock.offset = t.result.credentials.expiration.getTime() - Date.now() - MINUTE;
    const renewed = await t.ok(t.auth.credentialsProvider(), 'provider at expiry');
    expect(h.operations()).toEqual(['GetCredentialsForIdentity']);
    expect(renewed.accessKeyId).not.toBe(t.result.credentials.accessKeyId);
  });

  it('rejects with NotAuthorizedError when there are no credentials, without a call', async () => {
    const t = h.auth();
    expectAuthError(await t.failure(t.auth.credentialsProvider(), 'provider signed out'), 'NotAuthorizedError');
    expect(h.calls()).toEqual([]);
  });
});

describe('the credentials provider in an AWS SDK credential chain', () => {
  const STATIC = { accessKeyId: 'ASIASTATICKEY', secretAccessKey: 'static-secret', sessionToken: 'static-session' };

  /** Ours first, a static provider second, through the SDK's own chain() and createCredentialChain. */
  function chains(ours: AwsCredentialIdentityProvider) {
    const fallback = vi.fn(async () => STATIC);
    return { fallback, chains: [chain(ours, fallback), createCredentialChain(ours, fallback)] as AwsCredentialIdentityProvider[] };
  }

  it('lets the chain move on when signed out, with tryNextLink, and makes no call', async () => {
    const t = h.auth();
    const { fallback, chains: both } = chains(t.auth.credentialsProvider);
    for (const provider of both) await expect(within(provider(), 'chain signed out')).resolves.toEqual(STATIC);
    expect(fallback).toHaveBeenCalledTimes(2);
    const error = await t.failure(t.auth.credentialsProvider(), 'provider signed out');
    expectAuthError(error, 'NotAuthorizedError');
    expect(error).toMatchObject({ tryNextLink: true });
    expect(h.calls()).toEqual([]);
  });

  it('answers first when federated, with the identityId as fromCognitoIdentityPool gives it', async () => {
    const t = await federatedInstance();
    const { fallback, chains: both } = chains(t.auth.credentialsProvider);
    for (const provider of both) {
      const credentials = (await within(provider(), 'chain federated')) as CognitoIdentityCredentials;
      expect(credentials).toEqual({ ...t.result.credentials, identityId: t.result.identityId });
    }
    expect(fallback).not.toHaveBeenCalled();

    // The SDK's own Cognito provider, against the same emulator, gives the same shape.
    const sdk = fromCognitoIdentityPool({
      identityPoolId: h.emu.identityPoolId,
      logins: { [FACEBOOK]: t.token },
      clientConfig: { region: h.emu.region, endpoint: h.emu.endpoint, maxAttempts: 1 },
    });
    const theirs = await within(sdk(), 'fromCognitoIdentityPool');
    expect(Object.keys(theirs).sort()).toEqual(expect.arrayContaining(['accessKeyId', 'expiration', 'identityId', 'secretAccessKey', 'sessionToken']));
    expect(theirs.identityId).toBe(t.result.identityId);
  });

  it('stops the chain when the session has expired: no fallback to another identity', async () => {
    const t = await federatedInstance();
    h.emu.addFault({ operation: 'GetCredentialsForIdentity', error: 'NotAuthorizedException', count: 1 });
    await t.failure(t.auth.fetchAuthSession({ forceRefresh: true }), 'renewal refused');
    const { fallback, chains: both } = chains(t.auth.credentialsProvider);
    for (const provider of both) {
      const error = await t.failure(provider(), 'chain after expiry');
      expectAuthError(error, 'SessionExpiredError');
      expect(error).toMatchObject({ tryNextLink: false });
    }
    expect(fallback).not.toHaveBeenCalled();
  });

  it('stops the chain on a transient failure: the session is kept and no other identity answers', async () => {
    const t = await federatedInstance();
    // Three attempts per renewal (the client retries), for each of the two chains.
    h.emu.addFault({ operation: 'GetCredentialsForIdentity', error: 'InternalErrorException', count: 6 });
    clock.offset = t.result.credentials.expiration.getTime() - Date.now() - MINUTE;
    const { fallback, chains: both } = chains(t.auth.credentialsProvider);
    for (const provider of both) {
      const error = await t.failure(provider(), 'chain throttled');
      expectAuthError(error, 'ServiceError');
      expect(error).toMatchObject({ tryNextLink: false });
    }
    expect(fallback).not.toHaveBeenCalled();
  });
});

describe('custom role and input validation', () => {
  it('passes customRoleArn to GetCredentialsForIdentity, at federation and at renewal', async () => {
    const t = h.auth();
    const token = await h.mint(FACEBOOK, sub('role'));
    await t.ok(t.auth.federateToIdentityPool(token, AuthProvider.facebook, { customRoleArn: ROLE_ARN }), 'federate');
    expect(h.calls().map((c) => [c.operation, c.roleArn])).toEqual([
      ['GetId', undefined],
      ['GetCredentialsForIdentity', ROLE_ARN],
    ]);
    h.emu.clearCalls();

    await t.ok(t.auth.fetchAuthSession({ forceRefresh: true }), 'renewal');
    expect(h.calls().map((c) => [c.operation, c.roleArn])).toEqual([['GetCredentialsForIdentity', ROLE_ARN]]);
  });

  it('rejects a malformed customRoleArn with ValidationError: nothing sent, nothing changed', async () => {
    const t = await federatedInstance();
    const stored = t.storage.session();
    const token = await h.mint(FACEBOOK, sub('bad-role'));
    for (const customRoleArn of ['not-an-arn', 'arn:aws:iam::123:role/x', 'arn:aws:s3:::bucket/role/MyRole']) {
      const error = await t.failure(
        t.auth.federateToIdentityPool(token, AuthProvider.facebook, { customRoleArn }),
        `customRoleArn ${customRoleArn}`,
      );
      expectAuthError(error, 'ValidationError');
    }
    expect(h.calls()).toEqual([]);
    expect(t.state()).toBe('federated.active');
    expect(t.storage.session()).toEqual(stored);
    expect(t.hub.map((e) => e.event)).toEqual(['federatedToIdentityPool']);
  });

  it('rejects other bad input with ValidationError before anything is sent', async () => {
    const t = h.auth();
    await within(t.auth.ready, 'ready');
    const token = await h.mint(FACEBOOK, sub('bad-input'));
    const attempts: Array<[string, () => Promise<unknown>]> = [
      ['empty token', () => t.auth.federateToIdentityPool('', AuthProvider.facebook)],
      ['token with white space', () => t.auth.federateToIdentityPool(`${token} x`, AuthProvider.facebook)],
      ['unknown provider', () => t.auth.federateToIdentityPool(token, { type: 'myspace', loginKey: 'x' } as never)],
      ['wrong login key', () => t.auth.federateToIdentityPool(token, { type: 'facebook', loginKey: 'evil.example' })],
      ['bad identity id', () => t.auth.federateToIdentityPool(token, AuthProvider.facebook, { developerProvidedIdentityId: 'nope' })],
      ['options not an object', () => t.auth.federateToIdentityPool(token, AuthProvider.facebook, 'x' as never)],
      ['forceRefresh not a boolean', () => t.auth.fetchAuthSession({ forceRefresh: 'yes' as never })],
    ];
    for (const [label, attempt] of attempts) {
      expectAuthError(await t.failure(attempt(), label), 'ValidationError');
    }
    expect(h.calls()).toEqual([]);
    expect(t.state()).toBe('signedOut.idle');
    expect(t.storage.keys()).not.toContain(SESSION_KEY);
    expect(t.hub).toEqual([]);
  });
});

describe('which calls are allowed in which state', () => {
  it('rejects federate at once while a federation is in flight, and the first federation completes', async () => {
    const t = h.auth();
    await within(t.auth.ready, 'ready');
    const [one, two] = await Promise.all([h.mint(FACEBOOK, sub('one')), h.mint(FACEBOOK, sub('two'))]);
    h.emu.addFault({ latencyMs: 150 });

    const first = t.auth.federateToIdentityPool(one, AuthProvider.facebook);
    await vi.waitFor(() => expect(t.state()).toBe('federating'), { interval: 1 });
    const startedAt = Date.now();
    const second = t.auth.federateToIdentityPool(two, AuthProvider.facebook);
    const settled = second.then(
      () => ({ at: Date.now(), state: t.state() }),
      () => ({ at: Date.now(), state: t.state() }),
    );
    const error = await t.failure(second, 'federate while federating');
    const { at, state } = await settled;
    expect(at - startedAt).toBeLessThan(100);
    expect(state).toBe('federating');
    expectAuthError(error, 'InvalidStateError');
    expect((error as Error).message).toContain('clearFederationToIdentityPool');

    const result = await t.ok(first, 'first federation');
    expect(h.calls().map((c) => [c.operation, c.identityId])).toEqual([
      ['GetId', result.identityId],
      ['GetCredentialsForIdentity', result.identityId],
    ]);
  });

  it('rejects clear while signed out with InvalidStateError', async () => {
    const t = h.auth();
    expectAuthError(await t.failure(t.auth.clearFederationToIdentityPool(), 'clear while signed out'), 'InvalidStateError');
    expect(t.state()).toBe('signedOut.idle');
    expect(t.hub).toEqual([]);
  });

  it('rejects signIn and signOut while federated with InvalidStateError naming clearFederationToIdentityPool', async () => {
    // A user pool is configured, so signIn is a valid call whose only obstacle is the state.
    const t = await federatedInstance({}, { userPool: { userPoolId: 'us-east-1_emulator', userPoolClientId: 'emulatoruserpoolclient0001' } });
    for (const [label, call] of [
      ['signIn', () => t.auth.signIn({ username: 'someone', password: 'not-a-real-password' })],
      ['signOut', () => t.auth.signOut()],
    ] as const) {
      const error = await t.failure(call(), `${label} while federated`);
      expectAuthError(error, 'InvalidStateError');
      expect((error as Error).message).toContain('clearFederationToIdentityPool');
    }
    expect(t.state()).toBe('federated.active');
    expect(h.calls()).toEqual([]);
  });

  it('after a failed federation, allows clear (no call) and federate again', async () => {
    const t = h.auth();
    const token = await h.mint(FACEBOOK, sub('after-failure'));
    h.emu.addFault({ operation: 'GetId', error: 'NotAuthorizedException', count: 1 });

    const error = await t.failure(t.auth.federateToIdentityPool(token, AuthProvider.facebook), 'refused federation');
    expectAuthError(error, 'NotAuthorizedError');
    expect(t.state()).toBe('signedOut.federationFailed');
    expect(t.hub.map((e) => e.event)).toEqual(['federateToIdentityPool_failure']);
    expect(t.storage.keys()).not.toContain(SESSION_KEY);
    h.emu.clearCalls();

    await t.ok(t.auth.clearFederationToIdentityPool(), 'clear after failure');
    expect(h.calls()).toEqual([]);
    expect(t.state()).toBe('signedOut.idle');

    h.emu.addFault({ operation: 'GetId', error: 'NotAuthorizedException', count: 1 });
    await t.failure(t.auth.federateToIdentityPool(token, AuthProvider.facebook), 'refused again');
    const result = await t.ok(t.auth.federateToIdentityPool(token, AuthProvider.facebook), 'federate after failure');
    expect(result.identityId).toMatch(IDENTITY_ID);
    expect(t.state()).toBe('federated.active');
  });
});

describe('secrets', () => {
  it('never shows a token, secret key or session token in anything the flows above made observable', () => {
    // The scanner finds a planted secret.
    const probe = new Observatory();
    probe.secret('planted-secret-value');
    probe.add('console', 'probe', 'prefix planted-secret-value suffix');
    expect(probe.leaks()).toHaveLength(1);

    const leaks = observatory.leaks();
    const counts = observatory.counts();
    observatory.restoreConsole();
    console.log(
      `secret scan: ${observatory.observations.length} observable items scanned for ${observatory.secrets.size} secrets ` +
        `(${Object.entries(counts).map(([kind, n]) => `${kind} ${n}`).join(', ')})`,
    );
    console.log(`calls per operation, from the emulator's call log: ${JSON.stringify(measured)}`);

    expect(leaks).toEqual([]);
    // The scan is not vacuous: secrets went through the machine and were masked on the way out.
    expect(observatory.secrets.size).toBeGreaterThan(50);
    expect(counts.inspection).toBeGreaterThan(1_000);
    expect(counts.hub).toBeGreaterThan(10);
    expect(counts.error).toBeGreaterThan(50);
    expect(counts.snapshot).toBeGreaterThan(100);
    expect(observatory.observations.some(({ kind, text }) => kind === 'inspection' && text.includes('[secret]'))).toBe(true);
    expect(observatory.observations.some(({ kind, text }) => kind === 'snapshot' && text.includes('[secret]'))).toBe(true);
  });
});
