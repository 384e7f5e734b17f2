import type { AuthError } from '../AuthError.js';
import type { SessionRecord } from './SessionRecord.js';

/** What start-up found: the session at the current place, and any problems met (never thrown). */
export interface OpenResult {
  session: SessionRecord | null;
  /** Secret-free `StorageError`s for unreadable records or failed moves; the app starts anyway. */
  problems: AuthError[];
}

/**
 * The auth session's place in secure storage: this app's private scope, or the shared scope of
 * the configured access group. The machine's services are its only callers and never call it
 * concurrently.
 */
export interface SessionStore {
  /** Start-up: run access-group migration (DESIGN §4), then read the current session. */
  open(): Promise<OpenResult>;
  /** Reads the current session again (another app may have changed a shared one). */
  load(): Promise<SessionRecord | null>;
  save(session: SessionRecord): Promise<void>;
  /** Removes the session from the current place. */
  clear(): Promise<void>;
  /** True when an access group is in use, so other apps may change the session. */
  readonly shared: boolean;
}
