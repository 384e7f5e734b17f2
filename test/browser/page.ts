/**
 * The script of the test page: apps of one origin using the browser entry's storage pieces.
 * Bundled for the browser by webStorage.browser.test.ts; a Node import here fails the bundle.
 */
import { AccessGroup } from '../../src/vocabulary/AccessGroup.js';
import { createSessionStore } from '../../src/storage/createSessionStore.js';
import { createWebStorage } from '../../src/storage/createWebStorage.js';
import { encodeSession } from '../../src/storage/sessionCodec.js';
import type { SessionStore } from '../../src/storage/SessionStore.js';
import { sampleSession, type SessionKind } from '../storage/sessions.js';

/** How an app is set up: which Web Storage it uses, and whether it migrates its session. */
export interface AppOptions {
  web?: 'local' | 'session';
  migrate?: boolean;
}

export interface PageApi {
  /** Starts an app: returns its session in stored form, and the names of the problems met. */
  open(appId: string, group: string | null, options?: AppOptions): Promise<{ session: string | null; problems: string[] }>;
  save(appId: string, group: string | null, kind: SessionKind, tag: string, options?: AppOptions): Promise<void>;
  load(appId: string, group: string | null, options?: AppOptions): Promise<string | null>;
  clear(appId: string, group: string | null, options?: AppOptions): Promise<void>;
  /** The stored form of a sample session, to compare with. */
  sample(kind: SessionKind, tag: string): string;
  /** The keys in localStorage. */
  keys(): string[];
}

function storeOf(appId: string, group: string | null, { web = 'local', migrate = false }: AppOptions = {}): SessionStore {
  const storage = createWebStorage(web === 'local' ? localStorage : sessionStorage);
  const accessGroup =
    group === null
      ? AccessGroup.none({ migrateKeychainItemsOfUserSession: migrate })
      : new AccessGroup({ name: group, migrateKeychainItemsOfUserSession: migrate });
  return createSessionStore({ storage, appId, accessGroup });
}

async function started(appId: string, group: string | null, options?: AppOptions): Promise<SessionStore> {
  const store = storeOf(appId, group, options);
  await store.open();
  return store;
}

const api: PageApi = {
  async open(appId, group, options) {
    const { session, problems } = await storeOf(appId, group, options).open();
    return { session: session && encodeSession(session), problems: problems.map((p) => p.name) };
  },
  async save(appId, group, kind, tag, options) {
    await (await started(appId, group, options)).save(sampleSession(kind, tag));
  },
  async load(appId, group, options) {
    const session = await (await started(appId, group, options)).load();
    return session && encodeSession(session);
  },
  async clear(appId, group, options) {
    await (await started(appId, group, options)).clear();
  },
  sample: (kind, tag) => encodeSession(sampleSession(kind, tag)),
  keys: () => Object.keys(localStorage).sort(),
};

(globalThis as { cam?: PageApi }).cam = api;
