import { AuthError } from '../AuthError.js';
import type { AccessGroup } from './AccessGroup.js';
import type { SecureStorage } from './SecureStorage.js';
import { encodeSession } from './sessionCodec.js';
import type { SessionRecord } from './SessionRecord.js';
import type { OpenResult, SessionStore } from './SessionStore.js';
import { inspectSessionAt, sessionPlace, settlePlace, type AppPlaces } from './settlePlace.js';
import { Item, scopedKey } from './scopedKeys.js';
import { storageError } from './storageError.js';
import { StoredItems } from './StoredItems.js';
import { validateAccessGroup, validateName } from './validateName.js';

export interface SessionStoreOptions {
  /** The device-wide secure store; apps that share a session use the same one. */
  storage: SecureStorage;
  /** This app's id: names its private scope, where it also remembers the group it used last. */
  appId: string;
  /** Where the session lives; default {@link AccessGroup.none}: the app's private scope. */
  accessGroup?: AccessGroup;
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
  const app: AppPlaces = { items: new StoredItems(checkStorage(options.storage)), appId: validateName(options.appId, 'appId') };
  const group = validateAccessGroup(options.accessGroup);
  const configured = group.name ?? null;
  const currentKey = scopedKey(sessionPlace(app, configured), Item.session);
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
      let session: SessionRecord | null = null;
      try {
        const found = await inspectSessionAt(app, sessionPlace(app, configured));
        if (found.problem) problems.push(found.problem);
        session = found.session;
      } catch (error) {
        problems.push(storageError('Could not read the stored session; starting signed out.', error));
      }
      return { session, problems };
    },

    async load() {
      const found = await inspectSessionAt(app, sessionPlace(app, configured));
      if (found.problem) throw found.problem;
      return found.session;
    },

    async save(session) {
      let text: string;
      try {
        text = encodeSession(session);
      } catch (error) {
        throw storageError('Could not encode the session for storage.', error);
      }
      await app.items.set(currentKey, text, 'save the session');
    },

    async clear() {
      if (!settled) {
        try {
          await settle([]);
        } catch (error) {
          throw storageError('Could not clear the session: its move between places could not be finished.', error);
        }
      }
      await app.items.remove(currentKey, 'clear the session');
    },
  };
  return Object.freeze(store);
}
