/**
 * The contenders, each set up the way its documentation prescribes, all pointed at the same
 * emulator. Every figure group builds on these.
 *
 * - ours: `createAuth` from this package.
 * - the limit: GetId and GetCredentialsForIdentity made by hand with `fetch`, with nothing extra.
 * - raw SDK calls: the same two calls on the AWS SDK's Cognito Identity client.
 * - SDK provider: `fromCognitoIdentityPool` from `@aws-sdk/credential-providers`, called through an
 *   SDK client's credential memoisation (what every SDK client does with its `credentials`).
 * - amplify-js v6: `aws-amplify` with the custom credentials-and-identity-id provider its docs
 *   give for identity-pool federation with a third-party token; like the docs' example, the
 *   provider calls GetId and GetCredentialsForIdentity each time Amplify asks it for credentials.
 */
import {
  CognitoIdentity,
  CognitoIdentityClient,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
} from '@aws-sdk/client-cognito-identity';
import { fromCognitoIdentityPool } from '@aws-sdk/credential-providers';
import { Amplify } from 'aws-amplify';
import {
  fetchAuthSession,
  type CredentialsAndIdentityId,
  type CredentialsAndIdentityIdProvider,
} from 'aws-amplify/auth';
import { ConsoleLogger } from 'aws-amplify/utils';
import type { EmulatorHandle } from '../emulator/index.js';
import { createAuth, type Auth, type AuthConfig } from '../src/index.js';

export const OURS = 'ours (createAuth)';
export const LIMIT = 'raw fetch POSTs (the limit)';
export const RAW_SDK = 'raw SDK calls';
export const SDK_CLIENT = '@aws-sdk/client-cognito-identity';
export const SDK_PROVIDER = 'SDK fromCognitoIdentityPool';
export const AMPLIFY = 'amplify-js v6';
export const AMPLIFY_DOCS = `${AMPLIFY}, the docs' federation provider`;
export const AMPLIFY_BUILTIN = `${AMPLIFY}, built-in provider (guest identity)`;

// Amplify warns on every configure that a custom identity-pool endpoint is in use; that is the point here.
ConsoleLogger.LOG_LEVEL = 'ERROR';

/** A `createAuth` instance against the emulator. */
export function ourAuth(emu: EmulatorHandle, extra: Partial<AuthConfig> = {}): Auth {
  return createAuth({
    region: emu.region,
    identityPoolId: emu.identityPoolId,
    endpoints: { identityPool: emu.endpoint },
    ...extra,
  });
}

/** A plain SDK client for the public operations, as an app would make one. */
export function sdkClient(emu: EmulatorHandle): CognitoIdentityClient {
  return new CognitoIdentityClient({ region: emu.region, endpoint: emu.endpoint });
}

