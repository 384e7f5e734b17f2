/**
 * `npm run example:oauth`: starts the OpenID provider, the Cognito emulator, the API and the
 * page, prints the page's address, and runs until Ctrl-C. Open the address in a browser, sign
 * in with any user name and password, and watch the page federate and call the API.
 *
 * Options: --port <n> (the page's port, default a free one), --token-lifetime <s> (id tokens,
 * default 600), --credential-lifetime <s> (AWS credentials, default 3600). With both short, for
 * instance 20 and 30, "Call the API" after they expire shows the silent renewal at work.
 */
import { parseArgs } from 'node:util';
import { startOAuthExample } from './servers.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'token-lifetime': { type: 'string' },
    'credential-lifetime': { type: 'string' },
  },
});
const number = (value: string | undefined) => (value === undefined ? undefined : Number.parseInt(value, 10));
const tokenLifetimeSeconds = number(values['token-lifetime']);
const credentialLifetimeSeconds = number(values['credential-lifetime']);

const example = await startOAuthExample({
  port: number(values.port) ?? 0,
  ...(tokenLifetimeSeconds !== undefined ? { tokenLifetimeSeconds } : {}),
  ...(credentialLifetimeSeconds !== undefined ? { credentialLifetimeSeconds } : {}),
  // Short credentials would otherwise be renewed on every call (the default window is 2 minutes).
  ...(credentialLifetimeSeconds !== undefined && credentialLifetimeSeconds < 300 ? { renewBeforeExpiryMs: 0 } : {}),
});
console.log(`OAuth example: open ${example.url}`);
console.log(`  OpenID provider ${example.provider.issuer}, Cognito emulator ${example.emulator.endpoint}, API ${example.api.url}`);

const stop = () => {
  void example.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
