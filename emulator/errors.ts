/**
 * Errors the emulator answers with, in Cognito's wire shape.
 *
 * The AWS SDK reads the error name from the `__type` field of the JSON body, so every
 * failure is thrown as a {@link CognitoError} and turned into that shape by the server.
 */

/** Errors Cognito Identity itself declares for the operations the emulator serves. */
export const COGNITO_ERROR_NAMES = [
  'NotAuthorizedException',
  'ResourceNotFoundException',
  'ResourceConflictException',
  'TooManyRequestsException',
  'InvalidParameterException',
  'ExternalServiceException',
  'InternalErrorException',
  'LimitExceededException',
  'InvalidIdentityPoolConfigurationException',
  'DeveloperUserAlreadyRegisteredException',
] as const;

/** Errors Cognito user pools (cognito-idp) declare for the operations the emulator serves. */
export const USER_POOL_ERROR_NAMES = [
  'UserNotFoundException',
  'UsernameExistsException',
  'UserNotConfirmedException',
  'PasswordResetRequiredException',
  'InvalidPasswordException',
  'CodeMismatchException',
  'ExpiredCodeException',
  'EnableSoftwareTokenMFAException',
  'SoftwareTokenMFANotFoundException',
  'InvalidUserPoolConfigurationException',
  'UnsupportedTokenTypeException',
  'UnauthorizedException',
  'UnsupportedOperationException',
] as const;

/** Errors AWS's front door answers with before a signed operation runs. */
export const AUTH_ERROR_NAMES = [
  'MissingAuthenticationTokenException',
  'IncompleteSignatureException',
  'InvalidSignatureException',
  'UnrecognizedClientException',
  'ExpiredTokenException',
] as const;

/** Errors about the request itself rather than the operation. */
export const PROTOCOL_ERROR_NAMES = ['UnknownOperationException', 'SerializationException'] as const;

export type CognitoErrorName = (typeof COGNITO_ERROR_NAMES)[number] | (typeof USER_POOL_ERROR_NAMES)[number];
export type AuthErrorName = (typeof AUTH_ERROR_NAMES)[number];
export type EmulatorErrorName = CognitoErrorName | AuthErrorName | (typeof PROTOCOL_ERROR_NAMES)[number];

/** A failure that is answered as `{ "__type": name, "message": message }` with the given status. */
export class CognitoError extends Error {
  readonly type: EmulatorErrorName;
  readonly status: number;

  constructor(type: EmulatorErrorName, message: string, status = statusFor(type)) {
    super(message);
    this.name = type;
    this.type = type;
    this.status = status;
  }
}

/** Cognito answers its one server fault with 500 and every client fault with 400. */
export function statusFor(type: EmulatorErrorName): number {
  return type === 'InternalErrorException' ? 500 : 400;
}

/** Whether a string names an error the emulator can answer with. */
export function isEmulatorErrorName(name: unknown): name is EmulatorErrorName {
  return (
    typeof name === 'string' &&
    ([...COGNITO_ERROR_NAMES, ...USER_POOL_ERROR_NAMES, ...AUTH_ERROR_NAMES, ...PROTOCOL_ERROR_NAMES] as readonly string[]).includes(name)
  );
}

export const notAuthorized = (message: string): CognitoError => new CognitoError('NotAuthorizedException', message);
export const invalidParameter = (message: string): CognitoError => new CognitoError('InvalidParameterException', message);
export const notFound = (message: string): CognitoError => new CognitoError('ResourceNotFoundException', message);

/** Raised for an admin request the emulator cannot honour as asked (not a Cognito error). */
export class EmulatorUsageError extends Error {
  override readonly name = 'EmulatorUsageError';
}
