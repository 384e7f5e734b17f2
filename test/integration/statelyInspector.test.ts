/**
 * The Stately inspector (`@statelyai/inspect`) watching a live auth instance, the ways the guide
 * and `AuthConfig.inspect` show: wrapped in `createRedactingInspector`, or given
 * `serialize: serializeInspectionEvent`. Each setup federates against the emulator, renews and
 * clears, and everything the inspector sends out (over a real WebSocket, or posted to the
 * inspector window) is scanned for the token, the secret keys and the session tokens.
 *
 * Regression: createRedactingInspector replaced actor refs with `{ actor: id }`, and the Stately
 * inspector, which reads `actorRef.getSnapshot()` and `sessionId` in a timer, crashed the process
 * (`actorRef.getSnapshot is not a function`); its other messages went out without a session id.
 */
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import {
  createBrowserInspector,
  createInspector,
  createWebSocketInspector,
  type StatelyActorEvent,
  type StatelyInspectionEvent,
} from '@statelyai/inspect';
import { createActor, createMachine, fromPromise, type AnyActorRef, type InspectionEvent, type Observer } from 'xstate';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { AuthProvider, createRedactingInspector, serializeInspectionEvent, type AwsCredentials } from '../../src/index.js';
import { startHarness, within, type Harness } from './harness.js';
import { deep } from '../support/renderings.js';

type Adapter = Parameters<typeof createInspector>[0];

/** A Stately inspector under test: what the auth instance is given, and what went out of it. */
interface Setup {
  inspect: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /** Every message the inspector sent, parsed. */
  sent(): Array<Record<string, unknown>>;
  /** Every message as the receiving side saw it, as text. */
  texts(): string[];
  stop(): Promise<void>;
}

