/**
 * Figure 6: what a browser app downloads. Each contender's imports are bundled by esbuild the
 * way an app bundler would (platform browser, ESM, code splitting, minified) and every output
 * file is gzipped at level 9. Ours is imported by its package name, so the built package
 * (`dist/`, from `npm run build`) is what is measured, as a user's bundler would see it.
 *
 * - initial chunk: the entry file plus the chunks it imports statically;
 * - federation: the initial chunk plus every chunk a createAuth + federateToIdentityPool +
 *   fetchAuthSession run really loads. The bundle is run in this process against the emulator,
 *   each output file marking itself as loaded, so the figure follows the `import()` calls the
 *   run takes and nothing else;
 * - user-pool sign-in: the same for createAuth + signIn + fetchAuthSession, against a small
 *   user-pool stand-in that answers InitiateAuth with tokens the emulator minted;
 * - all in: every chunk the bundle holds.
 *
 * The peers have no lazily loaded part a run could skip, so their figures are the initial chunk
 * and all in.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Metafile, type Plugin } from 'esbuild';
import type { EmulatorHandle } from '../emulator/index.js';
import { AMPLIFY, OURS, SDK_CLIENT, SDK_PROVIDER } from './contenders.js';
import type { Row } from './stats.js';

export const FIGURE = 'browser bundle, minified + gzip';
const repo = fileURLToPath(new URL('..', import.meta.url));

export const MEASURE = {
  initial: 'initial chunk',
  federation: 'federation: entry + chunks a federation loads',
  signIn: 'user-pool sign-in: entry + chunks it loads',
  all: 'all in: every chunk',
} as const;

export const PEERS = {
  amplifySession: `${AMPLIFY}: fetchAuthSession, Hub`,
  amplifySignIn: `${AMPLIFY}: fetchAuthSession, signIn, signOut, Hub`,
  amplifyDocsProvider: `${AMPLIFY}: fetchAuthSession, signIn, signOut, Hub + the docs' federation provider (SDK CognitoIdentity)`,
  sdkProvider: `${SDK_PROVIDER} (@aws-sdk/credential-providers)`,
  sdkClient: `${SDK_CLIENT}: GetId + GetCredentialsForIdentity`,
} as const;

// Ours exports what it imports, so that the same bundle can be run for the federation and
// sign-in figures; that costs a few bytes against `console.log(createAuth, AuthProvider)`.
const OURS_ENTRY = `
  import { createAuth, AuthProvider } from 'cognito-auth-machine';
  export { createAuth, AuthProvider };`;

const PEER_ENTRIES: Record<string, string> = {
  [PEERS.amplifySession]: `
    import { Amplify } from 'aws-amplify';
    import { fetchAuthSession } from 'aws-amplify/auth';
    import { Hub } from 'aws-amplify/utils';
    console.log(Amplify, fetchAuthSession, Hub);`,
  [PEERS.amplifySignIn]: `
    import { Amplify } from 'aws-amplify';
    import { fetchAuthSession, signIn, signOut } from 'aws-amplify/auth';
    import { Hub } from 'aws-amplify/utils';
    console.log(Amplify, fetchAuthSession, signIn, signOut, Hub);`,
  [PEERS.amplifyDocsProvider]: `
    import { Amplify } from 'aws-amplify';
    import { fetchAuthSession, signIn, signOut } from 'aws-amplify/auth';
    import { Hub } from 'aws-amplify/utils';
    import { CognitoIdentity } from '@aws-sdk/client-cognito-identity';
    console.log(Amplify, fetchAuthSession, signIn, signOut, Hub, CognitoIdentity);`,
  [PEERS.sdkProvider]: `
    import { fromCognitoIdentityPool } from '@aws-sdk/credential-providers';
    console.log(fromCognitoIdentityPool);`,
  [PEERS.sdkClient]: `
    import { CognitoIdentityClient, GetIdCommand, GetCredentialsForIdentityCommand } from '@aws-sdk/client-cognito-identity';
    console.log(CognitoIdentityClient, GetIdCommand, GetCredentialsForIdentityCommand);`,
};

/**
 * `@aws-sdk/credential-providers` maps `./dist-es/index` to `./dist-es/index.browser` in its
 * `browser` field without file extensions; webpack applies that, esbuild does not (it would
 * bundle the Node entry, which imports `node:` modules). This applies the mapping.
 */
const credentialProvidersBrowserEntry: Plugin = {
  name: 'credential-providers-browser-entry',
  setup(b) {
    b.onResolve({ filter: /^@aws-sdk\/credential-providers$/ }, () => ({
      path: join(repo, 'node_modules/@aws-sdk/credential-providers/dist-es/index.browser.js'),
    }));
  },
};

interface Bundled {
  outputs: Metafile['outputs'];
  /** Output path (as in the metafile) to its minified text and gzip size. */
  files: Map<string, { text: Uint8Array; gzip: number }>;
  initial: Set<string>;
  js: string[];
}

