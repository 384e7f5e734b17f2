/**
 * The HTTP side: Cognito's AWS JSON 1.1 endpoint on `POST /`, the admin API under
 * `/_emulator/`, CORS for browser pages, and where injected faults take effect.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { CognitoError, EmulatorUsageError } from './errors.js';
import type { CallLog, CallRecord, FaultInjector } from './faults.js';
import { OPERATIONS, type OperationContext } from './operations.js';
import { USER_POOL_OPERATIONS, type UserPoolContext } from './userPool/operations.js';
import type { MessageFilter } from './userPool/store.js';
import { verifySigV4, type DeveloperCredentials } from './sigv4.js';
import type { MintTokenOptions, TokenService } from './tokens.js';

/** Everything the server routes requests to. */
export interface ServerDeps {
  operations: OperationContext;
  userPools: UserPoolContext;
  tokens: TokenService;
  faults: FaultInjector;
  calls: CallLog;
  developerCredentials: DeveloperCredentials;
  /** Mints a login token with the default pool's audiences (the admin token endpoint). */
  mintToken(loginKey: string, sub: string, options: MintTokenOptions): Promise<string>;
  /** What `GET /_emulator/info` answers. */
  info(): Record<string, unknown>;
}

/** The two services on this one endpoint, told apart by the X-Amz-Target prefix. */
const SERVICES = [
  { prefix: 'AWSCognitoIdentityService.', signingName: 'cognito-identity', service: 'identityPool' },
  { prefix: 'AWSCognitoIdentityProviderService.', signingName: 'cognito-idp', service: 'userPool' },
] as const;
type Service = (typeof SERVICES)[number];
/** A user pool's JWKS and discovery document, where Cognito publishes them: `/<userPoolId>/.well-known/…`. */
const USER_POOL_WELL_KNOWN = /^\/([\w-]+_[0-9a-zA-Z]+)\/\.well-known\/(jwks\.json|openid-configuration)$/;
const AMZ_JSON = 'application/x-amz-json-1.1';
const MAX_BODY_BYTES = 1024 * 1024;

/** Headers the AWS SDK sends from a browser; a preflight must allow them all. */
const CORS_ALLOW_HEADERS = [
  'x-amz-target',
  'x-amz-user-agent',
  'amz-sdk-invocation-id',
  'amz-sdk-request',
  'authorization',
  'x-amz-date',
  'x-amz-security-token',
  'x-amz-content-sha256',
  'content-type',
];
const CORS_EXPOSE_HEADERS = 'x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date';

/**
 * Creates the emulator's HTTP server (not yet listening).
 * @param signal aborted when the emulator closes, to cut short calls waiting on injected latency.
 */
export function createEmulatorServer(deps: ServerDeps, signal: AbortSignal): Server {
  return createServer((req, res) => {
    handle(deps, signal, req, res).catch((error: unknown) => {
      if (res.headersSent || res.destroyed) return;
      // A bug in the emulator still answers in Cognito's shape, so clients fail the way they would on AWS.
      sendError(
        res,
        error instanceof CognitoError
          ? error
          : new CognitoError('InternalErrorException', `Emulator failure: ${(error as Error).message}`),
      );
    });
  });
}

async function handle(deps: ServerDeps, signal: AbortSignal, req: IncomingMessage, res: ServerResponse): Promise<void> {
  res.setHeader('x-amzn-RequestId', randomUUID());
  // Cognito's clock as its answers tell it: the emulator's own (its `now` option), which tests move.
  res.setHeader('Date', new Date(deps.operations.clock()).toUTCString());
  setCorsHeaders(req, res);
  if (req.method === 'OPTIONS') {
    res.writeHead(204, { 'Content-Length': '0' });
    res.end();
    return;
  }
  const url = new URL(req.url ?? '/', 'http://emulator.invalid');
  if (url.pathname.startsWith('/_emulator/')) {
    await handleAdmin(deps, req, res, url);
    return;
  }
  if (url.pathname === '/' && req.method === 'POST') {
    await handleCognito(deps, signal, req, res);
    return;
  }
  const wellKnown = USER_POOL_WELL_KNOWN.exec(url.pathname);
  if (wellKnown && req.method === 'GET') {
    await handleUserPoolWellKnown(deps, req, res, wellKnown[1] as string, wellKnown[2] as string);
    return;
  }
  sendJson(res, 404, { error: 'NotFound', message: `No route for ${req.method} ${url.pathname}.` });
}

async function handleUserPoolWellKnown(
  deps: ServerDeps,
  req: IncomingMessage,
  res: ServerResponse,
  userPoolId: string,
  document: string,
): Promise<void> {
  const pool = deps.userPools.store.pools.get(userPoolId);
  if (!pool) {
    sendJson(res, 404, { error: 'NotFound', message: 'No user pool is hosted under that id.' });
    return;
  }
  if (document === 'jwks.json') {
    sendJson(res, 200, await deps.tokens.jwks(pool.loginKey));
    return;
  }
  // The discovery document points at the JWKS on this same endpoint, as the client reached it.
  const base = `http://${req.headers.host ?? '127.0.0.1'}`;
  sendJson(res, 200, {
    ...deps.tokens.discovery(pool.loginKey),
    jwks_uri: `${base}/${pool.Id}/.well-known/jwks.json`,
  });
}

