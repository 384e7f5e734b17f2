import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * What the examples may use without defining it: values an app has at hand (a provider token, a
 * configured `auth`), and the package's names a page imports in its first block, declared once
 * here so that each block can stay as short as a reader wants. A block that defines or imports
 * one of these names itself shadows the declaration.
 */
const PRELUDE = `
declare const createAuth: typeof import('cognito-auth-machine').createAuth;
declare const AuthProvider: typeof import('cognito-auth-machine').AuthProvider;
declare const AuthError: typeof import('cognito-auth-machine').AuthError;
declare const AccessGroup: typeof import('cognito-auth-machine').AccessGroup;
declare const auth: import('cognito-auth-machine').Auth;
declare const config: import('cognito-auth-machine').AuthConfig;
declare const storage: import('cognito-auth-machine').SecureStorage;
declare const facebookToken: string;
declare const username: string;
declare const password: string;
declare const newPassword: string;
declare const region: string;
declare const identityPoolId: string;
declare function getFreshFacebookToken(): Promise<string>;
declare const emu: import('./emulator/index.js').EmulatorHandle;
/** The AWS SDK's S3 client, as far as the examples use it. */
declare class S3Client {
  constructor(config: { region: string; credentials: import('@smithy/types').AwsCredentialIdentityProvider });
}
`;
const PRELUDE_FILE = join(ROOT, 'docs-examples-prelude.d.ts');

/** The package's entry points, compiled from source. */
const ENTRY_POINTS = {
  'cognito-auth-machine': ['src/index.ts'],
  'cognito-auth-machine/node': ['src/node.ts'],
  'cognito-auth-machine/react-native': ['src/reactNative.ts'],
  'cognito-auth-machine/services': ['src/services/index.ts'],
  'cognito-auth-machine/amplify': ['src/amplify.ts'],
  'cognito-auth-machine/testing': ['src/testing/index.ts'],
  'cognito-auth-machine/react': ['src/react.ts'],
};

interface CodeBlock {
  /** Where the block is: `docs/guide.md:24`. */
  where: string;
  /** The file it is compiled as, beside the Markdown file so that relative imports resolve. */
  fileName: string;
  code: string;
}

/** README.md and docs/*.md. */
function markdownFiles(): string[] {
  const docs = readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md'));
  return ['README.md', ...docs.map((name) => `docs/${name}`)];
}

/**
 * The ```ts blocks of a Markdown file. A block fenced ```ts ignore: <reason> is left out; the
 * reason is required, so that every opt-out says why.
 */
function codeBlocks(file: string): { blocks: CodeBlock[]; optOutsWithoutReason: string[] } {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const blocks: CodeBlock[] = [];
  const optOutsWithoutReason: string[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    const fence = /^```(ts|typescript)\b(.*)$/.exec(lines[i] as string);
    if (!fence) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end] !== '```') end += 1;
    const info = (fence[2] as string).trim();
    const where = `${file}:${start}`;
    if (/^ignore\b/.test(info)) {
      if (!/^ignore\s*[:—-]\s*\S/.test(info)) optOutsWithoutReason.push(where);
    } else {
      blocks.push({
        where,
        fileName: join(ROOT, dirname(file), `${basename(file)}.line${start}.example.ts`),
        code: lines.slice(start, end).join('\n'),
      });
    }
    i = end;
  }
  return { blocks, optOutsWithoutReason };
}

function compilerOptions(): ts.CompilerOptions {
  const configFile = ts.readConfigFile(join(ROOT, 'tsconfig.json'), (path) => ts.sys.readFile(path));
  const { options } = ts.parseJsonConfigFileContent(configFile.config, ts.sys, ROOT);
  return {
    ...options,
    noEmit: true,
    // Every block is a module of its own, even one without imports.
    moduleDetection: ts.ModuleDetectionKind.Force,
    baseUrl: ROOT,
    paths: ENTRY_POINTS,
  };
}

/** Type-checks the blocks against the package's source; returns one line per error. */
function typeErrors(blocks: CodeBlock[]): string[] {
  const options = compilerOptions();
  const virtual = new Map<string, string>([[PRELUDE_FILE, PRELUDE], ...blocks.map((b) => [b.fileName, b.code] as const)]);
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (name) => virtual.has(name) || fileExists.call(host, name);
  host.readFile = (name) => virtual.get(name) ?? readFile.call(host, name);
  host.getSourceFile = (name, language, onError, create) => {
    const text = virtual.get(name);
    return text === undefined
      ? getSourceFile.call(host, name, language, onError, create)
      : ts.createSourceFile(name, text, language, true);
  };
  const program = ts.createProgram({ rootNames: [...virtual.keys()], options, host });
  const whereOf = new Map(blocks.map((b) => [b.fileName, b.where]));
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    const file = diagnostic.file;
    if (!file || diagnostic.start === undefined) return message;
    const { line } = file.getLineAndCharacterOfPosition(diagnostic.start);
    const where = whereOf.get(file.fileName);
    // A block's line n is the Markdown file's line (fence + n).
    const place = where ? `${where.split(':')[0]}:${Number(where.split(':')[1]) + line + 1}` : file.fileName;
    return `${place}: ${message}`;
  });
}

describe('TypeScript examples in README.md and docs/*.md', () => {
  const found = markdownFiles().map(codeBlocks);
  const blocks = found.flatMap((f) => f.blocks);

  it('finds the examples', () => {
    const files = new Set(blocks.map((b) => b.where.split(':')[0]));
    expect([...files]).toEqual(expect.arrayContaining(['README.md', 'docs/guide.md', 'docs/access-groups.md']));
  });

  it('give a reason wherever they opt out of the check', () => {
    expect(found.flatMap((f) => f.optOutsWithoutReason)).toEqual([]);
  });

  it('compile under --strict against the package source', () => {
    expect(typeErrors(blocks)).toEqual([]);
  });
});
