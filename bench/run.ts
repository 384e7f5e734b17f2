/**
 * `npm run bench`: every figure, for every contender, in one run against the local emulator,
 * then docs/PERFORMANCE.md written from the results.
 *
 *   npm run bench                          # 20 ms added to every Cognito call
 *   npm run bench -- --latency-ms 50       # another latency
 *   npm run bench -- --trials 20 --no-write
 *
 * Flags: --latency-ms <n> (default 20), --trials <n> for the federation and restart figures
 * (default 50), --seconds <s> per throughput trial (default 1), --no-write to print only.
 */
import { writeFile } from 'node:fs/promises';
import { cpus, platform, release, arch } from 'node:os';
import { parseArgs } from 'node:util';
import { startEmulator } from '../emulator/index.js';
import { bundles } from './bundle.js';
import { federateDeveloperIdentity, federateNewLogin } from './federate.js';
import { memory } from './memory.js';
import { renderReport, type RunInfo } from './report.js';
import { restartWithStoredSession } from './restart.js';
import { burstAtExpiry, COUNTED_CALLS, fetchOnValidSession } from './session.js';
import { format, now, versusLimit, type Row } from './stats.js';

const THROUGHPUT_TRIALS = 5;
const BURST_TRIALS = 10;

const { values } = parseArgs({
  options: {
    'latency-ms': { type: 'string', default: '20' },
    trials: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '1' },
    'no-write': { type: 'boolean', default: false },
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

const emu = await startEmulator({ latencyMs });
// For the peers' burst at expiry: credentials that live one minute.
const shortLived = await startEmulator({ latencyMs, credentialLifetimeSeconds: 60 });
const rows: Row[] = [];
let bundleFigures;
try {
  log(`federate a new login (${trials} trials)`);
  rows.push(...(await federateNewLogin(emu, trials)));
  log('federate with a developer-provided identity id');
  rows.push(...(await federateDeveloperIdentity(emu, trials)));
  log('fetchAuthSession on a valid session');
  rows.push(...(await fetchOnValidSession(emu, THROUGHPUT_TRIALS, seconds)));
  log('100 concurrent fetchAuthSession at expiry');
  rows.push(...(await burstAtExpiry(emu, shortLived, BURST_TRIALS)));
  log('restart with a valid stored session');
  rows.push(...(await restartWithStoredSession(emu, trials)));
  log('browser bundles');
  bundleFigures = await bundles();
  rows.push(...bundleFigures.rows);
  log('memory (child process)');
  rows.push(...(await memory()));
} finally {
  await emu.close();
  await shortLived.close();
}

const args = process.argv.slice(2).filter((arg) => arg !== '--no-write');
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

for (const row of rows) {
  const p99 = row.p99 === undefined ? '' : `  p99 ${format(row.p99, row.unit)}`;
  const limit = versusLimit(row);
  console.log(
    `${row.figure.padEnd(44)} ${row.contender.padEnd(34).slice(0, 34)} ${row.measure.padEnd(34).slice(0, 34)} ${format(row.median, row.unit)}${p99}${limit ? `  (${limit})` : ''}`,
  );
}
if (!values['no-write']) {
  const target = new URL('../docs/PERFORMANCE.md', import.meta.url);
  await writeFile(target, renderReport(info, rows, bundleFigures));
  log('wrote docs/PERFORMANCE.md');
}
log(`done in ${info.wallSeconds.toFixed(0)} s`);
