/**
 * Fault injection, the call log and the admin API (over plain fetch, as a test harness in
 * another language or a browser page would use it), plus CORS.
 */
import { GetCredentialsForIdentityCommand, GetIdCommand } from '@aws-sdk/client-cognito-identity';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { COGNITO_ERROR_NAMES, startEmulator, type EmulatorHandle } from '../../emulator/index.js';
import { expectSdkError, publicClient } from './helpers.js';

let emu: EmulatorHandle;

beforeAll(async () => {
  emu = await startEmulator();
});

beforeEach(() => {
  emu.clearFaults();
  emu.clearCalls();
});

afterAll(async () => {
  await emu?.close();
});

const getId = (client = publicClient(emu)) => client.send(new GetIdCommand({ IdentityPoolId: emu.identityPoolId }));

async function admin(path: string, init: { method?: string; body?: unknown } = {}): Promise<Response> {
  return fetch(`${emu.endpoint}${path}`, {
    method: init.method ?? 'GET',
    ...(init.body !== undefined ? { body: JSON.stringify(init.body), headers: { 'content-type': 'application/json' } } : {}),
  });
}

describe('fault injection', () => {
  it('fails the next N calls of an operation with the named error, then recovers', async () => {
    emu.addFault({ operation: 'GetId', error: 'TooManyRequestsException', count: 2 });
    await expectSdkError(getId(), 'TooManyRequestsException', 400, 'Rate exceeded');
    await expectSdkError(getId(), 'TooManyRequestsException', 400);
    expect((await getId()).IdentityId).toBeTruthy();
    const outcomes = emu.calls().map((call) => [call.outcome, call.error ?? null, call.injected ?? false]);
    expect(outcomes).toEqual([
      ['error', 'TooManyRequestsException', true],
      ['error', 'TooManyRequestsException', true],
      ['success', null, false],
    ]);
  });

  it('answers InternalErrorException with HTTP 500, which the SDK retries by itself', async () => {
    emu.addFault({ operation: 'GetId', error: 'InternalErrorException' });
    await expectSdkError(getId(), 'InternalErrorException', 500);
    emu.addFault({ operation: 'GetId', error: 'InternalErrorException' });
    const out = await getId(publicClient(emu, { maxAttempts: 3 }));
    expect(out.$metadata.attempts).toBe(2);
  });

  it.each([
    ['GetId', [...COGNITO_ERROR_NAMES].filter((name) => !['InvalidIdentityPoolConfigurationException', 'DeveloperUserAlreadyRegisteredException'].includes(name))],
    ['GetCredentialsForIdentity', [...COGNITO_ERROR_NAMES].filter((name) => !['LimitExceededException', 'DeveloperUserAlreadyRegisteredException'].includes(name))],
  ])('can inject every error %s declares', async (operation, names) => {
    const client = publicClient(emu);
    const { IdentityId } = await getId(client);
    for (const name of names) {
      emu.addFault({ operation, error: name as (typeof COGNITO_ERROR_NAMES)[number] });
      const call =
        operation === 'GetId' ? getId(client) : client.send(new GetCredentialsForIdentityCommand({ IdentityId }));
      await expectSdkError(call, name, name === 'InternalErrorException' ? 500 : 400);
    }
  });

  it('drops the connection without an answer for ConnectionDropped', async () => {
    emu.addFault({ operation: 'GetId', error: 'ConnectionDropped' });
    const failure = await getId().then(
      () => undefined,
      (error: unknown) => error as { code?: string; message: string },
    );
    expect(failure?.code ?? failure?.message).toMatch(/ECONNRESET|socket hang up/);
    expect((await getId()).IdentityId).toBeTruthy();
    expect(emu.calls()[0]).toMatchObject({ operation: 'GetId', outcome: 'dropped', error: 'ConnectionDropped' });
  });

  it('adds latency to every call, or to one operation', async () => {
    const client = publicClient(emu);
    await getId(client); // Warm the connection so the timing measures the emulator only.
    emu.addFault({ latencyMs: 250 });
    let started = performance.now();
    await getId(client);
    expect(performance.now() - started).toBeGreaterThanOrEqual(245);

    emu.clearFaults();
    emu.addFault({ operation: 'GetCredentialsForIdentity', latencyMs: 300 });
    started = performance.now();
    const { IdentityId } = await getId(client);
    expect(performance.now() - started).toBeLessThan(250);
    started = performance.now();
    await client.send(new GetCredentialsForIdentityCommand({ IdentityId }));
    expect(performance.now() - started).toBeGreaterThanOrEqual(295);
  });

  it('rejects a rule it cannot apply', () => {
    expect(() => emu.addFault({ operation: 'GetId', error: 'NoSuchException' as never })).toThrow(/error must be one of/);
    expect(() => emu.addFault({ operation: 'NoSuchOperation', error: 'TooManyRequestsException' })).toThrow(/operation/);
    expect(() => emu.addFault({ latencyMs: -1 })).toThrow(/latencyMs/);
  });
});

