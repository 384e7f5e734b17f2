/**
 * The emulator driven through the AWS SDK over real HTTP: every operation, every login
 * provider, and every error the identity operations declare.
 */
import {
  CreateIdentityPoolCommand,
  DescribeIdentityCommand,
  DescribeIdentityPoolCommand,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  GetIdentityPoolRolesCommand,
  GetOpenIdTokenCommand,
  GetOpenIdTokenForDeveloperIdentityCommand,
  DeleteIdentityPoolCommand,
  ListIdentitiesCommand,
  ListIdentityPoolsCommand,
  SetIdentityPoolRolesCommand,
  type CognitoIdentityClient,
} from '@aws-sdk/client-cognito-identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';
import { IDENTITY_ID, expectSdkError, jwtPayload, publicClient, signedClient } from './helpers.js';

let emu: EmulatorHandle;
let client: CognitoIdentityClient;
let backend: CognitoIdentityClient;

beforeAll(async () => {
  emu = await startEmulator();
  client = publicClient(emu);
  backend = signedClient(emu);
});

afterAll(async () => {
  client?.destroy();
  backend?.destroy();
  await emu?.close();
});

/** GetId for a login, returning the identity id. */
async function idFor(loginKey: string, token: string, poolId = emu.identityPoolId): Promise<string> {
  const out = await client.send(new GetIdCommand({ IdentityPoolId: poolId, Logins: { [loginKey]: token } }));
  return out.IdentityId as string;
}

