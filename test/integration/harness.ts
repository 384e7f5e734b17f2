/**
 * The integration harness: one real Cognito Identity emulator over HTTP, a clock shared by the
 * emulator and every auth instance (so a test can move both to just before expiry), and a
 * record of everything the library lets an app observe (console output, hub payloads, errors
 * with their causes, redacted inspection events, persisted snapshots) together with every
 * secret it handled (minted tokens, secret keys, session tokens), for the secret scan.
 */
import { inspect } from 'node:util';
import { expect, vi } from 'vitest';
import { startEmulator, type CallRecord, type EmulatorHandle, type MintTokenOptions } from '../../emulator/index.js';
import {
  AuthError,
  createAuth,
  createMemoryStorage,
  createRedactingInspector,
  type Auth,
  type AuthConfig,
  type AwsCredentials,
  type SecureStorage,
} from '../../src/index.js';
import { deep, errorRenderings, safeJson } from '../support/renderings.js';

/** Epoch ms shared by the emulator and every auth instance; `offset` moves both. */
export const clock = {
  offset: 0,
  now: (): number => Date.now() + clock.offset,
};

/** A promise that must settle within `ms`, or the test fails naming `label`. */
export function within<T>(promise: Promise<T>, label: string, ms = 5_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A secure storage whose contents a test can read, as a device's keychain would hold them. */
export interface InspectableStorage extends SecureStorage {
  keys(): string[];
  /** The stored session record of the default app scope, parsed, or null. */
  session(): Record<string, unknown> | null;
}

export const SESSION_KEY = 'cognito-auth-machine/app/default/session';

export function createInspectableStorage(): InspectableStorage {
  const inner = createMemoryStorage();
  const keys = new Set<string>();
  const values = new Map<string, string>();
  return {
    async getItem(key) {
      return inner.getItem(key);
    },
    async setItem(key, value) {
      keys.add(key);
      values.set(key, value);
      await inner.setItem(key, value);
    },
    async removeItem(key) {
      keys.delete(key);
      values.delete(key);
      await inner.removeItem(key);
    },
    keys: () => [...keys].sort(),
    session() {
      const text = values.get(SESSION_KEY);
      return text === undefined ? null : (JSON.parse(text) as Record<string, unknown>);
    },
  };
}

/** Where an observation came from. */
export type ObservationKind = 'console' | 'hub' | 'error' | 'inspection' | 'snapshot';

/** One thing an app could see, as text. */
export interface Observation {
  kind: ObservationKind;
  source: string;
  text: string;
}


/**
 * Everything observable, and every secret seen. Flows register what they observe here; the
 * secret scan at the end of the run checks no secret string occurs in any observation.
 */
export class Observatory {
  readonly observations: Observation[] = [];
  readonly secrets = new Set<string>();
  private consoleSpies: Array<{ mockRestore(): void }> = [];

  add(kind: ObservationKind, source: string, text: string): void {
    this.observations.push({ kind, source, text });
  }

  secret(value: string | undefined): void {
    if (value) this.secrets.add(value);
  }

  credentials(c: AwsCredentials | undefined): void {
    if (!c) return;
    this.secret(c.secretAccessKey);
    this.secret(c.sessionToken);
  }

  /** Records an error as an app would print it: message, String, JSON, inspect, and every cause. */
  error(source: string, error: unknown): void {
    for (const [label, text] of errorRenderings(source, error)) this.add('error', label, text);
  }

  /** Captures console output (and keeps it off the test output) until `restoreConsole`. */
  captureConsole(): void {
    for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
      this.consoleSpies.push(
        vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
          this.add('console', `console.${method}`, args.map((a) => (typeof a === 'string' ? a : inspect(a, deep))).join(' '));
        }),
      );
    }
  }

  restoreConsole(): void {
    for (const spy of this.consoleSpies) spy.mockRestore();
    this.consoleSpies = [];
  }

  /** How many observations of each kind were recorded. */
  counts(): Record<ObservationKind, number> {
    const counts: Record<ObservationKind, number> = { console: 0, hub: 0, error: 0, inspection: 0, snapshot: 0 };
    for (const { kind } of this.observations) counts[kind] += 1;
    return counts;
  }

  /** The observations that contain a secret, with the secret's length (never the secret itself). */
  leaks(): Array<{ source: string; secretLength: number }> {
    const found: Array<{ source: string; secretLength: number }> = [];
    for (const { source, text } of this.observations) {
      for (const secret of this.secrets) {
        if (text.includes(secret)) found.push({ source, secretLength: secret.length });
      }
    }
    return found;
  }
}

export const observatory = new Observatory();

