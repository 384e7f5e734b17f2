/**
 * The package as users get it: built into a temporary folder, packed with `npm pack` (so the
 * `files` list applies), installed offline into a temporary consumer project (xstate, the peer,
 * linked from this repository's node_modules, and the React kit's optional peers beside it), then
 * type-checked under the module resolutions TypeScript projects use and run under Node as ESM and
 * as CommonJS.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const bin = (name: string) => join(ROOT, 'node_modules', '.bin', name);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

let work: string;
let consumer: string;
let packed: string[];

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** `tsc -p` in the consumer; the compiler's report when it fails. */
function typeCheck(project: string): void {
  try {
    run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], consumer);
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`tsc -p ${project} failed:\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

/** What the consumer uses from each entry, with one deliberate type error that must be caught. */
const consumerSource = `
import { AuthError, AuthProvider, createAuth, createMemoryStorage, type AuthSession } from 'cognito-auth-machine';
import { createFileStorage, type FileStorageOptions } from 'cognito-auth-machine/node';
import { createCognitoIdentityService, type CognitoIdentityService } from 'cognito-auth-machine/services';
import { createExpoSecureStorage, type ExpoSecureStoreModule } from 'cognito-auth-machine/react-native';
import { useAuthState, type AuthState } from 'cognito-auth-machine/react';

export const stateOf: (auth: ReturnType<typeof createAuth>) => AuthState = useAuthState;
const options: FileStorageOptions = { directory: '.auth' };
export const fileStorage = createFileStorage(options);
export const identity: CognitoIdentityService = createCognitoIdentityService({ region: 'us-east-1', identityPoolId: 'us-east-1:01234567-89ab-cdef-0123-456789abcdef' });
export const facebook: AuthProvider = AuthProvider.facebook;
declare const SecureStore: ExpoSecureStoreModule;
export const secureStorage = createExpoSecureStorage(SecureStore);
export const isAuthError = (error: unknown): boolean => error instanceof AuthError;

export async function signedOutSession(): Promise<AuthSession> {
  const auth = createAuth({ region: 'us-east-1', identityPoolId: 'us-east-1:01234567-89ab-cdef-0123-456789abcdef', storage: createMemoryStorage() });
  try {
    return await auth.fetchAuthSession();
  } finally {
    auth.stop();
  }
}

// The types are the package's, not \`any\`: a wrong one is refused.
// @ts-expect-error directory is a string
export const wrong: FileStorageOptions = { directory: 42 };
`;

/** The tsconfig of one module resolution, checking `files` with the packed declarations too. */
function tsconfig(module: string, moduleResolution: string, files: string[]): string {
  return JSON.stringify({
    compilerOptions: {
      module,
      moduleResolution,
      target: 'ES2022',
      lib: ['ES2022', 'DOM'],
      strict: true,
      noEmit: true,
      types: [],
      // The package's declarations are checked too, without the optional AWS SDK peer installed.
      skipLibCheck: false,
    },
    files,
  });
}

/**
 * Runs the seven entries (the Amplify one without Amplify installed: it loads none of it) and a
 * signed-out fetchAuthSession (no network), printing one line.
 */
const runtimeCheck = (load: string) => `
${load}
const names = [typeof root.createAuth, typeof node.createFileStorage, typeof services.createCognitoIdentityService, typeof amplify.createAmplifyAuthOptions, typeof reactNative.createExpoSecureStorage, typeof testing.createGatedAuth, typeof react.useAuthState];
const auth = root.createAuth({ region: 'us-east-1', identityPoolId: 'us-east-1:01234567-89ab-cdef-0123-456789abcdef', storage: root.createMemoryStorage() });
auth.fetchAuthSession().then((session) => {
  auth.stop();
  console.log(JSON.stringify({ names, isSignedIn: session.isSignedIn }));
});
`;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'packaging-'));
  // Build and pack a copy, so that the repository's own dist/ is left to the tests that read it.
  const staging = join(work, 'package');
  mkdirSync(staging);
  for (const name of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'docs']) cpSync(join(ROOT, name), join(staging, name), { recursive: true });
  run(bin('tsup'), ['--out-dir', join(staging, 'dist'), '--silent'], ROOT);
  const pack = JSON.parse(run(npm, ['pack', '--json', '--pack-destination', work], staging)) as { filename: string; files: { path: string }[] }[];
  packed = pack[0]!.files.map((file) => file.path).sort();
  const tarball = join(work, pack[0]!.filename);

  consumer = join(work, 'consumer');
  mkdirSync(consumer);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  // Offline: the tarball, and xstate from this repository (the optional keychain module is skipped).
  run(npm, ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', tarball, `file:${join(ROOT, 'node_modules', 'xstate')}`], consumer);
  // The React kit's optional peers, as an app using it installs them; linked, not installed, so
  // that npm does not fill this repository's copies with dependencies of their own.
  for (const peer of ['react', '@xstate/react', '@types/react']) {
    mkdirSync(dirname(join(consumer, 'node_modules', peer)), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', peer), join(consumer, 'node_modules', peer), 'dir');
  }

  writeFileSync(join(consumer, 'consumer.ts'), consumerSource);
  writeFileSync(join(consumer, 'consumer.mts'), consumerSource);
  writeFileSync(join(consumer, 'consumer.cts'), consumerSource);
  writeFileSync(join(consumer, 'tsconfig.node10.json'), tsconfig('commonjs', 'node10', ['consumer.ts']));
  writeFileSync(join(consumer, 'tsconfig.node16.json'), tsconfig('node16', 'node16', ['consumer.mts', 'consumer.cts']));
  writeFileSync(join(consumer, 'tsconfig.bundler.json'), tsconfig('esnext', 'bundler', ['consumer.ts']));
  writeFileSync(
    join(consumer, 'esm.mjs'),
    runtimeCheck(`import * as root from 'cognito-auth-machine';
