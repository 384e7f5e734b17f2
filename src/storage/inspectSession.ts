import { isAuthError, type AuthError } from '../AuthError.js';
import { decodeSession, SESSION_RECORD_VERSION } from './sessionCodec.js';
import type { SessionRecord } from './SessionRecord.js';
import { storageError } from './storageError.js';
import type { StoredItems } from './StoredItems.js';

/** What a session key holds. */
export interface InspectedSession {
  /** The stored text when it is a session record to keep (readable, or from a newer version). */
  text: string | null;
  /** The session, when this version can read it. */
  session: SessionRecord | null;
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
 * Reads the session record under `key`. A complete record is returned as a session. A record
 * written by a newer version of this library is left where it is (another app sharing the group
 * may be newer) and reported. Anything else — partial, corrupt, unknown — is moved aside under
 * `asideKey` and reported, so it is never read as a session and never silently deleted.
 * Throws `StorageError` when the storage cannot be read or written.
 */
export async function inspectSession(items: StoredItems, key: string, asideKey: string): Promise<InspectedSession> {
  const text = await items.get(key);
  if (text === null) return { text: null, session: null };
  try {
    return { text, session: decodeSession(text) };
  } catch (error) {
    const version = versionOf(text);
    if (typeof version === 'number' && version > SESSION_RECORD_VERSION) {
      return {
        text,
        session: null,
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
    return { text: null, session: null, problem };
  }
}
