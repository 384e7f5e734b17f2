// A clear is final across processes: the real file storage, a second app in a process of its
// own, and the identity-pool emulator over HTTP (no doubles). The renewal is held on the wire by
// the emulator's latency while the first app clears.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../../emulator/index.js';
import { AccessGroup, AuthProvider, createAuth } from '../../src/index.js';
import { createFileStorage } from '../../src/node.js';

const WORKER = fileURLToPath(new URL('./workers/renewer.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ROUNDS = 6;

let emu: EmulatorHandle;
let directory: string;
let child: ChildProcessWithoutNullStreams;
let lines: string[] = [];
let waiters: Array<() => void> = [];

/** Resolves with the next line of the child's output that starts with one of `prefixes`. */
function nextLine(prefixes: string[], ms = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${prefixes.join('/')} from the child in ${ms} ms`)), ms);
    const look = () => {
      const index = lines.findIndex((l) => prefixes.some((p) => l.startsWith(p)));
      if (index < 0) return false;
      const [line] = lines.splice(0, index + 1).slice(-1);
      clearTimeout(timer);
      resolve(line!);
      return true;
    };
    if (!look()) waiters.push(() => void look());
  });
}

beforeAll(async () => {
  emu = await startEmulator({ port: 0 });
  directory = await mkdtemp(join(tmpdir(), 'cross-process-'));
  child = spawn(process.execPath, ['--import', 'tsx', WORKER, directory, emu.endpoint, emu.identityPoolId], { cwd: ROOT, stdio: 'pipe' });
  let buffer = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    lines.push(...parts);
    const pending = waiters;
    waiters = [];
    for (const wake of pending) wake();
  });
  await nextLine(['ready'], 60_000);
});

afterAll(async () => {
  child?.kill('SIGKILL');
  await emu?.close();
  if (directory) await rm(directory, { recursive: true, force: true });
});

describe('two processes sharing one access group over file storage', () => {
  it(`a clear in one process is final while the other renews (${ROUNDS} rounds)`, async () => {
    const app = () =>
      createAuth({
        region: emu.region,
        identityPoolId: emu.identityPoolId,
        endpoints: { identityPool: emu.endpoint },
        storage: createFileStorage({ directory }),
        appId: 'app.clearer',
        secureStoragePreferences: { accessGroup: new AccessGroup({ name: 'team.shared' }) },
      });
    const undone: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const clearer = app();
      await clearer.federateToIdentityPool(await emu.mintToken(emu.loginKeys.google, `user-${round}`), AuthProvider.google);
      emu.addFault({ operation: 'GetCredentialsForIdentity', latencyMs: 400 });
      child.stdin.write('renew\n');
      await nextLine(['renewing']);
      // The renewal is on the wire (or about to be); the other process clears meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 150));
      await clearer.clearFederationToIdentityPool();
      const answer = await nextLine(['answered', 'failed']);
      emu.clearFaults();
      clearer.stop();

      // Before: the renewal wrote its credentials back and a new start was signed in again.
      const fresh = app();
      const session = await fresh.fetchAuthSession();
      fresh.stop();
      if (answer !== 'answered false' || session.isSignedIn) undone.push(round);
    }
    expect(undone).toEqual([]);
    // No session record (and so no secret of it) is left in the folder: file names are the keys in hex.
    const sessionFile = `k${Buffer.from('cognito-auth-machine/group/team.shared/session').toString('hex')}`;
    const names = (await readdir(directory, { recursive: true })).map(String);
    expect(names.some((n) => n.includes(sessionFile))).toBe(false);
  });
});
