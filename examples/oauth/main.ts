/**
 * The OAuth loop in a browser page: sign in with OpenID Connect (authorization code with PKCE)
 * through oidc-client-ts, federate the id token into the identity pool, sign an AWS request with
 * the credentials; when they run out, the library asks `federation.refreshProviderToken`, which
 * renews the id token silently at the provider (a hidden iframe, `prompt=none`).
 *
 * Bundled for the browser by the example's server; it imports no Node module.
 */
import { AwsClient } from 'aws4fetch';
import { UserManager, type User } from 'oidc-client-ts';
import { AuthProvider, createAuth, createWebStorage, isAuthError } from '../../src/index.js';

/** What the example's server tells the page (`/config.json`): nothing secret. */
export interface ExampleConfig {
  region: string;
  identityPoolId: string;
  /** The identity pool's endpoint (the local emulator). */
  identityPoolEndpoint: string;
  /** The OpenID provider, as the identity pool knows it. */
  issuer: string;
  clientId: string;
  /** The API the page calls with the AWS credentials, and the service it is signed for. */
  apiUrl: string;
  apiService: string;
  /** Passed to createAuth when set (the test renews only what has expired). */
  renewBeforeExpiryMs?: number;
}

/** What the page shows, and what a test reads: times and ids only, never a token or key. */
export interface ExampleState {
  step: 'loading' | 'signedOut' | 'federated' | 'error';
  identityId?: string;
  /** `iat` and `exp` of the id token in use, epoch seconds. */
  idTokenIssuedAt?: number;
  idTokenExpiresAt?: number;
  /** When the AWS credentials in use expire, epoch ms. */
  credentialsExpireAt?: number;
  /** How many times refreshProviderToken was asked, and how many of those renewed silently. */
  providerTokenRequests: number;
  silentRenewals: number;
  /** The last call to the API: its status and the identity it saw, or the error's name. */
  lastCall?: { status: number; identityId?: string; error?: string };
  error?: string;
}

export interface ExamplePage {
  state: ExampleState;
  signIn(): Promise<void>;
  /** fetchAuthSession (renewing what needs it), then a signed call to the API. */
  callApi(): Promise<ExampleState['lastCall']>;
}

/** An id token with less than this left is renewed before it goes to the identity pool. */
const MIN_TOKEN_LIFE_MS = 10_000;

const state: ExampleState = { step: 'loading', providerTokenRequests: 0, silentRenewals: 0 };

function render(): void {
  const view = document.getElementById('state');
  if (view) view.textContent = JSON.stringify(state, null, 2);
}

async function start(): Promise<void> {
  const config = (await (await fetch('/config.json')).json()) as ExampleConfig;
  const oidc = new UserManager({
    authority: config.issuer,
    client_id: config.clientId,
    redirect_uri: `${location.origin}/`,
    silent_redirect_uri: `${location.origin}/silent-renew.html`,
    response_type: 'code',
    scope: 'openid',
    // The library decides when a new id token is needed and asks for it (refreshProviderToken).
    automaticSilentRenew: false,
    loadUserInfo: false,
  });

  if (location.pathname === '/silent-renew.html') {
    // Inside the hidden iframe of signinSilent: hand the answer to the page and stop.
    await oidc.signinSilentCallback();
    return;
  }

  const providerName = AuthProvider.oidc(config.issuer.replace(/^https?:\/\//, ''));
  const auth = createAuth({
    region: config.region,
    identityPoolId: config.identityPoolId,
    endpoints: { identityPool: config.identityPoolEndpoint },
    storage: createWebStorage(localStorage),
    appId: 'oauth-example',
    ...(config.renewBeforeExpiryMs !== undefined ? { renewBeforeExpiryMs: config.renewBeforeExpiryMs } : {}),
    federation: {
      // Asked before each renewal of the AWS credentials: the id token in hand while it has
      // life left, otherwise a new one from the provider without showing the user anything.
      async refreshProviderToken() {
        state.providerTokenRequests += 1;
        let user = await oidc.getUser();
        if (!user || idTokenExpiresAt(user) * 1000 - Date.now() < MIN_TOKEN_LIFE_MS) {
          user = await oidc.signinSilent();
          state.silentRenewals += 1;
        }
        if (!user?.id_token) throw new Error('The provider gave no id token.');
        showToken(user);
        return user.id_token;
      },
    },
  });
  await auth.ready;

  const callApi = async (): Promise<ExampleState['lastCall']> => {
    try {
      const { credentials, identityId } = await auth.fetchAuthSession();
      if (!credentials) throw new Error('Not federated: sign in first.');
      state.identityId = identityId;
      state.credentialsExpireAt = credentials.expiration.getTime();
      const aws = new AwsClient({ ...credentials, service: config.apiService, region: config.region, retries: 0 });
      const response = await aws.fetch(config.apiUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ hello: 'from the OAuth example' }),
      });
      const body = (await response.json()) as { identityId?: string; __type?: string };
      state.lastCall = {
        status: response.status,
        ...(body.identityId ? { identityId: body.identityId } : {}),
        ...(body.__type ? { error: body.__type } : {}),
      };
    } catch (error) {
      state.lastCall = { status: 0, error: isAuthError(error) ? error.name : String((error as Error)?.name ?? error) };
    }
    render();
    return state.lastCall;
  };

  const page: ExamplePage = {
    state,
    signIn: () => oidc.signinRedirect(),
    callApi,
  };
  (globalThis as { example?: ExamplePage }).example = page;
  document.getElementById('sign-in')?.addEventListener('click', () => void page.signIn());
  document.getElementById('call-api')?.addEventListener('click', () => void page.callApi());

  try {
    const query = new URLSearchParams(location.search);
    if (query.has('code') && query.has('state')) {
      // Back from the provider: exchange the code (with the PKCE verifier), then federate.
      const user = await oidc.signinRedirectCallback();
      history.replaceState(null, '', '/');
      showToken(user);
      const { identityId } = await auth.federateToIdentityPool(user.id_token ?? '', providerName);
      state.identityId = identityId;
      state.step = 'federated';
      await callApi();
    } else {
      const session = await auth.fetchAuthSession();
      state.step = session.isSignedIn ? 'federated' : 'signedOut';
      if (session.identityId) state.identityId = session.identityId;
    }
  } catch (error) {
    state.step = 'error';
    state.error = isAuthError(error) ? `${error.name}: ${error.message}` : String(error);
  }
  render();
}

function idTokenExpiresAt(user: User): number {
  return typeof user.profile.exp === 'number' ? user.profile.exp : 0;
}

function showToken(user: User): void {
  state.idTokenIssuedAt = user.profile.iat;
  state.idTokenExpiresAt = idTokenExpiresAt(user);
}

start().catch((error: unknown) => {
  state.step = 'error';
  state.error = String(error);
  render();
});
