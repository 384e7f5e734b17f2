/**
 * The command line: starts, prints exactly one JSON line naming a ready pool, serves it,
 * and stops on SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { GetCredentialsForIdentityCommand, GetIdCommand, CognitoIdentityClient } from '@aws-sdk/client-cognito-identity';
import { afterAll, describe, expect, it } from 'vitest';

let child: ChildProcess | undefined;

afterAll(async () => {
  await stop();
});

/** Stops the CLI's whole process group (npx, tsx and node), as Ctrl-C in a terminal would. */
async function stop(): Promise<void> {
  const running = child;
  child = undefined;
  if (!running?.pid || running.exitCode !== null || running.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
  process.kill(-running.pid, 'SIGTERM');
  await exited;
}

async function stopsListening(endpoint: string): Promise<boolean> {
  for (let attempt = 0; attempt < 40; attempt++) {
    const answered = await fetch(`${endpoint}/_emulator/info`).then(
      () => true,
      () => false,
    );
    if (!answered) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

/** Resolves with the first line on stdout, and everything printed by the time the process ends. */
function firstLine(process: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    let stderr = '';
    process.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    process.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const newline = buffered.indexOf('\n');
      if (newline >= 0) resolve(buffered.slice(0, newline));
    });
    process.once('exit', (code) => reject(new Error(`the CLI exited (${code}) before printing: ${stderr}`)));
  });
}

describe('emulator CLI', () => {
  it('prints one JSON line for a ready pool that GetId can use', async () => {
    child = spawn('npx', ['tsx', 'emulator/cli.ts', '--port', '0'], {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so stopping it reaches tsx's child too.
      detached: true,
    });
    const line = await firstLine(child);
    const ready = JSON.parse(line) as {
      endpoint: string;
      region: string;
      identityPoolId: string;
      userPoolId: string;
      userPoolClientId: string;
    };
    expect(Object.keys(ready).sort()).toEqual(['endpoint', 'identityPoolId', 'region', 'userPoolClientId', 'userPoolId']);
    expect(ready.userPoolId).toBe('us-east-1_emulator');
    expect(ready.userPoolClientId).toMatch(/^\w+$/);
    expect(ready.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(ready.region).toBe('us-east-1');
    expect(ready.identityPoolId).toMatch(/^us-east-1:[0-9a-f-]{36}$/);

    const client = new CognitoIdentityClient({ endpoint: ready.endpoint, region: ready.region, maxAttempts: 1 });
    const { IdentityId } = await client.send(new GetIdCommand({ IdentityPoolId: ready.identityPoolId }));
    expect(IdentityId).toMatch(/^us-east-1:/);
    const out = await client.send(new GetCredentialsForIdentityCommand({ IdentityId }));
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA/);
    client.destroy();

    await stop();
    // The server itself (not only the npx wrapper) goes away: soon nothing listens on the port.
    expect(await stopsListening(ready.endpoint)).toBe(true);
  }, 20_000);
});
