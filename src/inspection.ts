import type { InspectionEvent, Observer } from 'xstate';
import { Secret, SECRET_MASK } from './vocabulary/Secret.js';
import { assertInspectionObserver } from './vocabulary/validateConfig.js';

/** Keys whose string values are secrets wherever they appear (ours and the AWS wire names). */
const SECRET_KEYS = new Set(
  [
    'token',
    'password',
    'newPassword',
    'challengeResponse',
    'secretAccessKey',
    'sessionToken',
    'idToken',
    'accessToken',
    'refreshToken',
    'SecretKey',
    'SessionToken',
    'IdToken',
    'AccessToken',
    'RefreshToken',
    'Token',
    'Password',
    'Session',
    'authorization',
    'Authorization',
  ].map((k) => k.toLowerCase()),
);

const MAX_DEPTH = 24;

function isActorLike(value: object): value is { id?: unknown; sessionId: string } {
  return 'sessionId' in value && typeof (value as { send?: unknown }).send === 'function';
}

/** XState's machine and state-node graph: large, shared by every snapshot, and secret-free. */
function isMachineGraph(value: object): boolean {
  return (
    ('root' in value && 'implementations' in value) || // StateMachine
    ('machine' in value && 'path' in value && 'parent' in value) // StateNode
  );
}

/**
 * Masks one value. `done` remembers each object already masked, so a graph whose parts are
 * shared (snapshots share their machine) is walked once; `open` holds the objects on the
 * current path, so a cycle prints as `[circular]` instead of recursing.
 */
function mask(value: unknown, key: string | undefined, done: Map<object, unknown>, open: Set<object>, depth: number): unknown {
  if (value instanceof Secret) return SECRET_MASK;
  if (key !== undefined && typeof value === 'string' && SECRET_KEYS.has(key.toLowerCase())) return SECRET_MASK;
  // Logins maps carry provider tokens under login keys: mask every value.
  if (key === 'Logins' && typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.keys(value).map((k) => [k, SECRET_MASK]));
  }
  if (value === null || typeof value !== 'object') {
    return typeof value === 'function' || typeof value === 'symbol' ? undefined : value;
  }
  if (done.has(value)) return done.get(value);
  if (open.has(value)) return '[circular]';
  if (depth > MAX_DEPTH) return '[deep]';
  open.add(value);
  try {
    const out = maskObject(value, done, open, depth);
    done.set(value, out);
    return out;
  } finally {
    open.delete(value);
  }
}

function maskObject(value: object, done: Map<object, unknown>, open: Set<object>, depth: number): unknown {
  if (value instanceof RedactedActorRef) return { actor: value.id };
  if (isActorLike(value)) return { actor: String(value.id ?? value.sessionId) };
  if (isMachineGraph(value)) return `[machine ${String((value as { id?: unknown }).id ?? '')}]`;
  if (value instanceof Error) {
    const out: Record<string, unknown> = { name: value.name, message: value.message };
    const extra = value as Error & { recoverySuggestion?: unknown; cause?: unknown };
    if (extra.recoverySuggestion !== undefined) out.recoverySuggestion = extra.recoverySuggestion;
    if (extra.cause !== undefined) out.cause = mask(extra.cause, 'cause', done, open, depth + 1);
    return out;
  }
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item) => mask(item, undefined, done, open, depth + 1));
  if (value instanceof Map) {
    return Object.fromEntries([...value].map(([k, v]) => [String(k), mask(v, String(k), done, open, depth + 1)]));
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const masked = mask(v, k, done, open, depth + 1);
    if (masked !== undefined) out[k] = masked;
  }
  return out;
}

/**
 * A plain, JSON-safe copy of any value with every secret masked: {@link Secret} values, and
 * string values under secret-named keys (`token`, `password`, `SessionToken`, `Logins`, …).
 * Functions are dropped and actors are replaced by their id.
 */
export function maskSecrets<T>(value: T): unknown {
  return mask(value, undefined, new Map(), new Set(), 0);
}

/**
 * What an observer of {@link createRedactingInspector} finds where XState puts an actor ref: the
 * actor's names, its parent, its definition, and its snapshot masked. It reads, it cannot send,
 * and it reaches nothing unmasked (no system, no other actors' raw snapshots).
 */
class RedactedActorRef {
  readonly id: string;
  readonly sessionId: string;
  readonly src: string | undefined;
  readonly #ref: ActorRefLike;
  readonly #views: WeakMap<object, RedactedActorRef>;
  #logic: { config: unknown } | undefined;

