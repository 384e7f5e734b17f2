/**
 * Gives the emulator's default user pool the user every runtime of scripts/runtimes.sh signs in
 * as (federate.js names the same user), through the admin operations a backend would call.
 *
 *   npx tsx scripts/runtimes/createUser.ts '<the emulator's JSON line>'
 */
import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { EMULATOR_DEFAULTS } from '../../emulator/index.js';

// An emulator-only user; federate.js signs in with the same pair.
const USERNAME = 'runtime-user';
const PASSWORD = 'Runtime-Passw0rd!';

const emulator = JSON.parse(process.argv[2] ?? '') as { endpoint: string; region: string; userPoolId: string };
const admin = new CognitoIdentityProviderClient({
  endpoint: emulator.endpoint,
  region: emulator.region,
  credentials: EMULATOR_DEFAULTS.developerCredentials,
});
await admin.send(new AdminCreateUserCommand({ UserPoolId: emulator.userPoolId, Username: USERNAME, MessageAction: 'SUPPRESS' }));
await admin.send(
  new AdminSetUserPasswordCommand({ UserPoolId: emulator.userPoolId, Username: USERNAME, Password: PASSWORD, Permanent: true }),
);
admin.destroy();
