/**
 * Bad input to every public function and option, as data. Each row names what it feeds where and
 * the documented outcome:
 * - `ValidationError`: the call throws (config, constructors, hub) or rejects (API calls) with a
 *   ValidationError; nothing is sent and nothing changes;
 * - `startsSignedOut`: storage that answers garbage. createAuth does not throw: the app starts
 *   signed out and reports a StorageError among its restore problems.
 * The runner is badInputs.test.ts.
 */
import { AuthProvider } from '../../src/vocabulary/AuthProvider.js';
import type { Auth, AuthConfig } from '../../src/createAuth.js';
import { createRedactingInspector } from '../../src/inspection.js';
import { AccessGroup } from '../../src/vocabulary/AccessGroup.js';
import type { SecureStorage } from '../../src/vocabulary/SecureStorage.js';

/** Which instance a row calls: one federated, one signed in to the user pool, one signed out (with a user pool). */
export type Target = 'federated' | 'signedIn' | 'signedOut';

export interface BadInputContext {
  /** A valid config (emulators, a user pool, a storage spy) to spoil one field of. */
  config(): AuthConfig;
  createAuth(config: AuthConfig): Auth;
  /** The running instance of the row's target. */
  auth: Auth;
  /** A valid provider token. */
  token: string;
}

export interface BadInput {
  /** What is fed where, readable in the test name. */
  name: string;
  /** `construct`: createAuth, AccessGroup, AuthProvider, createRedactingInspector, hub.listen (synchronous throws); `call`: an API call (rejects). */
  kind: 'construct' | 'call' | 'storage';
  target: Target;
  expected: 'ValidationError' | 'startsSignedOut';
  run(ctx: BadInputContext): unknown;
}

const long = (n: number, c = 'a') => c.repeat(n);
const VALID_POOL = 'us-east-1:11111111-2222-4333-8444-555555555555';

/** A config with one field replaced (undefined removes it). */
function spoil(ctx: BadInputContext, patch: Record<string, unknown>): AuthConfig {
  const config = { ...ctx.config() } as Record<string, unknown>;
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) delete config[key];
    else config[key] = value;
  }
  return config as unknown as AuthConfig;
}

const config = (name: string, patch: (ctx: BadInputContext) => Record<string, unknown>): BadInput => ({
  name: `createAuth: ${name}`,
  kind: 'construct',
  target: 'signedOut',
  expected: 'ValidationError',
  run: (ctx) => ctx.createAuth(spoil(ctx, patch(ctx))),
});

const call = (target: Target, name: string, run: (ctx: BadInputContext) => Promise<unknown>): BadInput => ({
  name,
  kind: 'call',
  target,
  expected: 'ValidationError',
  run,
});

/** A storage whose reads answer `value` (or throw); writes work. */
function garbageStorage(read: (key: string) => unknown): SecureStorage {
  const items = new Map<string, string>();
  return {
    getItem: async (key) => read(key) as string | null,
    setItem: async (key, value) => void items.set(key, value),
    removeItem: async (key) => void items.delete(key),
  };
}

const storageRow = (name: string, read: (key: string) => unknown): BadInput => ({
  name: `storage: ${name}`,
  kind: 'storage',
  target: 'signedOut',
  expected: 'startsSignedOut',
  run: (ctx) => ctx.createAuth({ ...ctx.config(), storage: garbageStorage(read) }),
});

const sessionKey = (key: string) => key.endsWith('/session');

/** A constructor or factory that must throw a ValidationError at once. */
const construct = (name: string, run: () => unknown): BadInput => ({
  name,
  kind: 'construct',
  target: 'signedOut',
  expected: 'ValidationError',
  run,
});

