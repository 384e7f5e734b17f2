/**
 * Figure 8: the federation path runs where only `fetch`, `JSON`, timers and `AbortController`
 * exist (a worker, an edge runtime, React Native without polyfills).
 *
 * 1. The main entry of the built package is bundled by esbuild for `platform: 'neutral'` with
 *    code splitting: no output may import a `node:` module (or any other module left outside
 *    the bundle).
 * 2. The same entry, bundled into one script, runs createAuth + federateToIdentityPool +
 *    fetchAuthSession against the emulator inside a `node:vm` context that is given only
 *    `fetch`, timers, `AbortController`/`AbortSignal` and `URL` (the context brings the language's
 *    own built-ins: `JSON`, `Promise`, `Date`, typed arrays, …). It has no `TextEncoder`,
 *    `TextDecoder`, `Buffer`, `crypto`, `atob`, `process` or `structuredClone` (V8 gives every
 *    context a `console`, and xstate reads `console.log` when it loads, so that one stays).
 */
import { createContext, Script } from 'node:vm';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { EmulatorHandle } from '../emulator/index.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
const ENTRY = `export { createAuth, AuthProvider } from 'cognito-auth-machine';`;
const ABSENT = ['TextEncoder', 'TextDecoder', 'Buffer', 'crypto', 'atob', 'btoa', 'process', 'require', 'structuredClone'];

export interface NeutralResult {
  /** Imports left outside the neutral bundle (`node:` modules among them), or the build's errors. */
  outsideImports: string[];
  buildErrors: string[];
  /** The run in the bare context: whether it federated and answered, and what went wrong if not. */
  run: { passed: boolean; detail: string; cognitoCalls: number };
}

const neutral = {
  stdin: { contents: ENTRY, resolveDir: repo, sourcefile: 'neutral-entry.js', loader: 'js' as const },
  absWorkingDir: repo,
  bundle: true,
  platform: 'neutral' as const,
  // The neutral platform picks no package.json field by itself; these are the standard ones.
  mainFields: ['module', 'main'],
  target: 'es2022',
  minify: true,
  write: false,
  logLevel: 'silent' as const,
  define: { 'process.env.NODE_ENV': '"production"' },
};

async function outsideImports(): Promise<{ outsideImports: string[]; buildErrors: string[] }> {
  try {
    const result = await build({
      ...neutral,
      format: 'esm',
      splitting: true,
      outdir: 'bench-neutral-out',
      metafile: true,
      // Left outside so that they show up in the metafile instead of failing the build.
      external: ['node:*'],
    });
    const imports = Object.values(result.metafile.outputs).flatMap((output) =>
      output.imports.filter((i) => i.external).map((i) => i.path),
    );
    return { outsideImports: [...new Set(imports)], buildErrors: [] };
  } catch (error) {
    const errors = (error as { errors?: Array<{ text: string }> }).errors ?? [{ text: String(error) }];
    return { outsideImports: [], buildErrors: errors.map((e) => e.text) };
  }
}

async function runInBareContext(emu: EmulatorHandle): Promise<NeutralResult['run']> {
  let script: string;
  try {
    const result = await build({ ...neutral, format: 'iife', globalName: 'cognitoAuthMachine', outfile: 'bench-neutral.js' });
    script = result.outputFiles![0]!.text;
  } catch (error) {
    return { passed: false, detail: `the single-script bundle failed: ${String(error)}`, cognitoCalls: 0 };
  }
  const context = createContext({
    fetch,
    setTimeout,
    clearTimeout,
    setInterval,
    clearInterval,
    queueMicrotask,
    AbortController,
    AbortSignal,
    URL,
    benchInput: {
      region: emu.region,
      identityPoolId: emu.identityPoolId,
      endpoint: emu.endpoint,
      token: await emu.mintToken(emu.loginKeys.google, 'neutral-run'),
      absent: ABSENT,
    },
  });
  const flow = `
    (async () => {
      const present = benchInput.absent.filter((name) => typeof globalThis[name] !== 'undefined');
      if (present.length > 0) return 'the context is not bare: it has ' + present.join(', ');
      const { createAuth, AuthProvider } = cognitoAuthMachine;
      const auth = createAuth({
        region: benchInput.region,
        identityPoolId: benchInput.identityPoolId,
        endpoints: { identityPool: benchInput.endpoint },
      });
      try {
        const federated = await auth.federateToIdentityPool(benchInput.token, AuthProvider.google);
        const session = await auth.fetchAuthSession();
        if (!session.isSignedIn || !session.credentials) return 'fetchAuthSession gave no credentials';
        if (session.credentials.accessKeyId !== federated.credentials.accessKeyId) return 'fetchAuthSession gave other credentials';
        if (!(session.credentials.expiration instanceof Date)) return 'the expiration is not a Date';
        return 'ok';
      } finally {
        auth.stop();
      }
    })()`;
  emu.clearCalls();
  try {
    new Script(script, { filename: 'cognito-auth-machine.neutral.js' }).runInContext(context);
    const outcome = (await new Script(flow, { filename: 'federation-flow.js' }).runInContext(context)) as string;
    const cognitoCalls = emu.calls().length;
    return { passed: outcome === 'ok', detail: outcome === 'ok' ? 'federated and answered fetchAuthSession' : outcome, cognitoCalls };
  } catch (error) {
    const e = error as { name?: string; message?: string };
    return { passed: false, detail: `${e.name ?? 'Error'}: ${e.message ?? String(error)}`, cognitoCalls: emu.calls().length };
  }
}

export async function neutralRuntime(emu: EmulatorHandle): Promise<NeutralResult> {
  return { ...(await outsideImports()), run: await runInBareContext(emu) };
}
