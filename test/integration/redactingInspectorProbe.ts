/**
 * Run as a child process by inspection.test.ts, so a slow inspector can be cut off: starts an
 * auth instance observed through `createRedactingInspector`, waits for `ready` and one
 * `fetchAuthSession`, and prints one JSON line: how long that took and how many events arrived.
 */
import { createAuth, createRedactingInspector } from '../../src/index.js';

const started = performance.now();
let events = 0;
const auth = createAuth({
  region: 'us-east-1',
  identityPoolId: 'us-east-1:11111111-2222-4333-8444-555555555555',
  inspect: createRedactingInspector(() => {
    events += 1;
  }),
});
await auth.ready;
const session = await auth.fetchAuthSession();
const elapsedMs = Math.round(performance.now() - started);
process.stdout.write(`${JSON.stringify({ elapsedMs, events, isSignedIn: session.isSignedIn })}\n`);
auth.stop();
