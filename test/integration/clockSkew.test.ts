// A device whose clock is off: expiry is judged on Cognito's clock, learned from the Date header of
// its answers. The emulator runs on "Cognito's" clock (its `now`, which sets its Date header) and
// the library on a device clock that is ahead or behind by a fixed skew. Time moves by moving both
// clocks; each walk fetches the session every minute for almost three credential lifetimes, with a
// restart half-way, and counts the emulator's calls.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';
import { AuthProvider, createAuth, createMemoryStorage, RENEW_BEFORE_EXPIRY_MS, type Auth, type SecureStorage } from '../../src/index.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const LIFETIME = HOUR;
/** 170 minutes: a skew-free device renews at 58 and 116 minutes; one 5 minutes ahead would also renew at 159. */
const WALK_MINUTES = 170;

/** Minutes since the walk began, added to the real time both clocks read. */
let elapsed = 0;
const cognitoNow = () => Date.now() + elapsed;

let emu: EmulatorHandle;
beforeAll(async () => {
  emu = await startEmulator({ port: 0, now: cognitoNow, credentialLifetimeSeconds: LIFETIME / 1000 });
});
afterAll(() => emu.close());

function start(storage: SecureStorage, deviceNow: () => number): Auth {
  return createAuth({
    region: emu.region,
    identityPoolId: emu.identityPoolId,
    endpoints: { identityPool: emu.endpoint },
    storage,
    clock: deviceNow,
  });
}

const credentialCalls = () => emu.calls().filter((c) => c.operation === 'GetCredentialsForIdentity');

/**
 * Federates, then fetches every minute for {@link WALK_MINUTES}, restarting the instance half-way
 * (the offset must come back with the stored session). Every handed-out set must be unexpired on
 * Cognito's clock, and its `expiration` must read right on the device's clock.
 */
async function walk(skew: number): Promise<{ renewals: number; expiredAt: number[]; timeLeftError: number }> {
  elapsed = 0;
  emu.clearCalls();
  const deviceNow = () => cognitoNow() + skew;
  const storage = createMemoryStorage();
  let auth = start(storage, deviceNow);
  const token = await emu.mintToken('graph.facebook.com', `skew-${skew}`, { expiresIn: 24 * 3600 });
  await auth.federateToIdentityPool(token, AuthProvider.facebook);
  const expiredAt: number[] = [];
  let timeLeftError = 0;
  try {
    for (let minute = 0; minute <= WALK_MINUTES; minute++) {
      elapsed = minute * MINUTE;
      if (minute === WALK_MINUTES / 2) {
        auth.stop();
        auth = start(storage, deviceNow);
        await auth.ready;
      }
      const { credentials } = await auth.fetchAuthSession();
      // The set handed out is the one the latest GetCredentialsForIdentity issued, on the emulator's clock.
      const issued = credentialCalls().at(-1)!;
      const expiresOnCognito = Math.floor((issued.at + LIFETIME) / 1000) * 1000;
      if (expiresOnCognito <= cognitoNow()) expiredAt.push(minute);
      // `expiration` is on the device's clock: what is left by it is what is left on Cognito's.
      const leftByDevice = credentials!.expiration.getTime() - deviceNow();
      timeLeftError = Math.max(timeLeftError, Math.abs(leftByDevice - (expiresOnCognito - cognitoNow())));
    }
  } finally {
    auth.stop();
  }
  return { renewals: credentialCalls().length - 1, expiredAt, timeLeftError };
}

describe('a device clock that is off', () => {
  let baseline: number;

  beforeAll(async () => {
    baseline = (await walk(0)).renewals;
  });

  it('renews once per lifetime with a right clock (the baseline)', () => {
    expect(baseline).toBe(Math.floor(WALK_MINUTES / ((LIFETIME - RENEW_BEFORE_EXPIRY_MS) / MINUTE)));
  });

  it.each([
    ['5 minutes ahead', 5 * MINUTE],
    ['5 minutes behind', -5 * MINUTE],
    ['59 minutes ahead', 59 * MINUTE],
    ['59 minutes behind', -59 * MINUTE],
    ['24 hours ahead', 24 * HOUR],
    ['24 hours behind', -24 * HOUR],
  ])("%s: the fewest calls, and never credentials expired on Cognito's clock", async (_label, skew) => {
    const { renewals, expiredAt, timeLeftError } = await walk(skew);
    expect.soft(expiredAt, 'minutes at which expired credentials were handed out').toEqual([]);
    expect.soft(renewals, 'renewals (GetCredentialsForIdentity after the federation)').toBe(baseline);
    // The Date header has whole seconds.
    expect.soft(timeLeftError, "credentials' expiration on the device's clock, off by (ms)").toBeLessThan(3_000);
  });
});
