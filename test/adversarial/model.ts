/**
 * The command model of the Promise API (fast-check `asyncModelRun`). The model predicts, from the
 * design brief's contract, what every call answers, which state and stored record it leaves,
 * which hub events it fires and how many Cognito calls it makes, fault rules and retries included;
 * each command checks the prediction against the live library and then the invariants:
 *
 * - every call settles within the world's bound, and every error is an AuthError of a known name
 *   with a recovery suggestion and no secret in it (nor in its causes);
 * - never federated manually and signed in to the user pool at once: the state, the machine's
 *   session summary and the stored record always agree on one kind of session;
 * - after a restart (same or another access group) the state is the last committed session;
 * - credentials handed out are never expired by the clock (more than the 2-minute renewal margin left);
 * - hub events are exactly the state changes, with no state event twice in a row (unless the app
 *   learned of a change another app made in between);
 * - with two apps of one access group: each app's memory matches its view of the session; a
 *   clear or sign-out in either is final (nothing of the session it ended is stored or handed
 *   out again, after any step or restart, unless a new federation or sign-in made a new one).
 *
 * The defects it found (defects.test.ts keeps a regression test of each) are fixed; the model
 * checks the contract everywhere.
 */
import fc from 'fast-check';
import { AuthError, type AuthErrorName } from '../../src/vocabulary/AuthError.js';
import { AuthProvider } from '../../src/vocabulary/AuthProvider.js';
import type { AuthSession } from '../../src/createAuth.js';
import {
  moveJournalKey,
  placeOf,
  PLACES,
  quarantineKey,
  rememberedGroupKey,
  sessionKey,
  type GroupName,
  type Place,
  type PrivatePlace,
} from './armedStorage.js';
import { GROUPS } from './armedStorage.js';
import { FaultQueue, MAX_ATTEMPTS, TRANSIENT_FAULTS, type FaultError } from './faultQueue.js';
import {
  anyString,
  brief,
  changed,
  decodeStored,
  generationOf,
  markersOf,
  mismatch,
  newCredentials,
  type CredsM,
  type FederatedM,
  type GuestM,
  type Matcher,
  type StoredM,
  type UserPoolM,
} from './session.js';
import { phaseOf, SecretLedger, Sut, violation, type AppName, type HookMode, type Observed, type Phase } from './sut.js';
import { PROVIDERS, type ProviderName, type RunEnv, type TokenKind, type World } from './worlds.js';

/** Credentials this close to expiry are renewed before they are handed out. */
export const RENEW_MS = 2 * 60_000;

const UNKNOWN_IDENTITY = 'us-east-1:0fffffff-ffff-4fff-8fff-fffffffffff0';
const ROLE_ARN = 'arn:aws:iam::000000000000:role/adversarial-role';
type UserKey = 'alice' | 'bob';

interface ModelUser {
  username: string;
  sub: string;
  password: string;
  mustChange: boolean;
  /** Bumped by every accepted global sign-out: older refresh and access tokens are revoked. */
  epoch: number;
}

type Call = { ok: true } | { ok: false; name: AuthErrorName; auth: boolean; hang: boolean };

interface Expect {
  label: string;
  /** Allowed outcomes; the first is the prediction. */
  outcome: Array<'ok' | AuthErrorName>;
  messageIncludes?: string;
  value?: (value: unknown, stored: StoredM) => string | undefined;
  phase: Phase;
  hub: Array<{ event: string; data?: unknown }>;
  /** The stored record at the (new) current place; 'unchanged' compares with the model's. */
  current: unknown;
  /** Cognito calls (attempts) the command makes; undefined: not checked. */
  attempts?: { identity: number; userPool: number };
  /** A check of the outcome against the stored record it leaves. */
  check?: (observed: Observed, stored: StoredM) => string | undefined;
}

function isAuthName(name: AuthErrorName): boolean {
  return name === 'NotAuthorizedError' || name === 'SessionExpiredError';
}

/** What the model knows of one app: its state, configuration and the session it holds in memory. */
export interface AppM {
  readonly name: AppName;
  readonly own: PrivatePlace;
  live: boolean;
  phase: Phase;
  group: GroupName | null;
  migrate: boolean;
  remembered: GroupName | null;
  /** This instance's start-up move failed: a clear finishes it first. */
  unsettled: boolean;
  challenge: UserKey | null;
  /** The challenge session was already answered (the server may not take it again). */
  challengeAnswered: boolean;
  allowGuestAccess: boolean;
  hook: HookMode | null;
  /** The session the app holds in memory, and the generation it was stored with. */
  view: StoredM;
  viewGen: string | null;
}

function newApp(name: AppName): AppM {
  return {
    name,
    own: name === 'main' ? 'app' : 'peer',
    live: name === 'main',
    phase: 'signedOut',
    group: null,
    migrate: false,
    remembered: null,
    unsettled: false,
    challenge: null,
    challengeAnswered: false,
    allowGuestAccess: false,
    hook: null,
    view: null,
    viewGen: null,
  };
}

export class Model {
  readonly apps: Record<AppName, AppM> = { main: newApp('main'), peer: newApp('peer') };
  /** The app the command at hand runs on; the state fields below are its. */
  acting: AppName = 'main';
  /** An app left busy on purpose (its call is on the wire): the invariants skip it. */
  busyApp: AppName | null = null;
  places: Record<Place, StoredM> = { app: null, peer: null, 'team.alpha': null, 'team.beta': null };
  /** The generation of each stored record, as last read back. */
  gens: Record<Place, string | null> = { app: null, peer: null, 'team.alpha': null, 'team.beta': null };
  /** Every record seen stored, by generation: what an app holds when it read one that was replaced since. */
  readonly history = new Map<string, StoredM>();
  /** What tells the sessions a clear or sign-out ended (keys, tokens): none may come back. */
  readonly buried = new Set<string>();
  /** Tokens the refreshProviderToken hooks handed out (the Sut's list). */
  hookTokens: Array<{ token: string; place: Place; from: string }> = [];
  /** How many of the storage's writes the model has read. */
  writesSeen = 0;
  storageFault = false;
  readonly idFaults = new FaultQueue();
  readonly upFaults = new FaultQueue();
  readonly identities = new Map<string, string>();
  readonly users: Record<UserKey, ModelUser>;
  readonly refreshEpochs = new Map<string, number>();
  transientFaults = 0;
  attempts = { identity: 0, userPool: 0 };
  /** Counters for the report: command and outcome. */
  readonly tally = new Map<string, number>();
  /** What each step did, for failure reports: command → outcome [state]. */
  readonly trace: string[] = [];

  constructor(readonly env: RunEnv) {
    const user = (key: UserKey): ModelUser => ({
      username: env.users[key].username,
      sub: env.users[key].sub,
      password: env.users[key].password,
      mustChange: env.users[key].mustChangePassword,
      epoch: 0,
    });
    this.users = { alice: user('alice'), bob: user('bob') };
  }

  get world(): World {
    return this.env.world;
  }

  get now(): number {
    return this.env.clock.now();
  }

  get app(): AppM {
    return this.apps[this.acting];
  }
  get phase(): Phase {
    return this.app.phase;
  }
  set phase(phase: Phase) {
    this.app.phase = phase;
  }
  get group(): GroupName | null {
    return this.app.group;
  }
  set group(group: GroupName | null) {
    this.app.group = group;
  }
  get migrate(): boolean {
    return this.app.migrate;
  }
  set migrate(migrate: boolean) {
    this.app.migrate = migrate;
  }
  get remembered(): GroupName | null {
    return this.app.remembered;
  }
  set remembered(group: GroupName | null) {
    this.app.remembered = group;
  }
  get unsettled(): boolean {
    return this.app.unsettled;
  }
  set unsettled(unsettled: boolean) {
    this.app.unsettled = unsettled;
  }
  get challenge(): UserKey | null {
    return this.app.challenge;
  }
  set challenge(challenge: UserKey | null) {
    this.app.challenge = challenge;
  }
  get challengeAnswered(): boolean {
    return this.app.challengeAnswered;
  }
  set challengeAnswered(answered: boolean) {
    this.app.challengeAnswered = answered;
  }
  get peerLive(): boolean {
    return this.apps.peer.live;
  }

  get place(): Place {
    return placeOf(this.group, this.app.own);
  }

  /** The session the acting app holds in memory (the stored one, unless another app changed it since). */
  get session(): StoredM {
    return this.app.view;
  }

  /** Another app changed the stored session since the acting app last read or wrote it. */
  get stale(): boolean {
    return this.app.viewGen !== this.gens[this.place];
  }

  /** Runs `work` with `app` acting. */
  as<T>(app: AppName, work: () => T): T {
    const before = this.acting;
    this.acting = app;
    try {
      return work();
    } finally {
      this.acting = before;
    }
  }

  /**
   * A clear or sign-out of `place` is final: what tells its session (and renewals that were under
   * way, with the tokens a hook handed them) may never be stored or handed out again.
   */
  bury(place: Place, hookTokensBefore = this.hookTokens.length): void {
    for (const marker of markersOf(this.places[place])) this.buried.add(marker);
    // A hook token whose renewal was kept and then moved on with its session (a migration to
    // another place) belongs to that session now, not to the one cleared here.
    const elsewhere = new Set(PLACES.filter((p) => p !== place).flatMap((p) => markersOf(this.places[p])));
    for (const { token, place: at } of this.hookTokens.slice(0, hookTokensBefore)) {
      if (at === place && !elsewhere.has(token)) this.buried.add(token);
    }
  }

  count(key: string): void {
    this.tally.set(key, (this.tally.get(key) ?? 0) + 1);
  }

  userByName(username: string): ModelUser | undefined {
    return Object.values(this.users).find((u) => u.username === username);
  }

  subOf(sub: string): string {
    return `${sub}-r${this.env.runId}`;
  }

  // ---- what the services do ------------------------------------------------------------------

  loginValid(loginKey: string, token: string): boolean {
    const info = this.env.tokenInfo(token);
    return info !== undefined && info.loginKey === loginKey && this.now < info.expMs;
  }

  /** One SDK operation against a fault queue: up to three attempts for transient faults. */
  private call(queue: FaultQueue, counter: 'identity' | 'userPool', operation: string, refusal: AuthErrorName | undefined): Call {
    for (let attempt = 1; ; attempt += 1) {
      this.attempts[counter] += 1;
      const fault: FaultError | undefined = queue.take(operation);
      if (fault === 'Hang') return { ok: false, name: 'ServiceError', auth: false, hang: true };
      if (fault && TRANSIENT_FAULTS.has(fault)) {
        if (attempt >= MAX_ATTEMPTS) return { ok: false, name: 'ServiceError', auth: false, hang: false };
        continue;
      }
      if (fault) return { ok: false, name: 'NotAuthorizedError', auth: true, hang: false };
      if (refusal) return { ok: false, name: refusal, auth: isAuthName(refusal), hang: false };
      return { ok: true };
    }
  }

  identityCall(operation: 'GetId' | 'GetCredentialsForIdentity', accepted: boolean): Call {
    return this.call(this.idFaults, 'identity', operation, accepted ? undefined : 'NotAuthorizedError');
  }

  userPoolCall(operation: string, refusal: AuthErrorName | undefined): Call {
    return this.call(this.upFaults, 'userPool', operation, refusal);
  }

  /** A storage write: false when the armed fault takes it. */
  write(): boolean {
    if (this.storageFault) {
      this.storageFault = false;
      return false;
    }
    return true;
  }

  /** The start-up move between places (docs/access-groups.md, "The rules"). */
  applyMove(from: GroupName | null, to: GroupName | null, migrate: boolean): void {
    const fromPlace = placeOf(from, this.app.own);
    const toPlace = placeOf(to, this.app.own);
    if (migrate) {
      if (this.places[fromPlace] !== null) {
        if (this.places[toPlace] === null) {
          this.places[toPlace] = this.places[fromPlace];
          this.gens[toPlace] = this.gens[fromPlace];
        }
        this.places[fromPlace] = null;
        this.gens[fromPlace] = null;
      }
    } else if (from === null) {
      this.places[this.app.own] = null;
      this.gens[this.app.own] = null;
    }
    this.remembered = to;
  }

