/**
 * The system under test as the command model drives it: up to two apps (two appIds, one instance
 * each at a time) over one armed storage (restarts make a new instance over the same storage),
 * with everything they let an app observe recorded: hub events, call outcomes, state, stored records. Every error is checked
 * for shape (an AuthError with a known name and a recovery suggestion) and for secrets.
 */
import { inspect } from 'node:util';
import { waitFor } from 'xstate';
import { AuthError, type AuthErrorName } from '../../src/vocabulary/AuthError.js';
import type { Auth } from '../../src/createAuth.js';
import { AccessGroup } from '../../src/vocabulary/AccessGroup.js';
import type { AuthProvider } from '../../src/vocabulary/AuthProvider.js';
import type { AuthConfig } from '../../src/createAuth.js';
import {
  APP_ID,
  createArmedStorage,
  PEER_APP_ID,
  placeOf,
  sessionKey,
  type ArmedStorage,
  type GroupName,
  type Place,
  type PrivatePlace,
} from './armedStorage.js';
import { decodeStored, generationOf, type StoredM } from './session.js';
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
  // The same session, its credentials within the renewal window or past their expiry.
  'federated.expiring': 'federated',
  'federated.expired': 'federated',
  sessionExpired: 'sessionExpired',
  'signingIn.awaitingNewPassword': 'challenge',
  'signedIn.active': 'signedIn',
  // The same user-pool session, its tokens or credentials within the renewal window or past expiry.
  'signedIn.expiring': 'signedIn',
  'signedIn.expired': 'signedIn',
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
    else if (stored.kind === 'userPool') {
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

/** The two apps of a run: `main` (every command) and `peer` (another appId over the same storage). */
export type AppName = 'main' | 'peer';

/** What `federation.refreshProviderToken` does: a fresh token, a throw, no token, or no answer. */
export type HookMode = 'fresh' | 'throws' | 'nothing' | 'hang';

/** The configuration an instance starts with, beyond storage and group. */
export interface InstanceOptions {
  allowGuestAccess?: boolean;
  hook?: HookMode | null;
}

interface Slot {
  auth: Auth;
  hub: HubRecord[];
  unlisten: (() => void) | undefined;
  place: Place;
  hook: HookMode | null;
}

export class Sut {
  readonly storage: ArmedStorage;
  /** The app the next call goes to; `auth`, `hub`, `path()` and `quiesce()` are its. */
  acting: AppName = 'main';
  readonly slots: Partial<Record<AppName, Slot>> = {};
  instances = 0;
  /** Problems found inside hub listeners, whose throws the hub swallows; raised by `raise()`. */
  readonly problems: string[] = [];
  /** Tokens the refreshProviderToken hooks handed out, with the place of the app that asked. */
  readonly hookTokens: Array<{ token: string; place: Place; from: string }> = [];
  /** Calls of the hooks so far. */
  hookCalls = 0;

  constructor(
    readonly env: RunEnv,
    readonly ledger: SecretLedger,
    storage?: ArmedStorage,
  ) {
    this.storage = storage ?? createArmedStorage();
  }

  private get slot(): Slot {
    const slot = this.slots[this.acting];
    if (!slot) throw new Error(`the ${this.acting} app is not running`);
    return slot;
  }

  get auth(): Auth {
    return this.slot.auth;
  }

  /** Hub events of the acting app's current instance, in order. */
  get hub(): HubRecord[] {
    return this.slot.hub;
  }

  live(app: AppName): boolean {
    return this.slots[app] !== undefined;
  }

  /** Runs `work` with `app` acting, then gives the turn back. */
  async as<T>(app: AppName, work: () => Promise<T>): Promise<T> {
    const before = this.acting;
    this.acting = app;
    try {
      return await work();
    } finally {
      this.acting = before;
    }
  }

  /** A new instance of the acting app over the same storage, as an app restart would make. */
  start(group: GroupName | null, migrate: boolean, options: InstanceOptions = {}): Auth {
    const app = this.acting;
    const accessGroup = group
      ? new AccessGroup({ name: group, migrateKeychainItemsOfUserSession: migrate })
      : migrate
        ? AccessGroup.none({ migrateKeychainItemsOfUserSession: true })
        : undefined;
    const own: PrivatePlace = app === 'main' ? 'app' : 'peer';
    const place = placeOf(group, own);
    const hook = options.hook ?? null;
    const extra: Partial<AuthConfig> = {
      ...(options.allowGuestAccess ? { allowGuestAccess: true } : {}),
      ...(hook ? { federation: { refreshProviderToken: this.hookFor(hook, place) } } : {}),
    };
    const auth = this.env.newAuth({
      storage: this.storage,
      appId: app === 'main' ? APP_ID : PEER_APP_ID,
      ...(accessGroup ? { accessGroup } : {}),
      extra,
    });
    this.instances += 1;
    const hub: HubRecord[] = [];
    // A re-read of the shared session that found another kind of session is a change the app
    // learns without a hub event (another app made it): the same event may follow it again.
    let syncChanged = false;
    let kindBeforeSync: string | undefined;
    const watch = auth.actor.subscribe((snapshot) => {
      // Which session, not only which kind: a re-read may bring another app's session of the same kind.
      const session = snapshot.context.session;
      const kind = session ? `${session.kind}/${session.generation ?? ''}` : 'none';
      if (snapshot.value === 'syncing') kindBeforeSync ??= kind;
      else if (kindBeforeSync !== undefined) {
        if (kind !== kindBeforeSync) syncChanged = true;
        kindBeforeSync = undefined;
      }
    });
    const unlistenHub = auth.hub.listen('auth', (capsule) => {
      const event = capsule.payload.event;
      const last = hub.length > 0 ? hub[hub.length - 1]!.event : undefined;
      hub.push({ event, ...(capsule.payload.data ? { data: capsule.payload.data } : {}) });
      const afterSync = syncChanged;
      if (STATE_EVENTS.has(event)) syncChanged = false;
      try {
        if (STATE_EVENTS.has(event) && last === event && !afterSync) {
          violation(`${app}: hub event ${event} twice in a row (${hub.map((h) => h.event).join(', ')})`);
        }
        const error = (capsule.payload.data as { error?: unknown } | undefined)?.error;
        if (error) {
          checkAuthError(`${app} hub ${event} error`, error);
          this.ledger.checkError(`${app} hub ${event} error`, error);
        }
      } catch (problem) {
        this.problems.push((problem as Error).message);
      }
    });
    const unlisten = () => {
      unlistenHub();
      watch.unsubscribe();
    };
    this.slots[app] = { auth, hub, unlisten, place, hook };
    return auth;
  }

  /** The app's hook: a fresh token for the stored session's login (same user), or a failure. */
  private hookFor(mode: HookMode, place: Place): (provider: AuthProvider) => Promise<string> {
    return async (provider) => {
      this.hookCalls += 1;
      switch (mode) {
        case 'throws':
          throw new Error('The provider could not refresh the token (test hook).');
        case 'nothing':
          return undefined as unknown as string;
        case 'hang':
          return new Promise<string>(() => {});
        case 'fresh': {
          const stored = this.stored(place);
          const info = stored?.kind === 'federated' ? this.env.tokenInfo(stored.token) : undefined;
          const name = (Object.keys(this.env.loginKeys) as Array<keyof RunEnv['loginKeys']>).find(
            (key) => key !== 'userPool' && this.env.loginKeys[key] === provider.loginKey,
          );
          if (!info || !name || name === 'userPool') throw new Error('The test hook has no session to refresh.');
          const token = await this.env.mint(name, info.sub, 'valid');
          this.ledger.add(token);
          this.hookTokens.push({ token, place, from: (stored as { token: string }).token });
          return token;
        }
      }
    };
  }

  /** Raises the first problem a hub listener found. */
  raise(): void {
    if (this.problems.length > 0) violation(this.problems[0]!);
  }

  /** Stops the acting app. */
  stop(): void {
    const slot = this.slots[this.acting];
    if (!slot) return;
    slot.unlisten?.();
    slot.unlisten = undefined;
    slot.auth.stop();
  }

  /** Stops the acting app for good (the peer leaves the run). */
  remove(): void {
    this.stop();
    delete this.slots[this.acting];
  }

  stopAll(): void {
    for (const app of ['main', 'peer'] as const) {
      const slot = this.slots[app];
      slot?.unlisten?.();
      slot?.auth.stop();
    }
  }

  /** The state as a dotted path. */
  path(app: AppName = this.acting): string {
    return statePath(this.slots[app]!.auth.actor.getSnapshot().value);
  }

  stored(place: Place): StoredM {
    const stored = decodeStored(this.storage.items.get(sessionKey(place)));
    this.ledger.addStored(stored);
    return stored;
  }

  /** The generation of the record stored at `place`. */
  storedGeneration(place: Place): string | null {
    return generationOf(this.storage.items.get(sessionKey(place)));
  }

  /** The generation of the session the app holds in memory (null: none). */
  viewGeneration(app: AppName = this.acting): string | null {
    return this.slots[app]!.auth.actor.getSnapshot().context.session?.generation ?? null;
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

  /** Waits until no service of the acting app (or of `app`) is running. */
  async quiesce(label: string, app: AppName = this.acting): Promise<void> {
    const bound = this.env.world.settleBoundMs;
    const auth = this.slots[app]!.auth;
    try {
      await waitFor(auth.actor, (s) => !s.hasTag('busy') || s.status !== 'active', { timeout: bound });
    } catch {
      violation(`${label}: the ${app} app stayed busy in ${this.path(app)} for ${bound} ms`);
    }
  }
}
