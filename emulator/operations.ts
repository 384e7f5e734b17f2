/**
 * The Cognito Identity operations: request validation, the login-to-identity rules, and the
 * response shapes, using the field names of the real API (AWS JSON 1.1).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { CognitoError, invalidParameter, notAuthorized, notFound } from './errors.js';
import type { CognitoIdentityProviderEntry, Identity, Pool, Store } from './store.js';
import {
  COGNITO_IDENTITY_LOGIN_KEY,
  PUBLIC_PROVIDERS,
  type ProviderKind,
  type TokenService,
  type VerifiedLogin,
} from './tokens.js';

/** What the operations need from the emulator around them. */
export interface OperationContext {
  store: Store;
  tokens: TokenService;
  /** The emulator's clock, epoch ms. */
  clock: () => number;
  region: string;
  /** Account id used in the role ARNs of pools the emulator creates. */
  accountId: string;
  /** Credential lifetime for pools created through CreateIdentityPool. */
  defaultCredentialLifetimeSeconds: number;
}

/** An operation's JSON output and what the call log should record about it. */
export interface OperationResult {
  output: Record<string, unknown>;
  identityId?: string;
  identityPoolId?: string;
  roleArn?: string;
}

type Input = Record<string, unknown>;

interface Operation {
  /** Signed operations need a valid SigV4 signature; the others are public, as in Cognito. */
  signed: boolean;
  run(ctx: OperationContext, input: Input): Promise<OperationResult>;
}

// ---------------------------------------------------------------------------------------------
// Field rules, from the Cognito Identity API reference.

const ID_PATTERN = /^[\w-]+:[0-9a-f-]+$/;
const ID_PATTERN_TEXT = '[\\w-]+:[0-9a-f-]+';
const ROLE_ARN = /^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const OIDC_PROVIDER_ARN = /^arn:aws:iam::\d{12}:oidc-provider\/(.+)$/;
const USER_POOL_PROVIDER = /^cognito-idp\.[a-z0-9-]+\.amazonaws\.com\/[\w-]+_[0-9a-zA-Z]+$/;
const MAX_LOGINS = 10;
/** GetOpenIdToken's tokens last ten minutes; developer tokens default to fifteen. */
const OPEN_ID_TOKEN_SECONDS = 600;
const DEVELOPER_TOKEN_SECONDS = 900;
const MAX_DEVELOPER_TOKEN_SECONDS = 86_400;

const LOGINS_DONT_MATCH = "Logins don't match. Please include at least one valid login for this identity or identity pool.";
const GUESTS_NOT_ALLOWED = 'Unauthenticated access is not supported for this identity pool.';
const UNSUPPORTED_PROVIDER = 'Token is not from a supported provider of this identity pool.';

/** Cognito's validation wording: `1 validation error detected: Value … at 'field' failed to satisfy constraint: …`. */
function validationError(field: string, value: unknown, constraint: string): CognitoError {
  const shown = value === undefined || value === null ? 'null' : `'${String(value)}'`;
  return invalidParameter(
    `1 validation error detected: Value ${shown} at '${lowerFirst(field)}' failed to satisfy constraint: ${constraint}`,
  );
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function requiredString(input: Input, field: string, rule: { pattern?: RegExp; patternText?: string; max: number }): string {
  const value = input[field];
  if (value === undefined || value === null) throw validationError(field, value, 'Member must not be null');
  return checkedString(field, value, rule);
}

function optionalString(
  input: Input,
  field: string,
  rule: { pattern?: RegExp; patternText?: string; max: number },
): string | undefined {
  const value = input[field];
  return value === undefined || value === null ? undefined : checkedString(field, value, rule);
}

function checkedString(field: string, value: unknown, rule: { pattern?: RegExp; patternText?: string; max: number }): string {
  if (typeof value !== 'string') throw validationError(field, undefined, 'Member must be a string');
  if (value.length < 1) throw validationError(field, value, 'Member must have length greater than or equal to 1');
  if (value.length > rule.max) {
    throw validationError(field, value, `Member must have length less than or equal to ${rule.max}`);
  }
  if (rule.pattern && !rule.pattern.test(value)) {
    throw validationError(field, value, `Member must satisfy regular expression pattern: ${rule.patternText ?? rule.pattern.source}`);
  }
  return value;
}

function requiredPoolId(input: Input): string {
  return requiredString(input, 'IdentityPoolId', { pattern: ID_PATTERN, patternText: ID_PATTERN_TEXT, max: 55 });
}

function requiredIdentityId(input: Input): string {
  return requiredString(input, 'IdentityId', { pattern: ID_PATTERN, patternText: ID_PATTERN_TEXT, max: 55 });
}

function optionalBoolean(input: Input, field: string): boolean | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw validationError(field, undefined, 'Member must be a boolean');
  return value;
}

