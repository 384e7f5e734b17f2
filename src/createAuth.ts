import { createActor, fromPromise, type Actor, type InspectionEvent, type Observer } from 'xstate';
import { AuthError } from './vocabulary/AuthError.js';
import type { AuthProvider } from './vocabulary/AuthProvider.js';
import { createHub, type AuthHub } from './hub.js';
import { authMachine, type AuthMachine } from './machines/auth.machine.js';
import type { AuthEvent, RequestSettledEvent } from './vocabulary/statechartContract.js';
import type { AuthApi, AuthCore } from './authApi.js';
import type { AuthActors, AuthServices, ServiceArgs } from './services/authActors.js';
import type { SessionVault } from './services/SessionVault.js';
import type { ServiceSeams } from './services/wireServices.js';
import type { AuthConfig } from './vocabulary/AuthConfig.js';
import type { SecureStorage } from './vocabulary/SecureStorage.js';
import { validateAccessGroup, validateName } from './vocabulary/validateName.js';
import {
  assertEndpoint,
  assertIdentityPoolId,
  assertInspectionObserver,
  assertOptionalFunction,
  assertPlainOptions,
  assertRegion,
  assertUserPoolConfig,
  assertValid,
} from './vocabulary/validateConfig.js';

export type { AuthConfig } from './vocabulary/AuthConfig.js';
export type { AuthSession, AwsCredentials, FederateOptions, FederationResult, SignInOutput } from './vocabulary/AuthSession.js';

/** An auth instance: the running statechart and the Promise API on it. */
export interface Auth extends AuthApi {
  /** Resolves once the stored session is restored and access-group migration is done. Never rejects. */
  readonly ready: Promise<void>;
  /** The running XState actor. */
  readonly actor: Actor<AuthMachine>;
  /** Auth events in Amplify's shape: `auth.hub.listen('auth', ({ payload }) => …)`. */
  readonly hub: AuthHub;
  /** Stops the actor; calls still waiting reject with `CancelledError`. */
  stop(): void;
}

/**
 * Reads the config once, into plain objects, and checks it: a getter runs once (a value cannot
 * change between the check and its use), and one that throws is a `ValidationError`.
 */
function validConfig(config: AuthConfig): AuthConfig {
  assertValid(
    typeof config === 'object' && config !== null && !Array.isArray(config),
    'createAuth needs a config object with region and identityPoolId.',
  );
  const copy = <T>(o: T): T => (typeof o === 'object' && o !== null && !Array.isArray(o) ? { ...o } : o);
  let read: AuthConfig;
  try {
    read = {
      ...config,
      userPool: copy(config.userPool),
      endpoints: copy(config.endpoints),
      federation: copy(config.federation),
      secureStoragePreferences: copy(config.secureStoragePreferences),
    };
  } catch (cause) {
    throw new AuthError('ValidationError', { message: 'createAuth could not read its config: a getter threw.', cause });
  }
  validateConfig(read);
  return read;
}

function validateConfig(config: AuthConfig): void {
  assertRegion(config.region);
  assertIdentityPoolId(config.identityPoolId, config.region);
  assertUserPoolConfig(config.userPool);
  assertPlainOptions(config.endpoints, 'endpoints');
  assertEndpoint(config.endpoints?.identityPool, 'endpoints.identityPool');
  assertEndpoint(config.endpoints?.userPool, 'endpoints.userPool');
  const storage = config.storage as Partial<SecureStorage> | undefined;
  assertValid(
    storage === undefined ||
      (typeof storage === 'object' &&
        storage !== null &&
        typeof storage.getItem === 'function' &&
        typeof storage.setItem === 'function' &&
        typeof storage.removeItem === 'function'),
    'storage must implement SecureStorage: getItem, setItem and removeItem.',
  );
  assertValid(
    config.allowGuestAccess === undefined || typeof config.allowGuestAccess === 'boolean',
    'allowGuestAccess must be true or false.',
  );
  assertPlainOptions(config.federation, 'federation');
  assertOptionalFunction(config.federation?.refreshProviderToken, 'federation.refreshProviderToken');
  assertOptionalFunction(config.clock, 'clock');
  if (config.inspect !== undefined) assertInspectionObserver(config.inspect, 'inspect');
  assertPlainOptions(config.secureStoragePreferences, 'secureStoragePreferences');
  validateName(config.appId ?? 'default', 'appId');
  validateAccessGroup(config.secureStoragePreferences?.accessGroup);
}

/** An inspection observer whose faults stay with it: XState would otherwise fail the actor. */
function shielded(observer: NonNullable<AuthConfig['inspect']>): (event: InspectionEvent) => void {
  const next = typeof observer === 'function' ? observer : observer.next?.bind(observer);
  return (event) => {
    try {
      next?.(event);
    } catch {
      // Ignored on purpose, as for hub listeners.
    }
  };
}

/** Each running auth actor's services, found through the actor system its invoked actors share. */
const servicesBySystem = new WeakMap<object, Promise<AuthServices>>();

/**
 * The machine's actors, each loading the services module on first use: the services, the
 * storage layer and the Cognito clients stay out of a browser app's first chunk. Provided once
 * for every instance (a provided machine is a sizeable copy); each run finds its own services.
 */
