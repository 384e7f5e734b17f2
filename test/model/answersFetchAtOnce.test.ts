// The Promise API's warm path (answersFetchAtOnce) must agree with the statechart itself: for
// any state, context and fetch, it says "answers at once" exactly when the machine's own
// transition answers the fetch right away with no error and stays where it is. A property test
// over XState's pure `transition` (no actor, no services).
import fc from 'fast-check';
import { transition } from 'xstate';
import { describe, expect, it } from 'vitest';
import { answersFetchAtOnce } from '../../src/machines/answersFetchAtOnce.js';
import { authMachine, RENEW_BEFORE_EXPIRY_MS, type AuthMachineContext } from '../../src/machines/auth.machine.js';
import type { SessionFetchEvent, SessionSummary } from '../../src/vocabulary/statechartContract.js';

const STATES = [
  'configuring',
  'syncing',
  { signedOut: 'idle' },
  { signedOut: 'fetchingGuestCredentials' },
  { signedOut: 'federationFailed' },
  'federating',
  { federated: 'active' },
  { federated: 'renewing' },
  'sessionExpired',
  'clearingFederation',
  { signingIn: 'verifyingPassword' },
  { signingIn: 'awaitingNewPassword' },
  { signingIn: 'confirmingNewPassword' },
  { signedIn: 'federatingUserPool' },
  { signedIn: 'active' },
  { signedIn: 'refreshingTokens' },
  'signingOut',
] as const;

const NOW = 1_700_000_000_000;
/** Expiry around the renewal window's edge, and far off, or none. */
const expiry = fc.option(
  fc.oneof(
    fc.integer({ min: -RENEW_BEFORE_EXPIRY_MS, max: 2 * RENEW_BEFORE_EXPIRY_MS }),
    fc.constant(3_600_000),
  ).map((d) => NOW + d),
  { nil: undefined },
);
const session: fc.Arbitrary<SessionSummary | null> = fc.option(
  fc.record({
    kind: fc.constantFrom('guest', 'federated', 'userPool'),
    credentialsExpiration: expiry,
    tokensExpiration: expiry,
    refused: fc.boolean(),
  }).map(({ credentialsExpiration, tokensExpiration, ...rest }) => ({
    ...rest,
    ...(credentialsExpiration === undefined ? {} : { credentialsExpiration }),
    ...(tokensExpiration === undefined ? {} : { tokensExpiration }),
  })),
  { nil: null },
);

/** Did the machine answer this fetch at once, without error, and stay in its state? */
function machineAnswersAtOnce(value: (typeof STATES)[number], context: AuthMachineContext, event: SessionFetchEvent): boolean {
  const snapshot = authMachine.resolveState({ value: value as never, context });
  const [next, actions] = transition(authMachine, snapshot, event);
  const answered = actions.some((a) => {
    const emitted = (a as { type: string; params?: { event?: { type?: string; requestId?: number; error?: unknown } } }).params?.event;
    return (a.type as string) === 'xstate.emit' && emitted?.type === 'request.settled' && emitted.requestId === event.requestId && emitted.error === null;
  });
  return answered && JSON.stringify(next.value) === JSON.stringify(snapshot.value);
}

describe('the warm path of fetchAuthSession', () => {
  it('agrees with the statechart on every state, session and fetch', () => {
    let atOnce = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...STATES),
        session,
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        (value, s, sharedSession, allowGuestAccess, forceRefresh) => {
          const context: AuthMachineContext = {
            session: s,
            sharedSession,
            allowGuestAccess,
            activeRequestId: null,
            deferredFetches: [],
            restoreProblems: [],
            returnAfterSync: null,
          };
          const event: SessionFetchEvent = { type: 'session.fetch', requestId: 7, forceRefresh, now: NOW };
          const snapshot = authMachine.resolveState({ value: value as never, context });
          const expected = machineAnswersAtOnce(value, context, event);
          if (expected) atOnce += 1;
          expect(answersFetchAtOnce(snapshot, event), JSON.stringify({ value, context, forceRefresh })).toBe(expected);
        },
      ),
      { numRuns: 3000 },
    );
    // Both answers were seen often: the property is not true by default.
    expect(atOnce).toBeGreaterThan(100);
  });
});
