import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needService } from '../storage/realServices.js';
import type { PageApi } from './page.js';

const REQUIRE = 'CAM_REQUIRE_BROWSER';
// Where Debian's chromium package puts the browser; .ci/run installs it.
const CHROMIUM = '/usr/bin/chromium';
const missing = existsSync(CHROMIUM) ? undefined : `No Chromium at ${CHROMIUM} to run the browser test in`;

let server: Server | undefined;
let browser: Browser | undefined;
let origin = '';

beforeAll(async () => {
  if (missing !== undefined) return;
  // Bundling for the browser platform fails on any Node import, which is part of the test.
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL('./page.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  const script = bundle.outputFiles[0]?.text ?? '';
  server = createServer((request, response) => {
    if (request.url === '/page.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    } else if (request.url === '/') {
      response
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<!doctype html><title>storage</title><script type="module" src="/page.js"></script>');
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
});

/** A fresh page of the test origin, with its storage empty, ready to be driven. */
async function openPage(): Promise<Page> {
  const context = await (browser as Browser).newContext();
  const page = await context.newPage();
  await load(page, () => page.goto(origin));
  return page;
}

async function load(page: Page, navigate: () => Promise<unknown>): Promise<void> {
  await navigate();
  await page.waitForFunction(() => 'cam' in globalThis);
}

/** Calls the page's storage API. */
function cam<K extends keyof PageApi>(page: Page, name: K, ...args: Parameters<PageApi[K]>): Promise<Awaited<ReturnType<PageApi[K]>>> {
  return page.evaluate(
    ([n, a]) => ((globalThis as unknown as { cam: Record<string, (...x: unknown[]) => unknown> }).cam[n] as (...x: unknown[]) => unknown)(...a),
    [name, args] as const,
  ) as Promise<Awaited<ReturnType<PageApi[K]>>>;
}

describe('createWebStorage in a real browser', () => {
  it('keeps a session across a reload and shares it between two apps of a group', async (ctx) => {
    needService(ctx, missing, REQUIRE);
    const page = await openPage();
    const expected = await cam(page, 'sample', 'userPool', 'browser');
    await cam(page, 'save', 'app.one', 'team', 'userPool', 'browser');
    await load(page, () => page.reload());

    expect(await cam(page, 'open', 'app.one', 'team')).toEqual({ session: expected, problems: [] });
    expect(await cam(page, 'open', 'app.two', 'team')).toEqual({ session: expected, problems: [] });
    expect(await cam(page, 'keys')).toEqual([
      'cognito-auth-machine/app/app.one/access-group',
      'cognito-auth-machine/app/app.two/access-group',
      'cognito-auth-machine/group/team/session',
    ]);
    await page.context().close();
  });

  it('signs the other app of the group out, after a reload, when one signs out', async (ctx) => {
    needService(ctx, missing, REQUIRE);
    const page = await openPage();
    await cam(page, 'save', 'app.one', 'team', 'federated', 'browser');
    await cam(page, 'clear', 'app.two', 'team');
    await load(page, () => page.reload());
    expect(await cam(page, 'open', 'app.one', 'team')).toEqual({ session: null, problems: [] });
    expect(await cam(page, 'keys')).toEqual([
      'cognito-auth-machine/app/app.one/access-group',
      'cognito-auth-machine/app/app.two/access-group',
    ]);
    await page.context().close();
  });

  it('keeps an app without a group to itself, and moves its session into a group when asked', async (ctx) => {
    needService(ctx, missing, REQUIRE);
    const page = await openPage();
    const expected = await cam(page, 'sample', 'guest', 'solo');
    await cam(page, 'save', 'app.solo', null, 'guest', 'solo');
    await load(page, () => page.reload());
    expect((await cam(page, 'open', 'app.solo', null)).session).toBe(expected);
    expect((await cam(page, 'open', 'app.other', 'team')).session).toBeNull();
    expect(await cam(page, 'keys')).toEqual([
      'cognito-auth-machine/app/app.other/access-group',
      'cognito-auth-machine/app/app.solo/session',
    ]);
    expect(await cam(page, 'open', 'app.solo', 'team', { migrate: true })).toEqual({ session: expected, problems: [] });
    await load(page, () => page.reload());
    expect((await cam(page, 'open', 'app.other', 'team')).session).toBe(expected);
    expect(await cam(page, 'keys')).toEqual([
      'cognito-auth-machine/app/app.other/access-group',
      'cognito-auth-machine/app/app.solo/access-group',
      'cognito-auth-machine/group/team/session',
    ]);
    await page.context().close();
  });

  it('works over sessionStorage too, which lasts as long as the tab', async (ctx) => {
    needService(ctx, missing, REQUIRE);
    const page = await openPage();
    const expected = await cam(page, 'sample', 'guest', 'tab');
    await cam(page, 'save', 'app.tab', null, 'guest', 'tab', { web: 'session' });
    await load(page, () => page.reload());
    expect((await cam(page, 'open', 'app.tab', null, { web: 'session' })).session).toBe(expected);
    expect(await cam(page, 'keys')).toEqual([]);
    await page.context().close();
  });
});
