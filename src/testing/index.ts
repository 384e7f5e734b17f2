/**
 * `cognito-auth-machine/testing`: what model-based tests of the auth statechart need. The gated
 * Cognito and storage doubles, the events a model walks (calls, service outcomes, timers), the
 * statechart as `xstate/graph` can walk it, the state serialiser that lets a traversal end, a
 * live actor that plays a model path, and the machine's config as JSON for Stately's tools. For tests and tooling; the main entry
 * never loads it.
 */
export {
  awsError,
  createGate,
  createGatedIdentityService,
  createGatedStorage,
  createGatedUserPoolService,
  type Gate,
  type PendingOperation,
} from './gatedServices.js';
export {
  callEvents,
  doneEvent,
  errorEvent,
  mfaChallengeNames,
  modelEventGroups,
  modelEvents,
  modelSessions,
  timerEvent,
  timerEvents,
  type AuthModelEvent,
  type ServiceOutcomeEvent,
  type TimerEvent,
} from './modelEvents.js';
export {
  authMachineForModels,
  serializeForModel,
  tolerantActions,
  tolerantGuards,
  type AuthGuard,
  type AuthModelMachine,
  type AuthSnapshotLike,
} from './authMachineForModels.js';
export { createGatedAuth, type GatedAuth, type GatedAuthOptions } from './createGatedAuth.js';
export { authMachineJSON, type AuthMachineJSON } from './authMachineJSON.js';
