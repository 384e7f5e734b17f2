/**
 * A Node script that federates and ends without `auth.stop()` exits by itself: the statechart's
 * expiry timers (the renewal window, the expiry) are unref'd, so they do not hold the process
 * open for the credentials' lifetime. Found by the memory benchmark, whose child never ended.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WORKER = fileURLToPath(new URL('./workers/federateAndLeave.ts', import.meta.url));
/** Far longer than the script needs, far shorter than the credentials' renewal window (about 58 minutes). */
const BOUND_MS = 25_000;

let emu: EmulatorHandle;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(async () => {
  await emu.close();
});

it('a script that federates and never calls stop() ends by itself', async () => {
  const token = await emu.mintToken(emu.loginKeys.google, 'leaving-script');
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, emu.endpoint, emu.identityPoolId, token], { cwd: ROOT, stdio: 'pipe' });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  const ended = await new Promise<number | 'still running'>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve('still running');
    }, BOUND_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code ?? -1);
    });
  });
  expect(out.trim()).toMatch(/^us-east-1:[0-9a-f-]+$/);
  expect(ended).toBe(0);
}, 40_000);
