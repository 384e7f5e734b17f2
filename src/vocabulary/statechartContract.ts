import type { AuthError } from './AuthError.js';
import type { AuthProvider } from './AuthProvider.js';
import type { Secret } from './Secret.js';
import { expiresOnDevice, type SessionRecord } from './SessionRecord.js';

/**
 * What the statechart knows of the session: enough to decide transitions, never a secret.
 * The secrets stay in the SessionVault beside the machine.
 */
export interface SessionSummary {
  /** Which kind of session it is. */
  kind: SessionRecord['kind'];
  /** The identity pool identity, once there is one. */
  identityId?: string;
  /** Federated sessions: the provider the token came from. */
  provider?: AuthProvider;
  /** AWS credentials' expiry, epoch ms on the device's clock (Cognito's, less the clock offset). */
  credentialsExpiration?: number;
  /** User-pool sessions: the user's name. */
  username?: string;
  /** User-pool sessions: the user's `sub`. */
  userId?: string;
  /** User-pool tokens' expiry, epoch ms. */
  tokensExpiration?: number;
  /** Cognito refused this session's token or identity: it is kept only until replaced or cleared. */
  refused?: boolean;
  /** The machine has said `credentialsExpired` for these credentials. */
  expiryAnnounced?: boolean;
  /** The stored record's generation: tells a re-read of the same record from a new one. */
  generation?: string;
}

export function summarize(record: SessionRecord | null, generation?: string | null): SessionSummary | null {
  const summary = summarizeRecord(record);
  return summary && generation ? { ...summary, generation } : summary;
}

function summarizeRecord(record: SessionRecord | null): SessionSummary | null {
  if (!record) return null;
  switch (record.kind) {
    case 'guest':
      return { kind: 'guest', identityId: record.identityId, credentialsExpiration: expiresOnDevice(record.credentials) };
    case 'federated':
      return {
        kind: 'federated',
        identityId: record.identityId,
        provider: record.provider,
        credentialsExpiration: expiresOnDevice(record.credentials),
      };
    case 'userPool':
      return {
        kind: 'userPool',
        username: record.username,
        userId: record.userId,
        tokensExpiration: record.tokens.expiration,
        ...(record.identityId ? { identityId: record.identityId } : {}),
        ...(record.credentials ? { credentialsExpiration: expiresOnDevice(record.credentials) } : {}),
      };
  }
}

/**
 * The outcome of one Promise-API request. The machine emits it after the snapshot is updated,
 * so the API layer answers from the state the request produced. Not relayed by the hub.
 */
export interface RequestSettledEvent {
  type: 'request.settled';
  requestId: number;
  error: AuthError | null;
}

/** What restoring or re-reading the stored session found (problems are secret-free StorageErrors). */
export interface RestoreOutput {
  /** The session found, or `null` for none. */
  session: SessionSummary | null;
  /** What could not be read or moved; the machine starts anyway. */
  problems: AuthError[];
}

/** What a federation request carries into the `federating` state. */
export interface FederationRequest {
  /** The provider's token, masked. */
  token: Secret;
  /** The provider the token comes from. */
  provider: AuthProvider;
  /** Use this identity id and skip GetId. */
  developerProvidedIdentityId?: string;
  /** The IAM role to take, among those the identity pool allows. */
  customRoleArn?: string;
}

/**
 * How `signIn` proves the password to the user pool: SRP (`USER_SRP_AUTH`, the password never leaves
 * the device; app clients allow it by default) or the password itself over TLS (`USER_PASSWORD_AUTH`,
 * which the app client must allow). Without one, the sign-in uses `USER_PASSWORD_AUTH`.
 */
export type SignInAuthFlowType = 'USER_SRP_AUTH' | 'USER_PASSWORD_AUTH';

/** What a sign-in request carries into the `signingIn` state. */
export interface SignInRequest {
  /** The user's name in the user pool. */
  username: string;
  /** The password, masked. */
  password: Secret;
  /** Default `USER_SRP_AUTH`. */
  authFlowType?: SignInAuthFlowType;
}

/** A second factor, by Amplify's names. */
export type MfaType = 'SMS' | 'TOTP' | 'EMAIL';