function lazyActors(): AuthActors {
  const names = Object.keys(authMachine.implementations.actors) as (keyof AuthServices)[];
  return Object.fromEntries(
    names.map((name) => [
      name,
      fromPromise<unknown, unknown>(async ({ input, signal, system }) => {
        const services = servicesBySystem.get(system);
        if (!services) throw new AuthError('InvalidStateError', { message: 'This actor was not started by createAuth.' });
        const run = (await services)[name] as (args: ServiceArgs<unknown>) => Promise<unknown>;
        return run({ input, signal });
      }),
    ]),
  ) as AuthActors;
}

let machineWithLazyActors: AuthMachine | undefined;

/**
 * Creates an auth instance: the statechart, running, with its services bound to this config.
 *
 * @throws {AuthError} `ValidationError` for a malformed config; nothing is started then.
 */
export function createAuth(config: AuthConfig): Auth {
  return createAuthWith(config, {});
}

const API_CALLS: readonly (keyof AuthApi)[] = [
  'credentialsProvider',
  'federateToIdentityPool',
  'clearFederationToIdentityPool',
  'fetchAuthSession',
  'getCurrentUser',
  'signIn',
  'confirmSignIn',
  'signOut',
];

/** Seams for tests: replacement Cognito services and a shorter deadline. Not part of the public API. */
export type AuthInternals = ServiceSeams;

/** {@link createAuth} with its collaborators passed in; tests use it with a scripted service. */
export function createAuthWith(given: AuthConfig, internals: AuthInternals): Auth {
  const config = validConfig(given);
  const clock = config.clock ?? Date.now;
  // Filled in when the services module has loaded, which `ready` waits for.
  let vault: SessionVault | null = null;
  const loaded = import('./authApi.js');
  const services = loaded.then(({ wireServices }) => {
    const wired = wireServices(config, internals);
    vault = wired.vault;
    return wired.services;
  });
  machineWithLazyActors ??= authMachine.provide({ actors: lazyActors() });
  const actor = createActor(machineWithLazyActors, {
    input: {
      allowGuestAccess: config.allowGuestAccess ?? false,
      sharedSession: config.secureStoragePreferences?.accessGroup?.name !== undefined,
    },
    ...(config.inspect ? { inspect: shielded(config.inspect) } : {}),
  });

  servicesBySystem.set(actor.system, services);

  // Every request waits here for the machine's `request.settled`; stopping rejects them all.
  const waiting = new Map<number, { resolve: () => void; reject: (error: AuthError) => void }>();
  let nextRequestId = 1;
  let stopped = false;
  actor.on('request.settled', (event: RequestSettledEvent) => {
    const waiter = waiting.get(event.requestId);
    if (!waiter) return;
    waiting.delete(event.requestId);
    if (event.error) waiter.reject(event.error);
    else waiter.resolve();
  });

  const cancelAll = () => {
    stopped = true;
    const error = new AuthError('CancelledError', { message: 'The auth instance was stopped before the call finished.' });
    for (const waiter of waiting.values()) waiter.reject(error);
    waiting.clear();
  };

  let markReady!: () => void;
  let isReady = false;
  const ready = new Promise<void>((resolve) => {
    markReady = () => {
      isReady = true;
      resolve();
    };
  });
  const readySubscription = actor.subscribe({
    next: (snapshot) => {
      if (!snapshot.matches('configuring')) markReady();
    },
    complete: () => {
      markReady();
      cancelAll();
    },
    error: () => {
      markReady();
      cancelAll();
    },
  });

  actor.start();

  /**
   * Sends one request event and waits until the machine settles it. Answers are read in the
   * same tick the settlement arrives, so they come from the state the request produced.
   */
  function request<T>(build: (requestId: number) => AuthEvent, answer: () => T): Promise<T> {
    if (stopped) {
      return Promise.reject(new AuthError('CancelledError', { message: 'The auth instance is stopped.' }));
    }
    const requestId = nextRequestId++;
    return new Promise<T>((resolve, reject) => {
      waiting.set(requestId, {
        resolve: () => {
          try {
            resolve(answer());
          } catch (error) {
            reject(error);
          }
        },
        reject,
      });
      actor.send(build(requestId));
    });
  }

  function assertRunning(): void {
    if (stopped) throw new AuthError('CancelledError', { message: 'The auth instance is stopped.' });
  }

  const core: AuthCore = {
    config,
    clock,
    actor,
    ready,
    isReady: () => isReady,
    vault: () => vault,
    request,
    assertRunning,
  };
  // The API's bodies load with the services: the first chunk holds the shell and the machine.
  // Until they are loaded a call waits for them; after, it goes straight to its body.
  let methods: AuthApi | undefined;
  const api = loaded.then(({ createAuthApi }) => (methods = createAuthApi(core)));
  const later =
    (name: keyof AuthApi) =>
    (...args: unknown[]) =>
      methods
        ? (methods[name] as (...a: unknown[]) => Promise<unknown>)(...args)
        : api.then((loadedMethods) => (loadedMethods[name] as (...a: unknown[]) => Promise<unknown>)(...args));

  return {
    ready,
    actor,
    hub: createHub(actor),
    ...(Object.fromEntries(API_CALLS.map((name) => [name, later(name)])) as unknown as AuthApi),
    stop() {
      if (stopped) return;
      actor.stop();
      readySubscription.unsubscribe();
      markReady();
      cancelAll();
    },
  };
}
