/**
 * The command model (model.ts) against the library as shipped, over HTTP: the identity-pool
 * emulator (faults through its own API) and a real cognito-local user pool behind a fault proxy;
 * the emulator verifies cognito-local's id tokens. Fewer runs than over the doubles: every call
 * is a real request, and throttled retries wait as the AWS SDK makes them wait.
 *
 * ADVERSARIAL_SERVER_RUNS and ADVERSARIAL_SEED override the run count and the seed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTally, runModel } from './model.js';
import { startServerWorld, type ServerWorld } from './worlds.js';

const RUNS = Number(process.env['ADVERSARIAL_SERVER_RUNS'] ?? 120);
const SEED = process.env['ADVERSARIAL_SEED'] === undefined ? undefined : Number(process.env['ADVERSARIAL_SEED']);

let world: ServerWorld;

beforeAll(async () => {
  world = await startServerWorld();
});

afterAll(async () => {
  await world?.close();
});

describe('command model over the emulator and cognito-local', () => {
  it(`holds for ${RUNS} runs over HTTP`, async () => {
    const report = await runModel(world, { numRuns: RUNS, maxCommands: 30, ...(SEED !== undefined ? { seed: SEED } : {}) });
    console.info(
      `[adversarial] servers: ${report.runs} runs, ${report.commands} commands, ${report.secretsScanned} texts scanned for secrets, ${(report.ms / 1000).toFixed(1)} s`,
    );
    if (process.env['ADVERSARIAL_TALLY']) console.info(formatTally(report.tally));
    expect(report.runs).toBe(RUNS);
    for (const key of ['federate → ok', 'federate → NotAuthorizedError', 'signIn → ok', 'restart → ok', 'hub signedIn', 'peer.start → ok', 'peer.federate → ok']) {
      expect(report.tally.get(key) ?? 0, key).toBeGreaterThan(0);
    }
  }, 240_000);
});
