/**
 * One small AWS JSON 1.1 caller over `fetch`, for the unsigned Cognito operations: `POST /`
 * with `X-Amz-Target: <service>.<Operation>` and a JSON body. It retries as the AWS SDK's
 * standard mode does, refuses answers larger than {@link MAX_ANSWER_BYTES} without reading
 * them whole, and reads error names as the SDK does, so callers see the same failures.
 */
import { AuthError } from '../../vocabulary/AuthError.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from './packageVersion.js';
import { backoffDelay, classifyAnswer, MAX_ATTEMPTS, retryAfterMs, type FailureKind } from './retryPolicy.js';
import { noteServerTime } from './serverTime.js';
import { decodeUtf8 } from './utf8.js';

/** The `X-Amz-Target` prefixes of the two Cognito services. */
export type ServiceTarget = 'AWSCognitoIdentityService' | 'AWSCognitoIdentityProviderService';

/** Cognito answers are a few kB; anything past this is not Cognito and is not read. */
export const MAX_ANSWER_BYTES = 64 * 1024;

/** What the AWS SDK puts on its exceptions, kept here so callers and tests read both alike. */
export interface ResponseMetadata {
  httpStatusCode?: number;
  requestId?: string;
  attempts?: number;
  totalRetryDelay?: number;
}

/**
 * An error answer of Cognito (`{ "__type": "<Name>", "message": "…" }`), shaped like the AWS
 * SDK's service exceptions: `name` is the exception name, `$fault` tells client from server faults.
 */
export class CognitoServiceException extends Error {
  override readonly name: string;
  readonly $fault: 'client' | 'server';
  readonly $metadata: ResponseMetadata;
  /** How retrying treats it. */
  readonly retry: FailureKind;

  constructor(name: string, message: string, status: number, metadata: ResponseMetadata) {
    super(message);
    this.name = name;
    this.$fault = status < 500 ? 'client' : 'server';
    this.$metadata = metadata;
    this.retry = classifyAnswer(name, status);
  }
}

/** Calls one operation; resolves with the parsed JSON answer. */
export interface AwsJsonClient {
  readonly url: string;
  call(operation: string, input: Record<string, unknown>, signal?: AbortSignal): Promise<Record<string, unknown>>;
}

const clients = new Map<string, AwsJsonClient>();

/** The shared client of one endpoint: every service instance on the same URL uses it. */
export function awsJsonClientFor(url: string, target: ServiceTarget): AwsJsonClient {
  const key = `${target} ${url}`;
  let client = clients.get(key);
  if (!client) {
    client = createAwsJsonClient(url, target);
    clients.set(key, client);
  }
  return client;
}

function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error('The request was cancelled.', { cause: signal.reason }), { name: 'AbortError' });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function tooLarge(operation: string): AuthError {
  return new AuthError('ServiceError', {
    message: `The answer to ${operation} was too large (over ${MAX_ANSWER_BYTES} bytes); it was refused unread.`,
    recoverySuggestion: 'Check the Cognito endpoint: Cognito answers are a few kilobytes, so this was not Cognito.',
  });
}

/** Reads a body up to the cap, counting bytes as they arrive; past it the stream is cancelled. */
async function readCapped(response: Response, operation: string): Promise<Uint8Array> {
  const declared = response.headers.get('content-length');
  if (declared !== null && Number(declared) > MAX_ANSWER_BYTES) {
    void response.body?.cancel().catch(() => undefined);
    throw tooLarge(operation);
  }
  if (!response.body) {
    // Runtimes without response streams (older React Native) can only hand over the whole body.
    const whole = new Uint8Array(await response.arrayBuffer());
    if (whole.length > MAX_ANSWER_BYTES) throw tooLarge(operation);
    return whole;
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > MAX_ANSWER_BYTES) {
      void reader.cancel().catch(() => undefined);
      throw tooLarge(operation);
    }
    chunks.push(value);
  }
  // A Cognito answer usually arrives in one chunk: no copy then.
  if (chunks.length === 1) return chunks[0]!;
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}

