/**
 * A local Cognito service, identity pools and user pools, for tests, benchmarks and browser demos.
 *
 * `startEmulator()` starts an HTTP server on 127.0.0.1 that speaks the wire protocol of Cognito
 * Identity and of Cognito user pools closely enough for the AWS SDK, with a ready identity pool
 * that trusts every kind of login provider, token issuers it hosts itself, a ready user pool and
 * app client (SRP, MFA, refresh), and hooks for fault injection.
 * This is a development tool: nothing under src/ may import it.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { AddressInfo } from 'node:net';
import { EmulatorUsageError } from './errors.js';
import { CallLog, FaultInjector, type CallRecord, type FaultSpec } from './faults.js';
import { defaultRoles, type OperationContext } from './operations.js';
import { createEmulatorServer } from './server.js';
import { addClient, createPool, type UserPoolContext } from './userPool/operations.js';
import { UserPoolStore, type MessageFilter, type SentMessage } from './userPool/store.js';
import { verifySigV4WithIssuedCredentials, type DeveloperCredentials, type SignedRequest } from './sigv4.js';
import { Store, type CognitoIdentityProviderEntry, type Pool } from './store.js';
import {
  COGNITO_IDENTITY_LOGIN_KEY,
  TokenService,
  loginKeyForIssuer,
  type MintTokenOptions,
  type ProviderInfo,
} from './tokens.js';

export type { CallRecord, ErrorFault, FaultErrorName, FaultSpec, FaultState, LatencyFault } from './faults.js';
export type { DeveloperCredentials, SignedRequest } from './sigv4.js';
export type { MintTokenOptions, ProviderInfo, ProviderKind } from './tokens.js';
export type { MessageFilter, SentMessage } from './userPool/store.js';
export { totpCode } from './userPool/totp.js';
export { COGNITO_ERROR_NAMES, EmulatorUsageError } from './errors.js';
export type { CognitoErrorName } from './errors.js';

/** A user pool the default identity pool trusts. Without `jwksUri` the emulator hosts it (and can mint its tokens). */
export interface UserPoolOption {
  /** For example `us-east-1_AbC123`; the login key is `cognito-idp.<region>.amazonaws.com/<userPoolId>`. */
  userPoolId: string;
  /** The `iss` its id tokens carry; defaults to `https://cognito-idp.<region>.amazonaws.com/<userPoolId>`. */
  issuer?: string;
  /** Where its signing keys are published, for a user pool served by something else. */
  jwksUri?: string;
  /** App client ids accepted as `aud`; any audience when absent. */
  clientIds?: string[];
}

/** An OpenID Connect issuer the default pool trusts. Without `jwksUri` the emulator hosts it. */
export interface OidcIssuerOption {
  /** The issuer URL; its login key is the URL without `https://`. */
  issuer: string;
  jwksUri?: string;
  /** Client ids accepted as `aud` (the IAM OIDC provider's client id list); any audience when absent. */
  clientIds?: string[];
}

/** Options of {@link startEmulator}; every one has a default. */
export interface EmulatorOptions {
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Region of the endpoint and of generated ids (default `us-east-1`). */
  region?: string;
  /** Id of the default identity pool (`region:uuid`); generated when absent. */
  identityPoolId?: string;
  /** Name of the default identity pool (default `emulator`). */
  identityPoolName?: string;
  /** Whether the default pool allows guest (unauthenticated) identities (default true). */
  allowGuests?: boolean;
  /** Lifetime of the AWS credentials handed out, in seconds (default 3600). */
  credentialLifetimeSeconds?: number;
  /** Latency added before answering every Cognito call, in ms (default 0). */
  latencyMs?: number;
  /** Extra user pools the default pool trusts, for instance one served by a local user pool service. */
  userPools?: UserPoolOption[];
  /** Extra OpenID Connect issuers the default pool trusts. */
  oidcIssuers?: OidcIssuerOption[];
  /** The developer provider name of the default pool (default `login.emulator.app`). */
  developerProviderName?: string;
  /** The access key allowed to call signed operations (default: the fixed pair in {@link EMULATOR_DEFAULTS}). */
  developerCredentials?: DeveloperCredentials;
  /** The clock for token expiry, credential expiration and timestamps, epoch ms (default `Date.now`). */
  now?: () => number;
}

