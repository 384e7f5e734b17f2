/**
 * SigV4 on the signed operations: unsigned, wrongly signed, altered-after-signing and
 * unknown-key requests get the errors AWS's front door gives; public operations need no signature.
 */
import { DescribeIdentityPoolCommand, GetIdCommand } from '@aws-sdk/client-cognito-identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';
import { expectSdkError, publicClient, signedClient, tamperAfterSigning } from './helpers.js';

let emu: EmulatorHandle;

beforeAll(async () => {
  emu = await startEmulator();
});

afterAll(async () => {
  await emu?.close();
});

const describePool = () => new DescribeIdentityPoolCommand({ IdentityPoolId: emu.identityPoolId });

describe('signed operations', () => {
  it('answer a correctly signed request', async () => {
    const out = await signedClient(emu).send(describePool());
    expect(out.IdentityPoolId).toBe(emu.identityPoolId);
  });

  it('refuse an unsigned request with MissingAuthenticationTokenException', async () => {
    const client = signedClient(emu);
    tamperAfterSigning(client, (request) => {
      delete request.headers['authorization'];
    });
    await expectSdkError(client.send(describePool()), 'MissingAuthenticationTokenException', 400, 'Request is missing Authentication Token');

    const raw = await fetch(emu.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityService.DescribeIdentityPool' },
      body: JSON.stringify({ IdentityPoolId: emu.identityPoolId }),
    });
    expect(raw.status).toBe(400);
    expect(raw.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    expect(await raw.json()).toEqual({ __type: 'MissingAuthenticationTokenException', message: 'Request is missing Authentication Token' });
  });

  it('refuse a request signed with the wrong secret with InvalidSignatureException', async () => {
    const client = signedClient(emu, { accessKeyId: emu.developerCredentials.accessKeyId, secretAccessKey: 'not-the-secret' });
    await expectSdkError(client.send(describePool()), 'InvalidSignatureException', 400, /signature we calculated does not match/);
  });

  it('refuse a body changed after signing', async () => {
    const client = signedClient(emu);
    tamperAfterSigning(client, (request) => {
      request.body = JSON.stringify({ IdentityPoolId: 'us-east-1:00000000-0000-0000-0000-000000000000' });
    });
    await expectSdkError(client.send(describePool()), 'InvalidSignatureException', 400);
  });

  it('refuse a signature scoped to another region', async () => {
    const client = signedClient(emu, emu.developerCredentials, 'eu-west-1');
    await expectSdkError(client.send(describePool()), 'InvalidSignatureException', 400, /scoped to a valid region/);
  });

  it('refuse an unknown access key with UnrecognizedClientException', async () => {
    const client = signedClient(emu, { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'whatever' });
    await expectSdkError(client.send(describePool()), 'UnrecognizedClientException', 400, 'The security token included in the request is invalid.');
  });

  it('refuse an Authorization header missing its parts with IncompleteSignatureException', async () => {
    const client = signedClient(emu);
    tamperAfterSigning(client, (request) => {
      request.headers['authorization'] = 'AWS4-HMAC-SHA256 Credential=AKIAEMULATOR00000000';
    });
    await expectSdkError(client.send(describePool()), 'IncompleteSignatureException', 400, /requires 'Signature' parameter/);
  });

  it('refuse a signature more than five minutes old', async () => {
    const client = signedClient(emu);
    // The SDK signs with its clock plus this offset: ten minutes slow.
    client.config.systemClockOffset = -10 * 60 * 1000;
    await expectSdkError(client.send(describePool()), 'InvalidSignatureException', 400, /Signature expired/);
  });
});

describe('public operations', () => {
  it('need no signature', async () => {
    const out = await publicClient(emu).send(new GetIdCommand({ IdentityPoolId: emu.identityPoolId }));
    expect(out.IdentityId).toBeTruthy();
  });
});
