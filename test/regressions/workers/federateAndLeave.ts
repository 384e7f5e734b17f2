/**
 * A script as an app might write one: federate, print the identity id, and end without calling
 * `auth.stop()`. Run by processExit.test.ts; its process must end by itself.
 * Arguments: the emulator's endpoint, identity pool id and a Google token.
 */
import { AuthProvider, createAuth } from '../../../src/index.js';

const [endpoint, identityPoolId, token] = process.argv.slice(2) as [string, string, string];
const auth = createAuth({ region: 'us-east-1', identityPoolId, endpoints: { identityPool: endpoint } });
const { identityId } = await auth.federateToIdentityPool(token, AuthProvider.google);
process.stdout.write(`${identityId}\n`);
