import { constants, type Stats } from 'node:fs';
import { lstat, mkdir } from 'node:fs/promises';
import { storageError } from '../storageError.js';

/**
 * Checks that keep the storage's folders and files to their owner, as ssh does with key files: a
 * folder or file that another user owns or that group or others can write is refused, and no
 * symbolic link is followed. Windows has neither these modes nor user ids here, so only the
 * symbolic-link checks apply there.
 */

/** `O_NOFOLLOW` where the platform has it: opening a symbolic link then fails with `ELOOP`. */
export const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;

const ownerChecks = process.platform !== 'win32' && typeof process.getuid === 'function';

export function errorCode(error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code;
}

export function isMissing(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** The refusal of a symbolic link found at `path`. */
export function symlinkRefused(path: string) {
  return storageError(
    `The storage refuses ${path}: it is a symbolic link, and the storage follows none.`,
    undefined,
    `Remove the link ${path}; the storage then makes a real folder or file in its place.`,
  );
}

/**
 * Throws a `StorageError` when `stats` (from `lstat` or `fstat`, never `stat`) show a symbolic
 * link, something other than the expected kind, another owner, or write access for group or
 * others. `path` may appear in the message; it is a place, never a stored value.
 */
export function refuseUnsafe(stats: Stats, path: string, kind: 'folder' | 'file'): void {
  if (stats.isSymbolicLink()) throw symlinkRefused(path);
  if (kind === 'folder' ? !stats.isDirectory() : !stats.isFile()) {
    throw storageError(`The storage expected a ${kind} at ${path} and found something else.`, undefined, `Move ${path} out of the way.`);
  }
  if (!ownerChecks) return;
  const uid = (process.getuid as () => number)();
  if (stats.uid !== uid) {
    throw storageError(
      `The storage refuses the ${kind} ${path}: it belongs to another user (uid ${stats.uid}), who could have put anything in it.`,
      undefined,
      kind === 'folder'
        ? `Use a folder of your own, or have it given to you (chown ${uid} ${path}) if you trust its contents.`
        : `Remove ${path} (the session in it is not yours), or have it given to you (chown ${uid} ${path}) if you trust it.`,
    );
  }
  if ((stats.mode & 0o022) !== 0) {
    const fix = kind === 'folder' ? `chmod 700 ${path}` : `chmod 600 ${path}`;
    throw storageError(
      `The storage refuses the ${kind} ${path}: other users can write to it (mode ${(stats.mode & 0o777).toString(8)}).`,
      undefined,
      `Make it yours alone (${fix}) if you trust what is in it, or remove it.`,
    );
  }
}

/** `lstat` of `path`, `undefined` when it does not exist. */
export async function lstatOrMissing(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

/**
 * Makes the folder `path` (mode 0700) when it is missing, without following a link at `path`,
 * and checks it with {@link refuseUnsafe}. Its parent must exist.
 */
export async function ensureOwnerOnlyFolder(path: string): Promise<void> {
  let stats = await lstatOrMissing(path);
  if (stats === undefined) {
    try {
      await mkdir(path, { mode: 0o700 });
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw error;
    }
    stats = await lstat(path);
  }
  refuseUnsafe(stats, path, 'folder');
}
