/**
 * The AWS SDK's Cognito user-pool client as the oracle for ours: the same requests for
 * InitiateAuth (USER_PASSWORD_AUTH, REFRESH_TOKEN_AUTH), RespondToAuthChallenge
 * (NEW_PASSWORD_REQUIRED) and GlobalSignOut against cognito-local, the same parsed answers,
 * and the same error fields and attempts for every user-pool exception the one table names.
 */
import {
  CognitoIdentityProviderClient,
  GlobalSignOutCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError } from '../../src/vocabulary/AuthError.js';
import { Secret } from '../../src/vocabulary/Secret.js';
import { awsJsonClientFor } from '../../src/services/http/awsJsonClient.js';
import { toAuthError } from '../../src/services/serviceErrors.js';
import {
  completeNewPassword,
  globalSignOut,
  refreshUserPoolTokens,
  signInWithPassword,
  type UserPoolConfig,
} from '../../src/services/userPool.js';
import { startCognitoLocal, type CognitoLocal, type CognitoLocalUserPool } from '../support/cognitoLocal.js';
import { startRecordingServer, type CannedAnswer, type RecordingServer } from './recordingServer.js';
import { caught, fieldsOf } from './sdkErrors.js';

const PASSWORD = 'Corr3ct-Horse-Battery';
const NEW_PASSWORD = 'N3w-Staple-Password';

function sdkClient(endpoint: string): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({
    region: 'local',
    endpoint,
    credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' },
  });
}

async function settled(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => 'ok',
    (error: unknown) => error,
  );
}

const servers: RecordingServer[] = [];
async function recorder(options: Parameters<typeof startRecordingServer>[0]): Promise<RecordingServer> {
  const server = await startRecordingServer(options);
  servers.push(server);
  return server;
}
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe('requests: ours equal the SDK\'s, against cognito-local', () => {
  let local: CognitoLocal;
  let pool: CognitoLocalUserPool;
  let sdkProxy: RecordingServer;
  let ourProxy: RecordingServer;
  let config: UserPoolConfig;
  let sdk: CognitoIdentityProviderClient;

  beforeAll(async () => {
    local = await startCognitoLocal();
    pool = await local.createUserPool();
    sdkProxy = await recorder({ upstream: local.endpoint });
    ourProxy = await recorder({ upstream: local.endpoint });
    config = { ...pool.config, endpoint: ourProxy.endpoint };
    sdk = sdkClient(sdkProxy.endpoint);
  });
  afterAll(async () => {
    sdk?.destroy();
    await local?.close();
  });

  it('signs in, refreshes and signs out with the same requests', async () => {
    const user = await local.createUser(pool.userPoolId, { username: 'oracle-user', password: PASSWORD });

    const sdkSignIn = await sdk.send(
      new InitiateAuthCommand({
        AuthFlow: 'USER_PASSWORD_AUTH',
        ClientId: pool.userPoolClientId,
        AuthParameters: { USERNAME: user.username, PASSWORD },
      }),
    );
    const ours = await signInWithPassword(config, { username: user.username, password: new Secret(PASSWORD), authFlowType: 'USER_PASSWORD_AUTH' });
    expect(ours.kind).toBe('signedIn');
    expect(sdkSignIn.AuthenticationResult?.IdToken).toBeTruthy();
    if (ours.kind !== 'signedIn') return;

    // The same refresh token through both: identical bodies, both answered with tokens.
    const refreshToken = ours.tokens.refreshToken!.reveal();
    const sdkRefresh = await sdk.send(
      new InitiateAuthCommand({ AuthFlow: 'REFRESH_TOKEN_AUTH', ClientId: pool.userPoolClientId, AuthParameters: { REFRESH_TOKEN: refreshToken } }),
    );
    expect(sdkRefresh.AuthenticationResult?.AccessToken).toBeTruthy();
    const refreshed = await refreshUserPoolTokens(config, { refreshToken: new Secret(refreshToken), username: user.username });

    // GlobalSignOut with the same access token: the first revokes, so only the requests are compared.
    const accessToken = refreshed.accessToken.reveal();
    const sdkOut = await settled(sdk.send(new GlobalSignOutCommand({ AccessToken: accessToken })));
    expect(sdkOut).toBe('ok');
    await settled(globalSignOut(config, { accessToken: new Secret(accessToken) }));

    expect(ourProxy.wire()).toEqual(sdkProxy.wire());
    expect(ourProxy.wire().map((w) => w.target)).toEqual([
      'AWSCognitoIdentityProviderService.InitiateAuth',
      'AWSCognitoIdentityProviderService.InitiateAuth',
      'AWSCognitoIdentityProviderService.GlobalSignOut',
    ]);
  });

  it('answers NEW_PASSWORD_REQUIRED with the same request', async () => {
    sdkProxy.requests.length = 0;
    ourProxy.requests.length = 0;
    const user = await local.createUser(pool.userPoolId, { username: 'oracle-new', password: PASSWORD, permanent: false });
    const sdkStep = await sdk.send(
      new InitiateAuthCommand({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: pool.userPoolClientId, AuthParameters: { USERNAME: user.username, PASSWORD } }),
    );
    const step = await signInWithPassword(config, { username: user.username, password: new Secret(PASSWORD), authFlowType: 'USER_PASSWORD_AUTH' });
    expect(sdkStep.ChallengeName).toBe('NEW_PASSWORD_REQUIRED');
    expect(step.kind).toBe('newPasswordRequired');
    if (step.kind !== 'newPasswordRequired') return;

    const session = step.session.reveal();
    const sdkAnswer = await settled(
      sdk.send(
        new RespondToAuthChallengeCommand({
          ChallengeName: 'NEW_PASSWORD_REQUIRED',
          ClientId: pool.userPoolClientId,
          Session: session,
          ChallengeResponses: { USERNAME: step.username, NEW_PASSWORD },
        }),
      ),
    );
    expect(sdkAnswer).toBe('ok');
    await settled(completeNewPassword(config, { username: step.username, session: step.session, newPassword: new Secret(NEW_PASSWORD) }));
    expect(ourProxy.wire()).toEqual(sdkProxy.wire());
    expect(ourProxy.wire()[1]?.target).toBe('AWSCognitoIdentityProviderService.RespondToAuthChallenge');
  });
});

