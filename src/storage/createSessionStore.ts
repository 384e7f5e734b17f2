import { AuthError, SessionChangedError } from '../vocabulary/AuthError.js';
import type { AccessGroup } from '../vocabulary/AccessGroup.js';
import type { SecureStorage } from '../vocabulary/SecureStorage.js';
import { encodeStoredSession, newGeneration } from './sessionCodec.js';
import type { SessionBinding, SessionRecord } from '../vocabulary/SessionRecord.js';
import type { OpenResult, SessionStore, StoredSession } from './SessionStore.js';
import { inspectSession } from './inspectSession.js';
import { sessionKeys, sessionPlace, settlePlace, type AppPlaces } from './settlePlace.js';
import { storageError } from './storageError.js';
import { StoredItems } from './StoredItems.js';
import { validateAccessGroup, validateName } from '../vocabulary/validateName.js';

/** Options of {@link createSessionStore}. */
export interface SessionStoreOptions {
  /** The device-wide secure store; apps that share a session use the same one. */
  storage: SecureStorage;
  /** This app's id: names its private scope, where it also remembers the group it used last. */
  appId: string;
  /** Where the session lives; default {@link AccessGroup.none}: the app's private scope. */
  accessGroup?: AccessGroup;
  /**
   * The configuration sessions belong to. Records carry it; a record of another configuration
   * is removed instead of served. `createAuth` always passes it.
   */
  binding?: SessionBinding;
  /** How long one storage call or lock wait may take before it fails with `StorageError`. */
  timeoutMs?: number;
}

function sessionChanged(): SessionChangedError {
  return new SessionChangedError('CancelledError', {
    message: 'The call was not kept: another app or process using the same storage changed the session meanwhile.',
    recoverySuggestion: 'The session is now the one in storage; call fetchAuthSession to see it, then try again if needed.',
  });
}

function invalid(message: string): AuthError {
  return new AuthError('ValidationError', { message });
}

function checkStorage(storage: unknown): SecureStorage {
  const s = storage as Partial<SecureStorage> | null | undefined;
  if (
    typeof s !== 'object' ||
    s === null ||
    typeof s.getItem !== 'function' ||
    typeof s.setItem !== 'function' ||
    typeof s.removeItem !== 'function'
  ) {
    throw invalid('storage must be a SecureStorage (getItem, setItem, removeItem), e.g. createMemoryStorage().');
  }
  return s as SecureStorage;
}

/**
 * The session's place for one app (see {@link createSessionStore}). Its calls live on the
 * prototype: every `createAuth` instance holds one store, and closures per call would be copied
 * into each.
 */
class PlacedSessionStore implements SessionStore {
  readonly shared: boolean;
  readonly #app: AppPlaces;
  readonly #configured: string | null;
  readonly #migrate: boolean;
  /** The storage key of the session, also the name of the lock its writes take. */
  readonly #key: string;
  /** Where an unreadable session is kept aside. */
  readonly #asideKey: string;
  readonly #binding: SessionBinding | undefined;
  // Until a start-up move has been finished, a clear must finish it first: otherwise the old
  // session would be carried into the cleared place by the next start.
  #settled = false;

  constructor(app: AppPlaces, group: { name?: string; migrate: boolean }) {
    this.#app = app;
    this.#binding = app.binding;
    this.#configured = group.name ?? null;
    this.#migrate = group.migrate;
    ({ key: this.#key, asideKey: this.#asideKey } = sessionKeys(sessionPlace(app, this.#configured)));
    this.shared = group.name !== undefined;
    Object.freeze(this);
  }

  /** Reads the session here, quarantining a corrupt one (and reporting it). */
  #inspect() {
    return inspectSession(this.#app.items, this.#key, this.#asideKey, this.#binding);
  }

  async #settle(problems: AuthError[]): Promise<void> {
    await settlePlace(this.#app, this.#configured, this.#migrate, problems);
    this.#settled = true;
  }

  async open(): Promise<OpenResult> {
    const problems: AuthError[] = [];
    try {
      await this.#settle(problems);
    } catch (error) {
      problems.push(
        storageError(
          'Could not finish moving the session to the configured place; starting with what is there.',
          error,
          'The move is retried at the next start; check the storage backend.',
        ),
      );
    }
    let found: StoredSession = { session: null, generation: null };
    try {
      const inspected = await this.#inspect();
      if (inspected.problem) problems.push(inspected.problem);
      found = { session: inspected.session, generation: inspected.generation };
    } catch (error) {
      problems.push(storageError('Could not read the stored session; starting signed out.', error));
    }
    return { ...found, problems };
  }

  async read(): Promise<StoredSession> {
    const found = await this.#inspect();
    if (found.problem) throw found.problem;
    return { session: found.session, generation: found.generation };
  }

  async load(): Promise<SessionRecord | null> {
    return (await this.read()).session;
  }

  async save(session: SessionRecord, expected?: string | null): Promise<StoredSession> {
    const generation = newGeneration();
    let text: string;
    try {
      text = encodeStoredSession({ session, generation, ...(this.#binding ? { binding: this.#binding } : {}) });
    } catch (error) {
      throw storageError('Could not encode the session for storage.', error);
    }
    const app = this.#app;
    const key = this.#key;
    await app.items.locked(key, async () => {
      if (expected !== undefined) {
        // Compare-and-set: a session cleared or replaced by another writer since this one
        // read it is final; this write is dropped and the caller re-reads.
        const found = await this.#inspect();
        if (found.generation !== expected) throw sessionChanged();
      }
      await app.items.set(key, text, 'save the session');
    });
    return { session, generation };
  }

  async clear(): Promise<void> {
    if (!this.#settled) {
      try {
        await this.#settle([]);
      } catch (error) {
        throw storageError('Could not clear the session: its move between places could not be finished.', error);
      }
    }
    // Unconditional: a clear is final, whatever another writer stored meanwhile.
    const items = this.#app.items;
    const key = this.#key;
    await items.locked(key, () => items.remove(key, 'clear the session'));
  }
}

/**
 * The session's place in secure storage for one app: its private scope, or the shared scope of
 * its access group. Checks its options at once and throws `ValidationError` for a bad `appId`,
 * group name or storage. Call {@link SessionStore.open} first: it finishes or runs the move
 * between places (see docs/access-groups.md) and never rejects.
 */
export function createSessionStore(options: SessionStoreOptions): SessionStore {
  if (typeof options !== 'object' || options === null) throw invalid('createSessionStore needs an options object.');
  const app: AppPlaces = {
    items: new StoredItems(checkStorage(options.storage), options.timeoutMs),
    appId: validateName(options.appId, 'appId'),
    ...(options.binding ? { binding: options.binding } : {}),
  };
  return new PlacedSessionStore(app, validateAccessGroup(options.accessGroup));
}
