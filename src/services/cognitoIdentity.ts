import { AuthError } from '../vocabulary/AuthError.js';
import { Secret } from '../vocabulary/Secret.js';
import type { CredentialsRecord } from '../vocabulary/SessionRecord.js';
import { awsJsonClientFor, type AwsJsonClient } from './http/awsJsonClient.js';
import { resolveEndpoint, type EndpointVariant } from './http/endpoints.js';
import { serverTimeOf } from './http/serverTime.js';
import { toAuthError } from './serviceErrors.js';

/** Where the identity pool is. `endpoint` is a full URL, e.g. a local emulator. */
export interface IdentityPoolConfig {
  /** The identity pool's AWS region, e.g. `us-east-1`. */
  region: string;
  /** The identity pool, e.g. `us-east-1:0000…`. */
  identityPoolId: string;
  /** A full URL that replaces the region's endpoint, e.g. a local emulator's. */
  endpoint?: string;
  /** FIPS and dual-stack endpoints of `region`; not with `endpoint`. */
  endpointVariant?: EndpointVariant;
}

/** One `{ loginKey: token }` entry, or none for guest identities. */
export interface Login {
  /** The provider's login key, e.g. `graph.facebook.com`. */
  loginKey: string;
  /** The provider's token, masked. */
  token: Secret;
}

/** Credentials as Cognito issued them, with its clock at the answer when the transport could tell. */
export interface IssuedCredentials extends CredentialsRecord {
  /** Cognito's clock when it answered (its `Date` header), epoch ms. */
  serverTime?: number;
}

/** The Cognito Identity calls the machine needs; swap it out in unit tests. */
export interface CognitoIdentityService {
  /** GetId: the identity id for the login, or a new guest identity without one. */
  getId(login: Login | undefined, signal?: AbortSignal): Promise<string>;
  /** GetCredentialsForIdentity: AWS credentials of the identity, with the secret parts masked. */
  getCredentialsForIdentity(
    request: { identityId: string; login: Login | undefined; customRoleArn?: string },
    signal?: AbortSignal,
  ): Promise<IssuedCredentials>;
}

/** The two operations, as their wire input and output (AWS JSON 1.1 member names). */
export type IdentityOperation = 'GetId' | 'GetCredentialsForIdentity';

/** Sends one operation and answers its output; failures are thrown as the transport raised them. */
export type IdentitySend = (
  operation: IdentityOperation,
  input: Record<string, unknown>,
  signal: AbortSignal | undefined,
) => Promise<Record<string, unknown>>;

const GET_ID = 'Getting the identity id (GetId)';
const GET_CREDENTIALS = 'Getting credentials (GetCredentialsForIdentity)';

function logins(login: Login | undefined): Record<string, string> | undefined {
  return login ? { [login.loginKey]: login.token.reveal() } : undefined;
}

/** `Credentials.Expiration` in epoch ms: the wire has epoch seconds; the SDK hands a Date. */
function expirationMs(value: unknown): number | undefined {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number' && Number.isFinite(value)) return Math.round(value * 1000);
  if (typeof value === 'string' && value !== '') {
    const seconds = Number(value);
    if (Number.isFinite(seconds)) return Math.round(seconds * 1000);
    const date = Date.parse(value);
    if (!Number.isNaN(date)) return date;
  }
  return undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The Cognito Identity service over any transport: builds the requests, checks the answers and
 * maps every failure through the one exception table. Shared by the fetch and SDK variants.
 */
export function identityServiceOver(identityPoolId: string, send: IdentitySend): CognitoIdentityService {
  return {
    async getId(login, signal) {
      try {
        const out = await send('GetId', { IdentityPoolId: identityPoolId, ...definedLogins(login) }, signal);
        const identityId = text(out['IdentityId']);
        if (!identityId) throw new AuthError('ServiceError', { message: 'GetId answered without an identity id.' });
        return identityId;
      } catch (error) {
        throw toAuthError(error, GET_ID);
      }
    },

    async getCredentialsForIdentity({ identityId, login, customRoleArn }, signal) {
      try {
        const out = await send(
          'GetCredentialsForIdentity',
          { IdentityId: identityId, ...definedLogins(login), ...(customRoleArn ? { CustomRoleArn: customRoleArn } : {}) },
          signal,
        );
        const c = out['Credentials'] as Record<string, unknown> | undefined;
        const accessKeyId = text(c?.['AccessKeyId']);
        const secretKey = text(c?.['SecretKey']);
        const sessionToken = text(c?.['SessionToken']);
        const expiration = expirationMs(c?.['Expiration']);
        if (!accessKeyId || !secretKey || !sessionToken || expiration === undefined) {
          throw new AuthError('ServiceError', { message: 'GetCredentialsForIdentity answered without complete credentials.' });
        }
        const serverTime = serverTimeOf(out);
        return {
          accessKeyId,
          secretAccessKey: new Secret(secretKey),
          sessionToken: new Secret(sessionToken),
          expiration,
          ...(serverTime === undefined ? {} : { serverTime }),
        };
      } catch (error) {
        throw toAuthError(error, GET_CREDENTIALS);
      }
    },
  };
}

function definedLogins(login: Login | undefined): { Logins?: Record<string, string> } {
  const map = logins(login);
  return map ? { Logins: map } : {};
}

/**
 * Builds the Cognito Identity service on this package's own client over `fetch`. GetId and
 * GetCredentialsForIdentity are public operations: no AWS credentials are needed or sent.
 * Every service on the same endpoint shares one client.
 */
export function createCognitoIdentityService(config: IdentityPoolConfig): CognitoIdentityService {
  let client: AwsJsonClient | undefined;
  return identityServiceOver(config.identityPoolId, (operation, input, signal) => {
    client ??= awsJsonClientFor(endpointOf(config), 'AWSCognitoIdentityService');
    return client.call(operation, input, signal);
  });
}

function endpointOf(config: IdentityPoolConfig): string {
  try {
    return resolveEndpoint('cognito-identity', config.region, config.endpoint, config.endpointVariant);
  } catch (error) {
    throw new AuthError('ValidationError', {
      message: `The identity pool endpoint could not be resolved: ${(error as Error).message}.`,
      cause: error,
    });
  }
}
