/**
 * The client path talks to Cognito with our own fetch clients: no AWS SDK and no jose is loaded
 * on it, and the HTTP layer needs no TextDecoder, atob or Buffer (React Native, small runtimes).
 * The SDK is loaded in one place only, lazily, for apps that hand us their own SDK client.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? sources(full) : full.endsWith('.ts') ? [full] : [];
  });
}

const code = (file: string) => readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
const relative = (file: string) => path.relative(SRC, file).split(path.sep).join('/');

describe('the client path', () => {
  it('imports neither the AWS SDK nor jose, except the optional SDK way in, lazily', () => {
    const offenders: string[] = [];
    for (const file of sources(SRC)) {
      const text = code(file);
      const staticImports = [...text.matchAll(/^\s*import\s+(type\s+)?[^;]*?from\s+'([^']+)'/gm)];
      for (const [, typeOnly, from] of staticImports) {
        if (/^(@aws-sdk|@smithy)\//.test(from!) || from === 'jose') {
          if (!(relative(file) === 'services/sdkCognitoIdentity.ts' && typeOnly)) offenders.push(`${relative(file)}: ${from}`);
        }
      }
      const dynamic = [...text.matchAll(/import\(\s*'([^']+)'\s*\)/g)].map((m) => m[1]!);
      for (const from of dynamic) {
        if ((/^(@aws-sdk|@smithy)\//.test(from) || from === 'jose') && relative(file) !== 'services/sdkCognitoIdentity.ts') {
          offenders.push(`${relative(file)}: import(${from})`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it('decodes bytes without TextDecoder, atob or Buffer in the HTTP layer', () => {
    for (const file of sources(path.join(SRC, 'services/http'))) {
      expect(code(file), relative(file)).not.toMatch(/\b(TextDecoder|TextEncoder|atob|btoa|Buffer)\b/);
    }
  });
});
