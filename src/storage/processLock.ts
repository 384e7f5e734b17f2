/**
 * Exclusive locks that hold inside this process: one queue per storage object and lock name.
 * The fallback for backends without their own `withLock`, whose users can only be this process.
 */
const queues = new WeakMap<object, Map<string, Promise<unknown>>>();

export function withProcessLock<T>(owner: object, name: string, work: () => Promise<T>): Promise<T> {
  let byName = queues.get(owner);
  if (!byName) queues.set(owner, (byName = new Map()));
  const previous = byName.get(name) ?? Promise.resolve();
  const run = previous.then(work, work);
  const tail = run.catch(() => undefined);
  byName.set(name, tail);
  void tail.then(() => {
    if (byName.get(name) === tail) byName.delete(name);
  });
  return run;
}
