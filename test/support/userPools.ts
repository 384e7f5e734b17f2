/**
 * A user pool of the emulator's that requires MFA, with an SRP app client and an identity pool
 * that trusts it: what the MFA-setup tests, the secrets suite and the sign-in bench all need.
 * Made through the real AWS SDK clients, signed with the emulator's developer credentials.
 */
import { CognitoIdentityClient, CreateIdentityPoolCommand } from '@aws-sdk/client-cognito-identity';
import {
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  SetUserPoolMfaConfigCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { EmulatorHandle } from '../../emulator/index.js';

/** The ids a `createAuth` config needs for a pool. */
export interface PoolIds {
  userPoolId: string;
  userPoolClientId: string;
  identityPoolId: string;
}

/** A pool that requires MFA and offers `factors` to set up during sign-in. */
export async function createMfaRequiredPool(
  emu: EmulatorHandle,
  admin: CognitoIdentityProviderClient,
  factors: ReadonlyArray<'TOTP' | 'EMAIL'>,
): Promise<PoolIds> {
  const { UserPool } = await admin.send(new CreateUserPoolCommand({ PoolName: `mfa-required-${factors.join('-')}` }));
  const userPoolId = UserPool?.Id as string;
  await admin.send(
    new SetUserPoolMfaConfigCommand({
      UserPoolId: userPoolId,
      MfaConfiguration: 'ON',
      SoftwareTokenMfaConfiguration: { Enabled: factors.includes('TOTP') },
      ...(factors.includes('EMAIL') ? { EmailMfaConfiguration: { Message: 'Your code is {####}', Subject: 'Sign-in code' } } : {}),
    }),
  );
  const { UserPoolClient } = await admin.send(
    new CreateUserPoolClientCommand({ UserPoolId: userPoolId, ClientName: 'app', ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }),
  );
  const userPoolClientId = UserPoolClient?.ClientId as string;
  const identityAdmin = new CognitoIdentityClient({ endpoint: emu.endpoint, region: emu.region, credentials: emu.developerCredentials, maxAttempts: 1 });
  try {
    const { IdentityPoolId } = await identityAdmin.send(
      new CreateIdentityPoolCommand({
        IdentityPoolName: 'mfa_required',
        AllowUnauthenticatedIdentities: false,
        CognitoIdentityProviders: [{ ProviderName: `cognito-idp.${emu.region}.amazonaws.com/${userPoolId}`, ClientId: userPoolClientId }],
      }),
    );
    return { userPoolId, userPoolClientId, identityPoolId: IdentityPoolId as string };
  } finally {
    identityAdmin.destroy();
  }
}
