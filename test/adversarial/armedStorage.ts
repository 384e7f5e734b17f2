/**
 * A memory SecureStorage the model can arm: "the next write fails" (a setItem or removeItem that
 * throws and changes nothing). The backing map is open to the test, to read the stored records
 * and to put unreadable bytes where a record should be, as a damaged store would.
 */
import type { SecureStorage } from '../../src/vocabulary/SecureStorage.js';

export class InjectedStorageFault extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InjectedStorageFault';
  }
}

export interface ArmedStorage extends SecureStorage {
  readonly items: Map<string, string>;
  /** Arms a failure of the next write. */
  failNextWrite(): void;
  readonly armed: boolean;
  readonly writes: number;
  /** Every value written, in order (the model reads records that were replaced before it looked). */
  readonly written: string[];
}

export function createArmedStorage(items = new Map<string, string>()): ArmedStorage {
  let armed = false;
  let writes = 0;
  const written: string[] = [];
  const write = async (apply: () => void) => {
    writes += 1;
    if (armed) {
      armed = false;
      throw new InjectedStorageFault(`write ${writes} failed`);
    }
    apply();
  };
  return {
    items,
    failNextWrite() {
      armed = true;
    },
    get armed() {
      return armed;
    },
    get writes() {
      return writes;
    },
    written,
    async getItem(key) {
      return items.get(key) ?? null;
    },
    setItem(key, value) {
      return write(() => {
        items.set(key, value);
        written.push(value);
      });
    },
    removeItem(key) {
      return write(() => void items.delete(key));
    },
  };
}

export const APP_ID = 'adversarial.app';
/** The second app of the group: another appId over the same storage. */
export const PEER_APP_ID = 'adversarial.peer';
export const GROUPS = ['team.alpha', 'team.beta'] as const;
export type GroupName = (typeof GROUPS)[number];
/** The private scope of an app. */
export type PrivatePlace = 'app' | 'peer';
export type Place = PrivatePlace | GroupName;
export const PLACES: readonly Place[] = ['app', 'peer', ...GROUPS];

export function placeOf(group: GroupName | null, own: PrivatePlace = 'app'): Place {
  return group ?? own;
}

function appIdOf(own: PrivatePlace): string {
  return own === 'app' ? APP_ID : PEER_APP_ID;
}

export function sessionKey(place: Place): string {
  return place === 'app' || place === 'peer'
    ? `cognito-auth-machine/app/${encodeURIComponent(appIdOf(place))}/session`
    : `cognito-auth-machine/group/${encodeURIComponent(place)}/session`;
}

export function quarantineKey(place: Place): string {
  return `${sessionKey(place)}.quarantined`;
}

export function rememberedGroupKey(own: PrivatePlace): string {
  return `cognito-auth-machine/app/${encodeURIComponent(appIdOf(own))}/access-group`;
}

export function moveJournalKey(own: PrivatePlace): string {
  return `cognito-auth-machine/app/${encodeURIComponent(appIdOf(own))}/move`;
}

export const REMEMBERED_GROUP_KEY = rememberedGroupKey('app');
export const MOVE_JOURNAL_KEY = moveJournalKey('app');
