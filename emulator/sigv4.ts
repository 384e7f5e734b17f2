/**
 * Checks the AWS Signature Version 4 of a request to a signed operation.
 *
 * The signature is recomputed with the same signer the AWS SDK uses, over the headers the
 * client says it signed, with the secret of the access key it names; the two are then
 * compared in constant time. Failures carry the error names and wording AWS's front door
 * uses, so a client sees what it would see against Cognito.
 */
import { createHash, createHmac, timingSafeEqual, type BinaryLike } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import { CognitoError } from './errors.js';

/** An access key pair allowed to call the signed operations. */
export interface DeveloperCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** The parts of an incoming request the signature covers. */
export interface SignedRequest {
  method: string;
  /** The raw request target, path and query (`req.url`). */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** How far the signing time may be from the server's, as AWS allows. */
const MAX_SKEW_MS = 5 * 60 * 1000;

type Bytes = string | ArrayBuffer | ArrayBufferView;

/** SHA-256 (or HMAC-SHA-256 when given a key) with the async digest the signer expects. */
class NodeSha256 {
  private readonly hash;

  constructor(secret?: Bytes) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBinary(secret));
  }

  update(data: Bytes): void {
    this.hash.update(toBinary(data));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

function toBinary(data: Bytes): BinaryLike {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

interface AuthorizationParts {
  accessKeyId: string;
  shortDate: string;
  region: string;
  service: string;
  terminator: string;
  signedHeaders: string[];
  signature: string;
}

/** Temporary credentials the identity pool handed out; a request signed with them carries the session token. */
export interface IssuedCredentials extends DeveloperCredentials {
  sessionToken: string;
  /** Epoch ms, on the emulator's clock. */
  expirationMs: number;
  identityId: string;
}

/**
 * Verifies the request's SigV4 Authorization header.
 * @param nowMs the server's wall clock, for the five-minute skew check (the SDK signs with real time).
 * @param clockMs the emulator's clock: a signature within five minutes of it passes too, since the
 *   SDK corrects its signing clock from the answers' Date header, which follows this clock.
 * @throws CognitoError MissingAuthenticationTokenException, IncompleteSignatureException,
 *   UnrecognizedClientException or InvalidSignatureException.
 */
export async function verifySigV4(
  request: SignedRequest,
  expected: { credentials: DeveloperCredentials; region: string; service: string; nowMs: number; clockMs?: number },
): Promise<void> {
  const { parts, amzDate } = readAuthorization(request);
  if (parts.accessKeyId !== expected.credentials.accessKeyId || headerValue(request.headers, 'x-amz-security-token')) {
    throw unrecognizedClient();
  }
  await checkSignature(request, parts, amzDate, expected.credentials, expected);
}

/**
 * Verifies a request signed with temporary credentials the identity pool handed out, as an AWS
 * service would: the access key must be one issued, the session token its own, the credentials
 * unexpired on the emulator's clock, and the signature right.
 * @returns the credentials the request was signed with.
 * @throws CognitoError as {@link verifySigV4}, and ExpiredTokenException.
 */
export async function verifySigV4WithIssuedCredentials(
  request: SignedRequest,
  expected: {
    issued: (accessKeyId: string) => IssuedCredentials | undefined;
    region: string;
    service: string;
    nowMs: number;
    emulatorNowMs: number;
  },
): Promise<IssuedCredentials> {
  const { parts, amzDate } = readAuthorization(request);
  const credentials = expected.issued(parts.accessKeyId);
  const sessionToken = headerValue(request.headers, 'x-amz-security-token');
  if (!credentials || sessionToken === undefined || !constantTimeEqual(sessionToken, credentials.sessionToken)) {
    throw unrecognizedClient();
  }
  if (credentials.expirationMs <= expected.emulatorNowMs) {
    throw new CognitoError('ExpiredTokenException', 'The security token included in the request is expired');
  }
  // A signer that corrected its clock from the emulator's Date header signs in the emulator's time.
  await checkSignature(request, parts, amzDate, credentials, { ...expected, clockMs: expected.emulatorNowMs });
  return credentials;
}

function readAuthorization(request: SignedRequest): { parts: AuthorizationParts; amzDate: string } {
  const authorization = headerValue(request.headers, 'authorization');
  if (!authorization) {
    throw new CognitoError('MissingAuthenticationTokenException', 'Request is missing Authentication Token');
  }
  const parts = parseAuthorization(authorization, request.headers);
  return { parts, amzDate: headerValue(request.headers, 'x-amz-date') as string };
}

async function checkSignature(
  request: SignedRequest,
  parts: AuthorizationParts,
  amzDate: string,
  credentials: DeveloperCredentials,
  expected: { region: string; service: string; nowMs: number; clockMs?: number },
): Promise<void> {
  checkScope(parts, amzDate, expected);
  checkSkew(amzDate, expected.nowMs, expected.clockMs);
  checkSignedHeaders(parts, request.headers);
  checkContentHash(request);

  const computed = await computeSignature(request, parts, amzDate, credentials);
  if (!constantTimeEqual(computed, parts.signature)) {
    throw invalidSignature(
      'The request signature we calculated does not match the signature you provided. ' +
        'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
  }
}

function unrecognizedClient(): CognitoError {
  return new CognitoError('UnrecognizedClientException', 'The security token included in the request is invalid.');
}

/** Splits `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`, naming every part that is missing. */
function parseAuthorization(authorization: string, headers: IncomingHttpHeaders): AuthorizationParts {
  const [algorithm, ...rest] = authorization.trim().split(/\s+/);
  const params = new Map<string, string>();
  for (const piece of rest.join(' ').split(',')) {
    const eq = piece.indexOf('=');
    if (eq > 0) params.set(piece.slice(0, eq).trim(), piece.slice(eq + 1).trim());
  }
  const problems: string[] = [];
  if (algorithm !== 'AWS4-HMAC-SHA256') problems.push(`Unsupported AWS 'algorithm': '${algorithm ?? ''}'.`);
  for (const name of ['Credential', 'Signature', 'SignedHeaders']) {
    if (!params.get(name)) problems.push(`Authorization header requires '${name}' parameter.`);
  }
  if (!headerValue(headers, 'x-amz-date')) {
    problems.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  }
  if (problems.length > 0) {
    throw new CognitoError('IncompleteSignatureException', `${problems.join(' ')} Authorization=${algorithm ?? ''}`);
  }
  const credential = (params.get('Credential') as string).split('/');
  if (credential.length !== 5) {
    throw new CognitoError(
      'IncompleteSignatureException',
      `Credential should have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${params.get('Credential')}'`,
    );
  }
  const [accessKeyId, shortDate, region, service, terminator] = credential as [string, string, string, string, string];
  return {
    accessKeyId,
    shortDate,
    region,
    service,
    terminator,
    signedHeaders: (params.get('SignedHeaders') as string).split(';').map((name) => name.trim().toLowerCase()),
    signature: params.get('Signature') as string,
  };
}

function checkScope(parts: AuthorizationParts, amzDate: string, expected: { region: string; service: string }): void {
  if (parts.shortDate !== amzDate.slice(0, 8)) {
    throw invalidSignature(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${parts.shortDate}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
    );
  }
  if (parts.region !== expected.region) {
    throw invalidSignature(`Credential should be scoped to a valid region, not '${parts.region}'.`);
  }
  if (parts.service !== expected.service) {
    throw invalidSignature(`Credential should be scoped to correct service: '${expected.service}'.`);
  }
  if (parts.terminator !== 'aws4_request') {
    throw invalidSignature(`Credential should be scoped with a valid terminator: 'aws4_request', not '${parts.terminator}'.`);
  }
}

function checkSkew(amzDate: string, nowMs: number, clockMs: number | undefined): void {
  const signedAt = parseAmzDate(amzDate);
  if (signedAt === undefined) throw invalidSignature(`Invalid X-Amz-Date: '${amzDate}'.`);
  if (clockMs !== undefined && Math.abs(signedAt - clockMs) <= MAX_SKEW_MS) return;
  const now = formatAmzDate(nowMs);
  if (signedAt < nowMs - MAX_SKEW_MS) {
    throw invalidSignature(
      `Signature expired: ${amzDate} is now earlier than ${formatAmzDate(nowMs - MAX_SKEW_MS)} (${now} - 5 min.)`,
    );
  }
  if (signedAt > nowMs + MAX_SKEW_MS) {
    throw invalidSignature(
      `Signature not yet current: ${amzDate} is still later than ${formatAmzDate(nowMs + MAX_SKEW_MS)} (${now} + 5 min.)`,
    );
  }
}

/**
 * SigV4 requires `host` and every `x-amz-*` header sent to be signed. An unsigned one could be
 * changed in flight: `X-Amz-Target` left unsigned turns a signed Describe into a Delete.
 */
function checkSignedHeaders(parts: AuthorizationParts, headers: IncomingHttpHeaders): void {
  if (!parts.signedHeaders.includes('host')) {
    throw invalidSignature("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }
  // Node lower-cases incoming header names, as SignedHeaders lists them.
  const unsigned = Object.keys(headers).filter(
    (name) => name.startsWith('x-amz-') && !parts.signedHeaders.includes(name),
  );
  if (unsigned.length > 0) {
    throw invalidSignature(
      `'${unsigned.join("', '")}' must be ${unsigned.length === 1 ? "a 'SignedHeader'" : "'SignedHeaders'"} in the AWS Authorization.`,
    );
  }
}

/** A signed body hash header must be the hash of the body actually sent, or the signature proves nothing. */
function checkContentHash(request: SignedRequest): void {
  const claimed = headerValue(request.headers, 'x-amz-content-sha256');
  if (claimed === undefined || claimed === 'UNSIGNED-PAYLOAD') return;
  const actual = createHash('sha256').update(request.body).digest('hex');
  if (claimed !== actual) {
    throw invalidSignature("The provided 'x-amz-content-sha256' header does not match what was computed.");
  }
}

/** Re-signs the request with the signer the SDK uses, over only the headers the client signed. */
async function computeSignature(
  request: SignedRequest,
  parts: AuthorizationParts,
  amzDate: string,
  credentials: DeveloperCredentials,
): Promise<string> {
  const url = new URL(request.url, 'http://placeholder');
  const headers: Record<string, string> = {};
  for (const name of parts.signedHeaders) {
    const value = headerValue(request.headers, name);
    if (value !== undefined) headers[name] = value;
  }
  const signer = new SignatureV4({
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
    region: parts.region,
    service: parts.service,
    sha256: NodeSha256,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: url.hostname,
      path: url.pathname,
      query: queryRecord(url.searchParams),
      headers,
      body: request.body,
    },
    {
      signingDate: new Date(parseAmzDate(amzDate) as number),
      signingRegion: parts.region,
      signingService: parts.service,
      // Headers the signer would otherwise skip (user-agent, for instance) count when the client signed them.
      signableHeaders: new Set(parts.signedHeaders),
    },
  );
  const header = String(signed.headers['authorization'] ?? '');
  return /Signature=([0-9a-f]+)/.exec(header)?.[1] ?? '';
}

function queryRecord(params: URLSearchParams): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    query[key] = values.length === 1 ? (values[0] as string) : values;
  }
  return query;
}

function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  // timingSafeEqual needs equal lengths; comparing against itself keeps the time independent of the input.
  if (left.length !== right.length) {
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(',') : value;
}

function invalidSignature(message: string): CognitoError {
  return new CognitoError('InvalidSignatureException', message);
}

/** `20240101T120000Z` to epoch ms. */
function parseAmzDate(value: string): number | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

function formatAmzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}
