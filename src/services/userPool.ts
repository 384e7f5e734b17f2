import { AuthError } from '../vocabulary/AuthError.js';
import { Secret } from '../vocabulary/Secret.js';
import type { UserPoolTokensRecord } from '../vocabulary/SessionRecord.js';
import { awsJsonClientFor, type AwsJsonClient } from './http/awsJsonClient.js';
import { resolveEndpoint, type EndpointVariant } from './http/endpoints.js';
import { decodeJwtClaims, type JwtClaims } from './http/jwt.js';
import { toAuthError } from './serviceErrors.js';
import { clientEphemeral, passwordVerifierResponses, readPasswordVerifierChallenge, secretHash, srpTimestamp } from './srp.js';
import type { MfaChallengeName, MfaSignInStep, MfaType, SignInRequest, TotpSetupDetails } from '../vocabulary/statechartContract.js';

/** Where a Cognito user pool lives and which app client signs users in. */
export interface UserPoolConfig {
  /** AWS region of the user pool, e.g. `eu-west-1`. */
  region: string;
  /** The user pool id, e.g. `eu-west-1_AbCdEf123`. */
  userPoolId: string;
  /** The app client id. The client must allow the sign-in's flow (`USER_PASSWORD_AUTH` or `USER_SRP_AUTH`). */
  userPoolClientId: string;
  /** The app client's secret, when it has one: each sign-in step and refresh then sends `SECRET_HASH`. Server-side code only. */
  clientSecret?: Secret;
  /** Full URL of another endpoint, e.g. a local emulator. Defaults to the AWS endpoint of `region`. */
  endpoint?: string;
  /** FIPS and dual-stack endpoints of `region`; not with `endpoint`. */
  endpointVariant?: EndpointVariant;
}

/** What one sign-in step ended in: tokens, or a challenge the app must answer. */
export type SignInStepResult =
  | { kind: 'signedIn'; tokens: UserPoolTokensRecord; username: string; userId: string }
  | { kind: 'newPasswordRequired'; session: Secret; username: string }
  | { kind: 'mfaRequired'; challengeName: MfaChallengeName; session: Secret; username: string; step: MfaSignInStep };


/** Cognito's names of the second factors, by Amplify's. */
const COGNITO_MFA_NAMES: Record<MfaType, string> = { SMS: 'SMS_MFA', TOTP: 'SOFTWARE_TOKEN_MFA', EMAIL: 'EMAIL_OTP' };

/** Where each MFA challenge's answer goes in `ChallengeResponses` (`MFA_SETUP` is answered in steps of its own). */
const ANSWER_KEYS: Record<Exclude<MfaChallengeName, 'MFA_SETUP'>, string> = {
  SMS_MFA: 'SMS_MFA_CODE',
  EMAIL_OTP: 'EMAIL_OTP_CODE',
  SOFTWARE_TOKEN_MFA: 'SOFTWARE_TOKEN_MFA_CODE',
  SELECT_MFA_TYPE: 'ANSWER',
};

/** The members of Cognito's `AuthenticationResult` this library reads. */
interface AuthenticationResult {
  IdToken?: string;
  AccessToken?: string;
  RefreshToken?: string;
  ExpiresIn?: number;
}

/** What InitiateAuth and RespondToAuthChallenge answer, as far as this library reads it. */
interface AuthOutput {
  ChallengeName?: string;
  Session?: string;
  ChallengeParameters?: Record<string, string>;
  AuthenticationResult?: AuthenticationResult;
}

const SIGN_IN = 'Sign-in';
const NEW_PASSWORD = 'Setting the new password';
const MFA = 'Answering the MFA challenge';
const MFA_SETUP = 'Setting up MFA';
const REFRESH = 'Refreshing the user pool tokens';
const SIGN_OUT = 'Global sign-out';