function optionalInteger(input: Input, field: string, min: number, max: number): number | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw validationError(field, undefined, 'Member must be an integer');
  if (value < min) throw validationError(field, value, `Member must have value greater than or equal to ${min}`);
  if (value > max) throw validationError(field, value, `Member must have value less than or equal to ${max}`);
  return value;
}

/** A map of string to string, as `Logins`, `IdentityPoolTags` or `PrincipalTags` are. */
function optionalStringMap(input: Input, field: string, limits: { maxEntries: number; maxKey: number; maxValue: number }) {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw validationError(field, undefined, 'Member must be a map of string to string');
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > limits.maxEntries) {
    // Values are never echoed: for Logins they are credentials.
    throw invalidParameter(
      `1 validation error detected: Value at '${lowerFirst(field)}' failed to satisfy constraint: Member must have length less than or equal to ${limits.maxEntries}`,
    );
  }
  for (const [key, entry] of entries) {
    if (key.length < 1 || key.length > limits.maxKey) {
      throw invalidParameter(`1 validation error detected: A key at '${lowerFirst(field)}' has a length outside 1..${limits.maxKey}`);
    }
    if (typeof entry !== 'string' || entry.length < 1 || entry.length > limits.maxValue) {
      throw invalidParameter(
        `1 validation error detected: Value at '${lowerFirst(field)}.${key}' failed to satisfy constraint: Member must be a string of length 1..${limits.maxValue}`,
      );
    }
  }
  return value as Record<string, string>;
}

function optionalLogins(input: Input): Record<string, string> {
  return optionalStringMap(input, 'Logins', { maxEntries: MAX_LOGINS, maxKey: 128, maxValue: 50_000 }) ?? {};
}

