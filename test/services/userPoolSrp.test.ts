/**
 * `signInWithPassword` with `authFlowType: 'USER_SRP_AUTH'` against a scripted stand-in for Cognito
 * (for answers the emulator never gives): what each request carries, and which answers end the
 * sign-in before the password claim is sent. The emulator checks the claim itself in
 * test/integration/userPoolSrp.test.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { signInWithPassword, type UserPoolConfig } from '../../src/services/userPool.js';
import { N, srpTimestamp } from '../../src/services/srp.js';
import { AuthError, type AuthErrorName } from '../../src/vocabulary/AuthError.js';
import { Secret } from '../../src/vocabulary/Secret.js';

const PASSWORD = 'Stub-Passw0rd-Echo!';
const NOW = Date.UTC(2026, 10, 26, 11, 28, 0);
const now = () => NOW;

interface Received {
  target: string;
  body: Record<string, unknown>;
  text: string;
}

/** An answer, or something to do instead of answering. */
type Reply = { status?: number; body: unknown } | (() => void);

let servers: Server[] = [];

afterEach(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  servers = [];
});

/** A stand-in answering the n-th request with `replies[n]` and recording every request. */
async function stub(replies: Reply[]): Promise<{ config: UserPoolConfig; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const target = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      received.push({ target, body: JSON.parse(text) as Record<string, unknown>, text });
      const reply = replies[received.length - 1];
      if (reply === undefined) {
        res.writeHead(500, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ __type: 'InternalErrorException', message: 'unexpected request' }));
        return;
      }
      if (typeof reply === 'function') return reply();
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(reply.body));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    received,
    config: { region: 'us-east-1', userPoolId: 'us-east-1_StubPool', userPoolClientId: 'stubclient', endpoint: `http://127.0.0.1:${port}` },
  };
}

const verifier = (parameters: Record<string, string> = {}) => ({
  body: {
    ChallengeName: 'PASSWORD_VERIFIER',
    Session: 'session-1',
    ChallengeParameters: {
      SALT: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
      SRP_B: (N - 12345n).toString(16),
      SECRET_BLOCK: Buffer.from('the secret block').toString('base64'),
      USER_ID_FOR_SRP: 'b7c9e1f0-0000-4000-8000-000000000001',
      USERNAME: 'b7c9e1f0-0000-4000-8000-000000000001',
      ...parameters,
    },
  },
});

function srpSignIn(config: UserPoolConfig, signal?: AbortSignal) {
  return signInWithPassword(config, { username: 'pat@example.com', password: new Secret(PASSWORD), authFlowType: 'USER_SRP_AUTH' }, signal, now);
}

async function rejection(promise: Promise<unknown>, name: AuthErrorName): Promise<AuthError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AuthError);
  expect((error as AuthError).name).toBe(name);
  expect(inspect(error, { depth: 5 })).not.toContain(PASSWORD);
  return error as AuthError;
}

