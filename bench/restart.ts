/**
 * Figure 5: a restart (an app reload, a new process) while the stored session is still valid.
 * Cognito calls and the time from "the app starts" to "credentials in hand".
 *
 * - ours: a new `createAuth` over the same storage object (memory storage), and over a file
 *   storage in a temporary directory, which really goes through the disk.
 * - SDK provider: a new `fromCognitoIdentityPool` with the login, given the identity-id cache and
 *   `userIdentifier` the SDK offers (the cache survives the reload); credentials are not kept.
 * - amplify-js v6: a fresh `Amplify.configure` with a new docs provider that is handed the login
 *   the app kept, as its docs suggest ("you may also persist this").
 * - the limit: no call at all, since the stored credentials are valid.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EmulatorHandle } from '../emulator/index.js';
import { createFileStorage } from '../src/node.js';
import { AuthProvider, createMemoryStorage, type SecureStorage } from '../src/index.js';
import {
  AMPLIFY,
  amplifyCredentials,
  configureAmplify,
  OURS,
  ourAuth,
  SDK_PROVIDER,
  sdkIdentityCache,
  sdkProvider,
} from './contenders.js';
import { summarize, timed, type Row } from './stats.js';

const FIGURE = 'restart with a valid stored session';

export async function restartWithStoredSession(emu: EmulatorHandle, trials: number): Promise<Row[]> {
  const google = emu.loginKeys.google;
  const directory = await mkdtemp(join(tmpdir(), 'bench-restart-'));
  const storages: Record<string, SecureStorage> = {
    [`${OURS}, memory storage`]: createMemoryStorage(),
    [`${OURS}, file storage`]: createFileStorage({ directory }),
  };

  // Before the "reload": each contender signs in once and keeps what it keeps.
  for (const [name, storage] of Object.entries(storages)) {
    const first = ourAuth(emu, { storage });
    await first.federateToIdentityPool(await emu.mintToken(google, `restart-${name}`), AuthProvider.google);
    first.stop();
  }
  const sdkLogin = { [google]: await emu.mintToken(google, 'restart-sdk') };
  const sdkCache = { storage: sdkIdentityCache(), userIdentifier: 'restart-sdk' };
  await sdkProvider(emu, sdkLogin, sdkCache)();
  const amplifyLogin = { domain: google, token: await emu.mintToken(google, 'restart-amplify') };

  const contenders: Record<string, () => Promise<unknown>> = {};
  for (const [name, storage] of Object.entries(storages)) {
    contenders[name] = async () => {
      const auth = ourAuth(emu, { storage });
      const session = await auth.fetchAuthSession();
      auth.stop();
      if (!session.credentials) throw new Error(`${name} restored no credentials.`);
    };
  }
  contenders[SDK_PROVIDER] = () => sdkProvider(emu, sdkLogin, sdkCache)();
  contenders[AMPLIFY] = async () => {
    configureAmplify(emu, amplifyLogin);
    await amplifyCredentials();
  };

  const results = new Map<string, { ms: number[]; calls: number[] }>(
    Object.keys(contenders).map((name) => [name, { ms: [], calls: [] }]),
  );
  for (let round = -1; round < trials; round++) {
    for (const [name, restart] of Object.entries(contenders)) {
      emu.clearCalls();
      const { ms } = await timed(restart);
      if (round < 0) continue;
      results.get(name)!.ms.push(ms);
      results.get(name)!.calls.push(emu.calls().length);
    }
  }
  await rm(directory, { recursive: true, force: true });

  return [...results].flatMap(([contender, r]) => [
    summarize({ figure: FIGURE, contender, measure: 'Cognito calls', unit: 'calls', better: 'lower', limit: 0 }, r.calls),
    summarize({ figure: FIGURE, contender, measure: 'time to first credentials', unit: 'ms', better: 'lower' }, r.ms),
  ]);
}
