/**
 * A second app in a process of its own, for the cross-process tests: createAuth over file storage
 * in one access group, against the emulator. Arguments: storage folder, emulator endpoint,
 * identity pool id. It writes `ready`, then for each `renew` line on stdin writes `renewing`,
 * calls fetchAuthSession({ forceRefresh: true }) and writes `answered <isSignedIn>` or
 * `failed <error name>`.
 */
import { createInterface } from 'node:readline';
import { AccessGroup, createAuth } from '../../../src/index.js';
import { createFileStorage } from '../../../src/node.js';

const [directory, endpoint, identityPoolId] = process.argv.slice(2) as [string, string, string];
const auth = createAuth({
  region: 'us-east-1',
  identityPoolId,
  endpoints: { identityPool: endpoint },
  storage: createFileStorage({ directory }),
  appId: 'app.renewer',
  secureStoragePreferences: { accessGroup: new AccessGroup({ name: 'team.shared' }) },
});
await auth.ready;
process.stdout.write('ready\n');
for await (const line of createInterface({ input: process.stdin })) {
  if (line !== 'renew') continue;
  process.stdout.write('renewing\n');
  try {
    const session = await auth.fetchAuthSession({ forceRefresh: true });
    process.stdout.write(`answered ${session.isSignedIn}\n`);
  } catch (error) {
    process.stdout.write(`failed ${(error as Error).name}\n`);
  }
}
auth.stop();
