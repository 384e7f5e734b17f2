/**
 * Turns the rows of a run into docs/PERFORMANCE.md: the machine and command, the results table,
 * every figure a peer wins with the reason, how each figure is measured, and what the initial
 * browser chunk is made of. Nothing in that file is written by hand.
 */
import type { BundleFigures } from './bundle.js';
import { AMPLIFY, LIMIT, OURS, SDK_PROVIDER } from './contenders.js';
import { format, versusLimit, type Row } from './stats.js';

export interface RunInfo {
  date: Date;
  node: string;
  cpu: string;
  os: string;
  command: string;
  latencyMs: number;
  /** Trials of the federation and restart figures. */
  trials: number;
  /** Trials of the throughput, each `seconds` long. */
  throughputTrials: number;
  seconds: number;
  /** Sequential calls whose Cognito calls are counted on a valid session. */
  countedCalls: number;
  burstTrials: number;
  wallSeconds: number;
}

/** The initial-chunk budget size-limit holds CI to, in kB (gzip). */
export const INITIAL_CHUNK_BUDGET_KB = 20;

const isOurs = (row: Row) => row.contender.startsWith(OURS);
const isPeer = (row: Row) => !isOurs(row) && row.contender !== LIMIT;

/** Why a peer can beat us on a measure, and what would change it. Matched by prefixes. */
const WHY: Array<{ figure: string; measure: string; peer: string; why: string }> = [
  {
    figure: 'federate a new login',
    measure: 'latency',
    peer: SDK_PROVIDER,
    why:
      'Both make the same two calls, so the gap is work on our side: an instance\'s first call builds that ' +
      'instance\'s client from the lazily loaded `@aws-sdk/client-cognito-identity` and opens its connection (the ' +
      'limit reuses a warm client), and the session is written to storage before the call answers. Building the ' +
      'client while the instance starts, or sharing one client between instances, would remove most of it.',
  },
  {
    figure: 'fetchAuthSession on a valid session',
    measure: '',
    peer: SDK_PROVIDER,
    why:
      'Neither makes a Cognito call. Per call, the SDK\'s memoised provider returns the object it already holds; ' +
      'ours sends an event through the statechart (guards, a settle event back to the Promise API) and copies ' +
      'the credentials out of their `Secret` wrappers into a new object. A read-only path that answers from ' +
      'the session vault while no renewal is due would close the gap; at these rates it is not a bottleneck.',
  },
  {
    figure: 'browser bundle',
    measure: 'initial chunk',
    peer: SDK_PROVIDER,
    why:
      'The SDK provider\'s entry is a few functions that import the whole SDK client on first use, and it keeps ' +
      'no session; ours ships the statechart (xstate and our machine) up front and loads the services and the ' +
      'AWS SDK lazily. See "The initial browser chunk" below.',
  },
  {
    figure: 'browser bundle',
    measure: 'total',
    peer: AMPLIFY,
    why:
      'Amplify calls Cognito through its own small hand-written clients, one per operation, and loads nothing ' +
      'later; with its docs\' federation provider it adds the SDK\'s `CognitoIdentity` client, but nothing for ' +
      'user pools. Ours loads the full AWS SDK clients on demand: `@aws-sdk/client-cognito-identity`, and ' +
      '`@aws-sdk/client-cognito-identity-provider` for user-pool sign-in, which a federation-only app never ' +
      'downloads but the total counts (see the lazy chunks below). Only the initial chunk is downloaded before ' +
      'the app runs. Hand-written clients for the few operations we call (GetId and GetCredentialsForIdentity ' +
      'are unsigned JSON POSTs) would shrink the lazy chunks to a few kB.',
  },
  {
    figure: 'browser bundle',
    measure: 'total',
    peer: SDK_PROVIDER,
    why:
      'The SDK provider loads one slim SDK client for its two operations and keeps no session; ours loads the ' +
      'full SDK clients, the user-pool one included (see the lazy chunks below), on top of an initial chunk ' +
      'that holds the statechart. Hand-written clients for our few operations would change it.',
  },
];

function whyPeerWins(row: Row): string {
  const entry = WHY.find(
    (w) => row.figure.startsWith(w.figure) && row.measure.startsWith(w.measure) && row.contender.startsWith(w.peer),
  );
  return entry?.why ?? 'No reason is recorded for this one yet: it is new, look into it.';
}

function beats(peer: Row, ours: Row): boolean {
  return peer.better === 'lower' ? peer.median < ours.median : peer.median > ours.median;
}

/** Every (peer row, our row) pair where the peer's median is better than ours. */
export function peerWins(rows: Row[]): Array<{ peer: Row; ours: Row }> {
  const wins: Array<{ peer: Row; ours: Row }> = [];
  for (const ours of rows.filter(isOurs)) {
    for (const peer of rows.filter((r) => isPeer(r) && r.figure === ours.figure && r.measure === ours.measure)) {
      if (beats(peer, ours)) wins.push({ peer, ours });
    }
  }
  return wins;
}