function optionalCustomRoleArn(input: Input): string | undefined {
  const value = optionalString(input, 'CustomRoleArn', { max: 2048 });
  if (value !== undefined && !ROLE_ARN.test(value)) {
    throw validationError('CustomRoleArn', value, 'Member must be an IAM role ARN: arn:aws:iam::<account id>:role/<name>');
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Lookups.

function requirePool(ctx: OperationContext, poolId: string): Pool {
  const pool = ctx.store.pools.get(poolId);
  if (!pool) throw notFound(`IdentityPool '${poolId}' not found.`);
  return pool;
}

function requireIdentity(ctx: OperationContext, identityId: string): { identity: Identity; pool: Pool } {
  const identity = ctx.store.identities.get(identityId);
  const pool = identity && ctx.store.pools.get(identity.identityPoolId);
  if (!identity || !pool) throw notFound(`Identity '${identityId}' not found.`);
  return { identity, pool };
}

// ---------------------------------------------------------------------------------------------
// Logins: which providers a pool trusts, which audiences it accepts, and linking to identities.

/** Whether a pool trusts a login key, by the configuration Cognito would look at. */
function trusts(pool: Pool, loginKey: string): boolean {
  if (loginKey === COGNITO_IDENTITY_LOGIN_KEY) return true;
  if (loginKey in pool.SupportedLoginProviders) return true;
  if (pool.CognitoIdentityProviders.some((entry) => entry.ProviderName === loginKey)) return true;
  return pool.OpenIdConnectProviderARNs.some((arn) => OIDC_PROVIDER_ARN.exec(arn)?.[1] === loginKey);
}

/**
 * The audiences a pool accepts for a provider; undefined accepts any. Public providers and
 * user pools take them from the pool; OpenID Connect providers from the provider itself.
 */
function audiencesFor(ctx: OperationContext, pool: Pool, loginKey: string, kind: ProviderKind): string[] | undefined {
  switch (kind) {
    case 'cognitoIdentity':
      return [pool.IdentityPoolId];
    case 'userPool': {
      const entries = pool.CognitoIdentityProviders.filter((entry) => entry.ProviderName === loginKey);
      if (entries.length === 0 || entries.some((entry) => !entry.ClientId)) return undefined;
      return entries.map((entry) => entry.ClientId as string);
    }
    case 'oidc':
      return ctx.tokens.providerAudiences(loginKey);
    case 'twitter':
      return undefined; // Its value is a consumer key;secret pair, not an audience.
    default: {
      const ids = (pool.SupportedLoginProviders[loginKey] ?? '')
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean);
      return ids.length > 0 ? ids : undefined;
    }
  }
}

/** Verifies every login in order, so the first bad one decides the error as it would in Cognito. */
async function verifyLogins(ctx: OperationContext, pool: Pool, logins: Record<string, string>): Promise<VerifiedLogin[]> {
  const verified: VerifiedLogin[] = [];
  for (const [presentedKey, token] of Object.entries(logins)) {
    const loginKey = ctx.tokens.canonical(presentedKey);
    const kind = ctx.tokens.kindOf(loginKey);
    if (!kind || !trusts(pool, loginKey)) throw notAuthorized(UNSUPPORTED_PROVIDER);
    verified.push(await ctx.tokens.verify(loginKey, token, audiencesFor(ctx, pool, loginKey, kind)));
  }
  return verified;
}

/** The identity a verified login belongs to: its owner by link, or the one a Cognito token names. */
function ownerOf(ctx: OperationContext, pool: Pool, login: VerifiedLogin): Identity | undefined {
  if (login.kind === 'cognitoIdentity') {
    const identity = ctx.store.identities.get(login.subject);
    return identity?.identityPoolId === pool.IdentityPoolId ? identity : undefined;
  }
  return ctx.store.identityForLogin(pool.IdentityPoolId, login.loginKey, login.subject);
}

/** Links the logins that belong to nobody yet; an identity holds one login per provider. */
function linkFreeLogins(ctx: OperationContext, pool: Pool, identity: Identity, logins: VerifiedLogin[]): void {
  for (const login of logins) {
    if (login.kind === 'cognitoIdentity' || ownerOf(ctx, pool, login)) continue;
    const held = identity.logins.get(login.loginKey);
    if (held !== undefined && held !== login.subject) {
      throw new CognitoError('ResourceConflictException', `Identity already has a login for ${login.loginKey}.`);
    }
    ctx.store.link(identity, login.loginKey, login.subject);
  }
}

/**
 * Decides whether the caller may act as an identity with the logins given, linking new ones.
 *
 * - No logins: allowed for a guest identity of a pool that allows guests.
 * - An authenticated identity needs at least one login already linked to it (or a Cognito token
 *   naming it); others that belong to nobody are linked, as Cognito links logins presented together.
 * - A guest identity presented with logins that belong to nobody becomes authenticated with
 *   them: Cognito's documented switch from guest to signed-in user keeps the identity id.
 * - A login that belongs to another identity never authorizes this one.
 */
async function authorizeIdentity(
  ctx: OperationContext,
  pool: Pool,
  identity: Identity,
  rawLogins: Record<string, string>,
): Promise<{ authenticated: boolean; logins: VerifiedLogin[] }> {
  const logins = await verifyLogins(ctx, pool, rawLogins);
  if (logins.length === 0) {
    if (identity.logins.size > 0) throw notAuthorized(`Access to Identity '${identity.identityId}' is forbidden.`);
    if (!pool.AllowUnauthenticatedIdentities) throw notAuthorized(GUESTS_NOT_ALLOWED);
    return { authenticated: false, logins };
  }
  const owners = logins.map((login) => ownerOf(ctx, pool, login));
  const matchesThis = owners.some((owner) => owner?.identityId === identity.identityId);
  const ownedElsewhere = owners.some((owner) => owner !== undefined && owner.identityId !== identity.identityId);
  const namesOtherIdentity = logins.some(
    (login, i) => login.kind === 'cognitoIdentity' && owners[i]?.identityId !== identity.identityId,
  );
  const isGuest = identity.logins.size === 0;
  if (!matchesThis && (!isGuest || ownedElsewhere || namesOtherIdentity)) throw notAuthorized(LOGINS_DONT_MATCH);
  if (ownedElsewhere) {
    throw new CognitoError('ResourceConflictException', 'A login presented is already linked to another identity.');
  }
  linkFreeLogins(ctx, pool, identity, logins);
  // A guest presenting its own unauthenticated Cognito token is still a guest.
  const authenticated = identity.logins.size > 0;
  if (!authenticated && !pool.AllowUnauthenticatedIdentities) throw notAuthorized(GUESTS_NOT_ALLOWED);
  return { authenticated, logins };
}

// ---------------------------------------------------------------------------------------------
// Response shapes.

/** Timestamps go over the wire as epoch seconds. */
function epochSeconds(ms: number): number {
  return Math.round(ms) / 1000;
}

function describeIdentity(identity: Identity): Record<string, unknown> {
  return {
    IdentityId: identity.identityId,
    Logins: [...identity.logins.keys()],
    CreationDate: epochSeconds(identity.createdAtMs),
    LastModifiedDate: epochSeconds(identity.modifiedAtMs),
  };
}

function describePool(pool: Pool): Record<string, unknown> {
  return {
    IdentityPoolId: pool.IdentityPoolId,
    IdentityPoolName: pool.IdentityPoolName,
    AllowUnauthenticatedIdentities: pool.AllowUnauthenticatedIdentities,
    AllowClassicFlow: pool.AllowClassicFlow,
    SupportedLoginProviders: pool.SupportedLoginProviders,
    ...(pool.DeveloperProviderName !== undefined ? { DeveloperProviderName: pool.DeveloperProviderName } : {}),
    OpenIdConnectProviderARNs: pool.OpenIdConnectProviderARNs,
    CognitoIdentityProviders: pool.CognitoIdentityProviders,
    SamlProviderARNs: pool.SamlProviderARNs,
    IdentityPoolTags: pool.IdentityPoolTags,
  };
}

const KEY_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * Temporary credentials shaped like STS's: `ASIA…` key id, 40-character secret, long session
 * token. They are remembered, so that a local service can check requests signed with them.
 */
function newCredentials(ctx: OperationContext, lifetimeSeconds: number, identityId: string): Record<string, unknown> {
  const keyId = [...randomBytes(16)].map((byte) => KEY_ID_ALPHABET[byte % 32]).join('');
  const expiration = Math.floor((ctx.clock() + lifetimeSeconds * 1000) / 1000);
  const credentials = {
    accessKeyId: `ASIA${keyId}`,
    secretAccessKey: randomBytes(30).toString('base64'),
    sessionToken: randomBytes(600).toString('base64'),
    expirationMs: expiration * 1000,
    identityId,
  };
  ctx.store.recordIssuedCredentials(credentials);
  return {
    AccessKeyId: credentials.accessKeyId,
    SecretKey: credentials.secretAccessKey,
    SessionToken: credentials.sessionToken,
    Expiration: expiration,
  };
}

/** The `amr` claim of a Cognito OpenID token: how the identity signed in. */
function amrFor(pool: Pool, logins: VerifiedLogin[], authenticated: boolean): string[] {
  if (!authenticated) return ['unauthenticated'];
  const amr = ['authenticated'];
  for (const login of logins) {
    if (login.kind === 'cognitoIdentity') continue;
    const aud = login.claims?.aud;
    const audience = (Array.isArray(aud) ? aud[0] : aud) ?? pool.IdentityPoolId;
    amr.push(login.loginKey, `${login.loginKey}:${audience}:${login.subject}`);
  }
  return amr;
}

// ---------------------------------------------------------------------------------------------
// The operations.

async function getId(ctx: OperationContext, input: Input): Promise<OperationResult> {
  const poolId = requiredPoolId(input);
  optionalString(input, 'AccountId', { pattern: /^\d+$/, max: 15 });
  const rawLogins = optionalLogins(input);
  const pool = requirePool(ctx, poolId);
  const logins = await verifyLogins(ctx, pool, rawLogins);

  if (logins.length === 0) {
    if (!pool.AllowUnauthenticatedIdentities) throw notAuthorized(GUESTS_NOT_ALLOWED);
    // Cognito makes a new guest identity on every GetId without logins; clients cache the id.
    const guest = ctx.store.createIdentity(pool);
    return { output: { IdentityId: guest.identityId }, identityId: guest.identityId, identityPoolId: poolId };
  }
  const owners = new Map<string, Identity>();
  logins.forEach((login) => {
    const owner = ownerOf(ctx, pool, login);
    if (owner) owners.set(owner.identityId, owner);
    else if (login.kind === 'cognitoIdentity') throw notAuthorized(LOGINS_DONT_MATCH);
  });
  if (owners.size > 1) {
    throw new CognitoError('ResourceConflictException', 'The logins presented are linked to different identities.');
  }
  const identity = [...owners.values()][0] ?? ctx.store.createIdentity(pool);
  linkFreeLogins(ctx, pool, identity, logins);
  return { output: { IdentityId: identity.identityId }, identityId: identity.identityId, identityPoolId: poolId };
}

async function getCredentialsForIdentity(ctx: OperationContext, input: Input): Promise<OperationResult> {
  const identityId = requiredIdentityId(input);
  const rawLogins = optionalLogins(input);
  const customRoleArn = optionalCustomRoleArn(input);
  const { identity, pool } = requireIdentity(ctx, identityId);
  const { authenticated } = await authorizeIdentity(ctx, pool, identity, rawLogins);
  const poolRole = pool.roles[authenticated ? 'authenticated' : 'unauthenticated'];
  if (!poolRole) {
    throw new CognitoError(
      'InvalidIdentityPoolConfigurationException',
      'Invalid identity pool configuration. Check assigned IAM roles for this pool.',
    );
  }
  return {
    output: { IdentityId: identityId, Credentials: newCredentials(ctx, pool.credentialLifetimeSeconds, identityId) },
    identityId,
    identityPoolId: pool.IdentityPoolId,
    roleArn: customRoleArn ?? poolRole,
  };
}

async function getOpenIdToken(ctx: OperationContext, input: Input): Promise<OperationResult> {
  const identityId = requiredIdentityId(input);
  const rawLogins = optionalLogins(input);
  const { identity, pool } = requireIdentity(ctx, identityId);
  const { authenticated, logins } = await authorizeIdentity(ctx, pool, identity, rawLogins);
  const token = await ctx.tokens.mintCognitoIdentityToken({
    identityPoolId: pool.IdentityPoolId,
    identityId,
    amr: amrFor(pool, logins, authenticated),
    durationSeconds: OPEN_ID_TOKEN_SECONDS,
  });
  return { output: { IdentityId: identityId, Token: token }, identityId, identityPoolId: pool.IdentityPoolId };
}

/**
 * The developer-authenticated flow: a trusted backend vouches for its own user id, gets (or
 * makes) the identity for it, and receives an OpenID token the client then uses as the login
 * `cognito-identity.amazonaws.com`.
 */
async function getOpenIdTokenForDeveloperIdentity(ctx: OperationContext, input: Input): Promise<OperationResult> {
  const poolId = requiredPoolId(input);
  const requestedId = optionalString(input, 'IdentityId', { pattern: ID_PATTERN, patternText: ID_PATTERN_TEXT, max: 55 });
  if (input['Logins'] === undefined || input['Logins'] === null) {
    throw validationError('Logins', undefined, 'Member must not be null');
  }
  const rawLogins = optionalLogins(input);
  const principalTags = optionalStringMap(input, 'PrincipalTags', { maxEntries: 50, maxKey: 128, maxValue: 256 });
  const duration = optionalInteger(input, 'TokenDuration', 1, MAX_DEVELOPER_TOKEN_SECONDS) ?? DEVELOPER_TOKEN_SECONDS;
  const pool = requirePool(ctx, poolId);
  const developerName = pool.DeveloperProviderName;
  if (!developerName) throw notAuthorized('This identity pool has no developer provider name configured.');
  const developerUserId = rawLogins[developerName];
  if (developerUserId === undefined) {
    throw invalidParameter(`Logins must contain the developer provider name of the identity pool (${developerName}).`);
  }
  if (developerUserId.length > 1024) throw validationError('DeveloperUserIdentifier', undefined, 'Member must have length less than or equal to 1024');
  const { [developerName]: _developer, ...tokenLogins } = rawLogins;
  const logins = await verifyLogins(ctx, pool, tokenLogins);

  const registered = ctx.store.identityForLogin(poolId, developerName, developerUserId);
  let identity: Identity;
  if (requestedId !== undefined) {
    const found = ctx.store.identities.get(requestedId);
    if (!found || found.identityPoolId !== poolId) throw notFound(`Identity '${requestedId}' not found.`);
    if (registered && registered.identityId !== found.identityId) {
      throw new CognitoError(
        'DeveloperUserAlreadyRegisteredException',
        'The provided developer user identifier is already registered with Cognito under a different identity ID.',
      );
    }
    identity = found;
  } else {
    const fromTokens = logins.map((login) => ownerOf(ctx, pool, login)).find(Boolean);
    identity = registered ?? fromTokens ?? ctx.store.createIdentity(pool);
  }
  if (!registered) {
    if (identity.logins.has(developerName)) {
      throw new CognitoError('ResourceConflictException', 'The identity is already linked to another developer user identifier.');
    }
    ctx.store.link(identity, developerName, developerUserId);
  }
  linkFreeLogins(ctx, pool, identity, logins);

  const token = await ctx.tokens.mintCognitoIdentityToken({
    identityPoolId: poolId,
    identityId: identity.identityId,
    amr: ['authenticated', developerName, `${developerName}:${poolId}:${developerUserId}`],
    durationSeconds: duration,
    ...(principalTags ? { principalTags } : {}),
  });
  return {
    output: { IdentityId: identity.identityId, Token: token },
    identityId: identity.identityId,
    identityPoolId: poolId,
  };
}

async function createIdentityPool(ctx: OperationContext, input: Input): Promise<OperationResult> {
  const name = requiredString(input, 'IdentityPoolName', { pattern: /^[\w\s+=,.@-]+$/, max: 128 });
  const allowGuests = optionalBoolean(input, 'AllowUnauthenticatedIdentities');
  if (allowGuests === undefined) throw validationError('AllowUnauthenticatedIdentities', undefined, 'Member must not be null');
  const developerName = optionalString(input, 'DeveloperProviderName', { pattern: /^[\w._-]+$/, max: 128 });
  if (developerName !== undefined && (developerName in PUBLIC_PROVIDERS || developerName === COGNITO_IDENTITY_LOGIN_KEY)) {
    throw invalidParameter(`DeveloperProviderName cannot be '${developerName}'.`);
  }
  const pool: Pool = {
    IdentityPoolId: `${ctx.region}:${randomUUID()}`,
    IdentityPoolName: name,
    AllowUnauthenticatedIdentities: allowGuests,
    AllowClassicFlow: optionalBoolean(input, 'AllowClassicFlow') ?? false,
    SupportedLoginProviders: supportedLoginProviders(input),
    ...(developerName !== undefined ? { DeveloperProviderName: developerName } : {}),
    OpenIdConnectProviderARNs: openIdConnectProviderArns(ctx, input),
    CognitoIdentityProviders: cognitoIdentityProviders(ctx, input),
    SamlProviderARNs: stringList(input, 'SamlProviderARNs'),
    IdentityPoolTags: optionalStringMap(input, 'IdentityPoolTags', { maxEntries: 50, maxKey: 128, maxValue: 256 }) ?? {},
    // Cognito leaves roles to SetIdentityPoolRoles; the emulator has no IAM, so it assigns two at once.
    roles: defaultRoles(ctx.accountId, name),
    credentialLifetimeSeconds: ctx.defaultCredentialLifetimeSeconds,
  };
  ctx.store.addPool(pool);
  return { output: describePool(pool), identityPoolId: pool.IdentityPoolId };
}

/** The role ARNs a new pool gets, named the way the Cognito console names them. */
export function defaultRoles(accountId: string, poolName: string): Record<string, string> {
  const safe = poolName.replace(/[^\w+=,.@-]/g, '_');
  return {
    authenticated: `arn:aws:iam::${accountId}:role/Cognito_${safe}Auth_Role`,
    unauthenticated: `arn:aws:iam::${accountId}:role/Cognito_${safe}Unauth_Role`,
  };
}

function supportedLoginProviders(input: Input): Record<string, string> {
  const providers = optionalStringMap(input, 'SupportedLoginProviders', { maxEntries: 10, maxKey: 128, maxValue: 128 }) ?? {};
  for (const key of Object.keys(providers)) {
    if (!(key in PUBLIC_PROVIDERS)) {
      throw invalidParameter(`Invalid login provider '${key}'. Supported: ${Object.keys(PUBLIC_PROVIDERS).join(', ')}.`);
    }
  }
  return { ...providers };
}

function stringList(input: Input, field: string): string[] {
  const value = input[field];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw validationError(field, undefined, 'Member must be a list of strings');
  }
  return [...(value as string[])];
}