  /** A clear of the store finishes a start-up move that failed; false when a write fails. */
  settleBeforeClear(): boolean {
    if (!this.unsettled) return true;
    if (!this.write()) return false;
    this.applyMove(this.remembered, this.group, this.migrate);
    this.unsettled = false;
    return true;
  }

  learnIdentity(key: string): Matcher {
    return (actual) => {
      if (typeof actual !== 'string' || !/^[\w-]+:[0-9a-f-]+$/.test(actual)) return `not an identity id: ${brief(actual)}`;
      const known = this.identities.get(key);
      if (known !== undefined && known !== actual) return `identity id changed for one login: ${known} → ${actual}`;
      this.identities.set(key, actual);
      return undefined;
    };
  }

  /** Learns what a stored record tells: identity ids of logins, the epoch of new refresh tokens. */
  learn(stored: StoredM): void {
    if (!stored || stored.kind === 'foreign' || stored.kind === 'guest') return;
    if (stored.kind === 'federated') {
      const info = this.env.tokenInfo(stored.token);
      if (info && !stored.devId) this.identities.set(`${stored.loginKey}|${info.sub}`, stored.identityId);
      return;
    }
    if (stored.identityId) this.identities.set(`${this.env.loginKeys.userPool}|${stored.userId}`, stored.identityId);
    const user = this.userByName(stored.username);
    if (stored.refreshToken && user && !this.refreshEpochs.has(stored.refreshToken)) {
      this.refreshEpochs.set(stored.refreshToken, user.epoch);
    }
  }

  /** The epoch a user-pool session's tokens belong to. */
  epochOf(session: UserPoolM): number | undefined {
    return session.refreshToken === undefined ? undefined : this.refreshEpochs.get(session.refreshToken);
  }

  tokensCurrent(session: UserPoolM): boolean {
    const user = this.userByName(session.username);
    return user !== undefined && this.epochOf(session) === user.epoch;
  }

  /**
   * `federateUserPoolSession`: GetId (unless the session has an identity), then
   * GetCredentialsForIdentity with the id token, then the write. Returns the record it leaves.
   */
  federateUserPool(session: UserPoolM | Record<string, unknown>, idTokenValid: boolean): { call: Call | { ok: false; name: 'StorageError'; auth: false; hang: false }; record: Record<string, unknown> } {
    const s = session as UserPoolM;
    const key = `${this.env.loginKeys.userPool}|${s.userId}`;
    let identityId: unknown = s.identityId;
    if (identityId === undefined) {
      const c = this.identityCall('GetId', idTokenValid);
      if (!c.ok) return { call: c, record: session as Record<string, unknown> };
      identityId = this.identities.get(key) ?? this.learnIdentity(key);
    }
    const c = this.identityCall('GetCredentialsForIdentity', idTokenValid);
    if (!c.ok) return { call: c, record: session as Record<string, unknown> };
    if (!this.write()) return { call: { ok: false, name: 'StorageError', auth: false, hang: false }, record: session as Record<string, unknown> };
    return {
      call: { ok: true },
      record: { ...session, identityId, credentials: newCredentials(s.credentials, this.now + this.world.lifetimes.credentialsMs) },
    };
  }

  idTokenValid(session: UserPoolM): boolean {
    return this.loginValid(this.env.loginKeys.userPool, session.idToken);
  }
}

// ---- checking a prediction -----------------------------------------------------------------------

function outcomeName(observed: Observed): 'ok' | AuthErrorName {
  return observed.ok ? 'ok' : (observed.error as AuthError).name;
}

function credentialsMatch(label: string, handed: AuthSession['credentials'], stored: CredsM | undefined, now: number): string | undefined {
  if (!handed && !stored) return undefined;
  if (!handed || !stored) return `${label}: credentials ${handed ? 'handed out but not stored' : 'stored but not handed out'}`;
  if (handed.accessKeyId !== stored.accessKeyId || handed.secretAccessKey !== stored.secretAccessKey || handed.sessionToken !== stored.sessionToken) {
    return `${label}: credentials handed out differ from the stored ones`;
  }
  if (handed.expiration.getTime() !== stored.expiration) return `${label}: expiration differs from the stored one`;
  if (handed.expiration.getTime() - now <= RENEW_MS) {
    return `${label}: credentials handed out expire in ${handed.expiration.getTime() - now} ms (clock ${now})`;
  }
  return undefined;
}

/** The answer of fetchAuthSession, checked against the stored record it must come from. */
function sessionAnswer(m: Model, phase: Phase): (value: unknown, stored: StoredM) => string | undefined {
  return (value, stored) => {
    const v = value as AuthSession;
    if (phase === 'federated' && stored?.kind === 'federated') {
      if (!v.isSignedIn || v.identityId !== stored.identityId || v.tokens) return `unexpected federated answer ${brief(v)}`;
      return credentialsMatch('fetchAuthSession', v.credentials, stored.credentials, m.now);
    }
    if (phase === 'signedIn' && stored?.kind === 'userPool') {
      if (!v.isSignedIn || v.tokens?.idToken !== stored.idToken || v.tokens.accessToken !== stored.accessToken) {
        return 'the tokens handed out differ from the stored ones';
      }
      if (v.identityId !== stored.identityId) return `identity ${v.identityId} handed out, ${stored.identityId} stored`;
      return credentialsMatch('fetchAuthSession', v.credentials, stored.credentials, m.now);
    }
    if (stored?.kind === 'guest' && m.app.allowGuestAccess) {
      if (v.isSignedIn !== false || v.identityId !== stored.identityId || v.tokens) return `unexpected guest answer ${brief(v)}`;
      return credentialsMatch('fetchAuthSession (guest)', v.credentials, stored.credentials, m.now);
    }
    return v.isSignedIn === false && Object.keys(v).length === 1 ? undefined : `expected { isSignedIn: false }, got ${brief(v)}`;
  };
}

/** The access key handed out by an answer, if any. */
function keyHandedOut(value: unknown): string | undefined {
  const v = value as { credentials?: { accessKeyId?: unknown }; accessKeyId?: unknown } | undefined;
  const key = v?.credentials?.accessKeyId ?? v?.accessKeyId;
  return typeof key === 'string' ? key : undefined;
}

/** A record of what an app's summary shows, for a record the model never saw stored (its secrets unknown). */
function summaryRecord(r: Sut, app: AppName): StoredM {
  const summary = r.slots[app]!.auth.actor.getSnapshot().context.session;
  if (!summary) return null;
  const credentials = summary.credentialsExpiration === undefined
    ? undefined
    : { accessKeyId: '(unknown)', secretAccessKey: '(unknown)', sessionToken: '(unknown)', expiration: summary.credentialsExpiration };
  switch (summary.kind) {
    case 'guest':
      return { kind: 'guest', identityId: summary.identityId!, credentials: credentials! };
    case 'federated':
      return { kind: 'federated', loginKey: '(unknown)', token: '(unknown)', identityId: summary.identityId!, credentials: credentials!, devId: false };
    case 'userPool':
      return {
        kind: 'userPool',
        username: summary.username!,
        userId: summary.userId!,
        idToken: '(unknown)',
        accessToken: '(unknown)',
        tokensExp: summary.tokensExpiration!,
        ...(summary.identityId ? { identityId: summary.identityId } : {}),
        ...(credentials ? { credentials } : {}),
      };
  }
}

/** After every step: the generations stored, and what each app holds in memory. */
export function observe(m: Model, r: Sut): void {
  // Records written since the last look, some replaced since: what an app may still hold.
  for (const text of r.storage.written.slice(m.writesSeen)) {
    const generation = generationOf(text);
    if (generation !== null) m.history.set(generation, decodeStored(text));
  }
  m.writesSeen = r.storage.written.length;
  for (const place of PLACES) {
    m.places[place] = r.stored(place);
    m.gens[place] = r.storedGeneration(place);
    m.learn(m.places[place]);
    if (m.gens[place] !== null) m.history.set(m.gens[place]!, m.places[place]);
  }
  for (const app of Object.values(m.apps)) {
    if (!app.live || !r.live(app.name)) continue;
    const live = r.viewGeneration(app.name);
    const place = placeOf(app.group, app.own);
    if (live === m.gens[place]) {
      app.view = m.places[place];
      app.viewGen = live;
    } else if (live === null) {
      app.view = null;
      app.viewGen = null;
    } else if (live !== app.viewGen) {
      // Only steps whose order the model does not fix get here: the app read a record that was
      // replaced since, within the step; the model knows it when it saw it stored.
      app.view = m.history.get(live) ?? summaryRecord(r, app.name);
      app.viewGen = live;
    }
  }
}

async function checkStep(m: Model, r: Sut, e: Expect, observed: Observed, hubFrom: number, before: { identity: number; userPool: number }): Promise<void> {
  r.raise();
  const got = outcomeName(observed);
  if (!e.outcome.includes(got)) {
    const message = observed.ok ? brief(observed.value) : (observed.error as Error).message;
    violation(`${e.label}: expected ${e.outcome.join(' or ')}, got ${got} (${message})`);
  }
  const who = m.acting === 'peer' && !/^(main|peer)\./.test(e.label) ? 'peer.' : '';
  m.count(`${who}${e.label.split('(')[0]} → ${got}`);
  m.trace.push(`${who}${e.label} → ${got} [${r.path()}; group ${m.group ?? 'none'}; faults ${m.idFaults}/${m.upFaults}${m.storageFault ? '; storage armed' : ''}]`);
  const handed = observed.ok ? keyHandedOut(observed.value) : undefined;
  if (handed && (observed.value as AuthSession).isSignedIn === false) m.count('guest credentials handed out');
  if (handed && m.buried.has(handed)) violation(`${e.label}: handed out credentials of a session that was cleared`);
  if (!observed.ok && e.messageIncludes && !(observed.error as Error).message.includes(e.messageIncludes)) {
    violation(`${e.label}: the ${got} message does not name ${e.messageIncludes}: ${(observed.error as Error).message}`);
  }
  // State.
  const path = r.path();
  const phase = phaseOf(path);
  if (phase !== e.phase) violation(`${e.label}: expected state ${e.phase}, got ${path}`);
  m.phase = e.phase;
  // Hub events: exactly the predicted ones.
  const events = r.hub.slice(hubFrom);
  const hubComplaint = mismatch(
    e.hub.map((h) => ({ event: h.event, ...(h.data !== undefined ? { data: h.data } : {}) })),
    events.map((h) => ({ event: h.event, ...(h.data !== undefined ? { data: h.data } : {}) })),
    'hub',
  );
  if (hubComplaint) {
    violation(`${e.label}: hub events ${events.map((h) => h.event).join(', ') || 'none'}, expected ${e.hub.map((h) => h.event).join(', ') || 'none'} (${hubComplaint})`);
  }
  for (const event of events) m.count(`hub ${event.event}`);
  // Storage: the current place as predicted, every other place as the model has it.
  const actual = r.stored(m.place);
  const pattern = e.current === 'unchanged' ? m.places[m.place] : e.current;
  const complaint = mismatch(pattern, actual, `stored session (${m.place})`);
  if (complaint) violation(`${e.label}: ${complaint}`);
  m.places[m.place] = actual;
  m.learn(actual);
  for (const place of PLACES) {
    if (place === m.place) continue;
    const other = mismatch(m.places[place], r.stored(place), `stored session (${place})`);
    if (other) violation(`${e.label}: ${other}`);
  }
  observe(m, r);
  // The answer.
  const checked = e.check?.(observed, actual);
  if (checked) violation(`${e.label}: ${checked}`);
  if (observed.ok && e.value) {
    const answer = e.value(observed.value, actual);
    if (answer) violation(`${e.label}: ${answer}`);
  }
  // Calls made.
  if (e.attempts) {
    const identity = r.env.identityAttempts() - before.identity;
    const userPool = r.env.userPoolAttempts() - before.userPool;
    if (identity !== e.attempts.identity || userPool !== e.attempts.userPool) {
      violation(
        `${e.label}: made ${identity} identity-pool and ${userPool} user-pool calls, expected ${e.attempts.identity} and ${e.attempts.userPool}`,
      );
    }
  }
  invariants(m, r, e.label);
}

