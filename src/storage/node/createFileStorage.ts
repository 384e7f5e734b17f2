import { createHash, randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, realpath, rename, rm, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { AuthError, isAuthError } from '../../vocabulary/AuthError.js';
import { DEFAULT_LOCK_TIMEOUT } from '../inProcessLock.js';
import type { SecureStorage } from '../../vocabulary/SecureStorage.js';
import { storageError } from '../storageError.js';
import { createFileLock, isProcessGone } from './fileLock.js';
import { keyToPathParts } from './fileNames.js';
import { ensureOwnerOnlyFolder, errorCode, isMissing, lstatOrMissing, NO_FOLLOW, refuseUnsafe, symlinkRefused } from './ownerOnly.js';

export interface FileStorageOptions {
  /** The directory that holds one file per key; created (mode 0700) on the first write. */
  directory: string;
  /** How long `withLock` waits for a lock held by another process, in milliseconds; default 10 000. */
  lockTimeout?: number;
}

const FILE_MODE = 0o600;
const DIRECTORY_MODE = 0o700;

/** A temporary file whose writer cannot be asked is removed once it is this old. */
const TEMPORARY_FILE_LIFETIME = 60_000;

/** Names the host in temporary file names, short and safe for a file name. */
const HOST_TAG = createHash('sha256').update(hostname(), 'utf8').digest('hex').slice(0, 8);

/** `.<file>.<host>-<pid>.<random>.tmp`; files of older versions lack the `<host>-<pid>.` part. */
const TEMPORARY = /^\.(k[0-9a-f]*)\.(?:([0-9a-f]{8})-(\d+)\.)?[0-9a-f]+\.tmp$/;

const READ_FLAGS = constants.O_RDONLY | NO_FOLLOW;
const CREATE_FLAGS = constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | NO_FOLLOW;

/** Makes a rename or removal in `directory` durable. Windows cannot open directories; skip it there. */
async function syncDirectory(directory: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The error to throw: a refusal of ours as it is, anything else as a `StorageError` saying `what`. */
function failure(what: string, error: unknown): AuthError {
  return isAuthError(error) ? error : storageError(what, error);
}

/** Whether a temporary file was left by a writer that is gone or that has had far too long. */
function isAbandoned(name: string, stats: Stats, now: number): boolean {
  const parts = TEMPORARY.exec(name);
  if (parts === null) return false;
  const [, , host, pid] = parts;
  if (host === HOST_TAG && pid !== undefined && isProcessGone(Number(pid))) return true;
  return now - stats.mtimeMs > TEMPORARY_FILE_LIFETIME;
}

/**
 * Removes temporary files in `folder`: of the file `name` only, when given, else of every key;
 * all of them when `all`, else the abandoned ones. A removal that fails is left for next time.
 */
async function sweep(folder: string, options: { name?: string; all?: boolean }): Promise<void> {
  const now = Date.now();
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.startsWith('.')) continue;
    const path = join(folder, entry.name);
    const stats = await lstatOrMissing(path);
    if (stats === undefined) continue;
    const ofKey = TEMPORARY.exec(entry.name);
    if (ofKey === null || (options.name !== undefined && ofKey[1] !== options.name)) continue;
    if (options.all === true || isAbandoned(entry.name, stats, now)) await unlink(path).catch(() => undefined);
  }
}

/** Sweeps the storage folder and its key folders (`d…`), which are checked before they are entered. */
async function sweepTree(folder: string, depth = 0): Promise<void> {
  await sweep(folder, {});
  if (depth > 64) return;
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    if (!entry.isDirectory() || !/^d[0-9a-f]+$/.test(entry.name)) continue;
    const path = join(folder, entry.name);
    const stats = await lstatOrMissing(path);
    if (stats === undefined) continue;
    refuseUnsafe(stats, path, 'folder');
    await sweepTree(path, depth + 1);
  }
}

/**
 * A {@link SecureStorage} of files in one directory, for Node: one file per key, readable only by
 * the owner (0600), in a directory created 0700. File names are the keys' UTF-8 in hex (a long
 * key is split into sub-folders). The files are protected by permissions only, not encrypted.
 *
 * Guarantees:
 * - One item is written atomically: the value goes to a temporary file in the same folder, is
 *   flushed to disk, then renamed over the old file, and the folder is flushed too, so a crash
 *   leaves either the old value or the new one, never a mix. Temporary files that a killed
 *   writer left (they hold a whole value) are removed at the first use of the store and when the
 *   key is written again (once their process is gone, or after a minute), and every one of a key
 *   is removed when the key is removed.
 * - `withLock` is a lock file in the directory (`l<hash>`, beside the key files), so it reaches
 *   every process of this host that uses the directory, and other hosts on a shared file system.
 *   A lock whose process has ended is broken at once, one of another host after 30 seconds
 *   without a sign of life; the wait is bounded by `lockTimeout` (default 10 seconds), after which
 *   it rejects with a `StorageError`. Without the lock, the last write of a key wins.
 * - Trust: like ssh with its key files, the store refuses (with a `StorageError` that says what to
 *   fix) a folder or file that another user owns or that group or others can write, and follows
 *   no symbolic link below the directory, on read or write. The directory itself is named by the
 *   user: links in that name are resolved once, at the first use, and from then on the resolved
 *   folder is used and checked at every call, so a link swapped in later is refused, not
 *   followed. (On Windows only the link checks apply.)
 *
 * @throws {AuthError} `ValidationError` when `directory` is missing or `lockTimeout` is not a
 *   positive number.
 */
