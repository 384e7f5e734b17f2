import { AuthError, SessionChangedError } from '../vocabulary/AuthError.js';
import type { AccessGroup } from '../vocabulary/AccessGroup.js';
import type { SecureStorage } from '../vocabulary/SecureStorage.js';
import { encodeStoredSession, newGeneration } from './sessionCodec.js';
import type { SessionBinding, SessionRecord } from '../vocabulary/SessionRecord.js';
import type { OpenResult, SessionStore, StoredSession } from './SessionStore.js';
import { inspectSessionAt, sessionKeyAt, sessionPlace, settlePlace, type AppPlaces } from './settlePlace.js';
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
  const group = validateAccessGroup(options.accessGroup);
  const configured = group.name ?? null;
  const place = sessionPlace(app, configured);
  const currentKey = sessionKeyAt(place);
  // Until a start-up move has been finished, a clear must finish it first: otherwise the old
  // session would be carried into the cleared place by the next start.
  let settled = false;

  const settle = async (problems: AuthError[]): Promise<void> => {
    await settlePlace(app, configured, group.migrate, problems);
    settled = true;
  };

  const store: SessionStore = {
    shared: group.name !== undefined,

    async open(): Promise<OpenResult> {
      const problems: AuthError[] = [];
      try {
        await settle(problems);
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
        const inspected = await inspectSessionAt(app, place);
        if (inspected.problem) problems.push(inspected.problem);
        found = { session: inspected.session, generation: inspected.generation };
      } catch (error) {
        problems.push(storageError('Could not read the stored session; starting signed out.', error));
      }
      return { ...found, problems };
    },

    async read(): Promise<StoredSession> {
      const found = await inspectSessionAt(app, place);
      if (found.problem) throw found.problem;
      return { session: found.session, generation: found.generation };
    },

    async load() {
      return (await store.read()).session;
    },

    async save(session: SessionRecord, expected?: string | null): Promise<StoredSession> {
      const generation = newGeneration();
      let text: string;
      try {
        text = encodeStoredSession({ session, generation, ...(options.binding ? { binding: options.binding } : {}) });
      } catch (error) {
        throw storageError('Could not encode the session for storage.', error);
      }
      await app.items.locked(currentKey, async () => {
        if (expected !== undefined) {
          // Compare-and-set: a session cleared or replaced by another writer since this one
          // read it is final; this write is dropped and the caller re-reads.
          const found = await inspectSessionAt(app, place);
          if (found.generation !== expected) throw sessionChanged();
        }
        await app.items.set(currentKey, text, 'save the session');
      });
      return { session, generation };
    },

    async clear() {
      if (!settled) {
        try {
          await settle([]);
        } catch (error) {
          throw storageError('Could not clear the session: its move between places could not be finished.', error);
        }
      }
      // Unconditional: a clear is final, whatever another writer stored meanwhile.
      await app.items.locked(currentKey, () => app.items.remove(currentKey, 'clear the session'));
    },
  };
  return Object.freeze(store);
}
