/**
 * The demo: every flow of Amplify Swift's "Advanced workflows" page, end to end, on the embedded
 * local emulator (no AWS account, no network).
 *
 *   npm run demo              plain words, for a person
 *   npm run demo -- --json    JSON Lines, for a machine
 *
 * It walks: listening to auth events; federating a Google token; fetching the session; a custom
 * identity id; clearing the federation; user-pool sign-in with SRP, setting up an authenticator
 * (TOTP) on the way, then signing in with its code; signing out; renewing credentials with a fresh
 * provider token through `federation.refreshProviderToken`; and keychain sharing: apps on file
 * storage in one access group, a migration to another group, a restart that makes no Cognito
 * call, and a clear in one app that signs the other out.
 *
 * With `--json` every line is one JSON object: one per section,
 * `{ "section", "title", "ok", "cognitoCalls": [operation…], "hubEvents": ["<app>: <event>"…], …facts }`,
 * then `{ "done": true, "ok", "sections" }`. A failed step gives `"ok": false` with
 * `"error": { "name", "message" }`, and the exit code is 1 (also without `--json`).
 *
 * Secrets are never printed: no token, secret key, session token, password, authenticator secret
 * or code. The demo's clock is shared by the emulator and every app, so the demo skips ahead
 * (an authenticator's next 30-second code, an hour of credentials) instead of waiting.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  SetUserPoolMfaConfigCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { startEmulator, totpCode, type EmulatorHandle } from '../emulator/index.js';
import { AccessGroup, AuthError, AuthProvider, createAuth, createMemoryStorage, type Auth, type AuthConfig, type HubPayload } from '../src/index.js';
import { createFileStorage } from '../src/node.js';

/** The user-pool user the demo creates (test credentials of the local emulator, never printed). */
export const DEMO_USER = { username: 'ada', password: 'Correct-Horse-9' } as const;

/** What one section did, as `--json` prints it. */
export interface SectionRecord {
  section: string;
  title: string;
  ok: boolean;
  /** The Cognito operations the section called, in order (the emulator's call log). */
  cognitoCalls: string[];
  /** The hub events heard during the section, as `<app>: <event>`. */
  hubEvents: string[];
  error?: { name: string; message: string };
  [fact: string]: unknown;
}

export interface DemoOptions {
  /** JSON Lines instead of plain words. */
  json?: boolean;
  /** Where each output line goes; default `console.log`. */
  write?: (line: string) => void;
}

type Facts = Record<string, unknown>;

/** Throws when the demo did not see what the flow promises: the run then fails. */
function check(condition: unknown, expected: string): asserts condition {
  if (!condition) throw new Error(`Expected ${expected}.`);
}

function stateName(value: unknown): string {
  if (typeof value === 'string') return value;
  const [key, inner] = Object.entries(value as Record<string, unknown>)[0] ?? ['?', ''];
  return `${key}.${stateName(inner)}`;
}

/** A hub payload in words: its event and the data that is safe to show (ids, names; never tokens). */
function describeHub(payload: HubPayload): string {
  const data = payload.data as Record<string, unknown> | undefined;
  const parts: string[] = [];
  if (data && typeof data['identityId'] === 'string') parts.push(`identity ${data['identityId']}`);
  if (data && typeof data['provider'] === 'object' && data['provider']) parts.push(`provider ${(data['provider'] as AuthProvider).type}`);
  if (data && typeof data['username'] === 'string') parts.push(`user ${data['username']}`);
  if (data && data['error'] instanceof AuthError) parts.push(data['error'].name);
  return parts.length ? `${payload.event} (${parts.join(', ')})` : payload.event;
}

const time = (date: Date | undefined) => date?.toISOString() ?? 'none';

/**
 * Runs every section against a fresh emulator and reports each as it ends.
 *
 * @returns true when every section did what it should.
 */
