/**
 * The names an {@link AuthError} can carry:
 *
 * - `InvalidStateError`: the call is not allowed in the current state; the message says what to do.
 * - `ValidationError`: bad input or configuration; nothing was sent and nothing changed.
 * - `NotAuthorizedError`: Cognito refused the token, the password or the identity.
 * - `SessionExpiredError`: the session can no longer be renewed; federate or sign in again.
 * - `CancelledError`: a later call or `stop()` cancelled this one, or another app sharing the storage
 *   changed the session meanwhile.
 * - `ServiceError`: throttling, network or a service failure; the session is kept, `cause` holds the original.
 * - `StorageError`: the secure storage could not be read or written.
 */
export type AuthErrorName =
  | 'InvalidStateError'
  | 'ValidationError'
  | 'NotAuthorizedError'
  | 'SessionExpiredError'
  | 'CancelledError'
  | 'ServiceError'
  | 'StorageError';

const defaultSuggestions: Record<AuthErrorName, string> = {
  InvalidStateError: 'Check the current auth state before making this call.',
  ValidationError: 'Fix the input and call again; nothing was sent and nothing changed.',
  NotAuthorizedError: 'Obtain a fresh token from the identity provider and try again.',
  SessionExpiredError:
    'The session can no longer be renewed: federate again with a fresh provider token, or sign in again.',
  CancelledError: 'The call was cancelled by a later call; no action is needed.',
  ServiceError: 'A temporary service or network problem; the session is kept, so try again later.',
  StorageError: 'The secure storage could not be read or written; check the storage backend.',
};

/** What an {@link AuthError} is built from. */
export interface AuthErrorOptions {
  /** What went wrong, in plain words. Never put a token, key or password in it. */
  message: string;
  /** What the user or app can do about it. Default: a suggestion for the error's name. */
  recoverySuggestion?: string;
  /** The original error, e.g. the network failure behind a `ServiceError`. */
  cause?: unknown;
  /** The AWS exception name, when the error came from Cognito. */
  serviceErrorName?: string;
  /** An AWS SDK credential chain may try its next provider. Default false. */
  tryNextLink?: boolean;
}

/**
 * Every error this library throws. Tell them apart by `name`; each carries a
 * `recoverySuggestion` in plain words. Messages never contain tokens or keys.
 */
export class AuthError extends Error {
  /** What kind of failure it is; see {@link AuthErrorName}. */
  override readonly name: AuthErrorName;
  /** What the user or app can do about it, in plain words. */
  readonly recoverySuggestion: string;
  /** The AWS exception name (e.g. `NotAuthorizedException`) when Cognito answered with an error. */
  readonly serviceErrorName: string | undefined;
  /**
   * Read by the AWS SDK's credential chains (`chain()`, `createCredentialChain`): true lets the
   * chain try its next provider. Only `credentialsProvider`'s "no credentials here" (signed out
   * without guest access) sets it; every other error stops the chain, so a session that ended or
   * a network failure never silently switches the app to another identity.
   */
  readonly tryNextLink: boolean;

  /** An error of the given name; `options.cause` becomes the standard `cause`. */
  constructor(name: AuthErrorName, options: AuthErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = name;
    this.recoverySuggestion = options.recoverySuggestion ?? defaultSuggestions[name];
    this.serviceErrorName = options.serviceErrorName;
    this.tryNextLink = options.tryNextLink ?? false;
  }

  /** The name, message and recovery suggestion, for logs and JSON; the `cause` is left out. */
  toJSON(): { name: AuthErrorName; message: string; recoverySuggestion: string } {
    return { name: this.name, message: this.message, recoverySuggestion: this.recoverySuggestion };
  }
}

/** Builds an {@link AuthError} of the given name. */
export function authError(
  name: AuthErrorName,
  message: string,
  extra: Omit<AuthErrorOptions, 'message'> = {},
): AuthError {
  return new AuthError(name, { message, ...extra });
}

/** Whether `value` is an {@link AuthError}, and of the given `name` when one is passed. */
export function isAuthError(value: unknown, name?: AuthErrorName): value is AuthError {
  return value instanceof AuthError && (name === undefined || value.name === name);
}

/**
 * A call's result was not kept because another app or process sharing the storage changed the
 * stored session while the call ran (a clear or sign-out there is final, and a newer session is
 * not written over). Named `CancelledError`; the machine re-reads the stored session.
 */
export class SessionChangedError extends AuthError {}
