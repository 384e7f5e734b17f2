/**
 * Figure 6: what a browser app downloads. Each contender's imports are bundled by esbuild the
 * way an app bundler would (platform browser, ESM, code splitting, minified) and every output
 * file is gzipped at level 9. The initial chunk is the entry file plus the chunks it imports
 * statically; the total adds the chunks loaded later through `import()` (for us: the AWS SDK,
 * loaded on the first Cognito call).
 */
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { AMPLIFY, OURS, SDK_PROVIDER } from './contenders.js';
import type { Row } from './stats.js';

const FIGURE = 'browser bundle, minified + gzip';
const repo = fileURLToPath(new URL('..', import.meta.url));

const ENTRIES: Record<string, string> = {
  [OURS]: `
    import { createAuth, AuthProvider } from './src/index.ts';
    console.log(createAuth, AuthProvider);`,
  [`${AMPLIFY}: fetchAuthSession, signIn, signOut, Hub`]: `
    import { Amplify } from 'aws-amplify';
    import { fetchAuthSession, signIn, signOut } from 'aws-amplify/auth';
    import { Hub } from 'aws-amplify/utils';
    console.log(Amplify, fetchAuthSession, signIn, signOut, Hub);`,
  [`${AMPLIFY}: the same + the docs' federation provider (SDK CognitoIdentity)`]: `
    import { Amplify } from 'aws-amplify';
    import { fetchAuthSession, signIn, signOut } from 'aws-amplify/auth';
    import { Hub } from 'aws-amplify/utils';
    import { CognitoIdentity } from '@aws-sdk/client-cognito-identity';
    console.log(Amplify, fetchAuthSession, signIn, signOut, Hub, CognitoIdentity);`,
  // The package that holds the provider: the browser entry of @aws-sdk/credential-providers
  // re-exports it, but esbuild does not apply that package's extensionless browser-field mapping.
  [`${SDK_PROVIDER} (@aws-sdk/credential-provider-cognito-identity)`]: `
    import { fromCognitoIdentityPool } from '@aws-sdk/credential-provider-cognito-identity';
    console.log(fromCognitoIdentityPool);`,
};

export interface BundleReport {
  contender: string;
  initialGzip: number;
  totalGzip: number;
  initialFiles: number;
  totalFiles: number;
}

interface Bundled {
  report: BundleReport;
  metafile: Metafile;
  initial: string[];
  /** The chunks loaded through `import()`: what each starts from, and its gzip size. */
  lazy: Array<{ chunk: string; gzip: number }>;
}

/** A package name (or source path) for a module path of the metafile. */
function partOf(input: string): string {
  return /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? (input.startsWith('src/') ? input : 'the app entry');
}

/** The two largest packages of an output chunk. */
function mainParts(output: Metafile['outputs'][string]): string {
  const parts = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    parts.set(partOf(input), (parts.get(partOf(input)) ?? 0) + bytesInOutput);
  }
  return [...parts].sort((a, b) => b[1] - a[1]).slice(0, 2).map(([part]) => part).join(', ');
}

async function bundle(contender: string, source: string, external: string[] = []): Promise<Bundled> {
  const result = await build({
    stdin: { contents: source, resolveDir: repo, sourcefile: 'app-entry.js', loader: 'js' },
    absWorkingDir: repo,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    outdir: 'bench-bundle-out',
    entryNames: 'entry',
    write: false,
    metafile: true,
    external,
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const gzipped = new Map(
    result.outputFiles.map((file) => [file.path.slice(repo.length).replace(/^\//, ''), gzipSync(file.contents, { level: 9 }).length]),
  );
  const outputs = result.metafile.outputs;
  const entry = Object.keys(outputs).find((path) => outputs[path]!.entryPoint === 'app-entry.js')!;
  // The initial chunk: the entry and everything it imports statically, transitively.
  const initial = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const path = queue.pop()!;
    if (initial.has(path)) continue;
    initial.add(path);
    for (const imported of outputs[path]!.imports) {
      if (imported.kind === 'import-statement' && !imported.external) queue.push(imported.path);
    }
  }
  const js = Object.keys(outputs).filter((path) => path.endsWith('.js'));
  const size = (paths: Iterable<string>) => [...paths].reduce((sum, path) => sum + (gzipped.get(path) ?? 0), 0);
  return {
    report: {
      contender,
      initialGzip: size(initial),
      totalGzip: size(js),
      initialFiles: initial.size,
      totalFiles: js.length,
    },
    metafile: result.metafile,
    initial: [...initial],
    lazy: js
      .filter((path) => !initial.has(path))
      .map((path) => {
        const from = outputs[path]!.entryPoint;
        const chunk = from ? `${partOf(from)} (loaded by import())` : `shared by the lazy chunks: ${mainParts(outputs[path]!)}`;
        return { chunk, gzip: gzipped.get(path) ?? 0 };
      })
      .sort((a, b) => b.gzip - a.gzip),
  };
}

/** What the initial chunk is made of, by package (or source folder), in minified bytes. */
function composition(bundled: Bundled): Array<{ part: string; bytes: number }> {
  const parts = new Map<string, number>();
  for (const path of bundled.initial) {
    for (const [input, { bytesInOutput }] of Object.entries(bundled.metafile.outputs[path]!.inputs)) {
      const part = partOf(input);
      parts.set(part, (parts.get(part) ?? 0) + bytesInOutput);
    }
  }
  return [...parts].map(([part, bytes]) => ({ part, bytes })).sort((a, b) => b.bytes - a.bytes);
}

export interface BundleFigures {
  rows: Row[];
  /** Our initial chunk: its parts, and its gzip size without xstate (xstate left external). */
  ours: {
    parts: Array<{ part: string; bytes: number }>;
    initialBytes: number;
    withoutXstateGzip: number;
    lazy: Array<{ chunk: string; gzip: number }>;
  };
}

export async function bundles(): Promise<BundleFigures> {
  const rows: Row[] = [];
  let ours: BundleFigures['ours'] | undefined;
  for (const [contender, source] of Object.entries(ENTRIES)) {
    const bundled = await bundle(contender, source);
    const { report } = bundled;
    rows.push(
      { figure: FIGURE, contender, measure: 'initial chunk', unit: 'kB', median: report.initialGzip / 1000, trials: 1, better: 'lower' },
      {
        figure: FIGURE,
        contender,
        measure: 'total, with lazily loaded chunks',
        unit: 'kB',
        median: report.totalGzip / 1000,
        trials: 1,
        better: 'lower',
      },
    );
    if (contender === OURS) {
      const withoutXstate = await bundle(contender, source, ['xstate']);
      ours = {
        parts: composition(bundled),
        initialBytes: bundled.initial.reduce((sum, path) => sum + bundled.metafile.outputs[path]!.bytes, 0),
        withoutXstateGzip: withoutXstate.report.initialGzip,
        lazy: bundled.lazy,
      };
    }
  }
  return { rows, ours: ours! };
}
