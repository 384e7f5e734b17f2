// Regression tests for defects outside tests found in shared sessions, hung calls and stored
// records. Unit level: the Cognito Identity service is a scripted double (not the real SDK) so
// each interleaving is exact; the storage is the real memory backend, wrapped where a test needs
// a slow or silent one. Each test names the defect; "Before:" says what the library did.
import { describe, expect, it } from 'vitest';
import { AuthError } from '../../src/vocabulary/AuthError.js';
import { AuthProvider } from '../../src/vocabulary/AuthProvider.js';
import { createAuthWith, type Auth, type AuthConfig } from '../../src/createAuth.js';
import type { UserPoolService } from '../../src/services/authActors.js';
import { Secret } from '../../src/vocabulary/Secret.js';
import { AccessGroup } from '../../src/vocabulary/AccessGroup.js';
import { createMemoryStorage } from '../../src/storage/createMemoryStorage.js';
import type { SecureStorage } from '../../src/vocabulary/SecureStorage.js';
import { createFakeIdentityService } from '../support/fakeIdentityService.js';

const base: AuthConfig = { region: 'us-east-1', identityPoolId: 'us-east-1:11111111-2222-4333-8444-555555555555' };
const group = () => new AccessGroup({ name: 'team.shared' });
/** The other app's identity, distinct from any the identity doubles hand out. */
const theirIdentity = { developerProvidedIdentityId: 'us-east-1:aaaaaaaa-0000-4000-8000-00000000000a' };

/** A memory storage whose items the test can read and change behind the library's back. */
function openStorage() {
  const items = new Map<string, string>();
  const storage: SecureStorage = {
    getItem: async (key) => items.get(key) ?? null,
    setItem: async (key, value) => void items.set(key, value),
    removeItem: async (key) => void items.delete(key),
  };
  const sessionKeys = () => [...items.keys()].filter((key) => key.endsWith('/session'));
  return { items, storage, sessionKeys };
}

/** An identity service double whose next GetCredentialsForIdentity can be held until released. */
function holdableIdentity() {
  const fake = createFakeIdentityService();
  let gate: { arrived: () => void; opened: Promise<void> } | null = null;
  const service: typeof fake.service = {
    ...fake.service,
    async getCredentialsForIdentity(request, signal) {
      const held = gate;
      gate = null;
      if (held) {
        held.arrived();
        await held.opened;
      }
      return fake.service.getCredentialsForIdentity(request, signal);
    },
  };
  return {
    service,
    /** Holds the next GetCredentialsForIdentity: `reached` once it waits, `release` lets it go. */
    holdNext(): { reached: Promise<void>; release: () => void } {
      let arrived!: () => void;
      let release!: () => void;
      const reached = new Promise<void>((resolve) => (arrived = resolve));
      gate = { arrived, opened: new Promise<void>((resolve) => (release = resolve)) };
      return { reached, release };
    },
  };
}

function app(storage: SecureStorage, appId: string, extra: Partial<AuthConfig> = {}, identity = createFakeIdentityService().service) {
  return createAuthWith({ ...base, storage, appId, ...extra }, { identity });
}

/** Fails the test (instead of hanging it) when `promise` does not settle within `ms`. */
async function settles<T>(promise: Promise<T>, ms = 5_000): Promise<{ value?: T; error?: unknown }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const outcome = await Promise.race([
    promise.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    ),
    new Promise<'pending'>((resolve) => (timer = setTimeout(() => resolve('pending'), ms))),
  ]);
  clearTimeout(timer);
  if (outcome === 'pending') throw new Error(`did not settle within ${ms} ms`);
  return outcome;
}

const errorName = (outcome: { error?: unknown }) => (outcome.error instanceof AuthError ? outcome.error.name : String(outcome.error));