function parseJson(bytes: Uint8Array): unknown {
  if (bytes.length === 0) return {};
  try {
    return JSON.parse(decodeUtf8(bytes));
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The SDK's clean-up of an error code: `a.b#Name:extra,more` → `Name`. */
function sanitizeErrorCode(raw: unknown): string {
  let value = String(raw);
  value = value.split(',')[0]!;
  value = value.split(':')[0]!;
  if (value.includes('#')) value = value.split('#')[1]!;
  return value;
}

/** The error name as the SDK reads it for AWS JSON: body `__type`, then a `code` field, then the header. */
function errorName(body: Record<string, unknown>, headers: Headers): string {
  if (body['__type'] !== undefined) return sanitizeErrorCode(body['__type']);
  const codeKey = Object.keys(body).find((key) => key.toLowerCase() === 'code');
  if (codeKey !== undefined && body[codeKey] !== undefined) return sanitizeErrorCode(body[codeKey]);
  const header = headers.get('x-amzn-errortype');
  if (header !== null) return sanitizeErrorCode(header);
  return 'Unknown';
}

function requestId(headers: Headers): string | undefined {
  return headers.get('x-amzn-requestid') ?? headers.get('x-amzn-request-id') ?? headers.get('x-amz-request-id') ?? undefined;
}

/** A failed attempt, with how retrying treats it and the server's retry-after hint. */
interface AttemptFailure {
  error: unknown;
  kind: FailureKind;
  retryAfter?: number;
}

function createAwsJsonClient(url: string, target: ServiceTarget): AwsJsonClient {
  // The path ends in '/', as the SDK sends it; made with strings, since React Native's URL cannot set pathname.
  const { href: full, search, hash } = new URL(url);
  const path = full.slice(0, full.length - search.length - hash.length);
  const href = (path.endsWith('/') ? path : `${path}/`) + search;

  async function attempt(
    operation: string,
    body: string,
    signal: AbortSignal | undefined,
  ): Promise<{ ok: Record<string, unknown> } | { failed: AttemptFailure }> {
    let response: Response;
    try {
      response = await fetch(href, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': `${target}.${operation}`,
          'x-amz-user-agent': `${PACKAGE_NAME}/${PACKAGE_VERSION}`,
        },
        body,
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (signal?.aborted) throw abortError(signal);
      // The request may not have reached Cognito (refused, reset, DNS): tried again, as the SDK does.
      return { failed: { error, kind: 'transient' } };
    }
    let bytes: Uint8Array;
    try {
      bytes = await readCapped(response, operation);
    } catch (error) {
      if (signal?.aborted) throw abortError(signal);
      if (error instanceof AuthError) throw error;
      return { failed: { error, kind: 'transient' } };
    }
    const parsed = parseJson(bytes);
    if (response.status >= 200 && response.status < 300) {
      if (!isObject(parsed)) {
        throw new AuthError('ServiceError', {
          message: `The answer to ${operation} was not a JSON object.`,
          recoverySuggestion: 'Check the Cognito endpoint; the answer did not look like Cognito.',
        });
      }
      // The Date header (whole seconds) tells how far the device's clock is from Cognito's.
      noteServerTime(parsed, Date.parse(response.headers.get('date') ?? ''));
      return { ok: parsed };
    }
    const data = isObject(parsed) ? parsed : {};
    const name = errorName(data, response.headers);
    const message = data['message'] ?? data['Message'];
    const error = new CognitoServiceException(name, typeof message === 'string' ? message : 'UnknownError', response.status, {
      httpStatusCode: response.status,
      ...(requestId(response.headers) ? { requestId: requestId(response.headers)! } : {}),
    });
    const hint = retryAfterMs(response.headers);
    return { failed: { error, kind: error.retry, ...(hint === undefined ? {} : { retryAfter: hint }) } };
  }

  return {
    url: href,
    async call(operation, input, signal) {
      if (signal?.aborted) throw abortError(signal);
      const body = JSON.stringify(input);
      let totalRetryDelay = 0;
      for (let attempts = 1; ; attempts += 1) {
        const outcome = await attempt(operation, body, signal);
        if ('ok' in outcome) return outcome.ok;
        const { error, kind, retryAfter } = outcome.failed;
        if (kind === 'final' || attempts >= MAX_ATTEMPTS) {
          if (error instanceof CognitoServiceException) Object.assign(error.$metadata, { attempts, totalRetryDelay });
          throw error;
        }
        const delay = backoffDelay(kind, attempts - 1, retryAfter);
        totalRetryDelay += delay;
        await sleep(delay, signal);
      }
    },
  };
}
