/**
 * `cognito-auth-machine/amplify` with the real amplify-js v6 (`aws-amplify`): an auth instance,
 * over the emulator's identity and user pools on HTTP, configured as Amplify's credentials and
 * token providers. Amplify's own `fetchAuthSession`, `clearCredentials` and REST API category
 * (which signs with the credentials, against a small local server that has the emulator check the signature)
 * are what is driven; the emulator's call log says what reached Cognito.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { Amplify } from 'aws-amplify';
import { get } from 'aws-amplify/api';
import { fetchAuthSession } from 'aws-amplify/auth';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../emulator/index.js';
import { createAmplifyAuthOptions } from '../../src/amplify.js';
import { AuthProvider, type AuthConfig } from '../../src/index.js';
import { Observatory, clock, expectAuthError, observatory, startHarness, type Harness, type TrackedAuth } from './harness.js';

const FACEBOOK = 'graph.facebook.com';
const PASSWORD = 'Amplify-Passw0rd-Alpha!';
const MINUTE = 60_000;

let h: Harness;
let admin: CognitoIdentityProviderClient;
let subjects = 0;
const sub = (name: string) => `${name}-${++subjects}`;

// ---- a REST API that checks Amplify's SigV4 signature with the emulator, as an AWS service would -----

interface SignedCall {
  accessKeyId: string;
  securityToken: string | undefined;
  /** The identity whose credentials signed the request, when the emulator found the signature good. */
  identityId?: string;
  /** The AWS error the emulator answered otherwise (e.g. MissingAuthenticationTokenException). */
  refused?: string;
}

let api: { endpoint: string; calls: SignedCall[]; server: Server };

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
};

/** Amplify's REST API category signs for API Gateway. */
const SERVICE = 'execute-api';

async function startSignedApi(): Promise<typeof api> {
  const calls: SignedCall[] = [];
  const state = { calls } as unknown as typeof api;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const authorization = header(req.headers, 'authorization') ?? '';
      const call: SignedCall = {
        accessKeyId: /Credential=([^/]+)\//.exec(authorization)?.[1] ?? '',
        securityToken: header(req.headers, 'x-amz-security-token'),
      };
      // The emulator knows the secret key of every set of credentials it issued.
      h.emu
        .verifySignedRequest({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks) }, { service: SERVICE })
        .then(
          ({ identityId }) => void (call.identityId = identityId),
          (error: unknown) => void (call.refused = (error as Error).name),
        )
        .finally(() => {
          calls.push(call);
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ ok: true }));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.server = server;
  return state;
}

// ---- setup ---------------------------------------------------------------------------------------

beforeAll(async () => {
  observatory.captureConsole();
  h = await startHarness();
  api = await startSignedApi();
  admin = new CognitoIdentityProviderClient({ endpoint: h.emu.endpoint, region: h.emu.region, credentials: h.emu.developerCredentials, maxAttempts: 1 });
});

afterEach(() => {
  h.reset();
  api.calls.length = 0;
});

afterAll(async () => {
  observatory.restoreConsole();
  admin?.destroy();
  await new Promise<void>((resolve) => api?.server.close(() => resolve()));
  await h?.close();
});

/** Amplify configured with `t.auth` as its providers, and the signed REST API. */
function configureAmplify(t: TrackedAuth, options: { credentialsOnly?: boolean } = {}): void {
  const providers = createAmplifyAuthOptions(t.auth);
  Amplify.configure(
    { API: { REST: { local: { endpoint: api.endpoint, region: h.emu.region } } } },
    { Auth: options.credentialsOnly ? { credentialsProvider: providers.credentialsProvider } : providers },
  );
}

async function federated(extra: Partial<AuthConfig> = {}) {
  const t = h.auth(extra);
  const token = await h.mint(FACEBOOK, sub('amplify'));
  const result = await t.ok(t.auth.federateToIdentityPool(token, AuthProvider.facebook), 'federate');
  configureAmplify(t);
  h.emu.clearCalls();
  return { ...t, result };
}

const userPool = () => ({
  userPool: { userPoolId: h.emu.userPoolId, userPoolClientId: h.emu.userPoolClientId },
  endpoints: { identityPool: h.emu.endpoint, userPool: h.emu.endpoint },
});

