import { AuthError } from './AuthError.js';

/** The longest app id or access-group name accepted, in UTF-16 code units. */
export const MAX_NAME_LENGTH = 256;

const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;
// A lone surrogate cannot be encoded to UTF-8 or a URI component faithfully, so two such names
// could end up under one stored key.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Checks an app id or access-group name and returns it. Names become part of stored key names,
 * so they must be plain text: 1 to {@link MAX_NAME_LENGTH} characters, not only spaces, without
 * control characters, and well-formed Unicode. Throws `ValidationError` otherwise; the message
 * does not repeat the value.
 */
export function validateName(value: unknown, what: string): string {
  if (
    typeof value !== 'string' ||
    value.trim().length === 0 ||
    value.length > MAX_NAME_LENGTH ||
    CONTROL_CHARACTER.test(value) ||
    LONE_SURROGATE.test(value)
  ) {
    throw new AuthError('ValidationError', {
      message: `${what} must be a string of 1 to ${MAX_NAME_LENGTH} characters, not only spaces, without control characters.`,
    });
  }
  return value;
}

/** Checks an optional boolean flag; `undefined` means `false`. */
export function validateFlag(value: unknown, what: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') {
    throw new AuthError('ValidationError', { message: `${what} must be true or false.` });
  }
  return value;
}

/** Checks an access group's two fields afresh, so a look-alike object is held to the same rules. */
export function validateAccessGroup(group: unknown): { name: string | undefined; migrate: boolean } {
  if (group === undefined || group === null) return { name: undefined, migrate: false };
  if (typeof group !== 'object') {
    throw new AuthError('ValidationError', { message: 'accessGroup must be an AccessGroup, e.g. AccessGroup.none().' });
  }
  const { name, migrateKeychainItemsOfUserSession } = group as { name?: unknown; migrateKeychainItemsOfUserSession?: unknown };
  return {
    name: name === undefined ? undefined : validateName(name, 'The access group name'),
    migrate: validateFlag(migrateKeychainItemsOfUserSession, 'migrateKeychainItemsOfUserSession'),
  };
}
