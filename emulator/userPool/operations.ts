/**
 * The user-pool operations (cognito-idp, `AWSCognitoIdentityProviderService.<Op>`): the admin
 * ones a backend signs with SigV4, and the public sign-in ones an app calls unsigned. Field
 * names, challenge parameters and error names are those of Cognito's API reference.
 */
import { randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { CognitoError, invalidParameter, notAuthorized, type EmulatorErrorName } from '../errors.js';
import type { OperationResult } from '../operations.js';
import type { TokenService } from '../tokens.js';
import {
  claimSignature,
  g,
  makeVerifier,
  modPow,
  N,
  padHex,
  parseSrpTimestamp,
  privateKeyX,
  serverEphemeral,
  serverSessionKey,
} from './srp.js';
import {
  opaque,
  randomId,
  type AuthSession,
  type ChallengeName,
  type MfaConfiguration,
  type MfaType,
  type PasswordPolicy,
  type User,
  type UserPool,
  type UserPoolClient,
  type UserPoolStore,
} from './store.js';
import { matchTotp, newTotpSecret } from './totp.js';

/** What the user-pool operations need from the emulator around them. */
export interface UserPoolContext {
  store: UserPoolStore;
  tokens: TokenService;
  /** The emulator's clock, epoch ms: token lifetimes, sessions, TOTP steps. */
  clock: () => number;
  region: string;
  accountId: string;
}

type Input = Record<string, unknown>;

interface UserPoolOperation {
  signed: boolean;
  run(ctx: UserPoolContext, input: Input): Promise<OperationResult>;
}

const ALL_FLOWS = [
  'ALLOW_USER_SRP_AUTH',
  'ALLOW_USER_PASSWORD_AUTH',
  'ALLOW_REFRESH_TOKEN_AUTH',
  'ALLOW_CUSTOM_AUTH',
  'ALLOW_ADMIN_USER_PASSWORD_AUTH',
  'ALLOW_USER_AUTH',
];
/** Cognito's default when CreateUserPoolClient names no flows. */
const DEFAULT_FLOWS = ['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_CUSTOM_AUTH'];
/** The older flow names, still accepted, and what they allow. */
const LEGACY_FLOWS: Record<string, string> = {
  USER_PASSWORD_AUTH: 'ALLOW_USER_PASSWORD_AUTH',
  ADMIN_NO_SRP_AUTH: 'ALLOW_ADMIN_USER_PASSWORD_AUTH',
  CUSTOM_AUTH_FLOW_ONLY: 'ALLOW_CUSTOM_AUTH',
};

export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = {
  MinimumLength: 8,
  RequireUppercase: true,
  RequireLowercase: true,
  RequireNumbers: true,
  RequireSymbols: true,
  TemporaryPasswordValidityDays: 7,
};

const ACCESS_SCOPE = 'aws.cognito.signin.user.admin';
const USER_POOL_ID = /^[\w-]+_[0-9a-zA-Z]+$/;
const CLIENT_ID = /^[\w+]+$/;
/** How far a PASSWORD_VERIFIER TIMESTAMP may be from the machine's time. */
const TIMESTAMP_SKEW_MS = 5 * 60_000;

const INCORRECT = 'Incorrect username or password.';
const INVALID_SESSION = 'Invalid session for the user.';
const EXPIRED_SESSION = 'Invalid session for the user, session is expired.';

function error(type: EmulatorErrorName, message: string): CognitoError {
  return new CognitoError(type, message);
}

// ---------------------------------------------------------------------------------------------
// Input fields.

function str(input: Input, field: string, required: true): string;
function str(input: Input, field: string, required?: false): string | undefined;
function str(input: Input, field: string, required = false): string | undefined {
  const value = input[field];
  if (value === undefined || value === null) {
    if (required) throw invalidParameter(`1 validation error detected: Value null at '${lowerFirst(field)}' failed to satisfy constraint: Member must not be null`);
    return undefined;
  }
  if (typeof value !== 'string') throw invalidParameter(`${field} must be a string.`);
  if (required && value.length === 0) {
    throw invalidParameter(`1 validation error detected: Value at '${lowerFirst(field)}' failed to satisfy constraint: Member must have length greater than or equal to 1`);
  }
  return value;
}

function bool(input: Input, field: string): boolean | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw invalidParameter(`${field} must be a boolean.`);
  return value;
}

function stringMap(input: Input, field: string): Record<string, string> {
  const value = input[field];
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidParameter(`${field} must be a map of strings.`);
  const out: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
    if (entry === null || entry === undefined) continue;
    if (typeof entry !== 'string') throw invalidParameter(`${field}.${key} must be a string.`);
    out[key] = entry;
  }
  return out;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function epochSeconds(ms: number): number {
  return Math.round(ms) / 1000;
}

// ---------------------------------------------------------------------------------------------
// Lookups.

function requirePool(ctx: UserPoolContext, input: Input): UserPool {
  const id = str(input, 'UserPoolId', true);
  if (!USER_POOL_ID.test(id)) {
    throw invalidParameter(`1 validation error detected: Value '${id}' at 'userPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w-]+_[0-9a-zA-Z]+`);
  }
  const pool = ctx.store.pools.get(id);
  if (!pool) throw error('ResourceNotFoundException', `User pool ${id} does not exist.`);
  return pool;
}

function requireClient(ctx: UserPoolContext, clientId: string): { pool: UserPool; client: UserPoolClient } {
  if (!CLIENT_ID.test(clientId)) throw invalidParameter(`1 validation error detected: Value at 'clientId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+]+`);
  for (const pool of ctx.store.pools.values()) {
    const client = pool.clients.get(clientId);
    if (client) return { pool, client };
  }
  throw error('ResourceNotFoundException', `User pool client ${clientId} does not exist.`);
}

/** A user the admin operations name; not finding one is always UserNotFoundException there. */
function requireUser(pool: UserPool, username: string): User {
  const user = findUser(pool, username);
  if (!user) throw error('UserNotFoundException', 'User does not exist.');
  return user;
}

/** By username, or by the `sub` (Cognito accepts either where a username is asked for). */
function findUser(pool: UserPool, username: string): User | undefined {
  const direct = pool.users.get(username);
  if (direct) return direct;
  for (const user of pool.users.values()) if (user.sub === username) return user;
  return undefined;
}

/** The sign-in view of a missing user: hidden behind "incorrect password" when the client says so. */
function signInUser(pool: UserPool, client: UserPoolClient, username: string): User {
  const user = findUser(pool, username);
  if (!user) {
    throw client.PreventUserExistenceErrors === 'ENABLED'
      ? notAuthorized(INCORRECT)
      : error('UserNotFoundException', 'User does not exist.');
  }
  if (!user.enabled) throw notAuthorized('User is disabled.');
  return user;
}

