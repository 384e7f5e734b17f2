import { readFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startEmulator } from '../../../emulator/index.js';
import { AuthError } from '../../../src/vocabulary/AuthError.js';
import { Secret } from '../../../src/vocabulary/Secret.js';
import { createCognitoIdentityService } from '../../../src/services/cognitoIdentity.js';
import { awsJsonClientFor, MAX_ANSWER_BYTES } from '../../../src/services/http/awsJsonClient.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../../../src/services/http/packageVersion.js';
import { backoffDelay, MAX_BACKOFF_MS } from '../../../src/services/http/retryPolicy.js';
import { startRecordingServer, type RecordingServer } from '../../oracle/recordingServer.js';

const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function recorder(answer: Parameters<typeof startRecordingServer>[0]['answer']): Promise<RecordingServer> {
  const server = await startRecordingServer({ answer });
  servers.push(server);
  return server;
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error,
  );
}

/** A server that answers 300 MB, written with backpressure, and tells how much went out before the client hung up. */
async function hugeAnswerServer(withLength: boolean) {
  const TOTAL = 300 * 1024 * 1024;
  const CHUNK = Buffer.alloc(64 * 1024, 0x61);
  const report = { sent: 0, closedEarly: false, finished: false, settled: undefined as Promise<void> | undefined };
  const server: Server = createServer((req, res: ServerResponse) => {
    req.resume();
    report.settled = new Promise<void>((resolve) => {
      res.on('close', () => {
        report.closedEarly = report.sent < TOTAL;
        resolve();
      });
    });
    res.writeHead(200, {
      'content-type': 'application/x-amz-json-1.1',
      ...(withLength ? { 'content-length': String(TOTAL) } : {}),
    });
    const pump = () => {
      while (report.sent < TOTAL && !res.destroyed) {
        report.sent += CHUNK.length;
        if (!res.write(CHUNK)) {
          res.once('drain', pump);
          return;
        }
      }
      if (report.sent >= TOTAL && !res.destroyed) {
        report.finished = true;
        res.end();
      }
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  servers.push({
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  return { endpoint: `http://127.0.0.1:${port}`, report, TOTAL };
}

describe('the answer size cap', () => {
  for (const withLength of [false, true]) {
    it(`refuses a 300 MB answer ${withLength ? 'with Content-Length' : 'streamed in chunks'} without reading it`, async () => {
      const { endpoint, report, TOTAL } = await hugeAnswerServer(withLength);
      const error = await caught(awsJsonClientFor(endpoint, 'AWSCognitoIdentityService').call('GetId', { IdentityPoolId: 'p' }));
      expect(error).toBeInstanceOf(AuthError);
      expect(error).toMatchObject({ name: 'ServiceError' });
      expect((error as AuthError).message).toMatch(/too large/);
      await report.settled;
      // The client hung up long before the server had written everything: a bounded read.
      expect(report.closedEarly).toBe(true);
      expect(report.finished).toBe(false);
      expect(report.sent).toBeLessThan(TOTAL / 10);
    });
  }

  it('refuses a 300 MB GetId answer through the identity service, unread', async () => {
    const { endpoint, report, TOTAL } = await hugeAnswerServer(false);
    const service = createCognitoIdentityService({ region: 'us-east-1', identityPoolId: 'us-east-1:pool', endpoint });
    const error = await caught(service.getId(undefined));
    expect(error).toMatchObject({ name: 'ServiceError' });
    expect((error as AuthError).message).toMatch(/too large/);
    await report.settled;
    expect(report.closedEarly).toBe(true);
    expect(report.sent).toBeLessThan(TOTAL / 10);
  });

  it('reads an answer just under the cap', async () => {
    const padding = 'x'.repeat(MAX_ANSWER_BYTES - 100);
    const server = await recorder(() => ({ status: 200, body: JSON.stringify({ IdentityId: 'id', padding }) }));
    const out = await awsJsonClientFor(server.endpoint, 'AWSCognitoIdentityService').call('GetId', {});
    expect(out['IdentityId']).toBe('id');
  });

  it('is not retried: one request only', async () => {
    const server = await recorder(() => ({ status: 500, body: 'x'.repeat(MAX_ANSWER_BYTES + 1) }));
    const error = await caught(awsJsonClientFor(server.endpoint, 'AWSCognitoIdentityService').call('GetId', {}));
    expect((error as AuthError).message).toMatch(/too large/);
    expect(server.requests.length).toBe(1);
  });
});

describe('retries and cancelling', () => {
  it('tries a refused connection three times, then fails with the network error', async () => {
    const server = await recorder(() => ({ status: 200, body: '{}' }));
    const endpoint = server.endpoint;
    await server.close();
    const spy = vi.spyOn(globalThis, 'fetch');
    const error = await caught(awsJsonClientFor(endpoint, 'AWSCognitoIdentityService').call('GetId', {}));
    expect(error).toBeInstanceOf(TypeError);
    expect(spy).toHaveBeenCalledTimes(3);
  });

  it('succeeds when a retry does', async () => {
    const server = await recorder((_, index) =>
      index === 0 ? { status: 500, body: '{"__type":"InternalErrorException"}' } : { status: 200, body: '{"IdentityId":"id"}' },
    );
    expect(await awsJsonClientFor(server.endpoint, 'AWSCognitoIdentityService').call('GetId', {})).toEqual({ IdentityId: 'id' });
    expect(server.requests.length).toBe(2);
  });

  it('cancels the backoff wait when the caller aborts: no further attempt', async () => {
    const server = await recorder(() => ({ status: 400, body: '{"__type":"TooManyRequestsException"}' }));
    const controller = new AbortController();
    vi.spyOn(Math, 'random').mockReturnValue(0.99); // a long first backoff (about a second)
    const call = awsJsonClientFor(server.endpoint, 'AWSCognitoIdentityService').call('GetId', {}, controller.signal);
    await vi.waitFor(() => expect(server.requests.length).toBe(1));
    controller.abort();
    const error = await caught(call);
    expect(error).toMatchObject({ name: 'AbortError' });
    expect(server.requests.length).toBe(1);
  });

  it('cancels a request in flight when the caller aborts', async () => {
    let answered = false;
    const server = await recorder(() => {
      answered = true;
      return { status: 200, body: '{}' };
    });
    const controller = new AbortController();
    controller.abort();
    const error = await caught(awsJsonClientFor(server.endpoint, 'AWSCognitoIdentityService').call('GetId', {}, controller.signal));
    expect(error).toMatchObject({ name: 'AbortError' });
    expect(answered).toBe(false);
  });

  it('backs off with full jitter under the cap: 50 ms base, 1 s for throttling (the SDK\'s values)', () => {
    expect(backoffDelay('transient', 0, undefined, () => 0.999)).toBe(49);
    expect(backoffDelay('transient', 1, undefined, () => 0.5)).toBe(50);
    expect(backoffDelay('throttling', 1, undefined, () => 0.5)).toBe(1000);
    expect(backoffDelay('throttling', 30, undefined, () => 0.999)).toBeLessThan(MAX_BACKOFF_MS);
    expect(backoffDelay('transient', 0, 2_000, () => 0)).toBe(2_000);
    expect(backoffDelay('transient', 0, 60_000, () => 0)).toBe(5_000);
  });
});

describe('the wire', () => {
  it('posts AWS JSON 1.1 to / with the target and a user agent naming this package', async () => {
    const server = await recorder(() => ({ status: 200, body: '{}' }));
    await awsJsonClientFor(`${server.endpoint}/base`, 'AWSCognitoIdentityProviderService').call('GlobalSignOut', { AccessToken: 't' });
    const [request] = server.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/base/', body: '{"AccessToken":"t"}' });
    expect(request!.headers['x-amz-target']).toBe('AWSCognitoIdentityProviderService.GlobalSignOut');
    expect(request!.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(request!.headers['x-amz-user-agent']).toBe(`cognito-auth-machine/${PACKAGE_VERSION}`);
  });

  it("adds the path's '/' without setting URL.pathname (React Native's URL has only a getter), keeping a query", async () => {
    const server = await recorder(() => ({ status: 200, body: '{}' }));
    // A URL like React Native's: pathname cannot be set (unit-test stand-in, not the real one).
    class GetterOnlyUrl extends URL {
      override get pathname(): string {
        return super.pathname;
      }
      override set pathname(_value: string) {
        throw new Error('URL.pathname is not implemented');
      }
    }
    vi.stubGlobal('URL', GetterOnlyUrl);
    try {
      await awsJsonClientFor(`${server.endpoint}/rn-proxy?stage=dev`, 'AWSCognitoIdentityService').call('GetId', {});
    } finally {
      vi.unstubAllGlobals();
    }
    expect(server.requests[0]).toMatchObject({ method: 'POST', path: '/rn-proxy/?stage=dev' });
  });

  it('names the version package.json has', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
    expect({ name: PACKAGE_NAME, version: PACKAGE_VERSION }).toEqual({ name: pkg.name, version: pkg.version });
  });

  it('shares one client per endpoint', () => {
    const a = awsJsonClientFor('http://127.0.0.1:1', 'AWSCognitoIdentityService');
    expect(awsJsonClientFor('http://127.0.0.1:1', 'AWSCognitoIdentityService')).toBe(a);
    expect(awsJsonClientFor('http://127.0.0.1:2', 'AWSCognitoIdentityService')).not.toBe(a);
  });
});

describe("Cognito's clock", () => {
  it("is read from each answer's Date header (whole seconds) and handed on with the credentials", async () => {
    const ahead = 3_600_000;
    const emu = await startEmulator({ port: 0, now: () => Date.now() + ahead });
    try {
      const service = createCognitoIdentityService({ region: emu.region, identityPoolId: emu.identityPoolId, endpoint: emu.endpoint });
      const login = { loginKey: emu.loginKeys.google, token: new Secret(await emu.mintToken(emu.loginKeys.google, 'clock-user')) };
      const identityId = await service.getId(login);
      const before = Date.now();
      const { serverTime } = await service.getCredentialsForIdentity({ identityId, login });
      expect(serverTime).toBeGreaterThan(before + ahead - 1_000);
      expect(serverTime).toBeLessThanOrEqual(Date.now() + ahead);
    } finally {
      await emu.close();
    }
  });
});
