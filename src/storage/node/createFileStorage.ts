import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AuthError } from '../../AuthError.js';
import type { SecureStorage } from '../SecureStorage.js';
import { storageError } from '../storageError.js';
import { keyToPathParts } from './fileNames.js';

export interface FileStorageOptions {
  /** The directory that holds one file per key; created (mode 0700) on the first write. */
  directory: string;
}

const FILE_MODE = 0o600;
const DIRECTORY_MODE = 0o700;

function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

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

/**
 * A {@link SecureStorage} of files in one directory, for Node: one file per key, readable only by
 * the owner (0600), in a directory created 0700. A write goes to a temporary file in the same
 * directory, is flushed to disk, then renamed over the old file, and the directory is flushed
 * too: a crash leaves either the old value or the new one, never a mix. File names are the
 * keys' UTF-8 in hex (see `fileNames.ts`). Several processes may share the directory; the last
 * write of a key wins. The files are protected by permissions only, not encrypted.
 */
export function createFileStorage(options: FileStorageOptions): SecureStorage {
  const directory = options?.directory;
  if (typeof directory !== 'string' || directory.length === 0) {
    throw new AuthError('ValidationError', { message: 'createFileStorage needs { directory }: the folder to keep the files in.' });
  }
  const root = resolve(directory);

  const locate = (key: string) => {
    const parts = keyToPathParts(key);
    const name = parts[parts.length - 1] as string;
    const folder = join(root, ...parts.slice(0, -1));
    return { folder, name, file: join(folder, name) };
  };

  return Object.freeze({
    async getItem(key: string) {
      const { file } = locate(key);
      try {
        return await readFile(file, 'utf8');
      } catch (error) {
        if (isMissing(error)) return null;
        throw storageError('Could not read a file of the file storage.', error);
      }
    },

    async setItem(key: string, value: string) {
      const { folder, name, file } = locate(key);
      const temporary = join(folder, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
      try {
        await mkdir(folder, { recursive: true, mode: DIRECTORY_MODE });
        const handle = await open(temporary, 'wx', FILE_MODE);
        try {
          // The umask may have taken bits off the mode given to open.
          await handle.chmod(FILE_MODE);
          await handle.writeFile(value, 'utf8');
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(temporary, file);
        await syncDirectory(folder);
      } catch (error) {
        await rm(temporary, { force: true }).catch(() => undefined);
        throw storageError('Could not write a file of the file storage.', error);
      }
    },

    async removeItem(key: string) {
      const { folder, file } = locate(key);
      try {
        await rm(file);
      } catch (error) {
        if (isMissing(error)) return;
        throw storageError('Could not remove a file of the file storage.', error);
      }
      try {
        await syncDirectory(folder);
      } catch (error) {
        throw storageError('Could not flush the file storage directory.', error);
      }
    },
  });
}
