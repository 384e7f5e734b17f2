/**
 * Clients and issuers the emulator did not write: the SDK's own credential provider, a user
 * pool whose keys are served elsewhere, and an emulator running on a controlled clock.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetCredentialsForIdentityCommand, GetIdCommand } from '@aws-sdk/client-cognito-identity';
import { fromCognitoIdentityPool } from '@aws-sdk/credential-providers';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';
import { IDENTITY_ID, expectSdkError, publicClient } from './helpers.js';

describe('fromCognitoIdentityPool (the SDK credential provider)', () => {
  let emu: EmulatorHandle;
  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(async () => {
    await emu?.close();
  });

  const expectAboutAnHourAhead = (expiration: Date | undefined) => {
    expect(expiration).toBeInstanceOf(Date);
    const ahead = (expiration as Date).getTime() - Date.now();
    expect(ahead).toBeGreaterThan(3540_000);
    expect(ahead).toBeLessThanOrEqual(3600_000);
  };

  it('obtains guest credentials', async () => {
    const provider = fromCognitoIdentityPool({
      identityPoolId: emu.identityPoolId,
      clientConfig: { endpoint: emu.endpoint, region: emu.region },
    });
    const credentials = await provider();
    expect(credentials.accessKeyId).toMatch(/^ASIA/);
    expect(credentials.secretAccessKey).toBeTruthy();
    expect(credentials.sessionToken).toBeTruthy();
    expect(credentials.identityId).toMatch(IDENTITY_ID);
    expectAboutAnHourAhead(credentials.expiration);
  });

  it('obtains authenticated credentials with a minted Google token', async () => {
    const token = await emu.mintToken(emu.loginKeys.google, 'provider-user');
    const provider = fromCognitoIdentityPool({
      identityPoolId: emu.identityPoolId,
      logins: { [emu.loginKeys.google]: token },
      clientConfig: { endpoint: emu.endpoint, region: emu.region },
    });
    const credentials = await provider();
    expectAboutAnHourAhead(credentials.expiration);
    const { IdentityId } = await publicClient(emu).send(
      new GetIdCommand({ IdentityPoolId: emu.identityPoolId, Logins: { [emu.loginKeys.google]: token } }),
    );
    expect(credentials.identityId).toBe(IdentityId);
    expect(emu.calls().filter((call) => call.identityId === IdentityId).map((call) => call.operation)).toEqual([
      'GetId',
      'GetCredentialsForIdentity',
      'GetId',
    ]);
  });
});

describe('a user pool whose keys are served elsewhere', () => {
  const userPoolId = 'local_Ext4ernal';
  let jwksServer: Server;
  let issuer: string;
  let privateKey: CryptoKey;
  let emu: EmulatorHandle;
  let unreachable: EmulatorHandle;
  const loginKey = `cognito-idp.us-east-1.amazonaws.com/${userPoolId}`;

  beforeAll(async () => {
    const keys = await generateKeyPair('RS256');
    privateKey = keys.privateKey;
    const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'external-key', alg: 'RS256', use: 'sig' };
    jwksServer = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/${userPoolId}`;
    emu = await startEmulator({
      userPools: [{ userPoolId, issuer, jwksUri: `${issuer}/.well-known/jwks.json`, clientIds: ['externalclient'] }],
    });
    // A port that was just free and is closed again: nothing answers there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const deadPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    unreachable = await startEmulator({
      userPools: [{ userPoolId, issuer, jwksUri: `http://127.0.0.1:${deadPort}/jwks.json` }],
    });
  });

  afterAll(async () => {
    await emu?.close();
    await unreachable?.close();
    jwksServer?.closeAllConnections();
    await new Promise<void>((resolve) => (jwksServer ? jwksServer.close(() => resolve()) : resolve()));
  });

  const idToken = (claims: Record<string, unknown>) =>
    new SignJWT({ token_use: 'id', aud: 'externalclient', ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: 'external-key' })
      .setIssuer(issuer)
      .setSubject('external-user')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);

  const getId = (target: EmulatorHandle, token: string) =>
    publicClient(target).send(new GetIdCommand({ IdentityPoolId: target.identityPoolId, Logins: { [loginKey]: token } }));

  it('accepts its id tokens, checked against its JWKS', async () => {
    const first = await getId(emu, await idToken({}));
    expect(first.IdentityId).toMatch(IDENTITY_ID);
    expect((await getId(emu, await idToken({}))).IdentityId).toBe(first.IdentityId);
    // The same pool spelled with its own id's prefix as region, as a client of that service would.
    const localKey = `cognito-idp.local.amazonaws.com/${userPoolId}`;
    const viaLocal = await publicClient(emu).send(
      new GetIdCommand({ IdentityPoolId: emu.identityPoolId, Logins: { [localKey]: await idToken({}) } }),
    );
    expect(viaLocal.IdentityId).toBe(first.IdentityId);
  });

  it('refuses its tokens for another client, its access tokens, and tokens it cannot mint', async () => {
    await expectSdkError(getId(emu, await idToken({ aud: 'otherclient' })), 'NotAuthorizedException', 400, /Incorrect token audience/);
    await expectSdkError(getId(emu, await idToken({ token_use: 'access' })), 'NotAuthorizedException', 400);
    await expect(emu.mintToken(loginKey, 'x')).rejects.toThrow(/cannot mint/);
  });

  it('raises ExternalServiceException when its JWKS cannot be fetched', async () => {
    await expectSdkError(getId(unreachable, await idToken({})), 'ExternalServiceException', 400);
  });
});

describe('an emulator on a controlled clock', () => {
  let now = Date.UTC(2030, 0, 1, 12, 0, 0);
  let emu: EmulatorHandle;
  beforeAll(async () => {
    emu = await startEmulator({ now: () => now, credentialLifetimeSeconds: 900, allowGuests: false });
  });
  afterAll(async () => {
    await emu?.close();
  });

  it('expires tokens and dates credentials by that clock', async () => {
    const client = publicClient(emu);
    const google = await emu.mintToken(emu.loginKeys.google, 'clocked', { expiresIn: 60 });
    const amazon = await emu.mintToken(emu.loginKeys.amazon, 'clocked', { expiresIn: 60 });
    const logins = { [emu.loginKeys.google]: google, [emu.loginKeys.amazon]: amazon };
    const { IdentityId } = await client.send(new GetIdCommand({ IdentityPoolId: emu.identityPoolId, Logins: logins }));
    const out = await client.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins: logins }));
    expect(out.Credentials?.Expiration?.getTime()).toBe(now + 900_000);

    now += 120_000;
    await expectSdkError(
      client.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins: { [emu.loginKeys.google]: google } })),
      'NotAuthorizedException',
      400,
      `Invalid login token. Token expired: ${now / 1000} >= ${now / 1000 - 60}`,
    );
    await expectSdkError(
      client.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins: { [emu.loginKeys.amazon]: amazon } })),
      'NotAuthorizedException',
      400,
      /Token expired/,
    );
  });

  it('refuses guests when they are turned off', async () => {
    await expectSdkError(
      publicClient(emu).send(new GetIdCommand({ IdentityPoolId: emu.identityPoolId })),
      'NotAuthorizedException',
      400,
      'Unauthenticated access is not supported for this identity pool.',
    );
  });
});
