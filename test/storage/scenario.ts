import { expect } from 'vitest';
import { AccessGroup } from '../../src/vocabulary/AccessGroup.js';
import { createSessionStore } from '../../src/storage/createSessionStore.js';
import type { SecureStorage } from '../../src/vocabulary/SecureStorage.js';
import { decodeSession } from '../../src/storage/sessionCodec.js';
import { appScope, Item, parseScopedKey, placeOf, scopedKey } from '../../src/storage/scopedKeys.js';
import { sampleSession, stored, type SessionKind } from './sessions.js';


/** An access group by name; `null` is none (the app's private scope). */
export type GroupName = string | null;

export const APP = 'com.example.app';
export const OTHER_APP = 'com.example.other';

export function accessGroup(name: GroupName, migrate = false): AccessGroup {
  return name === null
    ? AccessGroup.none({ migrateKeychainItemsOfUserSession: migrate })
    : new AccessGroup({ name, migrateKeychainItemsOfUserSession: migrate });
}

export function sessionKey(appId: string, group: GroupName): string {
  return scopedKey(placeOf(appId, group ?? undefined), Item.session);
}

export function privateKey(appId: string, item: string): string {
  return scopedKey(appScope(appId), item);
}

export function storeFor(storage: SecureStorage, group: GroupName, migrate = false, appId = APP) {
  return createSessionStore({ storage, appId, accessGroup: accessGroup(group, migrate) });
}

/** Every stored session record, by key (quarantined bytes and other items left out). */
export function sessionItems(items: Map<string, string>): Map<string, string> {
  return new Map([...items].filter(([key]) => parseScopedKey(key)?.item === Item.session));
}

/** What the app is configured with at one start. */
export interface Config {
  to: GroupName;
  migrate: boolean;
}

/** The model of what is stored: the group this app used last and every session record by key. */
export interface ModelState {
  remembered: GroupName;
  sessions: ReadonlyMap<string, string>;
}

/** The migration rules of docs/access-groups.md, as a model: one start of this app. */
export function applyStart(state: ModelState, { to, migrate }: Config): ModelState {
  const from = state.remembered;
  if (from === to) return state;
  const sessions = new Map(state.sessions);
  const oldKey = sessionKey(APP, from);
  const newKey = sessionKey(APP, to);
  const mine = sessions.get(oldKey);
  if (migrate) {
    if (mine !== undefined) {
      sessions.delete(oldKey);
      if (!sessions.has(newKey)) sessions.set(newKey, mine);
    }
  } else if (from === null) {
    sessions.delete(oldKey);
  }
  return { remembered: to, sessions };
}

/** A sign-out of this app, configured with `to`, after its start. */
export function applyClear(state: ModelState, { to }: Config): ModelState {
  const sessions = new Map(state.sessions);
  sessions.delete(sessionKey(APP, to));
  return { remembered: state.remembered, sessions };
}

/** How the storage is laid out before the starts under test. */
export interface Layout {
  /** The group this app used last. */
  from: GroupName;
  /** This app's session, kept at its old place, or none. */
  kind: SessionKind | 'none';
  /** A group where another app already keeps a session, or none. */
  theirsIn: GroupName;
}

export interface Prepared {
  state: ModelState;
  /** Every session text that exists: this app's and the other app's. */
  known: Set<string>;
}

/** Lays out the storage: this app's session in its old place, and maybe another app's session in a group. */
export async function prepare(storage: SecureStorage, layout: Layout): Promise<Prepared> {
  const sessions = new Map<string, string>();
  const before = storeFor(storage, layout.from);
  await before.open();
  const known = new Set<string>();
  if (layout.kind !== 'none') {
    const mine = sampleSession(layout.kind, 'mine');
    await before.save(mine);
    sessions.set(sessionKey(APP, layout.from), stored(mine) as string);
    known.add(stored(mine) as string);
  }
  if (layout.theirsIn !== null) {
    const theirs = sampleSession('userPool', 'theirs');
    const other = storeFor(storage, layout.theirsIn, false, OTHER_APP);
    await other.open();
    await other.save(theirs);
    sessions.set(sessionKey(OTHER_APP, layout.theirsIn), stored(theirs) as string);
    known.add(stored(theirs) as string);
  }
  return { state: { remembered: layout.from, sessions }, known };
}

export const GROUPS: readonly GroupName[] = [null, 'team.one', 'team.two'];
export const KINDS: ReadonlyArray<SessionKind | 'none'> = ['none', 'guest', 'federated', 'userPool'];

/** One change of configuration at start-up: from a layout to a configured place. */
export interface Change extends Layout, Config {}

/** Every change of configuration worth telling apart, each session kind, the new group occupied or not. */
export function allChanges(): Change[] {
  const changes: Change[] = [];
  for (const from of GROUPS)
    for (const to of GROUPS)
      for (const migrate of [false, true])
        for (const kind of KINDS)
          for (const theirsIn of to !== null && to !== from ? [null, to] : [null])
            changes.push({ from, to, migrate, kind, theirsIn });
  return changes;
}

/** A stored record's text as the tests write it (fixture generation); other text as it is. */
function normalized(text: string): string {
  try {
    return stored(decodeSession(text)) ?? text;
  } catch {
    return text;
  }
}

/** The model state actually stored (records compared by their session, not their generation). */
export function actualState(items: Map<string, string>): ModelState {
  const text = items.get(privateKey(APP, Item.accessGroup));
  const sessions = new Map([...sessionItems(items)].map(([key, record]) => [key, normalized(record)]));
  return { remembered: text === undefined ? null : (JSON.parse(text) as { group: string }).group, sessions };
}

/** Checks that every stored session item is a whole record. */
export function expectOnlyWholeRecords(items: Map<string, string>): void {
  for (const [key, text] of sessionItems(items)) {
    expect(() => decodeSession(text), key).not.toThrow();
  }
}
