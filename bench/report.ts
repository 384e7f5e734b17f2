/**
 * Turns the rows of a run into docs/PERFORMANCE.md: the machine and command, the results table,
 * every figure a peer wins with the reason, how each figure is measured, and what the initial
 * browser chunk is made of. Nothing in that file is written by hand.
 */
import { readFileSync } from 'node:fs';
import type { BundleFigures } from './bundle.js';
import { AMPLIFY, AMPLIFY_BUILTIN, AMPLIFY_DOCS, LIMIT, OURS, RAW_SDK, SDK_PROVIDER } from './contenders.js';
import { FRESH_TRIALS } from './restart.js';
import type { NeutralResult } from './neutral.js';
import { format, versusLimit, type Row } from './stats.js';
import type { Target } from './targets.js';
import type { SignInStepCalls } from './signInCalls.js';

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

/** The initial-chunk budget size-limit holds CI to (`limit` in .size-limit.js), in kB (gzip). */
function sizeLimitBudgetKb(): number | undefined {
  try {
    const text = readFileSync(new URL('../.size-limit.js', import.meta.url), 'utf8');
    const limit = /limit:\s*'([\d.]+)\s*kB'/.exec(text)?.[1];
    return limit === undefined ? undefined : Number(limit);
  } catch {
    return undefined;
  }
}

const isOurs = (row: Row) => row.contender.startsWith(OURS);
const isPeer = (row: Row) => !isOurs(row) && row.contender !== LIMIT;