export function createFileStorage(options: FileStorageOptions): SecureStorage {
  const directory = options?.directory;
  if (typeof directory !== 'string' || directory.length === 0) {
    throw new AuthError('ValidationError', { message: 'createFileStorage needs { directory }: the folder to keep the files in.' });
  }
  const lockTimeout = options.lockTimeout ?? DEFAULT_LOCK_TIMEOUT;
  if (typeof lockTimeout !== 'number' || !(lockTimeout > 0)) {
    throw new AuthError('ValidationError', { message: 'lockTimeout must be a positive number of milliseconds.' });
  }
  const named = resolve(directory);
  let resolved: string | undefined;
  let firstSweep: Promise<void> | undefined;

  /** The storage folder, links in its name resolved once and itself checked; `undefined` when missing and not `create`. */
  const root = async (create: boolean): Promise<string | undefined> => {
    if (resolved === undefined) {
      try {
        resolved = await realpath(named);
      } catch (error) {
        if (!isMissing(error)) throw error;
        if (!create) return undefined;
        await mkdir(named, { recursive: true, mode: DIRECTORY_MODE });
        resolved = await realpath(named);
      }
    }
    const stats = await lstatOrMissing(resolved);
    if (stats === undefined) {
      if (!create) return undefined;
      await ensureOwnerOnlyFolder(resolved);
    } else if (stats.isDirectory() || stats.isSymbolicLink()) {
      refuseUnsafe(stats, resolved, 'folder');
    }
    // Something else than a folder makes the calls below fail with the system's own error.
    const folder = resolved;
    firstSweep ??= sweepTree(folder).catch(() => undefined);
    await firstSweep;
    return folder;
  };

  /** The folder of a key's file, each segment checked (and made, when `create`); `undefined` when missing. */
  const folderOf = async (parts: string[], create: boolean): Promise<string | undefined> => {
    let folder = await root(create);
    for (const segment of parts.slice(0, -1)) {
      if (folder === undefined) return undefined;
      const path = join(folder, segment);
      if (create) {
        await ensureOwnerOnlyFolder(path);
      } else {
        const stats = await lstatOrMissing(path);
        if (stats === undefined) return undefined;
        refuseUnsafe(stats, path, 'folder');
      }
      folder = path;
    }
    return folder;
  };

  const lock = createFileLock({
    folder: async () => (await root(true)) as string,
    timeout: lockTimeout,
  });

  return Object.freeze({
    async getItem(key: string) {
      const parts = keyToPathParts(key);
      let handle: FileHandle;
      try {
        const folder = await folderOf(parts, false);
        if (folder === undefined) return null;
        const file = join(folder, parts[parts.length - 1] as string);
        try {
          handle = await open(file, READ_FLAGS);
        } catch (error) {
          if (isMissing(error)) return null;
          if (errorCode(error) === 'ELOOP') throw symlinkRefused(file);
          throw error;
        }
        try {
          refuseUnsafe(await handle.stat(), file, 'file');
          return await handle.readFile('utf8');
        } finally {
          await handle.close();
        }
      } catch (error) {
        throw failure('Could not read a file of the file storage.', error);
      }
    },

    async setItem(key: string, value: string) {
      const parts = keyToPathParts(key);
      const name = parts[parts.length - 1] as string;
      let temporary: string | undefined;
      try {
        const folder = (await folderOf(parts, true)) as string;
        const file = join(folder, name);
        await sweep(folder, { name });
        const existing = await lstatOrMissing(file);
        if (existing !== undefined) refuseUnsafe(existing, file, 'file');
        temporary = join(folder, `.${name}.${HOST_TAG}-${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
        const handle = await open(temporary, CREATE_FLAGS, FILE_MODE);
        try {
          // The umask may have taken bits off the mode given to open.
          await handle.chmod(FILE_MODE);
          await handle.writeFile(value, 'utf8');
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(temporary, file);
        temporary = undefined;
        await syncDirectory(folder);
      } catch (error) {
        if (temporary !== undefined) await rm(temporary, { force: true }).catch(() => undefined);
        throw failure('Could not write a file of the file storage.', error);
      }
    },

    async removeItem(key: string) {
      const parts = keyToPathParts(key);
      const name = parts[parts.length - 1] as string;
      try {
        const folder = await folderOf(parts, false);
        if (folder === undefined) return;
        // Temporary files of the key hold a whole value too: a removed key leaves none behind.
        await sweep(folder, { name, all: true });
        try {
          await unlink(join(folder, name));
        } catch (error) {
          if (isMissing(error)) return;
          throw error;
        }
        await syncDirectory(folder);
      } catch (error) {
        throw failure('Could not remove a file of the file storage.', error);
      }
    },

    withLock<T>(name: string, work: () => Promise<T>): Promise<T> {
      return lock.run(name, work);
    },
  });
}