describe('guest identities', () => {
  it('GetId then GetCredentialsForIdentity hands out temporary credentials for an hour', async () => {
    const { IdentityId } = await client.send(new GetIdCommand({ IdentityPoolId: emu.identityPoolId }));
    expect(IdentityId).toMatch(IDENTITY_ID);
    const before = Date.now();
    const out = await client.send(new GetCredentialsForIdentityCommand({ IdentityId }));
    expect(out.IdentityId).toBe(IdentityId);
    const credentials = out.Credentials;
    expect(credentials?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(credentials?.SecretKey).toHaveLength(40);
    expect(credentials?.SessionToken?.length).toBeGreaterThan(100);
    expect(credentials?.Expiration).toBeInstanceOf(Date);
    const lifetime = (credentials?.Expiration as Date).getTime() - before;
    expect(lifetime).toBeGreaterThan(3590_000);
    expect(lifetime).toBeLessThanOrEqual(3600_000);
  });

  it('makes a new identity on every GetId without logins', async () => {
    const a = await client.send(new GetIdCommand({ IdentityPoolId: emu.identityPoolId }));
    const b = await client.send(new GetIdCommand({ IdentityPoolId: emu.identityPoolId }));
    expect(a.IdentityId).not.toBe(b.IdentityId);
  });

  it('becomes authenticated, keeping its id, when presented with a login no identity holds yet', async () => {
    const { IdentityId } = await client.send(new GetIdCommand({ IdentityPoolId: emu.identityPoolId }));
    const token = await emu.mintToken(emu.loginKeys.google, 'guest-who-signs-in');
    const out = await client.send(
      new GetCredentialsForIdentityCommand({ IdentityId, Logins: { [emu.loginKeys.google]: token } }),
    );
    expect(out.IdentityId).toBe(IdentityId);
    expect(await idFor(emu.loginKeys.google, await emu.mintToken(emu.loginKeys.google, 'guest-who-signs-in'))).toBe(
      IdentityId,
    );
  });
});

describe('authenticated identities', () => {
  const providers = ['google', 'apple', 'facebook', 'amazon', 'twitter', 'oidc', 'userPool'] as const;

  it.each(providers)('federates %s logins: the same login always maps to the same identity', async (provider) => {
    const loginKey = emu.loginKeys[provider];
    const first = await idFor(loginKey, await emu.mintToken(loginKey, `same-${provider}`));
    const again = await idFor(loginKey, await emu.mintToken(loginKey, `same-${provider}`));
    const other = await idFor(loginKey, await emu.mintToken(loginKey, `other-${provider}`));
    expect(first).toMatch(IDENTITY_ID);
    expect(again).toBe(first);
    expect(other).not.toBe(first);
    const out = await client.send(
      new GetCredentialsForIdentityCommand({
        IdentityId: first,
        Logins: { [loginKey]: await emu.mintToken(loginKey, `same-${provider}`) },
      }),
    );
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA/);
  });

  it('keeps the login key of a user pool as cognito-idp.<region>.amazonaws.com/<userPoolId>', () => {
    expect(emu.loginKeys.userPool).toBe('cognito-idp.us-east-1.amazonaws.com/us-east-1_emulator');
  });

  it('refuses a login that is not linked to the identity presented (NotAuthorizedException)', async () => {
    const alice = await idFor(emu.loginKeys.google, await emu.mintToken(emu.loginKeys.google, 'alice'));
    const bobToken = await emu.mintToken(emu.loginKeys.google, 'bob');
    await expectSdkError(
      client.send(new GetCredentialsForIdentityCommand({ IdentityId: alice, Logins: { [emu.loginKeys.google]: bobToken } })),
      'NotAuthorizedException',
      400,
      "Logins don't match. Please include at least one valid login for this identity or identity pool.",
    );
  });

  it('refuses GetCredentialsForIdentity without logins on an authenticated identity', async () => {
    const id = await idFor(emu.loginKeys.apple, await emu.mintToken(emu.loginKeys.apple, 'carol'));
    await expectSdkError(
      client.send(new GetCredentialsForIdentityCommand({ IdentityId: id })),
      'NotAuthorizedException',
      400,
      `Access to Identity '${id}' is forbidden.`,
    );
  });

  it('raises ResourceConflictException for logins linked to two different identities', async () => {
    await idFor(emu.loginKeys.google, await emu.mintToken(emu.loginKeys.google, 'dave'));
    await idFor(emu.loginKeys.facebook, await emu.mintToken(emu.loginKeys.facebook, 'erin'));
    await expectSdkError(
      client.send(
        new GetIdCommand({
          IdentityPoolId: emu.identityPoolId,
          Logins: {
            [emu.loginKeys.google]: await emu.mintToken(emu.loginKeys.google, 'dave'),
            [emu.loginKeys.facebook]: await emu.mintToken(emu.loginKeys.facebook, 'erin'),
          },
        }),
      ),
      'ResourceConflictException',
      400,
    );
  });

  it('GetOpenIdToken returns a Cognito OpenID token for the identity', async () => {
    const token = await emu.mintToken(emu.loginKeys.oidc, 'frank');
    const id = await idFor(emu.loginKeys.oidc, token);
    const out = await client.send(new GetOpenIdTokenCommand({ IdentityId: id, Logins: { [emu.loginKeys.oidc]: token } }));
    expect(out.IdentityId).toBe(id);
    const claims = jwtPayload(out.Token as string);
    expect(claims).toMatchObject({ iss: 'https://cognito-identity.amazonaws.com', aud: emu.identityPoolId, sub: id });
    expect(claims['amr']).toEqual(expect.arrayContaining(['authenticated', emu.loginKeys.oidc]));
    expect((claims['exp'] as number) - (claims['iat'] as number)).toBe(600);

    const guest = await client.send(new GetIdCommand({ IdentityPoolId: emu.identityPoolId }));
    const guestToken = await client.send(new GetOpenIdTokenCommand({ IdentityId: guest.IdentityId }));
    expect(jwtPayload(guestToken.Token as string)['amr']).toEqual(['unauthenticated']);
  });

  it('accepts a Cognito OpenID token as the login cognito-identity.amazonaws.com', async () => {
    const google = await emu.mintToken(emu.loginKeys.google, 'grace');
    const id = await idFor(emu.loginKeys.google, google);
    const { Token } = await client.send(new GetOpenIdTokenCommand({ IdentityId: id, Logins: { [emu.loginKeys.google]: google } }));
    const out = await client.send(
      new GetCredentialsForIdentityCommand({ IdentityId: id, Logins: { [emu.loginKeys.cognitoIdentity]: Token as string } }),
    );
    expect(out.IdentityId).toBe(id);
  });
});

