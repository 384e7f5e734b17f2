import type { InspectionEvent, Observer } from 'xstate';
import { Secret, SECRET_MASK } from './Secret.js';

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

function mask(value: unknown, key: string | undefined, seen: WeakSet<object>, depth: number): unknown {
  if (value instanceof Secret) return SECRET_MASK;
  if (key !== undefined && typeof value === 'string' && SECRET_KEYS.has(key.toLowerCase())) return SECRET_MASK;
  // Logins maps carry provider tokens under login keys: mask every value.
  if (key === 'Logins' && typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.keys(value).map((k) => [k, SECRET_MASK]));
  }
  if (value === null || typeof value !== 'object') {
    return typeof value === 'function' || typeof value === 'symbol' ? undefined : value;
  }
  if (seen.has(value)) return '[circular]';
  if (depth > MAX_DEPTH) return '[deep]';
  seen.add(value);
  try {
    if (isActorLike(value)) return { actor: String(value.id ?? value.sessionId) };
    if (value instanceof Error) {
      const out: Record<string, unknown> = { name: value.name, message: value.message };
      const extra = value as Error & { recoverySuggestion?: unknown; cause?: unknown };
      if (extra.recoverySuggestion !== undefined) out.recoverySuggestion = extra.recoverySuggestion;
      if (extra.cause !== undefined) out.cause = mask(extra.cause, 'cause', seen, depth + 1);
      return out;
    }
    if (value instanceof Date) return value.toISOString();
    if (Array.isArray(value)) return value.map((item) => mask(item, undefined, seen, depth + 1));
    if (value instanceof Map) {
      return Object.fromEntries([...value].map(([k, v]) => [String(k), mask(v, String(k), seen, depth + 1)]));
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const masked = mask(v, k, seen, depth + 1);
      if (masked !== undefined) out[k] = masked;
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

/**
 * A plain, JSON-safe copy of any value with every secret masked: {@link Secret} values, and
 * string values under secret-named keys (`token`, `password`, `SessionToken`, `Logins`, …).
 * Functions are dropped and actors are replaced by their id.
 */
export function maskSecrets<T>(value: T): unknown {
  return mask(value, undefined, new WeakSet(), 0);
}

/**
 * Wraps an XState inspection observer so that it only ever sees masked events. Pass the
 * result as `createAuth({ inspect })` or `createActor(machine, { inspect })`.
 *
 * @example
 * const auth = createAuth({ ...config, inspect: createRedactingInspector((e) => console.log(e)) });
 */
export function createRedactingInspector(
  observer: Observer<InspectionEvent> | ((event: InspectionEvent) => void),
): (event: InspectionEvent) => void {
  const next = typeof observer === 'function' ? observer : observer.next?.bind(observer);
  return (event) => {
    next?.(maskSecrets(event) as InspectionEvent);
  };
}

/**
 * A `serialize` function for `@statelyai/inspect` inspectors (`createBrowserInspector({
 * serialize: serializeInspectionEvent })`), which otherwise send secrets to the inspector as-is.
 */
export function serializeInspectionEvent<T>(event: T): T {
  return maskSecrets(event) as T;
}
