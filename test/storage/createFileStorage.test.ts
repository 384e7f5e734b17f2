import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, chown, mkdir, readdir, readFile, rename, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { isAuthError } from '../../src/vocabulary/AuthError.js';
import { createFileStorage } from '../../src/node.js';
import { keyToPathParts, pathPartsToKey, SEGMENT_LENGTH } from '../../src/storage/node/fileNames.js';
import { itSharesSessionsBetweenApps } from './sharingContract.js';
import { killChildren, startWorker } from './workers/children.js';
import { sampleSession } from './sessions.js';
import { storeFor } from './scenario.js';
import { temporaryDirectories } from './tempDirectories.js';

const freshDirectory = temporaryDirectories('cam-file-storage-');
afterEach(killChildren);

const posix = process.platform !== 'win32';
const root = typeof process.getuid === 'function' && process.getuid() === 0;
const NOBODY = 65534;
/** How temporary file names tell this host (see createFileStorage). */
const HOST = createHash('sha256').update(hostname(), 'utf8').digest('hex').slice(0, 8);
const SECRET = 'provider-token-of-the-session';

/** The id of a process that has ended. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid as number;
}

/** The error a call rejects with. */
async function rejection(call: Promise<unknown>): Promise<Error> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

/** Asserts a StorageError that says `fix` and names no stored value. */
function expectRefusal(error: Error, fix: RegExp): void {
  expect(isAuthError(error, 'StorageError')).toBe(true);
  expect(`${error.message} ${(error as { recoverySuggestion?: string }).recoverySuggestion}`).toMatch(fix);
  expect(JSON.stringify({ ...error, message: error.message })).not.toContain(SECRET);
}

/** A key long enough to be kept in a folder of its own (`d…/k…`). */
const LONG_KEY = `cognito-auth-machine/group/${'g'.repeat(150)}/session`;

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

describe('createFileStorage with temporary files a killed writer left', () => {
  const KEY = 'cognito-auth-machine/group/team/session';
  const name = keyToPathParts(KEY)[0] as string;
  const old = new Date(Date.now() - 10 * 60_000);

  it('removes them at the first use of the store, once their writer is gone or they are old', async () => {
    const directory = await freshDirectory();
    await createFileStorage({ directory }).setItem(KEY, 'whole');
    const ofDeadWriter = join(directory, `.${name}.${HOST}-${deadPid()}.0123456789ab.tmp`);
    const ofOlderVersion = join(directory, `.${name}.0123456789ab.tmp`);
    await writeFile(ofDeadWriter, SECRET);
    await writeFile(ofOlderVersion, SECRET);
    await utimes(ofOlderVersion, old, old);
    const inFolder = join(directory, keyToPathParts(LONG_KEY)[0] as string);
    await createFileStorage({ directory }).setItem(LONG_KEY, 'long');
    const nested = join(inFolder, `.${keyToPathParts(LONG_KEY)[1]}.abcdef012345.tmp`);
    await writeFile(nested, SECRET);
    await utimes(nested, old, old);
    expect(await createFileStorage({ directory }).getItem(KEY)).toBe('whole');
    expect(await readdir(directory)).toEqual([name, keyToPathParts(LONG_KEY)[0]].sort());
    expect(await readdir(inFolder)).toEqual([keyToPathParts(LONG_KEY)[1]]);
  });

  it('removes the one a writer killed (SIGKILL) in the middle of a write left, at the next use', async () => {
    const directory = await freshDirectory();
    const counterName = keyToPathParts('cognito-auth-machine/group/team/counter')[0] as string;
    const temporaries = async () => (await readdir(directory)).filter((n) => n.startsWith(`.${counterName}.`));
    // The kill must land while a temporary file exists; most do, and a few tries make it sure.
    for (let attempt = 0; attempt < 8 && (await temporaries()).length === 0; attempt += 1) {
      const writer = startWorker([directory, 'write', String(4_000_000)]);
      await writer.said('ready');
      writer.process.stdin.write('go\n');
      await writer.said('writing');
      await new Promise((resolve) => setTimeout(resolve, 150 + 40 * attempt));
      writer.process.kill('SIGKILL');
      await writer.exited();
    }
    expect(await temporaries()).not.toEqual([]);
    await createFileStorage({ directory }).getItem('cognito-auth-machine/group/team/counter');
    expect(await temporaries()).toEqual([]);
  }, 90_000);

  it('removes those of a key when the key is written', async () => {
    const directory = await freshDirectory();
    const storage = createFileStorage({ directory });
    await storage.getItem(KEY);
    const abandoned = join(directory, `.${name}.0123456789ab.tmp`);
    await writeFile(abandoned, SECRET);
    await utimes(abandoned, old, old);
    await storage.setItem(KEY, 'new');
    expect(await readdir(directory)).toEqual([name]);
  });

  it('keeps the temporary file of a write still under way in a live process', async () => {
    const directory = await freshDirectory();
    const live = join(directory, `.${name}.${HOST}-${process.pid}.0123456789ab.tmp`);
    await mkdir(directory, { recursive: true });
    await writeFile(live, 'in progress');
    await createFileStorage({ directory }).getItem(KEY);
    expect(await readdir(directory)).toContain(`.${name}.${HOST}-${process.pid}.0123456789ab.tmp`);
  });

  it('leaves no secret of a key on disk once the key is removed, temporary files included', async () => {
    const directory = await freshDirectory();
    const storage = createFileStorage({ directory });
    await storage.setItem(KEY, SECRET);
    await writeFile(join(directory, `.${name}.${HOST}-${process.pid}.0123456789ab.tmp`), SECRET);
    await writeFile(join(directory, `.${name}.fedcba987654.tmp`), SECRET);
    await storage.removeItem(KEY);
    expect(await readdir(directory)).toEqual([]);
  });
});

