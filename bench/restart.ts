/**
 * Figure 5: a restart (an app reload, a new process) while the stored session is still valid.
 * Cognito calls and the time from "the app starts" to "credentials in hand".
 *
 * - already loaded (in process): the package's modules are loaded and warm, as after a reload of
 *   a single-page app's state or a new instance in a running server.
 * - fresh process: `bench/freshProcess.mjs` in a new `node`, importing the built package by name,
 *   createAuth over the same file storage, up to the first fetchAuthSession answer; beside it the
 *   bare import of the package in a fresh process. Both are read in the child as
 *   `performance.now()`, the time since the process started.
 *
 * - ours: a new `createAuth` over the same storage object (memory storage), and over a file
 *   storage in a temporary directory, which really goes through the disk.
 * - SDK provider: a new `fromCognitoIdentityPool` with the login, given the identity-id cache and
 *   `userIdentifier` the SDK offers (the cache survives the reload); credentials are not kept.
 * - amplify-js v6: a fresh `Amplify.configure` with a new docs provider that is handed the login
 *   the app kept, as its docs suggest ("you may also persist this").
 * - the limit: no call at all, since the stored credentials are valid.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EmulatorHandle } from '../emulator/index.js';
import { createFileStorage } from '../src/node.js';
import { AuthProvider, createMemoryStorage, type SecureStorage } from '../src/index.js';
import {
  AMPLIFY_DOCS,
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
export const FRESH = `${OURS}, file storage, fresh process`;
export const BARE_IMPORT = `${OURS}: bare import of the package (main + /node), fresh process`;
const BARE_IMPORT_MAIN = `${OURS}: bare import of the main entry only, fresh process`;
export const FRESH_MEASURE = 'time since the process started';
export const FRESH_CPU = 'CPU time of the process (user + system)';
/** Fresh processes per kind: each costs a Node start. */
export const FRESH_TRIALS = 20;
const repo = fileURLToPath(new URL('..', import.meta.url));

/** Runs `bench/freshProcess.mjs` in a new `node` and answers the figures it reports. */
function freshProcess(args: string[]): Promise<{ ms: number; cpuMs: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bench/freshProcess.mjs', ...args], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`fresh process ${args[0]} exited with ${code}: ${err.trim().split('\n')[0]}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!) as { ms: number; cpuMs: number });
    });
  });
}

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
  contenders[AMPLIFY_DOCS] = async () => {
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

  // Fresh processes over the same file storage; the bare imports beside them, turn by turn.
  const fresh = {
    restart: [] as number[],
    restartCpu: [] as number[],
    calls: [] as number[],
    bare: [] as number[],
    bareCpu: [] as number[],
    bareMain: [] as number[],
  };
  const input = JSON.stringify({ region: emu.region, identityPoolId: emu.identityPoolId, endpoint: emu.endpoint, directory });
  try {
    for (let round = -1; round < FRESH_TRIALS; round++) {
      emu.clearCalls();
      const restart = await freshProcess(['restart', input]);
      const calls = emu.calls().length;
      const bare = await freshProcess(['import']);
      const bareMain = await freshProcess(['import-main']);
      if (round < 0) continue;
      fresh.restart.push(restart.ms);
      fresh.restartCpu.push(restart.cpuMs);
      fresh.calls.push(calls);
      fresh.bare.push(bare.ms);
      fresh.bareCpu.push(bare.cpuMs);
      fresh.bareMain.push(bareMain.ms);
    }
  } finally {
    await rm(directory, { recursive: true, force: true });
  }

  const rows = [...results].flatMap(([contender, r]) => [
    summarize({ figure: FIGURE, contender, measure: 'Cognito calls', unit: 'calls', better: 'lower', limit: 0 }, r.calls),
    summarize({ figure: FIGURE, contender, measure: 'time to first credentials (already loaded)', unit: 'ms', better: 'lower' }, r.ms),
  ]);
  // Beside the already-loaded file-storage rows.
  const at = rows.findIndex((r) => r.contender === `${OURS}, file storage`) + 2;
  rows.splice(
    at,
    0,
    summarize({ figure: FIGURE, contender: FRESH, measure: 'Cognito calls', unit: 'calls', better: 'lower', limit: 0 }, fresh.calls),
    summarize({ figure: FIGURE, contender: FRESH, measure: FRESH_MEASURE, unit: 'ms', better: 'lower' }, fresh.restart),
    summarize({ figure: FIGURE, contender: FRESH, measure: FRESH_CPU, unit: 'ms', better: 'lower' }, fresh.restartCpu),
    summarize({ figure: FIGURE, contender: BARE_IMPORT, measure: FRESH_MEASURE, unit: 'ms', better: 'lower' }, fresh.bare),
    summarize({ figure: FIGURE, contender: BARE_IMPORT, measure: FRESH_CPU, unit: 'ms', better: 'lower' }, fresh.bareCpu),
    summarize({ figure: FIGURE, contender: BARE_IMPORT_MAIN, measure: FRESH_MEASURE, unit: 'ms', better: 'lower' }, fresh.bareMain),
  );
  return rows;
}
