/**
 * verifySignedRequest: the emulator checks requests signed with the credentials it handed out,
 * as an AWS service would, so a local service can stand in for AWS behind them.
 */
import { GetCredentialsForIdentityCommand, GetIdCommand } from '@aws-sdk/client-cognito-identity';
import { AwsClient } from 'aws4fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle, type SignedRequest } from '../../emulator/index.js';
import { publicClient } from './helpers.js';

let emu: EmulatorHandle;
let now = Date.now();

beforeAll(async () => {
  emu = await startEmulator({ now: () => now, credentialLifetimeSeconds: 60 });
});

afterAll(async () => {
  await emu?.close();
});

interface Issued {
  identityId: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

async function federate(sub: string): Promise<Issued> {
  const client = publicClient(emu);
  const Logins = { [emu.loginKeys.google]: await emu.mintToken(emu.loginKeys.google, sub) };
  const { IdentityId } = await client.send(new GetIdCommand({ IdentityPoolId: emu.identityPoolId, Logins }));
  const { Credentials } = await client.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins }));
  return {
    identityId: IdentityId as string,
    accessKeyId: Credentials?.AccessKeyId as string,
    secretAccessKey: Credentials?.SecretKey as string,
    sessionToken: Credentials?.SessionToken as string,
  };
}

const URL_SIGNED = 'http://127.0.0.1:9/items?limit=1';

/** Signs a request with aws4fetch and reads it back in the form a Node server sees. */
async function signed(credentials: Omit<Issued, 'identityId'>, body = '{"hello":"world"}'): Promise<SignedRequest> {
  const signer = new AwsClient({ ...credentials, service: 'execute-api', region: emu.region });
  const request = await signer.sign(URL_SIGNED, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  const headers: Record<string, string> = { host: '127.0.0.1:9' };
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return { method: 'POST', url: '/items?limit=1', headers, body: Buffer.from(body) };
}

async function failure(check: Promise<unknown>): Promise<{ name: string; message: string }> {
  const error = (await check.then(
    () => undefined,
    (e: unknown) => e,
  )) as { name: string; message: string } | undefined;
  expect(error, 'expected the check to refuse the request').toBeDefined();
  return error as { name: string; message: string };
}

describe('verifySignedRequest', () => {
  it('accepts a request signed with issued credentials and names their identity', async () => {
    const issued = await federate('alice');
    await expect(emu.verifySignedRequest(await signed(issued), { service: 'execute-api' })).resolves.toEqual({
      identityId: issued.identityId,
    });
  });

  it('refuses a wrong secret, another session token, an unknown key and an altered body', async () => {
    const issued = await federate('bob');
    const other = await federate('carol');
    expect((await failure(emu.verifySignedRequest(await signed({ ...issued, secretAccessKey: other.secretAccessKey }), { service: 'execute-api' }))).name).toBe(
      'InvalidSignatureException',
    );
    expect((await failure(emu.verifySignedRequest(await signed({ ...issued, sessionToken: other.sessionToken }), { service: 'execute-api' }))).name).toBe(
      'UnrecognizedClientException',
    );
    expect(
      (await failure(emu.verifySignedRequest(await signed({ ...issued, accessKeyId: 'ASIANEVERISSUED00000' }), { service: 'execute-api' }))).name,
    ).toBe('UnrecognizedClientException');
    const altered = { ...(await signed(issued)), body: Buffer.from('{"hello":"mallory"}') };
    expect((await failure(emu.verifySignedRequest(altered, { service: 'execute-api' }))).name).toBe('InvalidSignatureException');
    expect((await failure(emu.verifySignedRequest(await signed(issued), { service: 's3' }))).name).toBe('InvalidSignatureException');
  });

  it('refuses credentials past their expiration on the emulator clock', async () => {
    const issued = await federate('dave');
    const request = await signed(issued);
    now += 61_000;
    const error = await failure(emu.verifySignedRequest(request, { service: 'execute-api' }));
    expect(error.name).toBe('ExpiredTokenException');
    expect(error.message).not.toContain(issued.sessionToken);
  });
});
