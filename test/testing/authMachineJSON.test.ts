// The statechart's config as JSON for Stately's tools. JSON.stringify of the config alone drops
// the context factory and the invokes' input mappers without a word; authMachineJSON writes the
// context out and names what it leaves out (the timers' delays too, named only), and a machine
// loaded from its JSON has the live machine's states, transitions, guards, actions and services,
// by name.
import { createActor, createMachine, fromPromise, SimulatedClock } from 'xstate';
import { describe, expect, it } from 'vitest';
import { authMachine, type AuthMachineInput } from '../../src/machines/auth.machine.js';
import { authMachineJSON, modelSessions } from '../../src/testing/index.js';
import { transitions } from './machineShape.js';

const input: AuthMachineInput = { allowGuestAccess: true, sharedSession: false, renewBeforeExpiryMs: 300_000 };

describe('the statechart as JSON', () => {
  it("JSON.stringify of the config alone drops the context and the services' input", () => {
    const plain = JSON.parse(JSON.stringify(authMachine.config)) as { context?: unknown; states: Record<string, { invoke?: { input?: unknown } }> };
    expect(plain.context).toBeUndefined();
    expect(plain.states.federating?.invoke?.input).toBeUndefined();
  });

  it('authMachineJSON keeps the context as the value it starts with, and names each input mapper and timer delay it leaves out', () => {
    const { config, notExported } = authMachineJSON(input);
    expect(JSON.parse(JSON.stringify(config))).toEqual(config);
    expect(config.context).toEqual(createActor(authMachine, { input }).getSnapshot().context);
    expect(notExported).toHaveLength(11);
    expect(notExported).toContain("auth.federating: invoke federateToIdentityPool's input (a function of the event or context)");
    expect(notExported.filter((line) => line.includes("'s input"))).toHaveLength(7);
    expect(notExported.filter((line) => line.includes("'s delay"))).toEqual([
      "auth.federated.active: after untilRenewalWindow's delay (a function of the context and the clock, named only)",
      "auth.federated.expiring: after untilExpiry's delay (a function of the context and the clock, named only)",
      "auth.signedIn.active: after untilRenewalWindow's delay (a function of the context and the clock, named only)",
      "auth.signedIn.expiring: after untilExpiry's delay (a function of the context and the clock, named only)",
    ]);
  });

  it("a machine loaded from the JSON fires its timers at once unless given the delays, as notExported says", async () => {
    const restored = () => fromPromise(async () => ({ session: modelSessions.federated, problems: [] }));
    const run = async (delays?: typeof authMachine.implementations.delays) => {
      const loaded = createMachine(JSON.parse(JSON.stringify(authMachineJSON().config))).provide({
        guards: authMachine.implementations.guards as never,
        actions: authMachine.implementations.actions as never,
        actors: { restoreSession: restored() } as never,
        ...(delays ? { delays: delays as never } : {}),
      });
      const actor = createActor(loaded, { clock: new SimulatedClock() }).start();
      await new Promise((resolve) => setTimeout(resolve, 0));
      const value = actor.getSnapshot().value;
      actor.stop();
      return value;
    };
    expect(await run()).toEqual({ federated: 'expired' });
    expect(await run(authMachine.implementations.delays)).toEqual({ federated: 'active' });
  });

  it("loads with createMachine into the live machine's states, transitions, guards, actions and services", () => {
    const loaded = createMachine(JSON.parse(JSON.stringify(authMachineJSON().config)));
    const live = transitions(authMachine);
    expect(live.length).toBeGreaterThan(100);
    expect(transitions(loaded)).toEqual(live);
    expect(loaded.getInitialSnapshot(undefined as never).context).toMatchObject({ session: null, deferredFetches: [] });
  });
});
