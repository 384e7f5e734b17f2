/** PLACEHOLDER: private scope only; replaced by the storage work (issue 5). */
import { AuthError } from '../AuthError.js';
import type { AccessGroup } from './AccessGroup.js';
import type { SecureStorage } from './SecureStorage.js';
import { decodeSession, encodeSession } from './sessionCodec.js';
import type { SessionStore } from './SessionStore.js';

export interface SessionStoreOptions {
  storage: SecureStorage;
  appId: string;
  accessGroup?: AccessGroup;
}

export function createSessionStore({ storage, appId }: SessionStoreOptions): SessionStore {
  const key = `cognito-auth-machine/app/${encodeURIComponent(appId)}/session`;
  const load = async () => {
    const text = await storage.getItem(key);
    return text === null ? null : decodeSession(text);
  };
  return {
    shared: false,
    async open() {
      try {
        return { session: await load(), problems: [] };
      } catch (error) {
        return { session: null, problems: [error instanceof AuthError ? error : new AuthError('StorageError', { message: 'Could not read the stored session.', cause: error })] };
      }
    },
    load,
    async save(session) {
      await storage.setItem(key, encodeSession(session));
    },
    async clear() {
      await storage.removeItem(key);
    },
  };
}
