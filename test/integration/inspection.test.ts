/**
 * Inspecting a live auth instance, as the guide shows it: `createAuth({ inspect:
 * createRedactingInspector(observer) })`. These are regression tests for two bugs this suite
 * found; the comments say what used to happen.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AuthProvider } from '../../src/index.js';
import { startHarness, within, type Harness } from './harness.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const probeScript = fileURLToPath(new URL('./redactingInspectorProbe.ts', import.meta.url));

/** Runs the probe script in a child process; gives up (and kills it) after `ms`. */
function runProbe(ms: number): Promise<{ elapsedMs: number; events: number; isSignedIn: boolean } | 'timed out'> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', probeScript], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve('timed out');
    }, ms);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) {
        clearTimeout(timer);
        child.kill('SIGKILL');
        resolve(JSON.parse(line) as { elapsedMs: number; events: number; isSignedIn: boolean });
      }
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterEach(() => h.reset());

afterAll(async () => {
  await h?.close();
});

describe('inspecting an auth instance', () => {
  // Regression: maskSecrets used to walk the snapshot's `machine` and `_nodes` (the state-node
  // graph) with a cycle check on the current path only, so shared state nodes were copied again
  // on every path down to depth 24: one root `@xstate.snapshot` or `@xstate.microstep` event took
  // 5–10 s of CPU and masked to 285–400 MB of JSON (JSON.stringify then threw RangeError), and
  // `ready` plus one signed-out fetchAuthSession took about 35 s. The probe runs in a child
  // process so a regression is cut off after 3 s instead of hanging the run.
  it('lets an instance observed through createRedactingInspector become ready and answer fetchAuthSession at once', async () => {
    const outcome = await runProbe(3_000);
    expect(outcome).not.toBe('timed out');
    expect(outcome).toMatchObject({ isSignedIn: false });
    expect((outcome as { elapsedMs: number }).elapsedMs).toBeLessThan(1_000);
  });

  // Regression: an inspection observer's exception used to escape into the machine (hub
  // listeners were shielded, the `inspect` observer was not). Thrown on an internal step (the
  // first `@xstate.microstep`), it put the actor in status 'error' for good: `ready` resolved and
  // every later call rejected with CancelledError "The auth instance is stopped.". Thrown on the
  // event a call sends (`@xstate.event` of `federate`), the observer's own Error (not an
  // AuthError) came out of federateToIdentityPool and the federation was dropped unsent.
  it('keeps working when an inspection observer throws during an internal step', async () => {
    let thrown = 0;
    const t = h.auth({
      inspect: (event) => {
        if (event.type === '@xstate.microstep' && thrown === 0) {
          thrown += 1;
          throw new Error('observer fault');
        }
      },
    });
    await within(t.auth.ready, 'ready');
    expect(thrown).toBe(1);
    expect(t.auth.actor.getSnapshot().status).toBe('active');
    const token = await h.mint('graph.facebook.com', 'inspector-fault-step');
    await t.ok(t.auth.federateToIdentityPool(token, AuthProvider.facebook), 'federate');
    expect(t.state()).toBe('federated.active');
  });

  it('keeps working when an inspection observer throws on the event a call sends', async () => {
    let thrown = 0;
    const t = h.auth({
      inspect: (event) => {
        if (event.type === '@xstate.event' && event.event.type === 'federate' && thrown === 0) {
          thrown += 1;
          throw new Error('observer fault');
        }
      },
    });
    await within(t.auth.ready, 'ready');
    const token = await h.mint('graph.facebook.com', 'inspector-fault-event');
    await t.ok(t.auth.federateToIdentityPool(token, AuthProvider.facebook), 'federate');
    expect(thrown).toBe(1);
    expect(t.state()).toBe('federated.active');
    expect(h.operations()).toEqual(['GetId', 'GetCredentialsForIdentity']);
  });
});
