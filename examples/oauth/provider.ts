/**
 * A real OpenID provider (oidc-provider, a certified implementation) on 127.0.0.1, with one
 * public client for the example page: authorization code with PKCE, scope `openid`, and a sign-in
 * form that accepts any user name with any password. Development only: plain HTTP, fixed keys
 * generated at start, everything in memory.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Configuration } from 'oidc-provider';

/** The example page's client id at the provider; the identity pool accepts it as `aud`. */
export const OAUTH_CLIENT_ID = 'oauth-example';

export interface OidcProviderOptions {
  /** Origin of the page that signs in (`http://127.0.0.1:<port>`): its redirect URIs live there. */
  pageOrigin: string;
  /** Lifetime of id and access tokens, in seconds (default 600). */
  tokenLifetimeSeconds?: number;
}

export interface OidcProviderHandle {
  /** `http://127.0.0.1:<port>`, the `iss` of its tokens. */
  issuer: string;
  /** Where its signing keys are published. */
  jwksUri: string;
  /** How many times the sign-in form was completed. */
  signIns(): number;
  close(): Promise<void>;
}

/** Starts the provider on a free port of 127.0.0.1. */
export async function startOidcProvider({ pageOrigin, tokenLifetimeSeconds = 600 }: OidcProviderOptions): Promise<OidcProviderHandle> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: 'example', use: 'sig', alg: 'RS256' };

  const configuration: Configuration = {
    clients: [
      {
        client_id: OAUTH_CLIENT_ID,
        // A browser app keeps no secret: PKCE protects the code (required for public clients).
        token_endpoint_auth_method: 'none',
        application_type: 'web',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: [`${pageOrigin}/`, `${pageOrigin}/silent-renew.html`],
      },
    ],
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    // The page is the provider's own first-party app: no consent screen, the grant is implied.
    loadExistingGrant: async (ctx) => {
      const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session?.grantIdFor(ctx.oidc.client?.clientId ?? '');
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client?.clientId, accountId: ctx.oidc.session?.accountId });
      grant.addOIDCScope('openid');
      await grant.save();
      return grant;
    },
    clientBasedCORS: (_ctx, origin, client) => client.redirectUris?.some((uri) => new URL(uri).origin === origin) ?? false,
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: {
      IdToken: tokenLifetimeSeconds,
      AccessToken: tokenLifetimeSeconds,
      AuthorizationCode: 60,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
    },
  };
  const provider = new Provider(issuer, configuration);
  let signIns = 0;
  const callback = provider.callback();

  /** The sign-in step: a form asking for a user name; its subject becomes the token's `sub`. */
  async function interaction(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    if (req.method === 'POST') {
      const login = new URLSearchParams(await readBody(req)).get('login')?.trim() ?? '';
      if (login === '') {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('A user name is required.');
        return;
      }
      signIns += 1;
      await provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(signInForm(details.uid));
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith('/interaction/')) {
      interaction(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
        res.end('This sign-in has expired; start again from the app.');
      });
      return;
    }
    callback(req, res);
  });

  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    signIns: () => signIns,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function signInForm(uid: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Example provider: sign in</title></head>
<body>
  <h1>Example OpenID provider</h1>
  <form method="post" action="/interaction/${encodeURIComponent(uid)}">
    <label>User name <input name="login" autocomplete="username" required autofocus></label>
    <label>Password (any) <input name="password" type="password" autocomplete="current-password"></label>
    <button type="submit">Sign in</button>
  </form>
</body></html>`;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 16_384) throw new Error('Form too large.');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
