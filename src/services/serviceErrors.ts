import { AuthError, type AuthErrorName } from '../vocabulary/AuthError.js';

/**
 * The one table mapping Cognito exceptions (Identity and user pools) to {@link AuthError} names.
 * `auth` failures end a session; `transient` ones keep it so the next call can try again.
 */
const exceptionTable: Record<string, { name: AuthErrorName; kind: 'auth' | 'transient' | 'input' | 'config' }> = {
  // Cognito Identity
  NotAuthorizedException: { name: 'NotAuthorizedError', kind: 'auth' },
  ResourceNotFoundException: { name: 'NotAuthorizedError', kind: 'auth' },
  ResourceConflictException: { name: 'NotAuthorizedError', kind: 'auth' },
  InvalidParameterException: { name: 'ValidationError', kind: 'input' },
  InvalidIdentityPoolConfigurationException: { name: 'ServiceError', kind: 'config' },
  TooManyRequestsException: { name: 'ServiceError', kind: 'transient' },
  LimitExceededException: { name: 'ServiceError', kind: 'transient' },
  ExternalServiceException: { name: 'ServiceError', kind: 'transient' },
  InternalErrorException: { name: 'ServiceError', kind: 'transient' },
  // Cognito user pools
  UserNotFoundException: { name: 'NotAuthorizedError', kind: 'auth' },
  UserNotConfirmedException: { name: 'NotAuthorizedError', kind: 'auth' },
  PasswordResetRequiredException: { name: 'NotAuthorizedError', kind: 'auth' },
  InvalidPasswordException: { name: 'ValidationError', kind: 'input' },
  InvalidUserPoolConfigurationException: { name: 'ServiceError', kind: 'config' },
  CodeMismatchException: { name: 'NotAuthorizedError', kind: 'auth' },
  ExpiredCodeException: { name: 'NotAuthorizedError', kind: 'auth' },
  EnableSoftwareTokenMFAException: { name: 'NotAuthorizedError', kind: 'auth' },
  UnexpectedLambdaException: { name: 'ServiceError', kind: 'transient' },
  InternalErrorExceptionUserPool: { name: 'ServiceError', kind: 'transient' },
};

const suggestions: Partial<Record<string, string>> = {
  NotAuthorizedException: 'Get a fresh token from the identity provider, then federate or sign in again.',
  ResourceNotFoundException: 'Check the identity pool id and region, or federate again to get a new identity.',
  TooManyRequestsException: 'Cognito is throttling requests; the session is kept, try again shortly.',
  UserNotFoundException: 'Check the username, or sign the user up first.',
  // These requests reached Cognito, so the generic ValidationError advice ("nothing was sent") is wrong here.
  InvalidParameterException:
    'Cognito refused a parameter of the request (the request was sent): check the configured ids, the login key and the token, then try again.',
  InvalidPasswordException:
    'Cognito refused the password (the request was sent): choose one that meets the user pool\'s password policy and try again.',
};

/** For an exception that reached Cognito and has no advice of its own: never "nothing was sent". */
const sentRequestSuggestion: Partial<Record<AuthErrorName, string>> = {
  ValidationError: 'Cognito refused the request as sent: check the input and the configuration, then try again.',
};

function exceptionName(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const name = (error as { name?: unknown }).name;
  return typeof name === 'string' ? name : undefined;
}

function isAbort(error: unknown): boolean {
  const name = exceptionName(error);
  return name === 'AbortError' || name === 'CancelledError';
}

/** True when a Cognito failure means the token or identity was refused, which ends a session. */
export function isAuthenticationFailure(error: unknown): boolean {
  if (error instanceof AuthError) return error.name === 'NotAuthorizedError' || error.name === 'SessionExpiredError';
  const entry = exceptionTable[exceptionName(error) ?? ''];
  return entry?.kind === 'auth';
}

/**
 * Turns anything a Cognito call threw into an {@link AuthError}. `operation` names the call in
 * plain words for the message. The AWS message is not copied: it may echo parameters.
 */
export function toAuthError(error: unknown, operation: string): AuthError {
  if (error instanceof AuthError) return error;
  if (isAbort(error)) {
    return new AuthError('CancelledError', { message: `${operation} was cancelled.`, cause: error });
  }
  const awsName = exceptionName(error);
  const entry = awsName ? exceptionTable[awsName] : undefined;
  if (entry && awsName) {
    return new AuthError(entry.name, {
      message: `${operation} failed: Cognito answered ${awsName}.`,
      cause: error,
      serviceErrorName: awsName,
      ...((suggestions[awsName] ?? sentRequestSuggestion[entry.name])
        ? { recoverySuggestion: suggestions[awsName] ?? sentRequestSuggestion[entry.name] }
        : {}),
    });
  }
  return new AuthError('ServiceError', {
    message: `${operation} failed: ${awsName ?? 'a network or service error'} reached no answer from Cognito.`,
    cause: error,
    ...(awsName ? { serviceErrorName: awsName } : {}),
  });
}