/** The shared client of the user pool's endpoint; the pool and app client ids travel in each request. */
function clientFor(config: UserPoolConfig): AwsJsonClient {
  let url: string;
  try {
    url = resolveEndpoint('cognito-idp', config.region, config.endpoint, config.endpointVariant);
  } catch (error) {
    throw new AuthError('ValidationError', {
      message: `The user pool endpoint could not be resolved: ${(error as Error).message}.`,
      cause: error,
    });
  }
  return awsJsonClientFor(url, 'AWSCognitoIdentityProviderService');
}

function cancelled(operation: string, signal: AbortSignal): AuthError {
  return new AuthError('CancelledError', { message: `${operation} was cancelled.`, cause: signal.reason });
}

/**
 * Runs one Cognito call. Every failure leaves as an {@link AuthError} named by the one exception
 * table; `override` may rename an AWS exception that means something else for this call.
 */
async function call(
  config: UserPoolConfig,
  operation: string,
  signal: AbortSignal | undefined,
  target: string,
  input: Record<string, unknown>,
  override?: (error: unknown) => AuthError | undefined,
): Promise<AuthOutput> {
  if (signal?.aborted) throw cancelled(operation, signal);
  try {
    return (await clientFor(config).call(target, input, signal)) as AuthOutput;
  } catch (error) {
    if (error instanceof AuthError) throw error;
    if (signal?.aborted) throw cancelled(operation, signal);
    throw override?.(error) ?? toAuthError(error, operation);
  }
}

/** The parameters of a sign-in step, with `SECRET_HASH` for `username` when the app client has a secret. */
function signed(config: UserPoolConfig, username: string, parameters: Record<string, string>): Record<string, string> {
  return config.clientSecret
    ? { ...parameters, SECRET_HASH: secretHash(config.clientSecret.reveal(), username, config.userPoolClientId) }
    : parameters;
}

function awsName(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const name = (error as { name?: unknown }).name;
  return typeof name === 'string' ? name : undefined;
}

function decodeClaims(token: string): JwtClaims | undefined {
  return decodeJwtClaims(token);
}

/** Seconds the tokens live, taken from the access token when Cognito gives no `ExpiresIn`. */
function lifetimeSeconds(result: AuthenticationResult, accessToken: string, idToken: string): number {
  if (typeof result.ExpiresIn === 'number' && result.ExpiresIn > 0) return result.ExpiresIn;
  for (const token of [accessToken, idToken]) {
    const claims = decodeClaims(token);
    if (typeof claims?.exp === 'number' && typeof claims.iat === 'number' && claims.exp > claims.iat) {
      return claims.exp - claims.iat;
    }
  }
  throw new AuthError('ServiceError', {
    message: 'Cognito answered with tokens but gave no lifetime for them.',
    recoverySuggestion: 'Check the user pool endpoint; the answer did not look like Cognito.',
  });
}

function tokensFrom(
  operation: string,
  result: AuthenticationResult | undefined,
  now: () => number,
  previousRefreshToken?: Secret,
): UserPoolTokensRecord {
  const idToken = result?.IdToken;
  const accessToken = result?.AccessToken;
  if (!result || !idToken || !accessToken) {
    throw new AuthError('ServiceError', {
      message: `${operation} failed: Cognito answered without tokens.`,
      recoverySuggestion: 'Check the user pool endpoint; the answer did not look like Cognito.',
    });
  }
  const refreshToken = result.RefreshToken ? new Secret(result.RefreshToken) : previousRefreshToken;
  return {
    idToken: new Secret(idToken),
    accessToken: new Secret(accessToken),
    ...(refreshToken ? { refreshToken } : {}),
    expiration: now() + lifetimeSeconds(result, accessToken, idToken) * 1000,
  };
}

function unsupportedChallenge(operation: string, challenge: string): AuthError {
  return new AuthError('NotAuthorizedError', {
    message: `${operation} needs the ${challenge} challenge, which is not supported yet.`,
    recoverySuggestion:
      'Use a user pool and app client that sign users in with a password only (no MFA, custom or device challenges).',
  });
}

