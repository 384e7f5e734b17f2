/**
 * Runs the React example: starts the emulator and Vite's dev server, both on 127.0.0.1, and
 * prints the address to open. Ctrl+C stops both.
 *
 *   npm run example:react                  # any free ports
 *   npm run example:react -- --port 5173   # the page on a port of your choice
 *
 * Open the printed address in two tabs to see them follow each other: the page shares its
 * session through the access group `example` (the `group` setting in its address).
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';
import { startEmulator } from '../../emulator/index.js';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' } } });
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port takes a port number, 0 for any free port.');

const emulator = await startEmulator();
const vite = await createServer({
  root: fileURLToPath(new URL('.', import.meta.url)),
  configFile: false,
  server: { host: '127.0.0.1', port, strictPort: port !== 0 },
});
await vite.listen();
const page = vite.resolvedUrls?.local[0] ?? `http://127.0.0.1:${port}/`;
console.log(`Emulator: ${emulator.endpoint}`);
console.log(`Open:     ${page}?${new URLSearchParams({ endpoint: emulator.endpoint, group: 'example' })}`);

async function stop(): Promise<void> {
  await vite.close();
  await emulator.close();
  process.exit(0);
}
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
