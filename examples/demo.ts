/**
 * The demo: the seed's flows, end to end, on local emulators (no AWS account, no network).
 *
 *   npm run demo
 *
 * It starts the identity-pool emulator and a user-pool emulator (cognito-local), then walks:
 * federation with a Google token, the session, a rejected getCurrentUser, clearing; user-pool
 * sign-in with automatic federation, the rejected manual federation, and sign-out. Every state
 * change and hub event is printed as it happens. Secrets are never printed.
 */
import { startEmulator } from '../emulator/index.js';
import { AuthError, AuthProvider, createAuth, createMemoryStorage } from '../src/index.js';
import { startCognitoLocal } from '../test/support/cognitoLocal.js';

// The SDK's notice that its 2027 releases will need Node 22 is not the demo's subject.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const say = (line = '') => console.log(line);
const step = (title: string) => say(`\n== ${title}`);

function stateName(value: unknown): string {
  if (typeof value === 'string') return value;
  const [key, inner] = Object.entries(value as Record<string, unknown>)[0] ?? ['?', ''];
  return `${key}.${stateName(inner)}`;
}

async function main(): Promise<void> {
  step('Starting the local emulators');
  const userPools = await startCognitoLocal();
  const pool = await userPools.createUserPool();
  const user = await userPools.createUser(pool.userPoolId, { username: 'ada', password: 'Correct-Horse-9' });
  const identity = await startEmulator({
    userPools: [{ userPoolId: pool.userPoolId, issuer: pool.issuer, jwksUri: pool.jwksUri, clientIds: [pool.userPoolClientId] }],
  });
  say(`identity pool ${identity.identityPoolId} at ${identity.endpoint}`);
  say(`user pool     ${pool.userPoolId} at ${userPools.endpoint} (user "${user.username}")`);

  const calls = () => identity.calls().map((c) => c.operation);
  const auth = createAuth({
    region: identity.region,
    identityPoolId: identity.identityPoolId,
    userPool: { userPoolId: pool.userPoolId, userPoolClientId: pool.userPoolClientId },
    endpoints: { identityPool: identity.endpoint, userPool: userPools.endpoint },
    storage: createMemoryStorage(),
  });
  let last = '';
  auth.actor.subscribe((snapshot) => {
    const name = stateName(snapshot.value);
    if (name !== last) say(`   state: ${(last = name)}`);
  });
  auth.hub.listen('auth', ({ payload }) => {
    const data = payload.data && 'identityId' in payload.data ? ` identityId=${payload.data.identityId}` : '';
    const who = payload.data && 'username' in payload.data ? ` username=${payload.data.username}` : '';
    say(`   hub:   ${payload.event}${data}${who}`);
  });
  await auth.ready;

  step('federateToIdentityPool with a Google token');
  const googleToken = await identity.mintToken('accounts.google.com', 'google-user-1');
  identity.clearCalls();
  const federated = await auth.federateToIdentityPool(googleToken, AuthProvider.google);
  say(`identityId ${federated.identityId}`);
  say(`credentials ${federated.credentials.accessKeyId.slice(0, 8)}…, expire ${federated.credentials.expiration.toISOString()}`);
  say(`Cognito calls: ${calls().join(', ')}`);

  step('fetchAuthSession answers from the session');
  identity.clearCalls();
  const session = await auth.fetchAuthSession();
  say(`isSignedIn ${session.isSignedIn}, identityId ${session.identityId}; Cognito calls: ${calls().length}`);

  step('getCurrentUser while federated');
  await auth.getCurrentUser().catch((error: AuthError) => say(`rejected: ${error.name}: ${error.message}`));

  step('clearFederationToIdentityPool');
  identity.clearCalls();
  await auth.clearFederationToIdentityPool();
  say(`cleared; Cognito calls: ${calls().length}; isSignedIn ${(await auth.fetchAuthSession()).isSignedIn}`);

  step('signIn to the user pool (federated into the identity pool automatically)');
  identity.clearCalls();
  const signedIn = await auth.signIn({ username: user.username, password: 'Correct-Horse-9' });
  say(`signIn: isSignedIn ${signedIn.isSignedIn}, next step ${signedIn.nextStep.signInStep}`);
  const userSession = await auth.fetchAuthSession();
  const currentUser = await auth.getCurrentUser();
  say(`user ${currentUser.username} (${currentUser.userId}); identityId ${userSession.identityId}`);
  say(`tokens present: ${Boolean(userSession.tokens)}; credentials expire ${userSession.credentials?.expiration.toISOString()}`);
  say(`identity-pool calls: ${calls().join(', ')}`);

  step('federateToIdentityPool after user-pool sign-in');
  await auth
    .federateToIdentityPool(googleToken, AuthProvider.google)
    .catch((error: AuthError) => say(`rejected: ${error.name}: ${error.message}`));

  step('signOut');
  await auth.signOut();
  say(`isSignedIn ${(await auth.fetchAuthSession()).isSignedIn}`);

  auth.stop();
  await identity.close();
  await userPools.close();
  step('Done: every call settled, the emulators are stopped.');
}

main().catch((error: unknown) => {
  console.error(error instanceof AuthError ? `${error.name}: ${error.message}` : error);
  process.exit(1);
});
