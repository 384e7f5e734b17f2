/**
 * A real cognito-local user-pool server for tests, run in this process on 127.0.0.1 and a free port,
 * with its data in a fresh temporary directory.
 *
 * cognito-local's own start script keeps its data in `.cognito/` under the working directory and logs to
 * stdout, so this module assembles the same services itself (as cognito-local's `createDefaultServer`
 * does) with an absolute data directory, a silent logger and a silent message sender.
 *
 * Two gaps of cognito-local 5.3.0 are filled by default, each switchable:
 * - `GlobalSignOut` is not implemented (it answers `CognitoLocal#Unsupported`). The stand-in verifies the
 *   access token against cognito-local's key and revokes all of the user's refresh tokens, as Cognito does.
 * - `RespondToAuthChallenge` returns a refresh token but does not store it, so it could never be used.
 *   The stand-in stores it, as `InitiateAuth` does.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { importJWK, jwtVerify } from 'jose';
import type { UserPoolConfig } from '../../src/services/userPool.js';

/** The region to give clients of cognito-local: its pool ids start with `local_`. */
export const COGNITO_LOCAL_REGION = 'local';

export interface CognitoLocalOptions {
  /** Answer `GlobalSignOut` (unsupported by cognito-local) by revoking the user's refresh tokens. Default true. */
  emulateGlobalSignOut?: boolean;
  /** Store the refresh token `RespondToAuthChallenge` hands out (cognito-local forgets it). Default true. */
  storeChallengeRefreshTokens?: boolean;
  /** cognito-local's log level (pino). Default `silent`. */
  logLevel?: 'silent' | 'error' | 'warn' | 'info' | 'debug';
}

export interface CreateUserPoolOptions {
  /** Sign in with the email as username (cognito-local's own default). Default false: plain usernames. */
  emailAsUsername?: boolean;
  /** Token lifetimes in seconds. Default: Cognito's, 3600 s for id and access tokens, 30 days for refresh tokens. */
  idTokenValiditySeconds?: number;
  accessTokenValiditySeconds?: number;
  refreshTokenValiditySeconds?: number;
}

export interface CognitoLocalUserPool {
  userPoolId: string;
  userPoolClientId: string;
  /** The `iss` claim of the pool's tokens: `<endpoint>/<userPoolId>`. */
  issuer: string;
  /** `<endpoint>/<userPoolId>/.well-known/jwks.json`. */
  jwksUri: string;
  /** Ready for the user-pool services. */
  config: UserPoolConfig;
}

export interface CognitoLocalUser {
  /** The Cognito username (`cognito:username`): the sub when the pool takes emails as usernames. */
  username: string;
  /** The `sub` claim. */
  sub: string;
}

/** A message cognito-local would have sent (welcome, confirmation or MFA code). */
export interface CognitoLocalMessage {
  medium: 'EMAIL' | 'SMS';
  destination: string;
  username: string;
  code: string | undefined;
}

export interface CognitoLocal {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  endpoint: string;
  region: string;
  /** A client with dummy credentials for the admin calls. */
  adminClient: CognitoIdentityProviderClient;
  /** Messages cognito-local would have sent, oldest first. */
  messages: CognitoLocalMessage[];
  createUserPool(options?: CreateUserPoolOptions): Promise<CognitoLocalUserPool>;
  /** `permanent: false` leaves the user in `FORCE_CHANGE_PASSWORD`, so sign-in asks for a new password. */
  createUser(
    userPoolId: string,
    user: { username: string; password: string; permanent?: boolean; attributes?: Record<string, string> },
  ): Promise<CognitoLocalUser>;
  close(): Promise<void>;
}

// ---- cognito-local internals, typed as far as used here -------------------------------------------

