import { storageError } from './storageError.js';

/** How long a lock is waited for by default, in milliseconds. */
export const DEFAULT_LOCK_TIMEOUT = 10_000;

/**
 * Exclusive locks by name that hold inside this JavaScript process (or browser tab) only: a queue
 * per name, served in order. Browser-safe. The memory and Web Storage backends use it, and the
 * file lock puts it in front of its lock files so that one process does not poll itself.
 */
export interface InProcessLock {
  /**
   * Runs `work` holding the lock `name`, released when `work` settles. Rejects with a
   * `StorageError` when the lock is not free within `timeout` milliseconds.
   */
  run<T>(name: string, work: () => Promise<T>, timeout?: number): Promise<T>;
}

export function createInProcessLock(): InProcessLock {
  // A name is held while it is in the map; its array holds the waiters, first come first served.
  const queues = new Map<string, Array<() => void>>();

  const releaser = (name: string) => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const waiting = queues.get(name);
      const next = waiting?.shift();
      if (next === undefined) queues.delete(name);
      else next();
    };
  };

  const acquire = (name: string, timeout: number): Promise<() => void> => {
    const waiting = queues.get(name);
    if (waiting === undefined) {
      queues.set(name, []);
      return Promise.resolve(releaser(name));
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        clearTimeout(timer);
        resolve(releaser(name));
      };
      const timer = setTimeout(() => {
        const index = waiting.indexOf(grant);
        if (index < 0) return;
        waiting.splice(index, 1);
        reject(
          storageError(
            `Could not take the storage lock within ${timeout} ms: other work of this process holds it.`,
            undefined,
            'Another call is still using the storage; try again once it has finished.',
          ),
        );
      }, timeout);
      waiting.push(grant);
    });
  };

  return Object.freeze({
    async run<T>(name: string, work: () => Promise<T>, timeout = DEFAULT_LOCK_TIMEOUT): Promise<T> {
      const release = await acquire(name, timeout);
      try {
        return await work();
      } finally {
        release();
      }
    },
  });
}