/** Turns an InitiateAuth/RespondToAuthChallenge answer into the next sign-in step. */
function stepFrom(operation: string, output: AuthOutput, username: string, now: () => number): SignInStepResult {
  const challenge = output.ChallengeName;
  if (challenge === 'NEW_PASSWORD_REQUIRED') {
    if (!output.Session) {
      throw new AuthError('ServiceError', {
        message: `${operation} failed: Cognito asked for a new password but gave no session.`,
      });
    }
    // Cognito names the user for the challenge answer; it differs from the typed name when that was an alias.
    const challengeUser = output.ChallengeParameters?.['USER_ID_FOR_SRP'];
    return { kind: 'newPasswordRequired', session: new Secret(output.Session), username: challengeUser || username };
  }
  if (challenge && (challenge in ANSWER_KEYS || challenge === 'MFA_SETUP')) {
    const name = challenge as MfaChallengeName;
    if (!output.Session) {
      throw new AuthError('ServiceError', { message: `${operation} failed: Cognito asked for ${name} but gave no session.` });
    }
    const challengeUser = output.ChallengeParameters?.['USER_ID_FOR_SRP'];
    return {
      kind: 'mfaRequired',
      challengeName: name,
      session: new Secret(output.Session),
      username: challengeUser || username,
      step: mfaStepFrom(name, output.ChallengeParameters ?? {}),
    };
  }
  if (challenge) throw unsupportedChallenge(operation, challenge);
  const tokens = tokensFrom(operation, output.AuthenticationResult, now);
  return { kind: 'signedIn', tokens, ...userFromIdToken(tokens.idToken) };
}

/** The factors of a Cognito list parameter (`MFAS_CAN_CHOOSE`, `MFAS_CAN_SETUP`), by Amplify's names. */
function mfaTypesIn(json: string | undefined, types: MfaType[]): MfaType[] {
  const offered = parseList(json);
  return types.filter((type) => offered.includes(COGNITO_MFA_NAMES[type]));
}

/**
 * The step the app sees for an MFA challenge, read from its parameters. For `MFA_SETUP` it is the
 * choice of the factors that can be set up during sign-in (an authenticator app, email: an SMS
 * factor needs a phone number the user already has); {@link settleSetupChoice} skips a choice of one.
 */
function mfaStepFrom(name: MfaChallengeName, parameters: Record<string, string>): MfaSignInStep {
  if (name === 'SOFTWARE_TOKEN_MFA') return { signInStep: 'CONFIRM_SIGN_IN_WITH_TOTP_CODE' };
  if (name === 'SELECT_MFA_TYPE') {
    return { signInStep: 'CONTINUE_SIGN_IN_WITH_MFA_SELECTION', allowedMFATypes: mfaTypesIn(parameters['MFAS_CAN_CHOOSE'], ['SMS', 'TOTP', 'EMAIL']) };
  }
  if (name === 'MFA_SETUP') {
    const allowedMFATypes = mfaTypesIn(parameters['MFAS_CAN_SETUP'], ['TOTP', 'EMAIL']);
    if (allowedMFATypes.length === 0) throw unsupportedChallenge(MFA_SETUP, `MFA_SETUP (of ${parameters['MFAS_CAN_SETUP'] ?? 'no factor'})`);
    return { signInStep: 'CONTINUE_SIGN_IN_WITH_MFA_SETUP_SELECTION', allowedMFATypes };
  }
  const sms = name === 'SMS_MFA';
  return {
    signInStep: sms ? 'CONFIRM_SIGN_IN_WITH_SMS_CODE' : 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE',
    codeDeliveryDetails: {
      deliveryMedium: sms ? 'SMS' : 'EMAIL',
      destination: parameters['CODE_DELIVERY_DESTINATION'] ?? '',
      attributeName: sms ? 'phone_number' : 'email',
    },
  };
}

function parseList(json: string | undefined): string[] {
  try {
    const value: unknown = JSON.parse(json ?? '[]');
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
  } catch {
    return [];
  }
}

/** Cognito answers InitiateAuth with NotAuthorizedException for a wrong password; some emulators
 * answer InvalidPasswordException, which the table keeps for passwords that break the policy. */