describe('login token checks', () => {
  it('refuses an expired JWT with the expiry in the message', async () => {
    const token = await emu.mintToken(emu.loginKeys.google, 'expired', { expiresIn: -60 });
    await expectSdkError(
      idFor(emu.loginKeys.google, token),
      'NotAuthorizedException',
      400,
      /^Invalid login token\. Token expired: \d+ >= \d+$/,
    );
  });

  it('refuses a JWT for another audience', async () => {
    const token = await emu.mintToken(emu.loginKeys.google, 'wrong-aud', { aud: 'someone-else.apps.googleusercontent.com' });
    await expectSdkError(idFor(emu.loginKeys.google, token), 'NotAuthorizedException', 400, 'Invalid login token. Incorrect token audience.');
  });

  it('refuses a JWT whose signature does not verify', async () => {
    const token = await emu.mintToken(emu.loginKeys.userPool, 'tampered');
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const flipped = signature.slice(0, 10) + (signature[10] === 'A' ? 'B' : 'A') + signature.slice(11);
    await expectSdkError(
      idFor(emu.loginKeys.userPool, `${header}.${payload}.${flipped}`),
      'NotAuthorizedException',
      400,
      "Invalid login token. Couldn't verify signed token.",
    );
  });

  it("refuses a JWT from another issuer presented under a provider's key", async () => {
    const token = await emu.mintToken(emu.loginKeys.apple, 'wrong-iss', { claims: { iss: 'https://issuer.example' } });
    await expectSdkError(idFor(emu.loginKeys.apple, token), 'NotAuthorizedException', 400, "Issuer doesn't match providerName");
  });

  it('refuses a user pool token that is not an id token, and a JWT without aud', async () => {
    const access = await emu.mintToken(emu.loginKeys.userPool, 'access', { claims: { token_use: 'access' } });
    await expectSdkError(idFor(emu.loginKeys.userPool, access), 'NotAuthorizedException', 400, /Token use/);
    const noAud = await emu.mintToken(emu.loginKeys.oidc, 'no-aud', { claims: { aud: null } });
    await expectSdkError(idFor(emu.loginKeys.oidc, noAud), 'NotAuthorizedException', 400, 'Missing a required claim: aud');
  });

  it('refuses a JWT without exp, in GetId and in GetCredentialsForIdentity (a token that never expires)', async () => {
    const noExp = await emu.mintToken(emu.loginKeys.oidc, 'no-exp', { claims: { exp: null } });
    expect(jwtPayload(noExp)).not.toHaveProperty('exp');
    await expectSdkError(idFor(emu.loginKeys.oidc, noExp), 'NotAuthorizedException', 400, 'Invalid login token. Missing a required claim: exp');

    const id = await idFor(emu.loginKeys.oidc, await emu.mintToken(emu.loginKeys.oidc, 'no-exp'));
    await expectSdkError(
      client.send(new GetCredentialsForIdentityCommand({ IdentityId: id, Logins: { [emu.loginKeys.oidc]: noExp } })),
      'NotAuthorizedException',
      400,
      'Invalid login token. Missing a required claim: exp',
    );
  });

  it('refuses something that is not a JWT, and an opaque token it never issued', async () => {
    await expectSdkError(idFor(emu.loginKeys.google, 'not-a-jwt'), 'NotAuthorizedException', 400, /Not a valid OpenId Connect/);
    await expectSdkError(idFor(emu.loginKeys.facebook, 'EAAmadeup'), 'NotAuthorizedException', 400, 'Invalid login token. Invalid Facebook token.');
  });

  it('refuses a provider the pool does not trust', async () => {
    await expectSdkError(idFor('login.untrusted.example', 'x'), 'NotAuthorizedException', 400, 'Token is not from a supported provider of this identity pool.');
  });
});

