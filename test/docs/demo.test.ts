/**
 * `npm run demo` walks every section of the seed page, in plain words and as JSON Lines, and
 * prints no secret. The demo runs in this process (its `runDemo`), so every request the apps send
 * and every answer they get can be read here: each token, key, session, authenticator secret and
 * code that crossed the wire is then looked for in the output.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEMO_USER, runDemo, type SectionRecord } from '../../examples/demo.js';

/** The sections, in order: the seed page's flows and the user-pool sign-in with SRP and TOTP. */
const SECTIONS = [
  'emulator',
  'events',
  'federation',
  'session',
  'customIdentityId',
  'clearFederation',
  'signInTotpSetup',
  'signInTotpCode',
  'signOut',
  'providerTokenRefresh',
  'keychainSharing',
  'migration',
  'restart',
  'sharedClear',
];

/** Fields of Cognito's requests and answers whose values are secrets (tokens, keys, sessions, codes). */
const SECRET_FIELDS = new Set([
  'IdToken',
  'AccessToken',
  'RefreshToken',
  'AccessKeyId',
  'SecretKey',
  'SessionToken',
  'Session',
  'SecretCode',
  'UserCode',
  'SOFTWARE_TOKEN_MFA_CODE',
  'PASSWORD_CLAIM_SIGNATURE',
  'PASSWORD_CLAIM_SECRET_BLOCK',
  'SECRET_BLOCK',
  'Token',
]);

interface Seen {
  /** Long secrets (tokens, keys, sessions, the authenticator's secret), each with the field it came in. */
  secrets: Map<string, string>;
  /** Six-digit authenticator codes, looked for as whole words (ids hold digits too). */
  codes: Map<string, string>;
  /** Which secret fields were seen, so that the scan is known not to be empty. */
  fields: Set<string>;
}

function collect(value: unknown, seen: Seen, field?: string): void {
  if (typeof value === 'string') {
    if (field === undefined) return;
    seen.fields.add(field);
    if (/^\d{6}$/.test(value)) seen.codes.set(value, field);
    else seen.secrets.set(value, field);
  } else if (Array.isArray(value)) {
    for (const item of value) collect(item, seen, field);
  } else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      // Every value of a Logins map is a provider token.
      const secretField = field === 'Logins' ? 'Logins' : SECRET_FIELDS.has(key) || key === 'Logins' ? key : undefined;
      collect(inner, seen, secretField);
    }
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Watches every fetch the demo makes and collects the secrets in its bodies; `fail` turns one call into a network failure. */
function watchFetch(fail?: (target: string) => boolean): Seen {
  const seen: Seen = { secrets: new Map(), codes: new Map(), fields: new Set() };
  const realFetch = globalThis.fetch;
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const target = new Headers(init?.headers).get('x-amz-target') ?? '';
    if (typeof init?.body === 'string') collect(parse(init.body), seen);
    if (fail?.(target)) throw new TypeError('fetch failed');
    const response = await realFetch(input, init);
    collect(parse(await response.clone().text()), seen);
    return response;
  });
  return seen;
}

