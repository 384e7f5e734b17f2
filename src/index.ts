/**
 * The main entry: `createAuth` and what its callers need. It stays small for browsers; the
 * services behind the statechart load on first use. To run `authMachine` with your own actor,
 * take its services from `cognito-auth-machine/services`.
 */
export { createAuth } from './createAuth.js';
export type { Auth } from './createAuth.js';
export type { AuthApi, SignInInput } from './authApi.js';
export type { AuthConfig } from './vocabulary/AuthConfig.js';
export type {
  AuthSession,
  AwsCredentials,
  CodeDeliveryDetails,
  CognitoIdentityCredentials,
  FederateOptions,
  FederationResult,
  MfaSignInStep,
  MfaType,
  SignInOutput,
  TotpSetupDetails,
} from './vocabulary/AuthSession.js';
export { authMachine, RENEW_BEFORE_EXPIRY_MS } from './machines/auth.machine.js';
export type { AuthMachine, AuthMachineContext, AuthMachineInput } from './machines/auth.machine.js';
export type {
  AuthEvent,
  AuthHubEvent,
  AuthHubEventName,
  FederationRequest,
  SessionSummary,
  SignInAuthFlowType,
  SignInRequest,
} from './vocabulary/statechartContract.js';
export { AuthProvider, loginKeyFor } from './vocabulary/AuthProvider.js';
export type { AuthProviderType } from './vocabulary/AuthProvider.js';
export { AuthError, isAuthError } from './vocabulary/AuthError.js';
export type { AuthErrorName, AuthErrorOptions } from './vocabulary/AuthError.js';
export { Secret } from './vocabulary/Secret.js';
export type { AuthHub, HubCallback, HubCapsule, HubPayload, PayloadOf } from './hub.js';
export { createRedactingInspector, maskSecrets, serializeInspectionEvent } from './inspection.js';
export { AccessGroup } from './vocabulary/AccessGroup.js';
export { createMemoryStorage } from './storage/createMemoryStorage.js';
export { createWebStorage } from './storage/createWebStorage.js';
export type { WebStorageLike, WebStorageOptions } from './storage/createWebStorage.js';
export type { AccessGroupOptions, NoAccessGroupOptions } from './vocabulary/AccessGroup.js';
export type { SecureStorage } from './vocabulary/SecureStorage.js';
export type { SessionStore, OpenResult, StoredSession } from './storage/SessionStore.js';
export type {
  CredentialsRecord,
  FederatedSession,
  GuestSession,
  SessionRecord,
  UserPoolSession,
  UserPoolTokensRecord,
} from './vocabulary/SessionRecord.js';