/** What must hold after every step, whatever the model predicted. */
export function invariants(m: Model, r: Sut, label: string): void {
  r.raise();
  observe(m, r);
  for (const app of Object.values(m.apps)) {
    if (!app.live || app.name === m.busyApp) continue;
    appInvariants(m, r, app, app.name === 'peer' ? `${label} (peer)` : label);
  }
  // A clear or sign-out is final: nothing it ended is stored again, anywhere.
  for (const place of PLACES) {
    if (markersOf(m.places[place]).some((marker) => m.buried.has(marker))) {
      violation(`${label}: a session that was cleared is stored again at ${place}`);
    }
  }
}

function appInvariants(m: Model, r: Sut, app: AppM, label: string): void {
  const snapshot = r.slots[app.name]!.auth.actor.getSnapshot();
  const path = r.path(app.name);
  const phase = phaseOf(path);
  if (!phase) violation(`${label}: left busy in ${path}`);
  const summary = snapshot.context.session;
  // What the app holds: the stored record, unless another app changed it since (then the model's).
  const place = placeOf(app.group, app.own);
  const fresh = app.viewGen === m.gens[place];
  const stored = fresh ? m.places[place] : app.view;
  const where = `${label}: in ${path}${fresh ? '' : ' (the stored session changed since)'}`;
  if (phase === 'federated' || phase === 'sessionExpired') {
    if (summary?.kind !== 'federated' || stored?.kind !== 'federated') {
      violation(`${where} the session is ${summary?.kind ?? 'none'} in memory and ${stored?.kind ?? 'none'} in storage`);
    }
    if (summary.identityId !== stored.identityId || summary.credentialsExpiration !== stored.credentials.expiration) {
      violation(`${where} memory and storage hold different federated sessions`);
    }
  } else if (phase === 'signedIn') {
    if (summary?.kind !== 'userPool' || stored?.kind !== 'userPool') {
      violation(`${where} the session is ${summary?.kind ?? 'none'} in memory and ${stored?.kind ?? 'none'} in storage`);
    }
    if (
      summary.username !== stored.username ||
      summary.userId !== stored.userId ||
      summary.tokensExpiration !== stored.tokensExp ||
      summary.identityId !== stored.identityId ||
      summary.credentialsExpiration !== stored.credentials?.expiration
    ) {
      violation(`${where} memory and storage hold different user-pool sessions`);
    }
  } else if (summary?.kind === 'guest' || stored?.kind === 'guest') {
    // Signed out with guest credentials: the same guest identity in memory and storage.
    if (summary?.kind !== 'guest' || stored?.kind !== 'guest') {
      violation(`${where} the session is ${summary?.kind ?? 'none'} in memory and ${stored?.kind ?? 'none'} in storage`);
    }
    if (summary.identityId !== stored.identityId || summary.credentialsExpiration !== stored.credentials.expiration) {
      violation(`${where} memory and storage hold different guest sessions`);
    }
  } else if (summary !== null || (stored !== null && stored.kind !== 'foreign')) {
    violation(`${where} a ${summary?.kind ?? stored?.kind} session is kept while signed out`);
  }
  // The model only ever fails a move at its first write (the journal's), so none is left behind.
  if (r.storage.items.has(moveJournalKey(app.own))) violation(`${label}: a move journal is left in storage`);
}

// ---- commands ------------------------------------------------------------------------------------

type Cmd = fc.AsyncCommand<Model, Sut>;

abstract class Command implements Cmd {
  check(_m: Readonly<Model>): boolean {
    return true;
  }
  abstract run(m: Model, r: Sut): Promise<void>;
  abstract toString(): string;
}

async function step(m: Model, r: Sut, e: Expect, call: () => Promise<unknown>): Promise<Observed> {
  const before = { identity: r.env.identityAttempts(), userPool: r.env.userPoolAttempts() };
  const hubFrom = r.hub.length;
  const observed = await r.settle(e.label, call);
  await r.quiesce(e.label);
  await checkStep(m, r, e, observed, hubFrom, before);
  return observed;
}

function invalidState(m: Model, label: string, messageIncludes?: string): Expect {
  return {
    label,
    outcome: ['InvalidStateError'],
    ...(messageIncludes ? { messageIncludes } : {}),
    phase: m.phase,
    hub: [],
    current: 'unchanged',
    attempts: { identity: 0, userPool: 0 },
  };
}

function begin(m: Model): void {
  m.attempts = { identity: 0, userPool: 0 };
}

function providerOf(m: Model, name: ProviderName): AuthProvider {
  return name === 'oidc' ? AuthProvider.oidc(m.env.loginKeys.oidc) : AuthProvider[name];
}

const errorNamed = (name: AuthErrorName): Matcher => (actual) =>
  actual instanceof AuthError && actual.name === name ? undefined : `expected an ${name}, got ${brief(actual)}`;

export class FederateCommand extends Command {
  constructor(
    readonly provider: ProviderName,
    readonly sub: string,
    readonly token: TokenKind,
    readonly devId: 'none' | 'known' | 'unknown',
    readonly role: boolean,
  ) {
    super();
  }
  toString(): string {
    return `federate(${this.provider}, ${this.sub}, ${this.token}${this.devId === 'none' ? '' : `, devId:${this.devId}`}${this.role ? ', role' : ''})`;
  }
  async run(m: Model, r: Sut): Promise<void> {
    const sub = m.subOf(this.sub);
    const token = await m.env.mint(this.provider, sub, this.token);
    r.ledger.add(token);
    const provider = providerOf(m, this.provider);
    const loginKey = provider.loginKey;
    const key = `${loginKey}|${sub}`;
    const devId =
      this.devId === 'none' ? undefined : this.devId === 'known' ? (m.identities.get(key) ?? UNKNOWN_IDENTITY) : UNKNOWN_IDENTITY;
    const options = {
      ...(devId ? { developerProvidedIdentityId: devId } : {}),
      ...(this.role ? { customRoleArn: ROLE_ARN } : {}),
    };
    const e = predictFederate(m, this.toString(), { token, loginKey, key, devId, provider }, this.role ? ROLE_ARN : undefined);
    await step(m, r, e, () => r.auth.federateToIdentityPool(token, provider, options));
  }
}

function predictFederate(
  m: Model,
  label: string,
  f: { token: string; loginKey: string; key: string; devId: string | undefined; provider: AuthProvider },
  roleArn?: string,
): Expect {
  begin(m);
  if (!['signedOut', 'federationFailed', 'federated', 'sessionExpired'].includes(m.phase)) {
    return invalidState(m, label, m.phase === 'signedIn' ? 'automatically' : undefined);
  }
  const before = m.phase;
  const previous = m.session?.kind === 'federated' ? m.session : undefined;
  const fail = (name: AuthErrorName): Expect => ({
    label,
    outcome: [name],
    // A failed re-federation keeps what was there: the session, or the refused session.
    phase: before === 'federated' || before === 'sessionExpired' ? before : 'federationFailed',
    hub: [{ event: 'federateToIdentityPool_failure', data: { error: errorNamed(name) } }],
    current: 'unchanged',
    attempts: { ...m.attempts },
  });
  const valid = m.loginValid(f.loginKey, f.token);
  let identityId: unknown = f.devId;
  if (f.devId === undefined) {
    const c = m.identityCall('GetId', valid);
    if (!c.ok) return fail(c.name);
    identityId = m.identities.get(f.key) ?? m.learnIdentity(f.key);
  }
  const linked = f.devId === undefined || m.identities.get(f.key) === f.devId;
  const c = m.identityCall('GetCredentialsForIdentity', valid && linked);
  if (!c.ok) return fail(c.name);
  if (m.stale) {
    // Another app changed the stored session since this one read it: the federation is dropped,
    // its caller learns so, and the app takes the stored session.
    sync(m, false);
    return {
      label,
      outcome: ['CancelledError'],
      phase: m.phase,
      hub: [{ event: 'federateToIdentityPool_failure', data: { error: errorNamed('CancelledError') } }],
      current: 'unchanged',
      attempts: { ...m.attempts },
    };
  }
  if (!m.write()) return fail('StorageError');
  const record: Record<string, unknown> = {
    kind: 'federated',
    loginKey: f.loginKey,
    token: f.token,
    identityId,
    credentials: newCredentials(previous?.credentials, m.now + m.world.lifetimes.credentialsMs),
    devId: f.devId !== undefined,
    ...(roleArn ? { roleArn } : {}),
  };
  return {
    label,
    outcome: ['ok'],
    phase: 'federated',
    hub: [
      {
        event: 'federatedToIdentityPool',
        data: { identityId: (v: unknown) => (typeof v === 'string' ? undefined : 'no identity id'), provider: { type: f.provider.type, loginKey: f.loginKey } },
      },
    ],
    current: record,
    attempts: { ...m.attempts },
    value: (value, stored) => {
      const v = value as { identityId: string; credentials: AuthSession['credentials'] };
      if (stored?.kind !== 'federated' || v.identityId !== stored.identityId) return 'the identity id answered is not the stored one';
      return credentialsMatch('federateToIdentityPool', v.credentials, stored.credentials, m.now);
    },
  };
}

export class ClearCommand extends Command {
  toString(): string {
    return 'clear()';
  }
  async run(m: Model, r: Sut): Promise<void> {
    await step(m, r, predictClear(m, this.toString()), () => r.auth.clearFederationToIdentityPool());
  }
}

function predictClear(m: Model, label: string): Expect {
  begin(m);
  if (!['federated', 'federationFailed', 'sessionExpired'].includes(m.phase)) return invalidState(m, label);
  const before = m.phase;
  if (!m.settleBeforeClear() || !m.write()) {
    return {
      label,
      outcome: ['StorageError'],
      phase: before,
      hub: [],
      current: 'unchanged',
      attempts: { identity: 0, userPool: 0 },
    };
  }
  m.bury(m.place);
  return {
    label,
    outcome: ['ok'],
    phase: 'signedOut',
    hub: [{ event: 'federationToIdentityPoolCleared' }],
    current: null,
    attempts: { identity: 0, userPool: 0 },
  };
}

/**
 * Where a re-read of the shared session lands (the machine's `syncing`), and what the app then
 * holds. `returnTo`: a fetch from a failed federation or an open challenge returns there when
 * nothing is stored; a dropped write does not.
 */
function sync(m: Model, returnTo: boolean): void {
  const stored = m.places[m.place];
  // An unreadable record: the app answers from what it has.
  if (stored?.kind === 'foreign') return;
  const same = m.app.viewGen === m.gens[m.place];
  const phase = m.phase;
  m.phase =
    phase === 'sessionExpired' && same && stored !== null
      ? 'sessionExpired'
      : stored?.kind === 'federated'
        ? 'federated'
        : stored?.kind === 'userPool'
          ? 'signedIn'
          : returnTo && (phase === 'federationFailed' || phase === 'challenge')
            ? phase
            : 'signedOut';
  m.app.view = stored;
  m.app.viewGen = m.gens[m.place];
  if (m.phase !== 'challenge') m.challenge = null;
}

