/**
 * The React kit, published as `cognito-auth-machine/react`: hooks over an {@link Auth} made by
 * `createAuth`. `react` and `@xstate/react` are optional peers of the package, needed only here.
 *
 * ```tsx
 * const auth = createAuth({ region, identityPoolId, storage: createWebStorage() });
 *
 * function Account() {
 *   const { isSignedIn, session } = useAuthState(auth);
 *   return <p>{isSignedIn ? `Signed in as ${session?.identityId}` : 'Signed out'}</p>;
 * }
 * ```
 */
import { useSelector } from '@xstate/react';
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { StateValueFrom } from 'xstate';
import type { Auth } from './createAuth.js';
import type { AuthMachine } from './machines/auth.machine.js';
import { KEY_PREFIX } from './storage/scopedKeys.js';
import type { AuthError } from './vocabulary/AuthError.js';
import type { AuthSession } from './vocabulary/AuthSession.js';
import type { SessionSummary } from './vocabulary/statechartContract.js';

/**
 * The statechart's top-level state: `configuring`, `signedOut`, `federating`, `federated`,
 * `clearingFederation`, `signingIn`, `signedIn`, `signingOut`, `sessionExpired`, or `syncing`
 * (re-reading a session shared through an access group).
 */
export type AuthStateName = StateValueFrom<AuthMachine> extends infer V ? (V extends string ? V : keyof V) : never;

/** What {@link useAuthState} returns. */
export interface AuthState {
  /** The statechart's top-level state. */
  state: AuthStateName;
  /**
   * True while there is a federated or user-pool session that Cognito has not refused, as
   * `fetchAuthSession`'s `isSignedIn` (it stays true while credentials are renewed).
   */
  isSignedIn: boolean;
  /**
   * What the statechart knows of the session, without any secret: its kind, `identityId`,
   * `provider`, `credentialsExpiration`, `username`; `null` when there is none.
   */
  session: SessionSummary | null;
}

/** What {@link useAuthSession} returns. */
export interface AuthSessionState {
  /**
   * The latest answer of `fetchAuthSession`, with the AWS credentials; `undefined` before the
   * first, and when the latest fetch failed.
   */
  session: AuthSession | undefined;
  /** Why the latest `fetchAuthSession` failed (an `AuthError`); `undefined` when it answered. */
  error: AuthError | undefined;
  /** True until the first answer or failure. */
  isLoading: boolean;
}

/** What {@link useAuthCall} returns. */
export interface AuthCallState<A extends unknown[], R> {
  /** Runs the call. Resolves with its result, or with `undefined` when it failed (see `error`). */
  run: (...args: A) => Promise<R | undefined>;
  /** True while a run is under way. */
  isPending: boolean;
  /** Why the latest run failed (an `AuthError`); cleared when the next run starts. */
  error: AuthError | undefined;
}

function topState(value: unknown): AuthStateName {
  return (typeof value === 'string' ? value : Object.keys(value as object)[0]) as AuthStateName;
}

function signedIn(session: SessionSummary | null): boolean {
  return (session?.kind === 'federated' || session?.kind === 'userPool') && session.refused !== true;
}

/**
 * One string for one session: it changes when the session does (federated, renewed, refused,
 * cleared, changed by another app), since every stored change gets a new generation.
 */
function sessionKey(session: SessionSummary | null): string {
  return JSON.stringify(session);
}

/** Listeners on the browser's `storage` event, one per auth, shared by every hook using it. */
const followers = new WeakMap<Auth, { users: number; stop: () => void }>();

/**
 * When the session is shared through an access group in `localStorage`, another tab's change
 * raises a `storage` event here; `fetchAuthSession` then re-reads the shared session, and the
 * statechart (and so the hooks) follows it. Without a group nothing is shared: nothing to follow.
 */
