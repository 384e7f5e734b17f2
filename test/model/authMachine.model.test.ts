// Model-based tests: every simple path of the statechart's own graph (xstate/graph), each run on
// a fresh live actor whose services are the real ones over gated test doubles (the testing kit,
// cognito-auth-machine/testing). At every step: the live state equals the model's, the stored
// record agrees with the machine's session summary, and the hub events are the ones the step
// should fire.
import { type SnapshotFrom } from 'xstate';
import { TestModel } from 'xstate/graph';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuthError } from '../../src/vocabulary/AuthError.js';
import { authMachine, type AuthMachineInput } from '../../src/machines/auth.machine.js';
import type { AuthHubEventName } from '../../src/vocabulary/statechartContract.js';
import { createGatedAuth, modelEventGroups, serializeForModel, type AuthModelEvent } from '../../src/testing/index.js';

type Snapshot = SnapshotFrom<typeof authMachine>;
type ModelEvent = AuthModelEvent & { output?: unknown; error?: unknown };

const models: { name: string; input: AuthMachineInput; events: AuthModelEvent[] }[] = [
  { name: 'private session', input: { allowGuestAccess: false, sharedSession: false }, events: modelEventGroups.identityPool },
  // The next two models add the events of one concern to the core of federate, clear and
  // fetch; the failure paths they share with the first model are walked there.
  { name: 'guest access', input: { allowGuestAccess: true, sharedSession: false }, events: modelEventGroups.guestAccess },
  { name: 'shared session (access group)', input: { allowGuestAccess: false, sharedSession: true }, events: modelEventGroups.sharedSession },
  { name: 'user pool', input: { allowGuestAccess: false, sharedSession: false }, events: modelEventGroups.userPool },
  // The MFA steps on their own: with the user-pool model's events the simple paths multiply past a test run.
  { name: 'user pool MFA', input: { allowGuestAccess: false, sharedSession: false }, events: modelEventGroups.mfa },
];

/** The hub events a step must fire, by the rules of DESIGN §3 (written independently of the machine). */
function expectedHubEvents(event: ModelEvent): AuthHubEventName[] {
  switch (event.type) {
    case 'xstate.done.actor.federateToIdentityPool':
      return ['federatedToIdentityPool'];
    case 'xstate.error.actor.federateToIdentityPool':
      return ['federateToIdentityPool_failure'];
    case 'xstate.done.actor.clearFederatedSession':
      return ['federationToIdentityPoolCleared'];
    case 'xstate.error.actor.renewFederatedCredentials':
      return (event.error as AuthError).name === 'NotAuthorizedError' ? ['sessionExpired'] : [];
    case 'xstate.done.actor.signInWithPassword':
    case 'xstate.done.actor.completeNewPassword':
    case 'xstate.done.actor.answerMfaChallenge':
      return (event.output as { kind: string }).kind === 'signedIn' ? ['signedIn'] : [];
    case 'xstate.done.actor.refreshUserPoolTokens':
      return ['tokenRefresh'];
    case 'xstate.error.actor.refreshUserPoolTokens':
      return (event.error as AuthError).name === 'NotAuthorizedError' ? ['tokenRefresh_failure', 'signedOut'] : ['tokenRefresh_failure'];
    case 'xstate.done.actor.signOutOfUserPool':
      return ['signedOut'];
    default:
      return [];
  }
}

let pathsWalked = 0;
let stepsChecked = 0;

describe.each(models)('auth statechart, $name', ({ input, events }) => {
  // The graph types do not carry emitted-event types; the machine is the same object.
  // A busy state that already holds a waiting fetch gains no new behaviour from a second one,
  // so the model sends at most one fetch into each busy spell (keeps the path count finite).
  const eventsFor = (snapshot: Snapshot) =>
    events.filter((e) => !(e.type === 'session.fetch' && snapshot.hasTag('busy') && snapshot.context.deferredFetches.length > 0));
  const model = new TestModel(authMachine as never, {
    events: eventsFor as never,
    input,
    serializeState: serializeForModel as never,
  });
  const paths = model.getSimplePaths();

  it('has paths to walk', () => {
    expect(paths.length).toBeGreaterThan(20);
  });

  it.each(paths.map((p, i) => [i, p] as const))('path %i', async (_i, path) => {
    const r = createGatedAuth({ input });
    for (const step of path.steps) {
      const event = step.event as ModelEvent;
      const hubBefore = r.hub.length;
      await r.step(event);
      const live = r.actor.getSnapshot();
      expect(live.value, `after ${event.type}`).toEqual((step.state as Snapshot).value);
      expect(r.hub.slice(hubBefore), `hub events after ${event.type}`).toEqual(expectedHubEvents(event));
      const settledState = !live.hasTag('busy') && r.gate.pending.length === 0;
      if (settledState) {
        const stored = await r.store.load();
        expect(stored?.kind ?? null, `stored record after ${event.type}`).toBe(live.context.session?.kind ?? null);
        if (stored && live.context.session) expect(stored.identityId).toBe(live.context.session.identityId);
      }
      stepsChecked += 1;
    }
    r.stop();
    pathsWalked += 1;
  });
});

afterAll(() => {
  console.log(`model-based: walked ${pathsWalked} simple paths, ${stepsChecked} steps checked`);
});