export class SignInCommand extends Command {
  constructor(
    readonly user: UserKey,
    readonly password: 'right' | 'wrong',
  ) {
    super();
  }
  toString(): string {
    return `signIn(${this.user}, ${this.password} password)`;
  }
  async run(m: Model, r: Sut): Promise<void> {
    const user = m.users[this.user];
    const password = this.password === 'right' ? user.password : 'Wrong-Passw0rd-9!';
    r.ledger.add(password);
    await step(m, r, predictSignIn(m, this.toString(), this.user, this.password === 'right'), () =>
      r.auth.signIn({ username: user.username, password, options: { authFlowType: 'USER_PASSWORD_AUTH' } }),
    );
  }
}

/** A sign-in step that ends signed in: the write, then the background identity-pool federation. */
function signedInAfter(m: Model, label: string, user: ModelUser, failPhase: Phase): Expect {
  if (m.stale) {
    // Another app changed the stored session meanwhile: this sign-in is not kept.
    sync(m, false);
    return { label, outcome: ['CancelledError'], phase: m.phase, hub: [], current: 'unchanged', attempts: { ...m.attempts } };
  }
  if (!m.write()) {
    return { label, outcome: ['StorageError'], phase: failPhase, hub: [], current: 'unchanged', attempts: { ...m.attempts } };
  }
  const fresh = {
    kind: 'userPool',
    username: user.username,
    userId: user.sub,
    idToken: anyString,
    accessToken: anyString,
    refreshToken: changed(undefined),
    tokensExp: m.now + m.world.lifetimes.idTokenMs,
  };
  const background = m.federateUserPool(fresh, true);
  m.challenge = null;
  return {
    label,
    outcome: ['ok'],
    phase: 'signedIn',
    hub: [{ event: 'signedIn', data: { username: user.username, userId: user.sub } }],
    current: background.record,
    attempts: { ...m.attempts },
    value: (value) =>
      mismatch({ isSignedIn: true, nextStep: { signInStep: 'DONE' } }, value, 'answer'),
  };
}

function predictSignIn(m: Model, label: string, key: UserKey, right: boolean): Expect {
  begin(m);
  if (!['signedOut', 'federationFailed', 'challenge'].includes(m.phase)) {
    return invalidState(
      m,
      label,
      m.phase === 'federated' || m.phase === 'sessionExpired' ? 'clearFederationToIdentityPool' : m.phase === 'signedIn' ? 'signOut' : undefined,
    );
  }
  const user = m.users[key];
  const passwordChecked = right || (user.mustChange && !m.world.caps.checksTemporaryPassword);
  const c = m.userPoolCall('InitiateAuth', passwordChecked ? undefined : 'NotAuthorizedError');
  if (!c.ok) {
    m.challenge = null;
    return { label, outcome: [c.name], phase: 'signedOut', hub: [], current: 'unchanged', attempts: { ...m.attempts } };
  }
  if (user.mustChange) {
    m.challenge = key;
    m.challengeAnswered = false;
    return {
      label,
      outcome: ['ok'],
      phase: 'challenge',
      hub: [],
      current: 'unchanged',
      attempts: { ...m.attempts },
      value: (value) =>
        mismatch({ isSignedIn: false, nextStep: { signInStep: 'CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED' } }, value, 'answer'),
    };
  }
  return signedInAfter(m, label, user, 'signedOut');
}

let passwordCounter = 0;

export class ConfirmSignInCommand extends Command {
  constructor(readonly strength: 'good' | 'weak') {
    super();
  }
  toString(): string {
    return `confirmSignIn(${this.strength} password)`;
  }
  async run(m: Model, r: Sut): Promise<void> {
    passwordCounter += 1;
    const password = this.strength === 'good' ? `New-Passw0rd-${passwordCounter}!` : `weakpassword${'x'.repeat(passwordCounter % 3)}`;
    r.ledger.add(password);
    await step(m, r, predictConfirm(m, this.toString(), password, this.strength === 'good'), () =>
      r.auth.confirmSignIn({ challengeResponse: password }),
    );
  }
}

function predictConfirm(m: Model, label: string, password: string, strong: boolean): Expect {
  begin(m);
  if (m.phase !== 'challenge' || m.challenge === null) return invalidState(m, label);
  const user = m.users[m.challenge];
  const refusal: AuthErrorName | undefined =
    m.challengeAnswered && !m.world.caps.challengeReusable
      ? 'NotAuthorizedError'
      : !strong && m.world.caps.passwordPolicy
        ? 'ValidationError'
        : undefined;
  const c = m.userPoolCall('RespondToAuthChallenge', refusal);
  if (!c.ok) return { label, outcome: [c.name], phase: 'challenge', hub: [], current: 'unchanged', attempts: { ...m.attempts } };
  user.password = password;
  user.mustChange = false;
  m.challengeAnswered = true;
  // A failed save leaves the challenge open (the user pool took the new password, though).
  return signedInAfter(m, label, user, 'challenge');
}

export class SignOutCommand extends Command {
  constructor(readonly global: boolean) {
    super();
  }
  override check(m: Readonly<Model>): boolean {
    // The user-pool stand-in revokes access tokens by issue second: a global sign-out with a token
    // an earlier one revoked in the same second may be taken. Only the doubles revoke exactly.
    const s = m.session;
    return !(this.global && m.world.caps.coarseRevocation && m.phase === 'signedIn' && s?.kind === 'userPool' && !m.tokensCurrent(s));
  }
  toString(): string {
    return `signOut(${this.global ? 'global' : 'local'})`;
  }
  async run(m: Model, r: Sut): Promise<void> {
    await step(m, r, predictSignOut(m, this.toString(), this.global), () => r.auth.signOut({ global: this.global }));
  }
}

function predictSignOut(m: Model, label: string, global: boolean): Expect {
  begin(m);
  if (m.phase !== 'signedIn' || m.session?.kind !== 'userPool') {
    return invalidState(m, label, m.phase === 'federated' || m.phase === 'sessionExpired' ? 'clearFederationToIdentityPool' : undefined);
  }
  const session = m.session;
  const user = m.userByName(session.username)!;
  let globalError: AuthErrorName | undefined;
  if (global) {
    const c = m.userPoolCall('GlobalSignOut', m.tokensCurrent(session) ? undefined : 'NotAuthorizedError');
    if (c.ok) user.epoch += 1;
    else globalError = c.name; // a timeout (hang) is a ServiceError too
  }
  if (!m.settleBeforeClear() || !m.write()) {
    return { label, outcome: ['StorageError'], phase: 'signedIn', hub: [], current: 'unchanged', attempts: { ...m.attempts } };
  }
  m.bury(m.place);
  return {
    label,
    outcome: [globalError ?? 'ok'],
    phase: 'signedOut',
    hub: [{ event: 'signedOut' }],
    current: null,
    attempts: { ...m.attempts },
  };
}

export class FetchCommand extends Command {
  constructor(
    readonly forceRefresh: boolean,
    readonly via: 'fetchAuthSession' | 'credentialsProvider' = 'fetchAuthSession',
  ) {
    super();
  }
  toString(): string {
    return this.via === 'credentialsProvider' ? 'credentialsProvider()' : `fetchAuthSession(${this.forceRefresh ? 'forceRefresh' : ''})`;
  }
  async run(m: Model, r: Sut): Promise<void> {
    const e = predictFetch(m, this.toString(), this.forceRefresh);
    if (this.via === 'credentialsProvider') {
      await step(m, r, asCredentialsProvider(m, e), () => r.auth.credentialsProvider());
    } else {
      await step(m, r, e, () => r.auth.fetchAuthSession(this.forceRefresh ? { forceRefresh: true } : undefined));
    }
  }
}

/** credentialsProvider is fetchAuthSession that insists on credentials. */
function asCredentialsProvider(m: Model, e: Expect): Expect {
  if (e.outcome[0] !== 'ok') return e;
  const { value: _value, ...rest } = e;
  return {
    ...rest,
    outcome: ['ok', 'NotAuthorizedError'],
    check: (observed, stored) => {
      const credentials =
        (e.phase === 'federated' || e.phase === 'signedIn') && stored && stored.kind !== 'foreign'
          ? stored.credentials
          : stored?.kind === 'guest' && m.app.allowGuestAccess
            ? stored.credentials
            : undefined;
      if (credentials && !observed.ok) return 'credentialsProvider refused although there are credentials';
      if (!credentials && observed.ok) return 'credentialsProvider answered without credentials to hand out';
      return observed.ok ? credentialsMatch('credentialsProvider', observed.value as AuthSession['credentials'], credentials, m.now) : undefined;
    },
  };
}

function predictFetch(m: Model, label: string, force: boolean): Expect {
  begin(m);
  // An app of an access group re-reads the shared session before it answers.
  if (m.group !== null) sync(m, true);
  return predictFetchFrom(m, label, force);
}

/** fetchAuthSession from the state the app is in (after the re-read, when shared). */
function predictFetchFrom(m: Model, label: string, force: boolean): Expect {
  const signedOut = (phase: Phase): Expect => ({
    label,
    outcome: ['ok'],
    phase,
    hub: [],
    current: 'unchanged',
    attempts: { identity: 0, userPool: 0 },
    value: sessionAnswer(m, phase),
  });
  switch (m.phase) {
    case 'signedOut':
    case 'federationFailed':
      return m.app.allowGuestAccess ? predictGuestFetch(m, label, force) : signedOut(m.phase);
    case 'challenge':
      // Still signed out until the challenge is answered: guest credentials as in signedOut.
      return m.app.allowGuestAccess ? predictGuestFetch(m, label, force) : signedOut(m.phase);
    case 'sessionExpired':
      return { label, outcome: ['SessionExpiredError'], phase: 'sessionExpired', hub: [], current: 'unchanged', attempts: { identity: 0, userPool: 0 } };
    case 'federated':
      return predictFederatedFetch(m, label, force);
    case 'signedIn':
      return predictSignedInFetch(m, label, force);
  }
}

function predictFederatedFetch(m: Model, label: string, force: boolean): Expect {
  const s = m.session as FederatedM;
  const ok = (current: unknown): Expect => ({
    label,
    outcome: ['ok'],
    phase: 'federated',
    hub: [],
    current,
    attempts: { ...m.attempts },
    value: sessionAnswer(m, 'federated'),
  });
  if (!force && s.credentials.expiration - m.now > RENEW_MS) return ok('unchanged');
  // The app's refreshProviderToken is asked first; without it, the stored token is used again.
  const hook = m.app.hook;
  if (hook) m.count(`renewal asks the ${hook} hook`);
  if (hook === 'throws' || hook === 'hang') {
    // A failure or no answer by the deadline: transient, the session is kept.
    return { label, outcome: ['ServiceError'], messageIncludes: 'refreshProviderToken', phase: 'federated', hub: [], current: 'unchanged', attempts: { ...m.attempts } };
  }
  if (hook === 'nothing') {
    return { label, outcome: ['SessionExpiredError'], phase: 'sessionExpired', hub: [{ event: 'sessionExpired' }], current: 'unchanged', attempts: { ...m.attempts } };
  }
  // The stored token (or the hook's fresh one for the same login), with the identity it was linked to.
  const c = m.identityCall('GetCredentialsForIdentity', hook === 'fresh' || m.loginValid(s.loginKey, s.token));
  if (!c.ok && c.auth) {
    return {
      label,
      outcome: ['SessionExpiredError'],
      phase: 'sessionExpired',
      hub: [{ event: 'sessionExpired' }],
      current: 'unchanged',
      attempts: { ...m.attempts },
    };
  }
  if (!c.ok) return { label, outcome: [c.name], phase: 'federated', hub: [], current: 'unchanged', attempts: { ...m.attempts } };
  if (m.stale) {
    // Cleared or replaced by another app meanwhile: the renewal is dropped and the fetch is
    // answered from the stored session (renewed first when the caller forced it).
    sync(m, false);
    return predictFetchFrom(m, label, force);
  }
  if (!m.write()) return { label, outcome: ['StorageError'], phase: 'federated', hub: [], current: 'unchanged', attempts: { ...m.attempts } };
  return ok({
    ...s,
    token: hook === 'fresh' ? changed(s.token) : s.token,
    credentials: newCredentials(s.credentials, m.now + m.world.lifetimes.credentialsMs),
  });
}

