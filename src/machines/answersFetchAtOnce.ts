import type { SnapshotFrom, StateValue } from 'xstate';
import type { SessionFetchEvent } from '../vocabulary/statechartContract.js';
import { fetchRules as rules, type AuthMachine } from './auth.machine.js';

/**
 * The state as `parent.child` (or `parent`), read from the snapshot's value; deeper levels (the
 * MFA challenge a sign-in waits at) do not change the answer. `snapshot.matches` parses its
 * argument on every call, which costs more than the whole warm answer.
 */
export function statePath(value: StateValue): string {
  if (typeof value === 'string') return value;
  for (const parent in value) {
    const child = value[parent]!;
    if (typeof child === 'string') return `${parent}.${child}`;
    for (const name in child) return `${parent}.${name}`;
  }
  return '';
}

/**
 * True when the machine, in this snapshot, would answer `event` at once from the session it
 * holds: a settled state, no shared session to re-read, nothing to renew, refresh or fetch. The
 * Promise API then answers without a trip through the actor's event queue. It asks the same
 * questions as the statechart's guards (`fetchRules`), state by state as the chart does; a
 * property test checks that the two agree.
 */
export function answersFetchAtOnce(snapshot: SnapshotFrom<AuthMachine>, event: SessionFetchEvent): boolean {
  const c = snapshot.context;
  if (snapshot.status !== 'active' || rules.isSharedAndUnsynced(c, event)) return false;
  switch (statePath(snapshot.value)) {
    case 'federated.active':
    case 'federated.expiring':
    case 'federated.expired':
      return !rules.credentialsNeedRenewal(c, event);
    case 'signedIn.active':
    case 'signedIn.expiring':
    case 'signedIn.expired':
      return !rules.tokensNeedRefresh(c, event) && !rules.userPoolCredentialsNeeded(c, event);
    case 'signedOut.idle':
    case 'signedOut.federationFailed':
    case 'signingIn.awaitingNewPassword':
    case 'signingIn.awaitingMfa':
      return !rules.guestCredentialsNeeded(c, event);
    default:
      return false;
  }
}
