/**
 * The two worlds the command model runs in, behind one interface:
 *
 * - `createDoubleWorld()`: the library over in-memory TEST DOUBLES of the identity-pool and
 *   user-pool services (doubles.ts), through `createAuthWith`. Fast: this is where the model makes
 *   its thousands of runs.
 * - `startServerWorld()`: the library as shipped (`createAuthWith` with only a shorter deadline),
 *   over HTTP to the real identity-pool emulator and a real cognito-local user pool behind a
 *   fault-injecting proxy. The emulator's JWT checks verify cognito-local's id tokens.
 *
 * Both run on a virtual clock (whole seconds, moved only by the model) shared by the services and
 * the library. cognito-local stamps its own tokens with the real clock, so in the server world
 * the clock may move at most 50 minutes per run, which keeps its one-hour id tokens valid.
 */
import { decodeJwt } from 'jose';
import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';
import { createAuthWith, type Auth, type AuthConfig } from '../../src/createAuth.js';
import type { AccessGroup } from '../../src/vocabulary/AccessGroup.js';
import type { SecureStorage } from '../../src/vocabulary/SecureStorage.js';
import { startCognitoLocal, type CognitoLocal, type CognitoLocalUserPool } from '../support/cognitoLocal.js';
import {
  createDoubleBackend,
  createIdentityDouble,
  createUserPoolDouble,
  mintDoubleToken,
  type DoubleBackend,
  type IssuedToken,
} from './doubles.js';
import type { FaultError, FaultRule } from './faultQueue.js';
import { startFaultProxy, type FaultProxy } from './faultProxy.js';

export type ProviderName = 'google' | 'facebook' | 'oidc';
export const PROVIDERS: readonly ProviderName[] = ['google', 'facebook', 'oidc'];
export type TokenKind = 'valid' | 'expired' | 'shortLived' | 'bogus';

export interface UserSpec {
  username: string;
  /** The password the user has now (the temporary one while a new one is required). */
  password: string;
  sub: string;
  mustChangePassword: boolean;
}

export interface VirtualClock {
  now(): number;
  advance(ms: number): void;
  /** Milliseconds moved since the run began. */
  readonly offset: number;
}

export interface NewAuthOptions {
  storage: SecureStorage;
  appId: string;
  accessGroup?: AccessGroup;
  extra?: Partial<AuthConfig>;
}

/** One model run's view of a world. */
export interface RunEnv {
  readonly world: World;
  readonly runId: number;
  readonly clock: VirtualClock;
  readonly users: { alice: UserSpec; bob: UserSpec };
  readonly loginKeys: Record<ProviderName, string> & { userPool: string };
  newAuth(options: NewAuthOptions): Auth;
  mint(provider: ProviderName, sub: string, kind: TokenKind): Promise<string>;
  /** What the issuer knows of a login token; undefined for one never issued. */
  tokenInfo(token: string): IssuedToken | undefined;
  addIdentityFault(operation: string, error: FaultError, count: number): Promise<void>;
  addUserPoolFault(operation: string, error: FaultError, count: number): Promise<void>;
  identityFaultRules(): Promise<FaultRule[]>;
  userPoolFaultRules(): FaultRule[];
  /** Latency added to every call (identity and user pool); 0 removes it. */
  setLatency(ms: number): Promise<void>;
  /** Calls (attempts) that reached each service so far in this run. */
  identityAttempts(): number;
  userPoolAttempts(): number;
  /** Calls waiting on a `Hang` rule, and calls that ever met one (doubles only). */
  hanging(): number;
  hangsStarted(): number;
  /** Lets every call waiting on a `Hold` rule go on (doubles only); answers how many there were. */
  releaseHolds(): number;
  end(): Promise<void>;
}

export interface WorldCaps {
  /** `Hang` rules: a call that never answers until the deadline aborts it. */
  hang: boolean;
  /** The user pool refuses weak new passwords (cognito-local accepts any). */
  passwordPolicy: boolean;
  /** A challenge session stays usable after it succeeded once (cognito-local does not check it). */
  challengeReusable: boolean;
  /** Longest the clock may move in one run. */
  maxOffsetMs: number;
  /** Throttled retries wait up to seconds in the real SDK: the model injects them sparingly. */
  slowThrottling: boolean;
  /** Access tokens revoked by a global sign-out in the same second may still be accepted. */
  coarseRevocation: boolean;
  /** A user who must change the password gets the challenge only for the right temporary password (cognito-local skips that check). */
  checksTemporaryPassword: boolean;
}

