/**
 * Shared helpers of the emulator tests: SDK clients pointed at an emulator, and an assertion
 * for the errors the SDK raises.
 */
import { CognitoIdentityClient } from '@aws-sdk/client-cognito-identity';
import { expect } from 'vitest';
import type { EmulatorHandle } from '../../emulator/index.js';

/** A client for the public operations; one attempt, so an error surfaces as sent. */
export function publicClient(emu: EmulatorHandle, extra: { maxAttempts?: number } = {}): CognitoIdentityClient {
  return new CognitoIdentityClient({ endpoint: emu.endpoint, region: emu.region, maxAttempts: extra.maxAttempts ?? 1 });
}

/** A client that signs with the emulator's developer credentials, as a backend would. */
export function signedClient(
  emu: EmulatorHandle,
  credentials = emu.developerCredentials,
  region = emu.region,
): CognitoIdentityClient {
  return new CognitoIdentityClient({ endpoint: emu.endpoint, region, credentials, maxAttempts: 1 });
}

/** Changes the request after the SDK has signed it (drops or alters what the signature covers). */
export function tamperAfterSigning(
  client: CognitoIdentityClient,
  change: (request: { headers: Record<string, string>; body?: unknown }) => void,
): void {
  type Middleware = Parameters<CognitoIdentityClient['middlewareStack']['addRelativeTo']>[0];
  type Options = Parameters<CognitoIdentityClient['middlewareStack']['addRelativeTo']>[1];
  const middleware = (next: (args: { request: unknown }) => Promise<unknown>) => async (args: { request: unknown }) => {
    change(args.request as { headers: Record<string, string>; body?: unknown });
    return next(args);
  };
  // The casts keep the tests free of the SDK's internal middleware types.
  client.middlewareStack.addRelativeTo(middleware as unknown as Middleware, {
    relation: 'after',
    toMiddleware: 'httpSigningMiddleware',
    name: 'tamperAfterSigning',
  } as Options);
}

interface SdkError {
  name: string;
  message: string;
  $metadata?: { httpStatusCode?: number };
}

/** Awaits a call that must fail with a given error name, HTTP status and (optionally) wording. */
export async function expectSdkError(
  call: Promise<unknown>,
  name: string,
  status: number,
  message?: string | RegExp,
): Promise<SdkError> {
  const outcome = await call.then(
    () => undefined,
    (error: unknown) => error as SdkError,
  );
  expect(outcome, `expected the call to fail with ${name}`).toBeDefined();
  const error = outcome as SdkError;
  expect(error.name).toBe(name);
  expect(error.$metadata?.httpStatusCode).toBe(status);
  if (message !== undefined) expect(error.message).toMatch(message);
  return error;
}

export const IDENTITY_ID = /^us-east-1:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Decodes a JWT's payload without checking it (the tests check what the emulator put in). */
export function jwtPayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}
