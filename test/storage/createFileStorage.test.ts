import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { isAuthError } from '../../src/AuthError.js';
import { createFileStorage } from '../../src/node.js';
import { keyToPathParts, pathPartsToKey, SEGMENT_LENGTH } from '../../src/storage/node/fileNames.js';
import { itSharesSessionsBetweenApps } from './sharingContract.js';
import { sampleSession } from './sessions.js';
import { storeFor } from './scenario.js';

const made: string[] = [];
async function freshDirectory(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'cam-file-storage-'));
  made.push(directory);
  return directory;
}
afterAll(async () => {
  await Promise.all(made.map((d) => rm(d, { recursive: true, force: true })));
});

const posix = process.platform !== 'win32';

describe('file names for keys', () => {
  const key = fc.string({ unit: 'grapheme', maxLength: 400 });

  it('never give two keys the same path', () => {
    fc.assert(
      fc.property(key, key, (a, b) => {
        expect(keyToPathParts(a).join('/') === keyToPathParts(b).join('/')).toBe(a === b);
      }),
      { numRuns: 2000 },
    );
  });

  it('can be read back into the key, and are short, safe names', () => {
    fc.assert(
      fc.property(key, (k) => {
        const parts = keyToPathParts(k);
        expect(pathPartsToKey(parts)).toBe(k);
        for (const part of parts) {
          expect(part).toMatch(/^[dk][0-9a-f]*$/);
          expect(part.length).toBeLessThanOrEqual(SEGMENT_LENGTH + 1);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('refuse keys that are not well-formed Unicode', () => {
    expect(() => keyToPathParts('a\uDC00')).toThrow(/well-formed/);
  });
});

describe('createFileStorage', () => {
  it('keeps, returns and removes values, in owner-only files of an owner-only directory', async () => {
    const directory = join(await freshDirectory(), 'nested', 'store');
    const storage = createFileStorage({ directory });
    expect(await storage.getItem('cognito-auth-machine/app/x/session')).toBeNull();
    await storage.setItem('cognito-auth-machine/app/x/session', 'value ✓');
    expect(await storage.getItem('cognito-auth-machine/app/x/session')).toBe('value ✓');
    const [file] = await readdir(directory);
    expect(file).toBe(keyToPathParts('cognito-auth-machine/app/x/session')[0]);
    if (posix) {
      expect((await stat(directory)).mode & 0o777).toBe(0o700);
      expect((await stat(join(directory, file as string))).mode & 0o777).toBe(0o600);
    }
    await storage.removeItem('cognito-auth-machine/app/x/session');
    await storage.removeItem('cognito-auth-machine/app/x/session');
    expect(await storage.getItem('cognito-auth-machine/app/x/session')).toBeNull();
    expect(await readdir(directory)).toEqual([]);
  });

  it('replaces a value whole and leaves no temporary file behind', async () => {
    const directory = await freshDirectory();
    const storage = createFileStorage({ directory });
    await storage.setItem('k', 'x'.repeat(100_000));
    const values = Array.from({ length: 20 }, (_, i) => `${i}:`.repeat(25_000));
    await Promise.all(values.map((value) => storage.setItem('k', value)));
    expect(values).toContain(await storage.getItem('k'));
    expect(await readdir(directory)).toEqual([keyToPathParts('k')[0]]);
  });

  it('keeps long keys apart in nested directories', async () => {
    const directory = await freshDirectory();
    const storage = createFileStorage({ directory });
    const long = `cognito-auth-machine/group/${'é'.repeat(256)}/session`;
    const longer = `${long}.quarantined`;
    await storage.setItem(long, 'one');
    await storage.setItem(longer, 'two');
    expect(await storage.getItem(long)).toBe('one');
    expect(await storage.getItem(longer)).toBe('two');
    const text = await readFile(join(directory, ...keyToPathParts(long)), 'utf8');
    expect(text).toBe('one');
  });

  it('ignores temporary files that a crash left behind', async () => {
    const directory = await freshDirectory();
    const storage = createFileStorage({ directory });
    await storage.setItem('k', 'whole');
    const [name] = keyToPathParts('k');
    await writeFile(join(directory, `.${name}.0123456789ab.tmp`), 'partial');
    expect(await storage.getItem('k')).toBe('whole');
  });

  it('throws ValidationError without a directory', () => {
    let error: unknown;
    try {
      createFileStorage({ directory: '' });
    } catch (e) {
      error = e;
    }
    expect(isAuthError(error, 'ValidationError')).toBe(true);
  });

  it('rejects with a StorageError when the directory cannot be written', async () => {
    const directory = await freshDirectory();
    await writeFile(join(directory, 'file'), '');
    const storage = createFileStorage({ directory: join(directory, 'file') });
    const error = await storage.setItem('k', 'v').catch((e: unknown) => e);
    expect(isAuthError(error, 'StorageError')).toBe(true);
    expect((error as Error).cause).toBeDefined();
  });

  it('keeps a session across restarts of the store', async () => {
    const directory = await freshDirectory();
    await storeFor(createFileStorage({ directory }), 'team', true).save(sampleSession('federated'));
    const { session } = await storeFor(createFileStorage({ directory }), 'team', true).open();
    expect(session?.kind).toBe('federated');
  });

  describe('between two apps over one directory', () => {
    itSharesSessionsBetweenApps(async () => {
      const directory = await freshDirectory();
      return [createFileStorage({ directory }), createFileStorage({ directory })];
    });
  });
});
