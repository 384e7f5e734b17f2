import type { InspectionEvent, Observer } from 'xstate';
import type { AccessGroup } from './AccessGroup.js';
import type { AuthProvider } from './AuthProvider.js';
import type { SecureStorage } from './SecureStorage.js';

/** The configuration of {@link createAuth}. Only `region` and `identityPoolId` are required. */
export interface AuthConfig {
  /** The AWS region of the identity pool (and of the user pool), e.g. `us-east-1`. */
  region: string;
  /** The identity pool that federated and user-pool users get AWS credentials from, e.g. `us-east-1:0000…`. */
  identityPoolId: string;
  /**
   * The user pool and its app client, needed for `signIn`. Without it the app can only federate
   * provider tokens. `userPoolClientSecret` is for an app client that has a secret: every sign-in
   * and refresh then carries Cognito's `SECRET_HASH`. Only for code that runs on a server: a
   * secret shipped in a browser or mobile app is no secret.
   */
  userPool?: { userPoolId: string; userPoolClientId: string; userPoolClientSecret?: string };
  /** Full URLs of local emulators or private endpoints. */
  endpoints?: { identityPool?: string; userPool?: string };
  /** Where the session is kept. Default: a fresh in-memory store (nothing survives a reload). */
  storage?: SecureStorage;
  /** This app's private scope in storage. Default `'default'`. */
  appId?: string;
  /**
   * Where in `storage` the session is kept: with an {@link AccessGroup} it is shared with the other
   * apps that use the same storage and group. Default: this app's private scope.
   */
  secureStoragePreferences?: { accessGroup?: AccessGroup };
  /** Signed-out sessions get guest credentials. Default false. */
  allowGuestAccess?: boolean;
  /** Federation into the identity pool. */
  federation?: {
    /**
     * Asked for a fresh provider token before federated credentials are renewed. Without it the
     * stored token is reused, and the session ends (`SessionExpiredError`) once the identity pool
     * refuses it: this library never refreshes a provider token by itself.
     */
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
  /**
   * The device's clock, epoch milliseconds. Default `Date.now`. Expiry is judged on Cognito's clock
   * all the same: the offset between the two is learned from each answer's `Date` header.
   */
  clock?: () => number;
  /**
   * Renew federated credentials (and a signed-in user's tokens and credentials) when they enter the
   * renewal window, while the app is idle, instead of at the next `fetchAuthSession`. Default false. A failed background renewal keeps the session
   * and is not retried until the next fetch.
   */
  renewInBackground?: boolean;
  /**
   * How close to their expiry AWS credentials and user-pool tokens are renewed before
   * `fetchAuthSession` hands them out, in milliseconds. Default 2 minutes; from 0 (renew only
   * what has expired) to 30 minutes (half of the hour identity-pool credentials last by default).
   * Keep it well under the lifetime of your credentials and user-pool access tokens (which can be
   * as short as 5 minutes): at or above it, every fetch renews. An AWS SDK client refreshes
   * credentials within 5 minutes of their expiry: set at least 5 minutes here if it should get
   * fresh ones whenever it asks.
   */
  renewBeforeExpiryMs?: number;
  /**
   * How long one Cognito call, storage step or `federation.refreshProviderToken` call may take
   * before it fails (`ServiceError`, or `StorageError` for storage) and the session is kept, in
   * milliseconds. Default 30 seconds; from 1 second to 5 minutes.
   */
  deadlineMs?: number;
}