function setCorsHeaders(req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Expose-Headers', CORS_EXPOSE_HEADERS);
  if (req.method !== 'OPTIONS') return;
  const requested = String(req.headers['access-control-request-headers'] ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  res.setHeader('Access-Control-Allow-Methods', 'GET, POST, DELETE, OPTIONS');
  res.setHeader('Access-Control-Allow-Headers', [...new Set([...CORS_ALLOW_HEADERS, ...requested])].join(', '));
  res.setHeader('Access-Control-Max-Age', '86400');
  // Pages served from elsewhere may call a loopback address only if it opts in (Private Network Access).
  if (req.headers['access-control-request-private-network'] === 'true') {
    res.setHeader('Access-Control-Allow-Private-Network', 'true');
  }
}

// ---------------------------------------------------------------------------------------------
// Cognito endpoint.

async function handleCognito(deps: ServerDeps, signal: AbortSignal, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const startedAt = Date.now();
  const target = String(req.headers['x-amz-target'] ?? '');
  const service = SERVICES.find((candidate) => target.startsWith(candidate.prefix));
  const operation = service ? target.slice(service.prefix.length) : '';
  const body = await readBody(req);
  const input = parseInput(body);
  const record: CallRecord = {
    operation: operation || target || '(none)',
    loginKeys: loginKeysOf(input),
    at: deps.operations.clock(),
    durationMs: 0,
    outcome: 'success',
    ...idsOf(input),
  };
  const finish = (changes: Partial<CallRecord>) => {
    Object.assign(record, changes, { durationMs: Date.now() - startedAt });
    deps.calls.add(record);
  };

  await sleep(deps.faults.latencyFor(operation), signal);
  const fault = deps.faults.take(operation);
  if (fault?.error === 'ConnectionDropped') {
    finish({ outcome: 'dropped', error: 'ConnectionDropped', injected: true });
    req.socket.destroy();
    return;
  }
  try {
    if (fault) throw new CognitoError(fault.error, fault.message);
    const result = await runOperation(deps, req, service, operation, body, input);
    finish({
      outcome: 'success',
      ...(result.identityId !== undefined ? { identityId: result.identityId } : {}),
      ...(result.identityPoolId !== undefined ? { identityPoolId: result.identityPoolId } : {}),
      ...(result.roleArn !== undefined ? { roleArn: result.roleArn } : {}),
    });
    sendJson(res, 200, result.output, AMZ_JSON);
  } catch (error) {
    const cognitoError =
      error instanceof CognitoError
        ? error
        : new CognitoError('InternalErrorException', `Emulator failure: ${(error as Error).message}`);
    finish({ outcome: 'error', error: cognitoError.type, ...(fault ? { injected: true } : {}) });
    sendError(res, cognitoError);
  }
}

async function runOperation(
  deps: ServerDeps,
  req: IncomingMessage,
  service: Service | undefined,
  operation: string,
  body: Buffer,
  input: Record<string, unknown> | undefined,
) {
  const handler = service?.service === 'userPool' ? USER_POOL_OPERATIONS[operation] : OPERATIONS[operation];
  if (!handler) {
    throw new CognitoError('UnknownOperationException', `Operation '${operation || '(none)'}' is not served by the emulator.`);
  }
  if (handler.signed) {
    await verifySigV4(
      { method: req.method ?? 'POST', url: req.url ?? '/', headers: req.headers, body },
      {
        credentials: deps.developerCredentials,
        region: deps.operations.region,
        service: service?.signingName ?? 'cognito-identity',
        // The SDK signs with the machine's real time until an answer's Date header (the emulator's
        // clock) corrects it: either passes.
        nowMs: Date.now(),
        clockMs: deps.operations.clock(),
      },
    );
  }
  if (!input) throw new CognitoError('SerializationException', 'The request body is not a JSON object.');
  return service?.service === 'userPool'
    ? (handler as (typeof USER_POOL_OPERATIONS)[string]).run(deps.userPools, input)
    : (handler as (typeof OPERATIONS)[string]).run(deps.operations, input);
}

function parseInput(body: Buffer): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body.length === 0 ? '{}' : body.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Only the keys of `Logins`: the values are tokens and must never reach the log. */
function loginKeysOf(input: Record<string, unknown> | undefined): string[] {
  const logins = input?.['Logins'];
  return typeof logins === 'object' && logins !== null && !Array.isArray(logins) ? Object.keys(logins) : [];
}

function idsOf(input: Record<string, unknown> | undefined): Pick<CallRecord, 'identityId' | 'identityPoolId'> {
  const ids: Pick<CallRecord, 'identityId' | 'identityPoolId'> = {};
  if (typeof input?.['IdentityId'] === 'string') ids.identityId = input['IdentityId'];
  if (typeof input?.['IdentityPoolId'] === 'string') ids.identityPoolId = input['IdentityPoolId'];
  return ids;
}

// ---------------------------------------------------------------------------------------------
// Admin API.

async function handleAdmin(deps: ServerDeps, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const path = url.pathname;
  const method = req.method ?? 'GET';
  try {
    if (path === '/_emulator/token' && method === 'POST') {
      const body = await readJson(req);
      const options: MintTokenOptions = {};
      if (body['expiresIn'] !== undefined) options.expiresIn = body['expiresIn'] as number;
      if (body['aud'] !== undefined) options.aud = String(body['aud']);
      const claims = body['claims'];
      if (claims !== undefined) {
        if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
          throw new EmulatorUsageError('claims must be a JSON object.');
        }
        options.claims = claims as Record<string, unknown>;
      }
      if (typeof body['provider'] !== 'string' || typeof body['sub'] !== 'string') {
        throw new EmulatorUsageError('provider and sub must be strings.');
      }
      sendJson(res, 200, { token: await deps.mintToken(body['provider'], body['sub'], options) });
    } else if (path === '/_emulator/calls' && method === 'GET') {
      sendJson(res, 200, deps.calls.list());
    } else if (path === '/_emulator/calls' && method === 'DELETE') {
      deps.calls.clear();
      sendEmpty(res);
    } else if (path === '/_emulator/faults' && method === 'GET') {
      sendJson(res, 200, deps.faults.state());
    } else if (path === '/_emulator/faults' && method === 'POST') {
      deps.faults.add(await readJson(req));
      sendJson(res, 200, deps.faults.state());
    } else if (path === '/_emulator/faults' && method === 'DELETE') {
      deps.faults.clear();
      sendEmpty(res);
    } else if (path === '/_emulator/messages' && method === 'GET') {
      sendJson(res, 200, deps.userPools.store.messages(messageFilter(url)));
    } else if (path === '/_emulator/messages' && method === 'DELETE') {
      deps.userPools.store.clearMessages();
      sendEmpty(res);
    } else if (path === '/_emulator/info' && method === 'GET') {
      sendJson(res, 200, deps.info());
    } else if (path.startsWith('/_emulator/jwks/') && method === 'GET') {
      const jwks = await deps.tokens.jwks(decodeURIComponent(path.slice('/_emulator/jwks/'.length)));
      if (jwks) sendJson(res, 200, jwks);
      else sendJson(res, 404, { error: 'NotFound', message: 'No issuer is hosted under that name.' });
    } else if (path.startsWith('/_emulator/oidc/') && path.endsWith('/.well-known/openid-configuration') && method === 'GET') {
      const loginKey = decodeURIComponent(path.slice('/_emulator/oidc/'.length, -'/.well-known/openid-configuration'.length));
      const document = deps.tokens.discovery(loginKey);
      if (document) sendJson(res, 200, document);
      else sendJson(res, 404, { error: 'NotFound', message: 'No issuer is hosted under that name.' });
    } else {
      sendJson(res, 404, { error: 'NotFound', message: `No admin route for ${method} ${path}.` });
    }
  } catch (error) {
    if (!(error instanceof EmulatorUsageError)) throw error;
    sendJson(res, 400, { error: 'BadRequest', message: error.message });
  }
}

