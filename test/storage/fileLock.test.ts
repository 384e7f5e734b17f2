import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, symlink, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isAuthError } from '../../src/vocabulary/AuthError.js';
import { createFileStorage } from '../../src/node.js';
import { createFileLock, lockFileName } from '../../src/storage/node/fileLock.js';
import { killChildren, startWorker } from './workers/children.js';
import { temporaryDirectories } from './tempDirectories.js';

const freshDirectory = temporaryDirectories('cam-file-lock-');
afterEach(killChildren);

const posix = process.platform !== 'win32';
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The id of a process that has ended. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  return child.pid as number;
}

/** Runs `rounds` pieces of work per lock, all at once, each `hold` ms long, and gives the most that ran together. */
async function mostAtOnce(runs: Array<(work: () => Promise<void>) => Promise<void>>, rounds: number, hold = 1): Promise<number> {
  let inside = 0;
  let most = 0;
  const work = async () => {
    inside += 1;
    most = Math.max(most, inside);
    await pause(hold);
    inside -= 1;
  };
  await Promise.all(runs.flatMap((run) => Array.from({ length: rounds }, () => run(work))));
  return most;
}

describe('createFileLock', () => {
  it('lets one holder in at a time, in one process and across lock instances over one folder', async () => {
    const folder = await freshDirectory();
    const locks = Array.from({ length: 3 }, () => createFileLock({ folder: async () => folder }));
    const most = await mostAtOnce(
      locks.map((lock) => (work) => lock.run('k', work)),
      8,
    );
    expect(most).toBe(1);
    expect(await readdir(folder)).toEqual([]);
  });

  it('keeps locks of different names apart', async () => {
    const folder = await freshDirectory();
    const lock = createFileLock({ folder: async () => folder });
    let release!: () => void;
    const held = lock.run('a', () => new Promise<void>((resolve) => (release = resolve)));
    await pause(20);
    expect(await lock.run('b', async () => 'b')).toBe('b');
    release();
    await held;
  });

  it('releases the lock when the work throws, and passes the error on', async () => {
    const folder = await freshDirectory();
    const lock = createFileLock({ folder: async () => folder });
    const failure = new Error('work failed');
    await expect(lock.run('k', () => Promise.reject(failure))).rejects.toBe(failure);
    expect(await readdir(folder)).toEqual([]);
    expect(await lock.run('k', async () => 'again')).toBe('again');
  });

  it('gives up with a StorageError when the lock stays held past the timeout', async () => {
    const folder = await freshDirectory();
    const holder = createFileLock({ folder: async () => folder });
    const waiter = createFileLock({ folder: async () => folder, timeout: 200 });
    let release!: () => void;
    const held = holder.run('k', () => new Promise<void>((resolve) => (release = resolve)));
    await pause(20);
    const error = await waiter.run('k', async () => 'never').catch((e: unknown) => e);
    expect(isAuthError(error, 'StorageError')).toBe(true);
    expect((error as Error).message).toMatch(/within 200 ms/);
    release();
    await held;
    expect(await waiter.run('k', async () => 'free')).toBe('free');
  });

  it('breaks a lock whose process has ended on this host', async () => {
    const folder = await freshDirectory();
    const raw = JSON.stringify({ pid: deadPid(), host: hostname(), since: Date.now(), nonce: 'dead' });
    await writeFile(join(folder, lockFileName('k')), raw);
    const lock = createFileLock({ folder: async () => folder, timeout: 2_000 });
    expect(await lock.run('k', async () => 'taken')).toBe('taken');
  });

  it('breaks a lock of another host only once it has gone untouched for staleAfter', async () => {
    const folder = await freshDirectory();
    const path = join(folder, lockFileName('k'));
    const raw = JSON.stringify({ pid: process.pid, host: 'another-host', since: Date.now(), nonce: 'far' });
    await writeFile(path, raw);
    const lock = createFileLock({ folder: async () => folder, timeout: 300, staleAfter: 60_000 });
    expect(isAuthError(await lock.run('k', async () => 'x').catch((e: unknown) => e), 'StorageError')).toBe(true);
    const old = new Date(Date.now() - 120_000);
    await utimes(path, old, old);
    expect(await lock.run('k', async () => 'taken')).toBe('taken');
  });

  it('lets only one of many processes that break the same stale lock at once hold it', async () => {
    const folder = await freshDirectory();
    const raw = JSON.stringify({ pid: deadPid(), host: hostname(), since: Date.now(), nonce: 'dead' });
    await writeFile(join(folder, lockFileName('k')), raw);
    // Separate lock instances in one process go through the files, as separate processes do.
    // Each judges the dead lock stale at once, then breaks it at its own later time: the late
    // ones find the fresh lock that an early one took in between.
    const locks = [0, 15, 30, 45, 60, 75].map((delay) =>
      createFileLock({ folder: async () => folder, timeout: 5_000, beforeBreak: () => pause(delay) }),
    );
    expect(await mostAtOnce(locks.map((lock) => (work) => lock.run('k', work)), 1, 200)).toBe(1);
  });

  it('passes over a claim left by a breaker that died', async () => {
    const folder = await freshDirectory();
    const base = lockFileName('k');
    const raw = JSON.stringify({ pid: deadPid(), host: hostname(), since: Date.now(), nonce: 'dead' });
    await writeFile(join(folder, base), raw);
    const id = createHash('sha256').update(raw, 'utf8').digest('hex').slice(0, 32);
    await writeFile(join(folder, `.${base}.${id}.0.claim`), JSON.stringify({ pid: deadPid(), host: hostname(), since: 0, nonce: 'c' }));
    const lock = createFileLock({ folder: async () => folder, timeout: 2_000 });
    expect(await lock.run('k', async () => 'taken')).toBe('taken');
  });

  it('removes old drafts and claims that dead processes left, and keeps young ones', async () => {
    const folder = await freshDirectory();
    const base = lockFileName('other');
    const old = new Date(Date.now() - 60 * 60_000);
    await writeFile(join(folder, `.${base}.dead.draft`), '{}');
    await utimes(join(folder, `.${base}.dead.draft`), old, old);
    await writeFile(join(folder, `.${base}.${'0'.repeat(32)}.0.claim`), '{}');
    await createFileLock({ folder: async () => folder }).run('k', async () => undefined);
    expect(await readdir(folder)).toEqual([`.${base}.${'0'.repeat(32)}.0.claim`]);
  });

  it.runIf(posix)('refuses a lock file that is a symbolic link', async () => {
    const folder = await freshDirectory();
    const elsewhere = await freshDirectory();
    await writeFile(join(elsewhere, 'target'), 'not a lock');
    await symlink(join(elsewhere, 'target'), join(folder, lockFileName('k')));
    const lock = createFileLock({ folder: async () => folder, timeout: 300 });
    const error = await lock.run('k', async () => 'x').catch((e: unknown) => e);
    expect(isAuthError(error, 'StorageError')).toBe(true);
  });

  it('never names a lock file like a key file, a key folder or a temporary file', () => {
    expect(lockFileName('cognito-auth-machine/app/x/session')).toMatch(/^l[0-9a-f]{64}$/);
    expect(lockFileName('k', 'one')).not.toBe(lockFileName('k', 'two'));
  });
});