/** OpenID Connect providers are named by IAM ARN; one the emulator doesn't know yet it starts hosting. */
function openIdConnectProviderArns(ctx: OperationContext, input: Input): string[] {
  const arns = stringList(input, 'OpenIdConnectProviderARNs');
  for (const arn of arns) {
    const loginKey = OIDC_PROVIDER_ARN.exec(arn)?.[1];
    if (!loginKey) throw validationError('OpenIdConnectProviderARNs', arn, 'Member must be an IAM OIDC provider ARN');
    if (!ctx.tokens.has(loginKey)) {
      ctx.tokens.hostJwtIssuer({ loginKey, issuer: `https://${loginKey}`, kind: 'oidc' });
    }
  }
  return arns;
}

/** User pools are named by login key; one the emulator doesn't know yet it starts hosting. */
function cognitoIdentityProviders(ctx: OperationContext, input: Input): CognitoIdentityProviderEntry[] {
  const value = input['CognitoIdentityProviders'];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw validationError('CognitoIdentityProviders', undefined, 'Member must be a list');
  return value.map((raw: unknown) => {
    const entry = (raw ?? {}) as Input;
    const providerName = requiredString(entry, 'ProviderName', { pattern: USER_POOL_PROVIDER, max: 128 });
    const clientId = optionalString(entry, 'ClientId', { pattern: /^[\w]+$/, max: 128 });
    const serverSideTokenCheck = optionalBoolean(entry, 'ServerSideTokenCheck');
    if (!ctx.tokens.has(providerName)) {
      ctx.tokens.hostJwtIssuer({
        loginKey: providerName,
        issuer: `https://${providerName}`,
        kind: 'userPool',
        ...(clientId !== undefined ? { defaultAudience: clientId } : {}),
      });
    }
    return {
      ProviderName: providerName,
      ...(clientId !== undefined ? { ClientId: clientId } : {}),
      ...(serverSideTokenCheck !== undefined ? { ServerSideTokenCheck: serverSideTokenCheck } : {}),
    };
  });
}