async function bundle(source: string, external: string[] = []): Promise<Bundled> {
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
    plugins: [credentialProvidersBrowserEntry],
  });
  const files = new Map(
    result.outputFiles.map((file) => [
      file.path.slice(repo.length).replace(/^\//, ''),
      { text: file.contents, gzip: gzipSync(file.contents, { level: 9 }).length },
    ]),
  );
  const outputs = result.metafile.outputs;
  const entry = Object.keys(outputs).find((path) => outputs[path]!.entryPoint === 'app-entry.js')!;
  return { outputs, files, initial: staticClosure(outputs, [entry]), js: Object.keys(outputs).filter((p) => p.endsWith('.js')) };
}

/** The given outputs and everything they import statically, transitively. */
function staticClosure(outputs: Metafile['outputs'], from: Iterable<string>): Set<string> {
  const closure = new Set<string>();
  const queue = [...from];
  while (queue.length > 0) {
    const path = queue.pop()!;
    if (closure.has(path)) continue;
    closure.add(path);
    for (const imported of outputs[path]!.imports) {
      if (imported.kind === 'import-statement' && !imported.external) queue.push(imported.path);
    }
  }
  return closure;
}

const gzipOf = (bundled: Bundled, paths: Iterable<string>) =>
  [...paths].reduce((sum, path) => sum + (bundled.files.get(path)?.gzip ?? 0), 0);

/** A package name (or source path) for a module path of the metafile. */
function partOf(input: string): string {
  return /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? (input.startsWith('dist/') ? input : 'the app entry');
}

/** The two largest packages (or files) of an output chunk. */
function mainParts(output: Metafile['outputs'][string]): string {
  const parts = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    parts.set(partOf(input), (parts.get(partOf(input)) ?? 0) + bytesInOutput);
  }
  return [...parts].sort((a, b) => b[1] - a[1]).slice(0, 2).map(([part]) => part).join(', ');
}

/** What the outputs are made of, by package (or file of dist/), in minified bytes. */
function composition(bundled: Bundled, paths: Iterable<string>): Array<{ part: string; bytes: number }> {
  const parts = new Map<string, number>();
  for (const path of paths) {
    for (const [input, { bytesInOutput }] of Object.entries(bundled.outputs[path]!.inputs)) {
      parts.set(partOf(input), (parts.get(partOf(input)) ?? 0) + bytesInOutput);
    }
  }
  return [...parts].map(([part, bytes]) => ({ part, bytes })).sort((a, b) => b.bytes - a.bytes);
}

type OurApp = typeof import('../src/index.js');

/**
 * Writes the bundle to a temporary folder with each file marking itself as loaded, imports its
 * entry, runs `work` with what it exports, and answers the output files that were evaluated.
 */
async function loadedBy(bundled: Bundled, work: (app: OurApp) => Promise<void>): Promise<Set<string>> {
  const folder = await mkdtemp(join(tmpdir(), 'bench-bundle-'));
  const loaded = new Set<string>();
  const marks = globalThis as { __benchLoaded?: Set<string> };
  try {
    await writeFile(join(folder, 'package.json'), '{"type":"module"}');
    const byName = new Map<string, string>();
    for (const [path, { text }] of bundled.files) {
      if (!path.endsWith('.js')) continue;
      byName.set(basename(path), path);
      await writeFile(join(folder, basename(path)), `globalThis.__benchLoaded.add(import.meta.url);\n${Buffer.from(text).toString()}`);
    }
    marks.__benchLoaded = new Set();
    const app = (await import(pathToFileURL(join(folder, 'entry.js')).href)) as OurApp;
    await work(app);
    for (const url of marks.__benchLoaded) loaded.add(byName.get(basename(fileURLToPath(url)))!);
    return loaded;
  } finally {
    delete marks.__benchLoaded;
    await rm(folder, { recursive: true, force: true });
  }
}

/**
 * A stand-in for the user-pool service: InitiateAuth answers with an id and an access token the
 * emulator minted for its hosted user pool (so the identity pool accepts the id token), whatever
 * the flow. It stops when `close` is called.
 */
