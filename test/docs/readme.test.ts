import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startEmulator } from '../../emulator/index.js';
import { createAuth } from '../../src/createAuth.js';
import { AuthError } from '../../src/vocabulary/AuthError.js';
import { createWebStorage } from '../../src/storage/createWebStorage.js';
import { createFileStorage } from '../../src/storage/node/createFileStorage.js';
import { DEFAULT_KEYCHAIN_SERVICE } from '../../src/storage/node/createKeychainStorage.js';
import { keyToPathParts, SEGMENT_LENGTH } from '../../src/storage/node/fileNames.js';
import { appScope, groupScope, Item, quarantined, scopedKey } from '../../src/storage/scopedKeys.js';
import { MAX_NAME_LENGTH } from '../../src/vocabulary/validateName.js';
import { RENEW_BEFORE_EXPIRY_MS } from '../../src/machines/auth.machine.js';
import { DEFAULT_DEADLINE_MS } from '../../src/services/authActors.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/** The ```ts blocks of a Markdown text. */
function tsBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1] as string);
}

/** The README's quick start for Node: the block that takes its storage from the Node entry. */
function nodeQuickStart(): string | undefined {
  return tsBlocks(read('README.md')).find((block) => block.includes("from 'cognito-auth-machine/node'"));
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("README's quick start", () => {
  it('runs in Node as written, keeping the session in files that a later start restores', async () => {
    const block = nodeQuickStart();
    expect(block, 'README.md has a quick start that imports its storage from cognito-auth-machine/node').toBeDefined();
    const code = block as string;
    const identityPoolId = /identityPoolId: '([^']+)'/.exec(code)?.[1];
    const region = /region: '([^']+)'/.exec(code)?.[1];
    expect({ identityPoolId, region }).toEqual({ identityPoolId: expect.any(String), region: expect.any(String) });

    // Cognito is the local emulator, reached through the AWS SDK's standard endpoint setting, so
    // the block needs no change but the package name pointing at the source.
    const emu = await startEmulator({ identityPoolId: identityPoolId as string, region: region as string });
    cleanups.push(() => emu.close());
    const work = await mkdtemp(join(tmpdir(), 'readme-quickstart-'));
    cleanups.push(() => rm(work, { recursive: true, force: true }));
    const env = { AWS_ENDPOINT_URL_COGNITO_IDENTITY: emu.endpoint, FACEBOOK_TOKEN: await emu.mintToken(emu.loginKeys.facebook, 'reader') };
    for (const [name, value] of Object.entries(env)) {
      const before = process.env[name];
      process.env[name] = value;
      cleanups.push(() => {
        if (before === undefined) delete process.env[name];
        else process.env[name] = before;
      });
    }
    const cwd = process.cwd();
    process.chdir(work);
    cleanups.push(() => process.chdir(cwd));
    const logged: unknown[][] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void logged.push(args));
    cleanups.push(() => log.mockRestore());

    const script = join(work, 'quickstart.mts');
    await writeFile(
      script,
      code
        .replace("from 'cognito-auth-machine/node'", `from ${JSON.stringify(join(ROOT, 'src/node.ts'))}`)
        .replace("from 'cognito-auth-machine'", `from ${JSON.stringify(join(ROOT, 'src/index.ts'))}`),
    );
    await import(pathToFileURL(script).href);

    expect(logged.map((args) => args[0])).toContain('federatedToIdentityPool');
    expect(emu.calls().map((call) => [call.operation, call.outcome])).toEqual([
      ['GetId', 'success'],
      ['GetCredentialsForIdentity', 'success'],
    ]);
    // The files are named as docs/access-groups.md says, for the default app id.
    const directory = join(work, '.auth');
    const sessionFile = keyToPathParts(scopedKey(appScope('default'), Item.session));
    expect(await readdir(directory)).toEqual(sessionFile);
    expect((await stat(directory)).mode & 0o777).toBe(0o700);
    expect((await stat(join(directory, ...sessionFile))).mode & 0o777).toBe(0o600);

    const again = createAuth({
      region: region as string,
      identityPoolId: identityPoolId as string,
      endpoints: { identityPool: emu.endpoint },
      storage: createFileStorage({ directory }),
    });
    cleanups.push(() => again.stop());
    await again.ready;
    expect(await again.fetchAuthSession()).toMatchObject({ isSignedIn: true, identityId: expect.any(String) });
  });

  it("the browser quick start's error in Node points to createFileStorage from 'cognito-auth-machine/node'", () => {
    expect('localStorage' in globalThis).toBe(false);
    let thrown: unknown;
    try {
      createWebStorage();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AuthError);
    const { name, message } = thrown as AuthError;
    expect(name).toBe('ValidationError');
    expect(message).toContain("createFileStorage({ directory }) from 'cognito-auth-machine/node'");
    expect(message).toContain('createMemoryStorage()');
  });
});

describe('names, files and defaults in the docs are the code’s', () => {
  const accessGroups = read('docs/access-groups.md');

  it('docs/access-groups.md lists the stored keys the code writes', () => {
    const app = 'com.example.photos';
    const group = 'com.example.shared';
    const documented = [...accessGroups.matchAll(/^\|[^|]*?`(cognito-auth-machine\/[^`]+)`[^|]*\|/gm)].map((match) =>
      (match[1] as string).replace('<appId>', app).replace('<name>', group),
    );
    expect(documented).toEqual([
      scopedKey(appScope(app), Item.session),
      scopedKey(groupScope(group), Item.session),
      scopedKey(appScope(app), Item.accessGroup),
      scopedKey(appScope(app), Item.move),
      scopedKey(appScope(app), quarantined(Item.session)),
    ]);
  });

  it("docs/access-groups.md names the file backend's files as the code does", () => {
    const example = /`(cognito-auth-machine\/[^`]+)` is the file\s+`([^`]+)`/.exec(accessGroups);
    expect(example, 'an example of a key and its file').not.toBeNull();
    const [, key, file] = example as RegExpExecArray;
    expect(keyToPathParts(key as string)).toEqual([file]);
    expect(accessGroups).toContain(`a key longer than ${SEGMENT_LENGTH / 2} bytes is cut into folders of ${SEGMENT_LENGTH} hex`);
    const long = keyToPathParts('x'.repeat(SEGMENT_LENGTH / 2 + 1));
    expect(long.map((part) => part[0])).toEqual(['d', 'k']);
  });

  it('the documented defaults and limits are the code’s', () => {
    expect(accessGroups).toContain(`(default \`${DEFAULT_KEYCHAIN_SERVICE}\`)`);
    expect(accessGroups).toContain(`of 1 to ${MAX_NAME_LENGTH} characters`);
    const guide = read('docs/guide.md');
    expect(guide).toContain(`within ${DEFAULT_DEADLINE_MS / 1000} seconds`);
    // The guide and the README say "two minutes" for the renewal margin.
    expect(RENEW_BEFORE_EXPIRY_MS).toBe(2 * 60 * 1000);
    expect(guide).toContain('Credentials within two minutes of expiry');
  });
});
