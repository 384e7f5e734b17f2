import { isAuthError, type AuthError } from '../vocabulary/AuthError.js';
import { decodeStoredSession, sameBinding, SESSION_RECORD_VERSION } from './sessionCodec.js';
import type { SessionBinding, SessionRecord } from '../vocabulary/SessionRecord.js';
import { storageError } from './storageError.js';
import type { StoredItems } from './StoredItems.js';

/** What a session key holds. */
export interface InspectedSession {
  /** The stored text when it is a session record to keep (readable, or from a newer version). */
  text: string | null;
  /** The session, when this version can read it and it belongs to this configuration. */
  session: SessionRecord | null;
  /** The generation of the record read, `null` when there is none to serve. */
  generation: string | null;
  /** Why a stored record could not be used; secret-free. */
  problem?: AuthError;
}

function versionOf(text: string): unknown {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? (parsed as { version?: unknown }).version : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads the session record under `key`. A complete record of this configuration (`binding`,
 * when given) is returned as a session. A record of another configuration (another region,
 * identity pool, user pool or client) is removed and reported: it must never be served or
 * renewed. A record written by a newer version of this library is left where it is (another app
 * sharing the group may be newer) and reported. Anything else — partial, corrupt, invalid — is
 * moved aside under `asideKey` and reported, so it is never read as a session and never silently
 * deleted. Throws `StorageError` when the storage cannot be read or written.
 */
export async function inspectSession(
  items: StoredItems,
  key: string,
  asideKey: string,
  binding?: SessionBinding,
): Promise<InspectedSession> {
  const text = await items.get(key);
  if (text === null) return { text: null, session: null, generation: null };
  let record;
  try {
    record = decodeStoredSession(text);
  } catch (error) {
    const version = versionOf(text);
    if (typeof version === 'number' && version > SESSION_RECORD_VERSION) {
      return {
        text,
        session: null,
        generation: null,
        problem: storageError(
          'The stored session was written by a newer version of this library; starting signed out.',
          undefined,
          'Update this app to the newer version to share the session again.',
        ),
      };
    }
    await items.quarantine(key, asideKey, text);
    // decodeSession's errors are secret-free by contract; anything else is replaced.
    const problem = isAuthError(error, 'StorageError')
      ? error
      : storageError('The stored session record is unreadable; starting signed out.');
    return { text: null, session: null, generation: null, problem };
  }
  if (binding && !sameBinding(record.binding, binding)) {
    await items.remove(key, 'remove the session of another configuration');
    return {
      text: null,
      session: null,
      generation: null,
      problem: storageError(
        'The stored session belongs to another configuration (region, identity pool or user pool); it was removed and the app starts signed out.',
        undefined,
        'Sign in or federate again with this configuration.',
      ),
    };
  }
  return { text, session: record.session, generation: record.generation };
}