/** Signed out with guest access on: guest credentials fetched (GetId without logins), kept and renewed. */
function predictGuestFetch(m: Model, label: string, force: boolean): Expect {
  const guest = m.session?.kind === 'guest' ? m.session : undefined;
  if (guest && !force && guest.credentials.expiration - m.now > RENEW_MS) {
    return { label, outcome: ['ok'], phase: m.phase, hub: [], current: 'unchanged', attempts: { identity: 0, userPool: 0 }, value: sessionAnswer(m, m.phase) };
  }
  // Whatever happens, the fetch leaves the guest fetch for signedOut, or for the open challenge.
  const after: Phase = m.phase === 'challenge' ? 'challenge' : 'signedOut';
  const fail = (name: AuthErrorName): Expect => ({ label, outcome: [name], phase: after, hub: [], current: 'unchanged', attempts: { ...m.attempts } });
  const newIdentity: Matcher = (actual) =>
    typeof actual === 'string' && /^[\w-]+:[0-9a-f-]+$/.test(actual) && actual !== guest?.identityId ? undefined : `expected a new guest identity, got ${brief(actual)}`;
  let identityId: unknown = guest?.identityId;
  if (!guest) {
    const c = m.identityCall('GetId', true);
    if (!c.ok) return fail(c.name);
    identityId = newIdentity;
  }
  let c = m.identityCall('GetCredentialsForIdentity', true);
  if (!c.ok && c.auth && guest) {
    // A kept guest identity Cognito refuses: a new one, as the SDK does.
    const id = m.identityCall('GetId', true);
    if (!id.ok) return fail(id.name);
    identityId = newIdentity;
    c = m.identityCall('GetCredentialsForIdentity', true);
  }
  if (!c.ok) return fail(c.name);
  if (m.stale) {
    sync(m, false);
    return predictFetchFrom(m, label, force);
  }
  if (!m.write()) return fail('StorageError');
  return {
    label,
    outcome: ['ok'],
    phase: after,
    hub: [],
    current: { kind: 'guest', identityId, credentials: newCredentials(guest?.credentials, m.now + m.world.lifetimes.credentialsMs) },
    attempts: { ...m.attempts },
    value: sessionAnswer(m, after),
  };
}

function predictSignedInFetch(m: Model, label: string, force: boolean): Expect {
  const s = m.session as UserPoolM;
  const answer = sessionAnswer(m, 'signedIn');
  const federate = (session: Record<string, unknown>, idValid: boolean, hub: Expect['hub']): Expect => {
    const run = m.federateUserPool(session, idValid);
    if (!run.call.ok) {
      return { label, outcome: [run.call.name], phase: 'signedIn', hub, current: session === (s as unknown) ? 'unchanged' : session, attempts: { ...m.attempts } };
    }
    return { label, outcome: ['ok'], phase: 'signedIn', hub, current: run.record, attempts: { ...m.attempts }, value: answer };
  };
  if (force || s.tokensExp - m.now <= RENEW_MS) {
    const c = m.userPoolCall('InitiateAuth', m.tokensCurrent(s) ? undefined : 'NotAuthorizedError');
    if (!c.ok && c.auth) {
      // The refresh token was refused: the service removes the session, then the machine signs out.
      if (!m.settleBeforeClear() || !m.write()) {
        // The removal failed: the StorageError is what the call learns, and the session stays.
        return {
          label,
          outcome: ['StorageError'],
          phase: 'signedIn',
          hub: [{ event: 'tokenRefresh_failure', data: { error: errorNamed('StorageError') } }],
          current: 'unchanged',
          attempts: { ...m.attempts },
        };
      }
      m.bury(m.place);
      const failure = { event: 'tokenRefresh_failure', data: { error: errorNamed(c.name) } };
      return {
        label,
        outcome: ['SessionExpiredError'],
        phase: 'signedOut',
        hub: [failure, { event: 'signedOut' }],
        current: null,
        attempts: { ...m.attempts },
      };
    }
    if (!c.ok || !m.write()) {
      const name = c.ok ? 'StorageError' : c.name;
      return {
        label,
        outcome: [name],
        phase: 'signedIn',
        hub: [{ event: 'tokenRefresh_failure', data: { error: errorNamed(name) } }],
        current: 'unchanged',
        attempts: { ...m.attempts },
      };
    }
    const refreshed = {
      ...s,
      idToken: changed(s.idToken),
      accessToken: changed(s.accessToken),
      tokensExp: m.now + m.world.lifetimes.idTokenMs,
    } as Record<string, unknown>;
    if (s.credentials) refreshed['credentials'] = s.credentials;
    return federate(refreshed, true, [{ event: 'tokenRefresh' }]);
  }
  if (s.credentials === undefined || s.credentials.expiration - m.now <= RENEW_MS) {
    return federate(s as unknown as Record<string, unknown>, m.idTokenValid(s), []);
  }
  return { label, outcome: ['ok'], phase: 'signedIn', hub: [], current: 'unchanged', attempts: { identity: 0, userPool: 0 }, value: answer };
}

export class GetCurrentUserCommand extends Command {
  toString(): string {
    return 'getCurrentUser()';
  }
  async run(m: Model, r: Sut): Promise<void> {
    begin(m);
    const s = m.session;
    const e: Expect =
      m.phase === 'signedIn' && s?.kind === 'userPool'
        ? {
            label: this.toString(),
            outcome: ['ok'],
            phase: 'signedIn',
            hub: [],
            current: 'unchanged',
            attempts: { identity: 0, userPool: 0 },
            value: (value) => mismatch({ username: s.username, userId: s.userId }, value, 'user'),
          }
        : invalidState(m, this.toString());
    await step(m, r, e, () => r.auth.getCurrentUser());
  }
}

export type Corruption = 'notJson' | 'partial' | 'newerVersion';

/** Stop, then a new instance over the same storage: the same group, another one, or with a damaged record. */
export class RestartCommand extends Command {
  constructor(
    readonly change?: { group: GroupName | null; migrate: boolean },
    readonly corrupt?: Corruption,
  ) {
    super();
  }
  override check(m: Readonly<Model>): boolean {
    // A damaged record is quarantined with two writes: keep an armed fault out of that. (Not
    // while the peer runs: a record this version cannot read is not the peer's to replace.)
    return this.corrupt === undefined || (!m.storageFault && !m.unsettled && m.places[m.place] !== null && !m.peerLive);
  }
  toString(): string {
    if (this.corrupt) return `restart(with a ${this.corrupt} record)`;
    if (this.change) return `restart(accessGroup ${this.change.group ?? 'none'}${this.change.migrate ? ', migrate' : ''})`;
    return 'restart()';
  }
  async run(m: Model, r: Sut): Promise<void> {
    r.stop();
    await restart(m, r, this.toString(), this.change, this.corrupt);
  }
}

const GARBAGE: Record<Corruption, string> = {
  notJson: '{"version":1,"kind":"federated","token":"tr',
  partial: '{"version":1,"kind":"userPool","username":"someone"}',
  newerVersion: '{"version":99,"kind":"quantum","sealed":"…"}',
};

async function restart(
  m: Model,
  r: Sut,
  label: string,
  change?: { group: GroupName | null; migrate: boolean },
  corrupt?: Corruption,
): Promise<void> {
  begin(m);
  let problems = false;
  if (corrupt) {
    r.storage.items.set(sessionKey(m.place), GARBAGE[corrupt]);
    m.places[m.place] = corrupt === 'newerVersion' ? { kind: 'foreign', text: GARBAGE[corrupt] } : null;
    problems = true;
  }
  const configured = change ? change.group : m.group;
  const migrate = change ? change.migrate : m.migrate;
  // What the configured place holds before the new instance starts: with no move, the last committed session there.
  const committed = r.stored(placeOf(configured, m.app.own));
  m.unsettled = false;
  const moving = m.remembered !== configured;
  if (moving) {
    if (!m.write()) {
      m.unsettled = true;
      problems = true;
    } else {
      m.applyMove(m.remembered, configured, migrate);
    }
  }
  m.group = configured;
  m.migrate = migrate;
  m.challenge = null;
  m.app.live = true;
  const session = m.places[m.place];
  if (session?.kind === 'foreign') problems = true;
  // A restored session is used as it is, with no call: fetchAuthSession renews what needs it.
  const phase: Phase = session?.kind === 'federated' ? 'federated' : session?.kind === 'userPool' ? 'signedIn' : 'signedOut';
  const e: Expect = { label, outcome: ['ok'], phase, hub: [], current: 'unchanged', attempts: { ...m.attempts } };
  m.phase = phase;

  const before = { identity: r.env.identityAttempts(), userPool: r.env.userPoolAttempts() };
  const auth = r.start(m.group, m.migrate, { allowGuestAccess: m.app.allowGuestAccess, hook: m.app.hook });
  const observed = await r.settle(`${label} ready`, () => auth.ready);
  // Right at ready, before any background call: the state is the session stored at the place.
  const restored = auth.actor.getSnapshot();
  const expectedKind = session === null || session.kind === 'foreign' ? null : session.kind;
  if ((restored.context.session?.kind ?? null) !== expectedKind) {
    violation(`${label}: restored ${restored.context.session?.kind ?? 'no session'}, the place holds ${expectedKind ?? 'none'}`);
  }
  if (!moving && !corrupt) {
    // The same place: the last committed session, exactly.
    const summary = restored.context.session;
    const same =
      committed === null || committed.kind === 'foreign'
        ? summary === null
        : summary?.kind === committed.kind &&
          summary.identityId === committed.identityId &&
          summary.credentialsExpiration === committed.credentials?.expiration &&
          (committed.kind !== 'userPool' || (summary.username === committed.username && summary.tokensExpiration === committed.tokensExp));
    if (!same) violation(`${label}: the restored session is not the last committed one`);
  }
  const restoreProblems = restored.context.restoreProblems;
  if (restoreProblems.length > 0 !== problems) {
    violation(`${label}: ${restoreProblems.length} restore problems (${restoreProblems.map((p) => p.name).join(', ')}), expected ${problems ? 'some' : 'none'}`);
  }
  for (const problem of restoreProblems) {
    if (problem.name !== 'StorageError') violation(`${label}: a restore problem is a ${problem.name}`);
    r.ledger.checkError(`${label} restore problem`, problem);
  }
  if (corrupt && corrupt !== 'newerVersion' && r.storage.items.get(quarantineKey(m.place)) !== GARBAGE[corrupt]) {
    violation(`${label}: the unreadable record was not kept aside`);
  }
  await r.quiesce(label);
  await checkStep(m, r, e, observed, 0, before);
  // The group used last is remembered (none: forgotten), and no journal is left behind.
  const remembered = r.storage.items.get(rememberedGroupKey(m.app.own));
  const rememberedName = remembered === undefined ? null : (JSON.parse(remembered) as { group: string }).group;
  if (rememberedName !== m.remembered) violation(`${label}: remembers group ${rememberedName}, expected ${m.remembered}`);
}

export class AdvanceClockCommand extends Command {
  constructor(readonly ms: number) {
    super();
  }
  override check(m: Readonly<Model>): boolean {
    return m.env.clock.offset + this.ms <= m.world.caps.maxOffsetMs;
  }
  toString(): string {
    return `advanceClock(${this.ms >= 60_000 ? `${this.ms / 60_000} min` : `${this.ms / 1000} s`})`;
  }
  async run(m: Model, r: Sut): Promise<void> {
    m.env.clock.advance(this.ms);
    m.count('advanceClock');
    m.trace.push(this.toString());
    invariants(m, r, this.toString());
  }
}

