import { storageError } from './storageError.js';

/** How long a lock is waited for by default, in milliseconds. */
export const DEFAULT_LOCK_TIMEOUT = 10_000;

/**
 * Runs `work` holding the lock `name`, released when `work` settles. Rejects with a
 * `StorageError` when the lock is not free within `timeout` milliseconds.
 */
export type InProcessLock = <T>(name: string, work: () => Promise<T>, timeout?: number) => Promise<T>;

/**
 * Exclusive locks by name that hold inside this JavaScript process (or browser tab) only: a
 * promise chain per name, served in order. Browser-safe. The memory and Web Storage backends use
 * it, and the file lock puts it in front of its lock files so that one process does not poll
 * itself.
 */
export function createInProcessLock(): InProcessLock {
  // The last holder or waiter of each name; each waits for the one before it.
  const tails = new Map<string, Promise<void>>();
  return async (name, work, timeout = DEFAULT_LOCK_TIMEOUT) => {
    const previous = tails.get(name);
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    // A waiter that gives up keeps its place, and hands it on at once when its turn comes.
    const tail: Promise<void> = Promise.all([previous, mine]).then(() => {
      if (tails.get(name) === tail) tails.delete(name);
    });
    tails.set(name, tail);
    try {
      const granted =
        !previous ||
        (await new Promise<boolean>((resolve) => {
          const timer = setTimeout(resolve, timeout, false);
          void previous.then(() => {
            clearTimeout(timer);
            resolve(true);
          });
        }));
      if (!granted) throw storageError(`The storage lock stayed busy for ${timeout} ms.`);
      return await work();
    } finally {
      release();
    }
  };
}
