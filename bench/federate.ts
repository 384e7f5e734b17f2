/**
 * Figures 1 and 2: federating a new login (on an emulator that adds no latency and on one that
 * adds the run's latency), and federating with a developer-provided identity id. Each trial is a
 * login the pool has never seen (a fresh subject), so GetId really creates an identity; the
 * contenders take turns trial by trial, so drift hits them alike. The limit is the same calls
 * made by hand with `fetch`.
 */
import { CognitoIdentityClient, GetOpenIdTokenForDeveloperIdentityCommand } from '@aws-sdk/client-cognito-identity';
import type { EmulatorHandle } from '../emulator/index.js';
import { AuthProvider } from '../src/index.js';
import { fetchFederate, LIMIT, OURS, ourAuth, RAW_SDK, rawFederate, SDK_PROVIDER, sdkClient, sdkProvider } from './contenders.js';
import { median, now, summarize, timed, type Row } from './stats.js';

export const NEW_LOGIN = 'federate a new login on a new instance';
/** Ours, timed from `createAuth` instead of from the call on a ready instance (no peer has this measure). */
const FROM_CREATE = 'latency, timed from createAuth';
const DEVELOPER = 'federate with a developer-provided identity id';

interface Trial {
  ms: number;
  calls: number;
}

/** Runs `work` once with a clean call log and returns its time and the Cognito calls the emulator saw. */
async function measure(emu: EmulatorHandle, work: () => Promise<unknown>): Promise<Trial> {
  emu.clearCalls();
  const { ms } = await timed(work);
  return { ms, calls: emu.calls().length };
}

function rows(figure: string, contender: string, trials: Trial[], limits: { ms?: number; calls: number }): Row[] {
  return [
    summarize(
      { figure, contender, measure: 'latency', unit: 'ms', better: 'lower', ...(limits.ms ? { limit: limits.ms } : {}) },
      trials.map((t) => t.ms),
    ),
    summarize(
      { figure, contender, measure: 'Cognito calls', unit: 'calls', better: 'lower', limit: limits.calls },
      trials.map((t) => t.calls),
    ),
  ];
}

let subjects = 0;
const freshSubject = () => `bench-user-${process.pid}-${++subjects}`;

/** The figure's name for an emulator that adds `latencyMs` to every call. */
export const newLoginFigure = (latencyMs: number) => `${NEW_LOGIN}, ${latencyMs} ms added`;

export async function federateNewLogin(emu: EmulatorHandle, latencyMs: number, trials: number): Promise<Row[]> {
  const google = emu.loginKeys.google;
  const client = sdkClient(emu);
  const fromCreate: number[] = [];
  let recording = false;

  const contenders: Record<string, (token: string) => Promise<Trial>> = {
    [LIMIT]: (token) => measure(emu, () => fetchFederate(emu, { [google]: token })),
    [OURS]: async (token) => {
      const created = now();
      const auth = ourAuth(emu);
      await auth.ready;
      try {
        const trial = await measure(emu, () => auth.federateToIdentityPool(token, AuthProvider.google));
        if (recording) fromCreate.push(now() - created);
        return trial;
      } finally {
        auth.stop();
      }
    },
    [RAW_SDK]: (token) => measure(emu, () => rawFederate(client, emu, { [google]: token })),
    [SDK_PROVIDER]: (token) => {
      const credentials = sdkProvider(emu, { [google]: token });
      return measure(emu, () => credentials());
    },
  };

  const results = new Map<string, Trial[]>(Object.keys(contenders).map((name) => [name, []]));
  // One unrecorded round: loads the SDK, opens connections, lets the emulator fetch its JWKS once.
  for (let round = -1; round < trials; round++) {
    recording = round >= 0;
    for (const [name, run] of Object.entries(contenders)) {
      const token = await emu.mintToken(google, freshSubject());
      const trial = await run(token);
      if (round >= 0) results.get(name)!.push(trial);
    }
  }

  const figure = newLoginFigure(latencyMs);
  const limitMs = median(results.get(LIMIT)!.map((t) => t.ms));
  const out = [...results].flatMap(([name, t]) => rows(figure, name, t, { ms: limitMs, calls: 2 }));
  const ourCalls = out.findIndex((r) => r.contender === OURS && r.measure === 'Cognito calls');
  out.splice(
    ourCalls + 1,
    0,
    summarize({ figure, contender: OURS, measure: FROM_CREATE, unit: 'ms', better: 'lower', limit: limitMs }, fromCreate),
  );
  return out;
}

/**
 * The developer flow: the app's back end gets the identity id and a Cognito OpenID token from
 * GetOpenIdTokenForDeveloperIdentity (signed, not counted: it is the back end's call, made for
 * every contender alike); the client then only needs GetCredentialsForIdentity.
 */
export async function federateDeveloperIdentity(emu: EmulatorHandle, trials: number): Promise<Row[]> {
  const backEnd = new CognitoIdentityClient({
    region: emu.region,
    endpoint: emu.endpoint,
    credentials: emu.developerCredentials,
  });
  const developerLogin = async () => {
    const out = await backEnd.send(
      new GetOpenIdTokenForDeveloperIdentityCommand({
        IdentityPoolId: emu.identityPoolId,
        Logins: { [emu.developerProviderName]: freshSubject() },
      }),
    );
    return { identityId: out.IdentityId!, token: out.Token! };
  };
  const cognitoKey = emu.loginKeys.cognitoIdentity;
  const client = sdkClient(emu);

  const contenders: Record<string, (login: { identityId: string; token: string }) => Promise<Trial>> = {
    [LIMIT]: ({ identityId, token }) => measure(emu, () => fetchFederate(emu, { [cognitoKey]: token }, identityId)),
    [RAW_SDK]: ({ identityId, token }) => measure(emu, () => rawFederate(client, emu, { [cognitoKey]: token }, identityId)),
    [OURS]: async ({ identityId, token }) => {
      const auth = ourAuth(emu);
      await auth.ready;
      try {
        return await measure(emu, () =>
          auth.federateToIdentityPool(token, AuthProvider.custom(cognitoKey), { developerProvidedIdentityId: identityId }),
        );
      } finally {
        auth.stop();
      }
    },
  };

  const results = new Map<string, Trial[]>(Object.keys(contenders).map((name) => [name, []]));
  for (let round = -1; round < trials; round++) {
    for (const [name, run] of Object.entries(contenders)) {
      const trial = await run(await developerLogin());
      if (round >= 0) results.get(name)!.push(trial);
    }
  }
  const limitMs = median(results.get(LIMIT)!.map((t) => t.ms));
  return [...results].flatMap(([name, t]) => rows(DEVELOPER, name, t, { ms: limitMs, calls: 1 }));
}
