import { assertValid } from './validateConfig.js';

// Checks of each call's input. The same predicates check a restored record (sessionCodec), so a
// stored value is held to the rules its input was: nothing unchecked is ever sent to Cognito.

/** Cognito accepts provider tokens up to 50,000 characters in a Logins map. */
export const MAX_TOKEN_LENGTH = 50_000;

const IDENTITY_ID = /^[\w-]+:[0-9a-f-]+$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const WHITE_SPACE_OR_CONTROL = /[\s\u0000-\u001f\u007f-\u009f]/;

/** A token: non-empty, at most `max` characters, no white space or control characters. */
export function isTokenText(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= max && !WHITE_SPACE_OR_CONTROL.test(value);
}

export function isIdentityId(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 55 && IDENTITY_ID.test(value);
}

export function isRoleArn(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 20 && value.length <= 2048 && ROLE_ARN.test(value);
}

/** A clock offset between Cognito and the device: whole milliseconds, at most a year either way. */
export function isClockOffsetMs(value: unknown): value is number {
  return Number.isSafeInteger(value) && Math.abs(value as number) <= 366 * 86_400_000;
}

export function isUsername(value: unknown): value is string {
  return typeof value === 'string' && value.trim().length > 0 && value.length <= 128 && !/[\u0000-\u001f\u007f]/.test(value);
}

export function assertProviderToken(value: unknown): asserts value is string {
  assertValid(typeof value === 'string', 'The provider token must be a string.');
  assertValid(value.trim().length > 0, 'The provider token is empty.');
  assertValid(value.length <= MAX_TOKEN_LENGTH, `The provider token is longer than ${MAX_TOKEN_LENGTH} characters.`);
  assertValid(isTokenText(value, MAX_TOKEN_LENGTH), 'The provider token contains white space or control characters.');
}

export function assertIdentityId(value: unknown): asserts value is string | undefined {
  if (value === undefined) return;
  assertValid(
    isIdentityId(value),
    'developerProvidedIdentityId must be an identity id such as "us-east-1:01234567-89ab-cdef-0123-456789abcdef".',
  );
}

export function assertRoleArn(value: unknown): asserts value is string | undefined {
  if (value === undefined) return;
  assertValid(isRoleArn(value), 'customRoleArn must be an IAM role ARN such as "arn:aws:iam::123456789012:role/MyRole".');
}

export function assertUsername(value: unknown): asserts value is string {
  assertValid(isUsername(value), 'username must be a non-empty string of at most 128 characters.');
}

/** Passwords are checked for shape only; the pool's policy is Cognito's to apply. */
export function assertPassword(value: unknown, name: string): asserts value is string {
  assertValid(typeof value === 'string' && value.length > 0 && value.length <= 256, `${name} must be a non-empty string of at most 256 characters.`);
}
