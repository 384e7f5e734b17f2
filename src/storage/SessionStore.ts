import type { AuthError } from '../vocabulary/AuthError.js';
import type { SessionRecord } from '../vocabulary/SessionRecord.js';

/** A stored session (or none) and its generation, which changes with every write. */
export interface StoredSession {
  /** The session, with its secrets; `null` when there is none. */
  session: SessionRecord | null;
  /** `null` when there is no session to serve. */
  generation: string | null;
}

/** What start-up found: the session at the current place, and any problems met (never thrown). */
export interface OpenResult extends StoredSession {
  /** Secret-free `StorageError`s for unreadable records or failed moves; the app starts anyway. */
  problems: AuthError[];
}

/**
 * The auth session's place in secure storage: this app's private scope, or the shared scope of
 * the configured access group. Every write takes the storage lock of the session's key, so
 * writers in other apps and processes sharing the storage take turns.
 */
export interface SessionStore {
  /** Start-up: run access-group migration, then read the current session. */
  open(): Promise<OpenResult>;
  /** Reads the current session again (another app may have changed a shared one). */
  load(): Promise<SessionRecord | null>;
  /** {@link load} with the record's generation. */
  read(): Promise<StoredSession>;
  /**
   * Writes a session with a new generation, under the storage lock. With `expected` it is a
   * compare-and-set: when the stored generation is no longer `expected` (`null`: no session),
   * nothing is written and it rejects with `SessionChangedError`.
   */
  save(session: SessionRecord, expected?: string | null): Promise<StoredSession>;
  /** Removes the session from the current place, whatever it is: a clear is final. */
  clear(): Promise<void>;
  /** True when an access group is in use, so other apps may change the session. */
  readonly shared: boolean;
}