/** The kinds of secret found in the output (named by their field, never shown). */
function leaks(output: string, seen: Seen): string[] {
  const found = [...seen.secrets].filter(([secret]) => output.includes(secret)).map(([, field]) => field);
  found.push(...[...seen.codes].filter(([code]) => new RegExp(`\\b${code}\\b`).test(output)).map(([, field]) => field));
  if (output.includes(DEMO_USER.password)) found.push('the password');
  if (/eyJ[\w-]+\.[\w-]+\./.test(output)) found.push('a JWT');
  return found;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('npm run demo', () => {
  it('walks every section in plain words and as JSON Lines, and prints no secret', async () => {
    const seen = watchFetch();
    const plain: string[] = [];
    const lines: string[] = [];
    // Two runs at once, each with its own emulator and folder.
    const [plainOk, jsonOk] = await Promise.all([
      runDemo({ write: (line) => void plain.push(line) }),
      runDemo({ json: true, write: (line) => void lines.push(line) }),
    ]);
    expect(plainOk).toBe(true);
    expect(jsonOk).toBe(true);

    // --json: one object per line, one per section, then the summary.
    const records = lines.map((line) => JSON.parse(line) as SectionRecord & { done?: true });
    const summary = records.pop();
    expect(summary).toEqual({ done: true, ok: true, sections: SECTIONS.length });
    expect(records.map((record) => record.section)).toEqual(SECTIONS);
    for (const record of records) expect(record, record.section).toMatchObject({ ok: true });
    const bySection = Object.fromEntries(records.map((record) => [record.section, record]));
    expect(bySection['federation']).toMatchObject({ cognitoCalls: ['GetId', 'GetCredentialsForIdentity'], hubEvents: ['app: federatedToIdentityPool'] });
    expect(bySection['session']).toMatchObject({ cognitoCalls: [], isSignedIn: true, getCurrentUser: 'InvalidStateError' });
    expect(bySection['customIdentityId']).toMatchObject({ cognitoCalls: ['GetCredentialsForIdentity'], identityId: bySection['federation']?.['identityId'] });
    expect(bySection['clearFederation']).toMatchObject({ cognitoCalls: [], isSignedIn: false });
    expect(bySection['signInTotpSetup']).toMatchObject({ authFlow: 'USER_SRP_AUTH', setupUri: 'otpauth://totp/demo:ada', federateToIdentityPool: 'InvalidStateError' });
    expect(bySection['signInTotpSetup']?.['steps']).toEqual(expect.arrayContaining(['CONTINUE_SIGN_IN_WITH_TOTP_SETUP', 'DONE']));
    expect(bySection['signInTotpSetup']?.cognitoCalls.slice(0, 2)).toEqual(['InitiateAuth', 'RespondToAuthChallenge']);
    expect(bySection['signInTotpCode']).toMatchObject({ steps: ['CONFIRM_SIGN_IN_WITH_TOTP_CODE', 'DONE'], isSignedIn: true });
    expect(bySection['signOut']).toMatchObject({ isSignedIn: false, hubEvents: ['app: signedOut'] });
    expect(bySection['providerTokenRefresh']).toMatchObject({ providerTokenRequests: 1, cognitoCalls: ['GetCredentialsForIdentity'] });
    expect(bySection['keychainSharing']).toMatchObject({ bothSignedIn: true });
    expect(bySection['migration']).toMatchObject({ bothSignedIn: true, cognitoCalls: [] });
    expect(bySection['restart']).toMatchObject({ isSignedIn: true, cognitoCallCount: 0, cognitoCalls: [] });
    expect(bySection['sharedClear']).toMatchObject({ photosSignedIn: false, cognitoCalls: [] });

    // Plain words: a heading per section, and the restart's count.
    const text = plain.join('\n');
    for (const record of records) expect(plain, record.section).toContain(`== ${record.title}`);
    expect(text).toContain('0 Cognito calls');
    expect(text).toContain('otpauth://totp/demo:ada (the secret is not shown)');

    // The scan looked at every kind of secret, and found none in either output.
    for (const field of ['Logins', 'IdToken', 'AccessToken', 'RefreshToken', 'SecretKey', 'SessionToken', 'Session', 'SecretCode', 'UserCode', 'SOFTWARE_TOKEN_MFA_CODE']) {
      expect(seen.fields, field).toContain(field);
    }
    expect(leaks(text, seen)).toEqual([]);
    expect(leaks(lines.join('\n'), seen)).toEqual([]);
  });

  it('stops at a failed step, says which and why, and reports failure', async () => {
    watchFetch((target) => target.endsWith('.GetId'));
    const lines: string[] = [];
    await expect(runDemo({ json: true, write: (line) => void lines.push(line) })).resolves.toBe(false);
    const records = lines.map((line) => JSON.parse(line) as SectionRecord & { done?: true });
    expect(records.at(-1)).toEqual({ done: true, ok: false, sections: 3 });
    expect(records.at(-2)).toMatchObject({ section: 'federation', ok: false, error: { name: 'ServiceError' } });
  });
});

describe('docs/guide.md', () => {
  const read = (file: string) => readFileSync(fileURLToPath(new URL(`../../${file}`, import.meta.url)), 'utf8');

  it('shows every sign-in step in a compiled example, and points to the demo that runs them', () => {
    // The step names of SignInOutput's nextStep, from the source.
    const steps = new Set(
      ['src/vocabulary/AuthSession.ts', 'src/vocabulary/statechartContract.ts'].flatMap((file) =>
        [...read(file).matchAll(/'((?:CONFIRM|CONTINUE)_SIGN_IN_[A-Z_]+|DONE)'/g)].map((match) => match[1] as string),
      ),
    );
    expect(steps.size).toBeGreaterThanOrEqual(9);
    const guide = read('docs/guide.md');
    // The ```ts blocks codeBlocks.test.ts compiles (not the ones fenced `ts ignore`).
    const examples = [...guide.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1] as string).join('\n');
    expect([...steps].filter((step) => !examples.includes(step))).toEqual([]);
    expect(guide).toContain('`npm run demo` runs these steps end to end');
  });
});
