/**
 * Figures 3 and 4: `fetchAuthSession` on a valid session (Cognito calls, throughput in process),
 * and 100 concurrent `fetchAuthSession` calls when the credentials are about to expire.
 */
import type { EmulatorHandle } from '../emulator/index.js';
import { AuthProvider } from '../src/index.js';
import {
  AMPLIFY_BUILTIN,
  AMPLIFY_DOCS,
  amplifyCredentials,
  configureAmplify,
  configureAmplifyGuest,
  OURS,
  ourAuth,
  SDK_PROVIDER,
  sdkProvider,
} from './contenders.js';
import { now, summarize, type Row } from './stats.js';

const VALID = 'fetchAuthSession on a valid session';
const BURST = '100 concurrent fetchAuthSession at expiry';
const CONCURRENT = 100;
/** Past the 50 minutes after which Amplify's built-in provider fetches credentials again. */
const AMPLIFY_TTL_PASSED_MS = 51 * 60_000;
/** Sequential calls whose Cognito calls are counted. */
export const COUNTED_CALLS = 50;

/** One way to ask a contender for credentials, plus how it ends. */
interface Session {
  fetch: () => Promise<unknown>;
  close: () => void;
}

async function federatedSessions(emu: EmulatorHandle): Promise<Record<string, Session>> {
  const google = emu.loginKeys.google;
  const ours = ourAuth(emu);
  await ours.federateToIdentityPool(await emu.mintToken(google, 'valid-ours'), AuthProvider.google);

  const sdk = sdkProvider(emu, { [google]: await emu.mintToken(google, 'valid-sdk') });
  await sdk();

  configureAmplify(emu, { domain: google, token: await emu.mintToken(google, 'valid-amplify') });
  await amplifyCredentials();

  return {
    [OURS]: { fetch: () => ours.fetchAuthSession(), close: () => ours.stop() },
    [SDK_PROVIDER]: { fetch: sdk, close: () => undefined },
    [AMPLIFY_DOCS]: { fetch: amplifyCredentials, close: () => undefined },
  };
}

/** Sequential calls for `seconds`, the clock read every few calls only: operations per second. */
async function throughput(fetch: () => Promise<unknown>, seconds: number): Promise<number> {
  const start = now();
  const end = start + seconds * 1000;
  let count = 0;
  let t = start;
  while (t < end) {
    for (let i = 0; i < 16; i++) await fetch();
    count += 16;
    t = now();
  }
  return count / ((t - start) / 1000);
}

/** Each call timed on its own, up to `max` calls or `seconds`. */
async function latencies(fetch: () => Promise<unknown>, seconds: number, max: number): Promise<number[]> {
  const samples: number[] = [];
  const end = now() + seconds * 1000;
  while (samples.length < max && now() < end) {
    const start = now();
    await fetch();
    samples.push(now() - start);
  }
  return samples;
}

export async function fetchOnValidSession(emu: EmulatorHandle, trials: number, seconds: number): Promise<Row[]> {
  const sessions = await federatedSessions(emu);
  const rows: Row[] = [];
  for (const [name, session] of Object.entries(sessions)) {
    emu.clearCalls();
    for (let i = 0; i < COUNTED_CALLS; i++) await session.fetch();
    const callsPerFetch = emu.calls().length / COUNTED_CALLS;
    rows.push({
      figure: VALID,
      contender: name,
      measure: 'Cognito calls per call',
      unit: 'calls',
      median: callsPerFetch,
      trials: COUNTED_CALLS,
      limit: 0,
      better: 'lower',
    });

    const rates: number[] = [];
    await throughput(session.fetch, seconds / 4); // warm-up: JIT, connections
    for (let i = 0; i < trials; i++) rates.push(await throughput(session.fetch, seconds));
    // A p99 of a handful of throughput trials says nothing; the latency row carries the tail.
    const { p99: _, ...rate } = summarize(
      { figure: VALID, contender: name, measure: 'throughput (sequential)', unit: 'ops/s', better: 'higher' },
      rates,
    );
    rows.push(rate);
    rows.push(
      summarize(
        { figure: VALID, contender: name, measure: 'latency per call', unit: 'ms', better: 'lower' },
        await latencies(session.fetch, seconds, 10_000),
      ),
    );
  }
  for (const session of Object.values(sessions)) session.close();
  return rows;
}