/** Login keys of the providers the default pool trusts out of the box. */
export interface DefaultLoginKeys {
  google: string;
  apple: string;
  facebook: string;
  amazon: string;
  twitter: string;
  /** The OpenID Connect issuer the emulator hosts. */
  oidc: string;
  /** The user pool the emulator hosts. */
  userPool: string;
  /** Cognito Identity's own OpenID tokens (developer flow, GetOpenIdToken). */
  cognitoIdentity: string;
}

/** A running emulator. */
export interface EmulatorHandle {
  /** `http://127.0.0.1:<port>`: pass it as the SDK client's `endpoint`. */
  endpoint: string;
  region: string;
  /** The ready default identity pool. */
  identityPoolId: string;
  /** The ready default user pool (`<region>_emulator`), trusted by the default identity pool. */
  userPoolId: string;
  /** Its app client: SRP, password and refresh flows allowed, no secret. */
  userPoolClientId: string;
  /** Credentials that sign requests to the signed operations (CreateIdentityPool, …). */
  developerCredentials: DeveloperCredentials;
  /** The default pool's developer provider name, the key of the developer login. */
  developerProviderName: string;
  loginKeys: DefaultLoginKeys;
  /** Every provider the emulator knows, with issuer, JWKS URL and default audience. */
  providers(): ProviderInfo[];
  /** Mints a login token (JWT or opaque, by provider) the default pool accepts unless told otherwise. */
  mintToken(loginKey: string, sub: string, options?: MintTokenOptions): Promise<string>;
  /** The call log, oldest first. */
  calls(): CallRecord[];
  clearCalls(): void;
  /** Adds an error rule or latency; see {@link FaultSpec}. */
  addFault(spec: FaultSpec): void;
  /** Removes every fault rule and all latency. */
  clearFaults(): void;
  /** SMS and email messages the user pools "sent" (MFA codes, temporary passwords), oldest first. */
  messages(filter?: MessageFilter): SentMessage[];
  clearMessages(): void;
  /**
   * Checks a request signed (SigV4, Authorization header) with credentials this emulator handed
   * out, as the AWS service named by `service` would: a stand-in for AWS behind the credentials.
   * Resolves with the identity the credentials belong to.
   * @throws CognitoError UnrecognizedClientException (not issued here, or a wrong session token),
   *   ExpiredTokenException, InvalidSignatureException, IncompleteSignatureException or
   *   MissingAuthenticationTokenException; its `name` and `message` are AWS's.
   */
  verifySignedRequest(request: SignedRequest, expected: { service: string; region?: string }): Promise<{ identityId: string }>;
  /** Stops the server and drops open connections. */
  close(): Promise<void>;
}

/** The fixed names and ids the default pool is set up with. */
export const EMULATOR_DEFAULTS = {
  region: 'us-east-1',
  identityPoolName: 'emulator',
  credentialLifetimeSeconds: 3600,
  accountId: '000000000000',
  developerProviderName: 'login.emulator.app',
  developerCredentials: {
    accessKeyId: 'AKIAEMULATOR00000000',
    secretAccessKey: 'emulator-developer-secret-key-not-an-aws-secret',
  },
  googleClientId: 'emulator-client.apps.googleusercontent.com',
  appleClientId: 'com.example.emulator',
  facebookAppId: '100000000000001',
  amazonAppId: 'amzn1.application-oa2-client.emulator',
  twitterConsumer: 'emulator-consumer-key;emulator-consumer-secret',
  oidcLoginKey: 'oidc.emulator.local',
  oidcClientId: 'emulator-oidc-client',
  /** Suffix of the hosted user pool id, `<region>_emulator`. */
  userPoolSuffix: 'emulator',
  userPoolClientId: 'emulatoruserpoolclient0001',
} as const;

