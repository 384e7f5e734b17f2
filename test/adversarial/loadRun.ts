/**
 * Many auth instances federating at once against one identity-pool emulator, in one process, with
 * throttling injected at a fixed rate. Shared by load.test.ts (200 instances) and load.ts (1,000).
 *
 * The rate: the emulator's fault API fails "the next N calls", so a pump re-arms it. It polls the
 * call log (every turn of the event loop) and, whenever floor(calls so far × rate) exceeds the
 * faults armed so far, arms one more `TooManyRequestsException` (any operation, count 1). About
 * `rate` of all calls get one (the report prints the rate achieved). Armed faults strike the next
 * calls in arrival order, so they come in bursts, as real throttling does: after a burst of
 * first attempts, the calls in flight are mostly the SDK's retries, and the faults armed then
 * land on them. That is why a few federations use up their three attempts, more than with
 * independent 10% odds. (Keeping one fault armed at a time spreads them, but bursts of
 * concurrent calls outrun the pump and the rate achieved falls to about 1%.)
 *
 * Checked: every federation settles before the deadline; the only failures are the injected
 * throttling once an operation's three attempts all met it; the emulator saw no error but the
 * injected ones; every instance's state, stored record and hub events agree with its outcome.
 * Reported (figures, not assertions): throughput, latency percentiles, memory per instance.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';
import { AuthError } from '../../src/vocabulary/AuthError.js';
import { AuthProvider } from '../../src/vocabulary/AuthProvider.js';
import { createAuth, type Auth, type FederationResult } from '../../src/createAuth.js';
import { createArmedStorage, type ArmedStorage } from './armedStorage.js';
import { decodeStored } from './session.js';

export interface LoadOptions {
  instances: number;
  /** Fraction of Cognito calls that get TooManyRequestsException. */
  throttleRate: number;
  /** Every federation must settle within this, from the first call. */
  deadlineMs: number;
}

export interface LoadReport {
  instances: number;
  succeeded: number;
  /** Federations that failed because every attempt of one operation was throttled. */
  failedThrottled: number;
  /** Anything else: must be empty. */
  problems: string[];
  calls: { total: number; injected: number; otherErrors: number; getId: number; getCredentials: number };
  wallMs: number;
  throughputPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  memory: { heapPerIdleInstanceKb: number; heapPerFederatedInstanceKb: number; rssMb: number };
}

const SESSION_KEY = 'cognito-auth-machine/app/default/session';

function gcIfPossible(): void {
  try {
    setFlagsFromString('--expose-gc');
    (runInNewContext('gc') as () => void)();
  } catch {
    // Figures without a full collection are rougher, nothing more.
  }
}