interface Ctx {
  logger: unknown;
}
interface LocalUser {
  Username: string;
  Attributes?: Array<{ Name: string; Value?: string }>;
  RefreshTokens?: string[];
}
interface LocalUserPool {
  getUserByUsername(ctx: Ctx, username: string): Promise<LocalUser | null>;
  saveUser(ctx: Ctx, user: LocalUser): Promise<void>;
  storeRefreshToken(ctx: Ctx, refreshToken: string, user: LocalUser): Promise<void>;
}
interface LocalCognito {
  getUserPool(ctx: Ctx, userPoolId: string): Promise<LocalUserPool>;
  getUserPoolForClientId(ctx: Ctx, clientId: string): Promise<LocalUserPool>;
}
type Route = (ctx: Ctx, req: Record<string, unknown>) => Promise<unknown>;
type Router = (target: string) => Route;
type Ctor<T = object> = new (...args: never[]) => T;

interface CognitoLocalModules {
  pino: (options: { level: string }) => unknown;
  createServer: (
    router: Router,
    logger: unknown,
    options: { port: number; hostname: string; development: boolean; https: false },
    services: object,
  ) => { start(): Promise<Server> };
  Router: (services: object) => Router;
  DateClock: Ctor;
  StormDBDataStoreFactory: Ctor;
  CognitoServiceFactoryImpl: Ctor<{ create(ctx: Ctx, defaults: object): Promise<LocalCognito> }>;
  UserPoolServiceFactoryImpl: Ctor;
  TriggersService: Ctor;
  LambdaService: Ctor;
  CryptoService: Ctor;
  MessagesService: Ctor;
  MessageDeliveryService: Ctor;
  JwtTokenGenerator: Ctor;
  otp: () => string;
  NotAuthorizedError: new (message?: string) => Error;
  publicJwk: { kty: string; [key: string]: unknown };
}

let modules: CognitoLocalModules | undefined;

function loadCognitoLocal(): CognitoLocalModules {
  if (modules) return modules;
  const requireHere = createRequire(import.meta.url);
  const requireLocal = createRequire(requireHere.resolve('cognito-local/package.json'));
  // cognito-local loads the v2 AWS SDK, which prints an end-of-support notice unless told not to.
  requireLocal('aws-sdk/lib/maintenance_mode_message').suppress = true;
  const lib = (name: string) => requireLocal(`./lib/${name}`);
  modules = {
    pino: requireLocal('pino'),
    createServer: lib('server/server').createServer,
    Router: lib('server/Router').Router,
    DateClock: lib('services/clock').DateClock,
    StormDBDataStoreFactory: lib('services/dataStore/stormDb').StormDBDataStoreFactory,
    CognitoServiceFactoryImpl: lib('services/cognitoService').CognitoServiceFactoryImpl,
    UserPoolServiceFactoryImpl: lib('services/userPoolService').UserPoolServiceFactoryImpl,
    TriggersService: lib('services/triggers').TriggersService,
    LambdaService: lib('services/lambda').LambdaService,
    CryptoService: lib('services/crypto').CryptoService,
    MessagesService: lib('services/messages').MessagesService,
    MessageDeliveryService: lib('services/messageDelivery/messageDelivery').MessageDeliveryService,
    JwtTokenGenerator: lib('services/tokenGenerator').JwtTokenGenerator,
    otp: lib('services/otp').otp,
    NotAuthorizedError: lib('errors').NotAuthorizedError,
    publicJwk: lib('keys/cognitoLocal.public.json').jwk,
  };
  return modules;
}