const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/**
 * Starts a Cognito Identity emulator on 127.0.0.1 with one ready identity pool that allows
 * guests (unless told not to) and trusts Google, Apple, Facebook, Amazon, Twitter, a hosted
 * OpenID Connect issuer, a hosted user pool, the configured extra issuers, and a developer provider.
 *
 * @example
 * const emu = await startEmulator();
 * const client = new CognitoIdentityClient({ endpoint: emu.endpoint, region: emu.region });
 * const token = await emu.mintToken(emu.loginKeys.google, 'alice');
 * await client.send(new GetIdCommand({ IdentityPoolId: emu.identityPoolId, Logins: { [emu.loginKeys.google]: token } }));
 * await emu.close();
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const region = options.region ?? EMULATOR_DEFAULTS.region;
  if (!/^[\w-]+$/.test(region)) throw new EmulatorUsageError(`Invalid region '${region}'.`);
  const clock = options.now ?? Date.now;
  const lifetime = options.credentialLifetimeSeconds ?? EMULATOR_DEFAULTS.credentialLifetimeSeconds;
  if (!Number.isInteger(lifetime) || lifetime < 1) {
    throw new EmulatorUsageError('credentialLifetimeSeconds must be a positive integer.');
  }
  const developerCredentials = { ...(options.developerCredentials ?? EMULATOR_DEFAULTS.developerCredentials) };
  const developerProviderName = options.developerProviderName ?? EMULATOR_DEFAULTS.developerProviderName;

  let endpoint = '';
  const tokens = new TokenService(clock, () => endpoint);
  const store = new Store(clock);
  const loginKeys = registerProviders(tokens, region, options);
  const pool = defaultPool(region, loginKeys, options, { developerProviderName, lifetime });
  store.addPool(pool);

  const userPools: UserPoolContext = {
    store: new UserPoolStore(),
    tokens,
    clock,
    region,
    accountId: EMULATOR_DEFAULTS.accountId,
  };
  const userPool = defaultUserPool(userPools, region);

  const operations: OperationContext = {
    store,
    tokens,
    clock,
    region,
    accountId: EMULATOR_DEFAULTS.accountId,
    defaultCredentialLifetimeSeconds: lifetime,
  };
  const faults = new FaultInjector(options.latencyMs ?? 0);
  const calls = new CallLog();
  const mintToken = (loginKey: string, sub: string, mintOptions: MintTokenOptions = {}) =>
    tokens.mint(loginKey, sub, mintOptions);
  const closing = new AbortController();
  // Every call waiting on injected latency listens to it; many at once is normal here.
  setMaxListeners(0, closing.signal);
  const server = createEmulatorServer(
    {
      operations,
      userPools,
      tokens,
      faults,
      calls,
      developerCredentials,
      mintToken,
      info: () => ({
        endpoint,
        region,
        identityPoolId: pool.IdentityPoolId,
        userPoolId: userPool.userPoolId,
        userPoolClientId: userPool.userPoolClientId,
        developerProviderName,
        loginKeys,
        providers: tokens.list(),
      }),
    },
    closing.signal,
  );

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  let closed: Promise<void> | undefined;
  return {
    endpoint,
    region,
    identityPoolId: pool.IdentityPoolId,
    userPoolId: userPool.userPoolId,
    userPoolClientId: userPool.userPoolClientId,
    developerCredentials,
    developerProviderName,
    loginKeys,
    providers: () => tokens.list(),
    mintToken,
    calls: () => calls.list(),
    clearCalls: () => calls.clear(),
    addFault: (spec) => faults.add(spec),
    clearFaults: () => faults.clear(),
    messages: (filter) => userPools.store.messages(filter),
    clearMessages: () => userPools.store.clearMessages(),
    verifySignedRequest: async (request, expected) => {
      const { identityId } = await verifySigV4WithIssuedCredentials(request, {
        issued: (accessKeyId) => store.issuedCredentials(accessKeyId),
        region: expected.region ?? region,
        service: expected.service,
        // Signers use the machine's real time; expiry is judged on the emulator's clock.
        nowMs: Date.now(),
        emulatorNowMs: clock(),
      });
      return { identityId };
    },
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        closing.abort();
        server.close(() => resolve());
        // Idle keep-alive sockets would otherwise hold close() open for seconds.
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

/**
 * The default user pool: the one the default identity pool already trusts, with an app client
 * for SRP, password and refresh sign-in and no secret, and every second factor on offer for
 * users who turn one on (MFA optional).
 */