export async function runDemo(options: DemoOptions = {}): Promise<boolean> {
  const writeLine = options.write ?? ((line: string) => console.log(line));
  const write = (...lines: string[]) => lines.forEach((line) => writeLine(line));
  const json = options.json ?? false;
  const say = (line: string) => {
    if (!json) write(`   ${line}`);
  };

  let skipped = 0;
  /** The demo's clock (epoch ms), shared by the emulator and every app. */
  const clock = () => Date.now() + skipped;
  const skip = (ms: number) => {
    skipped += ms;
  };

  let emu: EmulatorHandle | undefined;
  let directory: string | undefined;
  const running = new Set<Auth>();
  let heard: string[] = [];
  let sections = 0;

  /** An app: a createAuth instance whose hub events and (for the main one) states are reported. */
  function startApp(label: string, config: Omit<AuthConfig, 'region' | 'identityPoolId'>, showStates = false): Auth {
    const e = emu as EmulatorHandle;
    const auth = createAuth({
      region: e.region,
      identityPoolId: e.identityPoolId,
      endpoints: { identityPool: e.endpoint, userPool: e.endpoint },
      clock,
      ...config,
    });
    running.add(auth);
    auth.hub.listen('auth', ({ payload }) => {
      heard.push(`${label}: ${payload.event}`);
      say(`hub:   [${label}] ${describeHub(payload)}`);
    });
    if (showStates) {
      let last = '';
      auth.actor.subscribe((snapshot) => {
        const name = stateName(snapshot.value);
        if (name !== last) say(`state: ${(last = name)}`);
      });
    }
    return auth;
  }
  function stopApp(auth: Auth): void {
    auth.stop();
    running.delete(auth);
  }
  const calls = () => (emu ? emu.calls().map((call) => call.operation) : []);
  const started = (): EmulatorHandle => {
    if (!emu) throw new Error('The emulator did not start.');
    return emu;
  };

  /** Runs one section: its heading, its lines, and its record (Cognito calls and hub events included). */
  async function section(id: string, title: string, body: () => Promise<Facts>): Promise<void> {
    if (!json) write('', `== ${title}`);
    emu?.clearCalls();
    heard = [];
    let record: SectionRecord;
    try {
      const facts = await body();
      record = { section: id, title, ok: true, ...facts, cognitoCalls: calls(), hubEvents: heard };
    } catch (error) {
      const { name, message } = error instanceof Error ? error : new Error(String(error));
      record = { section: id, title, ok: false, cognitoCalls: calls(), hubEvents: heard, error: { name, message } };
    }
    sections += 1;
    if (json) write(JSON.stringify(record));
    else {
      say(`Cognito calls: ${record.cognitoCalls.join(', ') || 'none'}`);
      if (record.error) say(`FAILED: ${record.error.name}: ${record.error.message}`);
    }
    if (!record.ok) throw new DemoStopped();
  }

  let ok = true;
  try {
    // ---------------------------------------------------------------- the emulator, the user pool
    await section('emulator', 'Starting the local emulator', async () => {
      emu = await startEmulator({ now: clock });
      const admin = new CognitoIdentityProviderClient({ endpoint: emu.endpoint, region: emu.region, credentials: emu.developerCredentials });
      try {
        // The pool requires a second factor, and the user has none yet: signing in sets one up.
        await admin.send(
          new SetUserPoolMfaConfigCommand({ UserPoolId: emu.userPoolId, MfaConfiguration: 'ON', SoftwareTokenMfaConfiguration: { Enabled: true } }),
        );
        await admin.send(new AdminCreateUserCommand({ UserPoolId: emu.userPoolId, Username: DEMO_USER.username, MessageAction: 'SUPPRESS' }));
        await admin.send(
          new AdminSetUserPasswordCommand({ UserPoolId: emu.userPoolId, Username: DEMO_USER.username, Password: DEMO_USER.password, Permanent: true }),
        );
      } finally {
        admin.destroy();
      }
      say(`identity pool ${emu.identityPoolId} and user pool ${emu.userPoolId} at ${emu.endpoint}`);
      say(`the user pool requires MFA; user "${DEMO_USER.username}" has no second factor yet`);
      return { endpoint: emu.endpoint, identityPoolId: emu.identityPoolId, userPoolId: emu.userPoolId, username: DEMO_USER.username };
    });
    const e = started();

    // ---------------------------------------------------------------- the seed, one app
    let providerTokenRequests = 0;
    const app = startApp(
      'app',
      {
        userPool: { userPoolId: e.userPoolId, userPoolClientId: e.userPoolClientId },
        storage: createMemoryStorage(),
        federation: {
          // A real app asks its provider's SDK (Google Sign-In here) for a fresh token.
          refreshProviderToken: async (provider) => {
            providerTokenRequests += 1;
            say(`refreshProviderToken(${provider.type}) asked for a fresh token`);
            return e.mintToken(provider.loginKey, 'google-user-1');
          },
        },
      },
      true,
    );

    await section('events', 'Listening to auth events', async () => {
      await app.ready;
      say(`auth.hub.listen('auth', …): every event from here on is printed as it fires`);
      const { isSignedIn } = await app.fetchAuthSession();
      check(!isSignedIn, 'a new app to start signed out');
      return { channel: 'auth', isSignedIn };
    });

    let identityId = '';
    await section('federation', 'Federating a Google token into the identity pool', async () => {
      const googleToken = await e.mintToken(e.loginKeys.google, 'google-user-1');
      const result = await app.federateToIdentityPool(googleToken, AuthProvider.google);
      identityId = result.identityId;
      say(`identity ${identityId}; AWS credentials until ${time(result.credentials.expiration)}`);
      check(calls().join() === 'GetId,GetCredentialsForIdentity', 'GetId then GetCredentialsForIdentity');
      check(heard.includes('app: federatedToIdentityPool'), 'the federatedToIdentityPool event');
      return { provider: 'google', identityId, credentialsExpire: time(result.credentials.expiration) };
    });

    await section('session', 'Fetching the session', async () => {
      const session = await app.fetchAuthSession();
      say(`isSignedIn ${session.isSignedIn}, identity ${session.identityId}, credentials: ${session.credentials ? 'yes' : 'no'}`);
      check(session.isSignedIn && session.identityId === identityId && session.credentials, 'the federated session');
      check(calls().length === 0, 'an answer from the session, without a Cognito call');
      const refused = await app.getCurrentUser().then(
        () => undefined,
        (error: unknown) => error,
      );
      check(refused instanceof AuthError && refused.name === 'InvalidStateError', 'getCurrentUser to be refused while federated');
      say(`getCurrentUser() while federated: ${refused.name} (there is no user-pool user)`);
      return { isSignedIn: session.isSignedIn, identityId: session.identityId, hasCredentials: true, getCurrentUser: refused.name };
    });

    await section('customIdentityId', 'Federating with a custom identity id (the same identity on a second device)', async () => {
      const device = startApp('second device', { storage: createMemoryStorage() });
      await device.ready;
      const googleToken = await e.mintToken(e.loginKeys.google, 'google-user-1');
      const result = await device.federateToIdentityPool(googleToken, AuthProvider.google, { developerProvidedIdentityId: identityId });
      stopApp(device);
      say(`developerProvidedIdentityId ${identityId}: GetId skipped, identity ${result.identityId}`);
      check(result.identityId === identityId, 'the identity id given');
      check(calls().join() === 'GetCredentialsForIdentity', 'GetCredentialsForIdentity only');
      return { identityId: result.identityId, getIdSkipped: true };
    });

    await section('clearFederation', 'Clearing the federation', async () => {
      await app.clearFederationToIdentityPool();
      const { isSignedIn } = await app.fetchAuthSession();
      say(`isSignedIn ${isSignedIn}; local only: signing out of Google is the app's job`);
      check(!isSignedIn && calls().length === 0, 'a local clear, without a Cognito call');
      check(heard.includes('app: federationToIdentityPoolCleared'), 'the federationToIdentityPoolCleared event');
      return { isSignedIn };
    });

    /** What the user's authenticator app keeps (the demo plays that app). */
    let authenticatorSecret = '';
    await section('signInTotpSetup', 'Signing in to the user pool with SRP, setting up an authenticator (TOTP)', async () => {
      const steps: string[] = [];
      let result = await app.signIn({ username: DEMO_USER.username, password: DEMO_USER.password }); // USER_SRP_AUTH, the default
      steps.push(result.nextStep.signInStep);
      say(`signIn (USER_SRP_AUTH: the password never leaves the app): ${result.nextStep.signInStep}`);
      if (result.nextStep.signInStep === 'CONTINUE_SIGN_IN_WITH_MFA_SETUP_SELECTION') {
        say(`the pool offers ${result.nextStep.allowedMFATypes.join(' or ')}; choosing TOTP`);
        result = await app.confirmSignIn({ challengeResponse: 'TOTP' });
        steps.push(result.nextStep.signInStep);
        say(`confirmSignIn('TOTP'): ${result.nextStep.signInStep}`);
      }
      const step = result.nextStep;
      check(step.signInStep === 'CONTINUE_SIGN_IN_WITH_TOTP_SETUP', 'the CONTINUE_SIGN_IN_WITH_TOTP_SETUP step');
      const uri = step.totpSetupDetails.getSetupUri('demo');
      // The URI holds the secret: an app shows it as a QR code. Here only its scheme and label.
      const shownUri = `${uri.protocol}//${uri.host}${decodeURIComponent(uri.pathname)}`;
      say(`setup URI for the authenticator app: ${shownUri} (the secret is not shown)`);
      // The authenticator app's part: it keeps the secret and shows a code from it (RFC 6238).
      authenticatorSecret = step.totpSetupDetails.sharedSecret.reveal();
      result = await app.confirmSignIn({ challengeResponse: totpCode(authenticatorSecret, clock()) });
      steps.push(result.nextStep.signInStep);
      say(`confirmSignIn(<the authenticator's code>): ${result.nextStep.signInStep}`);
      check(result.isSignedIn && result.nextStep.signInStep === 'DONE', 'DONE');
      const session = await app.fetchAuthSession();
      const user = await app.getCurrentUser();
      say(`user ${user.username} (${user.userId}); federated automatically: identity ${session.identityId}`);
      check(session.tokens && session.identityId && session.credentials, 'user-pool tokens and identity-pool credentials');
      check(calls().slice(0, 2).join() === 'InitiateAuth,RespondToAuthChallenge', 'SRP: InitiateAuth, then the password verifier');
      check(calls().includes('AssociateSoftwareToken') && calls().includes('VerifySoftwareToken'), 'the authenticator set up');
      const refused = await app.federateToIdentityPool(await e.mintToken(e.loginKeys.google, 'google-user-1'), AuthProvider.google).then(
        () => undefined,
        (error: unknown) => error,
      );
      check(refused instanceof AuthError && refused.name === 'InvalidStateError', 'federateToIdentityPool to be refused after signIn');
      say(`federateToIdentityPool after signIn: ${refused.name} (federation is automatic)`);
      await app.signOut();
      say('signed out, to sign in again with the authenticator');
      return { authFlow: 'USER_SRP_AUTH', steps, setupUri: shownUri, username: user.username, identityId: session.identityId, federateToIdentityPool: refused.name };
    });

    await section('signInTotpCode', "Signing in with the authenticator's code", async () => {
      skip(30_000); // the authenticator's next code: each code is good once
      const result = await app.signIn({ username: DEMO_USER.username, password: DEMO_USER.password });
      say(`signIn: ${result.nextStep.signInStep}`);
      check(result.nextStep.signInStep === 'CONFIRM_SIGN_IN_WITH_TOTP_CODE', 'the CONFIRM_SIGN_IN_WITH_TOTP_CODE step');
      // In an app the user types the six digits the authenticator shows; the demo computes them.
      const done = await app.confirmSignIn({ challengeResponse: totpCode(authenticatorSecret, clock()) });
      say(`confirmSignIn(<the code>): ${done.nextStep.signInStep}`);
      check(done.isSignedIn, 'DONE');
      const session = await app.fetchAuthSession();
      return { steps: [result.nextStep.signInStep, done.nextStep.signInStep], isSignedIn: session.isSignedIn, identityId: session.identityId };
    });

    await section('signOut', 'Signing out', async () => {
      await app.signOut();
      const { isSignedIn } = await app.fetchAuthSession();
      say(`isSignedIn ${isSignedIn}; signOut({ global: true }) would also end the user's other sessions`);
      check(!isSignedIn && heard.includes('app: signedOut'), 'signed out, with the signedOut event');
      return { isSignedIn };
    });

    await section('providerTokenRefresh', 'Renewing credentials with a fresh provider token (federation.refreshProviderToken)', async () => {
      const shortLived = await e.mintToken(e.loginKeys.google, 'google-user-1', { expiresIn: 10 * 60 });
      const federated = await app.federateToIdentityPool(shortLived, AuthProvider.google);
      say(`federated with a Google token that lasts 10 minutes; credentials until ${time(federated.credentials.expiration)}`);
      e.clearCalls();
      skip(59 * 60 * 1000);
      say('59 minutes later: the credentials expire within two minutes, and the Google token expired 49 minutes ago');
      say('(without the hook, Cognito would refuse that token and the session would end with SessionExpiredError)');
      const session = await app.fetchAuthSession();
      say(`isSignedIn ${session.isSignedIn}, identity ${session.identityId}, credentials until ${time(session.credentials?.expiration)}`);
      check(providerTokenRequests === 1, 'refreshProviderToken asked once');
      check(calls().join() === 'GetCredentialsForIdentity', 'one GetCredentialsForIdentity with the fresh token, and no GetId');
      check(session.isSignedIn && session.identityId === federated.identityId, 'the same identity');
      check((session.credentials?.expiration.getTime() ?? 0) > federated.credentials.expiration.getTime(), 'renewed credentials');
      await app.clearFederationToIdentityPool();
      say('cleared again');
      return { providerTokenRequests, identityId: session.identityId, credentialsExpire: time(session.credentials?.expiration) };
    });
    stopApp(app);

    // ---------------------------------------------------------------- keychain sharing
    directory = await mkdtemp(join(tmpdir(), 'cognito-auth-machine-demo-'));
    const storageDir = directory;
    /** One launch of an app: its own createAuth over the shared folder, as another process would. */
    const launch = async (name: string, accessGroup?: AccessGroup) => {
      const auth = startApp(name, { storage: createFileStorage({ directory: storageDir }), appId: `com.example.${name}`, secureStoragePreferences: { accessGroup } });
      await auth.ready;
      return auth;
    };
    const shared = () => new AccessGroup({ name: 'com.example.shared', migrateKeychainItemsOfUserSession: true });
    const team = () => new AccessGroup({ name: 'com.example.team', migrateKeychainItemsOfUserSession: true });

    let photos: Auth;
    let notes: Auth;
    let sharedIdentity = '';
    await section('keychainSharing', 'Keychain sharing: two apps on file storage, one access group', async () => {
      say('the session is kept in files in a temporary folder; every app launch opens it anew');
      const before = await launch('photos');
      const { identityId: id } = await before.federateToIdentityPool(await e.mintToken(e.loginKeys.google, 'google-user-2'), AuthProvider.google);
      sharedIdentity = id;
      stopApp(before);
      say(`photos (no access group yet) federated: identity ${id}`);
      photos = await launch('photos', shared());
      const photosSession = await photos.fetchAuthSession();
      say(`photos relaunched in group com.example.shared, migrating its session: isSignedIn ${photosSession.isSignedIn}, identity ${photosSession.identityId}`);
      notes = await launch('notes', shared());
      const notesSession = await notes.fetchAuthSession();
      say(`notes launched in the same group: isSignedIn ${notesSession.isSignedIn}, identity ${notesSession.identityId}`);
      check(photosSession.identityId === id && notesSession.identityId === id, 'both apps on the one session');
      check(calls().join() === 'GetId,GetCredentialsForIdentity', "photos' federation only");
      return { accessGroup: 'com.example.shared', apps: ['photos', 'notes'], identityId: id, bothSignedIn: photosSession.isSignedIn && notesSession.isSignedIn };
    });

    await section('migration', 'Migrating both apps to another access group, keeping the session', async () => {
      stopApp(notes);
      notes = await launch('notes', team());
      const notesSession = await notes.fetchAuthSession();
      say(`notes relaunched in com.example.team with migrateKeychainItemsOfUserSession: isSignedIn ${notesSession.isSignedIn}, identity ${notesSession.identityId}`);
      stopApp(photos);
      photos = await launch('photos', team());
      const photosSession = await photos.fetchAuthSession();
      say(`photos relaunched in com.example.team: isSignedIn ${photosSession.isSignedIn}, identity ${photosSession.identityId}`);
      check(notesSession.identityId === sharedIdentity && photosSession.identityId === sharedIdentity, 'the session in the new group');
      check(calls().length === 0, 'a migration without a Cognito call');
      return { from: 'com.example.shared', to: 'com.example.team', identityId: sharedIdentity, bothSignedIn: notesSession.isSignedIn && photosSession.isSignedIn };
    });

    await section('restart', 'Restarting an app: the session comes from storage', async () => {
      stopApp(photos);
      photos = await launch('photos', team());
      const session = await photos.fetchAuthSession();
      const count = calls().length;
      say(`photos restarted: isSignedIn ${session.isSignedIn}, identity ${session.identityId}, credentials until ${time(session.credentials?.expiration)}`);
      say(`${count} Cognito calls: fetchAuthSession answered from the files`);
      check(session.isSignedIn && session.identityId === sharedIdentity && session.credentials, 'the stored session');
      check(count === 0, 'no Cognito call');
      return { isSignedIn: session.isSignedIn, identityId: session.identityId, cognitoCallCount: count };
    });

    await section('sharedClear', 'Clearing in one app signs the other out', async () => {
      await notes.clearFederationToIdentityPool();
      const { isSignedIn } = await photos.fetchAuthSession();
      say(`notes cleared the federation; photos: isSignedIn ${isSignedIn}`);
      check(!isSignedIn && calls().length === 0, 'photos signed out, without a Cognito call');
      return { clearedBy: 'notes', photosSignedIn: isSignedIn };
    });
  } catch (error) {
    ok = false;
    if (!(error instanceof DemoStopped)) throw error;
  } finally {
    for (const auth of running) auth.stop();
    await emu?.close();
    if (directory) await rm(directory, { recursive: true, force: true });
  }
  if (json) write(JSON.stringify({ done: true, ok, sections }));
  else write('', ok ? `== Done: ${sections} sections, every call settled, the emulator is stopped.` : '== The demo stopped at a failed step.');
  return ok;
}

/** A section failed; its record says why. */
class DemoStopped extends Error {}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  // The SDK's notice that its 2027 releases will need Node 22 is not the demo's subject.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  runDemo({ json: process.argv.includes('--json') }).then(
    (ok) => {
      process.exitCode = ok ? 0 : 1;
    },
    (error: unknown) => {
      console.error(error instanceof AuthError ? `${error.name}: ${error.message}` : error);
      process.exitCode = 1;
    },
  );
}
