// A fresh process for the restart figure, run with plain `node` (no TypeScript loader), importing
// the built package by its name as an app would. It prints one JSON line: the milliseconds since
// the process started (`performance.now()`) at the moment the work was done, and the CPU time the
// process had used by then (user + system), which other load on the machine disturbs less.
//
//   node bench/freshProcess.mjs import           the bare import of the package and its /node entry
//   node bench/freshProcess.mjs import-main      the bare import of the main entry only
//   node bench/freshProcess.mjs restart <json>   createAuth over a file storage holding a valid
//                                                session, up to its first fetchAuthSession answer
import { performance } from 'node:perf_hooks';

const [mode, input] = process.argv.slice(2);
const figures = () => {
  const ms = performance.now();
  const { user, system } = process.cpuUsage();
  return { ms, cpuMs: (user + system) / 1000 };
};
if (mode === 'import-main') {
  await import('cognito-auth-machine');
} else if (mode === 'import') {
  await Promise.all([import('cognito-auth-machine'), import('cognito-auth-machine/node')]);
} else if (mode === 'restart') {
  const [{ createAuth }, { createFileStorage }] = await Promise.all([
    import('cognito-auth-machine'),
    import('cognito-auth-machine/node'),
  ]);
  const { region, identityPoolId, endpoint, directory } = JSON.parse(input);
  const auth = createAuth({
    region,
    identityPoolId,
    endpoints: { identityPool: endpoint },
    storage: createFileStorage({ directory }),
  });
  const session = await auth.fetchAuthSession();
  if (!session.credentials) throw new Error('The stored session gave no credentials.');
  const done = figures();
  auth.stop();
  process.stdout.write(`${JSON.stringify(done)}\n`);
  process.exit(0);
} else {
  throw new Error(`unknown mode ${mode}`);
}
process.stdout.write(`${JSON.stringify(figures())}\n`);
