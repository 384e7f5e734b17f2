// The testing kit against xstate/graph as a new user meets it. With the exported machine alone,
// the defaults crash on guards that read a service's output, createTestModel refuses the invokes,
// and a traversal that tells states apart by their whole context never ends (the deferred-fetch
// queue grows with every fetch sent to a busy state). With the kit's machine, events and
// serialiser, default traversal ends and yields paths that cover the statechart.
import { createActor } from 'xstate';
import { createTestModel, getShortestPaths, getSimplePaths, getStateNodes } from 'xstate/graph';
import { describe, expect, it } from 'vitest';
import { authMachine, type AuthMachineInput } from '../../src/machines/auth.machine.js';
import {
  authMachineForModels,
  modelEventGroups,
  modelEvents,
  serializeForModel,
  tolerantGuards,
  type AuthModelEvent,
} from '../../src/testing/index.js';
import { transitions } from './machineShape.js';

const input: AuthMachineInput = { allowGuestAccess: false, sharedSession: false };
/** Guest access and a shared session on: the guest fetches and the re-reads are reachable too. */
const everything: AuthMachineInput = { allowGuestAccess: true, sharedSession: true };
/**
 * A bound on traversal (states taken off the queue) for the attempts that would not end by
 * themselves. The kit's traversal of every model event takes about 11,000: each MFA challenge
 * and an announced expiry are contexts of their own.
 */
const LIMIT = 15_000;

/**
 * Every state node of the live machine one can be in between steps, by id
 * (`auth.federated.renewing`): a state whose `always` has an unguarded way out (the MFA
 * challenge's `opening`) is passed through within a step and is never in a snapshot.
 */
const stateIds = getStateNodes(authMachine.root)
  .filter((node) => !(node.always ?? []).some((t) => t.guard === undefined))
  .map((node) => node.id);

/** The state nodes `paths` pass through (the root left out). */
function reached(paths: { steps: { state: { _nodes: { id: string }[] } }[] }[]): Set<string> {
  return new Set(paths.flatMap((path) => path.steps.flatMap((step) => step.state._nodes.map((node) => node.id))).filter((id) => id !== 'auth'));
}

describe('xstate/graph on the exported machine alone (what the kit fixes)', () => {
  it('default traversal crashes on a guard that reads the restored session from the output', () => {
    expect(() => getShortestPaths(authMachine, { input })).toThrow(/guard 'restoredFederated'.*Cannot read properties of undefined/s);
  });

  it('createTestModel refuses the machine, which invokes its services', () => {
    expect(() => createTestModel(authMachine)).toThrow('Invocations on test machines are not supported');
  });

  it('with outcomes given, telling states apart by the whole context never ends (stopped at a bound)', () => {
    // The same model and events as below, serialised by xstate/graph's default (value + context).
    expect(() => getShortestPaths(authMachineForModels, { input: everything, events: modelEvents, limit: LIMIT })).toThrow('Traversal limit exceeded');
  });
});

describe('xstate/graph with the testing kit', () => {
  it('default traversal of createTestModel ends, within the same bound, and reaches every state of the machine', () => {
    const model = createTestModel(authMachineForModels, { events: [...modelEvents], serializeState: serializeForModel, input: everything });
    const paths = model.getShortestPaths({ limit: LIMIT });
    expect(paths.length).toBeGreaterThan(50);
    expect([...reached(paths)].sort()).toEqual([...stateIds].sort());
  });

  it('simple paths of one concern end and walk every identity-pool state', () => {
    const paths = getSimplePaths(authMachineForModels, {
      input,
      events: modelEventGroups.identityPool,
      serializeState: serializeForModel,
      // A busy state that already holds a waiting fetch gains nothing from a second one.
      filterEvents: (snapshot, event) => !(event.type === 'session.fetch' && snapshot.hasTag('busy') && snapshot.context.deferredFetches.length > 0),
    });
    expect(paths.length).toBeGreaterThan(20);
    const states = reached(paths);
    for (const id of ['auth.federating', 'auth.federated.renewing', 'auth.sessionExpired', 'auth.clearingFederation', 'auth.signedOut.federationFailed']) {
      expect(states.has(id), id).toBe(true);
    }
  });

  it("with no events given, xstate/graph's own bare events ({ type } only) walk to the end without a crash", () => {
    const paths = getShortestPaths(authMachineForModels, { input, serializeState: serializeForModel, limit: LIMIT });
    expect(paths.length).toBeGreaterThan(10);
  });

  it("has the live machine's transitions (its services' outcomes and timers included), and no service or timer of its own", () => {
    // The live machine's lines without its services, and without the actions its timers add to a
    // state's entry (scheduling the timer's event) and exit (cancelling it).
    const withoutServicesOrTimers = (lines: string[]) =>
      lines
        .filter((line) => !line.includes(' invokes '))
        .map((line) => line.replace(/(entry|exit) (\S*)/g, (_all, which: string, names: string) =>
          `${which} ${names.split(',').filter((n) => n !== 'xstate.raise' && n !== 'xstate.cancel').join(',')}`));
    expect(transitions(authMachine).some((line) => line.includes('xstate.raise'))).toBe(true);
    expect(transitions(authMachineForModels)).toEqual(withoutServicesOrTimers(transitions(authMachine)));
    for (const node of [authMachineForModels.root, ...getStateNodes(authMachineForModels.root)]) {
      expect(node.invoke, node.id).toEqual([]);
      expect(node.after, node.id).toEqual([]);
    }
  });

  it('serializeForModel tells states apart by what the guards and actions read, and not by how many fetches wait', () => {
    const start = createActor(authMachineForModels, { input }).getSnapshot();
    const at = (context: Partial<typeof start.context>) => serializeForModel({ value: { federated: 'expired' }, context: { ...start.context, ...context } });
    const session = { kind: 'federated', identityId: 'us-east-1:model', credentialsExpiration: 1 } as const;
    const fetch = { type: 'session.fetch', requestId: 3, forceRefresh: false, now: 0 } as const;
    expect(at({ session })).not.toBe(at({ session: { ...session, expiryAnnounced: true } }));
    expect(at({ session })).not.toBe(at({ session: { ...session, credentialsExpiration: 2 } }));
    expect(at({ openChallenge: 'SMS_MFA' })).not.toBe(at({ openChallenge: 'EMAIL_OTP' }));
    expect(at({ deferredFetches: [fetch] })).toBe(at({ deferredFetches: [fetch, { ...fetch, requestId: 4 }] }));
  });

  it('every guard of the machine answers an outcome event that carries no output or error', () => {
    const context = createActor(authMachineForModels, { input }).getSnapshot().context;
    const guards = (authMachineForModels.implementations.guards ?? {}) as Record<string, (args: unknown, params: unknown) => boolean>;
    expect(Object.keys(guards).sort()).toEqual(Object.keys(authMachine.implementations.guards).sort());
    const bare: AuthModelEvent[] = [{ type: 'xstate.done.actor.restoreSession' }, { type: 'xstate.error.actor.renewFederatedCredentials' }];
    for (const [name, guard] of Object.entries(guards)) {
      for (const event of bare) expect(() => guard({ context, event }, undefined), `${name} on ${event.type}`).not.toThrow();
    }
    expect(Object.keys(tolerantGuards)).toContain('restoredFederated');
  });
});
