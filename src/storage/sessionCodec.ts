import { AuthError } from '../vocabulary/AuthError.js';
import { toAuthProvider, type AuthProvider } from '../vocabulary/AuthProvider.js';
import { Secret } from '../vocabulary/Secret.js';
import { isClockOffsetMs, isIdentityId, isRoleArn, isTokenText, isUsername, MAX_TOKEN_LENGTH } from '../vocabulary/validateInput.js';
import type { CredentialsRecord, SessionBinding, SessionRecord, UserPoolTokensRecord } from '../vocabulary/SessionRecord.js';

/**
 * The version written into every stored record; bump it with a reader for the old one.
 * 2: records carry their generation and the configuration they belong to.
 */
export const SESSION_RECORD_VERSION = 2;

/** Longest AWS credential or user-pool token part kept (Cognito's are a few kB at most). */
const MAX_CREDENTIAL_LENGTH = 16_384;
/** The largest epoch-ms value a `Date` can hold. */
const MAX_EPOCH_MS = 8.64e15;

type Json = Record<string, unknown>;

/** A stored session with what the store keeps about it. */
export interface StoredSessionRecord {
  session: SessionRecord;
  /** Changes with every write; a compare-and-set compares it. */
  generation: string;
  /** The configuration the session belongs to, when the writer named one. */
  binding?: SessionBinding;
}

function reveal(secret: Secret | undefined): string | undefined {
  return secret?.reveal();
}

function encodeCredentials(c: CredentialsRecord): Json {
  return {
    accessKeyId: c.accessKeyId,
    secretAccessKey: c.secretAccessKey.reveal(),
    sessionToken: c.sessionToken.reveal(),
    expiration: c.expiration,
    clockOffsetMs: c.clockOffsetMs,
  };
}

function encodeTokens(t: UserPoolTokensRecord): Json {
  return {
    idToken: t.idToken.reveal(),
    accessToken: t.accessToken.reveal(),
    refreshToken: reveal(t.refreshToken),
    expiration: t.expiration,
  };
}

function sessionBody(session: SessionRecord): Json {
  switch (session.kind) {
    case 'guest':
      return { identityId: session.identityId, credentials: encodeCredentials(session.credentials) };
    case 'federated':
      return {
        token: session.token.reveal(),
        provider: { type: session.provider.type, loginKey: session.provider.loginKey },
        identityId: session.identityId,
        credentials: encodeCredentials(session.credentials),
        developerProvidedIdentityId: session.developerProvidedIdentityId,
        customRoleArn: session.customRoleArn,
      };
    case 'userPool':
      return {
        username: session.username,
        userId: session.userId,
        tokens: encodeTokens(session.tokens),
        identityId: session.identityId,
        credentials: session.credentials && encodeCredentials(session.credentials),
      };
  }
}

/**
 * The session's canonical JSON text, without store metadata: two records are the same session
 * when these texts are equal. This is where secrets are revealed for storage.
 */
export function encodeSession(session: SessionRecord): string {
  return JSON.stringify({ version: SESSION_RECORD_VERSION, kind: session.kind, ...sessionBody(session) });
}

/** The text the store writes: the session with its generation and configuration. */
export function encodeStoredSession({ session, generation, binding }: StoredSessionRecord): string {
  return JSON.stringify({
    version: SESSION_RECORD_VERSION,
    generation,
    ...(binding ? { config: binding } : {}),
    kind: session.kind,
    ...sessionBody(session),
  });
}

function corrupt(what: string): AuthError {
  return new AuthError('StorageError', {
    message: `The stored session record is unreadable (${what}); starting signed out.`,
    recoverySuggestion:
      'The unreadable record was kept aside; sign in or federate again. Report it if it recurs.',
  });
}

/** A field checked by `ok`; the message names the field, never its value. */
function checked<T>(o: Json, key: string, ok: (v: unknown) => v is T): T {
  const v = o[key];
  if (!ok(v)) throw corrupt(`field ${key}`);
  return v;
}

function optional<T>(o: Json, key: string, ok: (v: unknown) => v is T): T | undefined {
  return o[key] === undefined || o[key] === null ? undefined : checked(o, key, ok);
}

const isName = (v: unknown): v is string =>
  typeof v === 'string' && v.length > 0 && v.length <= 128 && !/[\u0000-\u001f\u007f-\u009f]/.test(v);
const isAccessKeyId = (v: unknown): v is string => typeof v === 'string' && /^[A-Za-z0-9]{1,128}$/.test(v);
const isCredentialText = (v: unknown): v is string => isTokenText(v, MAX_CREDENTIAL_LENGTH);
const isProviderToken = (v: unknown): v is string => isTokenText(v, MAX_TOKEN_LENGTH);
const isEpochMs = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= MAX_EPOCH_MS;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isGeneration = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-z-]{1,64}$/.test(v);