describe('call log', () => {
  it('records operation, identity and login keys, never a token value', async () => {
    const client = publicClient(emu);
    const google = await emu.mintToken(emu.loginKeys.google, 'logged-user');
    const facebook = await emu.mintToken(emu.loginKeys.facebook, 'logged-user');
    const logins = { [emu.loginKeys.google]: google, [emu.loginKeys.facebook]: facebook };
    const { IdentityId } = await client.send(new GetIdCommand({ IdentityPoolId: emu.identityPoolId, Logins: logins }));
    await client.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins: logins }));
    await expectSdkError(
      client.send(new GetIdCommand({ IdentityPoolId: emu.identityPoolId, Logins: { [emu.loginKeys.google]: `${google}x` } })),
      'NotAuthorizedException',
      400,
    );

    const calls = emu.calls();
    expect(calls).toHaveLength(3);
    expect(calls[0]).toMatchObject({
      operation: 'GetId',
      identityId: IdentityId,
      loginKeys: [emu.loginKeys.google, emu.loginKeys.facebook],
      outcome: 'success',
    });
    expect(typeof calls[0]?.at).toBe('number');
    expect(calls[1]).toMatchObject({ operation: 'GetCredentialsForIdentity', identityId: IdentityId, outcome: 'success' });
    expect(calls[2]).toMatchObject({ operation: 'GetId', outcome: 'error', error: 'NotAuthorizedException' });

    const served = JSON.stringify(await (await admin('/_emulator/calls')).json());
    for (const logged of [JSON.stringify(calls), served]) {
      for (const secret of [google, facebook, google.split('.')[2] as string, facebook.slice(3, 40)]) {
        expect(logged).not.toContain(secret);
      }
    }
  });
});

