import { assertValid } from './validateConfig.js';

// Checks of each call's input; they load with the API bodies.

/** Cognito accepts provider tokens up to 50,000 characters in a Logins map. */
export const MAX_TOKEN_LENGTH = 50_000;

const IDENTITY_ID = /^[\w-]+:[0-9a-f-]+$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

export function assertProviderToken(value: unknown): asserts value is string {
  assertValid(typeof value === 'string', 'The provider token must be a string.');
  assertValid(value.trim().length > 0, 'The provider token is empty.');
  assertValid(value.length <= MAX_TOKEN_LENGTH, `The provider token is longer than ${MAX_TOKEN_LENGTH} characters.`);
  assertValid(!/[\s\u0000-\u001f]/.test(value), 'The provider token contains white space or control characters.');
}

export function assertIdentityId(value: unknown): asserts value is string | undefined {
  if (value === undefined) return;
  assertValid(
    typeof value === 'string' && value.length <= 55 && IDENTITY_ID.test(value),
    'developerProvidedIdentityId must be an identity id such as "us-east-1:01234567-89ab-cdef-0123-456789abcdef".',
  );
}

export function assertRoleArn(value: unknown): asserts value is string | undefined {
  if (value === undefined) return;
  assertValid(
    typeof value === 'string' && value.length >= 20 && value.length <= 2048 && ROLE_ARN.test(value),
    'customRoleArn must be an IAM role ARN such as "arn:aws:iam::123456789012:role/MyRole".',
  );
}

export function assertUsername(value: unknown): asserts value is string {
  assertValid(
    typeof value === 'string' && value.trim().length > 0 && value.length <= 128 && !/[\u0000-\u001f]/.test(value),
    'username must be a non-empty string of at most 128 characters.',
  );
}

/** Passwords are checked for shape only; the pool's policy is Cognito's to apply. */
export function assertPassword(value: unknown, name: string): asserts value is string {
  assertValid(typeof value === 'string' && value.length > 0 && value.length <= 256, `${name} must be a non-empty string of at most 256 characters.`);
}
