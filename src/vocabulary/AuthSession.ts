// What the Promise API answers (DESIGN §2).
import type { MfaSignInStep } from './statechartContract.js';

export type { CodeDeliveryDetails, MfaSignInStep, MfaType, TotpSetupDetails } from './statechartContract.js';

/**
 * Temporary AWS credentials, as the AWS SDK v3 expects them. `secretAccessKey` and
 * `sessionToken` are secrets: do not log or store them yourself.
 */
export interface AwsCredentials {
  /** The access key id; not secret on its own. */
  accessKeyId: string;
  /** The secret access key. Secret. */
  secretAccessKey: string;
  /** The session token that goes with the key. Secret. */
  sessionToken: string;
  /** When the credentials stop working. `fetchAuthSession` renews credentials within `renewBeforeExpiryMs` (default 2 minutes) of it. */
  expiration: Date;
}

/**
 * What {@link AuthApi.credentialsProvider} resolves with: the credentials and the identity they
 * belong to, as the AWS SDK's `fromCognitoIdentityPool` gives them (its `CognitoIdentityCredentials`).
 */
export interface CognitoIdentityCredentials extends AwsCredentials {
  /** The identity pool identity the credentials belong to, e.g. `us-east-1:1234…`. */
  identityId: string;
}

/** Options of {@link AuthApi.federateToIdentityPool}. */
export interface FederateOptions {
  /** Use this identity id and skip GetId. */
  developerProvidedIdentityId?: string;
  /**
   * The ARN of the IAM role to take, among those the identity pool allows for the provider
   * (its role mapping). Default: the role the pool chooses.
   */
  customRoleArn?: string;
}

/** What {@link AuthApi.federateToIdentityPool} resolves with. */
export interface FederationResult {
  /** AWS credentials of the federated identity. */
  credentials: AwsCredentials;
  /** The identity pool identity the token belongs to, e.g. `us-east-1:1234…`. */
  identityId: string;
}

/** What {@link AuthApi.signIn} and {@link AuthApi.confirmSignIn} resolve with. */
export interface SignInOutput {
  /** True once the user is signed in; false while a step is still to be answered. */
  isSignedIn: boolean;
  /**
   * What the app does next: `DONE` when signed in; otherwise the step to answer with
   * {@link AuthApi.confirmSignIn}: `CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED` (the new password),
   * `CONFIRM_SIGN_IN_WITH_SMS_CODE` / `CONFIRM_SIGN_IN_WITH_EMAIL_CODE` (the code sent, see
   * `codeDeliveryDetails`), `CONFIRM_SIGN_IN_WITH_TOTP_CODE` (the authenticator app's code),
   * `CONTINUE_SIGN_IN_WITH_MFA_SELECTION` (one of `allowedMFATypes`, e.g. `'TOTP'`); and when the
   * pool requires MFA and the user has none: `CONTINUE_SIGN_IN_WITH_MFA_SETUP_SELECTION` (the factor
   * to set up), `CONTINUE_SIGN_IN_WITH_TOTP_SETUP` (show `totpSetupDetails`, then answer with the
   * app's first code) or `CONTINUE_SIGN_IN_WITH_EMAIL_SETUP` (the email address for the codes).
   */
  nextStep: { signInStep: 'DONE' } | { signInStep: 'CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED' } | MfaSignInStep;
}

/** What {@link AuthApi.fetchAuthSession} resolves with: the current session, renewed if need be. */
export interface AuthSession {
  /** True while federated into the identity pool or signed in to the user pool. */
  isSignedIn: boolean;
  /** The identity pool identity, when there is one (federated, signed in, or a guest). */
  identityId?: string;
  /**
   * AWS credentials of the identity: while federated, for a signed-in user once the id token is
   * federated, and for guests when `allowGuestAccess` is on. Absent otherwise.
   */
  credentials?: AwsCredentials;
  /** The user-pool tokens of a signed-in user (JWTs). Secret: send them only to your own backend. */
  tokens?: { idToken: string; accessToken: string };
  /**
   * The signed-in user's `sub` in the user pool (the `userId` of {@link AuthApi.getCurrentUser}),
   * where Amplify's `fetchAuthSession` puts it. Absent unless a user is signed in to the user pool.
   */
  userSub?: string;
}
