/**
 * The bad-input table (badInputs.ts), row by row, against the library as shipped (`createAuth`)
 * over the identity-pool emulator and a cognito-local user pool (behind a counting proxy). For
 * every row: the documented outcome, no call reaches either service, the instance's state is the
 * same before and after, its stored records are unchanged, and the error names the parameter
 * without repeating the bad value.
 */
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';
import { AuthError } from '../../src/vocabulary/AuthError.js';
import { AuthProvider } from '../../src/vocabulary/AuthProvider.js';
import { createAuth, type Auth, type AuthConfig } from '../../src/createAuth.js';
import type { SecureStorage } from '../../src/vocabulary/SecureStorage.js';
import { startCognitoLocal, type CognitoLocal, type CognitoLocalUserPool } from '../support/cognitoLocal.js';
import { createArmedStorage, type ArmedStorage } from './armedStorage.js';
import { BAD_INPUTS, type BadInput, type BadInputContext, type Target } from './badInputs.js';
import { startFaultProxy, type FaultProxy } from './faultProxy.js';

const REGION = 'us-east-1';
const PASSWORD = 'Bad-Input-Passw0rd!';

let emu: EmulatorHandle;
let local: CognitoLocal;
let pool: CognitoLocalUserPool;
let proxy: FaultProxy;
const instances = {} as Record<Target, { auth: Auth; storage: ArmedStorage }>;
let token: string;
/** Every storage a row's config was given, to check none was touched. */
const spies: Array<{ touched: number }> = [];

function spyStorage(): SecureStorage & { touched: number } {
  const spy = {
    touched: 0,
    async getItem() {
      spy.touched += 1;
      return null;
    },
    async setItem() {
      spy.touched += 1;
    },
    async removeItem() {
      spy.touched += 1;
    },
  };
  spies.push(spy);
  return spy;
}

function validConfig(): AuthConfig {
  return {
    region: REGION,
    identityPoolId: emu.identityPoolId,
    userPool: { userPoolId: pool.userPoolId, userPoolClientId: pool.userPoolClientId },
    endpoints: { identityPool: emu.endpoint, userPool: proxy.endpoint },
    storage: spyStorage(),
    appId: 'bad.inputs',
  };
}

function instance(config: Partial<AuthConfig>): { auth: Auth; storage: ArmedStorage } {
  const storage = createArmedStorage();
  const auth = createAuth({ ...validConfig(), ...config, storage });
  return { auth, storage };
}

const statePath = (auth: Auth) => JSON.stringify(auth.actor.getSnapshot().value);
const created: Auth[] = [];

beforeAll(async () => {
  local = await startCognitoLocal();
  pool = await local.createUserPool();
  await local.createUser(pool.userPoolId, { username: 'alice', password: PASSWORD });
  proxy = await startFaultProxy(local.endpoint);
  emu = await startEmulator({
    port: 0,
    region: REGION,
    userPools: [{ userPoolId: pool.userPoolId, issuer: pool.issuer, jwksUri: pool.jwksUri, clientIds: [pool.userPoolClientId] }],
  });
  token = await emu.mintToken(emu.loginKeys.google, 'bad-input-user');
  // One instance per state; bad input must leave each exactly as it is.
  // The federated instance has no user pool (for the "signIn without a user pool" row).
  instances.federated = instance({ userPool: undefined });
  instances.signedIn = instance({});
  instances.signedOut = instance({});
  await Promise.all(Object.values(instances).map((i) => i.auth.ready));
  await instances.federated.auth.federateToIdentityPool(token, AuthProvider.google);
  await instances.signedIn.auth.signIn({ username: 'alice', password: PASSWORD, options: { authFlowType: 'USER_PASSWORD_AUTH' } });
  await instances.signedIn.auth.fetchAuthSession();
  expect(statePath(instances.federated.auth)).toBe('{"federated":"active"}');
  expect(statePath(instances.signedIn.auth)).toBe('{"signedIn":"active"}');
  expect(statePath(instances.signedOut.auth)).toBe('{"signedOut":"idle"}');
}, 60_000);

afterAll(async () => {
  for (const i of Object.values(instances)) i?.auth.stop();
  for (const auth of created) auth.stop();
  await Promise.all([emu?.close(), proxy?.close(), local?.close()]);
  console.info(`[adversarial] bad inputs: ${BAD_INPUTS.length} rows, none sent anything or changed anything`);
});