async function describeIdentityPool(ctx: OperationContext, input: Input): Promise<OperationResult> {
  const pool = requirePool(ctx, requiredPoolId(input));
  return { output: describePool(pool), identityPoolId: pool.IdentityPoolId };
}

async function setIdentityPoolRoles(ctx: OperationContext, input: Input): Promise<OperationResult> {
  const pool = requirePool(ctx, requiredPoolId(input));
  const roles = optionalStringMap(input, 'Roles', { maxEntries: 2, maxKey: 128, maxValue: 2048 });
  if (!roles) throw validationError('Roles', undefined, 'Member must not be null');
  for (const [key, arn] of Object.entries(roles)) {
    if (key !== 'authenticated' && key !== 'unauthenticated') {
      throw invalidParameter(`Invalid role type '${key}'; expected 'authenticated' or 'unauthenticated'.`);
    }
    if (!ROLE_ARN.test(arn)) throw validationError(`Roles.${key}`, arn, 'Member must be an IAM role ARN');
  }
  pool.roles = { ...roles };
  return { output: {}, identityPoolId: pool.IdentityPoolId };
}

async function getIdentityPoolRoles(ctx: OperationContext, input: Input): Promise<OperationResult> {
  const pool = requirePool(ctx, requiredPoolId(input));
  return { output: { IdentityPoolId: pool.IdentityPoolId, Roles: pool.roles }, identityPoolId: pool.IdentityPoolId };
}