function decodeProvider(o: Json): AuthProvider {
  try {
    return toAuthProvider(o);
  } catch {
    throw corrupt('field provider');
  }
}

function decodeCredentials(o: Json): CredentialsRecord {
  // Records written before clock-skew correction have no offset: Cognito's clock is taken as the device's.
  const clockOffsetMs = optional(o, 'clockOffsetMs', isClockOffsetMs);
  return {
    accessKeyId: checked(o, 'accessKeyId', isAccessKeyId),
    secretAccessKey: new Secret(checked(o, 'secretAccessKey', isCredentialText)),
    sessionToken: new Secret(checked(o, 'sessionToken', isCredentialText)),
    expiration: checked(o, 'expiration', isEpochMs),
    ...(clockOffsetMs ? { clockOffsetMs } : {}),
  };
}

function decodeBinding(o: Json): SessionBinding {
  const userPoolId = optional(o, 'userPoolId', isName);
  const userPoolClientId = optional(o, 'userPoolClientId', isName);
  return {
    region: checked(o, 'region', isName),
    identityPoolId: checked(o, 'identityPoolId', isName),
    ...(userPoolId ? { userPoolId } : {}),
    ...(userPoolClientId ? { userPoolClientId } : {}),
  };
}

function decodeBody(o: Json): SessionRecord {
  switch (o.kind) {
    case 'guest':
      return {
        kind: 'guest',
        identityId: checked(o, 'identityId', isIdentityId),
        credentials: decodeCredentials(checked(o, 'credentials', isObject)),
      };
    case 'federated': {
      const customRoleArn = optional(o, 'customRoleArn', isRoleArn);
      return {
        kind: 'federated',
        token: new Secret(checked(o, 'token', isProviderToken)),
        provider: decodeProvider(checked(o, 'provider', isObject)),
        identityId: checked(o, 'identityId', isIdentityId),
        credentials: decodeCredentials(checked(o, 'credentials', isObject)),
        developerProvidedIdentityId: o.developerProvidedIdentityId === true,
        ...(customRoleArn ? { customRoleArn } : {}),
      };
    }
    case 'userPool': {
      const t = checked(o, 'tokens', isObject);
      const refreshToken = optional(t, 'refreshToken', isCredentialText);
      const identityId = optional(o, 'identityId', isIdentityId);
      const credentials = optional(o, 'credentials', isObject);
      return {
        kind: 'userPool',
        username: checked(o, 'username', isUsername),
        userId: checked(o, 'userId', isName),
        tokens: {
          idToken: new Secret(checked(t, 'idToken', isCredentialText)),
          accessToken: new Secret(checked(t, 'accessToken', isCredentialText)),
          ...(refreshToken ? { refreshToken: new Secret(refreshToken) } : {}),
          expiration: checked(t, 'expiration', isEpochMs),
        },
        ...(identityId ? { identityId } : {}),
        ...(credentials ? { credentials: decodeCredentials(credentials) } : {}),
      };
    }
    default:
      throw corrupt('unknown kind');
  }
}

function parse(text: string): Json {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw corrupt('not JSON');
  }
  if (!isObject(parsed)) throw corrupt('not an object');
  if (parsed.version !== SESSION_RECORD_VERSION) throw corrupt('unknown version');
  return parsed;
}

/**
 * Parses stored text back into a session with its generation and configuration. Every field is
 * held to the rules its input was held to (token lengths and characters, identity ids, role
 * ARNs, login keys, dates a `Date` can hold), so a tampered record is never sent to Cognito.
 * Throws a secret-free `StorageError` for anything that is not a complete, valid record of this
 * version, so a partial write is never read as a session.
 */
export function decodeStoredSession(text: string): StoredSessionRecord {
  const o = parse(text);
  const config = optional(o, 'config', isObject);
  return {
    session: decodeBody(o),
    generation: checked(o, 'generation', isGeneration),
    ...(config ? { binding: decodeBinding(config) } : {}),
  };
}

/** The session of a stored record (see {@link decodeStoredSession}). */
export function decodeSession(text: string): SessionRecord {
  return decodeStoredSession(text).session;
}

let generations = 0;

/** A fresh generation: unique among the writers of one store (time, a counter and chance). */
export function newGeneration(): string {
  generations = (generations + 1) % 1_679_616;
  const chance = Math.floor(Math.random() * 2_176_782_336).toString(36);
  return `${Date.now().toString(36)}-${generations.toString(36)}-${chance}`;
}

/** True when a record bound to `stored` may serve an app configured as `expected`. */
export function sameBinding(stored: SessionBinding | undefined, expected: SessionBinding): boolean {
  return (
    stored !== undefined &&
    stored.region === expected.region &&
    stored.identityPoolId === expected.identityPoolId &&
    stored.userPoolId === expected.userPoolId &&
    stored.userPoolClientId === expected.userPoolClientId
  );
}