describe('a clear or sign-out in one app of a group is final', () => {
  it('a renewal that finishes after another app cleared does not bring the session back', async () => {
    const { storage, sessionKeys } = openStorage();
    const identityA = holdableIdentity();
    const a = app(storage, 'app.a', { secureStoragePreferences: { accessGroup: group() } }, identityA.service);
    const b = app(storage, 'app.b', { secureStoragePreferences: { accessGroup: group() } });
    await a.federateToIdentityPool('token-a', AuthProvider.google);
    expect((await b.fetchAuthSession()).isSignedIn).toBe(true);

    const hold = identityA.holdNext();
    const renewal = a.fetchAuthSession({ forceRefresh: true });
    await hold.reached;
    await b.clearFederationToIdentityPool();
    hold.release();

    // Before: A wrote its renewed credentials back, signing B and every new app in again.
    const answered = await settles(renewal);
    expect(answered.value?.isSignedIn).toBe(false);
    expect(sessionKeys()).toEqual([]);
    const c = app(storage, 'app.c', { secureStoragePreferences: { accessGroup: group() } });
    expect((await c.fetchAuthSession()).isSignedIn).toBe(false);
    expect((await b.fetchAuthSession()).isSignedIn).toBe(false);
    expect((await a.fetchAuthSession()).isSignedIn).toBe(false);
    for (const x of [a, b, c]) x.stop();
  });

  it('a federation that finishes after another app federated does not write over it', async () => {
    const { storage } = openStorage();
    const identityA = holdableIdentity();
    const a = app(storage, 'app.a', { secureStoragePreferences: { accessGroup: group() } }, identityA.service);
    const b = app(storage, 'app.b', { secureStoragePreferences: { accessGroup: group() } });
    await Promise.all([a.ready, b.ready]);
    const hold = identityA.holdNext();
    const federation = a.federateToIdentityPool('token-a', AuthProvider.google);
    await hold.reached;
    const theirs = await b.federateToIdentityPool('token-b', AuthProvider.facebook, theirIdentity);
    hold.release();

    const outcome = await settles(federation);
    expect(errorName(outcome)).toBe('CancelledError');
    // Every app of the group now answers with the session B federated.
    expect((await a.fetchAuthSession()).identityId).toBe(theirs.identityId);
    const c = app(storage, 'app.c', { secureStoragePreferences: { accessGroup: group() } });
    expect((await c.fetchAuthSession()).identityId).toBe(theirs.identityId);
    for (const x of [a, b, c]) x.stop();
  });
});

describe('a migration keeps a session saved in the group while it ran', () => {
  it('checks the group when the move commits, not only when it starts', async () => {
    const { storage, items } = openStorage();
    const before = app(storage, 'app.m');
    await before.federateToIdentityPool('token-m', AuthProvider.google);
    before.stop();

    // M's start-up move waits at the read of its private session; N federates in the group then.
    let mReading!: () => void;
    const mWaits = new Promise<void>((resolve) => (mReading = resolve));
    let nSaved!: () => void;
    const nDone = new Promise<void>((resolve) => (nSaved = resolve));
    const slow: SecureStorage = {
      async getItem(key) {
        if (key.includes('/app/app.m/session')) {
          mReading();
          await nDone;
        }
        return storage.getItem(key);
      },
      setItem: (key, value) => storage.setItem(key, value),
      removeItem: (key) => storage.removeItem(key),
    };
    const m = app(slow, 'app.m', {
      secureStoragePreferences: { accessGroup: new AccessGroup({ name: 'team.shared', migrateKeychainItemsOfUserSession: true }) },
    });
    await mWaits;
    const n = app(storage, 'app.n', { secureStoragePreferences: { accessGroup: group() } });
    const theirs = await n.federateToIdentityPool('token-n', AuthProvider.facebook, theirIdentity);
    nSaved();
    await settles(m.ready);

    // Before: M's copy replaced N's session and both apps became M's user.
    expect((await m.fetchAuthSession()).identityId).toBe(theirs.identityId);
    expect((await n.fetchAuthSession()).identityId).toBe(theirs.identityId);
    expect([...items.keys()].filter((k) => k.endsWith('/session'))).toEqual([expect.stringContaining('/group/')]);
    m.stop();
    n.stop();
  });
});