function table(rows: Row[]): string {
  const lines = [
    '| Figure | Contender | Measure | Median | p99 | vs the limit | n |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: |',
  ];
  let lastFigure = '';
  for (const row of rows) {
    const figure = row.figure === lastFigure ? '' : row.figure;
    lastFigure = row.figure;
    const name = isOurs(row) ? `**${row.contender}**` : row.contender;
    lines.push(
      `| ${figure} | ${name} | ${row.measure} | ${format(row.median, row.unit)} | ${
        row.p99 === undefined ? '' : format(row.p99, row.unit)
      } | ${versusLimit(row)} | ${row.trials} |`,
    );
  }
  return lines.join('\n');
}

function find(rows: Row[], figure: string, contender: string, measure: string): Row | undefined {
  return rows.find((r) => r.figure.startsWith(figure) && r.contender.startsWith(contender) && r.measure.startsWith(measure));
}

function methods(info: RunInfo, rows: Row[]): string {
  const sdkBurst = find(rows, '100 concurrent', SDK_PROVIDER, 'Cognito calls');
  return `Every Cognito call is counted from the emulator's own call log, cleared before each measurement;
no library is asked how many calls it made. All contenders run against one emulator in this
process on 127.0.0.1, which adds ${info.latencyMs} ms to every Cognito call, and they take turns trial by
trial. Times are wall-clock on this machine and include the added latency; calls and bytes do not
depend on the machine.

- **federate a new login**: each trial federates a Google login the pool has never seen (a fresh
  subject, so GetId creates an identity). Ours: a new \`createAuth\` instance, ready, then
  \`federateToIdentityPool(token, AuthProvider.google)\`. The limit: GetId then
  GetCredentialsForIdentity on an SDK client that is already warm. SDK provider:
  \`fromCognitoIdentityPool({ identityPoolId, logins, clientConfig })\` handed to an SDK client, whose
  memoised \`config.credentials()\` is called once. One unrecorded round comes first.
- **federate with a developer-provided identity id**: the app's back end calls
  GetOpenIdTokenForDeveloperIdentity (signed, not counted: the same for everyone), which returns the
  identity id and a Cognito token. Ours: \`federateToIdentityPool(token,
  AuthProvider.custom('cognito-identity.amazonaws.com'), { developerProvidedIdentityId })\`. The limit:
  GetCredentialsForIdentity alone.
- **fetchAuthSession on a valid session**: after one federation, ${info.countedCalls} sequential calls are counted, then
  sequential calls run for ${info.seconds} s per trial (${info.throughputTrials} trials after a warm-up) for the
  throughput, and up to 10,000 calls are timed one by one for the latency. Amplify: \`fetchAuthSession()\`
  from \`aws-amplify/auth\` after \`Amplify.configure({ Auth: { Cognito: { identityPoolId,
  identityPoolEndpoint, allowGuestAccess: false } } }, { Auth: { credentialsProvider } })\`, where the
  provider is the custom one Amplify's docs give for federation with a third-party token: on every
  \`getCredentialsAndIdentityId\` it calls GetId and GetCredentialsForIdentity with the SDK's
  \`CognitoIdentity\` client, as the docs' example does. SDK provider: the memoised
  \`config.credentials()\` of an SDK client built with \`fromCognitoIdentityPool\`.
- **100 concurrent fetchAuthSession at expiry**: 100 calls started in the same tick, ${info.burstTrials} trials; the
  figure is the calls Cognito saw until all 100 had answered. Ours: its \`clock\` option jumps to one minute before the
  held credentials expire (inside its two-minute renewal window), and each trial jumps again to the
  renewed credentials. The peers: a second emulator, same latency, whose credentials live 60 seconds,
  so the credentials they hold really are one minute from expiry, inside the SDK's five-minute refresh
  window; Amplify's docs provider holds no credentials, so expiry changes nothing for it. The limit is
  one GetCredentialsForIdentity for all 100.${
    sdkBurst && sdkBurst.median > 1
      ? ` The SDK provider makes ${format(sdkBurst.median, 'calls')} because \`fromCognitoIdentityPool\` of
  \`@aws-sdk/credential-providers\` builds a new inner provider on every call, and that provider
  starts with GetId; its identity-id cache (\`cache\` with \`userIdentifier\`) would save the GetId.`
      : ''
  }
