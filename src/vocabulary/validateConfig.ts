import { AuthError } from './AuthError.js';

// Checks of createAuth's config: they run synchronously, so they stay in the first chunk.

const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const IDENTITY_POOL_ID = /^[a-z]{2}(-[a-z]+)+-\d{1,2}:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const USER_POOL_ID = /^[\w-]+_[0-9a-zA-Z]+$/;
const USER_POOL_CLIENT_ID = /^[\w+]{1,128}$/;

/**
 * Bounds of the config's durations, in milliseconds. `renewBeforeExpiryMs`: 0 renews only what has
 * expired; 30 minutes is half of the hour identity-pool credentials last by default, and a longer
 * window would renew a fresh set on most fetches. `deadlineMs`: under a second, an ordinary
 * Cognito round trip on a slow network would fail; over 5 minutes, a call that hangs keeps the
 * app waiting longer than any screen should.
 */
export const DURATION_BOUNDS_MS = {
  renewBeforeExpiryMs: [0, 30 * 60_000],
  deadlineMs: [1_000, 5 * 60_000],
} as const;

/** Throws a `ValidationError` unless `ok`. The message names the parameter, never its value. */
export function assertValid(ok: boolean, message: string, recoverySuggestion?: string): asserts ok {
  if (!ok) {
    throw new AuthError('ValidationError', {
      message,
      ...(recoverySuggestion ? { recoverySuggestion } : {}),
    });
  }
}

export function assertOptionalBoolean(value: unknown, name: string): void {
  assertValid(value === undefined || typeof value === 'boolean', `${name} must be true or false.`);
}

export function assertRegion(value: unknown): asserts value is string {
  assertValid(typeof value === 'string' && REGION.test(value), 'region must be an AWS region such as "us-east-1".');
}

export function assertIdentityPoolId(value: unknown, region: string): asserts value is string {
  assertValid(
    typeof value === 'string' && IDENTITY_POOL_ID.test(value),
    'identityPoolId must look like "us-east-1:01234567-89ab-cdef-0123-456789abcdef".',
  );
  assertValid(
    value.startsWith(`${region}:`),
    `identityPoolId must belong to the configured region ${region}.`,
  );
}

export function assertEndpoint(value: unknown, name: string): asserts value is string | undefined {
  if (value === undefined) return;
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  assertValid(
    url !== undefined && (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === '',
    `${name} must be a full http(s) URL without credentials, e.g. "http://127.0.0.1:4577".`,
  );
}

export function assertUserPoolConfig(value: unknown): void {
  if (value === undefined) return;
  assertValid(typeof value === 'object' && value !== null, 'userPool must be { userPoolId, userPoolClientId }.');
  const { userPoolId, userPoolClientId } = value as { userPoolId?: unknown; userPoolClientId?: unknown };
  assertValid(
    typeof userPoolId === 'string' && userPoolId.length <= 55 && USER_POOL_ID.test(userPoolId),
    'userPool.userPoolId must look like "us-east-1_AbCdEf123".',
  );
  assertValid(
    typeof userPoolClientId === 'string' && USER_POOL_CLIENT_ID.test(userPoolClientId),
    'userPool.userPoolClientId must be the app client id (letters and digits).',
  );
  const secret = (value as { userPoolClientSecret?: unknown }).userPoolClientSecret;
  assertValid(secret === undefined || (typeof secret === 'string' && /^[!-~]{1,256}$/.test(secret)), 'userPool.userPoolClientSecret must be the app client secret.');
}

export function assertOptionalFunction(value: unknown, name: string): void {
  assertValid(value === undefined || typeof value === 'function', `${name} must be a function.`);
}

export function assertPlainOptions(value: unknown, name: string): void {
  assertValid(
    value === undefined || (typeof value === 'object' && value !== null && !Array.isArray(value)),
    `${name} must be an options object.`,
  );
}

/**
 * Checks an XState inspection observer: a function, or an object with a `next` method (a Stately
 * inspector's `inspector.inspect`, not the inspector itself).
 */
export function assertInspectionObserver(value: unknown, name: string): void {
  let ok: boolean;
  try {
    ok = typeof value === 'function' || (typeof value === 'object' && value !== null && typeof (value as { next?: unknown }).next === 'function');
  } catch {
    ok = false; // a getter that throws
  }
  assertValid(ok, `${name} must be a function or an observer with next() (inspector.inspect).`);
}

/** Checks the config's optional durations; a message names the option and its bounds. */
export function assertDurations(config: Partial<Record<keyof typeof DURATION_BOUNDS_MS, unknown>>): void {
  for (const [name, [min, max]] of Object.entries(DURATION_BOUNDS_MS)) {
    const value = config[name as keyof typeof DURATION_BOUNDS_MS];
    assertValid(
      value === undefined || (Number.isInteger(value) && (value as number) >= min && (value as number) <= max),
      `${name} must be whole milliseconds from ${min} to ${max}.`,
    );
  }
}
