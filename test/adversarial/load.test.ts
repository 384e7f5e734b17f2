/**
 * The reduced load run (loadRun.ts): 200 auth instances federating at once against one emulator,
 * TooManyRequestsException injected on about 10% of calls. The full 1,000 run from load.ts.
 * Only correctness is asserted; throughput, latency and memory are printed as figures.
 */
import { describe, expect, it } from 'vitest';
import { formatLoadReport, runLoad } from './loadRun.js';

const INSTANCES = Number(process.env['ADVERSARIAL_LOAD_INSTANCES'] ?? 200);
const RATE = 0.1;

describe('load', () => {
  it(`${INSTANCES} instances federate at once with throttling injected: only the injected errors, every state consistent`, async () => {
    const report = await runLoad({ instances: INSTANCES, throttleRate: RATE, deadlineMs: 60_000 });
    console.info(`[adversarial] ${formatLoadReport(report, RATE)}`);
    expect(report.problems).toEqual([]);
    expect(report.succeeded + report.failedThrottled).toBe(INSTANCES);
    expect(report.calls.injected).toBeGreaterThan(0);
    expect(report.calls.otherErrors).toBe(0);
  }, 90_000);
});
