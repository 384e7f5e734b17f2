/**
 * The React example (examples/react) in a real browser, against the emulator: its screen, made
 * with the hooks of `cognito-auth-machine/react`, follows federation, renewal and clearing; a
 * reload keeps the session without a Cognito call; two tabs of one access group follow each other.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';
import { needService } from '../storage/realServices.js';

const REQUIRE = 'CAM_REQUIRE_BROWSER';
// Where Debian's chromium package puts the browser; .ci/run installs it.
const CHROMIUM = '/usr/bin/chromium';
const missing = existsSync(CHROMIUM) ? undefined : `No Chromium at ${CHROMIUM} to run the browser test in`;
const EXAMPLE = fileURLToPath(new URL('../../examples/react/', import.meta.url));
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

let built: string | undefined;
let server: Server | undefined;
let browser: Browser | undefined;
let emu: EmulatorHandle | undefined;
let origin = '';

beforeAll(async () => {
  if (missing !== undefined) return;
  built = mkdtempSync(join(tmpdir(), 'react-example-'));
  await build({ root: EXAMPLE, configFile: false, logLevel: 'silent', build: { outDir: built, emptyOutDir: true } });
  const root = built;
  server = createServer((request, response) => {
    const path = normalize(new URL(request.url ?? '/', 'http://x').pathname).replace(/^\/+/, '');
    const file = join(root, path === '' ? 'index.html' : path);
    if (!file.startsWith(root) || !existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  emu = await startEmulator();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await browser?.close();
  await emu?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  if (built) rmSync(built, { recursive: true, force: true });
});

/** The example's address with its settings. */
function exampleUrl(settings: Record<string, string> = {}): string {
  return `${origin}/?${new URLSearchParams({ endpoint: (emu as EmulatorHandle).endpoint, ...settings })}`;
}

/** What the screen shows, by its test ids. */
function shown(page: Page, testId: string): Promise<string> {
  return page.getByTestId(testId).innerText();
}

/** Waits until the screen shows `expected` (exactly, or matching a pattern) for `testId`. */
async function showing(page: Page, testId: string, expected: string | RegExp): Promise<string> {
  const locator = page.getByTestId(testId);
  const pattern = typeof expected === 'string' ? new RegExp(`^${expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : expected;
  await locator.filter({ hasText: pattern }).waitFor({ timeout: 10_000 });
  return locator.innerText();
}

/** Waits until the screen shows something other than `before` (and not the loading mark). */
async function changedFrom(page: Page, testId: string, before: string): Promise<string> {
  await page.waitForFunction(
    ([id, old]) => {
      const text = document.querySelector(`[data-testid="${id}"]`)?.textContent;
      return text !== undefined && text !== null && text !== old && text !== '…';
    },
    [testId, before] as const,
    { timeout: 10_000 },
  );
  return shown(page, testId);
}

const IDENTITY_ID = /^us-east-1:[0-9a-f-]{36}$/;
const ACCESS_KEY_ID = /^ASIA\w+$/;

/** The Cognito operations the emulator was asked for since the last `clearCalls`. */
function operations(): string[] {
  return (emu as EmulatorHandle).calls().map((call) => call.operation);
}

describe('the React example in a real browser', () => {
  it('follows federation, renewal and clearing, and keeps the session across a reload without a Cognito call', async (ctx) => {
    needService(ctx, missing, REQUIRE);
    const context = await (browser as Browser).newContext();
    const page = await context.newPage();
    await page.goto(exampleUrl());
    await showing(page, 'state', 'signedOut');
    expect(await showing(page, 'access-key-id', '-')).toBe('-');
    expect(await shown(page, 'identity-id')).toBe('-');

    emu?.clearCalls();
    await page.getByRole('button', { name: 'Federate a Google token' }).click();
    await showing(page, 'state', 'federated');
    const identityId = await showing(page, 'identity-id', IDENTITY_ID);
    const accessKeyId = await showing(page, 'access-key-id', ACCESS_KEY_ID);
    expect(await shown(page, 'signed-in')).toBe('yes');
    expect(operations()).toEqual(['GetId', 'GetCredentialsForIdentity']);

    // The session is in localStorage: a reload restores it, and nothing is asked of Cognito.
    emu?.clearCalls();
    await page.reload();
    await showing(page, 'state', 'federated');
    expect(await showing(page, 'access-key-id', ACCESS_KEY_ID)).toBe(accessKeyId);
    expect(await shown(page, 'identity-id')).toBe(identityId);
    expect(operations()).toEqual([]);

    // The button asks the auth itself for a renewal; the hooks follow it.
    await page.getByRole('button', { name: 'Renew credentials' }).click();
    const renewed = await changedFrom(page, 'access-key-id', accessKeyId);
    expect(renewed).toMatch(ACCESS_KEY_ID);
    expect(await shown(page, 'identity-id')).toBe(identityId);
    expect(operations()).toEqual(['GetCredentialsForIdentity']);

    await page.getByRole('button', { name: 'Clear federation' }).click();
    await showing(page, 'state', 'signedOut');
    expect(await showing(page, 'access-key-id', '-')).toBe('-');
    expect(await shown(page, 'identity-id')).toBe('-');
    expect(await shown(page, 'signed-in')).toBe('no');

    await page.reload();
    await showing(page, 'state', 'signedOut');
    expect(await showing(page, 'access-key-id', '-')).toBe('-');
    expect(operations()).toEqual(['GetCredentialsForIdentity']);
    expect(await page.getByTestId('error').count()).toBe(0);
    await context.close();
  });

  it('shows in one tab what another tab of the access group did, without a Cognito call of its own', async (ctx) => {
    needService(ctx, missing, REQUIRE);
    // One browser context: the two tabs share localStorage, as tabs of one origin do.
    const context = await (browser as Browser).newContext();
    const [first, second] = [await context.newPage(), await context.newPage()];
    await first.goto(exampleUrl({ group: 'team' }));
    await second.goto(exampleUrl({ group: 'team' }));
    await showing(first, 'state', 'signedOut');
    await showing(second, 'state', 'signedOut');

    emu?.clearCalls();
    await first.getByRole('button', { name: 'Federate a Google token' }).click();
    const identityId = await showing(first, 'identity-id', IDENTITY_ID);
    const accessKeyId = await showing(first, 'access-key-id', ACCESS_KEY_ID);
    expect(await showing(second, 'identity-id', IDENTITY_ID)).toBe(identityId);
    expect(await showing(second, 'access-key-id', ACCESS_KEY_ID)).toBe(accessKeyId);
    expect(await showing(second, 'signed-in', 'yes')).toBe('yes');
    expect(operations()).toEqual(['GetId', 'GetCredentialsForIdentity']);

    await second.getByRole('button', { name: 'Clear federation' }).click();
    await showing(second, 'signed-in', 'no');
    expect(await showing(first, 'signed-in', 'no')).toBe('no');
    expect(await showing(first, 'identity-id', '-')).toBe('-');
    expect(await showing(first, 'access-key-id', '-')).toBe('-');
    expect(operations()).toEqual(['GetId', 'GetCredentialsForIdentity']);
    await context.close();
  });
});
