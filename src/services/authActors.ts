import { fromPromise } from 'xstate';
import { AuthError } from '../AuthError.js';
import type { AuthProvider } from '../AuthProvider.js';
import type { FederationRequest, SessionSummary } from '../machines/authSession.js';
import { summarize } from '../machines/authSession.js';
import type { RestoreOutput } from '../machines/auth.machine.js';
import { Secret } from '../Secret.js';
import type { FederatedSession } from '../storage/SessionRecord.js';
import type { CognitoIdentityService } from './cognitoIdentity.js';
import { isAuthenticationFailure } from './serviceErrors.js';
import type { SessionVault } from './SessionVault.js';

export interface AuthActorDeps {
  identity: CognitoIdentityService;
  vault: SessionVault;
  /** App hook: a fresh provider token for renewal. Without it the stored token is reused. */
  refreshProviderToken?: (provider: AuthProvider) => Promise<string>;
}

function summaryOf(record: Parameters<typeof summarize>[0]): SessionSummary {
  const summary = summarize(record);
  if (!summary) throw new AuthError('StorageError', { message: 'The session vanished while it was being kept.' });
  return summary;
}

async function restore(vault: SessionVault, mode: 'open' | 'reload'): Promise<RestoreOutput> {
  if (mode === 'open') {
    const { session, problems } = await vault.open();
    return { session: summarize(session), problems };
  }
  return { session: summarize(await vault.reload()), problems: [] };
}

/** Asks the app's hook for a fresh provider token; its failure is reported without the token. */
async function freshProviderToken(
  hook: NonNullable<AuthActorDeps['refreshProviderToken']>,
  provider: AuthProvider,
): Promise<Secret> {
  let token: unknown;
  try {
    token = await hook(provider);
  } catch (cause) {
    if (cause instanceof AuthError) throw cause;
    throw new AuthError('ServiceError', {
      message: 'federation.refreshProviderToken failed; the stored session is kept.',
      cause,
    });
  }
  if (typeof token !== 'string' || token.trim() === '') {
    throw new AuthError('NotAuthorizedError', {
      message: 'federation.refreshProviderToken returned no token.',
    });
  }
  return new Secret(token);
}

/**
 * The invoked actors of {@link authMachine}: each is a plain async function over the Cognito
 * service and the session vault, given the promise actor's AbortSignal so that leaving a state
 * cancels its request.
 */
export function createAuthActors({ identity, vault, refreshProviderToken }: AuthActorDeps) {
  return {
    restoreSession: fromPromise<RestoreOutput, void>(() => restore(vault, 'open')),

    syncSharedSession: fromPromise<RestoreOutput, void>(() => restore(vault, 'reload')),

    federateToIdentityPool: fromPromise<SessionSummary, FederationRequest>(async ({ input, signal }) => {
      const login = { loginKey: input.provider.loginKey, token: input.token };
      const identityId = input.developerProvidedIdentityId ?? (await identity.getId(login, signal));
      const credentials = await identity.getCredentialsForIdentity(
        { identityId, login, ...(input.customRoleArn ? { customRoleArn: input.customRoleArn } : {}) },
        signal,
      );
      const session: FederatedSession = {
        kind: 'federated',
        token: input.token,
        provider: input.provider,
        identityId,
        credentials,
        developerProvidedIdentityId: input.developerProvidedIdentityId !== undefined,
        ...(input.customRoleArn ? { customRoleArn: input.customRoleArn } : {}),
      };
      return summaryOf(await vault.commit(session, signal));
    }),

    renewFederatedCredentials: fromPromise<SessionSummary, void>(async ({ signal }) => {
      const current = vault.current;
      if (current?.kind !== 'federated') {
        throw new AuthError('SessionExpiredError', { message: 'There is no federated session to renew.' });
      }
      const token = refreshProviderToken ? await freshProviderToken(refreshProviderToken, current.provider) : current.token;
      // GetId is not called again: the identity id is kept with the session.
      const credentials = await identity.getCredentialsForIdentity(
        {
          identityId: current.identityId,
          login: { loginKey: current.provider.loginKey, token },
          ...(current.customRoleArn ? { customRoleArn: current.customRoleArn } : {}),
        },
        signal,
      );
      return summaryOf(await vault.commit({ ...current, token, credentials }, signal));
    }),

    fetchGuestCredentials: fromPromise<SessionSummary, { forceRefresh: boolean }>(async ({ signal }) => {
      const current = vault.current;
      let identityId = current?.kind === 'guest' ? current.identityId : await identity.getId(undefined, signal);
      let credentials;
      try {
        credentials = await identity.getCredentialsForIdentity({ identityId, login: undefined }, signal);
      } catch (error) {
        // A kept guest identity that Cognito no longer knows: start a new one, as the SDK does.
        if (current?.kind !== 'guest' || !isAuthenticationFailure(error)) throw error;
        identityId = await identity.getId(undefined, signal);
        credentials = await identity.getCredentialsForIdentity({ identityId, login: undefined }, signal);
      }
      return summaryOf(await vault.commit({ kind: 'guest', identityId, credentials }, signal));
    }),

    clearFederatedSession: fromPromise<void, void>(() => vault.clear()),
  };
}
