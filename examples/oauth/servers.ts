/**
 * Everything the OAuth example runs against, on 127.0.0.1 and free ports: the page (bundled
 * with esbuild), a real OpenID provider, the Cognito emulator whose identity pool trusts that
 * provider (it verifies the id tokens against the provider's JWKS), and an API that checks
 * SigV4. Used by `npm run example:oauth` and by the browser test.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';
import { EXAMPLE_SERVICE, startAwsEndpoint, type AwsEndpointHandle } from './awsEndpoint.js';
import type { ExampleConfig } from './main.js';
import { OAUTH_CLIENT_ID, startOidcProvider, type OidcProviderHandle } from './provider.js';

export interface OAuthExampleOptions {
  /** Port of the page; 0 (default) picks a free one. */
  port?: number;
  /** Lifetime of the provider's id tokens, in seconds (default 600). */
  tokenLifetimeSeconds?: number;
  /** Lifetime of the identity pool's AWS credentials, in seconds (default 3600). */
  credentialLifetimeSeconds?: number;
  /** Handed to the page's createAuth (default: the library's two minutes). */
  renewBeforeExpiryMs?: number;
}

export interface OAuthExample {
  /** The page to open. */
  url: string;
  emulator: EmulatorHandle;
  provider: OidcProviderHandle;
  api: AwsEndpointHandle;
  close(): Promise<void>;
}

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

export async function startOAuthExample(options: OAuthExampleOptions = {}): Promise<OAuthExample> {
  const [bundle, html] = await Promise.all([
    build({
      entryPoints: [here('./main.ts')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
    }),
    readFile(here('./index.html'), 'utf8'),
  ]);
  const script = bundle.outputFiles[0]?.text ?? '';
  let config: ExampleConfig | undefined;

  const page = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://page').pathname;
    if (path === '/main.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    } else if (path === '/config.json') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(config));
    } else if (path === '/') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    } else if (path === '/silent-renew.html') {
      response
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end('<!doctype html><title>silent renew</title><script type="module" src="/main.js"></script>');
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => page.listen(options.port ?? 0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(page.address() as AddressInfo).port}/`;
  const closePage = () =>
    new Promise<void>((resolve) => {
      page.close(() => resolve());
      page.closeAllConnections();
    });

  const started: { close(): Promise<void> }[] = [{ close: closePage }];
  const closeAll = async () => {
    await Promise.all(started.map((part) => part.close()));
  };
  try {
    const provider = await startOidcProvider({
      pageOrigin: new URL(url).origin,
      ...(options.tokenLifetimeSeconds !== undefined ? { tokenLifetimeSeconds: options.tokenLifetimeSeconds } : {}),
    });
    started.push(provider);
    const emulator = await startEmulator({
      // The identity pool trusts the provider as an OpenID Connect provider, for the page's client id.
      oidcIssuers: [{ issuer: provider.issuer, jwksUri: provider.jwksUri, clientIds: [OAUTH_CLIENT_ID] }],
      ...(options.credentialLifetimeSeconds !== undefined ? { credentialLifetimeSeconds: options.credentialLifetimeSeconds } : {}),
    });
    started.push(emulator);
    const api = await startAwsEndpoint(emulator);
    started.push(api);
    config = {
      region: emulator.region,
      identityPoolId: emulator.identityPoolId,
      identityPoolEndpoint: emulator.endpoint,
      issuer: provider.issuer,
      clientId: OAUTH_CLIENT_ID,
      apiUrl: api.url,
      apiService: EXAMPLE_SERVICE,
      ...(options.renewBeforeExpiryMs !== undefined ? { renewBeforeExpiryMs: options.renewBeforeExpiryMs } : {}),
    };
    return { url, emulator, provider, api, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
