/**
 * Command line entry: starts the emulator and prints one JSON line on stdout,
 * `{"endpoint": …, "region": …, "identityPoolId": …, "userPoolId": …, "userPoolClientId": …}`,
 * once the pools are ready.
 *
 *   npm run emulator -- --port 4577 [--region eu-west-1] [--latency-ms 50]
 *     [--credential-lifetime 900] [--identity-pool-id region:uuid] [--no-guests]
 *     [--developer-provider-name login.example.app]
 *
 * It listens on 127.0.0.1 only and stops on SIGINT or SIGTERM.
 */
import { parseArgs } from 'node:util';
import { startEmulator, type EmulatorOptions } from './index.js';

function integer(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`--${name} must be a non-negative integer, got '${value}'.`);
  return parsed;
}

/** Turns the command line into emulator options. */
function optionsFrom(argv: string[]): EmulatorOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      region: { type: 'string' },
      'identity-pool-id': { type: 'string' },
      'latency-ms': { type: 'string' },
      'credential-lifetime': { type: 'string' },
      'developer-provider-name': { type: 'string' },
      'no-guests': { type: 'boolean' },
    },
    strict: true,
  });
  const options: EmulatorOptions = { port: integer('port', values.port) ?? 0 };
  if (values.region) options.region = values.region;
  if (values['identity-pool-id']) options.identityPoolId = values['identity-pool-id'];
  const latency = integer('latency-ms', values['latency-ms']);
  if (latency !== undefined) options.latencyMs = latency;
  const lifetime = integer('credential-lifetime', values['credential-lifetime']);
  if (lifetime !== undefined) options.credentialLifetimeSeconds = lifetime;
  if (values['developer-provider-name']) options.developerProviderName = values['developer-provider-name'];
  if (values['no-guests']) options.allowGuests = false;
  return options;
}

async function main(): Promise<void> {
  const emulator = await startEmulator(optionsFrom(process.argv.slice(2)));
  process.stdout.write(
    `${JSON.stringify({
      endpoint: emulator.endpoint,
      region: emulator.region,
      identityPoolId: emulator.identityPoolId,
      userPoolId: emulator.userPoolId,
      userPoolClientId: emulator.userPoolClientId,
    })}\n`,
  );
  const stop = () => {
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`emulator: ${(error as Error).message}\n`);
  process.exit(1);
});