export class FaultCommand extends Command {
  constructor(
    readonly service: 'identity' | 'userPool',
    readonly operation: string,
    readonly error: FaultError,
    readonly count: number,
  ) {
    super();
  }
  override check(m: Readonly<Model>): boolean {
    if (this.error === 'Hang' && !m.world.caps.hang) return false;
    if (this.error === 'TooManyRequestsException' && m.world.caps.slowThrottling && this.count > 2) return false;
    // The SDK's retry budget (500, 14 per 5xx retry) must never run out within a run.
    return !TRANSIENT_FAULTS.has(this.error) || m.transientFaults + this.count <= 24;
  }
  toString(): string {
    return `fault(${this.service} ${this.operation} ${this.error} x${this.count})`;
  }
  async run(m: Model, r: Sut): Promise<void> {
    if (TRANSIENT_FAULTS.has(this.error)) m.transientFaults += this.count;
    if (this.service === 'identity') {
      m.idFaults.add(this.operation, this.error, this.count);
      await r.env.addIdentityFault(this.operation, this.error, this.count);
    } else {
      m.upFaults.add(this.operation, this.error, this.count);
      await r.env.addUserPoolFault(this.operation, this.error, this.count);
    }
    m.count(`fault ${this.error}`);
    m.trace.push(this.toString());
  }
}

export class LatencyCommand extends Command {
  constructor(readonly ms: number) {
    super();
  }
  toString(): string {
    // Milliseconds on the servers; microtask turns on the doubles (see doubles.ts).
    return `latency(${this.ms})`;
  }
  async run(m: Model, r: Sut): Promise<void> {
    await r.env.setLatency(this.ms);
    m.count('latency');
    m.trace.push(this.toString());
  }
}

export class StorageFaultCommand extends Command {
  toString(): string {
    return 'storageFault(next write fails)';
  }
  async run(m: Model, r: Sut): Promise<void> {
    r.storage.failNextWrite();
    m.storageFault = true;
    m.count('storageFault');
    m.trace.push(this.toString());
  }
}

/** The same fetch from several callers at once: one answer, one renewal. */
export class FetchBurstCommand extends Command {
  constructor(
    readonly n: number,
    readonly forceRefresh: boolean,
  ) {
    super();
  }
  toString(): string {
    return `fetchAuthSession x${this.n}(${this.forceRefresh ? 'forceRefresh' : ''})`;
  }
  async run(m: Model, r: Sut): Promise<void> {
    const e = predictFetch(m, this.toString(), this.forceRefresh);
    const before = { identity: r.env.identityAttempts(), userPool: r.env.userPoolAttempts() };
    const hubFrom = r.hub.length;
    const options = this.forceRefresh ? { forceRefresh: true } : undefined;
    const calls = Array.from({ length: this.n }, () => r.auth.fetchAuthSession(options));
    const observed = await Promise.all(calls.map((p, i) => r.settlePromise(`${this.toString()} #${i + 1}`, p)));
    await r.quiesce(this.toString());
    const names = new Set(observed.map(outcomeName));
    if (names.size !== 1) violation(`${this.toString()}: callers got different outcomes: ${[...names].join(', ')}`);
    const first = observed[0]!;
    if (first.ok) {
      const keys = new Set(observed.map((o) => (o.value as AuthSession).credentials?.accessKeyId));
      if (keys.size !== 1) violation(`${this.toString()}: callers got different credentials`);
    }
    await checkStep(m, r, e, first, hubFrom, before);
  }
}

export type BurstCall = 'federate' | 'clear' | 'fetch' | 'fetchForce' | 'signIn' | 'signOut' | 'getCurrentUser' | 'credentials';

/**
 * Several calls in the same tick. What each answers depends on the order the machine takes them
 * in, so the model checks the rules that hold whatever the order, then takes the state it finds.
 */
export class ConcurrentCommand extends Command {
  constructor(readonly calls: BurstCall[]) {
    super();
  }
  toString(): string {
    return `concurrently(${this.calls.join(', ')})`;
  }
  async run(m: Model, r: Sut): Promise<void> {
    const label = this.toString();
    const token = await m.env.mint('google', m.subOf('u1'), 'valid');
    r.ledger.add(token);
    const alice = m.users.alice;
    const start = (call: BurstCall): Promise<unknown> => {
      switch (call) {
        case 'federate':
          return r.auth.federateToIdentityPool(token, AuthProvider.google);
        case 'clear':
          return r.auth.clearFederationToIdentityPool();
        case 'fetch':
          return r.auth.fetchAuthSession();
        case 'fetchForce':
          return r.auth.fetchAuthSession({ forceRefresh: true });
        case 'signIn':
          return r.auth.signIn({ username: alice.username, password: alice.password, options: { authFlowType: 'USER_PASSWORD_AUTH' } });
        case 'signOut':
          return r.auth.signOut();
        case 'getCurrentUser':
          return r.auth.getCurrentUser();
        case 'credentials':
          return r.auth.credentialsProvider();
      }
    };
    const hubFrom = r.hub.length;
    const promises = this.calls.map(start);
    const observed = await Promise.all(promises.map((p, i) => r.settlePromise(`${label} ${this.calls[i]}`, p)));
    await r.quiesce(label);
    observed.forEach((o, i) => {
      const name = outcomeName(o);
      m.count(`concurrent ${this.calls[i]} → ${name}`);
      if (name === 'ValidationError') violation(`${label}: ${this.calls[i]} was refused as invalid input`);
      const value = o.value as AuthSession | undefined;
      const credentials = this.calls[i] === 'credentials' ? (o.value as AuthSession['credentials']) : value?.credentials;
      if (o.ok && credentials && credentials.expiration.getTime() - m.now <= RENEW_MS) {
        violation(`${label}: ${this.calls[i]} handed out credentials expiring in ${credentials.expiration.getTime() - m.now} ms`);
      }
    });
    // A clear in the same tick as a federation that was sent cancels it, and nothing is kept.
    this.calls.forEach((call, i) => {
      if (call !== 'federate' || outcomeName(observed[i]!) === 'InvalidStateError') return;
      const clearAfter = this.calls.findIndex((c, j) => j > i && c === 'clear');
      if (clearAfter >= 0 && outcomeName(observed[i]!) !== 'CancelledError') {
        violation(`${label}: a clear right after a federation should cancel it, the federation got ${outcomeName(observed[i]!)}`);
      }
    });
    for (const event of r.hub.slice(hubFrom)) m.count(`concurrent hub ${event.event}`);
    m.trace.push(`${label} → ${observed.map(outcomeName).join(', ')} [${r.path()}; hub ${r.hub.slice(hubFrom).map((h) => h.event).join(', ') || 'none'}]`);
    await resync(m, r, label);
  }
}

/** Takes the state the live library is in (after steps whose order the model does not fix). */
async function resync(m: Model, r: Sut, label: string): Promise<void> {
  for (const app of Object.values(m.apps)) {
    if (!app.live) continue;
    const path = r.path(app.name);
    const phase = phaseOf(path);
    if (!phase) violation(`${label}: the ${app.name} app is left busy in ${path}`);
    app.phase = phase;
    if (phase !== 'challenge') app.challenge = null;
    const remembered = r.storage.items.get(rememberedGroupKey(app.own));
    app.remembered = remembered === undefined ? null : (JSON.parse(remembered) as { group: GroupName }).group;
    app.unsettled = app.remembered !== app.group;
  }
  observe(m, r);
  m.storageFault = r.storage.armed;
  m.idFaults.rules = await r.env.identityFaultRules();
  m.upFaults.rules = r.env.userPoolFaultRules();
  invariants(m, r, label);
}

/**
 * Starts `call` and waits until it is on the wire: held by a `Hang` rule (doubles) or slowed by
 * 250 ms of latency (servers). Answers false when the call finished first anyway: the doubles'
 * deadline ended the hang during a stall of the process longer than the deadline (a GC pause, a
 * busy CI machine), or the servers answered during a stall longer than the latency. The caller
 * must act in the same synchronous block as the check, so no timer can slip in between.
 */
async function onTheWire(
  m: Model,
  r: Sut,
  label: string,
  call: () => Promise<unknown>,
  hold: 'Hang' | 'Hold' = 'Hang',
): Promise<{ promise: Promise<unknown>; held: () => boolean }> {
  const hang = m.world.caps.hang;
  const before = r.env.hangsStarted();
  if (hang) await r.env.addIdentityFault('*', hold, 1);
  else await r.env.setLatency(250);
  let settled = false;
  const promise = call();
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  if (hang) {
    for (let i = 0; i < 1000 && r.env.hangsStarted() === before; i += 1) await new Promise((resolve) => setImmediate(resolve));
    if (r.env.hangsStarted() === before) violation(`${label}: the call never reached the identity service`);
  } else {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { promise, held: () => (hang ? r.env.hanging() > 0 : !settled) };
}

/** The call got away before the test could act: check it timed out (doubles) or answered, then take the state found. */
async function missedTheWire(m: Model, r: Sut, label: string, promise: Promise<unknown>): Promise<void> {
  const observed = await r.settlePromise(label, promise);
  if (m.world.caps.hang && outcomeName(observed) !== 'ServiceError') {
    violation(`${label}: a call that ran past the deadline got ${outcomeName(observed)}, expected ServiceError`);
  }
  if (!m.world.caps.hang) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    await r.env.setLatency(0);
  }
  await r.quiesce(label);
  m.count(`${label} → missed (the process stalled), ${outcomeName(observed)}`);
  await resync(m, r, label);
}

/** stop() while a call is on the wire: the caller gets CancelledError, nothing is kept, and a restart finds the last session. */
export class StopDuringCallCommand extends Command {
  constructor(readonly what: 'federate' | 'renew') {
    super();
  }
  override check(m: Readonly<Model>): boolean {
    // A renewal reaches the wire only from a session it still has, and past a hook that answers.
    const phaseOk =
      this.what === 'renew'
        ? m.phase === 'federated' && !m.stale && (m.app.hook === null || m.app.hook === 'fresh')
        : ['signedOut', 'federationFailed', 'federated', 'sessionExpired'].includes(m.phase);
    return phaseOk && m.idFaults.pending === 0 && !m.storageFault && !m.unsettled;
  }
  toString(): string {
    return `stopDuring(${this.what})`;
  }
  async run(m: Model, r: Sut): Promise<void> {
    const label = this.toString();
    const token = await m.env.mint('google', m.subOf('u2'), 'valid');
    r.ledger.add(token);
    const { promise, held } = await onTheWire(m, r, label, () =>
      this.what === 'federate' ? r.auth.federateToIdentityPool(token, AuthProvider.google) : r.auth.fetchAuthSession({ forceRefresh: true }),
    );
    if (!held()) return missedTheWire(m, r, label, promise);
    r.stop();
    const observed = await r.settlePromise(label, promise);
    if (outcomeName(observed) !== 'CancelledError') violation(`${label}: the pending call got ${outcomeName(observed)}, expected CancelledError`);
    const after = await r.settle(`${label} then fetchAuthSession`, () => r.auth.fetchAuthSession());
    if (outcomeName(after) !== 'CancelledError') violation(`${label}: a call after stop() got ${outcomeName(after)}`);
    m.count(`${label} → CancelledError`);
    if (!m.world.caps.hang) {
      // Let the emulator finish the abandoned call before anything else reaches it.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await r.env.setLatency(0);
    }
    await restart(m, r, `${label} then restart()`);
  }
}

