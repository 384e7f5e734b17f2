/**
 * The AWS SDK's Cognito Identity client as the oracle for ours: for the same input, the same
 * request on the wire (method, path, X-Amz-Target, content type, JSON body), the same parsed
 * answers and errors (name, message, fault, status, request id), and the same number of attempts.
 */
import {
  CognitoIdentityClient,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
} from '@aws-sdk/client-cognito-identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';
import { AuthError } from '../../src/vocabulary/AuthError.js';
import { Secret } from '../../src/vocabulary/Secret.js';
import { createCognitoIdentityService, type Login } from '../../src/services/cognitoIdentity.js';
import { awsJsonClientFor } from '../../src/services/http/awsJsonClient.js';
import { toAuthError } from '../../src/services/serviceErrors.js';
import { startRecordingServer, type CannedAnswer, type RecordingServer } from './recordingServer.js';
import { caught, fieldsOf } from './sdkErrors.js';

const REGION = 'us-east-1';
const POOL = 'us-east-1:00000000-0000-4000-8000-000000000000';
const IDENTITY = 'us-east-1:11111111-2222-4333-8444-555555555555';

function sdkClient(endpoint: string): CognitoIdentityClient {
  return new CognitoIdentityClient({
    region: REGION,
    endpoint,
    credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' },
  });
}

/** `ok`, or the AWS exception name the call failed with. */
async function outcome(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'ok',
    (error: unknown) => (error instanceof AuthError ? error.serviceErrorName ?? error.name : (error as Error).name),
  );
}

const trace: RecordingServer[] = [];
async function recorder(answer: (index: number) => CannedAnswer): Promise<RecordingServer> {
  const server = await startRecordingServer({ answer: (_, index) => answer(index) });
  trace.push(server);
  return server;
}
afterAll(async () => {
  await Promise.all(trace.map((s) => s.close()));
});

describe('requests: ours equal the SDK\'s, against the emulator', () => {
  let emu: EmulatorHandle;
  let sdkProxy: RecordingServer;
  let ourProxy: RecordingServer;
  beforeAll(async () => {
    emu = await startEmulator({ port: 0 });
    sdkProxy = await startRecordingServer({ upstream: emu.endpoint });
    ourProxy = await startRecordingServer({ upstream: emu.endpoint });
  });
  afterAll(async () => {
    await sdkProxy?.close();
    await ourProxy?.close();
    await emu?.close();
  });

  it('sends GetId and GetCredentialsForIdentity as the SDK does, and reads the same answers', async () => {
    const token = await emu.mintToken(emu.loginKeys.google, 'oracle-user');
    const login: Login = { loginKey: emu.loginKeys.google, token: new Secret(token) };
    const sdk = sdkClient(sdkProxy.endpoint);
    const ours = createCognitoIdentityService({ region: emu.region, identityPoolId: emu.identityPoolId, endpoint: ourProxy.endpoint });

    const sdkId = await sdk.send(new GetIdCommand({ IdentityPoolId: emu.identityPoolId, Logins: { [login.loginKey]: token } }));
    const ourId = await ours.getId(login);
    expect(ourId).toBe(sdkId.IdentityId);

    const sdkGuest = await sdk.send(new GetIdCommand({ IdentityPoolId: emu.identityPoolId }));
    const ourGuest = await ours.getId(undefined);
    expect(ourGuest).toMatch(/^us-east-1:/);
    expect(sdkGuest.IdentityId).toMatch(/^us-east-1:/);

    const sdkCreds = await sdk.send(
      new GetCredentialsForIdentityCommand({ IdentityId: ourId, Logins: { [login.loginKey]: token } }),
    );
    const ourCreds = await ours.getCredentialsForIdentity({ identityId: ourId, login });
    expect(ourCreds.accessKeyId).toMatch(/^ASIA/);
    expect(sdkCreds.Credentials?.AccessKeyId).toMatch(/^ASIA/);
    expect(Math.abs(ourCreds.expiration - sdkCreds.Credentials!.Expiration!.getTime())).toBeLessThan(5_000);

    // With a custom role ARN: both requests carry it, and both end alike.
    const role = 'arn:aws:iam::000000000000:role/Cognito_emulatorAuth_Role';
    const sdkWithRole = await outcome(
      sdk.send(new GetCredentialsForIdentityCommand({ IdentityId: ourId, Logins: { [login.loginKey]: token }, CustomRoleArn: role })),
    );
    const ourWithRole = await outcome(ours.getCredentialsForIdentity({ identityId: ourId, login, customRoleArn: role }));
    expect(ourWithRole).toEqual(sdkWithRole);

    expect(ourProxy.wire()).toEqual(sdkProxy.wire());
    expect(ourProxy.wire().map((w) => w.target)).toEqual([
      'AWSCognitoIdentityService.GetId',
      'AWSCognitoIdentityService.GetId',
      'AWSCognitoIdentityService.GetCredentialsForIdentity',
      'AWSCognitoIdentityService.GetCredentialsForIdentity',
    ]);
    for (const request of ourProxy.requests) {
      expect(request.method).toBe('POST');
      expect(request.path).toBe('/');
      expect(request.headers['content-type']).toBe('application/x-amz-json-1.1');
    }
    sdk.destroy();
  });
});