function wrongPassword(error: unknown): AuthError | undefined {
  return awsName(error) === 'InvalidPasswordException'
    ? new AuthError('NotAuthorizedError', {
        message: `${SIGN_IN} failed: Cognito answered InvalidPasswordException.`,
        cause: error,
        serviceErrorName: 'InvalidPasswordException',
        recoverySuggestion: 'Check the username and password and sign in again.',
      })
    : undefined;
}

/**
 * Signs a user in with username and password: with `USER_PASSWORD_AUTH` one `InitiateAuth` that
 * carries the password; with `USER_SRP_AUTH` (the default) an `InitiateAuth` with SRP_A, then
 * the answer to Cognito's `PASSWORD_VERIFIER` challenge (`RespondToAuthChallenge`), so the password
 * never leaves the device.
 *
 * @param input.username The name the user typed (a username or, when the pool allows it, an alias such as the email).
 * @param input.password Only revealed for the wire call (the SRP computation, with `USER_SRP_AUTH`).
 * @param input.authFlowType `USER_SRP_AUTH` (default) or `USER_PASSWORD_AUTH`; the app client must allow it.
 * @param signal Cancels the call.
 * @param now Clock for the token expiration and the SRP timestamp, in epoch milliseconds.
 * @returns `signedIn` with tokens, `newPasswordRequired` with the session to answer it with {@link completeNewPassword},
 *   or `mfaRequired` with the step to answer with {@link answerMfaChallenge}.
 * @throws {AuthError} `NotAuthorizedError` for a wrong password, an unknown, unconfirmed or reset user, or a
 *   challenge this library does not answer (custom, device, ...); `ValidationError` for input Cognito
 *   refuses (a flow the app client does not allow, too); `CancelledError` when `signal` aborts; `ServiceError`
 *   for throttling, network and service failures.
 */
export async function signInWithPassword(
  config: UserPoolConfig,
  input: SignInRequest,
  signal?: AbortSignal,
  now: () => number = Date.now,
): Promise<SignInStepResult> {
  if (input.authFlowType !== 'USER_PASSWORD_AUTH') return signInWithSrp(config, input, signal, now);
  const output = await call(
    config,
    SIGN_IN,
    signal,
    'InitiateAuth',
    {
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: config.userPoolClientId,
      AuthParameters: signed(config, input.username, { USERNAME: input.username, PASSWORD: input.password.reveal() }),
    },
    wrongPassword,
  );
  return nextStep(config, SIGN_IN, output, input.username, now, signal);
}

/** USER_SRP_AUTH: SRP_A out, PASSWORD_VERIFIER back, the password claim out, all in one sign-in step. */
async function signInWithSrp(
  config: UserPoolConfig,
  input: SignInRequest,
  signal: AbortSignal | undefined,
  now: () => number,
): Promise<SignInStepResult> {
  const ephemeral = clientEphemeral();
  const started = await call(
    config,
    SIGN_IN,
    signal,
    'InitiateAuth',
    {
      AuthFlow: 'USER_SRP_AUTH',
      ClientId: config.userPoolClientId,
      AuthParameters: signed(config, input.username, { USERNAME: input.username, SRP_A: ephemeral.A.toString(16) }),
    },
    wrongPassword,
  );
  // Anything but PASSWORD_VERIFIER (tokens without a proof, another challenge) is read, or refused by name, as usual.
  if (started.ChallengeName !== 'PASSWORD_VERIFIER') return nextStep(config, SIGN_IN, started, input.username, now, signal);
  if (!started.Session) {
    throw new AuthError('ServiceError', {
      message: `${SIGN_IN} failed: Cognito sent the PASSWORD_VERIFIER challenge without a session.`,
      recoverySuggestion: 'Check the user pool endpoint; the answer did not look like Cognito.',
    });
  }
  const challenge = readPasswordVerifierChallenge(started.ChallengeParameters);
  const responses = passwordVerifierResponses({
    userPoolId: config.userPoolId,
    password: input.password.reveal(),
    ephemeral,
    challenge,
    timestamp: srpTimestamp(now()),
  });
  const answered = await call(
    config,
    SIGN_IN,
    signal,
    'RespondToAuthChallenge',
    {
      ChallengeName: 'PASSWORD_VERIFIER',
      ClientId: config.userPoolClientId,
      Session: started.Session,
      ChallengeResponses: signed(config, responses.USERNAME, responses),
    },
    wrongPassword,
  );
  return nextStep(config, SIGN_IN, answered, challenge.userIdForSrp, now, signal);
}

