import { AuthError } from './AuthError.js';

/** Which kind of identity provider a token comes from. */
export type AuthProviderType = 'amazon' | 'apple' | 'facebook' | 'google' | 'twitter' | 'oidc' | 'saml' | 'custom';

/** An identity provider and the key its tokens go under in the identity pool's `Logins` map. */
export interface AuthProvider {
  /** Which kind of provider it is. */
  readonly type: AuthProviderType;
  /** The key of the identity pool's `Logins` map, e.g. `graph.facebook.com`. */
  readonly loginKey: string;
}

/** Longest login key Cognito accepts (Logins map keys are 1..128 characters). */
const MAX_LOGIN_KEY_LENGTH = 128;

/**
 * What a login key may not contain: white space and separators, control and format characters
 * (NUL, ESC, DEL, C1, zero-width and bidi marks), lone surrogates, private-use and unassigned
 * code points. Login keys are printable text as configured in the identity pool.
 */
const NOT_PRINTABLE = /[\s\p{C}\p{Z}]/u;

/** An OpenID Connect issuer goes in without its scheme: `accounts.example.com`, not `https://…`. */
const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

function named(type: 'oidc' | 'saml' | 'custom', name: string): AuthProvider {
  if (
    typeof name !== 'string' ||
    name.length === 0 ||
    name.length > MAX_LOGIN_KEY_LENGTH ||
    NOT_PRINTABLE.test(name) ||
    (type === 'oidc' && URL_SCHEME.test(name))
  ) {
    throw new AuthError('ValidationError', {
      message: `AuthProvider.${type}(name) needs the login key as configured in the identity pool: 1 to ${MAX_LOGIN_KEY_LENGTH} printable characters without spaces${type === 'oidc' ? ' or https://' : ''}.`,
    });
  }
  return Object.freeze({ type, loginKey: name });
}

/**
 * The identity providers a token can come from, each with its identity-pool login key: `amazon`
 * (`www.amazon.com`), `apple` (`appleid.apple.com`), `facebook` (`graph.facebook.com`), `google`
 * (`accounts.google.com`), `twitter` (`api.twitter.com`), and `oidc(name)`, `saml(name)`,
 * `custom(name)` with the login key as given.
 */
export const AuthProvider = Object.freeze({
  amazon: Object.freeze({ type: 'amazon', loginKey: 'www.amazon.com' }) as AuthProvider,
  apple: Object.freeze({ type: 'apple', loginKey: 'appleid.apple.com' }) as AuthProvider,
  facebook: Object.freeze({ type: 'facebook', loginKey: 'graph.facebook.com' }) as AuthProvider,
  google: Object.freeze({ type: 'google', loginKey: 'accounts.google.com' }) as AuthProvider,
  twitter: Object.freeze({ type: 'twitter', loginKey: 'api.twitter.com' }) as AuthProvider,
  /**
   * An OpenID Connect provider: `name` is its issuer as configured in the pool (no `https://`).
   * @throws {AuthError} `ValidationError` unless `name` is 1 to 128 printable characters without
   * spaces, control characters or a URL scheme.
   */
  oidc: (name: string): AuthProvider => named('oidc', name),
  /**
   * A SAML provider: `name` is its provider ARN.
   * @throws {AuthError} `ValidationError` unless `name` is 1 to 128 printable characters without spaces or control characters.
   */
  saml: (name: string): AuthProvider => named('saml', name),
  /**
   * Any other login key, e.g. `cognito-identity.amazonaws.com` for developer-authenticated tokens.
   * @throws {AuthError} `ValidationError` unless `name` is 1 to 128 printable characters without spaces or control characters.
   */
  custom: (name: string): AuthProvider => named('custom', name),
});

const builtIn: readonly AuthProvider[] = [
  AuthProvider.amazon,
  AuthProvider.apple,
  AuthProvider.facebook,
  AuthProvider.google,
  AuthProvider.twitter,
];

const providerTypes: readonly AuthProviderType[] = ['amazon', 'apple', 'facebook', 'google', 'twitter', 'oidc', 'saml', 'custom'];

const unknownProvider = () =>
  new AuthError('ValidationError', {
    message: 'Unknown provider: pass one of AuthProvider.amazon, apple, facebook, google, twitter, or AuthProvider.oidc/saml/custom(name).',
  });

/** The identity-pool login key for a provider. */
export function loginKeyFor(provider: AuthProvider): string {
  return provider.loginKey;
}

/**
 * Checks that a value is an {@link AuthProvider} this library knows, and returns it in its
 * canonical frozen form. Throws `ValidationError` otherwise.
 */
export function toAuthProvider(value: unknown): AuthProvider {
  if (typeof value !== 'object' || value === null) throw unknownProvider();
  let type: unknown;
  let loginKey: unknown;
  try {
    ({ type, loginKey } = value as { type?: unknown; loginKey?: unknown });
  } catch {
    // A getter or proxy that throws: the app's fault, reported like any other bad provider.
    throw unknownProvider();
  }
  const known = builtIn.find((p) => p.type === type);
  if (known) {
    if (loginKey !== known.loginKey) {
      throw new AuthError('ValidationError', { message: `AuthProvider.${known.type} has the login key ${known.loginKey}.` });
    }
    return known;
  }
  if (typeof type !== 'string' || !providerTypes.includes(type as AuthProviderType) || typeof loginKey !== 'string') {
    throw unknownProvider();
  }
  return named(type as 'oidc' | 'saml' | 'custom', loginKey);
}