describe('answers: ours parse as the SDK does', () => {
  it('reads a GetCredentialsForIdentity answer with epoch-second (fractional) expiration alike', async () => {
    const answer = {
      IdentityId: IDENTITY,
      Credentials: {
        AccessKeyId: 'ASIAORACLEEXAMPLE0001',
        SecretKey: 'oracle-secret-key',
        SessionToken: 'oracle-session-token',
        Expiration: 1795690321.123,
      },
    };
    const server = await recorder(() => ({ status: 200, body: JSON.stringify(answer) }));
    const sdk = sdkClient(server.endpoint);
    const out = await sdk.send(new GetCredentialsForIdentityCommand({ IdentityId: IDENTITY }));
    const ours = await createCognitoIdentityService({ region: REGION, identityPoolId: POOL, endpoint: server.endpoint })
      .getCredentialsForIdentity({ identityId: IDENTITY, login: undefined });
    expect({
      accessKeyId: ours.accessKeyId,
      secretAccessKey: ours.secretAccessKey.reveal(),
      sessionToken: ours.sessionToken.reveal(),
      expiration: ours.expiration,
    }).toEqual({
      accessKeyId: out.Credentials?.AccessKeyId,
      secretAccessKey: out.Credentials?.SecretKey,
      sessionToken: out.Credentials?.SessionToken,
      expiration: out.Credentials?.Expiration?.getTime(),
    });
    expect(server.wire()[0]).toEqual(server.wire()[1]);
    sdk.destroy();
  });

  // `json: false`: the SDK fails such an answer with its deserializer's SyntaxError, we with an
  // `Unknown` exception; both are retried alike and both end as the same AuthError.
  type Case = { label: string; operation: 'GetId' | 'GetCredentialsForIdentity'; answer: CannedAnswer; json?: false };
  const documented: Array<[string, number, Array<'GetId' | 'GetCredentialsForIdentity'>]> = [
    ['NotAuthorizedException', 400, ['GetId', 'GetCredentialsForIdentity']],
    ['ResourceNotFoundException', 400, ['GetId', 'GetCredentialsForIdentity']],
    ['ResourceConflictException', 400, ['GetId', 'GetCredentialsForIdentity']],
    ['TooManyRequestsException', 400, ['GetId', 'GetCredentialsForIdentity']],
    ['InvalidParameterException', 400, ['GetId', 'GetCredentialsForIdentity']],
    ['ExternalServiceException', 400, ['GetId', 'GetCredentialsForIdentity']],
    ['InternalErrorException', 500, ['GetId', 'GetCredentialsForIdentity']],
    ['LimitExceededException', 400, ['GetId']],
    ['InvalidIdentityPoolConfigurationException', 400, ['GetCredentialsForIdentity']],
  ];
  const cases: Case[] = documented.flatMap(([name, status, operations]) =>
    operations.map((operation) => ({
      label: `${operation} ${name}`,
      operation,
      answer: {
        status,
        headers: { 'x-amzn-requestid': `req-${name}`, 'x-amzn-errortype': `${name}:http://internal.amazon.com/coral/com.amazonaws.cognito.identity.model/` },
        body: JSON.stringify({ __type: name, message: `${name} as Cognito words it.` }),
      },
    })),
  );
  cases.push(
    {
      label: 'a namespaced __type',
      operation: 'GetId',
      answer: { status: 400, body: JSON.stringify({ __type: 'com.amazonaws.cognito.identity.model#NotAuthorizedException', message: 'Invalid login token.' }) },
    },
    {
      label: 'a name in the header only',
      operation: 'GetId',
      answer: { status: 400, headers: { 'x-amzn-errortype': 'ResourceNotFoundException:http://internal.amazon.com/' }, body: '{}' },
    },
    {
      label: 'Message with a capital M',
      operation: 'GetId',
      answer: { status: 400, body: JSON.stringify({ __type: 'NotAuthorizedException', Message: 'capital' }) },
    },
    {
      label: 'an exception the model does not know',
      operation: 'GetCredentialsForIdentity',
      answer: { status: 400, body: JSON.stringify({ __type: 'SomethingNewException', message: 'new' }) },
    },
    { label: 'a 503 with an HTML body', operation: 'GetId', answer: { status: 503, headers: { 'content-type': 'text/html' }, body: '<html>busy</html>' }, json: false },
    { label: 'a 429 with no body', operation: 'GetId', answer: { status: 429, body: '' } },
    { label: 'a 501 (a 5xx the SDK does not retry)', operation: 'GetId', answer: { status: 501, body: '{"__type":"NotImplemented"}' } },
  );

  it.each(cases)('$label: same error fields, attempts and AuthError', async ({ operation, answer, json }) => {
    const [sdkServer, ourServer] = await Promise.all([recorder(() => answer), recorder(() => answer)]);
    const sdk = sdkClient(sdkServer.endpoint);
    const input = operation === 'GetId' ? { IdentityPoolId: POOL } : { IdentityId: IDENTITY };
    const [sdkError, ourError] = await Promise.all([
      caught(
        operation === 'GetId'
          ? sdk.send(new GetIdCommand(input as never))
          : sdk.send(new GetCredentialsForIdentityCommand(input as never)),
      ),
      caught(awsJsonClientFor(ourServer.endpoint, 'AWSCognitoIdentityService').call(operation, input)),
    ]);
    if (json === false) {
      const { httpStatusCode, attempts } = fieldsOf(sdkError);
      expect(fieldsOf(ourError)).toMatchObject({ httpStatusCode, attempts });
    } else {
      expect(fieldsOf(ourError)).toEqual(fieldsOf(sdkError));
    }
    expect(ourServer.requests.length).toBe(sdkServer.requests.length);
    expect(ourServer.wire()).toEqual(sdkServer.wire());

    // Through the service: the AuthError the one table makes of the SDK's error.
    const service = createCognitoIdentityService({ region: REGION, identityPoolId: POOL, endpoint: ourServer.endpoint });
    const viaService = await caught(
      operation === 'GetId' ? service.getId(undefined) : service.getCredentialsForIdentity({ identityId: IDENTITY, login: undefined }),
    );
    const expected = toAuthError(sdkError, 'x');
    expect(viaService).toBeInstanceOf(AuthError);
    expect((viaService as AuthError).name).toBe(expected.name);
    if (json !== false) expect((viaService as AuthError).serviceErrorName).toBe(expected.serviceErrorName);
    sdk.destroy();
  });

  it('tries three times, as the SDK does, when the connection drops without an answer', async () => {
    const [sdkServer, ourServer] = await Promise.all([recorder(() => ({ status: 0, drop: true })), recorder(() => ({ status: 0, drop: true }))]);
    const sdk = sdkClient(sdkServer.endpoint);
    await Promise.all([
      caught(sdk.send(new GetIdCommand({ IdentityPoolId: POOL }))),
      caught(awsJsonClientFor(ourServer.endpoint, 'AWSCognitoIdentityService').call('GetId', { IdentityPoolId: POOL })),
    ]);
    expect(sdkServer.requests.length).toBe(3);
    expect(ourServer.requests.length).toBe(3);
    sdk.destroy();
  });

  it('retries throttling three times and NotAuthorized once, like the SDK', async () => {
    const throttled = await recorder(() => ({ status: 400, body: '{"__type":"TooManyRequestsException"}' }));
    const refused = await recorder(() => ({ status: 400, body: '{"__type":"NotAuthorizedException"}' }));
    const service = (endpoint: string) => createCognitoIdentityService({ region: REGION, identityPoolId: POOL, endpoint });
    expect(await caught(service(throttled.endpoint).getId(undefined))).toMatchObject({ name: 'ServiceError' });
    expect(await caught(service(refused.endpoint).getId(undefined))).toMatchObject({ name: 'NotAuthorizedError' });
    expect(throttled.requests.length).toBe(3);
    expect(refused.requests.length).toBe(1);
  });
});