function useOtherTabs(auth: Auth): void {
  const shared = useSelector(auth.actor, (snapshot) => snapshot.context.sharedSession);
  useEffect(() => {
    const target = globalThis as Partial<Pick<Window, 'addEventListener' | 'removeEventListener'>>;
    if (!shared || typeof target.addEventListener !== 'function') return;
    let follower = followers.get(auth);
    if (!follower) {
      const groupKeys = `${KEY_PREFIX}/group/`;
      const onStorage = (event: StorageEvent) => {
        // A null key is `localStorage.clear()`.
        if (event.key !== null && !event.key.startsWith(groupKeys)) return;
        // A failure shows in the state (an ended session) or in the next fetch; nothing to add here.
        auth.fetchAuthSession().catch(() => undefined);
      };
      target.addEventListener('storage', onStorage);
      follower = { users: 0, stop: () => target.removeEventListener?.('storage', onStorage) };
      followers.set(auth, follower);
    }
    follower.users += 1;
    const mine = follower;
    return () => {
      mine.users -= 1;
      if (mine.users === 0) {
        mine.stop();
        followers.delete(auth);
      }
    };
  }, [auth, shared]);
}

/**
 * The auth's state and what it knows of the session, without secrets and without a network call:
 * the component re-renders when they change (federation, renewal, clearing, sign-in, sign-out,
 * an ended session). With an access group in `localStorage`, it also follows other tabs.
 */
export function useAuthState(auth: Auth): AuthState {
  useOtherTabs(auth);
  const state = useSelector(auth.actor, (snapshot) => topState(snapshot.value));
  const session = useSelector(auth.actor, (snapshot) => snapshot.context.session);
  return useMemo(() => ({ state, isSignedIn: signedIn(session), session }), [state, session]);
}

/**
 * The session as `fetchAuthSession` answers it, with the AWS credentials and user-pool tokens:
 * fetched when the component mounts and again whenever the session changes, whoever changed it
 * (a renewal another caller started, a clear, another tab). It adds no renewal of its own: a
 * fetch renews only what is within `renewBeforeExpiryMs` of expiry, as any caller's would.
 */
export function useAuthSession(auth: Auth): AuthSessionState {
  useOtherTabs(auth);
  const key = useSelector(auth.actor, (snapshot) => sessionKey(snapshot.context.session));
  const [answer, setAnswer] = useState<{ auth: Auth; session?: AuthSession; error?: AuthError }>();
  // Per auth: the session key the last answer was read at, and whether a fetch is on its way.
  const tracker = useMemo(() => ({ answeredKey: null as string | null, fetching: false, live: true }), [auth]);
  useEffect(() => {
    tracker.live = true;
    return () => {
      tracker.live = false;
    };
  }, [tracker]);
  useEffect(() => {
    // A fetch on its way answers from the session as it is when it settles, which covers this change.
    if (tracker.fetching || key === tracker.answeredKey) return;
    tracker.fetching = true;
    const settle = (next: { session?: AuthSession; error?: AuthError }) => {
      tracker.fetching = false;
      tracker.answeredKey = sessionKey(auth.actor.getSnapshot().context.session);
      if (tracker.live) setAnswer({ auth, ...next });
    };
    auth.fetchAuthSession().then(
      (session) => settle({ session }),
      (error: AuthError) => settle({ error }),
    );
  }, [auth, key, tracker]);
  const current = answer?.auth === auth ? answer : undefined;
  return { session: current?.session, error: current?.error, isLoading: current === undefined };
}

/**
 * A call of the Promise API with its progress as state, for buttons and forms:
 * `const federate = useAuthCall(auth.federateToIdentityPool)`, then `federate.run(token, provider)`,
 * `federate.isPending`, `federate.error`. The auth's methods may be passed as they are.
 */
export function useAuthCall<A extends unknown[], R>(call: (...args: A) => Promise<R>): AuthCallState<A, R> {
  const [progress, setProgress] = useState<{ pending: number; error?: AuthError }>({ pending: 0 });
  const run = useCallback(
    async (...args: A): Promise<R | undefined> => {
      setProgress((p) => ({ pending: p.pending + 1 }));
      try {
        const result = await call(...args);
        setProgress((p) => ({ ...p, pending: p.pending - 1 }));
        return result;
      } catch (error) {
        setProgress((p) => ({ pending: p.pending - 1, error: error as AuthError }));
        return undefined;
      }
    },
    [call],
  );
  return { run, isPending: progress.pending > 0, error: progress.error };
}
