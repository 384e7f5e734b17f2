/**
 * `npm run bench`: every figure, for every contender, in one run against the local emulator,
 * then docs/PERFORMANCE.md written from the results, the lean-core targets first.
 *
 *   npm run bench                          # 20 ms added to every Cognito call
 *   npm run bench -- --latency-ms 50       # another latency
 *   npm run bench -- --trials 20 --no-write
 *
 * The package is built first (`npm run build`): the bundle and fresh-process figures measure
 * `dist/` as a user imports it. Flags: --latency-ms <n> (default 20), --trials <n> for the
 * federation and restart figures (default 50; twice as many at 0 ms), --seconds <s> per
 * throughput trial (default 1), --no-build to measure the `dist/` already there, --no-write to
 * print only.
 */
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { cpus, platform, release, arch } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startEmulator } from '../emulator/index.js';
import { bundles } from './bundle.js';
import { federateDeveloperIdentity, federateNewLogin } from './federate.js';
import { memory } from './memory.js';
import { neutralRuntime, type NeutralResult } from './neutral.js';
import { renderReport, type RunInfo } from './report.js';
import { restartWithStoredSession } from './restart.js';
import { burstAtExpiry, COUNTED_CALLS, fetchOnValidSession } from './session.js';
import { signInCalls, signInClock, type SignInStepCalls } from './signInCalls.js';
import { format, now, versusLimit, type Row } from './stats.js';
import { leanCoreTargets } from './targets.js';

const THROUGHPUT_TRIALS = 5;
const BURST_TRIALS = 10;

const { values } = parseArgs({
  options: {
    'latency-ms': { type: 'string', default: '20' },
    trials: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '1' },
    'no-write': { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
  },
});
const latencyMs = Number(values['latency-ms']);
const trials = Number(values.trials);
const seconds = Number(values.seconds);
if (!Number.isInteger(latencyMs) || latencyMs < 0) throw new Error('--latency-ms takes a whole number of milliseconds');
if (!Number.isInteger(trials) || trials < 1) throw new Error('--trials takes a positive whole number');
if (!(seconds > 0)) throw new Error('--seconds takes a positive number');

const started = now();
const log = (message: string) => process.stderr.write(`[bench ${((now() - started) / 1000).toFixed(0).padStart(3)} s] ${message}\n`);

if (!values['no-build']) {
  log('npm run build');
  const built = spawnSync('npm', ['run', 'build'], { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: ['ignore', 'ignore', 'inherit'] });
  if (built.status !== 0) throw new Error('npm run build failed');
}

const emu = await startEmulator({ latencyMs });
// For the figures taken without added latency: the federation at 0 ms, bundles run, memory.
const instant = await startEmulator({ latencyMs: 0 });
// For the peers' burst at expiry: credentials that live one minute.
const shortLived = await startEmulator({ latencyMs, credentialLifetimeSeconds: 60 });
const rows: Row[] = [];
let bundleFigures;
let neutral: NeutralResult;
let signInSteps: SignInStepCalls[];
try {
  log(`federate a new login, 0 ms added (${trials * 2} trials)`);
  rows.push(...(await federateNewLogin(instant, 0, trials * 2)));
  log(`federate a new login, ${latencyMs} ms added (${trials} trials)`);
  rows.push(...(await federateNewLogin(emu, latencyMs, trials)));
  log('federate with a developer-provided identity id');
  rows.push(...(await federateDeveloperIdentity(emu, trials)));
  log('fetchAuthSession on a valid session');
  rows.push(...(await fetchOnValidSession(emu, THROUGHPUT_TRIALS, seconds)));
  log('100 concurrent fetchAuthSession at expiry');
  rows.push(...(await burstAtExpiry(emu, shortLived, BURST_TRIALS)));
  log('restart with a valid stored session');
  rows.push(...(await restartWithStoredSession(emu, trials)));
  log('browser bundles');
  bundleFigures = await bundles(instant);
  rows.push(...bundleFigures.rows);
  log('the federation path in a bare runtime');
  neutral = await neutralRuntime(instant);
  log('memory (child process)');
  rows.push(...(await memory(instant)));
  log('Cognito calls per sign-in step');
  const userPools = await startEmulator({ latencyMs: 0, now: signInClock });
  try {
    signInSteps = await signInCalls(userPools);
  } finally {
    await userPools.close();
  }
} finally {
  await emu.close();
  await instant.close();
  await shortLived.close();
}

const args = process.argv.slice(2).filter((arg) => arg !== '--no-write' && arg !== '--no-build');
const info: RunInfo = {
  date: new Date(),
  node: process.version,
  cpu: `${cpus()[0]?.model.trim() ?? 'unknown'} × ${cpus().length}`,
  os: `${platform()} ${release()} ${arch()}`,
  command: `npm run bench${args.length > 0 ? ` -- ${args.join(' ')}` : ''}`,
  latencyMs,
  trials,
  throughputTrials: THROUGHPUT_TRIALS,
  seconds,
  countedCalls: COUNTED_CALLS,
  burstTrials: BURST_TRIALS,
  wallSeconds: (now() - started) / 1000,
};

const targets = leanCoreTargets(rows, bundleFigures, neutral, latencyMs);
for (const row of rows) {
  const p99 = row.p99 === undefined ? '' : `  p99 ${format(row.p99, row.unit)}`;
  const limit = versusLimit(row);
  console.log(
    `${row.figure.padEnd(44)} ${row.contender.padEnd(34).slice(0, 34)} ${row.measure.padEnd(34).slice(0, 34)} ${format(row.median, row.unit)}${p99}${limit ? `  (${limit})` : ''}`,
  );
}
console.log('\nLean-core targets:');
for (const t of targets) {
  console.log(`${t.holds ? 'holds ' : 'MISSED'}  ${t.name.padEnd(64).slice(0, 64)} ours ${t.ours.padEnd(16)} ${t.peer.slice(0, 44).padEnd(44)} ${t.peerFigure.padEnd(14)} ${t.ratio.padEnd(7)} target ${t.goal}`);
}
if (!values['no-write']) {
  const target = new URL('../docs/PERFORMANCE.md', import.meta.url);
  await writeFile(target, renderReport(info, rows, bundleFigures, neutral, targets, signInSteps));
  log('wrote docs/PERFORMANCE.md');
}
log(`done in ${info.wallSeconds.toFixed(0)} s`);