- **restart with a valid stored session**: the time from "the app starts" to "credentials in hand", and
  the calls in that time, with a session stored by an earlier instance. Ours: a new \`createAuth\` over the
  same storage (the memory storage object, or a file storage in a temporary directory read from disk),
  then \`fetchAuthSession()\`. SDK provider: a new \`fromCognitoIdentityPool\` with the login and the
  identity-id cache the SDK offers (\`cache\` plus \`userIdentifier\`, kept across the restart); it keeps
  no credentials, so it needs GetCredentialsForIdentity. Amplify: a fresh \`Amplify.configure\` with a
  new docs provider handed the login the app kept (the docs: "you may also persist this"), then
  \`fetchAuthSession()\`. The limit is no call: the stored credentials are valid.
- **browser bundle**: each contender's imports in a one-line app entry, bundled by esbuild (platform
  browser, ESM, code splitting, minified, \`NODE_ENV=production\`); every output file gzipped at level 9.
  The initial chunk is the entry file and the chunks it imports statically; the total adds the chunks
  loaded through \`import()\`. Ours: \`import { createAuth, AuthProvider }\` from the sources. Amplify:
  \`Amplify\`, \`{ fetchAuthSession, signIn, signOut }\` from \`aws-amplify/auth\` and \`Hub\` from
  \`aws-amplify/utils\`; the third row adds the SDK client its docs' federation provider imports.
- **memory**: in a child process started with \`--expose-gc\`; garbage is collected before every heap
  reading. An idle instance is created and ready (restored from empty storage, signed out). After 100
  warm-up instances, 30 single instances are measured one at a time, then 1,000 together; all are kept
  alive until read. The last row is the heap of one \`authMachine.provide()\` copy (1,000 made), which
  every instance makes to bind its services.`;
}

function initialChunk(bundle: BundleFigures['ours'], rows: Row[]): string {
  const initial = find(rows, 'browser bundle', OURS, 'initial chunk')!;
  const total = bundle.parts.reduce((sum, p) => sum + p.bytes, 0);
  const top = bundle.parts.slice(0, 10);
  const rest = bundle.parts.slice(10);
  const lines = [
    `Ours, \`import { createAuth, AuthProvider }\`: **${format(initial.median, 'kB')} gzip**, against the
${INITIAL_CHUNK_BUDGET_KB} kB budget that \`npm run size\` (size-limit, on the built \`dist/index.js\`) holds CI to: ${
      initial.median <= INITIAL_CHUNK_BUDGET_KB ? 'within it' : `**over it by ${format(initial.median - INITIAL_CHUNK_BUDGET_KB, 'kB')}**`
    }. With xstate left out of the bundle it would be ${format(bundle.withoutXstateGzip / 1000, 'kB')} gzip.`,
    '',
    'What it is made of, minified, before gzip:',
    '',
    '| Part | Minified | Share |',
    '| --- | ---: | ---: |',
    ...top.map((p) => `| ${p.part} | ${format(p.bytes, 'bytes')} | ${((100 * p.bytes) / total).toFixed(1)}% |`),
  ];
  if (rest.length > 0) {
    const restBytes = rest.reduce((sum, p) => sum + p.bytes, 0);
    lines.push(`| ${rest.length} smaller parts | ${format(restBytes, 'bytes')} | ${((100 * restBytes) / total).toFixed(1)}% |`);
  }
  return lines.join('\n');
}

export function renderReport(info: RunInfo, rows: Row[], bundle: BundleFigures): string {
  // One line per figure and peer: the measures it wins, then why.
  const grouped = new Map<string, Array<{ peer: Row; ours: Row }>>();
  for (const win of peerWins(rows)) {
    const key = `${win.peer.figure}\u0000${win.peer.contender}`;
    grouped.set(key, [...(grouped.get(key) ?? []), win]);
  }
  const winLines =
    grouped.size === 0
      ? 'None in this run.'
      : [...grouped.values()]
          .map((wins) => {
            const { peer } = wins[0]!;
            const measures = wins
              .map(({ peer: p, ours }) => `${p.measure} ${format(p.median, p.unit)} against ${ours.contender === OURS ? 'ours' : ours.contender} ${format(ours.median, ours.unit)}`)
              .join('; ');
            const whys = [...new Set(wins.map(({ peer: p }) => whyPeerWins(p)))].join(' ');
            return `- **${peer.figure}**, ${peer.contender}: ${measures}. ${whys}`;
          })
          .join('\n');

  return `# Performance

Generated by \`npm run bench\` (the code is in \`bench/\`); do not edit by hand, run it again.
Medians and 99th percentiles over repeated trials; "vs the limit" is the median against the fewest
Cognito calls the job needs (and, for latency, against those calls made by hand on a warm SDK client).

| | |
| --- | --- |
| Date | ${info.date.toISOString()} |
| Command | \`${info.command}\` |
| Node | ${info.node} |
| CPU | ${info.cpu} |
| OS | ${info.os} |
| Added latency per Cognito call | ${info.latencyMs} ms |
| Trials | ${info.trials} (federation, restart), ${info.throughputTrials} × ${info.seconds} s (throughput), ${info.burstTrials} (bursts) |
| Wall time of the run | ${info.wallSeconds.toFixed(0)} s |

## Results

${table(rows)}

## Where a peer wins

${winLines}

## How each figure is measured

${methods(info, rows)}

## The initial browser chunk

${initialChunk(bundle.ours, rows)}

The chunks loaded later, through \`import()\`, on the first Cognito call (and the first user-pool call):

| Chunk | Gzip |
| --- | ---: |
${bundle.ours.lazy.map((c) => `| ${c.chunk} | ${format(c.gzip / 1000, 'kB')} |`).join('\n')}
`;
}
