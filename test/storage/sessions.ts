import { AuthProvider } from '../../src/vocabulary/AuthProvider.js';
import { Secret } from '../../src/vocabulary/Secret.js';
import { encodeStoredSession } from '../../src/storage/sessionCodec.js';
import type { SessionRecord } from '../../src/vocabulary/SessionRecord.js';

/** Secret-looking values that must never show up in an error, log or event. */
export const SECRET_VALUES = [
  'eyJhbGciOiJSUzI1NiJ9.ID-TOKEN-SECRET.sig',
  'eyJhbGciOiJSUzI1NiJ9.ACCESS-TOKEN-SECRET.sig',
  'REFRESH-TOKEN-SECRET',
  'SECRET-ACCESS-KEY-wJalrXUtnFEMI',
  'SESSION-TOKEN-SECRET-IQoJb3JpZ2lu',
  'PROVIDER-TOKEN-SECRET-ya29',
] as const;

const [idToken, accessToken, refreshToken, secretAccessKey, sessionToken, providerToken] = SECRET_VALUES;

const credentials = (tag: string) => ({
  accessKeyId: `ASIA${tag}`,
  secretAccessKey: new Secret(`${secretAccessKey}-${tag}`),
  sessionToken: new Secret(`${sessionToken}-${tag}`),
  expiration: 1_900_000_000_000,
});

export type SessionKind = SessionRecord['kind'];

/** A well-formed identity id (region:hex) that tells kinds and tags apart; runs in a browser too. */
const identityIdOf = (kind: number, tag: string) =>
  `eu-west-1:${kind}0000000-${[...tag].map((c) => c.charCodeAt(0).toString(16).padStart(4, '0')).join('')}`;

/** A complete session of each kind; `tag` makes sessions of different apps tell apart. */
export function sampleSession(kind: SessionKind, tag = 'a'): SessionRecord {
  switch (kind) {
    case 'guest':
      return { kind, identityId: identityIdOf(1, tag), credentials: credentials(tag) };
    case 'federated':
      return {
        kind,
        token: new Secret(`${providerToken}-${tag}`),
        provider: AuthProvider.google,
        identityId: identityIdOf(2, tag),
        credentials: credentials(tag),
        developerProvidedIdentityId: false,
      };
    case 'userPool':
      return {
        kind,
        username: `user-${tag}`,
        userId: `sub-${tag}`,
        tokens: {
          idToken: new Secret(`${idToken}-${tag}`),
          accessToken: new Secret(`${accessToken}-${tag}`),
          refreshToken: new Secret(`${refreshToken}-${tag}`),
          expiration: 1_900_000_000_000,
        },
        identityId: identityIdOf(3, tag),
        credentials: credentials(tag),
      };
  }
}

/** A user-pool session with tokens of the sizes Cognito gives (about 1 kB each, the refresh token 1.8 kB). */
export function fullSizeSession(tag = 'a'): SessionRecord {
  const session = sampleSession('userPool', tag);
  if (session.kind !== 'userPool') throw new Error('unreachable');
  const jwt = (n: number, part: string) => `eyJraWQiOiJ.${part}-${tag}-${'x'.repeat(n)}.c2lnbmF0dXJl`;
  return {
    ...session,
    tokens: {
      ...session.tokens,
      idToken: new Secret(jwt(1100, 'ID')),
      accessToken: new Secret(jwt(1000, 'ACCESS')),
      refreshToken: new Secret(jwt(1750, 'REFRESH')),
    },
  };
}

/** The generation of every record these tests write by hand (the store writes fresh ones). */
export const FIXTURE_GENERATION = 'fixture';

/**
 * Sessions compare by their stored form, which reveals the secrets. Written with the fixture
 * generation, so a record the tests placed and one a move copied as it was compare equal.
 */
export function stored(session: SessionRecord | null | undefined): string | null {
  return session ? encodeStoredSession({ session, generation: FIXTURE_GENERATION }) : null;
}
