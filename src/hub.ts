import type { Actor } from 'xstate';
import type { AuthMachine } from './machines/auth.machine.js';
import type { AuthHubEvent, AuthHubEventName } from './vocabulary/statechartContract.js';
import { AuthError } from './vocabulary/AuthError.js';

/** The payload of one hub event: its name, and the data of that event (none for some). */
export type PayloadOf<E extends AuthHubEvent> = E extends { data: infer Data }
  ? { event: E['type']; data: Data }
  : { event: E['type']; data?: undefined };

/**
 * A hub payload, typed by event: `switch (payload.event)` narrows `payload.data`, e.g. to
 * `{ identityId, provider }` for `federatedToIdentityPool`. Derived from {@link AuthHubEvent}.
 */
export type HubPayload = PayloadOf<AuthHubEvent>;

/** What a hub listener receives, in Amplify's shape. */
export interface HubCapsule {
  /** Always `'auth'`. */
  channel: 'auth';
  /** The event's name and data. */
  payload: HubPayload;
}

/** A hub listener. An error it throws is ignored, so it cannot stop the auth machine. */
export type HubCallback = (capsule: HubCapsule) => void;

/** Amplify-style auth events of one {@link Auth} instance, on the channel `'auth'`. */
export interface AuthHub {
  /**
   * Listens to auth events; returns the function that stops listening.
   *
   * @throws {AuthError} `ValidationError` for a channel other than `'auth'` or a callback that is not a function.
   */
  listen(channel: 'auth', callback: HubCallback): () => void;
}

/** Every hub event, in the order the design lists them. */
export const HUB_EVENTS: readonly AuthHubEventName[] = [
  'signedIn',
  'signedOut',
  'sessionExpired',
  'credentialsExpired',
  'tokenRefresh',
  'tokenRefresh_failure',
  'federatedToIdentityPool',
  'federateToIdentityPool_failure',
  'federationToIdentityPoolCleared',
];

/** Relays the machine's emitted auth events (all but its internal `request.settled`) to Amplify-style hub listeners. */
export function createHub(actor: Actor<AuthMachine>): AuthHub {
  return {
    listen(channel, callback) {
      if (channel !== 'auth' || typeof callback !== 'function') {
        throw new AuthError('ValidationError', { message: "hub.listen takes the channel 'auth' and a callback." });
      }
      const subscription = actor.on('*', (event) => {
        if (event.type === 'request.settled') return;
        // TypeScript cannot see that the type and the data come from one event; AuthHubEvent pairs them.
        const payload = (event.data ? { event: event.type, data: event.data } : { event: event.type }) as HubPayload;
        try {
          callback({ channel: 'auth', payload });
        } catch {
          // A listener's own fault must not stop the auth machine, which delivers this event.
        }
      });
      return () => subscription.unsubscribe();
    },
  };
}
