import { CognitoIdentityClient } from '@aws-sdk/client-cognito-identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';
import { AuthError } from '../../src/vocabulary/AuthError.js';
import { Secret } from '../../src/vocabulary/Secret.js';
import { createSdkCognitoIdentityService } from '../../src/services/index.js';

describe('createSdkCognitoIdentityService: the SDK client as a way in', () => {
  let emu: EmulatorHandle;
  let client: CognitoIdentityClient;
  beforeAll(async () => {
    emu = await startEmulator({ port: 0 });
    client = new CognitoIdentityClient({ region: emu.region, endpoint: emu.endpoint, maxAttempts: 1 });
  });
  afterAll(async () => {
    client?.destroy();
    await emu?.close();
  });

  it('federates through the SDK client and its middleware', async () => {
    const seen: string[] = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        seen.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize', name: 'recordCommands' },
    );
    const service = createSdkCognitoIdentityService({ client, identityPoolId: emu.identityPoolId });
    const token = await emu.mintToken(emu.loginKeys.google, 'sdk-user');
    const login = { loginKey: emu.loginKeys.google, token: new Secret(token) };
    const identityId = await service.getId(login);
    expect(identityId).toMatch(/^us-east-1:/);
    const credentials = await service.getCredentialsForIdentity({ identityId, login });
    expect(credentials.accessKeyId).toMatch(/^ASIA/);
    expect(credentials.expiration).toBeGreaterThan(Date.now());
    expect(seen).toEqual(['GetIdCommand', 'GetCredentialsForIdentityCommand']);
  });

  it("tells Cognito's clock by the SDK client's systemClockOffset, which stands in for the Date header it hides", async () => {
    const skewed = new CognitoIdentityClient({ region: emu.region, endpoint: emu.endpoint, maxAttempts: 1, systemClockOffset: 3_600_000 });
    try {
      const service = createSdkCognitoIdentityService({ client: skewed, identityPoolId: emu.identityPoolId });
      const token = await emu.mintToken(emu.loginKeys.google, 'sdk-skew-user');
      const login = { loginKey: emu.loginKeys.google, token: new Secret(token) };
      const before = Date.now();
      const credentials = await service.getCredentialsForIdentity({ identityId: await service.getId(login), login });
      expect(credentials.serverTime).toBeGreaterThanOrEqual(before + 3_600_000);
      expect(credentials.serverTime).toBeLessThanOrEqual(Date.now() + 3_600_000);
      // Without an offset the device's clock is taken as Cognito's: no time is claimed.
      const plain = createSdkCognitoIdentityService({ client, identityPoolId: emu.identityPoolId });
      expect((await plain.getCredentialsForIdentity({ identityId: await plain.getId(login), login })).serverTime).toBeUndefined();
    } finally {
      skewed.destroy();
    }
  });

  it('maps the SDK\'s errors through the one table', async () => {
    emu.addFault({ operation: 'GetId', error: 'NotAuthorizedException', count: 1 });
    const service = createSdkCognitoIdentityService({ client, identityPoolId: emu.identityPoolId });
    const error = await service.getId(undefined).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({ name: 'NotAuthorizedError', serviceErrorName: 'NotAuthorizedException' });
  });

  it('cancels through the abort signal', async () => {
    const controller = new AbortController();
    controller.abort();
    const service = createSdkCognitoIdentityService({ client, identityPoolId: emu.identityPoolId });
    await expect(service.getId(undefined, controller.signal)).rejects.toMatchObject({ name: 'CancelledError' });
  });
});
