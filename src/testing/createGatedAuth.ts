/**
 * A live auth actor over the gated doubles, driven one model step at a time: a call is sent as
 * it is; a service outcome is produced by releasing (or failing) the gated operations the
 * service is waiting on, until the machine moves on; a timer fires when its event is sent. The
 * actor's timers run on a simulated clock that stands still unless the test moves it.
 */
import { createActor, SimulatedClock, type Actor } from 'xstate';
import { authMachine, type AuthMachineInput } from '../machines/auth.machine.js';
import { createAuthActors } from '../services/authActors.js';
import { SessionVault } from '../services/SessionVault.js';
import { createSessionStore } from '../storage/createSessionStore.js';
import type { SessionStore } from '../storage/SessionStore.js';
import { AuthProvider } from '../vocabulary/AuthProvider.js';
import { Secret } from '../vocabulary/Secret.js';
import type { SecureStorage } from '../vocabulary/SecureStorage.js';
import type { SessionRecord } from '../vocabulary/SessionRecord.js';
import type { AuthHubEventName, SessionSummary } from '../vocabulary/statechartContract.js';
import { HUB_EVENTS } from '../hub.js';
import {
  createGate,
  createGatedIdentityService,
  createGatedStorage,
  createGatedUserPoolService,
  type Gate,
} from './gatedServices.js';
import type { AuthModelEvent } from './modelEvents.js';

/** How {@link createGatedAuth} sets up its actor. */
export interface GatedAuthOptions {
  /** The machine's input. Default: no guest access, a private session. */
  input?: AuthMachineInput;
  /**
   * The doubles' and the services' clock, epoch ms. Default: the actor's simulated clock
   * ({@link GatedAuth.clock}), which stands at 0 until the test moves it.
   */
  clock?: () => number;
}

/** A live auth actor over gated doubles (see {@link createGatedAuth}). */
export interface GatedAuth {
  /** The gate: every Cognito and storage operation waits here until released or failed. */
  gate: Gate;
  /** The running actor (the real {@link authMachine}, the real services, the gated doubles). */
  actor: Actor<typeof authMachine>;
  /**
   * The actor's clock: its timers (the renewal window, the expiry) fire only when a step sends
   * their event, or when the test moves this clock past them (`clock.increment(ms)`). The services
   * read it too, unless {@link GatedAuthOptions.clock} gives them another.
   */
  clock: SimulatedClock;
  /** The stored session, read and written behind the gate's back (as another app would). */
  store: SessionStore;
  /** The hub events the actor emitted so far, in order. */
  hub: AuthHubEventName[];
  /** Plays one step of a model path on the actor (see {@link createGatedAuth}); `xstate.init` does nothing. */
  step(event: AuthModelEvent | { type: 'xstate.init' }): Promise<void>;
  /** Stops the actor. */
  stop(): void;
}

/**
 * A stored record of the kind a model's session summary names (what a restore or sync reads
 * back). Its ids are valid ones of its own: a restored record is validated as strictly as input.
 */
function recordLike(summary: SessionSummary): SessionRecord {
  const credentials = {
    accessKeyId: 'ASIASTORED',
    secretAccessKey: new Secret('stored-secret'),
    sessionToken: new Secret('stored-session'),
    expiration: 3_600_000,
  };
  if (summary.kind === 'userPool') {
    return {
      kind: 'userPool',
      username: 'model-user',
      userId: 'user-sub',
      tokens: {
        idToken: new Secret('stored-id'),
        accessToken: new Secret('stored-access'),
        refreshToken: new Secret('stored-refresh'),
        expiration: 3_600_000,
      },
      identityId: 'us-east-1:0000-05e5',
      credentials,
    };
  }
  if (summary.kind === 'guest') return { kind: 'guest', identityId: 'us-east-1:0000-9e57', credentials };
  return {
    kind: 'federated',
    token: new Secret('stored-token'),
    provider: summary.provider ?? AuthProvider.facebook,
    identityId: 'us-east-1:0000-5704ed',
    credentials,
    developerProvidedIdentityId: false,
  };
}