/**
 * Answers the `NEW_PASSWORD_REQUIRED` challenge (`RespondToAuthChallenge`) that {@link signInWithPassword}
 * returned, setting the user's permanent password.
 *
 * @param input.username The `username` of the `newPasswordRequired` step.
 * @param input.session The `session` of the `newPasswordRequired` step (valid for a few minutes).
 * @param input.newPassword Only revealed for the wire call.
 * @throws {AuthError} `ValidationError` when the new password breaks the pool's password policy;
 *   `NotAuthorizedError` when the session expired or was refused, or for a further challenge this library does
 *   not answer yet; `CancelledError` when `signal` aborts; `ServiceError` for throttling, network and service failures.
 */
export async function completeNewPassword(
  config: UserPoolConfig,
  input: { username: string; session: Secret; newPassword: Secret },
  signal?: AbortSignal,
  now: () => number = Date.now,
): Promise<SignInStepResult> {
  const output = await call(config, NEW_PASSWORD, signal, 'RespondToAuthChallenge', {
    ChallengeName: 'NEW_PASSWORD_REQUIRED',
    ClientId: config.userPoolClientId,
    Session: input.session.reveal(),
    ChallengeResponses: signed(config, input.username, { USERNAME: input.username, NEW_PASSWORD: input.newPassword.reveal() }),
  });
  return nextStep(config, NEW_PASSWORD, output, input.username, now, signal);
}

/** The next sign-in step of an answer: its challenge or tokens, with a choice of one factor to set up already made. */
async function nextStep(
  config: UserPoolConfig,
  operation: string,
  output: AuthOutput,
  username: string,
  now: () => number,
  signal: AbortSignal | undefined,
): Promise<SignInStepResult> {
  const step = stepFrom(operation, output, username, now);
  return step.kind === 'mfaRequired' && step.step.signInStep === 'CONTINUE_SIGN_IN_WITH_MFA_SETUP_SELECTION' && step.step.allowedMFATypes.length === 1
    ? settleSetupChoice(config, step, step.step.allowedMFATypes[0]!, signal)
    : step;
}

/**
 * The step after choosing the factor to set up: for an authenticator app, Cognito's shared secret
 * (`AssociateSoftwareToken`, which also renews the challenge session); for email, the address to ask for.
 */
async function settleSetupChoice(
  config: UserPoolConfig,
  step: Extract<SignInStepResult, { kind: 'mfaRequired' }>,
  choice: MfaType,
  signal: AbortSignal | undefined,
): Promise<SignInStepResult> {
  if (choice === 'EMAIL') return { ...step, step: { signInStep: 'CONTINUE_SIGN_IN_WITH_EMAIL_SETUP' } };
  const associated = (await call(config, MFA_SETUP, signal, 'AssociateSoftwareToken', { Session: step.session.reveal() })) as {
    SecretCode?: unknown;
    Session?: unknown;
  };
  const secretCode = associated.SecretCode;
  if (typeof secretCode !== 'string' || !/^[A-Z2-7]+=*$/i.test(secretCode) || typeof associated.Session !== 'string') {
    throw new AuthError('ServiceError', {
      message: `${MFA_SETUP} failed: Cognito answered AssociateSoftwareToken without a usable secret or session.`,
      recoverySuggestion: 'Check the user pool endpoint; the answer did not look like Cognito.',
    });
  }
  return {
    ...step,
    session: new Secret(associated.Session),
    step: { signInStep: 'CONTINUE_SIGN_IN_WITH_TOTP_SETUP', totpSetupDetails: totpSetupDetails(new Secret(secretCode), step.username) },
  };
}