describe('issuers whose names differ only where a path is folded (realms/a, realms_a)', () => {
  const issuerA = 'https://idp.example/realms/a';
  const issuerB = 'https://idp.example/realms_a';
  const keyA = 'idp.example/realms/a';
  const keyB = 'idp.example/realms_a';
  let twins: EmulatorHandle;
  let twinsClient: CognitoIdentityClient;

  beforeAll(async () => {
    twins = await startEmulator({
      oidcIssuers: [
        { issuer: issuerA, clientIds: ['twin-app'] },
        { issuer: issuerB, clientIds: ['twin-app'] },
      ],
    });
    twinsClient = publicClient(twins);
  });

  afterAll(async () => {
    twinsClient?.destroy();
    await twins?.close();
  });

  const getId = (loginKey: string, token: string) =>
    twinsClient.send(new GetIdCommand({ IdentityPoolId: twins.identityPoolId, Logins: { [loginKey]: token } }));

  it('publish their keys at two different JWKS URLs', () => {
    const uris = twins.providers().filter((p) => p.loginKey === keyA || p.loginKey === keyB).map((p) => p.jwksUri);
    expect(uris).toHaveLength(2);
    expect(new Set(uris).size).toBe(2);
  });

  it("accept each issuer's own tokens", async () => {
    expect((await getId(keyA, await twins.mintToken(keyA, 'alice'))).IdentityId).toMatch(IDENTITY_ID);
    expect((await getId(keyB, await twins.mintToken(keyB, 'alice'))).IdentityId).toMatch(IDENTITY_ID);
  });

  it("refuse a token signed with one issuer's key that claims the other issuer", async () => {
    const forgedAsB = await twins.mintToken(keyA, 'mallory', { claims: { iss: issuerB } });
    await expectSdkError(getId(keyB, forgedAsB), 'NotAuthorizedException', 400, "Invalid login token. Couldn't verify signed token.");
    const forgedAsA = await twins.mintToken(keyB, 'mallory', { claims: { iss: issuerA } });
    await expectSdkError(getId(keyA, forgedAsA), 'NotAuthorizedException', 400, "Invalid login token. Couldn't verify signed token.");
  });
});

describe('parameter checks', () => {
  it('raises InvalidParameterException for malformed ids, logins and role ARNs', async () => {
    await expectSdkError(client.send(new GetIdCommand({ IdentityPoolId: 'not-a-pool-id' })), 'InvalidParameterException', 400, /identityPoolId/);
    await expectSdkError(client.send(new GetCredentialsForIdentityCommand({ IdentityId: 'nope' })), 'InvalidParameterException', 400, /identityId/);
    await expectSdkError(
      client.send(new GetIdCommand({ IdentityPoolId: emu.identityPoolId, Logins: { [emu.loginKeys.google]: 42 as unknown as string } })),
      'InvalidParameterException',
      400,
    );
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`provider${i}.example`, 'token']));
    await expectSdkError(
      client.send(new GetIdCommand({ IdentityPoolId: emu.identityPoolId, Logins: eleven })),
      'InvalidParameterException',
      400,
      /less than or equal to 10/,
    );
    const { IdentityId } = await client.send(new GetIdCommand({ IdentityPoolId: emu.identityPoolId }));
    await expectSdkError(
      client.send(new GetCredentialsForIdentityCommand({ IdentityId, CustomRoleArn: 'arn:aws:iam::12:role/short-account' })),
      'InvalidParameterException',
      400,
      /customRoleArn/,
    );
  });

  it('raises ResourceNotFoundException for an unknown pool or identity', async () => {
    await expectSdkError(
      client.send(new GetIdCommand({ IdentityPoolId: 'us-east-1:00000000-0000-0000-0000-000000000000' })),
      'ResourceNotFoundException',
      400,
      /IdentityPool 'us-east-1:0{8}-0{4}-0{4}-0{4}-0{12}' not found/,
    );
    await expectSdkError(
      client.send(new GetCredentialsForIdentityCommand({ IdentityId: 'us-east-1:00000000-0000-0000-0000-000000000000' })),
      'ResourceNotFoundException',
      400,
    );
  });

  it('honours a well-formed CustomRoleArn', async () => {
    const { IdentityId } = await client.send(new GetIdCommand({ IdentityPoolId: emu.identityPoolId }));
    const role = 'arn:aws:iam::123456789012:role/Custom-Role';
    const out = await client.send(new GetCredentialsForIdentityCommand({ IdentityId, CustomRoleArn: role }));
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA/);
    const logged = emu.calls().filter((call) => call.operation === 'GetCredentialsForIdentity' && call.identityId === IdentityId);
    expect(logged.at(-1)?.roleArn).toBe(role);
  });
});