/**
 * The burst at expiry. Ours: its `clock` option jumps to one minute before the credentials'
 * expiration, inside its two-minute renewal window. The peers run against `shortLived`, an
 * emulator whose credentials live 60 seconds, so the credentials they hold really are one minute
 * from expiry and inside the SDK's five-minute refresh window. Amplify's built-in provider judges
 * expiry by its own rule (50 minutes after it fetched, read from `Date.now()`), so `Date.now` is
 * moved 51 minutes ahead while its burst runs; the emulator keeps the real clock. (Amplify's docs
 * provider keeps no credentials, so expiry changes nothing for it.)
 */
export async function burstAtExpiry(emu: EmulatorHandle, shortLived: EmulatorHandle, trials: number): Promise<Row[]> {
  const google = emu.loginKeys.google;
  const results: Record<string, { calls: number[]; ms: number[]; limitCalls: number }> = {
    [OURS]: { calls: [], ms: [], limitCalls: 1 },
    [SDK_PROVIDER]: { calls: [], ms: [], limitCalls: 1 },
    [AMPLIFY_BUILTIN]: { calls: [], ms: [], limitCalls: 1 },
    [AMPLIFY_DOCS]: { calls: [], ms: [], limitCalls: 1 },
  };

  const burst = async <T>(server: EmulatorHandle, fetch: () => Promise<T>) => {
    server.clearCalls();
    const start = now();
    const answers = await Promise.all(Array.from({ length: CONCURRENT }, () => fetch()));
    return { ms: now() - start, calls: server.calls().length, answers };
  };

  // Ours, on a clock it controls.
  let skew = 0;
  const ours = ourAuth(emu, { clock: () => Date.now() + skew });
  const first = await ours.federateToIdentityPool(await emu.mintToken(google, 'burst-ours'), AuthProvider.google);
  let expiration = first.credentials.expiration.getTime();
  for (let i = 0; i < trials; i++) {
    skew = expiration - 60_000 - Date.now();
    const run = await burst(emu, () => ours.fetchAuthSession());
    results[OURS]!.calls.push(run.calls);
    results[OURS]!.ms.push(run.ms);
    expiration = run.answers[0]!.credentials!.expiration.getTime();
  }
  ours.stop();

  // The SDK provider: each burst finds credentials one minute from expiry.
  const sdk = sdkProvider(shortLived, { [google]: await shortLived.mintToken(google, 'burst-sdk') });
  await sdk();
  for (let i = 0; i < trials; i++) {
    const run = await burst(shortLived, sdk);
    results[SDK_PROVIDER]!.calls.push(run.calls);
    results[SDK_PROVIDER]!.ms.push(run.ms);
  }

  configureAmplifyGuest(shortLived);
  await amplifyCredentials();
  const realNow = Date.now;
  for (let i = 0; i < trials; i++) {
    Date.now = () => realNow() + AMPLIFY_TTL_PASSED_MS;
    try {
      const run = await burst(shortLived, amplifyCredentials);
      results[AMPLIFY_BUILTIN]!.calls.push(run.calls);
      results[AMPLIFY_BUILTIN]!.ms.push(run.ms);
    } finally {
      Date.now = realNow;
    }
  }

  configureAmplify(shortLived, { domain: google, token: await shortLived.mintToken(google, 'burst-amplify') });
  await amplifyCredentials();
  for (let i = 0; i < trials; i++) {
    const run = await burst(shortLived, amplifyCredentials);
    results[AMPLIFY_DOCS]!.calls.push(run.calls);
    results[AMPLIFY_DOCS]!.ms.push(run.ms);
  }

  return Object.entries(results).flatMap(([contender, r]) => [
    summarize({ figure: BURST, contender, measure: 'Cognito calls', unit: 'calls', better: 'lower', limit: r.limitCalls }, r.calls),
    summarize({ figure: BURST, contender, measure: 'time until all 100 answered', unit: 'ms', better: 'lower' }, r.ms),
  ]);
}