/** The authenticator-app setup the app shows: the masked secret, and the `otpauth://` URI for a QR code. */
function totpSetupDetails(sharedSecret: Secret, username: string): TotpSetupDetails {
  return {
    sharedSecret,
    getSetupUri(appName: string, accountName: string = username): URL {
      if (typeof appName !== 'string' || appName === '' || typeof accountName !== 'string' || accountName === '') {
        throw new AuthError('ValidationError', { message: 'getSetupUri takes a non-empty appName and, optionally, a non-empty accountName.' });
      }
      const issuer = encodeURIComponent(appName);
      return new URL(`otpauth://totp/${issuer}:${encodeURIComponent(accountName)}?secret=${sharedSecret.reveal()}&issuer=${issuer}`);
    },
  };
}

/** Cognito answers a wrong authenticator code while setting it up with EnableSoftwareTokenMFAException. */
function wrongSetupCode(error: unknown): AuthError | undefined {
  return awsName(error) === 'EnableSoftwareTokenMFAException'
    ? new AuthError('NotAuthorizedError', {
        message: `${MFA_SETUP} failed: Cognito answered EnableSoftwareTokenMFAException (the code does not match).`,
        cause: error,
        serviceErrorName: 'EnableSoftwareTokenMFAException',
        recoverySuggestion: 'Enter the current code of the authenticator app again; the step stays open.',
      })
    : undefined;
}

/**
 * Answers an MFA challenge that a sign-in step returned: the code of `SMS_MFA`, `EMAIL_OTP` or
 * `SOFTWARE_TOKEN_MFA`, or the factor chosen at `SELECT_MFA_TYPE` (`'SMS' | 'TOTP' | 'EMAIL'`, which
 * opens that factor's challenge), each with `RespondToAuthChallenge`. At `MFA_SETUP` the answer
 * depends on the step: the factor to set up (`'TOTP'` gets the shared secret with
 * `AssociateSoftwareToken`; `'EMAIL'` asks for the address), the authenticator app's first code
 * (`VerifySoftwareToken`, then `RespondToAuthChallenge`), or the email address to send codes to.
 *
 * @param input.answer The code (only revealed for the wire call), the chosen factor, or the email address.
 * @param input.step The step the app answered (needed at `MFA_SETUP`).
 * @returns `signedIn` with tokens, or the next challenge.
 * @throws {AuthError} `NotAuthorizedError` for a wrong or used code (`serviceErrorName` `CodeMismatchException`,
 *   `ExpiredCodeException` or, while setting up an authenticator, `EnableSoftwareTokenMFAException`: the challenge
 *   stays open) and for an expired session; `ValidationError` for an answer Cognito refuses; `CancelledError` when
 *   `signal` aborts; `ServiceError` for throttling, network and service failures.
 */
export async function answerMfaChallenge(
  config: UserPoolConfig,
  input: { challengeName: MfaChallengeName; username: string; session: Secret; answer: Secret; step?: MfaSignInStep },
  signal?: AbortSignal,
  now: () => number = Date.now,
): Promise<SignInStepResult> {
  const answer = input.answer.reveal();
  const responses: Record<string, string> = { USERNAME: input.username };
  let session = input.session.reveal();
  const name = input.challengeName;
  if (name === 'MFA_SETUP') {
    const step = input.step?.signInStep;
    if (step === 'CONTINUE_SIGN_IN_WITH_MFA_SETUP_SELECTION') {
      const open = { kind: 'mfaRequired', challengeName: name, session: input.session, username: input.username, step: input.step! } as const;
      return settleSetupChoice(config, open, answer as MfaType, signal);
    }
    if (step === 'CONTINUE_SIGN_IN_WITH_TOTP_SETUP') {
      const verified = (await call(config, MFA_SETUP, signal, 'VerifySoftwareToken', { Session: session, UserCode: answer }, wrongSetupCode)) as {
        Status?: unknown;
        Session?: unknown;
      };
      if (verified.Status !== 'SUCCESS' || typeof verified.Session !== 'string') {
        throw new AuthError('NotAuthorizedError', {
          message: `${MFA_SETUP} failed: Cognito did not accept the authenticator (status ${String(verified.Status)}).`,
          serviceErrorName: 'EnableSoftwareTokenMFAException',
          recoverySuggestion: 'Enter the current code of the authenticator app again; the step stays open.',
        });
      }
      session = verified.Session;
    } else {
      responses['EMAIL'] = answer;
    }
  } else {
    responses[ANSWER_KEYS[name]] = name === 'SELECT_MFA_TYPE' ? (COGNITO_MFA_NAMES[answer as MfaType] ?? answer) : answer;
  }
  const output = await call(config, MFA, signal, 'RespondToAuthChallenge', {
    ChallengeName: name,
    ClientId: config.userPoolClientId,
    Session: session,
    ChallengeResponses: signed(config, input.username, responses),
  });
  return nextStep(config, MFA, output, input.username, now, signal);
}