/** Lets every promise chain that is ready run (the doubles never wait on a timer). */
async function flush(): Promise<void> {
  for (let i = 0; i < 30; i++) await Promise.resolve();
}

/** The services whose outcome is what they read from the store. */
const READS_THE_STORE = new Set(['xstate.done.actor.restoreSession', 'xstate.done.actor.syncSharedSession']);

/**
 * Starts the real auth machine with the real services over gated doubles, ready to play a model
 * path step by step with `step(event)`:
 * - a call (`federate`, `session.fetch`, …) is sent to the actor;
 * - `xstate.done.actor.<service>` releases the operations the service waits on until the state
 *   changes (a sign-in step's output `kind` picks its outcome; a restore or sync first stores a
 *   record of the kind its output's `session` names, or removes the stored one);
 * - `xstate.error.actor.<service>` fails the first waiting operation with the event's `error`;
 * - `xstate.after.<delay>.<state id>` (a timer, see `timerEvents`) is sent to the actor, which
 *   takes it as its timer firing.
 * A sign-in step's output `{ kind: 'mfaRequired', challenge }` opens that MFA challenge (release
 * choice `mfaRequired:<challenge>`). Then compare `actor.getSnapshot().value` with the path step's state.
 */
export function createGatedAuth({ input = { allowGuestAccess: false, sharedSession: false }, clock: servicesClock }: GatedAuthOptions = {}): GatedAuth {
  // Timers fire when the model takes their event as a step, not while a path plays.
  const simulated = new SimulatedClock();
  const clock = servicesClock ?? (() => simulated.now());
  const gate = createGate();
  const storage = createGatedStorage(gate);
  const direct: SecureStorage = {
    getItem: async (key) => storage.items.get(key) ?? null,
    setItem: async (key, value) => void storage.items.set(key, value),
    removeItem: async (key) => void storage.items.delete(key),
  };
  const store = createSessionStore({ storage: direct, appId: 'model' });
  const vault = new SessionVault(createSessionStore({ storage, appId: 'model' }));
  const actor = createActor(
    authMachine.provide({
      actors: createAuthActors({
        identity: createGatedIdentityService(gate, clock),
        vault,
        userPool: { region: 'us-east-1', userPoolId: 'us-east-1_model', userPoolClientId: 'modelclient' },
        userPoolService: createGatedUserPoolService(gate, clock),
        clock,
      }),
    }),
    { input, clock: simulated },
  );
  const hub: AuthHubEventName[] = [];
  for (const name of HUB_EVENTS) actor.on(name, (e) => hub.push(e.type));
  actor.start();

  /** Releases (or fails, once) waiting operations until the state value changes; bounded. */
  async function releaseUntilStateChanges(failure?: unknown, choice?: string): Promise<void> {
    const before = JSON.stringify(actor.getSnapshot().value);
    let fail = failure;
    for (let i = 0; i < 20 && JSON.stringify(actor.getSnapshot().value) === before; i++) {
      await flush();
      const operation = gate.pending[0];
      if (!operation) continue;
      if (fail !== undefined) {
        operation.fail(fail);
        fail = undefined;
      } else {
        operation.release(choice);
      }
      await flush();
    }
  }

  return {
    gate,
    actor,
    clock: simulated,
    store,
    hub,
    async step(event) {
      if (event.type === 'xstate.init') return;
      if (event.type.startsWith('xstate.done.actor.')) {
        const output = (event as { output?: unknown }).output as
          | { kind?: string; challenge?: string; session?: SessionSummary | null }
          | undefined;
        if (READS_THE_STORE.has(event.type)) {
          if (output?.session) await store.save(recordLike(output.session));
          else await store.clear();
        }
        await releaseUntilStateChanges(undefined, output?.challenge ? `${output.kind}:${output.challenge}` : output?.kind);
      } else if (event.type.startsWith('xstate.error.actor.')) {
        await releaseUntilStateChanges((event as { error?: unknown }).error ?? new Error('model failure'));
      } else {
        actor.send(event as Parameters<typeof actor.send>[0]);
        await flush();
      }
    },
    stop: () => actor.stop(),
  };
}