async function listIdentities(ctx: OperationContext, input: Input): Promise<OperationResult> {
  const poolId = requiredPoolId(input);
  if (input['MaxResults'] === undefined || input['MaxResults'] === null) {
    throw validationError('MaxResults', undefined, 'Member must not be null');
  }
  const maxResults = optionalInteger(input, 'MaxResults', 1, 60) as number;
  optionalBoolean(input, 'HideDisabled'); // Identities are never disabled here, so hiding them changes nothing.
  const start = decodeNextToken(poolId, optionalString(input, 'NextToken', { max: 65_535 }));
  const pool = requirePool(ctx, poolId);
  const all = ctx.store.identitiesOf(pool.IdentityPoolId);
  const page = all.slice(start, start + maxResults);
  const next = start + page.length;
  return {
    output: {
      IdentityPoolId: pool.IdentityPoolId,
      Identities: page.map(describeIdentity),
      ...(next < all.length ? { NextToken: encodeNextToken(poolId, next) } : {}),
    },
    identityPoolId: pool.IdentityPoolId,
  };
}

function encodeNextToken(poolId: string, offset: number): string {
  return Buffer.from(JSON.stringify({ poolId, offset })).toString('base64url');
}

function decodeNextToken(poolId: string, token: string | undefined): number {
  if (token === undefined) return 0;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString()) as { poolId?: unknown; offset?: unknown };
    if (parsed.poolId === poolId && typeof parsed.offset === 'number' && parsed.offset >= 0) return parsed.offset;
  } catch {
    // Falls through to the error below.
  }
  throw invalidParameter('Invalid NextToken.');
}

