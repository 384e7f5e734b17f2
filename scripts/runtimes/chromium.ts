/**
 * The Web Worker run of scripts/runtimes.sh: bundles worker.js (the built package and xstate
 * with it) for the browser, serves it with a blank page from 127.0.0.1 on a port of its own (so
 * the emulator is another origin and its CORS headers are what lets the calls through), starts
 * the page's worker in headless Chromium and prints the worker's answer as one JSON line.
 *
 *   npx tsx scripts/runtimes/chromium.ts '<the emulator's JSON line>'
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';

// Where Debian's chromium package puts the browser; .ci/run installs it.
const CHROMIUM = '/usr/bin/chromium';

const emulator = JSON.parse(process.argv[2] ?? '') as { endpoint: string };
const bundle = await build({
  entryPoints: [fileURLToPath(new URL('./worker.js', import.meta.url))],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  write: false,
  // tsup's bare chunk imports, dropped under "sideEffects": false as any app's bundler drops them.
  logLevel: 'error',
});
const workerScript = bundle.outputFiles[0]!.text;

const server = createServer((req, res) => {
  if (req.url === '/worker.js') {
    res.writeHead(200, { 'content-type': 'text/javascript' }).end(workerScript);
  } else {
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>runtimes</title>');
  }
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const page = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const tab = await browser.newPage();
  await tab.goto(page);
  const answer = await tab.evaluate(
    (line) =>
      new Promise<unknown>((resolve, reject) => {
        const worker = new Worker('/worker.js', { type: 'module' });
        worker.onmessage = ({ data }) => resolve(data);
        worker.onerror = (event) => reject(new Error(`The worker failed: ${event.message}`));
        setTimeout(() => reject(new Error('The worker did not answer within 60 s')), 60_000);
        worker.postMessage(line);
      }),
    emulator,
  );
  console.log(JSON.stringify(answer));
  if ((answer as { error?: string }).error) process.exitCode = 1;
} finally {
  await browser.close();
  server.close();
}