describe('every state that answers fetchAuthSession re-reads a shared session', () => {
  const challenge: UserPoolService = {
    signInWithPassword: async () => ({ kind: 'newPasswordRequired', session: new Secret('challenge-session'), username: 'bob' }),
    completeNewPassword: async () => {
      throw new AuthError('ServiceError', { message: 'not used' });
    },
    refreshUserPoolTokens: async () => {
      throw new AuthError('ServiceError', { message: 'not used' });
    },
    globalSignOut: async () => undefined,
  };
  const userPool = { userPoolId: 'us-east-1_Pool1', userPoolClientId: 'client1' };

  function atChallenge(storage: SecureStorage): Auth {
    return createAuthWith(
      { ...base, storage, appId: 'app.b', userPool, secureStoragePreferences: { accessGroup: group() } },
      { identity: createFakeIdentityService().service, userPoolService: challenge },
    );
  }

  it('at the new-password step, picks up a federation another app made', async () => {
    const { storage } = openStorage();
    const b = atChallenge(storage);
    expect((await b.signIn({ username: 'bob', password: 'old-password' })).nextStep.signInStep).toBe(
      'CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED',
    );
    const a = app(storage, 'app.a', { userPool, secureStoragePreferences: { accessGroup: group() } });
    const theirs = await a.federateToIdentityPool('token-a', AuthProvider.google, theirIdentity);
    // Before: signed out.
    const session = await b.fetchAuthSession();
    expect(session.isSignedIn).toBe(true);
    expect(session.identityId).toBe(theirs.identityId);
    a.stop();
    b.stop();
  });

  it('at the new-password step with nothing shared, keeps the challenge open', async () => {
    const { storage } = openStorage();
    const b = atChallenge(storage);
    await b.signIn({ username: 'bob', password: 'old-password' });
    expect((await b.fetchAuthSession()).isSignedIn).toBe(false);
    expect(JSON.stringify(b.actor.getSnapshot().value)).toBe('{"signingIn":"awaitingNewPassword"}');
    b.stop();
  });

  it('after a refused renewal, picks up a new federation another app made', async () => {
    const { storage } = openStorage();
    const fakeA = createFakeIdentityService();
    const a = app(storage, 'app.a', { secureStoragePreferences: { accessGroup: group() } }, fakeA.service);
    await a.federateToIdentityPool('token-old', AuthProvider.google);
    fakeA.script.push('NotAuthorizedException');
    await expect(a.fetchAuthSession({ forceRefresh: true })).rejects.toMatchObject({ name: 'SessionExpiredError' });
    // The same refused record is still there: the session stays expired.
    await expect(a.fetchAuthSession()).rejects.toMatchObject({ name: 'SessionExpiredError' });
    const b = app(storage, 'app.b', { secureStoragePreferences: { accessGroup: group() } });
    const fresh = await b.federateToIdentityPool('token-new', AuthProvider.google, theirIdentity);
    expect((await a.fetchAuthSession()).identityId).toBe(fresh.identityId);
    a.stop();
    b.stop();
  });
});

describe('every call settles when storage or a hook never answers', () => {
  const silent = () => new Promise<never>(() => {});

  it('ready and fetchAuthSession settle when getItem never answers', async () => {
    const storage: SecureStorage = { getItem: silent, setItem: async () => {}, removeItem: async () => {} };
    const auth = createAuthWith({ ...base, storage }, { identity: createFakeIdentityService().service, deadlineMs: 100 });
    // Before: both stayed pending forever.
    await settles(auth.ready);
    const fetched = await settles(auth.fetchAuthSession());
    expect(fetched.value?.isSignedIn ?? errorName(fetched)).toBe(false);
    auth.stop();
  });

  it('federate, fetch and clear settle with StorageError when setItem never answers, keeping the session', async () => {
    const { storage } = openStorage();
    let hang = false;
    const flaky: SecureStorage = {
      getItem: (key) => storage.getItem(key),
      setItem: (key, value) => (hang ? silent() : storage.setItem(key, value)),
      removeItem: (key) => (hang ? silent() : storage.removeItem(key)),
    };
    const fake = createFakeIdentityService();
    const auth = createAuthWith({ ...base, storage: flaky }, { identity: fake.service, deadlineMs: 100 });
    const first = await auth.federateToIdentityPool('token-1', AuthProvider.google);
    hang = true;
    // Before: each of these stayed pending past the deadline.
    expect(errorName(await settles(auth.federateToIdentityPool('token-2', AuthProvider.google)))).toBe('StorageError');
    expect(errorName(await settles(auth.fetchAuthSession({ forceRefresh: true })))).toBe('StorageError');
    expect(errorName(await settles(auth.clearFederationToIdentityPool()))).toBe('StorageError');
    hang = false;
    const kept = await auth.fetchAuthSession();
    expect(kept.isSignedIn).toBe(true);
    expect(kept.identityId).toBe(first.identityId);
    auth.stop();
  });

  it('fetchAuthSession({ forceRefresh }) settles with ServiceError when refreshProviderToken never answers', async () => {
    const { storage } = openStorage();
    const auth = createAuthWith(
      { ...base, storage, federation: { refreshProviderToken: silent } },
      { identity: createFakeIdentityService().service, deadlineMs: 100 },
    );
    const first = await auth.federateToIdentityPool('token-1', AuthProvider.google);
    const outcome = await settles(auth.fetchAuthSession({ forceRefresh: true }));
    expect(errorName(outcome)).toBe('ServiceError');
    expect((outcome.error as Error).message).toMatch(/refreshProviderToken/);
    expect((await auth.fetchAuthSession()).identityId).toBe(first.identityId);
    auth.stop();
  });
});

