/**
 * Runs the adversarial command model longer than the test suite does.
 *
 *   npx tsx test/adversarial/soak.ts <runs> [seed] [--world doubles|servers] [--max-commands N]
 *                                     [--path <path> --replay <replayPath>]
 *
 * Defaults: the in-memory service doubles, a random seed, up to 40 commands a run. `--world servers`
 * runs against the identity-pool emulator and cognito-local over HTTP (about 0.3 s a run). On a
 * failure it prints fast-check's report (seed, path, shrunk command list with its replayPath, the
 * last steps' trace) and exits with 1; `--path` and `--replay` replay exactly that failure.
 */
import { formatTally, runModel } from './model.js';
import { createDoubleWorld, startServerWorld, type World } from './worlds.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

function parse(argv: string[]) {
  const positional: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg.startsWith('--')) {
      flags.set(arg.slice(2), argv[i + 1] ?? '');
      i += 1;
    } else positional.push(arg);
  }
  const runs = Number(positional[0] ?? 10_000);
  const seed = positional[1] === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(positional[1]);
  if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed)) {
    console.error('usage: soak.ts <runs> [seed] [--world doubles|servers] [--max-commands N] [--path P --replay R]');
    process.exit(2);
  }
  const world = flags.get('world') ?? 'doubles';
  if (world !== 'doubles' && world !== 'servers') {
    console.error('--world is doubles or servers');
    process.exit(2);
  }
  return {
    runs,
    seed,
    world,
    maxCommands: Number(flags.get('max-commands') ?? 40),
    path: flags.get('path'),
    replayPath: flags.get('replay'),
  };
}

const options = parse(process.argv.slice(2));
const world: World & { close(): Promise<void> } =
  options.world === 'servers' ? await startServerWorld() : createDoubleWorld();
console.log(`soak: ${options.runs} runs on the ${options.world}, seed ${options.seed}, up to ${options.maxCommands} commands a run`);

const started = Date.now();
let done = 0;
let lastReport = started;
try {
  const report = await runModel(world, {
    numRuns: options.runs,
    seed: options.seed,
    maxCommands: options.maxCommands,
    ...(options.path ? { path: options.path } : {}),
    ...(options.replayPath ? { replayPath: options.replayPath } : {}),
    onRun: () => {
      done += 1;
      if (Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        console.log(`  ${done} runs, ${((Date.now() - started) / 1000).toFixed(0)} s`);
      }
    },
  });
  console.log(formatTally(report.tally));
  console.log(
    `soak passed: ${report.runs} runs, ${report.commands} commands, ${report.secretsScanned} texts scanned for secrets, ${(report.ms / 1000).toFixed(1)} s (seed ${options.seed})`,
  );
} catch (error) {
  console.error((error as Error).message);
  console.error(`soak FAILED after ${done} passing runs (seed ${options.seed})`);
  process.exitCode = 1;
} finally {
  await world.close();
}
