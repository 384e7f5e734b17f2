import { createActor, fromPromise, type Actor, type ActorOptions, type InspectionEvent, type SnapshotFrom } from 'xstate';
import { AuthError } from './vocabulary/AuthError.js';
import { createHub, type AuthHub } from './hub.js';
import { authMachine, type AuthMachine } from './machines/auth.machine.js';
import type { AuthEvent, RequestSettledEvent } from './vocabulary/statechartContract.js';
import type { AuthApi, AuthCore } from './authApi.js';
import type { AuthActors, AuthServices, ServiceRunner } from './services/authActors.js';
import type { SessionVault } from './services/SessionVault.js';
import type { ServiceSeams } from './services/wireServices.js';
import type { AuthConfig } from './vocabulary/AuthConfig.js';
import type { SecureStorage } from './vocabulary/SecureStorage.js';
import { validateAccessGroup, validateName } from './vocabulary/validateName.js';
import {
  assertDurations,
  assertEndpoint,
  assertIdentityPoolId,
  assertInspectionObserver,
  assertOptionalBoolean,
  assertOptionalFunction,
  assertPlainOptions,
  assertRegion,
  assertUserPoolConfig,
  assertValid,
} from './vocabulary/validateConfig.js';

export type { AuthConfig } from './vocabulary/AuthConfig.js';
export type { AuthSession, AwsCredentials, CognitoIdentityCredentials, FederateOptions, FederationResult, SignInOutput } from './vocabulary/AuthSession.js';

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
  assertOptionalBoolean(config.allowGuestAccess, 'allowGuestAccess');
  assertOptionalBoolean(config.renewInBackground, 'renewInBackground');
  assertPlainOptions(config.federation, 'federation');
  assertOptionalFunction(config.federation?.refreshProviderToken, 'federation.refreshProviderToken');
  assertOptionalFunction(config.clock, 'clock');
  assertDurations(config);
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
const servicesBySystem = new WeakMap<object, Promise<ServiceRunner>>();

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
        return (await services).run(name, { input, signal });
      }),
    ]),
  ) as AuthActors;
}

let machineWithLazyActors: AuthMachine | undefined;

/**
 * The API bodies and the services, loaded once for every instance: a second `import()` of a
 * loaded module still goes through the module loader (and its hooks), on every `createAuth`.
 */
let apiModule: Promise<typeof import('./authApi.js')> | undefined;

function loadApiModule(): Promise<typeof import('./authApi.js')> {
  apiModule ??= import('./authApi.js').catch((error: unknown) => {
    // A chunk that failed to load (a network error in a browser) is tried again by the next instance.
    apiModule = undefined;
    throw error;
  });
  return apiModule;
}

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

/**
 * Seams for tests: replacement Cognito services and a deadline (which may be shorter than the
 * config's bounds allow, and wins over `deadlineMs`). Not part of the public API.
 */
export type AuthInternals = ServiceSeams;

type Waiter = { resolve: () => void; reject: (error: AuthError) => void };

/**
 * What one instance keeps beside its actor: start-up, the requests waiting for the machine, and
 * the stop. It is also the core the API bodies work on, and it observes its actor. Every
 * instance holds one, so its duties are methods on the prototype rather than closures made
 * per instance.
 */
class AuthShell implements AuthCore {
  readonly ready: Promise<void>;
  /** Filled in when the services module has loaded, which `ready` waits for. */
  currentVault: SessionVault | null = null;
  /** The API bodies, once loaded. */
  methods: AuthApi | undefined;
  #resolveReady!: () => void;
  #isReady = false;
  #stopped = false;
  #nextRequestId = 1;
  /** Every request waits here for the machine's `request.settled`; stopping rejects them all. */
  readonly #waiting = new Map<number, Waiter>();