/** The bad value must not come back in the error: a message names the parameter, never its value. */
function checkError(row: BadInput, error: unknown, badValues: string[]): AuthError {
  expect(error, row.name).toBeInstanceOf(AuthError);
  const authError = error as AuthError;
  expect(authError.name, `${row.name}: ${authError.message}`).toBe('ValidationError');
  expect(authError.recoverySuggestion.length, row.name).toBeGreaterThan(0);
  const texts = [authError.message, String(authError), JSON.stringify(authError), inspect(authError)];
  for (const value of badValues) {
    for (const text of texts) expect(text.includes(value), `${row.name}: the error repeats the bad value`).toBe(false);
  }
  return authError;
}

/** Strings a row feeds in that are long enough to recognise if an error repeated them. */
function badValuesOf(row: BadInput): string[] {
  const values = [token, PASSWORD, 'Passw0rd!', 'secret', 'not an identity', 'evil.example.com'];
  return row.name.includes('token') ? values : values.filter((v) => v !== token);
}

describe('bad input: the documented error, nothing sent, nothing changed', () => {
  it('has at least 40 rows covering every public function', () => {
    expect(BAD_INPUTS.length).toBeGreaterThanOrEqual(40);
    const functions = new Set(BAD_INPUTS.map((row) => row.name.split(':')[0]));
    for (const fn of [
      'createAuth',
      'new AccessGroup',
      'AccessGroup.none',
      'AuthProvider.oidc',
      'AuthProvider.custom',
      'AuthProvider.saml',
      'createRedactingInspector',
      'hub.listen',
      'federateToIdentityPool',
      'fetchAuthSession',
      'signIn',
      'confirmSignIn',
      'signOut',
      'storage',
    ]) {
      expect(functions.has(fn), fn).toBe(true);
    }
  });

  for (const row of BAD_INPUTS) {
    it(row.name, async () => {
      const target = instances[row.target];
      const ctx: BadInputContext = {
        config: validConfig,
        createAuth: (config) => {
          const auth = createAuth(config);
          created.push(auth);
          return auth;
        },
        auth: target.auth,
        token,
      };
      const callsBefore = emu.calls().length;
      const proxyBefore = proxy.calls.length;
      const stateBefore = statePath(target.auth);
      const storedBefore = new Map(target.storage.items);
      const spiesBefore = spies.length;

      if (row.kind === 'construct') {
        let thrown: unknown;
        try {
          row.run(ctx);
        } catch (error) {
          thrown = error;
        }
        checkError(row, thrown, badValuesOf(row));
        // createAuth threw before it touched the storage it was given.
        for (const spy of spies.slice(spiesBefore)) expect(spy.touched, `${row.name}: storage was touched`).toBe(0);
      } else if (row.kind === 'call') {
        let promise: Promise<unknown>;
        try {
          promise = row.run(ctx) as Promise<unknown>;
        } catch (error) {
          throw new Error(`${row.name} threw synchronously instead of rejecting: ${String(error)}`);
        }
        const outcome = await Promise.race([
          promise.then(
            () => ({ settled: 'resolved' as const }),
            (error: unknown) => ({ settled: 'rejected' as const, error }),
          ),
          new Promise<{ settled: 'timeout' }>((resolve) => setTimeout(() => resolve({ settled: 'timeout' }), 5_000)),
        ]);
        expect(outcome.settled, row.name).toBe('rejected');
        if (outcome.settled === 'rejected') checkError(row, outcome.error, badValuesOf(row));
      } else {
        // Storage that answers garbage: no throw, signed out, a StorageError among the restore problems.
        const auth = row.run(ctx) as Auth;
        await auth.ready;
        expect(statePath(auth), row.name).toBe('{"signedOut":"idle"}');
        const problems = auth.actor.getSnapshot().context.restoreProblems;
        expect(problems.length, row.name).toBeGreaterThan(0);
        for (const problem of problems) {
          expect(problem).toBeInstanceOf(AuthError);
          expect(problem.name).toBe('StorageError');
          expect(problem.recoverySuggestion.length).toBeGreaterThan(0);
        }
        // It still answers, signed out.
        await expect(auth.fetchAuthSession()).resolves.toEqual({ isSignedIn: false });
        auth.stop();
      }

      // Nothing was sent (late requests included), and nothing changed.
      await new Promise((resolve) => setTimeout(resolve, 25));
      expect(emu.calls().length - callsBefore, `${row.name}: identity-pool calls`).toBe(0);
      expect(proxy.calls.length - proxyBefore, `${row.name}: user-pool calls`).toBe(0);
      expect(statePath(target.auth), `${row.name}: state`).toBe(stateBefore);
      expect(target.storage.items, `${row.name}: stored records`).toEqual(storedBefore);
    });
  }
});
