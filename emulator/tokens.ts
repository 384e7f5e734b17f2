/**
 * Login providers: the token issuers the emulator hosts, the ones it trusts from elsewhere,
 * and the checks a login token has to pass before it maps to an identity.
 *
 * JWT providers (Google, Apple, OpenID Connect issuers, user pools, and Cognito Identity's
 * own OpenID tokens) are verified with jose against the issuer's JWKS, fetched over HTTP
 * even when the emulator hosts the issuer itself, so the same code path checks a local
 * token and one from an external user pool. Opaque-token providers (Facebook, Amazon,
 * Twitter) have no public keys to check against: the emulator remembers the tokens it
 * issued for them instead.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  SignJWT,
  createRemoteJWKSet,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  type CryptoKey,
  type JWK,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { CognitoError, EmulatorUsageError, notAuthorized } from './errors.js';

/** What sort of login provider a login key names; it decides how its tokens look and are checked. */
export type ProviderKind =
  | 'google'
  | 'apple'
  | 'oidc'
  | 'userPool'
  | 'facebook'
  | 'amazon'
  | 'twitter'
  | 'cognitoIdentity';

/** Login key of the OpenID tokens Cognito Identity issues itself. */
export const COGNITO_IDENTITY_LOGIN_KEY = 'cognito-identity.amazonaws.com';

/** The five public providers and the login keys Cognito knows them by. */
export const PUBLIC_PROVIDERS = {
  'accounts.google.com': 'google',
  'appleid.apple.com': 'apple',
  'graph.facebook.com': 'facebook',
  'www.amazon.com': 'amazon',
  'api.twitter.com': 'twitter',
} as const satisfies Record<string, ProviderKind>;

/** A public description of a provider, as the admin API and the handle list it. */
export interface ProviderInfo {
  /** The key a client puts in `Logins`. */
  loginKey: string;
  kind: ProviderKind;
  /** `jwt` tokens are checked against a JWKS; `opaque` ones against the tokens the emulator issued. */
  format: 'jwt' | 'opaque';
  /** The `iss` claim a JWT must carry. */
  issuer?: string;
  /** Where the signing keys are published. */
  jwksUri?: string;
  /** Whether the emulator holds the signing keys and so can mint tokens for it. */
  mintable: boolean;
  /** Audiences (client ids) the provider itself restricts tokens to, when it does. */
  audiences?: string[];
  /** The audience minted tokens carry when none is asked for. */
  defaultAudience?: string;
}

/** Options for minting a login token. */
export interface MintTokenOptions {
  /** Lifetime in seconds from the emulator's clock (default 3600). Negative gives an already expired token. */
  expiresIn?: number;
  /** The `aud` claim (JWT) or app id (opaque); defaults to the audience the default pool expects. */
  aud?: string;
  /**
   * Extra JWT claims, merged over the generated ones (for instance `{ token_use: 'access' }`);
   * a claim set to null is left out (for instance `{ aud: null }`).
   */
  claims?: Record<string, unknown>;
}

/** A login that passed every check: who it is, according to which provider. */
export interface VerifiedLogin {
  loginKey: string;
  kind: ProviderKind;
  subject: string;
  /** The verified claims of a JWT login (absent for opaque tokens). */
  claims?: JWTPayload;
}

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

interface JwtProvider {
  format: 'jwt';
  kind: ProviderKind;
  loginKey: string;
  issuer: string;
  alg: 'RS256' | 'RS512';
  audiences?: string[];
  defaultAudience?: string;
  /** Whether the emulator holds the keys and serves the JWKS itself (under the login key). */
  hosted: boolean;
  /** Set for issuers hosted elsewhere: where their keys are published, as configured for them. */
  externalJwksUri?: string;
  signingKey?: Promise<SigningKey>;
  jwks?: JWTVerifyGetKey;
}

interface IssuedOpaqueToken {
  subject: string;
  expiresAtMs: number;
  audience?: string;
}

interface OpaqueProvider {
  format: 'opaque';
  kind: ProviderKind;
  loginKey: string;
  defaultAudience?: string;
  issued: Map<string, IssuedOpaqueToken>;
}

type Provider = JwtProvider | OpaqueProvider;

const DISPLAY_NAMES: Partial<Record<ProviderKind, string>> = {
  facebook: 'Facebook',
  amazon: 'Amazon',
  twitter: 'Twitter',
};