/** Where Cognito sent a sign-in code, as it tells it (the destination masked). */
export interface CodeDeliveryDetails {
  /** `SMS` or `EMAIL`. */
  deliveryMedium: 'SMS' | 'EMAIL';
  /** Where the code went, masked by Cognito, e.g. `+*******0123`. */
  destination: string;
  /** The user attribute the code went to. */
  attributeName: 'phone_number' | 'email';
}

/** What an authenticator app needs to be set up: the shared secret (masked), and a way to show it. */
export interface TotpSetupDetails {
  /** The key the authenticator app derives its codes from (base32), masked; `reveal()` it to show it as text. */
  sharedSecret: Secret;
  /**
   * The `otpauth://totp/…` URI authenticator apps read from a QR code, labelled
   * `appName:accountName` (default: the username). It holds the shared secret: render it as a QR
   * code, never log or store it.
   */
  getSetupUri(appName: string, accountName?: string): URL;
}

/** The MFA step a sign-in waits at, with what the app shows the user (secrets masked). */
export type MfaSignInStep =
  | { signInStep: 'CONFIRM_SIGN_IN_WITH_SMS_CODE' | 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE'; codeDeliveryDetails: CodeDeliveryDetails }
  | { signInStep: 'CONFIRM_SIGN_IN_WITH_TOTP_CODE' }
  | { signInStep: 'CONTINUE_SIGN_IN_WITH_MFA_SELECTION' | 'CONTINUE_SIGN_IN_WITH_MFA_SETUP_SELECTION'; allowedMFATypes: MfaType[] }
  | { signInStep: 'CONTINUE_SIGN_IN_WITH_TOTP_SETUP'; totpSetupDetails: TotpSetupDetails }
  | { signInStep: 'CONTINUE_SIGN_IN_WITH_EMAIL_SETUP' };

/** The MFA challenges the library answers, by Cognito's names (`MFA_SETUP`: setting a factor up during sign-in). */
export type MfaChallengeName = 'SMS_MFA' | 'EMAIL_OTP' | 'SOFTWARE_TOKEN_MFA' | 'SELECT_MFA_TYPE' | 'MFA_SETUP';

/** An open sign-in challenge, kept in memory beside the machine: its session is a secret. */
export interface PendingChallenge {
  /** The user the answer names (Cognito's, which differs from the typed one for an alias). */
  username: string;
  /** The challenge session, valid for minutes. */
  session: Secret;
  /** Set for an MFA challenge: which one, and the step the app sees. */
  mfa?: { challengeName: MfaChallengeName; step: MfaSignInStep };
}

/** What a sign-in step ended in, without its secrets (tokens and challenge sessions stay in the vault). */
export type SignInStepOutcome =
  | { kind: 'signedIn'; session: SessionSummary }
  | { kind: 'newPasswordRequired' }
  | { kind: 'mfaRequired'; challenge: MfaChallengeName };

/**
 * Events the Promise API sends. Every one carries the request id its caller waits on; the
 * machine answers it with a `request.settled` event. Secrets travel as masked {@link Secret}s.
 */
export type AuthEvent =
  | ({ type: 'federate'; requestId: number } & FederationRequest)
  | { type: 'federation.clear'; requestId: number }
  | ({ type: 'signIn'; requestId: number } & SignInRequest)
  | { type: 'signIn.confirm'; requestId: number; challengeResponse: Secret }
  | { type: 'signOut'; requestId: number; global: boolean }
  | { type: 'session.fetch'; requestId: number; forceRefresh: boolean; now: number; synced?: boolean };

export type SessionFetchEvent = Extract<AuthEvent, { type: 'session.fetch' }>;

/** Hub events, emitted by the machine (`actor.on(type, …)`) and relayed by `auth.hub`. */
export type AuthHubEvent =
  | { type: 'signedIn'; data: { username: string; userId: string } }
  | { type: 'signedOut'; data?: undefined }
  | { type: 'sessionExpired'; data?: undefined }
  | { type: 'credentialsExpired'; data: { identityId: string } }
  | { type: 'tokenRefresh'; data?: undefined }
  | { type: 'tokenRefresh_failure'; data: { error: AuthError } }
  | { type: 'federatedToIdentityPool'; data: { identityId: string; provider: AuthProvider } }
  | { type: 'federateToIdentityPool_failure'; data: { error: AuthError } }
  | { type: 'federationToIdentityPoolCleared'; data?: undefined };

/** The name of a hub event, e.g. `'signedIn'`. */
export type AuthHubEventName = AuthHubEvent['type'];
