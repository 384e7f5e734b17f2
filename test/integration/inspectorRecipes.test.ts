/**
 * docs/inspector.md's recipes, run as written: the Node one against a WebSocket relay of the
 * test's own (127.0.0.1, port 0) that passes every message on to a second client, as
 * `@statelyai/inspect/server`'s relay passes them to the inspector page; the browser one in jsdom
 * with the inspector tab stubbed (`window.open` gives a window that records what is posted to it).
 * Each federates against the emulator, renews, clears and tries a user-pool sign-in, and what
 * reached the inspector must show those events and hold no token, secret key, session token or
 * password.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';
import { AuthProvider, type Auth, type AuthConfig } from '../../src/index.js';
import { within } from './harness.js';

/** jsdom (a development dependency without its types installed), as far as this test uses it. */
const { JSDOM } = createRequire(import.meta.url)('jsdom') as {
  JSDOM: new (html: string, options: { url: string; pretendToBeVisual: boolean }) => { window: Window & typeof globalThis };
};

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const INSPECT = join(ROOT, 'node_modules/@statelyai/inspect/dist/index.mjs');
const guide = readFileSync(join(ROOT, 'docs/inspector.md'), 'utf8');
const blocks = [...guide.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1] as string);
const recipe = (marker: string) => {
  const block = blocks.find((b) => b.includes(marker) && b.includes('createAuth('));
  if (!block) throw new Error(`docs/inspector.md has no recipe with ${marker}`);
  return block;
};

let emu: EmulatorHandle;
let work: string;
const cleanups: Array<() => unknown> = [];

