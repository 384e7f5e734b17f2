/**
 * SigV4 on the signed operations: unsigned, wrongly signed, altered-after-signing and
 * unknown-key requests get the errors AWS's front door gives; public operations need no signature.
 */
import { createHash, createHmac } from 'node:crypto';
import { CreateIdentityPoolCommand, DescribeIdentityPoolCommand, GetIdCommand } from '@aws-sdk/client-cognito-identity';
import { SignatureV4 } from '@smithy/signature-v4';
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

type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: SourceData) =>
  typeof data === 'string' ? data : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);

/** SHA-256 and HMAC-SHA-256 in the shape the signer expects. */
class Sha256 {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

/**
 * Signs a Cognito Identity call with the SDK's signer, leaving out of SignedHeaders the headers
 * named in `leaveUnsigned`, and returns the headers to send (fetch supplies `host` itself).
 */
async function signRaw(operation: string, input: object, leaveUnsigned: string[] = []) {
  const url = new URL(emu.endpoint);
  const body = JSON.stringify(input);
  const signer = new SignatureV4({ credentials: emu.developerCredentials, region: emu.region, service: 'cognito-identity', sha256: Sha256 });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query: {},
      headers: {
        host: url.host,
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `AWSCognitoIdentityService.${operation}`,
      },
      body,
    },
    { unsignableHeaders: new Set(leaveUnsigned) },
  );
  const { host: _host, ...headers } = signed.headers;
  return { headers, body };
}

const send = (request: { headers: Record<string, string>; body: string }) =>
  fetch(emu.endpoint, { method: 'POST', headers: request.headers, body: request.body });

async function freshPool(): Promise<string> {
  const out = await signedClient(emu).send(
    new CreateIdentityPoolCommand({ IdentityPoolName: 'replay_target', AllowUnauthenticatedIdentities: true }),
  );
  return out.IdentityPoolId as string;
}

async function expectRefused(response: Response, message: RegExp): Promise<void> {
  expect(response.status).toBe(400);
  expect(response.headers.get('x-amzn-errortype')).toBe('InvalidSignatureException');
  const body = (await response.json()) as { __type: string; message: string };
  expect(body.__type).toBe('InvalidSignatureException');
  expect(body.message).toMatch(message);
}

describe('headers a signature must cover', () => {
  it('answers a request signed over host, content-type, x-amz-date and x-amz-target', async () => {
    const response = await send(await signRaw('DescribeIdentityPool', { IdentityPoolId: emu.identityPoolId }));
    expect(response.status).toBe(200);
    expect(((await response.json()) as { IdentityPoolId: string }).IdentityPoolId).toBe(emu.identityPoolId);
  });

  it('refuses a signed DescribeIdentityPool replayed with X-Amz-Target changed to DeleteIdentityPool', async () => {
    const poolId = await freshPool();
    const request = await signRaw('DescribeIdentityPool', { IdentityPoolId: poolId });
    request.headers['x-amz-target'] = 'AWSCognitoIdentityService.DeleteIdentityPool';
    await expectRefused(await send(request), /signature we calculated does not match/);
    const still = await signedClient(emu).send(new DescribeIdentityPoolCommand({ IdentityPoolId: poolId }));
    expect(still.IdentityPoolId).toBe(poolId);
  });

  it('refuses a request whose X-Amz-Target was left out of SignedHeaders, so a replay cannot change the operation', async () => {
    const poolId = await freshPool();
    const request = await signRaw('DescribeIdentityPool', { IdentityPoolId: poolId }, ['x-amz-target']);
    expect(request.headers['authorization']).not.toContain('x-amz-target');
    request.headers['x-amz-target'] = 'AWSCognitoIdentityService.DeleteIdentityPool';
    await expectRefused(await send(request), /'x-amz-target' must be a 'SignedHeader'/);
    const still = await signedClient(emu).send(new DescribeIdentityPoolCommand({ IdentityPoolId: poolId }));
    expect(still.IdentityPoolId).toBe(poolId);
  });

  it('refuses a correctly signed request carrying an x-amz-* header it did not sign', async () => {
    const poolId = await freshPool();
    const request = await signRaw('DeleteIdentityPool', { IdentityPoolId: poolId });
    request.headers['x-amz-unsigned-extra'] = 'added after signing';
    await expectRefused(await send(request), /'x-amz-unsigned-extra' must be a 'SignedHeader'/);
    const still = await signedClient(emu).send(new DescribeIdentityPoolCommand({ IdentityPoolId: poolId }));
    expect(still.IdentityPoolId).toBe(poolId);
  });
});

describe('public operations', () => {
  it('need no signature', async () => {
    const out = await publicClient(emu).send(new GetIdCommand({ IdentityPoolId: emu.identityPoolId }));
    expect(out.IdentityId).toBeTruthy();
  });
});
