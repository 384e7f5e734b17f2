// @vitest-environment jsdom
// Unit tests of the React kit's hooks in jsdom, over a scripted Cognito Identity service (a test
// double, not the real service). The example app runs them in Chromium against the emulator in
// test/browser/react.browser.test.ts.
import { act, createElement } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, describe, expect, it } from 'vitest';
import { createAuthWith, type Auth, type AuthConfig } from '../../src/createAuth.js';
import { useAuthCall, useAuthSession, useAuthState, type AuthCallState, type AuthSessionState, type AuthState } from '../../src/react.js';
import { createMemoryStorage } from '../../src/storage/createMemoryStorage.js';
import { AuthProvider } from '../../src/vocabulary/AuthProvider.js';
import { createFakeIdentityService } from '../support/fakeIdentityService.js';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const base: AuthConfig = { region: 'us-east-1', identityPoolId: 'us-east-1:11111111-2222-4333-8444-555555555555' };

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

function setup(extra: Partial<AuthConfig> = {}, lifetimeMs?: number) {
  const fake = createFakeIdentityService(lifetimeMs === undefined ? {} : { lifetimeMs });
  const auth = createAuthWith({ ...base, storage: createMemoryStorage(), ...extra }, { identity: fake.service });
  cleanups.push(() => auth.stop());
  return { auth, fake };
}

/** Renders `use(auth)` in a component and keeps what it returned last. */
async function renderHook<T>(use: () => T): Promise<{ latest: () => T; renders: () => number }> {
  let value: T | undefined;
  let count = 0;
  function Probe() {
    value = use();
    count += 1;
    return null;
  }
  const root: Root = createRoot(document.createElement('div'));
  cleanups.push(() => act(() => root.unmount()));
  await act(async () => root.render(createElement(Probe)));
  return { latest: () => value as T, renders: () => count };
}

/** Lets fetches, renewals and renders run their course (a bounded number of turns). */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 10; turn += 1) {
    await act(() => new Promise<void>((resolve) => setTimeout(resolve, 5)));
  }
}

describe('the React kit', () => {
  it('useAuthState follows federation and clearing, with the session summary and no secret', async () => {
    const { auth } = setup();
    const hook = await renderHook<AuthState>(() => useAuthState(auth));
    await act(() => auth.ready);
    expect(hook.latest()).toMatchObject({ state: 'signedOut', isSignedIn: false, session: null });

    await act(async () => void (await auth.federateToIdentityPool('fb-token', AuthProvider.facebook)));
    const { identityId } = await auth.fetchAuthSession();
    expect(hook.latest()).toMatchObject({ state: 'federated', isSignedIn: true, session: { kind: 'federated', identityId } });
    expect(JSON.stringify(hook.latest())).not.toContain('fb-token');

    await act(() => auth.clearFederationToIdentityPool());
    expect(hook.latest()).toMatchObject({ state: 'signedOut', isSignedIn: false, session: null });
  });

  it('useAuthSession answers once per change of the session, even when every fetch renews', async () => {
    // A renewal window longer than the credentials live: every fetchAuthSession renews them.
    const { auth, fake } = setup({ renewBeforeExpiryMs: 30 * 60_000 }, 10 * 60_000);
    await auth.federateToIdentityPool('fb-token', AuthProvider.facebook);
    fake.calls.length = 0;
    // Should the hook fetch again and again, Cognito ends the session after a few renewals, so
    // the test fails instead of running on.
    fake.script.push('ok', 'ok', 'ok', ...Array.from({ length: 20 }, () => 'NotAuthorizedException' as const));
    const hook = await renderHook<AuthSessionState>(() => useAuthSession(auth));
    await settle();
    expect(hook.latest().session).toMatchObject({ isSignedIn: true, credentials: { accessKeyId: expect.any(String) } });
    // The mount's fetch renews; the renewal changes the session, which that fetch's answer covers.
    expect(fake.calls.map((call) => call.operation)).toEqual(['GetCredentialsForIdentity']);
    expect(hook.renders()).toBeLessThan(10);
  });

  it('useAuthSession follows a renewal another caller asked for', async () => {
    const { auth, fake } = setup();
    await auth.federateToIdentityPool('fb-token', AuthProvider.facebook);
    const hook = await renderHook<AuthSessionState>(() => useAuthSession(auth));
    await settle();
    const before = hook.latest().session?.credentials?.accessKeyId;
    fake.calls.length = 0;
    const renewed = await act(() => auth.fetchAuthSession({ forceRefresh: true }));
    await settle();
    expect(renewed.credentials?.accessKeyId).not.toBe(before);
    expect(hook.latest().session?.credentials?.accessKeyId).toBe(renewed.credentials?.accessKeyId);
    expect(fake.calls.map((call) => call.operation)).toEqual(['GetCredentialsForIdentity']);
  });

  it('useAuthCall tells a run under way, and the error of the latest run until the next starts', async () => {
    const { auth } = setup();
    const clear = await renderHook<AuthCallState<[], void>>(() => useAuthCall(auth.clearFederationToIdentityPool));
    expect(clear.latest()).toMatchObject({ isPending: false, error: undefined });
    let result: unknown = 'not run';
    await act(async () => {
      result = await clear.latest().run();
    });
    expect(result).toBeUndefined();
    expect(clear.latest()).toMatchObject({ isPending: false, error: { name: 'InvalidStateError' } });

    await auth.federateToIdentityPool('fb-token', AuthProvider.facebook);
    await act(async () => void (await clear.latest().run()));
    expect(clear.latest()).toMatchObject({ isPending: false, error: undefined });
    expect(auth.actor.getSnapshot().matches('signedOut')).toBe(true);

    let release = () => {};
    const held = () => new Promise<string>((resolve) => (release = () => resolve('done')));
    const call = await renderHook<AuthCallState<[], string>>(() => useAuthCall(held));
    let running: Promise<string | undefined> = Promise.resolve(undefined);
    await act(async () => {
      running = call.latest().run();
    });
    expect(call.latest().isPending).toBe(true);
    await act(async () => {
      release();
      await running;
    });
    expect(call.latest().isPending).toBe(false);
    await expect(running).resolves.toBe('done');
  });
});
