// The React Native backends in a context without TextEncoder, Buffer or crypto (Hermes has no
// Buffer, and crypto only with a polyfill): reactNativeScenario.ts, bundled with esbuild, runs in
// a fresh node:vm context that has the JavaScript built-ins and timers only.
import { fileURLToPath } from 'node:url';
import { createContext, runInContext } from 'node:vm';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

async function bundledScenario(): Promise<string> {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: ['test/storage/reactNativeScenario.ts'],
    bundle: true,
    format: 'iife',
    globalName: 'scenario',
    platform: 'neutral',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

describe('the React Native backends in a bare context', () => {
  it('keep and restore a full-size session with no TextEncoder, Buffer or crypto, and survive cut-short writes', async () => {
    const context = createContext({ setTimeout, clearTimeout });
    runInContext(await bundledScenario(), context);
    const result = (await runInContext('scenario.run()', context)) as Record<string, unknown>;
    // Copied out of the context's realm, for comparison with this one's objects.
    const outcome = JSON.parse(JSON.stringify(result)) as {
      globals: Record<string, string>;
      expo: { whole: boolean; problems: string[] };
      expoItems: number;
      expoLargestItem: number;
      expoLimit: number;
      asyncStorage: { whole: boolean; problems: string[] };
      cutShort: string[];
    };
    expect(outcome.globals).toEqual({ TextEncoder: 'undefined', Buffer: 'undefined', crypto: 'undefined' });
    expect(outcome.expo).toEqual({ whole: true, problems: [] });
    expect(outcome.expoItems).toBeGreaterThan(3);
    expect(outcome.expoLargestItem).toBeLessThanOrEqual(outcome.expoLimit);
    expect(outcome.asyncStorage).toEqual({ whole: true, problems: [] });
    expect(outcome.cutShort.length).toBeGreaterThan(4);
    expect(outcome.cutShort.every((read) => read === 'old' || read === 'new')).toBe(true);
    expect(outcome.cutShort).toContain('old');
    expect(outcome.cutShort).toContain('new');
  });
});
