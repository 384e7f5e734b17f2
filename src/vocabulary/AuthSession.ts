// What the Promise API answers (DESIGN §2).

/** Temporary AWS credentials, as the AWS SDK v3 expects them. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

export interface FederateOptions {
  /** Use this identity id and skip GetId. */
  developerProvidedIdentityId?: string;
  customRoleArn?: string;
}

export interface FederationResult {
  credentials: AwsCredentials;
  identityId: string;
}

export interface SignInOutput {
  isSignedIn: boolean;
  nextStep: { signInStep: 'DONE' | 'CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED' };
}

export interface AuthSession {
  isSignedIn: boolean;
  identityId?: string;
  credentials?: AwsCredentials;
  tokens?: { idToken: string; accessToken: string };
}