/** The emulator all flows share, and the tracked auth instances over it. */
export interface Harness {
  emu: EmulatorHandle;
  /** Mints a login token and remembers it as a secret. */
  mint(loginKey: string, sub: string, options?: MintTokenOptions): Promise<string>;
  /** A running auth instance over the emulator, observed; stopped after the test. */
  auth(extra?: Partial<AuthConfig>): TrackedAuth;
  /** The operations of the call log, oldest first. */
  operations(): string[];
  calls(): CallRecord[];
  /** Stops this test's instances, clears the call log, faults and clock offset. */
  reset(): void;
  close(): Promise<void>;
}

export interface TrackedAuth {
  auth: Auth;
  storage: InspectableStorage;
  /** Hub events in order: `{ event, data }`. */
  hub: Array<{ event: string; data?: unknown }>;
  /** Waits for a call that must fail and returns its error, recorded for the secret scan. */
  failure(call: Promise<unknown>, label: string): Promise<unknown>;
  /** Awaits a call that must succeed; any credentials it returns are remembered as secrets. */
  ok<T>(call: Promise<T>, label: string): Promise<T>;
  /** The machine's state as a dotted path. */
  state(): string;
}

function statePath(value: unknown): string {
  if (typeof value === 'string') return value;
  const [key, inner] = Object.entries(value as Record<string, unknown>)[0] ?? [];
  return key === undefined ? '' : `${key}.${statePath(inner)}`;
}

function credentialsIn(value: unknown): AwsCredentials | undefined {
  return (value as { credentials?: AwsCredentials } | null | undefined)?.credentials;
}

export async function startHarness(): Promise<Harness> {
  const emu = await startEmulator({ port: 0, now: clock.now });
  let live: Auth[] = [];

  const harness: Harness = {
    emu,
    async mint(loginKey, sub, options) {
      const token = await emu.mintToken(loginKey, sub, options);
      observatory.secret(token);
      return token;
    },
    auth(extra = {}) {
      const storage = (extra.storage as InspectableStorage | undefined) ?? createInspectableStorage();
      const hub: TrackedAuth['hub'] = [];
      let auth: Auth | undefined;
      const persisted = (when: string) => {
        if (auth) observatory.add('snapshot', `persisted snapshot (${when})`, safeJson(auth.actor.getPersistedSnapshot()));
      };
      auth = createAuth({
        region: emu.region,
        identityPoolId: emu.identityPoolId,
        endpoints: { identityPool: emu.endpoint },
        storage,
        clock: clock.now,
        inspect: createRedactingInspector((event) => {
          observatory.add('inspection', `inspection ${event.type} JSON`, safeJson(event));
          observatory.add('inspection', `inspection ${event.type} inspect`, inspect(event, deep));
        }),
        ...extra,
      });
      const tracked = auth;
      tracked.hub.listen('auth', (capsule) => {
        hub.push({ event: capsule.payload.event, ...(capsule.payload.data ? { data: capsule.payload.data } : {}) });
        observatory.add('hub', `hub ${capsule.payload.event} JSON`, safeJson(capsule));
        observatory.add('hub', `hub ${capsule.payload.event} inspect`, inspect(capsule, deep));
        const error = (capsule.payload.data as { error?: unknown } | undefined)?.error;
        if (error) observatory.error(`hub ${capsule.payload.event} error`, error);
      });
      tracked.actor.subscribe({ next: () => persisted('on change'), error: () => undefined });
      live.push(tracked);
      return {
        auth: tracked,
        storage,
        hub,
        state: () => statePath(tracked.actor.getSnapshot().value),
        async failure(call, label) {
          const outcome = await within(
            call.then(
              (value) => ({ ok: true as const, value }),
              (error: unknown) => ({ ok: false as const, error }),
            ),
            label,
          );
          persisted(label);
          if (outcome.ok) throw new Error(`${label} was expected to fail, but it succeeded`);
          observatory.error(label, outcome.error);
          return outcome.error;
        },
        async ok(call, label) {
          const value = await within(call, label);
          observatory.credentials(credentialsIn(value));
          if (value && typeof value === 'object' && 'secretAccessKey' in value) {
            observatory.credentials(value as unknown as AwsCredentials);
          }
          persisted(label);
          return value;
        },
      };
    },
    operations: () => emu.calls().map((c) => c.operation),
    calls: () => emu.calls(),
    reset() {
      for (const auth of live) auth.stop();
      live = [];
      emu.clearCalls();
      emu.clearFaults();
      clock.offset = 0;
    },
    async close() {
      for (const auth of live) auth.stop();
      live = [];
      await emu.close();
    },
  };
  return harness;
}

/** An identity id as Cognito writes it: `region:uuid`. */
export const IDENTITY_ID = /^us-east-1:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Asserts an AuthError of the given name that carries a recovery suggestion. */
export function expectAuthError(error: unknown, name: string): void {
  expect(error).toBeInstanceOf(AuthError);
  expect(error).toMatchObject({ name });
  expect(typeof (error as { recoverySuggestion?: unknown }).recoverySuggestion).toBe('string');
  expect((error as { recoverySuggestion: string }).recoverySuggestion.length).toBeGreaterThan(0);
}
