/**
 * `cognito-auth-machine/amplify`: an auth instance as amplify-js v6's auth providers, so that
 * Amplify's categories (Storage, API, …) sign with its credentials:
 *
 *   Amplify.configure(config, { Auth: createAmplifyAuthOptions(auth) })
 *
 * Only Amplify's types are imported: nothing of Amplify is bundled or loaded by this entry.
 */
import type {
  AuthTokens,
  CredentialsAndIdentityId,
  CredentialsAndIdentityIdProvider,
  GetCredentialsOptions,
  JWT,
  TokenProvider,
} from 'aws-amplify/auth';
import type { AuthApi } from './authApi.js';
import { decodeJwtClaims } from './services/http/jwt.js';
import type { AuthSession } from './vocabulary/AuthSession.js';

/** What {@link createAmplifyAuthOptions} needs of an auth instance: an `Auth` from `createAuth` has it. */
export type AmplifyAuthSource = Pick<AuthApi, 'fetchAuthSession' | 'clearFederationToIdentityPool'>;

/** Amplify's `libraryOptions.Auth`: the two providers, backed by one auth instance. */
export interface AmplifyAuthOptions {
  /**
   * amplify-js's `CredentialsAndIdentityIdProvider`. `getCredentialsAndIdentityId` answers with
   * the auth instance's credentials and identity id (federated, signed in, or a guest's with
   * `allowGuestAccess`), renewed as {@link AuthApi.fetchAuthSession} renews them, and `undefined`
   * when the session has none, as Amplify's own provider does for a signed-out user without guest
   * access. Amplify's `authenticated`, `tokens` and `authConfig` are not read: the auth instance
   * knows its session and its configuration. `forceRefresh` renews the credentials.
   * `clearCredentialsAndIdentityId` (called by Amplify's `signOut` and `clearCredentials`) ends a
   * federated session as {@link AuthApi.clearFederationToIdentityPool} does; it does not sign a
   * user out of the user pool (call {@link AuthApi.signOut}), and does nothing when there is no
   * federation.
   *
   * @throws {AuthError} from `getCredentialsAndIdentityId`, as {@link AuthApi.fetchAuthSession}
   *   (`SessionExpiredError`, `ServiceError`, `StorageError`); Amplify hands them on unchanged.
   */
  credentialsProvider: CredentialsAndIdentityIdProvider;
  /**
   * amplify-js's `TokenProvider`: the signed-in user's user-pool tokens as Amplify's `JWT`s, or
   * `null` when no user is signed in to the user pool (a federated session has no user-pool tokens).
   * With it Amplify's `fetchAuthSession()` answers `tokens` and `userSub`, and the GraphQL API's
   * `userPool` authorization sends the access token. `forceRefresh` renews the tokens (and the credentials
   * with them, once: the credentials provider then reuses that renewal).
   *
   * @throws {AuthError} as {@link AuthApi.fetchAuthSession}.
   */
  tokenProvider: TokenProvider;
}

/** A token as Amplify's `JWT`: its claims, read without verifying, and the token itself. */
function toJwt(token: string): JWT {
  return { payload: (decodeJwtClaims(token) ?? {}) as JWT['payload'], toString: () => token };
}

/**
 * Both providers for `Amplify.configure(config, { Auth: createAmplifyAuthOptions(auth) })`, backed
 * by `auth`. Pass `{ credentialsProvider }` alone to keep Amplify's own token provider.
 */
export function createAmplifyAuthOptions(auth: AmplifyAuthSource): AmplifyAuthOptions {
  /**
   * Amplify's `fetchAuthSession({ forceRefresh: true })` asks the token provider, then at once the
   * credentials provider, each with `forceRefresh`. One forced renewal covers both: the token
   * provider's is kept until the current task ends, for the credentials provider to take.
   */
  let forcedRenewal: Promise<AuthSession> | undefined;

  const renewed = (forceRefresh: boolean | undefined): Promise<AuthSession> => {
    if (forceRefresh !== true) return auth.fetchAuthSession();
    const shared = forcedRenewal;
    forcedRenewal = undefined;
    return shared ?? auth.fetchAuthSession({ forceRefresh: true });
  };

  return {
    credentialsProvider: {
      async getCredentialsAndIdentityId(options: GetCredentialsOptions): Promise<CredentialsAndIdentityId | undefined> {
        const { credentials, identityId } = await renewed(options?.forceRefresh);
        return credentials && identityId ? { credentials, identityId } : undefined;
      },
      async clearCredentialsAndIdentityId(): Promise<void> {
        try {
          await auth.clearFederationToIdentityPool();
        } catch (error) {
          // No federation to clear (signed out, a guest, or a user-pool session): nothing to do.
          // Told by name: importing AuthError here regroups the chunks the main entry loads first.
          if ((error as { name?: unknown } | null)?.name !== 'InvalidStateError') throw error;
        }
      },
    },
    tokenProvider: {
      async getTokens(options?: { forceRefresh?: boolean }): Promise<AuthTokens | null> {
        let session: Promise<AuthSession>;
        if (options?.forceRefresh === true) {
          session = auth.fetchAuthSession({ forceRefresh: true });
          const kept = (forcedRenewal = session);
          const release = () => {
            setTimeout(() => {
              if (forcedRenewal === kept) forcedRenewal = undefined;
            }, 0);
          };
          session.then(release, release);
        } else {
          session = auth.fetchAuthSession();
        }
        const { tokens } = await session;
        return tokens ? { idToken: toJwt(tokens.idToken), accessToken: toJwt(tokens.accessToken) } : null;
      },
    },
  };
}