import * as node from 'cognito-auth-machine/node';
import * as services from 'cognito-auth-machine/services';
import * as amplify from 'cognito-auth-machine/amplify';
import * as reactNative from 'cognito-auth-machine/react-native';
import * as testing from 'cognito-auth-machine/testing';
import * as react from 'cognito-auth-machine/react';`),
  );
  writeFileSync(
    join(consumer, 'cjs.cjs'),
    runtimeCheck(`const root = require('cognito-auth-machine');
const node = require('cognito-auth-machine/node');
const services = require('cognito-auth-machine/services');
const amplify = require('cognito-auth-machine/amplify');
const reactNative = require('cognito-auth-machine/react-native');
const testing = require('cognito-auth-machine/testing');
const react = require('cognito-auth-machine/react');`),
  );
}, 240_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('holds the built entries, the user docs and API reference, README, LICENSE and CHANGELOG', () => {
    for (const entry of ['index', 'node', 'services', 'amplify', 'reactNative', 'testing', 'react']) {
      for (const ext of ['.js', '.cjs', '.d.ts', '.d.cts']) expect(packed).toContain(`dist/${entry}${ext}`);
    }
    for (const file of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'docs/api/README.md', 'docs/guide.md', 'docs/statechart.md', 'docs/react.md']) {
      expect(packed).toContain(file);
    }
  });

  it('holds no source maps, sources, tests or repository-only docs', () => {
    expect(packed.filter((path) => path.endsWith('.map'))).toEqual([]);
    expect(packed.filter((path) => !/^(dist|docs)\//.test(path))).toEqual(['CHANGELOG.md', 'LICENSE', 'README.md', 'package.json']);
    expect(packed).not.toContain('docs/emulator.md');
    expect(packed).not.toContain('docs/PERFORMANCE.md');
  });
});

describe('a consumer project with the package installed', () => {
  it('type-checks its imports of all four entries under moduleResolution node10', () => {
    typeCheck('tsconfig.node10.json');
  });

  it('type-checks them under moduleResolution node16, from an ES module and from a CommonJS module', () => {
    typeCheck('tsconfig.node16.json');
  });

  it('type-checks them under moduleResolution bundler', () => {
    typeCheck('tsconfig.bundler.json');
  });

  it('runs them under Node as ES modules (import)', () => {
    const output = JSON.parse(run(process.execPath, ['esm.mjs'], consumer)) as unknown;
    expect(output).toEqual({ names: ['function', 'function', 'function', 'function', 'function', 'function', 'function'], isSignedIn: false });
  });

  it('runs them under Node as CommonJS (require)', () => {
    const output = JSON.parse(run(process.execPath, ['cjs.cjs'], consumer)) as unknown;
    expect(output).toEqual({ names: ['function', 'function', 'function', 'function', 'function', 'function', 'function'], isSignedIn: false });
  });
});