async function signedIn() {
  const username = sub('amplify-user');
  await admin.send(new AdminCreateUserCommand({ UserPoolId: h.emu.userPoolId, Username: username, MessageAction: 'SUPPRESS' }));
  await admin.send(new AdminSetUserPasswordCommand({ UserPoolId: h.emu.userPoolId, Username: username, Password: PASSWORD, Permanent: true }));
  observatory.secret(PASSWORD);
  const t = h.auth(userPool());
  await t.ok(t.auth.signIn({ username, password: PASSWORD }), 'signIn');
  const session = await t.ok(t.auth.fetchAuthSession(), 'session after signIn');
  observatory.secret(session.tokens?.idToken);
  observatory.secret(session.tokens?.accessToken);
  configureAmplify(t);
  h.emu.clearCalls();
  return { ...t, session };
}

/** Amplify's fetchAuthSession, with every secret it hands out remembered for the scan. */
async function amplifySession(options?: { forceRefresh?: boolean }) {
  const session = await fetchAuthSession(options);
  if (session.credentials) observatory.credentials({ ...session.credentials, sessionToken: session.credentials.sessionToken ?? '', expiration: new Date() });
  return session;
}

// ---- the flows -------------------------------------------------------------------------------------

describe("Amplify's fetchAuthSession with createAmplifyAuthOptions", () => {
  it('answers a federated session: our credentials and identity id, no user-pool tokens, no call to Cognito', async () => {
    const t = await federated();

    const session = await amplifySession();

    expect(session.credentials).toEqual(t.result.credentials);
    expect(session.identityId).toBe(t.result.identityId);
    expect(session.tokens).toBeUndefined();
    expect(session.userSub).toBeUndefined();
    expect(h.operations()).toEqual([]);
  });

  it('signs a REST API call (IAM) with the federated credentials: access key, session token, and a signature made with the secret key', async () => {
    const t = await federated();

    const { statusCode } = await get({ apiName: 'local', path: '/items' }).response;

    expect(statusCode).toBe(200);
    expect(api.calls).toHaveLength(1);
    const [call] = api.calls;
    expect(call!.accessKeyId).toBe(t.result.credentials.accessKeyId);
    expect(call!.securityToken).toBe(t.result.credentials.sessionToken);
    // The signature checks out with the secret key the emulator issued with those credentials.
    expect(call).toEqual({ accessKeyId: t.result.credentials.accessKeyId, securityToken: t.result.credentials.sessionToken, identityId: t.result.identityId });
  });

  it('answers a signed-in user: tokens as JWTs, userSub (also on our own session), and the credentials of the id token', async () => {
    const t = await signedIn();
    const user = await t.auth.getCurrentUser();

    const session = await amplifySession();

    expect(session.tokens?.accessToken.toString()).toBe(t.session.tokens!.accessToken);
    expect(session.tokens?.idToken?.toString()).toBe(t.session.tokens!.idToken);
    expect(session.tokens?.idToken?.payload['token_use']).toBe('id');
    expect(session.userSub).toBe(user.userId);
    expect(t.session.userSub).toBe(user.userId);
    expect(session.credentials).toEqual(t.session.credentials);
    expect(session.identityId).toBe(t.session.identityId);
    expect(h.operations()).toEqual([]);
  });

  it('answers no credentials when signed out without guest access, and makes no call', async () => {
    const t = h.auth();
    configureAmplify(t);

    const session = await amplifySession();

    expect(session).toEqual({ tokens: undefined, credentials: undefined, identityId: undefined, userSub: undefined });
    expect(h.operations()).toEqual([]);
  });

  it("answers a guest's credentials when the auth allows guest access", async () => {
    const t = h.auth({ allowGuestAccess: true });
    configureAmplify(t);

    const session = await amplifySession();

    expect(session.identityId).toMatch(/^us-east-1:/);
    expect(session.credentials?.accessKeyId).toBeTruthy();
    expect(session.tokens).toBeUndefined();
    expect(h.operations()).toEqual(['GetId', 'GetCredentialsForIdentity']);
  });
});

