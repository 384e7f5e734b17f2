/**
 * The OAuth example end to end in Chromium: sign in at a real OpenID provider (authorization code
 * with PKCE), federate the id token into the emulator's identity pool (which verifies it against
 * the provider's JWKS), call an API with the AWS credentials (SigV4 checked), and, once both the
 * credentials and the id token have expired, renew through refreshProviderToken: a silent renewal
 * at the provider, then new credentials for the same identity.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExamplePage, ExampleState } from '../../examples/oauth/main.js';
import { startOAuthExample, type OAuthExample } from '../../examples/oauth/servers.js';
import { needService } from '../storage/realServices.js';

const REQUIRE = 'CAM_REQUIRE_BROWSER';
// Where Debian's chromium package puts the browser; .ci/run installs it.
const CHROMIUM = '/usr/bin/chromium';
const missing = existsSync(CHROMIUM) ? undefined : `No Chromium at ${CHROMIUM} to run the browser test in`;

// Short lives, so that both run out within the test: the id token and the AWS credentials.
const TOKEN_LIFETIME_S = 6;
const CREDENTIAL_LIFETIME_S = 6;

let example: OAuthExample | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  if (missing !== undefined) return;
  example = await startOAuthExample({
    tokenLifetimeSeconds: TOKEN_LIFETIME_S,
    credentialLifetimeSeconds: CREDENTIAL_LIFETIME_S,
    // Renew only what has expired, so the renewal happens when the test waits it out.
    renewBeforeExpiryMs: 0,
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await browser?.close();
  await example?.close();
});

function stateOf(page: Page): Promise<ExampleState> {
  return page.evaluate(() => (globalThis as unknown as { example: ExamplePage }).example.state);
}

/** Waits until the page's script has settled on a step (and, when given, made a call). */
async function settled(page: Page, withCall: boolean): Promise<ExampleState> {
  await page.waitForFunction(
    (call) => {
      const state = (globalThis as { example?: ExamplePage }).example?.state;
      return state !== undefined && state.step !== 'loading' && (!call || state.lastCall !== undefined);
    },
    withCall,
    { timeout: 15_000 },
  );
  return stateOf(page);
}

describe('the OAuth example in a real browser', () => {
  it('signs in with OIDC, federates, calls a SigV4 API, and renews through a silent renewal', async (ctx) => {
    needService(ctx, missing, REQUIRE);
    const { emulator, provider, api, url } = example as OAuthExample;
    const loginKey = provider.issuer.replace(/^https?:\/\//, '');
    const page = await (await (browser as Browser).newContext()).newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));

    await page.goto(url);
    expect((await settled(page, false)).step).toBe('signedOut');

    // The provider's sign-in form, as a user fills it in.
    await page.click('#sign-in');
    await page.waitForURL(`${provider.issuer}/interaction/**`);
    await page.fill('input[name=login]', 'alice');
    await page.fill('input[name=password]', 'any password');
    await page.click('button[type=submit]');
    await page.waitForURL(url);

    const signedIn = await settled(page, true);
    expect(signedIn).toMatchObject({ step: 'federated', providerTokenRequests: 0, silentRenewals: 0 });
    expect(signedIn.lastCall).toEqual({ status: 200, identityId: signedIn.identityId });
    expect(emulator.calls().map((call) => [call.operation, call.outcome, call.loginKeys])).toEqual([
      ['GetId', 'success', [loginKey]],
      ['GetCredentialsForIdentity', 'success', [loginKey]],
    ]);
    expect(provider.signIns()).toBe(1);

    // Wait (in the browser, bounded) until the id token and the credentials have both expired.
    const expiredAt = Math.max((signedIn.idTokenExpiresAt ?? 0) * 1000, signedIn.credentialsExpireAt ?? 0) + 250;
    await page.waitForFunction((at) => Date.now() > at, expiredAt, { timeout: 15_000 });

    const renewed = await page.evaluate(() => (globalThis as unknown as { example: ExamplePage }).example.callApi());
    const after = await stateOf(page);
    expect(renewed).toEqual({ status: 200, identityId: signedIn.identityId });
    expect(after).toMatchObject({ step: 'federated', identityId: signedIn.identityId, providerTokenRequests: 1, silentRenewals: 1 });
    expect(after.idTokenExpiresAt).toBeGreaterThan(signedIn.idTokenExpiresAt ?? 0);
    expect(after.credentialsExpireAt).toBeGreaterThan(signedIn.credentialsExpireAt ?? 0);
    // The renewal re-used the identity id (no GetId) and presented the new token.
    expect(emulator.calls().map((call) => [call.operation, call.outcome])).toEqual([
      ['GetId', 'success'],
      ['GetCredentialsForIdentity', 'success'],
      ['GetCredentialsForIdentity', 'success'],
    ]);
    // Silent: no second trip through the sign-in form.
    expect(provider.signIns()).toBe(1);
    expect(api.requests()).toEqual([
      { status: 200, identityId: signedIn.identityId },
      { status: 200, identityId: signedIn.identityId },
    ]);
    expect(pageErrors).toEqual([]);
    await page.context().close();
  });

  it('has an API that refuses an unsigned request', async (ctx) => {
    needService(ctx, missing, REQUIRE);
    const { api } = example as OAuthExample;
    const response = await fetch(api.url, { method: 'POST', body: '{}' });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { __type: string }).__type).toBe('MissingAuthenticationTokenException');
  });
});
