import type { AuthError } from '../vocabulary/AuthError.js';
import { inspectSession } from './inspectSession.js';
import {
  decodeMoveJournal,
  decodeRememberedGroup,
  encodeMoveJournal,
  encodeRememberedGroup,
  type MoveJournal,
  type RememberedGroup,
} from './placeRecords.js';
import { appScope, Item, placeOf, quarantined, scopedKey, type Scope } from './scopedKeys.js';
import { storageError } from './storageError.js';
import type { SessionBinding } from '../vocabulary/SessionRecord.js';
import type { StoredItems } from './StoredItems.js';

/** One app's view of the storage: its private scope and the places its session can be. */
export interface AppPlaces {
  items: StoredItems;
  appId: string;
  /** The configuration this app's sessions belong to; records of another are removed. */
  binding?: SessionBinding;
}

/** Where the session lives for a group (`null`: the app's private scope). */
export function sessionPlace(app: AppPlaces, group: RememberedGroup): Scope {
  return placeOf(app.appId, group ?? undefined);
}

/** The storage key of the session at a place, and the key an unreadable one is kept aside under. */
export function sessionKeys(place: Scope): { key: string; asideKey: string } {
  return { key: scopedKey(place, Item.session), asideKey: scopedKey(place, quarantined(Item.session)) };
}

/** Reads the session under a place, quarantining a corrupt one (and reporting it). */
export async function inspectSessionAt(app: AppPlaces, place: Scope) {
  const { key, asideKey } = sessionKeys(place);
  return inspectSession(app.items, key, asideKey, app.binding);
}

/** The storage key of the session at a place; also the name of the lock its writes take. */
export function sessionKeyAt(place: Scope): string {
  return sessionKeys(place).key;
}

function privateKey(app: AppPlaces, item: string): string {
  return scopedKey(appScope(app.appId), item);
}

async function readRemembered(app: AppPlaces, problems: AuthError[]): Promise<RememberedGroup> {
  const key = privateKey(app, Item.accessGroup);
  const text = await app.items.get(key);
  if (text === null) return null;
  const group = decodeRememberedGroup(text);
  if (group !== undefined) return group;
  await app.items.quarantine(key, privateKey(app, quarantined(Item.accessGroup)), text);
  problems.push(
    storageError(
      'The record of the access group used last is unreadable; it was kept aside and this start treats it as none.',
    ),
  );
  return null;
}

async function remember(app: AppPlaces, group: RememberedGroup): Promise<void> {
  const key = privateKey(app, Item.accessGroup);
  if (group === null) await app.items.remove(key, 'forget the access group used last');
  else await app.items.set(key, encodeRememberedGroup(group), 'remember the access group');
}

async function readJournal(app: AppPlaces, problems: AuthError[]): Promise<MoveJournal | undefined> {
  const key = privateKey(app, Item.move);
  const text = await app.items.get(key);
  if (text === null) return undefined;
  const journal = decodeMoveJournal(text);
  if (journal !== undefined) return journal;
  // The journal is the first write of a move, so an unreadable one means nothing else was
  // changed yet: the move starts over from the remembered group.
  await app.items.quarantine(key, privateKey(app, quarantined(Item.move)), text);
  problems.push(
    storageError('The record of an interrupted session move is unreadable; it was kept aside and the move starts over.'),
  );
  return undefined;
}

/**
 * Carries out a journaled change of place, from whatever point an earlier start reached, then
 * remembers the new group and only then drops the journal. With `migrate`, the session is copied
 * to the new place unless that place already holds one (which is then kept) and removed from the
 * old place. Without it, the session of the private scope is removed when leaving it for a group
 * (as in Amplify Swift), so it cannot come back later; group to group or back to none leaves the
 * old group's session to the apps still using it. Every step can be repeated, so a stop at any
 * write is finished by the next start, whatever that start is configured with.
 */
async function finishMove(app: AppPlaces, move: MoveJournal, problems: AuthError[]): Promise<void> {
  const from = sessionPlace(app, move.from);
  const to = sessionPlace(app, move.to);
  if (move.migrate) {
    const here = await inspectSessionAt(app, from);
    if (here.problem && here.text === null) problems.push(here.problem);
    const text = here.text;
    if (text !== null) {
      const target = sessionKeys(to).key;
      // Checked when the copy commits, under the lock every writer of that place takes: a
      // session another app saved there while this move ran is kept, not written over.
      await app.items.locked(target, async () => {
        const there = await inspectSessionAt(app, to);
        if (there.problem && there.text === null) problems.push(there.problem);
        if (there.text === null) await app.items.set(target, text, 'copy the session to its new place');
      });
      await app.items.remove(sessionKeys(from).key, 'remove the session from its old place');
    }
  } else if (move.from === null) {
    const key = sessionKeys(from).key;
    if ((await app.items.get(key)) !== null) await app.items.remove(key, 'remove the session of the private scope');
  }
  await remember(app, move.to);
  await app.items.remove(privateKey(app, Item.move), 'finish the session move');
}

/**
 * Brings the session to the configured place at start-up (the rules are in
 * docs/access-groups.md): finishes a change of place an earlier start began, then compares the
 * group used last with the configured one. A change is journaled before its first write, so it
 * happens whole or not at all. Problems with unreadable records are pushed to `problems`;
 * storage failures throw `StorageError`, and the next start picks up where this one stopped.
 */
export function settlePlace(
  app: AppPlaces,
  configured: RememberedGroup,
  migrate: boolean,
  problems: AuthError[],
): Promise<void> {
  // One move at a time per app, across processes: two starts of the same app must not both move.
  return app.items.locked(privateKey(app, Item.move), async () => {
    const pending = await readJournal(app, problems);
    if (pending) await finishMove(app, pending, problems);

    const remembered = await readRemembered(app, problems);
    if (remembered === configured) return;

    const move: MoveJournal = { from: remembered, to: configured, migrate };
    await app.items.set(privateKey(app, Item.move), encodeMoveJournal(move), 'begin the session move');
    await finishMove(app, move, problems);
  });
}
