/**
 * Figure 7: memory, measured in a child process started with `--expose-gc` so that garbage is
 * collected before every reading and nothing else of the benchmark is on the heap.
 *
 * - One federated instance against its peer: the heap retained per instance over many
 *   instances, each federated against the emulator (which runs in the parent, so its own
 *   records are not on the child's heap). Ours: a `createAuth` instance after
 *   `federateToIdentityPool`. SDK provider: a `fromCognitoIdentityPool` provider and the
 *   credentials it returned, as the memoising SDK client keeps them.
 * - The heap growth of one idle instance (created, restored, signed out) and of 1,000 of them.
 *
 * Run directly, `bench/memory.ts --child` is that child: it prints one JSON line.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { EmulatorHandle } from '../emulator/index.js';
import { authMachine, AuthProvider, createAuth } from '../src/index.js';
import { median, quantile, type Row } from './stats.js';

export const FIGURE = 'memory';
// The contenders module is not imported here: it loads the peers, which the child does not need.
const OURS = 'ours (createAuth)';
const SDK_PROVIDER = 'SDK fromCognitoIdentityPool';
export const FEDERATED = 'heap per federated instance';
const MANY = 1000;
const FEDERATED_MANY = 200;
const FEDERATED_WARM_UP = 20;
const SINGLE_SAMPLES = 30;

interface ChildInput {
  region: string;
  identityPoolId: string;
  endpoint: string;
  loginKey: string;
  oursToken: string;
  sdkToken: string;
}

interface ChildResult {
  singleBytes: number[];
  manyBytes: number;
  /** Heap of one `authMachine.provide()` copy, which every instance makes (averaged over 1,000). */
  machineCopyBytes: number;
  federatedBytes: { ours: number; sdk: number };
}

/** The heap each of `count` kept results of `make` retains, after `warmUp` made and dropped (each given to `drop`). */
async function retainedPer(
  make: () => Promise<unknown>,
  count: number,
  warmUp: number,
  drop: (made: unknown) => void = () => {},
): Promise<{ bytes: number; kept: unknown[] }> {
  for (let i = 0; i < warmUp; i++) drop(await make());
  const before = await settledHeap();
  const kept: unknown[] = [];
  for (let i = 0; i < count; i++) kept.push(await make());
  return { bytes: ((await settledHeap()) - before) / count, kept };
}

async function federated(input: ChildInput): Promise<ChildResult['federatedBytes']> {
  const { fromCognitoIdentityPool } = await import('@aws-sdk/credential-providers');
  const ours = await retainedPer(
    async () => {
      const auth = createAuth({ region: input.region, identityPoolId: input.identityPoolId, endpoints: { identityPool: input.endpoint } });
      await auth.federateToIdentityPool(input.oursToken, AuthProvider.google);
      return auth;
    },
    FEDERATED_MANY,
    FEDERATED_WARM_UP,
    (auth) => (auth as ReturnType<typeof createAuth>).stop(),
  );
  for (const auth of ours.kept as Array<ReturnType<typeof createAuth>>) auth.stop();
  ours.kept.length = 0;
  const sdk = await retainedPer(
    async () => {
      const provider = fromCognitoIdentityPool({
        identityPoolId: input.identityPoolId,
        logins: { [input.loginKey]: input.sdkToken },
        clientConfig: { region: input.region, endpoint: input.endpoint },
      });
      return { provider, credentials: await provider() };
    },
    FEDERATED_MANY,
    FEDERATED_WARM_UP,
  );
  sdk.kept.length = 0;
  return { ours: ours.bytes, sdk: sdk.bytes };
}

/** An idle instance: no network call is made, so the endpoint is never reached. */
async function idleInstance() {
  const auth = createAuth({
    region: 'us-east-1',
    identityPoolId: 'us-east-1:00000000-0000-4000-8000-000000000000',
    endpoints: { identityPool: 'http://127.0.0.1:9' },
  });
  await auth.ready;
  return auth;
}

async function settledHeap(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

async function child(): Promise<ChildResult> {
  // Warm-up: module state, JIT code and lazily built shapes are not per-instance costs.
  const warm = [];
  for (let i = 0; i < 100; i++) warm.push(await idleInstance());
  for (const auth of warm) auth.stop();
  warm.length = 0;

  const kept = [];
  const singleBytes: number[] = [];
  for (let i = 0; i < SINGLE_SAMPLES; i++) {
    const before = await settledHeap();
    kept.push(await idleInstance());
    singleBytes.push((await settledHeap()) - before);
  }

  const before = await settledHeap();
  const many = [];
  for (let i = 0; i < MANY; i++) many.push(await idleInstance());
  const manyBytes = (await settledHeap()) - before;
  for (const auth of [...kept, ...many]) auth.stop();
  kept.length = 0;
  many.length = 0;

  const beforeCopies = await settledHeap();
  const copies = [];
  for (let i = 0; i < MANY; i++) copies.push(authMachine.provide({ actors: {} }));
  const machineCopyBytes = ((await settledHeap()) - beforeCopies) / copies.length;
  copies.length = 0;
  const input = JSON.parse(process.env['BENCH_MEMORY_INPUT'] ?? '{}') as ChildInput;
  return { singleBytes, manyBytes, machineCopyBytes, federatedBytes: await federated(input) };
}

function runChild(input: ChildInput): Promise<ChildResult> {
  const self = fileURLToPath(import.meta.url);
  const repo = fileURLToPath(new URL('..', import.meta.url));
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', self, '--child'], {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, BENCH_MEMORY_INPUT: JSON.stringify(input) },
    });
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    proc.on('error', reject);
    proc.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`memory child exited with ${code}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!) as ChildResult);
    });
  });
}

/** `emu` should add no latency: the child federates a few hundred times. */
export async function memory(emu: EmulatorHandle): Promise<Row[]> {
  const loginKey = emu.loginKeys.google;
  const { singleBytes, manyBytes, machineCopyBytes, federatedBytes } = await runChild({
    region: emu.region,
    identityPoolId: emu.identityPoolId,
    endpoint: emu.endpoint,
    loginKey,
    oursToken: await emu.mintToken(loginKey, 'memory-ours'),
    sdkToken: await emu.mintToken(loginKey, 'memory-sdk'),
  });
  const perInstance = (contender: string, bytes: number): Row => ({
    figure: FIGURE,
    contender,
    measure: `${FEDERATED} (${FEDERATED_MANY} kept)`,
    unit: 'kB',
    median: bytes / 1000,
    trials: FEDERATED_MANY,
    better: 'lower',
  });
  return [
    perInstance(OURS, federatedBytes.ours),
    perInstance(SDK_PROVIDER, federatedBytes.sdk),
    {
      figure: FIGURE,
      contender: OURS,
      measure: 'heap of one idle instance',
      unit: 'kB',
      median: median(singleBytes) / 1000,
      p99: quantile(singleBytes, 0.99) / 1000,
      trials: singleBytes.length,
      better: 'lower',
    },
    {
      figure: FIGURE,
      contender: OURS,
      measure: `heap of ${MANY.toLocaleString('en-US')} idle instances`,
      unit: 'kB',
      median: manyBytes / 1000,
      trials: 1,
      better: 'lower',
    },
    {
      figure: FIGURE,
      contender: OURS,
      measure: 'one statechart copy made by authMachine.provide() (createAuth makes one for all instances)',
      unit: 'kB',
      median: machineCopyBytes / 1000,
      trials: MANY,
      better: 'lower',
    },
  ];
}

if (process.argv.includes('--child')) {
  const result = await child();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
