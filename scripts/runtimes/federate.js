/**
 * The program every runtime runs (scripts/runtimes.sh): imports the BUILT package and, against
 * the emulator, (1) asks its admin API for a Google login token and federates it into the
 * identity pool, then (2) clears that and signs in to the user pool with SRP (the package's own
 * big-integer and hash code), which federates the user's id token on its own. Plain JavaScript
 * with no Node, DOM or runtime-specific import, so Deno, Bun, a Web Worker and workerd load it
 * as is (the last two after bundling). Answers identity ids and expiries: no token or key.
 */
import { AuthProvider, createAuth } from '../../dist/index.js';

// The user scripts/runtimes/createUser.ts puts in the emulator's user pool (emulator-only).
const USERNAME = 'runtime-user';
const PASSWORD = 'Runtime-Passw0rd!';

/** Which runtime this is, from what each one puts on the global object. */
export function runtimeName() {
  const g = globalThis;
  if (g.Deno) return `Deno ${g.Deno.version.deno}`;
  if (g.Bun) return `Bun ${g.Bun.version}`;
  if (g.navigator?.userAgent === 'Cloudflare-Workers') return 'workerd';
  if (typeof g.WorkerGlobalScope === 'function') {
    const chrome = /Chrome\/([\d.]+)/.exec(g.navigator.userAgent);
    return `Web Worker in Chromium ${chrome ? chrome[1] : g.navigator.userAgent}`;
  }
  if (g.process?.versions?.node) return `Node ${g.process.version}`;
  return 'unknown runtime';
}

async function mintGoogleToken(emulator, subject) {
  const minted = await fetch(`${emulator.endpoint}/_emulator/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ provider: 'accounts.google.com', sub: subject }),
  });
  if (!minted.ok) throw new Error(`The emulator minted no token: HTTP ${minted.status}`);
  return (await minted.json()).token;
}

/**
 * Federates a Google token, then signs in to the user pool, in the emulator's default pools.
 * @param {{ endpoint: string, region: string, identityPoolId: string, userPoolId: string, userPoolClientId: string }} emulator
 *   the emulator's JSON line
 */
export async function federate(emulator) {
  // One Google user per runtime, so each makes an identity of its own.
  const subject = `user-of-${runtimeName().toLowerCase().replace(/[^a-z0-9.]+/g, '-')}`;
  const token = await mintGoogleToken(emulator, subject);

  const auth = createAuth({
    region: emulator.region,
    identityPoolId: emulator.identityPoolId,
    userPool: { userPoolId: emulator.userPoolId, userPoolClientId: emulator.userPoolClientId },
    endpoints: { identityPool: emulator.endpoint, userPool: emulator.endpoint },
  });
  try {
    await auth.ready;
    const federated = await auth.federateToIdentityPool(token, AuthProvider.google);
    const session = await auth.fetchAuthSession();
    await auth.clearFederationToIdentityPool();

    const signedIn = await auth.signIn({
      username: USERNAME,
      password: PASSWORD,
      options: { authFlowType: 'USER_SRP_AUTH' },
    });
    const userSession = await auth.fetchAuthSession();
    const user = await auth.getCurrentUser();
    await auth.signOut();
    return {
      runtime: runtimeName(),
      identityId: federated.identityId,
      isSignedIn: session.isSignedIn && session.identityId === federated.identityId,
      expiration: federated.credentials.expiration.toISOString(),
      srpSignIn: signedIn.nextStep.signInStep,
      username: user.username,
      userIdentityId: userSession.identityId,
      userCredentials: Boolean(userSession.credentials?.sessionToken && userSession.tokens?.idToken),
    };
  } finally {
    auth.stop();
  }
}