describe.runIf(posix)('createFileStorage refuses what other users could have written', () => {
  it('refuses a storage folder that others can write, saying to chmod 700 it', async () => {
    for (const mode of [0o777, 0o770, 0o702]) {
      const directory = await freshDirectory();
      await createFileStorage({ directory }).setItem('k', SECRET);
      await chmod(directory, mode);
      const storage = createFileStorage({ directory });
      const read = await rejection(storage.getItem('k'));
      expectRefusal(read, new RegExp(`chmod 700 ${directory}`));
      expectRefusal(await rejection(storage.setItem('k', 'x')), /chmod 700/);
      expectRefusal(await rejection(storage.removeItem('k')), /chmod 700/);
      expect(await readFile(join(directory, keyToPathParts('k')[0] as string), 'utf8')).toBe(SECRET);
    }
  });

  it('refuses a session file that others can write, saying to chmod 600 it', async () => {
    const directory = await freshDirectory();
    const storage = createFileStorage({ directory });
    await storage.setItem('k', SECRET);
    const file = join(directory, keyToPathParts('k')[0] as string);
    await chmod(file, 0o666);
    expectRefusal(await rejection(storage.getItem('k')), /chmod 600/);
    await chmod(file, 0o620);
    expectRefusal(await rejection(storage.getItem('k')), /chmod 600/);
  });

  it('refuses a key folder (of a long key) that others can write', async () => {
    const directory = await freshDirectory();
    const storage = createFileStorage({ directory });
    await storage.setItem(LONG_KEY, SECRET);
    await chmod(join(directory, keyToPathParts(LONG_KEY)[0] as string), 0o777);
    expectRefusal(await rejection(storage.getItem(LONG_KEY)), /chmod 700/);
  });

  it('refuses a storage folder and a session file that another user owns', async (ctx) => {
    if (!root) ctx.skip('Giving a file to another user (chown) needs root.');
    const directory = await freshDirectory();
    const storage = createFileStorage({ directory });
    await storage.setItem('k', SECRET);
    const file = join(directory, keyToPathParts('k')[0] as string);
    await chown(file, NOBODY, NOBODY);
    expectRefusal(await rejection(storage.getItem('k')), /another user/);
    expectRefusal(await rejection(storage.setItem('k', 'mine')), /another user/);
    await chown(file, 0, 0);
    await chown(directory, NOBODY, NOBODY);
    expectRefusal(await rejection(createFileStorage({ directory }).getItem('k')), /another user/);
  });
});

