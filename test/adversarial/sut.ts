/**
 * The system under test as the command model drives it: one auth instance at a time over one
 * armed storage (restarts make a new instance over the same storage), with everything it lets an
 * app observe recorded: hub events, call outcomes, state, stored records. Every error is checked
 * for shape (an AuthError with a known name and a recovery suggestion) and for secrets.
 */
import { inspect } from 'node:util';
import { waitFor } from 'xstate';
import { AuthError, type AuthErrorName } from '../../src/vocabulary/AuthError.js';
import type { Auth } from '../../src/createAuth.js';
import { AccessGroup } from '../../src/vocabulary/AccessGroup.js';
import { APP_ID, createArmedStorage, sessionKey, type ArmedStorage, type GroupName, type Place } from './armedStorage.js';
import { decodeStored, type StoredM } from './session.js';
import type { RunEnv } from './worlds.js';

export const AUTH_ERROR_NAMES: readonly AuthErrorName[] = [
  'InvalidStateError',
  'ValidationError',
  'NotAuthorizedError',
  'SessionExpiredError',
  'CancelledError',
  'ServiceError',
  'StorageError',
];

export type Phase = 'signedOut' | 'federationFailed' | 'federated' | 'sessionExpired' | 'challenge' | 'signedIn';

/** The machine's state as a dotted path: `federated.active`. */
export function statePath(value: unknown): string {
  if (typeof value === 'string') return value;
  const [key, inner] = Object.entries(value as Record<string, unknown>)[0] ?? [];
  return key === undefined ? '' : `${key}.${statePath(inner)}`;
}

const PHASES: Record<string, Phase> = {
  'signedOut.idle': 'signedOut',
  'signedOut.federationFailed': 'federationFailed',
  'federated.active': 'federated',
  sessionExpired: 'sessionExpired',
  'signingIn.awaitingNewPassword': 'challenge',
  'signedIn.active': 'signedIn',
};

/** The resting phase of a state path, or undefined for a busy state. */
export function phaseOf(path: string): Phase | undefined {
  return PHASES[path];
}

export class InvariantViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvariantViolation';
  }
}

export function violation(message: string): never {
  throw new InvariantViolation(message);
}

export interface Observed<T = unknown> {
  ok: boolean;
  value?: T;
  error?: unknown;
}

export interface HubRecord {
  event: string;
  data?: unknown;
}

/**
 * Events that mean "the state became X": never the same one twice in a row on one instance.
 * (`federationToIdentityPoolCleared` may: a clear that cancels a federation which never
 * succeeded follows an earlier clear with nothing in between.)
 */
const STATE_EVENTS = new Set(['signedIn', 'signedOut', 'sessionExpired']);

/** Every secret the run handled, and the check that none reaches anything observable. */
export class SecretLedger {
  readonly secrets = new Set<string>();
  scanned = 0;

  add(value: string | undefined): void {
    if (value && value.length >= 6) this.secrets.add(value);
  }

  /** Records the secrets of a stored record (tokens, keys). */
  addStored(stored: StoredM): void {
    if (!stored || stored.kind === 'foreign') return;
    if (stored.kind === 'federated') this.add(stored.token);
    else {
      this.add(stored.idToken);
      this.add(stored.accessToken);
      this.add(stored.refreshToken);
    }
    if (stored.credentials) {
      this.add(stored.credentials.secretAccessKey);
      this.add(stored.credentials.sessionToken);
    }
  }

  check(label: string, text: string): void {
    this.scanned += 1;
    for (const secret of this.secrets) {
      if (text.includes(secret)) violation(`${label} shows a secret (${secret.length} characters)`);
    }
  }

  /** An error as an app would print it, with every cause. */
  checkError(label: string, error: unknown): void {
    let current: unknown = error;
    const seen = new Set<unknown>();
    for (let depth = 0; current !== undefined && current !== null && !seen.has(current) && depth < 8; depth += 1) {
      seen.add(current);
      if (current instanceof Error) this.check(`${label} cause ${depth} message`, current.message);
      this.check(`${label} cause ${depth} String`, String(current));
      let json: string;
      try {
        json = JSON.stringify(current) ?? '';
      } catch {
        json = '';
      }
      this.check(`${label} cause ${depth} JSON`, json);
      this.check(`${label} cause ${depth} inspect`, inspect(current, { depth: 4, breakLength: Infinity }));
      current = (current as { cause?: unknown }).cause;
    }
  }
}