export interface World {
  readonly name: 'doubles' | 'servers';
  readonly caps: WorldCaps;
  readonly lifetimes: { credentialsMs: number; idTokenMs: number; providerTokenMs: number; shortLivedMs: number };
  /** The deadline of one service run, as given to the library. */
  readonly deadlineMs: number;
  /** Every call must settle within this. */
  readonly settleBoundMs: number;
  beginRun(): Promise<RunEnv>;
  close(): Promise<void>;
}

const REGION = 'us-east-1';

function virtualClock(): VirtualClock & { start: number; t: number } {
  const start = Math.floor(Date.now() / 1000) * 1000;
  const clock = {
    start,
    t: start,
    now: () => clock.t,
    advance: (ms: number) => {
      clock.t += ms;
    },
    get offset() {
      return clock.t - clock.start;
    },
  };
  return clock;
}

function bogusToken(provider: ProviderName, runId: number, n: number): string {
  if (provider === 'facebook') return `EAAbogus${runId}x${n}x${Math.random().toString(36).slice(2, 14)}`;
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'RS256', kid: 'nobody' })}.${part({ sub: `bogus-${n}`, aud: 'x' })}.${Math.random().toString(36).slice(2)}`;
}

// ---- the doubles world -------------------------------------------------------------------------

export const DOUBLE_POOL_ID = 'us-east-1:11111111-2222-4333-8444-555555555555';
const DOUBLE_USER_POOL = { userPoolId: 'us-east-1_double', userPoolClientId: 'doubleclient0001' };
const DOUBLE_LOGIN_KEYS = {
  google: 'accounts.google.com',
  facebook: 'graph.facebook.com',
  oidc: 'oidc.emulator.local',
  userPool: `cognito-idp.${REGION}.amazonaws.com/${DOUBLE_USER_POOL.userPoolId}`,
};

export function createDoubleWorld(options: { deadlineMs?: number } = {}): World {
  let runs = 0;
  const world: World = {
    name: 'doubles',
    caps: {
      hang: true,
      passwordPolicy: true,
      challengeReusable: false,
      maxOffsetMs: Number.POSITIVE_INFINITY,
      slowThrottling: false,
      coarseRevocation: false,
      checksTemporaryPassword: true,
    },
    lifetimes: { credentialsMs: 3_600_000, idTokenMs: 3_600_000, providerTokenMs: 3_600_000, shortLivedMs: 300_000 },
    deadlineMs: options.deadlineMs ?? 15,
    settleBoundMs: 10_000,
    async beginRun() {
      runs += 1;
      const runId = runs;
      const clock = virtualClock();
      const backend: DoubleBackend = createDoubleBackend(clock.now);
      const identity = createIdentityDouble(backend, { credentialLifetimeMs: world.lifetimes.credentialsMs });
      const userPool = createUserPoolDouble(backend, {
        userPoolLoginKey: DOUBLE_LOGIN_KEYS.userPool,
        tokenLifetimeMs: world.lifetimes.idTokenMs,
      });
      const alice: UserSpec = { username: 'alice', password: 'Alice-Passw0rd!', sub: `sub-alice-${runId}`, mustChangePassword: false };
      const bob: UserSpec = { username: 'bob', password: 'Bob-Temp-Passw0rd!', sub: `sub-bob-${runId}`, mustChangePassword: true };
      for (const u of [alice, bob]) {
        userPool.users.set(u.username, {
          username: u.username,
          password: u.password,
          sub: u.sub,
          mustChangePassword: u.mustChangePassword,
          refreshTokens: new Set(),
          accessTokens: new Set(),
        });
      }
      let minted = 0;
      const env: RunEnv = {
        world,
        runId,
        clock,
        users: { alice, bob },
        loginKeys: DOUBLE_LOGIN_KEYS,
        newAuth: ({ storage, appId, accessGroup, extra }) =>
          createAuthWith(
            {
              region: REGION,
              identityPoolId: DOUBLE_POOL_ID,
              userPool: DOUBLE_USER_POOL,
              storage,
              appId,
              ...(accessGroup ? { secureStoragePreferences: { accessGroup } } : {}),
              clock: clock.now,
              ...extra,
            },
            { identity, userPoolService: userPool, deadlineMs: world.deadlineMs },
          ),
        async mint(provider, sub, kind) {
          minted += 1;
          if (kind === 'bogus') return bogusToken(provider, runId, minted);
          const lifetime = kind === 'valid' ? world.lifetimes.providerTokenMs : kind === 'shortLived' ? world.lifetimes.shortLivedMs : -60_000;
          return mintDoubleToken(backend, DOUBLE_LOGIN_KEYS[provider], sub, clock.now() + lifetime);
        },
        tokenInfo: (token) => backend.tokens.get(token),
        async addIdentityFault(operation, error, count) {
          backend.identityFaults.add(operation, error, count);
        },
        async addUserPoolFault(operation, error, count) {
          backend.userPoolFaults.add(operation, error, count);
        },
        async identityFaultRules() {
          return backend.identityFaults.rules.map((r) => ({ ...r }));
        },
        userPoolFaultRules: () => backend.userPoolFaults.rules.map((r) => ({ ...r })),
        async setLatency(ms) {
          backend.latencyHops = ms;
        },
        identityAttempts: () => backend.identityAttempts,
        userPoolAttempts: () => backend.userPoolAttempts,
        hanging: () => backend.hanging + backend.holds.length,
        hangsStarted: () => backend.hangsStarted,
        releaseHolds() {
          const holds = backend.holds.splice(0);
          for (const release of holds) release();
          return holds.length;
        },
        async end() {},
      };
      return env;
    },
    async close() {},
  };
  return world;
}

// ---- the servers world -------------------------------------------------------------------------

export interface ServerWorld extends World {
  emu: EmulatorHandle;
  local: CognitoLocal;
  pool: CognitoLocalUserPool;
  proxy: FaultProxy;
}

/** Starts the emulator, cognito-local and the proxy, all on 127.0.0.1 and port 0. */
export async function startServerWorld(options: { deadlineMs?: number } = {}): Promise<ServerWorld> {
  // One clock object for the emulator's lifetime; each run restarts it at the real time.
  const shared = { t: Math.floor(Date.now() / 1000) * 1000 };
  const local = await startCognitoLocal();
  const pool = await local.createUserPool({ idTokenValiditySeconds: 3600, accessTokenValiditySeconds: 3600 });
  const proxy = await startFaultProxy(local.endpoint);
  const credentialLifetimeSeconds = 900;
  const emu = await startEmulator({
    port: 0,
    region: REGION,
    now: () => shared.t,
    credentialLifetimeSeconds,
    userPools: [{ userPoolId: pool.userPoolId, issuer: pool.issuer, jwksUri: pool.jwksUri, clientIds: [pool.userPoolClientId] }],
  });
  const loginKeys = {
    google: emu.loginKeys.google,
    facebook: emu.loginKeys.facebook,
    oidc: emu.loginKeys.oidc,
    // The library spells a local pool's login key with the configured region.
    userPool: `cognito-idp.${REGION}.amazonaws.com/${pool.userPoolId}`,
  };
  let runs = 0;
  let emulatorCallsBefore = 0;

  const world: ServerWorld = {
    name: 'servers',
    emu,
    local,
    pool,
    proxy,
    caps: {
      hang: false,
      passwordPolicy: false,
      challengeReusable: true,
      maxOffsetMs: 50 * 60_000,
      slowThrottling: true,
      coarseRevocation: true,
      checksTemporaryPassword: false,
    },
    lifetimes: {
      credentialsMs: credentialLifetimeSeconds * 1000,
      idTokenMs: 3_600_000,
      providerTokenMs: 3_600_000,
      shortLivedMs: 300_000,
    },
    deadlineMs: options.deadlineMs ?? 10_000,
    settleBoundMs: 15_000,
    async beginRun() {
      runs += 1;
      const runId = runs;
      shared.t = Math.floor(Date.now() / 1000) * 1000;
      const start = shared.t;
      const clock: VirtualClock = {
        now: () => shared.t,
        advance: (ms) => {
          shared.t += ms;
        },
        get offset() {
          return shared.t - start;
        },
      };
      emu.clearFaults();
      emu.clearCalls();
      emulatorCallsBefore = 0;
      proxy.faults.clear();
      proxy.latencyMs = 0;
      const proxyCallsBefore = proxy.calls.length;
      const alice: UserSpec = { username: `alice-r${runId}`, password: 'Alice-Passw0rd!', sub: '', mustChangePassword: false };
      const bob: UserSpec = { username: `bob-r${runId}`, password: 'Bob-Temp-Passw0rd!', sub: '', mustChangePassword: true };
      alice.sub = (await local.createUser(pool.userPoolId, { username: alice.username, password: alice.password })).sub;
      bob.sub = (
        await local.createUser(pool.userPoolId, { username: bob.username, password: bob.password, permanent: false })
      ).sub;
      const issued = new Map<string, IssuedToken>();
      let minted = 0;
      const userPoolEndpoint = `${proxy.endpoint}/run${runId}`;
      const env: RunEnv = {
        world,
        runId,
        clock,
        users: { alice, bob },
        loginKeys,
        newAuth: ({ storage, appId, accessGroup, extra }) =>
          createAuthWith(
            {
              region: REGION,
              identityPoolId: emu.identityPoolId,
              userPool: { userPoolId: pool.userPoolId, userPoolClientId: pool.userPoolClientId },
              endpoints: { identityPool: emu.endpoint, userPool: userPoolEndpoint },
              storage,
              appId,
              ...(accessGroup ? { secureStoragePreferences: { accessGroup } } : {}),
              clock: clock.now,
              ...extra,
            },
            { deadlineMs: world.deadlineMs },
          ),
        async mint(provider, sub, kind) {
          minted += 1;
          if (kind === 'bogus') return bogusToken(provider, runId, minted);
          const lifetime = kind === 'valid' ? world.lifetimes.providerTokenMs : kind === 'shortLived' ? world.lifetimes.shortLivedMs : -60_000;
          // A token id of its own: two tokens of one login minted in one second still differ.
          const token = await emu.mintToken(loginKeys[provider], sub, { expiresIn: lifetime / 1000, claims: { jti: `r${runId}-t${minted}` } });
          issued.set(token, { loginKey: loginKeys[provider], sub, expMs: clock.now() + lifetime });
          return token;
        },
        tokenInfo(token) {
          const known = issued.get(token);
          if (known) return known;
          // cognito-local's id tokens: what the emulator checks is in the token itself.
          try {
            const claims = decodeJwt(token);
            if (claims.token_use === 'id' && typeof claims.sub === 'string' && typeof claims.exp === 'number') {
              return { loginKey: loginKeys.userPool, sub: claims.sub, expMs: claims.exp * 1000 };
            }
          } catch {
            // not a JWT
          }
          return undefined;
        },
        async addIdentityFault(operation, error, count) {
          emu.addFault({ operation, error: error as 'TooManyRequestsException', count });
        },
        async addUserPoolFault(operation, error, count) {
          proxy.faults.add(operation, error, count);
        },
        async identityFaultRules() {
          const answer = await fetch(`${emu.endpoint}/_emulator/faults`);
          const state = (await answer.json()) as { errors: FaultRule[] };
          return state.errors.map((r) => ({ operation: r.operation, error: r.error, remaining: r.remaining }));
        },
        userPoolFaultRules: () => proxy.faults.rules.map((r) => ({ ...r })),
        async setLatency(ms) {
          emu.addFault({ latencyMs: ms });
          proxy.latencyMs = ms;
        },
        identityAttempts: () => emu.calls().length - emulatorCallsBefore,
        userPoolAttempts: () =>
          proxy.calls.slice(proxyCallsBefore).filter((op) => op !== 'AdminCreateUser' && op !== 'AdminSetUserPassword').length,
        hanging: () => 0,
        hangsStarted: () => 0,
        releaseHolds: () => 0,
        async end() {
          emu.clearFaults();
          proxy.faults.clear();
          proxy.latencyMs = 0;
        },
      };
      return env;
    },
    async close() {
      await Promise.all([emu.close(), proxy.close(), local.close()]);
    },
  };
  return world;
}