/**
 * Gets new id and access tokens for a refresh token (`InitiateAuth`, flow `REFRESH_TOKEN_AUTH`). Keeps the
 * given refresh token when Cognito returns none (it returns one only when refresh-token rotation is on).
 *
 * @param input.username The signed-in user, kept with the session; Cognito needs no more than the refresh token.
 * @returns The new tokens, expiring `ExpiresIn` seconds after `now()`.
 * @throws {AuthError} `NotAuthorizedError` when the refresh token expired or was revoked (e.g. by a global
 *   sign-out), so the user must sign in again; `CancelledError` when `signal` aborts; `ServiceError` for
 *   throttling, network and service failures (the refresh token is still good: try again later).
 */
export async function refreshUserPoolTokens(
  config: UserPoolConfig,
  input: { refreshToken: Secret; username: string },
  signal?: AbortSignal,
  now: () => number = Date.now,
): Promise<UserPoolTokensRecord> {
  const output = await call(config, REFRESH, signal, 'InitiateAuth', {
    AuthFlow: 'REFRESH_TOKEN_AUTH',
    ClientId: config.userPoolClientId,
    // Cognito's SECRET_HASH for a refresh takes the user's name (or sub), which the session keeps.
    AuthParameters: signed(config, input.username, { REFRESH_TOKEN: input.refreshToken.reveal() }),
  });
  if (output.ChallengeName) throw unsupportedChallenge(REFRESH, output.ChallengeName);
  return tokensFrom(REFRESH, output.AuthenticationResult, now, input.refreshToken);
}

/**
 * Signs the user out of every device (`GlobalSignOut`): Cognito revokes all of the user's refresh tokens
 * and stops accepting the user's current access tokens. The caller forgets the session either way.
 *
 * @param input.accessToken The signed-in user's access token.
 * @throws {AuthError} `NotAuthorizedError` when the access token expired or was already revoked;
 *   `CancelledError` when `signal` aborts; `ServiceError` for throttling, network and service failures.
 */
export async function globalSignOut(
  config: UserPoolConfig,
  input: { accessToken: Secret },
  signal?: AbortSignal,
): Promise<void> {
  await call(config, SIGN_OUT, signal, 'GlobalSignOut', { AccessToken: input.accessToken.reveal() });
}

/**
 * Reads who an id token belongs to, without verifying it (Cognito handed it over TLS; services that
 * accept it verify it). `userId` is the `sub` claim; `username` is `cognito:username`, else `username`,
 * else `sub`.
 *
 * @throws {AuthError} `NotAuthorizedError` when the token is not a readable JWT or has no `sub`.
 */
export function userFromIdToken(idToken: Secret): { username: string; userId: string } {
  const claims = decodeClaims(idToken.reveal());
  const sub = claims?.sub;
  if (!claims || typeof sub !== 'string' || sub === '') {
    throw new AuthError('NotAuthorizedError', {
      message: 'The id token could not be read: it is not a JWT with a subject.',
      recoverySuggestion: 'Sign in again to get a fresh id token.',
    });
  }
  const named = [claims['cognito:username'], claims['username']].find(
    (value): value is string => typeof value === 'string' && value !== '',
  );
  return { username: named ?? sub, userId: sub };
}