/** `?userPoolId=…&username=…&channel=SMS|EMAIL`, each optional. */
function messageFilter(url: URL): MessageFilter {
  const filter: MessageFilter = {};
  const userPoolId = url.searchParams.get('userPoolId');
  const username = url.searchParams.get('username');
  const channel = url.searchParams.get('channel');
  if (userPoolId) filter.userPoolId = userPoolId;
  if (username) filter.username = username;
  if (channel) {
    if (channel !== 'SMS' && channel !== 'EMAIL') throw new EmulatorUsageError('channel must be SMS or EMAIL.');
    filter.channel = channel;
  }
  return filter;
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const input = parseInput(await readBody(req));
  if (!input) throw new EmulatorUsageError('The body must be a JSON object.');
  return input;
}

// ---------------------------------------------------------------------------------------------
// Plumbing.

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new CognitoError('SerializationException', 'The request body is too large.'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, payload: unknown, contentType = 'application/json'): void {
  if (res.destroyed) return;
  const body = JSON.stringify(payload);
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function sendEmpty(res: ServerResponse): void {
  res.writeHead(204, { 'Content-Length': '0' });
  res.end();
}

/** Cognito's error shape: the SDK takes the name from `__type`, and from the header when the body has none. */
function sendError(res: ServerResponse, error: CognitoError): void {
  if (res.destroyed) return;
  res.setHeader('x-amzn-ErrorType', error.type);
  res.setHeader('x-amzn-ErrorMessage', error.message.replace(/[^\x20-\x7e]/g, ' ').slice(0, 1024));
  sendJson(res, error.status, { __type: error.type, message: error.message }, AMZ_JSON);
}

/** Waits for injected latency; closing the emulator ends the wait so no timer outlives it. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