describe('signInWithPassword with USER_SRP_AUTH', () => {
  it('starts with SRP_A and no password, and answers PASSWORD_VERIFIER as USER_ID_FOR_SRP with the session and a Cognito timestamp', async () => {
    const { config, received } = await stub([
      verifier(),
      { body: { ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: 'session-2', ChallengeParameters: {} } },
    ]);
    const step = await srpSignIn(config);
    expect(step).toMatchObject({ kind: 'newPasswordRequired', username: 'b7c9e1f0-0000-4000-8000-000000000001' });

    expect(received.map((r) => r.target)).toEqual(['InitiateAuth', 'RespondToAuthChallenge']);
    for (const { text } of received) expect(text).not.toContain(PASSWORD);
    expect(received[0]!.body).toEqual({
      AuthFlow: 'USER_SRP_AUTH',
      ClientId: 'stubclient',
      AuthParameters: { USERNAME: 'pat@example.com', SRP_A: expect.stringMatching(/^[1-9a-f][0-9a-f]*$/) },
    });
    expect(received[1]!.body).toEqual({
      ChallengeName: 'PASSWORD_VERIFIER',
      ClientId: 'stubclient',
      Session: 'session-1',
      ChallengeResponses: {
        USERNAME: 'b7c9e1f0-0000-4000-8000-000000000001',
        PASSWORD_CLAIM_SECRET_BLOCK: Buffer.from('the secret block').toString('base64'),
        PASSWORD_CLAIM_SIGNATURE: expect.stringMatching(/^[A-Za-z0-9+/]{43}=$/),
        TIMESTAMP: srpTimestamp(NOW),
      },
    });
  });

  it('draws a fresh A for every sign-in', async () => {
    const { config, received } = await stub([{ status: 400, body: { __type: 'NotAuthorizedException' } }, { status: 400, body: { __type: 'NotAuthorizedException' } }]);
    await rejection(srpSignIn(config), 'NotAuthorizedError');
    await rejection(srpSignIn(config), 'NotAuthorizedError');
    const [first, second] = received.map((r) => (r.body.AuthParameters as { SRP_A: string }).SRP_A);
    expect(first).not.toBe(second);
  });

  for (const [name, B] of [
    ['SRP_B = 0', 0n],
    ['SRP_B = N', N],
  ] as const) {
    it(`refuses ${name} with ServiceError and sends no claim`, async () => {
      const { config, received } = await stub([verifier({ SRP_B: B.toString(16) })]);
      await rejection(srpSignIn(config), 'ServiceError');
      expect(received.map((r) => r.target)).toEqual(['InitiateAuth']);
    });
  }

  it('refuses a PASSWORD_VERIFIER challenge without a session with ServiceError', async () => {
    const { config, received } = await stub([{ body: { ...verifier().body, Session: undefined } }]);
    await rejection(srpSignIn(config), 'ServiceError');
    expect(received).toHaveLength(1);
  });

  it('refuses another challenge at the start by name', async () => {
    const { config } = await stub([{ body: { ChallengeName: 'CUSTOM_CHALLENGE', Session: 's', ChallengeParameters: {} } }]);
    const error = await rejection(srpSignIn(config), 'NotAuthorizedError');
    expect(error.message).toContain('CUSTOM_CHALLENGE');
  });

  it('refuses a challenge it does not answer after the claim by name', async () => {
    const { config } = await stub([verifier(), { body: { ChallengeName: 'CUSTOM_CHALLENGE', Session: 's', ChallengeParameters: {} } }]);
    const error = await rejection(srpSignIn(config), 'NotAuthorizedError');
    expect(error.message).toContain('CUSTOM_CHALLENGE');
  });

  it('stops at an MFA challenge after the claim', async () => {
    const { config } = await stub([verifier(), { body: { ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: 's', ChallengeParameters: {} } }]);
    await expect(srpSignIn(config)).resolves.toMatchObject({ kind: 'mfaRequired', challengeName: 'SOFTWARE_TOKEN_MFA' });
  });

  it('maps a refused claim to NotAuthorizedError', async () => {
    const { config, received } = await stub([verifier(), { status: 400, body: { __type: 'NotAuthorizedException', message: 'Incorrect username or password.' } }]);
    const error = await rejection(srpSignIn(config), 'NotAuthorizedError');
    expect(error.serviceErrorName).toBe('NotAuthorizedException');
    expect(received.map((r) => r.target)).toEqual(['InitiateAuth', 'RespondToAuthChallenge']);
  });

  it('is cancelled between the two calls when its signal aborts', async () => {
    const controller = new AbortController();
    const { config, received } = await stub([
      // Abort while the first answer is on its way; it never arrives.
      () => controller.abort(),
    ]);
    await rejection(srpSignIn(config, controller.signal), 'CancelledError');
    expect(received.map((r) => r.target)).toEqual(['InitiateAuth']);
  });
});
