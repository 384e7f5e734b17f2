import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { type FileHandle, link, lstat, open, readdir, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isAuthError } from '../../vocabulary/AuthError.js';
import { createInProcessLock, DEFAULT_LOCK_TIMEOUT } from '../inProcessLock.js';
import { storageError } from '../storageError.js';
import { errorCode, isMissing, NO_FOLLOW, symlinkRefused } from './ownerOnly.js';

/**
 * Exclusive locks that every process on this host sees (and every host, on a shared file
 * system): a lock is a file in a folder, made atomically. Its content names the owner (process
 * id, host name, time taken) and a random nonce, so that no two locks ever have the same content.
 *
 * - Taking: the owner record is written whole to a draft file, then hard-linked to the lock
 *   file's name, which fails when the name exists. A lock file is therefore never seen half
 *   written.
 * - Holding: the holder touches the file every third of {@link FileLockOptions.staleAfter}, so a
 *   long piece of work keeps its lock.
 * - Stale: a lock whose owner process is gone (same host), or untouched for `staleAfter`.
 * - Breaking (and releasing): whoever removes a lock file first creates a claim file named after
 *   the content it judged, then checks that the lock file still has that content, then removes
 *   it. Only one process can hold a given claim, and a lock file with that content can only go
 *   away through its claim, so two processes breaking the same stale lock at once never remove
 *   the fresh lock that a third took in between. A claim left by a process that died is itself
 *   stale and passed over to the next claim level.
 * - Waiting: retries with growing pauses, and gives up with a `StorageError` after `timeout`.
 */

export interface FileLockOptions {
  /** Gives the folder of the lock files, existing and checked; called before each lock. */
  folder: () => Promise<string>;
  /** How long to wait for a lock held elsewhere, in milliseconds; default 10 000. */
  timeout?: number;
  /** How long a lock may go untouched before it is taken as abandoned, in milliseconds; default 30 000. */
  staleAfter?: number;
  /** Mixed into the lock file names, so that several stores can share one folder of locks. */
  namespace?: string;
  /** For tests: runs between judging a lock stale and breaking it, to force a race. */
  beforeBreak?: () => Promise<void>;
}

export interface FileLock {
  run<T>(name: string, work: () => Promise<T>): Promise<T>;
}

export const DEFAULT_STALE_AFTER = 30_000;

const MAX_CLAIM_LEVELS = 8;
/** Drafts and claims live milliseconds; one this old was left by a process that died. */
const LEFTOVER_LIFETIME = 10 * 60_000;
const FIRST_PAUSE = 4;
const LONGEST_PAUSE = 250;

/** What a lock file or a claim file holds. */
interface OwnerRecord {
  pid: number;
  host: string;
  since: number;
  nonce: string;
}

/** Lock files are `l` and hex, which no key file (`k…`), key folder (`d…`) or dot file has. */
export function lockFileName(name: string, namespace = ''): string {
  return `l${createHash('sha256').update(`${namespace}\n${name}`, 'utf8').digest('hex')}`;
}

/** Whether a file name is one the locks make: a lock, its draft or one of its claims. */
export function isLockFile(name: string): boolean {
  return /^\.?l[0-9a-f]{64}(?:\.|$)/.test(name);
}

/** Whether process `pid` of this host has ended. A process of another user is alive (`EPERM`). */
export function isProcessGone(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return errorCode(error) === 'ESRCH';
  }
}

function parseOwner(raw: string): OwnerRecord | undefined {
  try {
    const value = JSON.parse(raw) as Partial<OwnerRecord> | null;
    if (typeof value?.pid === 'number' && typeof value.host === 'string') return value as OwnerRecord;
  } catch {
    // Not ours, or cut short: judged by its age alone.
  }
  return undefined;
}

interface SeenFile {
  raw: string;
  mtimeMs: number;
}

/** Reads a lock or claim file without following a link; `undefined` when it is gone. */
async function readSeen(path: string): Promise<SeenFile | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | NO_FOLLOW);
  } catch (error) {
    if (isMissing(error)) return undefined;
    if (errorCode(error) === 'ELOOP') throw symlinkRefused(path);
    throw error;
  }
  try {
    const stats = await handle.stat();
    return { raw: await handle.readFile('utf8'), mtimeMs: stats.mtimeMs };
  } finally {
    await handle.close();
  }
}

function isStale(seen: SeenFile, staleAfter: number): boolean {
  const owner = parseOwner(seen.raw);
  if (owner !== undefined && owner.host === hostname() && isProcessGone(owner.pid)) return true;
  return Date.now() - seen.mtimeMs > staleAfter;
}

function ownerRecord(): OwnerRecord {
  return { pid: process.pid, host: hostname(), since: Date.now(), nonce: randomBytes(16).toString('hex') };
}

const CREATE_NEW = constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | NO_FOLLOW;

