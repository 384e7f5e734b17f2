/**
 * The command model (model.ts), 2,000 runs of up to 40 commands, over in-memory TEST DOUBLES of
 * the identity-pool and user-pool services (doubles.ts) passed through `createAuthWith`. The same
 * model runs against the real emulator and cognito-local in model.servers.test.ts.
 *
 * ADVERSARIAL_RUNS and ADVERSARIAL_SEED override the run count and the seed. A failure prints the
 * seed, the path, the shrunk command list with its replayPath, and the last steps' trace; replay it
 * with `npx tsx test/adversarial/soak.ts --world doubles --runs 2000 --seed <seed> --path <path> --replay <replayPath>`.
 */
import { describe, expect, it } from 'vitest';
import { formatTally, runModel } from './model.js';
import { createDoubleWorld } from './worlds.js';

const RUNS = Number(process.env['ADVERSARIAL_RUNS'] ?? 2000);
const SEED = process.env['ADVERSARIAL_SEED'] === undefined ? undefined : Number(process.env['ADVERSARIAL_SEED']);

describe('command model over the service doubles', () => {
  it(`holds for ${RUNS} runs of federate, clear, sign-in, sign-out, fetch, restarts, group changes, two apps of a group, guest access, the token hook, clock, faults`, async () => {
    const report = await runModel(createDoubleWorld(), { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}) });
    console.info(
      `[adversarial] doubles: ${report.runs} runs, ${report.commands} commands, ${report.secretsScanned} texts scanned for secrets, ${(report.ms / 1000).toFixed(1)} s`,
    );
    if (process.env['ADVERSARIAL_TALLY']) console.info(formatTally(report.tally));
    expect(report.runs).toBe(RUNS);
    // Every kind of step was taken, and every hub event was seen, somewhere in the runs.
    for (const key of [
      'federate → ok',
      'federate → NotAuthorizedError',
      'federate → ServiceError',
      'federate → StorageError',
      'clear → ok',
      'signIn → ok',
      'confirmSignIn → ok',
      'confirmSignIn → ValidationError',
      'signOut → ok',
      'fetchAuthSession → SessionExpiredError',
      'fetchAuthSession → ServiceError',
      'restart → ok',
      'hub sessionExpired',
      'hub tokenRefresh',
      'hub tokenRefresh_failure',
      'hub signedOut',
      // Two apps of one group, guest access, the provider-token hook.
      'peer.federate → ok',
      'peer.federate → CancelledError',
      'peer.clear → ok',
      'peer.fetchAuthSession → ok',
      'overlap renew × clear → ok',
      'overlap renew × federate → ok',
      'overlap federate × clear → CancelledError',
      'overlap federate × federate → CancelledError',
      'guest credentials handed out',
      'renewal asks the fresh hook',
      'renewal asks the throws hook',
      'renewal asks the nothing hook',
      'renewal asks the hang hook',
    ]) {
      expect(report.tally.get(key) ?? 0, key).toBeGreaterThan(0);
    }
  }, 300_000);
});