/** clearFederationToIdentityPool while the federation's call is on the wire: it is cancelled and keeps nothing. */
export class CancelFederationCommand extends Command {
  override check(m: Readonly<Model>): boolean {
    return (
      ['signedOut', 'federationFailed', 'federated', 'sessionExpired'].includes(m.phase) &&
      m.idFaults.pending === 0 &&
      !m.storageFault &&
      !m.unsettled
    );
  }
  toString(): string {
    return 'federate() then clear() while it is on the wire';
  }
  async run(m: Model, r: Sut): Promise<void> {
    const label = this.toString();
    const token = await m.env.mint('google', m.subOf('u2'), 'valid');
    r.ledger.add(token);
    const hubFrom = r.hub.length;
    const { promise, held } = await onTheWire(m, r, label, () => r.auth.federateToIdentityPool(token, AuthProvider.google));
    if (!held()) return missedTheWire(m, r, label, promise);
    const federation = r.settlePromise(label, promise);
    const cleared = await r.settle(`${label}: clear`, () => r.auth.clearFederationToIdentityPool());
    const federated = await federation;
    if (outcomeName(federated) !== 'CancelledError') violation(`${label}: the federation got ${outcomeName(federated)}, expected CancelledError`);
    if (!cleared.ok) violation(`${label}: the clear got ${outcomeName(cleared)}`);
    if (!m.world.caps.hang) {
      // Past the moment the emulator answers the abandoned call: still nothing may be kept.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await r.env.setLatency(0);
    }
    await r.quiesce(label);
    m.count(`${label} → CancelledError`);
    const e: Expect = { label, outcome: ['ok'], phase: 'signedOut', hub: [{ event: 'federationToIdentityPoolCleared' }], current: null };
    m.write();
    m.bury(m.place);
    await checkStep(m, r, e, cleared, hubFrom, { identity: 0, userPool: 0 });
  }
}

// ---- two apps of one access group, guest access, the provider-token hook ---------------------------

const FEDERATE_PHASES: readonly Phase[] = ['signedOut', 'federationFailed', 'federated', 'sessionExpired'];
const CLEAR_PHASES: readonly Phase[] = ['federated', 'federationFailed', 'sessionExpired'];

/** Restarts the main app with guest access on or off and a refreshProviderToken hook (or none). */
export class ConfigureCommand extends Command {
  constructor(
    readonly allowGuestAccess: boolean,
    readonly hook: HookMode | null,
  ) {
    super();
  }
  override check(m: Readonly<Model>): boolean {
    // A hook that never answers costs the deadline: only where the deadline is short.
    return this.hook !== 'hang' || m.world.caps.hang;
  }
  toString(): string {
    return `restart(allowGuestAccess ${this.allowGuestAccess}, refreshProviderToken ${this.hook ?? 'none'})`;
  }
  async run(m: Model, r: Sut): Promise<void> {
    r.stop();
    m.app.allowGuestAccess = this.allowGuestAccess;
    m.app.hook = this.hook;
    m.count(`configure guest ${this.allowGuestAccess}, hook ${this.hook ?? 'none'}`);
    await restart(m, r, this.toString());
  }
}

/** Starts the second app: another appId over the same storage, in the main app's group when it has one. */
export class PeerStartCommand extends Command {
  constructor(readonly fallback: GroupName) {
    super();
  }
  override check(m: Readonly<Model>): boolean {
    return !m.peerLive && !Object.values(m.places).some((p) => p?.kind === 'foreign');
  }
  toString(): string {
    return `peer.start(the main app's group, else ${this.fallback})`;
  }
  async run(m: Model, r: Sut): Promise<void> {
    const group = m.apps.main.group ?? this.fallback;
    m.acting = 'peer';
    r.acting = 'peer';
    try {
      await restart(m, r, `peer.start(accessGroup ${group})`, { group, migrate: false });
    } finally {
      m.acting = 'main';
      r.acting = 'main';
    }
  }
}

/** The main app joins a group (restarting into it, with or without migration) and the peer starts there. */
export class SharedStartCommand extends Command {
  constructor(
    readonly group: GroupName,
    readonly migrate: boolean,
  ) {
    super();
  }
  override check(m: Readonly<Model>): boolean {
    return new PeerStartCommand(this.group).check(m) && (m.group !== null || new RestartCommand({ group: this.group, migrate: this.migrate }).check(m));
  }
  toString(): string {
    return `join(accessGroup ${this.group}${this.migrate ? ', migrate' : ''}) and peer.start`;
  }
  async run(m: Model, r: Sut): Promise<void> {
    if (m.group === null) await new RestartCommand({ group: this.group, migrate: this.migrate }).run(m, r);
    await new PeerStartCommand(this.group).run(m, r);
  }
}

/** Any command, run on the peer app. */
export class PeerCommand extends Command {
  constructor(readonly inner: Command) {
    super();
  }
  override check(m: Readonly<Model>): boolean {
    return m.peerLive && (m as Model).as('peer', () => this.inner.check(m));
  }
  toString(): string {
    return `peer.${this.inner.toString()}`;
  }
  async run(m: Model, r: Sut): Promise<void> {
    m.acting = 'peer';
    r.acting = 'peer';
    try {
      await this.inner.run(m, r);
    } finally {
      m.acting = 'main';
      r.acting = 'main';
    }
  }
}

/**
 * One app's call on the wire (a forced renewal or a federation) while the other app of the
 * group clears or federates; then the call goes on. Over the doubles the call is held until the
 * other app's call settled, so the model predicts both exactly: a write whose base record was
 * cleared or replaced meanwhile is dropped, the federation rejects with CancelledError, the
 * fetch answers from the stored session. Over HTTP the call is slowed instead, and only a clear
 * (no network call) is sure to come first.
 */
export class OverlapCommand extends Command {
  constructor(
    readonly wire: AppName,
    readonly call: 'renew' | 'federate',
    readonly other: 'clear' | 'federate' | 'migrate',
  ) {
    super();
  }
  get otherApp(): AppName {
    return this.wire === 'main' ? 'peer' : 'main';
  }
  override check(m: Readonly<Model>): boolean {
    if (!m.peerLive) return false;
    const { main, peer } = m.apps;
    if (main.group === null || main.group !== peer.group) return false;
    if (m.idFaults.pending > 0 || m.storageFault || main.unsettled || peer.unsettled) return false;
    if (this.other === 'federate' && !m.world.caps.hang) return false;
    const wire = m.apps[this.wire];
    const other = m.apps[this.otherApp];
    if (this.call === 'renew') {
      // The fetch re-reads the group's session and renews it: past a hook that answers.
      if (m.places[main.group]?.kind !== 'federated') return false;
      if (wire.phase === 'sessionExpired' && wire.viewGen === m.gens[main.group]) return false;
      if (wire.hook !== null && wire.hook !== 'fresh') return false;
    } else if (!FEDERATE_PHASES.includes(wire.phase)) {
      return false;
    }
    if (this.other === 'migrate') return true;
    return (this.other === 'clear' ? CLEAR_PHASES : FEDERATE_PHASES).includes(other.phase);
  }
  toString(): string {
    const other = this.other === 'migrate' ? 'restart(to the other group, migrate)' : `${this.other}()`;
    return `${this.wire}.${this.call === 'renew' ? 'fetchAuthSession(forceRefresh)' : 'federate()'} on the wire while ${this.otherApp}.${other}`;
  }
  async run(m: Model, r: Sut): Promise<void> {
    const label = this.toString();
    const act = (app: AppName) => {
      m.acting = app;
      r.acting = app;
    };
    const wireToken = await m.env.mint('google', m.subOf('u2'), 'valid');
    const otherToken = await m.env.mint('facebook', m.subOf('u1'), 'valid');
    r.ledger.add(wireToken);
    r.ledger.add(otherToken);
    const federation = (token: string, provider: ProviderName) => {
      const sub = m.env.tokenInfo(token)!.sub;
      const loginKey = providerOf(m, provider).loginKey;
      return { token, loginKey, key: `${loginKey}|${sub}`, devId: undefined, provider: providerOf(m, provider) };
    };
    try {
      act(this.wire);
      const hubFrom = r.hub.length;
      const before = { identity: r.env.identityAttempts(), userPool: r.env.userPoolAttempts() };
      // The fetch re-reads the shared session before it renews (the model follows it there).
      if (this.call === 'renew') {
        begin(m);
        sync(m, true);
      }
      const { promise, held } = await onTheWire(
        m,
        r,
        label,
        () => (this.call === 'renew' ? r.auth.fetchAuthSession({ forceRefresh: true }) : r.auth.federateToIdentityPool(wireToken, AuthProvider.google)),
        'Hold',
      );
      if (!held()) return await missedTheWire(m, r, label, promise);
      // The other app's call, predicted like any other, while the first waits on the wire.
      m.busyApp = this.wire;
      act(this.otherApp);
      try {
        if (this.other === 'clear') {
          await step(m, r, predictClear(m, `${label}: clear()`), () => r.auth.clearFederationToIdentityPool());
        } else if (this.other === 'migrate') {
          // The other app takes the group's session with it to the other group.
          const to = GROUPS.find((g) => g !== m.group)!;
          await new RestartCommand({ group: to, migrate: true }).run(m, r);
        } else {
          const f = federation(otherToken, 'facebook');
          await step(m, r, predictFederate(m, `${label}: federate()`, f), () => r.auth.federateToIdentityPool(otherToken, AuthProvider.facebook));
        }
      } finally {
        m.busyApp = null;
        act(this.wire);
      }
      // Now the first call goes on.
      const stillHeld = m.world.caps.hang ? r.env.releaseHolds() > 0 : true;
      const observed = await r.settlePromise(label, promise);
      if (!m.world.caps.hang) await r.env.setLatency(0);
      await r.quiesce(label);
      if (!stillHeld) {
        // The deadline ended the hold while the other app worked (a stalled process): a transient failure.
        if (outcomeName(observed) !== 'ServiceError') violation(`${label}: a call that ran past the deadline got ${outcomeName(observed)}`);
        m.count(`overlap missed (the process stalled)`);
        return await resync(m, r, label);
      }
      const e =
        this.call === 'renew'
          ? predictFetchFrom(m, label, true)
          : predictFederate(m, label, federation(wireToken, 'google'));
      // The calls of both apps interleave: the counts are checked by the steps that run alone.
      const { attempts: _attempts, ...unchecked } = e;
      await checkStep(m, r, unchecked, observed, hubFrom, before);
      m.count(`overlap ${this.call} × ${this.other} → ${outcomeName(observed)}`);
    } finally {
      act('main');
    }
  }
}

export type CrossCall = { app: AppName; call: 'federate' | 'clear' | 'fetch' | 'fetchForce' };

/**
 * Calls of both apps of a group in the same tick. Their order is not fixed, so the model checks
 * what holds whatever it is: when a clear succeeded, the session that was stored before is gone
 * for good (nothing of it stored, now or after any later step); what is stored is nothing, or a
 * session one of these federations made (or guest credentials fetched after the clear). Then
 * the model takes the states it finds.
 */
