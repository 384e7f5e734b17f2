import type { AuthConfig } from '../vocabulary/AuthConfig.js';
import { Secret } from '../vocabulary/Secret.js';
import { InstanceMemoryStorage } from '../storage/InstanceMemoryStorage.js';
import { createSessionStore } from '../storage/createSessionStore.js';
import { ServiceRunner } from './authActors.js';
import { createCognitoIdentityService } from './cognitoIdentity.js';
import { SessionVault } from './SessionVault.js';
import type { CognitoIdentityService } from './cognitoIdentity.js';
import type { UserPoolService } from './authActors.js';
import type { UserPoolConfig } from './userPool.js';

/** Replacements for tests: scripted Cognito services and a shorter deadline. Not public API. */
export interface ServiceSeams {
  identity?: CognitoIdentityService;
  userPoolService?: UserPoolService;
  deadlineMs?: number;
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/** The user pool's own region is the prefix of its id (`eu-west-1_AbC`); emulators may use others. */
function userPoolConfigOf(config: AuthConfig): UserPoolConfig | undefined {
  if (!config.userPool) return undefined;
  const prefix = config.userPool.userPoolId.split('_')[0] ?? '';
  return {
    region: REGION.test(prefix) ? prefix : config.region,
    userPoolId: config.userPool.userPoolId,
    userPoolClientId: config.userPool.userPoolClientId,
    ...(config.userPool.userPoolClientSecret ? { clientSecret: new Secret(config.userPool.userPoolClientSecret) } : {}),
    ...(config.endpoints?.userPool ? { endpoint: config.endpoints.userPool } : {}),
  };
}

/**
 * Builds what runs behind the statechart for one `createAuth`: the session store and vault, the
 * Cognito services and the machine's services. `createAuth` loads this module lazily, so none of
 * it is in a browser app's first chunk. The config was validated before.
 */
export function wireServices(config: AuthConfig, internals: ServiceSeams): { vault: SessionVault; services: ServiceRunner } {
  // The test seam may set a deadline shorter than the config's bounds allow.
  const deadlineMs = internals.deadlineMs ?? config.deadlineMs;
  const store = createSessionStore({
    storage: config.storage ?? new InstanceMemoryStorage(),
    appId: config.appId ?? 'default',
    binding: {
      region: config.region,
      identityPoolId: config.identityPoolId,
      ...(config.userPool ? { userPoolId: config.userPool.userPoolId, userPoolClientId: config.userPool.userPoolClientId } : {}),
    },
    ...(deadlineMs ? { timeoutMs: deadlineMs } : {}),
    ...(config.secureStoragePreferences?.accessGroup ? { accessGroup: config.secureStoragePreferences.accessGroup } : {}),
  });
  const vault = new SessionVault(store);
  const identity =
    internals.identity ??
    createCognitoIdentityService({
      region: config.region,
      identityPoolId: config.identityPoolId,
      ...(config.endpoints?.identityPool ? { endpoint: config.endpoints.identityPool } : {}),
    });
  const userPool = userPoolConfigOf(config);
  const services = new ServiceRunner({
    identity,
    vault,
    clock: config.clock ?? Date.now,
    ...(userPool ? { userPool } : {}),
    ...(config.federation?.refreshProviderToken ? { refreshProviderToken: config.federation.refreshProviderToken } : {}),
    ...(internals.userPoolService ? { userPoolService: internals.userPoolService } : {}),
    ...(deadlineMs ? { deadlineMs } : {}),
  });
  return { vault, services };
}