describe('answers: ours parse as the SDK does', () => {
  it('reads an InitiateAuth answer (tokens and a challenge) member for member as the SDK does', async () => {
    const answers = [
      {
        ChallengeParameters: {},
        AuthenticationResult: { AccessToken: 'a.b.c', IdToken: 'd.e.f', RefreshToken: 'r', ExpiresIn: 3600, TokenType: 'Bearer' },
      },
      { ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: 'session', ChallengeParameters: { USER_ID_FOR_SRP: 'someone', requiredAttributes: '[]' } },
    ];
    for (const answer of answers) {
      const server = await recorder({ answer: () => ({ status: 200, body: JSON.stringify(answer) }) });
      const sdk = sdkClient(server.endpoint);
      const input = { AuthFlow: 'USER_PASSWORD_AUTH', ClientId: 'client', AuthParameters: { USERNAME: 'u', PASSWORD: 'p' } } as const;
      const { $metadata, ...sdkOut } = await sdk.send(new InitiateAuthCommand(input));
      expect($metadata.httpStatusCode).toBe(200);
      const ours = await awsJsonClientFor(server.endpoint, 'AWSCognitoIdentityProviderService').call('InitiateAuth', { ...input });
      expect(ours).toEqual(sdkOut);
      sdk.destroy();
    }
  });

  const exceptions: Array<[string, number]> = [
    ['NotAuthorizedException', 400],
    ['UserNotFoundException', 400],
    ['UserNotConfirmedException', 400],
    ['PasswordResetRequiredException', 400],
    ['InvalidPasswordException', 400],
    ['InvalidParameterException', 400],
    ['InvalidUserPoolConfigurationException', 400],
    ['CodeMismatchException', 400],
    ['ExpiredCodeException', 400],
    ['ResourceNotFoundException', 400],
    ['UnexpectedLambdaException', 400],
    ['TooManyRequestsException', 400],
    ['LimitExceededException', 400],
    ['InternalErrorException', 500],
  ];

  it.each(exceptions)('%s: same error fields, attempts and AuthError', async (name, status) => {
    const answer: CannedAnswer = {
      status,
      headers: { 'x-amzn-requestid': `req-${name}`, 'x-amzn-errortype': `${name}:http://internal.amazon.com/` },
      body: JSON.stringify({ __type: name, message: `${name} as Cognito words it.` }),
    };
    const [sdkServer, ourServer] = await Promise.all([recorder({ answer: () => answer }), recorder({ answer: () => answer })]);
    const sdk = sdkClient(sdkServer.endpoint);
    const input = { AuthFlow: 'REFRESH_TOKEN_AUTH', ClientId: 'client', AuthParameters: { REFRESH_TOKEN: 'refresh' } } as const;
    const [sdkError, ourError] = await Promise.all([
      caught(sdk.send(new InitiateAuthCommand(input))),
      caught(awsJsonClientFor(ourServer.endpoint, 'AWSCognitoIdentityProviderService').call('InitiateAuth', { ...input })),
    ]);
    expect(fieldsOf(ourError)).toEqual(fieldsOf(sdkError));
    expect(ourServer.requests.length).toBe(sdkServer.requests.length);
    expect(ourServer.wire()).toEqual(sdkServer.wire());

    const viaService = await caught(
      refreshUserPoolTokens(
        { region: 'local', userPoolId: 'local_x', userPoolClientId: 'client', endpoint: ourServer.endpoint },
        { refreshToken: new Secret('refresh'), username: 'u' },
      ),
    );
    const expected = toAuthError(sdkError, 'x');
    expect(viaService).toBeInstanceOf(AuthError);
    expect([(viaService as AuthError).name, (viaService as AuthError).serviceErrorName]).toEqual([expected.name, expected.serviceErrorName]);
    sdk.destroy();
  });
});
