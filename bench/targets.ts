/**
 * The lean-core targets, read from the rows of one run: for each, our figure, the peer's figure
 * from the same run, the ratio, and whether the target holds. Nothing here measures; a missing
 * row is an error, so a renamed figure cannot make a target disappear from the report.
 */
import { FIGURE as BUNDLE, MEASURE, PEERS, type BundleFigures } from './bundle.js';
import { LIMIT, OURS, SDK_PROVIDER } from './contenders.js';
import { newLoginFigure } from './federate.js';
import { FEDERATED, FIGURE as MEMORY } from './memory.js';
import type { NeutralResult } from './neutral.js';
import { BARE_IMPORT, FRESH, FRESH_CPU, FRESH_MEASURE } from './restart.js';
import { format, type Row } from './stats.js';

export interface Target {
  name: string;
  ours: string;
  peer: string;
  peerFigure: string;
  /** Ours divided by the peer's figure. */
  ratio: string;
  goal: string;
  holds: boolean;
  note?: string;
}

function pick(rows: Row[], figure: string, contender: string, measure: string): Row {
  const row =
    rows.find((r) => r.figure === figure && r.contender === contender && r.measure === measure) ??
    rows.find((r) => r.figure === figure && r.contender === contender && r.measure.startsWith(measure));
  if (!row) throw new Error(`No row for the target: ${figure} / ${contender} / ${measure}`);
  return row;
}

const ratio = (ours: number, peer: number) => `${(ours / peer).toFixed(2)}×`;

function bundleTarget(name: string, ours: number, peer: string, peerKb: number, limitKb: number): Target {
  return {
    name,
    ours: format(ours, 'kB'),
    peer,
    peerFigure: format(peerKb, 'kB'),
    ratio: ratio(ours, peerKb),
    goal: `≤ ${limitKb} kB`,
    holds: ours <= limitKb,
  };
}

function federateTarget(rows: Row[], latencyMs: number): Target {
  const figure = newLoginFigure(latencyMs);
  const ours = pick(rows, figure, OURS, 'latency');
  const limit = pick(rows, figure, LIMIT, 'latency');
  const over = ours.median / limit.median;
  return {
    name: `Federate a new login on a new instance, ${latencyMs} ms added (median)`,
    ours: format(ours.median, 'ms'),
    peer: LIMIT,
    peerFigure: format(limit.median, 'ms'),
    ratio: `${over.toFixed(2)}×`,
    goal: '≤ 1.05× the raw POSTs',
    holds: over <= 1.05,
  };
}

export function leanCoreTargets(rows: Row[], bundle: BundleFigures, neutral: NeutralResult, latencyMs: number): Target[] {
  const kb = (contender: string, measure: string) => pick(rows, BUNDLE, contender, measure).median;

  const warmOurs = pick(rows, 'fetchAuthSession on a valid session', OURS, 'throughput');
  const warmSdk = pick(rows, 'fetchAuthSession on a valid session', SDK_PROVIDER, 'throughput');
  const warmShare = warmOurs.median / warmSdk.median;

  const restart = 'restart with a valid stored session';
  const fresh = pick(rows, restart, FRESH, FRESH_MEASURE);
  const bare = pick(rows, restart, BARE_IMPORT, FRESH_MEASURE);
  const loaded = pick(rows, restart, `${OURS}, file storage`, 'time to first credentials');
  const freshOver = fresh.median / bare.median;
  const cpuOver = pick(rows, restart, FRESH, FRESH_CPU).median / pick(rows, restart, BARE_IMPORT, FRESH_CPU).median;

  const heapOurs = pick(rows, MEMORY, OURS, FEDERATED);
  const heapSdk = pick(rows, MEMORY, SDK_PROVIDER, FEDERATED);

  const neutralHolds = neutral.buildErrors.length === 0 && neutral.outsideImports.length === 0;
  const latencies = latencyMs === 0 ? [0] : [0, latencyMs];

  return [
    bundleTarget(
      'Bundle (a): initial chunk of `{ createAuth, AuthProvider }`',
      kb(OURS, MEASURE.initial),
      `${PEERS.amplifySession}, initial chunk`,
      kb(PEERS.amplifySession, MEASURE.initial),
      18,
    ),
    bundleTarget(
      'Bundle (b): what a browser app downloads to federate',
      kb(OURS, MEASURE.federation),
      `${PEERS.sdkProvider}, all in`,
      kb(PEERS.sdkProvider, MEASURE.all),
      25,
    ),
    bundleTarget(
      'Bundle (c): the user-pool sign-in path, all in',
      kb(OURS, MEASURE.signIn),
      `${PEERS.amplifySignIn}, all in`,
      kb(PEERS.amplifySignIn, MEASURE.all),
      32,
    ),
    ...latencies.map((ms) => federateTarget(rows, ms)),
    {
      name: 'Warm `fetchAuthSession` (valid session, no Cognito call), sequential throughput',
      ours: format(warmOurs.median, 'ops/s'),
      peer: `${SDK_PROVIDER} (memoised by an SDK client)`,
      peerFigure: format(warmSdk.median, 'ops/s'),
      ratio: `${warmShare.toFixed(2)}×`,
      goal: '≥ 0.33× (one third of the SDK provider)',
      holds: warmShare >= 1 / 3,
    },
    {
      name: 'Fresh process: createAuth with a stored session (file storage) to its first `fetchAuthSession` answer',
      ours: format(fresh.median, 'ms'),
      peer: 'bare import of the package (main + /node), fresh process',
      peerFigure: format(bare.median, 'ms'),
      ratio: `${freshOver.toFixed(2)}×`,
      goal: '≤ 1.3× the bare import',
      holds: freshOver <= 1.3,
      note:
        `already loaded (in process): ${format(loaded.median, 'ms')}; the fresh figures are times since the process ` +
        `started; in CPU time of the process the ratio is ${cpuOver.toFixed(2)}×`,
    },
    {
      name: 'Heap of one federated instance',
      ours: format(heapOurs.median, 'kB'),
      peer: `${SDK_PROVIDER} (the provider and the credentials it returned)`,
      peerFigure: format(heapSdk.median, 'kB'),
      ratio: ratio(heapOurs.median, heapSdk.median),
      goal: "≤ 1.00× the SDK provider's",
      holds: heapOurs.median <= heapSdk.median,
    },
    {
      name: 'Main entry bundled with esbuild `platform: neutral` holds no `node:` import',
      ours: neutralHolds ? 'none' : [...neutral.outsideImports, ...neutral.buildErrors].join('; '),
      peer: '',
      peerFigure: '',
      ratio: '',
      goal: 'no `node:` import',
      holds: neutralHolds,
    },
    {
      name: 'createAuth + federate + fetchAuthSession in a context with only fetch, timers, AbortController, URL (no TextEncoder, TextDecoder, Buffer, crypto)',
      ours: `${neutral.run.passed ? 'pass' : 'fail'}: ${neutral.run.detail}; ${neutral.run.cognitoCalls} Cognito calls`,
      peer: '',
      peerFigure: '',
      ratio: '',
      goal: 'pass',
      holds: neutral.run.passed,
    },
  ];
}
