/**
 * Stored key names. Every app has a private scope (named by its `appId`) and every access group
 * a shared scope (named by the group's name); each scope holds a few items. The mapping from
 * (scope, item) to a key name is injective: names and items are URI-component encoded, which
 * never leaves a `/`, so {@link parseScopedKey} can always take a key apart again.
 */

/** One app's private scope, or one access group's shared scope. */
export interface Scope {
  readonly kind: 'app' | 'group';
  readonly name: string;
}

/** The prefix of every key this library stores, so its items are easy to tell apart. */
export const KEY_PREFIX = 'cognito-auth-machine';

/** The items kept in a scope. */
export const Item = Object.freeze({
  /** The encoded session record (see `sessionCodec`). */
  session: 'session',
  /** Private scope only: the access group this app used last; absent means none. */
  accessGroup: 'access-group',
  /** Private scope only: a move of the session between places that has begun (the journal). */
  move: 'move',
});

/** Where an unreadable item's bytes are kept aside instead of being deleted. */
export function quarantined(item: string): string {
  return `${item}.quarantined`;
}

export function appScope(appId: string): Scope {
  return { kind: 'app', name: appId };
}

export function groupScope(name: string): Scope {
  return { kind: 'group', name };
}

/** The place of the session: the group's scope, or the app's private scope without a group. */
export function placeOf(appId: string, groupName: string | undefined): Scope {
  return groupName === undefined ? appScope(appId) : groupScope(groupName);
}

export function sameScope(a: Scope, b: Scope): boolean {
  return a.kind === b.kind && a.name === b.name;
}

/**
 * The stored key for an item of a scope, e.g. `cognito-auth-machine/group/team.shared/session`.
 * Names must be well-formed Unicode (validated names are).
 */
export function scopedKey(scope: Scope, item: string): string {
  return `${KEY_PREFIX}/${scope.kind}/${encodeURIComponent(scope.name)}/${encodeURIComponent(item)}`;
}

/** The inverse of {@link scopedKey}; `undefined` for a key this library did not make. */
export function parseScopedKey(key: string): { scope: Scope; item: string } | undefined {
  const parts = key.split('/');
  if (parts.length !== 4 || parts[0] !== KEY_PREFIX) return undefined;
  const [, kind, name, item] = parts as [string, string, string, string];
  if (kind !== 'app' && kind !== 'group') return undefined;
  try {
    return { scope: { kind, name: decodeURIComponent(name) }, item: decodeURIComponent(item) };
  } catch {
    return undefined;
  }
}