  constructor(ref: ActorRefLike, views: WeakMap<object, RedactedActorRef>) {
    this.id = String(ref.id ?? ref.sessionId);
    this.sessionId = ref.sessionId;
    this.src = typeof ref.src === 'string' ? ref.src : undefined;
    this.#ref = ref;
    this.#views = views;
  }

  /** The parent actor, redacted the same way. */
  get _parent(): RedactedActorRef | undefined {
    const parent = this.#ref._parent;
    return parent && isActorLike(parent) ? redactedActorRef(parent as ActorRefLike, this.#views) : undefined;
  }

  /** The machine's definition (what the Stately inspector draws), masked; other logic has none. */
  get logic(): { config: unknown } | undefined {
    const config = (this.#ref.logic as { config?: unknown } | undefined)?.config;
    if (typeof config !== 'object' || config === null) return undefined;
    this.#logic ??= { config: maskSecrets(config) };
    return this.#logic;
  }

  /** The actor's current snapshot, masked. */
  getSnapshot(): unknown {
    return maskSecrets(this.#ref.getSnapshot());
  }

  toJSON(): { id: string; sessionId: string } {
    return { id: this.id, sessionId: this.sessionId };
  }
}

/** The fields of an XState actor ref a redacted view reads. */
interface ActorRefLike {
  id?: unknown;
  sessionId: string;
  src?: unknown;
  logic?: unknown;
  _parent?: unknown;
  getSnapshot(): unknown;
}

function redactedActorRef(ref: ActorRefLike, views: WeakMap<object, RedactedActorRef>): RedactedActorRef {
  let view = views.get(ref);
  if (!view) {
    view = new RedactedActorRef(ref, views);
    views.set(ref, view);
  }
  return view;
}

/**
 * An inspection event with its data masked (event, snapshot, input, output, action params…) and
 * its actor refs (`actorRef`, `sourceRef`) replaced by redacted views, so that inspectors which
 * read `actorRef.sessionId` or call `actorRef.getSnapshot()` keep working.
 */
function redactInspectionEvent(event: InspectionEvent, views: WeakMap<object, RedactedActorRef>): InspectionEvent {
  const out = maskSecrets(event) as Record<string, unknown>;
  for (const [key, value] of Object.entries(event)) {
    if (value instanceof RedactedActorRef) out[key] = value;
    else if (typeof value === 'object' && value !== null && isActorLike(value)) {
      out[key] = redactedActorRef(value as unknown as ActorRefLike, views);
    }
  }
  return out as unknown as InspectionEvent;
}

/**
 * Wraps an XState inspection observer so that it only ever sees masked events: every secret in
 * the event's data is masked, and each actor ref is a read-only view whose `getSnapshot()` is
 * masked too. Pass the result as `createAuth({ inspect })` or `createActor(machine, { inspect })`.
 * It works for any observer, a Stately inspector's `inspector.inspect` included.
 *
 * @throws {AuthError} `ValidationError` unless `observer` is a function or has a `next` method.
 *
 * @example
 * const auth = createAuth({ ...config, inspect: createRedactingInspector((e) => console.log(e)) });
 * // The Stately inspector (`@statelyai/inspect`):
 * const inspector = createWebSocketInspector();
 * const auth = createAuth({ ...config, inspect: createRedactingInspector(inspector.inspect) });
 */
export function createRedactingInspector(
  observer: Observer<InspectionEvent> | ((event: InspectionEvent) => void),
): (event: InspectionEvent) => void {
  assertInspectionObserver(observer, 'createRedactingInspector(observer)');
  const next = typeof observer === 'function' ? observer : observer.next!.bind(observer);
  const views = new WeakMap<object, RedactedActorRef>();
  return (event) => {
    try {
      next(redactInspectionEvent(event, views));
    } catch {
      // The observer's own fault must not reach the machine it watches.
    }
  };
}

/**
 * A `serialize` function for `@statelyai/inspect` inspectors, which otherwise send what the
 * machine holds as-is: `createBrowserInspector({ serialize: serializeInspectionEvent })`,
 * `createWebSocketInspector({ url, serialize: serializeInspectionEvent })`, or
 * `createInspector(adapter, { serialize: serializeInspectionEvent })`; then pass
 * `inspector.inspect` as `createAuth({ inspect })`.
 */
export function serializeInspectionEvent<T>(event: T): T {
  return maskSecrets(event) as T;
}
