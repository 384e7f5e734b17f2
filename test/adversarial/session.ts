/**
 * The stored session record as the model reads it back from storage, and small matchers to
 * compare a predicted record with the stored one.
 */
import { isDeepStrictEqual } from 'node:util';
import { SESSION_RECORD_VERSION } from '../../src/storage/sessionCodec.js';

export interface CredsM {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: number;
}

export interface FederatedM {
  kind: 'federated';
  loginKey: string;
  token: string;
  identityId: string;
  credentials: CredsM;
  devId: boolean;
  roleArn?: string;
}

export interface UserPoolM {
  kind: 'userPool';
  username: string;
  userId: string;
  idToken: string;
  accessToken: string;
  refreshToken?: string;
  tokensExp: number;
  identityId?: string;
  credentials?: CredsM;
}

/** Guest (unauthenticated) credentials, kept and renewed like any other. */
export interface GuestM {
  kind: 'guest';
  identityId: string;
  credentials: CredsM;
}

/** Bytes this version cannot read as a session (a newer version's record, left in place). */
export interface ForeignM {
  kind: 'foreign';
  text: string;
}

export type StoredM = FederatedM | UserPoolM | GuestM | ForeignM | null;
export type SessionM = FederatedM | UserPoolM;

function creds(value: unknown): CredsM | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const c = value as Record<string, unknown>;
  return {
    accessKeyId: String(c['accessKeyId']),
    secretAccessKey: String(c['secretAccessKey']),
    sessionToken: String(c['sessionToken']),
    expiration: Number(c['expiration']),
  };
}

/** Reads a stored record; anything that is not a complete record of this version and a known kind is foreign. */
export function decodeStored(text: string | undefined | null): StoredM {
  if (text === undefined || text === null) return null;
  try {
    return decodeRecord(text);
  } catch {
    return { kind: 'foreign', text };
  }
}

function decodeRecord(text: string): StoredM {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return { kind: 'foreign', text };
  }
  if (typeof o !== 'object' || o === null || o['version'] !== SESSION_RECORD_VERSION) return { kind: 'foreign', text };
  if (o['kind'] === 'federated') {
    const provider = o['provider'] as { loginKey?: string } | undefined;
    return {
      kind: 'federated',
      loginKey: String(provider?.loginKey),
      token: String(o['token']),
      identityId: String(o['identityId']),
      credentials: creds(o['credentials'])!,
      devId: o['developerProvidedIdentityId'] === true,
      ...(typeof o['customRoleArn'] === 'string' ? { roleArn: o['customRoleArn'] } : {}),
    };
  }
  if (o['kind'] === 'guest') {
    return { kind: 'guest', identityId: String(o['identityId']), credentials: creds(o['credentials'])! };
  }
  if (o['kind'] === 'userPool') {
    const tokens = o['tokens'] as Record<string, unknown>;
    const c = creds(o['credentials']);
    return {
      kind: 'userPool',
      username: String(o['username']),
      userId: String(o['userId']),
      idToken: String(tokens['idToken']),
      accessToken: String(tokens['accessToken']),
      ...(typeof tokens['refreshToken'] === 'string' ? { refreshToken: tokens['refreshToken'] } : {}),
      tokensExp: Number(tokens['expiration']),
      ...(typeof o['identityId'] === 'string' ? { identityId: o['identityId'] } : {}),
      ...(c ? { credentials: c } : {}),
    };
  }
  return { kind: 'foreign', text };
}

/** The generation a stored record was written with (null: none stored or unreadable). */
export function generationOf(text: string | undefined | null): string | null {
  if (text === undefined || text === null) return null;
  try {
    const o = JSON.parse(text) as Record<string, unknown>;
    return typeof o['generation'] === 'string' ? o['generation'] : null;
  } catch {
    return null;
  }
}

/** The secrets and one-off values that tell one session (and its renewals) from another. */
export function markersOf(stored: StoredM): string[] {
  if (!stored || stored.kind === 'foreign') return [];
  const markers = stored.credentials ? [stored.credentials.accessKeyId] : [];
  if (stored.kind === 'federated') markers.push(stored.token);
  if (stored.kind === 'userPool' && stored.refreshToken) markers.push(stored.refreshToken);
  return markers;
}

/** A field matcher: returns a complaint, or undefined when the value is fine. */
export type Matcher = (actual: unknown) => string | undefined;
export type Pattern = { [key: string]: unknown } | null | Matcher;

export function isMatcher(value: unknown): value is Matcher {
  return typeof value === 'function';
}

/** Compares `actual` with a pattern whose fields are literals or matchers; every field counts. */
export function mismatch(pattern: unknown, actual: unknown, path = 'session'): string | undefined {
  if (isMatcher(pattern)) {
    const complaint = pattern(actual);
    return complaint === undefined ? undefined : `${path}: ${complaint}`;
  }
  if (typeof pattern !== 'object' || pattern === null || typeof actual !== 'object' || actual === null) {
    return isDeepStrictEqual(pattern, actual) ? undefined : `${path}: expected ${brief(pattern)}, got ${brief(actual)}`;
  }
  const keys = new Set([...Object.keys(pattern), ...Object.keys(actual)]);
  for (const key of keys) {
    const p = (pattern as Record<string, unknown>)[key];
    const a = (actual as Record<string, unknown>)[key];
    const complaint = mismatch(p, a, `${path}.${key}`);
    if (complaint) return complaint;
  }
  return undefined;
}

/** A short, secret-free rendering for failure messages: long strings are cut to their start. */
export function brief(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return '<matcher>';
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'string' && v.length > 24 ? `${v.slice(0, 12)}…(${v.length})` : v));
}

/** Credentials newly issued: a new key, expiring exactly at `expiration`. */
export function newCredentials(previous: CredsM | undefined, expiration: number): Matcher {
  return (actual) => {
    const c = actual as CredsM | undefined;
    if (!c) return 'no credentials';
    if (previous && c.accessKeyId === previous.accessKeyId) return 'credentials were not renewed';
    if (c.expiration !== expiration) return `credentials expire at ${c.expiration}, expected ${expiration}`;
    if (!c.secretAccessKey || !c.sessionToken) return 'incomplete credentials';
    return undefined;
  };
}

/** A token string different from `previous`. */
export function changed(previous: string | undefined): Matcher {
  return (actual) => (typeof actual === 'string' && actual.length > 0 && actual !== previous ? undefined : 'expected a new token');
}

export const anyString: Matcher = (actual) => (typeof actual === 'string' && actual.length > 0 ? undefined : 'expected a string');
