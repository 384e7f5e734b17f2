import type { SecureStorage } from '../../src/vocabulary/SecureStorage.js';

/**
 * What happens at the chosen write:
 * - `fail`: the write throws and changes nothing; the instance goes on working.
 * - `crashBefore`: the process stops before the write reaches the store.
 * - `crashAfter`: the write reaches the store, then the process stops.
 * - `torn`: only a strict prefix of the value reaches the store, then the process stops
 *   (a removal is applied whole); this is worse than any backend here allows.
 * After a crash the instance is dropped: every later call rejects and reaches nothing, as if the
 * process were gone. A restart is a new instance over the same backing storage.
 */
export type FaultMode = 'fail' | 'crashBefore' | 'crashAfter' | 'torn';

export const FAULT_MODES: readonly FaultMode[] = ['fail', 'crashBefore', 'crashAfter', 'torn'];

export interface Fault {
  /** The write (setItem or removeItem, counted from 1) at which the fault strikes. */
  atWrite: number;
  mode: FaultMode;
}

export class InjectedFault extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InjectedFault';
  }
}

export interface FaultyStorage extends SecureStorage {
  /** Writes attempted so far, including the faulty one. */
  readonly writes: number;
  readonly crashed: boolean;
  /** Whether the fault was reached. */
  readonly struck: boolean;
}

/** Wraps `backing` so that write number `fault.atWrite` fails or crashes (see {@link FaultMode}). */
export function createFaultyStorage(backing: SecureStorage, fault: Fault | null): FaultyStorage {
  let writes = 0;
  let crashed = false;
  let struck = false;

  const alive = () => {
    if (crashed) throw new InjectedFault('the process has stopped');
  };

  const write = async (apply: (value?: string) => Promise<void>, value?: string) => {
    alive();
    writes += 1;
    if (fault === null || writes !== fault.atWrite) return apply(value);
    struck = true;
    switch (fault.mode) {
      case 'fail':
        throw new InjectedFault(`write ${writes} failed`);
      case 'crashBefore':
        crashed = true;
        break;
      case 'crashAfter':
        await apply(value);
        crashed = true;
        break;
      case 'torn':
        await apply(value === undefined ? undefined : value.slice(0, Math.floor(value.length / 2)));
        crashed = true;
        break;
    }
    throw new InjectedFault(`crashed at write ${writes}`);
  };

  return {
    get writes() {
      return writes;
    },
    get crashed() {
      return crashed;
    },
    get struck() {
      return struck;
    },
    async getItem(key) {
      alive();
      return backing.getItem(key);
    },
    setItem(key, value) {
      return write((v) => backing.setItem(key, v as string), value);
    },
    removeItem(key) {
      return write(() => backing.removeItem(key));
    },
  };
}

/** A memory storage whose contents can be listed, to check what is stored where. */
export function createInspectableStorage(): SecureStorage & { readonly items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    async getItem(key) {
      return items.get(key) ?? null;
    },
    async setItem(key, value) {
      items.set(key, value);
    },
    async removeItem(key) {
      items.delete(key);
    },
  };
}