/** Why a peer can beat us on a measure, and what would change it. Matched by prefixes. */
const WHY: Array<{ figure: string; measure: string; peer: string; why: string }> = [
  {
    figure: 'federate a new login',
    measure: 'latency',
    peer: RAW_SDK,
    why:
      'Both make the same two calls. The raw SDK calls run on one client built before the trials and ' +
      'warm; ours is a new instance for every trial, so its first call also builds that instance\'s Cognito ' +
      'client, goes through the statechart and writes the session to storage before it answers. At 0 ms ' +
      'added that fixed cost is a visible share of a few milliseconds; with real latency it is lost in it.',
  },
  {
    figure: 'federate a new login',
    measure: 'latency',
    peer: SDK_PROVIDER,
    why:
      'Both make the same two calls, so the gap is work on our side: a new instance builds its Cognito client ' +
      'on its first call, the call goes through the statechart, and the session is written to storage before ' +
      'the call answers.',
  },
  {
    figure: 'federate with a developer-provided identity id',
    measure: 'latency',
    peer: RAW_SDK,
    why:
      'One call for both; the raw SDK call runs on a warm client, ours on a new instance that goes through ' +
      'the statechart and writes the session to storage before it answers.',
  },
  {
    figure: 'fetchAuthSession on a valid session',
    measure: '',
    peer: SDK_PROVIDER,
    why:
      'Neither makes a Cognito call. Per call, the SDK\'s memoised provider returns the object it already holds; ' +
      'ours answers from the session vault without the event queue when the state is settled and nothing is ' +
      'due (the same questions the statechart\'s guards ask), but still checks the options, reads the state ' +
      'and copies the credentials out of their `Secret` wrappers into a new object, so a caller never holds ' +
      'the vault\'s own.',
  },
  {
    figure: 'browser bundle',
    measure: 'initial chunk',
    peer: SDK_PROVIDER,
    why:
      'The entry of `@aws-sdk/credential-providers` is a stub that loads the SDK client with `import()` on ' +
      'first use, and it keeps no session; ours ships the statechart (xstate and our machine) up front and ' +
      'loads the services lazily. See "The initial browser chunk" below.',
  },
  {
    figure: 'browser bundle',
    measure: 'all in',
    peer: AMPLIFY,
    why:
      'Amplify\'s `{ fetchAuthSession, Hub }` carries no user-pool sign-in and no statechart; ours is counted ' +
      'with everything it can load, and its one lazily loaded chunk holds the user-pool calls beside the ' +
      'federation (see the chunk table below), so a federation-only app downloads them too.',
  },
  {
    figure: 'memory',
    measure: 'heap per federated instance',
    peer: SDK_PROVIDER,
    why:
      'The SDK provider keeps a closure and the credentials object it returned. Each of our instances keeps a ' +
      'running XState actor (its snapshot and the system that schedules the renewal) and the services wired ' +
      'for it (session store, vault, Cognito client, hub). A heap-snapshot diff of federated instances ' +
      '(measured by hand, not by this run) put about 5 kB in the XState actor and its system alone, about 3 kB ' +
      'in the session data (the vault\'s record and the memory storage\'s encoded copy, tokens included) and ' +
      'about 8 kB in our own per-instance objects (the eleven services with their deadline wrappers, the ' +
      'session store, the API object); the actor alone is most of the SDK provider\'s figure.',
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

function targetsTable(targets: Target[]): string {
  const held = targets.filter((t) => t.holds).length;
  const lines = [
    `${held} of ${targets.length} hold in this run.`,
    '',
    "| Target | Ours | Peer | Peer's figure | Ours ÷ peer | Goal | Holds |",
    '| --- | ---: | --- | ---: | ---: | --- | --- |',
    ...targets.map(
      (t) =>
        `| ${t.name}${t.note ? ` (${t.note})` : ''} | ${t.ours} | ${t.peer} | ${t.peerFigure} | ${t.ratio} | ${t.goal} | ${
          t.holds ? 'yes' : '**no**'
        } |`,
    ),
  ];
  return lines.join('\n');
}

function methods(info: RunInfo, rows: Row[]): string {
  const sdkBurst = find(rows, '100 concurrent', SDK_PROVIDER, 'Cognito calls');
  return `Every Cognito call is counted from the emulator's own call log, cleared before each measurement;
no library is asked how many calls it made. All contenders run against emulators in this
process on 127.0.0.1: one adds ${info.latencyMs} ms to every Cognito call, one adds nothing (the 0 ms
federation, the bundle runs, the bare-runtime run and the memory figure), and they take turns
trial by trial. Times are wall-clock on this machine and include the added latency; calls and
bytes do not depend on the machine.

- **federate a new login on a new instance** (at 0 ms and at ${info.latencyMs} ms added): each trial federates a
  Google login the pool has never seen (a fresh subject, so GetId creates an identity). Ours: a new
  \`createAuth\` instance, ready, then \`federateToIdentityPool(token, AuthProvider.google)\`, timed from
  the call; the measure "latency, timed from createAuth" times the same trials from \`createAuth\`. The limit: GetId
  then GetCredentialsForIdentity as two \`fetch\` POSTs made by hand (AWS JSON 1.1, \`JSON.parse\` of the
  answers, nothing else). Raw SDK calls: the same two calls on an SDK client that is already warm. SDK
  provider: \`fromCognitoIdentityPool({ identityPoolId, logins, clientConfig })\` handed to an SDK client,
  whose memoised \`config.credentials()\` is called once. One unrecorded round comes first; at 0 ms
  there are twice as many trials (${info.trials * 2}), as the figures are small.
- **federate with a developer-provided identity id**: the app's back end calls
  GetOpenIdTokenForDeveloperIdentity (signed, not counted: the same for everyone), which returns the
  identity id and a Cognito token. Ours: \`federateToIdentityPool(token,
  AuthProvider.custom('cognito-identity.amazonaws.com'), { developerProvidedIdentityId })\`. The limit:
  GetCredentialsForIdentity alone, by hand with \`fetch\`.
- **fetchAuthSession on a valid session**: after one federation, ${info.countedCalls} sequential calls are counted, then
  sequential calls run for ${info.seconds} s per trial (${info.throughputTrials} trials after a warm-up) for the
  throughput, and up to 10,000 calls are timed one by one for the latency. ${AMPLIFY_DOCS}: \`fetchAuthSession()\`
  from \`aws-amplify/auth\` after \`Amplify.configure({ Auth: { Cognito: { identityPoolId,
  identityPoolEndpoint, allowGuestAccess: false } } }, { Auth: { credentialsProvider } })\`, where the
  provider is the custom one Amplify's docs give for federation with a third-party token: on every
  \`getCredentialsAndIdentityId\` it calls GetId and GetCredentialsForIdentity with the SDK's
  \`CognitoIdentity\` client, as the docs' example does. SDK provider: the memoised
  \`config.credentials()\` of an SDK client built with \`fromCognitoIdentityPool\`.
- **100 concurrent fetchAuthSession at expiry**: 100 calls started in the same tick, ${info.burstTrials} trials; the
  figure is the calls Cognito saw until all 100 had answered. Ours: its \`clock\` option jumps to one minute before the
  held credentials expire (inside its two-minute renewal window), and each trial jumps again to the
  renewed credentials. The SDK provider and Amplify: a second emulator, same latency, whose credentials live 60 seconds,
  so the credentials they hold really are one minute from expiry, inside the SDK's five-minute refresh
  window. ${AMPLIFY_BUILTIN}: \`Amplify.configure\` with the identity pool, guest access and no provider
  of the app's own; its built-in provider keeps the credentials and fetches again 50 minutes after it
  last fetched (by \`Date.now()\`), so \`Date.now\` is moved 51 minutes ahead during its bursts (the emulator
  keeps the real clock): every one of the 100 calls then makes its own GetCredentialsForIdentity (N calls
  for N). ${AMPLIFY_DOCS}: it holds no credentials, so expiry changes nothing for it; every call makes
  GetId and GetCredentialsForIdentity (2N for N). The limit is one GetCredentialsForIdentity for all 100.${
    sdkBurst && sdkBurst.median > 1
      ? ` The SDK provider makes ${format(sdkBurst.median, 'calls')} because \`fromCognitoIdentityPool\` of
  \`@aws-sdk/credential-providers\` builds a new inner provider on every call, and that provider
  starts with GetId; its identity-id cache (\`cache\` with \`userIdentifier\`) would save the GetId.`
      : ''
  }
- **restart with a valid stored session**: the calls and the time from "the app starts" to "credentials
  in hand", with a session stored by an earlier instance. Already loaded (in process): a new
  \`createAuth\` over the same storage (the memory storage object, or a file storage in a temporary
  directory read from disk), then \`fetchAuthSession()\`, with the package's modules already loaded.
  Fresh process: a new \`node\` runs \`bench/freshProcess.mjs\`, which imports the built package by name
  (\`cognito-auth-machine\` and \`cognito-auth-machine/node\`), makes \`createAuth\` over the same file
  storage and reads \`performance.now()\` (time since the process started) and \`process.cpuUsage()\`
  (CPU time, which other load on the machine disturbs less) when the first \`fetchAuthSession()\` answers; beside it the same script only imports the package (main + /node, as
  that app does; the main entry alone is shown too). ${FRESH_TRIALS} fresh processes of each kind, taking
  turns. SDK provider: a new \`fromCognitoIdentityPool\` with the login and the identity-id cache the
  SDK offers (\`cache\` plus \`userIdentifier\`, kept across the restart); it keeps no credentials, so it
  needs GetCredentialsForIdentity. ${AMPLIFY_DOCS}: a fresh \`Amplify.configure\` with a new docs
  provider handed the login the app kept (the docs: "you may also persist this"), then
  \`fetchAuthSession()\`. The limit is no call: the stored credentials are valid.
- **browser bundle**: each contender's imports in a one-line app entry, bundled by esbuild (platform
  browser, ESM, code splitting, minified, \`NODE_ENV=production\`); every output file gzipped at level 9.
  Ours is imported by its package name, so what is measured is the built \`dist/\` (the run builds it
  first), as a user's bundler sees it. Initial chunk: the entry file and the chunks it imports
  statically. Federation: the initial chunk and every chunk a run of \`createAuth\` +
  \`federateToIdentityPool\` + \`fetchAuthSession\` loads, found by running the bundle itself against the
  emulator with each output file marking itself as loaded (so exactly the \`import()\` calls that run
  takes are followed). User-pool sign-in: the same for \`createAuth({ userPool })\` + \`signIn\` +
  \`fetchAuthSession\`, against a small stand-in user pool that answers InitiateAuth with tokens the
  emulator minted for its hosted user pool. All in: every output file. The peers have nothing loaded
  later that a run could skip: for them the initial chunk and all in are the figures.
  \`@aws-sdk/credential-providers\` is resolved to its browser entry, as its \`browser\` field says
  (esbuild does not apply that extensionless mapping by itself). Amplify's entries include
  \`Amplify\` from \`aws-amplify\`, which every Amplify app calls \`configure\` on.
- **memory**: in a child process started with \`--expose-gc\`; garbage is collected before every heap
  reading. Per federated instance: after 20 warm-up instances of each kind, 200 are made and kept
  alive and the heap growth is divided by 200. Ours: \`createAuth\` then \`federateToIdentityPool\` against
  the emulator (which runs in the parent process, so its records are not on this heap). SDK provider: a
  \`fromCognitoIdentityPool\` provider and the credentials its first call returned, which is what a
  memoising SDK client keeps (the client itself is not counted). Idle instances: created and ready
  (restored from empty storage, signed out); after 100 warm-up instances, 30 single instances are
  measured one at a time, then 1,000 together. The last row is the heap of one \`authMachine.provide()\`
  copy (1,000 made), which \`createAuth\` makes once for all its instances.
- **the federation path in a bare runtime**: see its section below.`;
}

function bareRuntime(neutral: NeutralResult): string {
  const imports =
    neutral.buildErrors.length > 0
      ? `The build failed: ${neutral.buildErrors.join('; ')}.`
      : neutral.outsideImports.length === 0
        ? 'No output imports anything outside the bundle: no `node:` module.'
        : `Outputs import, from outside the bundle: ${neutral.outsideImports.map((i) => `\`${i}\``).join(', ')}.`;
  return `The main entry of the built package (\`import { createAuth, AuthProvider } from
'cognito-auth-machine'\`), bundled by esbuild with \`platform: 'neutral'\` and code splitting, \`node:*\`
left outside so that any such import shows: ${imports}

The same entry bundled into one script and run in a \`node:vm\` context that is given only \`fetch\`,
\`setTimeout\`/\`clearTimeout\`/\`setInterval\`/\`clearInterval\`, \`queueMicrotask\`, \`AbortController\`,
\`AbortSignal\` and \`URL\` (the language's own built-ins, \`JSON\`, \`Promise\`, \`Date\`, typed arrays, come
with every context, and so does V8's \`console\`); the flow first checks that \`TextEncoder\`,
\`TextDecoder\`, \`Buffer\`, \`crypto\`, \`atob\`, \`btoa\`, \`process\`, \`require\` and \`structuredClone\` are absent,
then runs \`createAuth\`, \`federateToIdentityPool\` and \`fetchAuthSession\` against the emulator and checks
that the session's credentials are the federated ones: **${neutral.run.passed ? 'pass' : 'fail'}** (${neutral.run.detail};
${neutral.run.cognitoCalls} Cognito calls).`;
}