/** One public Cognito Identity operation made by hand: an AWS JSON 1.1 POST with `fetch`. */
async function post<T>(emu: EmulatorHandle, operation: string, body: unknown): Promise<T> {
  const response = await fetch(emu.endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityService.${operation}` },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as T & { __type?: string };
  if (!response.ok) throw new Error(`${operation} failed: ${answer.__type ?? response.status}`);
  return answer;
}

/**
 * The physical limit of a federation: GetId (unless the identity id is known), then
 * GetCredentialsForIdentity, as two `fetch` POSTs and `JSON.parse`, nothing else.
 */
export async function fetchFederate(
  emu: EmulatorHandle,
  logins: Record<string, string>,
  knownIdentityId?: string,
): Promise<{ identityId: string; expiration: number }> {
  const identityId =
    knownIdentityId ?? (await post<{ IdentityId: string }>(emu, 'GetId', { IdentityPoolId: emu.identityPoolId, Logins: logins })).IdentityId;
  const out = await post<{ Credentials: { Expiration: number } }>(emu, 'GetCredentialsForIdentity', { IdentityId: identityId, Logins: logins });
  return { identityId, expiration: out.Credentials.Expiration };
}

/** The same two calls on an SDK client. */
export async function rawFederate(
  client: CognitoIdentityClient,
  emu: EmulatorHandle,
  logins: Record<string, string>,
  knownIdentityId?: string,
): Promise<{ identityId: string; expiration: Date }> {
  const identityId =
    knownIdentityId ??
    (await client.send(new GetIdCommand({ IdentityPoolId: emu.identityPoolId, Logins: logins }))).IdentityId!;
  const out = await client.send(new GetCredentialsForIdentityCommand({ IdentityId: identityId, Logins: logins }));
  return { identityId, expiration: out.Credentials!.Expiration! };
}

/** A Storage for the SDK provider's identity-id cache that outlives the provider (a reload keeps it). */
export function sdkIdentityCache() {
  const items = new Map<string, string>();
  return {
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
    removeItem: (key: string) => void items.delete(key),
  };
}

/**
 * `fromCognitoIdentityPool` as an app hands it to an SDK client, and a function that asks that
 * client for credentials the way every signed request does (`client.config.credentials()`,
 * memoised: reused until 5 minutes before expiry, concurrent refreshes coalesced).
 */
export function sdkProvider(
  emu: EmulatorHandle,
  logins: Record<string, string>,
  cache?: { storage: ReturnType<typeof sdkIdentityCache>; userIdentifier: string },
): () => Promise<{ accessKeyId: string; expiration?: Date }> {
  const provider = fromCognitoIdentityPool({
    identityPoolId: emu.identityPoolId,
    logins,
    clientConfig: { region: emu.region, endpoint: emu.endpoint },
    ...(cache ? { cache: cache.storage, userIdentifier: cache.userIdentifier } : {}),
  });
  // Any SDK client would do: this one only serves as the consumer of the credentials.
  const consumer = new CognitoIdentityClient({ region: emu.region, endpoint: emu.endpoint, credentials: provider });
  return () => consumer.config.credentials();
}

/**
 * The custom provider of Amplify's docs for identity-pool federation with a third-party token:
 * it holds the login and, on every `getCredentialsAndIdentityId`, calls GetId and then
 * GetCredentialsForIdentity with the SDK's `CognitoIdentity` client. Unlike the docs' example it
 * lets errors through instead of logging them, so a failure cannot pass for a result.
 */
export class DocsFederationProvider implements CredentialsAndIdentityIdProvider {
  federatedLogin?: { domain: string; token: string };
  readonly #client: CognitoIdentity;

  constructor(private readonly emu: EmulatorHandle) {
    this.#client = new CognitoIdentity({ region: emu.region, endpoint: emu.endpoint });
  }

  loadFederatedLogin(login?: { domain: string; token: string }): void {
    this.federatedLogin = login;
  }

  async getCredentialsAndIdentityId(): Promise<CredentialsAndIdentityId | undefined> {
    if (!this.federatedLogin) return undefined;
    const logins = { [this.federatedLogin.domain]: this.federatedLogin.token };
    const { IdentityId } = await this.#client.getId({ IdentityPoolId: this.emu.identityPoolId, Logins: logins });
    const { Credentials } = await this.#client.getCredentialsForIdentity({ IdentityId, Logins: logins });
    return {
      credentials: {
        accessKeyId: Credentials!.AccessKeyId!,
        secretAccessKey: Credentials!.SecretKey!,
        sessionToken: Credentials!.SessionToken!,
        expiration: Credentials!.Expiration!,
      },
      identityId: IdentityId!,
    };
  }

  clearCredentialsAndIdentityId(): void {
    this.federatedLogin = undefined;
  }
}

/** Configures the Amplify singleton with the docs' provider for `login`; a fresh configure, as after a reload. */
export function configureAmplify(emu: EmulatorHandle, login: { domain: string; token: string }): DocsFederationProvider {
  const provider = new DocsFederationProvider(emu);
  provider.loadFederatedLogin(login);
  Amplify.configure(
    { Auth: { Cognito: { identityPoolId: emu.identityPoolId, identityPoolEndpoint: emu.endpoint, allowGuestAccess: false } } },
    { Auth: { credentialsProvider: provider } },
  );
  return provider;
}

/**
 * Configures the Amplify singleton with no provider of the app's own: Amplify's built-in
 * credentials provider, which (without a user pool) fetches and keeps guest credentials.
 */
export function configureAmplifyGuest(emu: EmulatorHandle): void {
  Amplify.configure({
    Auth: { Cognito: { identityPoolId: emu.identityPoolId, identityPoolEndpoint: emu.endpoint, allowGuestAccess: true } },
  });
}

/** Amplify's `fetchAuthSession`, answering with credentials or throwing. */
export async function amplifyCredentials(): Promise<CredentialsAndIdentityId['credentials']> {
  const session = await fetchAuthSession();
  if (!session.credentials) throw new Error('Amplify returned no credentials.');
  return session.credentials;
}
