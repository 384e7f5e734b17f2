/**
 * `cognito-auth-machine/services`: the services behind the statechart, for apps that run
 * `authMachine` themselves:
 *
 *   createActor(authMachine.provide({ actors: createAuthActors({ identity, vault }) }), { input })
 */
export { actorsFrom, createAuthActors, createAuthServices, DEFAULT_DEADLINE_MS, userPoolLoginKey } from './authActors.js';
export type { AuthActorDeps, AuthActors, AuthServices, ServiceArgs, UserPoolService } from './authActors.js';
export { createCognitoIdentityService } from './cognitoIdentity.js';
export type { CognitoIdentityService, IdentityPoolConfig, IssuedCredentials, Login } from './cognitoIdentity.js';
export type { EndpointVariant } from './http/endpoints.js';
export { createSdkCognitoIdentityService } from './sdkCognitoIdentity.js';
export type { CognitoIdentityClientLike } from './sdkCognitoIdentity.js';
export { SessionVault } from './SessionVault.js';
export { isAuthenticationFailure, toAuthError } from './serviceErrors.js';
export * as userPoolCalls from './userPool.js';
export type { SignInStepResult, UserPoolConfig } from './userPool.js';
export { createSessionStore } from '../storage/createSessionStore.js';
export type { SessionStoreOptions } from '../storage/createSessionStore.js';
export type { SessionBinding } from '../vocabulary/SessionRecord.js';
export type { MfaChallengeName, PendingChallenge, RestoreOutput, SignInStepOutcome } from '../vocabulary/statechartContract.js';