/** Removes `lockPath` if it still holds `raw`, through a claim; `true` when this call removed it. */
async function removeIfUnchanged(folder: string, base: string, lockPath: string, raw: string, staleAfter: number): Promise<boolean> {
  const id = createHash('sha256').update(raw, 'utf8').digest('hex').slice(0, 32);
  const claimPath = (level: number) => join(folder, `.${base}.${id}.${level}.claim`);
  for (let level = 0; level < MAX_CLAIM_LEVELS; level += 1) {
    const path = claimPath(level);
    let claim: FileHandle;
    try {
      claim = await open(path, CREATE_NEW, 0o600);
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw error;
      const other = await readSeen(path);
      // A claim that is gone was finished; one that is alive is at work. Either way, not ours.
      if (other === undefined || !isStale(other, staleAfter)) return false;
      continue;
    }
    try {
      await claim.writeFile(JSON.stringify(ownerRecord()));
      const current = await readSeen(lockPath);
      if (current?.raw !== raw) return false;
      await unlink(lockPath);
      return true;
    } finally {
      await claim.close();
      // Lower claims of this content were left by processes that died; the content is gone now.
      for (let lower = level; lower >= 0; lower -= 1) await unlink(claimPath(lower)).catch(() => undefined);
    }
  }
  return false;
}

/** Takes the lock file once: the handle on it and its content, or `undefined` when it is held. */
async function tryTake(folder: string, base: string, lockPath: string): Promise<{ handle: FileHandle; raw: string } | undefined> {
  const owner = ownerRecord();
  const raw = JSON.stringify(owner);
  const draft = join(folder, `.${base}.${owner.nonce}.draft`);
  const handle = await open(draft, CREATE_NEW, 0o600);
  try {
    await handle.writeFile(raw);
    try {
      await link(draft, lockPath);
    } catch (error) {
      if (errorCode(error) === 'EEXIST') {
        await handle.close();
        return undefined;
      }
      throw error;
    }
    return { handle, raw };
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  } finally {
    await unlink(draft).catch(() => undefined);
  }
}

/** Removes drafts and claims that processes which died left in `folder`. */
async function sweepLeftovers(folder: string): Promise<void> {
  const now = Date.now();
  for (const name of await readdir(folder)) {
    if (!name.startsWith('.') || !isLockFile(name)) continue;
    const path = join(folder, name);
    const stats = await lstat(path).catch(() => undefined);
    if (stats !== undefined && now - stats.mtimeMs > LEFTOVER_LIFETIME) await unlink(path).catch(() => undefined);
  }
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Makes a lock over the files of `options.folder()`; see the module's comment. */
export function createFileLock(options: FileLockOptions): FileLock {
  const timeout = options.timeout ?? DEFAULT_LOCK_TIMEOUT;
  const staleAfter = options.staleAfter ?? DEFAULT_STALE_AFTER;
  const inProcess = createInProcessLock();
  let swept: Promise<void> | undefined;

  const take = async (name: string, deadline: number) => {
    const folder = await options.folder();
    swept ??= sweepLeftovers(folder).catch(() => undefined);
    await swept;
    const base = lockFileName(name, options.namespace);
    const lockPath = join(folder, base);
    for (let wait = FIRST_PAUSE; ; wait = Math.min(wait * 2, LONGEST_PAUSE)) {
      const taken = await tryTake(folder, base, lockPath);
      if (taken !== undefined) return { ...taken, folder, base, lockPath };
      const seen = await readSeen(lockPath);
      if (seen !== undefined && isStale(seen, staleAfter)) {
        await options.beforeBreak?.();
        if (await removeIfUnchanged(folder, base, lockPath, seen.raw, staleAfter)) continue;
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw storageError(
          `Could not take the storage lock within ${timeout} ms: another process holds it (lock file ${lockPath}).`,
          undefined,
          `Another app or process is using the storage; try again. A lock whose process has ended is recovered by itself; one of another host after ${Math.round(staleAfter / 1000)} s.`,
        );
      }
      await pause(Math.min(left, wait / 2 + Math.random() * wait));
    }
  };

  return Object.freeze({
    run<T>(name: string, work: () => Promise<T>): Promise<T> {
      const deadline = Date.now() + timeout;
      return inProcess(
        name,
        async () => {
          let held: Awaited<ReturnType<typeof take>>;
          try {
            held = await take(name, deadline);
          } catch (error) {
            if (isAuthError(error)) throw error;
            throw storageError('Could not take the storage lock: its lock file could not be written or read.', error);
          }
          const touch = setInterval(() => {
            const now = new Date();
            held.handle.utimes(now, now).catch(() => undefined);
          }, staleAfter / 3);
          touch.unref();
          try {
            return await work();
          } finally {
            clearInterval(touch);
            // A release that fails leaves a lock that others break once it is stale.
            await removeIfUnchanged(held.folder, held.base, held.lockPath, held.raw, staleAfter).catch(() => undefined);
            await held.handle.close().catch(() => undefined);
          }
        },
        timeout,
      );
    },
  });
}
