// The Promise API's warm path (answersFetchAtOnce) must agree with the statechart itself: for
// any state, context and fetch, it says "answers at once" exactly when the machine's own
// transition answers the fetch right away with no error and stays where it is. A property test;
// the machine's answer comes from a live actor started in the generated snapshot (its services
// are the placeholders, which never answer within the synchronous step observed).
import fc from 'fast-check';
import { createActor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { answersFetchAtOnce } from '../../src/machines/answersFetchAtOnce.js';
import { authMachine, RENEW_BEFORE_EXPIRY_MS, type AuthMachineContext } from '../../src/machines/auth.machine.js';
import type { SessionFetchEvent, SessionSummary } from '../../src/vocabulary/statechartContract.js';
import { DURATION_BOUNDS_MS } from '../../src/vocabulary/validateConfig.js';

const [MIN_WINDOW, MAX_WINDOW] = DURATION_BOUNDS_MS.renewBeforeExpiryMs;

const STATES = [
  'configuring',
  'syncing',
  { signedOut: 'idle' },
  { signedOut: 'fetchingGuestCredentials' },
  { signedOut: 'federationFailed' },
  'federating',
  { federated: 'active' },
  { federated: 'expiring' },
  { federated: 'expired' },
  { federated: 'renewing' },
  'sessionExpired',
  'clearingFederation',
  { signingIn: 'verifyingPassword' },
  { signingIn: 'awaitingNewPassword' },
  { signingIn: 'fetchingGuestCredentials' },
  { signingIn: 'confirmingNewPassword' },
  { signingIn: { awaitingMfa: 'smsCode' } },
  { signingIn: { awaitingMfa: 'factorSetup' } },
  { signingIn: 'answeringMfa' },
  { signedIn: 'federatingUserPool' },
  { signedIn: 'active' },
  { signedIn: 'expiring' },
  { signedIn: 'expired' },
  { signedIn: 'refreshingTokens' },
  'signingOut',
] as const;

const NOW = 1_700_000_000_000;
/** The renewal window: the default, its bounds, and anything between. */
const renewBeforeExpiryMs = fc.oneof(
  fc.constantFrom(RENEW_BEFORE_EXPIRY_MS, MIN_WINDOW, MAX_WINDOW),
  fc.integer({ min: MIN_WINDOW, max: MAX_WINDOW }),
);
/** Expiry around the renewal window's edge (exactly on it too), and far off, or none. */
const expiry = (window: number) =>
  fc.option(
    fc.oneof(
      fc.integer({ min: -window - 1000, max: 2 * window + 1000 }),
      fc.constantFrom(window, window + 1),
      fc.constant(3_600_000),
    ).map((d) => NOW + d),
    { nil: undefined },
  );
const session = (window: number): fc.Arbitrary<SessionSummary | null> =>
  fc.option(
    fc.record({
      kind: fc.constantFrom('guest', 'federated', 'userPool'),
      credentialsExpiration: expiry(window),
      tokensExpiration: expiry(window),
      refused: fc.boolean(),
    }).map(({ credentialsExpiration, tokensExpiration, ...rest }) => ({
      ...rest,
      ...(credentialsExpiration === undefined ? {} : { credentialsExpiration }),
      ...(tokensExpiration === undefined ? {} : { tokensExpiration }),
    })),
    { nil: null },
  );
/** A window and a session whose expiries sit around that window's edge. */
const windowAndSession = renewBeforeExpiryMs.chain((window) => fc.tuple(fc.constant(window), session(window)));

/** Did the machine answer this fetch at once, without error, and stay in its state? */
function machineAnswersAtOnce(value: (typeof STATES)[number], context: AuthMachineContext, event: SessionFetchEvent): boolean {
  const snapshot = authMachine.resolveState({ value: value as never, context });
  const actor = createActor(authMachine, {
    input: {
      allowGuestAccess: context.allowGuestAccess,
      sharedSession: context.sharedSession,
      renewBeforeExpiryMs: context.renewBeforeExpiryMs,
    },
    snapshot: authMachine.getPersistedSnapshot(snapshot) as never,
  });
  let answered = false;
  actor.on('request.settled', (settled) => {
    if (settled.requestId === event.requestId && settled.error === null) answered = true;
  });
  actor.start();
  actor.send(event);
  const stayed = JSON.stringify(actor.getSnapshot().value) === JSON.stringify(snapshot.value);
  actor.stop();
  return answered && stayed;
}

describe('the warm path of fetchAuthSession', () => {
  it('agrees with the statechart on every state, session and fetch', () => {
    let atOnce = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...STATES),
        windowAndSession,
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        (value, [window, s], sharedSession, allowGuestAccess, forceRefresh) => {
          const context: AuthMachineContext = {
            session: s,
            sharedSession,
            allowGuestAccess,
            renewBeforeExpiryMs: window,
            activeRequestId: null,
            deferredFetches: [],
            restoreProblems: [],
            returnAfterSync: null,
            openChallenge: null,
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
