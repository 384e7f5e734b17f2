/**
 * The AWS SDK v3's standard retry mode, as Cognito clients use it: three attempts in all, only
 * for throttling, transient (500, 502, 503, 504, timeouts) and network failures, with full-jitter
 * exponential backoff. Kept equal to the SDK's rule because the machine's callers (and the tests
 * that predict Cognito call counts) count on it.
 */

export const MAX_ATTEMPTS = 3;

/** Backoff bases in ms, as the SDK's current standard mode sets them; the cap is 20 s. */
export const BACKOFF_BASE_MS = 50;
export const THROTTLING_BACKOFF_BASE_MS = 1_000;
export const MAX_BACKOFF_MS = 20_000;

const THROTTLING_ERRORS = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
]);
const TRANSIENT_ERRORS = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const TRANSIENT_STATUSES = new Set([500, 502, 503, 504]);

/** How a failed attempt counts for retrying. */
export type FailureKind = 'throttling' | 'transient' | 'final';

/** Classifies an error answer of Cognito by its name and HTTP status. */
export function classifyAnswer(errorName: string, status: number): FailureKind {
  if (status === 429 || THROTTLING_ERRORS.has(errorName)) return 'throttling';
  if (TRANSIENT_ERRORS.has(errorName) || TRANSIENT_STATUSES.has(status)) return 'transient';
  return 'final';
}

/**
 * The wait before retry number `retry` (0 for the first), full jitter: a random share of
 * `base · 2^retry`, capped. A server's retry-after hint (ms from now) may lengthen it by 5 s at most.
 */
export function backoffDelay(kind: FailureKind, retry: number, retryAfterMs?: number, random: () => number = Math.random): number {
  const base = kind === 'throttling' ? THROTTLING_BACKOFF_BASE_MS : BACKOFF_BASE_MS;
  const delay = Math.floor(random() * Math.min(base * 2 ** retry, MAX_BACKOFF_MS));
  if (retryAfterMs === undefined || !Number.isFinite(retryAfterMs)) return delay;
  return Math.max(delay, Math.min(retryAfterMs, delay + 5_000));
}

/** A retry-after hint in ms from `x-amz-retry-after` (ms) or `retry-after` (seconds or a date). */
export function retryAfterMs(headers: Headers, now: number = Date.now()): number | undefined {
  const amz = headers.get('x-amz-retry-after');
  if (amz !== null) {
    const ms = Number(amz);
    return Number.isNaN(ms) ? undefined : ms;
  }
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : date - now;
}
