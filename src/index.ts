/**
 * The main entry: `createAuth` and what its callers need. It stays small for browsers; the
 * services behind the statechart load on first use. To run `authMachine` with your own actor,
 * take its services from `cognito-auth-machine/services`.
 */
export { createAuth } from './createAuth.js';
export type {
  Auth,
  AuthConfig,
  AuthSession,
  AwsCredentials,
  FederateOptions,
  FederationResult,
  SignInOutput,
} from './createAuth.js';
export { authMachine, RENEW_BEFORE_EXPIRY_MS } from './machines/auth.machine.js';
export type { AuthMachine, AuthMachineContext, AuthMachineInput } from './machines/auth.machine.js';
export type { AuthEvent, AuthHubEvent, AuthHubEventName, SessionSummary } from './machines/authSession.js';
export { AuthProvider, loginKeyFor } from './AuthProvider.js';
export type { AuthProviderType } from './AuthProvider.js';
export { AuthError, isAuthError } from './AuthError.js';
export type { AuthErrorName } from './AuthError.js';
export { Secret } from './Secret.js';
export type { AuthHub, HubCallback, HubCapsule, HubPayload } from './hub.js';
export { createRedactingInspector, maskSecrets, serializeInspectionEvent } from './inspection.js';
export { AccessGroup } from './storage/AccessGroup.js';
export { createMemoryStorage } from './storage/createMemoryStorage.js';
export { createWebStorage } from './storage/createWebStorage.js';
export type { WebStorageLike, WebStorageOptions } from './storage/createWebStorage.js';
export type { AccessGroupOptions, NoAccessGroupOptions } from './storage/AccessGroup.js';
export type { SecureStorage } from './storage/SecureStorage.js';
export type { SessionStore, OpenResult } from './storage/SessionStore.js';
export type { SessionRecord } from './storage/SessionRecord.js';
