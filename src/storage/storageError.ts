import { AuthError } from '../vocabulary/AuthError.js';

/**
 * A `StorageError`. The message must be secret-free: never put a stored value in it. `cause` is
 * the backend's own error, when there is one.
 */
export function storageError(message: string, cause?: unknown, recoverySuggestion?: string): AuthError {
  return new AuthError('StorageError', {
    message,
    ...(cause === undefined ? {} : { cause }),
    ...(recoverySuggestion === undefined ? {} : { recoverySuggestion }),
  });
}
