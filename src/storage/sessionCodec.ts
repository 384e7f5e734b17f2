import { AuthError } from '../AuthError.js';
import { toAuthProvider, type AuthProvider } from '../AuthProvider.js';
import { Secret } from '../Secret.js';
import type { CredentialsRecord, SessionRecord, UserPoolTokensRecord } from './SessionRecord.js';

/** The version written into every stored record; bump it with a reader for the old one. */
export const SESSION_RECORD_VERSION = 1;

type Json = Record<string, unknown>;

function reveal(secret: Secret | undefined): string | undefined {
  return secret?.reveal();
}

function encodeCredentials(c: CredentialsRecord): Json {
  return {
    accessKeyId: c.accessKeyId,
    secretAccessKey: c.secretAccessKey.reveal(),
    sessionToken: c.sessionToken.reveal(),
    expiration: c.expiration,
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

/** Serialises a session to the stored JSON text. This is where secrets are revealed for storage. */
export function encodeSession(session: SessionRecord): string {
  let body: Json;
  switch (session.kind) {
    case 'guest':
      body = { identityId: session.identityId, credentials: encodeCredentials(session.credentials) };
      break;
    case 'federated':
      body = {
        token: session.token.reveal(),
        provider: { type: session.provider.type, loginKey: session.provider.loginKey },
        identityId: session.identityId,
        credentials: encodeCredentials(session.credentials),
        developerProvidedIdentityId: session.developerProvidedIdentityId,
        customRoleArn: session.customRoleArn,
      };
      break;
    case 'userPool':
      body = {
        username: session.username,
        userId: session.userId,
        tokens: encodeTokens(session.tokens),
        identityId: session.identityId,
        credentials: session.credentials && encodeCredentials(session.credentials),
      };
      break;
  }
  return JSON.stringify({ version: SESSION_RECORD_VERSION, kind: session.kind, ...body });
}

function corrupt(what: string): AuthError {
  return new AuthError('StorageError', {
    message: `The stored session record is unreadable (${what}); starting signed out.`,
    recoverySuggestion:
      'The unreadable record was kept aside; sign in or federate again. Report it if it recurs.',
  });
}

function str(o: Json, key: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v.length === 0) throw corrupt(`field ${key}`);
  return v;
}

function optStr(o: Json, key: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw corrupt(`field ${key}`);
  return v;
}

function num(o: Json, key: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw corrupt(`field ${key}`);
  return v;
}

function obj(o: Json, key: string): Json {
  const v = o[key];
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw corrupt(`field ${key}`);
  return v as Json;
}

function decodeProvider(o: Json): AuthProvider {
  try {
    return toAuthProvider(o);
  } catch {
    throw corrupt('field provider');
  }
}

function decodeCredentials(o: Json): CredentialsRecord {
  return {
    accessKeyId: str(o, 'accessKeyId'),
    secretAccessKey: new Secret(str(o, 'secretAccessKey')),
    sessionToken: new Secret(str(o, 'sessionToken')),
    expiration: num(o, 'expiration'),
  };
}

/**
 * Parses stored JSON text back into a session. Throws a secret-free `StorageError` for anything
 * that is not a complete record of a known version, so a partial write is never read as a session.
 */
export function decodeSession(text: string): SessionRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw corrupt('not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw corrupt('not an object');
  const o = parsed as Json;
  if (o.version !== SESSION_RECORD_VERSION) throw corrupt('unknown version');
  switch (o.kind) {
    case 'guest':
      return { kind: 'guest', identityId: str(o, 'identityId'), credentials: decodeCredentials(obj(o, 'credentials')) };
    case 'federated': {
      const customRoleArn = optStr(o, 'customRoleArn');
      return {
        kind: 'federated',
        token: new Secret(str(o, 'token')),
        provider: decodeProvider(obj(o, 'provider')),
        identityId: str(o, 'identityId'),
        credentials: decodeCredentials(obj(o, 'credentials')),
        developerProvidedIdentityId: o.developerProvidedIdentityId === true,
        ...(customRoleArn ? { customRoleArn } : {}),
      };
    }
    case 'userPool': {
      const t = obj(o, 'tokens');
      const refreshToken = optStr(t, 'refreshToken');
      const identityId = optStr(o, 'identityId');
      return {
        kind: 'userPool',
        username: str(o, 'username'),
        userId: str(o, 'userId'),
        tokens: {
          idToken: new Secret(str(t, 'idToken')),
          accessToken: new Secret(str(t, 'accessToken')),
          ...(refreshToken ? { refreshToken: new Secret(refreshToken) } : {}),
          expiration: num(t, 'expiration'),
        },
        ...(identityId ? { identityId } : {}),
        ...(o.credentials ? { credentials: decodeCredentials(obj(o, 'credentials')) } : {}),
      };
    }
    default:
      throw corrupt('unknown kind');
  }
}
