// SRP (src/services/srp.ts and its hashes, @noble/hashes) is loaded by user-pool sign-in only: an
// app that only federates never downloads it. Bundled as a browser app bundles the main entry
// (esbuild, code splitting), nothing reachable from the entry without loading the user-pool
// calls' chunk may hold it.
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

async function bundleMainEntry(): Promise<Metafile> {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: ['src/index.ts'],
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    outdir: 'out',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return result.metafile;
}

const isSrp = (input: string) => input === 'src/services/srp.ts' || input.includes('node_modules/@noble/hashes/');

describe('the SRP chunk', () => {
  it('is reached from the main entry only through the user-pool calls', async () => {
    const { outputs } = await bundleMainEntry();
    const holds = (output: string, input: string) => Object.keys(outputs[output]?.inputs ?? {}).includes(input);
    const userPoolChunks = Object.keys(outputs).filter((output) => holds(output, 'src/services/userPool.ts'));
    expect(userPoolChunks).toHaveLength(1);
    expect(Object.keys(outputs[userPoolChunks[0]!]!.inputs).filter(isSrp)).toContain('src/services/srp.ts');

    // Everything the federation path can load: the entry and all it imports, statically or lazily,
    // except the user-pool calls' chunk.
    const entry = Object.keys(outputs).find((output) => outputs[output]!.entryPoint === 'src/index.ts')!;
    const reached = new Set<string>();
    const queue = [entry];
    while (queue.length > 0) {
      const output = queue.pop()!;
      if (reached.has(output) || userPoolChunks.includes(output)) continue;
      reached.add(output);
      for (const imported of outputs[output]!.imports) if (!imported.external) queue.push(imported.path);
    }
    expect(reached.size).toBeGreaterThan(1);
    const srpOnFederationPath = [...reached].flatMap((output) => Object.keys(outputs[output]!.inputs).filter(isSrp));
    expect(srpOnFederationPath).toEqual([]);
  });
});
