import type { Actor } from 'xstate';
import type { AuthMachine } from './machines/auth.machine.js';
import type { AuthHubEvent, AuthHubEventName } from './machines/authSession.js';
import { AuthError } from './AuthError.js';

/** What a hub listener receives, in Amplify's shape. */
export interface HubCapsule {
  channel: 'auth';
  payload: { event: AuthHubEventName; data?: AuthHubEvent['data'] };
}

export type HubCallback = (capsule: HubCapsule) => void;

export interface AuthHub {
  /** Listens to auth events; returns the function that stops listening. */
  listen(channel: 'auth', callback: HubCallback): () => void;
}

export const HUB_EVENTS: readonly AuthHubEventName[] = [
  'signedIn',
  'signedOut',
  'sessionExpired',
  'tokenRefresh',
  'tokenRefresh_failure',
  'federatedToIdentityPool',
  'federateToIdentityPool_failure',
  'federationToIdentityPoolCleared',
];

/** Relays the machine's emitted auth events to Amplify-style hub listeners. */
export function createHub(actor: Actor<AuthMachine>): AuthHub {
  return {
    listen(channel, callback) {
      if (channel !== 'auth' || typeof callback !== 'function') {
        throw new AuthError('ValidationError', { message: "hub.listen takes the channel 'auth' and a callback." });
      }
      const subscriptions = HUB_EVENTS.map((name) =>
        actor.on(name, (event: AuthHubEvent) => {
          try {
            callback({ channel: 'auth', payload: { event: event.type, ...(event.data ? { data: event.data } : {}) } });
          } catch {
            // A listener's own fault must not stop the auth machine, which delivers this event.
          }
        }),
      );
      return () => {
        for (const s of subscriptions) s.unsubscribe();
      };
    },
  };
}
