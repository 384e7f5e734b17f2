/**
 * The React example: one screen that shows the auth state and the session, with buttons to
 * federate, renew and clear. It runs against the local emulator, which also mints the Google
 * token a real app would get from Google's sign-in (`npm run example:react` starts both).
 *
 * The page reads its settings from the URL: `endpoint` (the emulator, required), `group` (an
 * access group to share the session with other tabs, optional) and `appId` (optional).
 *
 * In an app of your own, import from 'cognito-auth-machine' and 'cognito-auth-machine/react';
 * this example imports the repository's sources instead, so it runs without a build.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { AccessGroup, AuthProvider, createAuth, createWebStorage, type Auth } from '../../src/index.js';
import { useAuthCall, useAuthSession, useAuthState } from '../../src/react.js';

const query = new URLSearchParams(location.search);
const endpoint = query.get('endpoint');
const group = query.get('group');
const appId = query.get('appId') ?? 'react-example';

/** The emulator's region and identity pool, so the URL need carry only its address. */
async function createEmulatorAuth(emulator: string): Promise<Auth> {
  const response = await fetch(new URL('/_emulator/info', emulator));
  if (!response.ok) throw new Error(`the emulator answered ${response.status}`);
  const { region, identityPoolId } = (await response.json()) as { region: string; identityPoolId: string };
  return createAuth({
    region,
    identityPoolId,
    endpoints: { identityPool: emulator },
    // localStorage: the session survives a reload, and tabs of one access group share it.
    storage: createWebStorage(),
    appId,
    ...(group ? { secureStoragePreferences: { accessGroup: new AccessGroup({ name: group }) } } : {}),
  });
}

/** Stands in for Google's sign-in: the emulator mints a signed Google id token for `sub`. */
async function googleTokenFromEmulator(emulator: string, sub: string): Promise<string> {
  const response = await fetch(new URL('/_emulator/token', emulator), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ provider: 'accounts.google.com', sub }),
  });
  if (!response.ok) throw new Error(`the emulator minted no token (${response.status})`);
  return ((await response.json()) as { token: string }).token;
}

async function federateAlice(auth: Auth, emulator: string) {
  return auth.federateToIdentityPool(await googleTokenFromEmulator(emulator, 'alice'), AuthProvider.google);
}

function App({ auth, emulator }: { auth: Auth; emulator: string }) {
  const { state, isSignedIn, session } = useAuthState(auth);
  const aws = useAuthSession(auth);
  const federate = useAuthCall(federateAlice);
  // Called on the auth directly: the screen follows a renewal whoever asks for it.
  const renew = useAuthCall(auth.fetchAuthSession);
  const clear = useAuthCall(auth.clearFederationToIdentityPool);
  const error = federate.error ?? renew.error ?? clear.error ?? aws.error;
  const expiration = session?.credentialsExpiration;

  return (
    <main>
      <h1>cognito-auth-machine with React</h1>
      <dl>
        <dt>State</dt>
        <dd data-testid="state">{state}</dd>
        <dt>Signed in</dt>
        <dd data-testid="signed-in">{isSignedIn ? 'yes' : 'no'}</dd>
        <dt>Identity id</dt>
        <dd data-testid="identity-id">{session?.identityId ?? '-'}</dd>
        <dt>Access key id</dt>
        <dd data-testid="access-key-id">{aws.isLoading ? '…' : (aws.session?.credentials?.accessKeyId ?? '-')}</dd>
        <dt>Credentials expire</dt>
        <dd data-testid="expiration">{expiration === undefined ? '-' : new Date(expiration).toISOString()}</dd>
      </dl>
      <p>
        <button type="button" disabled={federate.isPending} onClick={() => void federate.run(auth, emulator)}>
          Federate a Google token
        </button>
        <button type="button" disabled={!isSignedIn || renew.isPending} onClick={() => void renew.run({ forceRefresh: true })}>
          Renew credentials
        </button>
        <button type="button" disabled={clear.isPending} onClick={() => void clear.run()}>
          Clear federation
        </button>
      </p>
      {error && (
        <p role="alert" data-testid="error">
          {error.name}: {error.message}
        </p>
      )}
    </main>
  );
}

const root = createRoot(document.getElementById('root') as HTMLElement);
if (endpoint === null) {
  root.render(<p>Give the emulator's address in the URL: ?endpoint=http://127.0.0.1:4577 (npm run example:react prints it).</p>);
} else {
  createEmulatorAuth(endpoint).then(
    (auth) =>
      root.render(
        <StrictMode>
          <App auth={auth} emulator={endpoint} />
        </StrictMode>,
      ),
    (error: unknown) => root.render(<p role="alert">Could not reach the emulator at {endpoint}: {String(error)}</p>),
  );
}