export const BAD_INPUTS: readonly BadInput[] = [
  // ---- createAuth: the config ----------------------------------------------------------------
  { name: 'createAuth: no config at all', kind: 'construct', target: 'signedOut', expected: 'ValidationError', run: (ctx) => ctx.createAuth(undefined as unknown as AuthConfig) },
  { name: 'createAuth: a string for the config', kind: 'construct', target: 'signedOut', expected: 'ValidationError', run: (ctx) => ctx.createAuth('us-east-1' as unknown as AuthConfig) },
  config('region missing', () => ({ region: undefined })),
  config('region empty', () => ({ region: '' })),
  config('region whitespace', () => ({ region: '   ' })),
  config('region in capitals', () => ({ region: 'US-EAST-1' })),
  config('region a number', () => ({ region: 1 })),
  config('region oversized', () => ({ region: `us-${long(5000)}-1` })),
  config('identityPoolId missing', () => ({ identityPoolId: undefined })),
  config('identityPoolId not region:uuid', () => ({ identityPoolId: 'us-east-1:not-a-uuid' })),
  config('identityPoolId of another region', () => ({ identityPoolId: 'eu-west-1:11111111-2222-4333-8444-555555555555' })),
  config('identityPoolId with a trailing newline', () => ({ identityPoolId: `${VALID_POOL}\n` })),
  config('identityPoolId a number', () => ({ identityPoolId: 123 })),
  config('userPool a string', () => ({ userPool: 'us-east-1_Abc' })),
  config('userPool.userPoolId without the region part', (ctx) => ({ userPool: { ...ctx.config().userPool, userPoolId: 'AbCdEf123' } })),
  config('userPool.userPoolId oversized', (ctx) => ({ userPool: { ...ctx.config().userPool, userPoolId: `us-east-1_${long(60)}` } })),
  config('userPool.userPoolClientId with spaces', (ctx) => ({ userPool: { ...ctx.config().userPool, userPoolClientId: 'client id' } })),
  config('userPool.userPoolClientId empty', (ctx) => ({ userPool: { ...ctx.config().userPool, userPoolClientId: '' } })),
  config('endpoints an array', () => ({ endpoints: ['http://127.0.0.1:1'] })),
  config('endpoints.identityPool not a URL', () => ({ endpoints: { identityPool: 'not a url' } })),
  config('endpoints.identityPool an ftp URL', () => ({ endpoints: { identityPool: 'ftp://127.0.0.1:21' } })),
  config('endpoints.identityPool a relative path', () => ({ endpoints: { identityPool: '/cognito' } })),
  config('endpoints.userPool with credentials in it', () => ({ endpoints: { userPool: 'http://user:secret@127.0.0.1:1' } })),
  config('storage without removeItem', () => ({ storage: { getItem: async () => null, setItem: async () => undefined } })),
  config('storage a string', () => ({ storage: 'localStorage' })),
  config('appId empty', () => ({ appId: '' })),
  config('appId whitespace', () => ({ appId: '   ' })),
  config('appId with a control character', () => ({ appId: 'com.example\u0000app' })),
  config('appId with a lone surrogate', () => ({ appId: 'com.example.\uD800' })),
  config('appId oversized (257 characters)', () => ({ appId: long(257) })),
  config('appId a number', () => ({ appId: 42 })),
  config('secureStoragePreferences an array', () => ({ secureStoragePreferences: [] })),
  config('accessGroup a look-alike with an empty name', () => ({ secureStoragePreferences: { accessGroup: { name: '' } } })),
  config('accessGroup a look-alike with a newline name', () => ({ secureStoragePreferences: { accessGroup: { name: 'team\nshared' } } })),
  config('accessGroup a string', () => ({ secureStoragePreferences: { accessGroup: 'team.shared' } })),
  config('allowGuestAccess the string "true"', () => ({ allowGuestAccess: 'true' })),
  config('federation.refreshProviderToken a string', () => ({ federation: { refreshProviderToken: 'token' } })),
  {
    name: 'createAuth: a config whose getter throws',
    kind: 'construct',
    target: 'signedOut',
    expected: 'ValidationError',
    run: (ctx) =>
      ctx.createAuth(
        Object.defineProperty({ ...ctx.config() }, 'endpoints', {
          enumerable: true,
          get(): never {
            throw new Error('getter fault');
          },
        }),
      ),
  },
  config('federation whose getter throws', () => ({
    federation: Object.defineProperty({}, 'refreshProviderToken', {
      enumerable: true,
      get(): never {
        throw new Error('getter fault');
      },
    }),
  })),
  config('federation an array', () => ({ federation: [] })),
  config('clock a number', () => ({ clock: Date.now() })),
  config('renewBeforeExpiryMs negative', () => ({ renewBeforeExpiryMs: -1 })),
  config('renewBeforeExpiryMs over 30 minutes', () => ({ renewBeforeExpiryMs: 30 * 60_000 + 1 })),
  config('renewBeforeExpiryMs not a whole number', () => ({ renewBeforeExpiryMs: 1.5 })),
  config('renewBeforeExpiryMs NaN', () => ({ renewBeforeExpiryMs: Number.NaN })),
  config('renewBeforeExpiryMs Infinity', () => ({ renewBeforeExpiryMs: Number.POSITIVE_INFINITY })),
  config('renewBeforeExpiryMs the string "120000"', () => ({ renewBeforeExpiryMs: '120000' })),
  config('deadlineMs 0', () => ({ deadlineMs: 0 })),
  config('deadlineMs under 1 second', () => ({ deadlineMs: 999 })),
  config('deadlineMs over 5 minutes', () => ({ deadlineMs: 5 * 60_000 + 1 })),
  config('deadlineMs NaN', () => ({ deadlineMs: Number.NaN })),
  config('deadlineMs a bigint', () => ({ deadlineMs: 30_000n })),
  config('inspect a number', () => ({ inspect: 42 })),
  config('inspect the string "console"', () => ({ inspect: 'console' })),
  config('inspect an object without next() (an inspector, not its .inspect)', () => ({ inspect: { start() {}, stop() {} } })),

  // ---- AccessGroup, AuthProvider, hub ------------------------------------------------------------
  { name: 'new AccessGroup: empty name', kind: 'construct', target: 'signedOut', expected: 'ValidationError', run: () => new AccessGroup({ name: '' }) },
  { name: 'new AccessGroup: whitespace name', kind: 'construct', target: 'signedOut', expected: 'ValidationError', run: () => new AccessGroup({ name: ' \t ' }) },
  { name: 'new AccessGroup: oversized name (257 characters)', kind: 'construct', target: 'signedOut', expected: 'ValidationError', run: () => new AccessGroup({ name: long(257) }) },
  { name: 'new AccessGroup: lone surrogate in the name', kind: 'construct', target: 'signedOut', expected: 'ValidationError', run: () => new AccessGroup({ name: 'team\uDC00' }) },
  { name: 'new AccessGroup: migrate flag "yes"', kind: 'construct', target: 'signedOut', expected: 'ValidationError', run: () => new AccessGroup({ name: 'team', migrateKeychainItemsOfUserSession: 'yes' as unknown as boolean }) },
  { name: 'AccessGroup.none: migrate flag 1', kind: 'construct', target: 'signedOut', expected: 'ValidationError', run: () => AccessGroup.none({ migrateKeychainItemsOfUserSession: 1 as unknown as boolean }) },
  { name: 'AuthProvider.oidc: empty issuer', kind: 'construct', target: 'signedOut', expected: 'ValidationError', run: () => AuthProvider.oidc('') },
  { name: 'AuthProvider.custom: login key with a space', kind: 'construct', target: 'signedOut', expected: 'ValidationError', run: () => AuthProvider.custom('my provider') },
  { name: 'AuthProvider.saml: oversized ARN (129 characters)', kind: 'construct', target: 'signedOut', expected: 'ValidationError', run: () => AuthProvider.saml(long(129)) },
  construct('AuthProvider.custom: login key with NUL', () => AuthProvider.custom('cognito-identity.amazonaws.com\u0000')),
  construct('AuthProvider.custom: login key with ESC', () => AuthProvider.custom('\u001b[31mcognito-identity.amazonaws.com')),
  construct('AuthProvider.custom: login key with DEL', () => AuthProvider.custom('cognito\u007fidentity.amazonaws.com')),
  construct('AuthProvider.custom: login key with a C1 control (CSI)', () => AuthProvider.custom('cognito\u009bidentity.amazonaws.com')),
  construct('AuthProvider.custom: login key with a lone surrogate', () => AuthProvider.custom('cognito-identity.amazonaws.com\uD800')),
  construct('AuthProvider.custom: login key with a zero-width space', () => AuthProvider.custom('cognito\u200bidentity.amazonaws.com')),
  construct('AuthProvider.custom: login key with a bidi override', () => AuthProvider.custom('\u202emoc.elgoog.stnuocca')),
  construct('AuthProvider.oidc: issuer with https://', () => AuthProvider.oidc('https://issuer.example.com')),
  construct('AuthProvider.oidc: issuer with a control character', () => AuthProvider.oidc('issuer.example.com\u0007')),
  construct('AuthProvider.saml: ARN with a NUL', () => AuthProvider.saml('arn:aws:iam::123456789012:saml-provider/Okta\u0000')),
  construct('createRedactingInspector: a number', () => createRedactingInspector(42 as unknown as () => void)),
  construct('createRedactingInspector: the string "console"', () => createRedactingInspector('console' as unknown as () => void)),
  construct('createRedactingInspector: an object without next()', () => createRedactingInspector({} as unknown as () => void)),
  { name: "hub.listen: a channel other than 'auth'", kind: 'construct', target: 'federated', expected: 'ValidationError', run: (ctx) => ctx.auth.hub.listen('storage' as 'auth', () => undefined) },
  { name: 'hub.listen: no callback', kind: 'construct', target: 'federated', expected: 'ValidationError', run: (ctx) => ctx.auth.hub.listen('auth', undefined as unknown as () => void) },

  // ---- federateToIdentityPool ----------------------------------------------------------------------
  call('federated', 'federateToIdentityPool: empty token', (ctx) => ctx.auth.federateToIdentityPool('', AuthProvider.google)),
  call('federated', 'federateToIdentityPool: whitespace token', (ctx) => ctx.auth.federateToIdentityPool('  \t ', AuthProvider.google)),
  call('federated', 'federateToIdentityPool: token a number', (ctx) => ctx.auth.federateToIdentityPool(42 as unknown as string, AuthProvider.google)),
  call('federated', 'federateToIdentityPool: token undefined', (ctx) => ctx.auth.federateToIdentityPool(undefined as unknown as string, AuthProvider.google)),
  call('federated', 'federateToIdentityPool: oversized token (50,001 characters)', (ctx) => ctx.auth.federateToIdentityPool(long(50_001, 'x'), AuthProvider.google)),
  call('federated', 'federateToIdentityPool: token with a newline', (ctx) => ctx.auth.federateToIdentityPool(`${ctx.token}\n`, AuthProvider.google)),
  call('federated', 'federateToIdentityPool: unknown provider', (ctx) =>
    ctx.auth.federateToIdentityPool(ctx.token, { type: 'myspace', loginKey: 'myspace.com' } as unknown as AuthProvider)),
  call('federated', 'federateToIdentityPool: provider null', (ctx) => ctx.auth.federateToIdentityPool(ctx.token, null as unknown as AuthProvider)),
  call('federated', 'federateToIdentityPool: google with a foreign login key', (ctx) =>
    ctx.auth.federateToIdentityPool(ctx.token, { type: 'google', loginKey: 'evil.example.com' } as AuthProvider)),
  call('federated', 'federateToIdentityPool: provider whose getter throws', (ctx) =>
    ctx.auth.federateToIdentityPool(ctx.token, {
      get type(): never {
        throw new Error('getter fault');
      },
      loginKey: 'graph.facebook.com',
    } as unknown as AuthProvider)),
  call('federated', 'federateToIdentityPool: custom look-alike with a NUL in its login key', (ctx) =>
    ctx.auth.federateToIdentityPool(ctx.token, { type: 'custom', loginKey: 'graph.facebook.com\u0000' } as AuthProvider)),
  call('federated', 'federateToIdentityPool: oidc look-alike with a scheme in its login key', (ctx) =>
    ctx.auth.federateToIdentityPool(ctx.token, { type: 'oidc', loginKey: 'https://issuer.example.com' } as AuthProvider)),
  call('federated', 'federateToIdentityPool: provider a login-key string', (ctx) =>
    ctx.auth.federateToIdentityPool(ctx.token, 'accounts.google.com' as unknown as AuthProvider)),
  call('federated', 'federateToIdentityPool: options a string', (ctx) =>
    ctx.auth.federateToIdentityPool(ctx.token, AuthProvider.google, 'fast' as unknown as undefined)),
  call('federated', 'federateToIdentityPool: malformed developerProvidedIdentityId', (ctx) =>
    ctx.auth.federateToIdentityPool(ctx.token, AuthProvider.google, { developerProvidedIdentityId: 'not an identity' })),
  call('federated', 'federateToIdentityPool: oversized developerProvidedIdentityId', (ctx) =>
    ctx.auth.federateToIdentityPool(ctx.token, AuthProvider.google, { developerProvidedIdentityId: `us-east-1:${long(60, 'f')}` })),
  call('federated', 'federateToIdentityPool: developerProvidedIdentityId a number', (ctx) =>
    ctx.auth.federateToIdentityPool(ctx.token, AuthProvider.google, { developerProvidedIdentityId: 7 as unknown as string })),
  call('federated', 'federateToIdentityPool: customRoleArn with a short account', (ctx) =>
    ctx.auth.federateToIdentityPool(ctx.token, AuthProvider.google, { customRoleArn: 'arn:aws:iam::123:role/Reader' })),
  call('federated', 'federateToIdentityPool: customRoleArn of a user, not a role', (ctx) =>
    ctx.auth.federateToIdentityPool(ctx.token, AuthProvider.google, { customRoleArn: 'arn:aws:iam::123456789012:user/alice' })),
  call('federated', 'federateToIdentityPool: customRoleArn empty', (ctx) =>
    ctx.auth.federateToIdentityPool(ctx.token, AuthProvider.google, { customRoleArn: '' })),

  // ---- fetchAuthSession, credentialsProvider -------------------------------------------------------
  call('federated', 'federateToIdentityPool: options whose getter throws', (ctx) =>
    ctx.auth.federateToIdentityPool(ctx.token, AuthProvider.google, {
      get developerProvidedIdentityId(): never {
        throw new Error('getter fault');
      },
    })),
  call('federated', 'fetchAuthSession: forceRefresh "yes"', (ctx) => ctx.auth.fetchAuthSession({ forceRefresh: 'yes' as unknown as boolean })),
  call('signedIn', 'fetchAuthSession: options an array', (ctx) => ctx.auth.fetchAuthSession([] as unknown as undefined)),
  call('signedIn', 'fetchAuthSession: forceRefresh 1', (ctx) => ctx.auth.fetchAuthSession({ forceRefresh: 1 as unknown as boolean })),

  // ---- signIn, confirmSignIn, signOut ------------------------------------------------------------------
  call('signedOut', 'signIn: input null', (ctx) => ctx.auth.signIn(null as unknown as { username: string; password: string })),
  call('signedOut', 'signIn: empty username', (ctx) => ctx.auth.signIn({ username: '', password: 'Passw0rd!' })),
  call('signedOut', 'signIn: whitespace username', (ctx) => ctx.auth.signIn({ username: '   ', password: 'Passw0rd!' })),
  call('signedOut', 'signIn: oversized username (129 characters)', (ctx) => ctx.auth.signIn({ username: long(129), password: 'Passw0rd!' })),
  call('signedOut', 'signIn: username with a control character', (ctx) => ctx.auth.signIn({ username: 'ali\u0007ce', password: 'Passw0rd!' })),
  call('signedOut', 'signIn: username a number', (ctx) => ctx.auth.signIn({ username: 42 as unknown as string, password: 'Passw0rd!' })),
  call('signedOut', 'signIn: empty password', (ctx) => ctx.auth.signIn({ username: 'alice', password: '' })),
  call('signedOut', 'signIn: oversized password (257 characters)', (ctx) => ctx.auth.signIn({ username: 'alice', password: long(257) })),
  call('signedOut', 'signIn: password an object', (ctx) => ctx.auth.signIn({ username: 'alice', password: {} as unknown as string })),
  call('signedOut', 'signIn: options a string', (ctx) => ctx.auth.signIn({ username: 'alice', password: 'Passw0rd!', options: 'USER_SRP_AUTH' as unknown as { authFlowType: 'USER_SRP_AUTH' } })),
  call('signedOut', 'signIn: options null', (ctx) => ctx.auth.signIn({ username: 'alice', password: 'Passw0rd!', options: null as unknown as { authFlowType: 'USER_SRP_AUTH' } })),
  call('signedOut', 'signIn: authFlowType unknown (USER_AUTH)', (ctx) => ctx.auth.signIn({ username: 'alice', password: 'Passw0rd!', options: { authFlowType: 'USER_AUTH' as 'USER_SRP_AUTH' } })),
  call('signedOut', 'signIn: authFlowType lower case', (ctx) => ctx.auth.signIn({ username: 'alice', password: 'Passw0rd!', options: { authFlowType: 'user_srp_auth' as 'USER_SRP_AUTH' } })),
  call('signedOut', 'signIn: authFlowType CUSTOM_WITH_SRP', (ctx) => ctx.auth.signIn({ username: 'alice', password: 'Passw0rd!', options: { authFlowType: 'CUSTOM_WITH_SRP' as 'USER_SRP_AUTH' } })),
  call('signedOut', 'signIn: authFlowType empty', (ctx) => ctx.auth.signIn({ username: 'alice', password: 'Passw0rd!', options: { authFlowType: '' as 'USER_SRP_AUTH' } })),
  call('signedOut', 'signIn: authFlowType null', (ctx) => ctx.auth.signIn({ username: 'alice', password: 'Passw0rd!', options: { authFlowType: null as unknown as 'USER_SRP_AUTH' } })),
  call('signedOut', 'signIn: authFlowType a number', (ctx) => ctx.auth.signIn({ username: 'alice', password: 'Passw0rd!', options: { authFlowType: 1 as unknown as 'USER_SRP_AUTH' } })),
  call('signedOut', 'signIn: authFlowType a boxed string', (ctx) => ctx.auth.signIn({ username: 'alice', password: 'Passw0rd!', options: { authFlowType: new String('USER_SRP_AUTH') as unknown as 'USER_SRP_AUTH' } })),
  call('federated', 'signIn: no user pool configured', (ctx) => ctx.auth.signIn({ username: 'alice', password: 'Passw0rd!' })),
  call('signedOut', 'confirmSignIn: empty challengeResponse', (ctx) => ctx.auth.confirmSignIn({ challengeResponse: '' })),
  call('signedOut', 'confirmSignIn: challengeResponse a number', (ctx) => ctx.auth.confirmSignIn({ challengeResponse: 1234 as unknown as string })),
  call('signedOut', 'confirmSignIn: input a string', (ctx) => ctx.auth.confirmSignIn('Passw0rd!' as unknown as { challengeResponse: string })),
  call('signedIn', 'signOut: global "true"', (ctx) => ctx.auth.signOut({ global: 'true' as unknown as boolean })),
  call('signedIn', 'signOut: options a number', (ctx) => ctx.auth.signOut(1 as unknown as undefined)),

  // ---- storage that answers garbage: start signed out, report a StorageError, never throw ----------------
  storageRow('getItem answers a number', () => 42),
  storageRow('getItem answers an object', () => ({ version: 1, kind: 'federated' })),
  storageRow('getItem throws', () => {
    throw new Error('keychain locked');
  }),
  storageRow('the session is not JSON', (key) => (sessionKey(key) ? '{"version":1,"kind":"fede' : null)),
  storageRow('the session is a partial record', (key) => (sessionKey(key) ? '{"version":1,"kind":"federated","identityId":"x"}' : null)),
  storageRow('the session is of a newer version', (key) => (sessionKey(key) ? '{"version":9,"kind":"federated"}' : null)),
  storageRow('the remembered access group is garbage', (key) => (key.endsWith('/access-group') ? '\u0000\u0001' : null)),
];
