import { describe, expect, it } from 'vitest';
import { isAuthError } from '../../src/vocabulary/AuthError.js';
import { AccessGroup } from '../../src/vocabulary/AccessGroup.js';

function validationError(run: () => unknown): boolean {
  try {
    run();
  } catch (error) {
    return isAuthError(error, 'ValidationError');
  }
  return false;
}

describe('AccessGroup', () => {
  it('names a shared group and does not migrate by default', () => {
    const group = new AccessGroup({ name: 'ABCDE12345.com.example.shared' });
    expect(group.name).toBe('ABCDE12345.com.example.shared');
    expect(group.migrateKeychainItemsOfUserSession).toBe(false);
    expect(group).toBeInstanceOf(AccessGroup);
  });

  it('can ask for the session to be migrated', () => {
    expect(new AccessGroup({ name: 'g', migrateKeychainItemsOfUserSession: true }).migrateKeychainItemsOfUserSession).toBe(true);
  });

  it('none() means the private scope, with or without migrating back', () => {
    expect(AccessGroup.none()).toMatchObject({ name: undefined, migrateKeychainItemsOfUserSession: false });
    expect(AccessGroup.none({ migrateKeychainItemsOfUserSession: true })).toMatchObject({
      name: undefined,
      migrateKeychainItemsOfUserSession: true,
    });
    expect(AccessGroup.none()).toBeInstanceOf(AccessGroup);
  });

  it('is immutable', () => {
    const group = new AccessGroup({ name: 'g' });
    expect(Object.isFrozen(group)).toBe(true);
    expect(Object.isFrozen(AccessGroup.none())).toBe(true);
    expect(() => {
      (group as { name: string }).name = 'other';
    }).toThrow(TypeError);
  });

  it.each([
    ['an empty name', { name: '' }],
    ['a name of spaces', { name: '   ' }],
    ['a name with a control character', { name: 'a\u0000b' }],
    ['a name with a newline', { name: 'a\nb' }],
    ['a name of 257 characters', { name: 'g'.repeat(257) }],
    ['a name with a lone surrogate', { name: 'a\uD800' }],
    ['a name that is not a string', { name: 42 }],
    ['a migrate flag that is not a boolean', { name: 'g', migrateKeychainItemsOfUserSession: 'yes' }],
  ])('throws ValidationError for %s', (_, options) => {
    expect(validationError(() => new AccessGroup(options as never))).toBe(true);
  });

  it('accepts names up to 256 characters, with any printable Unicode', () => {
    expect(new AccessGroup({ name: 'g'.repeat(256) }).name).toHaveLength(256);
    expect(new AccessGroup({ name: 'équipe/🔑 shared' }).name).toBe('équipe/🔑 shared');
  });

  it('throws ValidationError for a bad migrate flag on none()', () => {
    expect(validationError(() => AccessGroup.none({ migrateKeychainItemsOfUserSession: 1 as never }))).toBe(true);
  });
});