// ---------------------------------------------------------------------------------------------
// Shared rules.

/** SECRET_HASH = Base64(HMAC-SHA256(client secret, username + client id)), required when the client has a secret. */
function checkSecretHash(client: UserPoolClient, usernames: string[], secretHash: string | undefined): void {
  if (!client.ClientSecret) return;
  if (secretHash === undefined) {
    throw notAuthorized(`Client ${client.ClientId} is configured with secret but SECRET_HASH was not received`);
  }
  const ok = usernames.some((name) => safeEqual(secretHashFor(client.ClientSecret as string, name, client.ClientId), secretHash));
  if (!ok) throw notAuthorized(`Unable to verify secret hash for client ${client.ClientId}`);
}

export function secretHashFor(clientSecret: string, username: string, clientId: string): string {
  return Buffer.from(hmac(sha256, utf8ToBytes(clientSecret), utf8ToBytes(username + clientId))).toString('base64');
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function requireFlow(client: UserPoolClient, flow: string, message: string): void {
  if (!client.ExplicitAuthFlows.includes(flow)) throw invalidParameter(message);
}

/** Which rule of the password policy a password breaks, in Cognito's words. */
function checkPolicy(policy: PasswordPolicy, password: string): void {
  const fail = (why: string) => {
    throw error('InvalidPasswordException', `Password does not conform to policy: ${why}`);
  };
  if (password.length < policy.MinimumLength) fail('Password not long enough');
  if (policy.RequireLowercase && !/[a-z]/.test(password)) fail('Password must have lowercase characters');
  if (policy.RequireUppercase && !/[A-Z]/.test(password)) fail('Password must have uppercase characters');
  if (policy.RequireNumbers && !/\d/.test(password)) fail('Password must have numeric characters');
  if (policy.RequireSymbols && !/[\^$*.[\]{}()?"!@#%&/\\,><':;|_~`=+\- ]/.test(password)) {
    fail('Password must have symbol characters');
  }
}

function setPassword(pool: UserPool, user: User, password: string, permanent: boolean, now: number): void {
  checkPolicy(pool.policy, password);
  user.srp = makeVerifier(pool.Id, user.username, password);
  user.status = permanent ? 'CONFIRMED' : 'FORCE_CHANGE_PASSWORD';
  user.modifiedAtMs = now;
}

/** The password check of USER_PASSWORD_AUTH: the same verifier SRP uses, recomputed. */
function passwordMatches(pool: UserPool, user: User, password: string): boolean {
  if (!user.srp) return false;
  return modPow(g, privateKeyX(pool.Id, user.username, password, user.srp.salt), N) === user.srp.verifier;
}

function attributeList(user: User): Array<{ Name: string; Value: string }> {
  return [{ Name: 'sub', Value: user.sub }, ...[...user.attributes].map(([Name, Value]) => ({ Name, Value }))];
}

function userAttributesInput(input: Input, field: string): Map<string, string> {
  const value = input[field];
  const attributes = new Map<string, string>();
  if (value === undefined || value === null) return attributes;
  if (!Array.isArray(value)) throw invalidParameter(`${field} must be a list.`);
  for (const raw of value) {
    const entry = (raw ?? {}) as Input;
    const name = str(entry, 'Name', true);
    const attributeValue = str(entry, 'Value') ?? '';
    if (name === 'sub') throw invalidParameter('Cannot modify the non-mutable attribute sub');
    if (name === 'phone_number' && !/^\+\d{4,15}$/.test(attributeValue)) throw invalidParameter('Invalid phone number format.');
    if (name === 'email' && !/^[^@\s]+@[^@\s]+$/.test(attributeValue)) throw invalidParameter('Invalid email address format.');
    attributes.set(name, attributeValue);
  }
  return attributes;
}

// ---------------------------------------------------------------------------------------------
// Sessions, challenges and tokens.

function sessionValidityMs(client: UserPoolClient): number {
  return client.AuthSessionValidity * 60_000;
}

/** Answers with a challenge, opening the session the answer must carry. */
function challenge(
  ctx: UserPoolContext,
  pool: UserPool,
  client: UserPoolClient,
  user: User,
  name: ChallengeName,
  parameters: Record<string, string>,
  extra: Partial<AuthSession> = {},
): OperationResult {
  const session = ctx.store.openSession({
    poolId: pool.Id,
    clientId: client.ClientId,
    username: user.username,
    challenge: name,
    expiresAtMs: ctx.clock() + sessionValidityMs(client),
    ...extra,
  });
  return {
    output: { ChallengeName: name, ChallengeParameters: { USER_ID_FOR_SRP: user.username, ...parameters }, Session: session },
  };
}

/** The session an answer names; it is used up by the answer (a wrong code may put it back). */
function takeSession(ctx: UserPoolContext, sessionId: string | undefined, clientId: string): AuthSession {
  if (sessionId === undefined) throw invalidParameter('Missing required parameter Session');
  const session = ctx.store.sessions.get(sessionId);
  if (!session || session.clientId !== clientId) throw notAuthorized(INVALID_SESSION);
  ctx.store.sessions.delete(sessionId);
  if (ctx.clock() >= session.expiresAtMs) throw notAuthorized(EXPIRED_SESSION);
  return session;
}

/** Wrong codes a sign-in may send before its session ends. */
const MAX_CODE_ATTEMPTS = 3;

/** The second factors a sign-in may use: what the user turned on, within what the pool offers. */
function usableMfa(pool: UserPool, user: User): MfaType[] {
  if (pool.MfaConfiguration === 'OFF') return [];
  const offered: MfaType[] = [];
  if (pool.mfa.sms && user.attributes.has('phone_number')) offered.push('SMS_MFA');
  if (pool.mfa.totp && user.totpSecret) offered.push('SOFTWARE_TOKEN_MFA');
  if (pool.mfa.email && user.attributes.has('email')) offered.push('EMAIL_OTP');
  return offered.filter((type) => user.mfa.enabled.has(type));
}

/** What comes after the password: a second factor, setting one up, or the tokens. */
async function afterPassword(ctx: UserPoolContext, pool: UserPool, client: UserPoolClient, user: User): Promise<OperationResult> {
  if (user.status === 'FORCE_CHANGE_PASSWORD') {
    const attributes = Object.fromEntries([...user.attributes].filter(([name]) => name !== 'email_verified' && name !== 'phone_number_verified'));
    return challenge(ctx, pool, client, user, 'NEW_PASSWORD_REQUIRED', {
      requiredAttributes: '[]',
      userAttributes: JSON.stringify(attributes),
    });
  }
  return afterFirstFactor(ctx, pool, client, user);
}

async function afterFirstFactor(ctx: UserPoolContext, pool: UserPool, client: UserPoolClient, user: User): Promise<OperationResult> {
  const usable = usableMfa(pool, user);
  if (usable.length === 0) {
    if (pool.MfaConfiguration === 'ON') {
      // What a user can set up while signing in: an authenticator app, or email codes to an address
      // given in the answer. (An SMS factor needs a phone number the user already has.)
      const canSetUp = [...(pool.mfa.totp ? ['SOFTWARE_TOKEN_MFA'] : []), ...(pool.mfa.email ? ['EMAIL_OTP'] : [])];
      if (canSetUp.length === 0) {
        throw error('InvalidUserPoolConfigurationException', 'MFA is required, but the user has no second factor and the pool offers none to set up.');
      }
      return challenge(ctx, pool, client, user, 'MFA_SETUP', { MFAS_CAN_SETUP: JSON.stringify(canSetUp) });
    }
    return tokensFor(ctx, pool, client, user);
  }
  const preferred = user.mfa.preferred && usable.includes(user.mfa.preferred) ? user.mfa.preferred : undefined;
  const chosen = preferred ?? (usable.length === 1 ? usable[0] : undefined);
  if (!chosen) return challenge(ctx, pool, client, user, 'SELECT_MFA_TYPE', { MFAS_CAN_CHOOSE: JSON.stringify(usable) });
  return mfaChallenge(ctx, pool, client, user, chosen);
}

function mfaChallenge(ctx: UserPoolContext, pool: UserPool, client: UserPoolClient, user: User, type: MfaType): OperationResult {
  if (type === 'SOFTWARE_TOKEN_MFA') return challenge(ctx, pool, client, user, 'SOFTWARE_TOKEN_MFA', {});
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const sms = type === 'SMS_MFA';
  const destination = user.attributes.get(sms ? 'phone_number' : 'email') as string;
  const template = (sms ? pool.smsAuthenticationMessage : pool.emailMessage) ?? 'Your authentication code is {####}. ';
  ctx.store.recordMessage({
    userPoolId: pool.Id,
    username: user.username,
    channel: sms ? 'SMS' : 'EMAIL',
    destination,
    purpose: type,
    code,
    message: template.replace('{####}', code),
    at: ctx.clock(),
  });
  return challenge(
    ctx,
    pool,
    client,
    user,
    type,
    { CODE_DELIVERY_DELIVERY_MEDIUM: sms ? 'SMS' : 'EMAIL', CODE_DELIVERY_DESTINATION: masked(destination, sms) },
    { code },
  );
}

/** "+*******1234" and "a***@e***", as Cognito shows where a code went. */
function masked(destination: string, phone: boolean): string {
  if (phone) return `+${'*'.repeat(Math.max(destination.length - 5, 0))}${destination.slice(-4)}`;
  const [local = '', domain = ''] = destination.split('@');
  return `${local.charAt(0)}***@${domain.charAt(0)}***`;
}

/** Issues id, access and (unless refreshing) refresh tokens. */
async function tokensFor(
  ctx: UserPoolContext,
  pool: UserPool,
  client: UserPoolClient,
  user: User,
  refresh?: { originJti: string; authTimeSeconds: number },
): Promise<OperationResult> {
  const now = ctx.clock();
  const originJti = refresh?.originJti ?? randomUUID();
  const authTime = refresh?.authTimeSeconds ?? Math.floor(now / 1000);
  const eventId = randomUUID();
  const idClaims: Record<string, unknown> = Object.fromEntries(
    [...user.attributes].map(([name, value]) => [name, name.endsWith('_verified') ? value === 'true' : value]),
  );
  const idToken = await ctx.tokens.signAs(
    pool.loginKey,
    {
      ...idClaims,
      'cognito:username': user.username,
      origin_jti: originJti,
      event_id: eventId,
      token_use: 'id',
      auth_time: authTime,
      jti: randomUUID(),
    },
    { subject: user.sub, expiresIn: client.idTokenSeconds, audience: client.ClientId },
  );
  const accessToken = await ctx.tokens.signAs(
    pool.loginKey,
    {
      client_id: client.ClientId,
      origin_jti: originJti,
      event_id: eventId,
      token_use: 'access',
      scope: ACCESS_SCOPE,
      auth_time: authTime,
      jti: randomUUID(),
      username: user.username,
    },
    { subject: user.sub, expiresIn: client.accessTokenSeconds },
  );
  ctx.store.accessGrants.set(accessToken, {
    poolId: pool.Id,
    clientId: client.ClientId,
    username: user.username,
    originJti,
    expiresAtMs: now + client.accessTokenSeconds * 1000,
  });
  const result: Record<string, unknown> = {
    AccessToken: accessToken,
    ExpiresIn: client.accessTokenSeconds,
    TokenType: 'Bearer',
    IdToken: idToken,
  };
  if (!refresh) {
    const refreshToken = `${opaque(24)}.${opaque(256)}.${opaque(16)}`;
    ctx.store.refreshGrants.set(refreshToken, {
      poolId: pool.Id,
      clientId: client.ClientId,
      username: user.username,
      originJti,
      authTimeSeconds: authTime,
      expiresAtMs: now + client.refreshTokenSeconds * 1000,
      revoked: false,
    });
    result['RefreshToken'] = refreshToken;
  }
  return { output: { AuthenticationResult: result, ChallengeParameters: {} } };
}

/** The user an access token belongs to; revoked, expired or unknown tokens are refused. */
function userOfAccessToken(ctx: UserPoolContext, input: Input): { pool: UserPool; user: User } {
  const token = str(input, 'AccessToken', true);
  const grant = ctx.store.accessGrants.get(token);
  if (!grant) throw notAuthorized('Access Token has been revoked');
  if (ctx.clock() >= grant.expiresAtMs) throw notAuthorized('Access Token has expired');
  const pool = ctx.store.pools.get(grant.poolId);
  const user = pool && findUser(pool, grant.username);
  if (!pool || !user) throw notAuthorized('Access Token has been revoked');
  return { pool, user };
}

// ---------------------------------------------------------------------------------------------
// Admin operations (signed).

async function createUserPool(ctx: UserPoolContext, input: Input): Promise<OperationResult> {
  const name = str(input, 'PoolName', true);
  if (name.length > 128) throw invalidParameter('PoolName must be at most 128 characters.');
  const mfaConfiguration = (str(input, 'MfaConfiguration') ?? 'OFF') as MfaConfiguration;
  if (!['OFF', 'ON', 'OPTIONAL'].includes(mfaConfiguration)) throw invalidParameter('MfaConfiguration must be OFF, ON or OPTIONAL.');
  const policies = (input['Policies'] ?? {}) as Input;
  const passwordPolicy = { ...DEFAULT_PASSWORD_POLICY, ...((policies['PasswordPolicy'] ?? {}) as Partial<PasswordPolicy>) };
  const pool = createPool(ctx, { id: `${ctx.region}_${randomId(9)}`, name, mfaConfiguration, passwordPolicy });
  return { output: { UserPool: describePool(pool) } };
}

/** Makes a pool and starts hosting its token issuer, so identity pools can trust its id tokens. */
export function createPool(
  ctx: Pick<UserPoolContext, 'store' | 'tokens' | 'clock' | 'region' | 'accountId'>,
  spec: { id: string; name: string; mfaConfiguration?: MfaConfiguration; mfa?: UserPool['mfa']; passwordPolicy?: PasswordPolicy },
): UserPool {
  const regionOfId = spec.id.slice(0, spec.id.lastIndexOf('_'));
  const loginKey = `cognito-idp.${regionOfId}.amazonaws.com/${spec.id}`;
  ctx.tokens.hostJwtIssuer({ loginKey, issuer: `https://${loginKey}`, kind: 'userPool' });
  const now = ctx.clock();
  const pool: UserPool = {
    Id: spec.id,
    Name: spec.name,
    Arn: `arn:aws:cognito-idp:${regionOfId}:${ctx.accountId}:userpool/${spec.id}`,
    loginKey,
    MfaConfiguration: spec.mfaConfiguration ?? 'OFF',
    mfa: spec.mfa ?? { sms: false, totp: false, email: false },
    policy: spec.passwordPolicy ?? { ...DEFAULT_PASSWORD_POLICY },
    createdAtMs: now,
    modifiedAtMs: now,
    clients: new Map(),
    users: new Map(),
  };
  ctx.store.pools.set(pool.Id, pool);
  return pool;
}

function describePool(pool: UserPool): Record<string, unknown> {
  return {
    Id: pool.Id,
    Name: pool.Name,
    Arn: pool.Arn,
    MfaConfiguration: pool.MfaConfiguration,
    Policies: { PasswordPolicy: pool.policy },
    CreationDate: epochSeconds(pool.createdAtMs),
    LastModifiedDate: epochSeconds(pool.modifiedAtMs),
    EstimatedNumberOfUsers: pool.users.size,
  };
}

async function createUserPoolClient(ctx: UserPoolContext, input: Input): Promise<OperationResult> {
  const pool = requirePool(ctx, input);
  const name = str(input, 'ClientName', true);
  const flows = explicitAuthFlows(input['ExplicitAuthFlows']);
  const units = (input['TokenValidityUnits'] ?? {}) as Record<string, string>;
  const seconds = (field: string, unitField: string, fallbackUnit: string, fallback: number, min: number, max: number) => {
    const value = input[field];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw invalidParameter(`${field} must be a positive integer.`);
    const unit = units[unitField] ?? fallbackUnit;
    const factor = { seconds: 1, minutes: 60, hours: 3600, days: 86_400 }[unit];
    if (factor === undefined) throw invalidParameter(`TokenValidityUnits.${unitField} must be seconds, minutes, hours or days.`);
    const total = value * factor;
    if (total < min || total > max) throw invalidParameter(`${field} is out of range.`);
    return total;
  };
  const sessionMinutes = input['AuthSessionValidity'] ?? 3;
  if (typeof sessionMinutes !== 'number' || !Number.isInteger(sessionMinutes) || sessionMinutes < 3 || sessionMinutes > 15) {
    throw invalidParameter('AuthSessionValidity must be between 3 and 15 minutes.');
  }
  const prevent = str(input, 'PreventUserExistenceErrors') ?? 'LEGACY';
  if (prevent !== 'LEGACY' && prevent !== 'ENABLED') throw invalidParameter('PreventUserExistenceErrors must be LEGACY or ENABLED.');
  const client = addClient(ctx, pool, {
    clientId: randomId(26, 'abcdefghijklmnopqrstuvwxyz0123456789'),
    name,
    generateSecret: bool(input, 'GenerateSecret') ?? false,
    flows,
    preventUserExistenceErrors: prevent,
    enableTokenRevocation: bool(input, 'EnableTokenRevocation') ?? true,
    authSessionValidity: sessionMinutes,
    accessTokenSeconds: seconds('AccessTokenValidity', 'AccessToken', 'hours', 3600, 300, 86_400),
    idTokenSeconds: seconds('IdTokenValidity', 'IdToken', 'hours', 3600, 300, 86_400),
    refreshTokenSeconds: seconds('RefreshTokenValidity', 'RefreshToken', 'days', 30 * 86_400, 3600, 3650 * 86_400),
  });
  return { output: { UserPoolClient: describeClient(client) } };
}

function explicitAuthFlows(value: unknown): string[] {
  if (value === undefined || value === null) return [...DEFAULT_FLOWS];
  if (!Array.isArray(value) || value.some((flow) => typeof flow !== 'string')) throw invalidParameter('ExplicitAuthFlows must be a list of strings.');
  const flows = value as string[];
  const legacy = flows.filter((flow) => flow in LEGACY_FLOWS);
  if (legacy.length > 0 && legacy.length !== flows.length) {
    throw invalidParameter('ExplicitAuthFlows cannot have both ALLOW_XXX and XXX values.');
  }
  for (const flow of flows) {
    if (!ALL_FLOWS.includes(flow) && !(flow in LEGACY_FLOWS)) {
      throw invalidParameter(`1 validation error detected: Value '[${flows.join(', ')}]' at 'explicitAuthFlows' failed to satisfy constraint: Member must satisfy enum value set: [${[...ALL_FLOWS, ...Object.keys(LEGACY_FLOWS)].join(', ')}]`);
    }
  }
  // The legacy names keep SRP and refresh allowed, as they did before the ALLOW_ names existed.
  if (legacy.length > 0) return [...new Set([...legacy.map((flow) => LEGACY_FLOWS[flow] as string), 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'])];
  return [...new Set(flows)];
}

/** Adds an app client to a pool; the default client of the emulator is made the same way. */
export function addClient(
  ctx: Pick<UserPoolContext, 'clock'>,
  pool: UserPool,
  spec: {
    clientId: string;
    name: string;
    generateSecret?: boolean;
    flows: string[];
    preventUserExistenceErrors?: 'LEGACY' | 'ENABLED';
    enableTokenRevocation?: boolean;
    authSessionValidity?: number;
    accessTokenSeconds?: number;
    idTokenSeconds?: number;
    refreshTokenSeconds?: number;
  },
): UserPoolClient {
  const now = ctx.clock();
  const client: UserPoolClient = {
    ClientId: spec.clientId,
    ClientName: spec.name,
    UserPoolId: pool.Id,
    ...(spec.generateSecret ? { ClientSecret: randomId(51, 'abcdefghijklmnopqrstuvwxyz0123456789') } : {}),
    ExplicitAuthFlows: spec.flows,
    PreventUserExistenceErrors: spec.preventUserExistenceErrors ?? 'LEGACY',
    EnableTokenRevocation: spec.enableTokenRevocation ?? true,
    AuthSessionValidity: spec.authSessionValidity ?? 3,
    accessTokenSeconds: spec.accessTokenSeconds ?? 3600,
    idTokenSeconds: spec.idTokenSeconds ?? 3600,
    refreshTokenSeconds: spec.refreshTokenSeconds ?? 30 * 86_400,
    createdAtMs: now,
    modifiedAtMs: now,
  };
  pool.clients.set(client.ClientId, client);
  return client;
}

function describeClient(client: UserPoolClient): Record<string, unknown> {
  return {
    UserPoolId: client.UserPoolId,
    ClientName: client.ClientName,
    ClientId: client.ClientId,
    ...(client.ClientSecret ? { ClientSecret: client.ClientSecret } : {}),
    ExplicitAuthFlows: client.ExplicitAuthFlows,
    PreventUserExistenceErrors: client.PreventUserExistenceErrors,
    EnableTokenRevocation: client.EnableTokenRevocation,
    AuthSessionValidity: client.AuthSessionValidity,
    AccessTokenValidity: client.accessTokenSeconds,
    IdTokenValidity: client.idTokenSeconds,
    RefreshTokenValidity: client.refreshTokenSeconds,
    TokenValidityUnits: { AccessToken: 'seconds', IdToken: 'seconds', RefreshToken: 'seconds' },
    CreationDate: epochSeconds(client.createdAtMs),
    LastModifiedDate: epochSeconds(client.modifiedAtMs),
  };
}

async function describeUserPool(ctx: UserPoolContext, input: Input): Promise<OperationResult> {
  return { output: { UserPool: describePool(requirePool(ctx, input)) } };
}

async function describeUserPoolClient(ctx: UserPoolContext, input: Input): Promise<OperationResult> {
  const pool = requirePool(ctx, input);
  const clientId = str(input, 'ClientId', true);
  const client = pool.clients.get(clientId);
  if (!client) throw error('ResourceNotFoundException', `User pool client ${clientId} does not exist.`);
  return { output: { UserPoolClient: describeClient(client) } };
}

function describeUser(user: User): Record<string, unknown> {
  return {
    Username: user.username,
    Attributes: attributeList(user),
    UserCreateDate: epochSeconds(user.createdAtMs),
    UserLastModifiedDate: epochSeconds(user.modifiedAtMs),
    Enabled: user.enabled,
    UserStatus: user.status,
  };
}

async function adminCreateUser(ctx: UserPoolContext, input: Input): Promise<OperationResult> {
  const pool = requirePool(ctx, input);
  const username = str(input, 'Username', true);
  if (username.length > 128 || /\s/.test(username)) throw invalidParameter("Value at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+");
  const attributes = userAttributesInput(input, 'UserAttributes');
  const temporary = str(input, 'TemporaryPassword');
  const action = str(input, 'MessageAction');
  if (action !== undefined && action !== 'SUPPRESS' && action !== 'RESEND') throw invalidParameter('MessageAction must be SUPPRESS or RESEND.');
  const existing = findUser(pool, username);
  if (action === 'RESEND') {
    if (!existing) throw error('UserNotFoundException', 'User does not exist.');
  } else if (existing) {
    throw error('UsernameExistsException', 'User account already exists');
  }
  const now = ctx.clock();
  const user = existing ?? ctx.store.newUser(username, attributes, now);
  const password = temporary ?? generatedPassword();
  setPassword(pool, user, password, false, now);
  pool.users.set(user.username, user);
  if (action !== 'SUPPRESS') sendTemporaryPassword(ctx, pool, user, password, input['DesiredDeliveryMediums']);
  return { output: { User: describeUser(user) } };
}

/** A password that meets the default policy, as Cognito generates when none is given. */
function generatedPassword(): string {
  return `${opaque(9)}Aa1!`;
}

function sendTemporaryPassword(ctx: UserPoolContext, pool: UserPool, user: User, password: string, mediums: unknown): void {
  const wanted = Array.isArray(mediums) && mediums.length > 0 ? (mediums as string[]) : ['SMS'];
  for (const medium of wanted) {
    const sms = medium === 'SMS';
    const destination = user.attributes.get(sms ? 'phone_number' : 'email');
    if (!destination) continue;
    ctx.store.recordMessage({
      userPoolId: pool.Id,
      username: user.username,
      channel: sms ? 'SMS' : 'EMAIL',
      destination,
      purpose: 'TEMPORARY_PASSWORD',
      code: password,
      message: `Your username is ${user.username} and temporary password is ${password}.`,
      at: ctx.clock(),
    });
  }
}

async function adminGetUser(ctx: UserPoolContext, input: Input): Promise<OperationResult> {
  const pool = requirePool(ctx, input);
  const user = requireUser(pool, str(input, 'Username', true));
  const { Attributes, ...rest } = describeUser(user);
  return { output: { ...rest, UserAttributes: Attributes, ...mfaView(pool, user) } };
}

function mfaView(pool: UserPool, user: User): Record<string, unknown> {
  const enabled = [...user.mfa.enabled];
  return {
    ...(enabled.length > 0 ? { UserMFASettingList: enabled } : {}),
    ...(user.mfa.preferred ? { PreferredMfaSetting: user.mfa.preferred } : {}),
    MFAOptions: pool.mfa.sms && user.mfa.enabled.has('SMS_MFA') ? [{ DeliveryMedium: 'SMS', AttributeName: 'phone_number' }] : [],
  };
}

async function adminSetUserPassword(ctx: UserPoolContext, input: Input): Promise<OperationResult> {
  const pool = requirePool(ctx, input);
  const user = requireUser(pool, str(input, 'Username', true));
  const password = str(input, 'Password', true);
  setPassword(pool, user, password, bool(input, 'Permanent') ?? false, ctx.clock());
  return { output: {} };
}

/** SMSMfaSettings, SoftwareTokenMfaSettings, EmailMfaSettings: `{ Enabled, PreferredMfa }` each. */
function applyMfaPreference(user: User, input: Input): void {
  const settings: Array<[string, MfaType]> = [
    ['SMSMfaSettings', 'SMS_MFA'],
    ['SoftwareTokenMfaSettings', 'SOFTWARE_TOKEN_MFA'],
    ['EmailMfaSettings', 'EMAIL_OTP'],
  ];
  for (const [field, type] of settings) {
    const value = input[field];
    if (value === undefined || value === null) continue;
    const entry = value as Input;
    const enabled = bool(entry, 'Enabled');
    const preferred = bool(entry, 'PreferredMfa');
    if (enabled === true || preferred === true) {
      if (type === 'SMS_MFA' && !user.attributes.has('phone_number')) {
        throw invalidParameter('User does not have delivery config set to turn on SMS_MFA');
      }
      if (type === 'EMAIL_OTP' && !user.attributes.has('email')) {
        throw invalidParameter('User does not have delivery config set to turn on EMAIL_OTP');
      }
      if (type === 'SOFTWARE_TOKEN_MFA' && !user.totpSecret) {
        throw invalidParameter('User has not verified software token mfa');
      }
    }
    if (enabled === true) user.mfa.enabled.add(type);
    if (enabled === false) {
      user.mfa.enabled.delete(type);
      if (user.mfa.preferred === type) delete user.mfa.preferred;
    }
    if (preferred === true) {
      user.mfa.enabled.add(type);
      user.mfa.preferred = type;
    } else if (preferred === false && user.mfa.preferred === type) {
      delete user.mfa.preferred;
    }
  }
}

async function adminSetUserMfaPreference(ctx: UserPoolContext, input: Input): Promise<OperationResult> {
  const pool = requirePool(ctx, input);
  const user = requireUser(pool, str(input, 'Username', true));
  applyMfaPreference(user, input);
  user.modifiedAtMs = ctx.clock();
  return { output: {} };
}

async function setUserPoolMfaConfig(ctx: UserPoolContext, input: Input): Promise<OperationResult> {
  const pool = requirePool(ctx, input);
  const next = { ...pool.mfa };
  const sms = input['SmsMfaConfiguration'];
  if (sms !== undefined) {
    next.sms = sms !== null;
    const message = sms === null ? undefined : str(sms as Input, 'SmsAuthenticationMessage');
    if (message !== undefined && !message.includes('{####}')) throw invalidParameter('SmsAuthenticationMessage must contain {####}.');
    if (message !== undefined) pool.smsAuthenticationMessage = message;
  }
  const totp = input['SoftwareTokenMfaConfiguration'];
  if (totp !== undefined) next.totp = totp !== null && bool(totp as Input, 'Enabled') === true;
  const email = input['EmailMfaConfiguration'];
  if (email !== undefined) {
    next.email = email !== null;
    const message = email === null ? undefined : str(email as Input, 'Message');
    if (message !== undefined && !message.includes('{####}')) throw invalidParameter('Message must contain {####}.');
    if (message !== undefined) pool.emailMessage = message;
    const subject = email === null ? undefined : str(email as Input, 'Subject');
    if (subject !== undefined) pool.emailSubject = subject;
  }
  const configuration = (str(input, 'MfaConfiguration') ?? pool.MfaConfiguration) as MfaConfiguration;
  if (!['OFF', 'ON', 'OPTIONAL'].includes(configuration)) throw invalidParameter('MfaConfiguration must be OFF, ON or OPTIONAL.');
  if (configuration !== 'OFF' && !next.sms && !next.totp && !next.email) {
    throw invalidParameter('At least one MFA method must be enabled when MfaConfiguration is ON or OPTIONAL.');
  }
  pool.mfa = next;
  pool.MfaConfiguration = configuration;
  pool.modifiedAtMs = ctx.clock();
  return { output: mfaConfigView(pool) };
}

function mfaConfigView(pool: UserPool): Record<string, unknown> {
  return {
    ...(pool.mfa.sms
      ? { SmsMfaConfiguration: { SmsAuthenticationMessage: pool.smsAuthenticationMessage ?? 'Your authentication code is {####}. ' } }
      : {}),
    SoftwareTokenMfaConfiguration: { Enabled: pool.mfa.totp },
    ...(pool.mfa.email
      ? {
          EmailMfaConfiguration: {
            ...(pool.emailMessage ? { Message: pool.emailMessage } : {}),
            ...(pool.emailSubject ? { Subject: pool.emailSubject } : {}),
          },
        }
      : {}),
    MfaConfiguration: pool.MfaConfiguration,
  };
}

async function getUserPoolMfaConfig(ctx: UserPoolContext, input: Input): Promise<OperationResult> {
  return { output: mfaConfigView(requirePool(ctx, input)) };
}

// ---------------------------------------------------------------------------------------------
// Public operations (unsigned).

async function initiateAuth(ctx: UserPoolContext, input: Input): Promise<OperationResult> {
  const flow = str(input, 'AuthFlow', true);
  const { pool, client } = requireClient(ctx, str(input, 'ClientId', true));
  const parameters = stringMap(input, 'AuthParameters');
  switch (flow) {
    case 'USER_SRP_AUTH': {
      requireFlow(client, 'ALLOW_USER_SRP_AUTH', 'USER_SRP_AUTH is not enabled for the client.');
      const username = requireParameter(parameters, 'USERNAME');
      const srpA = requireParameter(parameters, 'SRP_A');
      checkSecretHash(client, [username], parameters['SECRET_HASH']);
      const user = signInUser(pool, client, username);
      if (!/^[0-9a-fA-F]+$/.test(srpA) || BigInt(`0x${srpA}`) % N === 0n) throw invalidParameter('Invalid SRP_A value.');
      if (!user.srp) throw notAuthorized(INCORRECT);
      const ephemeral = serverEphemeral(user.srp.verifier);
      const secretBlock = Buffer.from(randomBytes(64)).toString('base64');
      return challenge(
        ctx,
        pool,
        client,
        user,
        'PASSWORD_VERIFIER',
        { SALT: padHex(user.srp.salt), SRP_B: ephemeral.B.toString(16), SECRET_BLOCK: secretBlock, USERNAME: user.username },
        { srp: { A: BigInt(`0x${srpA}`), ephemeral, secretBlock } },
      );
    }
    case 'USER_PASSWORD_AUTH': {
      requireFlow(client, 'ALLOW_USER_PASSWORD_AUTH', 'USER_PASSWORD_AUTH flow not enabled for this client');
      const username = requireParameter(parameters, 'USERNAME');
      const password = requireParameter(parameters, 'PASSWORD');
      checkSecretHash(client, [username], parameters['SECRET_HASH']);
      const user = signInUser(pool, client, username);
      if (!passwordMatches(pool, user, password)) throw notAuthorized(INCORRECT);
      return afterPassword(ctx, pool, client, user);
    }
    case 'REFRESH_TOKEN_AUTH':
    case 'REFRESH_TOKEN': {
      requireFlow(client, 'ALLOW_REFRESH_TOKEN_AUTH', 'REFRESH_TOKEN_AUTH flow not enabled for this client');
      const token = requireParameter(parameters, 'REFRESH_TOKEN');
      const grant = ctx.store.refreshGrants.get(token);
      if (!grant || grant.clientId !== client.ClientId) throw notAuthorized('Invalid Refresh Token');
      if (grant.revoked) throw notAuthorized('Refresh Token has been revoked');
      if (ctx.clock() >= grant.expiresAtMs) throw notAuthorized('Refresh Token has expired');
      const user = findUser(pool, grant.username);
      if (!user) throw notAuthorized('Invalid Refresh Token');
      checkSecretHash(client, [user.username, user.sub], parameters['SECRET_HASH']);
      if (!user.enabled) throw notAuthorized('User is disabled.');
      return tokensFor(ctx, pool, client, user, grant);
    }
    case 'ADMIN_NO_SRP_AUTH':
    case 'ADMIN_USER_PASSWORD_AUTH':
      throw invalidParameter(`Initiate Auth method not supported.`);
    case 'CUSTOM_AUTH':
    case 'USER_AUTH':
      throw invalidParameter(`${flow} is not served by the emulator.`);
    default:
      throw invalidParameter(
        `1 validation error detected: Value '${flow}' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set: [USER_SRP_AUTH, REFRESH_TOKEN_AUTH, REFRESH_TOKEN, CUSTOM_AUTH, ADMIN_NO_SRP_AUTH, USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, USER_AUTH]`,
      );
  }
}

function requireParameter(parameters: Record<string, string>, name: string): string {
  const value = parameters[name];
  if (value === undefined || value === '') throw invalidParameter(`Missing required parameter ${name}`);
  return value;
}

async function respondToAuthChallenge(ctx: UserPoolContext, input: Input): Promise<OperationResult> {
  const name = str(input, 'ChallengeName', true) as ChallengeName;
  const { pool, client } = requireClient(ctx, str(input, 'ClientId', true));
  const responses = stringMap(input, 'ChallengeResponses');
  const username = requireParameter(responses, 'USERNAME');
  const sessionId = str(input, 'Session');
  const session = takeSession(ctx, sessionId, client.ClientId);
  const user = findUser(pool, session.username);
  if (!user || (username !== user.username && username !== user.sub)) throw notAuthorized(INVALID_SESSION);
  checkSecretHash(client, [username], responses['SECRET_HASH']);
  if (session.challenge !== name) {
    throw invalidParameter(`The session expects an answer to ${session.challenge}, not ${name}.`);
  }
  // A wrong code keeps the same session for another try, a few times, as Cognito does.
  const retry = (type: EmulatorErrorName, message: string): never => {
    const attempts = (session.wrongCodes ?? 0) + 1;
    if (attempts < MAX_CODE_ATTEMPTS) ctx.store.sessions.set(sessionId as string, { ...session, wrongCodes: attempts });
    throw error(type, message);
  };
  switch (name) {
    case 'PASSWORD_VERIFIER': {
      const srp = session.srp as NonNullable<AuthSession['srp']>;
      const block = requireParameter(responses, 'PASSWORD_CLAIM_SECRET_BLOCK');
      const signature = requireParameter(responses, 'PASSWORD_CLAIM_SIGNATURE');
      const timestamp = requireParameter(responses, 'TIMESTAMP');
      if (block !== srp.secretBlock) throw notAuthorized(INVALID_SESSION);
      const at = parseSrpTimestamp(timestamp);
      if (at === undefined) throw invalidParameter('TIMESTAMP format is not valid.');
      if (Math.abs(at - Date.now()) > TIMESTAMP_SKEW_MS) throw notAuthorized(INCORRECT);
      const key = serverSessionKey(srp.A, srp.ephemeral, (user.srp as NonNullable<User['srp']>).verifier);
      const expected = key && claimSignature(key, pool.Id, user.username, Buffer.from(block, 'base64'), timestamp);
      if (!expected || !safeEqual(expected, signature)) throw notAuthorized(INCORRECT);
      return afterPassword(ctx, pool, client, user);
    }
    case 'NEW_PASSWORD_REQUIRED': {
      const password = requireParameter(responses, 'NEW_PASSWORD');
      for (const [key, value] of Object.entries(responses)) {
        if (!key.startsWith('userAttributes.')) continue;
        const attribute = key.slice('userAttributes.'.length);
        if (attribute === 'sub') throw invalidParameter('Cannot modify the non-mutable attribute sub');
        user.attributes.set(attribute, value);
      }
      setPassword(pool, user, password, true, ctx.clock());
      return afterFirstFactor(ctx, pool, client, user);
    }
    case 'SMS_MFA':
    case 'EMAIL_OTP': {
      const code = responses[name === 'SMS_MFA' ? 'SMS_MFA_CODE' : 'EMAIL_OTP_CODE'];
      if (code === undefined) throw invalidParameter(`Missing required parameter ${name === 'SMS_MFA' ? 'SMS_MFA_CODE' : 'EMAIL_OTP_CODE'}`);
      if (!safeEqual(code, session.code ?? '')) retry('CodeMismatchException', 'Invalid code or auth state for the user.');
      return tokensFor(ctx, pool, client, user);
    }
    case 'SOFTWARE_TOKEN_MFA': {
      const code = requireParameter(responses, 'SOFTWARE_TOKEN_MFA_CODE');
      if (!user.totpSecret) throw error('SoftwareTokenMFANotFoundException', 'Software Token MFA has not been enabled by the user.');
      const step = matchTotp(user.totpSecret, code, ctx.clock());
      if (step === undefined) retry('CodeMismatchException', 'Invalid code or auth state for the user.');
      if (user.lastTotpStep !== undefined && (step as number) <= user.lastTotpStep) {
        retry('ExpiredCodeException', 'Your software token has already been used once.');
      }
      user.lastTotpStep = step as number;
      return tokensFor(ctx, pool, client, user);
    }
    case 'SELECT_MFA_TYPE': {
      const answer = requireParameter(responses, 'ANSWER') as MfaType;
      if (!usableMfa(pool, user).includes(answer)) throw invalidParameter(`${answer} is not one of the user's MFA choices.`);
      return mfaChallenge(ctx, pool, client, user, answer);
    }
    case 'MFA_SETUP': {
      const email = responses['EMAIL'];
      if (email !== undefined) {
        if (!pool.mfa.email) throw invalidParameter('Email MFA is not enabled for this user pool.');
        if (typeof email !== 'string' || !/^[^\s@]+@[^\s@]+$/.test(email)) throw invalidParameter('Invalid email address format.');
        // The address becomes the user's (verified by the code that follows) and email their factor.
        user.attributes.set('email', email);
        user.attributes.set('email_verified', 'true');
        user.mfa.enabled.add('EMAIL_OTP');
        user.mfa.preferred = 'EMAIL_OTP';
        return mfaChallenge(ctx, pool, client, user, 'EMAIL_OTP');
      }
      if (!session.setupVerified || !session.setupSecret) {
        throw invalidParameter('The software token is not verified yet: call AssociateSoftwareToken and VerifySoftwareToken with this session first.');
      }
      return tokensFor(ctx, pool, client, user);
    }
    default:
      throw invalidParameter(`Challenge ${String(name)} is not served by the emulator.`);
  }
}

async function associateSoftwareToken(ctx: UserPoolContext, input: Input): Promise<OperationResult> {
  const secret = newTotpSecret();
  if (input['AccessToken'] !== undefined && input['AccessToken'] !== null) {
    const { user } = userOfAccessToken(ctx, input);
    user.pendingTotpSecret = secret;
    return { output: { SecretCode: secret } };
  }
  const sessionId = str(input, 'Session');
  if (sessionId === undefined) throw invalidParameter('Either AccessToken or Session must be given.');
  const session = ctx.store.sessions.get(sessionId);
  if (!session || session.challenge !== 'MFA_SETUP') throw notAuthorized(INVALID_SESSION);
  ctx.store.sessions.delete(sessionId);
  if (ctx.clock() >= session.expiresAtMs) throw notAuthorized(EXPIRED_SESSION);
  const next = ctx.store.openSession({ ...session, setupSecret: secret, setupVerified: false });
  return { output: { SecretCode: secret, Session: next } };
}

async function verifySoftwareToken(ctx: UserPoolContext, input: Input): Promise<OperationResult> {
  const code = str(input, 'UserCode', true);
  if (!/^\d{6}$/.test(code)) throw invalidParameter("1 validation error detected: Value at 'userCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9]+");
  if (input['AccessToken'] !== undefined && input['AccessToken'] !== null) {
    const { user } = userOfAccessToken(ctx, input);
    const secret = user.pendingTotpSecret;
    if (!secret) throw invalidParameter('No software token is being associated: call AssociateSoftwareToken first.');
    const step = matchTotp(secret, code, ctx.clock());
    if (step === undefined) throw error('EnableSoftwareTokenMFAException', 'Code mismatch');
    user.totpSecret = secret;
    user.lastTotpStep = step;
    delete user.pendingTotpSecret;
    return { output: { Status: 'SUCCESS' } };
  }
  const sessionId = str(input, 'Session');
  if (sessionId === undefined) throw invalidParameter('Either AccessToken or Session must be given.');
  const session = ctx.store.sessions.get(sessionId);
  if (!session || session.challenge !== 'MFA_SETUP' || !session.setupSecret) throw notAuthorized(INVALID_SESSION);
  if (ctx.clock() >= session.expiresAtMs) {
    ctx.store.sessions.delete(sessionId);
    throw notAuthorized(EXPIRED_SESSION);
  }
  const step = matchTotp(session.setupSecret, code, ctx.clock());
  if (step === undefined) throw error('EnableSoftwareTokenMFAException', 'Code mismatch');
  ctx.store.sessions.delete(sessionId);
  const pool = ctx.store.pools.get(session.poolId);
  const user = pool && findUser(pool, session.username);
  if (!user) throw notAuthorized(INVALID_SESSION);
  // Setting up during sign-in turns the authenticator on and makes it the user's choice.
  user.totpSecret = session.setupSecret;
  user.lastTotpStep = step;
  user.mfa.enabled.add('SOFTWARE_TOKEN_MFA');
  user.mfa.preferred = 'SOFTWARE_TOKEN_MFA';
  const next = ctx.store.openSession({ ...session, setupVerified: true });
  return { output: { Status: 'SUCCESS', Session: next } };
}

async function getUser(ctx: UserPoolContext, input: Input): Promise<OperationResult> {
  const { pool, user } = userOfAccessToken(ctx, input);
  return { output: { Username: user.username, UserAttributes: attributeList(user), ...mfaView(pool, user) } };
}

async function setUserMfaPreference(ctx: UserPoolContext, input: Input): Promise<OperationResult> {
  const { pool, user } = userOfAccessToken(ctx, input);
  applyMfaPreference(user, input);
  return { output: {} };
}

async function globalSignOut(ctx: UserPoolContext, input: Input): Promise<OperationResult> {
  const { pool, user } = userOfAccessToken(ctx, input);
  ctx.store.signOutEverywhere(pool.Id, user.username);
  return { output: {} };
}

async function revokeToken(ctx: UserPoolContext, input: Input): Promise<OperationResult> {
  const token = str(input, 'Token', true);
  const { client } = requireClient(ctx, str(input, 'ClientId', true));
  const secret = str(input, 'ClientSecret');
  if (client.ClientSecret && (secret === undefined || !safeEqual(secret, client.ClientSecret))) {
    throw error('UnauthorizedException', 'Invalid client secret.');
  }
  if (!client.EnableTokenRevocation) throw error('UnsupportedOperationException', 'Token revocation is not enabled for this client.');
  if (ctx.store.accessGrants.has(token)) throw error('UnsupportedTokenTypeException', 'The token is not a refresh token.');
  const grant = ctx.store.refreshGrants.get(token);
  // An unknown or already revoked token is not an error (RFC 7009); another client's is.
  if (!grant) return { output: {} };
  if (grant.clientId !== client.ClientId) throw error('UnauthorizedException', 'The token was not issued to this client.');
  ctx.store.revokeRefresh(grant);
  return { output: {} };
}

const USER_POOL_OPERATION_TABLE = {
  CreateUserPool: { signed: true, run: createUserPool },
  DescribeUserPool: { signed: true, run: describeUserPool },
  CreateUserPoolClient: { signed: true, run: createUserPoolClient },
  DescribeUserPoolClient: { signed: true, run: describeUserPoolClient },
  AdminCreateUser: { signed: true, run: adminCreateUser },
  AdminGetUser: { signed: true, run: adminGetUser },
  AdminSetUserPassword: { signed: true, run: adminSetUserPassword },
  AdminSetUserMFAPreference: { signed: true, run: adminSetUserMfaPreference },
  SetUserPoolMfaConfig: { signed: true, run: setUserPoolMfaConfig },
  GetUserPoolMfaConfig: { signed: true, run: getUserPoolMfaConfig },
  InitiateAuth: { signed: false, run: initiateAuth },
  RespondToAuthChallenge: { signed: false, run: respondToAuthChallenge },
  AssociateSoftwareToken: { signed: false, run: associateSoftwareToken },
  VerifySoftwareToken: { signed: false, run: verifySoftwareToken },
  GetUser: { signed: false, run: getUser },
  SetUserMFAPreference: { signed: false, run: setUserMfaPreference },
  GlobalSignOut: { signed: false, run: globalSignOut },
  RevokeToken: { signed: false, run: revokeToken },
} satisfies Record<string, UserPoolOperation>;

export const USER_POOL_OPERATIONS: Readonly<Record<string, UserPoolOperation>> = USER_POOL_OPERATION_TABLE;
export const USER_POOL_OPERATION_NAMES = Object.keys(USER_POOL_OPERATION_TABLE);