async function userPoolStandIn(emu: EmulatorHandle): Promise<{ endpoint: string; close: () => Promise<void> }> {
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      void (async () => {
        const target = String(request.headers['x-amz-target'] ?? '');
        const send = (status: number, payload: unknown) => {
          response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', date: new Date().toUTCString() });
          response.end(JSON.stringify(payload));
        };
        if (!target.endsWith('.InitiateAuth')) return send(400, { __type: 'InvalidParameterException', message: `not served: ${target}` });
        const username = (JSON.parse(body) as { AuthParameters?: { USERNAME?: string } }).AuthParameters?.USERNAME ?? 'bench-user';
        const idToken = await emu.mintToken(emu.loginKeys.userPool, username);
        const accessToken = await emu.mintToken(emu.loginKeys.userPool, username, { claims: { token_use: 'access', aud: null } });
        send(200, {
          AuthenticationResult: { IdToken: idToken, AccessToken: accessToken, RefreshToken: 'bench-refresh-token', ExpiresIn: 3600, TokenType: 'Bearer' },
          ChallengeParameters: {},
        });
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface BundleFigures {
  rows: Row[];
  ours: {
    initialGzip: number;
    federationGzip: number;
    signInGzip: number;
    allGzip: number;
    /** What the initial chunk is made of, in minified bytes. */
    initialParts: Array<{ part: string; bytes: number }>;
    initialBytes: number;
    /** The initial chunk with xstate left out of the bundle. */
    withoutXstateGzip: number;
    /** Every chunk outside the initial one: what it holds, its gzip size, and which runs load it. */
    lazy: Array<{ chunk: string; gzip: number; federation: boolean; signIn: boolean }>;
  };
  peers: Record<string, { initialGzip: number; allGzip: number }>;
}

export async function bundles(emu: EmulatorHandle): Promise<BundleFigures> {
  const rows: Row[] = [];
  const row = (contender: string, measure: string, bytes: number): Row => ({
    figure: FIGURE,
    contender,
    measure,
    unit: 'kB',
    median: bytes / 1000,
    trials: 1,
    better: 'lower',
  });

  const ours = await bundle(OURS_ENTRY);
  const federationLoads = await loadedBy(ours, async ({ createAuth, AuthProvider }) => {
    const auth = createAuth({ region: emu.region, identityPoolId: emu.identityPoolId, endpoints: { identityPool: emu.endpoint } });
    try {
      await auth.federateToIdentityPool(await emu.mintToken(emu.loginKeys.google, 'bundle-federation'), AuthProvider.google);
      const session = await auth.fetchAuthSession();
      if (!session.credentials) throw new Error('the bundled federation gave no credentials');
    } finally {
      auth.stop();
    }
  });
  const standIn = await userPoolStandIn(emu);
  let signInLoads: Set<string>;
  try {
    signInLoads = await loadedBy(ours, async ({ createAuth }) => {
      const auth = createAuth({
        region: emu.region,
        identityPoolId: emu.identityPoolId,
        userPool: { userPoolId: `${emu.region}_emulator`, userPoolClientId: 'emulatoruserpoolclient0001' },
        endpoints: { identityPool: emu.endpoint, userPool: standIn.endpoint },
      });
      try {
        const out = await auth.signIn({ username: 'bench-user', password: 'bench-password-1A!' });
        if (!out.isSignedIn) throw new Error(`the bundled sign-in stopped at ${out.nextStep.signInStep}`);
        const session = await auth.fetchAuthSession();
        if (!session.credentials) throw new Error('the bundled sign-in gave no credentials');
      } finally {
        auth.stop();
      }
    });
  } finally {
    await standIn.close();
  }

  const withoutXstate = await bundle(OURS_ENTRY, ['xstate']);
  const federation = new Set([...ours.initial, ...federationLoads]);
  const signIn = new Set([...ours.initial, ...signInLoads]);
  const figures: BundleFigures['ours'] = {
    initialGzip: gzipOf(ours, ours.initial),
    federationGzip: gzipOf(ours, federation),
    signInGzip: gzipOf(ours, signIn),
    allGzip: gzipOf(ours, ours.js),
    initialParts: composition(ours, ours.initial),
    initialBytes: [...ours.initial].reduce((sum, path) => sum + ours.outputs[path]!.bytes, 0),
    withoutXstateGzip: gzipOf(withoutXstate, withoutXstate.initial),
    lazy: ours.js
      .filter((path) => !ours.initial.has(path))
      .map((path) => {
        const from = ours.outputs[path]!.entryPoint;
        return {
          chunk: from ? `${basename(from)} (loaded by import())` : `shared by the lazy chunks: ${mainParts(ours.outputs[path]!)}`,
          gzip: ours.files.get(path)!.gzip,
          federation: federation.has(path),
          signIn: signIn.has(path),
        };
      })
      .sort((a, b) => b.gzip - a.gzip),
  };
  rows.push(
    row(OURS, MEASURE.initial, figures.initialGzip),
    row(OURS, MEASURE.federation, figures.federationGzip),
    row(OURS, MEASURE.signIn, figures.signInGzip),
    row(OURS, MEASURE.all, figures.allGzip),
  );

  const peers: BundleFigures['peers'] = {};
  for (const [contender, source] of Object.entries(PEER_ENTRIES)) {
    const bundled = await bundle(source);
    peers[contender] = { initialGzip: gzipOf(bundled, bundled.initial), allGzip: gzipOf(bundled, bundled.js) };
    rows.push(row(contender, MEASURE.initial, peers[contender].initialGzip), row(contender, MEASURE.all, peers[contender].allGzip));
  }
  return { rows, ours: figures, peers };
}
