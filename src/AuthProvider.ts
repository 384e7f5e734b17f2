import { AuthError } from './AuthError.js';

/** Which kind of identity provider a token comes from. */
export type AuthProviderType = 'amazon' | 'apple' | 'facebook' | 'google' | 'twitter' | 'oidc' | 'saml' | 'custom';

/** An identity provider and the key its tokens go under in the identity pool's `Logins` map. */
export interface AuthProvider {
  readonly type: AuthProviderType;
  readonly loginKey: string;
}

/** Longest login key Cognito accepts (Logins map keys are 1..128 characters). */
const MAX_LOGIN_KEY_LENGTH = 128;

function named(type: 'oidc' | 'saml' | 'custom', name: string): AuthProvider {
  if (typeof name !== 'string' || name.trim().length === 0 || name.length > MAX_LOGIN_KEY_LENGTH || /\s/.test(name)) {
    throw new AuthError('ValidationError', {
      message: `AuthProvider.${type}(name) needs a login key of 1 to ${MAX_LOGIN_KEY_LENGTH} characters without spaces, as configured in the identity pool.`,
    });
  }
  return Object.freeze({ type, loginKey: name });
}

/** The identity providers of DESIGN §2, with their identity-pool login keys. */
export const AuthProvider = Object.freeze({
  amazon: Object.freeze({ type: 'amazon', loginKey: 'www.amazon.com' }) as AuthProvider,
  apple: Object.freeze({ type: 'apple', loginKey: 'appleid.apple.com' }) as AuthProvider,
  facebook: Object.freeze({ type: 'facebook', loginKey: 'graph.facebook.com' }) as AuthProvider,
  google: Object.freeze({ type: 'google', loginKey: 'accounts.google.com' }) as AuthProvider,
  twitter: Object.freeze({ type: 'twitter', loginKey: 'api.twitter.com' }) as AuthProvider,
  /** An OpenID Connect provider: `name` is its issuer as configured in the pool (no `https://`). */
  oidc: (name: string): AuthProvider => named('oidc', name),
  /** A SAML provider: `name` is its provider ARN. */
  saml: (name: string): AuthProvider => named('saml', name),
  /** Any other login key, e.g. `cognito-identity.amazonaws.com` for developer-authenticated tokens. */
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

/** The identity-pool login key for a provider. */
export function loginKeyFor(provider: AuthProvider): string {
  return provider.loginKey;
}

/**
 * Checks that a value is an {@link AuthProvider} this library knows, and returns it in its
 * canonical frozen form. Throws `ValidationError` otherwise.
 */
export function toAuthProvider(value: unknown): AuthProvider {
  if (typeof value !== 'object' || value === null) {
    throw new AuthError('ValidationError', {
      message: 'Unknown provider: pass one of AuthProvider.amazon, apple, facebook, google, twitter, or AuthProvider.oidc/saml/custom(name).',
    });
  }
  const { type, loginKey } = value as { type?: unknown; loginKey?: unknown };
  const known = builtIn.find((p) => p.type === type);
  if (known) {
    if (loginKey !== known.loginKey) {
      throw new AuthError('ValidationError', { message: `AuthProvider.${known.type} has the login key ${known.loginKey}.` });
    }
    return known;
  }
  if (typeof type !== 'string' || !providerTypes.includes(type as AuthProviderType) || typeof loginKey !== 'string') {
    throw new AuthError('ValidationError', {
      message: 'Unknown provider: pass one of AuthProvider.amazon, apple, facebook, google, twitter, or AuthProvider.oidc/saml/custom(name).',
    });
  }
  return named(type as 'oidc' | 'saml' | 'custom', loginKey);
}
