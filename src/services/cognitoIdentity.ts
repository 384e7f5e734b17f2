import type { CognitoIdentityClient } from '@aws-sdk/client-cognito-identity';
import { AuthError } from '../AuthError.js';
import { Secret } from '../Secret.js';
import type { CredentialsRecord } from '../storage/SessionRecord.js';
import { toAuthError } from './serviceErrors.js';

/** Where the identity pool is. `endpoint` is a full URL, e.g. a local emulator. */
export interface IdentityPoolConfig {
  region: string;
  identityPoolId: string;
  endpoint?: string;
}

/** One `{ loginKey: token }` entry, or none for guest identities. */
export interface Login {
  loginKey: string;
  token: Secret;
}

/** The Cognito Identity calls the machine needs; swap it out in unit tests. */
export interface CognitoIdentityService {
  getId(login: Login | undefined, signal?: AbortSignal): Promise<string>;
  getCredentialsForIdentity(
    request: { identityId: string; login: Login | undefined; customRoleArn?: string },
    signal?: AbortSignal,
  ): Promise<CredentialsRecord>;
}

type SdkModule = typeof import('@aws-sdk/client-cognito-identity');

let sdk: Promise<SdkModule> | undefined;

/** The SDK is loaded on first use, so it stays out of a browser app's initial chunk. */
function loadSdk(): Promise<SdkModule> {
  sdk ??= import('@aws-sdk/client-cognito-identity');
  return sdk;
}

function logins(login: Login | undefined): Record<string, string> | undefined {
  return login ? { [login.loginKey]: login.token.reveal() } : undefined;
}

/**
 * Builds the Cognito Identity service on the AWS SDK v3 client. GetId and
 * GetCredentialsForIdentity are public operations: no AWS credentials are needed or sent.
 */
export function createCognitoIdentityService(config: IdentityPoolConfig): CognitoIdentityService {
  let client: Promise<{ client: CognitoIdentityClient; sdk: SdkModule }> | undefined;
  const getClient = () => {
    client ??= loadSdk().then((mod) => ({
      sdk: mod,
      client: new mod.CognitoIdentityClient({
        region: config.region,
        ...(config.endpoint ? { endpoint: config.endpoint } : {}),
        // Public operations; a placeholder stops the SDK from hunting for credentials.
        credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' },
      }),
    }));
    return client;
  };

  return {
    async getId(login, signal) {
      const { client, sdk } = await getClient();
      try {
        const out = await client.send(
          new sdk.GetIdCommand({ IdentityPoolId: config.identityPoolId, Logins: logins(login) }),
          { abortSignal: signal },
        );
        if (!out.IdentityId) throw new AuthError('ServiceError', { message: 'GetId answered without an identity id.' });
        return out.IdentityId;
      } catch (error) {
        throw toAuthError(error, 'Getting the identity id (GetId)');
      }
    },

    async getCredentialsForIdentity({ identityId, login, customRoleArn }, signal) {
      const { client, sdk } = await getClient();
      try {
        const out = await client.send(
          new sdk.GetCredentialsForIdentityCommand({
            IdentityId: identityId,
            Logins: logins(login),
            ...(customRoleArn ? { CustomRoleArn: customRoleArn } : {}),
          }),
          { abortSignal: signal },
        );
        const c = out.Credentials;
        if (!c?.AccessKeyId || !c.SecretKey || !c.SessionToken || !c.Expiration) {
          throw new AuthError('ServiceError', { message: 'GetCredentialsForIdentity answered without complete credentials.' });
        }
        return {
          accessKeyId: c.AccessKeyId,
          secretAccessKey: new Secret(c.SecretKey),
          sessionToken: new Secret(c.SessionToken),
          expiration: c.Expiration.getTime(),
        };
      } catch (error) {
        throw toAuthError(error, 'Getting credentials (GetCredentialsForIdentity)');
      }
    },
  };
}