function defaultUserPool(ctx: UserPoolContext, region: string): { userPoolId: string; userPoolClientId: string } {
  const d = EMULATOR_DEFAULTS;
  const pool = createPool(ctx, {
    id: `${region}_${d.userPoolSuffix}`,
    name: 'emulator',
    mfaConfiguration: 'OPTIONAL',
    mfa: { sms: true, totp: true, email: true },
  });
  addClient(ctx, pool, {
    clientId: d.userPoolClientId,
    name: 'emulator',
    flows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
  });
  return { userPoolId: pool.Id, userPoolClientId: d.userPoolClientId };
}

/** Registers the built-in issuers and the configured ones; returns the default login keys. */
function registerProviders(tokens: TokenService, region: string, options: EmulatorOptions): DefaultLoginKeys {
  const d = EMULATOR_DEFAULTS;
  const userPoolKey = userPoolLoginKey(region, `${region}_${d.userPoolSuffix}`);
  tokens.hostJwtIssuer({
    loginKey: 'accounts.google.com',
    issuer: 'https://accounts.google.com',
    kind: 'google',
    defaultAudience: d.googleClientId,
  });
  tokens.hostJwtIssuer({
    loginKey: 'appleid.apple.com',
    issuer: 'https://appleid.apple.com',
    kind: 'apple',
    defaultAudience: d.appleClientId,
  });
  tokens.addOpaqueProvider({ loginKey: 'graph.facebook.com', kind: 'facebook', defaultAudience: d.facebookAppId });
  tokens.addOpaqueProvider({ loginKey: 'www.amazon.com', kind: 'amazon', defaultAudience: d.amazonAppId });
  tokens.addOpaqueProvider({ loginKey: 'api.twitter.com', kind: 'twitter' });
  tokens.hostJwtIssuer({
    loginKey: d.oidcLoginKey,
    issuer: `https://${d.oidcLoginKey}`,
    kind: 'oidc',
    audiences: [d.oidcClientId],
    defaultAudience: d.oidcClientId,
  });
  tokens.hostJwtIssuer({
    loginKey: userPoolKey,
    issuer: `https://${userPoolKey}`,
    kind: 'userPool',
    defaultAudience: d.userPoolClientId,
  });
  // Cognito signs its OpenID tokens with RS512.
  tokens.hostJwtIssuer({
    loginKey: COGNITO_IDENTITY_LOGIN_KEY,
    issuer: `https://${COGNITO_IDENTITY_LOGIN_KEY}`,
    kind: 'cognitoIdentity',
    alg: 'RS512',
  });

  for (const userPool of options.userPools ?? []) registerUserPool(tokens, region, userPool);
  for (const oidc of options.oidcIssuers ?? []) registerOidcIssuer(tokens, oidc);

  return {
    google: 'accounts.google.com',
    apple: 'appleid.apple.com',
    facebook: 'graph.facebook.com',
    amazon: 'www.amazon.com',
    twitter: 'api.twitter.com',
    oidc: d.oidcLoginKey,
    userPool: userPoolKey,
    cognitoIdentity: COGNITO_IDENTITY_LOGIN_KEY,
  };
}

/** A user pool's login key names the pool's own region, read from its id when it carries one. */
function userPoolLoginKey(region: string, userPoolId: string): string {
  const prefix = userPoolId.slice(0, userPoolId.lastIndexOf('_'));
  return `cognito-idp.${REGION_PATTERN.test(prefix) ? prefix : region}.amazonaws.com/${userPoolId}`;
}

