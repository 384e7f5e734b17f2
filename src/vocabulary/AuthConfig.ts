import type { InspectionEvent, Observer } from 'xstate';
import type { AccessGroup } from './AccessGroup.js';
import type { AuthProvider } from './AuthProvider.js';
import type { SecureStorage } from './SecureStorage.js';

/** The configuration of {@link createAuth} (DESIGN §2). */
export interface AuthConfig {
  region: string;
  identityPoolId: string;
  userPool?: { userPoolId: string; userPoolClientId: string };
  /** Full URLs of local emulators or private endpoints. */
  endpoints?: { identityPool?: string; userPool?: string };
  /** Where the session is kept. Default: a fresh in-memory store (nothing survives a reload). */
  storage?: SecureStorage;
  /** This app's private scope in storage. Default `'default'`. */
  appId?: string;
  secureStoragePreferences?: { accessGroup?: AccessGroup };
  /** Signed-out sessions get guest credentials. Default false. */
  allowGuestAccess?: boolean;
  federation?: {
    /** Asked for a fresh provider token before federated credentials are renewed. */
    refreshProviderToken?: (provider: AuthProvider) => Promise<string>;
  };
  /**
   * An XState inspection observer (a function, or an object with `next`), handed to `createActor`.
   * Inspection events carry the machine's data: mask it with `createRedactingInspector(observer)`,
   * which works for any observer, or give a Stately inspector `serialize: serializeInspectionEvent`.
   * Pass a Stately inspector's `inspector.inspect`, not the inspector itself.
   *
   * @example
   * import { createWebSocketInspector } from '@statelyai/inspect';
   * const inspector = createWebSocketInspector({ url: 'ws://localhost:8080' });
   * createAuth({ ...config, inspect: createRedactingInspector(inspector.inspect) });
   * // or: createWebSocketInspector({ url, serialize: serializeInspectionEvent }), then `inspect: inspector.inspect`
   */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /** Epoch milliseconds. Default `Date.now`. */
  clock?: () => number;
}