describe('forceRefresh', () => {
  it('renews federated credentials with one GetCredentialsForIdentity', async () => {
    const t = await federated();

    const session = await amplifySession({ forceRefresh: true });

    expect(h.operations()).toEqual(['GetCredentialsForIdentity']);
    expect(session.identityId).toBe(t.result.identityId);
    expect(session.credentials?.accessKeyId).not.toBe(t.result.credentials.accessKeyId);
  });

  it("renews a signed-in user's tokens and credentials once, although Amplify asks both providers to force a refresh", async () => {
    const t = await signedIn();

    const session = await amplifySession({ forceRefresh: true });

    expect(h.operations()).toEqual(['InitiateAuth', 'GetCredentialsForIdentity']);
    expect(session.tokens?.accessToken.toString()).not.toBe(t.session.tokens!.accessToken);
    observatory.secret(session.tokens?.accessToken.toString());
    observatory.secret(session.tokens?.idToken?.toString());
    expect(session.credentials?.accessKeyId).not.toBe(t.session.credentials!.accessKeyId);
    // What Amplify answers is our session after that one renewal.
    const ours = await t.auth.fetchAuthSession();
    expect(session.credentials).toEqual(ours.credentials);
    expect(session.tokens?.accessToken.toString()).toBe(ours.tokens!.accessToken);
  });

  it('with the credentials provider alone (no token provider), renews once too', async () => {
    const t = await signedIn();
    configureAmplify(t, { credentialsOnly: true });

    const session = await amplifySession({ forceRefresh: true });

    expect(h.operations()).toEqual(['InitiateAuth', 'GetCredentialsForIdentity']);
    expect(session.tokens).toBeUndefined();
    expect(session.credentials).toEqual((await t.auth.fetchAuthSession()).credentials);
    expect(session.credentials?.accessKeyId).not.toBe(t.session.credentials!.accessKeyId);
  });

  it('renews credentials near expiry without being asked, as our fetchAuthSession does', async () => {
    const t = await federated();
    clock.offset = t.result.credentials.expiration.getTime() - Date.now() - MINUTE;

    const session = await amplifySession();

    expect(h.operations()).toEqual(['GetCredentialsForIdentity']);
    expect(session.credentials?.accessKeyId).not.toBe(t.result.credentials.accessKeyId);
  });
});

describe("Amplify's clearCredentials", () => {
  it('ends a federated session (no call to Cognito): Amplify and the auth then have no credentials', async () => {
    const t = await federated();

    await Amplify.clearCredentials();

    expect(h.operations()).toEqual([]);
    expect(t.state()).toBe('signedOut.idle');
    expect(t.hub.map((e) => e.event)).toContain('federationToIdentityPoolCleared');
    expect((await amplifySession()).credentials).toBeUndefined();
    expect(await t.auth.fetchAuthSession()).toEqual({ isSignedIn: false });
  });

  it('leaves a user signed in to the user pool signed in, and does nothing when signed out', async () => {
    const t = await signedIn();
    await Amplify.clearCredentials();
    expect(t.state()).toMatch(/^signedIn/);
    expect((await amplifySession()).credentials).toEqual(t.session.credentials);

    const out = h.auth();
    configureAmplify(out);
    await out.auth.ready;
    await Amplify.clearCredentials();
    expect(out.state()).toBe('signedOut.idle');
  });
});