function initialChunk(bundle: BundleFigures['ours']): string {
  const budget = sizeLimitBudgetKb();
  const initialKb = bundle.initialGzip / 1000;
  const total = bundle.initialParts.reduce((sum, p) => sum + p.bytes, 0);
  const top = bundle.initialParts.slice(0, 10);
  const rest = bundle.initialParts.slice(10);
  const lines = [
    `Ours, \`import { createAuth, AuthProvider }\` from the built package: **${format(initialKb, 'kB')} gzip**${
      budget === undefined
        ? ''
        : `, against the ${budget} kB budget that \`npm run size\` (size-limit, on the built \`dist/index.js\`) holds CI to: ${
            initialKb <= budget ? 'within it' : `**over it by ${format(initialKb - budget, 'kB')}**`
          }`
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

function signInTable(steps: SignInStepCalls[]): string {
  const lines = steps.map((s) => `| ${s.flow} | ${s.step.replaceAll('|', '\\|')} | ${s.calls.length} | ${s.calls.join(', ') || '—'} |`);
  return ['| Flow | Step | Calls | Cognito operations |', '| --- | --- | ---: | --- |', ...lines].join('\n');
}

export function renderReport(
  info: RunInfo,
  rows: Row[],
  bundle: BundleFigures,
  neutral: NeutralResult,
  targets: Target[],
  signInSteps: SignInStepCalls[],
): string {
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

  const lazy = bundle.ours.lazy;
  return `# Performance

Generated by \`npm run bench\` (the code is in \`bench/\`); do not edit by hand, run it again.
Medians and 99th percentiles over repeated trials; "vs the limit" is the median against the fewest
Cognito calls the job needs (and, for latency, against those calls made by hand with \`fetch\`).

| | |
| --- | --- |
| Date | ${info.date.toISOString()} |
| Command | \`${info.command}\` |
| Node | ${info.node} |
| CPU | ${info.cpu} |
| OS | ${info.os} |
| Added latency per Cognito call | ${info.latencyMs} ms (and 0 ms for the figures that say so) |
| Trials | ${info.trials} (federation at ${info.latencyMs} ms, restart), ${info.trials * 2} (federation at 0 ms), ${info.throughputTrials} × ${info.seconds} s (throughput), ${info.burstTrials} (bursts) |
| Wall time of the run | ${info.wallSeconds.toFixed(0)} s |

## Lean-core targets

Each target against its peer, both measured in this run; the figures come from the results below.

${targetsTable(targets)}

## Results

${table(rows)}

## Where a peer wins

${winLines}

## How each figure is measured

${methods(info, rows)}

## Cognito calls per sign-in step

Every sign-in flow of the guide, run once through \`createAuth\` against the emulator's user pool
(SRP unless the flow says otherwise); each step's calls as the emulator logged them, in order.
Each is the fewest the protocol allows: SRP is two round trips by design (the password never
leaves the device), and choosing email to set up needs no call. The download for this path is
row "Bundle (c)" above.

${signInTable(signInSteps)}

## The federation path in a bare runtime

${bareRuntime(neutral)}

## The initial browser chunk

${initialChunk(bundle.ours)}

The chunks outside it, loaded through \`import()\`, and which runs load them:

| Chunk | Gzip | Federation loads it | User-pool sign-in loads it |
| --- | ---: | --- | --- |
${lazy.map((c) => `| ${c.chunk} | ${format(c.gzip / 1000, 'kB')} | ${c.federation ? 'yes' : 'no'} | ${c.signIn ? 'yes' : 'no'} |`).join('\n')}
`;
}
