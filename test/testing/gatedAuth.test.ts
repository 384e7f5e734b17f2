// createGatedAuth plays the kit's model paths on the live machine, timers and MFA challenges
// included: at every step the live state is the model's, and the hub hears `credentialsExpired`
// when (and only when) the expiry timer fires. Its actor runs on a simulated clock the services
// read too, so moving that clock fires the timers for real.
import { createTestModel } from 'xstate/graph';
import { describe, expect, it } from 'vitest';
import type { AuthMachineInput } from '../../src/machines/auth.machine.js';
import {
  authMachineForModels,
  callEvents,
  createGatedAuth,
  doneEvent,
  mfaChallengeNames,
  modelEventGroups,
  modelSessions,
  serializeForModel,
  timerEvents,
  type AuthModelEvent,
} from '../../src/testing/index.js';

const plain: AuthMachineInput = { allowGuestAccess: false, sharedSession: false };

const models: { name: string; input: AuthMachineInput; events: AuthModelEvent[] }[] = [
  { name: 'credentials expiry', input: plain, events: modelEventGroups.expiry },
  { name: 'credentials expiry, renewed in the background', input: { ...plain, renewInBackground: true }, events: modelEventGroups.expiry },
  { name: 'signed-in expiry', input: plain, events: modelEventGroups.signedInExpiry },
  { name: 'signed-in expiry, renewed in the background', input: { ...plain, renewInBackground: true }, events: modelEventGroups.signedInExpiry },
  { name: 'MFA challenge substates', input: plain, events: modelEventGroups.mfaChallenges },
];

describe.each(models)('createGatedAuth plays the shortest paths of the model "$name"', ({ input, events }) => {
  const paths = createTestModel(authMachineForModels, {
    events,
    // Only the group's events (createTestModel would add the others, bare).
    filterEvents: (_, event) => events.includes(event),
    serializeState: serializeForModel,
    input,
  }).getShortestPaths();

  it('has paths to walk', () => {
    expect(paths.length).toBeGreaterThan(5);
  });

  it.each(paths.map((path, i) => [i, path] as const))('path %i', async (_i, path) => {
    const auth = createGatedAuth({ input });
    try {
      let announced = false;
      for (const step of path.steps) {
        const heard = auth.hub.length;
        await auth.step(step.event);
        expect(auth.actor.getSnapshot().value, `after ${step.event.type}`).toEqual(step.state.value);
        // Announced once per set of credentials: a failed renewal that runs out again stays quiet.
        const expected = (step.event === timerEvents.expiry || step.event === timerEvents.signedInExpiry) && !announced ? ['credentialsExpired'] : [];
        expect(auth.hub.slice(heard).filter((name) => name === 'credentialsExpired'), `after ${step.event.type}`).toEqual(expected);
        announced = step.state.context.session?.expiryAnnounced === true;
      }
    } finally {
      auth.stop();
    }
  });
});

describe('createGatedAuth', () => {
  it('reaches every MFA challenge substate on the paths of its group', () => {
    const events: AuthModelEvent[] = modelEventGroups.mfaChallenges;
    const paths = createTestModel(authMachineForModels, {
      events,
      filterEvents: (_, event) => events.includes(event),
      serializeState: serializeForModel,
    }).getShortestPaths();
    const reached = new Set(paths.flatMap((p) => p.steps.map((s) => JSON.stringify(s.state.value))));
    for (const substate of ['smsCode', 'emailCode', 'totpCode', 'factorChoice', 'factorSetup']) {
      expect(reached, substate).toContain(JSON.stringify({ signingIn: { awaitingMfa: substate } }));
    }
    expect(mfaChallengeNames).toHaveLength(5);
  });

  it("fires the timers for real when the test moves its clock, which the services' credentials are dated by", async () => {
    const auth = createGatedAuth();
    try {
      await auth.step(doneEvent('restoreSession', { session: null, problems: [] }));
      await auth.step(callEvents.federate);
      await auth.step(doneEvent('federateToIdentityPool', modelSessions.federated));
      expect(auth.actor.getSnapshot().value).toEqual({ federated: 'active' });
      // The gated credentials last an hour from the clock's 0; the renewal window is the last 2 minutes.
      auth.clock.increment(3_600_000 - 120_000 - 1);
      expect(auth.actor.getSnapshot().value).toEqual({ federated: 'active' });
      auth.clock.increment(1);
      expect(auth.actor.getSnapshot().value).toEqual({ federated: 'expiring' });
      auth.clock.increment(120_000);
      expect(auth.actor.getSnapshot().value).toEqual({ federated: 'expired' });
      expect(auth.hub).toContain('credentialsExpired');
    } finally {
      auth.stop();
    }
  });
});
