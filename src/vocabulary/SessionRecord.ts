import type { AuthProvider } from './AuthProvider.js';
import type { Secret } from './Secret.js';

/** Temporary AWS credentials as kept in memory: secret parts are masked {@link Secret}s. */
export interface CredentialsRecord {
  /** The access key id; not secret on its own. */
  accessKeyId: string;
  /** The secret access key, masked. */
  secretAccessKey: Secret;
  /** The session token, masked. */
  sessionToken: Secret;
  /** Epoch milliseconds, on Cognito's clock (its `Credentials.Expiration`). */
  expiration: number;
  /**
   * Cognito's clock minus the device's when these credentials arrived, in milliseconds, from the
   * answer's `Date` header; absent when under 2 seconds (the header has whole seconds).
   */
  clockOffsetMs?: number;
}

/**
 * Clock offsets smaller than this are not kept: the `Date` header has whole seconds, and the
 * renewal window is far wider.
 */
export const CLOCK_TOLERANCE_MS = 2_000;

/** When the credentials expire on the device's clock: Cognito's expiration less the offset. */
export function expiresOnDevice(credentials: CredentialsRecord): number {
  return credentials.expiration - (credentials.clockOffsetMs ?? 0);
}

/** A signed-out user's guest identity and its credentials (with `allowGuestAccess` on). */
export interface GuestSession {
  /** Tells the kinds of session apart. */
  kind: 'guest';
  /** The guest identity in the identity pool. */
  identityId: string;
  /** The guest identity's AWS credentials. */
  credentials: CredentialsRecord;
}

/** A provider token federated into the identity pool, with the credentials it got. */
export interface FederatedSession {
  /** Tells the kinds of session apart. */
  kind: 'federated';
  /** The provider token, reused to renew credentials. */
  token: Secret;
  /** The provider and its identity-pool login key, e.g. `graph.facebook.com`. */
  provider: AuthProvider;
  /** The identity the token belongs to in the identity pool. */
  identityId: string;
  /** The identity's AWS credentials. */
  credentials: CredentialsRecord;
  /** True when the app gave the identity id (GetId was skipped). */
  developerProvidedIdentityId: boolean;
  /** The IAM role asked for at federation; renewals ask for it again. */
  customRoleArn?: string;
}

/** A user pool's tokens for a signed-in user, masked. */
export interface UserPoolTokensRecord {
  /** The id token (a JWT), which also federates the user into the identity pool. */
  idToken: Secret;
  /** The access token (a JWT), for the user pool's own calls. */
  accessToken: Secret;
  /** The refresh token, which gets new id and access tokens; absent when Cognito gave none. */
  refreshToken?: Secret;
  /** Epoch milliseconds at which the id/access tokens expire. */
  expiration: number;
}

/** A user signed in to the user pool, and the identity-pool credentials its id token got. */
export interface UserPoolSession {
  /** Tells the kinds of session apart. */
  kind: 'userPool';
  /** The user's name in the user pool. */
  username: string;
  /** The user's `sub`. */
  userId: string;
  /** The user's tokens. */
  tokens: UserPoolTokensRecord;
  /** The identity in the identity pool, once the id token is federated. */
  identityId?: string;
  /** The identity's AWS credentials, once the id token is federated. */
  credentials?: CredentialsRecord;
}

/** The one domain record kept per scope. "No session" is the absence of a record. */
export type SessionRecord = GuestSession | FederatedSession | UserPoolSession;

/**
 * The configuration a stored session belongs to. A record of another configuration is not
 * served: GetCredentialsForIdentity takes no pool id, so another pool's identity would renew.
 */
export interface SessionBinding {
  /** The AWS region. */
  region: string;
  /** The identity pool. */
  identityPoolId: string;
  /** The user pool, when one is configured. */
  userPoolId?: string;
  /** The user pool's app client, when one is configured. */
  userPoolClientId?: string;
}