describe('pools made through the API', () => {
  it('CreateIdentityPool and DescribeIdentityPool round-trip the configuration', async () => {
    const created = await backend.send(
      new CreateIdentityPoolCommand({
        IdentityPoolName: 'made by test',
        AllowUnauthenticatedIdentities: false,
        SupportedLoginProviders: { 'accounts.google.com': 'my-app.apps.googleusercontent.com' },
        DeveloperProviderName: 'login.test.app',
        OpenIdConnectProviderARNs: ['arn:aws:iam::123456789012:oidc-provider/login.test.example'],
        CognitoIdentityProviders: [{ ProviderName: 'cognito-idp.us-east-1.amazonaws.com/us-east-1_Test123', ClientId: 'testclient' }],
        IdentityPoolTags: { team: 'auth' },
      }),
    );
    expect(created.IdentityPoolId).toMatch(IDENTITY_ID);
    const described = await backend.send(new DescribeIdentityPoolCommand({ IdentityPoolId: created.IdentityPoolId }));
    expect(described).toMatchObject({
      IdentityPoolId: created.IdentityPoolId,
      IdentityPoolName: 'made by test',
      AllowUnauthenticatedIdentities: false,
      SupportedLoginProviders: { 'accounts.google.com': 'my-app.apps.googleusercontent.com' },
      DeveloperProviderName: 'login.test.app',
      OpenIdConnectProviderARNs: ['arn:aws:iam::123456789012:oidc-provider/login.test.example'],
      CognitoIdentityProviders: [{ ProviderName: 'cognito-idp.us-east-1.amazonaws.com/us-east-1_Test123', ClientId: 'testclient' }],
      IdentityPoolTags: { team: 'auth' },
    });

    // Guests are off in this pool.
    await expectSdkError(
      client.send(new GetIdCommand({ IdentityPoolId: created.IdentityPoolId })),
      'NotAuthorizedException',
      400,
      'Unauthenticated access is not supported for this identity pool.',
    );
    // Its Google client id decides the audience; the user pool and OIDC issuer it named are hosted at once.
    const poolId = created.IdentityPoolId as string;
    await expectSdkError(idFor('accounts.google.com', await emu.mintToken('accounts.google.com', 'u1'), poolId), 'NotAuthorizedException', 400, /audience/);
    expect(await idFor('accounts.google.com', await emu.mintToken('accounts.google.com', 'u1', { aud: 'my-app.apps.googleusercontent.com' }), poolId)).toMatch(IDENTITY_ID);
    const userPoolKey = 'cognito-idp.us-east-1.amazonaws.com/us-east-1_Test123';
    expect(await idFor(userPoolKey, await emu.mintToken(userPoolKey, 'u2'), poolId)).toMatch(IDENTITY_ID);
    expect(await idFor('login.test.example', await emu.mintToken('login.test.example', 'u3'), poolId)).toMatch(IDENTITY_ID);
  });

  it('raises InvalidIdentityPoolConfigurationException when the pool has no role for the caller', async () => {
    const { IdentityPoolId } = await backend.send(
      new CreateIdentityPoolCommand({ IdentityPoolName: 'no guest role', AllowUnauthenticatedIdentities: true }),
    );
    const roles = await backend.send(new GetIdentityPoolRolesCommand({ IdentityPoolId }));
    expect(roles.Roles?.['unauthenticated']).toMatch(/^arn:aws:iam::\d{12}:role\//);
    await backend.send(
      new SetIdentityPoolRolesCommand({ IdentityPoolId, Roles: { authenticated: 'arn:aws:iam::123456789012:role/Auth' } }),
    );
    const { IdentityId } = await client.send(new GetIdCommand({ IdentityPoolId }));
    await expectSdkError(
      client.send(new GetCredentialsForIdentityCommand({ IdentityId })),
      'InvalidIdentityPoolConfigurationException',
      400,
      'Invalid identity pool configuration. Check assigned IAM roles for this pool.',
    );
  });

  it('ListIdentities pages through a pool and DescribeIdentity names the linked providers', async () => {
    const { IdentityPoolId } = await backend.send(
      new CreateIdentityPoolCommand({
        IdentityPoolName: 'listing',
        AllowUnauthenticatedIdentities: true,
        SupportedLoginProviders: { 'graph.facebook.com': '100000000000001' },
      }),
    );
    const fb = await idFor('graph.facebook.com', await emu.mintToken('graph.facebook.com', 'lister'), IdentityPoolId);
    for (let i = 0; i < 2; i++) await client.send(new GetIdCommand({ IdentityPoolId }));

    const first = await backend.send(new ListIdentitiesCommand({ IdentityPoolId, MaxResults: 2 }));
    expect(first.Identities).toHaveLength(2);
    expect(first.NextToken).toBeTruthy();
    const second = await backend.send(new ListIdentitiesCommand({ IdentityPoolId, MaxResults: 2, NextToken: first.NextToken }));
    expect(second.Identities).toHaveLength(1);
    expect(second.NextToken).toBeUndefined();
    const ids = [...(first.Identities ?? []), ...(second.Identities ?? [])].map((identity) => identity.IdentityId);
    expect(ids).toContain(fb);

    const described = await backend.send(new DescribeIdentityCommand({ IdentityId: fb }));
    expect(described.IdentityId).toBe(fb);
    expect(described.Logins).toEqual(['graph.facebook.com']);
    expect(described.CreationDate).toBeInstanceOf(Date);
    expect(Math.abs((described.CreationDate as Date).getTime() - Date.now())).toBeLessThan(60_000);
  });

  it('ListIdentityPools lists pools and DeleteIdentityPool removes one', async () => {
    const { IdentityPoolId } = await backend.send(
      new CreateIdentityPoolCommand({ IdentityPoolName: 'short lived', AllowUnauthenticatedIdentities: true }),
    );
    const listed = await backend.send(new ListIdentityPoolsCommand({ MaxResults: 60 }));
    expect(listed.IdentityPools?.map((pool) => pool.IdentityPoolId)).toEqual(
      expect.arrayContaining([emu.identityPoolId, IdentityPoolId]),
    );
    await backend.send(new DeleteIdentityPoolCommand({ IdentityPoolId }));
    await expectSdkError(backend.send(new DescribeIdentityPoolCommand({ IdentityPoolId })), 'ResourceNotFoundException', 400);
  });
});

describe('developer authenticated identities', () => {
  it('GetOpenIdTokenForDeveloperIdentity then GetCredentialsForIdentity with the Cognito token', async () => {
    const dev = { [emu.developerProviderName]: 'backend-user-1' };
    const first = await backend.send(new GetOpenIdTokenForDeveloperIdentityCommand({ IdentityPoolId: emu.identityPoolId, Logins: dev }));
    expect(first.IdentityId).toMatch(IDENTITY_ID);
    const claims = jwtPayload(first.Token as string);
    expect(claims).toMatchObject({ iss: 'https://cognito-identity.amazonaws.com', aud: emu.identityPoolId, sub: first.IdentityId });
    expect((claims['exp'] as number) - (claims['iat'] as number)).toBe(900);

    const again = await backend.send(
      new GetOpenIdTokenForDeveloperIdentityCommand({ IdentityPoolId: emu.identityPoolId, Logins: dev, TokenDuration: 60 }),
    );
    expect(again.IdentityId).toBe(first.IdentityId);

    const out = await client.send(
      new GetCredentialsForIdentityCommand({
        IdentityId: first.IdentityId,
        Logins: { 'cognito-identity.amazonaws.com': first.Token as string },
      }),
    );
    expect(out.IdentityId).toBe(first.IdentityId);
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA/);

    const described = await backend.send(new DescribeIdentityCommand({ IdentityId: first.IdentityId }));
    expect(described.Logins).toEqual([emu.developerProviderName]);
  });

  it('refuses a Cognito token for another identity, and a developer user registered elsewhere', async () => {
    const one = await backend.send(
      new GetOpenIdTokenForDeveloperIdentityCommand({ IdentityPoolId: emu.identityPoolId, Logins: { [emu.developerProviderName]: 'dev-a' } }),
    );
    const two = await backend.send(
      new GetOpenIdTokenForDeveloperIdentityCommand({ IdentityPoolId: emu.identityPoolId, Logins: { [emu.developerProviderName]: 'dev-b' } }),
    );
    await expectSdkError(
      client.send(new GetCredentialsForIdentityCommand({ IdentityId: two.IdentityId, Logins: { 'cognito-identity.amazonaws.com': one.Token as string } })),
      'NotAuthorizedException',
      400,
    );
    await expectSdkError(
      backend.send(
        new GetOpenIdTokenForDeveloperIdentityCommand({
          IdentityPoolId: emu.identityPoolId,
          IdentityId: two.IdentityId,
          Logins: { [emu.developerProviderName]: 'dev-a' },
        }),
      ),
      'DeveloperUserAlreadyRegisteredException',
      400,
    );
  });
});