export class CrossTickCommand extends Command {
  constructor(readonly calls: CrossCall[]) {
    super();
  }
  override check(m: Readonly<Model>): boolean {
    const { main, peer } = m.apps;
    return m.peerLive && main.group !== null && main.group === peer.group && !m.storageFault && !main.unsettled && !peer.unsettled;
  }
  toString(): string {
    return `sameTick(${this.calls.map((c) => `${c.app}.${c.call}`).join(', ')})`;
  }
  async run(m: Model, r: Sut): Promise<void> {
    const label = this.toString();
    const place = m.apps.main.group!;
    const before = m.places[place];
    const hookTokensBefore = m.hookTokens.length;
    const tokens = await Promise.all(this.calls.map((_, i) => m.env.mint('google', m.subOf(i % 2 === 0 ? 'u1' : 'u2'), 'valid')));
    for (const token of tokens) r.ledger.add(token);
    const promises = this.calls.map(({ app, call }, i): Promise<unknown> => {
      const auth = r.slots[app]!.auth;
      switch (call) {
        case 'federate':
          return auth.federateToIdentityPool(tokens[i]!, AuthProvider.google);
        case 'clear':
          return auth.clearFederationToIdentityPool();
        case 'fetch':
          return auth.fetchAuthSession();
        case 'fetchForce':
          return auth.fetchAuthSession({ forceRefresh: true });
      }
    });
    const observed = await Promise.all(promises.map((p, i) => r.settlePromise(`${label} ${this.calls[i]!.app}.${this.calls[i]!.call}`, p)));
    await r.quiesce(label, 'main');
    await r.quiesce(label, 'peer');
    observed.forEach((o, i) => {
      const name = outcomeName(o);
      m.count(`same tick ${this.calls[i]!.call} → ${name}`);
      if (name === 'ValidationError') violation(`${label}: ${this.calls[i]!.call} was refused as invalid input`);
    });
    const cleared = this.calls.some((c, i) => c.call === 'clear' && observed[i]!.ok);
    if (cleared) {
      const stored = r.stored(place);
      const federated = new Set(this.calls.flatMap((c, i) => (c.call === 'federate' && observed[i]!.ok ? [tokens[i]!] : [])));
      // A federation of this tick, renewed since with tokens a hook handed out: follow them back.
      const origin = (token: string): string => {
        let t = token;
        for (let i = 0; i < 50; i += 1) {
          const handed = m.hookTokens.find((h) => h.token === t);
          if (!handed) break;
          t = handed.from;
        }
        return t;
      };
      const newGuest = stored?.kind === 'guest' && !(before?.kind === 'guest' && before.identityId === stored.identityId);
      if (stored !== null && !(stored.kind === 'federated' && federated.has(origin(stored.token))) && !newGuest) {
        violation(`${label}: after a clear, the group holds a ${stored.kind} session no call of this tick made`);
      }
      // Whatever came before the clear is over, renewed or not.
      m.bury(place, hookTokensBefore);
      m.count('same tick with a clear');
    }
    m.trace.push(`${label} → ${observed.map(outcomeName).join(', ')} [main ${r.path('main')}; peer ${r.path('peer')}]`);
    await resync(m, r, label);
  }
}

// ---- the command arbitraries -----------------------------------------------------------------------

const MINUTE = 60_000;

export function commandArbitraries(world: World): Array<fc.Arbitrary<Cmd>> {
  const sub = fc.constantFrom('u1', 'u2');
  const federate = fc
    .record({
      provider: fc.constantFrom(...PROVIDERS),
      sub,
      token: fc.constantFrom<TokenKind>('valid', 'valid', 'valid', 'valid', 'expired', 'shortLived', 'shortLived', 'bogus'),
      devId: fc.constantFrom<'none' | 'known' | 'unknown'>('none', 'none', 'none', 'known', 'known', 'unknown'),
      role: fc.boolean(),
    })
    .map(({ provider, sub, token, devId, role }) => new FederateCommand(provider, sub, token, devId, role));
  const identityOps = fc.constantFrom('*', 'GetId', 'GetCredentialsForIdentity');
  const userPoolOps = fc.constantFrom('*', 'InitiateAuth', 'RespondToAuthChallenge', 'GlobalSignOut');
  const faultErrors: FaultError[] = world.caps.hang
    ? ['TooManyRequestsException', 'InternalErrorException', 'ConnectionDropped', 'NotAuthorizedException', 'Hang']
    : ['TooManyRequestsException', 'InternalErrorException', 'InternalErrorException', 'ConnectionDropped', 'ConnectionDropped', 'NotAuthorizedException'];
  const fault = (service: 'identity' | 'userPool', ops: fc.Arbitrary<string>) =>
    fc
      .record({ op: ops, error: fc.constantFrom(...faultErrors), count: fc.integer({ min: 1, max: 4 }) })
      .map(({ op, error, count }) => new FaultCommand(service, op, error, count));
  const clockSteps = [1_000, 30_000, 4 * MINUTE, 11 * MINUTE, 14 * MINUTE, 58 * MINUTE, 120 * MINUTE];
  const burstCall = fc.constantFrom<BurstCall>('federate', 'clear', 'fetch', 'fetchForce', 'signIn', 'signOut', 'getCurrentUser', 'credentials');
  const group = fc.constantFrom<GroupName | null>(null, ...GROUPS);
  return [
    ...Array.from({ length: 5 }, () => federate),
    fc.constant(new ClearCommand()),
    fc.constant(new ClearCommand()),
    fc.record({ user: fc.constantFrom<UserKey>('alice', 'bob'), password: fc.constantFrom<'right' | 'wrong'>('right', 'right', 'right', 'wrong') }).map(
      ({ user, password }) => new SignInCommand(user, password),
    ),
    fc.record({ user: fc.constantFrom<UserKey>('alice', 'bob'), password: fc.constantFrom<'right' | 'wrong'>('right', 'right', 'right', 'wrong') }).map(
      ({ user, password }) => new SignInCommand(user, password),
    ),
    fc.constantFrom<'good' | 'weak'>('good', 'good', 'weak').map((s) => new ConfirmSignInCommand(s)),
    fc.boolean().map((g) => new SignOutCommand(g)),
    fc.boolean().map((g) => new SignOutCommand(g)),
    fc.boolean().map((f) => new FetchCommand(f)),
    fc.boolean().map((f) => new FetchCommand(f)),
    fc.boolean().map((f) => new FetchCommand(f)),
    fc.constant(new FetchCommand(false, 'credentialsProvider')),
    fc.constant(new GetCurrentUserCommand()),
    fc.constant(new RestartCommand()),
    fc.record({ group, migrate: fc.boolean() }).map((change) => new RestartCommand(change)),
    fc.constantFrom<Corruption>('notJson', 'partial', 'newerVersion').map((c) => new RestartCommand(undefined, c)),
    fc.constantFrom(...clockSteps).map((ms) => new AdvanceClockCommand(ms)),
    fc.constantFrom(...clockSteps).map((ms) => new AdvanceClockCommand(ms)),
    fault('identity', identityOps),
    fault('identity', identityOps),
    fault('userPool', userPoolOps),
    fc.constantFrom(0, 2, 15).map((ms) => new LatencyCommand(ms)),
    fc.constant(new StorageFaultCommand()),
    fc.array(burstCall, { minLength: 2, maxLength: 4 }).map((calls) => new ConcurrentCommand(calls)),
    fc.record({ n: fc.integer({ min: 2, max: 6 }), force: fc.boolean() }).map(({ n, force }) => new FetchBurstCommand(n, force)),
    fc.constantFrom<'federate' | 'renew'>('federate', 'renew').map((w) => new StopDuringCallCommand(w)),
    fc.constant(new CancelFederationCommand()),
    // Guest access and the provider-token hook.
    fc
      .record({ guest: fc.boolean(), hook: fc.constantFrom<HookMode | null>(null, null, 'fresh', 'fresh', 'throws', 'nothing', 'hang') })
      .map(({ guest, hook }) => new ConfigureCommand(guest, hook)),
    // The second app of the group, and calls of the two that overlap.
    fc.constantFrom(...GROUPS).map((g) => new PeerStartCommand(g)),
    fc.record({ group: fc.constantFrom(...GROUPS), migrate: fc.boolean() }).map(({ group, migrate }) => new SharedStartCommand(group, migrate)),
    fc.record({ group: fc.constantFrom(...GROUPS), migrate: fc.boolean() }).map(({ group, migrate }) => new SharedStartCommand(group, migrate)),
    federate.map((c) => new PeerCommand(c)),
    federate.map((c) => new PeerCommand(c)),
    federate.map((c) => new PeerCommand(c)),
    fc.constant(new PeerCommand(new ClearCommand())),
    fc.constant(new PeerCommand(new ClearCommand())),
    fc.boolean().map((f) => new PeerCommand(new FetchCommand(f))),
    fc.boolean().map((f) => new PeerCommand(new FetchCommand(f))),
    fc.constant(new PeerCommand(new SignOutCommand(false))),
    fc.record({ group: fc.constantFrom(...GROUPS), migrate: fc.boolean() }).map((change) => new PeerCommand(new RestartCommand(change))),
    ...Array.from({ length: 2 }, () =>
      fc
        .array(
          fc.record({
            app: fc.constantFrom<AppName>('main', 'peer'),
            call: fc.constantFrom<CrossCall['call']>('federate', 'clear', 'clear', 'fetch', 'fetchForce'),
          }),
          { minLength: 2, maxLength: 4 },
        )
        .map((calls) => new CrossTickCommand(calls)),
    ),
    ...Array.from({ length: 6 }, () =>
      fc
        .record({
          wire: fc.constantFrom<AppName>('main', 'peer'),
          call: fc.constantFrom<'renew' | 'federate'>('renew', 'federate'),
          other: fc.constantFrom<'clear' | 'federate' | 'migrate'>('clear', 'clear', 'federate', 'federate', 'migrate'),
        })
        .map(({ wire, call, other }) => new OverlapCommand(wire, call, other)),
    ),
  ];
}

// ---- running it ----------------------------------------------------------------------------------------

export interface RunOptions {
  numRuns: number;
  seed?: number;
  path?: string;
  /** The `replayPath` fast-check prints with a failing command list. */
  replayPath?: string;
  maxCommands?: number;
  /** Called once per run with the run's tally. */
  onRun?: (tally: Map<string, number>, commands: number) => void;
  verbose?: boolean;
  /** Report the first failing command list as found, without shrinking it. */
  noShrink?: boolean;
  interruptAfterTimeLimit?: number;
}

export interface RunReport {
  runs: number;
  commands: number;
  tally: Map<string, number>;
  secretsScanned: number;
  ms: number;
}

/** Runs the model `numRuns` times in `world`; throws fast-check's report (seed, path, shrunk commands) on failure. */
export async function runModel(world: World, options: RunOptions): Promise<RunReport> {
  const report: RunReport = { runs: 0, commands: 0, tally: new Map(), secretsScanned: 0, ms: 0 };
  const started = Date.now();
  const property = fc.asyncProperty(
    fc.commands(commandArbitraries(world), {
      maxCommands: options.maxCommands ?? 40,
      size: 'max',
      ...(options.replayPath ? { replayPath: options.replayPath } : {}),
    }),
    async (commands) => {
      const env = await world.beginRun();
      const ledger = new SecretLedger();
      for (const user of Object.values(env.users)) ledger.add(user.password);
      const sut = new Sut(env, ledger);
      const model = new Model(env);
      model.hookTokens = sut.hookTokens;
      let executed = 0;
      try {
        sut.start(null, false);
        await sut.settle('createAuth ready', () => sut.auth.ready);
        try {
          await fc.asyncModelRun(() => ({ model, real: sut }), commands);
        } catch (error) {
          const trace = model.trace.slice(-15).map((line) => `    ${line}`).join('\n');
          throw new Error(`${(error as Error).message}\n  trace (last steps):\n${trace}`, { cause: error });
        }
        executed = [...commands].length;
      } finally {
        sut.stopAll();
        await env.end();
      }
      report.runs += 1;
      report.commands += executed;
      report.secretsScanned += ledger.scanned;
      for (const [key, n] of model.tally) report.tally.set(key, (report.tally.get(key) ?? 0) + n);
      options.onRun?.(model.tally, executed);
    },
  );
  await fc.assert(property, {
    numRuns: options.numRuns,
    includeErrorInReport: true,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.path !== undefined ? { path: options.path } : {}),
    ...(options.verbose ? { verbose: 2 } : {}),
    ...(options.noShrink ? { endOnFailure: true } : {}),
    ...(options.interruptAfterTimeLimit ? { interruptAfterTimeLimit: options.interruptAfterTimeLimit } : {}),
  });
  report.ms = Date.now() - started;
  return report;
}

/** The tally as sorted lines, for printing. */
export function formatTally(tally: Map<string, number>): string {
  return [...tally.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, n]) => `  ${key}: ${n}`)
    .join('\n');
}

