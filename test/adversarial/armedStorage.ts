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
}

export function createArmedStorage(items = new Map<string, string>()): ArmedStorage {
  let armed = false;
  let writes = 0;
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
    async getItem(key) {
      return items.get(key) ?? null;
    },
    setItem(key, value) {
      return write(() => void items.set(key, value));
    },
    removeItem(key) {
      return write(() => void items.delete(key));
    },
  };
}

export const APP_ID = 'adversarial.app';
export const GROUPS = ['team.alpha', 'team.beta'] as const;
export type GroupName = (typeof GROUPS)[number];
export type Place = 'app' | GroupName;

export function placeOf(group: GroupName | null): Place {
  return group ?? 'app';
}

export function sessionKey(place: Place): string {
  return place === 'app'
    ? `cognito-auth-machine/app/${encodeURIComponent(APP_ID)}/session`
    : `cognito-auth-machine/group/${encodeURIComponent(place)}/session`;
}

export function quarantineKey(place: Place): string {
  return `${sessionKey(place)}.quarantined`;
}

export const REMEMBERED_GROUP_KEY = `cognito-auth-machine/app/${encodeURIComponent(APP_ID)}/access-group`;
export const MOVE_JOURNAL_KEY = `cognito-auth-machine/app/${encodeURIComponent(APP_ID)}/move`;