function registerUserPool(tokens: TokenService, region: string, userPool: UserPoolOption): void {
  if (!/^[\w-]+_[0-9a-zA-Z]+$/.test(userPool.userPoolId)) {
    throw new EmulatorUsageError(`Invalid user pool id '${userPool.userPoolId}'.`);
  }
  const loginKey = userPoolLoginKey(region, userPool.userPoolId);
  // Clients spell the login key with the user pool's region (its id's prefix, `local` for a local
  // user pool service) or with the emulator's region; both reach the same provider and identities.
  const prefix = userPool.userPoolId.slice(0, userPool.userPoolId.lastIndexOf('_'));
  for (const spelling of [prefix, region]) {
    tokens.addAlias(`cognito-idp.${spelling}.amazonaws.com/${userPool.userPoolId}`, loginKey);
  }
  const issuer = userPool.issuer ?? `https://${loginKey}`;
  if (userPool.jwksUri) {
    tokens.trustJwtIssuer({ loginKey, issuer, jwksUri: userPool.jwksUri, kind: 'userPool' });
  } else {
    tokens.hostJwtIssuer({
      loginKey,
      issuer,
      kind: 'userPool',
      ...(userPool.clientIds?.[0] !== undefined ? { defaultAudience: userPool.clientIds[0] } : {}),
    });
  }
}

function registerOidcIssuer(tokens: TokenService, oidc: OidcIssuerOption): void {
  const loginKey = loginKeyForIssuer(oidc.issuer);
  if (!loginKey) throw new EmulatorUsageError(`Invalid OpenID Connect issuer '${oidc.issuer}'.`);
  const audiences = oidc.clientIds && oidc.clientIds.length > 0 ? { audiences: [...oidc.clientIds] } : {};
  if (oidc.jwksUri) {
    tokens.trustJwtIssuer({ loginKey, issuer: oidc.issuer, jwksUri: oidc.jwksUri, kind: 'oidc', ...audiences });
  } else {
    tokens.hostJwtIssuer({
      loginKey,
      issuer: oidc.issuer,
      kind: 'oidc',
      ...audiences,
      ...(oidc.clientIds?.[0] !== undefined ? { defaultAudience: oidc.clientIds[0] } : {}),
    });
  }
}

/** The default identity pool: trusts every provider registered above and the developer provider. */
function defaultPool(
  region: string,
  loginKeys: DefaultLoginKeys,
  options: EmulatorOptions,
  extra: { developerProviderName: string; lifetime: number },
): Pool {
  const d = EMULATOR_DEFAULTS;
  const identityPoolId = options.identityPoolId ?? `${region}:${randomUUID()}`;
  if (!/^[\w-]+:[0-9a-f-]+$/.test(identityPoolId) || identityPoolId.length > 55) {
    throw new EmulatorUsageError(`Invalid identity pool id '${identityPoolId}'; expected region:uuid.`);
  }
  const userPools: CognitoIdentityProviderEntry[] = [
    { ProviderName: loginKeys.userPool, ClientId: d.userPoolClientId, ServerSideTokenCheck: false },
  ];
  for (const userPool of options.userPools ?? []) {
    const ProviderName = userPoolLoginKey(region, userPool.userPoolId);
    const clientIds = userPool.clientIds ?? [];
    if (clientIds.length === 0) userPools.push({ ProviderName, ServerSideTokenCheck: false });
    for (const ClientId of clientIds) userPools.push({ ProviderName, ClientId, ServerSideTokenCheck: false });
  }
  const oidcKeys = [loginKeys.oidc, ...(options.oidcIssuers ?? []).map((oidc) => loginKeyForIssuer(oidc.issuer))];
  const name = options.identityPoolName ?? d.identityPoolName;
  return {
    IdentityPoolId: identityPoolId,
    IdentityPoolName: name,
    AllowUnauthenticatedIdentities: options.allowGuests ?? true,
    AllowClassicFlow: false,
    SupportedLoginProviders: {
      [loginKeys.google]: d.googleClientId,
      [loginKeys.apple]: d.appleClientId,
      [loginKeys.facebook]: d.facebookAppId,
      [loginKeys.amazon]: d.amazonAppId,
      [loginKeys.twitter]: d.twitterConsumer,
    },
    DeveloperProviderName: extra.developerProviderName,
    OpenIdConnectProviderARNs: oidcKeys.map((key) => `arn:aws:iam::${d.accountId}:oidc-provider/${key}`),
    CognitoIdentityProviders: userPools,
    SamlProviderARNs: [],
    IdentityPoolTags: {},
    roles: defaultRoles(d.accountId, name),
    credentialLifetimeSeconds: extra.lifetime,
  };
}
