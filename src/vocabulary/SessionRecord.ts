import type { AuthProvider } from './AuthProvider.js';
import type { Secret } from './Secret.js';

/** Temporary AWS credentials as kept in memory: secret parts are masked {@link Secret}s. */
export interface CredentialsRecord {
  accessKeyId: string;
  secretAccessKey: Secret;
  sessionToken: Secret;
  /** Epoch milliseconds. */
  expiration: number;
}

export interface GuestSession {
  kind: 'guest';
  identityId: string;
  credentials: CredentialsRecord;
}

export interface FederatedSession {
  kind: 'federated';
  /** The provider token, reused to renew credentials. */
  token: Secret;
  /** The provider and its identity-pool login key, e.g. `graph.facebook.com`. */
  provider: AuthProvider;
  identityId: string;
  credentials: CredentialsRecord;
  /** True when the app gave the identity id (GetId was skipped). */
  developerProvidedIdentityId: boolean;
  customRoleArn?: string;
}

export interface UserPoolTokensRecord {
  idToken: Secret;
  accessToken: Secret;
  refreshToken?: Secret;
  /** Epoch milliseconds at which the id/access tokens expire. */
  expiration: number;
}

export interface UserPoolSession {
  kind: 'userPool';
  username: string;
  userId: string;
  tokens: UserPoolTokensRecord;
  identityId?: string;
  credentials?: CredentialsRecord;
}

/** The one domain record kept per scope. "No session" is the absence of a record. */
export type SessionRecord = GuestSession | FederatedSession | UserPoolSession;

/**
 * The configuration a stored session belongs to. A record of another configuration is not
 * served: GetCredentialsForIdentity takes no pool id, so another pool's identity would renew.
 */
export interface SessionBinding {
  region: string;
  identityPoolId: string;
  userPoolId?: string;
  userPoolClientId?: string;
}
