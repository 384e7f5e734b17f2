/**
 * A child process for the cross-process lock tests. Arguments: the storage folder, then
 * `count <cycles> <lock|none>` (read-increment-write cycles on one key), `hold` (take the lock
 * and keep it until killed) or `write <bytes>` (write a value of that size to the key over and
 * over until killed). It writes `ready` and waits for a line on stdin before it starts,
 * so that all children run at the same time; `held` once it holds the lock; `done` at the end.
 */
import { createFileStorage } from '../../../src/node.js';

const [directory, mode, cyclesText, locking] = process.argv.slice(2);
if (directory === undefined || (mode !== 'count' && mode !== 'hold' && mode !== 'write')) {
  process.stderr.write('usage: lockWorker <directory> count <cycles> <lock|none> | hold | write <bytes>\n');
  process.exit(2);
}
const storage = createFileStorage({ directory, lockTimeout: 20_000 });
const lock = storage.withLock?.bind(storage);
function withLock<T>(name: string, work: () => Promise<T>): Promise<T> {
  if (lock === undefined) throw new Error('This storage has no withLock.');
  return lock(name, work);
}
const KEY = 'cognito-auth-machine/group/team/counter';
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function increment(): Promise<void> {
  const value = Number((await storage.getItem(KEY)) ?? '0');
  // Leave room for the other process to read the same value, as a slow renewal would.
  await pause(2);
  await storage.setItem(KEY, String(value + 1));
}

async function main(): Promise<void> {
  process.stdout.write('ready\n');
  await new Promise((resolve) => process.stdin.once('data', resolve));
  if (mode === 'write') {
    const value = 's'.repeat(Number(cyclesText));
    process.stdout.write('writing\n');
    for (;;) await storage.setItem(KEY, value);
  }
  if (mode === 'hold') {
    await withLock(KEY, async () => {
      process.stdout.write('held\n');
      await new Promise(() => setInterval(() => undefined, 60_000));
    });
    return;
  }
  for (let cycle = 0; cycle < Number(cyclesText); cycle += 1) {
    if (locking === 'lock') await withLock(KEY, increment);
    else await increment();
  }
  process.stdout.write('done\n');
  process.stdin.destroy();
}

main().catch((error: unknown) => {
  process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
  process.exit(1);
});
