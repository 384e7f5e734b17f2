import { identityServiceOver, type CognitoIdentityService } from './cognitoIdentity.js';
import { noteServerTime } from './http/serverTime.js';

type SdkModule = typeof import('@aws-sdk/client-cognito-identity');

/**
 * What this needs of the SDK's `CognitoIdentityClient`, written out so that the published types
 * do not import the SDK, an optional peer an app may not have installed.
 */
export interface CognitoIdentityClientLike {
  /** Sends a command, as the SDK client's `send` does. */
  send(command: never, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

let sdkModule: Promise<SdkModule> | undefined;

/** The SDK is an optional peer dependency: it is loaded here, on first use, and nowhere else. */
function loadSdk(): Promise<SdkModule> {
  if (!sdkModule) {
    const loading = import('@aws-sdk/client-cognito-identity');
    sdkModule = loading;
    loading.catch(() => {
      if (sdkModule === loading) sdkModule = undefined;
    });
  }
  return sdkModule;
}

/**
 * Builds the Cognito Identity service on an AWS SDK v3 `CognitoIdentityClient` you configured,
 * for when requests must pass the SDK's middleware (a proxy agent, custom retries, logging).
 * Install `@aws-sdk/client-cognito-identity` yourself; this package does not depend on it.
 *
 * @param options.client The SDK client; its region and endpoint decide where requests go.
 * @param options.identityPoolId The identity pool to get identities from.
 * @example
 *   const identity = createSdkCognitoIdentityService({ client: new CognitoIdentityClient({ region }), identityPoolId });
 */
export function createSdkCognitoIdentityService(options: {
  client: CognitoIdentityClientLike;
  identityPoolId: string;
}): CognitoIdentityService {
  const { client, identityPoolId } = options;
  return identityServiceOver(identityPoolId, async (operation, input, signal) => {
    const sdk = await loadSdk();
    const options = signal ? { abortSignal: signal } : {};
    const output =
      operation === 'GetId'
        ? await client.send(new sdk.GetIdCommand(input as never) as never, options)
        : await client.send(new sdk.GetCredentialsForIdentityCommand(input as never) as never, options);
    // The SDK does not hand out the answer's Date header; its client's clock offset (which the app
    // may set, and signed calls correct) stands in for it. Without one, the device's clock is taken as Cognito's.
    const offset = (client as { config?: { systemClockOffset?: unknown } }).config?.systemClockOffset;
    if (typeof offset === 'number' && offset !== 0 && output) noteServerTime(output, Date.now() + offset);
    return output as unknown as Record<string, unknown>;
  });
}
