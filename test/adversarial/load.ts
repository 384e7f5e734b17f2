/**
 * The full load run: 1,000 auth instances federating at once against one emulator in this
 * process, TooManyRequestsException injected on 10% of calls (see loadRun.ts for how the rate is
 * kept). Prints throughput, latency percentiles and memory per instance; exits with 1 if any
 * federation missed the deadline, failed for anything but the injected throttling, or left an
 * inconsistent state.
 *
 *   npx tsx test/adversarial/load.ts [instances=1000] [rate=0.1] [deadlineMs=120000]
 *
 * It keeps about two sockets per instance open at once (client and server side): raise
 * `ulimit -n` above 2.5 × instances if the system limit is lower.
 */
import { formatLoadReport, runLoad } from './loadRun.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const instances = Number(process.argv[2] ?? 1000);
const throttleRate = Number(process.argv[3] ?? 0.1);
const deadlineMs = Number(process.argv[4] ?? 120_000);
if (!Number.isInteger(instances) || instances < 1 || !(throttleRate >= 0 && throttleRate < 1) || !(deadlineMs > 0)) {
  console.error('usage: load.ts [instances=1000] [rate=0.1] [deadlineMs=120000]');
  process.exit(2);
}

const report = await runLoad({ instances, throttleRate, deadlineMs });
console.log(formatLoadReport(report, throttleRate));
if (report.problems.length > 0) {
  console.error(`load FAILED:\n  ${report.problems.slice(0, 20).join('\n  ')}`);
  process.exitCode = 1;
} else {
  console.log('load passed');
}