/** The audience of minted JWTs when neither the caller nor the provider names one. */
const FALLBACK_AUDIENCE = 'emulator-client';

/** Lifetime of a minted login token when the caller does not choose one. */
const DEFAULT_TOKEN_SECONDS = 3600;

/**
 * The path segment a hosted issuer's JWKS and discovery document are served under. Percent-encoding
 * is one-to-one, so two login keys never share keys (`host/realms/a` and `host/realms_a` did when
 * slashes were folded into underscores).
 */
export function pathSegmentFor(loginKey: string): string {
  return encodeURIComponent(loginKey);
}

/** Cognito knows an OpenID Connect provider by its issuer URL without the scheme. */
export function loginKeyForIssuer(issuer: string): string {
  return issuer.replace(/^https?:\/\//, '').replace(/\/+$/, '');
}

/** Holds every provider the emulator knows, mints their tokens and verifies logins. */
export class TokenService {
  private readonly providers = new Map<string, Provider>();
  /** Second names of a provider (alias to login key), so both spellings reach the same identities. */
  private readonly aliases = new Map<string, string>();

  constructor(
    private readonly clock: () => number,
    /** The emulator's own base URL, known only once the server listens. */
    private readonly baseUrl: () => string,
  ) {}

  /** Hosts a JWT issuer: the emulator generates its keys, serves its JWKS and can mint its tokens. */
  hostJwtIssuer(spec: {
    loginKey: string;
    issuer: string;
    kind: ProviderKind;
    alg?: 'RS256' | 'RS512';
    audiences?: string[];
    defaultAudience?: string;
  }): void {
    if (this.providers.has(spec.loginKey)) return;
    this.providers.set(spec.loginKey, {
      format: 'jwt',
      kind: spec.kind,
      loginKey: spec.loginKey,
      issuer: spec.issuer,
      alg: spec.alg ?? 'RS256',
      ...(spec.audiences ? { audiences: spec.audiences } : {}),
      ...(spec.defaultAudience !== undefined ? { defaultAudience: spec.defaultAudience } : {}),
      hosted: true,
    });
  }

  /** Trusts a JWT issuer whose keys are published elsewhere (for instance a local user pool service). */
  trustJwtIssuer(spec: {
    loginKey: string;
    issuer: string;
    jwksUri: string;
    kind: ProviderKind;
    audiences?: string[];
  }): void {
    this.providers.set(spec.loginKey, {
      format: 'jwt',
      kind: spec.kind,
      loginKey: spec.loginKey,
      issuer: spec.issuer,
      alg: 'RS256',
      ...(spec.audiences ? { audiences: spec.audiences } : {}),
      hosted: false,
      externalJwksUri: spec.jwksUri,
    });
  }

  /** Adds a provider whose tokens are opaque strings only it can check. */
  addOpaqueProvider(spec: { loginKey: string; kind: ProviderKind; defaultAudience?: string }): void {
    if (this.providers.has(spec.loginKey)) return;
    this.providers.set(spec.loginKey, {
      format: 'opaque',
      kind: spec.kind,
      loginKey: spec.loginKey,
      ...(spec.defaultAudience !== undefined ? { defaultAudience: spec.defaultAudience } : {}),
      issued: new Map(),
    });
  }

  /** Lets a provider also be reached under another login key. */
  addAlias(alias: string, loginKey: string): void {
    if (alias !== loginKey && !this.providers.has(alias)) this.aliases.set(alias, loginKey);
  }

  /** The login key a provider is registered under, following an alias. */
  canonical(loginKey: string): string {
    return this.aliases.get(loginKey) ?? loginKey;
  }

  has(loginKey: string): boolean {
    return this.providers.has(this.canonical(loginKey));
  }

  kindOf(loginKey: string): ProviderKind | undefined {
    return this.providers.get(loginKey)?.kind;
  }

  /** Audiences the provider itself restricts tokens to (OpenID Connect client ids), if any. */
  providerAudiences(loginKey: string): string[] | undefined {
    const provider = this.providers.get(loginKey);
    return provider?.format === 'jwt' ? provider.audiences : undefined;
  }

  describe(loginKey: string): ProviderInfo | undefined {
    const provider = this.providers.get(loginKey);
    return provider && this.info(provider);
  }

  list(): ProviderInfo[] {
    return [...this.providers.values()].map((provider) => this.info(provider));
  }

  /** The public JWKS of a hosted issuer, by its login key (the decoded path segment). */
  async jwks(loginKey: string): Promise<{ keys: JWK[] } | undefined> {
    const provider = this.hosted(loginKey);
    if (!provider) return undefined;
    const key = await this.signingKey(provider);
    return { keys: [key.publicJwk] };
  }

  /** A minimal OpenID discovery document for a hosted issuer, by its login key (the decoded path segment). */
  discovery(loginKey: string): Record<string, unknown> | undefined {
    const provider = this.hosted(loginKey);
    if (!provider) return undefined;
    return {
      issuer: provider.issuer,
      jwks_uri: this.jwksUri(provider),
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [provider.alg],
    };
  }

  /**
   * Mints a login token for a provider the emulator can issue for: a signed JWT for JWT
   * issuers it hosts, a remembered random string for opaque-token providers.
   */
  async mint(loginKey: string, subject: string, options: MintTokenOptions = {}): Promise<string> {
    const provider = this.providers.get(this.canonical(loginKey));
    if (!provider) throw new EmulatorUsageError(`Unknown login provider '${loginKey}'.`);
    if (!subject) throw new EmulatorUsageError('A subject (sub) is required to mint a token.');
    if (provider.kind === 'cognitoIdentity') {
      throw new EmulatorUsageError(`Tokens of ${loginKey} come from GetOpenIdToken, not from the admin API.`);
    }
    const expiresIn = options.expiresIn ?? DEFAULT_TOKEN_SECONDS;
    if (!Number.isFinite(expiresIn)) throw new EmulatorUsageError('expiresIn must be a number of seconds.');
    const audience = options.aud ?? provider.defaultAudience;
    if (provider.format === 'opaque') return this.mintOpaque(provider, subject, expiresIn, audience);
    if (!provider.hosted) {
      throw new EmulatorUsageError(`The signing keys of ${loginKey} are held elsewhere; the emulator cannot mint for it.`);
    }
    // A provider configured without a client id still needs some audience: real id tokens always carry one.
    return this.signJwt(
      provider,
      this.standardClaims(provider, subject),
      { subject, expiresIn, audience: audience ?? FALLBACK_AUDIENCE },
      options.claims,
    );
  }

  /**
   * Mints a Cognito Identity OpenID token (issuer `cognito-identity.amazonaws.com`) for an identity:
   * the audience is the identity pool, the subject the identity id.
   */
  async mintCognitoIdentityToken(spec: {
    identityPoolId: string;
    identityId: string;
    amr: string[];
    durationSeconds: number;
    principalTags?: Record<string, string>;
  }): Promise<string> {
    const provider = this.providers.get(COGNITO_IDENTITY_LOGIN_KEY);
    if (!provider || provider.format !== 'jwt') throw new Error('The Cognito Identity issuer is not set up.');
    const claims: Record<string, unknown> = { amr: spec.amr };
    if (spec.principalTags && Object.keys(spec.principalTags).length > 0) {
      claims['https://aws.amazon.com/tags'] = { principal_tags: mapValuesToLists(spec.principalTags) };
    }
    return this.signJwt(provider, claims, {
      subject: spec.identityId,
      expiresIn: spec.durationSeconds,
      audience: spec.identityPoolId,
    });
  }

  /**
   * Signs a token as a hosted JWT issuer with the claims given (the user-pool half's id and
   * access tokens); `audience` undefined leaves `aud` out, as Cognito's access tokens do.
   */
  async signAs(
    loginKey: string,
    claims: Record<string, unknown>,
    spec: { subject: string; expiresIn: number; audience?: string },
  ): Promise<string> {
    const provider = this.providers.get(this.canonical(loginKey));
    if (provider?.format !== 'jwt' || !provider.hosted) throw new Error(`No hosted issuer for ${loginKey}.`);
    return this.signJwt(provider, claims, { subject: spec.subject, expiresIn: spec.expiresIn, audience: spec.audience });
  }

  /**
   * Checks a login token the way Cognito does and returns who it names.
   * @param audiences the audiences the identity pool accepts for this provider; undefined accepts any.
   * @throws CognitoError NotAuthorizedException for a bad token, ExternalServiceException when keys can't be fetched.
   */
  async verify(loginKey: string, token: string, audiences: readonly string[] | undefined): Promise<VerifiedLogin> {
    const provider = this.providers.get(loginKey);
    if (!provider) throw notAuthorized('Token is not from a supported provider of this identity pool.');
    return provider.format === 'opaque'
      ? this.verifyOpaque(provider, token, audiences)
      : this.verifyJwt(provider, token, audiences);
  }

  private info(provider: Provider): ProviderInfo {
    const base = {
      loginKey: provider.loginKey,
      kind: provider.kind,
      format: provider.format,
      ...(provider.defaultAudience !== undefined ? { defaultAudience: provider.defaultAudience } : {}),
    };
    if (provider.format === 'opaque') return { ...base, mintable: true };
    return {
      ...base,
      issuer: provider.issuer,
      jwksUri: this.jwksUri(provider),
      mintable: provider.hosted && provider.kind !== 'cognitoIdentity',
      ...(provider.audiences ? { audiences: provider.audiences } : {}),
    };
  }

  private hosted(loginKey: string): JwtProvider | undefined {
    const provider = this.providers.get(loginKey);
    return provider?.format === 'jwt' && provider.hosted ? provider : undefined;
  }

  /** Each provider has its own JWKS location, so a token is only ever checked against its own issuer's keys. */
  private jwksUri(provider: JwtProvider): string {
    return provider.externalJwksUri ?? `${this.baseUrl()}/_emulator/jwks/${pathSegmentFor(provider.loginKey)}`;
  }

  /** Keys are made on first use: RSA generation is slow enough to matter when tests start many emulators. */
  private signingKey(provider: JwtProvider): Promise<SigningKey> {
    provider.signingKey ??= (async () => {
      const { privateKey, publicKey } = await generateKeyPair(provider.alg);
      const kid = randomUUID();
      const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: provider.alg, use: 'sig' };
      return { kid, privateKey, publicJwk };
    })();
    return provider.signingKey;
  }

  /** The claims each kind of issuer puts in its id tokens, beyond iss/sub/aud/iat/exp. */
  private standardClaims(provider: JwtProvider, subject: string): Record<string, unknown> {
    const nowSeconds = Math.floor(this.clock() / 1000);
    switch (provider.kind) {
      case 'userPool':
        return { token_use: 'id', 'cognito:username': subject, auth_time: nowSeconds };
      case 'google':
        return { azp: provider.defaultAudience, email_verified: true };
      default:
        return {};
    }
  }

  /** Signs a JWT; `overrides` come last so a test can forge any claim (a wrong `iss`, a missing `aud`). */
  private async signJwt(
    provider: JwtProvider,
    claims: Record<string, unknown>,
    spec: { subject: string; expiresIn: number; audience: string | undefined },
    overrides: Record<string, unknown> = {},
  ): Promise<string> {
    const key = await this.signingKey(provider);
    const issuedAt = Math.floor(this.clock() / 1000);
    const payload: Record<string, unknown> = {
      ...claims,
      iss: provider.issuer,
      sub: spec.subject,
      ...(spec.audience !== undefined ? { aud: spec.audience } : {}),
      iat: issuedAt,
      exp: issuedAt + Math.trunc(spec.expiresIn),
      ...overrides,
    };
    for (const [name, value] of Object.entries(payload)) if (value === undefined || value === null) delete payload[name];
    return new SignJWT(payload as JWTPayload)
      .setProtectedHeader({ alg: provider.alg, kid: key.kid, typ: 'JWT' })
      .sign(key.privateKey);
  }

  private mintOpaque(provider: OpaqueProvider, subject: string, expiresIn: number, audience?: string): string {
    // Shaped like each provider's real tokens so length and character checks on the client side behave.
    const random = (bytes: number) => randomBytes(bytes).toString('base64url');
    const token =
      provider.kind === 'facebook'
        ? `EAA${random(96)}`
        : provider.kind === 'amazon'
          ? `Atza|${random(96)}`
          : `${random(24)};${random(32)}`;
    provider.issued.set(token, {
      subject,
      expiresAtMs: this.clock() + expiresIn * 1000,
      ...(audience !== undefined ? { audience } : {}),
    });
    return token;
  }

  private verifyOpaque(
    provider: OpaqueProvider,
    token: string,
    audiences: readonly string[] | undefined,
  ): VerifiedLogin {
    const issued = provider.issued.get(token);
    const name = DISPLAY_NAMES[provider.kind] ?? provider.loginKey;
    if (!issued) throw notAuthorized(`Invalid login token. Invalid ${name} token.`);
    const now = this.clock();
    if (now >= issued.expiresAtMs) {
      throw notAuthorized(
        `Invalid login token. Token expired: ${Math.floor(now / 1000)} >= ${Math.floor(issued.expiresAtMs / 1000)}`,
      );
    }
    if (audiences && issued.audience !== undefined && !audiences.includes(issued.audience)) {
      throw notAuthorized('Invalid login token. Incorrect token audience.');
    }
    return { loginKey: provider.loginKey, kind: provider.kind, subject: issued.subject };
  }

  private async verifyJwt(
    provider: JwtProvider,
    token: string,
    audiences: readonly string[] | undefined,
  ): Promise<VerifiedLogin> {
    provider.jwks ??= createRemoteJWKSet(new URL(this.jwksUri(provider)), { timeoutDuration: 3000 });
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, provider.jwks, {
        issuer: provider.issuer,
        algorithms: ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'PS256'],
        currentDate: new Date(this.clock()),
        // Without exp a token would never expire; Cognito refuses it.
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      throw this.joseErrorToCognito(error, provider);
    }
    checkClaims(payload, provider, audiences);
    return { loginKey: provider.loginKey, kind: provider.kind, subject: payload.sub as string, claims: payload };
  }

  /** Maps jose's failure codes to the wording Cognito uses for the same failure. */
  private joseErrorToCognito(error: unknown, provider: JwtProvider): CognitoError {
    const code = (error as { code?: unknown } | null)?.code;
    switch (code) {
      case 'ERR_JWT_EXPIRED': {
        const exp = (error as { payload?: JWTPayload }).payload?.exp;
        return notAuthorized(`Invalid login token. Token expired: ${Math.floor(this.clock() / 1000)} >= ${exp}`);
      }
      case 'ERR_JWT_CLAIM_VALIDATION_FAILED': {
        const claim = (error as { claim?: string }).claim;
        if (claim === 'iss') return notAuthorized("Invalid login token. Issuer doesn't match providerName");
        if (claim === 'nbf') return notAuthorized('Invalid login token. Token is not yet valid.');
        if ((error as { reason?: string }).reason === 'missing') {
          return notAuthorized(`Invalid login token. Missing a required claim: ${claim}`);
        }
        return notAuthorized(`Invalid login token. Invalid claim: ${claim}`);
      }
      case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      case 'ERR_JWKS_NO_MATCHING_KEY':
      case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      case 'ERR_JOSE_ALG_NOT_ALLOWED':
      case 'ERR_JOSE_NOT_SUPPORTED':
        return notAuthorized("Invalid login token. Couldn't verify signed token.");
      case 'ERR_JWS_INVALID':
      case 'ERR_JWT_INVALID':
        return notAuthorized('Invalid login token. Not a valid OpenId Connect identity token.');
      default:
        // Anything else is the issuer's JWKS endpoint failing (unreachable, timed out, not a JWKS).
        return new CognitoError(
          'ExternalServiceException',
          `An error occurred while fetching the signing keys of ${provider.loginKey}.`,
        );
    }
  }
}

/** The claim checks jose leaves to the caller: audience, subject, and the user pool token use. */
function checkClaims(payload: JWTPayload, provider: JwtProvider, audiences: readonly string[] | undefined): void {
  if (payload.aud === undefined) throw notAuthorized('Invalid login token. Missing a required claim: aud');
  if (typeof payload.sub !== 'string' || payload.sub === '') {
    throw notAuthorized('Invalid login token. Missing a required claim: sub');
  }
  const tokenAudiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (audiences && !tokenAudiences.some((aud) => audiences.includes(aud))) {
    throw notAuthorized('Invalid login token. Incorrect token audience.');
  }
  // Identity pools accept user pool id tokens only; an access token has no aud, but a hand-made one might.
  if (provider.kind === 'userPool' && payload.token_use !== 'id') {
    throw notAuthorized("Invalid login token. Token use must be 'id'.");
  }
}

function mapValuesToLists(tags: Record<string, string>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(tags).map(([key, value]) => [key, [value]]));
}
