// An app's own auth flow, tested path by path: restore, federate with Facebook, read the
// session, clear it, and each way those steps can go. The paths come from the statechart itself
// (xstate/graph over the testing kit's model machine); each runs on a fresh live actor whose
// Cognito and storage calls are gated doubles (unit-level: no network), and at every step the
// live state must be the model's and the app's screen rule must hold.
import type { SnapshotFrom } from 'xstate';
import { createTestModel } from 'xstate/graph';
import { describe, expect, it } from 'vitest';
import {
  authMachineForModels,
  awsError,
  callEvents,
  createGatedAuth,
  doneEvent,
  errorEvent,
  modelSessions,
  serializeForModel,
  type GatedAuth,
} from '../../src/testing/index.js';

/** The app's rule: which screen a state of the auth machine shows. */
function screenFor(snapshot: Pick<SnapshotFrom<GatedAuth['actor']>, 'matches' | 'hasTag'>): 'home' | 'spinner' | 'login' {
  if (snapshot.matches('federated')) return 'home';
  return snapshot.hasTag('busy') ? 'spinner' : 'login';
}

// The flow's calls, and the outcomes the app must handle for each (Facebook's token refused).
const appFlow = [
  doneEvent('restoreSession', { session: null, problems: [] }),
  callEvents.federate,
  doneEvent('federateToIdentityPool', modelSessions.federated),
  errorEvent('federateToIdentityPool', awsError('NotAuthorizedException')),
  callEvents.fetch,
  callEvents.clear,
  doneEvent('clearFederatedSession'),
];

const model = createTestModel(authMachineForModels, {
  events: appFlow,
  // Only the flow's events: createTestModel would add every other event the states take, bare.
  filterEvents: (_, event) => appFlow.some((e) => e.type === event.type),
  serializeState: serializeForModel,
});
const paths = model.getSimplePaths();
/** A path by its steps: `federate → done federateToIdentityPool → …`. */
const named = paths.map((path) => [path.steps.slice(1).map((s) => s.event.type.replace(/^xstate\.(done|error)\.actor\./, '$1 ')).join(' → '), path] as const);

describe("the app's Facebook sign-in flow", () => {
  it('has paths to walk', () => {
    expect(paths.length).toBeGreaterThan(5);
  });

  it.each(named)('%s', async (_name, path) => {
    const auth = createGatedAuth();
    try {
      for (const step of path.steps) {
        await auth.step(step.event);
        const live = auth.actor.getSnapshot();
        expect(live.value, `after ${step.event.type}`).toEqual(step.state.value);
        // The home screen only ever shows a session that is stored.
        if (screenFor(live) === 'home') expect((await auth.store.load())?.kind).toBe('federated');
      }
    } finally {
      auth.stop();
    }
  });
});
