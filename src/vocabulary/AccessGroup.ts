import { AuthError } from './AuthError.js';
import { validateFlag, validateName } from './validateName.js';

/** What `new AccessGroup(options)` takes. */
export interface AccessGroupOptions {
  /** The shared group's name; every app that shares the session uses the same one. */
  name: string;
  /**
   * Move the session from the place this app used last (its private scope or another group)
   * into this group at the next start. Default `false`: the app starts signed out there.
   */
  migrateKeychainItemsOfUserSession?: boolean;
}

/** What {@link AccessGroup.none} takes. */
export interface NoAccessGroupOptions {
  /** Move the session from the group used last back into this app's private scope. */
  migrateKeychainItemsOfUserSession?: boolean;
}

/**
 * Where the auth session is kept in secure storage: in a named group that apps using the same
 * storage share, or with {@link AccessGroup.none} in the app's own private scope. Immutable.
 *
 * ```ts
 * const accessGroup = new AccessGroup({ name: 'com.example.shared', migrateKeychainItemsOfUserSession: true });
 * createAuth({ ..., storage, appId: 'com.example.app', secureStoragePreferences: { accessGroup } });
 * ```
 */
export class AccessGroup {
  /** The group's name, or `undefined` for the app's private scope. */
  readonly name: string | undefined;
  /** Whether the session moves here from the place used last. */
  readonly migrateKeychainItemsOfUserSession: boolean;

  /** A named group. Throws `ValidationError` for an empty or unusable name. */
  constructor(options: AccessGroupOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new AuthError('ValidationError', { message: 'new AccessGroup({ name }) needs an options object.' });
    }
    this.name = validateName(options.name, 'The access group name');
    this.migrateKeychainItemsOfUserSession = validateFlag(
      options.migrateKeychainItemsOfUserSession,
      'migrateKeychainItemsOfUserSession',
    );
    Object.freeze(this);
  }

  /** No group: the session stays in the app's private scope (the default). */
  static none(options: NoAccessGroupOptions = {}): AccessGroup {
    const migrate = validateFlag(options?.migrateKeychainItemsOfUserSession, 'migrateKeychainItemsOfUserSession');
    // Built without the constructor, which requires a name.
    const group: AccessGroup = Object.create(AccessGroup.prototype);
    return Object.freeze(Object.assign(group, { name: undefined, migrateKeychainItemsOfUserSession: migrate }));
  }
}
