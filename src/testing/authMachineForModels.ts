/**
 * The auth statechart as `xstate/graph` can walk it. The live machine has two habits a graph
 * traversal trips on: its invoked services and timers (`createTestModel` refuses machines with
 * `invoke` or `after`), and guards and actions that read a service's `output` or `error` (a
 * traversal that was not given an outcome event sends one without either, and they throw). The
 * model machine here has the same states, transitions, guards and actions, with each invoke's
 * outcomes and each timer's firing as ordinary events, and the output-reading guards and actions
 * tolerant of a missing outcome.
 */
import { createMachine, enqueueActions, type AnyActorRef, type EventObject, type MetaObject, type ParameterizedObject, type StateMachine, type StateSchema, type StateValueFrom } from 'xstate';
import { authMachine, type AuthMachineContext, type AuthMachineInput } from '../machines/auth.machine.js';
import type { AuthModelEvent } from './modelEvents.js';

/** A guard of the auth statechart, as `provide({ guards })` takes it. */
export type AuthGuard = (args: { context: AuthMachineContext; event: AuthModelEvent }, params: unknown) => boolean;
type Guard = AuthGuard;

/** The machine's own guards, by name. */
const guards = authMachine.implementations.guards as unknown as Record<string, Guard>;
/** The machine's own actions, by name. */
const actions = authMachine.implementations.actions as Record<string, unknown>;

/** The guards that read a service's `output` or `error`. */
const OUTCOME_GUARDS = [
  'restoredFederated',
  'restoredUserPool',
  'restoredRefusedSession',
  'newPasswordRequired',
  'mfaRequired',
  'isWrongCode',
  'sessionChangedElsewhere',
  'isAuthenticationFailure',
] as const;

/**
 * The actions that read a service's `output`, or the session kept from it, and when each may run:
 * with the outcome it reads, or (for a timer's) with a session to read. The others, such as
 * `openMfaChallenge` (which keeps the open challenge when an outcome names none), need no help.
 */
const OUTCOME_ACTIONS: Record<string, (args: { context: AuthMachineContext; event: AuthModelEvent }) => boolean> = {
  keepRestoredSession: ({ event }) => !lacksOutcome(event),
  keepSession: ({ event }) => !lacksOutcome(event),
  keepSignedInSession: ({ event }) => !lacksOutcome(event),
  settleSignOut: ({ event }) => !lacksOutcome(event),
  emitFederated: ({ context, event }) => !lacksOutcome(event) && context.session !== null,
  // The expiry timer's event carries nothing; the action reads the session a federation kept.
  emitCredentialsExpired: ({ context }) => context.session !== null,
};

/** A service outcome event that carries no output (done) or no error (error). */
function lacksOutcome(event: { type: string; output?: unknown; error?: unknown }): boolean {
  if (event.type.startsWith('xstate.done.actor.')) return event.output === undefined;
  if (event.type.startsWith('xstate.error.actor.')) return event.error === undefined;
  return false;
}

/**
 * The machine's guards that read a service's `output` or `error`, answering `false` for an
 * outcome event without one (the branch a service with no answer would take) and as the
 * machine's own guard otherwise: `authMachine.provide({ guards: tolerantGuards, actions: tolerantActions })`.
 * The guards that read only the context (`challengeIs` with its challenge name, `hasFederatedSession`,
 * …) are the machine's own: they answer any event.
 */
export const tolerantGuards: Readonly<Record<string, AuthGuard>> = Object.fromEntries(
  OUTCOME_GUARDS.map((name) => {
    const guard = guards[name]!;
    return [name, (args: Parameters<Guard>[0], params: unknown) => !lacksOutcome(args.event) && guard(args, params)];
  }),
);

/**
 * The machine's actions that read a service's `output` (keep the session it found, settle a
 * sign-out, tell the hub about the federation kept), skipped for a done event without one and
 * as the machine's own otherwise; and the hub's `credentialsExpired`, skipped when no session was
 * kept to name (a model that federated on a done event without output).
 */
export const tolerantActions: Readonly<Record<string, unknown>> = Object.fromEntries(
  Object.entries(OUTCOME_ACTIONS).map(([name, mayRun]) => {
    const action = actions[name]!;
    return [
      name,
      enqueueActions(({ context, event, enqueue }) => {
        if (mayRun({ context: context as AuthMachineContext, event: event as AuthModelEvent })) enqueue(action as never);
      }),
    ];
  }),
);

type StateConfig = {
  id?: string;
  invoke?: InvokeConfig | InvokeConfig[];
  after?: Record<string, unknown>;
  on?: Record<string, unknown>;
  states?: Record<string, StateConfig>;
  [key: string]: unknown;
};
type InvokeConfig = { id?: string; src: unknown; onDone?: unknown; onError?: unknown; [key: string]: unknown };

