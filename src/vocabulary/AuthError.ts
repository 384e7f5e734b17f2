/** The names an {@link AuthError} can carry (DESIGN §2). */
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

export interface AuthErrorOptions {
  message: string;
  recoverySuggestion?: string;
  cause?: unknown;
  /** The AWS exception name, when the error came from Cognito. */
  serviceErrorName?: string;
}

/**
 * Every error this library throws. Tell them apart by `name`; each carries a
 * `recoverySuggestion` in plain words. Messages never contain tokens or keys.
 */
export class AuthError extends Error {
  override readonly name: AuthErrorName;
  readonly recoverySuggestion: string;
  readonly serviceErrorName: string | undefined;

  constructor(name: AuthErrorName, options: AuthErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = name;
    this.recoverySuggestion = options.recoverySuggestion ?? defaultSuggestions[name];
    this.serviceErrorName = options.serviceErrorName;
  }

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

export function isAuthError(value: unknown, name?: AuthErrorName): value is AuthError {
  return value instanceof AuthError && (name === undefined || value.name === name);
}

/**
 * A call's result was not kept because another app or process sharing the storage changed the
 * stored session while the call ran (a clear or sign-out there is final, and a newer session is
 * not written over). Named `CancelledError`; the machine re-reads the stored session.
 */
export class SessionChangedError extends AuthError {}