describe.runIf(posix)('createFileStorage follows no symbolic link', () => {
  const parts = keyToPathParts(LONG_KEY);
  const [segment, file] = parts as [string, string];

  /** A storage folder whose key folder for LONG_KEY is a link to a folder outside, holding a foreign record. */
  async function linkedKeyFolder(): Promise<{ directory: string; outside: string }> {
    const directory = await freshDirectory();
    const outside = await freshDirectory();
    await writeFile(join(outside, file), 'a record someone else put there');
    await symlink(outside, join(directory, segment));
    return { directory, outside };
  }

  it('refuses a key folder that is a link, on read, write and removal, and touches nothing outside', async () => {
    const { directory, outside } = await linkedKeyFolder();
    const storage = createFileStorage({ directory });
    expectRefusal(await rejection(storage.getItem(LONG_KEY)), /symbolic link/);
    expectRefusal(await rejection(storage.setItem(LONG_KEY, SECRET)), /symbolic link/);
    expectRefusal(await rejection(storage.removeItem(LONG_KEY)), /symbolic link/);
    expect(await readdir(outside)).toEqual([file]);
    expect(await readFile(join(outside, file), 'utf8')).toBe('a record someone else put there');
  });

  it('refuses a session file that is a link', async () => {
    const directory = await freshDirectory();
    const outside = await freshDirectory();
    await writeFile(join(outside, 'record'), 'a record someone else put there');
    await symlink(join(outside, 'record'), join(directory, keyToPathParts('k')[0] as string));
    const storage = createFileStorage({ directory });
    expectRefusal(await rejection(storage.getItem('k')), /symbolic link/);
    expectRefusal(await rejection(storage.setItem('k', SECRET)), /symbolic link/);
    expect(await readFile(join(outside, 'record'), 'utf8')).toBe('a record someone else put there');
  });

  it('accepts a storage folder named through a link, and refuses a link swapped in for it later', async () => {
    const real = await freshDirectory();
    const named = join(await freshDirectory(), 'named');
    await symlink(real, named);
    const storage = createFileStorage({ directory: named });
    await storage.setItem('k', 'one');
    expect(await readdir(real)).toEqual([keyToPathParts('k')[0]]);
    // The folder is moved away and a link to another folder takes its place.
    const elsewhere = await freshDirectory();
    await rename(real, `${real}.moved`);
    onTestFinished(() => rm(`${real}.moved`, { recursive: true, force: true }));
    await symlink(elsewhere, real);
    expectRefusal(await rejection(storage.setItem('k', SECRET)), /symbolic link/);
    expect(await readdir(elsewhere)).toEqual([]);
  });
});

describe('createFileStorage.withLock', () => {
  it('lets one holder in at a time between two stores over one folder', async () => {
    const directory = await freshDirectory();
    const stores = [createFileStorage({ directory }), createFileStorage({ directory })];
    const KEY = 'cognito-auth-machine/group/team/session';
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (stores[i % 2] as (typeof stores)[number]).withLock?.(KEY, async () => {
          const value = Number((await stores[0]?.getItem(KEY)) ?? '0');
          await new Promise((resolve) => setTimeout(resolve, 1));
          await stores[1]?.setItem(KEY, String(value + 1));
        }),
      ),
    );
    expect(await stores[0]?.getItem(KEY)).toBe('20');
    // The lock files are gone; only the key's file is left.
    expect(await readdir(directory)).toEqual([keyToPathParts(KEY)[0]]);
  });

  it('makes the storage folder (0700) when it takes a lock before the first write', async () => {
    const directory = join(await freshDirectory(), 'new');
    expect(await createFileStorage({ directory }).withLock?.('k', async () => 'done')).toBe('done');
    if (posix) expect((await stat(directory)).mode & 0o777).toBe(0o700);
  });

  it('throws ValidationError for a lockTimeout that is not a positive number', () => {
    expect(() => createFileStorage({ directory: 'x', lockTimeout: 0 })).toThrow(/lockTimeout/);
  });
});