/** A WebSocket server on 127.0.0.1, port 0, as the Stately inspector's Node receiver would be. */
async function startReceiver(): Promise<{ url: string; messages: string[]; close(): Promise<void> }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  const messages: string[] = [];
  server.on('connection', (socket) => {
    socket.on('message', (data) => messages.push(data.toString()));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    messages,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}

async function webSocketSetup(wrap: boolean): Promise<Setup> {
  const receiver = await startReceiver();
  const inspector = createWebSocketInspector({
    url: receiver.url,
    ...(wrap ? {} : { serialize: serializeInspectionEvent }),
  });
  return {
    inspect: wrap ? createRedactingInspector(inspector.inspect) : inspector.inspect,
    sent: () => receiver.messages.map((m) => JSON.parse(m) as Record<string, unknown>),
    texts: () => [...receiver.messages],
    async stop() {
      inspector.stop();
      await receiver.close();
    },
  };
}

/**
 * A browser window as `createBrowserInspector` uses it: `open()` gives the inspector window, whose
 * `postMessage` records (structured-cloned, as a browser would) what the page sends it; the
 * inspector starts sending once the window says it is connected.
 */
function browserSetup(wrap: boolean): Setup {
  const posted: unknown[] = [];
  const listeners: Array<(event: { data: unknown }) => void> = [];
  const inspectorWindow = { postMessage: (message: unknown) => posted.push(structuredClone(message)) };
  const page = {
    open: () => inspectorWindow,
    addEventListener: (type: string, listener: (event: { data: unknown }) => void) => {
      if (type === 'message') listeners.push(listener);
    },
  };
  const inspector = createBrowserInspector({
    window: page as unknown as Window,
    ...(wrap ? {} : { serialize: serializeInspectionEvent }),
  });
  for (const listener of listeners) listener({ data: { type: '@statelyai.connected' } });
  return {
    inspect: wrap ? createRedactingInspector(inspector.inspect) : inspector.inspect,
    sent: () => posted as Array<Record<string, unknown>>,
    texts: () => posted.flatMap((m) => [JSON.stringify(m), inspect(m, deep)]),
    async stop() {
      inspector.stop();
    },
  };
}

/** The generic inspector with an adapter of the app's own (here: one that keeps what it is sent). */
function adapterSetup(wrap: boolean): Setup {
  const sent: StatelyInspectionEvent[] = [];
  const adapter: Adapter = { start: () => undefined, stop: () => undefined, send: (event) => void sent.push(event) };
  const inspector = createInspector(adapter, wrap ? {} : { serialize: serializeInspectionEvent });
  return {
    inspect: wrap ? createRedactingInspector(inspector.inspect) : inspector.inspect,
    sent: () => sent as unknown as Array<Record<string, unknown>>,
    texts: () => sent.flatMap((m) => [JSON.stringify(m), inspect(m, deep)]),
    async stop() {
      inspector.stop();
    },
  };
}

/** Waits (bounded) until `check` holds. */
async function until(check: () => boolean, label: string, ms = 5_000): Promise<void> {
  for (let waited = 0; !check(); waited += 10) {
    if (waited >= ms) throw new Error(`${label}: not seen within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const eventType = (message: Record<string, unknown>) => (message.event as { type?: unknown } | undefined)?.type;

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterEach(() => h.reset());

afterAll(async () => {
  await h?.close();
});

const setups: Array<[string, () => Setup | Promise<Setup>]> = [
  ['createRedactingInspector(createWebSocketInspector(…).inspect)', () => webSocketSetup(true)],
  ['createWebSocketInspector({ serialize: serializeInspectionEvent })', () => webSocketSetup(false)],
  ['createRedactingInspector(createBrowserInspector(…).inspect)', () => browserSetup(true)],
  ['createBrowserInspector({ serialize: serializeInspectionEvent })', () => browserSetup(false)],
  ['createRedactingInspector(createInspector(adapter).inspect)', () => adapterSetup(true)],
  ['createInspector(adapter, { serialize: serializeInspectionEvent })', () => adapterSetup(false)],
];

describe('the Stately inspector on a live auth instance', () => {
  for (const [name, start] of setups) {
    it(`${name}: shows the federation, renewal and clear, and sends no secret`, async () => {
      const setup = await start();
      try {
        const t = h.auth({ inspect: setup.inspect });
        await within(t.auth.ready, 'ready');
        const token = await h.mint('graph.facebook.com', `stately-${name}`);
        const secrets = [token];
        const remember = (c: AwsCredentials | undefined) => {
          if (c) secrets.push(c.secretAccessKey, c.sessionToken);
        };
        const federated = await t.ok(t.auth.federateToIdentityPool(token, AuthProvider.facebook), 'federate');
        remember(federated.credentials);
        remember((await t.ok(t.auth.fetchAuthSession({ forceRefresh: true }), 'renew')).credentials);
        await t.ok(t.auth.clearFederationToIdentityPool(), 'clear');
        expect(secrets).toHaveLength(5);

        // Messages go out from timers, in order: once the clear's snapshot is out, all is.
        await until(
          () => setup.sent().some((m) => m.type === '@xstate.snapshot' && eventType(m) === 'federation.clear'),
          `${name}: the clear's snapshot`,
        );
        const sent = setup.sent();

        // The inspector worked: actors with their snapshots, events, snapshots, all tied to sessions.
        const root = sent.find((m) => m.type === '@xstate.actor' && m.parentId === undefined);
        expect(root, 'the root actor').toBeDefined();
        expect(root?.name).toBe('auth');
        expect((root?.snapshot as { value?: unknown } | undefined)?.value).toBeDefined();
        expect(sent.some((m) => m.type === '@xstate.actor' && m.name === 'federateToIdentityPool')).toBe(true);
        for (const message of sent) expect(typeof message.sessionId, `${String(message.type)} sessionId`).toBe('string');
        const federate = sent.find((m) => m.type === '@xstate.event' && eventType(m) === 'federate');
        expect(federate, 'the federate event').toBeDefined();
        expect((federate?.event as { token?: unknown }).token).toBe('[secret]');
        expect(
          sent.some((m) => m.type === '@xstate.snapshot' && JSON.stringify((m.snapshot as { value?: unknown }).value ?? null).includes('federated')),
          'a federated snapshot',
        ).toBe(true);

        // …and sent no secret, in any form.
        const texts = setup.texts();
        const leaks = secrets.filter((secret) => texts.some((text) => text.includes(secret)));
        expect(leaks.map((s) => s.length), 'secrets sent to the inspector (their lengths)').toEqual([]);
      } finally {
        await setup.stop();
      }
    });
  }

  // An app's own machine that keeps a raw token string (not a Secret) in its context and in an
  // invoked child's input: masked by key, in what the inspector sends and in what the observer reads.
  it('masks raw secret strings of any machine, and hands the observer actor refs that read masked', async () => {
    const raw = 'raw-provider-token-0123456789';
    const machine = createMachine({
      id: 'app',
      context: { token: raw, user: 'alice' },
      initial: 'working',
      states: {
        working: { invoke: { src: fromPromise(async () => ({ sessionToken: raw })), input: ({ context }) => ({ token: context.token }), onDone: 'done' } },
        done: {},
      },
    });
    const seen: InspectionEvent[] = [];
    const sent: StatelyInspectionEvent[] = [];
    const inspector = createInspector({ send: (event) => void sent.push(event) });
    const observe = createRedactingInspector((event) => {
      seen.push(event);
      inspector.inspect.next?.(event);
    });
    const actor = createActor(machine, { inspect: observe }).start();
    await until(() => actor.getSnapshot().value === 'done' && sent.some((m) => m.type === '@xstate.snapshot' && JSON.stringify(m.snapshot).includes('"done"')), 'done');
    actor.stop();

    const ref = seen.find((e) => e.type === '@xstate.actor' && e.actorRef.sessionId === actor.sessionId)?.actorRef as AnyActorRef;
    expect(ref.id).toBe(actor.id);
    expect((ref.getSnapshot() as { context: unknown }).context).toEqual({ token: '[secret]', user: 'alice' });
    expect((ref as { send?: unknown }).send).toBeUndefined();
    expect((ref as { system?: unknown }).system).toBeUndefined();
    const child = seen.find((e) => e.type === '@xstate.actor' && e.actorRef.sessionId !== actor.sessionId)?.actorRef as AnyActorRef;
    expect(child._parent?.sessionId).toBe(actor.sessionId);
    expect((child.getSnapshot() as { output: unknown }).output).toEqual({ sessionToken: '[secret]' });
    const init = seen.find((e) => e.type === '@xstate.event' && e.actorRef === child && e.event.type === 'xstate.init');
    expect((init as { event: { input?: unknown } } | undefined)?.event.input).toEqual({ token: '[secret]' });

    expect(sent.find((m): m is StatelyActorEvent => m.type === '@xstate.actor' && m.sessionId === actor.sessionId)?.name).toBe('app');
    for (const text of [...seen.map((e) => inspect(e, deep)), ...sent.map((m) => JSON.stringify(m))]) {
      expect(text.includes(raw), 'a raw secret reached the inspector').toBe(false);
    }
  });
});