function heapUsed(): number {
  gcIfPossible();
  gcIfPossible();
  return process.memoryUsage().heapUsed;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

interface Instance {
  auth: Auth;
  storage: ArmedStorage;
  hub: string[];
  sub: string;
  token: string;
  ms?: number;
  result?: FederationResult;
  error?: unknown;
}

/** Runs the load against `emu` (or a fresh emulator on 127.0.0.1, port 0, closed after). */
export async function runLoad(options: LoadOptions, given?: EmulatorHandle): Promise<LoadReport> {
  const emu = given ?? (await startEmulator({ port: 0 }));
  const problems: string[] = [];
  const instances: Instance[] = [];
  try {
    emu.clearFaults();
    emu.clearCalls();
    const heapBefore = heapUsed();
    for (let i = 0; i < options.instances; i += 1) {
      const storage = createArmedStorage();
      const auth = createAuth({
        region: emu.region,
        identityPoolId: emu.identityPoolId,
        endpoints: { identityPool: emu.endpoint },
        storage,
      });
      const hub: string[] = [];
      auth.hub.listen('auth', (capsule) => hub.push(capsule.payload.event));
      const sub = `load-${process.pid}-${i}`;
      instances.push({ auth, storage, hub, sub, token: await emu.mintToken(emu.loginKeys.google, sub) });
    }
    await Promise.all(instances.map((i) => i.auth.ready));
    const heapIdle = heapUsed();

    // The pump: re-arm a throttling fault whenever the calls so far call for another.
    let armed = 0;
    let pumping = true;
    const pump = (async () => {
      while (pumping) {
        const calls = emu.calls().length;
        while (armed < Math.floor(calls * options.throttleRate)) {
          emu.addFault({ error: 'TooManyRequestsException', count: 1 });
          armed += 1;
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();

    const started = performance.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), options.deadlineMs);
    });
    const all = Promise.all(
      instances.map(async (instance) => {
        const t0 = performance.now();
        try {
          instance.result = await instance.auth.federateToIdentityPool(instance.token, AuthProvider.google);
        } catch (error) {
          instance.error = error;
        }
        instance.ms = performance.now() - t0;
      }),
    );
    const finished = await Promise.race([all, deadline]);
    clearTimeout(timer);
    const wallMs = performance.now() - started;
    pumping = false;
    await pump;
    emu.clearFaults();
    if (finished === 'deadline') {
      const pending = instances.filter((i) => i.ms === undefined).length;
      problems.push(`${pending} of ${instances.length} federations did not settle within ${options.deadlineMs} ms`);
    }

    // Every instance's state agrees with what its call answered.
    const identities = new Set<string>();
    let succeeded = 0;
    let failedThrottled = 0;
    for (const instance of instances) {
      const state = JSON.stringify(instance.auth.actor.getSnapshot().value);
      const stored = decodeStored(instance.storage.items.get(SESSION_KEY));
      if (instance.result) {
        succeeded += 1;
        const { identityId, credentials } = instance.result;
        if (state !== '{"federated":"active"}') problems.push(`${instance.sub}: federated but in ${state}`);
        if (stored?.kind !== 'federated' || stored.identityId !== identityId || stored.credentials.accessKeyId !== credentials.accessKeyId) {
          problems.push(`${instance.sub}: the stored session is not the one handed out`);
        }
        if (identities.has(identityId)) problems.push(`${instance.sub}: identity ${identityId} handed to two logins`);
        identities.add(identityId);
        if (instance.hub.join() !== 'federatedToIdentityPool') problems.push(`${instance.sub}: hub events ${instance.hub.join(', ')}`);
      } else if (instance.error) {
        const error = instance.error;
        if (error instanceof AuthError && error.name === 'ServiceError' && error.serviceErrorName === 'TooManyRequestsException') {
          failedThrottled += 1;
        } else {
          problems.push(`${instance.sub}: failed with ${error instanceof AuthError ? `${error.name} (${error.serviceErrorName ?? error.message})` : String(error)}`);
        }
        if (state !== '{"signedOut":"federationFailed"}') problems.push(`${instance.sub}: failed but in ${state}`);
        if (stored !== null) problems.push(`${instance.sub}: failed but a session is stored`);
        if (instance.hub.join() !== 'federateToIdentityPool_failure') problems.push(`${instance.sub}: hub events ${instance.hub.join(', ')}`);
      }
    }
    const heapFederated = heapUsed();

    const calls = emu.calls();
    const injected = calls.filter((c) => c.injected).length;
    const otherErrors = calls.filter((c) => c.outcome !== 'success' && !c.injected);
    for (const call of otherErrors.slice(0, 5)) problems.push(`the emulator answered ${call.operation} with ${call.error} (not injected)`);
    // A federation only fails after three throttled attempts of one operation.
    if (failedThrottled * 3 > injected) problems.push(`${failedThrottled} throttled failures from only ${injected} injected faults`);

    const latencies = instances.filter((i) => i.ms !== undefined).map((i) => i.ms!).sort((a, b) => a - b);
    return {
      instances: instances.length,
      succeeded,
      failedThrottled,
      problems,
      calls: {
        total: calls.length,
        injected,
        otherErrors: otherErrors.length,
        getId: calls.filter((c) => c.operation === 'GetId').length,
        getCredentials: calls.filter((c) => c.operation === 'GetCredentialsForIdentity').length,
      },
      wallMs,
      throughputPerSecond: (latencies.length / wallMs) * 1000,
      latencyMs: {
        p50: percentile(latencies, 50),
        p90: percentile(latencies, 90),
        p99: percentile(latencies, 99),
        max: latencies[latencies.length - 1] ?? 0,
      },
      memory: {
        heapPerIdleInstanceKb: (heapIdle - heapBefore) / instances.length / 1024,
        heapPerFederatedInstanceKb: (heapFederated - heapBefore) / instances.length / 1024,
        rssMb: process.memoryUsage().rss / 1024 / 1024,
      },
    };
  } finally {
    for (const instance of instances) instance.auth.stop();
    if (!given) await emu.close();
  }
}

export function formatLoadReport(r: LoadReport, rate: number): string {
  const f = (n: number) => n.toFixed(0);
  return [
    `load: ${r.instances} instances federating at once, TooManyRequestsException injected on ${(rate * 100).toFixed(0)}% of calls`,
    `  outcome:    ${r.succeeded} federated, ${r.failedThrottled} failed after three throttled attempts, ${r.problems.length} problems`,
    `  calls:      ${r.calls.total} (GetId ${r.calls.getId}, GetCredentialsForIdentity ${r.calls.getCredentials}), ${r.calls.injected} injected (${((r.calls.injected / Math.max(1, r.calls.total)) * 100).toFixed(1)}%), ${r.calls.otherErrors} other errors`,
    `  throughput: ${r.throughputPerSecond.toFixed(1)} federations/s over ${(r.wallMs / 1000).toFixed(2)} s`,
    `  latency:    p50 ${f(r.latencyMs.p50)} ms, p90 ${f(r.latencyMs.p90)} ms, p99 ${f(r.latencyMs.p99)} ms, max ${f(r.latencyMs.max)} ms`,
    `  memory:     ${r.memory.heapPerIdleInstanceKb.toFixed(1)} KB heap per idle instance, ${r.memory.heapPerFederatedInstanceKb.toFixed(1)} KB per federated instance (SDK client included), RSS ${f(r.memory.rssMb)} MB`,
  ].join('\n');
}