async function describeIdentityOp(ctx: OperationContext, input: Input): Promise<OperationResult> {
  const identityId = requiredIdentityId(input);
  const { identity, pool } = requireIdentity(ctx, identityId);
  return { output: describeIdentity(identity), identityId, identityPoolId: pool.IdentityPoolId };
}

async function listIdentityPools(ctx: OperationContext, input: Input): Promise<OperationResult> {
  if (input['MaxResults'] === undefined || input['MaxResults'] === null) {
    throw validationError('MaxResults', undefined, 'Member must not be null');
  }
  const maxResults = optionalInteger(input, 'MaxResults', 1, 60) as number;
  const start = decodeNextToken('*', optionalString(input, 'NextToken', { max: 65_535 }));
  const all = [...ctx.store.pools.values()];
  const page = all.slice(start, start + maxResults);
  const next = start + page.length;
  return {
    output: {
      IdentityPools: page.map((pool) => ({ IdentityPoolId: pool.IdentityPoolId, IdentityPoolName: pool.IdentityPoolName })),
      ...(next < all.length ? { NextToken: encodeNextToken('*', next) } : {}),
    },
  };
}

async function deleteIdentityPool(ctx: OperationContext, input: Input): Promise<OperationResult> {
  const pool = requirePool(ctx, requiredPoolId(input));
  ctx.store.deletePool(pool.IdentityPoolId);
  return { output: {}, identityPoolId: pool.IdentityPoolId };
}