/** Starts cognito-local. Call `close()` when done; the server also ends with the process. */
export async function startCognitoLocal(options: CognitoLocalOptions = {}): Promise<CognitoLocal> {
  const { emulateGlobalSignOut = true, storeChallengeRefreshTokens = true, logLevel = 'silent' } = options;
  const m = loadCognitoLocal();
  const dataDirectory = mkdtempSync(path.join(tmpdir(), 'cognito-local-'));
  const removeData = () => rmSync(dataDirectory, { recursive: true, force: true });
  process.once('exit', removeData);

  const logger = m.pino({ level: logLevel });
  const ctx: Ctx = { logger };
  const messages: CognitoLocalMessage[] = [];
  const record =
    (medium: CognitoLocalMessage['medium']) =>
    async (_ctx: Ctx, user: LocalUser, destination: string, message: { __code?: string }) => {
      messages.push({ medium, destination, username: user.Username, code: message.__code });
    };
  const silentSender = { sendEmail: record('EMAIL'), sendSms: record('SMS') };

  // The issuer names the real port, known once listening; the token generator reads it per token.
  const tokenConfig = { IssuerDomain: 'http://127.0.0.1' };
  const config = {
    LambdaClient: { credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, region: 'local' },
    TriggerFunctions: {},
    // As in Cognito (not cognito-local's default), pools take plain usernames unless told otherwise.
    UserPoolDefaults: {},
    TokenConfig: tokenConfig,
    KMSConfig: { credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, region: 'local' },
    ServerConfig: { port: 0, hostname: '127.0.0.1', development: false, https: false as const },
  };

  const clock = new m.DateClock();
  const dataStoreFactory = new m.StormDBDataStoreFactory(dataDirectory as never);
  const cognito = await new m.CognitoServiceFactoryImpl(
    dataDirectory as never,
    dataStoreFactory as never,
    new m.UserPoolServiceFactoryImpl(clock as never, dataStoreFactory as never) as never,
  ).create(ctx, config.UserPoolDefaults);
  const triggers = new m.TriggersService(
    clock as never,
    cognito as never,
    new m.LambdaService(config.TriggerFunctions as never, {} as never) as never,
    new m.CryptoService(config.KMSConfig as never) as never,
  );
  const services = {
    clock,
    cognito,
    config,
    messages: new m.MessagesService(triggers as never, new m.MessageDeliveryService(silentSender as never) as never),
    otp: m.otp,
    tokenGenerator: new m.JwtTokenGenerator(clock as never, triggers as never, tokenConfig as never),
    triggers,
  };

  const baseRouter = m.Router(services);
  const revokedAccessTokens = new Set<string>();
  const signedOutAt = new Map<string, number>();
  const publicKey = await importJWK(m.publicJwk, 'RS256');

  const globalSignOut: Route = async (routeCtx, req) => {
    const accessToken = typeof req['AccessToken'] === 'string' ? req['AccessToken'] : '';
    let claims;
    try {
      ({ payload: claims } = await jwtVerify(accessToken, publicKey, { algorithms: ['RS256'] }));
    } catch {
      throw new m.NotAuthorizedError('Invalid Access Token');
    }
    const prefix = `${tokenConfig.IssuerDomain}/`;
    const username = claims['username'];
    if (claims['token_use'] !== 'access' || typeof username !== 'string' || !claims.iss?.startsWith(prefix)) {
      throw new m.NotAuthorizedError('Invalid Access Token');
    }
    const userPoolId = claims.iss.slice(prefix.length);
    const key = `${userPoolId}/${username}`;
    const revokedBefore = signedOutAt.get(key);
    if (
      (typeof claims.jti === 'string' && revokedAccessTokens.has(claims.jti)) ||
      (revokedBefore !== undefined && typeof claims.iat === 'number' && claims.iat < revokedBefore)
    ) {
      throw new m.NotAuthorizedError('Access Token has been revoked');
    }
    const userPool = await cognito.getUserPool(routeCtx, userPoolId);
    const user = await userPool.getUserByUsername(routeCtx, username);
    if (!user) throw new m.NotAuthorizedError('User does not exist.');
    await userPool.saveUser(routeCtx, { ...user, RefreshTokens: [] });
    if (typeof claims.jti === 'string') revokedAccessTokens.add(claims.jti);
    signedOutAt.set(key, Math.floor(Date.now() / 1000));
    return {};
  };

  const router: Router = (target) => {
    if (target === 'GlobalSignOut' && emulateGlobalSignOut) return globalSignOut;
    const route = baseRouter(target);
    if (target !== 'RespondToAuthChallenge' || !storeChallengeRefreshTokens) return route;
    return async (routeCtx, req) => {
      const output = (await route(routeCtx, req)) as { AuthenticationResult?: { RefreshToken?: string } };
      const refreshToken = output.AuthenticationResult?.RefreshToken;
      const responses = req['ChallengeResponses'] as Record<string, string> | undefined;
      const username = responses?.['USERNAME'];
      if (refreshToken && username && typeof req['ClientId'] === 'string') {
        const userPool = await cognito.getUserPoolForClientId(routeCtx, req['ClientId']);
        const user = await userPool.getUserByUsername(routeCtx, username);
        if (user) await userPool.storeRefreshToken(routeCtx, refreshToken, user);
      }
      return output;
    };
  };

  const server = await m.createServer(router, logger, config.ServerConfig, services).start();
  // Never keep the test process alive for the server's sake.
  server.unref();
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  tokenConfig.IssuerDomain = endpoint;

  const adminClient = new CognitoIdentityProviderClient({
    region: COGNITO_LOCAL_REGION,
    endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });

  let closed = false;
  return {
    endpoint,
    region: COGNITO_LOCAL_REGION,
    adminClient,
    messages,

    async createUserPool(poolOptions = {}) {
      const { UserPool } = await adminClient.send(
        new CreateUserPoolCommand({
          PoolName: `test-${Math.random().toString(36).slice(2, 10)}`,
          ...(poolOptions.emailAsUsername ? { UsernameAttributes: ['email'] } : {}),
        }),
      );
      const userPoolId = UserPool?.Id;
      if (!userPoolId) throw new Error('cognito-local created a user pool without an id');
      const { UserPoolClient } = await adminClient.send(
        new CreateUserPoolClientCommand({
          UserPoolId: userPoolId,
          ClientName: 'test',
          ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
          IdTokenValidity: poolOptions.idTokenValiditySeconds ?? 3600,
          AccessTokenValidity: poolOptions.accessTokenValiditySeconds ?? 3600,
          RefreshTokenValidity: poolOptions.refreshTokenValiditySeconds ?? 30 * 24 * 3600,
          TokenValidityUnits: { IdToken: 'seconds', AccessToken: 'seconds', RefreshToken: 'seconds' },
        }),
      );
      const userPoolClientId = UserPoolClient?.ClientId;
      if (!userPoolClientId) throw new Error('cognito-local created an app client without an id');
      const issuer = `${endpoint}/${userPoolId}`;
      return {
        userPoolId,
        userPoolClientId,
        issuer,
        jwksUri: `${issuer}/.well-known/jwks.json`,
        config: { region: COGNITO_LOCAL_REGION, userPoolId, userPoolClientId, endpoint },
      };
    },

    async createUser(userPoolId, { username, password, permanent = true, attributes = {} }) {
      const { User } = await adminClient.send(
        new AdminCreateUserCommand({
          UserPoolId: userPoolId,
          Username: username,
          TemporaryPassword: password,
          MessageAction: 'SUPPRESS',
          UserAttributes: Object.entries(attributes).map(([Name, Value]) => ({ Name, Value })),
        }),
      );
      if (permanent) {
        await adminClient.send(
          new AdminSetUserPasswordCommand({ UserPoolId: userPoolId, Username: username, Password: password, Permanent: true }),
        );
      }
      const sub = User?.Attributes?.find((attribute) => attribute.Name === 'sub')?.Value;
      if (!User?.Username || !sub) throw new Error('cognito-local created a user without a username or sub');
      return { username: User.Username, sub };
    },

    async close() {
      if (closed) return;
      closed = true;
      adminClient.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
      process.removeListener('exit', removeData);
      removeData();
    },
  };
}