describe('admin API', () => {
  it('POST /_emulator/token mints JWTs and opaque tokens the pool accepts', async () => {
    const client = publicClient(emu);
    for (const provider of [emu.loginKeys.google, emu.loginKeys.oidc, emu.loginKeys.userPool, emu.loginKeys.twitter]) {
      const response = await admin('/_emulator/token', { method: 'POST', body: { provider, sub: 'minted', expiresIn: 600 } });
      expect(response.status).toBe(200);
      const { token } = (await response.json()) as { token: string };
      const isJwt = token.split('.').length === 3;
      expect(isJwt).toBe(provider !== emu.loginKeys.twitter);
      const out = await client.send(new GetIdCommand({ IdentityPoolId: emu.identityPoolId, Logins: { [provider]: token } }));
      expect(out.IdentityId).toBeTruthy();
    }
    const wrongAud = (await (
      await admin('/_emulator/token', { method: 'POST', body: { provider: emu.loginKeys.google, sub: 'x', aud: 'other' } })
    ).json()) as { token: string };
    await expectSdkError(
      client.send(new GetIdCommand({ IdentityPoolId: emu.identityPoolId, Logins: { [emu.loginKeys.google]: wrongAud.token } })),
      'NotAuthorizedException',
      400,
      /audience/,
    );
  });

  it('POST /_emulator/token answers 400 JSON for an unknown provider', async () => {
    const response = await admin('/_emulator/token', { method: 'POST', body: { provider: 'login.nobody.example', sub: 'x' } });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/json/);
    expect(await response.json()).toMatchObject({ error: 'BadRequest', message: expect.stringMatching(/Unknown login provider/) });
    const cognito = await admin('/_emulator/token', { method: 'POST', body: { provider: emu.loginKeys.cognitoIdentity, sub: 'x' } });
    expect(cognito.status).toBe(400);
  });

  it('GET and DELETE /_emulator/calls read and clear the log', async () => {
    await getId();
    const calls = (await (await admin('/_emulator/calls')).json()) as Array<{ operation: string }>;
    expect(calls.map((call) => call.operation)).toEqual(['GetId']);
    expect((await admin('/_emulator/calls', { method: 'DELETE' })).status).toBe(204);
    expect(await (await admin('/_emulator/calls')).json()).toEqual([]);
  });

  it('POST and DELETE /_emulator/faults set and clear faults', async () => {
    const added = await admin('/_emulator/faults', { method: 'POST', body: { operation: 'GetId', error: 'NotAuthorizedException', count: 1 } });
    expect(added.status).toBe(200);
    await expectSdkError(getId(), 'NotAuthorizedException', 400);
    expect((await getId()).IdentityId).toBeTruthy();

    await admin('/_emulator/faults', { method: 'POST', body: { operation: 'GetId', error: 'InternalErrorException', count: 5 } });
    await admin('/_emulator/faults', { method: 'POST', body: { latencyMs: 400 } });
    expect(await (await admin('/_emulator/faults')).json()).toMatchObject({ latencyMs: { '*': 400 }, errors: [{ remaining: 5 }] });
    expect((await admin('/_emulator/faults', { method: 'DELETE' })).status).toBe(204);
    const started = performance.now();
    expect((await getId()).IdentityId).toBeTruthy();
    expect(performance.now() - started).toBeLessThan(350);

    const bad = await admin('/_emulator/faults', { method: 'POST', body: { operation: 'GetId', error: 'Nope' } });
    expect(bad.status).toBe(400);
  });

  it('serves the JWKS and discovery document of hosted issuers', async () => {
    const info = (await (await admin('/_emulator/info')).json()) as {
      identityPoolId: string;
      providers: Array<{ loginKey: string; jwksUri?: string }>;
    };
    expect(info.identityPoolId).toBe(emu.identityPoolId);
    const oidc = info.providers.find((provider) => provider.loginKey === emu.loginKeys.oidc);
    const jwks = (await (await fetch(oidc?.jwksUri as string)).json()) as { keys: Array<{ kty: string; kid: string }> };
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    const discovery = await (await admin('/_emulator/oidc/oidc.emulator.local/.well-known/openid-configuration')).json();
    expect(discovery).toMatchObject({ issuer: 'https://oidc.emulator.local', jwks_uri: oidc?.jwksUri });
  });
});

describe('CORS', () => {
  it('answers the preflight a browser sends before an SDK call', async () => {
    const response = await fetch(emu.endpoint, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:5173',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-amz-target,x-amz-user-agent,amz-sdk-invocation-id,amz-sdk-request',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-methods')).toMatch(/POST/);
    const allowed = response.headers.get('access-control-allow-headers')?.split(/,\s*/) ?? [];
    for (const header of [
      'x-amz-target',
      'x-amz-user-agent',
      'amz-sdk-invocation-id',
      'amz-sdk-request',
      'authorization',
      'x-amz-date',
      'x-amz-security-token',
      'content-type',
    ]) {
      expect(allowed).toContain(header);
    }
  });

  it('marks every answer, errors included, readable cross-origin with a request id', async () => {
    const response = await fetch(emu.endpoint, {
      method: 'POST',
      headers: { origin: 'http://localhost:5173', 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityService.GetId' },
      body: JSON.stringify({ IdentityPoolId: 'bad' }),
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    const exposed = response.headers.get('access-control-expose-headers')?.toLowerCase() ?? '';
    expect(exposed).toContain('x-amzn-requestid');
    expect(exposed).toContain('x-amzn-errortype');
    expect(response.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(await response.json()).toMatchObject({ __type: 'InvalidParameterException' });
  });
});