const OPERATION_TABLE = {
  GetId: { signed: false, run: getId },
  GetCredentialsForIdentity: { signed: false, run: getCredentialsForIdentity },
  GetOpenIdToken: { signed: false, run: getOpenIdToken },
  GetOpenIdTokenForDeveloperIdentity: { signed: true, run: getOpenIdTokenForDeveloperIdentity },
  CreateIdentityPool: { signed: true, run: createIdentityPool },
  DescribeIdentityPool: { signed: true, run: describeIdentityPool },
  ListIdentityPools: { signed: true, run: listIdentityPools },
  DeleteIdentityPool: { signed: true, run: deleteIdentityPool },
  SetIdentityPoolRoles: { signed: true, run: setIdentityPoolRoles },
  GetIdentityPoolRoles: { signed: true, run: getIdentityPoolRoles },
  ListIdentities: { signed: true, run: listIdentities },
  DescribeIdentity: { signed: true, run: describeIdentityOp },
} satisfies Record<string, Operation>;

/** Names of the operations the emulator serves. */
export type OperationName = keyof typeof OPERATION_TABLE;

/** Every operation served, by the name in `X-Amz-Target: AWSCognitoIdentityService.<name>`. */
export const OPERATIONS: Readonly<Record<string, Operation>> = OPERATION_TABLE;

/** The names of the operations served, for validating fault rules. */
export const OPERATION_NAMES = Object.keys(OPERATION_TABLE) as OperationName[];
