// Unit tests of the Promise API over a scripted Cognito Identity service (a test double, not the
// real SDK). The same flows run against the emulator over HTTP in test/integration.
import { describe, expect, it, vi } from 'vitest';
import { AuthError } from '../../src/vocabulary/AuthError.js';
import { AuthProvider } from '../../src/vocabulary/AuthProvider.js';
import { createAuth, createAuthWith, type AuthConfig } from '../../src/createAuth.js';
import { createMemoryStorage } from '../../src/storage/createMemoryStorage.js';
import { createFakeIdentityService } from '../support/fakeIdentityService.js';

const base: AuthConfig = { region: 'us-east-1', identityPoolId: 'us-east-1:11111111-2222-4333-8444-555555555555' };

function setup(extra: Partial<AuthConfig> = {}, now = { t: 1_700_000_000_000 }) {
  const fake = createFakeIdentityService({ now: () => now.t });
  const storage = extra.storage ?? createMemoryStorage();
  const auth = createAuthWith({ ...base, storage, clock: () => now.t, ...extra }, { identity: fake.service });
  const events: string[] = [];
  auth.hub.listen('auth', ({ payload }) => events.push(payload.event));
  return { auth, fake, storage, events, now };
}

describe('createAuth over a scripted identity service', () => {
  it('federates with GetId then GetCredentialsForIdentity and answers fetchAuthSession with no call', async () => {
    const { auth, fake, events } = setup();
    await auth.ready;
    const result = await auth.federateToIdentityPool('fb-token', AuthProvider.facebook);
    expect(result.identityId).toMatch(/^us-east-1:/);
    expect(result.credentials.expiration).toBeInstanceOf(Date);
    expect(fake.calls.map((c) => c.operation)).toEqual(['GetId', 'GetCredentialsForIdentity']);
    expect(fake.calls[0]!.loginKeys).toEqual(['graph.facebook.com']);
    const session = await auth.fetchAuthSession();
    expect(session.isSignedIn).toBe(true);
    expect(session.identityId).toBe(result.identityId);
    expect(fake.calls).toHaveLength(2);
    expect(events).toEqual(['federatedToIdentityPool']);
    auth.stop();
  });

  it('answers every call taken off the instance, as an SDK client calls credentialsProvider', async () => {
    const { auth, fake } = setup();
    // Taken before the API bodies have loaded, then called after: no call may need `this`.
    const { federateToIdentityPool, fetchAuthSession, credentialsProvider, clearFederationToIdentityPool, getCurrentUser } = auth;
    const { identityId } = await federateToIdentityPool('fb-token', AuthProvider.facebook);
    await expect(fetchAuthSession()).resolves.toMatchObject({ isSignedIn: true, identityId });
    await expect(fetchAuthSession({ forceRefresh: false })).resolves.toMatchObject({ isSignedIn: true, identityId });
    await expect(credentialsProvider()).resolves.toMatchObject({ expiration: expect.any(Date) });
    await expect(getCurrentUser()).rejects.toMatchObject({ name: 'InvalidStateError' });
    await clearFederationToIdentityPool();
    await expect(fetchAuthSession()).resolves.toEqual({ isSignedIn: false });
    expect(fake.calls.map((c) => c.operation)).toEqual(['GetId', 'GetCredentialsForIdentity']);
    auth.stop();
  });

  it('shares one renewal between 100 concurrent fetchAuthSession calls at expiry', async () => {
    const { auth, fake, now } = setup();
    await auth.federateToIdentityPool('fb-token', AuthProvider.facebook);
    now.t += 3_600_000 - 60_000;
    fake.calls.length = 0;
    const sessions = await Promise.all(Array.from({ length: 100 }, () => auth.fetchAuthSession()));
    expect(fake.calls.map((c) => c.operation)).toEqual(['GetCredentialsForIdentity']);
    expect(new Set(sessions.map((s) => s.credentials?.accessKeyId)).size).toBe(1);
    expect(sessions[0]!.credentials!.expiration.getTime()).toBeGreaterThan(now.t + 120_000);
    auth.stop();
  });

  it('refuses renewBeforeExpiryMs and deadlineMs outside their bounds, naming the option and the bounds', () => {
    const touched = vi.fn();
    const storage = {
      getItem: async () => (touched(), null),
      setItem: async () => void touched(),
      removeItem: async () => void touched(),
    };
    expect(() => createAuth({ ...base, storage, renewBeforeExpiryMs: 30 * 60_000 + 1 })).toThrow(
      expect.objectContaining({
        name: 'ValidationError',
        message: 'renewBeforeExpiryMs must be whole milliseconds from 0 to 1800000.',
      }),
    );
    expect(() => createAuth({ ...base, storage, deadlineMs: 999 })).toThrow(
      expect.objectContaining({
        name: 'ValidationError',
        message: 'deadlineMs must be whole milliseconds from 1000 to 300000.',
      }),
    );
    expect(touched).not.toHaveBeenCalled();
    // The bounds themselves are allowed.
    for (const extra of [{ renewBeforeExpiryMs: 0, deadlineMs: 1_000 }, { renewBeforeExpiryMs: 30 * 60_000, deadlineMs: 5 * 60_000 }]) {
      createAuth({ ...base, ...extra }).stop();
    }
  });

  it('renews later with a short renewBeforeExpiryMs', async () => {
    const { auth, fake, now } = setup({ renewBeforeExpiryMs: 30_000 });
    const { credentials } = await auth.federateToIdentityPool('fb-token', AuthProvider.facebook);
    const expiry = credentials.expiration.getTime();
    fake.calls.length = 0;
    // Inside the default 2-minute window, outside the 30-second one: answered from memory.
    now.t = expiry - 60_000;
    await expect(auth.fetchAuthSession()).resolves.toMatchObject({ credentials: { accessKeyId: credentials.accessKeyId } });
    expect(fake.calls).toHaveLength(0);
    now.t = expiry - 30_000;
    await auth.fetchAuthSession();
    expect(fake.calls.map((c) => c.operation)).toEqual(['GetCredentialsForIdentity']);
    auth.stop();
  });

  it('renews earlier with a long renewBeforeExpiryMs', async () => {
    const { auth, fake, now } = setup({ renewBeforeExpiryMs: 10 * 60_000 });
    const { credentials } = await auth.federateToIdentityPool('fb-token', AuthProvider.facebook);
    const expiry = credentials.expiration.getTime();
    fake.calls.length = 0;
    now.t = expiry - 10 * 60_000 - 1;
    await auth.fetchAuthSession();
    expect(fake.calls).toHaveLength(0);
    // Outside the default 2-minute window, inside the 10-minute one: renewed.
    now.t = expiry - 9 * 60_000;
    const session = await auth.fetchAuthSession();
    expect(fake.calls.map((c) => c.operation)).toEqual(['GetCredentialsForIdentity']);
    expect(session.credentials!.accessKeyId).not.toBe(credentials.accessKeyId);
    auth.stop();
  });

  it('fails a call that outlives the configured deadlineMs, in its words', async () => {
    const fake = createFakeIdentityService();
    const auth = createAuthWith({ ...base, deadlineMs: 1_000 }, { identity: fake.service });
    await auth.ready;
    fake.script.push('hang');
    await expect(auth.federateToIdentityPool('fb-token', AuthProvider.facebook)).rejects.toMatchObject({
      name: 'ServiceError',
      message: expect.stringContaining('within 1 s'),
    });
    auth.stop();
  });

  it('rejects with SessionExpiredError and fires sessionExpired once when the token is refused at renewal', async () => {
    const { auth, fake, events } = setup();
    await auth.federateToIdentityPool('fb-token', AuthProvider.facebook);
    fake.script.push('NotAuthorizedException');
    await expect(auth.fetchAuthSession({ forceRefresh: true })).rejects.toMatchObject({ name: 'SessionExpiredError' });
    await expect(auth.fetchAuthSession()).rejects.toMatchObject({ name: 'SessionExpiredError' });
    expect(events.filter((e) => e === 'sessionExpired')).toHaveLength(1);
    auth.stop();
  });

  it('keeps the session when renewal is throttled, and the next call renews', async () => {
    const { auth, fake } = setup();
    const first = await auth.federateToIdentityPool('fb-token', AuthProvider.facebook);
    fake.script.push('TooManyRequestsException');
    await expect(auth.fetchAuthSession({ forceRefresh: true })).rejects.toMatchObject({ name: 'ServiceError' });
    const session = await auth.fetchAuthSession({ forceRefresh: true });
    expect(session.isSignedIn).toBe(true);
    expect(session.identityId).toBe(first.identityId);
    auth.stop();
  });

  it('cancels a federation in flight when cleared, and both calls settle', async () => {
    const { auth, fake, events } = setup();
    await auth.ready;
    fake.script.push('hang');
    const federation = auth.federateToIdentityPool('fb-token', AuthProvider.facebook);
    const clear = auth.clearFederationToIdentityPool();
    await expect(federation).rejects.toMatchObject({ name: 'CancelledError' });
    await expect(clear).resolves.toBeUndefined();
    expect(auth.actor.getSnapshot().matches('signedOut')).toBe(true);
    expect(events).toEqual(['federationToIdentityPoolCleared']);
    auth.stop();
  });

  it('restores a federated session from storage with no network call', async () => {
    const first = setup();
    await first.auth.federateToIdentityPool('fb-token', AuthProvider.facebook);
    first.auth.stop();
    const fake = createFakeIdentityService();
    const again = createAuthWith({ ...base, storage: first.storage, clock: () => first.now.t }, { identity: fake.service });
    await again.ready;
    expect(again.actor.getSnapshot().matches('federated')).toBe(true);
    expect((await again.fetchAuthSession()).isSignedIn).toBe(true);
    expect(fake.calls).toHaveLength(0);
    again.stop();
  });

  it('rejects getCurrentUser while federated', async () => {
    const { auth } = setup();
    await auth.federateToIdentityPool('fb-token', AuthProvider.facebook);
    const error = await auth.getCurrentUser().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({ name: 'InvalidStateError' });
    auth.stop();
  });

  it('fails a federation whose Cognito call never answers with ServiceError at the deadline', async () => {
    const fake = createFakeIdentityService();
    const auth = createAuthWith({ ...base }, { identity: fake.service, deadlineMs: 50 });
    await auth.ready;
    fake.script.push('hang');
    await expect(auth.federateToIdentityPool('fb-token', AuthProvider.facebook)).rejects.toMatchObject({
      name: 'ServiceError',
    });
    expect(auth.actor.getSnapshot().matches('signedOut')).toBe(true);
    await expect(auth.federateToIdentityPool('fb-token', AuthProvider.facebook)).resolves.toMatchObject({
      identityId: expect.stringMatching(/^us-east-1:/),
    });
    auth.stop();
  });

  it('keeps the federated session when renewal never answers, and renews on the next call', async () => {
    const fake = createFakeIdentityService();
    const auth = createAuthWith({ ...base }, { identity: fake.service, deadlineMs: 50 });
    const { identityId } = await auth.federateToIdentityPool('fb-token', AuthProvider.facebook);
    fake.script.push('hang');
    await expect(auth.fetchAuthSession({ forceRefresh: true })).rejects.toMatchObject({ name: 'ServiceError' });
    await expect(auth.fetchAuthSession({ forceRefresh: true })).resolves.toMatchObject({ isSignedIn: true, identityId });
    auth.stop();
  });

  it('settles waiting calls with CancelledError when stopped', async () => {
    const { auth, fake } = setup();
    await auth.ready;
    fake.script.push('hang');
    const federation = auth.federateToIdentityPool('fb-token', AuthProvider.facebook);
    await Promise.resolve();
    auth.stop();
    await expect(federation).rejects.toMatchObject({ name: 'CancelledError' });
  });
});