/**
 * A state's config with its invokes' `onDone`/`onError` and its `after` timers turned into the
 * events XState would deliver (`xstate.done.actor.<id>`, `xstate.error.actor.<id>`,
 * `xstate.after.<delay>.<state id>`), its children likewise.
 */
function withOutcomesAsEvents(config: StateConfig, stateId: string): StateConfig {
  const { invoke, after, states, on, ...rest } = config;
  const out: StateConfig = { ...rest };
  const transitions: Record<string, unknown> = { ...on };
  for (const call of invoke === undefined ? [] : Array.isArray(invoke) ? invoke : [invoke]) {
    const id = call.id ?? String(call.src);
    if (call.onDone !== undefined) transitions[`xstate.done.actor.${id}`] = call.onDone;
    if (call.onError !== undefined) transitions[`xstate.error.actor.${id}`] = call.onError;
  }
  for (const [delay, transition] of Object.entries(after ?? {})) {
    transitions[`xstate.after.${delay}.${config.id ?? stateId}`] = transition;
  }
  if (Object.keys(transitions).length > 0) out.on = transitions;
  if (states) {
    out.states = Object.fromEntries(
      Object.entries(states).map(([key, child]) => [key, withOutcomesAsEvents(child, `${child.id ?? `${stateId}.${key}`}`)]),
    );
  }
  return out;
}

const rootConfig = authMachine.config as unknown as StateConfig;

/** The input a model starts with when given none: no guest access, a private session. */
const DEFAULT_INPUT: AuthMachineInput = { allowGuestAccess: false, sharedSession: false };

const modelConfig: StateConfig = {
  ...withOutcomesAsEvents(rootConfig, rootConfig.id ?? 'auth'),
  // A traversal given no `input` starts from the default one instead of failing in the context factory.
  context: (args: { input?: AuthMachineInput }) =>
    (rootConfig.context as (args: { input: AuthMachineInput }) => unknown)({ ...args, input: args.input ?? DEFAULT_INPUT }),
};

/**
 * The auth statechart as a model for `xstate/graph`: the same states, transitions, guards and
 * actions as {@link authMachine}, with each invoked service's outcomes as plain events (give them
 * as {@link modelEvents}), each `after` timer as the event XState names it
 * (`xstate.after.untilRenewalWindow.auth.federated.active`, see `timerEvents`), and
 * {@link tolerantGuards} / {@link tolerantActions} in place of the
 * output-reading ones. `createTestModel(authMachineForModels, { events: modelEvents,
 * serializeState: serializeForModel })` lists paths; run each on a live actor (see
 * {@link createGatedAuth}). Its state values are the live machine's. Without an `input` it
 * starts as the machine does with `{ allowGuestAccess: false, sharedSession: false }`.
 */
export const authMachineForModels: AuthModelMachine = createMachine(modelConfig as never, {
  guards: { ...guards, ...tolerantGuards },
  actions: { ...actions, ...tolerantActions },
  delays: authMachine.implementations.delays,
} as never) as unknown as AuthModelMachine;

/**
 * The type of {@link authMachineForModels}: {@link authMachine}'s context, input, tags and state
 * values, with the service outcomes among its events.
 */
export type AuthModelMachine = StateMachine<
  AuthMachineContext,
  AuthModelEvent,
  Record<string, AnyActorRef | undefined>,
  never,
  ParameterizedObject,
  ParameterizedObject,
  string,
  StateValueFrom<typeof authMachine>,
  'busy',
  AuthMachineInput,
  unknown,
  EventObject,
  MetaObject,
  StateSchema
>;

/** A snapshot of the auth statechart, live or model: its state and context. */
export interface AuthSnapshotLike {
  /** The state value (`{ federated: 'active' }`). */
  value: unknown;
  /** The machine's context. */
  context: AuthMachineContext;
}

/**
 * A model state's identity for `xstate/graph`'s `serializeState`: the state value and the context
 * fields the guards and actions read (kind of session, refused, when its credentials and tokens
 * expire, whether its expiry was announced, where a sync returns, the open challenge, the request
 * being worked on). The deferred-fetch queue stays out: it grows with every fetch sent to a busy
 * state, so a traversal that tells states apart by it never ends. Only which kinds of fetch wait
 * is kept (a finite set, empty or not): a settled state raises them again, which the guards do read.
 */
export function serializeForModel(snapshot: AuthSnapshotLike): string {
  const c = snapshot.context;
  return JSON.stringify({
    value: snapshot.value,
    session: c.session?.kind ?? null,
    refused: c.session?.refused === true,
    expires: [c.session?.credentialsExpiration ?? null, c.session?.tokensExpiration ?? null],
    expiryAnnounced: c.session?.expiryAnnounced === true,
    returnAfterSync: c.returnAfterSync,
    openChallenge: c.openChallenge,
    active: c.activeRequestId,
    deferred: [...new Set(c.deferredFetches.map((f) => `${f.forceRefresh}/${f.synced === true}`))].sort(),
  });
}