describe('a stored session is bound to its configuration', () => {
  it('a restart with another identity pool starts signed out, calls nothing and removes the record', async () => {
    const { storage, sessionKeys } = openStorage();
    const first = app(storage, 'app.a');
    await first.federateToIdentityPool('token-a', AuthProvider.google);
    first.stop();

    const fake = createFakeIdentityService();
    const other = createAuthWith(
      { ...base, identityPoolId: 'us-east-1:99999999-2222-4333-8444-555555555555', storage, appId: 'app.a' },
      { identity: fake.service },
    );
    // Before: the old pool's identity and credentials were served, and forceRefresh renewed them.
    expect((await other.fetchAuthSession()).isSignedIn).toBe(false);
    expect((await other.fetchAuthSession({ forceRefresh: true })).isSignedIn).toBe(false);
    expect(fake.calls).toEqual([]);
    expect(sessionKeys()).toEqual([]);
    expect(other.actor.getSnapshot().context.restoreProblems.map((p) => p.name)).toEqual(['StorageError']);
    other.stop();
  });
});

describe('restored records are checked like input', () => {
  type Tamper = (record: Record<string, unknown>) => void;
  const cases: [string, Tamper][] = [
    ['an expiration of 1e300', (r) => ((r['credentials'] as Record<string, unknown>)['expiration'] = 1e300)],
    ['a 60,000-character token', (r) => (r['token'] = 'x'.repeat(60_000))],
    ['identity id ../../etc/passwd', (r) => (r['identityId'] = '../../etc/passwd')],
    ['role ARN not-an-arn', (r) => (r['customRoleArn'] = 'not-an-arn')],
    ['a login key holding NUL', (r) => (r['provider'] = { type: 'custom', loginKey: 'login\u0000key' })],
  ];

  it.each(cases)('sets aside a record with %s, reports it and sends nothing', async (_, tamper) => {
    const { storage, items, sessionKeys } = openStorage();
    const writer = app(storage, 'app.a');
    await writer.federateToIdentityPool('token-a', AuthProvider.google);
    writer.stop();
    const [key] = sessionKeys();
    const record = JSON.parse(items.get(key!)!) as Record<string, unknown>;
    tamper(record);
    items.set(key!, JSON.stringify(record));

    const fake = createFakeIdentityService();
    const auth = createAuthWith({ ...base, storage, appId: 'app.a' }, { identity: fake.service });
    // Before: restored as the session, and renewed with the tampered value.
    expect((await auth.fetchAuthSession()).isSignedIn).toBe(false);
    expect((await auth.fetchAuthSession({ forceRefresh: true })).isSignedIn).toBe(false);
    expect(fake.calls).toEqual([]);
    expect(auth.actor.getSnapshot().context.restoreProblems.map((p) => p.name)).toEqual(['StorageError']);
    expect(items.has(key!)).toBe(false);
    expect([...items.keys()].some((k) => k.includes('quarantined'))).toBe(true);
    auth.stop();
  });
});