describe('the file storage lock across processes', () => {
  const KEY = 'cognito-auth-machine/group/team/counter';
  const CYCLES = 25;

  /** Two worker processes doing CYCLES read-increment-write cycles each over one folder; the final count. */
  async function countWithTwoProcesses(locking: 'lock' | 'none'): Promise<number> {
    const directory = await freshDirectory();
    const children = [0, 1].map(() => startWorker([directory, 'count', String(CYCLES), locking]));
    await Promise.all(children.map((child) => child.said('ready')));
    for (const child of children) child.process.stdin.write('go\n');
    const codes = await Promise.all(children.map((child) => child.exited()));
    expect(codes).toEqual([0, 0]);
    return Number(await createFileStorage({ directory }).getItem(KEY));
  }

  it('loses no increment when two processes read, increment and write under the lock', async () => {
    expect(await countWithTwoProcesses('lock')).toBe(2 * CYCLES);
  }, 90_000);

  it('loses increments without the lock (so the test above can fail)', async () => {
    expect(await countWithTwoProcesses('none')).toBeLessThan(2 * CYCLES);
  }, 90_000);

  it('recovers a lock whose holder was killed (SIGKILL) while holding it', async () => {
    const directory = await freshDirectory();
    const holder = startWorker([directory, 'hold']);
    await holder.said('ready');
    holder.process.stdin.write('go\n');
    await holder.said('held');
    holder.process.kill('SIGKILL');
    await holder.exited();
    const storage = createFileStorage({ directory, lockTimeout: 5_000 });
    expect(await storage.withLock?.(KEY, async () => 'recovered')).toBe('recovered');
    // Nothing of the lock is left behind.
    const left = (await readdir(directory)).filter((name) => name.startsWith('l') || name.startsWith('.l'));
    expect(left).toEqual([]);
  }, 60_000);

  it('makes another process wait, boundedly, while a live process holds the lock', async () => {
    const directory = await freshDirectory();
    const holder = startWorker([directory, 'hold']);
    await holder.said('ready');
    holder.process.stdin.write('go\n');
    await holder.said('held');
    const storage = createFileStorage({ directory, lockTimeout: 300 });
    const error = await storage.withLock?.(KEY, async () => 'never').catch((e: unknown) => e);
    expect(isAuthError(error, 'StorageError')).toBe(true);
    holder.process.kill('SIGKILL');
    await holder.exited();
  }, 60_000);
});