beforeAll(async () => {
  emu = await startEmulator();
  work = mkdtempSync(join(tmpdir(), 'inspector-recipe-'));
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  await emu?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

/**
 * Runs a recipe block as a module: `config` is the emulator's (the guide's reader has theirs at
 * hand), the package and `@statelyai/inspect` resolve to this repository's, and the module hands
 * back its `auth` and `inspector`.
 */
async function runRecipe(block: string, name: string, replace: Record<string, string> = {}): Promise<{ auth: Auth; inspector: { stop(): void } }> {
  const config: AuthConfig = {
    region: emu.region,
    identityPoolId: emu.identityPoolId,
    userPool: { userPoolId: emu.userPoolId, userPoolClientId: emu.userPoolClientId },
    endpoints: { identityPool: emu.endpoint, userPool: emu.endpoint },
  };
  let code = block
    .replace("from 'cognito-auth-machine'", `from ${JSON.stringify(join(ROOT, 'src/index.ts'))}`)
    .replace("from '@statelyai/inspect'", `from ${JSON.stringify(INSPECT)}`);
  for (const [from, to] of Object.entries(replace)) {
    expect(code, `the recipe holds ${from}`).toContain(from);
    code = code.replace(from, to);
  }
  const file = join(work, `${name}.mts`);
  writeFileSync(file, `const config = ${JSON.stringify(config)};\n${code}\nexport { auth, inspector };\n`);
  const module = (await import(pathToFileURL(file).href)) as { auth: Auth; inspector: { stop(): void } };
  cleanups.push(() => module.auth.stop());
  return module;
}

/** Federates, renews, clears and tries a sign-in (refused: no such user); returns every secret used. */
async function exercise(auth: Auth, tag: string, whileFederated: () => void = () => undefined): Promise<string[]> {
  await within(auth.ready, 'ready');
  const token = await emu.mintToken(emu.loginKeys.facebook, `recipe-${tag}`);
  const password = `Recipe-password-${tag}-0123456789`;
  const secrets = [token, password];
  const federated = await within(auth.federateToIdentityPool(token, AuthProvider.facebook), 'federate');
  secrets.push(federated.credentials.secretAccessKey, federated.credentials.sessionToken);
  whileFederated();
  const renewed = await within(auth.fetchAuthSession({ forceRefresh: true }), 'renew');
  if (renewed.credentials) secrets.push(renewed.credentials.secretAccessKey, renewed.credentials.sessionToken);
  await within(auth.clearFederationToIdentityPool(), 'clear');
  await expect(
    within(auth.signIn({ username: `nobody-${tag}`, password, options: { authFlowType: 'USER_PASSWORD_AUTH' } }), 'signIn'),
  ).rejects.toMatchObject({ name: 'NotAuthorizedError' });
  expect(secrets).toHaveLength(6);
  return secrets;
}

/** Waits (bounded) until `check` holds. */
async function until(check: () => boolean, label: string, ms = 5_000): Promise<void> {
  for (let waited = 0; !check(); waited += 10) {
    if (waited >= ms) throw new Error(`${label}: not seen within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

type Message = { type?: string; event?: { type?: string; token?: unknown; password?: unknown }; snapshot?: { value?: unknown } };

/** What the inspector must have been shown of the exercise, and nothing secret. */
function expectShownWithoutSecrets(messages: Message[], texts: string[], secrets: string[]): void {
  const eventTypes = new Set(messages.filter((m) => m.type === '@xstate.event').map((m) => m.event?.type));
  for (const type of ['federate', 'session.fetch', 'federation.clear', 'signIn']) expect(eventTypes, type).toContain(type);
  expect(messages.find((m) => m.type === '@xstate.event' && m.event?.type === 'federate')?.event?.token).toBe('[secret]');
  expect(messages.find((m) => m.type === '@xstate.event' && m.event?.type === 'signIn')?.event?.password).toBe('[secret]');
  expect(messages.some((m) => m.type === '@xstate.snapshot' && JSON.stringify(m.snapshot?.value ?? null).includes('federated'))).toBe(true);
  const leaks = secrets.filter((secret) => texts.some((text) => text.includes(secret)));
  expect(leaks.map((s) => s.length), 'secrets that reached the inspector (their lengths)').toEqual([]);
}

const signInSettled = (messages: Message[]) =>
  messages.some((m) => m.type === '@xstate.snapshot' && m.event?.type?.startsWith('xstate.error.actor.signInWithPassword') === true);

describe("docs/inspector.md's recipes", () => {
  it('Node: createWebSocketInspector through a relay shows the machine and sends no secret', async () => {
    // The relay: every message from the app goes on to the other clients (the inspector page).
    const relay = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve, reject) => relay.once('listening', resolve).once('error', reject));
    relay.on('connection', (socket) => {
      socket.on('message', (data) => {
        for (const client of relay.clients) if (client !== socket && client.readyState === WebSocket.OPEN) client.send(data.toString());
      });
    });
    cleanups.push(() => new Promise<void>((resolve) => {
      for (const client of relay.clients) client.terminate();
      relay.close(() => resolve());
    }));
    const url = `ws://127.0.0.1:${(relay.address() as AddressInfo).port}`;
    const viewer = new WebSocket(url);
    const texts: string[] = [];
    viewer.on('message', (data) => texts.push(data.toString()));
    await new Promise<void>((resolve, reject) => viewer.once('open', () => resolve()).once('error', reject));
    cleanups.push(() => viewer.terminate());

    const { auth, inspector } = await runRecipe(recipe('createWebSocketInspector'), 'node', { "'ws://localhost:8080'": JSON.stringify(url) });
    cleanups.push(() => inspector.stop());
    const secrets = await exercise(auth, 'node');
    const messages = () => texts.map((text) => JSON.parse(text) as Message);
    await until(() => signInSettled(messages()), "the refused sign-in's snapshot at the viewer");
    expectShownWithoutSecrets(messages(), texts, secrets);
  });

  it('browser: createBrowserInspector (jsdom, inspector tab stubbed) shows the machine and sends no secret', async () => {
    // pretendToBeVisual: the inspector sends from requestAnimationFrame, which jsdom has only then.
    const dom = new JSDOM('<!doctype html><title>app</title>', { url: 'http://127.0.0.1/', pretendToBeVisual: true });
    const posted: unknown[] = [];
    const tab = { postMessage: (message: unknown) => posted.push(structuredClone(message)) };
    const opened: string[] = [];
    dom.window.open = ((url: string) => {
      opened.push(url);
      return tab;
    }) as unknown as typeof dom.window.open;
    const globals = globalThis as Record<string, unknown>;
    const before = { window: globals.window, localStorage: globals.localStorage };
    globals.window = dom.window;
    globals.localStorage = dom.window.localStorage;
    cleanups.push(() => {
      globals.window = before.window;
      globals.localStorage = before.localStorage;
      dom.window.close();
    });

    const { auth, inspector } = await runRecipe(recipe('createBrowserInspector'), 'browser');
    cleanups.push(() => inspector.stop());
    expect(opened).toEqual(['https://stately.ai/inspect']);
    // The inspector tab says it is connected; the page then sends what it held back, and the rest as it comes.
    dom.window.dispatchEvent(new dom.window.MessageEvent('message', { data: { type: '@statelyai.connected' } }));
    const secrets = await exercise(auth, 'browser', () => {
      expect(dom.window.localStorage.length, 'the session is kept in Web Storage').toBeGreaterThan(0);
    });
    const messages = () => posted as Message[];
    await until(() => signInSettled(messages()), "the refused sign-in's snapshot in the inspector tab");
    expectShownWithoutSecrets(messages(), posted.map((m) => JSON.stringify(m)), secrets);
  });
});