/** Checks the shape every error of the API must have. */
export function checkAuthError(label: string, error: unknown): AuthError {
  if (!(error instanceof AuthError)) {
    violation(`${label} rejected with something other than an AuthError: ${String((error as Error)?.name ?? error)}`);
  }
  if (!AUTH_ERROR_NAMES.includes(error.name)) violation(`${label} rejected with an unknown name ${error.name}`);
  if (typeof error.recoverySuggestion !== 'string' || error.recoverySuggestion.length === 0) {
    violation(`${label} rejected with ${error.name} without a recovery suggestion`);
  }
  return error;
}

export class Sut {
  readonly storage: ArmedStorage;
  auth!: Auth;
  /** Hub events of the current instance, in order. */
  hub: HubRecord[] = [];
  instances = 0;
  /** Problems found inside hub listeners, whose throws the hub swallows; raised by `raise()`. */
  readonly problems: string[] = [];
  private unlisten: (() => void) | undefined;

  constructor(
    readonly env: RunEnv,
    readonly ledger: SecretLedger,
    storage?: ArmedStorage,
  ) {
    this.storage = storage ?? createArmedStorage();
  }

  /** A new instance over the same storage, as an app restart would make. */
  start(group: GroupName | null, migrate: boolean): Auth {
    const accessGroup = group
      ? new AccessGroup({ name: group, migrateKeychainItemsOfUserSession: migrate })
      : migrate
        ? AccessGroup.none({ migrateKeychainItemsOfUserSession: true })
        : undefined;
    this.auth = this.env.newAuth({ storage: this.storage, appId: APP_ID, ...(accessGroup ? { accessGroup } : {}) });
    this.instances += 1;
    this.hub = [];
    const hub = this.hub;
    this.unlisten = this.auth.hub.listen('auth', (capsule) => {
      const event = capsule.payload.event;
      const last = hub.length > 0 ? hub[hub.length - 1]!.event : undefined;
      hub.push({ event, ...(capsule.payload.data ? { data: capsule.payload.data } : {}) });
      try {
        if (STATE_EVENTS.has(event) && last === event) {
          violation(`hub event ${event} twice in a row (${hub.map((h) => h.event).join(', ')})`);
        }
        const error = (capsule.payload.data as { error?: unknown } | undefined)?.error;
        if (error) {
          checkAuthError(`hub ${event} error`, error);
          this.ledger.checkError(`hub ${event} error`, error);
        }
      } catch (problem) {
        this.problems.push((problem as Error).message);
      }
    });
    return this.auth;
  }

  /** Raises the first problem a hub listener found. */
  raise(): void {
    if (this.problems.length > 0) violation(this.problems[0]!);
  }

  stop(): void {
    this.unlisten?.();
    this.unlisten = undefined;
    this.auth?.stop();
  }

  /** The state as a dotted path. */
  path(): string {
    return statePath(this.auth.actor.getSnapshot().value);
  }

  stored(place: Place): StoredM {
    const stored = decodeStored(this.storage.items.get(sessionKey(place)));
    this.ledger.addStored(stored);
    return stored;
  }

  /** Runs an API call and waits, at most the world's bound, for it to settle. */
  async settle<T>(label: string, call: () => Promise<T>): Promise<Observed<T>> {
    let promise: Promise<T>;
    try {
      promise = call();
    } catch (error) {
      violation(`${label} threw synchronously instead of rejecting: ${String(error)}`);
    }
    return this.settlePromise(label, promise);
  }

  async settlePromise<T>(label: string, promise: Promise<T>): Promise<Observed<T>> {
    const bound = this.env.world.settleBoundMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), bound);
    });
    const outcome = await Promise.race([
      promise.then(
        (value): Observed<T> => ({ ok: true, value }),
        (error: unknown): Observed<T> => ({ ok: false, error }),
      ),
      timeout,
    ]).finally(() => clearTimeout(timer));
    if (outcome === 'timeout') violation(`${label} did not settle within ${bound} ms (state ${this.path()})`);
    if (!outcome.ok) {
      checkAuthError(label, outcome.error);
      this.ledger.checkError(label, outcome.error);
    }
    return outcome;
  }

  /** Waits until no service is running (a background federation after sign-in, say). */
  async quiesce(label: string): Promise<void> {
    const bound = this.env.world.settleBoundMs;
    try {
      await waitFor(this.auth.actor, (s) => !s.hasTag('busy') || s.status !== 'active', { timeout: bound });
    } catch {
      violation(`${label}: the machine stayed busy in ${this.path()} for ${bound} ms`);
    }
  }
}