describe('errors, as Amplify hands them on', () => {
  it('a throttled renewal rejects with ServiceError and keeps the session; the next call renews', async () => {
    const t = await federated();
    h.emu.addFault({ operation: 'GetCredentialsForIdentity', error: 'TooManyRequestsException', count: 3 });

    const error = await t.failure(fetchAuthSession({ forceRefresh: true }), 'throttled renewal through Amplify');

    expectAuthError(error, 'ServiceError');
    expect(t.state()).toMatch(/^federated/);
    h.emu.clearFaults();
    const session = await amplifySession({ forceRefresh: true });
    expect(session.identityId).toBe(t.result.identityId);
  });

  it('a refused token rejects with SessionExpiredError (hub sessionExpired once); clearCredentials then clears it', async () => {
    const t = await federated();
    h.emu.addFault({ operation: 'GetCredentialsForIdentity', error: 'NotAuthorizedException', count: 1 });

    expectAuthError(await t.failure(fetchAuthSession({ forceRefresh: true }), 'refused renewal through Amplify'), 'SessionExpiredError');
    expectAuthError(await t.failure(fetchAuthSession(), 'fetch after the refusal'), 'SessionExpiredError');
    expect(t.hub.filter((e) => e.event === 'sessionExpired')).toHaveLength(1);

    await Amplify.clearCredentials();
    expect(t.state()).toBe('signedOut.idle');
    expect((await amplifySession()).credentials).toBeUndefined();
  });

  it('a REST API call is sent unsigned when the session cannot be renewed (Amplify swallows the error), never with stale keys', async () => {
    const t = await federated();
    h.emu.addFault({ operation: 'GetCredentialsForIdentity', error: 'NotAuthorizedException', count: 1 });
    clock.offset = t.result.credentials.expiration.getTime() - Date.now() - MINUTE;

    await get({ apiName: 'local', path: '/items' }).response;

    expect(api.calls).toEqual([{ accessKeyId: '', securityToken: undefined, refused: 'MissingAuthenticationTokenException' }]);
  });
});

describe('docs/amplify.md', () => {
  it("runs its first example as written, against the emulator: Amplify's fetchAuthSession answers the federated identity", async () => {
    const ROOT = fileURLToPath(new URL('../../', import.meta.url));
    const markdown = await readFile(join(ROOT, 'docs/amplify.md'), 'utf8');
    const block = [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1] as string).find((code) => code.includes('process.env.FACEBOOK_TOKEN'));
    expect(block, 'docs/amplify.md has an example that runs in Node').toBeDefined();
    const code = block as string;
    const identityPoolId = /identityPoolId: '([^']+)'/.exec(code)![1]!;

    // The block needs no change but its imports resolved: Cognito is reached through the SDK's endpoint setting.
    const emu = await startEmulator({ identityPoolId, region: 'us-east-1', now: clock.now });
    const work = await mkdtemp(join(tmpdir(), 'amplify-example-'));
    const env = { AWS_ENDPOINT_URL_COGNITO_IDENTITY: emu.endpoint, FACEBOOK_TOKEN: await emu.mintToken(emu.loginKeys.facebook, 'reader') };
    observatory.secret(env.FACEBOOK_TOKEN);
    const before = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
    Object.assign(process.env, env);
    try {
      const require = createRequire(import.meta.url);
      const script = join(work, 'amplify.mts');
      await writeFile(
        script,
        code
          .replace("from 'cognito-auth-machine/amplify'", `from ${JSON.stringify(join(ROOT, 'src/amplify.ts'))}`)
          .replace("from 'cognito-auth-machine'", `from ${JSON.stringify(join(ROOT, 'src/index.ts'))}`)
          .replace("from 'aws-amplify/auth'", `from ${JSON.stringify(pathToFileURL(require.resolve('aws-amplify/auth')).href)}`)
          .replace("from 'aws-amplify'", `from ${JSON.stringify(pathToFileURL(require.resolve('aws-amplify')).href)}`),
      );
      const logged = observatory.observations.length;
      await import(pathToFileURL(script).href);

      const identityId = emu.calls().find((call) => call.operation === 'GetId')?.identityId;
      expect(emu.calls().map((call) => call.operation)).toEqual(['GetId', 'GetCredentialsForIdentity']);
      expect(observatory.observations.slice(logged).map((o) => o.text)).toContainEqual(expect.stringMatching(new RegExp(`^${identityId} has credentials until`)));
    } finally {
      for (const [name, value] of Object.entries(before)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      await rm(work, { recursive: true, force: true });
      await emu.close();
    }
  });
});

describe('secrets', () => {
  it('never shows a token, password, secret key or session token in anything the flows above made observable', () => {
    const probe = new Observatory();
    probe.secret('planted-secret-value');
    probe.add('console', 'probe', 'x planted-secret-value y');
    expect(probe.leaks()).toHaveLength(1);

    expect(observatory.counts().error).toBeGreaterThan(0);
    expect(observatory.leaks()).toEqual([]);
  });
});
