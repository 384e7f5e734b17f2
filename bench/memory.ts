/**
 * Figure 7: memory. The heap growth of one idle instance (created, restored, signed out) and of
 * 1,000 of them, measured in a child process started with `--expose-gc` so that garbage is
 * collected before every reading and nothing else of the benchmark is on the heap.
 *
 * Run directly, `bench/memory.ts --child` is that child: it prints one JSON line.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { authMachine, createAuth } from '../src/index.js';
import { median, quantile, type Row } from './stats.js';

const FIGURE = 'memory';
// The contenders module is not imported here: it loads the peers, which the child does not need.
const OURS = 'ours (createAuth)';
const MANY = 1000;
const SINGLE_SAMPLES = 30;

interface ChildResult {
  singleBytes: number[];
  manyBytes: number;
  /** Heap of one `authMachine.provide()` copy, which every instance makes (averaged over 1,000). */
  machineCopyBytes: number;
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
  return { singleBytes, manyBytes, machineCopyBytes };
}

function runChild(): Promise<ChildResult> {
  const self = fileURLToPath(import.meta.url);
  const repo = fileURLToPath(new URL('..', import.meta.url));
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', self, '--child'], {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'inherit'],
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

export async function memory(): Promise<Row[]> {
  const { singleBytes, manyBytes, machineCopyBytes } = await runChild();
  return [
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