  constructor(
    readonly config: AuthConfig,
    readonly clock: () => number,
    readonly actor: Actor<AuthMachine>,
  ) {
    this.ready = new Promise<void>((resolve) => (this.#resolveReady = resolve));
  }

  isReady(): boolean {
    return this.#isReady;
  }

  vault(): SessionVault | null {
    return this.currentVault;
  }

  markReady(): void {
    this.#isReady = true;
    this.#resolveReady();
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /**
   * Sends one request event and waits until the machine settles it. Answers are read in the
   * same tick the settlement arrives, so they come from the state the request produced.
   */
  request<T>(build: (requestId: number) => AuthEvent, answer: () => T): Promise<T> {
    if (this.#stopped) {
      return Promise.reject(new AuthError('CancelledError', { message: 'The auth instance is stopped.' }));
    }
    const requestId = this.#nextRequestId++;
    return new Promise<T>((resolve, reject) => {
      this.#waiting.set(requestId, {
        resolve: () => {
          try {
            resolve(answer());
          } catch (error) {
            reject(error);
          }
        },
        reject,
      });
      this.actor.send(build(requestId));
    });
  }

  assertRunning(): void {
    if (this.#stopped) throw new AuthError('CancelledError', { message: 'The auth instance is stopped.' });
  }

  /** The machine's `request.settled`: the waiting call resolves or rejects. */
  settle(event: RequestSettledEvent): void {
    const waiter = this.#waiting.get(event.requestId);
    if (!waiter) return;
    this.#waiting.delete(event.requestId);
    if (event.error) waiter.reject(event.error);
    else waiter.resolve();
  }

  cancelAll(): void {
    this.#stopped = true;
    // An error captures a stack, which costs more than the rest of a stop: made only when needed.
    if (this.#waiting.size === 0) return;
    const error = new AuthError('CancelledError', { message: 'The auth instance was stopped before the call finished.' });
    for (const waiter of this.#waiting.values()) waiter.reject(error);
    this.#waiting.clear();
  }

  // The shell observes its actor: start-up ends when the machine leaves `configuring`; an actor
  // that stops or fails ends start-up and every waiting call.
  next(snapshot: SnapshotFrom<AuthMachine>): void {
    if (!this.#isReady && !snapshot.matches('configuring')) this.markReady();
  }

  complete(): void {
    this.markReady();
    this.cancelAll();
  }

  error(): void {
    this.markReady();
    this.cancelAll();
  }
}

/**
 * One call of the Promise API as the instance hands it out (callable on its own, as an SDK client
 * calls `credentialsProvider`): until the bodies are loaded it waits for them; after, it goes
 * straight to its body.
 */
function callOnceLoaded(shell: AuthShell, api: Promise<AuthApi>, name: keyof AuthApi) {
  return (...args: unknown[]): Promise<unknown> =>
    shell.methods
      ? (shell.methods[name] as (...a: unknown[]) => Promise<unknown>)(...args)
      : api.then((loadedMethods) => (loadedMethods[name] as (...a: unknown[]) => Promise<unknown>)(...args));
}

/**
 * XState's timer clock with the app's `now` beside it, which the machine's expiry timers reckon
 * from. In Node the timers are unref'd: an instance nobody stopped does not keep a script's
 * process alive until its credentials' renewal window.
 */
function actorClock(now: () => number): ActorOptions<AuthMachine>['clock'] {
  return {
    setTimeout: (f: () => void, ms: number) => {
      const id = setTimeout(f, ms);
      (id as { unref?: () => void }).unref?.();
      return id;
    },
    clearTimeout: (id: never) => clearTimeout(id),
    now,
  } as never;
}

/** {@link createAuth} with its collaborators passed in; tests use it with a scripted service. */
export function createAuthWith(given: AuthConfig, internals: AuthInternals): Auth {
  const config = validConfig(given);
  machineWithLazyActors ??= authMachine.provide({ actors: lazyActors() });
  const actor = createActor(machineWithLazyActors, {
    input: {
      allowGuestAccess: config.allowGuestAccess ?? false,
      sharedSession: config.secureStoragePreferences?.accessGroup?.name !== undefined,
      renewBeforeExpiryMs: config.renewBeforeExpiryMs,
      renewInBackground: config.renewInBackground,
    },
    ...(config.inspect ? { inspect: shielded(config.inspect) } : {}),
    // The expiry timers reckon from the app's clock (the machine reads `now`; the timers stay real).
    clock: actorClock(config.clock ?? Date.now),
  });
  const shell = new AuthShell(config, config.clock ?? Date.now, actor);

  const loaded = loadApiModule();
  servicesBySystem.set(
    actor.system,
    loaded.then(({ wireServices }) => {
      const wired = wireServices(config, internals);
      shell.currentVault = wired.vault;
      return wired.services;
    }),
  );
  // The API's bodies load with the services: the first chunk holds the shell and the machine.
  const api = loaded.then(({ createAuthApi }) => (shell.methods = createAuthApi(shell)));

  actor.on('request.settled', (event: RequestSettledEvent) => shell.settle(event));
  const readySubscription = actor.subscribe(shell);
  actor.start();

  return {
    ready: shell.ready,
    actor,
    hub: createHub(actor),
    ...(Object.fromEntries(API_CALLS.map((name) => [name, callOnceLoaded(shell, api, name)])) as unknown as AuthApi),
    stop() {
      if (shell.stopped) return;
      actor.stop();
      readySubscription.unsubscribe();
      shell.markReady();
      shell.cancelAll();
    },
  };
}
