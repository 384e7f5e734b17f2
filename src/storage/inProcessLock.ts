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
  // The last holder or waiter of each name; each waits for the one before it. Dropped when no
  // lock is held: a lock kept by every instance for its rare writes should cost nothing between.
  let tails: Map<string, Promise<void>> | undefined;
  return async (name, work, timeout = DEFAULT_LOCK_TIMEOUT) => {
    const held = (tails ??= new Map());
    const previous = held.get(name);
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    // A waiter that gives up keeps its place, and hands it on at once when its turn comes.
    const tail: Promise<void> = Promise.all([previous, mine]).then(() => {
      if (held.get(name) !== tail) return;
      held.delete(name);
      if (held.size === 0 && tails === held) tails = undefined;
    });
    held.set(name, tail);
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
