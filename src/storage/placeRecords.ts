/**
 * The two small records an app keeps in its private scope about where its session lives: the
 * access group it used last, and the journal of a move between places that has begun. Neither
 * holds a secret. Both are JSON with a version, like the session record.
 */

const VERSION = 1;

/** The access group an app used last; `null` is none (its private scope). */
export type RememberedGroup = string | null;

/**
 * A change of the session's place, written before the first change so that a later start can
 * finish it. Places are named by group, `null` being the app's private scope.
 */
export interface MoveJournal {
  from: string | null;
  to: string | null;
  /** Carry the session along (`migrateKeychainItemsOfUserSession`). */
  migrate: boolean;
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function isGroupName(value: unknown): value is string | null {
  return value === null || (typeof value === 'string' && value.length > 0);
}

export function encodeRememberedGroup(group: string): string {
  return JSON.stringify({ version: VERSION, group });
}

/** The remembered group, or `undefined` when the text is not a complete record. */
export function decodeRememberedGroup(text: string): string | undefined {
  const o = parseObject(text);
  return o?.version === VERSION && typeof o.group === 'string' && o.group.length > 0 ? o.group : undefined;
}

export function encodeMoveJournal(move: MoveJournal): string {
  return JSON.stringify({ version: VERSION, from: move.from, to: move.to, migrate: move.migrate });
}

/** The journal, or `undefined` when the text is not a complete record. */
export function decodeMoveJournal(text: string): MoveJournal | undefined {
  const o = parseObject(text);
  if (o?.version !== VERSION || !isGroupName(o.from) || !isGroupName(o.to) || o.from === o.to) return undefined;
  if (typeof o.migrate !== 'boolean') return undefined;
  return { from: o.from, to: o.to, migrate: o.migrate };
}
