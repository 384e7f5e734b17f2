import { describe, expect, it } from 'vitest';
import { toAuthError } from '../../src/services/serviceErrors.js';

/** An error as Cognito's answer makes it: the request was sent and refused. */
const answered = (name: string) => Object.assign(new Error(`${name} from Cognito`), { name, $fault: 'client' });

const COGNITO_EXCEPTIONS = [
  'NotAuthorizedException', 'ResourceNotFoundException', 'ResourceConflictException', 'InvalidParameterException',
  'InvalidIdentityPoolConfigurationException', 'TooManyRequestsException', 'LimitExceededException',
  'ExternalServiceException', 'InternalErrorException', 'UserNotFoundException', 'UserNotConfirmedException',
  'PasswordResetRequiredException', 'InvalidPasswordException', 'InvalidUserPoolConfigurationException',
  'CodeMismatchException', 'ExpiredCodeException', 'UnexpectedLambdaException', 'SomethingNewException',
];

describe('toAuthError', () => {
  it('never tells the user nothing was sent for InvalidParameterException, which Cognito answered', () => {
    const error = toAuthError(answered('InvalidParameterException'), 'Getting the identity id (GetId)');
    expect(error.name).toBe('ValidationError');
    expect(error.recoverySuggestion).not.toMatch(/nothing was sent/i);
    expect(error.recoverySuggestion).toMatch(/Cognito refused a parameter/);
  });

  it.each(COGNITO_EXCEPTIONS)('%s: a request that was sent never says nothing was sent', (name) => {
    const error = toAuthError(answered(name), 'A call');
    expect(error.recoverySuggestion.length).toBeGreaterThan(0);
    expect(error.recoverySuggestion).not.toMatch(/nothing was sent/i);
  });
});
