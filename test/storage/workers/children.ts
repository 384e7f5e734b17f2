import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const WORKER = fileURLToPath(new URL('./lockWorker.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A lock worker process (see lockWorker.ts), with a way to wait for a line of its output. */
export interface Child {
  process: ChildProcessWithoutNullStreams;
  /** Resolves when the child has written `line`; rejects when it exits first or after `ms`. */
  said(line: string, ms?: number): Promise<void>;
  /** Resolves with the exit code; kills the child and rejects after `ms`. */
  exited(ms?: number): Promise<number | null>;
}

const running = new Set<ChildProcessWithoutNullStreams>();

/** Kills every child still running; call it after each test. */
export function killChildren(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

export function startWorker(args: string[]): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, ...args], { cwd: ROOT, stdio: 'pipe' });
  running.add(child);
  let output = '';
  let errors = '';
  const ended = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      running.delete(child);
      resolve(code);
    });
  });
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    errors += chunk.toString('utf8');
  });
  const bounded = <T>(work: Promise<T>, ms: number, what: string) =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`The worker did not ${what} within ${ms} ms. Its errors: ${errors}`));
      }, ms);
      work.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  return {
    process: child,
    said(line, ms = 30_000) {
      const seen = new Promise<void>((resolve, reject) => {
        const check = () => {
          if (output.split('\n').includes(line)) resolve();
        };
        child.stdout.on('data', check);
        check();
        void ended.then(() => {
          check();
          reject(new Error(`The worker ended before it said ${line}. Its errors: ${errors}`));
        });
      });
      return bounded(seen, ms, `say ${line}`);
    },
    exited(ms = 60_000) {
      return bounded(ended, ms, 'exit');
    },
  };
}
